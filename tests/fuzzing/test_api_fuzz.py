"""Schemathesis against the console's own OpenAPI schema, once per role, with every check it has (issue 13).

The schema is read from /api/schema/ and every operation is called in-process through the WSGI
application, signed in with the role's API token (or not at all), against a database holding realistic
objects. Every response goes through all of schemathesis's checks (``CHECKS``): no server error; the
status code, content type, headers and body the schema documents; data the schema allows is accepted
and data it does not is refused; an undeclared method gets 405 with ``Allow``; a request without
credentials, or with bad ones, is refused (``ignored_auth`` sends both again after every success). Three
run without anything to find here: ``use_after_free`` and ``ensure_resource_availability`` follow links
from an operation that creates or deletes to one that reads (schemathesis's stateful phase; the schema
declares no links and the API deletes nothing), and ``object_level_authorization`` compares identities
configured for it (every signed-in user may read every object of the console, by design).

Two kinds of cases per operation:

- schemathesis's coverage phase, deterministic: each parameter and body property at its boundaries, of
  the wrong type, missing, unexpected; undeclared methods and media types. It runs once per operation,
  as the first role allowed to call it (``coverage_role``: a reader for a GET, the role its rule lets
  in for a POST), on a real object, so that the cases reach the body's validation rather than stop at
  403 or 404.
- hypothesis's fuzzing, derandomised, for every role: valid data, invalid data, and valid data naming a
  real object (``EXAMPLES_PER_STRATEGY`` of each).

A schema-valid body may still be refused with 400 for a rule the schema cannot state (a release named
must exist, the idempotency key may come as a header instead): ``UNSTATED_RULES`` lists them per
operation, and such a 400 passes only when every field it names is one of them.

Every distinct failure (operation, check, status code) is collected with a curl command that
reproduces it; the test fails if there is any. The cases tried per role go to the reliability summary.
"""

import os
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.urls import resolve
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import CHECKS as CHECK_REGISTRY
from schemathesis.checks import load_all_checks
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.drivers import CoverageGenerator
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.modes import GenerationMode
from schemathesis.generation.overrides import Override
from schemathesis.openapi.checks import RejectedPositiveData

from campaigns.choices import SubmissionStatus
from campaigns.models import (
    Campaign,
    CampaignDataProduct,
    ComputeSite,
    ErrorRule,
    ErrorType,
    Facility,
    Step,
    StepGroup,
    Submission,
    SubmitHost,
)
from committee.choices import DecisionKind, DecisionStatus
from committee.models import Committee, Decision, Seat
from console.models import AuditEvent
from milestones.choices import EvidenceKind, MilestoneStatus
from milestones.models import EvidenceProposal, JiraSync, Milestone
from milestones.rows import MilestoneRow
from milestones.services import milestone_upsert
from qa.models import Metric, Specification
from releases.choices import BackportStatus
from releases.models import BackportRequest, Release
from releases.services import release_create
from tests.campaigns.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory
from tests.committee.factories import (
    ChangeControlBoardFactory,
    DecisionFactory,
    LeadershipTeamFactory,
    PolicyCommitteeFactory,
)
from tests.console.factories import UserFactory
from tests.qa.factories import MetricFactory, SpecificationFactory, measure
from tests.releases.factories import BackportRequestFactory, ReleaseFactory, SupportedReleaseFactory
from tests.support.reliability import reliability_record

# Fuzzing cases per operation and strategy (a real object, generated valid data, generated invalid data), for
# each role, on top of the coverage phase: with 63 operations and 6 roles the run takes about two and a half
# minutes on two cores. CONSOLE_FUZZ_EXAMPLES=25 (say) runs a deeper search by hand.
EXAMPLES_PER_STRATEGY = int(os.environ.get("CONSOLE_FUZZ_EXAMPLES", "3"))

# Every check schemathesis has; the names pin the set, so that an upgrade that adds one is noticed here.
load_all_checks()
CHECKS = CHECK_REGISTRY.get_all()
CHECK_NAMES = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
}

ROLES = ["anonymous", "viewer", "operator", "committee_member", "ccb_member", "task_force_lead"]
# Who runs an operation's coverage cases: a reader for a GET, else the first of these its rule lets in.
COVERAGE_READER = "viewer"
COVERAGE_WRITERS = ["task_force_lead", "committee_member", "operator", "ccb_member"]

