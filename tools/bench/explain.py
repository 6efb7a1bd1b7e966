#!/usr/bin/env python
"""Print the query plans of the hot lookups, for docs/performance.md.

    export DATABASE_URL=sqlite:////tmp/gradient-bench/bench.sqlite3  # or
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/gradient_bench
    .venv/bin/python tools/bench/explain.py

Run it against a database seeded by tools/bench/bench.py; it reads and writes nothing else.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from tracker.mentoring import rules as mentoring_rules  # noqa: E402
from tracker.models import Mentorship, Progress, User  # noqa: E402
from tracker.progress import plan as plans  # noqa: E402
from tracker.progress import rules  # noqa: E402


def plan(sql: str, params: list) -> str:
    vendor = connection.vendor
    prefix = "EXPLAIN QUERY PLAN " if vendor == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if vendor == "sqlite":
        return "\n".join(f"{'  ' * (r[1] > 0)}{r[-1]}" for r in rows)
    return "\n".join(r[0] for r in rows)


def show(title: str, sql: str, params: list) -> None:
    print(f"#### {title}\n\n```\n{plan(sql, params)}\n```\n")


def main() -> None:
    learner = (
        User.objects.filter(username__startswith="learner")
        .annotate(n=Count("progress_events"))
        .order_by("n")
    )
    learner = learner[learner.count() // 2]
    mentor = Mentorship.objects.active().values("mentor").annotate(n=Count("id")).order_by("-n")
    mentor = User.objects.get(pk=mentor[0]["mentor"])
    print(f"Database: {connection.vendor}; learner {learner.username}, mentor {mentor.username}\n")

    now = timezone.now()
    mentee_ids = [m.id for m in mentoring_rules._mentees(mentor, now)]
    for title, read in [
        ("The learner's progress rows (mentee page)", lambda: rules.progress_rows(learner)),
        ("The learner's status changes (calendar, recent activity, pace, streak)",
         lambda: plans.status_events(learner)),
        ("Mentor: mentees with last activity, done this week, unread replies",
         lambda: mentoring_rules._mentees(mentor, now)),
        ("Mentor: done and skipped skills of every mentee, first completions in the pace window",
         lambda: plans.finished_rows(mentee_ids, now)),
    ]:  # fmt: skip
        with _Capture() as captured:
            read()
        for sql, params in captured.queries:
            show(title, sql, list(params or []))
    with transaction.atomic():
        qs = Progress.objects.select_for_update().filter(user=learner, skill_id=1)
        show("The toggle's row lookup", *_sql(qs))


def _sql(qs) -> tuple[str, list]:  # type: ignore[no-untyped-def]
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


class _Capture:
    """Collects the SQL a block runs without running it twice."""

    def __enter__(self):  # type: ignore[no-untyped-def]
        self.queries: list[tuple[str, object]] = []

        def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
            self.queries.append((sql, params))
            return execute(sql, params, many, context)

        self._cm = connection.execute_wrapper(wrapper)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self._cm.__exit__(*exc)


if __name__ == "__main__":
    main()
