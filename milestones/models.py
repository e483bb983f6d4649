"""Project milestones as tracked in Jira, their history of changes, the campaign events that prove them,
and the record of each Jira sync."""

from datetime import date

from django.conf import settings
from django.db import models

from console.identifiers import JIRA_KEY, shown, url_for, validate_jira_key
from milestones.choices import (
    MILESTONE_STATUS_COLOURS,
    OPEN_STATUSES,
    ChangeOrigin,
    EvidenceKind,
    MilestoneStatus,
    ProposalState,
    SyncStatus,
    SyncTrigger,
    TrackedField,
)


class Milestone(models.Model):
    """A milestone: Jira key, project-wide id, due date, level, status, owning team and owner.

    ``baseline_due_date`` is the first due date the console knew; a due date
    later than it is a slip. Changes of the due date, forecast, status and level
    are kept as ``MilestoneChange`` rows.
    """

    jira_key = models.CharField(
        max_length=JIRA_KEY.max_length, unique=True, validators=[validate_jira_key], help_text="e.g. PREOPS-154"
    )
    project_id = models.CharField(max_length=32, blank=True, help_text="e.g. L3-MW-0050")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    due_date = models.DateField(null=True, blank=True)
    baseline_due_date = models.DateField(
        null=True, blank=True, help_text="the first due date known; a later due date is a slip"
    )
    forecast_date = models.DateField(null=True, blank=True, help_text="when the team now expects it done")
    completed_date = models.DateField(null=True, blank=True)
    level = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.TO_DO)
    team = models.CharField(max_length=100, blank=True)
    # The person who answers for the milestone: its slips and overdue days wait on their dashboard.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_milestones"
    )
    campaigns = models.ManyToManyField("campaigns.Campaign", blank=True, related_name="milestones")
    decisions = models.ManyToManyField("committee.Decision", blank=True, related_name="milestones")
    releases = models.ManyToManyField("releases.Release", blank=True, related_name="milestones")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "jira_key"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__isnull=True) | models.Q(level__gte=1, level__lte=3),
                name="milestone_level_1_to_3",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="milestone_status_due_idx")]

    def __str__(self) -> str:
        return f"{shown(self.jira_key)} {self.title}"

    def get_absolute_url(self) -> str:
        # "" for a key stored before keys were checked: the pages show it without a link.
        return url_for("milestones:milestone-detail", JIRA_KEY, jira_key=self.jira_key)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_colour(self) -> str:
        return MILESTONE_STATUS_COLOURS[self.status]

    @property
    def slip_days(self) -> int:
        """How many days the due date moved later than the baseline (0 if it did not)."""
        if self.due_date is None or self.baseline_due_date is None:
            return 0
        return max(0, (self.due_date - self.baseline_due_date).days)

    def jira_url(self) -> str:
        if not settings.JIRA_SERVER or not JIRA_KEY.is_valid(self.jira_key):
            return ""
        return f"{settings.JIRA_SERVER}/browse/{self.jira_key}"


class MilestoneChange(models.Model):
    """One change of a tracked field of a milestone: when, from what, to what, and where it came from.

    Values are kept as text: ISO dates, level numbers, status names; empty is "none".
    """

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=20, choices=TrackedField.choices)
    old_value = models.CharField(max_length=32, blank=True)
    new_value = models.CharField(max_length=32, blank=True)
    changed_at = models.DateTimeField()
    origin = models.CharField(max_length=10, choices=ChangeOrigin.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The person's name, or what the change came from ("jira", "import_milestones", "load_demo").
    actor_name = models.CharField(max_length=150)
    sync = models.ForeignKey("JiraSync", null=True, blank=True, on_delete=models.SET_NULL, related_name="changes")
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        indexes = [models.Index(fields=["milestone", "field", "changed_at"], name="milestone_change_idx")]

    def __str__(self) -> str:
        return f"{self.milestone_id} {self.field}: {self.old_value} -> {self.new_value}"

    @property
    def is_slip(self) -> bool:
        return self.slip_days > 0

    @property
    def slip_days(self) -> int:
        """Days the due date moved later by this change (0 for anything else)."""
        if self.field != TrackedField.DUE_DATE or not self.old_value or not self.new_value:
            return 0
        return max(0, (date.fromisoformat(self.new_value) - date.fromisoformat(self.old_value)).days)


class MilestoneEvidence(models.Model):
    """A campaign event that proves a milestone: when it happens, the console proposes ``proposed_status``."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="evidence_links")
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    step = models.ForeignKey("campaigns.Step", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    release = models.ForeignKey("releases.Release", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    proposed_status = models.CharField(max_length=20, choices=MilestoneStatus.choices, default=MilestoneStatus.DONE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind__in=(EvidenceKind.CAMPAIGN_STARTED, EvidenceKind.DATA_PRODUCTS_DELIVERED),
                        campaign__isnull=False,
                        step__isnull=True,
                        release__isnull=True,
                    )
                    | models.Q(
                        kind=EvidenceKind.STEP_ACCEPTED, campaign__isnull=True, step__isnull=False, release__isnull=True
                    )
                    | models.Q(
                        kind=EvidenceKind.RELEASE_APPROVED,
                        campaign__isnull=True,
                        step__isnull=True,
                        release__isnull=False,
                    )
                ),
                name="milestone_evidence_names_its_target",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "campaign"], name="evidence_campaign_idx"),
            models.Index(fields=["kind", "step"], name="evidence_step_idx"),
            models.Index(fields=["kind", "release"], name="evidence_release_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.target}"

    @property
    def target(self) -> object:
        return self.campaign or self.step or self.release


class EvidenceProposal(models.Model):
    """A status change proposed by a campaign event, awaiting the task force lead's confirmation."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="proposals")
    evidence = models.ForeignKey(
        MilestoneEvidence, null=True, blank=True, on_delete=models.SET_NULL, related_name="proposals"
    )
    kind = models.CharField(max_length=20, choices=EvidenceKind.choices)
    event = models.CharField(max_length=300, help_text="what happened, e.g. 'Campaign DP0.2 started'")
    proposed_status = models.CharField(max_length=20, choices=MilestoneStatus.choices)
    state = models.CharField(max_length=20, choices=ProposalState.choices, default=ProposalState.PENDING)
    observed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-observed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["evidence"],
                condition=models.Q(state=ProposalState.PENDING),
                name="evidence_proposal_one_pending_per_link",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event}: {shown(self.milestone.jira_key)} -> {self.proposed_status}"


class JiraSync(models.Model):
    """One run of the Jira sync: when it ran, how it ended and what it changed.

    At most one runs at a time (a conditional unique constraint); a run whose
    worker died is closed as failed by the next one.
    """

    trigger = models.CharField(max_length=20, choices=SyncTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    issues_seen = models.PositiveIntegerField(default=0)
    pages = models.PositiveIntegerField(default=0)
    retries = models.PositiveIntegerField(default=0, help_text="requests repeated after a transient error")
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    # [{"jira_key": ..., "action": "created" | "updated", "fields": {name: [before, after]}}, ...]
    summary = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True, help_text="things worth knowing, e.g. issues with no due date")
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status=SyncStatus.RUNNING), name="jira_sync_one_running"
            ),
        ]

    def __str__(self) -> str:
        return f"Jira sync {self.started_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def status_colour(self) -> str:
        return {SyncStatus.RUNNING: "info", SyncStatus.SUCCEEDED: "success", SyncStatus.FAILED: "danger"}[self.status]
