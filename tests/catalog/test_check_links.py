"""The link checker, against a small HTTP server on 127.0.0.1, never the internet."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from catalog.links import LinkResult, check_resource_links, check_urls, refuses_redirect
from catalog.models import Resource, Skill, Track

# Short enough to keep the suite quick, long enough for loopback on a busy machine.
TIMEOUT = 0.5


@dataclass
class Site:
    base: str
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    user_agents: set[str] = field(default_factory=set)

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections when the checker opens 16 at once,
    # and a dropped SYN is retried after 1 s: a timeout that is the server's fault.
    request_queue_size = 64

    def handle_error(self, request: object, client_address: object) -> None:
        # The hanging handler writes to a client that gave up; that is expected.
        pass


@pytest.fixture
def site() -> Iterator[Site]:
    release = threading.Event()
    requests: Counter[tuple[str, str]] = Counter()
    user_agents: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _answer(self, status: int, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            body = b"" if self.command == "HEAD" else b"hello"
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(body)

        def _route(self) -> None:
            with lock:
                requests[(self.command, self.path)] += 1
                user_agents.add(self.headers["User-Agent"])
            if self.path == "/ok":
                self._answer(200)
            elif self.path == "/missing":
                self._answer(404)
            elif self.path == "/redirect":
                self._answer(301, {"Location": "/ok"})
            elif self.path == "/moved-away":
                # Temporary, relative, and to a page that is gone.
                self._answer(302, {"Location": "missing"})
            elif self.path == "/chain":
                self._answer(307, {"Location": "/redirect"})
            elif self.path == "/round-trip":
                if "seen=1" in (self.headers.get("Cookie") or ""):
                    self._answer(200)
                else:
                    self._answer(302, {"Location": "/set-cookie"})
            elif self.path == "/set-cookie":
                self._answer(302, {"Location": "/round-trip", "Set-Cookie": "seen=1; Path=/"})
            elif self.path == "/loop":
                self._answer(302, {"Location": "/loop"})
            elif self.path == "/to-ftp":
                self._answer(301, {"Location": "ftp://files.example.org/book.pdf"})
            elif self.path == "/to-script":
                self._answer(302, {"Location": "javascript:alert(1)"})
            elif self.path == "/no-head-redirect":
                if self.command == "HEAD":
                    self._answer(405)
                else:
                    self._answer(308, {"Location": "/ok"})
            elif self.path == "/no-head":
                self._answer(405 if self.command == "HEAD" else 200)
            elif self.path == "/bad-head":
                if self.command == "HEAD":
                    self.wfile.write(b"not http at all\r\n\r\n")
                    self.close_connection = True
                else:
                    self._answer(200)
            elif self.path == "/hang":
                # Outlasts the client's timeout; released at teardown so the thread ends.
                release.wait(timeout=10)
            else:
                self._answer(404)

        do_HEAD = do_GET = _route

    server = _Server(("127.0.0.1", 0), Handler)
    # A short poll interval: shutdown() waits up to one interval, at every teardown.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        yield Site(base=f"http://127.0.0.1:{port}", requests=requests, user_agents=user_agents)
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def refused_url() -> str:
    # A port that was free a moment ago: nothing listens there, so connecting is refused.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture
def track() -> Track:
    return Track.objects.create(slug="foundations", title="Foundations", order=1)


def make_skill(track: Track, slug: str) -> Skill:
    return Skill.objects.create(
        track=track, slug=slug, title=slug.title(), summary="", level="beginner", hours=1
    )


def make_resource(skill: Skill, url: str) -> Resource:
    return Resource.objects.create(
        skill=skill, title=url, url=url, kind="docs", is_free=True, minutes=10
    )


def check(urls: list[str], concurrency: int = 16) -> tuple[dict[str, LinkResult], list[LinkResult]]:
    """Check `urls`; return the results and what progress was called with, in order."""
    seen: list[LinkResult] = []
    results = asyncio.run(
        check_urls(urls, timeout=TIMEOUT, concurrency=concurrency, progress=seen.append)
    )
    return results, seen


class TestCheckUrls:
    def test_it_reports_status_codes(self, site: Site) -> None:
        results, _ = check([site.url("/ok"), site.url("/missing")])

        assert results[site.url("/ok")] == LinkResult(site.url("/ok"), 200, "")
        assert results[site.url("/missing")] == LinkResult(site.url("/missing"), 404, "")
        assert results[site.url("/ok")].ok
        assert not results[site.url("/missing")].ok

    def test_it_follows_redirects(self, site: Site) -> None:
        results, _ = check([site.url("/redirect")])

        assert results[site.url("/redirect")].status == 200
        assert site.requests[("HEAD", "/ok")] == 1

    def test_it_records_where_a_redirect_led(self, site: Site) -> None:
        results, _ = check([site.url("/redirect"), site.url("/ok")])

        assert results[site.url("/redirect")] == LinkResult(
            site.url("/redirect"), 200, "", redirect_url=site.url("/ok"), redirect_status=301
        )
        assert results[site.url("/redirect")].redirected
        assert not results[site.url("/ok")].redirected

    def test_it_records_the_first_redirect_and_the_last_address_of_a_chain(
        self, site: Site
    ) -> None:
        results, _ = check([site.url("/chain")])

        result = results[site.url("/chain")]
        assert (result.status, result.redirect_status, result.redirect_url) == (
            200,
            307,
            site.url("/ok"),
        )
        assert site.requests == {
            ("HEAD", "/chain"): 1,
            ("HEAD", "/redirect"): 1,
            ("HEAD", "/ok"): 1,
        }

    def test_it_resolves_a_relative_redirect_and_reports_where_it_broke(self, site: Site) -> None:
        results, _ = check([site.url("/moved-away")])

        result = results[site.url("/moved-away")]
        assert (result.status, result.redirect_status, result.redirect_url) == (
            404,
            302,
            site.url("/missing"),
        )
        assert not result.ok

    def test_it_follows_a_redirect_that_only_get_reveals(self, site: Site) -> None:
        results, _ = check([site.url("/no-head-redirect")])

        result = results[site.url("/no-head-redirect")]
        assert (result.status, result.redirect_status, result.redirect_url) == (
            200,
            308,
            site.url("/ok"),
        )

    @pytest.mark.parametrize(
        ("path", "status", "target"),
        [
            ("/to-ftp", 301, "ftp://files.example.org/book.pdf"),
            ("/to-script", 302, "javascript:alert(1)"),
        ],
    )
    def test_it_records_but_does_not_follow_a_redirect_off_the_web(
        self, site: Site, path: str, status: int, target: str
    ) -> None:
        results, _ = check([site.url(path)])

        assert results[site.url(path)] == LinkResult(
            site.url(path), status, "", redirect_url=target, redirect_status=status
        )
        assert site.requests == {("HEAD", path): 1}

    def test_it_notes_no_redirect_when_the_redirects_come_back_to_the_url(self, site: Site) -> None:
        results, _ = check([site.url("/round-trip")])

        assert results[site.url("/round-trip")] == LinkResult(site.url("/round-trip"), 200)
        assert site.requests[("HEAD", "/set-cookie")] == 1

    def test_it_gives_up_on_a_redirect_loop(self, site: Site) -> None:
        results, _ = check([site.url("/loop")])

        result = results[site.url("/loop")]
        assert (result.status, result.error, result.redirect_url) == (
            None,
            "too many redirects",
            "",
        )
        assert site.requests == {("HEAD", "/loop"): 21}

    def test_it_uses_head_when_head_works(self, site: Site) -> None:
        check([site.url("/ok")])

        assert site.requests == {("HEAD", "/ok"): 1}

    def test_it_falls_back_to_get_when_head_is_refused(self, site: Site) -> None:
        results, _ = check([site.url("/no-head")])

        assert results[site.url("/no-head")].status == 200
        assert site.requests == {("HEAD", "/no-head"): 1, ("GET", "/no-head"): 1}

    def test_it_falls_back_to_get_when_head_breaks_the_protocol(self, site: Site) -> None:
        results, _ = check([site.url("/bad-head")])

        assert results[site.url("/bad-head")].status == 200

    def test_it_gives_up_after_the_timeout(self, site: Site) -> None:
        results, _ = check([site.url("/hang")])

        result = results[site.url("/hang")]
        assert (result.status, result.error) == (None, "timeout")
        assert result.timed_out
        # A timeout is not retried with GET: that would double the wait for nothing.
        assert site.requests == {("HEAD", "/hang"): 1}

    def test_it_reports_refused_connections(self, refused_url: str) -> None:
        results, _ = check([refused_url])

        result = results[refused_url]
        assert result.status is None
        assert result.error.startswith("connection error: ")
        assert len(result.error) <= 200
        assert not result.timed_out

    def test_it_fetches_a_repeated_url_once(self, site: Site) -> None:
        results, seen = check([site.url("/ok"), site.url("/ok")])

        assert list(results) == [site.url("/ok")]
        assert len(seen) == 1
        assert site.requests == {("HEAD", "/ok"): 1}

    def test_it_calls_progress_once_per_url(self, site: Site) -> None:
        urls = [site.url(path) for path in ("/ok", "/missing", "/redirect", "/no-head")]

        results, seen = check(urls, concurrency=2)

        assert sorted(r.url for r in seen) == sorted(urls)
        assert set(seen) == set(results.values())

    def test_it_sends_its_user_agent(self, site: Site) -> None:
        check([site.url("/ok")])

        assert site.user_agents == {"GradientLinkChecker/1.0"}


@pytest.mark.parametrize(
    ("source", "target", "refused"),
    [
        ("https://a.example/x", "https://b.example/y", ""),
        ("http://a.example/x", "https://a.example/x", ""),
        ("http://a.example/x", "http://b.example/y", ""),
        ("https://a.example/x", "http://a.example/x", "it leads from https to plain http"),
        ("https://a.example/x", "ftp://a.example/x", "off the web (a ftp: address)"),
        ("https://a.example/x", "javascript:alert(1)", "off the web (a javascript: address)"),
        ("https://a.example/x", "data:text/html,hi", "off the web (a data: address)"),
    ],
)
def test_which_redirects_are_followed(source: str, target: str, refused: str) -> None:
    if refused:
        assert refused in refuses_redirect(source, target)
    else:
        assert refuses_redirect(source, target) == ""


@pytest.mark.django_db
class TestCheckResourceLinks:
    def test_it_saves_the_outcome_on_every_resource(
        self, site: Site, refused_url: str, track: Track
    ) -> None:
        skill = make_skill(track, "python")
        live = make_resource(skill, site.url("/ok"))
        missing = make_resource(skill, site.url("/missing"))
        hanging = make_resource(skill, site.url("/hang"))
        no_head = make_resource(skill, site.url("/no-head"))
        redirect = make_resource(skill, site.url("/redirect"))
        refused = make_resource(skill, refused_url)

        check_resource_links(Resource.objects.all(), timeout=TIMEOUT, concurrency=4)

        for resource in (live, missing, hanging, no_head, redirect, refused):
            resource.refresh_from_db()
            assert resource.link_checked_at is not None
        assert (live.link_status, live.link_error, live.link_ok) == (200, "", True)
        assert (missing.link_status, missing.link_error, missing.link_ok) == (404, "", False)
        assert (hanging.link_status, hanging.link_error, hanging.link_ok) == (
            None,
            "timeout",
            False,
        )
        assert (no_head.link_status, no_head.link_ok) == (200, True)
        assert (redirect.link_status, redirect.link_ok) == (200, True)
        assert (redirect.link_redirect_url, redirect.link_redirect_status) == (
            site.url("/ok"),
            301,
        )
        assert (live.link_redirect_url, live.link_redirect_status) == ("", None)
        assert refused.link_status is None
        assert refused.link_error.startswith("connection error: ")

    def test_it_fetches_a_url_shared_by_two_skills_once(self, site: Site, track: Track) -> None:
        first = make_resource(make_skill(track, "python"), site.url("/ok"))
        second = make_resource(make_skill(track, "numpy"), site.url("/ok"))

        check_resource_links(Resource.objects.all(), timeout=TIMEOUT, concurrency=4, progress=None)

        assert site.requests == {("HEAD", "/ok"): 1}
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.link_status == second.link_status == 200

    def test_it_clears_an_old_error_when_the_link_recovers(self, site: Site, track: Track) -> None:
        resource = make_resource(make_skill(track, "python"), site.url("/ok"))
        Resource.objects.filter(pk=resource.pk).update(link_status=None, link_error="timeout")

        check_resource_links(Resource.objects.all(), timeout=TIMEOUT, concurrency=4, progress=None)

        resource.refresh_from_db()
        assert (resource.link_status, resource.link_error) == (200, "")

    def test_it_records_a_redirect_it_would_not_follow(self, site: Site, track: Track) -> None:
        resource = make_resource(make_skill(track, "python"), site.url("/to-ftp"))

        check_resource_links(Resource.objects.all(), timeout=TIMEOUT, concurrency=4)

        resource.refresh_from_db()
        assert (
            resource.link_status,
            resource.link_redirect_status,
            resource.link_redirect_url,
        ) == (301, 301, "ftp://files.example.org/book.pdf")

    def test_it_clears_the_redirect_note_once_the_link_stops_redirecting(
        self, site: Site, track: Track
    ) -> None:
        resource = make_resource(make_skill(track, "python"), site.url("/ok"))
        Resource.objects.filter(pk=resource.pk).update(
            link_redirect_url="https://elsewhere.example/", link_redirect_status=302
        )

        check_resource_links(Resource.objects.all(), timeout=TIMEOUT, concurrency=4)

        resource.refresh_from_db()
        assert (resource.link_redirect_url, resource.link_redirect_status) == ("", None)
        assert not Resource.objects.redirected().exists()

    def test_it_does_nothing_for_no_resources(self) -> None:
        assert check_resource_links(Resource.objects.none(), timeout=TIMEOUT, concurrency=4) == {}


def run_command(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("check_links", "--timeout", str(TIMEOUT), *args, stdout=out, stderr=err)
    # Not a terminal, so no progress bar is drawn.
    assert err.getvalue() == ""
    return out.getvalue()


@pytest.mark.django_db
class TestCheckLinksCommand:
    @pytest.fixture
    def resources(self, site: Site, track: Track) -> dict[str, Resource]:
        python = make_skill(track, "python")
        numpy = make_skill(track, "numpy")
        return {
            "ok": make_resource(python, site.url("/ok")),
            "missing": make_resource(python, site.url("/missing")),
            "hang": make_resource(numpy, site.url("/hang")),
            "no-head": make_resource(numpy, site.url("/no-head")),
            "redirect": make_resource(numpy, site.url("/redirect")),
        }

    def test_it_summarises_and_lists_the_broken_links(
        self, site: Site, resources: dict[str, Resource]
    ) -> None:
        output = run_command()

        assert "Checked 5 links: 3 ok, 1 broken, 1 timed out; 1 redirect elsewhere" in output
        summary_and_after = output.split("Checked 5 links")[1]
        assert f"{site.url('/missing')}  HTTP 404  (python)" in summary_and_after
        assert f"{site.url('/hang')}  timeout  (numpy)" in summary_and_after
        assert site.url("/ok") not in output

    def test_it_prints_each_broken_link_as_it_is_found(
        self, site: Site, resources: dict[str, Resource]
    ) -> None:
        output = run_command()

        before_summary = output.split("Checked 5 links")[0]
        assert f"{site.url('/missing')}  HTTP 404  (python)" in before_summary
        assert f"{site.url('/hang')}  timeout  (numpy)" in before_summary

    def test_it_saves_the_results(self, resources: dict[str, Resource]) -> None:
        run_command()

        assert {
            key: (r.link_status, r.link_error) for key, r in self._reloaded(resources).items()
        } == {
            "ok": (200, ""),
            "missing": (404, ""),
            "hang": (None, "timeout"),
            "no-head": (200, ""),
            "redirect": (200, ""),
        }

    def test_it_names_every_skill_sharing_a_broken_url(self, site: Site, track: Track) -> None:
        make_resource(make_skill(track, "python"), site.url("/missing"))
        make_resource(make_skill(track, "numpy"), site.url("/missing"))

        output = run_command()

        assert "Checked 1 links: 0 ok, 1 broken, 0 timed out" in output
        assert f"{site.url('/missing')}  HTTP 404  (numpy, python)" in output
        assert site.requests[("HEAD", "/missing")] == 1

    def test_it_exits_zero_with_broken_links(self, resources: dict[str, Resource]) -> None:
        run_command()  # Raises on a non-zero exit.

    def test_it_fails_on_broken_links_when_asked(self, resources: dict[str, Resource]) -> None:
        with pytest.raises(CommandError) as excinfo:
            run_command("--fail-on-broken")

        assert excinfo.value.returncode == 1
        assert Resource.objects.filter(link_checked_at__isnull=True).count() == 0

    def test_it_passes_fail_on_broken_when_all_links_work(self, site: Site, track: Track) -> None:
        make_resource(make_skill(track, "python"), site.url("/ok"))

        output = run_command("--fail-on-broken")

        assert "Checked 1 links: 1 ok, 0 broken, 0 timed out" in output

    def test_it_checks_only_one_skill(self, site: Site, resources: dict[str, Resource]) -> None:
        output = run_command("--skill", "python")

        assert "Checked 2 links: 1 ok, 1 broken, 0 timed out" in output
        reloaded = self._reloaded(resources)
        assert reloaded["ok"].link_checked_at is not None
        assert reloaded["hang"].link_checked_at is None
        assert ("HEAD", "/hang") not in site.requests

    def test_it_rejects_an_unknown_skill(self, resources: dict[str, Resource]) -> None:
        with pytest.raises(CommandError, match="No skill with slug 'nope'"):
            run_command("--skill", "nope")

    def test_only_broken_skips_links_that_passed(
        self, site: Site, resources: dict[str, Resource]
    ) -> None:
        run_command("--skill", "python")
        passed_at = self._reloaded(resources)["ok"].link_checked_at
        site.requests.clear()

        output = run_command("--only-broken")

        # /missing failed last time and the numpy links were never checked; /ok passed.
        assert "Checked 4 links: 2 ok, 1 broken, 1 timed out" in output
        assert self._reloaded(resources)["ok"].link_checked_at == passed_at
        assert site.requests[("HEAD", "/missing")] == 1

    def test_it_says_so_when_there_is_nothing_to_check(self) -> None:
        assert run_command() == "No links to check.\n"

    def test_it_rejects_a_concurrency_below_one(self) -> None:
        with pytest.raises(CommandError, match="--concurrency"):
            run_command("--concurrency", "0")

    @staticmethod
    def _reloaded(resources: dict[str, Resource]) -> dict[str, Resource]:
        fresh = Resource.objects.in_bulk([r.pk for r in resources.values()])
        return {key: fresh[r.pk] for key, r in resources.items()}
