"""Double submissions: the same form posted twelve times at once, from threads, against a
live multi-threaded server and a real database (a file for SQLite). Each leaves one row,
not two, and no request fails with a server error.

The pattern of tests/tracker/test_concurrency.py, for the other writes a double click can
repeat: accepting an invite link, attaching a project as evidence, verifying a skill,
revoking a mentorship."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
from django.core import mail
from django.test import Client

from catalog.models import Skill
from tests.conftest import make_catalog, make_user
from tracker import services
from tracker.models import Mentorship, Progress, ProgressEvent, Project, User

pytestmark = pytest.mark.django_db(transaction=True)

CLICKS = 12


@pytest.fixture
def signed_in(live_server) -> Iterator[Callable[[User], httpx.Client]]:  # type: ignore[no-untyped-def]
    """Makes a client with `user`'s session and a CSRF cookie; closes them all at the end.

    Closing matters: the live server keeps a kept-alive connection's thread, and with it a
    database connection, until the client hangs up, and an open database connection
    stops PostgreSQL from dropping the test database.
    """
    clients: list[httpx.Client] = []

    def sign_in(user: User) -> httpx.Client:
        django_client = Client()
        django_client.force_login(user)
        http = httpx.Client(base_url=live_server.url, timeout=30)
        clients.append(http)
        http.cookies.set("sessionid", django_client.cookies["sessionid"].value)
        http.get("/catalog/")  # sets the CSRF cookie
        return http

    yield sign_in
    for http in clients:
        http.close()


def post_together(http: httpx.Client, path: str, data: dict[str, str]) -> list[int]:
    """POST the same form CLICKS times, released at the same moment; the status codes."""
    barrier = threading.Barrier(CLICKS)
    codes: list[int] = [0] * CLICKS
    token = http.cookies["csrftoken"]

    def post(i: int) -> None:
        barrier.wait()
        codes[i] = http.post(path, data=data, headers={"X-CSRFToken": token}).status_code

    threads = [threading.Thread(target=post, args=(i,)) for i in range(CLICKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


@pytest.fixture
def skill() -> Skill:
    return make_catalog(tracks=1, skills_per_track=2)[0]


def test_accepting_one_invite_twelve_times_makes_one_mentorship(signed_in, skill) -> None:
    alice, grace = make_user("alice"), make_user("grace")
    token = services.invite_token(services.invite_create(learner=alice))

    codes = post_together(signed_in(grace), f"/mentors/accept/{token}/", {"decision": "accept"})

    assert codes == [302] * CLICKS  # each sent on to alice's page; none refused
    assert Mentorship.objects.filter(learner=alice, mentor=grace).count() == 1
    assert Mentorship.objects.get(learner=alice).state == Mentorship.State.ACTIVE
    assert len(mail.outbox) == 1  # alice hears about her new mentor once


def test_one_invite_raced_by_several_mentors_goes_to_exactly_one(signed_in, skill) -> None:
    alice = make_user("alice")
    token = services.invite_token(services.invite_create(learner=alice))
    mentors = [make_user(f"mentor{i}") for i in range(CLICKS)]
    clients = [signed_in(m) for m in mentors]
    barrier = threading.Barrier(CLICKS)
    codes: list[int] = [0] * CLICKS

    def accept(i: int) -> None:
        http = clients[i]
        barrier.wait()
        codes[i] = http.post(
            f"/mentors/accept/{token}/",
            data={"decision": "accept"},
            headers={"X-CSRFToken": http.cookies["csrftoken"]},
        ).status_code

    threads = [threading.Thread(target=accept, args=(i,)) for i in range(CLICKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(codes) == [302] + [410] * (CLICKS - 1)  # one accepted, the rest told why
    assert Mentorship.objects.filter(learner=alice).count() == 1


def test_attaching_one_project_twelve_times_records_it_once(signed_in, skill) -> None:
    alice = make_user("alice")
    project = Project.objects.create(owner=alice, title="MNIST", summary="Digits.")

    codes = post_together(
        signed_in(alice),
        f"/progress/{skill.slug}/evidence/",
        {"project": str(project.pk)},
    )

    assert codes == [302] * CLICKS
    links = Project.skills.through.objects.filter(project=project, skill=skill)
    assert links.count() == 1


def test_verifying_one_skill_twelve_times_leaves_one_verified_row(signed_in, skill) -> None:
    alice, grace = make_user("alice"), make_user("grace")
    services.mentorship_create(learner=alice, mentor=grace)
    services.progress_set_status(user=alice, skill_id=skill.pk, status="done")

    codes = post_together(signed_in(grace), f"/mentor/alice/verify/{skill.slug}/", {})

    assert codes == [303] * CLICKS
    progress = Progress.objects.get(user=alice)  # still one row for the skill
    assert progress.verified_by == grace and progress.verified_at is not None
    assert progress.status == "done"
    assert ProgressEvent.objects.filter(user=alice).count() == 1  # verifying is not a change


def test_revoking_one_mentorship_twelve_times_ends_it_once(signed_in, skill) -> None:
    alice, grace = make_user("alice"), make_user("grace")
    mentorship = services.mentorship_create(learner=alice, mentor=grace)
    grace_http = signed_in(grace)
    assert grace_http.get("/mentor/alice/").status_code == 200

    codes = post_together(signed_in(alice), f"/mentors/{mentorship.pk}/revoke/", {})

    assert codes == [302] * CLICKS
    assert Mentorship.objects.filter(learner=alice, mentor=grace).count() == 1
    mentorship.refresh_from_db()
    assert mentorship.state == Mentorship.State.REVOKED and mentorship.revoked_at is not None
    assert grace_http.get("/mentor/alice/").status_code == 404  # her access ended with it
