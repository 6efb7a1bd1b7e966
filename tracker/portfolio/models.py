"""Projects a learner documents as evidence of skills, with their tables and images."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from catalog.models import Skill

from ..account.models import User
from ..mentoring.models import Mentorship
from . import metrics


class ProjectQuerySet(models.QuerySet["Project"]):
    def public(self) -> ProjectQuerySet:
        return self.filter(visibility=Project.Visibility.PUBLIC)

    def visible_to(self, user: User | AnonymousUser) -> ProjectQuerySet:
        """What `user` may read: their own, public ones, and those shared with mentors
        of learners `user` actively mentors. Never someone else's private project."""
        if not user.is_authenticated:
            return self.public()
        mentoring = Mentorship.objects.active().filter(learner=OuterRef("owner"), mentor=user)
        shared = Q(visibility=Project.Visibility.MENTORS) & Exists(mentoring)
        return self.filter(Q(owner=user) | Q(visibility=Project.Visibility.PUBLIC) | shared)

    def shared_with_mentors(self) -> ProjectQuerySet:
        return self.exclude(visibility=Project.Visibility.PRIVATE)


class Project(models.Model):
    """A portfolio entry, documented the way employers read one: problem, data, method,
    results and metrics, code, visualisations, collaborators, and the skills it proves."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", "Personal project"
        KAGGLE = "kaggle", "Kaggle competition"
        OPEN_SOURCE = "open_source", "Open-source contribution"
        INTERNSHIP = "internship", "Internship"
        WORK = "work", "Work project"
        COURSE = "course", "Course project"

    class Visibility(models.TextChoices):
        PRIVATE = "private", "Private: only me"
        MENTORS = "mentors", "Mentors: me and my mentors"
        PUBLIC = "public", "Public: anyone with the link"

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PERSONAL)
    summary = models.CharField(max_length=280, help_text="One or two sentences for the card.")
    problem = models.TextField(blank=True, help_text="What question, for whom. Markdown.")
    data_source = models.CharField("data source", max_length=200, blank=True)
    data_size = models.CharField(
        "data size", max_length=100, blank=True, help_text="e.g. “70,000 images, 28×28”."
    )
    data_licence = models.CharField("data licence", max_length=100, blank=True)
    data_url = models.URLField("data link", max_length=500, blank=True)
    approach = models.TextField(blank=True, help_text="Method, models, features. Markdown.")
    results = models.TextField(blank=True, help_text="What you found, and what's next. Markdown.")
    repository_url = models.URLField("repository", max_length=500, blank=True)
    demo_url = models.URLField("demo", max_length=500, blank=True)
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="projects", help_text="The skills this project shows."
    )
    started_on = models.DateField("started", null=True, blank=True)
    finished_on = models.DateField("finished", null=True, blank=True)
    visibility = models.CharField(
        max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "visibility"], name="project_owner_visibility")]
        constraints = [
            models.CheckConstraint(
                condition=Q(finished_on__isnull=True)
                | Q(started_on__isnull=True)
                | Q(finished_on__gte=models.F("started_on")),
                name="project_finishes_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tracker:project", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def key_metric(self) -> Metric | None:
        """The row a card shows: the first test-split metric, else the first row.

        Reads the prefetched rows; no query of its own when they are prefetched.
        """
        rows = list(self.metrics.all())
        return next((m for m in rows if m.split == Metric.Split.TEST), rows[0] if rows else None)


def validate_number_text(value: str) -> None:
    """A stored metric number is in the form metrics.parse_number gives."""
    try:
        ok = metrics.parse_number(value) == value
    except ValueError:
        ok = False
    if not ok:
        raise ValidationError("Enter a number.", code="invalid")


class Metric(models.Model):
    """One row of an evaluation table. Its numbers are text, as the learner wrote them
    (metrics.py says why); `better` says which way is better when the name does not."""

    class Split(models.TextChoices):
        TRAIN = "train", "Train"
        VALIDATION = "validation", "Validation"
        TEST = "test", "Test"
        CROSS_VALIDATION = "cv", "Cross-validation"
        PRODUCTION = "production", "Production"

    class Better(models.TextChoices):
        HIGHER = metrics.HIGHER, "Higher"
        LOWER = metrics.LOWER, "Lower"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=60, help_text="e.g. accuracy, F1, RMSE, AUC.")
    split = models.CharField(max_length=12, choices=Split.choices, default=Split.TEST)
    value = models.CharField(
        max_length=metrics.NUMBER_COLUMN_CHARS, validators=[validate_number_text]
    )
    baseline = models.CharField(
        max_length=metrics.NUMBER_COLUMN_CHARS, blank=True, validators=[validate_number_text]
    )
    # Blank: judged by the name (metrics.KNOWN_DIRECTIONS), or not at all.
    better = models.CharField("better if", max_length=6, choices=Better.choices, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.split}) = {self.value}"

    @property
    def direction(self) -> str:
        """Which way is better, "higher" or "lower": as chosen, else by the name; "" if
        neither says."""
        return self.better or metrics.direction_by_name(self.name)

    @property
    def change(self) -> tuple[str, metrics.Judgement] | None:
        """The difference from the baseline as shown (+0.066, −0.0610) and whether it is
        better, worse or the same ("" when which way is better is unknown); None
        without a baseline."""
        found = metrics.change(self.value, self.baseline, self.direction)
        return None if found is None else (metrics.signed(found[0]), found[1])


class Collaborator(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="collaborators")
    name = models.CharField(max_length=100)
    url = models.URLField("link", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


def _image_path(instance: ProjectImage, filename: str) -> str:
    # The name was made random (uuid4) when the upload was re-encoded.
    return f"projects/{filename}"


class ProjectImage(models.Model):
    """A visualisation, re-encoded on upload and served only through an access check."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="images")
    image = models.FileField(upload_to=_image_path, max_length=200)
    thumbnail = models.FileField(upload_to=_image_path, max_length=200)
    caption = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.caption or f"Image {self.pk} of {self.project}"

    @property
    def url(self) -> str:
        return reverse("tracker:project-image", args=[self.project_id, self.pk, "full"])

    @property
    def thumbnail_url(self) -> str:
        return reverse("tracker:project-image", args=[self.project_id, self.pk, "thumb"])
