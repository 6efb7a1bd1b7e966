from __future__ import annotations

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse

from catalog.models import Skill

USERNAME_RULE = "2 to 30 characters: letters a–z (either case), digits, and . _ - between them."
# ASCII only: a username names the public page /u/<username>/, and Unicode look-alikes
# (a Cyrillic "а", a full-width "ａ") would let one account pass for another.
validate_username = RegexValidator(
    r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,28}[A-Za-z0-9]\Z",
    message=f"Choose another username: {USERNAME_RULE}",
    code="invalid_username",
)


class User(AbstractUser):
    """A Gradient account. Usernames are public: they name the portfolio page /u/<username>/.

    Casing is kept as typed, but two usernames that differ only in case are the same
    name: allauth looks them up case-insensitively, and the database refuses a second.
    """

    username = models.CharField(
        max_length=150,  # Django's, so existing rows stay valid; the validator says 30
        unique=True,
        validators=[validate_username],
        help_text=USERNAME_RULE,
        error_messages={"unique": "A user with that username already exists."},
    )

    # The public portfolio page's profile, edited at /account/profile/.
    headline = models.CharField(
        max_length=120, blank=True, help_text="One line, e.g. “Aspiring ML engineer, NLP”."
    )
    bio = models.TextField(blank=True, help_text="A short paragraph. Markdown.")
    github_url = models.URLField("GitHub", max_length=300, blank=True)
    linkedin_url = models.URLField("LinkedIn", max_length=300, blank=True)
    kaggle_url = models.URLField("Kaggle", max_length=300, blank=True)
    website_url = models.URLField("personal site or blog", max_length=300, blank=True)
    show_progress = models.BooleanField(
        "show my progress per track on my public page", default=False
    )

    class Meta(AbstractUser.Meta):
        constraints = [
            models.UniqueConstraint(Lower("username"), name="username_unique_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.username

    def get_absolute_url(self) -> str:
        return reverse("tracker:portfolio", args=[self.username])

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class Status(models.TextChoices):
    TODO = "todo", "To do"
    LEARNING = "learning", "Learning"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


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
    """An append-only record of a status change; history, streaks and the calendar read it."""

    # Indexed by the (user, -created_at, -id) index below, which also orders recent events.
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="progress_events", db_index=False
    )
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="+")
    from_status = models.CharField(max_length=10, choices=Status.choices)
    to_status = models.CharField(max_length=10, choices=Status.choices)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The dashboard reads one user's recent events and completions by day.
            models.Index(fields=["user", "-created_at", "-id"], name="event_user_recent"),
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


class Metric(models.Model):
    """One row of a project's evaluation table."""

    class Split(models.TextChoices):
        TRAIN = "train", "Train"
        VALIDATION = "validation", "Validation"
        TEST = "test", "Test"
        CROSS_VALIDATION = "cv", "Cross-validation"
        PRODUCTION = "production", "Production"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=60, help_text="e.g. accuracy, F1, RMSE, AUC.")
    split = models.CharField(max_length=12, choices=Split.choices, default=Split.TEST)
    value = models.FloatField()
    baseline = models.FloatField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.split}) = {self.value:g}"

    @property
    def delta(self) -> float | None:
        return None if self.baseline is None else self.value - self.baseline


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

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invite {self.pk} from {self.learner}"


class Feedback(models.Model):
    """A mentor's comment on a learner's project or skill, or a reply in that thread."""

    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="feedback_received")
    mentor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="feedback_given")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="feedback"
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
    def is_reply(self) -> bool:
        return self.author_id == self.learner_id

    @property
    def body_html(self) -> str:
        from .markdown import render_markdown

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


class Submission(models.Model):
    """A create form's one-time key, claimed in the transaction that creates the object.

    Every create form carries a fresh key (the `submission` field). The database lets a
    user claim a key once, so the same form sent twice, or twelve times at once, creates
    one object; the later sends find the claim and are led to what it made, or refused
    if they carry different content under the same key (tracker/services.py).
    """

    class Kind(models.TextChoices):
        PROJECT = "project", "Project"
        LINK = "link", "Own link"
        INVITE = "invite", "Invite link"
        FEEDBACK = "feedback", "Feedback"
        IMPORT = "import", "Import"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.UUIDField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    digest = models.CharField(max_length=64, help_text="SHA-256 of what the form sent.")
    object_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # The whole point: a key is claimed once, whatever races. Its index also
            # serves pruning a user's old claims.
            models.UniqueConstraint(fields=["user", "key"], name="one_claim_per_submission_key"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} by {self.user_id}"
