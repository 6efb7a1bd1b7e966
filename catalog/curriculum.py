"""The curriculum file (`catalog/curriculum.toml`): validation and an idempotent loader.

The file is the reviewed source of the catalog. Loading it makes the database match
it by slug: new entries are created, changed ones updated, unchanged ones left alone,
and skills no longer in the file are unpublished (never deleted, so nobody's progress
is lost). A file with any problem is refused whole and changes nothing.

What curators change in admin survives a load: admin marks the entries it changes
(`curated_at`), and the loader leaves a marked entry that differs from the file as it is
and lists it, unless told `force`. Admin shows on every entry whether it matches the file
(`skill_differences`, `track_differences`).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Model

from .graph import describe_cycle, find_cycle
from .models import (
    MAX_HOURS,
    LearningPath,
    Level,
    PathStep,
    Prerequisite,
    Resource,
    Skill,
    Track,
    resource_key,
)
from .snapshot import bump_catalog_version

DEFAULT_PATH = Path(__file__).resolve().parent / "curriculum.toml"

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_url_validator = URLValidator(schemes=["http", "https"])
ALIASES_MAX_LENGTH = Skill._meta.get_field("aliases").max_length or 500


class CurriculumError(Exception):
    """A problem in the curriculum file, naming the file, the entry and the problem."""

    def __init__(self, path: Path | str, entry: str, problem: str) -> None:
        self.path, self.entry, self.problem = str(path), entry, problem
        super().__init__(f"{path}: {entry}: {problem}")


@dataclass(frozen=True)
class ResourceEntry:
    title: str
    url: str
    kind: str
    is_free: bool
    minutes: int
    author: str = ""
    provider: str = ""
    key: str = ""  # stable within the skill; made from the title when the file has none
    section: str = ""


@dataclass(frozen=True)
class TrackEntry:
    slug: str
    title: str
    summary: str
    order: int


@dataclass(frozen=True)
class SkillEntry:
    slug: str
    track: str
    title: str
    summary: str
    level: str
    hours: int
    order: int
    prerequisites: tuple[str, ...]
    resources: tuple[ResourceEntry, ...]
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class StageEntry:
    title: str
    required: tuple[str, ...]
    optional: tuple[str, ...]


@dataclass(frozen=True)
class PathEntry:
    slug: str
    title: str
    summary: str
    suits: str
    order: int
    assumed: tuple[str, ...]
    stages: tuple[StageEntry, ...]

    def steps(self) -> list[tuple[str, str, bool]]:
        """(skill slug, stage title, required) in path order."""
        return [
            (slug, stage.title, required)
            for stage in self.stages
            for required, slugs in ((True, stage.required), (False, stage.optional))
            for slug in slugs
        ]


@dataclass
class Curriculum:
    tracks: list[TrackEntry]
    skills: list[SkillEntry]
    paths: list[PathEntry] = field(default_factory=list)


@dataclass
class LoadReport:
    counts: Counter[str] = field(default_factory=Counter)
    # Entries a curator changed in admin that differ from the file, left as they are.
    kept: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(n for key, n in self.counts.items() if not key.endswith("unchanged"))

    def __str__(self) -> str:
        text = (
            ", ".join(f"{key} {n}" for key, n in sorted(self.counts.items()) if n)
            if self.changed
            else "The catalog already matches the file: nothing changed."
        )
        if self.kept:
            text += (
                f"\nLeft as curated in admin ({len(self.kept)}; `load_curriculum --force` "
                "puts the file's version back, `dump_curriculum` writes them into the file): "
                + ", ".join(self.kept)
            )
        return text


# -- parsing and validation ---------------------------------------------------------------


class _Entry:
    """Typed access to one table of the file, raising CurriculumError with its name."""

    def __init__(self, path: Path, name: str, data: Any, allowed: set[str]) -> None:
        self.path, self.name = path, name
        if not isinstance(data, dict):
            self.fail("must be a table")
        unknown = sorted(set(data) - allowed)
        if unknown:
            self.fail(f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
        self.data = data

    def fail(self, problem: str) -> None:
        raise CurriculumError(self.path, self.name, problem)

    def text(self, key: str, *, required: bool = True, max_length: int = 0) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(f"missing field {key!r}")
            return ""
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(f"{key!r} must be a non-empty string")
        value = value.strip()
        if max_length and len(value) > max_length:
            self.fail(f"{key!r} is longer than {max_length} characters")
        return value

    def slug(self, key: str) -> str:
        value = self.text(key, max_length=80)
        if not SLUG_RE.match(value):
            self.fail(f"{key!r} {value!r} is not a lowercase kebab-case slug")
        return value

    def integer(self, key: str, low: int, high: int, context: str = "") -> int:
        value = self.data.get(key)
        if value is None:
            self.fail(f"missing field {key!r}")
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            bounds = f"from {low} to {high}" + (f" {context}" if context else "")
            self.fail(f"{key!r} must be a whole number {bounds}, not {value!r}")
        return value

    def boolean(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            self.fail(f"{key!r} must be true or false")
        return value

    def choice(self, key: str, choices: list[str]) -> str:
        value = self.text(key)
        if value not in choices:
            self.fail(f"{key!r} must be one of {', '.join(choices)}, not {value!r}")
        return value

    def table_list(self, key: str) -> list[Any]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value:
            self.fail(f"{key!r} must list at least one entry")
        return value


def parse_curriculum(path: Path | str = DEFAULT_PATH) -> Curriculum:
    path = Path(path)
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise CurriculumError(path, "file", "does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise CurriculumError(path, "file", f"is not valid TOML ({e})") from None

    root = _Entry(path, "file", data, {"track", "path", "skill"})
    tracks = [_parse_track(path, i, raw) for i, raw in enumerate(root.table_list("track"), start=1)]
    _refuse_duplicates(path, "track", [t.slug for t in tracks])
    track_slugs = {t.slug for t in tracks}

    per_track: Counter[str] = Counter()
    skills = []
    for i, raw in enumerate(root.table_list("skill"), start=1):
        skill = _parse_skill(path, i, raw, track_slugs, per_track)
        skills.append(skill)
    _refuse_duplicates(path, "skill", [s.slug for s in skills])

    known = {s.slug for s in skills}
    for skill in skills:
        entry = f"skill {skill.slug!r}"
        for slug in skill.prerequisites:
            if slug == skill.slug:
                raise CurriculumError(path, entry, "lists itself as a prerequisite")
            if slug not in known:
                raise CurriculumError(path, entry, f"unknown prerequisite {slug!r}")
        if len(set(skill.prerequisites)) != len(skill.prerequisites):
            raise CurriculumError(path, entry, "lists a prerequisite twice")
    cycle = find_cycle({s.slug: s.prerequisites for s in skills})
    if cycle:
        raise CurriculumError(
            path, f"skill {cycle[0]!r}", f"prerequisites form a cycle: {describe_cycle(cycle)}"
        )
    paths = [
        _parse_path(path, i, raw, {s.slug: s for s in skills})
        for i, raw in enumerate(root.data.get("path", []), start=1)
    ]
    _refuse_duplicates(path, "path", [p.slug for p in paths])
    return Curriculum(tracks=tracks, skills=skills, paths=paths)


def _slug_list(entry: _Entry, key: str, known: Mapping[str, Any], *, required: bool) -> tuple:
    value = entry.data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        entry.fail(f"{key!r} must be a list of skill slugs")
    if required and not value:
        entry.fail(f"{key!r} must list at least one skill")
    for slug in value:
        if slug not in known:
            entry.fail(f"{key!r} names an unknown skill {slug!r}")
    return tuple(value)


def _parse_path(path: Path, index: int, raw: Any, skills: Mapping[str, SkillEntry]) -> PathEntry:
    """A path: its stages of required and optional skills. Every required skill's
    prerequisites are in the path or assumed, so the path can be followed as written."""
    name = f"path #{index}"
    if isinstance(raw, dict) and isinstance(raw.get("slug"), str):
        name = f"path {raw['slug']!r}"
    entry = _Entry(path, name, raw, {"slug", "title", "summary", "suits", "assumed", "stages"})
    stages = []
    for j, stage_raw in enumerate(entry.table_list("stages"), start=1):
        stage = _Entry(path, f"{name}, stage #{j}", stage_raw, {"title", "required", "optional"})
        stages.append(
            StageEntry(
                title=stage.text("title", max_length=80),
                required=_slug_list(stage, "required", skills, required=True),
                optional=_slug_list(stage, "optional", skills, required=False),
            )
        )
    found = PathEntry(
        slug=entry.slug("slug"),
        title=entry.text("title", max_length=120),
        summary=entry.text("summary"),
        suits=entry.text("suits"),
        order=index,
        assumed=_slug_list(entry, "assumed", skills, required=False),
        stages=tuple(stages),
    )
    steps = [slug for slug, _, _ in found.steps()]
    for slug, n in Counter(steps).items():
        if n > 1:
            entry.fail(f"lists the skill {slug!r} {n} times")
    stage_of = {slug: n for n, stage in enumerate(found.stages, start=1)
                for slug in (*stage.required, *stage.optional)}  # fmt: skip
    for slug, n in stage_of.items():
        later = [p for p in skills[slug].prerequisites if stage_of.get(p, 0) > n]
        if later:
            entry.fail(
                f"the skill {slug!r} (stage {n}) needs "
                + ", ".join(f"{p!r} (stage {stage_of[p]})" for p in later)
                + ", which come later: a stage may rest only on the stages before it"
            )
    covered = set(steps) | set(found.assumed)
    for slug, _, required in found.steps():
        missing = [p for p in skills[slug].prerequisites if p not in covered]
        if required and missing:
            entry.fail(
                f"the required skill {slug!r} needs {', '.join(repr(m) for m in missing)}, "
                "which the path neither includes nor assumes"
            )
    return found


def _parse_track(path: Path, index: int, raw: Any) -> TrackEntry:
    name = f"track #{index}"
    if isinstance(raw, dict) and isinstance(raw.get("slug"), str):
        name = f"track {raw['slug']!r}"
    entry = _Entry(path, name, raw, {"slug", "title", "summary"})
    return TrackEntry(
        slug=entry.slug("slug"),
        title=entry.text("title", max_length=120),
        summary=entry.text("summary", required=False),
        order=index,
    )


def _parse_skill(
    path: Path, index: int, raw: Any, track_slugs: set[str], per_track: Counter[str]
) -> SkillEntry:
    name = f"skill #{index}"
    if isinstance(raw, dict) and isinstance(raw.get("slug"), str):
        name = f"skill {raw['slug']!r}"
    allowed = {
        "slug",
        "track",
        "title",
        "summary",
        "level",
        "hours",
        "prerequisites",
        "resources",
        "aliases",
    }
    entry = _Entry(path, name, raw, allowed)
    slug = entry.slug("slug")
    track = entry.text("track")
    if track not in track_slugs:
        entry.fail(f"unknown track {track!r}")
    prerequisites = raw.get("prerequisites", [])
    if not isinstance(prerequisites, list) or not all(isinstance(p, str) for p in prerequisites):
        entry.fail("'prerequisites' must be a list of skill slugs")
    aliases = _parse_aliases(entry, raw.get("aliases", []))
    resources = []
    seen_urls: set[str] = set()
    seen_keys: set[str] = set()
    for j, resource_raw in enumerate(entry.table_list("resources"), start=1):
        resource = _parse_resource(path, f"{name}, resource #{j}", resource_raw)
        if resource.url in seen_urls:
            entry.fail(f"resource #{j} repeats the URL {resource.url}")
        if resource.key in seen_keys:
            entry.fail(f"resource #{j} repeats the key {resource.key!r}")
        if not resource.key:
            resource = replace(resource, key=resource_key(resource.title, seen_keys))
        seen_urls.add(resource.url)
        seen_keys.add(resource.key)
        resources.append(resource)
    per_track[track] += 1
    level = entry.choice("level", list(Level.values))
    article = "an" if level[0] in "aeiou" else "a"
    return SkillEntry(
        slug=slug,
        track=track,
        title=entry.text("title", max_length=120),
        summary=entry.text("summary"),
        level=level,
        hours=entry.integer("hours", 1, MAX_HOURS[Level(level)], f"for {article} {level} skill"),
        order=per_track[track],
        prerequisites=tuple(prerequisites),
        resources=tuple(resources),
        aliases=aliases,
    )


def _parse_aliases(entry: _Entry, raw: Any) -> tuple[str, ...]:
    """Other names for a skill, searched like its title; stored comma-separated."""
    if not isinstance(raw, list) or not all(isinstance(a, str) and a.strip() for a in raw):
        entry.fail("'aliases' must be a list of non-empty strings")
    aliases = tuple(a.strip() for a in raw)
    for alias in aliases:
        if "," in alias:
            entry.fail(f"alias {alias!r} contains a comma (aliases are stored comma-separated)")
    if len(", ".join(aliases)) > ALIASES_MAX_LENGTH:
        entry.fail(f"'aliases' are longer than {ALIASES_MAX_LENGTH} characters together")
    if len({a.casefold() for a in aliases}) != len(aliases):
        entry.fail("lists an alias twice")
    return aliases


def _parse_resource(path: Path, name: str, raw: Any) -> ResourceEntry:
    entry = _Entry(
        path,
        name,
        raw,
        {"key", "title", "url", "section", "kind", "free", "minutes", "author", "provider"},
    )
    key = entry.text("key", required=False, max_length=80)
    if key and not SLUG_RE.match(key):
        entry.fail(f"'key' {key!r} must be lowercase kebab-case")
    url = entry.text("url", max_length=500)
    try:
        _url_validator(url)
    except ValidationError:
        entry.fail(f"'url' {url!r} is not a valid http(s) URL")
    return ResourceEntry(
        title=entry.text("title", max_length=200),
        url=url,
        kind=entry.choice("kind", list(Resource.Kind.values)),
        is_free=entry.boolean("free"),
        minutes=entry.integer("minutes", 1, 100_000),
        author=entry.text("author", required=False, max_length=200),
        provider=entry.text("provider", required=False, max_length=120),
        key=key,
        section=entry.text("section", required=False, max_length=120),
    )


def _refuse_duplicates(path: Path, kind: str, slugs: list[str]) -> None:
    for slug, n in Counter(slugs).items():
        if n > 1:
            raise CurriculumError(path, f"{kind} {slug!r}", f"slug appears {n} times")


# -- loading ------------------------------------------------------------------------------


def _sync_fields(obj: Any, values: dict[str, Any]) -> bool:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=changed)
    return bool(changed)


@transaction.atomic
def load_curriculum(path: Path | str | None = None, *, force: bool = False) -> LoadReport:
    """Make the catalog match the file; refuse a bad file before writing anything.

    An entry a curator changed in admin since the last load (`curated_at`) is left as it
    is, and listed, if it differs from the file; one that matches the file again is
    simply no longer marked. `force` applies the file to every entry and clears the marks.
    """
    curriculum = parse_curriculum(path or DEFAULT_PATH)
    report = LoadReport()

    tracks = {t.slug: t for t in Track.objects.all()}
    for track_entry in curriculum.tracks:
        values = {
            "title": track_entry.title,
            "summary": track_entry.summary,
            "order": track_entry.order,
        }
        track = tracks.get(track_entry.slug)
        if track is None:
            tracks[track_entry.slug] = Track.objects.create(slug=track_entry.slug, **values)
            report.counts["tracks created"] += 1
        elif track.curated_at and not force and _differs(track, values):
            report.kept.append(f"track {track.slug}")
        else:
            if _sync_fields(track, values):
                report.counts["tracks updated"] += 1
            if track.curated_at:
                Track.objects.filter(pk=track.pk).update(curated_at=None)

    skills = {s.slug: s for s in Skill.objects.select_related("track")}
    wanted = {entry.slug: _skill_values(entry, tracks) for entry in curriculum.skills}
    for entry in curriculum.skills:
        if entry.slug not in skills:
            skills[entry.slug] = Skill.objects.create(slug=entry.slug, **wanted[entry.slug])
            report.counts["skills created"] += 1

    curated = {s.pk for s in skills.values() if s.curated_at}
    kept = set() if force else _differing(curriculum, skills, curated)
    for entry in curriculum.skills:
        skill = skills[entry.slug]
        if skill.pk in kept:
            report.kept.append(entry.slug)
        elif _sync_fields(skill, wanted[entry.slug]):
            report.counts["skills updated"] += 1

    in_file = {entry.slug for entry in curriculum.skills}
    added_in_admin = {s.pk for slug, s in skills.items() if slug not in in_file and s.curated_at}
    if not force:
        report.kept += sorted(
            f"{s.slug} (not in the file)" for s in skills.values() if s.pk in added_in_admin
        )
        kept |= added_in_admin
    gone = [
        s.pk for slug, s in skills.items() if slug not in in_file and s.is_published
        and s.pk not in kept
    ]  # fmt: skip
    report.counts["skills unpublished"] += Skill.objects.filter(pk__in=gone).update(
        is_published=False
    )

    _sync_prerequisites(curriculum, skills, report, kept)
    _sync_resources(curriculum, skills, report, kept)
    _sync_paths(curriculum, skills, report, force)
    Skill.objects.filter(pk__in=curated - kept).update(curated_at=None)
    if report.changed:
        bump_catalog_version()
    return report


def _skill_values(entry: SkillEntry, tracks: dict[str, Track]) -> dict[str, Any]:
    return {
        "track": tracks[entry.track],
        "title": entry.title,
        "summary": entry.summary,
        "level": entry.level,
        "hours": entry.hours,
        "order": entry.order,
        "aliases": ", ".join(entry.aliases),
        "is_published": True,
    }


def _differs(obj: Model, values: dict[str, Any]) -> bool:
    return any(getattr(obj, name) != value for name, value in values.items())


def _resource_rows(entry: SkillEntry) -> list[tuple]:
    return [
        (r.key, r.url, r.title, r.section, r.kind, r.is_free, r.minutes, r.author, r.provider)
        for r in entry.resources
    ]


def _current_links(ids: list[int]) -> tuple[dict[int, set[str]], dict[int, list[tuple]]]:
    """Each skill's prerequisites (slugs) and resources (as the file lists them), as the
    database has them: two queries."""
    requires: dict[int, set[str]] = {pk: set() for pk in ids}
    for skill_id, slug in Prerequisite.objects.filter(skill_id__in=ids).values_list(
        "skill_id", "requires__slug"
    ):
        requires[skill_id].add(slug)
    resources: dict[int, list[tuple]] = {pk: [] for pk in ids}
    for skill_id, *row in (
        Resource.objects.filter(skill_id__in=ids)
        .order_by("order", "id")
        .values_list(
            "skill_id",
            "key",
            "url",
            "title",
            "section",
            "kind",
            "is_free",
            "minutes",
            "author",
            "provider",
        )  # fmt: skip
    ):
        resources[skill_id].append(tuple(row))
    return requires, resources


def _skill_differences(
    skill: Skill, entry: SkillEntry, requires: set[str], resources: list[tuple]
) -> list[str]:
    """What of a skill differs from its entry in the file (its track read with it)."""
    found = [
        name
        for name in ("title", "summary", "level", "hours", "order")
        if getattr(skill, name) != getattr(entry, name)
    ]
    if skill.track.slug != entry.track:
        found.append("track")
    if skill.aliases != ", ".join(entry.aliases):
        found.append("aliases")
    if not skill.is_published:
        found.append("published")
    if requires != set(entry.prerequisites):
        found.append("prerequisites")
    if resources != _resource_rows(entry):
        found.append("resources")
    return found


def _differing(curriculum: Curriculum, skills: dict[str, Skill], curated: set[int]) -> set[int]:
    """The curated skills in the file that differ from the file's entries."""
    entries = [e for e in curriculum.skills if skills[e.slug].pk in curated]
    requires, resources = _current_links([skills[e.slug].pk for e in entries])
    return {
        skills[e.slug].pk
        for e in entries
        if _skill_differences(
            skills[e.slug], e, requires[skills[e.slug].pk], resources[skills[e.slug].pk]
        )
    }


