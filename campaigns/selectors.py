"""Reads of campaigns and submissions."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from campaigns import preflight
from campaigns.choices import (
    ACTIVE_SUBMISSION_STATUSES,
    CAMPAIGN_RELEASE_FIXED,
    ERROR_ORIGIN_COLOURS,
    FAILED_SUBMISSION_STATUSES,
    LAUNCHED_SUBMISSION_STATUSES,
    RESTARTABLE_SUBMISSION_STATUSES,
    CampaignStatus,
    SubmissionStatus,
)
from campaigns.models import (
    Campaign,
    ComputeSite,
    ErrorRule,
    ErrorType,
    Facility,
    Step,
    StepGroup,
    Submission,
    SubmitHost,
    submit_host_away_after,
)
from console.models import AuditEvent
from releases.choices import ReleaseKind, ReleaseStatus
from releases.models import Release

# Releases that take no new work (``Release.closed_reason``); one past its support end is refused by the check.
CLOSED_RELEASE_STATUSES = (ReleaseStatus.WITHDRAWN, ReleaseStatus.END_OF_SUPPORT)


def campaigns_with_steps() -> QuerySet[Campaign]:
    """Campaigns with their release, owner and steps (each with the step it depends on), by name: what the API
    answers with, and where the pages' actions on one campaign look it up."""
    return (
        Campaign.objects.select_related(
            "release", "owner", "archived_by", "automation_by", "compute_site__facility", "compute_site__submit_host"
        )
        .prefetch_related("steps__depends_on")
        .order_by("name")
    )


def campaign_step(campaign: Campaign, *, pk: int | None = None, name: str | None = None) -> Step | None:
    """The campaign's step with this id (the pages' forms) or this name (the API); None when it has none.
    Read from the campaign's prefetched steps (``campaigns_with_steps``)."""
    for step in campaign.steps.all():
        if (pk is not None and step.pk == pk) or (name is not None and step.name == name):
            return step
    return None


def submissions_with_step() -> QuerySet[Submission]:
    """Submissions with their step, its campaign and who requested them, newest first: what the API lists and
    answers with, and where the pages' actions on one submission look it up."""
    return Submission.objects.select_related("step__campaign", "requested_by").order_by("-created_at", "-id")


def restart_with_key(submission: Submission, idempotency_key: str) -> Submission | None:
    """The restart of this attempt that a request with this idempotency key made, if any."""
    return Submission.objects.filter(restarts=submission, idempotency_key=idempotency_key).first()


def campaign_list() -> QuerySet[Campaign]:
    """Campaigns with progress (quanta done of expected over the current attempts), failures, last activity."""
    current = Q(steps__submissions__in=Submission.objects.current_attempts())
    return (
        Campaign.objects.select_related(
            "release", "owner", "archived_by", "automation_by", "compute_site__facility", "compute_site__submit_host"
        )
        .annotate(
            quanta_expected=Sum("steps__submissions__quanta_expected", filter=current),
            quanta_succeeded=Sum("steps__submissions__quanta_succeeded", filter=current),
            quanta_failed=Sum("steps__submissions__quanta_failed", filter=current),
            failed_submissions=Count(
                "steps__submissions",
                filter=current & Q(steps__submissions__status__in=FAILED_SUBMISSION_STATUSES),
            ),
            last_activity=Max("steps__submissions__last_polled_at"),
            last_submitted=Max("steps__submissions__created_at"),
        )
        .order_by("name")
    )


def campaign_detail(pk: int) -> Campaign:
    """One campaign with its steps and every submission, newest first, lineage included: each attempt's
    ``restarts`` and ``restarted_by_attempt`` are read with the step's attempts, at no query more."""
    submissions = Submission.objects.select_related("requested_by", "restarts").order_by("-created_at", "-id")
    steps = Step.objects.select_related("depends_on").prefetch_related(
        Prefetch("submissions", queryset=submissions), "groups"
    )
    campaign = (
        Campaign.objects.select_related(
            "release", "owner", "archived_by", "automation_by", "compute_site__facility", "compute_site__submit_host"
        )
        .prefetch_related(Prefetch("steps", queryset=steps))
        .get(pk=pk)
    )
    for step in campaign.steps.all():
        # A restart is an attempt of the same step.
        attempts = step.submissions.all()
        restarted_by = {attempt.restarts_id: attempt for attempt in attempts if attempt.restarts_id is not None}
        for attempt in attempts:
            attempt.restarted_by_attempt = restarted_by.get(attempt.pk)
    return campaign


