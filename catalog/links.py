"""Checking that resource URLs still answer.

`check_urls` does the network part concurrently and knows nothing about Django;
`check_resource_links` runs it for a set of resources and records the outcome on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from .models import Resource

DEFAULT_TIMEOUT = 10.0
DEFAULT_CONCURRENCY = 16
# As many hops as browsers and httpx allow before calling it a loop.
MAX_REDIRECTS = 20
USER_AGENT = "GradientLinkChecker/1.0"
TIMEOUT_ERROR = "timeout"
# Resource.link_error is a CharField(max_length=200).
MAX_ERROR_LENGTH = 200
# Resource.link_redirect_url is a CharField(max_length=2000).
MAX_REDIRECT_URL_LENGTH = 2000

# Servers that refuse or botch HEAD but serve GET fine; a link is only broken if GET fails too.
_RETRY_WITH_GET = frozenset({403, 405, 501})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_WEB_SCHEMES = frozenset({"http", "https"})


@dataclass(frozen=True)
class LinkResult:
    """The outcome of checking one URL: an HTTP status, or None and why there was none.

    When the URL answered with a redirect, `redirect_status` is that first answer's status
    (301, 302...) and `redirect_url` where the redirects led: the last address reached (whose
    answer is `status`), or the first address the checker would not follow (see
    `refuses_redirect`), in which case `status` is the redirect itself.
    """

    url: str
    status: int | None
    error: str = ""
    redirect_url: str = ""
    redirect_status: int | None = None

    @property
    def ok(self) -> bool:
        # Same rule as Resource.link_ok, so the report and the site agree.
        return self.status is not None and 200 <= self.status < 400

    @property
    def timed_out(self) -> bool:
        return self.error == TIMEOUT_ERROR

    @property
    def redirected(self) -> bool:
        return bool(self.redirect_url)

    def describe(self) -> str:
        """A short human reading of the outcome, e.g. "HTTP 404" or "timeout"."""
        return f"HTTP {self.status}" if self.status is not None else self.error


Progress = Callable[[LinkResult], None]


def refuses_redirect(source: str, target: str) -> str:
    """Why a redirect from `source` to `target` is not to be followed (or accepted), or "".

    Only web addresses are followed (not `ftp:`, `file:`, `javascript:`...), and never from
    https down to plain http: a curator would not knowingly swap a secure link for one
    anybody on the way can rewrite. Plain http to http stays allowed: the link was so already.
    """
    try:
        target_scheme = httpx.URL(target).scheme
    except httpx.InvalidURL:
        return "it is not a valid address"
    if target_scheme not in _WEB_SCHEMES:
        return f"it leads off the web (a {target_scheme or 'relative'}: address)"
    if httpx.URL(source).scheme == "https" and target_scheme == "http":
        return "it leads from https to plain http"
    return ""


def _error(prefix: str, exc: BaseException) -> str:
    # Some httpx exceptions have an empty message; the class name is better than nothing.
    detail = str(exc) or type(exc).__name__
    return f"{prefix}: {detail}"[:MAX_ERROR_LENGTH]


class _Redirected(Exception):
    def __init__(self, status: int, location: str) -> None:
        super().__init__(status, location)
        self.status = status
        self.location = location


async def _stop_at_redirect(response: httpx.Response) -> None:
    """A response hook: hands a redirect's status and raw Location to `_fetch_once`.

    httpx builds the next request from a Location even when not following it, and fails on
    one such as "javascript:..." or "mailto:..."; a hook runs before that, and what it raises
    comes out of the request call.
    """
    if response.status_code in _REDIRECTS and "location" in response.headers:
        raise _Redirected(response.status_code, response.headers["location"])


async def _fetch_once(
    client: httpx.AsyncClient, url: httpx.URL, timeout: float
) -> tuple[int, str | None]:
    """One address's status and, if it redirects, its Location; no redirect followed."""
    # httpx's timeout applies to each connect/read/write separately, so a server that
    # trickles bytes could hold a slot forever; asyncio.timeout caps the whole request.
    try:
        async with asyncio.timeout(timeout):
            response = await client.head(url)
        if response.status_code not in _RETRY_WITH_GET:
            return response.status_code, None
    except _Redirected as redirect:
        return redirect.status, redirect.location
    except httpx.ProtocolError:
        pass  # Some servers drop the connection or answer nonsense to HEAD; try GET.
    try:
        async with asyncio.timeout(timeout), client.stream("GET", url) as response:
            # Leaving the block without reading closes the connection: the body may be
            # a large video or PDF, and the status line is all we need.
            return response.status_code, None
    except _Redirected as redirect:
        return redirect.status, redirect.location


async def _fetch(client: httpx.AsyncClient, url: str, timeout: float) -> LinkResult:
    # Redirects are followed here, hop by hop, rather than by httpx: each target is
    # looked at before it is fetched, and the checker records where the link went.
    current = httpx.URL(url)
    first_redirect: int | None = None
    for _ in range(MAX_REDIRECTS + 1):
        status, location = await _fetch_once(client, current, timeout)
        if location is None:
            if first_redirect is None or current == httpx.URL(url):
                # No redirect, or a round trip (a cookie or session check) back to the URL.
                return LinkResult(url, status)
            return LinkResult(url, status, "", _clip(current), first_redirect)
        target = current.join(location)
        if first_redirect is None:
            first_redirect = status
        if refuses_redirect(str(current), str(target)):
            # Record what was seen; the admin shows it and will not accept it.
            return LinkResult(url, status, "", _clip(target), first_redirect)
        current = target
    raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")


def _clip(url: httpx.URL) -> str:
    return str(url)[:MAX_REDIRECT_URL_LENGTH]


