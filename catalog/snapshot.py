"""The published catalog as one immutable in-memory object.

Every page needs the same small graph (a hundred-odd skills, their tracks and
prerequisites), so it is read in three queries and shared, instead of joined again
per page and per row.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from .models import LearningPath, PathStep, Prerequisite, Resource, Skill, Track, split_aliases


@dataclass(frozen=True)
class ResourceNode:
    id: int
    title: str
    url: str
    kind: str
    kind_label: str
    is_free: bool
    minutes: int
    author: str = ""
    provider: str = ""
    section: str = ""


@dataclass(frozen=True)
class SkillNode:
    id: int
    slug: str
    title: str
    summary: str
    lede: str  # the summary's first sentence: a list's one-line description of the skill
    level: str
    level_label: str
    hours: int
    order: int
    track_id: int
    url: str  # the skill's page, made once per build: pages show hundreds of these links
    prerequisites: tuple[int, ...] = ()
    unlocks: tuple[int, ...] = ()
    resources: tuple[ResourceNode, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class TrackNode:
    id: int
    slug: str
    title: str
    summary: str
    order: int
    skill_ids: tuple[int, ...]
    hours: int
    url: str

    @property
    def skill_count(self) -> int:
        return len(self.skill_ids)

    @property
    def short_title(self) -> str:
        return short_title(self.title)


SHORT_TITLE_LENGTH = 20


def short_title(title: str) -> str:
    """A track's title cut to what a narrow column header holds, for the tables that show
    every track side by side (the full title goes in their tooltip and legend):
    "Mathematics and statistics" → "Mathematics", "Data: collection, …" → "Data",
    "Machine-learning algorithms" → "ML algorithms". Derived, so a curator adding a
    track needs no second name for it."""
    short = title.split(":")[0].split(" and ")[0].split(",")[0].strip()
    short = short.replace("Machine-learning", "ML").replace("Machine learning", "ML")
    if len(short) > SHORT_TITLE_LENGTH:
        short = short[: SHORT_TITLE_LENGTH - 1].rstrip() + "…"
    return short or title[:SHORT_TITLE_LENGTH]


@dataclass(frozen=True)
class StageNode:
    title: str
    steps: tuple[tuple[int, bool], ...]  # (skill id, required), published skills only


@dataclass(frozen=True)
class PathNode:
    id: int
    slug: str
    title: str
    summary: str
    suits: str
    url: str
    stages: tuple[StageNode, ...]
    required_ids: tuple[int, ...]
    optional_ids: tuple[int, ...]
    hours: int  # of the required skills
    optional_hours: int

    @property
    def skill_ids(self) -> tuple[int, ...]:
        return tuple(pk for stage in self.stages for pk, _ in stage.steps)


@dataclass(frozen=True, eq=False)
class Catalog:
    """The published catalog, as one process's copy; built by build_catalog."""

    tracks: tuple[TrackNode, ...]
    skills: dict[int, SkillNode]
    order: tuple[int, ...]  # every published skill id, in curriculum order
    _tracks_by_id: dict[int, TrackNode] = field(repr=False, default_factory=dict)
    _tracks_by_slug: dict[str, TrackNode] = field(repr=False, default_factory=dict)
    _skills_by_slug: dict[str, SkillNode] = field(repr=False, default_factory=dict)
    paths: tuple[PathNode, ...] = ()

    def track(self, track_id: int) -> TrackNode:
        return self._tracks_by_id[track_id]

    def track_by_slug(self, slug: str) -> TrackNode | None:
        return self._tracks_by_slug.get(slug)

    def skill_by_slug(self, slug: str) -> SkillNode | None:
        return self._skills_by_slug.get(slug)

    def path(self, path_id: int | None) -> PathNode | None:
        """The path with this id, or None (no id, or a path gone from the curriculum)."""
        return next((p for p in self.paths if p.id == path_id), None)

    def path_by_slug(self, slug: str) -> PathNode | None:
        return next((p for p in self.paths if p.slug == slug), None)

    def skills_of(self, track: TrackNode) -> list[SkillNode]:
        return [self.skills[pk] for pk in track.skill_ids]

    def prerequisites_of(self, skill: SkillNode) -> list[SkillNode]:
        return [self.skills[pk] for pk in skill.prerequisites]

    def unlocks_of(self, skill: SkillNode) -> list[SkillNode]:
        return [self.skills[pk] for pk in skill.unlocks]


