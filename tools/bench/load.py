"""Load test: signed-in users against gunicorn on loopback, then a count of what was written.

    .venv/bin/python tools/bench/load.py --database sqlite   --users 50 --seconds 60
    .venv/bin/python tools/bench/load.py --database postgres --users 50 --seconds 60

It prepares a fresh database (a temporary SQLite file, or a new PostgreSQL database
gradient_load_<pid> on --postgres-server, dropped at the end), runs migrate,
createcachetable and seed_demo, and adds --users accounts: every tenth a mentor of the six
after it, the rest learners with a few months of history and three projects each.
It collects static files, starts gunicorn (production settings, plain HTTP) on 127.0.0.1,
signs every user in through the login form, and then each user sends one request after
another, with no think time, for --seconds or until --max-requests in all:

    learner: dashboard 20, skill page 20, status toggle 25, catalog 8, track page 7,
             own project 8, project list 6, mentors page 6   (weights)
    mentor:  mentor dashboard 45, a mentee's page 35, catalog 10, skill page 10

A toggle is an htmx POST to /progress/<skill>/ that moves the skill one step along
to do → learning → done → to do, so every acknowledged toggle (a 200) is a real change.
Afterwards it checks the database: each user has exactly as many new progress events as
toggles acknowledged ("0 lost writes"), each touched skill holds the last status
acknowledged, and no user has two progress rows for one skill.

Exit status: 0 only if there were no errors (an exception, or a status other than
2xx/3xx) and no lost, unexpected or mismatched writes. gunicorn is stopped at the end,
also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"  # the only address this script sends requests to
PASSWORD = "load-test-password-not-secret"
NEXT_STATUS = {"todo": "learning", "learning": "done", "done": "todo", "skipped": "learning"}
LEARNER_MIX = {
    "dashboard": 20,
    "skill": 20,
    "toggle": 25,
    "catalog": 8,
    "track": 7,
    "project": 8,
    "projects": 6,
    "mentors": 6,
}
MENTOR_MIX = {"mentor_dashboard": 45, "mentee": 35, "catalog": 10, "skill": 10}

SETTINGS_MODULE = '''"""tools/bench/load.py's settings: production settings, with two changes."""

from config.settings import *  # noqa: F403

