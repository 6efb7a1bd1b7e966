"""Reading mentoring: a mentor's mentees in bulk (one row each, for the dashboard and
CSV), feedback threads, and the rules they share with the weekly digest.

Completion follows the progress rules (`progress.rules.completion_percent`); the
per-track totals come from the catalog snapshot, not from a query.

A mentee's activity status comes from whole days since their last status change
(any progress event, in any direction):

- *active*: the last change was at most ACTIVE_DAYS (7) days ago;
- *slowing*: 8 to SLOWING_DAYS (21) days ago;
- *stalled*: more than 21 days ago, or never.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, Exists, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.snapshot import Catalog, TrackNode

from ..account.models import User
from ..progress import plan
from ..progress.models import EventKind, ProgressEvent, Status
from ..progress.plan import Plan
from ..progress.rules import completion_percent
from . import services
from .models import Feedback, Mentorship

ACTIVE_DAYS = 7
SLOWING_DAYS = 21
RECENT_WINDOW = dt.timedelta(days=7)  # "done in the last 7 days"

ACTIVE = "active"
SLOWING = "slowing"
STALLED = "stalled"
STATUS_LABELS = {ACTIVE: "Active", SLOWING: "Slowing", STALLED: "Stalled"}
# Sorting by status goes from the most to the least engaged.
STATUS_RANK = {ACTIVE: 0, SLOWING: 1, STALLED: 2}


def idle_days(last_activity: dt.datetime | None, now: dt.datetime) -> int | None:
    """Whole days since the last activity (0 = less than a day), None if there was none."""
    if last_activity is None:
        return None
    return max((now - last_activity).days, 0)


def activity_status(days: int | None) -> str:
    if days is None or days > SLOWING_DAYS:
        return STALLED
    return ACTIVE if days <= ACTIVE_DAYS else SLOWING


def mentors_anyone(user: User) -> bool:
    """Whether `user` is a mentor: someone a learner follows through an active mentorship
    (an accepted invite, or a pairing by staff). One query, on an index."""
    return Mentorship.objects.active().filter(mentor=user).exists()


def unread_feedback(mentor: User) -> QuerySet[Feedback]:
    """The learners' replies to `mentor` that the mentor has not read."""
    return Feedback.objects.filter(mentor=mentor, author=F("learner"), read_at__isnull=True)


