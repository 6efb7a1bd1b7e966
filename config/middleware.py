"""Project-wide middleware: a request id for every log line, a friendly 503 when the
database is down, a body nobody can read refused early, and signed-in pages kept private.

Kept free of model imports: the logging filter below is loaded while settings are
configured, before the apps are ready.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
import zoneinfo
from collections.abc import Callable
from contextvars import ContextVar

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.core.signals import got_request_exception, request_finished
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_cache_control

logger = logging.getLogger(__name__)

# -- request id ------------------------------------------------------------------------------

REQUEST_ID_HEADER = "X-Request-ID"
# What a proxy may hand us: a UUID, nginx's $request_id (32 hex), a ULID... Anything else
# (spaces, newlines, quotes, 2 KB of junk) would let a client forge or break log lines.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    """The id of the request being served, or "-" outside a request."""
    return request_id_var.get()


class RequestIDFilter(logging.Filter):
    """Adds `record.request_id`, so every handler's format can show `%(request_id)s`.

    Attach it to handlers, not loggers: a logger's filters do not see the records its
    children propagate to it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RequestIDMiddleware:
    """Names each request: the proxy's `X-Request-ID` if it is a short safe token, else a
    new one. The id goes in every log line written while the request is served, on
    `request.request_id`, and back to the client in the `X-Request-ID` header, so a
    user's report ("it failed, id 3f2a…") leads straight to the log lines."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if SAFE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        # Not reset on the way out: Django logs 4xx and 5xx responses ("Not Found: /x")
        # after the middleware has returned. The request_finished signal resets it.
        request_id_var.set(request_id)
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response


def _forget_request_id(sender: object, **kwargs: object) -> None:
    request_id_var.set("-")


request_finished.connect(_forget_request_id, dispatch_uid="gradient-request-id")


# -- database unavailable --------------------------------------------------------------------

DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
_MARK = "_gradient_database_down"


def database_unavailable_response() -> HttpResponse:
    """The 503 page. Rendered with no request: sessions, the user and anything else that
    needs the database are out of reach, so the template is self-contained."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def _remember_database_down(
    sender: object, request: HttpRequest | None = None, **kw: object
) -> None:
    """Django turns an exception raised in any middleware or view into a 500 response
    right where it happens (and sends this signal first), so an outer middleware never
    sees the exception itself. Mark the request; the middleware swaps the 500 for a 503."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_DOWN):
        setattr(request, _MARK, True)


got_request_exception.connect(_remember_database_down, dispatch_uid="gradient-database-down")


class DatabaseUnavailableMiddleware:
    """When the database cannot be reached, answer a friendly 503 with `Retry-After`
    instead of a 500 that says "error".

    Placed outside the session, auth and message middleware, which touch the database
    themselves. A view's exception comes through `process_exception`; one raised in
    inner middleware or while rendering arrives as a 500 marked by the signal above.
    Only OperationalError and InterfaceError count (unreachable, restarting, locked,
    timed out: worth retrying); a failed query (IntegrityError, DataError,
    ProgrammingError) is a bug and stays a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False) and response.status_code >= 500:
            logger.error("Database unavailable: answered 503 for %s", request.path)
            return database_unavailable_response()
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_DOWN):
            return None
        logger.error("Database unavailable: answered 503 for %s", request.path, exc_info=exception)
        return database_unavailable_response()


# -- unreadable request bodies ---------------------------------------------------------------

UNREADABLE_BODY = (BadRequest, SuspiciousOperation, MultiPartParserError)


class UnreadableBodyMiddleware:
    """Reads a POST body once, before anything else does, and answers a styled 400 if it
    cannot be read: a form body that is not UTF-8, too large, with too many fields or
    files, or malformed multipart.

    Without this, Django raises while CsrfViewMiddleware reads the body, and its error
    views, wrapped in `requires_csrf_token`, read it again, raise again and end in a
    500 (Django 5.2 marks only multipart failures as already reported). Django's
    CsrfViewMiddleware reads every POST body anyway, so reading it here first costs
    nothing. Placed after the authentication middleware, so the 400 page knows who is
    signed in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            try:
                request.POST  # noqa: B018  # parse it now, once
            except UNREADABLE_BODY as error:
                request._mark_post_parse_error()  # type: ignore[attr-defined]
                logger.warning("Unreadable request body for %s: %s", request.path, error)
                response = render(request, "400.html", status=400)
                response._has_been_logged = True  # type: ignore[attr-defined]  # once, above
                return response
        return self.get_response(request)


# -- personal pages --------------------------------------------------------------------------


class PrivatePagesMiddleware:
    """`Cache-Control: private, no-cache` on every response to a signed-in user that says
    nothing of its own: such a page shows that user's data (even the catalog shows their
    statuses), so no shared cache may keep it, and the browser asks again before reusing it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        return response


# -- the learner's time zone -------------------------------------------------------------------


class UserTimeZoneMiddleware:
    """Days, weeks, streaks and the calendar in the signed-in learner's own time zone
    (`User.time_zone`), the server's (settings.TIME_ZONE) for everyone else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        zone = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
        if zone:
            try:
                timezone.activate(zoneinfo.ZoneInfo(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):  # a name this machine lost
                timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