# collectstatic goes to this run's temporary folder, not the checkout; the same hashed
# names as production, without the seconds spent pre-compressing every file (the load
# test requests pages, not static files).
STATIC_ROOT = {static_root!r}
STORAGES = {{
    **STORAGES,  # noqa: F405
    "staticfiles": {{
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
    }},
}}
# Every simulated user signs in from 127.0.0.1; allauth allows 30 logins a minute per
# address, a limit meant for one address guessing passwords, not for a classroom.
ACCOUNT_RATE_LIMITS = {{"login": "10000/m/ip"}}
'''


# -- preparing the database -----------------------------------------------------------------


@dataclass
class Account:
    username: str
    role: str  # "learner" or "mentor"
    statuses: dict[str, str] = field(default_factory=dict)  # skill slug -> status
    projects: list[int] = field(default_factory=list)
    mentees: list[str] = field(default_factory=list)


@dataclass
class Population:
    accounts: list[Account]
    skills: list[str]  # published skill slugs
    tracks: list[str]
    last_event_id: int  # events after this one were made by the load


def prepare(users: int, rng: random.Random) -> Population:
    """Migrate, seed the demo, and add the load accounts (bulk inserts: seconds, not minutes)."""
    import datetime as dt

    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from catalog.models import Skill, Track
    from tracker.models import (
        Mentorship,
        Metric,
        Progress,
        ProgressEvent,
        Project,
        Status,
        User,
    )
    from tracker.progress.rules import apply_status

    quiet = io.StringIO()
    call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
    call_command("createcachetable", verbosity=0, stdout=quiet)
    call_command("seed_demo", stdout=quiet)
    call_command("collectstatic", interactive=False, verbosity=0, stdout=quiet)

    skills = list(Skill.objects.published().select_related("track"))
    slugs = [s.slug for s in skills]
    now = timezone.now()
    password = make_password(PASSWORD)  # hashed once: the default hasher takes 0.3 s a hash
    # Every tenth account mentors the (up to) six after it, if there is one after it.
    accounts = [
        Account(f"load{i:03d}", "mentor" if i % 10 == 0 and i + 1 < users else "learner")
        for i in range(users)
    ]
    with transaction.atomic():
        made = User.objects.bulk_create(
            User(username=a.username, email=f"{a.username}@example.com", password=password)
            for a in accounts
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in made
        )
        by_name = {u.username: u for u in made}
        rows, events, projects, mentorships = [], [], [], []
        for i, account in enumerate(accounts):
            user = by_name[account.username]
            if account.role == "mentor":
                for j in range(i + 1, min(i + 7, len(accounts))):
                    account.mentees.append(accounts[j].username)
                    mentorships.append(
                        Mentorship(mentor=user, learner=by_name[accounts[j].username])
                    )
                continue
            for skill in rng.sample(skills, k=rng.randint(0, len(skills) // 3)):
                at = now - dt.timedelta(days=rng.uniform(1, 120))
                final = rng.choice([Status.DONE, Status.DONE, Status.LEARNING, Status.SKIPPED])
                progress = Progress(user=user, skill=skill)
                apply_status(progress, final, at)
                rows.append(progress)
                events.append(
                    ProgressEvent(
                        user=user,
                        skill=skill,
                        from_status=Status.TODO,
                        to_status=final,
                        created_at=at,
                    )
                )
                account.statuses[skill.slug] = final
            for k, visibility in enumerate(["public", "mentors", "private"]):
                projects.append(
                    Project(
                        owner=user,
                        title=f"{account.username} project {k + 1}",
                        summary="A model, its data, and how well it did.",
                        problem="Predict **something** useful.",
                        approach="Gradient boosting on the usual features.",
                        results="Better than the baseline.",
                        visibility=visibility,
                    )
                )
        Progress.objects.bulk_create(rows)
        ProgressEvent.objects.bulk_create(events)
        Mentorship.objects.bulk_create(mentorships)
        Project.objects.bulk_create(projects)
        through = Project.skills.through
        links, metrics = [], []
        for project in projects:
            for skill in rng.sample(skills, k=3):
                links.append(through(project_id=project.pk, skill_id=skill.pk))
            metrics.append(Metric(project=project, name="accuracy", value="0.9", baseline="0.8"))
            metrics.append(Metric(project=project, name="F1", split="validation", value="0.85"))
        through.objects.bulk_create(links)
        Metric.objects.bulk_create(metrics)
    owners = {u.pk: u.username for u in made}
    by_account = {a.username: a for a in accounts}
    for project in projects:
        by_account[owners[project.owner_id]].projects.append(project.pk)
    last_event = ProgressEvent.objects.order_by("-id").values_list("id", flat=True).first()
    return Population(
        accounts=accounts,
        skills=slugs,
        tracks=list(
            Track.objects.filter(skills__is_published=True)
            .distinct()
            .values_list("slug", flat=True)
        ),
        last_event_id=last_event or 0,
    )


# -- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start_gunicorn(
    env: dict[str, str], port: int, workers: int, log: Path
) -> subprocess.Popen[bytes]:
    # Production's settings (gunicorn.conf.py), then this run's own on the command line.
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "config.wsgi"]
    command += ["--workers", str(workers), "--bind", f"{HOST}:{port}", "--graceful-timeout", "5"]
    # One line per request: the action the client named, the status, microseconds taken.
    command += ["--access-logfile", str(log.with_name("access.log"))]
    command += ["--access-logformat", "%({x-load-action}i)s %(s)s %(D)s"]
    with log.open("ab") as out:
        # Its own session: a Ctrl-C in the terminal reaches this script, which stops
        # gunicorn in order, instead of reaching both at once.
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_until_ready(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{tail(log)}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within 30 s:\n{tail(log)}")


def stop(server: subprocess.Popen[bytes] | None) -> None:
    if server is None or server.poll() is not None:
        return
    server.terminate()  # gunicorn's master stops its workers on SIGTERM
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


# -- the load ---------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    acknowledged: Counter[str] = field(default_factory=Counter)  # username -> toggles
    uncertain: Counter[str] = field(default_factory=Counter)  # toggles that got no 200
    requests: int = 0
    seconds: float = 0.0
    server_cpu: float | None = None  # seconds of CPU gunicorn used during the load
    client_cpu: float = 0.0  # seconds of CPU this script used during the load
    load_average: tuple[float, float] = (0.0, 0.0)  # the machine's, at start and end
    # Time inside gunicorn per action, from its access log: without the queueing that
    # 50 users in front of 2 workers add to every latency the client sees.
    server_times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))


class Budget:
    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


async def sign_in(client: httpx.AsyncClient, username: str) -> None:
    await client.get("/accounts/login/")  # sets the CSRF cookie
    response = await client.post(
        "/accounts/login/",
        data={
            "login": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
        },
    )
    if response.status_code != 302 or "sessionid" not in client.cookies:
        raise SystemExit(f"{username} could not sign in: HTTP {response.status_code}")


async def user_loop(
    client: httpx.AsyncClient,
    account: Account,
    population: Population,
    rng: random.Random,
    deadline: float,
    budget: Budget,
    results: Results,
) -> None:
    mix = MENTOR_MIX if account.role == "mentor" else LEARNER_MIX
    actions, weights = list(mix), list(mix.values())
    doubtful: set[str] = set()  # skills whose status this client no longer knows
    while time.monotonic() < deadline and budget.take():
        action = rng.choices(actions, weights)[0]
        method, url, data, headers = "GET", "", None, {"X-Load-Action": action}
        if action == "dashboard":
            url = "/dashboard/"
        elif action == "catalog":
            url = "/catalog/"
        elif action == "track":
            url = f"/catalog/{rng.choice(population.tracks)}/"
        elif action == "skill":
            url = f"/skills/{rng.choice(population.skills)}/"
        elif action == "projects":
            url = "/projects/"
        elif action == "project":
            url = f"/projects/{rng.choice(account.projects)}/"
        elif action == "mentors":
            url = "/mentors/"
        elif action == "mentor_dashboard":
            url = "/mentor/"
        elif action == "mentee":
            url = f"/mentor/{rng.choice(account.mentees)}/"
        elif action == "toggle":
            slug = rng.choice(population.skills)
            if slug in doubtful:
                continue
            status = NEXT_STATUS[account.statuses.get(slug, "todo")]
            method, url, data = "POST", f"/progress/{slug}/", {"status": status}
            headers |= {"HX-Request": "true", "X-CSRFToken": client.cookies["csrftoken"]}
        started = time.perf_counter()
        try:
            response = await client.request(method, url, data=data, headers=headers)
        except httpx.HTTPError as e:
            results.errors[f"{action}: {type(e).__name__}"] += 1
            code = 0
        else:
            code = response.status_code
            if not 200 <= code < 400:
                results.errors[f"{action}: HTTP {code}"] += 1
        results.latencies[action].append(time.perf_counter() - started)
        results.requests += 1
        if action == "toggle":
            if code == 200:
                results.acknowledged[account.username] += 1
                account.statuses[slug] = status
            else:
                # It may or may not have been applied: leave this skill alone from now on.
                results.uncertain[account.username] += 1
                doubtful.add(slug)


def process_tree_cpu(root: int) -> float | None:
    """CPU seconds used so far by `root` and its children (Linux /proc), else None.

    Other work shares these machines; CPU time per request does not depend on how much
    of the machine the server got, where requests per second does. Workers that gunicorn
    restarted (max_requests) count too: their time moves to the master's cutime/cstime.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that ended meanwhile
        pid, ppid = int(stat.parent.name), int(fields[1])
        if root in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / tick  # utime + stime
            found = True
        if pid == root:
            total += (int(fields[13]) + int(fields[14])) / tick  # ended children's
    return total if found else None


async def drive(
    base: str,
    population: Population,
    seconds: float,
    max_requests: int,
    seed: int,
    server_pid: int,
) -> Results:
    results = Results()
    clients = [
        httpx.AsyncClient(base_url=base, timeout=60, limits=httpx.Limits(max_connections=1))
        for _ in population.accounts
    ]
    try:
        await asyncio.gather(
            *(sign_in(c, a.username) for c, a in zip(clients, population.accounts, strict=True))
        )
        print(f"signed in {len(clients)} users; load for {seconds:g} s ...", flush=True)
        budget = Budget(max_requests)
        server_cpu, client_cpu = process_tree_cpu(server_pid), time.process_time()
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        deadline = started + seconds
        await asyncio.gather(
            *(
                user_loop(c, a, population, random.Random(seed + i), deadline, budget, results)
                for i, (c, a) in enumerate(zip(clients, population.accounts, strict=True))
            )
        )
        results.seconds = time.monotonic() - started
        results.client_cpu = time.process_time() - client_cpu
        results.load_average = (load_before, os.getloadavg()[0])
        server_cpu_after = process_tree_cpu(server_pid)
        if server_cpu is not None and server_cpu_after is not None:
            results.server_cpu = server_cpu_after - server_cpu
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return results


# -- the check --------------------------------------------------------------------------------


@dataclass
class Check:
    acknowledged: int
    recorded: int
    lost: int  # acknowledged, yet no event
    unexpected: int  # events nobody can account for
    mismatched: int  # rows whose status is not the last one acknowledged
    duplicates: int  # (user, skill) pairs with two progress rows


def check_database(population: Population, results: Results) -> Check:
    from django.db.models import Count

    from tracker.models import Progress, ProgressEvent

    new_events = Counter(
        dict(
            ProgressEvent.objects.filter(id__gt=population.last_event_id)
            .values("user__username")
            .annotate(n=Count("id"))
            .values_list("user__username", "n")
        )
    )
    lost = unexpected = mismatched = 0
    for account in population.accounts:
        acked, recorded = results.acknowledged[account.username], new_events[account.username]
        lost += max(0, acked - recorded)
        unexpected += max(0, recorded - acked - results.uncertain[account.username])
    stored = {
        (username, slug): status
        for username, slug, status in Progress.objects.filter(
            user__username__in=[a.username for a in population.accounts]
        ).values_list("user__username", "skill__slug", "status")
    }
    for account in population.accounts:
        for slug, status in account.statuses.items():
            if stored.get((account.username, slug), "todo") != status:
                mismatched += 1
    duplicates = (
        Progress.objects.values("user", "skill").annotate(n=Count("id")).filter(n__gt=1).count()
    )
    return Check(
        acknowledged=sum(results.acknowledged.values()),
        recorded=sum(new_events.values()),
        lost=lost,
        unexpected=unexpected,
        mismatched=mismatched,
        duplicates=duplicates,
    )


def read_access_log(path: Path, results: Results) -> None:
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return
    for line in lines:
        action, _status, micros = (line.split() + ["", "", ""])[:3]
        if action in LEARNER_MIX or action in MENTOR_MIX:  # not the sign-ins
            results.server_times[action].append(int(micros) / 1_000_000)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def report(args: argparse.Namespace, results: Results, check: Check) -> None:
    total = results.requests
    print()
    print(f"database    {args.database}; {args.users} users; gunicorn {args.workers} workers")
    print(
        f"requests    {total:,} in {results.seconds:.1f} s = {total / results.seconds:,.1f} req/s"
    )
    if results.server_cpu is not None:
        per_request = results.server_cpu / total * 1000
        before, after = results.load_average
        print(
            f"server CPU  {results.server_cpu:.1f} s = {per_request:.1f} ms a request; "
            f"this script {results.client_cpu:.1f} s; "
            f"load average {before:.1f} → {after:.1f} on {os.cpu_count()} CPUs"
        )
    print(f"errors      {results.errors.total()}")
    for kind, count in results.errors.most_common():
        print(f"            {count:>7,}  {kind}")
    print()
    print(f"{'':<34}{'latency at the client, ms':>27}{'time in the server, ms':>27}")
    columns = "".join(f"{p:>9}" for p in ["p50", "p95", "p99"] * 2)
    print(f"{'action':<18}{'requests':>9}{'share':>7}{columns}")
    rows = sorted(results.latencies.items(), key=lambda kv: -len(kv[1]))
    rows.append(("all", [v for _, values in rows for v in values]))
    for action, values in rows:
        server = (
            [v for vs in results.server_times.values() for v in vs]
            if action == "all"
            else results.server_times.get(action, [])
        )
        cells = [percentile(values, p) * 1000 for p in (50, 95, 99)]
        cells += [percentile(server, p) * 1000 if server else math.nan for p in (50, 95, 99)]
        print(
            f"{action:<18}{len(values):>9,}{len(values) / total:>7.1%}"
            + "".join(f"{c:>9.1f}" for c in cells)
        )
    print()
    print(
        f"toggles acknowledged {check.acknowledged:,}; new progress events "
        f"{check.recorded:,}: {check.lost} lost writes, {check.unexpected} unexpected"
    )
    print(
        f"progress rows not at the last acknowledged status: {check.mismatched}; "
        f"duplicate progress rows: {check.duplicates}"
    )


# -- putting it together ----------------------------------------------------------------------


def create_postgres_database(server: str, name: str) -> str:
    with postgres_admin(server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{server.rstrip('/')}/{name}"


def drop_postgres_database(server: str, name: str) -> None:
    with postgres_admin(server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_admin(server: str) -> Any:
    import psycopg

    parts = urlsplit(server)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--max-requests", type=int, default=200_000, help="a bound on the total")
    parser.add_argument(
        "--postgres-server",
        default="postgres://postgres@127.0.0.1:5432",
        help="where --database postgres creates gradient_load_<pid> (default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the database and the log")
    args = parser.parse_args()
    if args.users < 2:
        parser.error("--users must be at least 2 (one mentor and a learner)")

    # A SIGTERM ends the script like a Ctrl-C does: through the `finally` that stops gunicorn.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    tmp = Path(tempfile.mkdtemp(prefix="gradient-load-"))
    log = tmp / "gunicorn.log"
    pg_name = f"gradient_load_{os.getpid()}"
    server = None
    created_postgres = django_ready = False
    try:
        (tmp / "gradient_load_settings.py").write_text(
            SETTINGS_MODULE.format(static_root=str(tmp / "static"))
        )
        if args.database == "postgres":
            database_url = create_postgres_database(args.postgres_server, pg_name)
            created_postgres = True
        else:
            database_url = f"sqlite:///{tmp / 'load.sqlite3'}"
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "gradient_load_settings",
            "DATABASE_URL": database_url,
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "DJANGO_SECURE_SSL_REDIRECT": "false",
            "DJANGO_SECURE_COOKIES": "false",
            "DJANGO_SECURE_HSTS_SECONDS": "0",
            "DJANGO_MEDIA_ROOT": str(tmp / "media"),
            "DJANGO_LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)  # the database cache, as a checkout has it
        os.environ.update(env)
        sys.path[:0] = [str(tmp), str(ROOT)]
        import django

        django.setup()
        django_ready = True
        from django.db import connections

        started = time.monotonic()
        population = prepare(args.users, random.Random(args.seed))
        connections.close_all()
        print(
            f"prepared {args.database} database in {time.monotonic() - started:.1f} s", flush=True
        )

        port = free_port()
        base = f"http://{HOST}:{port}"
        server = start_gunicorn(env, port, args.workers, log)
        wait_until_ready(server, base, log)
        results = asyncio.run(
            drive(base, population, args.seconds, args.max_requests, args.seed, server.pid)
        )
        stop(server)
        read_access_log(tmp / "access.log", results)
        check = check_database(population, results)
        connections.close_all()
        report(args, results, check)
        if results.errors:
            print(f"\nthe server's log ends:\n{tail(log)}")
        problems = [results.errors.total(), check.lost, check.unexpected, check.mismatched]
        return 1 if any(problems) or check.duplicates else 0
    finally:
        stop(server)
        if django_ready:
            from django.db import connections

            connections.close_all()
        if created_postgres and not args.keep:
            drop_postgres_database(args.postgres_server, pg_name)
        if args.keep:
            database = f"database {pg_name}" if created_postgres else "the SQLite database"
            print(f"kept {tmp} (logs, static files, {database})")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # gunicorn is stopped and the database dropped by now
        print("\ninterrupted", file=sys.stderr)
        sys.exit(130)
