import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ..formtools import OneTimeKeyMixin, WholeFormMixin

# The shape of any username this site accepts (account.models.validate_username, and the
# longer ones allowed before it): whether one exists is not checked here.
USERNAME_SHAPE = re.compile(r"[A-Za-z0-9@.+_-]{1,150}")


class FeedbackForm(OneTimeKeyMixin, forms.Form):
    body = forms.CharField(max_length=5000, error_messages={
        "required": "Write something first.",
        "max_length": "Keep feedback under 5,000 characters.",
    })  # fmt: skip


class VerificationForm(WholeFormMixin, forms.Form):
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea,
        error_messages={"max_length": "Keep the comment under 2,000 characters."},
    )


class MentorNoteForm(WholeFormMixin, forms.Form):
    body = forms.CharField(required=False, max_length=20_000, strip=False)


class SharingForm(WholeFormMixin, forms.Form):
    """Consent to share notes with one mentor: a checkbox, so absent means "no"."""

    share_notes = forms.BooleanField(required=False)

    def clean_share_notes(self) -> bool:
        # A checkbox sends "on" or nothing; anything else must not read as consent.
        if self.data.get(self.add_prefix("share_notes"), "on") != "on":
            raise forms.ValidationError("Tick the box, or leave it empty.")
        return self.cleaned_data["share_notes"]


class InviteForm(OneTimeKeyMixin, forms.Form):
    """Create an invite link: nothing to fill in but the form's one-time key."""


class InviteSendForm(OneTimeKeyMixin, forms.Form):
    """Invite by username or email address: which it is, and whether it names anyone, is
    for the server alone to know."""

    to = forms.CharField(
        label="Username or email address",
        max_length=254,
        error_messages={
            "required": "Write the username or email address of the person to invite.",
            "max_length": "That is longer than any username or email address.",
        },
    )

    def clean_to(self) -> str:
        to = self.cleaned_data["to"].strip()
        if "@" in to:
            try:
                validate_email(to)
            except ValidationError:
                raise ValidationError(
                    "That is not an email address: check it, or write a username."
                ) from None
        elif not USERNAME_SHAPE.fullmatch(to):
            raise ValidationError("That is neither a username nor an email address.")
        return to


class InviteDecisionForm(WholeFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
