"""The project form in Chromium: the skill picker by keyboard, with and without its
script; the evaluation and collaborator rows on a phone; the evaluation table's
judgement of each change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    DEMO_PASSWORD,
    SCREENSHOTS,
    ContextFactory,
    log_in,
    visit,
)
from tests.browser.test_accessibility import tab_to
from tests.helpers import PASSWORD, make_user
from tracker.models import Project

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def new_project(page: Page, title: str) -> None:
    page.goto("/projects/new/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Summary").fill("A small experiment.")


def test_the_skill_picker_narrows_to_what_is_typed_and_works_by_keyboard(
    curriculum: None, open_context: ContextFactory
) -> None:
    make_user("kim")
    page = open_context().new_page()
    log_in(page, "kim", PASSWORD)
    new_project(page, "Eigenfaces")
    picker = page.locator("[data-skill-picker]")
    groups = picker.locator("details.skill-group")
    total = groups.count()
    assert total > 10

    search = page.get_by_label("Find a skill")
    tab_to(page, search, limit=200)
    page.keyboard.type("linear alg")
    expect(picker.get_by_role("status")).to_have_text(re.compile(r"^\d+ skills? match"))
    box = picker.get_by_role("checkbox", name="Linear algebra", exact=True)
    expect(box).to_be_visible()
    expect(groups.filter(has=page.locator("li:not([hidden])"))).not_to_have_count(total)
    page.keyboard.press("Enter")  # narrows, never sends the form
    expect(page).to_have_url(re.compile(r"/projects/new/$"))
    tab_to(page, box)
    page.keyboard.press(" ")
    expect(box).to_be_checked()
    expect(picker.locator("[data-skill-count]")).to_have_text("1 ticked")

    search.focus()
    page.keyboard.press("Escape")  # back to every group; the ticked one stays open
    expect(search).to_have_value("")
    expect(picker.locator("details.skill-group:not([hidden])")).to_have_count(total)
    expect(box).to_be_visible()
    expect(picker.get_by_text("No skill matches")).to_have_count(0)
    page.keyboard.type("zzzz")
    expect(picker.get_by_role("status")).to_have_text("No skill matches “zzzz”.")
    page.keyboard.press("Escape")

    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Eigenfaces")
    project = Project.objects.get(title="Eigenfaces")
    assert list(project.skills.values_list("slug", flat=True)) == ["linear-algebra"]


def test_the_skill_picker_works_without_javascript(
    curriculum: None, open_context: ContextFactory
) -> None:
    make_user("nils")
    page = open_context(java_script_enabled=False).new_page()
    log_in(page, "nils", PASSWORD)
    new_project(page, "Gradient checks")
    expect(page.get_by_label("Find a skill")).to_be_hidden()  # it needs its script
    group = page.locator("details.skill-group").filter(has_text="Mathematics")
    group.locator("summary").click()
    group.get_by_role("checkbox", name="Calculus", exact=True).check()
    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gradient checks")
    project = Project.objects.get(title="Gradient checks")
    assert list(project.skills.values_list("slug", flat=True)) == ["calculus"]


def inside_the_screen(locator: Locator, width: int) -> list[str]:
    """What of `locator`'s visible fields and labels sticks out past either edge."""
    return locator.evaluate_all(
        """(els, width) => els.filter(el => el.checkVisibility())
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([, box]) => box.left < -0.5 || box.right > width + 0.5)
            .map(([el, box]) => `${el.tagName} ${el.id || el.textContent.trim()} `
                 + `${Math.round(box.left)}..${Math.round(box.right)}`)""",
        width,
    )


def test_on_a_phone_the_table_rows_stack_and_nothing_is_cut(
    demo: None, open_context: ContextFactory
) -> None:
    """390×844: every field, its label and "Remove" of each evaluation and collaborator
    row within the screen, with no sideways scrolling; the same for the evaluation table
    on the project's page."""
    project = Project.objects.get(owner__username="ada", title="House prices: gradient boosting")
    page = open_context(viewport=PHONE).new_page()
    log_in(page, "ada", DEMO_PASSWORD)
    for path in ("/projects/new/", f"/projects/{project.pk}/edit/"):
        visit(page, path)
        rows = page.locator("#metrics-rows tr, #collaborators-rows tr")
        assert rows.count() >= 4
        fields = rows.locator("input:not([type=hidden]), select, label")
        assert not inside_the_screen(fields, PHONE["width"]), path
        first = page.locator("#metrics-rows tr").first
        for name in ("Metric", "Split", "Value", "Baseline", "Better if"):
            expect(first.get_by_text(name, exact=True)).to_be_visible()  # labels show
        expect(first.locator(".remove-cell label")).to_contain_text("Remove")
        expect(first.locator(".remove-cell label")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=SCREENSHOTS / f"project-form-rows-{path.count('/')}-phone.png",
                        full_page=True)  # fmt: skip

    visit(page, f"/projects/{project.pk}/")
    page.screenshot(path=SCREENSHOTS / "project-page-phone.png", full_page=True)
    cells = page.locator("table.eval-table").locator("th, td, .change-word")
    assert not inside_the_screen(cells, PHONE["width"])
    expect(page.locator("table.eval-table .change-word").first).to_have_text("better")


def test_the_evaluation_table_says_which_changes_are_better_in_words(
    demo: None, open_context: ContextFactory
) -> None:
    """RMSE went down against its baseline: the page says better, with a glyph before
    the word; not a bare "−0.0610" whose meaning depends on the metric."""
    project = Project.objects.get(owner__username="ada", title="House prices: gradient boosting")
    page = open_context().new_page()
    visit(page, f"/projects/{project.pk}/")
    row = page.locator("table.eval-table tbody tr").first
    expect(row).to_contain_text("RMSE (log)")
    expect(row.locator(".change")).to_have_text("\u22120.061 better")
    glyph = row.locator(".change-word").evaluate("el => getComputedStyle(el, '::before').content")
    assert "✓" in glyph
