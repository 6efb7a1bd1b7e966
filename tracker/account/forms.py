from typing import Any

from django import forms

from ..formtools import OneTimeKeyMixin, WholeFormMixin, web_addresses
from .importing import read_export_file
from .models import User
from .schema import ImportRefused


class ProfileForm(WholeFormMixin, forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "first_name",
            "last_name",
            "headline",
            "bio",
            "github_url",
            "linkedin_url",
            "kaggle_url",
            "website_url",
            "show_progress",
        ]
        widgets = {"bio": forms.Textarea(attrs={"rows": 5})}
        formfield_callback = web_addresses

    def clean_bio(self) -> str:
        bio = self.cleaned_data["bio"]
        if len(bio) > 2000:
            raise forms.ValidationError("Keep the bio under 2,000 characters.")
        return bio


class AccountImportForm(OneTimeKeyMixin, forms.Form):
    """An export file to import. `cleaned_data["file"]` is the decoded JSON document;
    whether it is a valid export is `importing.account_import`'s to decide."""

    file = forms.FileField(
        label="Export file (.json)",
        help_text="A file from “Export my data”, at most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/json,.json"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        try:
            return read_export_file(upload, size=upload.size)
        except ImportRefused as refused:
            raise forms.ValidationError(refused.messages) from None


class AccountDeleteForm(WholeFormMixin, forms.Form):
    """Deleting an account asks for its password, so an unattended session cannot."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password; nothing was deleted.")
        return password
