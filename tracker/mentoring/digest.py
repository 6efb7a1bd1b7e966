"""The weekly mentor digest: one plain-text mail per mentor about all their mentees.

Run by `manage.py send_mentor_digest` (weekly, from cron). The rules:

- Who: every mentor with at least one *active* mentorship and an email address who has
  not stopped the digest (its one-click unsubscribe, mail.py). Revoked
  mentorships never appear, and their learners are never mentioned.
- What, per mentee: the skills completed and the skills started since that mentorship's
  last digest (`digest_sent_at`, or the mentorship's `created_at` if none was sent yet);
  the mentee's last activity (newest progress event, ever); how many of the mentee's
  replies to this mentor are unread; and a *stalled* flag when the mentee has no progress
  event in more than 21 days (mentoring.rules: *stalled*), or none at all.
- A skill is listed once, by where the window left it: its newest event in the window
  decides, *done* lists it as completed, *learning* as started. Moves to *to do* or
  *skipped* are not listed and are not news on their own.
- Nothing to report: a mentor none of whose mentees completed or started a skill, has an
  unread reply, or is stalled gets no mail, and their `digest_sent_at` does not move, so
  the next digest still covers the whole period. A stalled mentee *is* news, every week
  it stays stalled: a mentee going quiet is what a mentor most needs to hear about.
- At most weekly: a mentor whose newest `digest_sent_at` (over their active
  mentorships) is less than 7 days ago gets nothing, unless `force=True`. Days are
  counted as calendar days in `settings.TIME_ZONE`, so a cron job that starts a few
  seconds earlier than last week's still sends; running it twice in a week sends
  nothing new.
- Send first, then record: after a mentor's mail is sent, `digest_sent_at = now` on all
  their active mentorships, in one transaction. If sending raises, nothing is recorded
  for that mentor (the next run tries again), the failure is logged and counted, and
  the other mentors are still served.
- Queries: one for all active mentorships, then a fixed number per mentor that is due
  (events in each mentee's window, last activity, unread replies, the update), never
  one per event or per mentee.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from catalog.models import Skill

from .. import mail
from ..account.models import MailKind, User
from ..progress.models import EventKind, ProgressEvent, Status
from . import rules
from .models import Mentorship

logger = logging.getLogger(__name__)

SUBJECT = "Your Gradient mentees this week"
TEMPLATE = "mentoring/mail/mentor_digest.txt"
RESEND_AFTER_DAYS = 7


@dataclass
class MenteeSummary:
    learner: User
    since: dt.datetime
    completed: list[Skill]
    started: list[Skill]
    last_activity: dt.datetime | None
    unread_replies: int
    stalled: bool
    url: str

    @property
    def has_news(self) -> bool:
        return bool(self.completed or self.started or self.unread_replies or self.stalled)

    def describe(self) -> str:
        """One line for the command's --dry-run listing."""
        parts = [f"{len(self.completed)} completed", f"{len(self.started)} started"]
        if self.unread_replies:
            parts.append(f"{self.unread_replies} unread")
        if self.stalled:
            parts.append("stalled")
        return f"{self.learner.username} ({', '.join(parts)})"


@dataclass
class MentorDigest:
    mentor: User
    mentees: list[MenteeSummary]

    @property
    def has_news(self) -> bool:
        return any(m.has_news for m in self.mentees)


@dataclass
class DigestReport:
    sent: int = 0
    skipped_recent: int = 0
    skipped_empty: int = 0
    failed: int = 0
    dry_run: bool = False
    # What was sent (or, on a dry run, would be), and who could not be sent to.
    digests: list[MentorDigest] = field(default_factory=list)
    failures: list[tuple[User, str]] = field(default_factory=list)

    def __str__(self) -> str:
        verb = "Would send" if self.dry_run else "Sent"
        plural = "" if self.sent == 1 else "s"
        return (
            f"{verb} {self.sent} digest{plural}; "
            f"{self.skipped_recent} skipped (sent within {RESEND_AFTER_DAYS} days); "
            f"{self.skipped_empty} with nothing new; {self.failed} failed"
        )


