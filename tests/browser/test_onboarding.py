"""A new learner's first minute, in Chromium with JavaScript on and off: sign up, set a
goal, mark what they know already, and read their plan on the dashboard."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import ContextFactory, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def onboarding(page: Page, username: str) -> None:
    sign_up(page, username)
    expect(page.get_by_role("heading", level=1)).to_have_text("What are you aiming for?")
    page.get_by_role("radio", name=re.compile("^MLOps engineer")).check()
    page.get_by_label("Hours a week you can give it").fill("8")
    target = dt.date.today() + dt.timedelta(days=200)
    page.get_by_label(re.compile("^Target date")).fill(target.isoformat())
    page.get_by_label("Your time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Set my goal").click()

    # Next: what they know already, the path in stages.
    expect(page.get_by_role("heading", level=1)).to_have_text("What do you know already?")
    stage = page.get_by_role("group", name=re.compile("Stage 1"))
    expect(stage.get_by_role("checkbox")).to_have_count(8)
    stage.get_by_role("button", name=re.compile("^I know all of stage 1")).click()

    # The dashboard says in words when they will finish and what to do this week.
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Hello, {username}")
    expect(page.locator(".messages")).to_contain_text("Marked 8 skills as known before.")
    plan = page.locator("#plan")
    expect(plan.get_by_role("heading", level=2)).to_contain_text("Your plan: MLOps engineer")
    expect(plan).to_contain_text("less than two weeks of history")
    expect(plan).to_contain_text(re.compile(r"On track|Behind by \d+ weeks?"))
    expect(plan).to_contain_text("8 of")
    week = plan.locator(".week-plan li")
    expect(week.first).to_contain_text("week 1 of")
    expect(plan).to_contain_text("This week, 8 h")

    # Starting this week's first skill moves it to "Learning", in place with htmx.
    first = week.first
    title = first.locator(".skill-title").inner_text()
    first.get_by_role("button", name="Learning", exact=True).click()
    expect(page.locator(".week-plan li").filter(has_text=title).locator(".status")).to_have_text(
        "Learning"
    )

    # Tracks outside the path fold away; a toggle shows them.
    other = page.locator("details.other-tracks")
    expect(other.locator("summary")).to_contain_text("Show the other")
    expect(other.locator(".track-stats")).not_to_be_visible()
    other.locator("summary").click()
    expect(other.locator(".track-stats")).to_be_visible()


def test_onboarding_with_javascript(curriculum: None, open_context: ContextFactory) -> None:
    onboarding(open_context().new_page(), "olga")


def test_onboarding_without_javascript(curriculum: None, open_context: ContextFactory) -> None:
    onboarding(open_context(java_script_enabled=False).new_page(), "omar")


def test_the_dashboard_stays_current_after_a_click(
    curriculum: None, open_context: ContextFactory
) -> None:
    """Pressing Learning under "Next up" moves the skill to "Continue" and "Recent
    activity" in place, and out of "Next up", with no reload."""
    page = open_context().new_page()
    sign_up(page, "dora")
    page.get_by_role("link", name="Skip for now").click()
    expect(page.get_by_text("You are not learning anything right now.")).to_be_visible()
    page.evaluate("window.__marker = 1")
    next_up = page.locator("section[aria-labelledby=next-heading]")
    first = next_up.locator(".skill-row").first
    title = first.locator(".skill-title").inner_text()
    first.get_by_role("button", name="Learning", exact=True).click()
    continue_section = page.locator("section[aria-labelledby=continue-heading]")
    expect(continue_section).to_contain_text(title)
    expect(page.get_by_text("You are not learning anything right now.")).to_have_count(0)
    expect(next_up).not_to_contain_text(title)
    expect(page.locator("section[aria-labelledby=activity-heading]")).to_contain_text(title)
    expect(page.locator("#overall-progress")).to_contain_text(re.compile(r"1\s*learning now"))
    assert page.evaluate("window.__marker") == 1, "the page reloaded"