# What an error rule must also be (campaigns/services/error_rules.py), created or changed.
ERROR_RULE_RULES = {
    "error_type": "names an existing error type",
    "release": "names an existing release",
    "expires_with": "names an existing backport request",
    "detail": "the name is not blank; the patterns compile, match quickly and not an empty text; the retries and "
    "the memory multiplier fit the action; the backport has not shipped",
}
# Rules a schema-valid body must also meet that OpenAPI cannot state: the fields a 400 may name for them.
UNSTATED_RULES: dict[str, dict[str, str]] = {
    "POST /api/v1/releases/": {
        "base_release": "names an existing release",
        "cut_from": "names an existing release",
        "detail": "a patch is a later vX.Y.N of a supported release; a release is cut from a weekly build, a patch "
        "and a weekly build from none",
    },
    "POST /api/v1/releases/{version}/supported/": {"detail": "support ends after the approval"},
    "POST /api/v1/releases/{version}/support-window/": {"detail": "support ends after the approval"},
    "POST /api/v1/backport-requests/": {"target_release": "names an existing release"},
    "POST /api/v1/backport-requests/{rfc_id}/ship/": {"patch_release": "names an existing release"},
    "POST /api/v1/campaigns/": {
        "release": "names an existing release",
        "bps_template": "is a YAML mapping",
        "bps_overrides": "is a YAML mapping",
        "compute_site": "names an existing compute site, facility-slug/site-name",
    },
    "POST /api/v1/campaigns/{id}/clone/": {"compute_site": "names an existing compute site, facility-slug/site-name"},
    "POST /api/v1/campaigns/{id}/change-release/": {"release": "names an existing release"},
    "PUT /api/v1/campaigns/{id}/data-products/": {
        "detail": "each dataset type once; a name matches the pattern in full (no line break after it)",
    },
    "POST /api/v1/steps/{id}/split/": {
        "dimension": "is given for ranges and count",
        "ranges": "is given for ranges",
        "count": "is given for count",
        "groups": "is given for list",
        "detail": "the dimension is a name and the ranges, values or lines make a partition of distinct names",
    },
    "POST /api/v1/groups/{id}/submit/": {"idempotency_key": "is in the body or the Idempotency-Key header"},
    "POST /api/v1/campaigns/{id}/breakpoint/": {"detail": "the step is one of the campaign's steps"},
    "POST /api/v1/campaigns/{id}/submit/": {
        "idempotency_key": "is in the body or the Idempotency-Key header",
        "step": "names one of the campaign's steps, when it has several",
    },
    "POST /api/v1/decisions/": {
        "committee": "names an existing committee",
        "release": "names an existing release",
        "backport_request": "names an existing backport request",
        "campaigns": "name existing campaigns",
        "detail": "the deadline is in the future",
    },
    "POST /api/v1/decisions/{id}/vote/": {"seat": "names an existing seat"},
    "POST /api/v1/decisions/record-past/": {
        "committee": "names an existing committee",
        "release": "names an existing release",
        "backport_request": "names an existing backport request",
        "campaigns": "name existing campaigns",
        "detail": "the dates are past, from 2000 on and in order; the subject fits the kind and committee",
    },
    "POST /api/v1/releases/{version}/record-history/": {
        "detail": "the dates are past, from 2000 on and in order (support may end in the future)",
    },
    "POST /api/v1/milestones/import/": {"detail": "the table has the milestone columns and well-formed rows"},
    "POST /api/v1/milestones/{jira_key}/owner/": {"owner": "names an active user"},
    "POST /api/v1/committees/": {
        "slug": "is a committee slug like policy",
        "detail": "the name is not blank, the name and slug are free (the slug not 'new'), the areas are distinct, "
        "printable and without spaces around, and the chair is one of them",
    },
    "POST /api/v1/committees/{slug}/seats/": {"detail": "the area is printable, without spaces around"},
    "POST /api/v1/committees/{slug}/remove-seat/": {"seat": "names a seat of this committee"},
    "POST /api/v1/committees/{slug}/holder/": {
        "seat": "names a seat of this committee",
        "holder": "names an existing user",
        "detail": "the holder is an active user with the committee's role, holding no other of its seats",
    },
    "POST /api/v1/committees/{slug}/chair/": {"seat": "names a seat of this committee"},
    "POST /api/v1/committees/{slug}/end-delegation/": {"delegation": "names a delegation of this committee's seats"},
    "POST /api/v1/committees/{slug}/delegations/": {
        "seat": "names a seat of this committee",
        "delegate": "names an active user",
        "detail": "the delegation ends after it starts, within the period limits, and names a delegate the "
        "committee allows",
    },
    "POST /api/v1/specifications/": {
        "metric": "names an existing metric",
        "min_release": "names an existing release",
        "max_release": "names an existing release",
    },
    "POST /api/v1/steps/{id}/waivers/": {"decision": "names an existing decision"},
    "POST /api/v1/submissions/{id}/measurements/": {
        "detail": "each row is within the limits OpenAPI 3.0 cannot state (a tag key's length, a value's "
        "smallest magnitude, a tag's number) and names a known metric unless register_unknown",
    },
    "POST /api/v1/error-types/": {"detail": "the name is not blank once trimmed"},
    "PATCH /api/v1/error-types/{id}/": {"detail": "the name is not blank once trimmed"},
    "POST /api/v1/error-rules/": ERROR_RULE_RULES,
    "PATCH /api/v1/error-rules/{id}/": ERROR_RULE_RULES,
}

