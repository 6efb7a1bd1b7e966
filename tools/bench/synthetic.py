"""Synthetic learners for load and benchmark runs: `tools/bench/seed.py --learners N`.

Everything is written with bulk inserts in batches, so 10,000 learners and about a
million progress events take well under two minutes on SQLite. Learners follow the
curriculum roughly in order with their own pace and gaps; mentors get up to 50 mentees.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from catalog.snapshot import PathNode, build_catalog
from tracker.models import (
    Collaborator,
    EventKind,
    Goal,
    Mentorship,
    Metric,
    Progress,
    ProgressEvent,
    Project,
    SkillLink,
    Status,
    User,
)

BATCH = 250  # learners per transaction
MENTEES_PER_MENTOR = 50
PREFIX = "learner"


STATUS = EventKind.STATUS


@dataclass
class SyntheticReport:
    learners: int = 0
    mentors: int = 0
    progress: int = 0
    events: int = 0
    projects: int = 0

    def __str__(self) -> str:
        return (
            f"{self.learners} learners, {self.mentors} mentors, {self.progress} progress rows, "
            f"{self.events} events, {self.projects} projects"
        )


def generate(
    *,
    learners: int,
    mentors: int,
    password: str,
    seed: int = 7,
    progress: Callable[[int], None] | None = None,
) -> SyntheticReport:
    """Add `learners` synthetic learners and `mentors` mentors after any that exist."""
    rng = random.Random(seed)
    catalog = build_catalog()
    order = list(catalog.order)
    prerequisites = {pk: catalog.skills[pk].prerequisites for pk in order}
    hashed = make_password(password)  # one hash for all: hashing 10,000 times takes an hour
    now = timezone.now()
    report = SyntheticReport()
    start = User.objects.filter(username__startswith=PREFIX).count()
    learner_ids: list[int] = []
    for first in range(0, learners, BATCH):
        size = min(BATCH, learners - first)
        with transaction.atomic():
            users = User.objects.bulk_create(
                [
                    User(
                        username=f"{PREFIX}{start + first + i:06d}",
                        email=f"{PREFIX}{start + first + i:06d}@example.com",
                        first_name=rng.choice(FIRST_NAMES),
                        last_name=rng.choice(LAST_NAMES),
                        password=hashed,
                        headline="Learning to become an ML engineer",
                        show_progress=rng.random() < 0.3,
                    )
                    for i in range(size)
                ]
            )
            rows: list[tuple] = []
            events: list[tuple] = []
            links: list[SkillLink] = []
            projects: list[User] = []
            for user in users:
                _history(rng, user, order, prerequisites, now, rows, events, links)
                if rng.random() < 0.35:
                    projects.append(user)
            # Raw rows get no model defaults: the columns a plain status history leaves
            # at their defaults are written out.
            _insert(
                Progress,
                ["user_id", "skill_id", "status", "note", "started_at", "completed_at",
                 "updated_at", "known_before", "verification_comment"],
                [(*row, "") for row in rows],
            )  # fmt: skip
            _insert(
                ProgressEvent,
                ["user_id", "skill_id", "from_status", "to_status", "created_at", "kind"],
                events,
            )  # fmt: skip
            SkillLink.objects.bulk_create(links, batch_size=2000)
            Goal.objects.bulk_create(_goals(rng, users, catalog.paths, now), batch_size=2000)
            report.projects += _projects(rng, projects, order)
        learner_ids += [u.pk for u in users]
        report.learners += size
        report.progress += len(rows)
        report.events += len(events)
        if progress:
            progress(size)
    report.mentors = _mentors(rng, mentors, learner_ids, hashed, start)
    return report


def _insert(model: type[Model], columns: list[str], rows: list[tuple]) -> None:
    """Rows straight into the table: COPY on PostgreSQL, executemany on SQLite. The
    ORM's bulk_create costs four times as much in Python for the million rows a
    benchmark database needs."""
    names = ", ".join(columns)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            sql = f"COPY {model._meta.db_table} ({names}) FROM STDIN"
            with cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    ops = connection.ops
    adapt = ops.adapt_datetimefield_value
    rows = [tuple(adapt(v) if isinstance(v, dt.datetime) else v for v in row) for row in rows]
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(
            # The model's own table and columns; every value is a parameter.
            f"INSERT INTO {model._meta.db_table} ({names}) VALUES ({marks})",  # noqa: S608  # nosec B608
            rows,
        )


def _history(
    rng: random.Random,
    user: User,
    order: list[int],
    prerequisites: dict[int, tuple[int, ...]],
    now: dt.datetime,
    rows: list[tuple],
    events: list[tuple],
    links: list[SkillLink],
) -> None:
    """A learner who started months ago and works through part of the curriculum."""
    months = rng.uniform(0.5, 14)
    began = now - dt.timedelta(days=30 * months)
    share = min(0.95, rng.betavariate(2, 3) * (0.4 + months / 14))
    target = int(len(order) * share)
    done: set[int] = set()
    when = began
    span = (now - began).total_seconds()
    step = span / max(target, 1)
    for pk in order:
        if len(done) >= target:
            break
        if not all(req in done for req in prerequisites[pk]) and rng.random() < 0.7:
            continue
        if rng.random() < 0.04:
            rows.append((user.pk, pk, Status.SKIPPED, "", None, None, when, False))
            events.append((user.pk, pk, Status.TODO, Status.SKIPPED, when, STATUS))
            continue
        started = when + dt.timedelta(seconds=rng.uniform(0, step))
        if started >= now:
            break
        finished = started + dt.timedelta(seconds=rng.uniform(0.2, 1.5) * step)
        if finished >= now:
            rows.append((user.pk, pk, Status.LEARNING, "", started, None, started, False))
            events.append((user.pk, pk, Status.TODO, Status.LEARNING, started, STATUS))
            break
        note = NOTE if rng.random() < 0.15 else ""
        rows.append((user.pk, pk, Status.DONE, note, started, finished, finished, False))
        events.append((user.pk, pk, Status.TODO, Status.LEARNING, started, STATUS))
        events.append((user.pk, pk, Status.LEARNING, Status.DONE, finished, STATUS))
        if rng.random() < 0.05:
            links.append(
                SkillLink(user=user, skill_id=pk, title="A tutorial I liked",
                          url="https://example.org/tutorial")
            )  # fmt: skip
        done.add(pk)
        when = finished


def _goals(
    rng: random.Random, users: list[User], paths: tuple[PathNode, ...], now: dt.datetime
) -> list[Goal]:
    """Six learners in ten have set a goal: a path, 4 to 15 hours a week, half of them a
    target date; a few changed it once."""
    goals = []
    for user in users:
        if not paths or rng.random() >= 0.6:
            continue
        for change in range(2 if rng.random() < 0.15 else 1):
            target = now.date() + dt.timedelta(days=rng.randint(60, 900))
            goals.append(
                Goal(
                    user=user,
                    path_id=rng.choice(paths).id,
                    hours_per_week=rng.randint(4, 15),
                    target_date=target if rng.random() < 0.5 else None,
                    set_at=now - dt.timedelta(days=rng.uniform(0, 200) / (change + 1)),
                )
            )
    return goals


def _projects(rng: random.Random, owners: list[User], order: list[int]) -> int:
    made = []
    for owner in owners:
        for i in range(rng.randint(1, 4)):
            made.append(
                Project(
                    owner=owner,
                    title=f"{rng.choice(PROJECT_TOPICS)} #{i + 1}",
                    kind=rng.choice(list(Project.Kind.values)),
                    summary="A documented project with data, method, metrics and code.",
                    problem="Predict the outcome from tabular features.",
                    approach="Baseline first, then gradient boosting with cross-validation.",
                    results="Beats the baseline on the held-out test set.",
                    visibility=rng.choice(["private", "mentors", "public", "public"]),
                )
            )
    Project.objects.bulk_create(made, batch_size=1000)
    metrics, collaborators, skills = [], [], []
    through = Project.skills.through
    for project in made:
        base = rng.uniform(0.5, 0.8)
        for j, name in enumerate(rng.sample(METRIC_NAMES, 3)):
            value = round(min(0.99, base + rng.uniform(0.05, 0.2)), 4)
            metrics.append(
                Metric(
                    project=project, name=name, split="test", value=str(value),
                    baseline=str(round(base, 4)), order=j,
                )
            )  # fmt: skip
        if rng.random() < 0.3:
            collaborators.append(Collaborator(project=project, name=rng.choice(FIRST_NAMES)))
        skills += [through(project_id=project.pk, skill_id=pk) for pk in set(rng.sample(order, 3))]
    Metric.objects.bulk_create(metrics, batch_size=2000)
    Collaborator.objects.bulk_create(collaborators, batch_size=2000)
    through.objects.bulk_create(skills, batch_size=2000)
    return len(made)


def _mentors(rng: random.Random, n: int, learner_ids: list[int], hashed: str, start: int) -> int:
    if not n or not learner_ids:
        return 0
    with transaction.atomic():
        first = User.objects.filter(username__startswith="mentor").count()
        mentors = User.objects.bulk_create(
            [
                User(
                    username=f"mentor{first + i:05d}",
                    email=f"mentor{first + i:05d}@example.com",
                    first_name=rng.choice(FIRST_NAMES),
                    password=hashed,
                )
                for i in range(n)
            ]
        )
        rows = []
        pool = list(learner_ids)
        rng.shuffle(pool)
        for i, mentor in enumerate(mentors):
            mentees = pool[i * MENTEES_PER_MENTOR : (i + 1) * MENTEES_PER_MENTOR]
            if not mentees:  # more mentors than learners allow: reuse from the start
                mentees = rng.sample(learner_ids, min(MENTEES_PER_MENTOR, len(learner_ids)))
            rows += [
                Mentorship(learner_id=pk, mentor=mentor, share_notes=rng.random() < 0.5)
                for pk in mentees
            ]
        Mentorship.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return len(mentors)


FIRST_NAMES = ["Ada", "Alan", "Grace", "Katherine", "Barbara", "Claude", "Edsger", "Frances",
               "Hedy", "John", "Margaret", "Radia", "Sophie", "Tim", "Yann", "Fei-Fei"]  # fmt: skip
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Johnson", "Liskov", "Shannon", "Dijkstra",
              "Allen", "Lamarr", "McCarthy", "Hamilton", "Perlman", "Wilson", "Lee"]  # fmt: skip
PROJECT_TOPICS = ["Churn prediction", "Image classifier", "Sentiment analysis",
                  "House prices", "Demand forecast", "Fraud detection", "Topic model"]  # fmt: skip
METRIC_NAMES = ["accuracy", "precision", "recall", "F1", "AUC", "RMSE", "MAE"]
NOTE = "Key idea: write the pieces out by hand first.\n\n- re-derive the result\n- try it small"