def error_summary(submissions) -> list[dict]:
    """Failures of the given submissions grouped by task and message, most frequent first."""
    grouped = Counter()
    examples = {}
    for submission in submissions:
        for failure in submission.failures or []:
            lines = (failure.get("message") or "").strip().splitlines()
            key = (failure.get("task", "?"), lines[-1] if lines else "")
            grouped[key] += 1
            examples.setdefault(key, failure.get("data_id"))
    return [
        {"task": task, "message": message, "count": count, "example_data_id": examples[(task, message)]}
        for (task, message), count in grouped.most_common()
    ]


def running_submissions() -> QuerySet[Submission]:
    """Submissions in progress, the oldest first; each with the attempt it restarts, which its ``progress`` reads."""
    return (
        Submission.objects.select_related("step__campaign", "restarts")
        .filter(status__in=LAUNCHED_SUBMISSION_STATUSES)
        .order_by("started_at")
    )


def failed_submissions_awaiting_action() -> QuerySet[Submission]:
    """Failed or lost attempts that may be restarted (not restarted yet), of campaigns still in progress (not
    archived); not those a campaign that runs automatically acts on by itself (its groups' failures while it runs,
    unless their group is held for review)."""
    automation_acts = Q(step__campaign__run_automatically=True, step__campaign__status=CampaignStatus.RUNNING) & Q(
        group__isnull=False, group__held_at__isnull=True
    )
    return (
        Submission.objects.restartable()
        .select_related("step__campaign", "group")
        .filter(status__in=FAILED_SUBMISSION_STATUSES, step__campaign__in=Campaign.objects.not_archived())
        .exclude(step__campaign__status__in=[CampaignStatus.CANCELLED, CampaignStatus.ACCEPTED])
        .exclude(automation_acts)
        .order_by("-ended_at")
    )


def failed_runs_of_campaigns_owned_by(user: AbstractBaseUser) -> QuerySet[Submission]:
    """``failed_submissions_awaiting_action`` of the campaigns the user owns (``Campaign.owner``), the longest
    stopped first: what waits for them to restart it. An archived campaign takes no restart: its runs are left out."""
    if not user.is_authenticated:
        return Submission.objects.none()
    return (
        failed_submissions_awaiting_action()
        .filter(step__campaign__owner=user.pk, step__campaign__archived_at__isnull=True)
        .order_by("ended_at", "pk")
    )


def campaign_diff(left: Campaign, right: Campaign) -> list[dict]:
    """The two definitions field by field (steps included), each row saying whether they differ."""

    def value(campaign: Campaign, field: str):
        if field == "compute_site":
            # As the API names it (``CampaignSerializer.compute_site``).
            return campaign.compute_site.reference if campaign.compute_site_id else None
        if field == "release":
            return str(campaign.release) if campaign.release_id else None
        return getattr(campaign, field)

    def steps(campaign: Campaign) -> list[str]:
        return [
            f"{step.name} {step.pipeline_subset} {step.data_query}".strip()
            + (f" (after {step.depends_on.name})" if step.depends_on_id else "")
            for step in campaign.steps.all()
        ]

    rows = [
        {"field": field, "left": value(left, field), "right": value(right, field)}
        for field in Campaign.DEFINITION_FIELDS
    ]
    rows.append({"field": "steps", "left": steps(left), "right": steps(right)})
    return [{**row, "differs": row["left"] != row["right"]} for row in rows]


# The release a submission runs: still approved for its campaign, still within support -----------------------