# The first path segment under /api/v1/ -> the real values of its path parameter.
REAL_KEYS = {
    "users": lambda: User.objects.values_list("username", flat=True),
    "audit-events": lambda: AuditEvent.objects.values_list("pk", flat=True)[:5],
    "releases": lambda: Release.objects.values_list("version", flat=True),
    "backport-requests": lambda: BackportRequest.objects.values_list("rfc_id", flat=True),
    "committees": lambda: Committee.objects.values_list("slug", flat=True),
    "decisions": lambda: Decision.objects.values_list("pk", flat=True),
    "campaigns": lambda: Campaign.objects.values_list("pk", flat=True),
    "submissions": lambda: Submission.objects.values_list("pk", flat=True),
    "steps": lambda: Step.objects.values_list("pk", flat=True),
    "groups": lambda: StepGroup.objects.values_list("pk", flat=True),
    "milestones": lambda: Milestone.objects.values_list("jira_key", flat=True),
    "milestone-proposals": lambda: EvidenceProposal.objects.values_list("pk", flat=True),
    "jira-syncs": lambda: JiraSync.objects.values_list("pk", flat=True),
    "metrics": lambda: Metric.objects.values_list("pk", flat=True),
    "specifications": lambda: Specification.objects.values_list("pk", flat=True),
    "error-types": lambda: ErrorType.objects.values_list("pk", flat=True),
    "error-rules": lambda: ErrorRule.objects.values_list("pk", flat=True),
    "facilities": lambda: Facility.objects.values_list("pk", flat=True),
}