def skill_differences(
    skills: list[Skill], path: Path | str | None = None
) -> dict[int, list[str] | None]:
    """For each skill (with its track), what differs from the file: None if the file does
    not name it, [] if it matches. For admin, which shows it on every skill."""
    by_slug = {entry.slug: entry for entry in parse_curriculum(path or DEFAULT_PATH).skills}
    requires, resources = _current_links([s.pk for s in skills])
    return {
        s.pk: None
        if s.slug not in by_slug
        else _skill_differences(s, by_slug[s.slug], requires[s.pk], resources[s.pk])
        for s in skills
    }


def track_differences(
    tracks: list[Track], path: Path | str | None = None
) -> dict[int, list[str] | None]:
    """The same for tracks."""
    by_slug = {entry.slug: entry for entry in parse_curriculum(path or DEFAULT_PATH).tracks}
    return {
        t.pk: None
        if t.slug not in by_slug
        else [
            n for n in ("title", "summary", "order") if getattr(t, n) != getattr(by_slug[t.slug], n)
        ]
        for t in tracks
    }


def _sync_prerequisites(
    curriculum: Curriculum, skills: dict[str, Skill], report: LoadReport, kept: set[int]
) -> None:
    entries = [entry for entry in curriculum.skills if skills[entry.slug].pk not in kept]
    file_skill_ids = [skills[entry.slug].pk for entry in entries]
    wanted = {
        (skills[entry.slug].pk, skills[slug].pk)
        for entry in entries
        for slug in entry.prerequisites
    }
    existing = {
        (link.skill_id, link.requires_id): link.pk
        for link in Prerequisite.objects.filter(skill_id__in=file_skill_ids)
    }
    stale = [pk for pair, pk in existing.items() if pair not in wanted]
    if stale:
        Prerequisite.objects.filter(pk__in=stale).delete()
        report.counts["prerequisites removed"] += len(stale)
    missing = [
        Prerequisite(skill_id=a, requires_id=b) for a, b in sorted(wanted) if (a, b) not in existing
    ]
    Prerequisite.objects.bulk_create(missing)
    report.counts["prerequisites added"] += len(missing)


