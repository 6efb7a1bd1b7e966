"""Where each learner stands on each skill, and the history of how they got there."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from catalog.models import LearningPath, Resource, Skill

from ..account.models import User


class Status(models.TextChoices):
    TODO = "todo", "To do"
    LEARNING = "learning", "Learning"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


class EventKind(models.TextChoices):
    STATUS = "status", "Status change"
    # Marked done in bulk as learned before Gradient: done for completion, but no part of
    # pace, streaks, the calendar, digests or the mentor's activity.
    KNOWN = "known", "Known before"
    VERIFIED = "verified", "Verified by a mentor"
    UNVERIFIED = "unverified", "Verification withdrawn"


class Progress(models.Model):
    """Where one user stands on one skill. Rows are created on the first status change."""

    # No index of its own: the unique (user, skill) constraint's index serves lookups by user.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="progress", db_index=False
    )
    # PROTECT: a curator deleting a skill must not silently erase learners' history;
    # the loader unpublishes skills instead.
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="progress")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TODO)
    note = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    # What the verifying mentor said about the evidence; it goes with the verification.
    verification_comment = models.TextField(blank=True)
    # Done because the learner knew it before (marked on /goal/known/); any later status
    # change clears it.
    known_before = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "progress"
        constraints = [
            # Concurrent double clicks must never make two rows.
            models.UniqueConstraint(fields=["user", "skill"], name="one_progress_per_user_skill"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.skill}: {self.get_status_display()}"

    @property
    def verifier_name(self) -> str:
        """Who verified it (query-free when verified_by is selected with the row)."""
        return self.verified_by.display_name if self.verified_by else ""


class ProgressEvent(models.Model):
    """An append-only record of what happened to a learner's skill: a status change, a
    skill marked as known before, a mentor's verification. History, pace, streaks and the
    calendar read it; only `status` events count as work done."""

    # Indexed by the (user, -created_at, -id) index below, which also orders recent events.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="progress_events", db_index=False
    )
    # Indexed by the (skill, user, created_at) index below.
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+", db_index=False)
    from_status = models.CharField(max_length=10, choices=Status.choices)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    kind = models.CharField(max_length=10, choices=EventKind.choices, default=EventKind.STATUS)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The dashboard reads one user's recent events and completions by day.
            models.Index(fields=["user", "-created_at", "-id"], name="event_user_recent"),
            # A learner's first completion of a skill (the plans of a mentor's mentees),
            # and a skill's events. Skill first: led by the user, SQLite's planner would
            # take it for the reads above, which event_user_recent serves in order.
            models.Index(fields=["skill", "user", "created_at"], name="event_skill_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.skill}: {self.from_status} → {self.to_status}"


class SkillLink(models.Model):
    """A resource the learner found themselves and keeps beside a skill."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="skill_links")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    url = models.URLField("URL", max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["user", "skill"], name="skilllink_user_skill")]

    def __str__(self) -> str:
        return self.title


class ResourceUse(models.Model):
    """A learner's private mark on a curated resource: "I used this one". Only counts
    reach curators (catalog admin); nobody else sees the marks."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="resource_uses")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="uses")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "resource"], name="one_use_per_user_resource")
        ]

    def __str__(self) -> str:
        return f"{self.user} used {self.resource}"


class Goal(models.Model):
    """What a learner aims for: a path, hours a week, perhaps a date. Setting a goal adds a
    row; the latest is in force, and the earlier ones stay, so each past week can be
    judged by the goal then in force."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="goals")
    # A path gone from the curriculum leaves the goal without one: the learner picks again.
    path = models.ForeignKey(
        LearningPath, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hours_per_week = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    target_date = models.DateField(null=True, blank=True)
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-set_at", "-id"]
        indexes = [models.Index(fields=["user", "-set_at", "-id"], name="goal_user_latest")]

    def __str__(self) -> str:
        return f"{self.user}: {self.path or 'no path'}, {self.hours_per_week} h a week"
