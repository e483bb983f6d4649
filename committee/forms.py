"""Forms of the committee pages. They only parse input; the services decide what is allowed."""

from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet

from campaigns.models import Campaign
from committee.choices import DecisionKind, VoteChoice
from committee.models import Committee, Seat
from console import forms as bounded
from releases.choices import BackportStatus
from releases.models import BackportRequest, Release


class DecisionCreateForm(forms.Form):
    committee = forms.ModelChoiceField(queryset=Committee.objects.none(), empty_label=None)
    kind = forms.ChoiceField(choices=DecisionKind.choices)
    title = forms.CharField(max_length=200)
    proposal = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}))
    deadline = bounded.DateTimeField(
        label="Deadline (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
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
        help_text="For a pipeline-version decision: the campaigns the release is approved for.",
    )

    def __init__(self, *args, committees: QuerySet[Committee], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = committees
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
            field.widget.attrs.setdefault("data-testid", f"field-{name}")


class VoteForm(forms.Form):
    choice = forms.ChoiceField(choices=VoteChoice.choices)
    comment = forms.CharField(required=False, max_length=2000)
    seat = forms.ModelChoiceField(queryset=Seat.objects.none(), required=False)

    def __init__(self, *args, committee: Committee, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seat"].queryset = Seat.objects.filter(committee=committee)


class EndorsementForm(forms.Form):
    note = forms.CharField(required=False, max_length=5000)


class DelegationForm(forms.Form):
    delegate = forms.CharField(max_length=150, label="Delegate (username)")
    starts_on = bounded.DateField()
    ends_on = bounded.DateField()

    def clean_delegate(self) -> User:
        username = self.cleaned_data["delegate"].strip()
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"No active user {username!r}.")
        return user
