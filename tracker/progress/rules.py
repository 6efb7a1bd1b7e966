"""The rules of progress: status timestamps, completion, what to learn next, streaks.

Completion rule: a *skipped* skill leaves the denominator; it never counts as done.
A track's completion is done / (published skills − skipped).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.utils import timezone

from catalog.snapshot import Catalog, SkillNode, TrackNode

from ..account.models import User
from .models import EventKind, Goal, Progress, ProgressEvent, Status

COMPLETION_RULE = "Skipped skills leave the count: they are neither done nor still to do."


def completion_percent(done: int, counted: int) -> int:
    """The completion rule, in one place: done / (skills − skipped), as a whole percent.

    Clamped: for a moment after a publish the catalog copy may know fewer skills than the
    database does.
    """
    return min(100, round(100 * done / counted)) if counted > 0 else 0


def apply_status(progress: Progress, status: str, now: dt.datetime) -> None:
    """Set the status and make the dates follow it.

    `started_at` is set the first time a skill is begun (learning, or done straight
    away) and kept after that; `completed_at` is set on done. Moving back clears what
    no longer holds: to *learning* or *skipped* clears `completed_at`, to *to do*
    clears both. A verification belongs to a completion, so it goes when that does.
    """
    progress.status = status
    if status == Status.TODO:
        progress.started_at = progress.completed_at = None
    elif status == Status.LEARNING:
        progress.started_at = progress.started_at or now
        progress.completed_at = None
    elif status == Status.DONE:
        progress.started_at = progress.started_at or now
        progress.completed_at = now
    elif status == Status.SKIPPED:
        progress.completed_at = None
    if status != Status.DONE:
        progress.verified_by = None
        progress.verified_at = None
        progress.verification_comment = ""
    # "Known before" describes how a skill came to be done; any move replaces it.
    progress.known_before = False


@dataclass
class TrackStats:
    track: TrackNode
    total: int = 0
    done: int = 0
    learning: int = 0
    skipped: int = 0
    hours_left: int = 0

    @property
    def counted(self) -> int:
        return self.total - self.skipped

    @property
    def percent(self) -> int:
        return completion_percent(self.done, self.counted)

    @property
    def todo(self) -> int:
        return self.counted - self.done - self.learning


@dataclass
class Overview:
    tracks: list[TrackStats]

    def _sum(self, name: str) -> int:
        return sum(getattr(t, name) for t in self.tracks)

    @property
    def total(self) -> int:
        return self._sum("total")

    @property
    def done(self) -> int:
        return self._sum("done")

    @property
    def learning(self) -> int:
        return self._sum("learning")

    @property
    def skipped(self) -> int:
        return self._sum("skipped")

    @property
    def hours_left(self) -> int:
        return self._sum("hours_left")

    @property
    def counted(self) -> int:
        return self.total - self.skipped

    @property
    def percent(self) -> int:
        return completion_percent(self.done, self.counted)

    def for_track(self, track_id: int) -> TrackStats:
        return next(t for t in self.tracks if t.track.id == track_id)


def overview(
    statuses: Mapping[int, str], catalog: Catalog, *, track_ids: Iterable[int] | None = None
) -> Overview:
    """Per-track counts for one user, from their statuses (`status_map`, or
    `statuses_of(progress_rows(...))` on a page that reads the rows anyway).

    Counted against the catalog copy, which knows each published skill's track and hours:
    no query of its own. A learner has at most a few hundred statuses; the grouped query
    with its join to the skills that did this cost three times the plain read
    (docs/performance.md).
    """
    wanted = None if track_ids is None else set(track_ids)
    stats = []
    for track in catalog.tracks:
        if wanted is not None and track.id not in wanted:
            continue
        row = TrackStats(track=track, total=track.skill_count, hours_left=track.hours)
        for pk in track.skill_ids:
            status = statuses.get(pk)
            if status is None or status == Status.TODO:
                continue
            if status == Status.LEARNING:
                row.learning += 1
                continue
            if status == Status.DONE:
                row.done += 1
            else:
                row.skipped += 1
            row.hours_left -= catalog.skills[pk].hours
        stats.append(row)
    return Overview(tracks=stats)


class ProgressRow(NamedTuple):
    """A progress row read as a tuple: pages that list many skip the model instances."""

    skill_id: int
    status: str
    note: str
    started_at: dt.datetime | None
    completed_at: dt.datetime | None
    updated_at: dt.datetime
    verified_by_id: int | None
    verified_at: dt.datetime | None
    known_before: bool
    verification_comment: str
    verifier_name: str


def progress_rows(
    user: User, *, notes: bool = True, skill_ids: Iterable[int] | None = None
) -> dict[int, ProgressRow]:
    """The user's progress rows by skill id (all, or for the given skills), with the
    verifier's name: one query, and tuples rather than model instances."""
    fields = ["skill_id", "status", "note" if notes else "id", "started_at", "completed_at",
              "updated_at", "verified_by_id", "verified_at", "known_before",
              "verification_comment", "verified_by__first_name", "verified_by__last_name",
              "verified_by__username"]  # fmt: skip
    rows = {}
    query = Progress.objects.filter(user=user)
    if skill_ids is not None:
        query = query.filter(skill_id__in=list(skill_ids))
    for values in query.values_list(*fields):
        *head, first, last, username = values
        name = f"{first} {last}".strip() or (username or "")
        if not notes:
            head[2] = ""
        rows[head[0]] = ProgressRow._make([*head, name])
    return rows


