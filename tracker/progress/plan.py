"""A learner's plan: their goal against their path, their pace, when they will finish,
what to do this week, and a weekly streak.

The rules, written on the dashboard as well:

- Work counts once per skill: a skill's hours are earned the first time it is marked
  done, so done → learning → done earns nothing more. Skills marked as known before
  earn nothing (they are placement, not work), and neither does a skill no longer done.
- Pace: hours of skills completed over the last four weeks, per week. Until the learner
  has two weeks of history, the hours a week they stated stand in.
- A week is kept when the skills worked on in it come to at least half the hours a week
  of the goal then in force. A skill's hours are shared evenly over the weeks from the
  one it was started in to the one it was done in; a skill still being learned earns its
  share for the weeks the plan gives it (its hours over the hours a week), no more.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from catalog.snapshot import Catalog, PathNode, SkillNode

from ..account.models import User
from .models import EventKind, Goal, Progress, ProgressEvent, Status

PACE_WINDOW = dt.timedelta(weeks=4)
HISTORY_NEEDED = dt.timedelta(weeks=2)
KEPT_SHARE = 0.5  # of the week's planned hours
STREAK_RULE = (
    "A week counts when the skills worked on in it come to at least half the hours a week "
    "planned. Each skill's hours are shared over the weeks spent on it; a skill still being "
    "learned counts for the weeks the plan gives it."
)
PACE_RULE = (
    "hours of the skills completed in the last four weeks, per week; skills marked as known "
    "before do not count."
)


class GoalRow(NamedTuple):
    path_id: int | None
    hours_per_week: int
    target_date: dt.date | None
    set_at: dt.datetime


@dataclass
class Facts:
    """What a plan is computed from, read in a fixed number of queries."""

    statuses: dict[int, str] = field(default_factory=dict)
    known: set[int] = field(default_factory=set)  # done as known before
    started: dict[int, dt.datetime] = field(default_factory=dict)  # first learning or done
    completed: dict[int, dt.datetime] = field(default_factory=dict)  # first done
    # Read in bulk (`facts_for_many`): the skills first completed in the pace window, in
    # place of `completed`. None: `completed` holds every first completion.
    new: set[int] | None = None
    first_activity: dt.datetime | None = None
    goals: list[GoalRow] = field(default_factory=list)  # oldest first

    @property
    def goal(self) -> GoalRow | None:
        return self.goals[-1] if self.goals else None

    def add(self, skill_id: int, to_status: str, when: dt.datetime) -> None:
        """Fold in one status change (in any order)."""
        if self.first_activity is None or when < self.first_activity:
            self.first_activity = when
        if to_status in (Status.LEARNING, Status.DONE):
            _keep_earliest(self.started, skill_id, when)
        if to_status == Status.DONE:
            _keep_earliest(self.completed, skill_id, when)

    def earned(self, skill_id: int) -> dt.datetime | None:
        """When the skill's hours were earned: its first completion, if it is done now
        and was not known before."""
        if self.statuses.get(skill_id) != Status.DONE or skill_id in self.known:
            return None
        return self.completed.get(skill_id)


def _keep_earliest(found: dict[int, dt.datetime], key: int, when: dt.datetime) -> None:
    if key not in found or when < found[key]:
        found[key] = when


class StatusEvent(NamedTuple):
    skill_id: int
    to_status: str
    created_at: dt.datetime


def status_events(user: User) -> list[StatusEvent]:
    """Every status change the learner made, oldest first: one query (a learner has a few
    hundred). The dashboard's calendar, recent activity, pace and streak all read it."""
    rows = (
        ProgressEvent.objects.filter(user=user, kind=EventKind.STATUS)
        .order_by("created_at", "id")
        .values_list("skill_id", "to_status", "created_at")
    )
    return [StatusEvent._make(row) for row in rows]


def goal_rows(user: User) -> list[GoalRow]:
    """The learner's goals, oldest first (the last is in force): one query."""
    rows = Goal.objects.filter(user=user).order_by("set_at", "id")
    fields = ("path_id", "hours_per_week", "target_date", "set_at")
    return [GoalRow._make(row) for row in rows.values_list(*fields)]


