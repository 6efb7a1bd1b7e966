"""Writes of progress, each in one transaction: statuses (with their events), notes,
own links, resources marked as used, resetting a track. Views and tests change progress here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..account import submissions
from ..account.models import Submission, User
from .models import EventKind, Goal, Progress, ProgressEvent, ResourceUse, SkillLink, Status
from .rules import apply_status


def progress_set_status(
    *, user: User, skill_id: int, status: str, now: dt.datetime | None = None
) -> tuple[Progress | None, bool]:
    """Move `user` on a skill to `status`, appending a progress event, in one transaction.

    Returns the row and whether anything changed. Setting the status a skill already
    has writes nothing. Safe under concurrent double posts: an existing row is locked
    before it is read, and a new row is made under the unique (user, skill) constraint.
    If another request made that row first (PostgreSQL holds our insert until it
    commits, then refuses it), the whole move runs again from what that request made,
    so two requests never make two rows or two events, and never fail on each other.
    """
    if status not in Status.values:
        raise ValueError(f"unknown status {status!r}")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            return _set_status(user, skill_id, status, now)
    except IntegrityError:
        with transaction.atomic():
            return _set_status(user, skill_id, status, now)


def _set_status(
    user: User, skill_id: int, status: str, now: dt.datetime
) -> tuple[Progress | None, bool]:
    progress = Progress.objects.select_for_update().filter(user=user, skill_id=skill_id).first()
    if progress is None:
        if status == Status.TODO:
            return None, False  # No row is the same as "to do".
        progress = Progress(user=user, skill_id=skill_id)
        apply_status(progress, status, now)
        progress.save(force_insert=True)
        _record_event(user, skill_id, Status.TODO, status, now)
        return progress, True
    if progress.status == status:
        return progress, False
    previous = progress.status
    apply_status(progress, status, now)
    progress.save(update_fields=STATUS_FIELDS)
    _record_event(user, skill_id, previous, status, now)
    return progress, True


# What apply_status changes.
STATUS_FIELDS = [
    "status",
    "started_at",
    "completed_at",
    "verified_by",
    "verified_at",
    "verification_comment",
    "known_before",
    "updated_at",
]


def _record_event(user: User, skill_id: int, before: str, after: str, now: dt.datetime) -> None:
    ProgressEvent.objects.create(
        user=user, skill_id=skill_id, from_status=before, to_status=after, created_at=now
    )


def progress_mark_known(
    *, user: User, skill_ids: Iterable[int], now: dt.datetime | None = None
) -> list[int]:
    """Mark skills done as *known before*, in one transaction, with a `known` event each.

    Done for completion and prerequisites, but not work done here: pace, streaks, the
    calendar, digests and mentors' activity leave these out. Skills already done stay as
    they are (their completion is real). Returns the ids of the skills it marked. A
    status click that made one of the rows meanwhile makes the whole mark run again.
    """
    now = now or timezone.now()
    wanted = set(skill_ids)
    try:
        with transaction.atomic():
            return _mark_known(user, wanted, now)
    except IntegrityError:
        with transaction.atomic():
            return _mark_known(user, wanted, now)


def _mark_known(user: User, wanted: set[int], now: dt.datetime) -> list[int]:
    rows = {
        p.skill_id: p
        for p in Progress.objects.select_for_update().filter(user=user, skill_id__in=wanted)
    }
    marked, created, events = [], [], []
    for skill_id in sorted(wanted):
        progress = rows.get(skill_id)
        if progress is not None and progress.status == Status.DONE:
            continue
        before = progress.status if progress else Status.TODO
        if progress is None:
            progress = Progress(user=user, skill_id=skill_id)
            created.append(progress)
        apply_status(progress, Status.DONE, now)
        progress.known_before = True
        progress.updated_at = now  # bulk_update does not apply auto_now
        marked.append(progress)
        events.append(
            ProgressEvent(
                user=user,
                skill_id=skill_id,
                from_status=before,
                to_status=Status.DONE,
                kind=EventKind.KNOWN,
                created_at=now,
            )
        )
    Progress.objects.bulk_update([p for p in marked if p.pk], STATUS_FIELDS)
    Progress.objects.bulk_create(created)
    ProgressEvent.objects.bulk_create(events)
    return [p.skill_id for p in marked]


@transaction.atomic
def progress_reset_track(*, user: User, track_id: int, now: dt.datetime | None = None) -> int:
    """Move every skill of one track back to *to do*, recording each move as an event.

    Notes and links stay: they are the learner's writing, not their status.
    Returns how many skills were reset.
    """
    now = now or timezone.now()
    rows = list(
        Progress.objects.select_for_update()
        .filter(user=user, skill__track_id=track_id)
        .exclude(status=Status.TODO)
    )
    events = []
    for progress in rows:
        events.append(
            ProgressEvent(
                user=user,
                skill_id=progress.skill_id,
                from_status=progress.status,
                to_status=Status.TODO,
                created_at=now,
            )
        )
        apply_status(progress, Status.TODO, now)
    Progress.objects.bulk_update(rows, STATUS_FIELDS)
    ProgressEvent.objects.bulk_create(events)
    return len(rows)


@transaction.atomic
def progress_save_note(*, user: User, skill_id: int, note: str) -> Progress:
    """Keep the learner's markdown note on a skill (a progress row is made if needed)."""
    progress, created = Progress.objects.get_or_create(
        user=user, skill_id=skill_id, defaults={"note": note}
    )
    if not created and progress.note != note:
        progress.note = note
        progress.save(update_fields=["note", "updated_at"])
    return progress


@transaction.atomic
def skill_link_add(
    *,
    user: User,
    skill_id: int,
    title: str,
    url: str,
    once: submissions.OneTimeKey | None = None,
) -> SkillLink:
    """Keep a link the learner found beside a skill; the form's key is claimed first."""
    claim = submissions.claim(once, user, Submission.Kind.LINK)
    link = SkillLink.objects.create(user=user, skill_id=skill_id, title=title, url=url)
    submissions.made(claim, link)
    return link


def skill_link_delete(*, user: User, skill_id: int, link_id: int) -> None:
    """Remove one of the user's own links (SkillLink.DoesNotExist if it is not theirs)."""
    SkillLink.objects.get(pk=link_id, user=user, skill_id=skill_id).delete()


def resource_mark_used(*, user: User, resource_id: int, used: bool) -> None:
    """Mark a curated resource as used by `user`, or take the mark back. Marking twice
    keeps one mark (the unique constraint settles two requests at once)."""
    if used:
        ResourceUse.objects.get_or_create(user=user, resource_id=resource_id)
    else:
        ResourceUse.objects.filter(user=user, resource_id=resource_id).delete()


@transaction.atomic
def goal_set(
    *,
    user: User,
    path_id: int,
    hours_per_week: int,
    target_date: dt.date | None,
    time_zone: str,
    now: dt.datetime | None = None,
) -> Goal:
    """Set the learner's goal (a new row: the earlier ones stay as its history) and their
    time zone, together."""
    goal = Goal.objects.create(
        user=user,
        path_id=path_id,
        hours_per_week=hours_per_week,
        target_date=target_date,
        set_at=now or timezone.now(),
    )
    if user.time_zone != time_zone:
        user.time_zone = time_zone
        user.save(update_fields=["time_zone"])
    return goal
