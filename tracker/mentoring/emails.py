"""Mail to learners and mentors. Sent after the transaction that caused it commits; each
kind can be stopped by its recipient in one click (mail.py)."""

from __future__ import annotations

from .. import mail
from ..account.models import MailKind, User
from .models import Feedback, Invite, Mentorship


def mentor_accepted(mentorship: Mentorship) -> None:
    mentor = mentorship.mentor
    mail.send(
        to=mentorship.learner.email,
        subject=f"{mentor.display_name} is now your mentor on Gradient",
        template="mentoring/mail/mentor_accepted.txt",
        context={"mentorship": mentorship, "mentor": mentor, "learner": mentorship.learner},
        kind=MailKind.MENTORSHIP,
        recipient=mentorship.learner,
    )


def feedback_arrived(feedback: Feedback) -> None:
    target = feedback.target_title
    mail.send(
        to=feedback.learner.email,
        subject=f"Feedback from {feedback.mentor.display_name} on {target}",
        template="mentoring/mail/feedback_arrived.txt",
        context={"feedback": feedback, "target": target},
        kind=MailKind.FEEDBACK,
        recipient=feedback.learner,
    )


def invitation(invite: Invite, *, link: str, user: User | None, address: str) -> None:
    """An invitation to mentor the invite's learner, to a user or to an address."""
    learner = invite.learner
    mail.send(
        to=user.email if user is not None else address,
        subject=f"{learner.display_name} invites you to mentor them on Gradient",
        template="mentoring/mail/invitation.txt",
        context={"invite": invite, "learner": learner, "link": link, "user": user},
        kind=MailKind.INVITE,
        recipient=user,
    )
