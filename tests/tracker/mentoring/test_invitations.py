"""Inviting a mentor by username or email address, the invite page for someone signed
out, and the one-click unsubscribe every mail carries."""

import re
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, override_settings

from tests.helpers import PASSWORD, as_sent, make_user
from tracker import mail as tracker_mail
from tracker.mentoring.services import (
    INVITES_PER_DAY,
    feedback_give,
    invite_accept,
    invite_create,
    invite_token,
)
from tracker.models import Invite, MailKind, MailOptOut, Mentorship

ONE_CLICK = {"List-Unsubscribe": "One-Click"}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sign_up(client: Client, *, then: str):
    """A newcomer signs up from an invite page, which passes itself on as `next`."""
    data = {"username": "newmentor", "email": "new@example.org", "next": then}
    data |= {"password1": PASSWORD, "password2": PASSWORD}
    return client.post(f"/accounts/signup/?next={then}", data)


def send(client: Client, to: str, capture) -> tuple[str, str]:
    """Send an invitation; the page it leads to, and the message it shows."""
    with capture(execute=True):
        response = client.post("/mentors/invites/send/", as_sent(to=to))
    assert response.status_code == 303
    assert response["Location"] == "/mentors/#invites"
    page = client.get("/mentors/").content.decode()
    found = re.search(r'<p class="message message-(\w+) flash" role="status">([^<]*)</p>', page)
    assert found, "the answer shows in the invitations section"
    return page, found[2]


@pytest.mark.django_db
def test_an_invitation_by_username_mails_a_link_the_mentor_still_accepts(
    alice, grace, django_capture_on_commit_callbacks
) -> None:
    _, message = send(login(alice), "GRACE", django_capture_on_commit_callbacks)
    assert message.startswith("Invitation sent to “GRACE”.")
    (sent,) = mail.outbox
    assert sent.to == ["grace@example.com"]
    assert sent.subject == "alice invites you to mentor them on Gradient"
    link = re.search(r"http://testserver(/mentors/accept/\S+/)", sent.body)[1]
    assert not Mentorship.objects.exists()  # nothing until grace accepts
    mentor = login(grace)
    assert "alice invites you to be their mentor" in mentor.get(link).content.decode()
    mentor.post(link, {"decision": "accept"})
    assert Mentorship.objects.get().mentor == grace
    assert Invite.objects.get().sent_to == "GRACE"


@pytest.mark.django_db
def test_the_answer_is_the_same_whoever_the_name_or_address_names(
    alice, grace, django_capture_on_commit_callbacks
) -> None:
    EmailAddress.objects.create(user=grace, email="grace@work.example", verified=True)
    learner = login(alice)
    answers = {}
    for to in ("grace", "nobody-here", "grace@work.example", "stranger@example.org"):
        before = len(mail.outbox)
        _, message = send(learner, to, django_capture_on_commit_callbacks)
        answers[to] = (message.replace(to, "X"), len(mail.outbox) - before)
    texts = {text for text, _ in answers.values()}
    assert len(texts) == 1, texts
    # Only the server knows who got mail: grace twice, the stranger's address once.
    assert {to: n for to, (_, n) in answers.items()} == {
        "grace": 1, "nobody-here": 0, "grace@work.example": 1, "stranger@example.org": 1,
    }  # fmt: skip
    assert [m.to for m in mail.outbox] == [
        ["grace@example.com"], ["grace@example.com"], ["stranger@example.org"]
    ]  # fmt: skip
    assert Invite.objects.filter(learner=alice).exclude(sent_to="").count() == 4


@pytest.mark.django_db
def test_a_learner_may_send_only_so_many_invitations_a_day(
    alice, django_capture_on_commit_callbacks
) -> None:
    learner = login(alice)
    for i in range(INVITES_PER_DAY):
        send(learner, f"person{i}@example.org", django_capture_on_commit_callbacks)
    page, message = send(learner, "one-more@example.org", django_capture_on_commit_callbacks)
    assert f"You have sent {INVITES_PER_DAY} invitations in the last 24 hours" in message
    assert 'class="message message-error flash"' in page
    assert len(mail.outbox) == INVITES_PER_DAY
    assert not Invite.objects.filter(sent_to="one-more@example.org").exists()
    # Links made by hand are not mail, and stay possible.
    assert learner.post("/mentors/invites/", as_sent()).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("to", ["", "not an address", "a@", "x" * 255])