def status_map(user: User) -> dict[int, str]:
    """Every status the user set, by skill id: one query and no model instances, for
    pages that need the statuses but not the rows (the dashboard)."""
    return dict(Progress.objects.filter(user=user).values_list("skill_id", "status"))


def status_of(statuses: Mapping[int, str], skill_id: int) -> str:
    return statuses.get(skill_id, Status.TODO)


def statuses_of(rows: Mapping[int, ProgressRow]) -> dict[int, str]:
    return {pk: row.status for pk, row in rows.items()}


def next_up(catalog: Catalog, statuses: Mapping[int, str], limit: int = 5) -> list[SkillNode]:
    """Skills still to do whose prerequisites are all done, in curriculum order.

    A skipped prerequisite is out of the learner's way, as it is out of their count.
    """
    done = {pk for pk, s in statuses.items() if s in (Status.DONE, Status.SKIPPED)}
    found = []
    for pk in catalog.order:
        if statuses.get(pk, Status.TODO) != Status.TODO:
            continue
        skill = catalog.skills[pk]
        if all(req in done for req in skill.prerequisites):
            found.append(skill)
            if len(found) == limit:
                break
    return found


def missing_prerequisites(
    catalog: Catalog, skill: SkillNode, statuses: Mapping[int, str]
) -> list[SkillNode]:
    return [
        catalog.skills[pk]
        for pk in skill.prerequisites
        if status_of(statuses, pk) not in (Status.DONE, Status.SKIPPED)
    ]


class ActivityRow(NamedTuple):
    to_status: str
    created_at: dt.datetime
    skill: SkillNode | None  # None: a skill no longer published
    ago: str  # "today", "3 days ago"


def recent_activity(
    events: Sequence[tuple[int, str, dt.datetime]], catalog: Catalog, limit: int = 8
) -> list[ActivityRow]:
    """The latest status changes, newest first, from the learner's status events
    (`plan.status_events`, oldest first). Skills marked as known before are not among
    them: they are not activity, and the known page lists them."""
    today = timezone.localdate()
    return [
        ActivityRow(status, when, catalog.skills.get(skill_id), ago(when, today))
        for skill_id, status, when in reversed(events[-limit:])
    ]


HISTORY_LABELS: dict[str, str] = {
    EventKind.KNOWN: "Marked as known before Gradient",
    EventKind.VERIFIED: "Verified by a mentor",
    EventKind.UNVERIFIED: "Verification withdrawn",
}


