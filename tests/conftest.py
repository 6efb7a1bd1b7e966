import os
import uuid
from collections.abc import Iterator

import pytest
from django.template.backends import jinja2 as jinja2_backend
from django.test.signals import template_rendered

from catalog.models import Resource, Skill, Track
from catalog.snapshot import forget_catalog
from tracker.models import User

# Playwright's sync API runs an event loop in the test thread; Django would otherwise
# refuse database access from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True, scope="session")
def _jinja2_contexts_for_the_test_client() -> Iterator[None]:
    """Django's test client records the context of Django templates only; send the same
    signal for Jinja2 pages, so tests can read `response.context` of any page."""
    original = jinja2_backend.Template.render

    def render(self, context=None, request=None):  # type: ignore[no-untyped-def]
        html = original(self, context, request)
        full = dict(context or {})
        template_rendered.send(sender=self, template=self, context=full)
        return html

    jinja2_backend.Template.render = render  # type: ignore[method-assign]
    yield
    jinja2_backend.Template.render = original  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def _fresh_catalog_copy() -> None:
    """Each test builds its own catalog; no process-level copy survives from another."""
    forget_catalog()


def make_user(username: str, **extra: object) -> User:
    return User.objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD, **extra
    )


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice")


@pytest.fixture
def bob(db: None) -> User:
    return make_user("bob")


@pytest.fixture
def staff(db: None) -> User:
    return make_user("staff", is_staff=True, is_superuser=True)


def make_catalog(tracks: int = 2, skills_per_track: int = 3) -> list[Skill]:
    """A small catalog: each skill requires the one before it in its track.

    Track numbers continue after existing tracks, so it can be called again to grow it.
    """
    skills = []
    first = Track.objects.count() + 1
    for t in range(first, first + tracks):
        track = Track.objects.create(slug=f"track-{t}", title=f"Track {t}", order=t)
        previous = None
        for s in range(1, skills_per_track + 1):
            skill = Skill.objects.create(
                track=track,
                slug=f"skill-{t}-{s}",
                title=f"Skill {t}.{s}",
                summary=f"Summary of skill {t}.{s}. It matters.",
                hours=s * 2,
                order=s,
            )
            Resource.objects.create(
                skill=skill,
                title=f"Docs for {t}.{s}",
                url=f"https://example.org/{t}/{s}",
                kind=Resource.Kind.DOCS,
                minutes=30,
            )
            if previous:
                skill.prerequisites.add(previous)
            previous = skill
            skills.append(skill)
    forget_catalog()
    return skills


@pytest.fixture
def catalog(db: None) -> list[Skill]:
    return make_catalog()


# -- browser tests (pytest-playwright) --------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """Debian's Chromium, headless, with nothing that phones home or needs a GPU."""
    return {
        "executable_path": "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
        ],
    }


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last (after pytest-django's own ordering).

    Playwright's sync API leaves its event loop registered as the main thread's running
    loop for the rest of the session, so a test after it that calls asyncio.run() (the
    link checker's) would fail with "cannot be called from a running event loop".
    """
    items.sort(
        key=lambda item: (
            item.get_closest_marker("browser") is not None
            or "page" in getattr(item, "fixturenames", ())
        )
    )


def as_sent(data: dict | None = None, **more: object) -> dict:
    """Form data as a browser sends our forms: with the hidden marker that the form came
    whole and a fresh one-time key (tracker/forms.py); forms without them ignore them."""
    return {"sent": "1", "submission": str(uuid.uuid4()), **(data or {}), **more}


def new_project_form(**changes: object) -> dict:
    """The new-project form as a browser sends it: every field, one metric row, no
    collaborators, the marker and a fresh one-time key."""
    data: dict = {
        "title": "MNIST",
        "kind": "personal",
        "summary": "Digits.",
        **dict.fromkeys(
            [
                "problem",
                "data_source",
                "data_size",
                "data_licence",
                "data_url",
                "approach",
                "results",
                "repository_url",
                "demo_url",
                "started_on",
                "finished_on",
            ],
            "",
        ),  # fmt: skip
        "visibility": "private",
        "metrics-TOTAL_FORMS": "1",
        "metrics-INITIAL_FORMS": "0",
        "metrics-MIN_NUM_FORMS": "0",
        "metrics-MAX_NUM_FORMS": "20",
        "metrics-0-id": "",
        "metrics-0-name": "accuracy",
        "metrics-0-split": "test",
        "metrics-0-value": "0.97",
        "metrics-0-baseline": "",
        "collaborators-TOTAL_FORMS": "0",
        "collaborators-INITIAL_FORMS": "0",
        "collaborators-MIN_NUM_FORMS": "0",
        "collaborators-MAX_NUM_FORMS": "20",
    }
    return as_sent(data, **changes)
