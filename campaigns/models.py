"""Campaigns, their steps, and the submissions of steps to the workflow system.

Row locks: the one order
------------------------
A transaction that locks more than one row locks them parent first, in this order and never another:

    campaign -> step -> submission

with ``lock_rows`` (which skips the ones it is not given). A service that starts from a child (cancelling a
submission, recording how its run ended) reads the child's parent ids without a lock (they never change), then
locks the parent and the child, then checks the child's state. Two services that meet on a campaign therefore
queue on the campaign's row, and neither can hold a row the other waits for while it waits (a deadlock: one of
the two requests failed with 500).

The locks are ``FOR NO KEY UPDATE``: they keep other writers of the row out, but not the foreign-key checks of
rows that refer to it (inserting a submission takes ``FOR KEY SHARE`` on its step, accepting a step on its
run), so those implicit locks never wait for an explicit one, and only the explicit ones need ordering.

The services of committee, releases and milestones follow the same rule, parent first, with
``select_for_update(no_key=True)``: committee decision -> release -> backport request (a decision's effects),
milestone -> evidence proposal; no service locks rows of two of these groups, but a patch decision's effect: it
locks the decision, the patch, then each campaign it moves onto the patch (``campaign_release_change``), and no
service holding a campaign's lock waits for a decision or a release. qa/services.py locks campaigns
and steps through ``lock_rows``.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from campaigns.choices import (
    ACTIVE_SUBMISSION_STATUSES,
    CAMPAIGN_CLOSED_TO_SUBMISSIONS,
    CAMPAIGN_STATUS_COLOURS,
    RESTARTABLE_SUBMISSION_STATUSES,
    SUBMISSION_STATUS_COLOURS,
    SUBMISSION_TRANSITIONS,
    CampaignKind,
    CampaignStatus,
    ErrorAction,
    ErrorOrigin,
    SiteKind,
    SubmissionStatus,
    WorkflowSystem,
)


class CampaignQuerySet(models.QuerySet):
    """Which campaigns are shown: an archived campaign (``Campaign.archived_at``) is hidden from lists and pickers
    unless asked for (the list's ``archived`` filter); its page still opens."""

    def not_archived(self) -> "CampaignQuerySet":
        return self.filter(archived_at__isnull=True)

    def archived(self) -> "CampaignQuerySet":
        return self.filter(archived_at__isnull=False)

    def pickable(self, *, include: Iterable = ()) -> "CampaignQuerySet":
        """What a picker offers: the campaigns not archived, and those of ``include`` (campaigns or ids, as a form
        was given them) even if archived, so that a choice already made stays chosen when the form is shown again
        (a comparison opened from an archived campaign's page, a link to unlink)."""
        return self.filter(Q(archived_at__isnull=True) | Q(pk__in=_ids(include)))


def _ids(values: Iterable) -> set[int]:
    """The ids among objects and the text of form fields; anything else is left out."""
    ids = set()
    for value in values:
        value = str(getattr(value, "pk", value) or "")
        if value.isdigit() and len(value) < 10:
            ids.add(int(value))
    return ids


class Facility(models.Model):
    """A data facility (the interim data facility, USDF, IN2P3): its compute sites and the hosts that submit to
    them. A campaign runs at one of its sites; the same definition at two facilities is two campaigns."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=50, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return self.name


class SubmitHost(models.Model):
    """A host of a facility where `bps` runs (Parsl's driver and interchange, the working directories): the Celery
    worker on it consumes ``queue``, so that each submission's dispatch, poll and cancel run there."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="submit_hosts")
    hostname = models.CharField(max_length=200)
    queue = models.CharField(max_length=100, unique=True, help_text="the Celery queue its worker consumes")
    address = models.GenericIPAddressField(
        null=True, blank=True, help_text="where the jobs of its runs reach it (Parsl's interchange)"
    )
    # When its worker last took the poll that beat sends every submit host each cycle, and its Celery name: a host
    # whose worker is away holds its submissions (they wait for it, no other host takes them).
    worker_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    worker_name = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["facility", "hostname"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "hostname"], name="submit_host_unique_in_facility"),
        ]

    def __str__(self) -> str:
        return f"{self.hostname} ({self.facility})"

    def worker_away(self, now=None) -> bool:
        """Whether its worker has not taken beat's poll for three poll intervals (at least 10 s), or never."""
        if self.worker_seen_at is None:
            return True
        now = now or timezone.now()
        return (now - self.worker_seen_at).total_seconds() > submit_host_away_after()

    def worker_seen_ago(self, now=None) -> int | None:
        """Whole seconds since its worker last took beat's poll; None when it never did."""
        if self.worker_seen_at is None:
            return None
        return max(int(((now or timezone.now()) - self.worker_seen_at).total_seconds()), 0)


