"""Forms of the committee pages. They only parse input; the services decide what is allowed."""

from datetime import timedelta

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from campaigns.forms import offer_campaigns
from campaigns.models import Campaign
from committee.choices import VOTING_COMMITTEE_KINDS, CommitteeKind, DecisionKind, QuorumRule, VoteChoice
from committee.models import Committee, Seat
from committee.services.history import PAST_OUTCOMES
from console import forms as bounded
from console import text_limits
from console.identifiers import COMMITTEE_SLUG, validate_committee_slug
from releases.choices import BackportStatus
from releases.models import BackportRequest, Release

TITLE_MAX_LENGTH = 200


class DecisionSubjectForm(forms.Form):
    """What a decision is about, whether it is proposed now (``DecisionCreateForm``) or recorded after the fact
    (``DecisionRecordPastForm``); ``committees`` are those the user may put it to."""

    committee = forms.ModelChoiceField(queryset=Committee.objects.none(), empty_label=None)
    kind = forms.ChoiceField(choices=DecisionKind.choices)
    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    proposal = bounded.LongTextField(max_length=text_limits.PROPOSAL, widget=forms.Textarea(attrs={"rows": 8}))
    release = forms.ModelChoiceField(queryset=Release.objects.all(), required=False)
    backport_request = forms.ModelChoiceField(
        queryset=BackportRequest.objects.filter(status=BackportStatus.PROPOSED).order_by("rfc_id"),
        required=False,
        label="Backport request",
        help_text="Only proposed requests can be put to the change control board.",
    )
    campaigns = forms.ModelMultipleChoiceField(
        queryset=Campaign.objects.all(),
        required=False,
        help_text="For a pipeline-version decision: the campaigns the release is approved for; for a patch decision: "
        "the campaigns moved onto the patch.",
    )

    def __init__(self, *args, committees: QuerySet[Committee], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees
        offer_campaigns(self, "campaigns")
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(field.widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("data-testid", f"field-{name}")


class DecisionCreateForm(DecisionSubjectForm):
    deadline = bounded.DateTimeField(
        label="Deadline (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    field_order = ["committee", "kind", "title", "proposal", "deadline"]


# A draft opened from a link names at most this many campaigns (the page lists them with checkboxes).
DRAFT_MAX_CAMPAIGNS = 50
# How long a pre-filled draft gives the committee to vote.
DRAFT_VOTING_DAYS = 7


def draft_initial(query: QueryDict, committees: QuerySet[Committee]) -> dict:
    """The fields of a draft opened from a link (``committee.pages.draft_url``): ``kind``, ``release`` (a version),
    ``campaigns`` (ids, repeated) and ``committee`` (a slug, one the user may propose to), each ignored when it names
    nothing; with a release and campaigns, a pipeline-version or patch draft gets its title and proposal written
    ("Approve v23.0.1 for DP0.2: moves it from v23.0.0 onto the patch, which ships RFC-...") and a deadline."""
    initial: dict = {}
    kind = query.get("kind", "")
    if kind in DecisionKind.values:
        initial["kind"] = kind
    slug = query.get("committee", "")
    committee = committees.filter(slug=slug).first() if slug else None
    if committee is not None:
        initial["committee"] = committee.pk
    version = query.get("release", "")
    release = Release.objects.filter(version=version).first() if version else None
    if release is not None:
        initial["release"] = release.pk
    given = query.getlist("campaigns")[:DRAFT_MAX_CAMPAIGNS]
    ids = [int(value) for value in given if value.isdigit() and len(value) < 10]
    campaigns = list(Campaign.objects.filter(pk__in=ids).select_related("release").order_by("name")) if ids else []
    if campaigns:
        initial["campaigns"] = [campaign.pk for campaign in campaigns]
    if release is not None and campaigns and kind in (DecisionKind.PATCH, DecisionKind.PIPELINE_VERSION):
        initial["title"], initial["proposal"] = _approval_text(kind, release, campaigns)
        initial["deadline"] = _draft_deadline()
    rfc_id = query.get("backport_request", "")
    backport = (
        BackportRequest.objects.filter(rfc_id=rfc_id, status=BackportStatus.PROPOSED)
        .select_related("target_release")
        .first()
        if rfc_id and kind == DecisionKind.BACKPORT
        else None
    )
    if backport is not None:
        initial["backport_request"] = backport.pk
        if committee is None and (board := committees.filter(kind=CommitteeKind.CHANGE_CONTROL).first()):
            initial["committee"] = board.pk
        branch = f"v{backport.target_release.major}.{backport.target_release.minor}"
        initial["title"] = f"Backport {backport.rfc_id} to {branch}"[:TITLE_MAX_LENGTH]
        initial["proposal"] = (
            f"Backport {backport.ticket} onto the {branch} branch ({backport.target_release}): {backport.title}.\n\n"
            f"{backport.rationale}"
        )[: text_limits.PROPOSAL]
        initial["deadline"] = _draft_deadline()
    return initial


def _draft_deadline():
    return (timezone.now() + timedelta(days=DRAFT_VOTING_DAYS)).replace(second=0, microsecond=0)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _approval_text(kind: str, release: Release, campaigns: list[Campaign]) -> tuple[str, str]:
    """The title and proposal of a draft approving a release (a patch, moving them onto it) for campaigns."""
    names = _names([campaign.name for campaign in campaigns])
    title = f"Approve {release} for {names}"
    if len(title) > TITLE_MAX_LENGTH:
        title = f"Approve {release} for {len(campaigns)} campaigns"
    if kind == DecisionKind.PIPELINE_VERSION:
        return title, f"{title}: the policy committee approves a release per campaign."
    runs = {str(campaign.release or "no release") for campaign in campaigns}
    if len(runs) == 1:
        moves = f"moves {'it' if len(campaigns) == 1 else 'them'} from {runs.pop()}"
    else:
        moves = "moves " + _names([f"{c.name} from {c.release or 'no release'}" for c in campaigns])
    backports = [f"{backport} ({backport.ticket})" for backport in release.shipped_backports.order_by("rfc_id")]
    ships = f"which ships {'; '.join(backports)}" if backports else "which ships no backport recorded here"
    return title, f"{title}: {moves} onto the patch, {ships}."


class VoteForm(forms.Form):
    choice = forms.ChoiceField(choices=VoteChoice.choices)
    comment = forms.CharField(required=False, max_length=text_limits.COMMENT)
    seat = forms.ModelChoiceField(queryset=Seat.objects.none(), required=False)

    def __init__(self, *args, committee: Committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].queryset = Seat.objects.filter(committee=committee)


class EndorsementForm(forms.Form):
    note = bounded.LongTextField(required=False, max_length=text_limits.NOTE)


class DelegationForm(forms.Form):
    delegate = bounded.UserField(active_only=True, label="Delegate (username)")
    starts_on = bounded.DateField()
    ends_on = bounded.DateField()


class CommitteeCreateForm(forms.Form):
    name = forms.CharField(max_length=Committee._meta.get_field("name").max_length)
    slug = forms.CharField(
        max_length=COMMITTEE_SLUG.max_length,
        validators=[validate_committee_slug],
        help_text="Names the committee's page: letters, digits, dashes and underscores, e.g. dmccb.",
        widget=forms.TextInput(attrs=COMMITTEE_SLUG.input_attrs()),
    )
    kind = forms.ChoiceField(
        choices=CommitteeKind.choices,
        help_text="The policy committee and the change control board seat people with their member role; the "
        "leadership team, the task force lead or staff.",
    )
    quorum = forms.ChoiceField(choices=QuorumRule.choices, label="Quorum rule")
    areas = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Seats",
        help_text="One area per line: a vacant seat each. Assign their holders on the committees page.",
    )
    chair = forms.CharField(
        required=False,
        max_length=Seat._meta.get_field("area").max_length,
        help_text="The area whose seat chairs the committee (its holder names delegates for the other seats).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("data-testid", f"field-{name}")

    def clean_areas(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.cleaned_data["areas"].splitlines() if line.strip())

    def clean_chair(self) -> str | None:
        return self.cleaned_data["chair"].strip() or None


class SeatAddForm(forms.Form):
    area = forms.CharField(max_length=Seat._meta.get_field("area").max_length)


class SeatAssignForm(forms.Form):
    # Any user: the service says why an inactive one or one without the committee's role cannot hold it.
    holder = bounded.UserField(label="Holder (username)")


class QuorumForm(forms.Form):
    quorum = forms.ChoiceField(choices=QuorumRule.choices, label="Quorum rule")


def _date_input() -> forms.DateInput:
    # An <input type="date"> sends and shows ISO dates whatever the locale.
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class DecisionRecordPastForm(DecisionSubjectForm):
    """A decision taken before the console, as it happened (``services.decision_record_past``)."""

    opened_on = bounded.DateField(label="Opened on", widget=_date_input())
    closed_on = bounded.DateField(label="Closed on", help_text="the day of the vote", widget=_date_input())
    outcome = forms.ChoiceField(choices=[(status.value, status.label) for status in PAST_OUTCOMES])
    endorsed_on = bounded.DateField(
        required=False,
        label="Endorsed (or refused) on",
        help_text="For the policy committee's approval: the day the leadership team answered; empty if it has not.",
        widget=_date_input(),
    )
    endorsement_refused = forms.BooleanField(
        required=False, label="The leadership team refused the endorsement (it never took effect)"
    )
    outcome_summary = forms.CharField(
        required=False,
        max_length=150,
        label="How it was decided",
        help_text='For the record, e.g. "4 approve, 0 reject at the 2021-06-28 meeting"; no votes are recorded.',
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, committees=Committee.objects.filter(kind__in=VOTING_COMMITTEE_KINDS), **kwargs)
        self.fields["proposal"].widget.attrs["rows"] = 5
        self.fields[
            "backport_request"
        ].help_text = "Only a proposed request; the decision concludes its review as it did."
        self.fields[
            "campaigns"
        ].help_text = "For a pipeline-version decision: the campaigns the release was approved for."
