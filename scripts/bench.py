#!/usr/bin/env python
"""Benchmark every page against the bare server, in one run, on one database.

    .venv/bin/python scripts/bench.py --database sqlite --learners 10000 --mentors 200
    .venv/bin/python scripts/bench.py --database postgres --learners 10000 --mentors 200

It seeds a database of the given size (reused on the next run unless --fresh), starts
gunicorn with 2 sync workers on loopback with production settings, signs in a sample
learner and a mentor of 50, and drives each page with wrk (8 connections) for a few
seconds. Per page it prints requests/s, p50/p95/p99 latency, queries per request,
response bytes and throughput as a share of /healthz in the same run, then checks the
budgets and (with --write) records the table and an SVG chart in docs/performance.md.

Only loopback is ever contacted. wrk comes from Debian's packages (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
WORK = Path(tempfile.gettempdir()) / "gradient-bench"
PG_DATABASE = "gradient_bench"

LUA = r"""
local body, method = nil, "GET"
local toggles = {"learning", "done"}
local n = 0
request = function()
  if os.getenv("BENCH_METHOD") == "POST" then
    n = n + 1
    local b = "status=" .. toggles[(n % 2) + 1]
    return wrk.format("POST", nil, nil, b)
  end
  return wrk.format("GET")
end
done = function(summary, latency, requests)
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
class Page:
    name: str
    path: str
    user: str | None = None  # "learner" or "mentor"
    method: str = "GET"
    budget: float = 0.20  # share of /healthz throughput


@dataclass
class Result:
    page: Page
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    queries: int
    raw_bytes: int
    gzip_bytes: int
    ratio: float = 0.0


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


def prepare(kind: str, env: dict[str, str], learners: int, mentors: int, fresh: bool) -> None:
    name = "sqlite" if kind == "sqlite" else PG_DATABASE
    WORK.mkdir(parents=True, exist_ok=True)
    marker = WORK / f"seeded-{name}-{learners}-{mentors}"
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
        out = manage(env, "seed_demo", "--learners", str(learners), "--mentors", str(mentors))
        log(out.strip().splitlines()[-1] + f" (total {time.monotonic() - started:.0f} s)")
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


def sample(env: dict[str, str]) -> dict[str, str]:
    """A typical learner (the median history among those with projects), a mentor of 50
    (or the most), one of their mentees, and a public portfolio page."""
    code = """
import json
from django.db.models import Count
from tracker.models import Mentorship, Project, User
learners = (User.objects.filter(username__startswith="learner", projects__isnull=False)
            .distinct().annotate(n=Count("progress_events", distinct=True)).order_by("n", "pk"))
learner = learners[learners.count() // 2]
mentor = (User.objects.filter(username__startswith="mentor")
          .annotate(n=Count("mentees")).order_by("-n", "pk").first())
mentee = Mentorship.objects.filter(mentor=mentor).select_related("learner").first().learner
public = Project.objects.filter(visibility="public").select_related("owner").first().owner
print(json.dumps({"learner": learner.username, "mentor": mentor.username,
                  "mentee": mentee.username, "public": public.username}))
"""
    out = manage(env, "shell", "-c", code)
    return json.loads(out.strip().splitlines()[-1])


def sign_in(base: str, username: str, password: str) -> dict[str, str]:
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        page = client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        response = client.post(
            "/accounts/login/",
            data={"login": username, "password": password, "csrfmiddlewaretoken": token},
            headers={"Referer": base + "/accounts/login/"},
        )
        if response.status_code != 302:
            sys.exit(f"Could not sign in {username}: {response.status_code}")
        return {"sessionid": client.cookies["sessionid"], "csrftoken": client.cookies["csrftoken"]}


def probe(base: str, page: Page, cookies: dict[str, str] | None) -> tuple[int, int, int]:
    """Queries per request (the most seen once both workers are warm) and response size
    (raw and gzip), from single requests."""
    headers = {"Accept-Encoding": "identity"}
    data = None
    if page.method == "POST":
        headers |= {"HX-Request": "true", "X-CSRFToken": cookies["csrftoken"]}
        data = {"status": "learning"}
    counts = []
    with httpx.Client(base_url=base, cookies=cookies or {}) as client:
        for i in range(8):
            if data:  # as wrk does: every toggle changes the status
                data = {"status": ("learning", "done")[i % 2]}
            raw = client.request(page.method, page.path, headers=headers, data=data)
            if raw.status_code != 200:
                sys.exit(f"{page.path} answered {raw.status_code}")
            if i >= 4:  # the first requests of each worker build its catalog copy
                counts.append(int(raw.headers.get("X-Query-Count", "-1")))
        squeezed = client.request(
            page.method, page.path, headers=headers | {"Accept-Encoding": "gzip"}, data=data
        )
        compressed = int(squeezed.headers.get("Content-Length") or len(gzip.compress(raw.content)))
    return max(counts), len(raw.content), compressed


