"""Mail to learners and mentors. Sent after the transaction that caused it commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from .models import Feedback, Mentorship


def _send(*, to: str, subject: str, template: str, context: dict) -> None:
    if not to:
        return
    body = render_to_string(template, {**context, "site_url": settings.SITE_URL})
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=True)
    )


def mentor_accepted(mentorship: Mentorship) -> None:
    mentor = mentorship.mentor
    _send(
        to=mentorship.learner.email,
        subject=f"{mentor.display_name} is now your mentor on Gradient",
        template="mentoring/mail/mentor_accepted.txt",
        context={"mentorship": mentorship, "mentor": mentor, "learner": mentorship.learner},
    )


def feedback_arrived(feedback: Feedback) -> None:
    target = feedback.project.title if feedback.project else feedback.skill.title
    _send(
        to=feedback.learner.email,
        subject=f"Feedback from {feedback.mentor.display_name} on {target}",
        template="mentoring/mail/feedback_arrived.txt",
        context={"feedback": feedback, "target": target},
    )
