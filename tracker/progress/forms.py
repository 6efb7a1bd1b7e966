from typing import Any

from django import forms

from ..formtools import OneTimeKeyMixin, WholeFormMixin, assume_https
from .models import Progress, SkillLink


class NoteForm(WholeFormMixin, forms.ModelForm):
    class Meta:
        model = Progress
        fields = ["note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"note": "Markdown. Private to you."}

    def clean_note(self) -> str:
        note = self.cleaned_data["note"]
        if len(note) > 20_000:
            raise forms.ValidationError("Keep a note under 20,000 characters.")
        return note


class SkillLinkForm(OneTimeKeyMixin, forms.ModelForm):
    class Meta:
        model = SkillLink
        fields = ["title", "url"]
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assume_https(self, "url")
