"""What the dashboard costs a browser: bytes on a first and a repeat visit, and the
largest contentful paint. Printed for people to read (and kept in
test-artifacts/browser-figures.txt), not asserted: they vary with the machine.

Measured twice: against pytest-django's live server, which serves static files through
Django's test handler (no compression, no far-future caching), and against gunicorn
started here with production settings (whitenoise: hashed names, compressed, cached
for a year).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from django.db import connection
from playwright.sync_api import Page

from tests.browser.conftest import ARTIFACTS, DEMO_PASSWORD, ROOT, ContextFactory, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIGURES_JS = """async () => {
    const nav = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    const lcp = await new Promise(resolve => {
        new PerformanceObserver(list => {
            const entries = list.getEntries();
            resolve(entries[entries.length - 1]);
        }).observe({type: "largest-contentful-paint", buffered: true});
        setTimeout(() => resolve(null), 2000);
    });
    const describe = el => !el ? "?" : el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
        + (typeof el.className === "string" && el.className
           ? "." + el.className.split(" ")[0] : "");
    return {
        html: nav.transferSize, htmlDecoded: nav.decodedBodySize,
        resources: resources.map(r => ({
            name: r.name.split("/").pop(), transfer: r.transferSize, decoded: r.decodedBodySize,
        })),
        lcp: lcp ? {ms: lcp.startTime, element: describe(lcp.element)} : null,
    };
}"""


def kb(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def visit(page: Page, url: str) -> str:
    """Load `url` and describe what it cost: bytes by kind, and when LCP happened."""
    page.goto(url, wait_until="load")
    f = page.evaluate(FIGURES_JS)
    assets = sum(r["transfer"] for r in f["resources"])
    parts = ", ".join(f"{r['name']} {kb(r['transfer'])}" for r in f["resources"])
    lcp = f"LCP {f['lcp']['ms']:.0f} ms ({f['lcp']['element']})" if f["lcp"] else "no LCP"
    return (
        f"{kb(f['html'] + assets)} transferred: HTML {kb(f['html'])} "
        f"({kb(f['htmlDecoded'])} uncompressed) + {len(f['resources'])} files "
        f"{kb(assets)} [{parts}]; {lcp}"
    )


def first_and_repeat(open_context: ContextFactory, base: str) -> list[str]:
    """Sign in in one context; measure in another with the session but an empty cache."""
    signing_in = open_context(base_url=base).new_page()
    log_in(signing_in, "ada", DEMO_PASSWORD)
    state = signing_in.context.storage_state()
    page = open_context(base_url=base, storage_state=state).new_page()
    first = visit(page, base + "/dashboard/")
    repeat = visit(page, base + "/dashboard/")
    return [f"  first visit:  {first}", f"  repeat visit: {repeat}"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url() -> str | None:
    """The test database, for a server in another process (it sees committed data)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"].endswith("postgresql"):
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"
    return None


def start_gunicorn(folder: Path, url: str) -> tuple[subprocess.Popen, str]:
    """Production settings, except plain HTTP; static files collected into `folder`."""
    (folder / "figures_settings.py").write_text(
        "from config.settings import *  # noqa: F403\n"
        f"STATIC_ROOT = {str(folder / 'static')!r}\n"
        "# The test users' passwords were hashed with the test settings' hasher.\n"
        'PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]\n'
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "figures_settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "figures-only-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": url,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # The pages need only the site's own files and htmx; admin's thousand are skipped.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"]
        + ["-i", "admin", "-i", "account", "-i", "*.map"],
        cwd=ROOT, env=env, check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "config.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"]
        + ["--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError("gunicorn did not start")


def test_dashboard_bytes_and_largest_contentful_paint(
    demo: None, open_context: ContextFactory, live_server, tmp_path: Path, capsys
) -> None:  # type: ignore[no-untyped-def]
    lines = [
        "Dashboard of the demo learner ada (Chromium, headless, loopback):",
        "live_server: Django's test static handler; no compression, no far-future caching",
        *first_and_repeat(open_context, live_server.url),
    ]
    url = database_url()
    if url:
        server, base = start_gunicorn(tmp_path, url)
        try:
            lines += [
                "gunicorn + whitenoise, production settings (hashed names, cached for a "
                "year; gzip: Chromium offers brotli only over HTTPS)",
                *first_and_repeat(open_context, base),
            ]
        finally:
            server.terminate()
            server.wait(timeout=10)
    text = "\n".join(lines)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-figures.txt").write_text(text + "\n")
    with capsys.disabled():
        print("\n" + text)
