#!/usr/bin/env python
"""Time catalog search in one process: each of bench.py's SEARCHES, the median of several
runs, split into the database's time (inside cursor.execute) and the rest (Django
compiling the query, Python); then the plan of one query.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gradient_bench \\
        .venv/bin/python tools/bench/search_speed.py [--runs 7] [--explain pandas]

Run it against a database with the curriculum loaded (and, for ten times the catalog,
tools/bench/synthetic_catalog.py run on it). It only reads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from catalog.models import Skill  # noqa: E402
from catalog.search import search_skills  # noqa: E402
from tools.bench.bench import SEARCHES  # noqa: E402


@contextmanager
def database_time() -> Iterator[list[float]]:
    """Seconds spent inside each cursor.execute while the block runs."""
    spent: list[float] = []

    def timed(execute: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(*args)
        finally:
            spent.append(time.perf_counter() - started)

    with connection.execute_wrapper(timed):
        yield spent


def measure(query: str, runs: int) -> tuple[float, float, int, int]:
    """Median total and database milliseconds, queries run, results."""
    totals, in_db = [], []
    found: list[int] = []
    for _ in range(runs):
        with database_time() as spent:
            started = time.perf_counter()
            found = search_skills(query)
            totals.append(time.perf_counter() - started)
        in_db.append(sum(spent))
    return statistics.median(totals) * 1000, statistics.median(in_db) * 1000, len(spent), len(found)


def explain(query: str) -> str:
    with CaptureQueriesContext(connection) as ctx:
        search_skills(query)
    prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    if connection.vendor == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    plans = []
    with connection.cursor() as cursor:
        for captured in ctx.captured_queries:
            # The logged SQL has its parameters inlined, as the database received them.
            cursor.execute(prefix + captured["sql"])
            plans.append("\n".join(str(row[-1] if connection.vendor == "sqlite" else row[0])
                                   for row in cursor.fetchall()))  # fmt: skip
    return "\n\n".join(plans)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="runs per query (median)")
    parser.add_argument("--explain", default="", help="print the plan of this query's SQL")
    options = parser.parse_args()
    print(f"{connection.vendor}, {Skill.objects.count()} skills, median of {options.runs} runs")
    for query in SEARCHES:  # a first run of each, so caches and plans are warm
        search_skills(query)
    print(f"{'query':<18} {'total ms':>9} {'in db ms':>9} {'queries':>8} {'found':>6}")
    totals = []
    for query in SEARCHES:
        total, in_db, queries, found = measure(query, options.runs)
        totals.append(total)
        print(f"{query:<18} {total:9.2f} {in_db:9.2f} {queries:8d} {found:6d}")
    print(f"{'median':<18} {statistics.median(totals):9.2f}   max {max(totals):.2f}")
    if options.explain:
        print(f"\n{options.explain!r}:\n{explain(options.explain)}")


if __name__ == "__main__":
    main()
