"""The catalog as a learner sees it: the curriculum's pages, each with the signed-in
learner's status on every skill. The catalog app keeps the data; its pages live here,
because they show the tracker's data and the catalog never imports the tracker."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from catalog import search
from catalog.models import Resource
from catalog.snapshot import ResourceNode, SkillNode, TrackNode, get_catalog

from ..account.models import User
from ..http import HtmxHttpRequest, published_skill
from ..markdown import render_markdown
from ..mentoring.models import Feedback
from ..mentoring.rules import threads_for_viewer
from ..portfolio.rules import projects_as_evidence
from ..templating import render_fragment
from . import maps, rules
from .forms import SkillLinkForm
from .models import ResourceUse, SkillLink, Status

STATUS_FILTERS = [("", "All"), *Status.choices]


@require_safe
def catalog_index(request: HtmxHttpRequest) -> HttpResponse:
    catalog = get_catalog()
    query = request.GET.get("q", "").strip()[: search.MAX_QUERY_LENGTH]
    matches: list[search.Match] | None = None
    if query:
        # The database ranks; the process's catalog copy says what matched.
        ids = search.search_skills(query)
        matches = [search.describe(catalog.skills[pk], query) for pk in ids if pk in catalog.skills]
    user = request.user
    states = rules.status_map(user) if user.is_authenticated else {}
    overview = rules.overview(states, catalog) if user.is_authenticated else None
    context = {
        "nav": "catalog",
        "catalog": catalog,
        "track_rows": [
            (track, overview.for_track(track.id) if overview else None) for track in catalog.tracks
        ],
        "query": query,
        "results": [
            (
                m,
                catalog.track(m.skill.track_id),
                rules.status_of(states, m.skill.id) if overview else "",
            )
            for m in matches or []
        ],
        "searched": matches is not None,
        "search_limit": search.DEFAULT_LIMIT,
    }
    if request.htmx and request.htmx.target == "search-results":
        return render_fragment(request, "browse/index.html", ["search_results"], context)
    return render(request, "browse/index.html", context)


@require_safe
def track_detail(request: HttpRequest, slug: str) -> HttpResponse:
    catalog = get_catalog()
    track = catalog.track_by_slug(slug)
    if track is None:
        raise Http404("No such track in the catalog.")
    return render(request, "browse/track.html", _track_context(request, track))


def _track_context(request: HttpRequest, track: TrackNode) -> dict[str, Any]:
    catalog = get_catalog()
    user = request.user
    progress = {}
    if user.is_authenticated:  # this track's rows only: a learner may have hundreds
        progress = rules.progress_rows(user, notes=False, skill_ids=track.skill_ids)
    states = rules.statuses_of(progress)
    stats = None
    if user.is_authenticated:
        stats = rules.overview(states, catalog, track_ids=[track.id]).tracks[0]
    wanted = request.GET.get("status", "")
    if wanted not in Status.values:
        wanted = ""
    rows = []
    for skill in catalog.skills_of(track):
        status = rules.status_of(states, skill.id)
        if wanted and status != wanted:
            continue
        rows.append((skill, status, progress.get(skill.id)))
    return {
        "nav": "catalog",
        "catalog": catalog,
        "track": track,
        "rows": rows,
        "stats": stats,
        "status_filter": wanted,
        "status_filter_label": Status(wanted).label if wanted else "",
        "filters": STATUS_FILTERS,
    }


@require_safe
def track_map(request: HttpRequest, slug: str) -> HttpResponse:
    """The track's prerequisite graph, drawn: every skill a link, with the learner's status."""
    catalog = get_catalog()
    track = catalog.track_by_slug(slug)
    if track is None:
        raise Http404("No such track in the catalog.")
    return map_page(request, f"Map of {track.title}", track.title, track.url, track.skill_ids)


def map_page(
    request: HttpRequest, heading: str, parent: str, parent_url: str, skill_ids: Iterable[int]
) -> HttpResponse:
    """A map of these skills (a track's, a path's): their prerequisites among them drawn as
    arrows, the others listed inside each skill."""
    catalog = get_catalog()
    skills = [catalog.skills[pk] for pk in skill_ids]
    inside = {skill.id for skill in skills}
    elsewhere = {p for skill in skills for p in skill.prerequisites if p not in inside}
    states: dict[int, str] = {}
    if request.user.is_authenticated:
        rows = rules.progress_rows(request.user, notes=False, skill_ids=[*inside, *elsewhere])
        states = rules.statuses_of(rows)
    stubs = {
        skill.id: [
            (catalog.skills[p], catalog.track(catalog.skills[p].track_id))
            for p in skill.prerequisites
            if p in elsewhere
        ]
        for skill in skills
    }
    drawing = maps.layout(
        [skill.id for skill in skills], {skill.id: skill.prerequisites for skill in skills}, stubs
    )
    nodes = [
        (node, catalog.skills[node.id], rules.status_of(states, node.id), maps.title_lines(
            catalog.skills[node.id].title))
        for node in drawing.nodes.values()
    ]  # fmt: skip
    in_order = sorted(drawing.nodes.values(), key=lambda node: (node.row, node.slot))
    return render(
        request,
        "browse/map.html",
        {
            "nav": "catalog",
            "heading": heading,
            "parent": parent,
            "parent_url": parent_url,
            "drawing": drawing,
            "node_width": maps.NODE_WIDTH,
            "nodes": nodes,
            "listed": [
                (
                    catalog.skills[node.id],
                    rules.status_of(states, node.id),
                    catalog.prerequisites_of(catalog.skills[node.id]),
                )
                for node in in_order
            ],
        },
    )


@require_safe
def skill_detail(request: HttpRequest, slug: str) -> HttpResponse:
    skill = published_skill(slug)
    response = render(request, "browse/skill.html", _skill_context(request, skill))
    if request.user.is_authenticated:  # its forms carry one-time keys
        add_never_cache_headers(response)
    return response


def resources_context(skill: SkillNode, user: User | AnonymousUser) -> dict[str, Any]:
    """The skill page's resources, grouped by kind, and which of them the signed-in
    learner marked as used (their marks are theirs alone)."""
    kinds = list(Resource.Kind.values)
    groups: dict[str, list[ResourceNode]] = {}
    for resource in sorted(skill.resources, key=lambda r: kinds.index(r.kind)):
        groups.setdefault(resource.kind_label, []).append(resource)
    used: set[int] = set()
    if user.is_authenticated and skill.resources:
        used = set(
            ResourceUse.objects.filter(
                user=user, resource_id__in=[r.id for r in skill.resources]
            ).values_list("resource_id", flat=True)
        )
    return {"skill": skill, "resource_groups": list(groups.items()), "used": used}


def _skill_context(request: HttpRequest, skill: SkillNode) -> dict[str, Any]:
    catalog = get_catalog()
    context = {
        "nav": "catalog",
        **resources_context(skill, request.user),
        "track": catalog.track(skill.track_id),
        "prerequisites": catalog.prerequisites_of(skill),
        "unlocks": catalog.unlocks_of(skill),
    }
    user = request.user
    if user.is_authenticated:
        progress = rules.progress_rows(user, skill_ids=[skill.id, *skill.prerequisites])
        states = rules.statuses_of(progress)
        mine = progress.get(skill.id)
        context |= {
            "status": rules.status_of(states, skill.id),
            "mine": mine,
            "recommended_first": rules.missing_prerequisites(catalog, skill, states),
            "note_html": render_markdown(mine.note) if mine and mine.note else "",
            "saved": False,
            "links": SkillLink.objects.filter(user=user, skill_id=skill.id),
            "link_form": SkillLinkForm(),
            "history": rules.skill_history(user, skill.id) if mine else [],
        }
        projects = projects_as_evidence(user, skill.id)
        context["evidence"] = [p for p in projects if p.shows]
        context["attachable"] = [p for p in projects if not p.shows]
        feedback = Feedback.objects.filter(learner=user, skill_id=skill.id)
        context |= threads_for_viewer(user, feedback, user.pk)
    return context
