"""Own your data, brought back: reading an export file and importing it into an account.

Import trusts nothing in the file: `read_export_file` decodes it within fixed limits and
`validate_import` checks the whole document (types, lengths, allowed values, dates) before
`account_import` writes anything, in one transaction. Skill slugs this catalog does not
have are left out and reported, not refused: the catalog unpublishes skills rather than
deleting them, so an unknown slug means a file from another site or a renamed skill, and
refusing would leave the learner unable to get anything back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, slug_re
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from catalog.models import Skill

from ..models import (
    Collaborator,
    Metric,
    Progress,
    ProgressEvent,
    Project,
    SkillLink,
    Status,
    Submission,
    User,
)
from .format import (
    EARLIEST_YEAR,
    FORMAT,
    LATEST_YEAR,
    MAX_COLLABORATORS,
    MAX_ERRORS,
    MAX_EVENTS,
    MAX_IMPORT_BYTES,
    MAX_LINKS,
    MAX_METRICS,
    MAX_NOTE,
    MAX_PROGRESS,
    MAX_PROJECT_IMAGES,
    MAX_PROJECT_SKILLS,
    MAX_PROJECTS,
    PROFILE_TEXT,
    PROFILE_URLS,
    PROJECT_TEXT,
    PROJECT_URLS,
    VERSION,
    YEARS,
)
from .submissions import OneTimeKey, submission_claim

# -- reading and checking an import ---------------------------------------------------------


class ImportRefused(Exception):
    """A file that will not be imported; `messages` say why, to show as they are."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


class _Refuse(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _Refuse(f"{name} is not a number this file may hold")


def _small_int(text: str) -> int:
    if len(text.lstrip("-")) > 18:
        raise _Refuse(f"the number {text[:20]}… is too large")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refuse(f"the number {text[:20]} is too large")
    return value


def read_export_file(upload: IO[bytes], *, size: int | None = None) -> object:
    """The decoded JSON of an uploaded export, or ImportRefused.

    Refuses files over MAX_IMPORT_BYTES (read no further than that), anything that is not
    UTF-8 JSON, nesting deeper than Python's recursion limit, and numbers that are not
    plain finite ones (NaN, Infinity, 10**400, an integer of thousands of digits).
    """
    if size is not None and size > MAX_IMPORT_BYTES:
        raise ImportRefused([_too_big(size)])
    raw = upload.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportRefused([_too_big(len(raw))])
    try:
        return json.loads(
            raw,
            parse_constant=_refuse_constant,
            parse_int=_small_int,
            parse_float=_finite_float,
        )
    except _Refuse as e:
        raise ImportRefused([f"This file cannot be imported: {e}."]) from None
    except RecursionError:
        raise ImportRefused(["This file cannot be imported: it is nested too deeply."]) from None
    except ValueError as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise ImportRefused(
            [f"This is not a Gradient export: the file is not valid JSON ({str(e)[:120]})."]
        ) from None


def _too_big(size: int) -> str:
    return (
        f"The file is {size / 1024 / 1024:.1f} MB; an export file may be at most "
        f"{MAX_IMPORT_BYTES // 1024 // 1024} MB."
    )


# What the export writes and the RFC 3339 shapes around it (a space for the T, seconds
# left out); offsets in hours and minutes, as RFC 3339 has them.
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.(?P<fraction>[0-9]+))?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})"
)

_MISSING = object()
_url_validator = URLValidator()


class _TooManyErrors(Exception):
    pass


@dataclass
class _ProjectPlan:
    fields: dict[str, Any]
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    skills: list[str]
    metrics: list[dict[str, Any]]
    collaborators: list[dict[str, Any]]
    images: int


@dataclass
class ImportPlan:
    """A checked import file: plain values, ready to write."""

    profile: dict[str, Any]
    progress: list[dict[str, Any]]
    events: list[dict[str, Any]]
    links: list[dict[str, Any]]
    projects: list[_ProjectPlan]


