"""Forms of the QA pages: they turn what was sent into the values the services and reads take.

Whether a specification, an acceptance or a waiver is allowed is the services' call
(``qa.services``); the forms only check types and choices.
"""

from django import forms

from campaigns.forms import offer_campaigns
from campaigns.models import Campaign
from committee.models import Decision
from console import text_limits
from console.forms import LongTextField
from qa.choices import SpecLevel, SpecOperator, SpecStatistic
from qa.models import Metric, Specification
from releases.models import Release

DEFAULT_TOLERANCE_PERCENT = 5.0


def _input(widget: type[forms.Widget], **attrs) -> forms.Widget:
    return widget(attrs={"class": "form-control form-control-sm", **attrs})


def _select(**attrs) -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


class SpecificationForm(forms.Form):
    """A new specification (``qa.services.specification_create`` takes its cleaned data as is)."""

    metric = forms.ModelChoiceField(queryset=Metric.objects.order_by("name"), widget=_select())
    level = forms.ChoiceField(choices=SpecLevel.choices, initial=SpecLevel.DESIGN, widget=_select())
    statistic = forms.ChoiceField(choices=SpecStatistic.choices, initial=SpecStatistic.MEDIAN, widget=_select())
    operator = forms.ChoiceField(choices=SpecOperator.choices, widget=_select())
    threshold = forms.FloatField(widget=_input(forms.NumberInput, step="any"))
    tag_key = forms.CharField(
        label="Only for tag",
        required=False,
        max_length=Specification._meta.get_field("tag_key").max_length,
        widget=_input(forms.TextInput, placeholder="e.g. band"),
    )
    tag_value = forms.CharField(
        label="equal to",
        required=False,
        max_length=Specification._meta.get_field("tag_value").max_length,
        widget=_input(forms.TextInput, placeholder="e.g. r"),
    )
    min_release = forms.ModelChoiceField(
        label="From release", queryset=Release.objects.all(), required=False, widget=_select()
    )
    max_release = forms.ModelChoiceField(
        label="Up to release", queryset=Release.objects.all(), required=False, widget=_select()
    )
    blocking = forms.BooleanField(
        required=False,
        help_text="failing it blocks the acceptance of a step",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean(self):
        data = super().clean()
        for key in ("tag_key", "tag_value"):
            if key in data:
                data[key] = data[key].strip()
        return data


class WaiverForm(forms.Form):
    """Why a step may be accepted although its run fails blocking specifications, and which decision allows it."""

    reason = LongTextField(max_length=text_limits.REASON, widget=_input(forms.Textarea, rows=2))
    # Any decision: the page offers those of ``qa.selectors.decisions_allowing_waivers``, and the service says why
    # another one cannot allow a waiver (a message names the decisions that can).
    decision = forms.ModelChoiceField(queryset=Decision.objects.all(), widget=_select())


class CompareForm(forms.Form):
    """Two runs (from the choices given) and the tolerance on the relative change of a median, in percent."""

    a = forms.TypedChoiceField(label="Run A", coerce=int, widget=_select())
    b = forms.TypedChoiceField(label="Run B", coerce=int, widget=_select())
    tolerance = forms.FloatField(
        label="Tolerance (%)",
        required=False,
        min_value=0,
        max_value=1000,
        initial=DEFAULT_TOLERANCE_PERCENT,
        widget=_input(forms.NumberInput, step="any"),
    )

    def __init__(self, *args, runs=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")] + [(run.pk, run_label(run)) for run in runs]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices

    def clean_tolerance(self):
        value = self.cleaned_data.get("tolerance")
        return DEFAULT_TOLERANCE_PERCENT if value is None else value


class TrendForm(forms.Form):
    BY_CHOICES = (("time", "run end time"), ("release", "release version"))

    metric = forms.ModelChoiceField(queryset=Metric.objects.order_by("name"), to_field_name="name", widget=_select())
    campaign = forms.ModelChoiceField(
        queryset=Campaign.objects.order_by("name"), required=False, empty_label="all campaigns", widget=_select()
    )
    by = forms.ChoiceField(choices=BY_CHOICES, required=False, initial="time", widget=_select())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_campaigns(self, "campaign")

    def clean_by(self):
        return self.cleaned_data.get("by") or "time"


def run_label(run) -> str:
    """``#12 DC2 RC6 / step1 · v23.0.1 · 2024-05-01`` for the choice lists (the run's step, campaign, release)."""
    campaign = run.step.campaign
    release = f" · {campaign.release}" if campaign.release_id else ""
    ended = f" · {run.ended_at:%Y-%m-%d %H:%M}" if run.ended_at else ""
    return f"#{run.pk} {campaign.name} / {run.step.name}{release}{ended}"
