"""Invitations, consent, feedback, verification and private notes."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.helpers import as_sent
from tracker.mentoring.services import invite_accept, invite_create, invite_token, mentorship_revoke
from tracker.models import Feedback, Invite, MentorNote, Mentorship, Progress, Project
from tracker.progress.services import progress_save_note, progress_set_status


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def invite_url(client: Client) -> str:
    client.post("/mentors/invites/", as_sent())
    page = client.get("/mentors/").content.decode()
    return re.search(r'value="http://testserver(/mentors/accept/[^"]+)"', page)[1]


# -- the Mentor tab --------------------------------------------------------------------------

MENTOR_TAB = re.compile(r'<a href="/mentor/"[^>]*>Mentor</a>')


@pytest.mark.django_db
def test_the_mentor_tab_shows_to_mentors_only(alice, grace, bob, catalog) -> None:
    assert not MENTOR_TAB.search(login(alice).get("/catalog/").content.decode())
    assert not MENTOR_TAB.search(login(grace).get("/catalog/").content.decode())
    mentorship = invite_accept(invite=invite_create(learner=alice), mentor=grace)
    assert MENTOR_TAB.search(login(grace).get("/catalog/").content.decode())
    assert MENTOR_TAB.search(login(grace).get("/dashboard/").content.decode())
    assert not MENTOR_TAB.search(login(alice).get("/catalog/").content.decode())  # the learner
    assert not MENTOR_TAB.search(Client().get("/catalog/").content.decode())
    mentorship_revoke(mentorship=mentorship)
    assert not MENTOR_TAB.search(login(grace).get("/catalog/").content.decode())
    # A page of the mentor's own still marks where you are.
    page = login(bob).get("/mentor/").content.decode()
    assert '<a href="/mentor/" aria-current="page">Mentor</a>' in page
    assert "You are not mentoring anyone yet." in page


@pytest.mark.django_db
def test_the_mentor_tab_costs_one_query_on_a_page_and_none_on_a_fragment(
    alice, grace, catalog, django_assert_num_queries
) -> None:
    from tracker.templating import navigation

    class Request:
        user = grace

    with django_assert_num_queries(0):
        shown = navigation(Request())["shows_mentor_tab"]  # type: ignore[arg-type]
    with django_assert_num_queries(1):
        assert not shown
    client = login(alice)
    with CaptureQueriesContext(connection) as page:
        client.get("/catalog/")
    with CaptureQueriesContext(connection) as fragment:
        client.post("/progress/skill-1-1/", {"status": "done"}, HTTP_HX_REQUEST="true")
    asked = ["tracker_mentorship" in q["sql"] for q in page.captured_queries]
    assert asked.count(True) == 1
    assert not any("tracker_mentorship" in q["sql"] for q in fragment.captured_queries)


# -- invitations ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_learner_invites_and_a_mentor_accepts(
    alice, grace, django_capture_on_commit_callbacks
) -> None:
    url = invite_url(login(alice))
    mentor = login(grace)
    page = mentor.get(url).content.decode()
    assert "alice invites you to be their mentor" in page
    assert "never see their private projects" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = mentor.post(url, {"decision": "accept"})
    assert response.status_code == 302
    assert response["Location"] == "/mentor/alice/"
    mentorship = Mentorship.objects.get()
    assert (mentorship.learner, mentorship.mentor, mentorship.state) == (alice, grace, "active")
    assert Invite.objects.get().used_by == grace
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    assert "Grace" in mail.outbox[0].subject


@pytest.mark.django_db
def test_accepting_twice_is_harmless(alice, grace, django_capture_on_commit_callbacks) -> None:
    url = invite_url(login(alice))
    mentor = login(grace)
    with django_capture_on_commit_callbacks(execute=True):
        mentor.post(url, {"decision": "accept"})
        again = mentor.post(url, {"decision": "accept"})
    assert again.status_code == 302
    assert Mentorship.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_declining_shares_nothing(alice, grace) -> None:
    url = invite_url(login(alice))
    login(grace).post(url, {"decision": "decline"})
    assert not Mentorship.objects.exists()
    assert Invite.objects.get().used_at is None


@pytest.mark.django_db
def test_nobody_mentors_themselves(alice) -> None:
    client = login(alice)
    url = invite_url(client)
    response = client.get(url)
    assert response.status_code == 410
    assert "your own invite link" in response.content.decode()
    client.post(url, {"decision": "accept"})
    assert not Mentorship.objects.exists()


@pytest.mark.django_db
def test_a_used_link_says_so_to_someone_else(alice, bob, grace) -> None:
    url = invite_url(login(alice))
    login(grace).post(url, {"decision": "accept"})
    response = login(bob).get(url)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    login(bob).post(url, {"decision": "accept"})
    assert not Mentorship.objects.filter(mentor=bob).exists()


@pytest.mark.django_db
def test_an_expired_link_says_so(alice, grace) -> None:
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC)):
        invite = invite_create(learner=alice)
        url = f"/mentors/accept/{invite_token(invite)}/"
    with time_machine.travel(dt.datetime(2026, 1, 8, 1, tzinfo=dt.UTC)):
        response = login(grace).get(url)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


@pytest.mark.django_db
def test_a_withdrawn_link_says_so(alice, grace) -> None:
    client = login(alice)
    url = invite_url(client)
    client.post(f"/mentors/invites/{Invite.objects.get().pk}/revoke/")
    response = login(grace).get(url)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["garbage", "MQ:1tamper:abc"])
def test_a_tampered_link_is_refused(grace, token: str) -> None:
    response = login(grace).get(f"/mentors/accept/{token}/")
    assert response.status_code == 410
    assert "not valid" in response.content.decode()


@pytest.mark.django_db
def test_accepting_an_invite_needs_a_login(client: Client, alice) -> None:
    invite = invite_create(learner=alice)
    response = client.post(f"/mentors/accept/{invite_token(invite)}/", {"decision": "accept"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Mentorship.objects.exists()


@pytest.mark.django_db
def test_someone_elses_invite_cannot_be_withdrawn(alice, bob) -> None:
    invite = invite_create(learner=alice)
    assert login(bob).post(f"/mentors/invites/{invite.pk}/revoke/").status_code == 404
    invite.refresh_from_db()
    assert invite.revoked_at is None


@pytest.mark.django_db
def test_revoking_ends_access_on_the_next_request(alice, grace) -> None:
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    mentor = login(grace)
    assert mentor.get("/mentor/alice/").status_code == 200
    mentorship = Mentorship.objects.get()
    login(alice).post(f"/mentors/{mentorship.pk}/revoke/")
    assert mentor.get("/mentor/alice/").status_code == 404
    mentorship.refresh_from_db()
    assert mentorship.state == "revoked"


@pytest.mark.django_db
def test_a_revoked_mentor_can_be_invited_again(alice, grace) -> None:
    first = invite_accept(invite=invite_create(learner=alice), mentor=grace)
    mentorship_revoke(mentorship=first)
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    assert Mentorship.objects.filter(state="active").count() == 1
    assert Mentorship.objects.count() == 2


@pytest.mark.django_db
def test_a_revoked_mentor_cannot_let_himself_back_in_with_the_old_link(alice, grace) -> None:
    """The attack found by the security review: accept, get revoked, post Accept again."""
    learner = login(alice)
    url = invite_url(learner)
    mentor = login(grace)
    mentor.post(url, {"decision": "accept"})
    mentorship = Mentorship.objects.get()
    learner.post(f"/mentors/{mentorship.pk}/revoke/")
    withdraw = learner.post(f"/mentors/invites/{Invite.objects.get().pk}/revoke/", follow=True)
    assert "already used by Grace" in withdraw.content.decode()

    for replay in (mentor.get(url), mentor.post(url, {"decision": "accept"})):
        assert replay.status_code == 410
        assert "already been used" in replay.content.decode()
    assert mentor.get("/mentor/alice/").status_code == 404
    assert not Mentorship.objects.filter(state="active").exists()
    assert Mentorship.objects.count() == 1


@pytest.mark.django_db
def test_revoking_a_mentor_withdraws_every_open_link(alice, grace) -> None:
    learner = login(alice)
    used = invite_url(learner)
    spare = invite_url(learner)  # a second link grace might also hold
    mentor = login(grace)
    mentor.post(used, {"decision": "accept"})
    response = learner.post(f"/mentors/{Mentorship.objects.get().pk}/revoke/", follow=True)
    assert "1 open invite link was withdrawn too" in response.content.decode()

    assert mentor.post(spare, {"decision": "accept"}).status_code == 410
    assert "withdrawn" in mentor.get(spare).content.decode()
    assert not Mentorship.objects.filter(state="active").exists()


@pytest.mark.django_db
def test_a_new_link_brings_a_revoked_mentor_back_and_old_links_stay_spent(alice, grace) -> None:
    learner = login(alice)
    old = invite_url(learner)
    mentor = login(grace)
    mentor.post(old, {"decision": "accept"})
    learner.post(f"/mentors/{Mentorship.objects.get().pk}/revoke/")
    new = invite_url(learner)
    assert mentor.post(new, {"decision": "accept"}).status_code == 302
    assert Mentorship.objects.filter(state="active").count() == 1
    # Revoked again: neither link works any more.
    learner.post(f"/mentors/{Mentorship.objects.get(state='active').pk}/revoke/")
    for url in (old, new):
        assert mentor.post(url, {"decision": "accept"}).status_code == 410
    assert not Mentorship.objects.filter(state="active").exists()


@pytest.mark.django_db
def test_a_used_link_never_serves_anyone_else_even_after_revocation(alice, bob, grace) -> None:
    learner = login(alice)
    url = invite_url(learner)
    login(grace).post(url, {"decision": "accept"})
    learner.post(f"/mentors/{Mentorship.objects.get().pk}/revoke/")
    assert login(bob).post(url, {"decision": "accept"}).status_code == 410
    assert not Mentorship.objects.filter(mentor=bob).exists()


@pytest.mark.django_db
def test_a_link_of_a_deleted_account_is_refused(alice, grace) -> None:
    url = invite_url(login(alice))
    alice.delete()
    response = login(grace).post(url, {"decision": "accept"})
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert not Mentorship.objects.exists()


@pytest.mark.django_db
def test_an_accept_without_a_decision_is_refused_and_changes_nothing(alice, grace) -> None:
    url = invite_url(login(alice))
    assert login(grace).post(url, {}).status_code == 400
    assert not Mentorship.objects.exists()
    assert Invite.objects.get().used_at is None


@pytest.mark.django_db
def test_withdrawing_twice_says_so(alice) -> None:
    learner = login(alice)
    invite_url(learner)
    pk = Invite.objects.get().pk
    assert (
        "no longer works"
        in learner.post(f"/mentors/invites/{pk}/revoke/", follow=True).content.decode()
    )
    assert (
        "already withdrawn"
        in learner.post(f"/mentors/invites/{pk}/revoke/", follow=True).content.decode()
    )


# -- consent -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notes_are_shown_only_when_the_learner_shares_them(alice, grace, catalog) -> None:
    mentorship = invite_accept(invite=invite_create(learner=alice), mentor=grace)
    progress_save_note(user=alice, skill_id=catalog[0].pk, note="alice-private-note")
    mentor = login(grace)
    assert "alice-private-note" not in mentor.get("/mentor/alice/").content.decode()
    login(alice).post(f"/mentors/{mentorship.pk}/sharing/", as_sent(share_notes="on"))
    assert "alice-private-note" in mentor.get("/mentor/alice/").content.decode()
    login(alice).post(f"/mentors/{mentorship.pk}/sharing/", as_sent())
    assert "alice-private-note" not in mentor.get("/mentor/alice/").content.decode()


@pytest.mark.django_db
def test_the_mentor_sees_shared_projects_never_private_ones(alice, grace) -> None:
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    for visibility in ("private", "mentors", "public"):
        Project.objects.create(
            owner=alice, title=f"{visibility}-canary", summary="s", visibility=visibility
        )
    page = login(grace).get("/mentor/alice/").content.decode()
    assert "mentors-canary" in page and "public-canary" in page
    assert "private-canary" not in page
    private = Project.objects.get(visibility="private")
    assert login(grace).get(f"/projects/{private.pk}/").status_code == 404
    shared = Project.objects.get(visibility="mentors")
    assert login(grace).get(f"/projects/{shared.pk}/").status_code == 200


# -- feedback, replies, verification, notes -------------------------------------------------


@pytest.mark.django_db
def test_feedback_reaches_the_learner_who_replies(
    alice, grace, catalog, django_capture_on_commit_callbacks
) -> None:
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    project = Project.objects.create(owner=alice, title="P", summary="s", visibility="mentors")
    mail.outbox.clear()
    mentor = login(grace)
    with django_capture_on_commit_callbacks(execute=True):
        response = mentor.post(
            "/mentor/alice/feedback/",
            as_sent(project=project.pk, body="Nice **work** <script>x</script>"),
        )
    assert response.status_code == 303
    assert len(mail.outbox) == 1 and mail.outbox[0].subject == "Feedback from Grace on P"
    learner = login(alice)
    dashboard = learner.get("/dashboard/")
    assert dashboard.context["unread_feedback"] == 1
    page = learner.get(f"/projects/{project.pk}/").content.decode()
    assert "<strong>work</strong>" in page and "<script>x" not in page
    assert login(alice).get("/dashboard/").context["unread_feedback"] == 0  # read on view
    first = Feedback.objects.get()
    learner.post(f"/feedback/{first.pk}/reply/", as_sent(body="Thanks!"))
    reply = Feedback.objects.latest("id")
    assert (reply.author, reply.project, reply.mentor) == (alice, project, grace)
    mentor_page = mentor.get("/mentor/alice/").content.decode()
    assert "Thanks!" in mentor_page


@pytest.mark.django_db
def test_feedback_on_a_skill_shows_on_the_skill_page(alice, grace, catalog) -> None:
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    progress_set_status(user=alice, skill_id=catalog[0].pk, status="learning")
    login(grace).post(
        "/mentor/alice/feedback/", as_sent(skill=catalog[0].slug, body="Try the exercises.")
    )
    page = login(alice).get(f"/skills/{catalog[0].slug}/").content.decode()
    assert "Try the exercises." in page
    assert 'id="feedback"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [{"skill": "skill-1-1", "body": ""}, {"skill": "nope", "body": "x"},
     {"project": "999", "body": "x"}, {"project": "x", "body": "x"},
     {"skill": "skill-1-1", "body": "x" * 5001}],
)  # fmt: skip
def test_bad_feedback_is_refused(alice, grace, catalog, data) -> None:
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    response = login(grace).post("/mentor/alice/feedback/", as_sent(data))
    assert response.status_code in (303, 404)
    assert not Feedback.objects.exists()


@pytest.mark.django_db
def test_feedback_on_a_private_project_is_404(alice, grace) -> None:
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    private = Project.objects.create(owner=alice, title="P", summary="s")
    response = login(grace).post("/mentor/alice/feedback/", as_sent(project=private.pk, body="x"))
    assert response.status_code == 404
    assert not Feedback.objects.exists()


@pytest.mark.django_db
def test_a_revoked_mentor_cannot_reply(alice, grace, catalog) -> None:
    mentorship = invite_accept(invite=invite_create(learner=alice), mentor=grace)
    login(grace).post("/mentor/alice/feedback/", as_sent(skill=catalog[0].slug, body="x"))
    mentorship_revoke(mentorship=mentorship)
    first = Feedback.objects.get()
    assert login(grace).post(f"/feedback/{first.pk}/reply/", as_sent(body="y")).status_code == 404
    assert Feedback.objects.count() == 1


@pytest.mark.django_db
def test_verify_a_done_skill_shows_everywhere(alice, grace, catalog) -> None:
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    skill = catalog[0]
    mentor = login(grace)
    # Not done yet: refused with a message, nothing written.
    mentor.post(f"/mentor/alice/verify/{skill.slug}/", {"comment": ""})
    assert not Progress.objects.filter(verified_by=grace).exists()
    progress_set_status(user=alice, skill_id=skill.pk, status="done")
    mentor.post(f"/mentor/alice/verify/{skill.slug}/", {"comment": ""})
    progress = Progress.objects.get(user=alice, skill=skill)
    assert progress.verified_by == grace and progress.verified_at
    today = progress.verified_at.strftime("%-d %b %Y")
    expected = f"Verified by Grace, {today}"
    assert expected in login(alice).get(f"/skills/{skill.slug}/").content.decode()
    assert expected in login(alice).get("/catalog/track-1/").content.decode()
    assert expected in mentor.get("/mentor/alice/").content.decode()
    project = Project.objects.create(owner=alice, title="P", summary="s", visibility="public")
    project.skills.add(skill)
    assert expected in Client().get("/u/alice/").content.decode()
    # Moving off done drops the verification.
    progress_set_status(user=alice, skill_id=skill.pk, status="learning")
    assert Progress.objects.get(user=alice, skill=skill).verified_by is None


@pytest.mark.django_db
def test_private_mentor_notes_are_only_the_mentors(alice, grace, bob) -> None:
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    invite_accept(invite=invite_create(learner=alice), mentor=bob)
    login(grace).post("/mentor/alice/notes/", {"body": "grace-eyes-only"})
    assert MentorNote.objects.get().body == "grace-eyes-only"
    assert "grace-eyes-only" in login(grace).get("/mentor/alice/").content.decode()
    assert "grace-eyes-only" not in login(bob).get("/mentor/alice/").content.decode()
    for page in ("/dashboard/", "/mentors/", "/u/alice/"):
        assert "grace-eyes-only" not in login(alice).get(page).content.decode()


@pytest.mark.django_db
def test_the_mentee_page_says_since_when(alice, grace) -> None:
    with time_machine.travel(dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC), tick=False):
        invite_accept(invite=invite_create(learner=alice), mentor=grace)
    html = login(grace).get("/mentor/alice/").content.decode()
    assert "your mentee since 3 Feb 2026" in html
