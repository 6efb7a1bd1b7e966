"""Writes that span tables, each in one transaction. Views and tests change state here."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core import signing
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet
from django.utils import timezone

from catalog.models import Skill, Track

from . import emails, revisions
from .models import (
    Feedback,
    Invite,
    MentorNote,
    Mentorship,
    Progress,
    ProgressEvent,
    Project,
    ProjectImage,
    SkillLink,
    Status,
    User,
)

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
    with revisions.batch():  # one bump for the row and its event
        return _set_status(user, skill_id, status, now or timezone.now())


# The toggle is the one write people make all day, so its statements are written out:
# the ORM spent longer composing them than the database took to run them. The tables
# and columns are the models' own names; every value is a parameter.
LOCK_SQL = (
    "SELECT id, user_id, skill_id, status, started_at, completed_at, verified_by_id, "
    "verified_at FROM tracker_progress WHERE user_id = %s AND skill_id = %s"
)
UPDATE_SQL = (
    "UPDATE tracker_progress SET status = %s, started_at = %s, completed_at = %s, "
    "verified_by_id = %s, verified_at = %s, updated_at = %s WHERE id = %s"
)
EVENT_SQL = (
    "INSERT INTO tracker_progressevent (user_id, skill_id, from_status, to_status, created_at) "
    "VALUES (%s, %s, %s, %s, %s)"
)


def _set_status(
    user: User, skill_id: int, status: str, now: dt.datetime
) -> tuple[Progress | None, bool]:
    lock = LOCK_SQL + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    found = list(Progress.objects.raw(lock, [user.pk, skill_id]))
    progress = found[0] if found else None
    if progress is None:
        if status == Status.TODO:
            return None, False  # No row is the same as "to do".
        progress = Progress(user=user, skill_id=skill_id)
        apply_status(progress, status, now)
        if _insert_if_absent(progress, now):
            _record_event(user, skill_id, Status.TODO, status, now)
            return progress, True
        # Another request made it a moment ago; go on from there.
        progress = next(iter(Progress.objects.raw(lock, [user.pk, skill_id])))
    if progress.status == status:
        return progress, False
    previous = progress.status
    apply_status(progress, status, now)
    progress.updated_at = now
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            UPDATE_SQL,
            [progress.status, adapt(progress.started_at), adapt(progress.completed_at),
             progress.verified_by_id, adapt(progress.verified_at), adapt(now), progress.pk],
        )  # fmt: skip
    _record_event(user, skill_id, previous, status, now)
    return progress, True


# What apply_status changes.
STATUS_FIELDS = ["status", "started_at", "completed_at", "verified_by", "verified_at", "updated_at"]


def _insert_if_absent(progress: Progress, now: dt.datetime) -> bool:
    """INSERT … ON CONFLICT DO NOTHING (SQLite and PostgreSQL); True if it made the row.

    Written out because the ORM's bulk_create(ignore_conflicts=True) does not say
    whether the row was inserted, and that decides who records the event.
    """
    ops = connection.ops
    table = Progress._meta.db_table
    # The table is the model's own name; every value is a parameter.
    sql = (
        f"INSERT INTO {table} (user_id, skill_id, status, note, started_at, completed_at, "  # nosec B608
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
    """Append the move to the history; the row and its event are SQL, so no signal bumps
    the revision: this does."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(EVENT_SQL, [user.pk, skill_id, before, after, adapt(now)])
    revisions.bump(user.pk)


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
    Progress.objects.bulk_update(rows, STATUS_FIELDS)
    ProgressEvent.objects.bulk_create(events)
    if rows:  # bulk writes send no signals
        revisions.bump(user.pk, *(p.verified_by_id for p in rows))
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
    with revisions.batch():  # one bump for the project and all its rows
        return _save_project(owner, form, metrics, collaborators)


def _save_project(
    owner: User, form: ProjectForm, metrics: BaseInlineFormSet, collaborators: BaseInlineFormSet
) -> Project:
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
    except BaseException:  # SystemExit too: gunicorn's timeout ends a worker with one
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


# -- mentoring ------------------------------------------------------------------------------

INVITE_SALT = "gradient.mentor-invite"
INVITE_DAYS = 7


class InviteError(Exception):
    """An invite that cannot be accepted, with a message to show as it is."""


def invite_create(*, learner: User, now: dt.datetime | None = None) -> Invite:
    now = now or timezone.now()
    return Invite.objects.create(learner=learner, expires_at=now + dt.timedelta(days=INVITE_DAYS))


def invite_token(invite: Invite) -> str:
    """The signed token in an invite link; tampering with it makes it invalid."""
    return signing.dumps(invite.pk, salt=INVITE_SALT, compress=True)


