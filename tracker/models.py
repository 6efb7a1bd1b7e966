"""Every model of the tracker app, from the feature that owns it (Django and the
migrations find them here; the tables keep their names)."""

from .account.models import USERNAME_RULE, MailKind, MailOptOut, Submission, User, validate_username
from .mentoring.models import Feedback, Invite, MentorNote, Mentorship, MentorshipQuerySet
from .portfolio.models import (
    Collaborator,
    Metric,
    Project,
    ProjectImage,
    ProjectQuerySet,
    _image_path,
)
from .progress.models import (
    EventKind,
    Goal,
    Progress,
    ProgressEvent,
    ResourceUse,
    SkillLink,
    Status,
)

__all__ = [
    "USERNAME_RULE",
    "Collaborator",
    "EventKind",
    "Feedback",
    "Goal",
    "Invite",
    "MailKind",
    "MailOptOut",
    "MentorNote",
    "Mentorship",
    "MentorshipQuerySet",
    "Metric",
    "Progress",
    "ProgressEvent",
    "Project",
    "ProjectImage",
    "ProjectQuerySet",
    "ResourceUse",
    "SkillLink",
    "Status",
    "Submission",
    "User",
    "validate_username",
    "_image_path",  # the migrations name it here
]