def progress_states(user: User) -> tuple[dict[int, str], set[int]]:
    """Every status the user set by skill id, and which done skills were known before:
    one query."""
    statuses, known = {}, set()
    rows = Progress.objects.filter(user=user).values_list("skill_id", "status", "known_before")
    for pk, status, known_before in rows:
        statuses[pk] = status
        if known_before:
            known.add(pk)
    return statuses, known


def facts_from(
    statuses: dict[int, str],
    known: set[int],
    events: Iterable[StatusEvent],
    goals: list[GoalRow],
) -> Facts:
    facts = Facts(statuses=statuses, known=known, goals=goals)
    for event in events:
        facts.add(*event)
    return facts


# The state of a done or skipped skill as projections read it in bulk (`finished_rows`).
KNOWN = "known"  # done, as known before
NEW = "new"  # done, and first completed within the pace window


def finished_rows(user_ids: list[int], now: dt.datetime) -> list[tuple[int, int, str]]:
    """(learner, skill, state) for the done and skipped skills of many learners (a
    mentor's mentees), in one query, for their track bars and their plans. The state is
    skipped, done, KNOWN or NEW. Whether a skill is NEW is asked only of a skill whose
    latest completion falls in the pace window (one lookup on the `event_skill_user`
    index: a skill done long ago and done again is not new work).
    """
    since = now - PACE_WINDOW
    first_done = (
        ProgressEvent.objects.filter(
            user=OuterRef("user_id"),
            skill=OuterRef("skill_id"),
            kind=EventKind.STATUS,
            to_status=Status.DONE,
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )
    maybe_new = Q(status=Status.DONE, known_before=False) & (
        Q(completed_at__gt=since) | Q(completed_at__isnull=True)
    )
    rows = (
        Progress.objects.filter(user_id__in=user_ids, status__in=[Status.DONE, Status.SKIPPED])
        .alias(first_done=Subquery(first_done))
        # The state is made in SQL, as text: a boolean or a date column costs a Python
        # converter per row on SQLite, and fifty mentees have three thousand rows.
        .annotate(
            state=Case(
                When(known_before=True, then=Value(KNOWN)),
                When(
                    maybe_new,
                    then=Case(When(first_done__gt=since, then=Value(NEW)), default=F("status")),
                ),
                default=F("status"),
            )
        )
        .values_list("user_id", "skill_id", "state")
    )
    return list(rows)


def facts_for_many(
    began: Mapping[int, dt.datetime | None],
    rows: Iterable[tuple[int, int, str]],
    now: dt.datetime,
) -> dict[int, Facts]:
    """What projections need for those of many learners (by id, each with the time of
    their first status change, which the caller reads with its own rows) who have set a
    goal: one query, their goals, and the caller's `finished_rows`. Enough for
    `build_plan(full=False)`; the week plan and the streak need a learner's whole history
    (`facts_from`)."""
    facts: dict[int, Facts] = {}
    goals = Goal.objects.filter(user_id__in=list(began)).order_by("set_at", "id")
    for user_id, *row in goals.values_list(
        "user_id", "path_id", "hours_per_week", "target_date", "set_at"
    ):
        facts.setdefault(user_id, Facts(first_activity=began[user_id], new=set())).goals.append(
            GoalRow._make(row)
        )
    if not facts:
        return facts
    for user_id, pk, state in rows:
        if (found := facts.get(user_id)) is None:
            continue
        if state == KNOWN:
            found.known.add(pk)
        elif state == NEW and found.new is not None:  # always a set here
            found.new.add(pk)
        found.statuses[pk] = Status.SKIPPED if state == Status.SKIPPED else Status.DONE
    return facts


# -- weeks ----------------------------------------------------------------------------------


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def local_monday(when: dt.datetime) -> dt.date:
    return monday(timezone.localdate(when))


def weeks_between(first: dt.date, last: dt.date) -> int:
    """Whole weeks from one Monday to another."""
    return (last - first).days // 7


def _weeks_for(hours: int, hours_per_week: int) -> int:
    return max(1, math.ceil(hours / hours_per_week))


def week_credits(facts: Facts, catalog: Catalog, this_monday: dt.date) -> dict[dt.date, float]:
    """Hours of work credited to each week (by its Monday), by the streak rule."""
    credits: defaultdict[dt.date, float] = defaultdict(float)
    goal = facts.goal
    for pk, status in facts.statuses.items():
        skill = catalog.skills.get(pk)
        if skill is None or pk not in facts.started:
            continue
        start = local_monday(facts.started[pk])
        done_at = facts.earned(pk)
        if done_at is not None:
            end = local_monday(done_at)
            weeks = max(0, weeks_between(start, end)) + 1
            first = min(start, end)
        elif status == Status.LEARNING and goal is not None:
            weeks = _weeks_for(skill.hours, goal.hours_per_week)
            first = start
        else:
            continue
        share = skill.hours / weeks
        for n in range(weeks):
            week = first + dt.timedelta(weeks=n)
            if week > this_monday:
                break
            credits[week] += share
    return credits


def goal_in_force(goals: list[GoalRow], week: dt.date) -> GoalRow | None:
    """The goal that judged a week: the latest set before that week ended."""
    found = None
    for goal in goals:  # oldest first
        if local_monday(goal.set_at) <= week:
            found = goal
    return found


def weekly_streak(facts: Facts, catalog: Catalog, today: dt.date) -> tuple[int, int]:
    """(current, longest) runs of kept weeks. This week, not yet over, extends the current
    run when already kept and never breaks it."""
    if not facts.goals:
        return 0, 0
    this_monday = monday(today)
    credits = week_credits(facts, catalog, this_monday)
    week = local_monday(facts.goals[0].set_at)
    if credits:
        week = min(week, min(credits))
    longest = run = 0
    kept_weeks = []
    while week <= this_monday:
        goal = goal_in_force(facts.goals, week)
        kept = goal is not None and credits.get(week, 0) >= KEPT_SHARE * goal.hours_per_week
        kept_weeks.append(kept)
        run = run + 1 if kept else 0
        longest = max(longest, run)
        week += dt.timedelta(weeks=1)
    if not kept_weeks[-1]:
        kept_weeks.pop()  # this week is not over
    current = 0
    for kept in reversed(kept_weeks):
        if not kept:
            break
        current += 1
    return current, longest


# -- pace and projection --------------------------------------------------------------------


def pace(facts: Facts, catalog: Catalog, now: dt.datetime) -> float | None:
    """Hours a week of skills completed over the last four weeks; None until two weeks of
    history exist (the stated hours stand in then)."""
    if facts.first_activity is None or now - facts.first_activity < HISTORY_NEEDED:
        return None
    since = now - PACE_WINDOW
    if facts.new is not None:
        earned_lately = facts.new
    else:
        earned_lately = {pk for pk in facts.completed if (at := facts.earned(pk)) and at > since}
    hours = sum(catalog.skills[pk].hours for pk in earned_lately if pk in catalog.skills)
    weeks = min(PACE_WINDOW, now - facts.first_activity) / dt.timedelta(weeks=1)
    return hours / weeks


class WeekItem(NamedTuple):
    skill: SkillNode
    hours: int  # of this week's hours
    week: int  # "week 2 of 5"
    weeks: int
    started: bool


@dataclass(frozen=True)
class Plan:
    path: PathNode
    goal: GoalRow
    required_total: int
    required_done: int
    percent: int
    hours_left: int  # required skills not done or skipped
    electives_total: int
    electives_done: int
    electives_hours_left: int
    pace: float | None  # None: stated hours stand in
    finish_at_pace: dt.date | None  # None: nothing completed lately, or nothing left
    finish_at_stated: dt.date | None
    weeks_behind: int | None  # against the target date; None without one or without a pace
    this_week: list[WeekItem]
    streak: int
    longest_streak: int

    @property
    def rate(self) -> float:
        """The hours a week projections use: the pace, or the stated hours standing in."""
        return self.goal.hours_per_week if self.pace is None else self.pace

    @property
    def finished(self) -> bool:
        return self.hours_left == 0

    @property
    def on_track(self) -> bool | None:
        """True, False, or None when there is no target date to judge by. Without a pace
        (nothing completed in four weeks) a learner with a target is not on track."""
        if self.goal.target_date is None:
            return None
        return self.weeks_behind == 0

    @property
    def pace_label(self) -> str:
        return f"{self.rate:.1f}".removesuffix(".0")


def _finish(hours_left: int, rate: float, today: dt.date) -> dt.date | None:
    if hours_left == 0:
        return today
    if rate <= 0:
        return None
    return today + dt.timedelta(days=math.ceil(7 * hours_left / rate))


def build_plan(
    facts: Facts, catalog: Catalog, *, now: dt.datetime, full: bool = True
) -> Plan | None:
    """The plan for the goal in force, or None without a goal or with its path gone.
    `full=False` leaves out this week's skills and the streak (the mentor's table)."""
    goal = facts.goal
    path = catalog.path(goal.path_id) if goal else None
    if goal is None or path is None:
        return None
    today = timezone.localdate(now)
    statuses = facts.statuses

    def count(ids: tuple[int, ...]) -> tuple[int, int, int]:
        done = skipped = left = 0
        for pk in ids:
            status = statuses.get(pk)
            if status == Status.DONE:
                done += 1
            elif status == Status.SKIPPED:
                skipped += 1
            else:
                left += catalog.skills[pk].hours
        return len(ids) - skipped, done, left

    counted, done, left = count(path.required_ids)
    electives, electives_done, electives_left = count(path.optional_ids)
    rate = pace(facts, catalog, now)
    at_pace = _finish(left, goal.hours_per_week if rate is None else rate, today)
    behind = None  # no target, or no pace to project from
    if goal.target_date is not None and at_pace is not None:
        behind = max(0, math.ceil((at_pace - goal.target_date).days / 7))
    streak, longest = weekly_streak(facts, catalog, today) if full else (0, 0)
    return Plan(
        path=path,
        goal=goal,
        required_total=counted,
        required_done=done,
        percent=min(100, round(100 * done / counted)) if counted else 0,
        hours_left=left,
        electives_total=electives,
        electives_done=electives_done,
        electives_hours_left=electives_left,
        pace=rate,
        finish_at_pace=at_pace,
        finish_at_stated=_finish(left, goal.hours_per_week, today),
        weeks_behind=behind,
        this_week=week_plan(facts, catalog, path, today) if full else [],
        streak=streak,
        longest_streak=longest,
    )


def week_plan(facts: Facts, catalog: Catalog, path: PathNode, today: dt.date) -> list[WeekItem]:
    """This week's skills: those being learned first, then the path's next required
    skills whose prerequisites are done, until the week's hours are shared out. A
    prerequisite outside the path is one the path assumes."""
    goal = facts.goal
    assert goal is not None
    per_week = goal.hours_per_week
    budget = per_week
    this_monday = monday(today)
    statuses = facts.statuses
    items: list[WeekItem] = []
    in_path = set(path.skill_ids)
    learning = [pk for pk in path.skill_ids if statuses.get(pk) == Status.LEARNING]
    learning += [
        pk for pk in catalog.order if pk not in in_path and statuses.get(pk) == Status.LEARNING
    ]
    for pk in learning:
        if budget <= 0:
            break
        skill = catalog.skills[pk]
        weeks = _weeks_for(skill.hours, per_week)
        started = facts.started.get(pk)
        week = 1 if started is None else weeks_between(local_monday(started), this_monday) + 1
        left = skill.hours - (min(week, weeks) - 1) * per_week
        hours = max(1, min(budget, left))
        items.append(WeekItem(skill, hours, week, weeks, True))
        budget -= hours
    finished = {pk for pk, s in statuses.items() if s in (Status.DONE, Status.SKIPPED)}
    for pk in path.required_ids:
        if budget <= 0:
            break
        if statuses.get(pk, Status.TODO) != Status.TODO:
            continue
        skill = catalog.skills[pk]
        if any(req in in_path and req not in finished for req in skill.prerequisites):
            continue
        hours = min(budget, skill.hours)
        items.append(WeekItem(skill, hours, 1, _weeks_for(skill.hours, per_week), False))
        budget -= hours
    return items