def test_a_malformed_recipient_is_refused_with_a_reason(alice, to) -> None:
    client = login(alice)
    response = client.post("/mentors/invites/send/", as_sent(to=to))
    assert response.status_code == 303
    page = client.get("/mentors/").content.decode()
    assert 'class="message message-error flash"' in page
    assert not Invite.objects.exists()


@pytest.mark.django_db
def test_the_invite_page_tells_a_signed_out_mentor_who_and_why_and_brings_them_back(
    alice, client: Client
) -> None:
    alice.first_name, alice.headline = "Alice", "Vision and tabular data"
    alice.save()
    path = f"/mentors/accept/{invite_token(invite_create(learner=alice))}/"
    page = client.get(path).content.decode()
    assert "Alice invites you to be their mentor" in page
    assert "Why you are asked" in page and "Vision and tabular data" in page
    assert f'href="/accounts/signup/?next={quote(path)}"' in page
    assert f'href="/accounts/login/?next={quote(path)}"' in page
    response = sign_up(client, then=path)
    assert response.status_code == 302 and response["Location"] == path
    assert "Accept" in client.get(path).content.decode()


@pytest.mark.django_db
@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory", ACCOUNT_PREVENT_ENUMERATION=True)
def test_with_mandatory_verification_the_invite_survives_confirming_the_address(
    alice, client: Client, django_capture_on_commit_callbacks
) -> None:
    """Production with mail: sign-up waits for the address, and the confirmation link,
    opened in the same browser, signs the newcomer in and brings them back to the invite."""
    path = f"/mentors/accept/{invite_token(invite_create(learner=alice))}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client, then=path)
    assert response["Location"] == "/accounts/confirm-email/"
    assert "Accept" not in client.get(path).content.decode()  # not signed in yet
    (sent,) = mail.outbox
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", sent.body)[1]
    response = client.post(link)
    assert response.status_code == 302 and response["Location"] == path
    assert "Accept" in client.get(path).content.decode()


@pytest.mark.django_db
def test_a_spent_invite_says_so_to_someone_signed_out(alice, grace, client: Client) -> None:
    invite = invite_create(learner=alice)
    invite_accept(invite=invite, mentor=grace)
    response = client.get(f"/mentors/accept/{invite_token(invite)}/")
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


@pytest.mark.django_db
def test_the_mentors_page_has_a_copy_button_that_needs_its_script(alice) -> None:
    client = login(alice)
    client.post("/mentors/invites/", as_sent())
    page = client.get("/mentors/").content.decode()
    invite = Invite.objects.get()
    button = f'data-copy-target="invite-{invite.pk}" data-copy-status="invite-{invite.pk}-copied"'
    assert f"{button} hidden>" in page
    assert '<script src="/static/js/copy.js" defer></script>' in page


# -- one-click unsubscribe -------------------------------------------------------------------


