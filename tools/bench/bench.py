#!/usr/bin/env python
"""Benchmark Gradient the way its users load it: many distinct users, a mix of actions.

    .venv/bin/python tools/bench/bench.py --database sqlite   --learners 10000 --mentors 200
    .venv/bin/python tools/bench/bench.py --database postgres --learners 10000 --mentors 200
    .venv/bin/python tools/bench/bench.py --database sqlite --catalog-scale 10   (search)

It seeds a database of the given size (manage.py seed_demo, then tools/bench/seed.py;
reused on the next run unless --fresh), creates
sessions directly through Django's session engine for --users learners and --mentor-users
mentors (1,500 and 50 by default), starts gunicorn with gunicorn.conf.py and production
settings on loopback, and drives it with wrk (8 connections). Every request is a random
user and a random action, with these fixed weights:

    learners  dashboard 18, track page 14, skill page 18, project list 10,
              htmx status toggle 25, catalog 5, search 3
    mentors   mentor dashboard 5, a mentee's page 5

A toggle is the htmx POST /progress/<skill>/ and always changes the status: each
(user, skill) pair moves along to do -> learning -> done -> to do from the status it had
when the run began, and each wrk thread owns its own users, so no toggle repeats a
status.

A search is /catalog/?q= with one of SEARCHES (titles, aliases, authors, misspellings).
--catalog-scale N adds copies 2..N of every track (tools/bench/synthetic_catalog.py), so
search and the catalog's pages meet a catalog N times today's size.

It prints and checks:

- the mix: requests/s, its share of /healthz (each mix run between two /healthz runs,
  three times, interleaved; the median is what counts), p50/p95/p99 and errors;
- each action alone over the same users: requests/s, share of /healthz, p95 at 8
  connections, p50 at 1 connection, queries per request (a first render: nothing is
  cached between requests) and the response size;
- page weight of the dashboard and the mentor dashboard (first and repeat visit);
- inside the mix, each action's time in the worker (p50, p95), from gunicorn's access
  log: wrk times the mix as a whole, and what a client waits includes its turn in the
  queue behind the other actions.

With --write it records the tables in docs/performance.md. Only loopback is contacted;
wrk comes from Debian's packages (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote_plus

import httpx

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
CONF = ROOT / "gunicorn.conf.py"
WORK = Path(tempfile.gettempdir()) / "gradient-bench"
PG_DATABASE = "gradient_bench"
THREADS = 2
CSRF_SECRET = "benchmarkcsrfsecret0123456789abc"  # 32 characters, as Django's secrets are

MIX = {
    "dashboard": 18,
    "track": 14,
    "skill": 18,
    "projects": 10,
    "toggle": 25,
    "catalog": 5,
    "search": 3,
    "mentor dashboard": 5,
    "mentee page": 5,
}
MENTOR_ACTIONS = {"mentor dashboard", "mentee page"}
# What learners type into search: words, aliases, authors, misspellings, half a word.
SEARCHES = [
    "pandas", "MLOps", "kmeans", "Andrew Ng", "3blue1brown", "regresion", "pandsa",
    "neural networks", "cross validation", "docker", "LLM", "RAG", "XGBoost", "sklearn",
    "Chip Huyen", "hyperparam", "overfiting", "A/B testing", "kaggle", "git",
]  # fmt: skip
NEXT_STATUS = {"todo": "learning", "learning": "done", "done": "todo", "skipped": "learning"}

# Each wrk thread reads its own request list (written by this script) and walks it in
# order; a toggle's line names a (user, skill) key, and the thread moves that key's
# status one step along the cycle every time the line's key comes round again.
LUA = r"""
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
end

local lines, i, state, csrf = {}, 0, {}, nil
local cycle = {todo = "learning", learning = "done", done = "todo"}

function init(args)
  csrf = os.getenv("BENCH_CSRF")
  local f = io.open(os.getenv("BENCH_REQUESTS") .. "-" .. tid .. ".tsv")
  for line in f:lines() do
    local method, path, session, key, status = line:match("^(%S+)\t(%S+)\t(%S*)\t(%S*)\t(%S*)$")
    lines[#lines + 1] = {method = method, path = path, session = session, key = key,
                         status = status}
  end
  f:close()
end