@contextmanager
def connection_kept_open():
    """Django closes the database connection when a request finishes; its test client stops that, and so
    must a test that calls the WSGI application itself, or the test's transaction would go with it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def api_schema(django_db_setup, django_db_blocker):
    """The schema as /api/schema/ serves it to a signed-in user, read once for every role."""
    from project.wsgi import application

    with django_db_blocker.unblock(), connection_kept_open(), transaction.atomic():
        token = Token.objects.create(user=UserFactory(username="schema-reader"))
        schema = schemathesis.openapi.from_wsgi(
            "/api/schema/", application, headers={"Authorization": f"Token {token.key}"}
        )
        transaction.set_rollback(True)
    return schema


def realistic_data(users: dict[str, User]) -> None:
    """Releases, backports, committees with seats held by the role users, decisions in several states,
    campaigns with steps and submissions, QA metrics, specifications and measurements, milestones with
    history and proposals, a Jira sync and audit events."""
    lead, member, ccb = users["task_force_lead"], users["committee_member"], users["ccb_member"]
    supported = SupportedReleaseFactory(version="v23.0.0")
    release_create(actor=lead, version="v23.0.1", base_release=supported, notes="First patch.")
    ReleaseFactory(version="v24.0.0")
    BackportRequestFactory(rfc_id="RFC-812", target_release=supported, requester=users["operator"])
    BackportRequestFactory(rfc_id="RFC-840", target_release=supported, status=BackportStatus.APPROVED)

    policy = PolicyCommitteeFactory()
    board = ChangeControlBoardFactory()
    LeadershipTeamFactory()
    Seat.objects.filter(pk=policy.seats.order_by("id").values("pk")[:1]).update(holder=member)
    Seat.objects.filter(pk=board.seats.order_by("id").values("pk")[:1]).update(holder=ccb)

    campaign = SubmittableCampaignFactory(name="DP0.2 reprocessing", release=supported)
    first, second = StepFactory(campaign=campaign, name="isr"), StepFactory(campaign=campaign, name="coadd")
    second.depends_on = first
    second.save()
    succeeded = SubmissionFactory(step=first, requested_by=users["operator"], ended_at=timezone.now())
    SubmissionFactory(step=second, status=SubmissionStatus.FAILED, error="measure failed on detector 2")
    SubmissionFactory(step=second, status=SubmissionStatus.RUNNING)
    SubmittableCampaignFactory(name="Failure drill", release=supported, approved=False)
    # A facility with a submit host and a Slurm site (what a campaign's compute_site may name: in2p3/cc-slurm).
    in2p3 = Facility.objects.create(name="IN2P3", slug="in2p3", description="CC-IN2P3, Lyon")
    host = SubmitHost.objects.create(facility=in2p3, hostname="cc-submit-1", queue="submit.in2p3.cc-submit-1")
    ComputeSite.objects.create(facility=in2p3, name="cc-slurm", kind="slurm", submit_host=host, partition="lsst")
    CampaignDataProduct.objects.create(campaign=campaign, dataset_type="calexp", expected_count=8)
    # A step split into two groups: one failed and held, one waiting to be submitted.
    split = StepFactory(campaign=campaign, name="measure")
    held = split.groups.create(
        name="visit-1001", position=1, data_query="visit = 1001", held_at=timezone.now(), held_reason="no rule"
    )
    split.groups.create(name="visit-1002", position=2, data_query="visit = 1002")
    SubmissionFactory(step=split, group=held, status=SubmissionStatus.FAILED, error="measure failed on detector 2")

    DecisionFactory(committee=policy, title="Use v23.0.0 for DP0.2", kind=DecisionKind.PIPELINE_VERSION)
    DecisionFactory(committee=policy, status=DecisionStatus.DRAFT, opened_at=None)
    DecisionFactory(committee=policy, status=DecisionStatus.APPROVED)
    DecisionFactory(committee=board, kind=DecisionKind.BACKPORT, backport_request=BackportRequest.objects.first())

    std = MetricFactory(name="demo.measure.std", unit="adu", description="Robust noise")
    SpecificationFactory(metric=std, level="minimum", threshold=12.0, blocking=True)
    SpecificationFactory(metric=std, level="design", threshold=10.0)
    measure(succeeded, std, [9.5, 10.2, 11.0], band="r", detector=1)
    measure(succeeded, MetricFactory(name="resources.measure.run_time", unit="s"), [3.1, 2.7])

    today = date.today()
    for number, status in enumerate(MilestoneStatus.values, start=1):
        milestone_upsert(
            actor=None,
            row=MilestoneRow(
                jira_key=f"PREOPS-{150 + number}",
                title=f"DP0.2 milestone {number}",
                due_date=today + timedelta(days=30 * number - 60),
                level=number % 3 + 1,
                status=status,
                team="Data Production",
            ),
            source="fuzz",
        )
    milestone = Milestone.objects.get(jira_key="PREOPS-151")
    milestone_upsert(actor=None, row=MilestoneRow(jira_key=milestone.jira_key, due_date=today), source="fuzz")
    milestone.campaigns.add(campaign)
    EvidenceProposal.objects.create(
        milestone=milestone,
        kind=EvidenceKind.CAMPAIGN_STARTED,
        event="Campaign DP0.2 reprocessing started",
        proposed_status=MilestoneStatus.IN_PROGRESS,
        observed_at=timezone.now(),
    )
    JiraSync.objects.create(
        trigger="command", started_at=timezone.now(), finished_at=timezone.now(), status="succeeded"
    )


def coverage_role(operation, users: dict[str, User]) -> str:
    """The role whose test runs the operation's coverage cases: one the operation's rule lets in, if any."""
    if operation.method.upper() == "GET":
        return COVERAGE_READER
    match = resolve(operation.path.format(**real_path(operation)))
    view = match.func.cls
    action = getattr(match.func, "actions", {}).get(operation.method.lower()) or operation.method.lower()
    rule = view.rules.get(action)
    allowed = [role for role in COVERAGE_WRITERS if rule is None or rule.allows(users[role])]
    return (allowed or COVERAGE_WRITERS)[0]


def real_path(operation) -> dict:
    """The path parameters naming a real object (the first of its kind), or none when the path has none."""
    names = [parameter.name for parameter in operation.path_parameters]
    if not names:
        return {}
    resource = operation.path.removeprefix("/api/v1/").split("/")[0]
    assert resource in REAL_KEYS, f"{operation.label}: add where its real {names[0]}s come from to REAL_KEYS"
    values = list(REAL_KEYS[resource]())
    assert values, f"no real {resource} for {operation.label}"
    return {names[0]: values[0]}


def fuzzing_strategy(operation):
    """Generated valid data, generated invalid data, and valid data about a real object."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if operation.path_parameters:
        name = operation.path_parameters[0].name
        resource = operation.path.removeprefix("/api/v1/").split("/")[0]
        strategies.append(
            st.sampled_from(list(REAL_KEYS[resource]())).flatmap(
                lambda value: operation.as_strategy(GenerationMode.POSITIVE, path_parameters={name: value})
            )
        )
    return st.one_of(strategies), len(strategies)


