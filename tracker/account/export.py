"""Own your data, taken out: the account export as JSON (the format import reads back,
account/format.py) and the progress as CSV."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from catalog.models import Skill
from catalog.snapshot import get_catalog

from ..models import (
    Feedback,
    Goal,
    Invite,
    MailOptOut,
    MentorNote,
    Mentorship,
    Progress,
    ProgressEvent,
    Project,
    ResourceUse,
    SkillLink,
    Status,
    User,
)
from .format import FORMAT, PROFILE_TEXT, PROFILE_URLS, PROJECT_FIELDS, VERSION

# -- export ---------------------------------------------------------------------------------


def _when(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat() if value else None


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def build_export(
    user: User, *, absolute_url: Callable[[str], str], now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything `user` owns, as a JSON-ready dict: sixteen queries whatever its size.

    `absolute_url` turns a path into a full URL (the view passes
    `request.build_absolute_uri`). Lists are in a fixed order (curriculum order for
    progress, oldest first for the rest), so two exports of the same data are equal.
    """
    now = now or timezone.now()
    profile: dict[str, Any] = {"username": user.username, "email": user.email}
    profile |= {name: getattr(user, name) for name in (*PROFILE_TEXT, *PROFILE_URLS)}
    profile |= {"show_progress": user.show_progress, "date_joined": _when(user.date_joined)}
    profile["time_zone"] = user.time_zone
    goals = (
        Goal.objects.filter(user=user)
        .order_by("set_at", "id")
        .values_list("path__slug", "hours_per_week", "target_date", "set_at")
    )

    progress = (
        Progress.objects.filter(user=user)
        .select_related("skill", "verified_by")
        .order_by("skill__track__order", "skill__order", "skill__slug")
    )
    events = (
        ProgressEvent.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("skill__slug", "from_status", "to_status", "kind", "created_at")
    )
    resources_used = (
        ResourceUse.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("resource__skill__slug", "resource__key", "resource__url", "created_at")
    )
    links = (
        SkillLink.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("skill__slug", "title", "url", "created_at")
    )
    projects = (
        Project.objects.filter(owner=user)
        .order_by("created_at", "id")
        .prefetch_related(
            Prefetch("skills", queryset=Skill.objects.order_by("slug").only("slug")),
            "metrics",
            "collaborators",
            "images",
        )
    )
    feedback = (
        Feedback.objects.filter(learner=user)
        .order_by("created_at", "id")
        .values_list(
            "project__title", "skill__slug", "mentor__username", "author__username", "body",
            "created_at",
        )
    )  # fmt: skip
    # As a mentor: only what the mentor wrote, never the learner's replies. A project is
    # named only while the mentor may still read it (DESIGN.md's access table): its title
    # may have changed since, in a project now private or a mentorship now revoked.
    readable = Project.objects.visible_to(user).filter(pk=OuterRef("project_id"))
    given = (
        Feedback.objects.filter(mentor=user, author=user)
        .order_by("created_at", "id")
        .annotate(readable=Exists(readable))
        .values_list(
            "learner__username", "project__title", "readable", "skill__slug", "body", "created_at"
        )
    )
    # As a mentor: the verifications given and still standing, with what was said.
    verifications = (
        Progress.objects.filter(verified_by=user)
        .order_by("verified_at", "id")
        .values_list("user__username", "skill__slug", "verified_at", "verification_comment")
    )
    notes = (
        MentorNote.objects.filter(mentor=user)
        .order_by("updated_at", "id")
        .values_list("learner__username", "body", "updated_at")
    )
    as_learner = (
        Mentorship.objects.filter(learner=user)
        .order_by("created_at", "id")
        .values_list("mentor__username", "state", "share_notes", "created_at", "revoked_at")
    )
    # Kinds of mail the user stopped, and the invitations they had Gradient send.
    opt_outs = MailOptOut.objects.filter(user=user).order_by("kind").values_list("kind", flat=True)
    invites = (
        Invite.objects.filter(learner=user)
        .order_by("created_at", "id")
        .values_list("sent_to", "created_at", "expires_at", "used_at", "revoked_at")
    )
    as_mentor = (
        Mentorship.objects.filter(mentor=user)
        .order_by("created_at", "id")
        .values_list("learner__username", "state")
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _when(now),
        "user": profile,
        "progress": [
            {
                "skill": p.skill.slug,
                "status": p.status,
                "note": p.note,
                "started_at": _when(p.started_at),
                "completed_at": _when(p.completed_at),
                "updated_at": _when(p.updated_at),
                "verified_by": p.verified_by.username if p.verified_by else None,
                "verified_at": _when(p.verified_at),
                "verification_comment": p.verification_comment,
                "known_before": p.known_before,
            }
            for p in progress
        ],
        "events": [
            {
                "skill": slug,
                "from_status": before,
                "to_status": after,
                "kind": kind,
                "created_at": _when(at),
            }
            for slug, before, after, kind, at in events
        ],
        "links": [
            {"skill": slug, "title": title, "url": url, "created_at": _when(at)}
            for slug, title, url, at in links
        ],
        "goals": [
            {
                "path": path,
                "hours_per_week": hours,
                "target_date": target.isoformat() if target else None,
                "set_at": _when(at),
            }
            for path, hours, target, at in goals
        ],
        "resources_used": [
            {"skill": slug, "resource": key, "url": url, "used_at": _when(at)}
            for slug, key, url, at in resources_used
        ],
        "projects": [_project_export(p, absolute_url) for p in projects],
        "feedback": [
            {
                "project": project,
                "skill": skill,
                "mentor": mentor,
                "author": author,
                "body": body,
                "created_at": _when(at),
            }
            for project, skill, mentor, author, body, at in feedback
        ],
        "feedback_given": [
            {
                "learner": learner,
                "project": project if readable else None,
                "skill": skill,
                "body": body,
                "created_at": _when(at),
            }
            for learner, project, readable, skill, body, at in given
        ],
        "verifications_given": [
            {"learner": learner, "skill": skill, "verified_at": _when(at), "comment": comment}
            for learner, skill, at, comment in verifications
        ],
        "mentor_notes": [
            {"learner": learner, "body": body, "updated_at": _when(at)}
            for learner, body, at in notes
        ],
        "mail_opt_outs": list(opt_outs),
        "invites": [
            {
                "sent_to": sent_to,
                "created_at": _when(created),
                "expires_at": _when(expires),
                "used_at": _when(used),
                "revoked_at": _when(revoked),
            }
            for sent_to, created, expires, used, revoked in invites
        ],
        "mentorships": {
            "as_learner": [
                {
                    "mentor": mentor,
                    "state": state,
                    "share_notes": share_notes,
                    "created_at": _when(created),
                    "revoked_at": _when(revoked),
                }
                for mentor, state, share_notes, created, revoked in as_learner
            ],
            "as_mentor": [{"learner": learner, "state": state} for learner, state in as_mentor],
        },
    }