function request()
  i = i % #lines + 1
  local r = lines[i]
  local headers = {["Accept-Encoding"] = "gzip"}
  if r.session ~= "" then
    headers["Cookie"] = "sessionid=" .. r.session .. "; csrftoken=" .. csrf
  end
  if r.method == "POST" then
    local next_status = state[r.key] or r.status
    state[r.key] = cycle[next_status]
    headers["X-CSRFToken"] = csrf
    headers["HX-Request"] = "true"
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return wrk.format("POST", r.path, headers, "status=" .. next_status)
  end
  return wrk.format("GET", r.path, headers)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "p50": %f, "p95": %f, "p99": %f, '
    .. '"errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Run:
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int


@dataclass
class ActionResult:
    name: str
    alone: Run
    single: Run  # at one connection
    ratio: float
    queries: int
    raw_bytes: int
    gzip_bytes: int


@dataclass
class World:
    """The users the run signs in as (sessions made directly) and what they can open."""

    learners: list[dict] = field(default_factory=list)
    mentors: list[dict] = field(default_factory=list)
    tracks: list[str] = field(default_factory=list)
    skills: list[str] = field(default_factory=list)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_env(kind: str) -> dict[str, str]:
    if kind == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        return {"DATABASE_URL": f"sqlite:///{WORK / 'bench.sqlite3'}"}
    return {"DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"}


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if result.returncode:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def prepare(
    kind: str, env: dict[str, str], learners: int, mentors: int, fresh: bool, scale: int = 1
) -> None:
    name = "sqlite" if kind == "sqlite" else PG_DATABASE
    WORK.mkdir(parents=True, exist_ok=True)
    marker = WORK / f"seeded-{name}-{learners}-{mentors}-catalog{scale}"
    if kind == "sqlite":
        path = WORK / "bench.sqlite3"
        if fresh or not marker.exists():
            for p in WORK.glob("bench.sqlite3*"):
                p.unlink()
    elif fresh or not marker.exists():
        for sql in (f"DROP DATABASE IF EXISTS {PG_DATABASE}", f"CREATE DATABASE {PG_DATABASE}"):
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql], check=True
            )
    if fresh or not marker.exists():
        for m in WORK.glob(f"seeded-{name}-*"):
            m.unlink()
        log(f"Seeding {learners} learners and {mentors} mentors on {kind} ...")
        started = time.monotonic()
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
        manage(env, "seed_demo")
        out = subprocess.run(
            [PYTHON, str(ROOT / "tools" / "bench" / "seed.py"), "--learners", str(learners),
             "--mentors", str(mentors)],
            cwd=ROOT, env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        log(out.strip().splitlines()[-1] + f" (total {time.monotonic() - started:.0f} s)")
        if scale > 1:
            out = subprocess.run(
                [PYTHON, str(ROOT / "tools" / "bench" / "synthetic_catalog.py"),
                 "--scale", str(scale)],
                cwd=ROOT, env=env, capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            log(f"Catalog × {scale}: {out.strip()}")
        if kind == "postgres":
            subprocess.run(
                ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", PG_DATABASE, "-q",
                 "-c", "VACUUM ANALYZE"],
                check=True,
            )  # fmt: skip
        else:
            import sqlite3

            with sqlite3.connect(path) as db:
                db.execute("ANALYZE")
        marker.touch()
    manage(env, "migrate", "--noinput")  # a reused database may predate a migration
    manage(env, "collectstatic", "--noinput", "-v0")


# Run inside `manage.py shell`: sessions made through the configured session engine, as
# a sign-in makes them, for a random sample of learners and of mentors with mentees.
SESSIONS = """
import json, random
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.utils.module_loading import import_string
from catalog.models import Skill, Track
from tracker.models import Mentorship, Progress, Project, User

rng = random.Random({seed})
Store = import_string(settings.SESSION_ENGINE + ".SessionStore")
backend = settings.AUTHENTICATION_BACKENDS[0]

def session(user):
    s = Store()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = backend
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    return s.session_key

skills = list(Skill.objects.published().values_list("pk", "slug"))
learner_ids = list(User.objects.filter(username__startswith="learner").values_list("pk", flat=True))
learners = []
for user in User.objects.filter(pk__in=rng.sample(learner_ids, min({learners}, len(learner_ids)))):
    picked = rng.sample(skills, 6)
    status = dict(Progress.objects.filter(user=user, skill_id__in=[p for p, _ in picked])
                  .values_list("skill_id", "status"))
    learners.append({{
        "session": session(user),
        "username": user.username,
        "toggles": [[slug, status.get(pk, "todo")] for pk, slug in picked],
        "projects": list(Project.objects.filter(owner=user).values_list("pk", flat=True)),
    }})
mentor_ids = list(Mentorship.objects.active().values_list("mentor_id", flat=True).distinct())
mentors = []
for user in User.objects.filter(pk__in=rng.sample(mentor_ids, min({mentors}, len(mentor_ids)))):
    mentees = list(Mentorship.objects.active().filter(mentor=user)
                   .values_list("learner__username", flat=True))
    mentors.append({{"session": session(user), "username": user.username, "mentees": mentees}})
print("WORLD " + json.dumps({{
    "learners": learners, "mentors": mentors,
    "tracks": list(Track.objects.filter(skills__is_published=True).distinct()
                   .values_list("slug", flat=True)),
    "skills": [slug for _, slug in skills],
}}))
"""


def make_world(env: dict[str, str], learners: int, mentors: int, seed: int) -> World:
    code = SESSIONS.format(seed=seed, learners=learners, mentors=mentors)
    out = manage(env, "shell", "-c", code)
    line = next(x for x in out.splitlines() if x.startswith("WORLD "))
    return World(**json.loads(line[len("WORLD ") :]))


def request_lines(
    world: World, actions: dict[str, int], count: int, seed: int
) -> list[list[list[str]]]:
    """One list of request lines per wrk thread; each thread has its own users."""
    rng = random.Random(seed)
    names = list(actions)
    weights = [actions[n] for n in names]
    out = []
    for tid in range(THREADS):
        learners = world.learners[tid::THREADS]
        mentors = world.mentors[tid::THREADS] or world.mentors
        lines = []
        for action in rng.choices(names, weights, k=count):
            if action in MENTOR_ACTIONS:
                m = rng.choice(mentors)
                path = (
                    "/mentor/"
                    if action == "mentor dashboard"
                    else (f"/mentor/{rng.choice(m['mentees'])}/")
                )
                lines.append(["GET", path, m["session"], "", ""])
                continue
            u = rng.choice(learners)
            if action == "toggle":
                slug, status = rng.choice(u["toggles"])
                after = NEXT_STATUS[status]
                key = f"{u['username']}:{slug}"
                lines.append(["POST", f"/progress/{slug}/", u["session"], key, after])
                continue
            path = {
                "dashboard": "/dashboard/",
                "track": f"/catalog/{rng.choice(world.tracks)}/",
                "skill": f"/skills/{rng.choice(world.skills)}/",
                "projects": "/projects/",
                "catalog": "/catalog/",
                "search": f"/catalog/?q={quote_plus(rng.choice(SEARCHES))}",
                "healthz": "/healthz",
            }[action]
            session = "" if action == "healthz" else u["session"]
            lines.append(["GET", path, session, "", ""])
        out.append(lines)
    return out


def drive(base: str, lines: list[list[list[str]]], seconds: int, conns: int, tag: str) -> Run:
    """Run wrk over these request lists (one per thread) and return its figures."""
    prefix = WORK / f"requests-{tag}"
    for tid, thread_lines in enumerate(lines, start=1):
        Path(f"{prefix}-{tid}.tsv").write_text(
            "".join("\t".join(line) + "\n" for line in thread_lines)
        )
    script = WORK / "bench.lua"
    script.write_text(LUA)
    threads = min(THREADS, conns)
    args = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "-s", str(script), base]
    env = {**os.environ, "BENCH_REQUESTS": str(prefix), "BENCH_CSRF": CSRF_SECRET}
    out = subprocess.run(args, env=env, capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk gave no result:\n{out.stdout}\n{out.stderr}")
    r = json.loads(line[len("RESULT ") :])
    return Run(
        rps=r["requests"] / r["seconds"],
        p50=r["p50"],
        p95=r["p95"],
        p99=r["p99"],
        errors=r["errors"] + r["status_errors"],
    )


def probe(base: str, world: World, action: str) -> tuple[int, int, int]:
    """Queries of a first render (the most over a few different users) and the size of
    the response (raw and gzip)."""
    counts, raw, packed = [], b"", 0
    lines = request_lines(world, {action: 1}, 6, seed=99)[0]
    for method, path, session, _, status in lines:
        cookies = {"sessionid": session, "csrftoken": CSRF_SECRET} if session else {}
        headers = {"Accept-Encoding": "identity"}
        data = None
        if method == "POST":
            headers |= {"HX-Request": "true", "X-CSRFToken": CSRF_SECRET}
            data = {"status": status}
        with httpx.Client(base_url=base, cookies=cookies) as client:
            response = client.request(method, path, headers=headers, data=data)
            if response.status_code != 200:
                sys.exit(f"{method} {path} answered {response.status_code}")
            counts.append(int(response.headers.get("X-Query-Count", "-1")))
            raw = response.content
            if method == "GET":
                zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
                packed = int(zipped.headers.get("Content-Length") or len(gzip.compress(raw)))
            else:
                packed = len(gzip.compress(raw))
    return max(counts), len(raw), packed


def page_weight(base: str, path: str, session: str) -> tuple[int, int]:
    """Bytes over the wire for a first visit (HTML + CSS + JS + icons, compressed) and
    for a repeat visit (HTML only: static files have hashed names and far-future caching)."""
    cookies = {"sessionid": session, "csrftoken": CSRF_SECRET}
    with httpx.Client(base_url=base, cookies=cookies) as client:
        html = client.get(path, headers={"Accept-Encoding": "gzip, br"})
        first = int(html.headers.get("Content-Length") or len(html.content))
        for asset in set(re.findall(r'(?:src|href)="(/static/[^"]+)"', html.text)):
            r = client.get(asset, headers={"Accept-Encoding": "gzip, br"})
            first += int(r.headers.get("Content-Length") or len(r.content))
    return first, int(html.headers.get("Content-Length") or len(html.content))


# What the access log says of each request: the time the worker spent on it, for each
# action's share of the mix (wrk times the mix as a whole).
ACCESS_FORMAT = "%(m)s %(U)s %(q)s %(D)s"


def start_server(
    env: dict[str, str], port: int, workers: int, access_log: Path
) -> subprocess.Popen:
    # Production's settings (gunicorn.conf.py), but workers that are never restarted
    # mid-run (max_requests), and the access log's line per request (production writes
    # one too) in a file, with what the benchmark reads from it.
    access_log.write_text("")
    server = subprocess.Popen(
        [GUNICORN, "-c", str(CONF), "config.wsgi", "--workers", str(workers),
         "--max-requests", "0", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "--access-logformat", ACCESS_FORMAT],
        cwd=ROOT, env={**env, "GUNICORN_ACCESS_LOG": str(access_log)}, start_new_session=True,
    )  # fmt: skip
    for _ in range(150):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not start")


def main() -> None:
    global WORK, PG_DATABASE
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=200)
    parser.add_argument("--users", type=int, default=1500, help="signed-in learners")
    parser.add_argument("--mentor-users", type=int, default=50, help="signed-in mentors")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per mix run")
    parser.add_argument("--page-seconds", type=int, default=5, help="per action alone")
    parser.add_argument("--runs", type=int, default=3, help="interleaved mix runs")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--fresh", action="store_true", help="seed again even if seeded")
    parser.add_argument("--write", action="store_true", help="record in docs/performance.md")
    parser.add_argument("--workdir", type=Path, help="where the SQLite file and lists live")
    parser.add_argument("--pg-database", help="PostgreSQL database to use")
    parser.add_argument("--seed", type=int, default=1, help="random seed for users and mix")
    parser.add_argument(
        "--catalog-scale", type=int, default=1, help="a synthetic catalog N times today's"
    )
    parser.add_argument(
        "--smoke", action="store_true", help="report only: never fail on a budget (for CI)"
    )
    options = parser.parse_args()
    WORK = options.workdir or WORK
    PG_DATABASE = options.pg_database or PG_DATABASE
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")

    env = {
        **os.environ,
        **database_env(options.database),
        "DJANGO_SETTINGS_MODULE": "tools.bench.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    if options.catalog_scale < 1:
        sys.exit("--catalog-scale must be 1 or more.")
    prepare(
        options.database,
        env,
        options.learners,
        options.mentors,
        options.fresh,
        options.catalog_scale,
    )
    world = make_world(env, options.users, options.mentor_users, options.seed)
    log(f"Signed in {len(world.learners)} learners and {len(world.mentors)} mentors.")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port, options.workers, WORK / "access.log")
    try:
        results = measure(base, world, options)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)
    report(options, *results)