def unstated_rule_refusal(failure, case, response) -> bool:
    """A schema-valid body refused with 400 for rules the schema cannot state, naming nothing else."""
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 400:
        return False
    allowed = UNSTATED_RULES.get(case.operation.label, {})
    try:
        named = set(response.json()) - {"code"}
    except ValueError:
        return False
    return bool(named) and named <= set(allowed)


def check(case, response, *, headers: dict, failures: dict) -> None:
    """Every check on one response; each distinct failure is noted with its reproduction."""
    try:
        case.validate_response(response, checks=CHECKS, headers=headers)
    except FailureGroup as group:
        for failure in group.exceptions:
            if not unstated_rule_refusal(failure, case, response):
                failures.setdefault((case.operation.label, failure.title, response.status_code), str(group))


def cover(operation, *, headers: dict, cases: Counter, failures: dict) -> None:
    """The coverage phase's cases for the operation, on a real object."""
    generator = CoverageGenerator(
        operation=operation,
        generation_modes=list(GenerationMode),
        generation_config=operation.schema.config.generation_for(operation=operation, phase="coverage"),
        auth_storage=None,
        override=Override(path_parameters=real_path(operation)),
        feedback=FeedbackSources(),
    )
    for case in generator:
        cases[operation.label] += 1
        check(case, case.call(headers=headers), headers=headers, failures=failures)


def fuzz(operation, *, headers: dict, cases: Counter, failures: dict) -> None:
    """Hypothesis's generated cases for the operation, derandomised."""
    strategy, strategies = fuzzing_strategy(operation)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_STRATEGY * strategies,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        cases[operation.label] += 1
        check(case, case.call(headers=headers), headers=headers, failures=failures)

    call()


def test_every_check_of_schemathesis_is_on():
    assert {check.__name__ for check in CHECKS} == CHECK_NAMES


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_every_generated_request_as_its_schema_says(role, request, api_schema, settings):
    # The rate limits have their own tests; here they would turn most cases into 429.
    settings.SUBMISSION_RATE_LIMIT = 10_000
    settings.API_TOKEN_FAILURE_LIMIT = 1_000_000
    users = {name: request.getfixturevalue(name) for name in ROLES[1:]}
    realistic_data(users)
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Token {Token.objects.create(user=users[role]).key}"
    operations = [result.ok() for result in api_schema.get_all_operations()]

    cases: Counter[str] = Counter()
    covered: Counter[str] = Counter()
    failures: dict[tuple[str, str, int], str] = {}
    with connection_kept_open():
        for operation in operations:
            if coverage_role(operation, users) == role:
                cover(operation, headers=headers, cases=covered, failures=failures)
            fuzz(operation, headers=headers, cases=cases, failures=failures)

    reliability_record(
        "fuzz",
        role.replace("_", " "),
        cases=sum(cases.values()) + sum(covered.values()),
        coverage_cases=sum(covered.values()),
        operations=len(cases),
        checks=f"all {len(CHECKS)}",
        failures=len(failures),
    )
    assert len(cases) == len(operations)
    assert not failures, "\n\n".join(
        f"{label} [{title}, {status}]\n{report}" for (label, title, status), report in failures.items()
    )
