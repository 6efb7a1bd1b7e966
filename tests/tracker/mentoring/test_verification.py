"""Verifying a mentee's skill: evidence in sight, an optional comment, withdrawal by the
mentor who gave it, the history that keeps both, and the confirmation where it happened."""

import pytest
from django.test import Client

from tracker.account.services import account_delete
from tracker.mentoring.services import (
    VerificationError,
    invite_accept,
    invite_create,
    progress_unverify,
    progress_verify,
)
from tracker.models import EventKind, Progress, ProgressEvent, Project
from tracker.progress import plan
from tracker.progress.services import progress_mark_known, progress_save_note, progress_set_status

HTMX = {"HTTP_HX_REQUEST": "true"}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def mentored(alice, grace, catalog):
    """alice, mentored by grace, with the first skill done."""
    invite_accept(invite=invite_create(learner=alice), mentor=grace)
    progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    return catalog[0]


@pytest.mark.django_db
def test_the_review_shows_the_evidence_a_mentor_may_see(alice, grace, mentored) -> None:
    shared = Project.objects.create(
        owner=alice, title="Shared MNIST", summary="s", visibility="mentors"
    )
    private = Project.objects.create(owner=alice, title="Secret diary", summary="s")
    unrelated = Project.objects.create(
        owner=alice, title="Other thing", summary="s", visibility="public"
    )
    shared.skills.add(mentored)
    private.skills.add(mentored)
    page = login(grace).get(f"/mentor/alice/skills/{mentored.slug}/").content.decode()
    assert "Shared MNIST" in page
    assert "Secret diary" not in page and unrelated.title not in page
    assert "No evidence" not in page
    assert 'name="comment"' in page


@pytest.mark.django_db
def test_the_review_says_plainly_when_there_is_no_evidence(alice, grace, mentored) -> None:
    page = login(grace).get(f"/mentor/alice/skills/{mentored.slug}/").content.decode()
    assert "No evidence:" in page
    assert "Verify only if you have seen the skill some other way" in page


@pytest.mark.django_db
def test_the_note_shows_only_when_the_learner_shares_it(alice, grace, mentored) -> None:
    progress_save_note(user=alice, skill_id=mentored.pk, note="my-private-thoughts")
    url = f"/mentor/alice/skills/{mentored.slug}/"
    assert "my-private-thoughts" not in login(grace).get(url).content.decode()
    alice.mentorships.update(share_notes=True)
    assert "my-private-thoughts" in login(grace).get(url).content.decode()


@pytest.mark.django_db
def test_verifying_with_a_comment_records_an_event_and_shows_it_to_the_learner(
    alice, grace, mentored
) -> None:
    response = login(grace).post(
        f"/mentor/alice/verify/{mentored.slug}/", {"comment": "Saw the **notebook**."}
    )
    assert response.status_code == 303
    assert (
        response["Location"]
        == f"/mentor/alice/skills/{mentored.slug}/#verification-{mentored.slug}-actions"
    )
    progress = Progress.objects.get(user=alice, skill=mentored)
    assert progress.verified_by == grace
    assert progress.verification_comment == "Saw the **notebook**."
    event = ProgressEvent.objects.filter(kind=EventKind.VERIFIED).get()
    assert (event.user, event.skill, event.from_status, event.to_status) == (
        alice, mentored, "done", "done"
    )  # fmt: skip
    page = login(alice).get(f"/skills/{mentored.slug}/").content.decode()
    assert "Verified by Grace" in page
    assert "Saw the **notebook**." in page  # plain text, as written
    assert "Verified by a mentor" in page  # the skill's history


@pytest.mark.django_db
def test_without_javascript_the_confirmation_shows_beside_the_panel(alice, grace, mentored) -> None:
    mentor = login(grace)
    response = mentor.post(f"/mentor/alice/verify/{mentored.slug}/", {"comment": ""}, follow=True)
    html = response.content.decode()
    panel = html.index(f'id="verification-{mentored.slug}"')
    message = html.index(f"Verified {mentored.title}.")
    assert panel < message < html.index("Withdraw my verification")
    assert '<ul class="messages"' not in html  # not at the top, far from the panel


