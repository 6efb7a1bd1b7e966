"""Browser tests: Debian's Chromium, driven by Playwright, against pytest-django's live server.

`browser_type_launch_args` (Chromium's path and flags) lives in tests/conftest.py. Every
test here runs against a real server thread, so each needs a transactional database
(its data is committed, then flushed after the test) and is marked `browser`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import BrowserContext, ConsoleMessage, Page, expect

from catalog.curriculum import load_curriculum
from catalog.models import Skill
from catalog.snapshot import forget_catalog
from tracker.mentoring.services import invite_create, invite_token
from tracker.models import Progress, Project, User

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"

# A selector misses in seconds here, not in Playwright's default 30 s.
TIMEOUT_MS = 10_000
DEMO_PASSWORD = "gradient-demo"
PASSWORD = "a-long-browser-password-42"


ContextFactory = Callable[..., BrowserContext]

# HTTP error statuses show in the console too; the tests check statuses themselves.
TOLERATED_CONSOLE_ERRORS = ("Failed to load resource",)


@pytest.fixture
def open_context(new_context: ContextFactory, live_server) -> Iterator[ContextFactory]:  # type: ignore[no-untyped-def]
    """A new browser context (its own cookies: one per person) on the live server, so
    pages are opened by path; with short timeouts.

    A script error or a Content-Security-Policy violation in any of its pages fails the
    test. HTTP error statuses are left to the tests, which expect some (a revoked
    mentor's 404).
    """
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.text.startswith(TOLERATED_CONSOLE_ERRORS):
            errors.append(f"{message.page.url if message.page else ''}: {message.text}")

    def open_(**kwargs: object) -> BrowserContext:
        context = new_context(**{"base_url": live_server.url, **kwargs})
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        context.on("console", on_console)
        context.on("weberror", lambda e: errors.append(f"uncaught: {e.error}"))
        return context

    yield open_
    assert not errors, "errors in the browser console:\n" + "\n".join(errors)


@pytest.fixture
def curriculum(transactional_db: None) -> None:
    """The real curriculum (about a second to load)."""
    load_curriculum()
    forget_catalog()


@pytest.fixture
def demo(transactional_db: None) -> None:
    """What a newcomer sees after `manage.py seed_demo`: ada with months of history and
    four projects, alan just starting, grace mentoring both, admin (staff); and
    "newcomer", an account with nothing yet, for the empty states."""
    call_command("seed_demo", stdout=io.StringIO())
    User.objects.create_user("newcomer", "newcomer@example.com", DEMO_PASSWORD)
    forget_catalog()


# -- steps that several journeys share ---------------------------------------------------


def sign_up(page: Page, username: str, password: str = PASSWORD) -> None:
    """Through allauth's real form; a new account lands on the page that sets a goal."""
    page.goto("/accounts/signup/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label(re.compile(r"Password \(again\)")).fill(password)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/goal/$"))


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    """Through allauth's real form."""
    page.goto("/accounts/login/")
    page.get_by_label(re.compile("Username or email|Login", re.I)).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name=re.compile("^(Sign|Log) in$", re.I)).click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


# -- the main pages, as the demo data shows them ------------------------------------------


@dataclass(frozen=True)
class MainPage:
    name: str
    who: str | None  # a demo username, or None for a visitor
    path: str


def main_pages() -> list[MainPage]:
    """Every main page, each seen by the person it is for (after the `demo` fixture)."""
    ada = User.objects.get(username="ada")
    project = Project.objects.get(owner=ada, title="Handwritten digit classifier")
    # The skill grace verified: its page shows the verification and a note.
    verified = Progress.objects.select_related("skill").get(user=ada, verified_by__isnull=False)
    # A note with TeX math in it (the demo's notes take turns), for the note editor.
    noted = Progress.objects.select_related("skill").filter(user=ada, note__contains="$$")[0]
    # The track whose first rows (those in view) show the most different statuses.
    status = dict(Progress.objects.filter(user=ada).values_list("skill_id", "status"))
    rows: dict[str, list[str]] = {}
    for skill_id, slug in Skill.objects.order_by("track__order", "order").values_list(
        "id", "track__slug"
    ):
        rows.setdefault(slug, []).append(status.get(skill_id, "todo"))
    track = max(rows, key=lambda slug: len(set(rows[slug][:5])))
    largest = max(rows, key=lambda slug: len(rows[slug]))  # the widest map
    # A skill awaiting grace's verification, with a project as evidence if one has it.
    candidates = list(
        Progress.objects.select_related("skill")
        .filter(user=ada, status="done", known_before=False, verified_by__isnull=True)
        .order_by("-completed_at")
    )
    shown = set(
        Project.skills.through.objects.filter(project__owner=ada).values_list("skill_id", flat=True)
    )
    awaiting = next((p for p in candidates if p.skill_id in shown), candidates[0])
    return [
        MainPage("catalog", "ada", "/catalog/"),
        MainPage("track", "ada", f"/catalog/{track}/"),
        MainPage("map", "ada", f"/catalog/{largest}/map/"),
        MainPage("paths", "ada", "/paths/"),
        MainPage("path", "ada", "/paths/ml-engineer/"),
        MainPage("skill", "ada", f"/skills/{verified.skill.slug}/"),
        MainPage("note", "ada", f"/progress/{noted.skill.slug}/note/"),
        MainPage("dashboard", "ada", "/dashboard/"),
        MainPage("projects", "ada", "/projects/"),
        MainPage("project-form", "ada", "/projects/new/"),
        MainPage("project", "ada", f"/projects/{project.pk}/"),
        MainPage("project-edit", "ada", f"/projects/{project.pk}/edit/"),
        MainPage("mentors", "ada", "/mentors/"),
        MainPage("dashboard-empty", "newcomer", "/dashboard/"),
        MainPage("goal", "newcomer", "/goal/"),
        MainPage("goal-known", "alan", "/goal/known/"),
        MainPage("projects-empty", "newcomer", "/projects/"),
        MainPage("mentor-dashboard-empty", "newcomer", "/mentor/"),
        MainPage("mentor-dashboard", "grace", "/mentor/"),
        MainPage("mentee", "grace", "/mentor/ada/"),
        MainPage("mentee-skill", "grace", f"/mentor/ada/skills/{awaiting.skill.slug}/"),
        MainPage("invite", None, f"/mentors/accept/{invite_token(invite_create(learner=ada))}/"),
        MainPage("portfolio", None, "/u/ada/"),
        MainPage("skill-visitor", None, f"/skills/{verified.skill.slug}/"),
        MainPage("signup", None, "/accounts/signup/"),
        MainPage("login", None, "/accounts/login/"),
    ]


def by_person(pages: list[MainPage]) -> dict[str | None, list[MainPage]]:
    people: dict[str | None, list[MainPage]] = {}
    for page in pages:
        people.setdefault(page.who, []).append(page)
    return people


def visit(page: Page, path: str) -> None:
    """Open a page and wait until it is complete: lazy images loaded too."""
    response = page.goto(path)
    assert response is not None and response.ok, f"{path} answered {response and response.status}"
    page.evaluate(
        """() => Promise.all([...document.images].map(img => {
            img.loading = "eager";
            return img.complete ? null : new Promise(done => { img.onload = img.onerror = done; });
        }))"""
    )
