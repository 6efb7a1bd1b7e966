"""Writes that span tables, each in one transaction. Views and tests change state here."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING, NamedTuple

from django.core import signing
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Model, QuerySet
from django.forms import BaseInlineFormSet
from django.utils import timezone

from catalog.models import Skill, Track

from . import emails
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
    Submission,
    User,
)

if TYPE_CHECKING:
    from .forms import ProjectForm
from .progress import apply_status

# -- one-time form keys ---------------------------------------------------------------------

SUBMISSION_DAYS = 7  # claims older than this are pruned; no form page lives that long


class AlreadySubmitted(Exception):
    """The form's key was claimed before: `claim` says what it made, `same` whether this
    send carries the same content (a double click) or different content (refused)."""

    def __init__(self, claim: Submission, *, same: bool) -> None:
        super().__init__(f"submission {claim.key} was already used")
        self.claim = claim
        self.same = same


class OneTimeKey(NamedTuple):
    """What a create form sent its key with (forms.OneTimeKeyMixin.one_time_key)."""

    key: uuid.UUID
    digest: str


def submission_claim(
    *, user: User, key: uuid.UUID, kind: str, digest: str, now: dt.datetime | None = None
) -> Submission:
    """Claim a create form's one-time key, inside the caller's transaction, before it
    creates anything; record what it made with `submission_made`.

    Raises AlreadySubmitted if the key was claimed before. Under concurrent sends the
    unique constraint decides: PostgreSQL holds the second insert until the first
    transaction ends, and SQLite's IMMEDIATE transactions run one after the other, so
    the claim found is always a committed one, with its object.
    """
    try:
        with transaction.atomic():  # a savepoint, so the caller's transaction survives
            claim = Submission.objects.create(user=user, key=key, kind=kind, digest=digest)
    except IntegrityError:
        claim = Submission.objects.get(user=user, key=key)
        raise AlreadySubmitted(claim, same=claim.kind == kind and claim.digest == digest) from None
    cutoff = (now or timezone.now()) - dt.timedelta(days=SUBMISSION_DAYS)
    Submission.objects.filter(user=user, created_at__lt=cutoff).delete()
    return claim


def _claim(once: OneTimeKey | None, user: User, kind: str) -> Submission | None:
    if once is None:
        return None
    return submission_claim(user=user, key=once.key, kind=kind, digest=once.digest)


def _made(claim: Submission | None, made: Model) -> None:
    """Record what a claimed key made, so a repeated send is led to it."""
    if claim is not None:
        claim.object_id = made.pk
        claim.save(update_fields=["object_id"])


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
STATUS_FIELDS = ["status", "started_at", "completed_at", "verified_by", "verified_at", "updated_at"]


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
    Progress.objects.bulk_update(rows, STATUS_FIELDS)
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


@transaction.atomic
def skill_link_add(
    *, user: User, skill: Skill, title: str, url: str, once: OneTimeKey | None = None
) -> SkillLink:
    claim = _claim(once, user, Submission.Kind.LINK)
    link = SkillLink.objects.create(user=user, skill=skill, title=title, url=url)
    _made(claim, link)
    return link


@transaction.atomic
def project_save(
    *,
    owner: User,
    form: ProjectForm,
    metrics: BaseInlineFormSet,
    collaborators: BaseInlineFormSet,
    once: OneTimeKey | None = None,
) -> Project:
    """Save a project with its evaluation table, collaborators and new images, together.

    The forms are already valid. A new project's form key is claimed first (raising
    AlreadySubmitted for a repeat). Image files are written before the rows that name
    them; if anything fails, the files written here are removed again.
    """
    claim = _claim(once, owner, Submission.Kind.PROJECT)
    project = _save_project(owner, form, metrics, collaborators)
    _made(claim, project)
    return project


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


# -- mentoring ------------------------------------------------------------------------------

INVITE_SALT = "gradient.mentor-invite"
INVITE_DAYS = 7


class InviteError(Exception):
    """An invite that cannot be accepted, with a message to show as it is."""


@transaction.atomic
def invite_create(
    *, learner: User, once: OneTimeKey | None = None, now: dt.datetime | None = None
) -> Invite:
    now = now or timezone.now()
    claim = _claim(once, learner, Submission.Kind.INVITE)
    invite = Invite.objects.create(learner=learner, expires_at=now + dt.timedelta(days=INVITE_DAYS))
    _made(claim, invite)
    return invite


def invite_token(invite: Invite) -> str:
    """The signed token in an invite link; tampering with it makes it invalid."""
    return signing.dumps(invite.pk, salt=INVITE_SALT, compress=True)


def invite_from_token(token: str) -> Invite:
    """The invite a token names, or InviteError if the token is forged or too old.

    Whether that invite can still be accepted, and by whom, is `invite_check`'s to say.
    """
    try:
        pk = signing.loads(token, salt=INVITE_SALT, max_age=dt.timedelta(days=INVITE_DAYS))
    except signing.SignatureExpired:
        raise InviteError(EXPIRED) from None
    except signing.BadSignature:
        raise InviteError(
            "This invite link is not valid. Check that it was copied whole."
        ) from None
    invite = Invite.objects.select_related("learner").filter(pk=pk).first()
    if invite is None:  # the learner deleted it with their account
        raise InviteError(WITHDRAWN)
    return invite


EXPIRED = "This invite link has expired. Ask for a new one."
WITHDRAWN = "This invite link was withdrawn by the learner."
USED = (
    "This invite link has already been used, and an invite link works once. "
    "If the learner wants you as a mentor, they can send you a new one."
)


def invite_check(invite: Invite, mentor: User, now: dt.datetime) -> Mentorship | None:
    """The rules of accepting, in one place: raises InviteError if `mentor` may not use
    `invite`, else returns the mentorship this invite already made for them (a second
    click on Accept), or None if accepting would make one.

    An accepted invite never makes a mentorship again, for anyone: once its mentorship
    is revoked, the link is spent for good.
    """
    if mentor.pk == invite.learner_id:
        raise InviteError(
            "This is your own invite link: send it to the person you want as a mentor."
        )
    if invite.used_at:
        if invite.used_by_id == mentor.pk:
            active = Mentorship.objects.active().filter(learner_id=invite.learner_id, mentor=mentor)
            if mentorship := active.first():
                return mentorship
        raise InviteError(USED)
    if invite.revoked_at:
        raise InviteError(WITHDRAWN)
    if invite.expires_at <= now:
        raise InviteError(EXPIRED)
    return None


@transaction.atomic
def invite_accept(*, invite: Invite, mentor: User, now: dt.datetime | None = None) -> Mentorship:
    """Make `mentor` an active mentor of the invite's learner; the link is then spent.

    Accepting the same link twice in a row answers the same mentorship and changes
    nothing; after that mentorship ends, the link is refused (see `invite_check`).
    """
    now = now or timezone.now()
    invite = Invite.objects.select_for_update().select_related("learner").get(pk=invite.pk)
    already = invite_check(invite, mentor, now)
    if already is not None:
        return already
    mentorship, created = Mentorship.objects.get_or_create(
        learner=invite.learner, mentor=mentor, state=Mentorship.State.ACTIVE
    )
    invite.used_at, invite.used_by = now, mentor
    invite.save(update_fields=["used_at", "used_by"])
    if created:
        emails.mentor_accepted(mentorship)
    return mentorship


def invite_revoke(*, invite: Invite, now: dt.datetime | None = None) -> str:
    """Withdraw an open invite link. Returns what happened, in words for the learner:
    a link already used cannot be withdrawn (revoking the mentor ends their access)."""
    if invite.used_at:
        who = invite.used_by.display_name if invite.used_by else "someone"
        return (
            f"That invite link was already used by {who}, so there was nothing to withdraw. "
            f"To end {who}'s access, revoke them under “Mentoring you now”."
        )
    if invite.revoked_at:
        return "That invite link was already withdrawn."
    invite.revoked_at = now or timezone.now()
    invite.save(update_fields=["revoked_at"])
    return "Invite link withdrawn: it no longer works."


@transaction.atomic
def mentorship_revoke(*, mentorship: Mentorship, now: dt.datetime | None = None) -> int:
    """End a mentorship; the mentor's access ends with this write.

    Every invite link the learner still has open is withdrawn too: a link does not say
    who holds it, and any of them could be in the revoked mentor's hands. The links the
    mentor used are spent already (`invite_check`). Returns how many links were withdrawn.
    """
    now = now or timezone.now()
    if mentorship.state != Mentorship.State.ACTIVE:
        return 0
    mentorship.state = Mentorship.State.REVOKED
    mentorship.revoked_at = now
    mentorship.save(update_fields=["state", "revoked_at"])
    return Invite.objects.filter(
        learner_id=mentorship.learner_id, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)


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
    once: OneTimeKey | None = None,
) -> Feedback:
    """A comment in the thread on one project or skill, by the mentor or the learner.

    The learner is emailed when their mentor writes.
    """
    claim = _claim(once, author, Submission.Kind.FEEDBACK)
    feedback = Feedback.objects.create(
        learner=mentorship.learner,
        mentor=mentorship.mentor,
        author=author,
        project=project,
        skill_id=skill_id,
        body=body,
    )
    _made(claim, feedback)
    if author.pk == mentorship.mentor_id:
        emails.feedback_arrived(feedback)
    return feedback


def feedback_mark_read(*, reader: User, threads: QuerySet[Feedback]) -> int:
    """Mark what the other side wrote in these threads as read by `reader`."""
    unread = threads.filter(read_at__isnull=True).exclude(author=reader)
    return unread.update(read_at=timezone.now())


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