@pytest.mark.django_db
def test_htmx_gets_the_panel_with_the_confirmation_in_it(alice, grace, mentored) -> None:
    response = login(grace).post(
        f"/mentor/alice/verify/{mentored.slug}/", {"comment": "ok"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section id="verification-{mentored.slug}"')
    assert "<html" not in html
    assert f"Verified {mentored.title}." in html
    assert "Withdraw my verification" in html


@pytest.mark.django_db
def test_only_the_mentor_who_verified_can_withdraw(alice, grace, bob, mentored) -> None:
    invite_accept(invite=invite_create(learner=alice), mentor=bob)
    login(grace).post(f"/mentor/alice/verify/{mentored.slug}/", {"comment": "good"})
    other = login(bob)
    page = other.get(f"/mentor/alice/skills/{mentored.slug}/").content.decode()
    assert "Only Grace can withdraw it." in page and "Withdraw my verification" not in page
    other.post(f"/mentor/alice/unverify/{mentored.slug}/")
    assert Progress.objects.get(user=alice, skill=mentored).verified_by == grace
    # bob cannot take it over either.
    other.post(f"/mentor/alice/verify/{mentored.slug}/", {"comment": "mine now"})
    assert Progress.objects.get(user=alice, skill=mentored).verified_by == grace

    response = login(grace).post(f"/mentor/alice/unverify/{mentored.slug}/", **HTMX)
    assert "Verification of" in response.content.decode()
    progress = Progress.objects.get(user=alice, skill=mentored)
    assert (progress.verified_by, progress.verified_at, progress.verification_comment) == (
        None, None, ""
    )  # fmt: skip
    kinds = list(ProgressEvent.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["status", "verified", "unverified"]
    page = login(alice).get(f"/skills/{mentored.slug}/").content.decode()
    assert "Verification withdrawn" in page and "Verified by a mentor" in page


@pytest.mark.django_db
def test_skills_known_before_are_neither_awaiting_nor_verifiable(
    alice, grace, mentored, catalog
) -> None:
    progress_mark_known(user=alice, skill_ids=[catalog[1].pk])
    mentor = login(grace)
    page = mentor.get("/mentor/alice/").content.decode()
    awaiting = page[
        page.index('id="verify"') : page.index('id="plan"')
        if 'id="plan"' in page
        else page.index('id="progress-heading"')
    ]
    assert f'id="verify-{mentored.slug}"' in awaiting
    assert f'id="verify-{catalog[1].slug}"' not in awaiting
    assert "Known before Gradient: nothing to verify" in page
    with pytest.raises(VerificationError):
        progress_verify(mentor=grace, learner=alice, skill_id=catalog[1].pk)
    mentor.post(f"/mentor/alice/verify/{catalog[1].slug}/", {"comment": ""})
    assert Progress.objects.get(user=alice, skill=catalog[1]).verified_by is None


@pytest.mark.django_db
def test_a_skill_not_done_cannot_be_verified_and_the_refusal_says_why(
    alice, grace, mentored, catalog
) -> None:
    response = login(grace).post(
        f"/mentor/alice/verify/{catalog[2].slug}/", {"comment": ""}, follow=True
    )
    assert "not marked done" in response.content.decode()
    assert not Progress.objects.filter(verified_by=grace).exists()


@pytest.mark.django_db
def test_a_comment_over_2000_characters_is_refused_with_its_reason(alice, grace, mentored) -> None:
    response = login(grace).post(f"/mentor/alice/verify/{mentored.slug}/", {"comment": "x" * 2001})
    assert response.status_code == 200
    assert "Keep the comment under 2,000 characters." in response.content.decode()
    assert Progress.objects.get(user=alice, skill=mentored).verified_by is None


@pytest.mark.django_db
def test_verification_events_stay_out_of_pace_streak_and_calendar(alice, grace, mentored) -> None:
    before = plan.status_events(alice)
    progress_verify(mentor=grace, learner=alice, skill_id=mentored.pk)
    progress_unverify(mentor=grace, learner=alice, skill_id=mentored.pk)
    assert plan.status_events(alice) == before


@pytest.mark.django_db
def test_verifying_again_changes_only_the_comment(alice, grace, mentored) -> None:
    first = progress_verify(mentor=grace, learner=alice, skill_id=mentored.pk, comment="a")
    again = progress_verify(mentor=grace, learner=alice, skill_id=mentored.pk, comment="b")
    assert again.verified_at == first.verified_at and again.verification_comment == "b"
    assert ProgressEvent.objects.filter(kind=EventKind.VERIFIED).count() == 1


@pytest.mark.django_db
def test_the_review_is_404_for_anyone_but_an_active_mentor(alice, bob, grace, mentored) -> None:
    url = f"/mentor/alice/skills/{mentored.slug}/"
    assert login(bob).get(url).status_code == 404
    assert login(alice).get(url).status_code == 404
    assert login(grace).get("/mentor/alice/skills/nope/").status_code == 404


@pytest.mark.django_db
def test_htmx_loads_the_panel_into_the_awaiting_row(alice, grace, mentored) -> None:
    mentor = login(grace)
    page = mentor.get("/mentor/alice/").content.decode()
    assert f'hx-get="/mentor/alice/skills/{mentored.slug}/"' in page
    panel = mentor.get(f"/mentor/alice/skills/{mentored.slug}/", **HTMX).content.decode()
    assert panel.lstrip().startswith("<section") and "<html" not in panel


@pytest.mark.django_db
def test_the_comment_is_in_both_exports_and_leaves_with_the_mentors_account(
    alice, grace, mentored
) -> None:
    progress_verify(mentor=grace, learner=alice, skill_id=mentored.pk, comment="Checked.")
    learners = login(alice).get("/account/export.json").json()
    assert learners["progress"][0]["verification_comment"] == "Checked."
    mentors = login(grace).get("/account/export.json").json()
    assert [(v["learner"], v["skill"], v["comment"]) for v in mentors["verifications_given"]] == [
        ("alice", mentored.slug, "Checked.")
    ]
    account_delete(user=grace)
    progress = Progress.objects.get(user=alice, skill=mentored)
    assert (progress.verified_by, progress.verified_at, progress.verification_comment) == (
        None, None, ""
    )  # fmt: skip
