"""The weekly mentor digest: who gets mail, what it says, and what is recorded."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Skill
from tests.helpers import make_catalog, make_user
from tracker.mentoring import digest
from tracker.models import Feedback, Mentorship, User
from tracker.progress.services import progress_set_status

# A Monday morning, when cron runs the command.
T0 = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


def at(days: float) -> dt.datetime:
    return T0 + dt.timedelta(days=days)


MENTORING_SINCE = at(-30)


def start_mentoring(learner: User, mentor: User) -> Mentorship:
    with time_machine.travel(MENTORING_SINCE, tick=False):
        return Mentorship.objects.create(learner=learner, mentor=mentor)


def move(user: User, skill: Skill, status: str, when: dt.datetime) -> None:
    progress_set_status(user=user, skill_id=skill.pk, status=status, now=when)


def run(when: dt.datetime, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with time_machine.travel(when, tick=False):
        call_command("send_mentor_digest", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def sections(body: str) -> dict[str, str]:
    """The digest's part about each mentee, by username."""
    parts = body.split("\n== ")[1:]
    return {part.split("(", 1)[1].split(")", 1)[0]: part for part in parts}


@pytest.fixture
def skills(db: None) -> list[Skill]:
    return make_catalog(tracks=1, skills_per_track=4)


@pytest.fixture
def dave(db: None) -> User:
    return make_user("dave")


@pytest.fixture
def mentees(alice, bob, grace, skills) -> None:
    """bob mentors alice (busy two days ago) and grace (quiet for 40 days)."""
    start_mentoring(alice, bob)
    start_mentoring(grace, bob)
    move(alice, skills[0], "done", at(-2))
    move(alice, skills[1], "learning", at(-2))
    move(grace, skills[0], "learning", at(-40))


def test_a_mentor_gets_one_mail_naming_each_mentee(mentees, alice, bob, dave, skills) -> None:
    revoked = start_mentoring(dave, bob)
    Mentorship.objects.filter(pk=revoked.pk).update(state=Mentorship.State.REVOKED)
    move(dave, skills[2], "done", at(-1))
    User.objects.filter(pk=alice.pk).update(first_name="Alice", last_name="O'Neil")

    out, err = run(T0)

    assert out == "Sent 1 digest; 0 skipped (sent within 7 days); 0 with nothing new; 0 failed\n"
    assert err == ""
    [message] = mail.outbox
    assert message.to == ["bob@example.com"]
    assert message.subject == "Your Gradient mentees this week"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    by_mentee = sections(message.body)
    assert list(by_mentee) == ["alice", "grace"]
    assert "Completed since 31 Jan:\n  - Skill 1.1\n" in by_mentee["alice"]
    assert "Started since 31 Jan:\n  - Skill 1.2\n" in by_mentee["alice"]
    assert "STALLED" not in by_mentee["alice"]
    assert "[STALLED]" in by_mentee["grace"]
    assert "Last activity: Wed 21 Jan 2026" in by_mentee["grace"]
    assert "Skill 1.3" not in message.body
    assert "dave" not in message.body
    assert f"{settings.SITE_URL}/mentor/alice/" in by_mentee["alice"]
    assert f"{settings.SITE_URL}/mentor/grace/" in by_mentee["grace"]
    assert f"All your mentees: {settings.SITE_URL}/mentor/\n" in message.body
    assert message.body.startswith("Hello bob,\n")
    assert "\n== Alice O'Neil (alice)\n" in message.body  # plain text: nothing HTML-escaped
    assert "something to report.\n" in message.body
    # One click stops it: a link in the body, and RFC 8058's headers for mail programs.
    assert "You get the weekly digest of your mentees.\nStop it in one click: " in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    links = Mentorship.objects.filter(mentor=bob)
    assert {(m.learner.username, m.digest_sent_at) for m in links} == {
        ("alice", T0),
        ("grace", T0),
        ("dave", None),
    }


def test_unread_replies_are_counted_per_mentee(mentees, alice, bob, skills) -> None:
    for read_at in (None, None, at(-1)):
        Feedback.objects.create(
            learner=alice,
            mentor=bob,
            author=alice,
            skill=skills[0],
            body="Thanks!",
            read_at=read_at,
        )
    Feedback.objects.create(learner=alice, mentor=bob, author=bob, skill=skills[0], body="Nice")

    run(T0)

    by_mentee = sections(mail.outbox[0].body)
    assert "Unread replies: 2\n" in by_mentee["alice"]
    assert "Unread replies" not in by_mentee["grace"]


def test_a_second_run_in_the_same_week_sends_nothing(mentees, bob) -> None:
    run(T0)
    out, _ = run(at(6))

    assert len(mail.outbox) == 1
    assert out == "Sent 0 digests; 1 skipped (sent within 7 days); 0 with nothing new; 0 failed\n"
    assert {m.digest_sent_at for m in Mentorship.objects.filter(mentor=bob)} == {T0}


def test_next_weeks_cron_sends_even_if_it_starts_a_little_earlier(mentees) -> None:
    run(T0)
    out, _ = run(at(7) - dt.timedelta(seconds=5))

    assert out.startswith("Sent 1 digest;")
    assert len(mail.outbox) == 2


def test_a_stalled_mentee_is_news_every_week_they_stay_stalled(mentees, grace) -> None:
    run(T0)
    out, _ = run(at(8))

    assert out.startswith("Sent 1 digest;")
    body = mail.outbox[1].body
    assert "[STALLED]" in sections(body)["grace"]
    assert "Nothing completed or started since 2 Mar." in sections(body)["alice"]