# The campaign pages and the dashboard check at most this many campaigns' releases, so that they never grow with
# the data (running campaigns are few).
RELEASE_CHECKED_CAMPAIGNS = 10


def release_problems(campaign: Campaign, step: Step) -> list[preflight.Problem]:
    """The pre-flight problems of the campaign's release (``Problem.check == "release"``): it names none, it is
    not approved for the campaign (a check the committee registers), its support ended. What dispatch checks again
    before it launches anything (``services.dispatch``)."""
    # The configuration is not the release's concern: an empty one is given so that it is not rendered.
    return [
        problem
        for problem in preflight.preflight_problems(campaign, step, rendered_config="")
        if problem.check == "release"
    ]


def running_submissions_on_refused_release(campaign: Campaign | None = None) -> list[tuple[Submission, list]]:
    """Submissions running (or being launched) whose release no longer passes ``release_problems``, with those
    problems: they are not stopped (a run in progress goes on), only shown. The release is checked once per
    campaign: for one campaign (its steps' submissions read from ``campaign_detail``'s prefetch), or for the first
    ``RELEASE_CHECKED_CAMPAIGNS`` campaigns with a run in progress."""
    if campaign is not None:
        submissions = []
        for step in campaign.steps.all():
            step.campaign = campaign
            for submission in step.submissions.all():
                if submission.status in LAUNCHED_SUBMISSION_STATUSES:
                    submission.step = step
                    submissions.append(submission)
    else:
        submissions = running_submissions().select_related("step__campaign__release")
    flagged = []
    checked: dict[int, list] = {}
    for submission in submissions:
        campaign_id = submission.step.campaign_id
        if campaign_id not in checked:
            if len(checked) >= RELEASE_CHECKED_CAMPAIGNS:
                continue
            checked[campaign_id] = release_problems(submission.step.campaign, submission.step)
        if checked[campaign_id]:
            flagged.append((submission, checked[campaign_id]))
    return flagged


def campaign_pause_reason(campaign: Campaign) -> str:
    """Why a paused campaign was paused, as its last move to paused recorded it; empty when it is not paused or no
    reason was given (paused by hand)."""
    if campaign.status != CampaignStatus.PAUSED:
        return ""
    event = (
        AuditEvent.objects.filter(
            object_type=Campaign._meta.label_lower,
            object_id=str(campaign.pk),
            action=f"campaign.{CampaignStatus.PAUSED}",
        )
        .order_by("-occurred_at", "-id")
        .first()
    )
    return ((event.after or {}).get("reason", "") if event else "") or ""


def campaign_archive_reason(campaign: Campaign) -> str:
    """Why an archived campaign was archived, as its last archive recorded it; empty when it is not archived or no
    reason was given."""
    if not campaign.is_archived:
        return ""
    event = (
        AuditEvent.objects.filter(
            object_type=Campaign._meta.label_lower, object_id=str(campaign.pk), action="campaign.archived"
        )
        .order_by("-occurred_at", "-id")
        .first()
    )
    return ((event.after or {}).get("reason", "") if event else "") or ""


# The releases a campaign ran with, and those it may move to ------------------------------------------------------


@dataclass(frozen=True)
class ReleasePeriod:
    """One release a campaign ran with: since when, by whose change (none for the one it was created with), why,
    and how many submissions were requested with it (``Submission.release``)."""

    release: Release | None
    since: datetime
    changed_by: str
    reason: str
    submissions: int


def campaign_release_history(campaign: Campaign) -> list[ReleasePeriod]:
    """The releases the campaign ran with, oldest first: the one it was created with (the first change's "from",
    or its release when it never changed), then each change (``CampaignReleaseChange``). Two queries.

    A release it ran with twice (moved away and back) counts its submissions in both periods: a submission records
    its release, not the period."""
    changes = list(campaign.release_changes.select_related("from_release", "to_release", "changed_by"))
    counts = dict(
        Submission.objects.filter(step__campaign=campaign)
        .values_list("release")
        .annotate(count=Count("id"))
        .values_list("release", "count")
    )
    created_with = changes[0].from_release if changes else campaign.release
    periods = [
        ReleasePeriod(
            release=created_with,
            since=campaign.created_at,
            changed_by="",
            reason="created with it",
            submissions=counts.get(created_with.pk if created_with else None, 0),
        )
    ]
    periods += [
        ReleasePeriod(
            release=change.to_release,
            since=change.changed_at,
            changed_by=change.changed_by.get_username(),
            reason=change.reason,
            submissions=counts.get(change.to_release_id, 0),
        )
        for change in changes
    ]
    return periods