def submit_host_away_after() -> float:
    """Seconds without a poll taken after which a submit host's worker counts as away."""
    return max(3 * settings.SUBMISSION_POLL_INTERVAL, 10)


def submission_queue(submission: "Submission") -> str | None:
    """The Celery queue of the worker that dispatches, polls and cancels the submission, and reads its run's
    metrics: its submit host's; None for the console's own host (the default queue)."""
    return submission.submit_host.queue if submission.submit_host_id else None


def campaign_queue(campaign: "Campaign") -> str | None:
    """The Celery queue of the worker on the submit host of the campaign's compute site, which reads its
    facility's Butler (its data products); None for the console's own host (the default queue)."""
    if campaign.compute_site_id is None:
        return None
    return SubmitHost.objects.filter(sites=campaign.compute_site_id).values_list("queue", flat=True).first()


class ComputeSite(models.Model):
    """Where a facility runs the jobs of a campaign's submissions, rendered into the BPS configuration
    (``computeSite`` and its ``site`` section): the submit host's own cores, or a Slurm cluster's partition."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="sites")
    name = models.SlugField(max_length=50)
    kind = models.CharField(max_length=20, choices=SiteKind.choices, default=SiteKind.LOCAL)
    submit_host = models.ForeignKey(SubmitHost, on_delete=models.PROTECT, related_name="sites")
    partition = models.CharField(max_length=100, blank=True)
    nodes = models.PositiveSmallIntegerField(default=1, help_text="nodes of each pilot job")
    cores_per_node = models.PositiveSmallIntegerField(null=True, blank=True)
    walltime = models.CharField(max_length=12, default="01:00:00", help_text="HH:MM:SS of each pilot job")
    account = models.CharField(max_length=100, blank=True)
    memory_per_node_gb = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["facility", "name"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "name"], name="compute_site_unique_in_facility"),
        ]

    def __str__(self) -> str:
        return f"{self.facility} / {self.name}"

    @property
    def reference(self) -> str:
        """How the API names it, ``facility-slug/site-name`` (``selectors.compute_site_by_reference``)."""
        return f"{self.facility.slug}/{self.name}"


class Campaign(models.Model):
    """A reprocessing campaign: a dataset processed with one pipeline release through the workflow system.

    Archived (``archived_at``): hidden from lists and pickers by default and closed to submissions; never deleted
    once it ran (its steps' submissions protect them)."""

    # What defines a campaign's processing: copied by clone, compared by diff, recorded when created.
    DEFINITION_FIELDS = (
        "description",
        "dataset_label",
        "butler_repo",
        "input_collections",
        "output_prefix",
        "data_query",
        "pipeline",
        "release",
        "kind",
        "workflow_system",
        "bps_template",
        "bps_overrides",
        "max_running_groups",
        "compute_site",
    )

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    dataset_label = models.CharField(max_length=100, blank=True, help_text="e.g. DC2 RC6")
    butler_repo = models.CharField(max_length=500, blank=True, help_text="path or URI of the Butler repository")
    input_collections = models.JSONField(default=list, blank=True)
    output_prefix = models.CharField(max_length=200, blank=True, help_text="e.g. u/operator/dp02")
    data_query = models.TextField(blank=True)
    pipeline = models.CharField(max_length=500, blank=True, help_text="pipeline YAML path")
    release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="campaigns"
    )
    kind = models.CharField(max_length=20, choices=CampaignKind.choices, default=CampaignKind.PRODUCTION)
    workflow_system = models.CharField(max_length=20, choices=WorkflowSystem.choices, default=WorkflowSystem.PARSL)
    bps_template = models.TextField(blank=True, help_text="BPS configuration (YAML) the submissions start from")
    bps_overrides = models.TextField(blank=True, help_text="YAML merged over the template for this campaign")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="hidden from lists and pickers since then, and closed to submissions"
    )
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    run_automatically = models.BooleanField(
        default=False,
        help_text="dispatch its groups, act on failures by the error rules and start each next step by itself",
    )
    # Who turned "run automatically" on: the automatic acts are theirs (their roles are checked at each one).
    automation_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compute_site = models.ForeignKey(
        "ComputeSite",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaigns",
        help_text="the facility's site its jobs run at; none: the console's own host (Parsl local)",
    )
    max_running_groups = models.PositiveIntegerField(
        null=True, blank=True, help_text="at most this many of its submissions launched at once; empty: no limit"
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(archived_at__isnull=False) | Q(archived_by__isnull=True),
                name="campaign_archived_by_only_when_archived",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("campaigns:campaign-detail", kwargs={"pk": self.pk})

    @property
    def status_colour(self) -> str:
        return CAMPAIGN_STATUS_COLOURS[self.status]

    @property
    def is_mini_run(self) -> bool:
        return self.kind == CampaignKind.MINI_RUN

    def acceptance_refusal(self) -> str:
        """Why the campaign's steps are never accepted (nor waived) as production; empty when they may be."""
        if self.is_mini_run:
            return f"{self} is a mini run: its steps are never accepted as production."
        return ""

    @property
    def takes_submissions(self) -> bool:
        """New submissions and restarts are taken: not while paused or archived, never once cancelled or
        accepted."""
        return not self.is_archived and self.status not in CAMPAIGN_CLOSED_TO_SUBMISSIONS

    def submission_refusal(self) -> str:
        """Why the campaign takes no submission now; empty when it takes them."""
        if self.takes_submissions:
            return ""
        if self.is_archived:
            return f"{self} is archived; it takes no submissions until it is unarchived."
        return f"{self} is {self.status}; it takes no submissions."

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def current_step(self) -> "Step | None":
        """The first step (by position) whose work is not all done (``steps_completed``); None when every step's
        is. Two queries."""
        steps = list(self.steps.order_by("position"))
        done = steps_completed(step.pk for step in steps)
        return next((step for step in steps if step.pk not in done), None)

    def archive_refusal(self) -> str:
        """Why the campaign cannot be archived now; empty when it can. Not twice, not with a submission in
        progress (it goes on running: cancel it or let it end), not while running (pause, cancel or let it
        complete first). Its steps' submissions are read from ``selectors.campaign_detail``'s prefetch when
        there; the service asks again with the campaign locked."""
        if self.is_archived:
            return f"{self} was archived already, on {self.archived_at:%Y-%m-%d}."
        for step in self.steps.all():
            active = step.active_submission()
            if active is not None:
                return (
                    f"{self} has a submission in progress: submission {active.pk} of step {step.name} is "
                    f"{active.status}. Cancel it or let it end, then archive the campaign."
                )
        if self.status == CampaignStatus.RUNNING:
            return f"{self} is running: pause it, cancel it or let it complete, then archive it."
        return ""


class CampaignReleaseChange(models.Model):
    """A campaign moved from one release to another (onto a patch, say), by whom and when: with the release it
    was created with, the campaign's release history."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="release_changes")
    from_release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_release = models.ForeignKey("releases.Release", on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["campaign", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.from_release} -> {self.to_release}"


class StepQuerySet(models.QuerySet):
    def pickable(self, *, include: Iterable = ()) -> "StepQuerySet":
        """What a picker of steps offers: the steps of campaigns not archived (``CampaignQuerySet.pickable``), and
        those of ``include`` even if archived."""
        return self.filter(Q(campaign__archived_at__isnull=True) | Q(pk__in=_ids(include)))


class Step(models.Model):
    """An ordered part of a campaign, submitted as one BPS run per attempt."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="steps")
    name = models.SlugField(max_length=50)
    position = models.PositiveSmallIntegerField()
    pipeline_subset = models.CharField(
        max_length=200, blank=True, help_text="labels or subset of the campaign pipeline, e.g. #step1"
    )
    data_query = models.TextField(blank=True, help_text="overrides the campaign's data query when set")
    bps_overrides = models.TextField(
        blank=True, help_text="YAML merged over the campaign's BPS configuration for this step's submissions"
    )
    depends_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="dependents")
    # The QA gate: set when the step is accepted (its run passed, or a waiver allowed it).
    accepted_submission = models.ForeignKey(
        "Submission", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A breakpoint: a campaign that runs automatically holds before starting this step until someone releases it.
    hold_before = models.BooleanField(default=False, help_text="hold for review before this step starts")
    hold_released_at = models.DateTimeField(null=True, blank=True)
    hold_released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = StepQuerySet.as_manager()

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "name"], name="step_name_unique_in_campaign"),
            models.UniqueConstraint(fields=["campaign", "position"], name="step_position_unique_in_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} / {self.name}"

    def active_submission(self) -> "Submission | None":
        """The step's submission in progress (pending, submitting or running), if any: there is at most one
        (``submission_one_active_per_step``). Read from the step's submissions when they were prefetched
        (``selectors.campaign_detail``), else with one query."""
        if "submissions" in getattr(self, "_prefetched_objects_cache", {}):
            return next((submission for submission in self.submissions.all() if submission.is_in_progress), None)
        return self.submissions.filter(status__in=ACTIVE_SUBMISSION_STATUSES).first()

    def submission_refusal(self) -> str:
        """Why the step takes no new submission (nor a restart of one of its attempts) now; empty when it takes
        one. Its campaign must take submissions, and no submission of the step may be in progress. The pre-flight
        checks (``campaigns.preflight``) come on top; the services ask again with the rows locked."""
        return self.campaign.submission_refusal() or self.in_progress_refusal()

    def in_progress_refusal(self) -> str:
        """The part of ``submission_refusal`` that is the step's own: one of its submissions is in progress."""
        if self.is_split:
            return f"The step {self.name} is split into groups: submit its groups, each on its own."
        active = self.active_submission()
        if active is None:
            return ""
        return f"The step {self.name} has a submission in progress already (submission {active.pk})."

    @property
    def takes_new_submission(self) -> bool:
        return not self.submission_refusal()

    @property
    def is_split(self) -> bool:
        """Split into groups (read from the prefetched groups when there: ``selectors.campaign_detail``)."""
        if "groups" in getattr(self, "_prefetched_objects_cache", {}):
            return bool(self.groups.all())
        return self.groups.exists()


class SubmissionQuerySet(models.QuerySet):
    """The rules about which submissions are which, for lists (each one also a method of ``Submission``)."""

    def current_attempts(self) -> "SubmissionQuerySet":
        """Attempts that no later attempt restarted: the newest of each line of restarts
        (``Submission.is_current_attempt``)."""
        return self.filter(~Q(Exists(self.model.objects.filter(restarts=OuterRef("pk")))))

    def restartable(self) -> "SubmissionQuerySet":
        """Attempts that may be restarted: failed, lost or cancelled, and not restarted yet
        (``Submission.restart_refusal``)."""
        return self.filter(status__in=RESTARTABLE_SUBMISSION_STATUSES).current_attempts()

    def due_for_dispatch(self, now: datetime) -> "SubmissionQuerySet":
        """Pending submissions whose backoff after a transient failure (if any) has passed."""
        return self.filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now), status=SubmissionStatus.PENDING)


