"""Who may see what: every route of the app, walked for every role.

The expected answers are DESIGN.md's access table (tests/helpers/access.py): objects a
user may not see answer 404 (never 403), anonymous visitors are sent to log in for
anything personal, and a revoked mentor loses everything at once. A route missing from
the table fails the build.
"""

import pytest
from django.db import transaction

from tests.helpers import as_sent
from tests.helpers.access import (
    CANARY,
    LOGIN,
    ROLES,
    ROUTES,
    World,
    _image,
    _project,
    app_url_names,
    client_for,
)


def test_every_route_is_in_the_access_table() -> None:
    missing = app_url_names() - set(ROUTES)
    assert not missing, f"add these routes to tests/test_access.py: {sorted(missing)}"
    assert not set(ROUTES) - app_url_names(), "the table names routes that no longer exist"


CASES = [(name, i) for name, checks in ROUTES.items() for i in range(len(checks))]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "index"), CASES)
def test_each_role_gets_the_designed_answer(world: World, name: str, index: int) -> None:
    """Every role in turn, each in a savepoint rolled back after it, so what one role's
    request writes never changes what the next one meets."""
    failures = []
    for role in ROLES:
        with transaction.atomic():
            failures += _attempt(world, name, index, role)
            transaction.set_rollback(True)
    assert not failures, "\n".join(failures)


def _attempt(world: World, name: str, index: int, role: str) -> list[str]:
    method, path, data, expected = ROUTES[name][index]
    client = client_for(world, role)
    if callable(data):
        data = data(world)
    if method == "post":  # as a browser sends our forms: whole, with a one-time key
        data = as_sent(data)
    response = getattr(client, method)(path(world), data or {})
    if response.status_code != expected[role]:
        return [f"{name} as {role}: {response.status_code}, expected {expected[role]}"]
    to_login = expected[role] == LOGIN and role == "anonymous" and name != "home"
    if to_login and not response["Location"].startswith("/accounts/login/"):
        return [f"{name} as anonymous: sent to {response['Location']}, not to log in"]
    if role not in ("owner",) and method == "get" and response.status_code == 200:
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode(errors="ignore")
        # The mentor may read what is shared with mentors, never the owner's private notes
        # (not shared here) or private projects.
        allowed = role == "mentor" and name in ("tracker:mentee", "tracker:project")
        if role == "mentor" and name == "tracker:account-export-json":
            # Their own export holds what they wrote: their feedback and their note.
            body = body.replace(f"feedback {CANARY}", "").replace(f"mentor note {CANARY}", "")
        if not allowed and CANARY in body:
            return [f"{name} as {role}: shows something private"]
    return []


@pytest.mark.django_db
def test_the_active_mentor_sees_shared_things_but_not_private_ones(world: World) -> None:
    mentor = client_for(world, "mentor")
    page = mentor.get("/mentor/olivia/").content.decode()
    assert f"{CANARY} mentors" in page  # the shared project
    assert f"mentor note {CANARY}" in page  # their own private note
    assert f"{CANARY} private" not in page
    assert f"note {CANARY}" not in page.replace(f"mentor note {CANARY}", "")


@pytest.mark.django_db
def test_a_revoked_mentor_loses_everything_at_once(world: World) -> None:
    mentor = client_for(world, "mentor")
    assert mentor.get("/mentor/olivia/").status_code == 200
    world.objects["mentorship"].state = "revoked"
    world.objects["mentorship"].save()
    for path in (
        "/mentor/olivia/",
        _project("mentors")(world),
        _image("mentors", "full")(world),
    ):
        assert mentor.get(path).status_code == 404, path
    assert mentor.post("/mentor/olivia/notes/", {"body": "x"}).status_code == 404
    assert b"olivia" not in mentor.get("/mentor/").content


GET_ROUTES = sorted(name for name, checks in ROUTES.items() if checks[0][0] == "get")


@pytest.mark.django_db
@pytest.mark.parametrize("name", GET_ROUTES)
def test_every_page_answers_head_as_it_answers_get(world: World, name: str) -> None:
    """Monitors and link checkers send HEAD; a GET-only route must not answer 405."""
    _, path, _, expected = ROUTES[name][0]
    for role in ("anonymous", "owner"):
        response = client_for(world, role).head(path(world))
        assert response.status_code == expected[role], (name, role, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body == b""
