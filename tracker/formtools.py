"""How every form of ours reads a POST: whole, and create forms once.

Also the id parsing that request data goes through before it reaches the database.
"""

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import BadRequest
from django.core.validators import URLValidator
from django.db import models
from django.db.models import QuerySet
from django.forms.models import InlineForeignKeyField
from django.utils.datastructures import MultiValueDict

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
    nothing: MultiValueDict[str, Any] = MultiValueDict()
    return isinstance(widget, forms.FileInput) or not widget.value_omitted_from_data(
        {}, nothing, "x"
    )


def _expected(name: str, field: forms.Field) -> bool:
    """Whether a browser always sends this field (an inline formset's link to its parent
    is never rendered: Django fills it in)."""
    if isinstance(field, InlineForeignKeyField):
        return False
    return name == SENT or not _absent_means_empty(field.widget)


# -- web addresses ----------------------------------------------------------------------------


class WebAddressField(forms.URLField):
    """A link as people paste it: "github.com/ada/x" is read as https://github.com/ada/x
    (Django 5.2 would assume http://); only http and https; anything else is refused with
    a message that says what to write.

    Its input is a text box (inputmode=url, so phones still show the keyboard for web
    addresses): a browser's own check of type=url would refuse "github.com/ada/x" with a
    tooltip before the server could add the scheme."""

    widget = forms.TextInput
    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {
        "invalid": "Enter a web address, such as https://example.com/page (or example.com/page)."
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs["assume_scheme"] = "https"
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.update(inputmode="url", spellcheck="false", autocapitalize="none")
        return attrs


def web_addresses(field: models.Field, **kwargs: Any) -> forms.Field | None:
    """A ModelForm's `Meta.formfield_callback`: every URL column becomes a WebAddressField.
    Every form of ours with a URL field uses it (tests/test_forms.py checks)."""
    if isinstance(field, models.URLField):
        kwargs["form_class"] = WebAddressField
    return field.formfield(**kwargs)


# The mixins below go before a Django form class in the bases; mypy checks them as the
# form they will be part of.
if TYPE_CHECKING:
    _FormBase = forms.BaseForm
else:
    _FormBase = object


class WholeFormMixin(_FormBase):
    """Refuses (400) a bound form that arrived without one of its fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if any(_absent_means_empty(field.widget) for field in self.fields.values()):
            self.fields[SENT] = forms.CharField(
                widget=forms.HiddenInput, initial="1", required=False
            )

    def missing_fields(self) -> list[str]:
        prefix = self.add_prefix
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
        super().full_clean()


class OneTimeKeyMixin(WholeFormMixin):
    """A create form: it carries a fresh one-time key (`submission`, written into the
    page by `{% one_time_key %}`), so sending it twice creates one object
    (services.submission_claim). A missing or malformed key is a broken client: 400."""

    data: MultiValueDict[str, Any]  # request.POST: a create form is bound to nothing else

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
        return OneTimeKey(self.cleaned_data["submission"], digest.hexdigest())


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

    def _check_values(self, value: Iterable[object]) -> QuerySet[Any]:
        for pk in value:
            if parse_id(str(pk)) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )  # fmt: skip
        # A private method of Django's that django-stubs does not declare.
        return super()._check_values(value)  # type: ignore[misc]


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

    # The rows' model is any with an `order` field.
    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Any:
        form.instance.order = self.forms.index(form)
        return super().save_new(form, commit)

    def save_existing(self, form: forms.ModelForm, obj: Any, commit: bool = True) -> Any:
        obj.order = self.forms.index(form)
        return super().save_existing(form, obj, commit)