def measure(base: str, world: World, options: argparse.Namespace) -> tuple:
    count = 40_000  # request lines per thread: more than a run sends
    healthz = request_lines(world, {"healthz": 1}, 200, options.seed)
    mix = request_lines(world, MIX, count, options.seed)
    conns = options.connections
    drive(base, mix, 2, conns, "warm")  # every worker warm, every code path loaded
    mixes, health = [], []
    in_server: dict[str, list[float]] = {}
    access_log = WORK / "access.log"
    health.append(drive(base, healthz, options.seconds, conns, "healthz"))
    for i in range(options.runs):
        start = access_log.stat().st_size
        mixes.append(drive(base, mix, options.seconds, conns, "mix"))
        for action, ms in server_times(access_log, start):
            in_server.setdefault(action, []).append(ms)
        health.append(drive(base, healthz, options.seconds, conns, "healthz"))
        share = mixes[-1].rps / statistics.mean(r.rps for r in health[-2:])
        log(f"  mix run {i + 1}: {mixes[-1].rps:.0f} req/s ({share:.2f} of /healthz)")
    actions = []
    for action in ["catalog", "search", "track", "skill", "dashboard", "toggle", "projects",
                   "mentor dashboard", "mentee page"]:  # fmt: skip
        lines = request_lines(world, {action: 1}, count, options.seed + 1)
        queries, raw, packed = probe(base, world, action)
        alone = drive(base, lines, options.page_seconds, conns, "alone")
        single = drive(base, lines, options.page_seconds, 1, "single")
        around = drive(base, healthz, max(2, options.page_seconds // 2), conns, "healthz")
        actions.append(ActionResult(action, alone, single, alone.rps / around.rps,
                                    queries, raw, packed))  # fmt: skip
        log(
            f"  {action:<18} {alone.rps:7.0f} req/s  p95 {alone.p95:5.1f} ms  "
            f"p50 at 1 connection {single.p50:5.1f} ms  {queries} queries"
        )
    learner = world.learners[0]["session"]
    mentor = world.mentors[0]["session"]
    weights = {
        "/dashboard/": page_weight(base, "/dashboard/", learner),
        "/mentor/": page_weight(base, "/mentor/", mentor),
    }
    return mixes, health, actions, weights, in_server


def action_of(method: str, path: str, query: str) -> str:
    """Which of the mix's actions a request was, from its method and address."""
    if method == "POST":
        return "toggle"
    if path.startswith("/mentor/"):
        return "mentor dashboard" if path == "/mentor/" else "mentee page"
    if path == "/catalog/":
        return "search" if query.startswith("q=") else "catalog"
    for prefix, action in (("/catalog/", "track"), ("/skills/", "skill"),
                           ("/dashboard/", "dashboard"), ("/projects/", "projects")):  # fmt: skip
        if path.startswith(prefix):
            return action
    return path


def server_times(access_log: Path, start: int) -> list[tuple[str, float]]:
    """(action, milliseconds in the worker) of each request the log gained after `start`."""
    with access_log.open() as f:
        f.seek(start)
        lines = f.read().splitlines()
    out = []
    for line in lines:
        method, path, query, micros = (line.split(" ") + ["", "", "", ""])[:4]
        if micros.isdigit():
            out.append((action_of(method, path, query), int(micros) / 1000))
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(
    options: argparse.Namespace,
    mixes: list[Run],
    health: list[Run],
    actions: list[ActionResult],
    weights: dict[str, tuple[int, int]],
    in_server: dict[str, list[float]],
) -> None:
    ratios = [m.rps / statistics.mean([health[i].rps, health[i + 1].rps])
              for i, m in enumerate(mixes)]  # fmt: skip
    median = statistics.median(ratios)
    middle = mixes[ratios.index(median)] if median in ratios else mixes[len(mixes) // 2]
    mix_table = [
        "| run | mix req/s | /healthz req/s (before, after) | share of /healthz | p50 ms "
        "| p95 ms | p99 ms | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for i, (m, r) in enumerate(zip(mixes, ratios, strict=True)):
        mix_table.append(
            f"| {i + 1} | {m.rps:.0f} | {health[i].rps:.0f}, {health[i + 1].rps:.0f} | "
            f"{r:.2f} | {m.p50:.1f} | {m.p95:.1f} | {m.p99:.1f} | {m.errors} |"
        )
    action_table = [
        "| action alone | req/s | share of /healthz | p95 ms (8 conn.) | p50 ms (1 conn.) "
        "| queries | bytes (gzip) | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for a in actions:
        action_table.append(
            f"| {a.name} | {a.alone.rps:.0f} | {a.ratio:.2f} | {a.alone.p95:.1f} | "
            f"{a.single.p50:.1f} | {a.queries} | {a.raw_bytes:,} ({a.gzip_bytes:,}) | "
            f"{a.alone.errors + a.single.errors} |"
        )
    inside_table = [
        "| inside the mix: time in the worker | requests | p50 ms | p95 ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name in [a.name for a in actions]:
        times = in_server.get(name, [])
        if times:
            inside_table.append(
                f"| {name} | {len(times):,} | {percentile(times, 0.5):.1f} | "
                f"{percentile(times, 0.95):.1f} |"
            )
    budget = 0.30 if options.database == "sqlite" else 0.20
    checks = [
        f"{'PASS' if median >= budget else 'FAIL'} the mix: {median:.2f} of /healthz, "
        f"median of {len(ratios)} (budget {budget:.2f})",
        f"{'PASS' if middle.p95 < 100 else 'FAIL'} the mix: p95 {middle.p95:.1f} ms (< 100)",
        f"{'PASS' if not any(m.errors for m in mixes) else 'FAIL'} the mix: "
        f"{sum(m.errors for m in mixes)} errors",
    ]
    for a in actions:
        checks.append(f"{'PASS' if a.single.p50 < 12 else 'FAIL'} {a.name}: p50 "
                      f"{a.single.p50:.1f} ms at 1 connection (< 12)")  # fmt: skip
        checks.append(f"{'PASS' if a.alone.p95 < 50 else 'FAIL'} {a.name}: p95 "
                      f"{a.alone.p95:.1f} ms at 8 connections (< 50)")  # fmt: skip
        checks.append(f"{'PASS' if 0 <= a.queries <= 10 else 'FAIL'} {a.name}: "
                      f"{a.queries} queries (<= 10)")  # fmt: skip
        if a.alone.errors or a.single.errors:
            checks.append(f"FAIL {a.name}: {a.alone.errors + a.single.errors} errors")
    searches = in_server.get("search", [])
    if searches:
        search_p95 = percentile(searches, 0.95)
        checks.append(f"{'PASS' if search_p95 < 30 else 'FAIL'} search: p95 {search_p95:.1f} "
                      "ms in the worker, inside the mix (< 30)")  # fmt: skip
    toggle = next(a for a in actions if a.name == "toggle")
    checks.append(f"{'PASS' if toggle.gzip_bytes <= 4096 else 'FAIL'} toggle response: "
                  f"{toggle.gzip_bytes:,} bytes gzip (<= 4 KB)")  # fmt: skip
    for name, (first, repeat) in weights.items():
        checks.append(f"{'PASS' if first <= 60 * 1024 else 'FAIL'} {name} first load: "
                      f"{first / 1024:.1f} KB (<= 60 KB)")  # fmt: skip
        checks.append(f"{'PASS' if repeat <= 15 * 1024 else 'FAIL'} {name} repeat load: "
                      f"{repeat / 1024:.1f} KB (<= 15 KB)")  # fmt: skip
    print("\n".join(mix_table))
    print()
    print("\n".join(action_table))
    print()
    print("\n".join(inside_table))
    print()
    print("\n".join(checks))
    if options.write:
        tables = "\n\n".join("\n".join(t) for t in (action_table, inside_table))
        record(options, "\n".join(mix_table), tables, checks)
    if any(c.startswith("FAIL") for c in checks) and not options.smoke:
        sys.exit(1)


def record(
    options: argparse.Namespace, mix_table: str, action_table: str, checks: list[str]
) -> None:
    """Replace this database's section of docs/performance.md."""
    load = os.getloadavg()
    machine = (
        f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d %H:%M')} UTC, load average {load[0]:.1f} at the end"
    )
    section = "\n".join(
        [
            f"<!-- bench:{options.database}:start -->",
            f"### {options.database} at {options.learners:,} learners, {options.mentors} mentors",
            "",
            f"`.venv/bin/python tools/bench/bench.py --database {options.database} "
            f"--learners {options.learners} --mentors {options.mentors} --write`",
            "",
            f"Machine: {machine}. gunicorn (gunicorn.conf.py, {options.workers} workers); wrk, "
            f"{options.connections} connections, {options.seconds} s per mix run and "
            f"{options.page_seconds} s per action; {options.users} "
            f"signed-in learners and {options.mentor_users} mentors.",
            "",
            mix_table,
            "",
            action_table,
            "",
            "```",
            *checks,
            "```",
            f"<!-- bench:{options.database}:end -->",
        ]
    )
    path = ROOT / "docs" / "performance.md"
    text = path.read_text() if path.exists() else "# Performance\n\n"
    pattern = re.compile(
        rf"<!-- bench:{options.database}:start -->.*?<!-- bench:{options.database}:end -->",
        re.S,
    )
    text = pattern.sub(section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section
    path.write_text(text + ("" if text.endswith("\n") else "\n"))
    log(f"Recorded in {path}")


if __name__ == "__main__":
    main()