def invite_from_token(token: str, *, now: dt.datetime | None = None) -> Invite:
    """The invite a token names, if it can still be accepted; else InviteError."""
    try:
        pk = signing.loads(token, salt=INVITE_SALT, max_age=dt.timedelta(days=INVITE_DAYS))
    except signing.SignatureExpired:
        raise InviteError("This invite link has expired. Ask for a new one.") from None
    except signing.BadSignature:
        raise InviteError(
            "This invite link is not valid. Check that it was copied whole."
        ) from None
    invite = Invite.objects.select_related("learner").filter(pk=pk).first()
    if invite is None or invite.revoked_at:
        raise InviteError("This invite link was withdrawn by the learner.")
    if invite.expires_at <= (now or timezone.now()):
        raise InviteError("This invite link has expired. Ask for a new one.")
    return invite


@transaction.atomic
def invite_accept(*, invite: Invite, mentor: User, now: dt.datetime | None = None) -> Mentorship:
    """Make `mentor` an active mentor of the invite's learner; the link is then used up.

    Accepting the same link twice is harmless: it answers the same mentorship.
    """
    now = now or timezone.now()
    invite = Invite.objects.select_for_update().select_related("learner").get(pk=invite.pk)
    learner = invite.learner
    if mentor.pk == learner.pk:
        raise InviteError("This is your own invite link: nobody can mentor themselves.")
    if invite.revoked_at:
        raise InviteError("This invite link was withdrawn by the learner.")
    if invite.used_at and invite.used_by_id != mentor.pk:
        raise InviteError("This invite link has already been used.")
    if invite.expires_at <= now and not invite.used_at:
        raise InviteError("This invite link has expired. Ask for a new one.")
    mentorship, created = Mentorship.objects.get_or_create(
        learner=learner, mentor=mentor, state=Mentorship.State.ACTIVE
    )
    if not invite.used_at:
        invite.used_at, invite.used_by = now, mentor
        invite.save(update_fields=["used_at", "used_by"])
    if created:
        emails.mentor_accepted(mentorship)
    return mentorship


def invite_revoke(*, invite: Invite, now: dt.datetime | None = None) -> None:
    if not invite.used_at and not invite.revoked_at:
        invite.revoked_at = now or timezone.now()
        invite.save(update_fields=["revoked_at"])


def mentorship_revoke(*, mentorship: Mentorship, now: dt.datetime | None = None) -> None:
    """End a mentorship; the mentor's access ends with this write."""
    if mentorship.state == Mentorship.State.ACTIVE:
        mentorship.state = Mentorship.State.REVOKED
        mentorship.revoked_at = now or timezone.now()
        mentorship.save(update_fields=["state", "revoked_at"])


@transaction.atomic
def mentorship_create(*, learner: User, mentor: User) -> Mentorship:
    """Staff's way to pair a cohort without invites (admin uses the model directly)."""
    if learner.pk == mentor.pk:
        raise InviteError("Nobody can mentor themselves.")
    mentorship, _ = Mentorship.objects.get_or_create(
        learner=learner, mentor=mentor, state=Mentorship.State.ACTIVE
    )
    return mentorship


@transaction.atomic
def feedback_give(
    *,
    mentorship: Mentorship,
    author: User,
    body: str,
    project: Project | None = None,
    skill_id: int | None = None,
) -> Feedback:
    """A comment in the thread on one project or skill, by the mentor or the learner.

    The learner is emailed when their mentor writes.
    """
    feedback = Feedback.objects.create(
        learner=mentorship.learner,
        mentor=mentorship.mentor,
        author=author,
        project=project,
        skill_id=skill_id,
        body=body,
    )
    if author.pk == mentorship.mentor_id:
        emails.feedback_arrived(feedback)
    return feedback


def feedback_mark_read(*, reader: User, threads: QuerySet[Feedback]) -> int:
    """Mark what the other side wrote in these threads as read by `reader`."""
    unread = threads.filter(read_at__isnull=True).exclude(author=reader)
    marked = unread.update(read_at=timezone.now())
    if marked:  # both sides show unread counts; an update sends no signals
        pairs = threads.values_list("learner_id", "mentor_id").distinct()
        revisions.bump(*{pk for pair in pairs for pk in pair})
    return marked


def progress_verify(
    *, mentor: User, learner: User, skill_id: int, now: dt.datetime | None = None
) -> Progress:
    """A mentor confirms a skill the learner marked done (it must be done)."""
    progress = Progress.objects.get(user=learner, skill_id=skill_id, status=Status.DONE)
    progress.verified_by, progress.verified_at = mentor, now or timezone.now()
    progress.save(update_fields=["verified_by", "verified_at", "updated_at"])
    return progress


def mentor_note_save(*, mentor: User, learner: User, body: str) -> MentorNote:
    note, _ = MentorNote.objects.update_or_create(
        mentor=mentor, learner=learner, defaults={"body": body}
    )
    return note