class Submission(models.Model):
    """One `bps submit` (or `bps restart`) of one step, followed until its last quantum."""

    step = models.ForeignKey(Step, on_delete=models.PROTECT, related_name="submissions")
    # The group of the step's data this submission runs; None for a step that is not split into groups.
    group = models.ForeignKey("StepGroup", null=True, blank=True, on_delete=models.PROTECT, related_name="submissions")
    idempotency_key = models.CharField(max_length=100, unique=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    restarts = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="restarted_by",
        help_text="the attempt this one restarts",
    )
    status = models.CharField(max_length=20, choices=SubmissionStatus.choices, default=SubmissionStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The release the campaign named when the submission was requested: what the run ran with (None for a
    # submission recorded before releases were recorded on submissions).
    release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    bps_config = models.TextField(blank=True, help_text="the rendered configuration that was submitted")
    run_collection = models.CharField(max_length=300, blank=True)
    working_dir = models.CharField(max_length=500, blank=True)
    submit_dir = models.CharField(max_length=500, blank=True, help_text="for Parsl, also the run id")
    wms_run_id = models.CharField(max_length=100, blank=True)
    # The batch system's job ids of the run (Slurm pilot jobs), as the poll found them: shown, and cancelled with it.
    batch_job_ids = models.JSONField(default=list, blank=True)
    host = models.CharField(max_length=200, blank=True)
    # The facility's host whose worker dispatches, polls and cancels it (its Celery queue); None: the console's own.
    submit_host = models.ForeignKey(
        "SubmitHost", null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    pid = models.PositiveIntegerField(null=True, blank=True)
    task_counts = models.JSONField(default=dict, blank=True)
    # Totals of task_counts, kept beside it so that lists can sum them in the database.
    quanta_expected = models.PositiveIntegerField(default=0)
    quanta_succeeded = models.PositiveIntegerField(default=0)
    quanta_failed = models.PositiveIntegerField(default=0)
    failures = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, help_text="why the submission itself failed, if it did")
    dispatch_tries = models.PositiveSmallIntegerField(default=0)
    retries = models.PositiveSmallIntegerField(default=0, help_text="launches tried again after a transient failure")
    retry_at = models.DateTimeField(null=True, blank=True, help_text="not launched again before this time")
    measurement_count = models.PositiveBigIntegerField(
        default=0, help_text="QA measurements ingested for the run (qa.ingest adds to it)"
    )
    launch_token = models.CharField(
        max_length=32,
        blank=True,
        help_text="random, set when the launch is first claimed: names its working directory and marks its "
        "files, so that nothing launched for another database is taken for it",
    )
    # A failure's classification (``campaigns.error_rules``), made when the run ends: the type and the rule that
    # found it (None: no rule covers it), and when a campaign that runs automatically acted on it.
    error_type = models.ForeignKey(
        "ErrorType", null=True, blank=True, on_delete=models.PROTECT, related_name="submissions"
    )
    error_rule = models.ForeignKey(
        "ErrorRule", null=True, blank=True, on_delete=models.PROTECT, related_name="classified"
    )
    failure_handled_at = models.DateTimeField(null=True, blank=True)
    # The rule whose action requested this submission (a retry or a restart of its group), if one did.
    requested_by_rule = models.ForeignKey(
        "ErrorRule", null=True, blank=True, on_delete=models.PROTECT, related_name="requested"
    )

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["step"],
                condition=models.Q(status__in=ACTIVE_SUBMISSION_STATUSES, group__isnull=True),
                name="submission_one_active_per_step",
            ),
            models.UniqueConstraint(
                fields=["group"],
                condition=models.Q(status__in=ACTIVE_SUBMISSION_STATUSES, group__isnull=False),
                name="submission_one_active_per_group",
            ),
        ]
        # A poll cycle reads the ids of the running submissions from this index (a range, in id order), then
        # each batch by id. No index holds the fields a poll writes, so its updates can stay on their page.
        indexes = [models.Index(fields=["status", "id"], name="submission_poll_idx")]

    def __str__(self) -> str:
        return f"{self.step} attempt {self.attempt}"

    def get_absolute_url(self) -> str:
        return f"{self.step.campaign.get_absolute_url()}#submission-{self.pk}"

    @property
    def status_colour(self) -> str:
        return SUBMISSION_STATUS_COLOURS[self.status]

    @property
    def is_in_progress(self) -> bool:
        """Pending, submitting or running (``Step.active_submission``)."""
        return self.status in ACTIVE_SUBMISSION_STATUSES

    @cached_property
    def restarted_by_attempt(self) -> "Submission | None":
        """The attempt that restarted this one, if any (at most one: ``restart_refusal``). The selectors that
        read a step's attempts together set it from them (``selectors.campaign_detail``), so that it costs no
        query."""
        return self.restarted_by.first()

    @property
    def is_current_attempt(self) -> bool:
        """No later attempt restarted this one (``SubmissionQuerySet.current_attempts``)."""
        return self.restarted_by_attempt is None

    def restart_refusal(self) -> str:
        """Why this attempt cannot be restarted; empty when it can. Only a failed, lost or cancelled attempt
        restarts, and only once (``SubmissionQuerySet.restartable``). Its step must take a new submission too
        (``Step.submission_refusal``); the service asks both again with the rows locked."""
        if self.status not in RESTARTABLE_SUBMISSION_STATUSES:
            return f"Submission {self.pk} is {self.status}; only a failed, lost or cancelled one restarts."
        if self.restarted_by_attempt is not None:
            return f"Submission {self.pk} was restarted already, by submission {self.restarted_by_attempt.pk}."
        return ""

    @property
    def is_restartable(self) -> bool:
        return not self.restart_refusal()

    @property
    def is_cancellable(self) -> bool:
        """Whether the transition table lets it become cancelled (pending, submitting or running)."""
        return SubmissionStatus.CANCELLED in SUBMISSION_TRANSITIONS[self.status]

    def set_task_counts(self, task_counts: dict) -> None:
        """Per task label counts, and their totals."""
        self.task_counts = task_counts
        self.quanta_expected = sum(int(c.get("expected", 0) or 0) for c in task_counts.values())
        self.quanta_succeeded = sum(int(c.get("succeeded", 0) or 0) for c in task_counts.values())
        self.quanta_failed = sum(int(c.get("failed", 0) or 0) for c in task_counts.values())

    @property
    def task_rows(self) -> list[tuple[str, dict]]:
        """Per task label counts, in label order, for tables."""
        return sorted((self.task_counts or {}).items())

    @property
    def progress_percent(self) -> int:
        return round(100 * self.quanta_succeeded / self.quanta_expected) if self.quanta_expected else 0

    @property
    def progress(self) -> "Progress":
        """The quanta of this attempt's own work: what the page shows as its progress.

        A restart (``bps restart``) runs again in the submit directory (or WMS run) of the attempt it restarts, and
        the counts read from there start as that attempt's: while the restart runs, its own work is what the
        earlier attempt left undone, and what that attempt did (``carried``) or failed is not counted as the
        restart's. Once it ended, its counts are the run's, whole. ``restarts`` is read with the attempt by the
        selectors that show it (``selectors.campaign_detail``)."""
        previous = self.restarts if self.restarts_id is not None else None
        continues = previous is not None and bool(previous.submit_dir or previous.wms_run_id)
        if not continues or not self.is_in_progress:
            return Progress(self.quanta_expected, self.quanta_succeeded, self.quanta_failed)
        carried = previous.quanta_succeeded
        expected = (self.quanta_expected or previous.quanta_expected) - carried
        return Progress(
            expected=max(expected, 0),
            succeeded=max(self.quanta_succeeded - carried, 0),
            failed=max(self.quanta_failed - previous.quanta_failed, 0),
            carried=carried,
            restarted_attempt=previous.attempt,
        )