# The change-release form checks at most this many releases (each with the registered checks, a query each for a
# production campaign), so that the page never grows with the number of releases.
RELEASES_CHECKED_FOR_A_MOVE = 20


def releases_to_move_to(campaign: Campaign) -> list[Release]:
    """The releases the campaign may move onto now (``preflight.release_problems`` has nothing against them): for a
    production campaign those approved for it, for a mini run any open release or weekly. Of the open releases other
    than its own (no weekly for production), the patches of its release's family and then the newest are checked,
    ``RELEASES_CHECKED_FOR_A_MOVE`` at most."""
    if campaign.status in CAMPAIGN_RELEASE_FIXED:
        return []
    candidates = Release.objects.exclude(status__in=CLOSED_RELEASE_STATUSES).select_related("base_release")
    if campaign.release_id is not None:
        candidates = candidates.exclude(pk=campaign.release_id)
    if not campaign.is_mini_run:
        candidates = candidates.exclude(kind=ReleaseKind.WEEKLY)
    order = ["kind", "-major", "-minor", "-patch"]
    if campaign.release_id is not None:
        family = campaign.release.family_root_id
        in_family = ExpressionWrapper(Q(pk=family) | Q(base_release_id=family), output_field=BooleanField())
        candidates, order = candidates.annotate(in_family=in_family), ["-in_family", *order]
    candidates = candidates.order_by(*order)[:RELEASES_CHECKED_FOR_A_MOVE]
    return [release for release in candidates if not preflight.release_problems(campaign, release)]


def clone_release_note(original: Campaign, copy: Campaign) -> str:
    """What the copy of a campaign needs before it may run its release, said plainly; "" when it may run it.

    A clone keeps the release, not its approval: the policy committee approves a release per campaign."""
    release = copy.release
    if release is None or not (problems := preflight.release_problems(copy, release)):
        return ""
    if original.release_id == release.pk and not preflight.release_problems(original, release):
        return (
            f"The copy runs {release}, which is approved for {original.name} but not for {copy.name}: the policy "
            "committee approves a release per campaign. Ask it for an approval."
        )
    return f"The copy runs {release}, which it may not run yet: " + " ".join(problems)


# A step's groups: their states, the totals of their current attempts, the rows a page shows -----------------------

# A group's state, from its newest submission (its current attempt) and its hold: held (whatever its attempt), waiting
# (never submitted), running (pending, submitting or running), succeeded, failed (failed, lost or cancelled).
GROUP_HELD, GROUP_WAITING, GROUP_RUNNING, GROUP_SUCCEEDED, GROUP_FAILED = (
    "held",
    "waiting",
    "running",
    "succeeded",
    "failed",
)
# In the order a summary line names them, and (``GROUP_ROW_ORDER``) the order a page lists them: what needs a person
# first.
GROUP_STATES = (GROUP_SUCCEEDED, GROUP_RUNNING, GROUP_WAITING, GROUP_FAILED, GROUP_HELD)
GROUP_ROW_ORDER = (GROUP_FAILED, GROUP_HELD, GROUP_RUNNING, GROUP_WAITING, GROUP_SUCCEEDED)
GROUP_STATE_COLOURS = {
    GROUP_SUCCEEDED: "success",
    GROUP_RUNNING: "primary",
    GROUP_WAITING: "secondary",
    GROUP_FAILED: "danger",
    GROUP_HELD: "warning",
}
# A page shows at most this many groups of a step (the totals always count them all).
GROUP_ROWS_SHOWN = 200


