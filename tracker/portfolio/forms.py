from typing import Any, NamedTuple, cast

from django import forms

from catalog.models import Skill
from catalog.snapshot import SkillNode, TrackNode, get_catalog

from ..account.format import EARLIEST_YEAR, LATEST_YEAR, PROJECT_TEXT, YEARS
from ..formtools import (
    BoundedModelMultipleChoiceField,
    OneTimeKeyMixin,
    OrderedInlineFormSet,
    WholeFormMixin,
    web_addresses,
)
from . import metrics
from .images import MAX_BYTES, MAX_PIXELS, MAX_PIXELS_WEBP, ProcessedImage, process_image
from .models import Collaborator, Metric, Project, ProjectImage

_DATE_ATTRS = {"type": "date", "min": f"{EARLIEST_YEAR}-01-01", "max": f"{LATEST_YEAR}-12-31"}


# Each image is decoded and encoded again while the request waits; this many of the
# costliest accepted take a worker under 2 s of CPU (docs/reliability.md). The form has
# a file input and a caption for each.
MAX_IMAGES_PER_UPLOAD = 2
IMAGE_SLOTS = range(1, MAX_IMAGES_PER_UPLOAD + 1)
CAPTION_CHARS = ProjectImage._meta.get_field("caption").max_length
CAPTION_HELP = (
    "What the image shows, in a sentence: it is read out to people who cannot see it "
    "and shown under the image. e.g. “Validation loss levels off after epoch 12.”"
)
CAPTION_MISSING = (
    "Describe the image: its caption is the text read out to people who cannot see it."
)


def _image_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for n in IMAGE_SLOTS:
        fields[f"image_{n}"] = forms.FileField(
            label="New image" if n == 1 else "Another new image",
            required=False,
            widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
            help_text=f"PNG, JPEG or WebP, up to {MAX_BYTES // (1024 * 1024)} MB and "
            f"{MAX_PIXELS // 1_000_000} megapixels (WebP {MAX_PIXELS_WEBP // 1_000_000}). "
            "Location data and anything hidden in the file are removed."
            if n == 1
            else "",
        )
        fields[f"image_{n}_caption"] = forms.CharField(
            label="Caption of the new image" if n == 1 else "Caption of the other new image",
            max_length=CAPTION_CHARS,
            required=False,
            help_text=CAPTION_HELP if n == 1 else "",
        )
    return fields


class SkillGroup(NamedTuple):
    track: TrackNode
    skills: list[tuple[SkillNode, bool]]  # (skill, ticked)
    ticked: int


class ProjectForm(WholeFormMixin, forms.ModelForm):
    """The project's own fields, and up to MAX_IMAGES_PER_UPLOAD new images, each with its
    caption (required: it is the image's alt text). `cleaned_data["new_images"]` holds
    them as (ProcessedImage, caption) pairs."""

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
            # Drawn by the template as groups of checkboxes (skill_groups).
            "skills": forms.CheckboxSelectMultiple,
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(_image_fields())
        skills = cast(BoundedModelMultipleChoiceField, self.fields["skills"])
        skills.queryset = Skill.objects.published()
        skills.label = "Skills this project shows"

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
        data["new_images"] = self._new_images()
        return data

    def skill_groups(self) -> list[SkillGroup]:
        """The published skills by track, in curriculum order, each with whether it is
        ticked: what the picker draws (from the catalog snapshot, so no query)."""
        catalog = get_catalog()
        ticked = {str(pk) for pk in self["skills"].value() or []}
        groups = []
        for track in catalog.tracks:
            skills = [(catalog.skills[pk], str(pk) in ticked) for pk in track.skill_ids]
            if skills:
                groups.append(SkillGroup(track, skills, sum(t for _, t in skills)))
        return groups

    def image_slots(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[f"image_{n}"], self[f"image_{n}_caption"]) for n in IMAGE_SLOTS]

    def _new_images(self) -> list[tuple[ProcessedImage, str]]:
        """Each chosen file checked and rebuilt, with its caption; errors on the slot."""
        found = []
        for n in IMAGE_SLOTS:
            upload = self.cleaned_data.get(f"image_{n}")
            caption = (self.cleaned_data.get(f"image_{n}_caption") or "").strip()
            if f"image_{n}" in self.errors or f"image_{n}_caption" in self.errors:
                continue
            if not upload:
                if caption:
                    self.add_error(f"image_{n}", "Choose the image this caption is for.")
                continue
            if not caption:
                self.add_error(f"image_{n}_caption", CAPTION_MISSING)
                continue
            try:
                found.append((process_image(upload), caption))
            except forms.ValidationError as e:
                self.add_error(f"image_{n}", f"{upload.name[:80]}: {' '.join(e.messages)}")
        return found if not self.errors else []


class NewProjectForm(OneTimeKeyMixin, ProjectForm):
    """A project being created: the project form with a one-time key."""


class NumberField(forms.CharField):
    """A number kept as written (metrics.parse_number): "0.8600" stays 0.8600."""

    widget = forms.NumberInput(attrs={"step": "any"})

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        try:
            return metrics.parse_number(text)
        except metrics.NotANumber as e:
            words = "Enter a number." if str(e) == metrics.MALFORMED else f"This number {e}."
            raise forms.ValidationError(words, code="invalid") from None


class MetricForm(WholeFormMixin, forms.ModelForm):
    value = NumberField()
    baseline = NumberField(required=False)

    class Meta:
        model = Metric
        fields = ["name", "split", "value", "baseline", "better"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        better = cast(forms.ChoiceField, self.fields["better"])
        better.choices = [("", "By name"), *Metric.Better.choices]

    def clean(self) -> dict:
        data = super().clean() or {}
        name, baseline = data.get("name"), data.get("baseline")
        if baseline and name and not data.get("better") and not metrics.direction_by_name(name):
            self.add_error(
                "better",
                f"Say whether a higher or a lower {name} is better, "
                "so the change from the baseline can be judged.",
            )
        return data


class CollaboratorForm(WholeFormMixin, forms.ModelForm):
    class Meta:
        model = Collaborator
        fields = ["name", "url"]
        formfield_callback = web_addresses


class ImageCaptionForm(WholeFormMixin, forms.ModelForm):
    """The caption of an image already uploaded: required, as for a new one (images from
    before captions were asked for get one when their project is next saved)."""

    class Meta:
        model = ProjectImage
        fields = ["caption"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["caption"].required = True
        self.fields["caption"].error_messages["required"] = CAPTION_MISSING


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
# Captions of the images a project has; images are added and removed elsewhere.
ImageCaptionFormSet = forms.inlineformset_factory(
    Project,
    ProjectImage,
    form=ImageCaptionForm,
    formset=OrderedInlineFormSet,
    extra=0,
    edit_only=True,
    can_delete=False,
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