class Progress(NamedTuple):
    """Quanta of an attempt: ``expected`` of its own work, ``succeeded`` and ``failed`` of them; for a restart in
    progress, ``carried``: those the attempt it restarts (``restarted_attempt``) did, which it does not run again."""

    expected: int
    succeeded: int
    failed: int
    carried: int = 0
    restarted_attempt: int | None = None


class StepGroup(models.Model):
    """A slice of a step's data (a partition of its data query), submitted, restarted and cancelled on its own:
    one ``bps submit`` each. Its query is ANDed with the step's (or the campaign's)."""

    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField()
    data_query = models.TextField(help_text="this group's slice, ANDed with the step's query")
    # Held for review (by an error rule, or for want of one): a campaign that runs automatically leaves it alone
    # until someone releases it (restarts it, or marks it failed).
    held_at = models.DateTimeField(null=True, blank=True)
    held_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["step", "position"]
        constraints = [
            models.UniqueConstraint(fields=["step", "name"], name="group_name_unique_in_step"),
            models.UniqueConstraint(fields=["step", "position"], name="group_position_unique_in_step"),
        ]

    def __str__(self) -> str:
        return f"{self.step} / {self.name}"

    @property
    def is_held(self) -> bool:
        return self.held_at is not None

    def active_submission(self) -> "Submission | None":
        """The group's submission in progress, if any (at most one: ``submission_one_active_per_group``); read
        from its prefetched submissions when there."""
        if "submissions" in getattr(self, "_prefetched_objects_cache", {}):
            return next((submission for submission in self.submissions.all() if submission.is_in_progress), None)
        return self.submissions.filter(status__in=ACTIVE_SUBMISSION_STATUSES).first()

    def submission_refusal(self) -> str:
        """Why the group takes no new submission (nor a restart) now; empty when it takes one."""
        refusal = self.step.campaign.submission_refusal()
        if refusal:
            return refusal
        active = self.active_submission()
        if active is not None:
            return (
                f"The group {self.name} of the step {self.step.name} has a submission in progress already "
                f"(submission {active.pk})."
            )
        return ""


