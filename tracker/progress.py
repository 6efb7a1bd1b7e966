"""The rules of progress: status timestamps, completion, what to learn next, streaks.

Completion rule: a *skipped* skill leaves the denominator; it never counts as done.
A track's completion is done / (published skills − skipped).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from catalog.snapshot import Catalog, SkillNode, TrackNode

from .models import Progress, ProgressEvent, Project, Status, User

COMPLETION_RULE = "Skipped skills leave the count: they are neither done nor still to do."


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
        return round(100 * self.done / self.counted) if self.counted else 0

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
        return round(100 * self.done / self.counted) if self.counted else 0

    def for_track(self, track_id: int) -> TrackStats:
        return next(t for t in self.tracks if t.track.id == track_id)


OVERVIEW_SQL = """
SELECT s.track_id,
       COUNT(*),
       SUM(CASE WHEN p.status = 'done' THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status = 'learning' THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status = 'skipped' THEN 1 ELSE 0 END),
       SUM(CASE WHEN p.status IN ('done', 'skipped') THEN 0 ELSE s.hours END)
FROM catalog_skill s
LEFT JOIN tracker_progress p ON p.skill_id = s.id AND p.user_id = %s
WHERE s.is_published = %s{tracks}
GROUP BY s.track_id
"""


def overview(user: User, catalog: Catalog, *, track_ids: Iterable[int] | None = None) -> Overview:
    """Per-track counts for one user: one grouped query over the published skills.

    The user's progress is joined with the condition in the JOIN, so each skill meets at
    most one progress row however many learners there are (the unique index on
    (user, skill) answers it). Written as SQL because the ORM spent longer composing
    the equivalent FilteredRelation query than the database spent running it, on a
    query every dashboard, track page and toggle runs.
    """
    params: list = [user.pk, True]
    tracks = ""
    if track_ids is not None:
        ids = [int(pk) for pk in track_ids]
        tracks = f" AND s.track_id IN ({', '.join(['%s'] * len(ids))})"
        params += ids
    with connection.cursor() as cursor:
        cursor.execute(OVERVIEW_SQL.format(tracks=tracks), params)
        by_track = {row[0]: row[1:] for row in cursor.fetchall()}
    stats = []
    for track in catalog.tracks:
        if track.id in by_track:
            total, done, learning, skipped, hours_left = by_track[track.id]
            stats.append(
                TrackStats(
                    track=track,
                    total=total,
                    done=done or 0,
                    learning=learning or 0,
                    skipped=skipped or 0,
                    hours_left=hours_left or 0,
                )
            )
    return Overview(tracks=stats)


class EvidenceRow(NamedTuple):
    pk: int
    title: str
    shows: bool  # recorded as evidence for the skill in question

    def get_absolute_url(self) -> str:
        return reverse("tracker:project", args=[self.pk])


EVIDENCE_SQL = """
SELECT p.id, p.title, EXISTS (
    SELECT 1 FROM tracker_project_skills ps WHERE ps.project_id = p.id AND ps.skill_id = %s
)
FROM tracker_project p WHERE p.owner_id = %s ORDER BY p.title, p.id
"""


def projects_as_evidence(user: User, skill_id: int) -> list[EvidenceRow]:
    """The user's projects, each flagged if it is evidence for the skill: one query."""
    with connection.cursor() as cursor:
        cursor.execute(EVIDENCE_SQL, [skill_id, user.pk])
        return [EvidenceRow(pk, title, bool(shows)) for pk, title, shows in cursor.fetchall()]


def evidenced_skill_ids(user: User) -> set[int]:
    """Skills the user has recorded at least one project for: one query."""
    through = Project.skills.through.objects.filter(project__owner=user)
    return set(through.values_list("skill_id", flat=True).distinct())


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
    verifier_name: str


