"""The Content Security Policy, in a real browser: nothing is blocked, and htmx and Django
admin still work under it.

Chromium reports every blocked script, style or connection as a console message naming
"Content Security Policy" and as a `securitypolicyviolation` event; both are collected,
with any uncaught page error (a script that broke), on every page these tests open.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from catalog.models import Prerequisite, Skill
from tests.helpers import make_catalog, make_user
from tracker.models import Progress, Project, User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});
"""


class Problems:
    """What the browser complained about since the last check."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.found: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"page error: {error}"))

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        # Only what the policy blocked: other console errors (a missing favicon on admin
        # pages, htmx naming an out-of-band target the page lacks) are not about CSP.
        if "Content Security Policy" in message.text or message.text.startswith("Refused to"):
            self.found.append(f"console {message.type}: {message.text}")

    def assert_none(self, where: str) -> None:
        events = self.page.evaluate("window.__cspViolations || []")
        problems = self.found + [f"violation: {e}" for e in events]
        self.found = []
        assert not problems, f"{where}:\n" + "\n".join(problems)


@pytest.fixture
def problems(page: Page) -> Iterator[Problems]:
    watcher = Problems(page)
    yield watcher
    watcher.assert_none("at the end")


def sign_in(page: Page, live_server, user: User) -> None:  # type: ignore[no-untyped-def]
    """Give the browser a session made by the test client (no login form to fill)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )


def open_page(page: Page, live_server, path: str) -> None:  # type: ignore[no-untyped-def]
    response = page.goto(live_server.url + path)
    assert response is not None and response.ok, f"{path}: {response and response.status}"
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp, path


def test_the_watcher_sees_a_blocked_inline_handler(page: Page, live_server) -> None:
    """Proof that the checks below can fail: inline code added to a page is blocked."""
    watcher = Problems(page)
    make_catalog()
    open_page(page, live_server, "/catalog/")
    page.evaluate("""document.body.insertAdjacentHTML("beforeend",
        '<img src="/static/img/favicon.svg" onload="window.__ran = true">')""")
    page.wait_for_function("window.__cspViolations.length > 0")
    assert page.evaluate("window.__ran") is None  # the handler did not run
    with pytest.raises(AssertionError, match="script-src"):
        watcher.assert_none("a page with inline code")


def test_the_catalog_for_a_visitor(page: Page, live_server, problems: Problems) -> None:
    make_catalog()
    open_page(page, live_server, "/catalog/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    problems.assert_none("/catalog/")
    # The live search is an htmx request too.
    page.get_by_role("searchbox").fill("Skill 1")
    expect(page.locator("#search-results")).to_contain_text("Skill 1.2")
    problems.assert_none("/catalog/ search")


def test_a_status_button_works_through_htmx(page: Page, live_server, problems: Problems) -> None:
    make_catalog()
    alice = make_user("alice")
    sign_in(page, live_server, alice)
    open_page(page, live_server, "/catalog/track-1/")
    problems.assert_none("/catalog/track-1/")
    page.evaluate("window.__samePage = true")  # gone if the click reloaded the page
    control = page.locator("#status-skill-1-2")
    control.get_by_role("button", name="Learning").click()
    expect(control.locator(".status")).to_have_text("Learning")
    expect(control.get_by_role("button", name="Learning")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__samePage === true"), "htmx did not swap: the page reloaded"
    assert Progress.objects.get(user=alice, skill__slug="skill-1-2").status == "learning"
    problems.assert_none("after the status click")


def test_the_dashboard(page: Page, live_server, problems: Problems) -> None:
    make_catalog()
    sign_in(page, live_server, make_user("alice"))
    open_page(page, live_server, "/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    problems.assert_none("/dashboard/")


def test_the_project_form(page: Page, live_server, problems: Problems) -> None:
    make_catalog()
    alice = make_user("alice")
    sign_in(page, live_server, alice)
    open_page(page, live_server, "/projects/new/")
    problems.assert_none("/projects/new/")
    rows = page.locator("#metrics-rows tr")
    before = rows.count()
    page.get_by_role("button", name="Add a row").click()  # an htmx GET
    expect(rows).to_have_count(before + 1)
    page.get_by_label("Title").fill("Digit classifier")
    page.get_by_label("Summary").fill("Handwritten digits, classified.")
    page.get_by_role("button", name="Save project").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Digit classifier")
    assert Project.objects.get(owner=alice).title == "Digit classifier"
    problems.assert_none("after saving the project")


def test_the_admin_change_form_and_its_autocomplete(
    page: Page, live_server, problems: Problems
) -> None:
    make_catalog()
    staff = make_user("stan", is_staff=True, is_superuser=True)
    skill = Skill.objects.get(slug="skill-1-1")
    sign_in(page, live_server, staff)
    open_page(page, live_server, f"/admin/catalog/skill/{skill.pk}/change/")
    problems.assert_none("the skill change form")
    # The prerequisite row's select2 widget asks the admin's autocomplete view.
    page.locator("#id_prerequisite_links-0-requires + .select2 .select2-selection").click()
    page.locator(".select2-search__field").fill("2.1")
    page.locator(".select2-results__option", has_text="Skill 2.1").click()
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert Prerequisite.objects.filter(skill=skill, requires__slug="skill-2-1").exists()
    problems.assert_none("after saving the skill")
    # The add form fills the slug from the title (prepopulate.js, data in a JSON script).
    open_page(page, live_server, "/admin/catalog/skill/add/")
    page.get_by_label("Title").press_sequentially("Matrix calculus")  # keyup events
    expect(page.locator("#id_slug")).to_have_value("matrix-calculus")
    problems.assert_none("the skill add form")