def skill_history(user: User, skill_id: int) -> list[tuple[str, dt.datetime]]:
    """What happened to one skill of the learner, newest first, in words: status moves,
    "known before", a mentor's verification and its withdrawal. One query."""
    rows = (
        ProgressEvent.objects.filter(user=user, skill_id=skill_id)
        .order_by("-created_at", "-id")
        .values_list("kind", "to_status", "created_at")
    )
    return [(HISTORY_LABELS.get(kind) or Status(to).label, when) for kind, to, when in rows]


def ago(when: dt.datetime, today: dt.date) -> str:
    """'today', 'yesterday', '3 days ago', '2 weeks ago': in whole local days, like
    streaks and the calendar."""
    days = max(0, (today - timezone.localdate(when)).days)
    if days < 2:
        return ("today", "yesterday")[days]
    for size, unit in ((365, "year"), (30, "month"), (7, "week")):
        if days >= size:
            n = days // size
            return f"{n} {unit}{'' if n == 1 else 's'} ago"
    return f"{days} days ago"


# -- the activity calendar and streaks ------------------------------------------------------


def completion_days(events: Iterable[tuple[int, str, dt.datetime]]) -> dict[dt.date, int]:
    """Completions per local day, from the learner's status events (`plan.status_events`)."""
    zone = timezone.get_current_timezone()
    return dict(
        Counter(when.astimezone(zone).date() for _, status, when in events if status == Status.DONE)
    )


class Day(NamedTuple):
    # A NamedTuple, not a dataclass: a calendar makes 371 of these on every dashboard.
    date: dt.date
    # Named like tuple.count, which it hides; the templates read `day.count`.
    count: int  # type: ignore[assignment]
    level: int  # 0..4 for the colour; the count itself is what screen readers get
    future: bool = False

    @property
    def label(self) -> str:
        n = self.count
        when = self.date.strftime("%a %-d %b %Y")
        return f"{when}: {n} skill{'' if n == 1 else 's'} completed"


@dataclass(frozen=True)
class Calendar:
    weeks: list[list[Day]]  # columns of Monday..Sunday
    months: list[tuple[int, str]]  # (week index, month label) where a month starts
    total: int

    @property
    def month_labels(self) -> list[str]:
        """A label for each week column: the month that begins in it, or ""."""
        labels = dict(self.months)
        return [labels.get(i, "") for i in range(len(self.weeks))]

    @property
    def active_days(self) -> list[Day]:
        """Days with a completion, newest first (what screen readers are told)."""
        return [day for week in reversed(self.weeks) for day in reversed(week) if day.count]


def _level(n: int) -> int:
    if n <= 0:
        return 0
    if n == 1:
        return 1
    if n <= 3:
        return 2
    if n <= 5:
        return 3
    return 4


def build_calendar(days: Mapping[dt.date, int], today: dt.date, weeks: int = 53) -> Calendar:
    """The last `weeks` weeks, Monday-first columns, ending with the week of `today`."""
    start = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=weeks - 1)
    columns: list[list[Day]] = []
    months: list[tuple[int, str]] = []
    total = 0
    one_day = dt.timedelta(days=1)
    date = start
    for w in range(weeks):
        column = []
        for _ in range(7):
            n = days.get(date, 0) if date <= today else 0
            total += n
            column.append(Day(date, n, _level(n) if n else 0, date > today))
            date += one_day
        # A week is labelled with the month that begins in it (the first week, always).
        first = next((day.date for day in column if day.date.day == 1), None)
        if first or w == 0:
            months.append((w, (first or column[0].date).strftime("%b")))
        columns.append(column)
    return Calendar(weeks=columns, months=months, total=total)


def current_goal(user: User) -> Goal | None:
    """The goal in force: the latest set (one query)."""
    return Goal.objects.filter(user=user).order_by("-set_at", "-id").first()
