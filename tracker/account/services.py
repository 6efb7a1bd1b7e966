"""Writes of the account as a whole: deleting it with everything it owns, and the
public profile."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

if TYPE_CHECKING:
    from .forms import ProfileForm

from ..models import (
    Feedback,
    Goal,
    Invite,
    MentorNote,
    Mentorship,
    Progress,
    ProgressEvent,
    Project,
    ProjectImage,
    ResourceUse,
    SkillLink,
    User,
)

# -- deleting an account --------------------------------------------------------------------


def account_contents(user: User) -> dict[str, int]:
    """Counts of what deleting the account removes, for the confirmation page."""
    return {
        "progress": Progress.objects.filter(user=user).count(),
        "events": ProgressEvent.objects.filter(user=user).count(),
        "links": SkillLink.objects.filter(user=user).count(),
        "resources_used": ResourceUse.objects.filter(user=user).count(),
        "goals": Goal.objects.filter(user=user).count(),
        "projects": Project.objects.filter(owner=user).count(),
        "images": ProjectImage.objects.filter(project__owner=user).count(),
        "mentors": Mentorship.objects.filter(learner=user).count(),
        "mentees": Mentorship.objects.filter(mentor=user).count(),
        "invites": Invite.objects.filter(learner=user).count(),
        "feedback": Feedback.objects.filter(
            Q(learner=user) | Q(mentor=user) | Q(author=user)
        ).count(),
        "mentor_notes": MentorNote.objects.filter(Q(mentor=user) | Q(learner=user)).count(),
    }


@transaction.atomic
def account_delete(*, user: User) -> dict[str, int]:
    """Delete the account and everything it owns, in this one transaction.

    Every table that points at a user cascades (skills are PROTECTed from deletion, not
    users): progress, events, own links, resources marked as used, projects with their
    metrics, collaborators and images, mentorships in both directions, invites, feedback
    received, given or written, mentor notes by or about the user, allauth's email
    addresses. Where another user's row merely mentions this one (an invite they used, a
    progress row they verified), the reference is emptied and the row stays (a
    verification loses its date and comment with its verifier). Image files go once the
    deletion commits.
    Returns the number of rows deleted per model.
    """
    storage = ProjectImage._meta.get_field("image").storage
    files = [
        name
        for pair in ProjectImage.objects.filter(project__owner=user).values_list(
            "image", "thumbnail"
        )
        for name in pair
        if name
    ]
    # A verification means nothing without its verifier: drop both halves together.
    verified = Progress.objects.filter(verified_by=user)
    verified.update(verified_by=None, verified_at=None, verification_comment="")
    _, deleted = user.delete()

    def delete_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return deleted


def profile_update(*, form: ProfileForm) -> User:
    """Save the public profile from its (valid) form: the user's row only."""
    return form.save()