def unsubscribe_path(message) -> str:
    header = message.extra_headers["List-Unsubscribe"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = header.strip("<>")
    assert url in message.body  # the same link, in the body
    return url.removeprefix("http://127.0.0.1:8000")


@pytest.fixture
def mentorship(alice, grace, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return invite_accept(invite=invite_create(learner=alice), mentor=grace)


@pytest.mark.django_db
def test_every_kind_of_mail_carries_its_one_click_unsubscribe(
    alice, grace, mentorship, catalog, django_capture_on_commit_callbacks
) -> None:
    accepted = mail.outbox[-1]
    assert "mail when someone accepts your invitation" in accepted.body
    with django_capture_on_commit_callbacks(execute=True):
        feedback_give(mentorship=mentorship, author=grace, body="Hi", skill_id=catalog[0].pk)
    feedback = mail.outbox[-1]
    assert "You get mail when a mentor leaves you feedback." in feedback.body
    paths = {unsubscribe_path(accepted), unsubscribe_path(feedback)}
    assert len(paths) == 2  # one link per kind


@pytest.mark.django_db
def test_one_click_stops_that_kind_at_once_and_nothing_else(
    alice, grace, mentorship, catalog, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        feedback_give(mentorship=mentorship, author=grace, body="1", skill_id=catalog[0].pk)
    path = unsubscribe_path(mail.outbox[-1])
    # Opening the link (a mail scanner does) only asks.
    page = Client().get(path).content.decode()
    assert "Stop mail when a mentor leaves you feedback?" in page
    assert not MailOptOut.objects.exists()
    # A mail program's one-click POST carries no cookie and no CSRF token.
    response = Client(enforce_csrf_checks=True).post(path, ONE_CLICK)
    assert response.status_code == 200
    assert "from now on you get no more mail when a mentor leaves you feedback" in (
        response.content.decode()
    )
    assert MailOptOut.objects.get().user == alice
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        feedback_give(mentorship=mentorship, author=grace, body="2", skill_id=catalog[0].pk)
    assert len(mail.outbox) == sent  # honoured at once
    assert tracker_mail.opted_out(MailKind.MENTORSHIP, user=alice) is False
    # And undone.
    Client().post(path, {"action": "resubscribe"})
    assert not MailOptOut.objects.exists()


@pytest.mark.django_db
def test_an_address_without_an_account_can_stop_invitations(
    alice, django_capture_on_commit_callbacks
) -> None:
    send(login(alice), "someone@example.org", django_capture_on_commit_callbacks)
    path = unsubscribe_path(mail.outbox[-1])
    Client().post(path, ONE_CLICK)
    assert MailOptOut.objects.get().email == "someone@example.org"
    _, message = send(login(alice), "SomeOne@example.org", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # not mailed again
    assert message.startswith("Invitation sent to")  # and the learner is not told


@pytest.mark.django_db
@pytest.mark.parametrize("token", ["nonsense", "eyJrIjoiZGlnZXN0IiwidSI6MX0:1:forged"])
def test_a_forged_unsubscribe_link_changes_nothing(alice, token) -> None:
    response = Client().post(f"/mail/unsubscribe/{token}/", ONE_CLICK)
    assert response.status_code == 404
    assert not MailOptOut.objects.exists()


@pytest.mark.django_db
def test_a_post_that_says_nothing_is_refused(alice) -> None:
    path = f"/mail/unsubscribe/{tracker_mail.unsubscribe_token('digest', user=alice)}/"
    assert Client().post(path, {}).status_code == 400
    assert Client().post(path, {"List-Unsubscribe": "yes"}).status_code == 400
    assert not MailOptOut.objects.exists()


@pytest.mark.django_db
def test_a_mentor_who_stopped_the_digest_gets_none(alice, grace, mentorship, catalog) -> None:
    from tracker.mentoring.digest import send_mentor_digests
    from tracker.progress.services import progress_set_status

    progress_set_status(user=alice, skill_id=catalog[0].pk, status="done")
    MailOptOut.objects.create(user=grace, kind=MailKind.DIGEST)
    mail.outbox.clear()
    report = send_mentor_digests(force=True)
    assert report.sent == 0 and not mail.outbox
    assert Mentorship.objects.get().digest_sent_at is None


@pytest.mark.django_db
def test_stopped_kinds_travel_with_the_export_and_leave_with_the_account(alice) -> None:
    MailOptOut.objects.create(user=alice, kind=MailKind.FEEDBACK)
    data = login(alice).get("/account/export.json").json()
    assert data["mail_opt_outs"] == ["feedback"]
    other = make_user("other")
    from tracker.account.importing import account_import

    account_import(user=other, data=data)
    assert list(MailOptOut.objects.filter(user=other).values_list("kind", flat=True)) == [
        "feedback"
    ]
    login(alice).post("/account/delete/", {"password": PASSWORD})
    assert not MailOptOut.objects.filter(email="", user__username="alice").exists()
    assert MailOptOut.objects.count() == 1
