from django import forms

from ..formtools import OneTimeKeyMixin, WholeFormMixin


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


class InviteDecisionForm(WholeFormMixin, forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("decline", "Decline")])