def drive(base: str, page: Page, cookies: dict[str, str] | None, seconds: int, conns: int):
    script = WORK / "bench.lua"
    script.write_text(LUA)
    args = ["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "-s", str(script),
            "-H", "Accept-Encoding: gzip"]  # fmt: skip
    if cookies:
        args += [
            "-H",
            f"Cookie: sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}",
        ]
    if page.method == "POST":
        args += [
            "-H", f"X-CSRFToken: {cookies['csrftoken']}",
            "-H", "HX-Request: true",
            "-H", "Content-Type: application/x-www-form-urlencoded",
        ]  # fmt: skip
    env = {**os.environ, "BENCH_METHOD": page.method}
    warm = [a if not a.startswith("-d") else "-d1s" for a in args]
    subprocess.run([*warm, base + page.path], env=env, capture_output=True)  # warm-up
    out = subprocess.run(args + [base + page.path], env=env, capture_output=True, text=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        sys.exit(f"wrk gave no result for {page.path}:\n{out.stdout}\n{out.stderr}")
    return json.loads(line[len("RESULT ") :])


def page_weight(base: str, path: str, cookies: dict[str, str]) -> tuple[int, int]:
    """Bytes over the wire for a first visit (HTML + CSS + JS + icons, compressed) and
    for a repeat visit (HTML only: static files have hashed names and far-future caching)."""
    with httpx.Client(base_url=base, cookies=cookies) as client:
        html = client.get(path, headers={"Accept-Encoding": "gzip, br"})
        first = int(html.headers.get("Content-Length") or len(html.content))
        assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html.text)
        for asset in set(assets):
            r = client.get(asset, headers={"Accept-Encoding": "gzip, br"})
            cache = r.headers.get("Cache-Control", "")
            if "max-age=315360000" not in cache and "immutable" not in cache:
                log(f"  warning: {asset} is not cached for long ({cache!r})")
            first += int(r.headers.get("Content-Length") or len(r.content))
    return first, int(html.headers.get("Content-Length") or len(html.content))


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    # Production's settings (gunicorn.conf.py), but 2 workers that are never restarted
    # mid-page (max_requests) and no access log line per request.
    server = subprocess.Popen(
        [GUNICORN, "-c", "gunicorn.conf.py", "config.wsgi", "--workers", "2",
         "--max-requests", "0", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env={**env, "GUNICORN_ACCESS_LOG": ""}, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    sys.exit("gunicorn did not start")


def svg_chart(results: list[Result], title: str) -> str:
    width, row, left = 640, 26, 200
    height = 40 + row * len(results)
    scale = (width - left - 60) / max(1.0, max(r.ratio for r in results))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'font-family="system-ui, sans-serif" font-size="12" role="img" aria-label="{title}">',
        f'<text x="8" y="18" font-weight="600">{title}</text>',
    ]
    budget_x = left + 0.20 * scale
    for i, r in enumerate(results):
        y = 30 + i * row
        w = max(1, r.ratio * scale)
        ok = r.ratio >= r.page.budget
        colour = "#6d28d9" if ok else "#dc2626"
        parts += [
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{r.page.name}</text>',
            f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="16" fill="{colour}" rx="2"/>',
            f'<text x="{left + w + 6:.1f}" y="{y + 15}">{r.ratio:.0%}</text>',
        ]
    parts.append(
        f'<line x1="{budget_x:.1f}" y1="26" x2="{budget_x:.1f}" y2="{height - 4}" '
        'stroke="#f59e0b" stroke-dasharray="4 3"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)


def main() -> None:
    global WORK, PG_DATABASE
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=8, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--fresh", action="store_true", help="seed again even if seeded")
    parser.add_argument("--write", action="store_true", help="record in docs/performance.md")
    parser.add_argument(
        "--only", default="", help="comma-separated page names to run (and /healthz)"
    )
    parser.add_argument("--workdir", type=Path, help="where the SQLite file lives")
    parser.add_argument("--pg-database", help="PostgreSQL database to use")
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
        "DJANGO_SETTINGS_MODULE": "config.bench_settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SECURE_HSTS_SECONDS": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    prepare(options.database, env, options.learners, options.mentors, options.fresh)
    who = sample(env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port)
    try:
        # Each worker builds its catalog copy on its first page; do that before any probe
        # counts queries, so the counts are the steady state's.
        with httpx.Client(base_url=base) as client:
            for _ in range(20):
                client.get("/catalog/")
        cookies = {
            "learner": sign_in(base, who["learner"], "gradient-demo"),
            "mentor": sign_in(base, who["mentor"], "gradient-demo"),
        }
        pages = [
            Page("/healthz", "/healthz", budget=1.0),
            Page("/catalog/", "/catalog/"),
            Page("track page", "/catalog/ml-algorithms/", "learner"),
            Page("skill page", "/skills/cross-validation/", "learner"),
            Page("/dashboard/", "/dashboard/", "learner"),
            Page("htmx toggle", "/progress/cross-validation/", "learner", "POST", budget=0.25),
            Page("/projects/", "/projects/", "learner"),
            Page("/u/<username>/", f"/u/{who['public']}/"),
            Page("/mentor/ (50 mentees)", "/mentor/", "mentor"),
            Page("/mentor/<username>/", f"/mentor/{who['mentee']}/", "mentor"),
        ]
        if options.only:
            wanted = {n.strip() for n in options.only.split(",")} | {"/healthz"}
            pages = [p for p in pages if p.name in wanted]
        results: list[Result] = []
        for page in pages:
            jar = cookies.get(page.user) if page.user else None
            queries, raw, packed = probe(base, page, jar)
            run = drive(base, page, jar, options.seconds, options.connections)
            results.append(
                Result(
                    page=page,
                    rps=run["requests"] / run["seconds"],
                    p50=run["p50"], p95=run["p95"], p99=run["p99"],
                    errors=run["errors"] + run["status_errors"],
                    queries=queries, raw_bytes=raw, gzip_bytes=packed,
                )
            )  # fmt: skip
            log(f"  {page.name:<24} {results[-1].rps:8.0f} req/s  p95 {run['p95']:.1f} ms")
        weights = {
            "/dashboard/": page_weight(base, "/dashboard/", cookies["learner"]),
            "/mentor/": page_weight(base, "/mentor/", cookies["mentor"]),
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)

    baseline = results[0].rps
    for r in results:
        r.ratio = r.rps / baseline
    table = render_table(results)
    checks = budgets(results, weights)
    print(table)
    print()
    print("\n".join(checks))
    if options.write:
        record(options, results, table, checks, weights)
    if any(c.startswith("FAIL") for c in checks) and not options.smoke:
        sys.exit(1)


def render_table(results: list[Result]) -> str:
    lines = [
        "| page | req/s | share of /healthz | p50 ms | p95 ms | p99 ms | queries "
        "| bytes (gzip) | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.page.name} | {r.rps:.0f} | {r.ratio:.0%} | {r.p50:.1f} | {r.p95:.1f} | "
            f"{r.p99:.1f} | {r.queries} | {r.raw_bytes:,} ({r.gzip_bytes:,}) | {r.errors} |"
        )
    return "\n".join(lines)


def budgets(results: list[Result], weights: dict[str, tuple[int, int]]) -> list[str]:
    out = []
    for r in results[1:]:
        ok = r.ratio >= r.page.budget
        out.append(f"{'PASS' if ok else 'FAIL'} {r.page.name}: {r.ratio:.0%} of /healthz "
                   f"(budget {r.page.budget:.0%})")  # fmt: skip
    for r in results:
        out.append(f"{'PASS' if r.p95 < 50 else 'FAIL'} {r.page.name}: p95 {r.p95:.1f} ms (< 50)")
        out.append(f"{'PASS' if 0 <= r.queries <= 10 else 'FAIL'} {r.page.name}: "
                   f"{r.queries} queries (<= 10)")  # fmt: skip
        if r.errors:
            out.append(f"FAIL {r.page.name}: {r.errors} errors")
    toggle = next((r for r in results if r.page.method == "POST"), None)
    if toggle:
        out.append(
            f"{'PASS' if toggle.gzip_bytes <= 4096 else 'FAIL'} htmx toggle response: "
            f"{toggle.gzip_bytes:,} bytes (<= 4 KB)"
        )
    for name, (first, repeat) in weights.items():
        out.append(f"{'PASS' if first <= 60 * 1024 else 'FAIL'} {name} first load: "
                   f"{first / 1024:.1f} KB (<= 60 KB)")  # fmt: skip
        out.append(f"{'PASS' if repeat <= 15 * 1024 else 'FAIL'} {name} repeat load: "
                   f"{repeat / 1024:.1f} KB (<= 15 KB)")  # fmt: skip
    return out


def record(options, results, table, checks, weights) -> None:  # type: ignore[no-untyped-def]
    """Replace this database's section of docs/performance.md."""
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    chart = docs / f"performance-{options.database}.svg"
    chart.write_text(svg_chart(results, f"Throughput as a share of /healthz ({options.database})"))
    machine = (
        f"{platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}"
    )
    section = "\n".join(
        [
            f"<!-- bench:{options.database}:start -->",
            f"### {options.database} at {options.learners:,} learners, {options.mentors} mentors",
            "",
            f"`.venv/bin/python scripts/bench.py --database {options.database} "
            f"--learners {options.learners} --mentors {options.mentors} --write`",
            "",
            f"Machine: {machine}. gunicorn, 2 sync workers; wrk, {options.connections} "
            f"connections, {options.seconds} s per page, `Accept-Encoding: gzip`.",
            "",
            table,
            "",
            f"![Throughput as a share of /healthz on {options.database}]({chart.name})",
            "",
            "```",
            *checks,
            "```",
            f"<!-- bench:{options.database}:end -->",
        ]
    )
    path = docs / "performance.md"
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
