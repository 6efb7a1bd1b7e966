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
from tests.helpers import as_sent, make_catalog, make_user, new_project_form
from tracker.mentoring import services as mentoring
from tracker.models import (
    Feedback,
    Invite,
    Mentorship,
    Progress,
    ProgressEvent,
    Project,
    SkillLink,
    User,
)
from tracker.progress import services as progress_services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]  # live server

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
    token = mentoring.invite_token(mentoring.invite_create(learner=alice))

    codes = post_together(signed_in(grace), f"/mentors/accept/{token}/", {"decision": "accept"})

    assert codes == [302] * CLICKS  # each sent on to alice's page; none refused
    assert Mentorship.objects.filter(learner=alice, mentor=grace).count() == 1
    assert Mentorship.objects.get(learner=alice).state == Mentorship.State.ACTIVE
    assert len(mail.outbox) == 1  # alice hears about her new mentor once


def test_one_invite_raced_by_several_mentors_goes_to_exactly_one(signed_in, skill) -> None:
    alice = make_user("alice")
    token = mentoring.invite_token(mentoring.invite_create(learner=alice))
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
    mentoring.mentorship_create(learner=alice, mentor=grace)
    progress_services.progress_set_status(user=alice, skill_id=skill.pk, status="done")

    codes = post_together(
        signed_in(grace), f"/mentor/alice/verify/{skill.slug}/", {"comment": "Seen."}
    )

    assert codes == [303] * CLICKS
    progress = Progress.objects.get(user=alice)  # still one row for the skill
    assert progress.verified_by == grace and progress.verified_at is not None
    assert progress.status == "done"
    # One status change, and one verification: the repeats change nothing.
    kinds = ProgressEvent.objects.filter(user=alice).values_list("kind", flat=True)
    assert sorted(kinds) == ["status", "verified"]


def test_revoking_one_mentorship_twelve_times_ends_it_once(signed_in, skill) -> None:
    alice, grace = make_user("alice"), make_user("grace")
    mentorship = mentoring.mentorship_create(learner=alice, mentor=grace)
    grace_http = signed_in(grace)
    assert grace_http.get("/mentor/alice/").status_code == 200

    codes = post_together(signed_in(alice), f"/mentors/{mentorship.pk}/revoke/", {})

    assert codes == [302] * CLICKS
    assert Mentorship.objects.filter(learner=alice, mentor=grace).count() == 1
    mentorship.refresh_from_db()
    assert mentorship.state == Mentorship.State.REVOKED and mentorship.revoked_at is not None
    assert grace_http.get("/mentor/alice/").status_code == 404  # her access ended with it


# -- create forms: one object per one-time key ------------------------------------------------


def test_one_new_project_form_sent_twelve_times_makes_one_project(signed_in, skill) -> None:
    alice = make_user("alice")
    http = signed_in(alice)
    form = new_project_form()
    token = http.cookies["csrftoken"]
    barrier = threading.Barrier(CLICKS)
    answers: list[httpx.Response | None] = [None] * CLICKS

    def post(i: int) -> None:
        barrier.wait()
        answers[i] = http.post("/projects/new/", data=form, headers={"X-CSRFToken": token})

    threads = [threading.Thread(target=post, args=(i,)) for i in range(CLICKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    project = Project.objects.get(owner=alice)  # exactly one
    assert project.metrics.count() == 1
    # Every answer leads to it: the first says "Saved", the repeats "already saved".
    assert {(a.status_code, a.headers["location"]) for a in answers if a} == {
        (302, f"/projects/{project.pk}/")
    }


def test_a_key_sent_again_with_other_content_is_refused(signed_in, skill) -> None:
    alice = make_user("alice")
    http = signed_in(alice)
    token = {"X-CSRFToken": http.cookies["csrftoken"]}
    form = new_project_form()
    assert http.post("/projects/new/", data=form, headers=token).status_code == 302
    changed = {**form, "title": "Another project"}
    refused = http.post("/projects/new/", data=changed, headers=token)
    assert refused.status_code == 400
    assert "already sent once, with different content" in refused.text
    assert list(Project.objects.values_list("title", flat=True)) == ["MNIST"]


def test_a_new_form_gets_a_new_key_and_makes_a_second_project(signed_in, skill) -> None:
    alice = make_user("alice")
    http = signed_in(alice)
    token = {"X-CSRFToken": http.cookies["csrftoken"]}
    for _ in range(2):  # as_sent draws a fresh key each time, as a fresh page does
        assert http.post("/projects/new/", data=new_project_form(), headers=token).is_redirect
    assert Project.objects.filter(owner=alice).count() == 2


@pytest.mark.parametrize(
    ("path", "data", "model"),
    [
        ("/progress/{skill}/links/", {"title": "Notes", "url": "https://e.org/"}, SkillLink),
        ("/mentors/invites/", {}, Invite),
        ("/mentor/bob/feedback/", {"skill": "{skill}", "body": "Nice."}, Feedback),
    ],
)
def test_other_create_forms_sent_twelve_times_make_one(signed_in, skill, path, data, model):
    alice, bob = make_user("alice"), make_user("bob")
    mentoring.mentorship_create(learner=bob, mentor=alice)
    fill = {k: v.format(skill=skill.slug) for k, v in data.items()}
    codes = post_together(signed_in(alice), path.format(skill=skill.slug), as_sent(fill))
    assert all(300 <= code < 400 for code in codes), codes
    assert model.objects.count() == 1


def test_a_reply_sent_twelve_times_is_one_reply(signed_in, skill) -> None:
    alice, grace = make_user("alice"), make_user("grace")
    mentorship = mentoring.mentorship_create(learner=alice, mentor=grace)
    first = mentoring.feedback_give(
        mentorship=mentorship, author=grace, body="Try this.", skill_id=skill.pk
    )
    codes = post_together(signed_in(alice), f"/feedback/{first.pk}/reply/", as_sent(body="Done!"))
    assert codes == [303] * CLICKS
    assert Feedback.objects.filter(author=alice).count() == 1


@pytest.mark.parametrize(
    "path",
    ["/projects/new/", "/mentors/", "/skills/{skill}/", "/mentor/bob/", "/account/import/"],
)
def test_pages_with_a_create_form_are_never_stored(signed_in, skill, path) -> None:
    alice, bob = make_user("alice"), make_user("bob")
    mentoring.mentorship_create(learner=bob, mentor=alice)
    progress_services.progress_set_status(user=bob, skill_id=skill.pk, status="learning")
    response = signed_in(alice).get(path.format(skill=skill.slug))
    assert response.status_code == 200
    assert "no-store" in response.headers["cache-control"]
    assert 'name="submission"' in response.text
