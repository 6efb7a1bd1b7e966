"""Mentors following learners: the mentorship, its invites, feedback and private notes."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from catalog.models import Skill

from ..account.models import User


class MentorshipQuerySet(models.QuerySet["Mentorship"]):
    def active(self) -> MentorshipQuerySet:
        return self.filter(state=Mentorship.State.ACTIVE)


class Mentorship(models.Model):
    """A mentor following a learner, with the learner's consent; revocable at any time."""

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        REVOKED = "revoked", "Revoked"

    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mentorships")
    mentor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="mentees")
    state = models.CharField(max_length=8, choices=State.choices, default=State.ACTIVE)
    share_notes = models.BooleanField(
        "share my notes", default=False, help_text="Let this mentor read your notes and links."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    digest_sent_at = models.DateTimeField(null=True, blank=True)

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # History keeps revoked rows; only one live link per pair.
            models.UniqueConstraint(
                fields=["learner", "mentor"],
                condition=Q(state="active"),
                name="one_active_mentorship_per_pair",
            ),
            models.CheckConstraint(condition=~Q(learner=F("mentor")), name="no_self_mentoring"),
        ]
        indexes = [models.Index(fields=["mentor", "state"], name="mentorship_mentor_state")]

    def __str__(self) -> str:
        return f"{self.mentor} mentors {self.learner} ({self.state})"


class Invite(models.Model):
    """A single-use invitation a learner shares with a would-be mentor."""

    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invites")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The username or address the learner sent it to, as typed; empty for a link they
    # share themselves. Whether it named anyone is never stored nor shown.
    sent_to = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Counting a learner's sends of the last day (the rate limit).
            models.Index(fields=["learner", "created_at"], name="invite_learner_created"),
        ]

    def __str__(self) -> str:
        return f"Invite {self.pk} from {self.learner}"


class Feedback(models.Model):
    """A mentor's comment on a learner's project or skill, or a reply in that thread."""

    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="feedback_received")
    mentor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="feedback_given")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(
        "tracker.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True, help_text="When the other side read it.")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(project__isnull=True, skill__isnull=False)
                | Q(project__isnull=False, skill__isnull=True),
                name="feedback_on_a_project_or_a_skill",
            ),
            models.CheckConstraint(
                condition=Q(author=F("learner")) | Q(author=F("mentor")),
                name="feedback_author_in_thread",
            ),
        ]
        indexes = [
            models.Index(fields=["learner", "read_at"], name="feedback_learner_unread"),
            models.Index(fields=["mentor", "read_at"], name="feedback_mentor_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.project or self.skill}"

    @property
    def target_title(self) -> str:
        if self.project is not None:
            return self.project.title
        assert self.skill is not None  # feedback_on_a_project_or_a_skill
        return self.skill.title

    @property
    def target_url(self) -> str:
        """The page of the project or skill the thread is about."""
        if self.project is not None:
            return self.project.get_absolute_url()
        assert self.skill is not None  # feedback_on_a_project_or_a_skill
        return reverse("catalog:skill", args=[self.skill.slug])

    @property
    def is_reply(self) -> bool:
        return self.author_id == self.learner_id

    @property
    def body_html(self) -> str:
        from ..markdown import render_markdown

        return render_markdown(self.body)


class MentorNote(models.Model):
    """What a mentor keeps about a mentee; only that mentor ever sees it."""

    mentor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "learner"], name="one_note_per_mentor_learner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mentor}'s note on {self.learner}"
