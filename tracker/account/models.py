"""Accounts: the user (whose username names their public page) and the one-time keys
that keep a create form from creating twice."""

from __future__ import annotations

import functools
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

USERNAME_RULE = "2 to 30 characters: letters a–z (either case), digits, and . _ - between them."
# ASCII only: a username names the public page /u/<username>/, and Unicode look-alikes
# (a Cyrillic "а", a full-width "ａ") would let one account pass for another.
validate_username = RegexValidator(
    r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,28}[A-Za-z0-9]\Z",
    message=f"Choose another username: {USERNAME_RULE}",
    code="invalid_username",
)


def validate_time_zone(value: str) -> None:
    if value and value not in available_time_zones():
        raise ValidationError(f"“{value[:64]}” is not a time zone name such as Europe/Paris.")


@functools.cache
def available_time_zones() -> frozenset[str]:
    """The IANA zone names this machine knows. Read once: zoneinfo walks the tz database
    on disk for it (6-20 ms a call here), and the list does not change while a process
    runs."""
    return frozenset(zoneinfo.available_timezones())


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
    # Days, weeks, streaks and the calendar follow it; empty: the server's (settings.TIME_ZONE).
    time_zone = models.CharField(max_length=64, blank=True, validators=[validate_time_zone])

    # django-stubs does not declare AbstractUser.Meta (typeddjango/django-stubs#2112).
    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
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


class Submission(models.Model):
    """A create form's one-time key, claimed in the transaction that creates the object.

    Every create form carries a fresh key (the `submission` field). The database lets a
    user claim a key once, so the same form sent twice, or twelve times at once, creates
    one object; the later sends find the claim and are led to what it made, or refused
    if they carry different content under the same key (account/submissions.py).
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


class MailKind(models.TextChoices):
    """The kinds of mail Gradient sends; each can be stopped on its own, in one click."""

    DIGEST = "digest", "the weekly digest of your mentees"
    FEEDBACK = "feedback", "mail when a mentor leaves you feedback"
    MENTORSHIP = "mentorship", "mail when someone accepts your invitation to mentor you"
    INVITE = "invite", "invitations to mentor someone on Gradient"


class MailOptOut(models.Model):
    """A kind of mail someone asked not to get: a user, or an address with no account
    behind it (an invitation sent to an email address). Honoured from the moment it is
    written: every sender asks before sending."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="mail_opt_outs"
    )
    # Only for an address with no account; a user's opt-out follows the user, whatever
    # their address becomes.
    email = models.EmailField(blank=True)
    kind = models.CharField(max_length=10, choices=MailKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Two clicks on the link make one row.
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(user__isnull=False),
                name="one_opt_out_per_user_kind",
            ),
            models.UniqueConstraint(
                fields=["email", "kind"],
                condition=Q(user__isnull=True),
                name="one_opt_out_per_address_kind",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False, email="") | Q(user__isnull=True) & ~Q(email=""),
                name="opt_out_for_a_user_or_an_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.email}: no {self.kind} mail"