class _Checker:
    """Reads values out of the untrusted document, recording a message for each problem
    (with the path to it, e.g. `projects[2].metrics[0].value`) and a placeholder value."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")
        if len(self.errors) >= MAX_ERRORS:
            raise _TooManyErrors

    def text(
        self, obj: dict, key: str, path: str, *, max_length: int, required: bool = False
    ) -> str:
        value = obj.get(key, _MISSING)
        where = f"{path}.{key}"
        if value is _MISSING or (value == "" and not required):
            if required:
                self.fail(where, "is missing")
            return ""
        if not isinstance(value, str):
            self.fail(where, "must be text")
            return ""
        if required and not value.strip():
            self.fail(where, "must not be empty")
        elif len(value) > max_length:
            self.fail(where, f"is {len(value):,} characters long; at most {max_length:,} fit")
        elif "\x00" in value:
            self.fail(where, "contains a NUL character")
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                self.fail(where, "contains characters that are not valid Unicode")
            else:
                return value
        return ""

    def url(
        self, obj: dict, key: str, path: str, *, max_length: int, required: bool = False
    ) -> str:
        value = self.text(obj, key, path, max_length=max_length, required=required)
        if value:
            try:
                _url_validator(value)
            except ValidationError:
                self.fail(f"{path}.{key}", "is not a valid web address")
                return ""
        return value

    def choice(self, obj: dict, key: str, path: str, choices: list[str], default: str) -> str:
        value = obj.get(key, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, str) or value not in choices:
            shown = json.dumps(value)[:40] if isinstance(value, str | int | float) else "that"
            self.fail(f"{path}.{key}", f"{shown} is not one of {', '.join(choices)}")
            return default
        return value

    def required_choice(self, obj: dict, key: str, path: str, choices: list[str]) -> str:
        if key not in obj:
            self.fail(f"{path}.{key}", "is missing")
            return choices[0]
        return self.choice(obj, key, path, choices, choices[0])

    def flag(self, obj: dict, key: str, path: str) -> bool | None:
        value = obj.get(key, _MISSING)
        if value is _MISSING:
            return None
        if not isinstance(value, bool):
            self.fail(f"{path}.{key}", "must be true or false")
            return None
        return value

    def when(self, obj: dict, key: str, path: str, *, required: bool = False) -> dt.datetime | None:
        """A date and time with its offset, as the UTC value that will be stored (and
        exported): the year bounds apply to that value, not to the one in the file."""
        value = obj.get(key, _MISSING)
        where = f"{path}.{key}"
        if value is _MISSING or value is None:
            if required:
                self.fail(where, "is missing")
            return None
        shown = json.dumps(value)[:40] if isinstance(value, str) else "that"
        text = value if isinstance(value, str) and len(value) <= 40 else ""
        shape = _DATETIME.fullmatch(text)
        if shape and len(shape["fraction"] or "") > 6:
            finer = "has more than 6 decimals of a second; times are kept to the microsecond"
            self.fail(where, f"{shown} {finer}")
            return None
        try:
            parsed = dt.datetime.fromisoformat(text) if shape else None
        except ValueError:  # a 31st of February, a 25th hour
            parsed = None
        if parsed is None:
            self.fail(where, f"{shown} is not a date and time like 2026-01-31T09:30:00+00:00")
            return None
        try:
            utc = parsed.astimezone(dt.UTC)
        except OverflowError:  # the offset takes it past year 1 or 9999
            utc = None
        if utc is None or not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
            in_utc = f"{shown} is {utc.isoformat()} in UTC: " if utc and parsed.utcoffset() else ""
            year = utc.year if utc else parsed.year
            self.fail(where, f"{in_utc}the year {year} is out of range ({YEARS})")
            return None
        return utc

    def day(self, obj: dict, key: str, path: str) -> dt.date | None:
        value = obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            return None
        parsed = None
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                parsed = dt.date.fromisoformat(value)
            except ValueError:
                parsed = None
        if parsed is None:
            shown = json.dumps(value)[:40] if isinstance(value, str) else "that"
            self.fail(f"{path}.{key}", f"{shown} is not a date like 2026-01-31")
            return None
        if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:
            self.fail(f"{path}.{key}", f"the year {parsed.year} is out of range ({YEARS})")
            return None
        return parsed

    def number(self, obj: dict, key: str, path: str, *, required: bool) -> float | None:
        value = obj.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required:
                self.fail(f"{path}.{key}", "is missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(f"{path}.{key}", "must be a number")
            return None
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.fail(f"{path}.{key}", "is too large")
            return None
        # One zero: SQLite stores -0.0 as 0 while PostgreSQL keeps the sign.
        return 0.0 if number == 0 else number

    def slug(self, value: object, where: str) -> str:
        # Unknown slugs are named back to the user, so nothing but a slug may pass.
        if not isinstance(value, str) or len(value) > 80 or not slug_re.match(value):
            shown = json.dumps(value)[:40] if isinstance(value, str) else "that"
            self.fail(where, f"{shown} is not a skill slug (letters, digits, - and _)")
            return ""
        return value

    def items(self, obj: dict, key: str, path: str, *, max_items: int) -> list[tuple[str, dict]]:
        """The objects in a list, each with its path; a missing list is an empty one."""
        value = obj.get(key, _MISSING)
        where = f"{path}.{key}" if path else key
        if value is _MISSING or value is None:
            return []
        if not isinstance(value, list):
            self.fail(where, "must be a list")
            return []
        if len(value) > max_items:
            self.fail(where, f"has {len(value):,} entries; at most {max_items:,} fit")
            return []
        found = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                found.append((f"{where}[{i}]", item))
            else:
                self.fail(f"{where}[{i}]", "must be an object")
        return found


def validate_import(data: object) -> ImportPlan:
    """Check a whole decoded export file; the plan to write, or ImportRefused.

    Pure: reads no database. Skill slugs are only checked for form here; whether the
    catalog has them is decided when writing (unknown ones are left out and reported).
    Keys this version does not read (`exported_at`, `feedback`, `feedback_given`,
    `mentor_notes`, `mentorships`, image details, a project's `url`, `verified_by`) are
    ignored.
    """
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ImportRefused(
            ['This is not a Gradient export: it has no "format": "gradient-export".']
        )
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ImportRefused(['This export has no valid "version".'])
    if version != VERSION:
        raise ImportRefused(
            [f"This export is version {version}; this site reads version {VERSION} files."]
        )
    check = _Checker()
    try:
        plan = _read_plan(data, check)
    except _TooManyErrors:
        check.errors.append("…and possibly more: fix these first.")
        plan = None
    if check.errors or plan is None:
        raise ImportRefused(check.errors)
    return plan


def _read_plan(data: dict, check: _Checker) -> ImportPlan:
    statuses = list(Status.values)
    profile: dict[str, Any] = {}
    user = data.get("user")
    if user is not None:
        if isinstance(user, dict):
            for name, limit in PROFILE_TEXT.items():
                profile[name] = check.text(user, name, "user", max_length=limit)
            for name, limit in PROFILE_URLS.items():
                profile[name] = check.url(user, name, "user", max_length=limit)
            show = check.flag(user, "show_progress", "user")
            if show is not None:
                profile["show_progress"] = show
        else:
            check.fail("user", "must be an object")

    progress = []
    seen: dict[str, str] = {}
    for path, row in check.items(data, "progress", "", max_items=MAX_PROGRESS):
        slug = check.slug(row.get("skill"), f"{path}.skill")
        if slug and slug in seen:
            check.fail(f"{path}.skill", f"{slug} is already listed at {seen[slug]}")
        seen.setdefault(slug, path)
        progress.append(
            {
                "slug": slug,
                "status": check.required_choice(row, "status", path, statuses),
                "note": check.text(row, "note", path, max_length=MAX_NOTE),
                "started_at": check.when(row, "started_at", path),
                "completed_at": check.when(row, "completed_at", path),
                "updated_at": check.when(row, "updated_at", path),
            }
        )

    events = [
        {
            "slug": check.slug(row.get("skill"), f"{path}.skill"),
            "from_status": check.required_choice(row, "from_status", path, statuses),
            "to_status": check.required_choice(row, "to_status", path, statuses),
            "created_at": check.when(row, "created_at", path, required=True),
        }
        for path, row in check.items(data, "events", "", max_items=MAX_EVENTS)
    ]

    links = [
        {
            "slug": check.slug(row.get("skill"), f"{path}.skill"),
            "title": check.text(row, "title", path, max_length=200, required=True),
            "url": check.url(row, "url", path, max_length=500, required=True),
            "created_at": check.when(row, "created_at", path),
        }
        for path, row in check.items(data, "links", "", max_items=MAX_LINKS)
    ]

    projects = [
        _read_project(row, path, check)
        for path, row in check.items(data, "projects", "", max_items=MAX_PROJECTS)
    ]
    return ImportPlan(
        profile=profile, progress=progress, events=events, links=links, projects=projects
    )


def _read_project(row: dict, path: str, check: _Checker) -> _ProjectPlan:
    fields: dict[str, Any] = {
        name: check.text(row, name, path, max_length=limit, required=name == "title")
        for name, limit in PROJECT_TEXT.items()
    }
    fields |= {
        name: check.url(row, name, path, max_length=limit) for name, limit in PROJECT_URLS.items()
    }
    fields["kind"] = check.choice(row, "kind", path, Project.Kind.values, Project.Kind.PERSONAL)
    fields["visibility"] = check.choice(
        row, "visibility", path, Project.Visibility.values, Project.Visibility.PRIVATE
    )
    started, finished = check.day(row, "started_on", path), check.day(row, "finished_on", path)
    if started and finished and finished < started:
        check.fail(f"{path}.finished_on", "is before started_on")
    fields |= {"started_on": started, "finished_on": finished}

    skills: list[str] = []
    raw_skills = row.get("skills", [])
    if not isinstance(raw_skills, list):
        check.fail(f"{path}.skills", "must be a list of skill slugs")
    elif len(raw_skills) > MAX_PROJECT_SKILLS:
        check.fail(f"{path}.skills", f"has more than {MAX_PROJECT_SKILLS} entries")
    else:
        skills = [check.slug(s, f"{path}.skills[{i}]") for i, s in enumerate(raw_skills)]

    metrics = [
        {
            "name": check.text(m, "name", mpath, max_length=60, required=True),
            "split": check.choice(m, "split", mpath, Metric.Split.values, Metric.Split.TEST),
            "value": check.number(m, "value", mpath, required=True),
            "baseline": check.number(m, "baseline", mpath, required=False),
        }
        for mpath, m in check.items(row, "metrics", path, max_items=MAX_METRICS)
    ]
    collaborators = [
        {
            "name": check.text(c, "name", cpath, max_length=100, required=True),
            "url": check.url(c, "url", cpath, max_length=300),
        }
        for cpath, c in check.items(row, "collaborators", path, max_items=MAX_COLLABORATORS)
    ]
    images = check.items(row, "images", path, max_items=MAX_PROJECT_IMAGES)
    return _ProjectPlan(
        fields=fields,
        created_at=check.when(row, "created_at", path),
        updated_at=check.when(row, "updated_at", path),
        skills=skills,
        metrics=metrics,
        collaborators=collaborators,
        images=len(images),
    )


# -- writing an import ----------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import wrote, and what it left out."""

    progress_created: int = 0
    progress_updated: int = 0
    events: int = 0
    links: int = 0
    links_already_there: int = 0
    projects: int = 0
    profile_updated: bool = False
    images_not_restored: int = 0
    left_out: int = 0  # progress rows, events and links for skills this catalog lacks
    unknown_skills: list[str] = field(default_factory=list)

    def summary(self) -> str:
        progress = self.progress_created + self.progress_updated
        parts = [
            f"{progress} skill status{'es' if progress != 1 else ''}"
            + (f" ({self.progress_updated} replaced)" if self.progress_updated else ""),
            f"{self.events} history event{'s' if self.events != 1 else ''}",
            f"{self.links} link{'s' if self.links != 1 else ''}",
            f"{self.projects} project{'s' if self.projects != 1 else ''}",
        ]
        text = "Imported " + ", ".join(parts) + "."
        if self.profile_updated:
            text += " Your profile was filled in from the file."
        return text

    def warnings(self) -> list[str]:
        found = []
        if self.unknown_skills:
            shown = ", ".join(self.unknown_skills[:5])
            more = len(self.unknown_skills) - 5
            found.append(
                f"{self.left_out} entr{'ies' if self.left_out != 1 else 'y'} for skills this "
                f"catalog does not have {'were' if self.left_out != 1 else 'was'} left out "
                f"(and those skills dropped from projects): {shown}"
                + (f" and {more} more." if more > 0 else ".")
            )
        if self.links_already_there:
            found.append(
                f"{self.links_already_there} link{'s' if self.links_already_there != 1 else ''}"
                " you already had for the same skill and address were not added again."
            )
        if self.images_not_restored:
            found.append(
                f"{self.images_not_restored} project image"
                f"{'s are' if self.images_not_restored != 1 else ' is'} not in an export "
                "file: upload them again on the project pages."
            )
        return found


def _stamp(model: type[Model], objects: list, names: list[str], values: list[tuple]) -> None:
    """Put back timestamps that `auto_now`/`auto_now_add` overwrote on insert.

    bulk_update writes the attributes as they are, without running those defaults.
    """
    for obj, stamps in zip(objects, values, strict=True):
        for name, value in zip(names, stamps, strict=True):
            setattr(obj, name, value)
    if objects:
        model._default_manager.bulk_update(objects, names)


@transaction.atomic
def account_import(
    *, user: User, data: object, once: OneTimeKey | None = None, now: dt.datetime | None = None
) -> ImportReport:
    """Bring back an export into `user`'s account, all or nothing.

    The whole document is checked first (`validate_import`); a refused file raises
    ImportRefused before anything is written. Then, in this one transaction: profile
    fields the file fills in replace the account's; progress rows for a skill the account
    already has are replaced by the file's (keeping a mentor's verification only if both
    say *done*); events are appended; links are added unless the account has one for the
    same skill and address; projects are created new, with their metrics, collaborators
    and skills. Timestamps are the file's. Mentor verifications, feedback (received or
    given), a mentor's notes, mentorships and images are not imported: they are other
    people's statements, belong to a mentorship that the file cannot bring back, or are
    not in the file.
    Entries for skills this catalog does not have are left out and reported. The
    import form's one-time key is claimed first: the same file sent twice imports once
    (AlreadySubmitted for the repeat).
    """
    plan = validate_import(data)
    now = now or timezone.now()
    if once is not None:
        submission_claim(user=user, key=once.key, kind=Submission.Kind.IMPORT, digest=once.digest)
    report = ImportReport()
    skill_ids = dict(Skill.objects.values_list("slug", "id"))
    unknown: set[str] = set()

    def known(slug: str) -> int | None:
        if slug not in skill_ids:
            unknown.add(slug)
            return None
        return skill_ids[slug]

    changed = [name for name, value in plan.profile.items() if value not in ("", None)]
    changed = [name for name in changed if getattr(user, name) != plan.profile[name]]
    if changed:
        for name in changed:
            setattr(user, name, plan.profile[name])
        user.save(update_fields=changed)
        report.profile_updated = True

    _import_progress(user, plan, known, now, report)

    events = []
    for row in plan.events:
        skill_id = known(row["slug"])
        if skill_id is None:
            report.left_out += 1
            continue
        events.append(
            ProgressEvent(
                user=user,
                skill_id=skill_id,
                from_status=row["from_status"],
                to_status=row["to_status"],
                created_at=row["created_at"],
            )
        )
    ProgressEvent.objects.bulk_create(events, batch_size=500)
    report.events = len(events)

    existing_links = set(SkillLink.objects.filter(user=user).values_list("skill_id", "url"))
    links, stamps = [], []
    for row in plan.links:
        skill_id = known(row["slug"])
        if skill_id is None:
            report.left_out += 1
        elif (skill_id, row["url"]) in existing_links:
            report.links_already_there += 1
        else:
            links.append(
                SkillLink(user=user, skill_id=skill_id, title=row["title"], url=row["url"])
            )
            stamps.append((row["created_at"] or now,))
    SkillLink.objects.bulk_create(links, batch_size=500)
    _stamp(SkillLink, links, ["created_at"], stamps)
    report.links = len(links)

    _import_projects(user, plan, known, now, report)
    report.unknown_skills = sorted(unknown)
    return report


def _import_progress(
    user: User,
    plan: ImportPlan,
    known: Callable[[str], int | None],
    now: dt.datetime,
    report: ImportReport,
) -> None:
    existing = {p.skill_id: p for p in Progress.objects.select_for_update().filter(user=user)}
    updated, created, created_stamps = [], [], []
    for row in plan.progress:
        skill_id = known(row["slug"])
        if skill_id is None:
            report.left_out += 1
            continue
        progress = existing.get(skill_id) or Progress(user=user, skill_id=skill_id)
        keeps_verification = progress.status == Status.DONE and row["status"] == Status.DONE
        if not keeps_verification:
            progress.verified_by, progress.verified_at = None, None
        progress.status, progress.note = row["status"], row["note"]
        progress.started_at, progress.completed_at = row["started_at"], row["completed_at"]
        progress.updated_at = row["updated_at"] or now
        if progress.pk:
            updated.append(progress)
        else:
            created.append(progress)
            created_stamps.append((progress.updated_at,))
    written = ["status", "note", "started_at", "completed_at", "verified_by", "verified_at"]
    Progress.objects.bulk_update(updated, [*written, "updated_at"], batch_size=500)
    # A row made by a status click since the read above is replaced too, not a crash.
    Progress.objects.bulk_create(
        created,
        batch_size=500,
        update_conflicts=True,
        unique_fields=["user", "skill"],
        update_fields=[*written, "updated_at"],
    )
    _stamp(Progress, created, ["updated_at"], created_stamps)
    report.progress_updated, report.progress_created = len(updated), len(created)


def _import_projects(
    user: User,
    plan: ImportPlan,
    known: Callable[[str], int | None],
    now: dt.datetime,
    report: ImportReport,
) -> None:
    projects = [Project(owner=user, **p.fields) for p in plan.projects]
    Project.objects.bulk_create(projects, batch_size=200)
    stamps = [(p.created_at or now, p.updated_at or p.created_at or now) for p in plan.projects]
    _stamp(Project, projects, ["created_at", "updated_at"], stamps)
    metrics, collaborators, tags = [], [], []
    through = Project.skills.through
    for project, p in zip(projects, plan.projects, strict=True):
        metrics += [Metric(project=project, order=i, **m) for i, m in enumerate(p.metrics)]
        collaborators += [
            Collaborator(project=project, order=i, **c) for i, c in enumerate(p.collaborators)
        ]
        skill_ids = {pk for pk in map(known, p.skills) if pk is not None}
        tags += [through(project_id=project.pk, skill_id=pk) for pk in sorted(skill_ids)]
        report.images_not_restored += p.images
    Metric.objects.bulk_create(metrics, batch_size=500)
    Collaborator.objects.bulk_create(collaborators, batch_size=500)
    through.objects.bulk_create(tags, batch_size=500)
    report.projects = len(projects)
