"""Mail to learners and mentors. Sent after the transaction that caused it commits."""

from __future__ import annotations

from .. import mail
from .models import Feedback, Mentorship


def mentor_accepted(mentorship: Mentorship) -> None:
    mentor = mentorship.mentor
    mail.send(
        to=mentorship.learner.email,
        subject=f"{mentor.display_name} is now your mentor on Gradient",
        template="mentoring/mail/mentor_accepted.txt",
        context={"mentorship": mentorship, "mentor": mentor, "learner": mentorship.learner},
    )


def feedback_arrived(feedback: Feedback) -> None:
    target = feedback.target_title
    mail.send(
        to=feedback.learner.email,
        subject=f"Feedback from {feedback.mentor.display_name} on {target}",
        template="mentoring/mail/feedback_arrived.txt",
        context={"feedback": feedback, "target": target},
    )