def _project_export(project: Project, absolute_url: Callable[[str], str]) -> dict[str, Any]:
    return {
        **{name: getattr(project, name) for name in PROJECT_FIELDS},
        "started_on": _day(project.started_on),
        "finished_on": _day(project.finished_on),
        "visibility": project.visibility,
        "created_at": _when(project.created_at),
        "updated_at": _when(project.updated_at),
        "url": absolute_url(project.get_absolute_url()),
        "skills": [skill.slug for skill in project.skills.all()],
        "metrics": [
            {
                "name": m.name,
                "split": m.split,
                "value": m.value,
                "baseline": m.baseline or None,
                "better": m.better or None,
            }
            for m in project.metrics.all()
        ],
        "collaborators": [{"name": c.name, "url": c.url} for c in project.collaborators.all()],
        "images": [
            {
                "caption": image.caption,
                "width": image.width,
                "height": image.height,
                "url": absolute_url(image.url),
            }
            for image in project.images.all()
        ],
    }


CSV_HEADER = [
    "track",
    "skill",
    "title",
    "status",
    "started_at",
    "completed_at",
    "verified_by",
    "verified_at",
    "verification_comment",
]

# Spreadsheet programs run a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Text a spreadsheet would read as a formula, quoted with a ' so it stays text."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def progress_csv_rows(user: User) -> Iterator[Sequence[object]]:
    """A row per published skill, in curriculum order, header first: one query (and the
    shared catalog). Skills with no progress row are *todo*."""
    catalog = get_catalog()
    rows = {p.skill_id: p for p in Progress.objects.filter(user=user).select_related("verified_by")}
    yield CSV_HEADER
    for pk in catalog.order:
        skill = catalog.skills[pk]
        row = rows.get(pk)
        cells: list[object] = [catalog.track(skill.track_id).title, skill.slug, skill.title]
        if row is None:
            cells += [Status.TODO.value, "", "", "", "", ""]
        else:
            cells += [
                row.status,
                _when(row.started_at) or "",
                _when(row.completed_at) or "",
                row.verified_by.username if row.verified_by else "",
                _when(row.verified_at) or "",
                row.verification_comment,
            ]
        yield [csv_safe(c) for c in cells]
