import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db.models import Q
from tqdm import tqdm

from catalog.links import DEFAULT_CONCURRENCY, DEFAULT_TIMEOUT, LinkResult, check_resource_links
from catalog.models import Resource, Skill

# Not known to be OK: never checked, or the last check got no answer or a 4xx/5xx.
# Mirrors Resource.link_ok.
NOT_OK = (
    Q(link_checked_at__isnull=True)
    | Q(link_status__isnull=True)
    | Q(link_status__lt=200)
    | Q(link_status__gte=400)
)


class _BarStream:
    """Lets tqdm draw on a command's stream.

    tqdm redraws in place with carriage returns; OutputWrapper.write would append a
    newline to each redraw and, on a terminal, colour it as an error.
    """

    def __init__(self, wrapper: OutputWrapper) -> None:
        self._wrapper = wrapper

    def write(self, text: str) -> None:
        self._wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self._wrapper.flush()

    def isatty(self) -> bool:
        return self._wrapper.isatty()


@contextmanager
def _quiet_httpx() -> Iterator[None]:
    # httpx logs every request at INFO, and the root logger is at INFO: a line per
    # link would bury the progress bar and the broken links this command is for.
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Check that every resource URL answers, record the outcome on each resource, "
        "and report the broken ones."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            metavar="S",
            help=f"seconds to wait for each request (default {DEFAULT_TIMEOUT:g})",
        )
        parser.add_argument(
            "--concurrency",
            type=int,
            default=DEFAULT_CONCURRENCY,
            metavar="N",
            help=f"requests in flight at once (default {DEFAULT_CONCURRENCY})",
        )
        parser.add_argument(
            "--only-broken",
            action="store_true",
            help="skip links that passed their last check (never-checked ones are included)",
        )
        parser.add_argument("--skill", metavar="SLUG", help="only this skill's resources")
        parser.add_argument(
            "--fail-on-broken",
            action="store_true",
            help="exit with status 1 if any link is broken or timed out",
        )

    def handle(
        self,
        *args: Any,
        timeout: float,
        concurrency: int,
        only_broken: bool,
        skill: str | None,
        fail_on_broken: bool,
        **options: Any,
    ) -> None:
        if timeout <= 0:
            raise CommandError("--timeout must be more than 0 seconds.")
        if concurrency < 1:
            raise CommandError("--concurrency must be at least 1.")
        resources = Resource.objects.select_related("skill").order_by("url", "skill__slug")
        if skill is not None:
            if not Skill.objects.filter(slug=skill).exists():
                raise CommandError(f"No skill with slug {skill!r}.")
            resources = resources.filter(skill__slug=skill)
        if only_broken:
            resources = resources.filter(NOT_OK)
        resources_list = list(resources)

        # A URL can appear under several skills; reports name all of them.
        skills_by_url: dict[str, list[str]] = defaultdict(list)
        for resource in resources_list:
            skills_by_url[resource.url].append(resource.skill.slug)
        if not skills_by_url:
            self.stdout.write("No links to check.")
            return

        def line(result: LinkResult) -> str:
            slugs = ", ".join(skills_by_url[result.url])
            return f"{result.url}  {result.describe()}  ({slugs})"

        bar_stream = _BarStream(self.stderr)
        with (
            _quiet_httpx(),
            tqdm(
                total=len(skills_by_url),
                unit="link",
                file=bar_stream,
                # A log file or CI output gets the per-link lines below, not redraws.
                disable=not bar_stream.isatty(),
            ) as bar,
        ):

            def on_result(result: LinkResult) -> None:
                if not result.ok:
                    # Report it now, not only at the end: a full run can take minutes.
                    bar.clear()
                    self.stdout.write(self.style.WARNING(line(result)))
                    bar.refresh()
                bar.update(1)

            results = check_resource_links(
                resources_list, timeout=timeout, concurrency=concurrency, progress=on_result
            )

        failed = sorted(
            (result for result in results.values() if not result.ok), key=lambda r: r.url
        )
        timed_out = sum(result.timed_out for result in failed)
        ok = len(results) - len(failed)
        redirected = sum(result.redirected for result in results.values())
        summary = (
            f"Checked {len(results)} links: {ok} ok, "
            f"{len(failed) - timed_out} broken, {timed_out} timed out"
        )
        if redirected:
            summary += f"; {redirected} redirect elsewhere (admin shows where)"
        if failed:
            self.stdout.write("")
            self.stdout.write(self.style.WARNING(summary))
            for result in failed:
                self.stdout.write(f"  {line(result)}")
        else:
            self.stdout.write(self.style.SUCCESS(summary))

        if fail_on_broken and failed:
            raise CommandError(f"{len(failed)} of {len(results)} links failed.", returncode=1)