def step_groups(step_id: int) -> QuerySet[StepGroup]:
    """The step's groups in order, each annotated with its current attempt (``current_submission_id``, the newest
    submission of the group: a restart is newer than what it restarts), that attempt's ``current_status``, its
    number of ``attempts`` and its ``state`` (``GROUP_STATES``). One query whatever the number of groups."""
    newest = Submission.objects.filter(group=OuterRef("pk")).order_by("-pk")
    attempts = (
        Submission.objects.filter(group=OuterRef("pk")).order_by().values("group").annotate(n=Count("pk")).values("n")
    )
    return (
        StepGroup.objects.filter(step=step_id)
        .annotate(
            current_submission_id=Subquery(newest.values("pk")[:1]),
            current_status=Subquery(newest.values("status")[:1]),
            attempts=Coalesce(Subquery(attempts), 0),
        )
        .annotate(
            state=Case(
                When(held_at__isnull=False, then=Value(GROUP_HELD)),
                When(current_status__isnull=True, then=Value(GROUP_WAITING)),
                When(current_status__in=ACTIVE_SUBMISSION_STATUSES, then=Value(GROUP_RUNNING)),
                When(current_status=SubmissionStatus.SUCCEEDED, then=Value(GROUP_SUCCEEDED)),
                default=Value(GROUP_FAILED),
                output_field=CharField(),
            )
        )
        .order_by("position")
    )


def group_current_submissions(groups: list[StepGroup]) -> list[StepGroup]:
    """Set each group's ``current`` (its current attempt, with the attempt it restarts, or None) from the
    ``current_submission_id`` of ``step_groups``: one query. The current attempt is the newest of its group, so no
    later attempt restarted it (``restarted_by_attempt`` is set to None at no query)."""
    ids = [group.current_submission_id for group in groups if group.current_submission_id is not None]
    current = {
        submission.pk: submission for submission in Submission.objects.filter(pk__in=ids).select_related("restarts")
    }
    for group in groups:
        group.current = current.get(group.current_submission_id)
        if group.current is not None:
            group.current.restarted_by_attempt = None
    return groups


@dataclass
class GroupsSummary:
    """A split step's groups in one view: how many in each state (``counts``, every state of ``GROUP_STATES``),
    the quanta of their current attempts, the errors of those that failed, and the rows a page shows (``rows``, at
    most ``GROUP_ROWS_SHOWN``, failed, held and running first, each with its ``current`` attempt)."""

    total: int
    counts: dict[str, int]
    quanta_expected: int
    quanta_succeeded: int
    quanta_failed: int
    errors: list[dict]
    rows: list[StepGroup]

    @property
    def shows_all(self) -> bool:
        return len(self.rows) == self.total

    @property
    def states(self) -> list[tuple[str, int, str]]:
        """(state, count, colour) in the summary line's order, the states no group is in left out."""
        return [(state, self.counts[state], GROUP_STATE_COLOURS[state]) for state in GROUP_STATES if self.counts[state]]


def step_groups_summary(step_id: int, *, rows: int = GROUP_ROWS_SHOWN) -> GroupsSummary:
    """The ``GroupsSummary`` of a step: five queries, whatever the number of its groups."""
    groups = step_groups(step_id)
    counts = Counter(groups.values_list("state", flat=True))
    current = Submission.objects.filter(pk__in=groups.values("current_submission_id"))
    quanta = current.aggregate(
        expected=Coalesce(Sum("quanta_expected"), 0),
        succeeded=Coalesce(Sum("quanta_succeeded"), 0),
        failed=Coalesce(Sum("quanta_failed"), 0),
    )
    failed = current.filter(status__in=RESTARTABLE_SUBMISSION_STATUSES).only("pk", "failures")
    order = Case(
        *(When(state=state, then=Value(place)) for place, state in enumerate(GROUP_ROW_ORDER)),
        output_field=IntegerField(),
    )
    shown = list(groups.annotate(row_order=order).order_by("row_order", "position")[:rows])
    return GroupsSummary(
        total=sum(counts.values()),
        counts={state: counts.get(state, 0) for state in GROUP_STATES},
        quanta_expected=quanta["expected"],
        quanta_succeeded=quanta["succeeded"],
        quanta_failed=quanta["failed"],
        errors=error_summary(failed),
        rows=group_current_submissions(shown),
    )