def test_a_quiet_week_without_stalled_mentees_sends_nothing(alice, bob, skills) -> None:
    start_mentoring(alice, bob)
    move(alice, skills[0], "done", at(-2))
    run(T0)

    out, _ = run(at(8))

    assert len(mail.outbox) == 1
    assert out == "Sent 0 digests; 0 skipped (sent within 7 days); 1 with nothing new; 0 failed\n"
    assert Mentorship.objects.get().digest_sent_at == T0  # the next digest covers both weeks


def test_moves_to_skipped_or_to_do_are_not_news(alice, bob, skills) -> None:
    start_mentoring(alice, bob)
    move(alice, skills[0], "done", at(-40))
    move(alice, skills[1], "learning", at(-40))
    move(alice, skills[0], "todo", at(-1))
    move(alice, skills[1], "skipped", at(-1))

    out, _ = run(T0)

    assert out.startswith("Sent 0 digests;")
    assert "1 with nothing new" in out


def test_activity_after_a_digest_appears_in_the_next_one(mentees, alice, skills) -> None:
    run(T0)
    move(alice, skills[2], "done", at(3))
    move(alice, skills[3], "learning", at(3))
    move(alice, skills[3], "done", at(4))  # started and finished: listed once, as completed

    run(at(7))

    alice_part = sections(mail.outbox[1].body)["alice"]
    assert "Completed since 2 Mar:\n  - Skill 1.3\n  - Skill 1.4\n" in alice_part
    assert "Started since" not in alice_part
    assert "Skill 1.1" not in alice_part
    assert "Last activity: Fri 6 Mar 2026" in alice_part


def test_a_mentor_whose_only_mentorship_is_revoked_gets_nothing(alice, dave, skills) -> None:
    link = start_mentoring(alice, dave)
    link.state = Mentorship.State.REVOKED
    link.save()
    move(alice, skills[0], "done", at(-1))

    out, _ = run(T0)

    assert mail.outbox == []
    assert out == "Sent 0 digests; 0 skipped (sent within 7 days); 0 with nothing new; 0 failed\n"


def test_dry_run_lists_who_would_get_what_and_sends_and_records_nothing(mentees, bob) -> None:
    out, _ = run(T0, "--dry-run")

    assert out.splitlines() == [
        "bob@example.com (bob): alice (1 completed, 1 started); "
        "grace (0 completed, 0 started, stalled)",
        "Would send 1 digest; 0 skipped (sent within 7 days); 0 with nothing new; 0 failed",
    ]
    assert mail.outbox == []
    assert {m.digest_sent_at for m in Mentorship.objects.filter(mentor=bob)} == {None}


def test_force_ignores_the_seven_day_rule(mentees, alice, bob, skills) -> None:
    run(T0)
    move(alice, skills[2], "done", at(1))

    out, _ = run(at(2), "--force")

    assert out.startswith("Sent 1 digest;")
    assert len(mail.outbox) == 2
    assert "Completed since 2 Mar:\n  - Skill 1.3\n" in sections(mail.outbox[1].body)["alice"]
    assert {m.digest_sent_at for m in Mentorship.objects.filter(mentor=bob)} == {at(2)}


def test_a_failing_send_does_not_stop_the_others_and_exits_1(
    mentees, alice, bob, dave, monkeypatch
) -> None:
    start_mentoring(alice, dave)
    real_send = EmailMessage.send

    def send(message, fail_silently=False):
        if message.to == ["bob@example.com"]:
            raise ConnectionRefusedError("SMTP server down")
        return real_send(message, fail_silently)

    monkeypatch.setattr(EmailMessage, "send", send)
    out, err = StringIO(), StringIO()

    with time_machine.travel(T0, tick=False), pytest.raises(CommandError) as failure:
        call_command("send_mentor_digest", stdout=out, stderr=err)

    assert failure.value.returncode == 1
    assert out.getvalue() == (
        "Sent 1 digest; 0 skipped (sent within 7 days); 0 with nothing new; 1 failed\n"
    )
    assert "Failed to send to bob@example.com (bob): ConnectionRefusedError" in err.getvalue()
    assert [m.to for m in mail.outbox] == [["dave@example.com"]]
    assert Mentorship.objects.get(mentor=dave).digest_sent_at == T0
    assert {m.digest_sent_at for m in Mentorship.objects.filter(mentor=bob)} == {None}

    monkeypatch.setattr(EmailMessage, "send", real_send)
    out_next, _ = run(at(1))  # bob's digest was not recorded, so the next run retries it

    assert out_next.startswith("Sent 1 digest; 1 skipped")
    assert mail.outbox[-1].to == ["bob@example.com"]


def test_queries_do_not_grow_with_events_or_mentees(skills) -> None:
    def queries_for_a_run(n_mentees: int, when: dt.datetime) -> int:
        Mentorship.objects.update(state=Mentorship.State.REVOKED)  # one mentor per run
        mentor = make_user(f"mentor{n_mentees}")
        for i in range(n_mentees):
            learner = make_user(f"learner{n_mentees}-{i}")
            start_mentoring(learner, mentor)
            for skill in skills:
                move(learner, skill, "learning", when - dt.timedelta(days=2))
                move(learner, skill, "done", when - dt.timedelta(days=1))
        with CaptureQueriesContext(connection) as queries:
            digest.send_mentor_digests(now=when)
        return len(queries)

    small = queries_for_a_run(1, T0)
    large = queries_for_a_run(5, T0)

    assert len(mail.outbox) == 2
    assert small == large
