"""Schemathesis against the console's own OpenAPI schema, once per role (issue 8, "Bad input").

The schema is read from /api/schema/ and every operation is called in-process through the WSGI
application, signed in with the role's API token (or not at all), with data generated from the
schema, valid and not, against a database holding realistic objects. A third of the cases of an
operation with a path parameter name a real object, so that they reach its service and serializer
rather than stopping at 404. Each answer must not be a server error, and its status code, content
type and body must be what the schema documents. The run is derandomised, the same cases every time,
and bounded, so that CI gets the same verdict each run.

Every distinct failure (operation, check, status code) is collected with a curl command that
reproduces it; the test fails if there is any.
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
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from campaigns.choices import SubmissionStatus
from campaigns.models import Campaign, Step, Submission
from campaigns.tests.factories import StepFactory, SubmissionFactory, SubmittableCampaignFactory
from committee.choices import DecisionKind, DecisionStatus
from committee.models import Committee, Decision, Seat
from committee.tests.factories import (
    ChangeControlBoardFactory,
    DecisionFactory,
    LeadershipTeamFactory,
    PolicyCommitteeFactory,
)
from console.models import AuditEvent
from console.tests.factories import UserFactory
from console.tests.reliability import reliability_record
from milestones.choices import EvidenceKind, MilestoneStatus
from milestones.models import EvidenceProposal, JiraSync, Milestone
from milestones.rows import MilestoneRow
from milestones.services import milestone_upsert
from qa.models import Metric, Specification
from qa.tests.factories import MetricFactory, SpecificationFactory, measure
from releases.choices import BackportStatus
from releases.models import BackportRequest, Release
from releases.services import release_create
from releases.tests.factories import BackportRequestFactory, ReleaseFactory, SupportedReleaseFactory

# Cases per operation and strategy (a real object, generated valid data, generated invalid data),
# for each role: with 63 operations and 6 roles the run takes about two minutes on two cores.
# CONSOLE_FUZZ_EXAMPLES=25 (say) runs a deeper search by hand.
EXAMPLES_PER_STRATEGY = int(os.environ.get("CONSOLE_FUZZ_EXAMPLES", "4"))

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

ROLES = ["anonymous", "viewer", "operator", "committee_member", "ccb_member", "task_force_lead"]

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
    "milestones": lambda: Milestone.objects.values_list("jira_key", flat=True),
    "milestone-proposals": lambda: EvidenceProposal.objects.values_list("pk", flat=True),
    "jira-syncs": lambda: JiraSync.objects.values_list("pk", flat=True),
    "metrics": lambda: Metric.objects.values_list("pk", flat=True),
    "specifications": lambda: Specification.objects.values_list("pk", flat=True),
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
    from console.wsgi import application

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


def operation_strategy(operation):
    """Generated valid data, generated invalid data, and valid data about a real object."""
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    path_names = [parameter.name for parameter in operation.path_parameters]
    resource = operation.path.removeprefix("/api/v1/").split("/")[0]
    if path_names:
        assert resource in REAL_KEYS, f"{operation.label}: add where its real {path_names[0]}s come from to REAL_KEYS"
        values = list(REAL_KEYS[resource]())
        assert values, f"no real {resource} for {operation.label}"
        strategies.append(
            st.sampled_from(values).flatmap(
                lambda value: operation.as_strategy(GenerationMode.POSITIVE, path_parameters={path_names[0]: value})
            )
        )
    return st.one_of(strategies), len(strategies)


def fuzz(operation, *, headers: dict, cases: Counter, failures: dict) -> None:
    """Call the operation with its generated cases, noting each distinct failure with its reproduction."""
    strategy, strategies = operation_strategy(operation)

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
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.setdefault((operation.label, failure.title, response.status_code), str(group))

    call()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_api_answers_every_generated_request_as_its_schema_says(role, request, api_schema, settings):
    # The submission endpoints' rate limit has its own tests; here it would turn most of their cases into 429.
    settings.SUBMISSION_RATE_LIMIT = 10_000
    users = {name: request.getfixturevalue(name) for name in ROLES[1:]}
    realistic_data(users)
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Token {Token.objects.create(user=users[role]).key}"
    operations = [result.ok() for result in api_schema.get_all_operations()]

    cases: Counter[str] = Counter()
    failures: dict[tuple[str, str, int], str] = {}
    with connection_kept_open():
        for operation in operations:
            fuzz(operation, headers=headers, cases=cases, failures=failures)

    reliability_record(
        "fuzz", role.replace("_", " "), cases=sum(cases.values()), operations=len(cases), failures=len(failures)
    )
    assert len(cases) == len(operations)
    assert not failures, "\n\n".join(
        f"{label} [{title}, {status}]\n{report}" for (label, title, status), report in failures.items()
    )