class ErrorType(models.Model):
    """A kind of failure (out of memory, a transient filesystem error, a pipeline bug), with where it comes from:
    the error page counts failures by type."""

    name = models.CharField(max_length=100, unique=True)
    origin = models.CharField(max_length=20, choices=ErrorOrigin.choices)
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ErrorRule(models.Model):
    """A pattern on a failure's task label and diagnostic text, the type it makes the failure, and the action a
    campaign that runs automatically takes on it. Rules are tried in ``position`` order; the first that matches
    classifies. Scoped to a release when it names one; no longer applies once ``expires_with`` (a backport of the
    fix) shipped in a patch, nor when made inactive."""

    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField(default=100)
    task_pattern = models.CharField(max_length=200, blank=True, help_text="regular expression on the task label")
    message_pattern = models.CharField(
        max_length=500, help_text="regular expression on the diagnostic text (error lines, bps output)"
    )
    error_type = models.ForeignKey(ErrorType, on_delete=models.PROTECT, related_name="rules")
    action = models.CharField(max_length=20, choices=ErrorAction.choices)
    max_retries = models.PositiveSmallIntegerField(default=0, help_text="for a retry or a restart: at most this many")
    memory_multiplier = models.FloatField(
        null=True, blank=True, help_text="for a retry: each job's memory times this, once per retry"
    )
    retry_after_seconds = models.PositiveIntegerField(default=0, help_text="wait this long before acting")
    release = models.ForeignKey(
        "releases.Release", null=True, blank=True, on_delete=models.PROTECT, related_name="error_rules"
    )
    expires_with = models.ForeignKey(
        "releases.BackportRequest",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="error_rules",
        help_text="the backport of the fix: once it ships in a patch, the rule no longer applies",
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(memory_multiplier__isnull=True) | Q(memory_multiplier__gte=1),
                name="error_rule_memory_multiplier_at_least_one",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignDataProduct(models.Model):
    """A dataset type a campaign must deliver, with the count expected where known, and the count the Butler holds
    in the campaign's output runs (``delivered_count``, None until counted)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="data_products")
    dataset_type = models.CharField(max_length=200)
    expected_count = models.PositiveBigIntegerField(null=True, blank=True)
    delivered_count = models.PositiveBigIntegerField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign", "dataset_type"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "dataset_type"], name="data_product_unique_in_campaign"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}: {self.dataset_type}"

    @property
    def delivered(self) -> bool:
        """Counted, and at least the expected count (at least one, when none is expected)."""
        if self.delivered_count is None:
            return False
        return self.delivered_count >= (1 if self.expected_count is None else self.expected_count)


def steps_completed(step_ids: Iterable[int]) -> set[int]:
    """Which of these steps did all their work: a step split into groups when every group has a successful run,
    another when it has one. One query, whatever the number of steps and groups."""
    succeeded = Submission.objects.filter(status=SubmissionStatus.SUCCEEDED)
    groups = StepGroup.objects.filter(step=OuterRef("pk"))
    unfinished_groups = groups.filter(~Exists(succeeded.filter(group=OuterRef("pk"))))
    done = Step.objects.filter(pk__in=set(step_ids)).filter(
        (Exists(groups) & ~Exists(unfinished_groups))
        | (~Exists(groups) & Exists(succeeded.filter(step=OuterRef("pk"), group__isnull=True)))
    )
    return set(done.values_list("pk", flat=True))


class LockedRows(NamedTuple):
    campaign: Campaign | None
    step: Step | None
    submission: Submission | None


def lock_rows(
    *, campaign_id: int | None = None, step_id: int | None = None, submission_id: int | None = None
) -> LockedRows:
    """Lock a campaign, a step and a submission (those given) in the one order of this module's docstring.

    Only the rows given are locked. A submission comes with its step and that step's campaign (read, and the
    locked instances when they were given), a step with the campaign locked with it.
    """
    campaign = step = submission = None
    if campaign_id is not None:
        campaign = Campaign.objects.select_for_update(no_key=True).get(pk=campaign_id)
    if step_id is not None:
        step = Step.objects.select_for_update(no_key=True).get(pk=step_id)
        if campaign is not None and step.campaign_id == campaign.pk:
            step.campaign = campaign
    if submission_id is not None:
        submission = (
            Submission.objects.select_for_update(no_key=True, of=("self",))
            .select_related("step__campaign")
            .get(pk=submission_id)
        )
        if step is not None and submission.step_id == step.pk:
            submission.step = step
        elif campaign is not None and submission.step.campaign_id == campaign.pk:
            submission.step.campaign = campaign
    return LockedRows(campaign, step, submission)
