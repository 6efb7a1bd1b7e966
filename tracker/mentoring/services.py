"""Writes of mentoring, each in one transaction: invites and their rules, mentorships,
feedback, verification and a mentor's notes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core import signing
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from ..account import submissions
from ..account.models import Submission, User
from ..portfolio.models import Project
from ..progress.models import EventKind, Progress, ProgressEvent, Status
from . import emails
from .models import Feedback, Invite, MentorNote, Mentorship

INVITE_SALT = "gradient.mentor-invite"
INVITE_DAYS = 7
# Invitations a learner may have Gradient mail in a day: enough to ask a few people, too
# few to make Gradient a way to mail strangers. Counted in the database, so every
# server process agrees.
INVITES_PER_DAY = 10


class InviteError(Exception):
    """An invite that cannot be accepted, with a message to show as it is."""


@transaction.atomic
def invite_create(
    *, learner: User, once: submissions.OneTimeKey | None = None, now: dt.datetime | None = None
) -> Invite:
    now = now or timezone.now()
    claim = submissions.claim(once, learner, Submission.Kind.INVITE)
    invite = Invite.objects.create(learner=learner, expires_at=now + dt.timedelta(days=INVITE_DAYS))
    submissions.made(claim, invite)
    return invite


class TooManyInvites(Exception):
    """The learner sent INVITES_PER_DAY invitations in the last 24 hours."""


def invites_sent_today(learner: User, now: dt.datetime) -> int:
    return (
        Invite.objects.filter(learner=learner, created_at__gt=now - dt.timedelta(days=1))
        .exclude(sent_to="")
        .count()
    )


@transaction.atomic
def invite_send(
    *,
    learner: User,
    to: str,
    link_for: Callable[[Invite], str],
    once: submissions.OneTimeKey | None = None,
    now: dt.datetime | None = None,
) -> Invite:
    """An invite mailed to a username or an email address; the mentor still accepts it.

    The invite is made whatever `to` names, and what happens next is never told to the
    learner, so nobody can learn from it who has an account or which address is
    Gradient's: a username of a user with an address, or an address, gets the mail (an
    address of a user goes to that user), unless they stopped invitations; anything else
    gets nothing. Refused (TooManyInvites) past INVITES_PER_DAY in 24 hours, counted
    under a lock on the learner's row so parallel sends cannot pass it together.
    `link_for` makes the invite's absolute link (the view knows the site's address).
    """
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=learner.pk).first()
    if invites_sent_today(learner, now) >= INVITES_PER_DAY:
        raise TooManyInvites
    claim = submissions.claim(once, learner, Submission.Kind.INVITE)
    invite = Invite.objects.create(
        learner=learner, expires_at=now + dt.timedelta(days=INVITE_DAYS), sent_to=to
    )
    submissions.made(claim, invite)
    user, address = _recipient(to)
    if user is not None and user.pk == learner.pk:
        return invite  # their own name: nothing to send
    if user is not None or address:
        emails.invitation(invite, link=link_for(invite), user=user, address=address)
    return invite


def _recipient(to: str) -> tuple[User | None, str]:
    """The user `to` names (by username or email address), or the address alone."""
    if "@" in to:
        user = User.objects.filter(email__iexact=to).order_by("pk").first()
        if user is None:
            user = User.objects.filter(emailaddress__email__iexact=to).order_by("pk").first()
        return user, "" if user else to
    user = User.objects.filter(username__iexact=to, is_active=True).first()
    return (user, "") if user and user.email else (None, "")


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


def invite_check(invite: Invite, mentor: User | None, now: dt.datetime) -> Mentorship | None:
    """The rules of accepting, in one place: raises InviteError if `mentor` may not use
    `invite`, else returns the mentorship this invite already made for them (a second
    click on Accept), or None if accepting would make one.

    An accepted invite never makes a mentorship again, for anyone: once its mentorship
    is revoked, the link is spent for good. With no `mentor` (someone signed out), only
    whether the link can still be used by anyone.
    """
    if mentor is not None and mentor.pk == invite.learner_id:
        raise InviteError(
            "This is your own invite link: send it to the person you want as a mentor."
        )
    if invite.used_at:
        if mentor is not None and invite.used_by_id == mentor.pk:
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
    once: submissions.OneTimeKey | None = None,
) -> Feedback:
    """A comment in the thread on one project or skill, by the mentor or the learner.

    The learner is emailed when their mentor writes.
    """
    claim = submissions.claim(once, author, Submission.Kind.FEEDBACK)
    feedback = Feedback.objects.create(
        learner=mentorship.learner,
        mentor=mentorship.mentor,
        author=author,
        project=project,
        skill_id=skill_id,
        body=body,
    )
    submissions.made(claim, feedback)
    if author.pk == mentorship.mentor_id:
        emails.feedback_arrived(feedback)
    return feedback


def feedback_mark_read(*, reader: User, threads: QuerySet[Feedback]) -> int:
    """Mark what the other side wrote in these threads as read by `reader`."""
    unread = threads.filter(read_at__isnull=True).exclude(author=reader)
    return unread.update(read_at=timezone.now())


class VerificationError(Exception):
    """A verification that cannot be given or withdrawn, with a message to show as it is."""


@transaction.atomic
def progress_verify(
    *,
    mentor: User,
    learner: User,
    skill_id: int,
    comment: str = "",
    now: dt.datetime | None = None,
) -> Progress:
    """A mentor confirms a skill the learner marked done, with an optional comment, and
    a `verified` event goes into the skill's history.

    Refused (VerificationError) for a skill not done, one the learner knew before
    Gradient (nothing here to verify), or one another mentor verified (theirs to
    withdraw). The same mentor verifying again changes only the comment.
    """
    now = now or timezone.now()
    progress = Progress.objects.select_for_update().filter(user=learner, skill_id=skill_id).first()
    if progress is None or progress.status != Status.DONE:
        raise VerificationError("It is not marked done, so there is nothing to verify.")
    if progress.known_before:
        raise VerificationError(
            "They marked it as known before Gradient: there is no work here to verify."
        )
    if progress.verified_by_id not in (None, mentor.pk):
        raise VerificationError("Another mentor verified it already; only they can withdraw it.")
    again = progress.verified_by_id == mentor.pk
    progress.verified_by = mentor
    progress.verification_comment = comment
    if not again:
        progress.verified_at = now
        _verification_event(learner, skill_id, EventKind.VERIFIED, now)
    progress.save(
        update_fields=["verified_by", "verified_at", "verification_comment", "updated_at"]
    )
    return progress


@transaction.atomic
def progress_unverify(
    *, mentor: User, learner: User, skill_id: int, now: dt.datetime | None = None
) -> Progress:
    """Withdraw a verification: only the mentor who gave it can. An `unverified` event
    keeps the withdrawal in the skill's history."""
    progress = Progress.objects.select_for_update().filter(user=learner, skill_id=skill_id).first()
    if progress is None or progress.verified_by_id != mentor.pk:
        raise VerificationError("You have not verified it, so there is nothing to withdraw.")
    progress.verified_by, progress.verified_at, progress.verification_comment = None, None, ""
    progress.save(
        update_fields=["verified_by", "verified_at", "verification_comment", "updated_at"]
    )
    _verification_event(learner, skill_id, EventKind.UNVERIFIED, now or timezone.now())
    return progress


def _verification_event(learner: User, skill_id: int, kind: str, now: dt.datetime) -> None:
    # The status stays done: the event says what a mentor did, not a move.
    ProgressEvent.objects.create(
        user=learner,
        skill_id=skill_id,
        from_status=Status.DONE,
        to_status=Status.DONE,
        kind=kind,
        created_at=now,
    )


def mentor_note_save(*, mentor: User, learner: User, body: str) -> MentorNote:
    note, _ = MentorNote.objects.update_or_create(
        mentor=mentor, learner=learner, defaults={"body": body}
    )
    return note
