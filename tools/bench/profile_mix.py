#!/usr/bin/env python
"""Profile the benchmark's mix in one process: where a request's time goes.

    DATABASE_URL=sqlite:////tmp/gradient-bench/bench.sqlite3 \\
        .venv/bin/python tools/bench/profile_mix.py --requests 600 [--action dashboard]

It signs in random learners and mentors of a database seeded by tools/bench/bench.py,
sends the bench's mix of requests (the same actions and weights) through Django's whole
stack with the test client and production settings, and prints cProfile's top functions
by cumulative and by own time, then the share of time spent in the database, in
Jinja2's rendering and in the rest.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "profile-only-not-a-secret")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "false")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from catalog.models import Skill, Track  # noqa: E402
from tools.bench.bench import MIX, SEARCHES  # noqa: E402
from tracker.models import Mentorship, User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--action", choices=list(MIX), help="profile one action alone")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--timing", action="store_true", help="no profiler: milliseconds per action only"
    )
    options = parser.parse_args()
    rng = random.Random(options.seed)
    learner_ids = list(
        User.objects.filter(username__startswith="learner").values_list("pk", flat=True)
    )
    mentor_ids = list(Mentorship.objects.active().values_list("mentor_id", flat=True).distinct())
    tracks = list(Track.objects.values_list("slug", flat=True))
    skills = list(Skill.objects.published().values_list("slug", flat=True))
    learners = [Client() for _ in range(40)]
    for client, pk in zip(learners, rng.sample(learner_ids, 40), strict=True):
        client.force_login(User.objects.get(pk=pk))
    mentors = []
    for pk in rng.sample(mentor_ids, min(10, len(mentor_ids))):
        client = Client()
        mentor = User.objects.get(pk=pk)
        client.force_login(mentor)
        mentees = list(
            Mentorship.objects.active()
            .filter(mentor=mentor)
            .values_list("learner__username", flat=True)
        )
        mentors.append((client, mentees))
    actions = [options.action] if options.action else list(MIX)
    weights = [1] if options.action else list(MIX.values())
    plan = rng.choices(actions, weights, k=options.requests)
    statuses = ["learning", "done", "todo"]

    def send(action: str) -> None:
        if action in ("mentor dashboard", "mentee page"):
            client, mentees = rng.choice(mentors)
            path = "/mentor/" if action == "mentor dashboard" else f"/mentor/{rng.choice(mentees)}/"
            response = client.get(path)
        elif action == "toggle":
            response = rng.choice(learners).post(
                f"/progress/{rng.choice(skills)}/",
                {"status": rng.choice(statuses)},
                HTTP_HX_REQUEST="true",
            )
        else:
            path = {
                "dashboard": "/dashboard/",
                "track": f"/catalog/{rng.choice(tracks)}/",
                "skill": f"/skills/{rng.choice(skills)}/",
                "projects": "/projects/",
                "catalog": "/catalog/",
                "search": f"/catalog/?q={quote_plus(rng.choice(SEARCHES))}",
            }[action]
            response = rng.choice(learners).get(path)
        if response.status_code != 200:
            sys.exit(f"{action}: {response.status_code}")

    for action in actions:  # warm: catalog copy, templates compiled
        send(action)
    # Each test client builds its own handler (the whole middleware stack, whitenoise's
    # scan of the static files) on its first request: a cost gunicorn pays once per worker.
    for client in [*learners, *(client for client, _ in mentors)]:
        client.get("/healthz")
    database = 0.0

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        nonlocal database
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            database += time.perf_counter() - started

    if options.timing:
        for action in ["healthz", *MIX]:
            started = time.perf_counter()
            for _ in range(60):
                if action == "healthz":
                    learners[0].get("/healthz")
                else:
                    send(action)
            print(f"{action:<18} {1000 * (time.perf_counter() - started) / 60:6.2f} ms")
        return
    profile = cProfile.Profile()
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        profile.enable()
        for action in plan:
            send(action)
        profile.disable()
    total = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(35)
    stats.sort_stats("tottime").print_stats(25)
    print(out.getvalue())
    render = sum(
        value[3]
        for key, value in stats.stats.items()  # type: ignore[attr-defined]
        if key[2] == "render" and "jinja2" in key[0] and "environment" in key[0]
    )
    print(
        f"{options.requests} requests in {total:.2f} s:",
        f"{1000 * total / options.requests:.1f} ms each",
    )
    print(f"  database (statements, as the driver ran them): {100 * database / total:.0f}%")
    print(f"  Jinja2 rendering (top-level renders): {100 * render / total:.0f}% (profiled time)")


if __name__ == "__main__":
    main()
