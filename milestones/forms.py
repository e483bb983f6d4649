"""Forms of the milestone pages: they turn posted text into values; the services decide what is allowed."""

from django import forms
from django.utils import timezone

from campaigns.forms import offer_campaigns
from campaigns.models import Campaign, Step
from committee.models import Decision
from console import forms as bounded
from milestones.choices import EVIDENCE_TARGETS, EvidenceKind, MilestoneStatus
from releases.models import Release


def _select(**attrs) -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


def _date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs={"class": "form-control form-control-sm", "type": "date"})


class ReportForm(forms.Form):
    """The report's date and grouping (the filters are ``MilestoneFilter``)."""

    as_of = bounded.DateField(required=False, label="As of", widget=_date_input())
    group = forms.ChoiceField(
        required=False, choices=[("team", "Team"), ("level", "Level")], label="Group by", widget=_select()
    )

    def as_of_date(self):
        if self.is_valid() and self.cleaned_data.get("as_of"):
            return self.cleaned_data["as_of"]
        return timezone.localdate()

    def group_by(self) -> str:
        return (self.is_valid() and self.cleaned_data.get("group")) or "team"


class ImportForm(forms.Form):
    table = forms.FileField(
        label="Milestone table",
        help_text="CSV or tab-separated text with the columns milestone, jira_id, rubin_id, due_date, level, "
        "status, team and, if wanted, owner (a console user name), in any order (headers matched ignoring case, "
        "spaces and punctuation); or Jira's CSV export.",
        widget=forms.ClearableFileInput(attrs={"class": "form-control form-control-sm", "accept": ".csv,.tsv,.txt"}),
    )
    dry_run = forms.BooleanField(
        required=False,
        initial=True,
        label="Dry run: show what would change, change nothing",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def clean_table(self) -> str:
        # Its size is bounded before it is read: a larger request is refused with 413 (UPLOAD_MAX_BYTES).
        upload = self.cleaned_data["table"]
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The file is not UTF-8 text.") from None


class MilestoneEditForm(forms.Form):
    due_date = bounded.DateField(required=False, label="Due", widget=_date_input())
    forecast_date = bounded.DateField(required=False, label="Forecast", widget=_date_input())
    completed_date = bounded.DateField(required=False, label="Completed", widget=_date_input())
    status = forms.ChoiceField(choices=MilestoneStatus.choices, widget=_select())
    level = forms.TypedChoiceField(
        required=False,
        choices=[("", "none"), ("1", "1"), ("2", "2"), ("3", "3")],
        coerce=int,
        empty_value=None,
        widget=_select(),
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        label="Why",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "placeholder": "e.g. why it slipped"}),
    )


class MilestoneOwnerForm(forms.Form):
    """The person who answers for a milestone, by user name; none leaves it without an owner."""

    owner = bounded.UserField(
        active_only=True,
        required=False,
        label="Owner (username)",
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "autocomplete": "off"}),
        help_text="their dashboard lists the milestone when it is overdue or slips; they may change it here; empty: "
        "nobody",
    )


class _TargetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        # A mini run is marked: its events are never a milestone's evidence (the service refuses one).
        campaign = obj if isinstance(obj, Campaign) else obj.campaign if isinstance(obj, Step) else None
        if campaign is not None and campaign.is_mini_run:
            return f"{obj} (mini run: never evidence)"
        return str(obj)


class EvidenceLinkForm(forms.Form):
    """One event of a campaign, step or release; the field named after the kind says which."""

    kind = forms.ChoiceField(choices=EvidenceKind.choices, widget=_select())
    campaign = _TargetChoiceField(queryset=Campaign.objects.order_by("name"), required=False, widget=_select())
    step = _TargetChoiceField(
        queryset=Step.objects.select_related("campaign").order_by("campaign__name", "position"),
        required=False,
        widget=_select(),
    )
    release = _TargetChoiceField(queryset=Release.objects.all(), required=False, widget=_select())
    proposed_status = forms.ChoiceField(
        choices=MilestoneStatus.choices, initial=MilestoneStatus.DONE, label="Propose", widget=_select()
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_campaigns(self, "campaign", "step")

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        target_field = EVIDENCE_TARGETS.get(kind)
        if target_field and not data.get(target_field):
            raise forms.ValidationError(f"{EvidenceKind(kind).label} needs a {target_field}.")
        data["target"] = data.get(target_field) if target_field else None
        return data


class LinkForm(forms.Form):
    """A campaign, decision or release to link the milestone to (exactly one)."""

    campaign = _TargetChoiceField(queryset=Campaign.objects.order_by("name"), required=False, widget=_select())
    decision = forms.ModelChoiceField(
        queryset=Decision.objects.select_related("committee").order_by("-id"), required=False, widget=_select()
    )
    release = forms.ModelChoiceField(queryset=Release.objects.all(), required=False, widget=_select())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_campaigns(self, "campaign")

    def clean(self):
        data = super().clean()
        chosen = [data[name] for name in ("campaign", "decision", "release") if data.get(name)]
        if len(chosen) != 1:
            raise forms.ValidationError("Choose one campaign, decision or release.")
        data["target"] = chosen[0]
        return data