def _sync_resources(
    curriculum: Curriculum, skills: dict[str, Skill], report: LoadReport, kept: set[int]
) -> None:
    """Resources are matched by their key within the skill, so a corrected address or
    title updates the row (and learners' marks on it stay)."""
    entries = [entry for entry in curriculum.skills if skills[entry.slug].pk not in kept]
    existing: dict[tuple[int, str], Resource] = {
        (r.skill_id, r.key): r
        for r in Resource.objects.filter(skill__in=[skills[e.slug] for e in entries])
    }
    wanted: set[tuple[int, str]] = set()
    new = []
    for entry in entries:
        skill = skills[entry.slug]
        for order, item in enumerate(entry.resources, start=1):
            key = (skill.pk, item.key)
            wanted.add(key)
            values = {
                "title": item.title,
                "url": item.url,
                "section": item.section,
                "kind": item.kind,
                "is_free": item.is_free,
                "minutes": item.minutes,
                "author": item.author,
                "provider": item.provider,
                "order": order,
            }
            resource = existing.get(key)
            if resource is None:
                new.append(Resource(skill=skill, key=item.key, **values))
            elif _sync_fields(resource, values):
                report.counts["resources updated"] += 1
    stale = [r.pk for key, r in existing.items() if key not in wanted]
    if stale:
        Resource.objects.filter(pk__in=stale).delete()
        report.counts["resources removed"] += len(stale)
    Resource.objects.bulk_create(new)
    report.counts["resources created"] += len(new)


