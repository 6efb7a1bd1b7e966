"""Whole pages kept until what they show changes.

A signed-in learner opens the same few pages all day, and most visits find nothing new.
`render_kept` keeps each rendered page in this server process's memory under a key that
changes whenever its content may: the viewer's and the shown users' revisions (which
every write bumps, see tracker/revisions.py), the catalog's build, the date (streaks,
calendars, "today"), the full path and the template. A visit that finds its key skips
every query but the session's and the user's, and all rendering.

The one part of a page that differs on every response is the CSRF token: pages are
rendered with a placeholder in its place (unguessable, per process), and each response
gets a freshly masked token. A page with flash messages to show is never kept or served
from memory, so a message still shows exactly once.

The memory is per process (LocMemCache, the `pages` alias): no network round trip, no
shared state to invalidate, since a stale key is never asked for again; it holds the
pages compressed, a few kilobytes each, and drops the least recently used past its
MAX_ENTRIES.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import zlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from catalog.snapshot import Catalog, get_catalog

PLACEHOLDER = "csrf-" + secrets.token_hex(16)
_builds = itertools.count()


def csrf_placeholder(request: HttpRequest) -> dict[str, str]:
    """Context processor: the placeholder instead of a token while a kept page renders."""
    return {"csrf_token": PLACEHOLDER} if getattr(request, "_keeping_page", False) else {}


def _catalog_build(catalog: Catalog) -> int:
    """A number for this process's catalog copy, new whenever the copy is rebuilt."""
    return catalog.memo.setdefault("page-build", next(_builds))  # type: ignore[no-any-return]


def revision_of(user: Any) -> tuple[int, int]:
    return (user.pk, user.revision) if user.is_authenticated else (0, 0)


def render_kept(
    request: HttpRequest,
    template: str,
    context: Callable[[], dict[str, Any]],
    *,
    shows: tuple[Any, ...] = (),
) -> HttpResponse:
    """Render `template` with `context()`, or answer with the page kept for this key.

    `shows` names what else the page depends on beyond the viewer, the catalog, the date
    and the path: usually (user.pk, user.revision) of the user whose data is shown, or a
    cached figure's timestamp. Call it after the access checks: a kept page is served to
    whoever reaches the call with the same key.
    """
    seconds = settings.PAGE_CACHE_SECONDS
    if not seconds or request.method != "GET" or request.htmx or get_messages(request):
        return render(request, template, context())
    key = (
        "page:"
        + hashlib.blake2b(
            repr(
                (
                    template,
                    request.get_full_path(),
                    _catalog_build(get_catalog()),
                    timezone.localdate().isoformat(),
                    revision_of(request.user),
                    shows,
                )
            ).encode(),
            digest_size=20,
        ).hexdigest()
    )
    store = caches["pages"]
    packed = store.get(key)
    if packed is None:
        request._keeping_page = True  # type: ignore[attr-defined]
        try:
            html = render_to_string(template, context(), request)
        finally:
            request._keeping_page = False  # type: ignore[attr-defined]
        store.set(key, zlib.compress(html.encode(), 1), seconds)
    else:
        html = zlib.decompress(packed).decode()
    return HttpResponse(html.replace(PLACEHOLDER, get_token(request)))
