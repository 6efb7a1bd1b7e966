"""Role paths as a learner sees them: every path with its hours and your progress, one
path's skills in stages with their status controls, and its map."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from catalog.snapshot import PathNode, get_catalog

from . import rules
from .browse import map_page
from .models import Status


@dataclass(frozen=True)
class PathProgress:
    done: int
    counted: int  # required skills, less those skipped
    percent: int


def path_progress(path: PathNode, statuses: Mapping[int, str]) -> PathProgress:
    """Completion of a path's required skills, by the completion rule."""
    done = sum(1 for pk in path.required_ids if statuses.get(pk) == Status.DONE)
    skipped = sum(1 for pk in path.required_ids if statuses.get(pk) == Status.SKIPPED)
    counted = len(path.required_ids) - skipped
    return PathProgress(done, counted, rules.completion_percent(done, counted))


def _statuses(request: HttpRequest) -> dict[int, str]:
    return rules.status_map(request.user) if request.user.is_authenticated else {}


def _path(slug: str) -> PathNode:
    path = get_catalog().path_by_slug(slug)
    if path is None:
        raise Http404("No such path.")
    return path


@require_safe
def path_index(request: HttpRequest) -> HttpResponse:
    statuses = _statuses(request)
    paths = [
        (path, path_progress(path, statuses) if request.user.is_authenticated else None)
        for path in get_catalog().paths
    ]
    return render(request, "browse/paths.html", {"nav": "catalog", "paths": paths})


@require_safe
def path_detail(request: HttpRequest, slug: str) -> HttpResponse:
    catalog = get_catalog()
    path = _path(slug)
    statuses = _statuses(request)
    stages = [
        (
            stage.title,
            [
                (catalog.skills[pk], rules.status_of(statuses, pk), required)
                for pk, required in stage.steps
            ],
        )
        for stage in path.stages
    ]
    context = {
        "nav": "catalog",
        "path": path,
        "stages": stages,
        "progress": path_progress(path, statuses) if request.user.is_authenticated else None,
    }
    return render(request, "browse/path.html", context)


@require_safe
def path_map(request: HttpRequest, slug: str) -> HttpResponse:
    path = _path(slug)
    return map_page(request, f"Map of the {path.title} path", path.title, path.url, path.skill_ids)
