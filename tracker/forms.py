from django import forms

from catalog.models import Skill

from .images import MAX_BYTES, MAX_PIXELS, MAX_PIXELS_WEBP, ProcessedImage, process_image
from .models import Collaborator, Metric, Progress, Project, SkillLink, User


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files from one <input type=file multiple> (the pattern Django documents)."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):  # type: ignore[no-untyped-def]
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class NoteForm(forms.ModelForm):
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


class SkillLinkForm(forms.ModelForm):
    class Meta:
        model = SkillLink
        fields = ["title", "url"]
        widgets = {"url": forms.URLInput(attrs={"placeholder": "https://"})}

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["url"].assume_scheme = "https"


MAX_ID = 2**63 - 1  # the largest primary key either database can hold


def parse_id(value: object) -> int | None:
    """A database id from request data, or None: refuses '²', '-1', ' 7', 2**64 and such,
    which int() or the database would otherwise turn into a 500."""
    if not isinstance(value, str) or not value.isascii() or not value.isdecimal():
        return None
    if len(value) > 19:  # longer than any 64-bit id (and int() refuses 4,300+ digits)
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Refuses ids no database column can hold before asking the database about them."""

    def _check_values(self, value):  # type: ignore[no-untyped-def]
        for pk in value:
            if parse_id(str(pk)) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )  # fmt: skip
        return super()._check_values(value)


# Each image is decoded and encoded again while the request waits; this many of the
# costliest accepted take a worker under 2 s of CPU (docs/reliability.md).
MAX_IMAGES_PER_UPLOAD = 2


class ProjectForm(forms.ModelForm):
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
        widgets = {
            "problem": forms.Textarea(attrs={"rows": 4}),
            "approach": forms.Textarea(attrs={"rows": 5}),
            "results": forms.Textarea(attrs={"rows": 5}),
            "started_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "finished_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "skills": forms.SelectMultiple(attrs={"size": 8}),
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name in ("data_url", "repository_url", "demo_url"):
            self.fields[name].assume_scheme = "https"  # type: ignore[attr-defined]
        skills = self.fields["skills"]
        skills.queryset = (
            Skill.objects.published()
            .select_related("track")
            .order_by(  # type: ignore[attr-defined]
                "track__order", "order"
            )
        )
        skills.label_from_instance = lambda s: f"{s.track.title} · {s.title}"  # type: ignore[attr-defined]

    def clean(self) -> dict:
        data = super().clean() or {}
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


class MetricForm(forms.ModelForm):
    class Meta:
        model = Metric
        fields = ["name", "split", "value", "baseline"]
        widgets = {
            "value": forms.NumberInput(attrs={"step": "any"}),
            "baseline": forms.NumberInput(attrs={"step": "any"}),
        }


class CollaboratorForm(forms.ModelForm):
    class Meta:
        model = Collaborator
        fields = ["name", "url"]

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["url"].assume_scheme = "https"  # type: ignore[attr-defined]


class OrderedInlineFormSet(forms.BaseInlineFormSet):
    """Saves each row's position, so the table reads back as it was entered."""

    def save_new(self, form, commit=True):  # type: ignore[no-untyped-def]
        form.instance.order = self.forms.index(form)
        return super().save_new(form, commit)

    def save_existing(self, form, obj, commit=True):  # type: ignore[no-untyped-def]
        obj.order = self.forms.index(form)
        return super().save_existing(form, obj, commit)


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


class ProfileForm(forms.ModelForm):
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

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name in ("github_url", "linkedin_url", "kaggle_url", "website_url"):
            self.fields[name].assume_scheme = "https"  # type: ignore[attr-defined]

    def clean_bio(self) -> str:
        bio = self.cleaned_data["bio"]
        if len(bio) > 2000:
            raise forms.ValidationError("Keep the bio under 2,000 characters.")
        return bio


class AccountImportForm(forms.Form):
    """An export file to import. `cleaned_data["file"]` is the decoded JSON document;
    whether it is a valid export is `portability.account_import`'s to decide."""

    file = forms.FileField(
        label="Export file (.json)",
        help_text="A file from “Export my data”, at most 5 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/json,.json"}),
    )

    def clean_file(self) -> object:
        from .portability import ImportRefused, read_export_file

        upload = self.cleaned_data["file"]
        try:
            return read_export_file(upload, size=upload.size)
        except ImportRefused as refused:
            raise forms.ValidationError(refused.messages) from None


class AccountDeleteForm(forms.Form):
    """Deleting an account asks for its password, so an unattended session cannot."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, user: User, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your password; nothing was deleted.")
        return password


class FeedbackForm(forms.Form):
    body = forms.CharField(max_length=5000, error_messages={
        "required": "Write something first.",
        "max_length": "Keep feedback under 5,000 characters.",
    })  # fmt: skip


class MentorNoteForm(forms.Form):
    body = forms.CharField(required=False, max_length=20_000, strip=False)