async def _check_one(client: httpx.AsyncClient, url: str, timeout: float) -> LinkResult:
    try:
        return await _fetch(client, url, timeout)
    except (httpx.TimeoutException, TimeoutError):
        return LinkResult(url, None, TIMEOUT_ERROR)
    except httpx.TooManyRedirects:
        return LinkResult(url, None, "too many redirects")
    except (httpx.ConnectError, httpx.NetworkError) as exc:
        return LinkResult(url, None, _error("connection error", exc))
    except httpx.ProtocolError as exc:
        return LinkResult(url, None, _error("protocol error", exc))
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return LinkResult(url, None, _error("invalid URL", exc))
    except Exception as exc:
        # One odd URL must not lose the results of a long run; record it and go on.
        return LinkResult(url, None, _error(type(exc).__name__, exc))


async def check_urls(
    urls: Iterable[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress | None = None,
) -> dict[str, LinkResult]:
    """Check each distinct URL once, at most `concurrency` at a time, following redirects
    to web addresses (`refuses_redirect` says which are not followed) and noting them.

    Tries HEAD first and falls back to a streamed GET when HEAD is refused (403, 405,
    501) or fails at the protocol level. Network failures never raise: they come back
    as a result with `status=None` and an `error` ("timeout", "connection error: ...").

    `progress` is called with each result as it finishes, from the event loop: it must
    be quick and must not touch the database.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    unique_urls = list(dict.fromkeys(urls))
    semaphore = asyncio.Semaphore(concurrency)

    async def run(client: httpx.AsyncClient, url: str) -> LinkResult:
        async with semaphore:
            result = await _check_one(client, url, timeout)
        if progress is not None:
            progress(result)
        return result

    async with httpx.AsyncClient(
        follow_redirects=False,
        event_hooks={"response": [_stop_at_redirect]},
        timeout=httpx.Timeout(timeout),
        headers={"User-Agent": USER_AGENT},
        # As many connections as workers, so no request waits on the pool and times out
        # for a reason that has nothing to do with the server it is checking.
        limits=httpx.Limits(max_connections=concurrency),
    ) as client:
        results = await asyncio.gather(*(run(client, url) for url in unique_urls))
    return {result.url: result for result in results}


def check_resource_links(
    resources: Iterable[Resource],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress | None = None,
) -> dict[str, LinkResult]:
    """Check the URLs of `resources` and save `link_status`, `link_error`,
    `link_checked_at` and the redirect fields on every one of them.

    A URL shared by several resources is fetched once. Evaluates `resources` (one
    query if it is a queryset) and writes with `bulk_update`. Runs its own event loop,
    so it must be called from synchronous code. Returns the results by URL.
    """
    # Evaluated before the event loop starts: Django refuses ORM calls inside one.
    resources = list(resources)
    if not resources:
        return {}
    results = asyncio.run(
        check_urls(
            (resource.url for resource in resources),
            timeout=timeout,
            concurrency=concurrency,
            progress=progress,
        )
    )
    checked_at = timezone.now()
    for resource in resources:
        result = results[resource.url]
        resource.link_status = result.status
        resource.link_error = result.error
        resource.link_checked_at = checked_at
        resource.link_redirect_url = result.redirect_url
        resource.link_redirect_status = result.redirect_status
    Resource.objects.bulk_update(
        resources,
        [
            "link_status",
            "link_error",
            "link_checked_at",
            "link_redirect_url",
            "link_redirect_status",
        ],
        batch_size=500,
    )
    return results


@dataclass
class Accepted:
    """What `accept_redirects` did: the resources moved, and those kept with the reason."""

    moved: list[Resource] = field(default_factory=list)
    kept: list[tuple[Resource, str]] = field(default_factory=list)


@transaction.atomic
def accept_redirects(resources: QuerySet[Resource]) -> Accepted:
    """Point each of `resources` at the address its URL was last found to redirect to, and
    clear the redirect note; the last check's status stays, as it is the new address's.

    Keeps, untouched, a resource with no redirect recorded, one whose new address the checker
    would not follow (`refuses_redirect`) or the URL field would not take, and one whose new
    address another resource of the same skill already has (the unique (skill, url)
    constraint), counting those moved in the same call. Three queries: the resources, the
    addresses already taken, one update.
    """
    moved: list[Resource] = []
    kept: list[tuple[Resource, str]] = []
    candidates: list[Resource] = []
    url_field = Resource._meta.get_field("url")
    for resource in resources.order_by("pk"):
        target = resource.link_redirect_url
        reason = refuses_redirect(resource.url, target) if target else "no redirect is recorded"
        if not reason:
            try:
                url_field.run_validators(target)
            except ValidationError as exc:
                reason = f"the new address will not do as a URL ({' '.join(exc.messages)})"
        if reason:
            kept.append((resource, reason))
        else:
            candidates.append(resource)
    # Old addresses are not freed for others in the same call: one UPDATE swapping two
    # URLs would still break the constraint on PostgreSQL, which checks it row by row.
    taken: dict[tuple[int, str], str] = {
        (skill_id, url): title
        for skill_id, url, title in Resource.objects.filter(
            skill_id__in={r.skill_id for r in candidates},
            url__in={r.link_redirect_url for r in candidates},
        ).values_list("skill_id", "url", "title")
    }
    for resource in candidates:
        target = resource.link_redirect_url
        holder = taken.get((resource.skill_id, target))
        if holder is not None and target != resource.url:
            kept.append((resource, f"“{holder}” in the same skill already has {target}"))
            continue
        taken[(resource.skill_id, target)] = resource.title
        resource.url = target
        resource.link_redirect_url = ""
        resource.link_redirect_status = None
        moved.append(resource)
    Resource.objects.bulk_update(moved, ["url", "link_redirect_url", "link_redirect_status"])
    return Accepted(moved=moved, kept=kept)
