"""Time the mentor dashboard for a mentor of N mentees, on a throwaway SQLite database.

    .venv/bin/python tools/bench/bench_mentor.py --mentees 200

Builds the real curriculum and N mentees with realistic progress and history in a
temporary directory, then renders /mentor/ through Django's test client and prints the
median and p95 server time and the queries per request. It asserts nothing; compare
figures from one run with each other (other work shares these machines).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentees", type=int, default=200)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="gradient-bench-") as tmp:
        # Before django.setup(): settings read these once, at import.
        os.environ["DATABASE_URL"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
        sys.path.insert(0, str(ROOT))

        import django

        django.setup()
        run(args.mentees, args.requests, random.Random(args.seed))


def run(mentees: int, requests: int, rng: random.Random) -> None:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from catalog.curriculum import load_curriculum
    from catalog.models import Skill
    from tracker.models import Mentorship, Progress, ProgressEvent, Status, User

    # whitenoise looks for collectstatic's output, which a benchmark does not need.
    warnings.filterwarnings("ignore", message="No directory at")
    setup_test_environment()  # lets the test client's "testserver" host in
    settings.DEBUG = False  # as in production: no template debug information
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    load_curriculum()

    skills = list(Skill.objects.published().values_list("id", flat=True))
    now = timezone.now()
    mentor = User.objects.create_user(username="mentor", password="not-used-here")
    users = User.objects.bulk_create(
        User(
            username=f"learner{i:04d}",
            first_name=f"Learner {i}",
            last_name=rng.choice(["Ng", "Okafor", "Silva", "Kowalski", "Tanaka", "Haddad"]),
            email=f"learner{i}@example.com",
            password="!",
        )
        for i in range(mentees)
    )
    Mentorship.objects.bulk_create(Mentorship(learner=u, mentor=mentor) for u in users)

    progress, events = [], []
    for user in users:
        # Some learners are far along, some barely started; some went quiet weeks ago.
        reach = rng.randint(0, len(skills))
        idle = rng.choice([0, 1, 3, 10, 15, 30, 90])
        for skill_id in rng.sample(skills, reach):
            status = rng.choices(
                [Status.DONE, Status.LEARNING, Status.SKIPPED], weights=[70, 20, 10]
            )[0]
            when = now - dt.timedelta(days=idle + rng.uniform(0, 120))
            progress.append(
                Progress(
                    user=user,
                    skill_id=skill_id,
                    status=status,
                    started_at=when,
                    completed_at=when if status == Status.DONE else None,
                )
            )
            if status == Status.DONE:
                events.append(
                    ProgressEvent(
                        user=user,
                        skill_id=skill_id,
                        from_status=Status.TODO,
                        to_status=Status.LEARNING,
                        created_at=when - dt.timedelta(days=rng.uniform(1, 20)),
                    )
                )
            events.append(
                ProgressEvent(
                    user=user,
                    skill_id=skill_id,
                    from_status=Status.TODO if status != Status.DONE else Status.LEARNING,
                    to_status=status,
                    created_at=when,
                )
            )
    Progress.objects.bulk_create(progress, batch_size=2000)
    ProgressEvent.objects.bulk_create(events, batch_size=2000)
    print(
        f"{mentees} mentees, {len(skills)} published skills, "
        f"{len(progress)} progress rows, {len(events)} events"
    )

    client = Client()
    client.force_login(mentor)
    client.get("/mentor/")  # warm the catalog copy and the template cache
    times, queries = [], []
    size = 0
    for _ in range(requests):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get("/mentor/")
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries.append(len(ctx.captured_queries))
        size = len(response.content)

    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
    print(f"GET /mentor/ x{requests}: median {statistics.median(times):.1f} ms, p95 {p95:.1f} ms")
    print(
        f"queries per request: {min(queries)}–{max(queries)} "
        f"(median {statistics.median(queries):g}); page size {size / 1024:.0f} KiB"
    )


if __name__ == "__main__":
    main()
