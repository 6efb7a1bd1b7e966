"""Writes that span tables, each in one transaction. Views and tests change state here."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.forms import BaseInlineFormSet
from django.utils import timezone

from catalog.models import Skill, Track

from .models import Progress, ProgressEvent, Project, ProjectImage, SkillLink, Status, User

if TYPE_CHECKING:
    from .forms import ProjectForm
from .progress import apply_status


@transaction.atomic
def progress_set_status(
    *, user: User, skill_id: int, status: str, now: dt.datetime | None = None
) -> tuple[Progress | None, bool]:
    """Move `user` on a skill to `status`, appending a progress event.

    Returns the row and whether anything changed. Setting the status a skill already
    has writes nothing. Safe under concurrent double posts: an existing row is locked
    before it is read, and a new row is inserted with ON CONFLICT DO NOTHING under the
    unique constraint, so two requests never make two rows or two events, and never
    fail on each other.
    """
    if status not in Status.values:
        raise ValueError(f"unknown status {status!r}")
    now = now or timezone.now()
    rows = Progress.objects.select_for_update().filter(user=user, skill_id=skill_id)
    progress = rows.first()
    if progress is None:
        if status == Status.TODO:
            return None, False  # No row is the same as "to do".
        progress = Progress(user=user, skill_id=skill_id)
        apply_status(progress, status, now)
        if _insert_if_absent(progress, now):
            _record_event(user, skill_id, Status.TODO, status, now)
            return progress, True
        progress = rows.get()  # Another request made it a moment ago; go on from there.
    if progress.status == status:
        return progress, False
    previous = progress.status
    apply_status(progress, status, now)
    progress.save()
    _record_event(user, skill_id, previous, status, now)
    return progress, True


def _insert_if_absent(progress: Progress, now: dt.datetime) -> bool:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL); True if it made the row.

    Written out because the ORM's bulk_create(ignore_conflicts=True) does not say
    whether the row was inserted, and that decides who records the event.
    """
    ops = connection.ops
    table = Progress._meta.db_table
    sql = (
        f"INSERT INTO {table} (user_id, skill_id, status, note, started_at, completed_at, "
        "updated_at) VALUES (%s, %s, %s, '', %s, %s, %s) "
        "ON CONFLICT (user_id, skill_id) DO NOTHING"
    )
    params = [
        progress.user_id,
        progress.skill_id,
        progress.status,
        ops.adapt_datetimefield_value(progress.started_at),
        ops.adapt_datetimefield_value(progress.completed_at),
        ops.adapt_datetimefield_value(now),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount == 1


def _record_event(user: User, skill_id: int, before: str, after: str, now: dt.datetime) -> None:
    ProgressEvent.objects.create(
        user=user, skill_id=skill_id, from_status=before, to_status=after, created_at=now
    )


@transaction.atomic
def progress_reset_track(*, user: User, track: Track, now: dt.datetime | None = None) -> int:
    """Move every skill of one track back to *to do*, recording each move as an event.

    Notes and links stay: they are the learner's writing, not their status.
    Returns how many skills were reset.
    """
    now = now or timezone.now()
    rows = list(
        Progress.objects.select_for_update()
        .filter(user=user, skill__track=track)
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
    Progress.objects.bulk_update(
        rows, ["status", "started_at", "completed_at", "verified_by", "verified_at", "updated_at"]
    )
    ProgressEvent.objects.bulk_create(events)
    return len(rows)


@transaction.atomic
def progress_save_note(*, user: User, skill: Skill, note: str) -> Progress:
    """Keep the learner's markdown note on a skill (a progress row is made if needed)."""
    progress, created = Progress.objects.get_or_create(
        user=user, skill=skill, defaults={"note": note}
    )
    if not created and progress.note != note:
        progress.note = note
        progress.save(update_fields=["note", "updated_at"])
    return progress


def skill_link_add(*, user: User, skill: Skill, title: str, url: str) -> SkillLink:
    return SkillLink.objects.create(user=user, skill=skill, title=title, url=url)


@transaction.atomic
def project_save(
    *,
    owner: User,
    form: ProjectForm,
    metrics: BaseInlineFormSet,
    collaborators: BaseInlineFormSet,
) -> Project:
    """Save a project with its evaluation table, collaborators and new images, together.

    The forms are already valid. Image files are written before the rows that name
    them; if anything fails, the files written here are removed again.
    """
    project = form.save(commit=False)
    project.owner = owner
    project.save()
    form.save_m2m()
    for formset in (metrics, collaborators):
        formset.instance = project
        formset.save()
    written: list[str] = []
    try:
        start = project.images.count()
        for offset, processed in enumerate(form.cleaned_data.get("images") or []):
            image = ProjectImage(
                project=project,
                width=processed.width,
                height=processed.height,
                order=start + offset,
            )
            image.image.save(processed.content.name, processed.content, save=False)
            written.append(image.image.name)
            image.thumbnail.save(processed.thumbnail.name, processed.thumbnail, save=False)
            written.append(image.thumbnail.name)
            image.save()
    except Exception:
        _delete_files(written)
        raise
    return project


def _delete_files(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _delete_after_commit(images: list[ProjectImage]) -> None:
    names = [name for image in images for name in (image.image.name, image.thumbnail.name)]
    transaction.on_commit(lambda: _delete_files(names))


@transaction.atomic
def project_delete(*, project: Project) -> None:
    """Delete a project; its image files go once the deletion has committed."""
    _delete_after_commit(list(project.images.all()))
    project.delete()


@transaction.atomic
def project_image_delete(*, image: ProjectImage) -> None:
    _delete_after_commit([image])
    image.delete()


def project_attach_skill(*, project: Project, skill_id: int) -> None:
    """Record `project` as evidence of a skill (idempotent)."""
    project.skills.add(skill_id)
