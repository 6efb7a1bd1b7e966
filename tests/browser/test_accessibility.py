"""Accessibility in a real browser: axe-core on every main page, the page structure a
screen reader relies on, and the status toggle by keyboard alone."""

from __future__ import annotations

from collections import Counter

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import (
    DEMO_PASSWORD,
    ContextFactory,
    by_person,
    log_in,
    main_pages,
    visit,
)
from tests.helpers import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}

# What a page must get right beyond axe: one h1 and no skipped heading level; progress
# bars that say their value; status labels in words, not colour alone.
STRUCTURE_JS = """() => {
    const problems = [];
    const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
        .filter(h => !h.closest("[hidden], [aria-hidden=true]"));
    const h1s = headings.filter(h => h.tagName === "H1").length;
    if (h1s !== 1) problems.push(`${h1s} h1 elements`);
    let previous = 0;
    for (const h of headings) {
        const level = Number(h.tagName[1]);
        if (level > previous + 1) {
            problems.push(`h${level} "${h.textContent.trim().slice(0, 40)}" after h${previous}`);
        }
        previous = level;
    }
    for (const bar of document.querySelectorAll(".progress, [role=progressbar]")) {
        const [now, min, max] = ["aria-valuenow", "aria-valuemin", "aria-valuemax"]
            .map(a => bar.getAttribute(a));
        if (bar.getAttribute("role") !== "progressbar" || now === null || min === null
            || max === null || +now < +min || +now > +max) {
            problems.push(`progress bar ${bar.outerHTML.slice(0, 80)}`);
        }
        if (!bar.getAttribute("aria-label") && !bar.getAttribute("aria-labelledby")) {
            problems.push(`progress bar without a name: ${bar.outerHTML.slice(0, 80)}`);
        }
    }
    for (const label of document.querySelectorAll(".status")) {
        if (!label.textContent.trim()) problems.push(`empty status label ${label.outerHTML}`);
    }
    return problems;
}"""


def describe(violation: dict) -> str:
    targets = [" ".join(node["target"]) for node in violation["nodes"][:3]]
    return f"[{violation['impact']}] {violation['id']}: {violation['help']} at {targets}"


def skip_link_problems(page: Page) -> list[str]:
    """The first Tab lands on the skip link, shown on screen; Enter moves focus to <main>."""
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.className")
    if focused != "skip-link":
        return [f"the first Tab focuses .{focused}, not the skip link"]
    problems = []
    box = page.locator(".skip-link").bounding_box()
    if not box or box["y"] < 0:
        problems.append("the focused skip link is off screen")
    page.keyboard.press("Enter")
    if page.evaluate("() => document.activeElement.id") != "main":
        problems.append("the skip link does not move focus to #main")
    return problems


def test_every_main_page_passes_axe_and_the_structure_rules(
    demo: None, open_context: ContextFactory
) -> None:
    """No serious or critical axe violation (moderate and minor ones are printed); one h1
    and no skipped heading level; labelled progress bars; a working skip link."""
    axe = Axe()
    problems: list[str] = []
    minor: Counter[str] = Counter()
    for who, pages in by_person(main_pages()).items():
        page = open_context().new_page()
        if who:
            log_in(page, who, DEMO_PASSWORD)
        for main in pages:
            visit(page, main.path)
            for violation in axe.run(page).response["violations"]:
                line = f"{main.name}: {describe(violation)}"
                if violation["impact"] in BLOCKING:
                    problems.append(line)
                else:
                    minor[f"{violation['impact']} {violation['id']}: {violation['help']}"] += 1
                    print(line)
            problems += [f"{main.name}: {p}" for p in page.evaluate(STRUCTURE_JS)]
            problems += [f"{main.name}: {p}" for p in skip_link_problems(page)]
    print(f"axe: {sum(minor.values())} moderate or minor findings: {dict(minor)}")
    assert not problems, "\n".join(problems)


def tab_to(page: Page, target: Locator, limit: int = 80) -> None:
    """Press Tab until `target` has focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{limit} Tabs never reached {target}")


def assert_focus_visible(target: Locator) -> None:
    style = target.evaluate(
        """el => {
            const s = getComputedStyle(el);
            return {visible: el.matches(":focus-visible"), outline: s.outlineStyle,
                    width: s.outlineWidth, shadow: s.boxShadow};
        }"""
    )
    assert style["visible"], style
    assert (style["outline"] != "none" and style["width"] != "0px") or style["shadow"] != "none", (
        style
    )


def test_the_status_toggle_and_the_note_editor_work_by_keyboard_alone(
    curriculum: None, open_context: ContextFactory
) -> None:
    make_user("kim")
    page = open_context().new_page()
    log_in(page, "kim", PASSWORD)
    page.goto("/catalog/mathematics/")
    control = page.locator("#status-linear-algebra")
    bar = page.locator("#track-progress-mathematics [role=progressbar]")

    learning = control.locator("button[value=learning]")
    tab_to(page, learning)
    assert_focus_visible(learning)
    page.keyboard.press("Enter")
    expect(control.locator(".status")).to_have_text("Learning")
    expect(control.locator("button[value=learning]")).to_have_attribute("aria-pressed", "true")

    # Focus stays on the pressed button after the swap; Tab on to "Done", press Space.
    done = control.locator("button[value=done]")
    tab_to(page, done)
    assert_focus_visible(done)
    page.keyboard.press(" ")
    expect(control.locator(".status")).to_have_text("Done")
    expect(bar).not_to_have_attribute("aria-valuenow", "0")

    # The note editor, swapped in by htmx, takes the focus (autofocus), so typing follows.
    page.goto("/skills/linear-algebra/")
    write = page.get_by_role("link", name="Write a note")
    tab_to(page, write)
    assert_focus_visible(write)
    # The editor takes the focus as it is swapped in, but htmx wires its form up only when
    # the swap settles: a key pressed before that would post the form without htmx.
    page.evaluate(
        "document.addEventListener('htmx:load', () => document.body.dataset.editorReady = '1')"
    )
    page.keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="My notes")).to_be_focused()
    expect(page.locator("body[data-editor-ready]")).to_be_attached()  # no eval under the CSP
    page.keyboard.type("Keyboard only.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save notes")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#notes .prose")).to_have_text("Keyboard only.")
    expect(page.locator("#notes-heading")).to_be_focused()  # not lost to <body>


def test_focus_stays_on_the_status_button_after_a_keyboard_toggle(
    curriculum: None, open_context: ContextFactory
) -> None:
    make_user("kim")
    page = open_context().new_page()
    log_in(page, "kim", PASSWORD)
    page.goto("/catalog/mathematics/")
    control = page.locator("#status-linear-algebra")
    tab_to(page, control.locator("button[value=learning]"))
    page.keyboard.press("Enter")
    expect(control.locator(".status")).to_have_text("Learning")
    assert control.locator("button[value=learning]").evaluate("el => el === document.activeElement")