def send_mentor_digests(
    *, now: dt.datetime | None = None, force: bool = False, dry_run: bool = False
) -> DigestReport:
    """Compose and send each due mentor's digest; see the module docstring for the rules.

    `dry_run` composes everything and sends and records nothing.
    """
    now = now or timezone.now()
    report = DigestReport(dry_run=dry_run)
    mentorships = (
        Mentorship.objects.active()
        .exclude(mentor__email="")
        # Mentors who stopped the digest (one click in any digest) are not written to.
        .exclude(mentor__mail_opt_outs__kind=MailKind.DIGEST)
        .select_related("mentor", "learner")
        .order_by("mentor__username", "learner__username")
    )
    by_mentor: dict[User, list[Mentorship]] = defaultdict(list)
    for mentorship in mentorships:
        by_mentor[mentorship.mentor].append(mentorship)

    for mentor, links in by_mentor.items():
        if not force and _sent_recently(links, now):
            report.skipped_recent += 1
            continue
        digest = compose_digest(mentor, links, now=now)
        if not digest.has_news:
            report.skipped_empty += 1
            continue
        if dry_run:
            report.sent += 1
            report.digests.append(digest)
            continue
        try:
            _send(digest, now=now)
        except Exception as e:  # Any backend error: this mentor waits, the others go on.
            logger.exception("Mentor digest to %s failed", mentor.email)
            report.failed += 1
            report.failures.append((mentor, f"{type(e).__name__}: {e}"))
            continue
        with transaction.atomic():
            Mentorship.objects.active().filter(pk__in=[m.pk for m in links]).update(
                digest_sent_at=now
            )
        report.sent += 1
        report.digests.append(digest)
    return report


def _sent_recently(links: list[Mentorship], now: dt.datetime) -> bool:
    sent = [m.digest_sent_at for m in links if m.digest_sent_at is not None]
    if not sent:
        return False
    days = (timezone.localdate(now) - timezone.localdate(max(sent))).days
    return days < RESEND_AFTER_DAYS


def compose_digest(mentor: User, links: list[Mentorship], *, now: dt.datetime) -> MentorDigest:
    """What one mentor's digest says. Three queries, however many mentees and events."""
    since = {m.learner_id: m.digest_sent_at or m.created_at for m in links}

    # Each mentee's own window, in one query: (user = a AND after a's date) OR …
    windows = Q()
    for learner_id, start in since.items():
        windows |= Q(user_id=learner_id, created_at__gt=start)
    events = (
        ProgressEvent.objects.filter(windows, created_at__lte=now, kind=EventKind.STATUS)
        .select_related("skill")
        .order_by("created_at", "id")
    )
    # The newest event in the window decides where a skill stands (later ones overwrite).
    outcome: dict[int, dict[int, ProgressEvent]] = defaultdict(dict)
    for event in events:
        outcome[event.user_id].pop(event.skill_id, None)
        outcome[event.user_id][event.skill_id] = event

    last_activity = dict(
        ProgressEvent.objects.filter(user_id__in=since, created_at__lte=now, kind=EventKind.STATUS)
        .values("user_id")
        .annotate(last=Max("created_at"))
        .values_list("user_id", "last")
        .order_by()
    )
    unread = rules.unread_replies(mentor, since)

    mentees = []
    for link in links:
        learner_id = link.learner_id
        decided = outcome[learner_id].values()
        last = last_activity.get(learner_id)
        mentees.append(
            MenteeSummary(
                learner=link.learner,
                since=since[learner_id],
                completed=[e.skill for e in decided if e.to_status == Status.DONE],
                started=[e.skill for e in decided if e.to_status == Status.LEARNING],
                last_activity=last,
                unread_replies=unread.get(learner_id, 0),
                stalled=rules.activity_status(rules.idle_days(last, now)) == rules.STALLED,
                url=_absolute(reverse("tracker:mentee", args=[link.learner.username])),
            )
        )
    return MentorDigest(mentor=mentor, mentees=mentees)


def _send(digest: MentorDigest, *, now: dt.datetime) -> None:
    mail.send(
        to=digest.mentor.email,
        subject=SUBJECT,
        template=TEMPLATE,
        context={
            "mentor": digest.mentor,
            "mentees": digest.mentees,
            "now": now,
            "stalled_days": rules.SLOWING_DAYS,
            "dashboard_url": _absolute(reverse("tracker:mentor-dashboard")),
        },
        kind=MailKind.DIGEST,
        recipient=digest.mentor,
        now=True,
    )


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
