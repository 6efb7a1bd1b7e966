import hashlib
from typing import Any

from django import forms
from django.core.exceptions import BadRequest
from django.forms.models import InlineForeignKeyField

from catalog.models import Skill

from .images import ProcessedImage, process_image
from .models import Collaborator, Metric, Progress, Project, SkillLink, User
from .portability import EARLIEST_YEAR, LATEST_YEAR, PROJECT_TEXT, YEARS
from .services import OneTimeKey

# -- sent whole, sent once -----------------------------------------------------------------
#
# Decided once, for every form of ours. A field absent from a POST is a broken client,
# not a choice: the form refuses it with a 400 before reading or writing anything (an
# empty value is a choice, and is validated as usual). HTML itself leaves out unchecked
# boxes, multi-selects with nothing chosen and file inputs with no file, so a form with
# such fields carries a hidden marker, SENT; its presence proves the form came whole,
# and only then may those fields' absence mean "empty".

SENT = "sent"


def _absent_means_empty(widget: forms.Widget) -> bool:
    return isinstance(widget, forms.FileInput) or not widget.value_omitted_from_data({}, {}, "x")


def _expected(name: str, field: forms.Field) -> bool:
    """Whether a browser always sends this field (an inline formset's link to its parent
    is never rendered: Django fills it in)."""
    if isinstance(field, InlineForeignKeyField):
        return False
    return name == SENT or not _absent_means_empty(field.widget)


class WholeFormMixin:
    """Refuses (400) a bound form that arrived without one of its fields."""

    fields: dict[str, forms.Field]
    data: Any
    files: Any
    is_bound: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        if any(_absent_means_empty(field.widget) for field in self.fields.values()):
            self.fields[SENT] = forms.CharField(
                widget=forms.HiddenInput, initial="1", required=False
            )

    def missing_fields(self) -> list[str]:
        prefix = self.add_prefix  # type: ignore[attr-defined]
        if "DELETE" in self.fields and prefix("DELETE") in self.data:
            return []  # a formset row being removed needs nothing but its id
        return [
            prefix(name)
            for name, field in self.fields.items()
            if _expected(name, field)
            and field.widget.value_omitted_from_data(self.data, self.files, prefix(name))
        ]

    def full_clean(self) -> None:
        if self.is_bound and (missing := self.missing_fields()):
            raise BadRequest(f"The form arrived without {', '.join(missing)}.")
        super().full_clean()  # type: ignore[misc]


class OneTimeKeyMixin(WholeFormMixin):
    """A create form: it carries a fresh one-time key (`submission`, written into the
    page by `{% one_time_key %}`), so sending it twice creates one object
    (services.submission_claim). A missing or malformed key is a broken client: 400."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submission"] = forms.UUIDField(widget=forms.HiddenInput)

    def full_clean(self) -> None:
        super().full_clean()
        if "submission" in self.errors:
            raise BadRequest("The form's one-time key is malformed.")

    def one_time_key(self) -> OneTimeKey:
        """The key and a digest of everything the form sent with it (files included),
        so a repeat with the same key but other content can be told apart."""
        digest = hashlib.sha256()
        for name in sorted(self.data):
            if name != "csrfmiddlewaretoken":
                for value in self.data.getlist(name):
                    digest.update(f"{name}\0{value}\0".encode())
        for name in sorted(self.files):
            for upload in self.files.getlist(name):
                digest.update(f"{name}\0{upload.name}\0".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
        return OneTimeKey(self.cleaned_data["submission"], digest.hexdigest())  # type: ignore[attr-defined]


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


_DATE_ATTRS = {"type": "date", "min": f"{EARLIEST_YEAR}-01-01", "max": f"{LATEST_YEAR}-12-31"}


class ProjectForm(WholeFormMixin, forms.ModelForm):
    images = MultipleImageField(
        required=False,
        help_text="PNG, JPEG or WebP, up to 5 MB and 25 megapixels each. "
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
            "started_on": forms.DateInput(attrs=_DATE_ATTRS, format="%Y-%m-%d"),
            "finished_on": forms.DateInput(attrs=_DATE_ATTRS, format="%Y-%m-%d"),
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
            raise forms.ValidationError(f"Upload at most {MAX_IMAGES_PER_UPLOAD} images at once.")
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

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["url"].assume_scheme = "https"  # type: ignore[attr-defined]


class OrderedInlineFormSet(forms.BaseInlineFormSet):
    """Saves each row's position, so the table reads back as it was entered; refuses
    (400) a table whose management fields did not arrive, as WholeFormMixin does for
    fields (its rows are WholeFormMixin forms themselves)."""

    def full_clean(self) -> None:
        if self.is_bound:
            management = ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS")
            missing = [k for k in management if self.add_prefix(k) not in self.data]
            if missing:
                raise BadRequest(f"The {self.prefix} table arrived without {', '.join(missing)}.")
        super().full_clean()

    def save_new(self, form, commit=True):  # type: ignore[no-untyped-def]
        form.instance.order = self.forms.index(form)
        return super().save_new(form, commit)

    def save_existing(self, form, obj, commit=True):  # type: ignore[no-untyped-def]
        obj.order = self.forms.index(form)
        return super().save_existing(form, obj, commit)


MAX_METRICS = 20
MAX_COLLABORATORS = 20
MAX_IMAGES_PER_UPLOAD = 6

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

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name in ("github_url", "linkedin_url", "kaggle_url", "website_url"):
            self.fields[name].assume_scheme = "https"  # type: ignore[attr-defined]

    def clean_bio(self) -> str:
        bio = self.cleaned_data["bio"]
        if len(bio) > 2000:
            raise forms.ValidationError("Keep the bio under 2,000 characters.")
        return bio


class AccountImportForm(OneTimeKeyMixin, forms.Form):
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


class AccountDeleteForm(WholeFormMixin, forms.Form):
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


class FeedbackForm(OneTimeKeyMixin, forms.Form):
    body = forms.CharField(max_length=5000, error_messages={
        "required": "Write something first.",
        "max_length": "Keep feedback under 5,000 characters.",
    })  # fmt: skip


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
