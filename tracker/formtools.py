"""How every form of ours reads a POST: whole, and create forms once.

Also the id parsing that request data goes through before it reaches the database.
"""

import hashlib
from typing import Any

from django import forms
from django.core.exceptions import BadRequest
from django.forms.models import InlineForeignKeyField

from .account.submissions import OneTimeKey

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
