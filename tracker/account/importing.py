"""Own your data, brought back: reading an export file and importing it into an account.

Import trusts nothing in the file: `read_export_file` decodes it within fixed limits and
`validate_import` checks the whole document against the format's models (`ExportIn` and
the models it holds: strict types, lengths, allowed values, dates) before `account_import`
writes anything, in one transaction. Skill slugs this catalog does not have are left out
and reported, not refused: the catalog unpublishes skills rather than deleting them, so an
unknown slug means a file from another site or a renamed skill, and refusing would leave
the learner unable to get anything back.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from catalog.models import LearningPath, Resource, Skill

from ..models import (
    Collaborator,
    Goal,
    MailOptOut,
    Metric,
    Progress,
    ProgressEvent,
    Project,
    ResourceUse,
    SkillLink,
    Status,
    Submission,
    User,
)
from .format import MAX_IMPORT_BYTES
from .schema import ExportIn, ImportRefused, validate_import
from .submissions import OneTimeKey, submission_claim

# -- reading an import file -----------------------------------------------------------------


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


# -- writing an import ----------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import wrote, and what it left out."""

    progress_created: int = 0
    progress_updated: int = 0
    events: int = 0
    links: int = 0
    links_already_there: int = 0
    resources_used: int = 0
    resources_gone: int = 0  # marks on resources this catalog no longer lists
    goals: int = 0
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
        if self.resources_used:
            used = self.resources_used
            parts.insert(-1, f"{used} resource{'s' if used != 1 else ''} marked as used")
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
        if self.resources_gone:
            found.append(
                f"{self.resources_gone} resource{'s' if self.resources_gone != 1 else ''} you"
                " had marked as used "
                f"{'are' if self.resources_gone != 1 else 'is'} no longer in the catalog."
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
    and skills; kinds of mail stopped stay stopped. Timestamps are the file's. Mentor
    verifications (with their comments), feedback (received or given), a mentor's notes,
    mentorships, invitations and images are not imported: they are other
    people's statements, belong to a mentorship that the file cannot bring back, or are
    not in the file.
    Entries for skills this catalog does not have are left out and reported. The
    import form's one-time key is claimed first: the same file sent twice imports once
    (AlreadySubmitted for the repeat).
    """
    document = validate_import(data)
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

    profile = document.user.model_dump(exclude_unset=True) if document.user else {}
    changed = [name for name, value in profile.items() if value != ""]
    changed = [name for name in changed if getattr(user, name) != profile[name]]
    if changed:
        for name in changed:
            setattr(user, name, profile[name])
        user.save(update_fields=changed)
        report.profile_updated = True

    _import_progress(user, document, known, now, report)

    events = []
    for event in document.events:
        skill_id = known(event.skill)
        if skill_id is None:
            report.left_out += 1
            continue
        events.append(
            ProgressEvent(
                user=user,
                skill_id=skill_id,
                from_status=event.from_status,
                to_status=event.to_status,
                kind=event.kind,
                created_at=event.created_at,
            )
        )
    ProgressEvent.objects.bulk_create(events, batch_size=500)
    report.events = len(events)

    existing_links = set(SkillLink.objects.filter(user=user).values_list("skill_id", "url"))
    links, stamps = [], []
    for link in document.links:
        skill_id = known(link.skill)
        if skill_id is None:
            report.left_out += 1
        elif (skill_id, link.url) in existing_links:
            report.links_already_there += 1
        else:
            links.append(SkillLink(user=user, skill_id=skill_id, title=link.title, url=link.url))
            stamps.append((link.created_at or now,))
    SkillLink.objects.bulk_create(links, batch_size=500)
    _stamp(SkillLink, links, ["created_at"], stamps)
    report.links = len(links)

    _import_resource_uses(user, document, known, now, report)
    _import_goals(user, document, report)
    _import_projects(user, document, known, now, report)
    # The kinds of mail the file's account had stopped stay stopped here.
    MailOptOut.objects.bulk_create(
        [MailOptOut(user=user, kind=kind) for kind in sorted(set(document.mail_opt_outs))],
        ignore_conflicts=True,
    )
    report.unknown_skills = sorted(unknown)
    return report


def _import_goals(user: User, document: ExportIn, report: ImportReport) -> None:
    """The goal's history, appended; one the account already has (same moment) is kept.
    A path this curriculum lacks leaves the goal without one: the learner picks again."""
    paths = dict(LearningPath.objects.values_list("slug", "pk"))
    have = set(Goal.objects.filter(user=user).values_list("set_at", flat=True))
    goals = [
        Goal(
            user=user,
            path_id=paths.get(goal.path) if goal.path else None,
            hours_per_week=goal.hours_per_week,
            target_date=goal.target_date,
            set_at=goal.set_at,
        )
        for goal in document.goals
        if goal.set_at not in have
    ]
    Goal.objects.bulk_create(goals)
    report.goals = len(goals)


def _import_resource_uses(
    user: User,
    document: ExportIn,
    known: Callable[[str], int | None],
    now: dt.datetime,
    report: ImportReport,
) -> None:
    """Marks on curated resources, found by skill and key (so a resource whose address
    was corrected since is still found), else by skill and address; one the account
    already has is kept as it is."""
    wanted: list[tuple[int, str | None, str, dt.datetime]] = []
    for mark in document.resources_used:
        skill_id = known(mark.skill)
        if skill_id is None:
            report.left_out += 1
        else:
            wanted.append((skill_id, mark.resource, mark.url, mark.used_at or now))
    if not wanted:
        return
    by_key: dict[tuple[int, str], int] = {}
    by_url: dict[tuple[int, str], int] = {}
    for resource_id, resource_skill, resource_key, resource_url in Resource.objects.filter(
        skill_id__in={skill_id for skill_id, *_ in wanted}
    ).values_list("pk", "skill_id", "key", "url"):
        by_key[resource_skill, resource_key] = resource_id
        by_url[resource_skill, resource_url] = resource_id
    already = set(ResourceUse.objects.filter(user=user).values_list("resource_id", flat=True))
    marks = []
    for skill_id, key, url, when in wanted:
        pk = (by_key.get((skill_id, key)) if key else None) or by_url.get((skill_id, url))
        if pk is None:
            report.resources_gone += 1
        elif pk not in already:
            already.add(pk)
            marks.append(ResourceUse(user=user, resource_id=pk, created_at=when))
    ResourceUse.objects.bulk_create(marks, batch_size=500)
    report.resources_used = len(marks)


def _import_progress(
    user: User,
    document: ExportIn,
    known: Callable[[str], int | None],
    now: dt.datetime,
    report: ImportReport,
) -> None:
    existing = {p.skill_id: p for p in Progress.objects.select_for_update().filter(user=user)}
    updated, created, created_stamps = [], [], []
    for row in document.progress:
        skill_id = known(row.skill)
        if skill_id is None:
            report.left_out += 1
            continue
        progress = existing.get(skill_id) or Progress(user=user, skill_id=skill_id)
        keeps_verification = progress.status == Status.DONE and row.status == Status.DONE
        if not keeps_verification:
            progress.verified_by, progress.verified_at = None, None
            progress.verification_comment = ""
        progress.status, progress.note = row.status, row.note
        progress.started_at, progress.completed_at = row.started_at, row.completed_at
        progress.known_before = row.known_before and row.status == Status.DONE
        progress.updated_at = row.updated_at or now
        if progress.pk:
            updated.append(progress)
        else:
            created.append(progress)
            created_stamps.append((progress.updated_at,))
    written = ["status", "note", "started_at", "completed_at", "verified_by", "verified_at",
               "verification_comment", "known_before"]  # fmt: skip
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
    document: ExportIn,
    known: Callable[[str], int | None],
    now: dt.datetime,
    report: ImportReport,
) -> None:
    projects = [Project(owner=user, **p.project_fields()) for p in document.projects]
    Project.objects.bulk_create(projects, batch_size=200)
    stamps = [(p.created_at or now, p.updated_at or p.created_at or now) for p in document.projects]
    _stamp(Project, projects, ["created_at", "updated_at"], stamps)
    metrics, collaborators, tags = [], [], []
    through = Project.skills.through
    for project, p in zip(projects, document.projects, strict=True):
        metrics += [
            Metric(project=project, order=i, **m.metric_fields()) for i, m in enumerate(p.metrics)
        ]
        collaborators += [
            Collaborator(project=project, order=i, **c.model_dump())
            for i, c in enumerate(p.collaborators)
        ]
        skill_ids = {pk for pk in map(known, p.skills) if pk is not None}
        tags += [through(project_id=project.pk, skill_id=pk) for pk in sorted(skill_ids)]
        report.images_not_restored += len(p.images)
    Metric.objects.bulk_create(metrics, batch_size=500)
    Collaborator.objects.bulk_create(collaborators, batch_size=500)
    through.objects.bulk_create(tags, batch_size=500)
    report.projects = len(projects)
