"""Forms of the release and backport pages.

They only turn the posted text into values (a version into a ``Release``, a
date string into a date); whether the change is allowed is the services' call.
So a bound form accepts any release by version, and the service refuses, with
its own message, a base release that is not supported or a patch of the wrong
family. The choices drawn on the page are narrowed with ``choices=``.
"""

from django import forms
from django.db.models import QuerySet

from console import forms as bounded
from console import text_limits
from console.identifiers import (
    RELEASE_VERSION,
    RELEASE_VERSION_AS_WRITTEN,
    RFC_ID,
    TICKET,
    release_version_normalized,
    shown,
    validate_release_version,
    validate_rfc_id,
    validate_ticket,
)
from releases.models import BackportRequest, Release


class ReleaseVersionField(forms.CharField):
    """A release version as people write it, stored form or short ("v23" is v23.0.0), checked once normalized."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", RELEASE_VERSION.max_length)
        kwargs.setdefault("validators", [validate_release_version])
        super().__init__(**kwargs)

    def to_python(self, value):
        return release_version_normalized(super().to_python(value))


class _ReleaseChoiceField(forms.ModelChoiceField):
    """A release named by its version (as people write it: "v23" is v23.0.0), in the form data and in the error
    messages."""

    default_error_messages = {"invalid_choice": "There is no release %(value)s."}

    def __init__(self, **kwargs):
        super().__init__(queryset=Release.objects.all(), to_field_name="version", **kwargs)

    def to_python(self, value):
        return super().to_python(release_version_normalized(value))

    def label_from_instance(self, release: Release) -> str:
        return shown(release.version)


class _NarrowedChoicesForm(forms.Form):
    """A form whose release fields draw only ``choices`` (field name -> queryset) but accept any release."""

    def __init__(self, *args, choices: dict[str, QuerySet[Release]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, queryset in (choices or {}).items():
            self.fields[name].queryset = queryset


# Release selects keep an empty first option: with none, Django reads the choices
# once more to decide on the ``required`` attribute, which costs a second query.
def _select(**attrs) -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


def _input(widget: type[forms.Widget], **attrs) -> forms.Widget:
    return widget(attrs={"class": "form-control form-control-sm", **attrs})


def _date_input() -> forms.DateInput:
    # An <input type="date"> sends and shows ISO dates whatever the locale.
    return forms.DateInput(format="%Y-%m-%d", attrs={"class": "form-control form-control-sm", "type": "date"})


class ReleaseCreateForm(_NarrowedChoicesForm):
    version = ReleaseVersionField(
        help_text="A release version, e.g. v29.0.0 (or v29), a patch v29.0.1, or a weekly build w.2021.28 "
        "(or w_2021_28)",
        widget=_input(forms.TextInput, **RELEASE_VERSION.input_attrs(RELEASE_VERSION_AS_WRITTEN)),
    )
    base_release = _ReleaseChoiceField(
        required=False, empty_label="none: a major release", label="Patch of", widget=_select()
    )
    cut_from = _ReleaseChoiceField(
        required=False, empty_label="none", label="Cut from weekly", widget=_select(), help_text="a weekly build"
    )
    notes = bounded.LongTextField(required=False, max_length=text_limits.NOTES, widget=_input(forms.Textarea, rows=2))


class SupportStartForm(forms.Form):
    support_until = bounded.DateField(
        required=False,
        label="Support until",
        help_text="empty: one year from the approval",
        widget=_date_input(),
    )


class SupportWindowForm(forms.Form):
    support_until = bounded.DateField(label="Support until", widget=_date_input())


def _model_max_length(field: str) -> int:
    return BackportRequest._meta.get_field(field).max_length


class BackportRequestForm(_NarrowedChoicesForm):
    rfc_id = forms.CharField(
        label="RFC",
        max_length=RFC_ID.max_length,
        validators=[validate_rfc_id],
        help_text=RFC_ID.hint,
        widget=_input(forms.TextInput, **RFC_ID.input_attrs()),
    )
    ticket = forms.CharField(
        max_length=TICKET.max_length,
        validators=[validate_ticket],
        help_text=TICKET.hint,
        widget=_input(forms.TextInput, **TICKET.input_attrs()),
    )
    title = forms.CharField(max_length=_model_max_length("title"), widget=_input(forms.TextInput))
    rationale = bounded.LongTextField(max_length=text_limits.RATIONALE, widget=_input(forms.Textarea, rows=3))
    target_release = _ReleaseChoiceField(label="Target release", empty_label="choose a release", widget=_select())


class BackportShipForm(_NarrowedChoicesForm):
    patch_release = _ReleaseChoiceField(label="Patch release", empty_label="choose the patch", widget=_select())


class RecordHistoryForm(forms.Form):
    """A release approved before the console, on its real days (``services.release_record_history``)."""

    approved_on = bounded.DateField(label="Approved on", widget=_date_input())
    support_until = bounded.DateField(
        required=False, label="Support until", help_text="empty: one year from the approval", widget=_date_input()
    )
    withdrawn_on = bounded.DateField(
        required=False, label="Withdrawn on", help_text="only if it was withdrawn", widget=_date_input()
    )
