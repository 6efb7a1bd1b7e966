"""Checking that resource URLs still answer.

`check_urls` does the network part concurrently and knows nothing about Django;
`check_resource_links` runs it for a set of resources and records the outcome on them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx
from django.utils import timezone

from .models import Resource

DEFAULT_TIMEOUT = 10.0
DEFAULT_CONCURRENCY = 16
USER_AGENT = "GradientLinkChecker/1.0"
TIMEOUT_ERROR = "timeout"
# Resource.link_error is a CharField(max_length=200).
MAX_ERROR_LENGTH = 200

# Servers that refuse or botch HEAD but serve GET fine; a link is only broken if GET fails too.
_RETRY_WITH_GET = frozenset({403, 405, 501})


@dataclass(frozen=True)
class LinkResult:
    """The outcome of checking one URL: an HTTP status, or None and why there was none."""

    url: str
    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        # Same rule as Resource.link_ok, so the report and the site agree.
        return self.status is not None and 200 <= self.status < 400

    @property
    def timed_out(self) -> bool:
        return self.error == TIMEOUT_ERROR

    def describe(self) -> str:
        """A short human reading of the outcome, e.g. "HTTP 404" or "timeout"."""
        return f"HTTP {self.status}" if self.status is not None else self.error


Progress = Callable[[LinkResult], None]


def _error(prefix: str, exc: BaseException) -> str:
    # Some httpx exceptions have an empty message; the class name is better than nothing.
    detail = str(exc) or type(exc).__name__
    return f"{prefix}: {detail}"[:MAX_ERROR_LENGTH]


async def _fetch_status(client: httpx.AsyncClient, url: str, timeout: float) -> int:
    # httpx's timeout applies to each connect/read/write separately, so a server that
    # trickles bytes could hold a slot forever; asyncio.timeout caps the whole request.
    try:
        async with asyncio.timeout(timeout):
            response = await client.head(url)
        if response.status_code not in _RETRY_WITH_GET:
            return response.status_code
    except httpx.ProtocolError:
        pass  # Some servers drop the connection or answer nonsense to HEAD; try GET.
    async with asyncio.timeout(timeout), client.stream("GET", url) as response:
        # Leaving the block without reading closes the connection: the body may be
        # a large video or PDF, and the status line is all we need.
        return response.status_code


async def _check_one(client: httpx.AsyncClient, url: str, timeout: float) -> LinkResult:
    try:
        status = await _fetch_status(client, url, timeout)
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
    return LinkResult(url, status)


async def check_urls(
    urls: Iterable[str],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    concurrency: int = DEFAULT_CONCURRENCY,
    progress: Progress | None = None,
) -> dict[str, LinkResult]:
    """Check each distinct URL once, at most `concurrency` at a time, following redirects.

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
        follow_redirects=True,
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
    """Check the URLs of `resources` and save `link_status`, `link_error` and
    `link_checked_at` on every one of them.

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
    Resource.objects.bulk_update(
        resources, ["link_status", "link_error", "link_checked_at"], batch_size=500
    )
    return results
