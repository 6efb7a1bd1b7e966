import datetime as dt
import zoneinfo
from typing import Any, cast

from django import forms

from catalog.snapshot import Catalog

from ..account.models import available_time_zones
from ..formtools import SENT, OneTimeKeyMixin, WholeFormMixin, web_addresses
from .models import Progress, SkillLink


class NoteForm(WholeFormMixin, forms.ModelForm):
    class Meta:
        model = Progress
        fields = ["note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 8})}
        help_texts = {
            "note": "Markdown, with TeX math. Read by you and the mentors you share notes with."
        }

    def clean_note(self) -> str:
        note = self.cleaned_data["note"]
        if len(note) > 20_000:
            raise forms.ValidationError("Keep a note under 20,000 characters.")
        return note


class SkillLinkForm(OneTimeKeyMixin, forms.ModelForm):
    class Meta:
        model = SkillLink
        fields = ["title", "url"]
        formfield_callback = web_addresses


class GoalForm(WholeFormMixin, forms.Form):
    """A path, hours a week, an optional target date, and the learner's time zone."""

    path = forms.ChoiceField(label="Which role are you aiming for?", widget=forms.RadioSelect)
    hours_per_week = forms.IntegerField(
        label="Hours a week you can give it",
        min_value=1,
        max_value=60,
        help_text="1 to 60. Be honest: the plan follows it.",
    )
    target_date = forms.DateField(
        label="Target date (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="When you would like to be ready. Leave empty for no deadline.",
    )
    time_zone = forms.ChoiceField(
        label="Your time zone", help_text="Days, weeks and streaks follow it."
    )

    def __init__(self, *args: Any, catalog: Catalog, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A browser sends no radio when none is picked: the `sent` marker tells a whole
        # form with no path chosen (a field error) from a broken one (400).
        self.fields[SENT] = forms.CharField(widget=forms.HiddenInput, initial="1", required=False)
        cast(forms.ChoiceField, self.fields["path"]).choices = [
            (p.slug, p.title) for p in catalog.paths
        ]
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [
            (zone, zone) for zone in sorted(available_time_zones())
        ]

    def missing_fields(self) -> list[str]:
        return [name for name in super().missing_fields() if name != "path"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone, target = data.get("time_zone"), data.get("target_date")
        if zone and target:
            today = dt.datetime.now(zoneinfo.ZoneInfo(zone)).date()
            if target <= today:
                self.add_error("target_date", "Choose a date after today, or leave it empty.")
        return data
