import os
from collections.abc import Iterator

import pytest
from django.template.backends import jinja2 as jinja2_backend
from django.test import Client
from django.test.signals import template_rendered

from catalog.models import Skill
from catalog.snapshot import forget_catalog
from tests.helpers import make_catalog, make_user
from tests.helpers.access import World, build_world
from tracker.mentoring.services import mentorship_create
from tracker.models import Mentorship, User

# Playwright's sync API runs an event loop in the test thread; Django would otherwise
# refuse database access from it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


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


# -- the cast ---------------------------------------------------------------------------------
#
# alice and bob learn; grace mentors (a mentorship is each test's own business: see
# `mentored`); staff curate in admin; mallory is signed in and has no business with
# anyone. Tests that need more users (a mentor's fifty mentees) make them with make_user.


@pytest.fixture
def alice(db: None) -> User:
    return make_user("alice")


@pytest.fixture
def bob(db: None) -> User:
    return make_user("bob")


@pytest.fixture
def grace(db: None) -> User:
    return make_user("grace", first_name="Grace")


@pytest.fixture
def staff(db: None) -> User:
    return make_user("staff", is_staff=True, is_superuser=True)


@pytest.fixture
def mallory(db: None) -> User:
    return make_user("mallory")


@pytest.fixture
def mentored(alice: User, grace: User) -> Mentorship:
    """grace mentors alice."""
    return mentorship_create(learner=alice, mentor=grace)


@pytest.fixture
def alice_client(alice: User) -> Client:
    """A browser signed in as alice."""
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def catalog(db: None) -> list[Skill]:
    return make_catalog()


@pytest.fixture
def world(db: None) -> World:
    """The access table's cast and everything they own (tests/helpers/access.py)."""
    return build_world()


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

    def in_browser(item: pytest.Item) -> bool:
        return item.get_closest_marker("browser") is not None or "page" in getattr(
            item, "fixturenames", ()
        )

    for item in items:
        if in_browser(item):
            item.add_marker(pytest.mark.slow)  # Chromium takes seconds to start
    items.sort(key=in_browser)