def groups_with_step() -> QuerySet[StepGroup]:
    """Groups with their step and its campaign: where the pages' and the API's actions on one group look it up."""
    return StepGroup.objects.select_related("step__campaign")


def steps_with_campaign() -> QuerySet[Step]:
    """Steps with their campaign: where the pages' and the API's actions on one step look it up."""
    return Step.objects.select_related("campaign")


# Failures by error type, across campaigns: the error page and its API ---------------------------------------------


@dataclass
class ErrorTypeLine:
    """One line of the error page: the failed runs of one error type (``error_type`` None: unclassified, no rule
    matched them or they ended before rules classified failures), with what they have in common. The releases,
    campaigns and rules are bare rows (id and name) for links, sorted by name."""

    error_type: ErrorType | None
    failed_runs: int
    failed_quanta: int
    first_seen: datetime | None
    last_seen: datetime | None
    releases: list[Release]
    campaigns: list[Campaign]
    rules: list[ErrorRule]

    @property
    def key(self) -> str:
        """What names the line in a link to its runs (``?type=``): the type's id, or ``none``."""
        return str(self.error_type.pk) if self.error_type is not None else "none"

    @property
    def origin_colour(self) -> str:
        return ERROR_ORIGIN_COLOURS[self.error_type.origin] if self.error_type is not None else "secondary"


def failed_submissions() -> QuerySet[Submission]:
    """Failed and lost runs of every campaign, newest first: what the error page counts (filter with
    ``filters.FailureFilter``)."""
    return Submission.objects.filter(status__in=FAILED_SUBMISSION_STATUSES).order_by(
        F("ended_at").desc(nulls_last=True), "-id"
    )


def failures_by_error_type(submissions: QuerySet[Submission] | None = None) -> list[ErrorTypeLine]:
    """The failed runs among ``submissions`` (all by default) grouped by error type, the most failed runs first:
    counted and dated in the database (one query), then their distinct releases, campaigns and rules (one more),
    whatever the number of runs."""
    failed = (failed_submissions() if submissions is None else submissions).filter(
        status__in=FAILED_SUBMISSION_STATUSES
    )
    totals = (
        failed.order_by()
        .values("error_type", "error_type__name", "error_type__origin", "error_type__description")
        .annotate(
            failed_runs=Count("id"),
            failed_quanta=Coalesce(Sum("quanta_failed"), 0),
            first_seen=Min("ended_at"),
            last_seen=Max("ended_at"),
        )
    )
    lines = {}
    for row in totals:
        error_type = None
        if row["error_type"] is not None:
            error_type = ErrorType(
                pk=row["error_type"],
                name=row["error_type__name"],
                origin=row["error_type__origin"],
                description=row["error_type__description"],
            )
        lines[row["error_type"]] = ErrorTypeLine(
            error_type=error_type,
            failed_runs=row["failed_runs"],
            failed_quanta=row["failed_quanta"],
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            releases=[],
            campaigns=[],
            rules=[],
        )
    seen = {"releases": {}, "campaigns": {}, "rules": {}}
    pairs = (
        failed.order_by()
        .values_list(
            "error_type",
            "release",
            "release__version",
            "step__campaign",
            "step__campaign__name",
            "error_rule",
            "error_rule__name",
        )
        .distinct()
    )
    for type_id, release_id, version, campaign_id, campaign_name, rule_id, rule_name in pairs:
        for kind, row in (
            ("releases", Release(pk=release_id, version=version) if release_id is not None else None),
            ("campaigns", Campaign(pk=campaign_id, name=campaign_name)),
            ("rules", ErrorRule(pk=rule_id, name=rule_name) if rule_id is not None else None),
        ):
            if row is not None and (type_id, row.pk) not in seen[kind]:
                seen[kind][(type_id, row.pk)] = row
                getattr(lines[type_id], kind).append(row)
    for line in lines.values():
        line.releases.sort(key=lambda release: release.version)
        line.campaigns.sort(key=lambda campaign: campaign.name)
        line.rules.sort(key=lambda rule: rule.name)
    return sorted(
        lines.values(),
        key=lambda line: (-line.failed_runs, line.error_type is None, line.error_type.name if line.error_type else ""),
    )