# A sentence ends at ".", "!" or "?" before a space and a capital, a digit or an opening
# quote or bracket; not after "e.g.", "i.e.", "etc." or "vs.".
_SENTENCE_END = re.compile(
    r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\betc\.)(?<!\bvs\.)(?<=[.!?])\s+(?=[A-Za-z0-9\"“(])"
)


def first_sentence(text: str) -> str:
    """The first sentence of a summary (all of it, if it is one sentence)."""
    return _SENTENCE_END.split(text.strip(), maxsplit=1)[0]


# The catalog's pages are served by the tracker, which defines their URLs; it tells the
# snapshot how to link to them (tracker/apps.py), so this app reverses no URL of its own.
_page_urls: dict[str, Callable[[str], str]] = {}


def link_pages(
    *, skill: Callable[[str], str], track: Callable[[str], str], path: Callable[[str], str]
) -> None:
    """How to make the address of a skill's, a track's and a path's page from its slug."""
    _page_urls.update(skill=skill, track=track, path=path)


def _page_url(kind: str, slug: str) -> str:
    return _page_urls[kind](slug) if kind in _page_urls else ""


def build_catalog() -> Catalog:
    """Read the published catalog: six queries whatever its size."""
    skills_qs = Skill.objects.published().order_by("track__order", "order", "title")
    rows = list(
        skills_qs.values_list(
            "id", "slug", "title", "summary", "level", "hours", "order", "track_id", "aliases"
        )
    )
    requires: dict[int, list[int]] = {}
    unlocks: dict[int, list[int]] = {}
    for skill_id, required_id in Prerequisite.objects.filter(
        skill__is_published=True, requires__is_published=True
    ).values_list("skill_id", "requires_id"):
        requires.setdefault(skill_id, []).append(required_id)
        unlocks.setdefault(required_id, []).append(skill_id)

    resources: dict[int, list[ResourceNode]] = {}
    kinds = dict(Resource.Kind.choices)
    for skill_id, pk, title, url, kind, is_free, minutes, author, provider, section in (
        Resource.objects.filter(skill__is_published=True)
        .order_by("skill_id", "order", "id")
        .values_list(
            "skill_id",
            "id",
            "title",
            "url",
            "kind",
            "is_free",
            "minutes",
            "author",
            "provider",
            "section",
        )  # fmt: skip
    ):
        resources.setdefault(skill_id, []).append(
            ResourceNode(
                pk,
                title,
                url,
                kind,
                kinds.get(kind, kind),
                is_free,
                minutes,
                author,
                provider,
                section,
            )  # fmt: skip
        )

    position = {row[0]: i for i, row in enumerate(rows)}
    labels = dict(Skill._meta.get_field("level").choices or [])
    skills: dict[int, SkillNode] = {}
    by_track: dict[int, list[int]] = {}
    for pk, slug, title, summary, level, hours, order, track_id, aliases in rows:
        skills[pk] = SkillNode(
            id=pk,
            slug=slug,
            title=title,
            summary=summary,
            lede=first_sentence(summary),
            level=level,
            level_label=labels.get(level, level),
            hours=hours,
            order=order,
            track_id=track_id,
            url=_page_url("skill", slug),
            prerequisites=tuple(sorted(requires.get(pk, ()), key=position.__getitem__)),
            unlocks=tuple(sorted(unlocks.get(pk, ()), key=position.__getitem__)),
            resources=tuple(resources.get(pk, ())),
            aliases=tuple(split_aliases(aliases)),
        )
        by_track.setdefault(track_id, []).append(pk)

    tracks = tuple(
        TrackNode(
            id=t.pk,
            slug=t.slug,
            title=t.title,
            summary=t.summary,
            order=t.order,
            skill_ids=tuple(by_track[t.pk]),
            hours=sum(skills[pk].hours for pk in by_track[t.pk]),
            url=_page_url("track", t.slug),
        )
        for t in Track.objects.filter(pk__in=by_track).order_by("order", "title")
    )
    return Catalog(
        paths=_paths(skills),
        tracks=tracks,
        skills=skills,
        order=tuple(row[0] for row in rows),
        _tracks_by_id={t.id: t for t in tracks},
        _tracks_by_slug={t.slug: t for t in tracks},
        _skills_by_slug={s.slug: s for s in skills.values()},
    )


def _paths(skills: dict[int, SkillNode]) -> tuple[PathNode, ...]:
    """The paths, with their published skills only: two queries."""
    steps: dict[int, dict[str, list[tuple[int, bool]]]] = {}
    for path_id, stage, skill_id, required in PathStep.objects.order_by("order", "id").values_list(
        "path_id", "stage", "skill_id", "required"
    ):
        if skill_id in skills:
            steps.setdefault(path_id, {}).setdefault(stage, []).append((skill_id, required))
    found = []
    for p in LearningPath.objects.order_by("order", "title"):
        stages = tuple(
            StageNode(title, tuple(items)) for title, items in steps.get(p.pk, {}).items()
        )
        required_ids = tuple(pk for st in stages for pk, req in st.steps if req)
        optional_ids = tuple(pk for st in stages for pk, req in st.steps if not req)
        found.append(
            PathNode(
                id=p.pk,
                slug=p.slug,
                title=p.title,
                summary=p.summary,
                suits=p.suits,
                url=_page_url("path", p.slug),
                stages=stages,
                required_ids=required_ids,
                optional_ids=optional_ids,
                hours=sum(skills[pk].hours for pk in required_ids),
                optional_hours=sum(skills[pk].hours for pk in optional_ids),
            )
        )
    return tuple(found)


# -- the shared copy ------------------------------------------------------------------------
#
# Each server process keeps one built Catalog. A version token in the shared cache says
# when it is stale: `bump_catalog_version()` (called by the loader and by admin saves)
# changes the token, and each process rebuilds on its next check. Checks are at most
# CATALOG_CHECK_SECONDS apart, so a busy process reads the token about once a second.

VERSION_KEY = "catalog:version"
_lock = threading.Lock()
_state: dict[str, object] = {"version": None, "catalog": None, "checked": 0.0}


def _current_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        # First start, or the cache lost it: any new token makes every process rebuild.
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return str(version)


def get_catalog() -> Catalog:
    """The published catalog, rebuilt only when its version changed."""
    now = time.monotonic()
    catalog = _state["catalog"]
    interval = getattr(settings, "CATALOG_CHECK_SECONDS", 1.0)
    if isinstance(catalog, Catalog) and now - float(_state["checked"]) < interval:  # type: ignore[arg-type]
        return catalog
    version = _current_version()
    with _lock:
        if version != _state["version"] or not isinstance(_state["catalog"], Catalog):
            _state["catalog"] = build_catalog()
            _state["version"] = version
        _state["checked"] = now
        return _state["catalog"]  # type: ignore[return-value]


def forget_catalog() -> None:
    """Drop this process's copy (tests use it after changing the catalog directly)."""
    _state.update(version=None, catalog=None, checked=0.0)


def bump_catalog_version() -> None:
    """Mark every process's catalog stale, once the current transaction commits."""

    def bump() -> None:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        _state["checked"] = 0.0

    transaction.on_commit(bump)
