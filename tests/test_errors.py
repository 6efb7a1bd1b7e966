"""Error pages, request ids in the logs, and a friendly 503 when the database is down.

The views that fail on purpose live in this module's own URLconf (ROOT_URLCONF is
switched to it), so the real URLs never gain a crashing route.
"""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import IntegrityError, OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from config import urls as real_urls
from config.middleware import RequestIDFilter, current_request_id
from tracker.models import User

logger = logging.getLogger("gradient.tests")
SECRET = "secret-detail-5c1e"  # exception text that must never reach the visitor


def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"the view broke: {SECRET}")


def forbid(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET)


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET)


def bad_query(request: HttpRequest) -> HttpResponse:
    raise IntegrityError(f"duplicate key: {SECRET}")


def noisy(request: HttpRequest) -> HttpResponse:
    logger.warning("the noisy view says hello")
    return HttpResponse(current_request_id())


urlpatterns = [
    path("test/crash/", crash),
    path("test/forbid/", forbid),
    path("test/suspicious/", suspicious),
    path("test/bad-query/", bad_query),
    path("test/noisy/", noisy),
    *real_urls.urlpatterns,
]

with_test_urls = override_settings(ROOT_URLCONF=__name__, DEBUG=False)


def quiet_client() -> Client:
    """A client that gets the 500 page, as a browser would, instead of the exception."""
    return Client(raise_request_exception=False)


def assert_site_layout(html: str) -> None:
    assert 'class="site-header"' in html
    assert 'class="error-page"' in html
    assert "/static/css/app.css" in html
    assert 'name="htmx-config"' in html  # base.html, not a bare page


def assert_no_leak(html: str) -> None:
    for word in (SECRET, "Traceback", "RuntimeError", "IntegrityError", "OperationalError"):
        assert word not in html, word


# -- styled error pages ----------------------------------------------------------------------


@pytest.mark.django_db
@with_test_urls
def test_404_is_the_styled_page() -> None:
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert_site_layout(html)
    assert "We couldn’t find that page" in html
    assert response["Content-Security-Policy"]


@pytest.mark.django_db
@with_test_urls
def test_403_is_the_styled_page_without_the_reason() -> None:
    response = Client().get("/test/forbid/")
    assert response.status_code == 403
    html = response.content.decode()
    assert_site_layout(html)
    assert "You can’t open this page" in html
    assert_no_leak(html)