def unread_replies(mentor: User, learner_ids: Iterable[int] | QuerySet) -> dict[int, int]:
    """How many of each learner's replies to `mentor` the mentor has not read: one query."""
    return dict(
        unread_feedback(mentor)
        .filter(learner_id__in=learner_ids)
        .values("learner_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("learner_id", "n")
    )


@dataclass(frozen=True)
class MenteeRow:
    username: str
    full_name: str  # "" when they gave none
    percent: int
    done: int
    counted: int
    tracks: list[tuple[TrackNode, int]]  # (track, percent), in catalog order
    done_last_7_days: int
    last_activity: dt.datetime | None
    idle_days: int | None
    status: str  # ACTIVE, SLOWING or STALLED
    unread_replies: int
    goal_path: str | None = None  # the path of the goal in force, if any
    goal_hours: int | None = None
    goal_target: dt.date | None = None
    plan: Plan | None = None  # projection and on track / behind, for a goal with a path

    @property
    def name(self) -> str:
        return self.full_name or self.username

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def tracks_label(self) -> str:
        """The track matrix read aloud: "Mathematics 40%, Programming 20%, …"."""
        return ", ".join(f"{track.title} {percent}%" for track, percent in self.tracks)

    @property
    def idle_label(self) -> str:
        if self.idle_days is None:
            return "never"
        if self.idle_days <= 1:
            return ("today", "yesterday")[self.idle_days]
        return f"{self.idle_days} days ago"

    @property
    def last_activity_date(self) -> str:
        """The local date of the last activity, ISO 8601, or "" if there was none."""
        if self.last_activity is None:
            return ""
        return timezone.localtime(self.last_activity).date().isoformat()


class Mentee(NamedTuple):
    """A mentee as the dashboard reads them: plain values, no model instances (building
    a hundred of those cost more than the query)."""

    id: int
    username: str
    first_name: str
    last_name: str
    last: dt.datetime | None  # their last status change
    first: dt.datetime | None  # their first, for the plan (pace waits for two weeks)
    recent_done: int  # skills done in the last 7 days
    unread: int  # their replies to this mentor not read yet


def _mentees(mentor: User, now: dt.datetime) -> list[Mentee]:
    """The mentor's active mentees with their names, last activity, skills done in the
    last 7 days and unread replies: one query, a few index lookups per mentee (a grouped
    query over every event of every mentee reads all their history)."""
    # Skills marked as known before are not activity.
    events = ProgressEvent.objects.filter(
        user=OuterRef("learner_id"), kind=EventKind.STATUS
    ).order_by()
    recent = (
        events.filter(to_status=Status.DONE, created_at__gt=now - RECENT_WINDOW)
        .values("user")
        # Distinct skills, so a skill marked done, undone and done again counts once.
        .annotate(n=Count("skill", distinct=True))
        .values("n")
    )
    unread = (
        unread_feedback(mentor)
        .filter(learner=OuterRef("learner_id"))
        .order_by()
        .values("learner")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        Mentorship.objects.active()
        .filter(mentor=mentor)
        .order_by()  # sorted by name below
        .annotate(
            last=Subquery(events.order_by("-created_at").values("created_at")[:1]),
            first=Subquery(events.order_by("created_at").values("created_at")[:1]),
            recent_done=Coalesce(Subquery(recent, output_field=IntegerField()), 0),
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
        )
        .values_list(
            "learner_id",
            "learner__username",
            "learner__first_name",
            "learner__last_name",
            "last",
            "first",
            "recent_done",
            "unread",
        )
    )
    return [Mentee._make(row) for row in rows]


def mentee_rows(mentor: User, catalog: Catalog, now: dt.datetime) -> list[MenteeRow]:
    """Every active mentee of `mentor`, by name: three queries however many there are
    (the mentees with their activity; their done and skipped skills, which give both the
    track bars and the plans; their goals)."""
    mentees = _mentees(mentor, now)
    if not mentees:
        return []
    finished = plan.finished_rows([m.id for m in mentees], now)
    # (mentee, track) -> [done, skipped], over published skills only.
    counts: dict[tuple[int, int], list[int]] = {}
    skills = catalog.skills
    for user_id, pk, state in finished:
        node = skills.get(pk)
        if node is not None:
            found = counts.setdefault((user_id, node.track_id), [0, 0])
            found[state == Status.SKIPPED] += 1
    facts = plan.facts_for_many({m.id: m.first for m in mentees}, finished, now)
    rows = []
    for mentee in mentees:
        their = facts.get(mentee.id)
        goal = their.goal if their else None
        path = catalog.path(goal.path_id) if goal else None
        tracks = []
        done = counted = 0
        for track in catalog.tracks:
            track_done, track_skipped = counts.get((mentee.id, track.id), (0, 0))
            track_counted = track.skill_count - track_skipped
            tracks.append((track, completion_percent(track_done, track_counted)))
            done += track_done
            counted += track_counted
        days = idle_days(mentee.last, now)
        rows.append(
            MenteeRow(
                username=mentee.username,
                full_name=f"{mentee.first_name} {mentee.last_name}".strip(),
                percent=completion_percent(done, counted),
                done=done,
                counted=counted,
                tracks=tracks,
                done_last_7_days=mentee.recent_done,
                last_activity=mentee.last,
                idle_days=days,
                status=activity_status(days),
                unread_replies=mentee.unread,
                goal_path=path.title if path else None,
                goal_hours=goal.hours_per_week if goal else None,
                goal_target=goal.target_date if goal else None,
                plan=plan.build_plan(their, catalog, now=now, full=False) if their else None,
            )
        )
    rows.sort(key=lambda r: (r.name.casefold(), r.username))
    return rows


# -- feedback threads -----------------------------------------------------------------------


def group_threads(items: Iterable[Feedback]) -> list[list[Feedback]]:
    """Split feedback on one target into threads, one per mentor, oldest first."""
    threads: dict[int, list[Feedback]] = {}
    for item in items:
        threads.setdefault(item.mentor_id, []).append(item)
    return list(threads.values())


def threads_for_viewer(viewer: User, items: QuerySet[Feedback], learner_id: int) -> dict:
    """The threads `viewer` may read on one target, marked read for them.

    The learner reads every mentor's thread; a mentor reads only their own. Returns
    the threads and which of them can still be answered (the mentorship is active).
    """
    if viewer.pk != learner_id:
        items = items.filter(mentor=viewer)
    # Whether each thread's mentorship is still active comes with the rows: one query.
    active = Mentorship.objects.active().filter(learner_id=learner_id, mentor=OuterRef("mentor"))
    rows = list(
        items.select_related("author")
        .annotate(mentorship_active=Exists(active))
        .order_by("created_at", "id")
    )
    if not rows:
        return {"threads": [], "open_mentors": set()}
    if any(r.read_at is None and r.author_id != viewer.pk for r in rows):
        services.feedback_mark_read(reader=viewer, threads=items)
    open_mentors = {r.mentor_id for r in rows if r.mentorship_active}
    return {"threads": group_threads(rows), "open_mentors": open_mentors}


# -- who reads a learner's notes ------------------------------------------------------------


def note_readers(learner: User) -> list[str]:
    """The names of the mentors who may read `learner`'s notes and own links: those of
    the learner's active mentors they share notes with (Mentorship.share_notes). One query."""
    mentorships = (
        Mentorship.objects.active()
        .filter(learner=learner, share_notes=True)
        .select_related("mentor")
        .only("mentor__username", "mentor__first_name", "mentor__last_name")
        .order_by("mentor__username")
    )
    return [m.mentor.display_name for m in mentorships]