def _sync_paths(
    curriculum: Curriculum, skills: dict[str, Skill], report: LoadReport, force: bool
) -> None:
    """Paths by slug; a path's steps and assumed skills are replaced when they differ.
    A path a curator changed in admin is kept, as skills are; paths gone from the file go
    (they hold no one's data)."""
    existing = {p.slug: p for p in LearningPath.objects.prefetch_related("steps", "assumed")}
    for entry in curriculum.paths:
        values = {
            "title": entry.title,
            "summary": entry.summary,
            "suits": entry.suits,
            "order": entry.order,
        }
        steps = [(skills[slug].pk, stage, required) for slug, stage, required in entry.steps()]
        assumed = {skills[slug].pk for slug in entry.assumed}
        path = existing.get(entry.slug)
        if path is None:
            path = LearningPath.objects.create(slug=entry.slug, **values)
            report.counts["paths created"] += 1
            now_steps: list[tuple[int, str, bool]] = []
            now_assumed: set[int] = set()
        else:
            now_steps = [(st.skill_id, st.stage, st.required) for st in path.steps.all()]
            now_assumed = {skill.pk for skill in path.assumed.all()}
            differs = _differs(path, values) or now_steps != steps or now_assumed != assumed
            if path.curated_at and not force and differs:
                report.kept.append(f"path {path.slug}")
                continue
            _sync_fields(path, values)
            if differs:
                report.counts["paths updated"] += 1
        if now_steps != steps:
            path.steps.all().delete()
            PathStep.objects.bulk_create(
                PathStep(path=path, skill_id=skill_id, stage=stage, required=required, order=n)
                for n, (skill_id, stage, required) in enumerate(steps, start=1)
            )
        if now_assumed != assumed:
            path.assumed.set(assumed)
        if path.curated_at:
            LearningPath.objects.filter(pk=path.pk).update(curated_at=None)
    in_file = {entry.slug for entry in curriculum.paths}
    gone = [
        p.pk for slug, p in existing.items() if slug not in in_file and (force or not p.curated_at)
    ]
    if gone:
        LearningPath.objects.filter(pk__in=gone).delete()
        report.counts["paths removed"] += len(gone)