@pytest.mark.django_db
@with_test_urls
def test_a_csrf_failure_is_the_styled_403(alice: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    response = client.post("/mentors/invites/")
    assert response.status_code == 403
    assert_site_layout(response.content.decode())


@pytest.mark.django_db
@with_test_urls
def test_400_is_the_styled_page_without_the_reason() -> None:
    response = Client().get("/test/suspicious/")
    assert response.status_code == 400
    html = response.content.decode()
    assert_site_layout(html)
    assert "That request didn’t make sense to us" in html
    assert_no_leak(html)


@pytest.mark.django_db
@with_test_urls
def test_an_oversize_body_is_the_styled_400(catalog, alice: User) -> None:
    client = Client()
    client.force_login(alice)
    response = client.post("/progress/skill-1-1/note/", {"note": "x" * 3_000_000})
    assert response.status_code == 400
    assert_site_layout(response.content.decode())


NOT_UTF8 = "application/x-www-form-urlencoded; charset=iso-8859-1"


@pytest.mark.django_db
@with_test_urls
@pytest.mark.parametrize("signed_in", [False, True])
@pytest.mark.parametrize(
    ("path", "content_type", "body"),
    [
        ("/accounts/login/", NOT_UTF8, b"login=%e9&password=x"),
        ("/progress/skill-1-1/note/", NOT_UTF8, b"note=caf%e9"),
        ("/account/profile/", NOT_UTF8, b"first_name=Ren%e9"),
        ("/projects/new/", "multipart/form-data", b"--xyz\r\nbroken"),  # no boundary
        ("/no-such-page/", NOT_UTF8, b"x=%e9"),
    ],
)
def test_an_unreadable_body_is_a_styled_400_logged_once(
    catalog, alice: User, caplog, signed_in: bool, path: str, content_type: str, body: bytes
) -> None:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    if signed_in:
        client.force_login(alice)
    client.get("/catalog/" if signed_in else "/accounts/login/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    with caplog.at_level(logging.WARNING):
        response = client.generic(
            "POST", path, body, content_type=content_type, HTTP_X_CSRFTOKEN=token
        )
    assert response.status_code == 400
    html = response.content.decode()
    assert_site_layout(html)
    assert "That request didn’t make sense to us" in html
    assert (alice.username in html) == signed_in
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert path in warnings[0].getMessage()


@pytest.mark.django_db
@with_test_urls
def test_500_is_the_self_contained_page_with_no_traceback() -> None:
    response = quiet_client().get("/test/crash/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "/static/css/app.css" in html
    assert 'class="error-page"' in html
    assert_no_leak(html)
    assert response["Content-Security-Policy"]


@pytest.mark.django_db
@with_test_urls
def test_a_failed_query_stays_a_500() -> None:
    """Only an unreachable database is a 503; a bug in a query is not "try again"."""
    response = quiet_client().get("/test/bad-query/")
    assert response.status_code == 500
    assert_no_leak(response.content.decode())


# -- request ids -----------------------------------------------------------------------------


@pytest.fixture
def log_output():
    """What the configured console handler writes, read back as text."""
    handlers = [
        h
        for h in logging.getLogger().handlers
        if any(isinstance(f, RequestIDFilter) for f in h.filters)
    ]
    assert handlers, "no handler carries the request-id filter"
    buffer = io.StringIO()
    previous = [h.setStream(buffer) for h in handlers]  # type: ignore[attr-defined]
    yield buffer
    for h, stream in zip(handlers, previous, strict=True):
        h.setStream(stream)  # type: ignore[attr-defined]


@pytest.mark.django_db
@with_test_urls
def test_a_request_gets_an_id_in_its_header_and_its_log_lines(log_output: io.StringIO) -> None:
    response = Client().get("/test/noisy/")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert response.content.decode() == request_id
    lines = [line for line in log_output.getvalue().splitlines() if "noisy view" in line]
    assert len(lines) == 1
    assert f"[{request_id}]" in lines[0]


@pytest.mark.django_db
@with_test_urls
def test_a_safe_incoming_id_is_kept(log_output: io.StringIO) -> None:
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="lb-7f3a9c01-2b")
    assert response["X-Request-ID"] == "lb-7f3a9c01-2b"
    assert "[lb-7f3a9c01-2b] django.request Not Found: /no-such-page/" in log_output.getvalue()


@pytest.mark.django_db
@with_test_urls
@pytest.mark.parametrize(
    "incoming",
    ["short", "x" * 65, "two words here", "id\nFAKE ERROR line", "<script>", "-leading-dash"],
)
def test_an_unsafe_incoming_id_is_replaced(incoming: str) -> None:
    response = Client().get("/test/noisy/", HTTP_X_REQUEST_ID=incoming)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


@pytest.mark.django_db
@with_test_urls
def test_the_500_log_line_carries_the_id_the_visitor_sees(log_output: io.StringIO) -> None:
    response = quiet_client().get("/test/crash/")
    line = next(x for x in log_output.getvalue().splitlines() if "Internal Server Error" in x)
    assert f"[{response['X-Request-ID']}]" in line


def test_outside_a_request_the_id_is_a_dash(log_output: io.StringIO) -> None:
    logger.warning("no request here")
    assert "[-] gradient.tests no request here" in log_output.getvalue()


# -- the database is down --------------------------------------------------------------------


def assert_friendly_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Request-ID"]
    assert response["Content-Security-Policy"]
    html = response.content.decode()
    assert "Gradient is taking a short break" in html
    assert "/static/css/app.css" in html
    assert_no_leak(html)
    text = re.sub(r"<[^>]+>", " ", html.split("<body>")[1])
    assert "error" not in text.lower()  # what the visitor reads


@pytest.fixture
def queries_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self, sql, params=None):  # type: ignore[no-untyped-def]
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)


def cut_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    """As when the server is down: no connection can be made at all."""

    def refuse(self):  # type: ignore[no-untyped-def]
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: refused')

    monkeypatch.setattr(BaseDatabaseWrapper, "ensure_connection", refuse)


@pytest.fixture
def database_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    cut_the_database(monkeypatch)


@pytest.mark.django_db
def test_a_page_answers_503_when_queries_fail(catalog, queries_fail) -> None:
    assert_friendly_503(quiet_client().get("/catalog/"))


@pytest.mark.django_db
def test_pages_and_healthz_answer_503_when_the_database_is_unreachable(
    catalog, database_unreachable
) -> None:
    assert_friendly_503(quiet_client().get("/catalog/"))
    health = quiet_client().get("/healthz")
    assert health.status_code == 503
    assert health["Content-Type"] == "application/json"
    assert health.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_a_signed_in_page_answers_503_when_the_database_is_unreachable(
    catalog, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session and the user are read from the database too."""
    client = quiet_client()
    client.force_login(alice)
    cut_the_database(monkeypatch)
    for page in ("/dashboard/", "/catalog/track-1/", "/projects/"):
        assert_friendly_503(client.get(page))
    assert_friendly_503(client.post("/progress/skill-1-1/", {"status": "done"}))


class TouchUserMiddleware:
    """Like any middleware that looks at request.user before the view runs."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user.is_authenticated  # noqa: B018 - loads the session and the user
        return self.get_response(request)


@pytest.mark.django_db
def test_a_database_error_in_middleware_is_a_503_too(
    settings, catalog, alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware")
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[: auth + 1],
        f"{__name__}.TouchUserMiddleware",
        *settings.MIDDLEWARE[auth + 1 :],
    ]
    client = quiet_client()
    client.force_login(alice)
    cut_the_database(monkeypatch)
    assert_friendly_503(client.get("/catalog/"))
