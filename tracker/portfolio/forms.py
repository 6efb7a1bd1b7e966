from typing import Any, cast

from django import forms

from catalog.models import Skill

from ..account.format import EARLIEST_YEAR, LATEST_YEAR, PROJECT_TEXT, YEARS
from ..formtools import (
    BoundedModelMultipleChoiceField,
    OneTimeKeyMixin,
    OrderedInlineFormSet,
    WholeFormMixin,
    web_addresses,
)
from .images import MAX_BYTES, MAX_PIXELS, MAX_PIXELS_WEBP, ProcessedImage, process_image
from .models import Collaborator, Metric, Project


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one <input type=file multiple> (the pattern Django documents)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


_DATE_ATTRS = {"type": "date", "min": f"{EARLIEST_YEAR}-01-01", "max": f"{LATEST_YEAR}-12-31"}


# Each image is decoded and encoded again while the request waits; this many of the
# costliest accepted take a worker under 2 s of CPU (docs/reliability.md).
MAX_IMAGES_PER_UPLOAD = 2


class ProjectForm(WholeFormMixin, forms.ModelForm):
    images = MultipleImageField(
        required=False,
        help_text=f"PNG, JPEG or WebP, {MAX_IMAGES_PER_UPLOAD} at a time, each up to "
        f"{MAX_BYTES // (1024 * 1024)} MB and {MAX_PIXELS // 1_000_000} megapixels "
        f"(WebP {MAX_PIXELS_WEBP // 1_000_000}). "
        "Location data and anything hidden in the file are removed.",
    )

    class Meta:
        model = Project
        fields = [
            "title",
            "kind",
            "summary",
            "problem",
            "data_source",
            "data_size",
            "data_licence",
            "data_url",
            "approach",
            "results",
            "repository_url",
            "demo_url",
            "skills",
            "started_on",
            "finished_on",
            "visibility",
        ]
        field_classes = {"skills": BoundedModelMultipleChoiceField}
        formfield_callback = web_addresses
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 4}),
            "approach": forms.Textarea(attrs={"rows": 5}),
            "results": forms.Textarea(attrs={"rows": 5}),
            "started_on": forms.DateInput(attrs=_DATE_ATTRS, format="%Y-%m-%d"),
            "finished_on": forms.DateInput(attrs=_DATE_ATTRS, format="%Y-%m-%d"),
            "skills": forms.SelectMultiple(attrs={"size": 8}),
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skills = cast(BoundedModelMultipleChoiceField, self.fields["skills"])
        skills.queryset = (
            Skill.objects.published().select_related("track").order_by("track__order", "order")
        )
        # This one field's labels; a subclass would do the same for every instance.
        skills.label_from_instance = lambda obj: f"{obj.track.title} · {obj.title}"  # type: ignore[method-assign]

    def clean(self) -> dict:
        data = super().clean() or {}
        # Nothing the import would refuse: an account's own export must import again.
        for name in ("problem", "approach", "results"):
            limit = PROJECT_TEXT[name]
            if len(data.get(name) or "") > limit:
                self.add_error(name, f"Keep this under {limit:,} characters.")
        for name in ("started_on", "finished_on"):
            day = data.get(name)
            if day and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
                self.add_error(name, f"Give a date in the years {YEARS}.")
        started, finished = data.get("started_on"), data.get("finished_on")
        if started and finished and finished < started:
            self.add_error("finished_on", "The finish date is before the start date.")
        return data

    def clean_images(self) -> list[ProcessedImage]:
        files = self.cleaned_data.get("images") or []
        if len(files) > MAX_IMAGES_PER_UPLOAD:
            raise forms.ValidationError(
                f"Upload at most {MAX_IMAGES_PER_UPLOAD} images at once; "
                "you can add more by editing the project."
            )
        processed, errors = [], []
        for upload in files:
            try:
                processed.append(process_image(upload))
            except forms.ValidationError as e:
                errors.append(f"{upload.name[:80]}: {' '.join(e.messages)}")
        if errors:
            raise forms.ValidationError(errors)
        return processed


class NewProjectForm(OneTimeKeyMixin, ProjectForm):
    """A project being created: the project form with a one-time key."""


class MetricForm(WholeFormMixin, forms.ModelForm):
    class Meta:
        model = Metric
        fields = ["name", "split", "value", "baseline"]
        widgets = {
            "value": forms.NumberInput(attrs={"step": "any"}),
            "baseline": forms.NumberInput(attrs={"step": "any"}),
        }


class CollaboratorForm(WholeFormMixin, forms.ModelForm):
    class Meta:
        model = Collaborator
        fields = ["name", "url"]
        formfield_callback = web_addresses


MAX_METRICS = 20
MAX_COLLABORATORS = 20

MetricFormSet = forms.inlineformset_factory(
    Project,
    Metric,
    form=MetricForm,
    formset=OrderedInlineFormSet,
    extra=3,
    max_num=MAX_METRICS,
    absolute_max=MAX_METRICS,
    validate_max=True,
    can_delete=True,
)
CollaboratorFormSet = forms.inlineformset_factory(
    Project,
    Collaborator,
    form=CollaboratorForm,
    formset=OrderedInlineFormSet,
    extra=2,
    max_num=MAX_COLLABORATORS,
    absolute_max=MAX_COLLABORATORS,
    validate_max=True,
    can_delete=True,
)