def failure_filter_options() -> tuple[list[str], list[Campaign]]:
    """The releases (versions) and campaigns that have failed runs, for the error page's filter: one query."""
    rows = failed_submissions().order_by().values_list("release__version", "step__campaign", "step__campaign__name")
    releases, campaigns = set(), {}
    for version, campaign_id, campaign_name in rows.distinct():
        if version is not None:
            releases.add(version)
        campaigns[campaign_id] = Campaign(pk=campaign_id, name=campaign_name)
    return sorted(releases), sorted(campaigns.values(), key=lambda campaign: campaign.name)


def error_rules_listed() -> QuerySet[ErrorRule]:
    """Every rule, active or not, in the order they are tried, with their type, scope, expiry backport and author:
    the rules page and API."""
    return ErrorRule.objects.select_related("error_type", "release", "expires_with__shipped_in", "created_by").order_by(
        "position", "id"
    )


# The facilities, their submit hosts and compute sites: the facilities page, its API, the pickers of a site ------


def _submit_hosts_with_counts() -> QuerySet[SubmitHost]:
    """Submit hosts with their submissions ``running_submissions`` (launched or being launched) and
    ``pending_submissions``."""
    return SubmitHost.objects.annotate(
        running_submissions=Count("submissions", filter=Q(submissions__status__in=LAUNCHED_SUBMISSION_STATUSES)),
        pending_submissions=Count("submissions", filter=Q(submissions__status=SubmissionStatus.PENDING)),
    )


def facilities_listed() -> QuerySet[Facility]:
    """Every facility by name, with its submit hosts (each with its submissions ``running``, launched or being
    launched, and ``pending``) and its compute sites (each with its submit host and its number of ``campaigns``,
    archived ones included): three queries, whatever the number of facilities, hosts and sites."""
    hosts = _submit_hosts_with_counts().order_by("hostname")
    sites = (
        ComputeSite.objects.select_related("submit_host").annotate(campaign_count=Count("campaigns")).order_by("name")
    )
    return Facility.objects.prefetch_related(
        Prefetch("submit_hosts", queryset=hosts), Prefetch("sites", queryset=sites)
    ).order_by("name")


def submit_hosts_away() -> list[SubmitHost]:
    """The submit hosts whose worker is away (``SubmitHost.worker_away``: not seen for ``submit_host_away_after``,
    or never) and that have work waiting for it, with their facility and counts: the dashboard's service card. One
    query."""
    seen_since = timezone.now() - timedelta(seconds=submit_host_away_after())
    away = Q(worker_seen_at__isnull=True) | Q(worker_seen_at__lt=seen_since)
    return list(
        _submit_hosts_with_counts()
        .filter(away)
        .filter(Q(running_submissions__gt=0) | Q(pending_submissions__gt=0))
        .select_related("facility")
        .order_by("facility__name", "hostname")
    )


def compute_sites_offered() -> QuerySet[ComputeSite]:
    """The compute sites a campaign may run at, with their facility, by facility and name: the pages' pickers."""
    return ComputeSite.objects.select_related("facility").order_by("facility__name", "name")


def compute_site_by_reference(reference: str) -> ComputeSite | None:
    """The compute site the API names ``facility-slug/site-name`` (``ComputeSite.reference``); None when there is
    none such."""
    slug, slash, name = reference.partition("/")
    if not slash:
        return None
    return compute_sites_offered().filter(facility__slug=slug, name=name).first()