def progress_rows(
    user: User, *, notes: bool = True, skill_ids: Iterable[int] | None = None
) -> dict[int, ProgressRow]:
    """The user's progress rows by skill id (all, or for the given skills), with the
    verifier's name: one query, and tuples rather than model instances."""
    fields = ["skill_id", "status", "note" if notes else "id", "started_at", "completed_at",
              "updated_at", "verified_by_id", "verified_at", "verified_by__first_name",
              "verified_by__last_name", "verified_by__username"]  # fmt: skip
    rows = {}
    query = Progress.objects.filter(user=user)
    if skill_ids is not None:
        query = query.filter(skill_id__in=list(skill_ids))
    for values in query.values_list(*fields):
        *head, first, last, username = values
        name = f"{first} {last}".strip() or (username or "")
        if not notes:
            head[2] = ""
        rows[head[0]] = ProgressRow(*head, verifier_name=name)
    return rows


def status_map(user: User) -> dict[int, str]:
    """Every status the user set, by skill id: one query and no model instances, for
    pages that need the statuses but not the rows (the dashboard)."""
    return dict(Progress.objects.filter(user=user).values_list("skill_id", "status"))


def status_of(statuses: Mapping[int, str], skill_id: int) -> str:
    return statuses.get(skill_id, Status.TODO)


def statuses_of(rows: Mapping[int, Progress]) -> dict[int, str]:
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


class EventRow(NamedTuple):
    skill_id: int
    to_status: str
    created_at: dt.datetime


def recent_activity(user: User, catalog: Catalog, limit: int = 8) -> list[tuple]:
    """The user's latest status changes as (event, skill node or None if unpublished)."""
    events = ProgressEvent.objects.filter(user=user).values_list(
        "skill_id", "to_status", "created_at"
    )[:limit]
    return [(EventRow(*event), catalog.skills.get(event[0])) for event in events]


# -- the activity calendar and streaks ------------------------------------------------------


def completion_days(user: User) -> dict[dt.date, int]:
    """Completions per local day over the user's whole history: one grouped query.

    In UTC (the default) the day is SQL's own date(), which SQLite computes in C;
    Django's TruncDate makes SQLite call back into Python for every event row.
    """
    tz = timezone.get_current_timezone()
    if tz.utcoffset(None) == dt.timedelta(0) and getattr(tz, "key", "UTC") == "UTC":
        # Both databases keep these timestamps in UTC, and date() takes the UTC day.
        with connection.cursor() as cursor:
            cursor.execute(COMPLETION_DAYS_SQL, [user.pk, Status.DONE])
            return {_as_date(day): n for day, n in cursor.fetchall()}
    events = ProgressEvent.objects.filter(user=user, to_status=Status.DONE)
    day = TruncDate("created_at", tzinfo=tz)
    rows = events.annotate(day=day).values("day").annotate(n=Count("id")).order_by()
    return {_as_date(row["day"]): row["n"] for row in rows}


COMPLETION_DAYS_SQL = """
SELECT date(created_at), COUNT(*) FROM tracker_progressevent
WHERE user_id = %s AND to_status = %s
GROUP BY date(created_at)
"""


def _as_date(value: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


class Day(NamedTuple):
    # A NamedTuple, not a dataclass: a calendar makes 371 of these on every dashboard.
    date: dt.date
    count: int
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

    # Hashed by identity (eq=False below would drop the generated __eq__; a frozen
    # dataclass with list fields cannot hash its contents), so its HTML can be memoised.
    __hash__ = object.__hash__


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
    """The last `weeks` weeks, Monday-first columns, ending with the week of `today`.

    Remembered per (days, today): the same learner's calendar is drawn again on every
    dashboard load until they complete something or the day changes.
    """
    return _calendar(frozenset(days.items()), today, weeks)


@functools.lru_cache(maxsize=2048)
def _calendar(items: frozenset, today: dt.date, weeks: int) -> Calendar:
    days = dict(items)
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


def streaks(days: Iterable[dt.date], today: dt.date) -> tuple[int, int]:
    """(current, longest) runs of consecutive days with a completion.

    The current streak is still alive if the last completion was yesterday: today is
    not over yet.
    """
    ordered = sorted(set(days))
    longest = run = 0
    previous: dt.date | None = None
    for day in ordered:
        run = run + 1 if previous and day - previous == dt.timedelta(days=1) else 1
        longest = max(longest, run)
        previous = day
    if previous is None or (today - previous).days > 1 or previous > today:
        return 0, longest
    return run, longest
