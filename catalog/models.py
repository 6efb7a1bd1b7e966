from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.text import slugify


class Level(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class Track(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    summary = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    # Set when a curator changes the entry in admin (for a skill: also its prerequisites
    # and resources); `load_curriculum` leaves such an entry as it is unless --force.
    curated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title


class SkillQuerySet(models.QuerySet["Skill"]):
    def published(self) -> SkillQuerySet:
        return self.filter(is_published=True)


# Most hours a skill of each level may claim. A skill bigger than this is several skills,
# or a milestone (a degree, an internship) whose hours are only the decision and the
# applications: the study itself is counted in the skills it teaches. The curriculum
# loader and admin both hold a skill to it, so admin cannot save what the file refuses.
MAX_HOURS = {Level.BEGINNER: 80, Level.INTERMEDIATE: 120, Level.ADVANCED: 160}


class Skill(models.Model):
    track = models.ForeignKey(Track, on_delete=models.PROTECT, related_name="skills")
    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    summary = models.TextField()
    level = models.CharField(max_length=12, choices=Level.choices, default=Level.BEGINNER)
    hours = models.PositiveSmallIntegerField(help_text="Estimated hours of study.")
    order = models.PositiveSmallIntegerField(default=0, help_text="Position within the track.")
    is_published = models.BooleanField("published", default=True)
    aliases = models.CharField(
        max_length=500,
        blank=True,
        help_text="Other names learners type, comma-separated: “MLOps, ML lifecycle”.",
    )
    prerequisites: models.ManyToManyField[Skill, Prerequisite] = models.ManyToManyField(
        "self",
        through="Prerequisite",
        through_fields=("skill", "requires"),
        symmetrical=False,
        related_name="unlocks",
        blank=True,
    )
    # Set when a curator changes the entry in admin (for a skill: also its prerequisites
    # and resources); `load_curriculum` leaves such an entry as it is unless --force.
    curated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SkillQuerySet.as_manager()

    class Meta:
        ordering = ["track__order", "order", "title"]
        indexes = [models.Index(fields=["track", "order"], name="skill_track_order")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        most = MAX_HOURS.get(Level(self.level)) if self.level in Level.values else None
        if most is not None and self.hours is not None and self.hours > most:
            raise ValidationError(
                {"hours": f"A {self.level} skill takes at most {most} hours, not {self.hours}."}
            )

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)


def split_aliases(aliases: str) -> list[str]:
    return [a.strip() for a in aliases.split(",") if a.strip()]


class LearningPath(models.Model):
    """A role (ML engineer, MLOps engineer...) as an ordered selection of the shared skills,
    in stages; a skill keeps one identity whatever paths include it."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=120)
    summary = models.TextField()
    suits = models.TextField(help_text="Who the path suits.")
    order = models.PositiveSmallIntegerField(default=0)
    # Prerequisites of the path's skills that it takes as known rather than teaching.
    assumed: models.ManyToManyField[Skill, Any] = models.ManyToManyField(
        "Skill", blank=True, related_name="+"
    )
    curated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["order", "title"]
        verbose_name = "path"

    def __str__(self) -> str:
        return self.title


class PathStep(models.Model):
    """A skill of a path, in a stage; required, or an elective."""

    path = models.ForeignKey(LearningPath, on_delete=models.CASCADE, related_name="steps")
    skill = models.ForeignKey("Skill", on_delete=models.PROTECT, related_name="+")
    stage = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0, help_text="Position in the path.")
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["path", "skill"], name="one_step_per_path_skill")
        ]

    def __str__(self) -> str:
        return f"{self.path}: {self.skill}"


class Prerequisite(models.Model):
    """`skill` is best learned after `requires`. The graph of these rows stays acyclic."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="prerequisite_links")
    requires = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="unlock_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["skill", "requires"], name="unique_prerequisite"),
            models.CheckConstraint(condition=~Q(skill=F("requires")), name="prerequisite_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.skill} needs {self.requires}"


# Mirror Resource.link_ok: a status in 200..399 is a working link; a checked link with
# no status (a timeout, a refused connection) or another status is broken.
LINK_OK = Q(link_status__gte=200, link_status__lt=400)
LINK_BROKEN = Q(link_checked_at__isnull=False) & ~LINK_OK


class ResourceQuerySet(models.QuerySet["Resource"]):
    def broken(self) -> ResourceQuerySet:
        """Checked, and the last check got no answer or an error status."""
        return self.filter(LINK_BROKEN)

    def redirected(self) -> ResourceQuerySet:
        """The last check found that the URL redirects elsewhere."""
        return self.exclude(link_redirect_url="")


def resource_key(title: str, taken: set[str]) -> str:
    """A key for a resource of a skill, made from its title: a slug, not in `taken`."""
    base = slugify(title)[:72].strip("-") or "resource"
    key, n = base, 1
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


class Resource(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", "Course"
        BOOK = "book", "Book"
        DOCS = "docs", "Documentation"
        VIDEO = "video", "Video"
        ARTICLE = "article", "Article"
        PRACTICE = "practice", "Practice"
        COMMUNITY = "community", "Community"

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(max_length=200)
    # Stable within the skill: learners' marks and the curriculum file follow the key, so
    # a corrected address or title keeps them. Made from the title when left empty.
    key = models.SlugField(
        max_length=80, blank=True, help_text="Stable name within the skill; made from the title."
    )
    url = models.URLField("URL", max_length=500)
    section = models.CharField(
        max_length=120,
        blank=True,
        help_text='The part this skill needs, when the address is the whole work: "Chapter 3".',
    )
    author = models.CharField(
        max_length=200, blank=True, help_text="Who wrote or teaches it; empty when unsure."
    )
    provider = models.CharField(
        max_length=120, blank=True, help_text="Who publishes it: a site, a university, a press."
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    is_free = models.BooleanField("free", default=True)
    minutes = models.PositiveIntegerField(help_text="Estimated time to work through it.")
    order = models.PositiveSmallIntegerField(default=0)
    # Filled in by `manage.py check_links`.
    link_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="HTTP status of the last check."
    )
    link_error = models.CharField(max_length=200, blank=True)
    link_checked_at = models.DateTimeField(null=True, blank=True)
    # Where the URL led when it answered with a redirect: the last address reached, or the
    # first one the checker would not follow (not http(s), or https to http). Not a
    # URLField: it holds what a remote server said, which a curator must see as it was.
    link_redirect_url = models.CharField("redirects to", max_length=2000, blank=True)
    link_redirect_status = models.PositiveSmallIntegerField(
        "redirect status",
        null=True,
        blank=True,
        help_text="HTTP status of the first redirect: 301 and 308 are permanent.",
    )

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["skill", "url"], name="unique_resource_url_per_skill"),
            models.UniqueConstraint(fields=["skill", "key"], name="unique_resource_key_per_skill"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.key:
            taken = set(
                Resource.objects.filter(skill_id=self.skill_id)
                .exclude(pk=self.pk)
                .values_list("key", flat=True)
            )
            self.key = resource_key(self.title, taken)
        super().save(*args, **kwargs)

    @property
    def link_ok(self) -> bool | None:
        if self.link_checked_at is None:
            return None
        return self.link_status is not None and 200 <= self.link_status < 400
