"""Failed runs are classified by error rules into error types (issue 17): the first active rule in position order
whose patterns match a failure's task and message (or bps's own error), among those for every release and those for
the run's release, until the backport a rule expires with ships. The rules and types are managed on their page and
through the API by those who may, each field checked and each change audited; the error page counts failed runs by
type across campaigns."""

import importlib
from datetime import timedelta
from html import unescape

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.choices import SubmissionStatus
from campaigns.error_rules import classify, failure_classify, rules_in_force
from campaigns.models import ErrorRule, ErrorType, Submission
from campaigns.services import (
    error_rule_create,
    error_rule_deactivate,
    error_rule_update,
    error_type_create,
    error_type_update,
)
from console.errors import Conflict, InvalidInput, NotPermitted
from console.models import AuditEvent
from releases.services import backport_ship
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory
from tests.releases.factories import BackportRequestFactory, ReleaseFactory, SupportedReleaseFactory

pytestmark = pytest.mark.django_db

starting_set = importlib.import_module("campaigns.migrations.0011_error_rules_starting_set")

ERRORS_URL = reverse("campaigns:error-list")
RULES_URL = reverse("campaigns:error-rule-list")

# What the demo's failure switch raises, as the run report gives it (console_stack/README.md).
DEMO_FAILURE = (
    "InjectedFailureError: Injected failure in measure for detector 2 (fail_detectors=[2], marker file "
    "/tmp/cc-proof/run-fail/FAIL exists)."
)


def text(response) -> str:
    return unescape(response.content.decode())


def failure(message: str, task: str = "measure", detector: int = 2) -> dict:
    return {
        "task": task,
        "data_id": {"instrument": "DemoCam", "detector": detector, "visit": 1001},
        "message": message,
        "log": f"/work/submit/logs/{task}/1001/{detector}.stderr",
    }


@pytest.fixture
def pipeline_bug(db) -> ErrorType:
    return ErrorType.objects.create(name="Pipeline bug", origin="pipeline")


def make_rule(actor, error_type, **fields) -> ErrorRule:
    values = {"name": "a rule", "message_pattern": "boom", "action": "hold", **fields}
    return error_rule_create(actor=actor, error_type=error_type, **values)


# Classification -------------------------------------------------------------------------------------------------


def test_the_first_rule_by_position_that_matches_any_failure_wins(operator, pipeline_bug):
    memory = ErrorType.objects.get(name="Out of memory")
    late = make_rule(operator, memory, name="late", position=50, message_pattern="MemoryError")
    early = make_rule(operator, pipeline_bug, name="early", position=5, message_pattern="Error$")
    unmatched = make_rule(operator, pipeline_bug, name="unmatched", position=1, message_pattern="Segmentation")
    run = Submission(failures=[failure("ValueError: bad PSF"), failure("MemoryError")])

    assert classify(run, [unmatched, early, late]) == early
    assert classify(run, [unmatched, late]) == late
    assert classify(run, [unmatched]) is None


def test_a_task_pattern_must_match_the_task_label_and_never_matches_bps_own_error(operator, pipeline_bug):
    rule = make_rule(operator, pipeline_bug, task_pattern="^measure$", message_pattern="exit status 1")

    assert classify(Submission(failures=[failure("exit status 1", task="measure")]), [rule]) == rule
    assert classify(Submission(failures=[failure("exit status 1", task="calibrate")]), [rule]) is None
    assert classify(Submission(error="bps exited with 1 before submitting: exit status 1"), [rule]) is None


def test_bps_own_error_is_evidence_and_the_message_is_matched_ignoring_case_line_by_line(operator, pipeline_bug):
    rule = make_rule(operator, pipeline_bug, message_pattern=r"^lsst\.ctrl\.bps.*quantum graph")
    error = "bps exited with 1 before submitting: last lines:\nLSST.CTRL.BPS: could not build the Quantum Graph\n"

    assert classify(Submission(error=error), [rule]) == rule
    assert classify(Submission(error="LSST.CTRL.BPS quantum"), [rule]) is None


def test_only_the_first_20_failures_and_the_end_of_each_text_are_read(operator, pipeline_bug):
    rule = make_rule(operator, pipeline_bug, message_pattern="needle")
    haystack = [failure(f"ValueError {number}") for number in range(20)]

    assert classify(Submission(failures=[*haystack, failure("needle")]), [rule]) is None
    assert classify(Submission(failures=[failure("needle" + "x" * 4_000)]), [rule]) is None
    assert classify(Submission(failures=[failure("x" * 10_000 + "needle")]), [rule]) == rule
    assert classify(Submission(error="needle" + "x" * 4_000), [rule]) is None


def test_a_stored_pattern_that_does_not_compile_matches_nothing_rather_than_failing(pipeline_bug):
    broken = ErrorRule.objects.create(name="saved by hand", message_pattern="(", error_type=pipeline_bug, action="hold")

    assert classify(Submission(failures=[failure("(")]), [broken]) is None


def test_the_rules_in_force_are_active_in_position_order_for_every_release_or_the_runs(operator, pipeline_bug):
    v23, v24 = SupportedReleaseFactory(version="v23.0.0"), SupportedReleaseFactory(version="v24.0.0")
    for_v23 = make_rule(operator, pipeline_bug, name="v23 only", position=1, release=v23)
    make_rule(operator, pipeline_bug, name="v24 only", position=2, release=v24)
    inactive = make_rule(operator, pipeline_bug, name="off", position=3)
    error_rule_deactivate(actor=operator, rule=inactive)
    everywhere = make_rule(operator, pipeline_bug, name="everywhere", position=200)
    starting = [
        "Out of memory",
        "Lost node or pilot job",
        "Transient filesystem or network error",
        "Injected failure (demo)",
    ]

    assert [rule.name for rule in rules_in_force(v23)] == ["v23 only", *starting, "everywhere"]
    assert [rule.name for rule in rules_in_force(None)] == [*starting, "everywhere"]
    assert rules_in_force(v23.pk)[0] == for_v23
    assert rules_in_force(v23)[-1] == everywhere


def test_a_rule_no_longer_applies_once_the_backport_it_expires_with_ships(operator, ccb_member, pipeline_bug):
    v23 = SupportedReleaseFactory(version="v23.0.0")
    patch = ReleaseFactory(version="v23.0.1", base_release=v23)
    backport = BackportRequestFactory(target_release=v23, status="merged")
    rule = make_rule(
        operator, pipeline_bug, name="PSF bug until DM-40001", message_pattern="PSF", expires_with=backport
    )
    run = Submission(release=v23, failures=[failure("ValueError: PSF fit diverged")])
    assert failure_classify(run) == rule

    backport_ship(actor=ccb_member, backport=backport, patch_release=patch)

    assert rule not in rules_in_force(v23)
    assert failure_classify(run) is None
    assert run.error_type is None and run.error_rule is None


def test_failure_classify_sets_the_type_and_rule_unsaved_in_one_query(django_assert_num_queries):
    run = SubmissionFactory(status=SubmissionStatus.FAILED, failures=[failure(DEMO_FAILURE)])

    with django_assert_num_queries(1):
        rule = failure_classify(run)

    assert (run.error_type.name, run.error_rule) == ("Injected failure (demo)", rule)
    assert Submission.objects.get(pk=run.pk).error_type_id is None


# The starting set -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ({"failures": [failure(DEMO_FAILURE)]}, "Injected failure (demo)"),
        ({"failures": [failure("terminated by signal 9 (exit status 137)")]}, "Out of memory"),
        ({"failures": [failure("MemoryError: Unable to allocate 12.0 GiB for an array")]}, "Out of memory"),
        ({"error": "bps exited with 1 before submitting: /bin/bash: line 1: 4242 Killed  python"}, "Out of memory"),
        (
            {"failures": [failure("OSError: [Errno 116] Stale file handle: '/repo/butler.yaml'")]},
            "Transient filesystem or network error",
        ),
        (
            {"failures": [failure("requests.exceptions.ConnectionError: Connection refused")]},
            "Transient filesystem or network error",
        ),
        (
            {
                "failures": [
                    failure(
                        "Its job stopped without an exit status: the node or the pilot job running it was lost (a "
                        "node failure, a pilot job killed or requeued)."
                    )
                ]
            },
            "Lost node or pilot job",
        ),
        ({"error": "parsl.executors.high_throughput.errors.ManagerLost: Task failure"}, "Lost node or pilot job"),
        ({"failures": [failure("RuntimeError: the operator killed the process")]}, None),
        ({"failures": [failure("ValueError: no PSF candidates")]}, None),
    ],
)
def test_the_starting_set_classifies_the_demo_failure_and_out_of_memory(evidence, expected):
    run = Submission(**evidence)

    failure_classify(run)

    assert (run.error_type.name if run.error_type else None) == expected


def test_the_starting_set_is_removed_exactly_and_added_again(operator, pipeline_bug):
    own = make_rule(operator, ErrorType.objects.get(name="Out of memory"), name="Out of memory on coadds")

    lost_node = ErrorRule.objects.get(name="Lost node or pilot job")  # a later migration's (0014)

    starting_set.remove_starting_set(apps, None)

    assert set(ErrorRule.objects.all()) == {own, lost_node}
    assert sorted(ErrorType.objects.values_list("name", flat=True)) == [
        "Lost node or pilot job",
        "Out of memory",
        "Pipeline bug",
    ]
    starting_set.add_starting_set(apps, None)
    assert ErrorRule.objects.count() == 5
    assert ErrorRule.objects.get(name="Injected failure (demo)").max_retries == 2


# The services: what they refuse, what they record ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"message_pattern": "MemoryError("}, "message_pattern 'MemoryError(' is not a regular expression"),
        ({"message_pattern": "x" * 501}, "message_pattern has 501 characters; at most 500 fit."),
        ({"task_pattern": "t" * 201}, "task_pattern has 201 characters; at most 200 fit."),
        ({"message_pattern": "a.*b.*c"}, "message_pattern 'a.*b.*c' repeats too freely"),
        ({"message_pattern": "(a|aa)+b"}, "message_pattern '(a|aa)+b' repeats a group that itself repeats"),
        ({"message_pattern": r"(\w+)\1"}, "refers back to a group"),
        ({"message_pattern": "MemoryError|"}, "message_pattern 'MemoryError|' matches an empty text"),
        ({"message_pattern": ""}, "message_pattern must not be empty"),
        ({"name": "   "}, "The name of an error rule must not be blank."),
        ({"action": "reboot"}, "Unknown action 'reboot'; the actions are retry, restart-group, hold, fail."),
        ({"action": "retry", "max_retries": 0}, "max_retries 0: the action retry needs at least 1"),
        ({"action": "restart-group"}, "max_retries 0: the action restart-group needs at least 1"),
        ({"action": "hold", "max_retries": 2}, "max_retries 2: only a retry or a restart of the group retries"),
        ({"action": "retry", "max_retries": 21}, "max_retries 21 is out of range: from 0 to 20."),
        ({"action": "retry", "max_retries": 1, "memory_multiplier": 9}, "memory_multiplier 9 is out of range"),
        ({"action": "retry", "max_retries": 1, "memory_multiplier": 0.5}, "memory_multiplier 0.5 is out of range"),
        ({"action": "fail", "memory_multiplier": 2.0}, "memory_multiplier 2.0: only a retry asks for more memory"),
        ({"retry_after_seconds": 86_401}, "retry_after_seconds 86401 is out of range: from 0 to 86400."),
        ({"position": -1}, "position -1 is out of range"),
    ],
)
def test_a_rule_with_a_bad_field_is_refused_naming_the_field_and_value(operator, pipeline_bug, fields, message):
    with pytest.raises(InvalidInput) as refused:
        make_rule(operator, pipeline_bug, **fields)

    assert message in str(refused.value)
    assert not ErrorRule.objects.filter(error_type=pipeline_bug).exists()


def test_a_rule_cannot_expire_with_a_backport_that_shipped_already(operator, pipeline_bug):
    v23 = SupportedReleaseFactory(version="v23.0.0")
    shipped = BackportRequestFactory(
        rfc_id="RFC-812", target_release=v23, status="shipped", shipped_in=ReleaseFactory(base_release=v23)
    )

    with pytest.raises(InvalidInput, match="expires_with RFC-812: that backport shipped already"):
        make_rule(operator, pipeline_bug, expires_with=shipped)


def test_an_update_is_checked_whole(operator, pipeline_bug):
    rule = make_rule(operator, pipeline_bug, action="retry", max_retries=2, memory_multiplier=2.0)

    with pytest.raises(InvalidInput, match="memory_multiplier 2.0: only a retry asks for more memory, not hold"):
        error_rule_update(actor=operator, rule=rule, action="hold", max_retries=0)
    with pytest.raises(InvalidInput, match="Unknown error rule field"):
        error_rule_update(actor=operator, rule=rule, created_by=None)


def test_error_type_names_are_unique_ignoring_case_and_the_origin_known(operator):
    with pytest.raises(Conflict, match="An error type named 'Out of memory' exists already"):
        error_type_create(actor=operator, name="  OUT OF MEMORY ", origin="infrastructure")
    with pytest.raises(InvalidInput, match="Unknown origin 'cosmic'; the origins are infrastructure, configuration"):
        error_type_create(actor=operator, name="Cosmic rays", origin="cosmic")
    bug = error_type_create(actor=operator, name="Pipeline bug", origin="pipeline")
    with pytest.raises(Conflict, match="'Out of memory' exists already"):
        error_type_update(actor=operator, error_type=bug, name="out of memory")
    assert error_type_update(actor=operator, error_type=bug, name="Pipeline Bug").name == "Pipeline Bug"


def test_a_viewer_may_manage_neither_types_nor_rules(viewer, pipeline_bug):
    with pytest.raises(NotPermitted, match="Only a task force lead or operator may manage error types and rules."):
        error_type_create(actor=viewer, name="Cosmic rays", origin="infrastructure")
    with pytest.raises(NotPermitted):
        make_rule(viewer, pipeline_bug)
    with pytest.raises(NotPermitted):
        error_rule_deactivate(actor=viewer, rule=ErrorRule.objects.first())


def test_each_change_is_audited_with_the_fields_it_changed(operator, pipeline_bug):
    v23 = SupportedReleaseFactory(version="v23.0.0")
    rule = make_rule(operator, pipeline_bug, name="PSF", release=v23)
    error_rule_update(actor=operator, rule=rule, name="PSF", position=7, message_pattern="PSF fit")
    error_rule_update(actor=operator, rule=rule, position=7)  # nothing changes: nothing written
    error_rule_deactivate(actor=operator, rule=rule)
    error_rule_update(actor=operator, rule=rule, active=True)
    error_type_update(actor=operator, error_type=pipeline_bug, origin="configuration", description="")

    events = list(AuditEvent.objects.filter(object_type="campaigns.errorrule").order_by("id"))
    assert [event.action for event in events] == [
        "error-rule.created",
        "error-rule.updated",
        "error-rule.deactivated",
        "error-rule.reactivated",
    ]
    assert events[0].after["release"] == "v23.0.0" and events[0].after["error_type"] == "Pipeline bug"
    assert (events[1].before, events[1].after) == (
        {"position": 100, "message_pattern": "boom"},
        {"position": 7, "message_pattern": "PSF fit"},
    )
    assert (events[3].before, events[3].after) == ({"active": False}, {"active": True})
    type_event = AuditEvent.objects.get(action="error-type.updated")
    assert (type_event.before, type_event.after) == ({"origin": "pipeline"}, {"origin": "configuration"})


def test_an_inactive_rule_is_not_deactivated_again(operator, pipeline_bug):
    rule = error_rule_deactivate(actor=operator, rule=make_rule(operator, pipeline_bug))

    with pytest.raises(Conflict, match="The rule 'a rule' is inactive already."):
        error_rule_deactivate(actor=operator, rule=rule)


# The rules page ---------------------------------------------------------------------------------------------------


def test_a_viewer_sees_the_rules_without_any_form(client_for, viewer):
    page = text(client_for(viewer).get(RULES_URL))

    assert page.count('data-testid="error-rule"') == 4
    assert "InjectedFailureError" in page and "Retry automatically" in page and "memory \u00d7 2" in page
    for control in (
        "error-rule-form",
        "error-type-form",
        "rule-deactivate",
        "rule-edit",
        "type-edit",
        'action="/campaigns/errors/',
    ):
        assert control not in page


def test_a_viewer_cannot_open_an_edit_form_nor_post_a_rule(client_for, viewer, pipeline_bug):
    client = client_for(viewer)
    rule = ErrorRule.objects.first()

    assert client.get(reverse("campaigns:error-rule-update", kwargs={"pk": rule.pk})).status_code == 403
    response = client.post(reverse("campaigns:error-rule-create"), {"name": "x"})
    assert response.status_code == 403
    assert ErrorRule.objects.count() == 4


def test_an_operator_adds_a_rule_on_the_page(client_for, operator, pipeline_bug):
    client = client_for(operator)
    page = text(client.get(RULES_URL))
    assert 'data-testid="error-rule-form"' in page and 'data-testid="rule-deactivate"' in page
    v23 = SupportedReleaseFactory(version="v23.0.0")
    backport = BackportRequestFactory(rfc_id="RFC-840", target_release=v23)

    response = client.post(
        reverse("campaigns:error-rule-create"),
        {
            "name": "PSF fit diverges",
            "position": "30",
            "task_pattern": "^characterize",
            "message_pattern": "PSF fit diverged",
            "error_type": pipeline_bug.pk,
            "action": "hold",
            "max_retries": "0",
            "memory_multiplier": "",
            "retry_after_seconds": "0",
            "release": "v23",
            "expires_with": "RFC-840",
            "active": "on",
        },
    )

    rule = ErrorRule.objects.get(name="PSF fit diverges")
    assert response.status_code == 302 and response["Location"] == f"{RULES_URL}#rule-{rule.pk}"
    assert (rule.release, rule.expires_with, rule.created_by, rule.active) == (v23, backport, operator, True)
    page = text(client.get(RULES_URL))
    assert "RFC-840" in page and "(proposed)" in page


def test_a_refused_rule_is_drawn_again_with_what_was_typed_and_why(client_for, operator, pipeline_bug):
    response = client_for(operator).post(
        reverse("campaigns:error-rule-create"),
        {
            "name": "Greedy",
            "position": "30",
            "message_pattern": "a.*b.*c",
            "error_type": pipeline_bug.pk,
            "action": "hold",
            "max_retries": "0",
            "retry_after_seconds": "0",
            "active": "on",
        },
    )

    page = text(response)
    assert response.status_code == 200
    assert "message_pattern 'a.*b.*c' repeats too freely" in page
    assert "a.*b.*c</textarea>" in page
    assert not ErrorRule.objects.filter(name="Greedy").exists()


def test_a_rule_is_deactivated_then_made_active_again_on_its_edit_page(client_for, operator):
    client = client_for(operator)
    rule = ErrorRule.objects.get(name="Injected failure (demo)")

    response = client.post(reverse("campaigns:error-rule-deactivate", kwargs={"pk": rule.pk}))
    assert response.status_code == 302
    page = text(client.get(RULES_URL))
    assert 'data-testid="rule-inactive"' in page
    edit_url = reverse("campaigns:error-rule-update", kwargs={"pk": rule.pk})
    form = client.get(edit_url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data |= {"error_type": rule.error_type_id, "active": "on"}
    del data["memory_multiplier"]

    response = client.post(edit_url, data)

    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.active
    assert AuditEvent.objects.filter(action="error-rule.reactivated", object_id=str(rule.pk)).exists()


def test_an_operator_adds_and_renames_an_error_type(client_for, operator):
    client = client_for(operator)

    client.post(reverse("campaigns:error-type-create"), {"name": "Butler timeout", "origin": "infrastructure"})
    error_type = ErrorType.objects.get(name="Butler timeout")
    response = client.post(
        reverse("campaigns:error-type-update", kwargs={"pk": error_type.pk}),
        {"name": "Butler registry timeout", "origin": "infrastructure", "description": "The registry is slow."},
    )

    assert response.status_code == 302
    error_type.refresh_from_db()
    assert (error_type.name, error_type.description) == ("Butler registry timeout", "The registry is slow.")


# The error page -----------------------------------------------------------------------------------------------------


def failed_run(campaign, *, error_type=None, ended_days_ago=0, quanta_failed=0, release=None, rule=None) -> Submission:
    run = SubmissionFactory(
        step=StepFactory(campaign=campaign),
        status=SubmissionStatus.FAILED,
        ended_at=timezone.now() - timedelta(days=ended_days_ago),
        release=release or campaign.release,
        error_type=error_type,
        error_rule=rule,
    )
    Submission.objects.filter(pk=run.pk).update(quanta_failed=quanta_failed)
    return run


@pytest.fixture
def failures(db):
    """Three runs of two campaigns that ran out of memory, one unclassified, one that succeeded."""
    memory = ErrorType.objects.get(name="Out of memory")
    rule = ErrorRule.objects.get(name="Out of memory")
    v23, v24 = SupportedReleaseFactory(version="v23.0.0"), SupportedReleaseFactory(version="v24.0.0")
    rc6, rc7 = CampaignFactory(name="DC2 RC6", release=v23), CampaignFactory(name="DC2 RC7", release=v24)
    runs = [
        failed_run(rc6, error_type=memory, rule=rule, ended_days_ago=3, quanta_failed=2),
        failed_run(rc6, error_type=memory, rule=rule, ended_days_ago=2, quanta_failed=1),
        failed_run(rc7, error_type=memory, rule=rule, ended_days_ago=1, quanta_failed=4),
        failed_run(rc7, ended_days_ago=0, quanta_failed=5),
    ]
    SubmissionFactory(step=StepFactory(campaign=rc6), status=SubmissionStatus.SUCCEEDED)
    return {"runs": runs, "rc6": rc6, "rc7": rc7, "memory": memory}


def test_the_error_page_has_one_line_per_type_across_campaigns(client_for, viewer, failures):
    response = client_for(viewer).get(ERRORS_URL)

    memory, unclassified = response.context["lines"]
    runs = failures["runs"]
    assert (memory.error_type.name, memory.failed_runs, memory.failed_quanta) == ("Out of memory", 3, 7)
    assert (memory.first_seen, memory.last_seen) == (runs[0].ended_at, runs[2].ended_at)
    assert [campaign.name for campaign in memory.campaigns] == ["DC2 RC6", "DC2 RC7"]
    assert [release.version for release in memory.releases] == ["v23.0.0", "v24.0.0"]
    assert [rule.name for rule in memory.rules] == ["Out of memory"]
    assert (unclassified.error_type, unclassified.failed_runs, unclassified.failed_quanta) == (None, 1, 5)
    page = text(response)
    assert "Unclassified" in page and ">Infrastructure</span>" in page
    assert f'href="{failures["rc7"].get_absolute_url()}">DC2 RC7</a>' in page
    assert f"?type={failures['memory'].pk}" in page


def test_the_error_page_filters_by_campaign_origin_and_release(client_for, viewer, failures):
    client = client_for(viewer)

    by_campaign = client.get(ERRORS_URL, {"campaign": failures["rc6"].pk}).context["lines"]
    assert [(line.failed_runs, [c.name for c in line.campaigns]) for line in by_campaign] == [(2, ["DC2 RC6"])]
    assert client.get(ERRORS_URL, {"origin": "pipeline"}).context["lines"] == []
    by_release = client.get(ERRORS_URL, {"release": "v24.0.0"}).context["lines"]
    assert sorted(line.failed_runs for line in by_release) == [1, 1]


def test_the_runs_of_a_type_are_listed(client_for, viewer, failures):
    client = client_for(viewer)
    url = reverse("campaigns:error-runs")

    memory = client.get(url, {"type": failures["memory"].pk, "campaign": failures["rc7"].pk})
    unclassified = client.get(url, {"type": "none"})

    assert [run.pk for run in memory.context["runs"]] == [failures["runs"][2].pk]
    assert [run.pk for run in unclassified.context["runs"]] == [failures["runs"][3].pk]
    assert client.get(url, {"type": "999999"}).status_code == 404


@pytest.mark.parametrize("campaigns", [1, 4])
def test_the_error_page_runs_a_constant_number_of_queries(client_for, viewer, campaigns):
    memory = ErrorType.objects.get(name="Out of memory")
    for number in range(campaigns):
        campaign = CampaignFactory(release=SupportedReleaseFactory())
        for _ in range(3):
            failed_run(campaign, error_type=memory if number % 2 else None, quanta_failed=1)
    client = client_for(viewer)
    client.get(ERRORS_URL)  # the session and the user's roles, cached once

    with CaptureQueriesContext(connection) as queries:
        response = client.get(ERRORS_URL)

    assert sum(line.failed_runs for line in response.context["lines"]) == 3 * campaigns
    # session, user, roles; the totals by type, their releases, campaigns and rules; the filter's choices
    assert len(queries) == 6, [query["sql"] for query in queries]


# The API ----------------------------------------------------------------------------------------------------------


def test_the_api_creates_changes_and_deactivates_a_rule(client_for, operator, pipeline_bug):
    client = client_for(operator)
    v23 = SupportedReleaseFactory(version="v23.0.0")
    BackportRequestFactory(rfc_id="RFC-840", target_release=v23)

    created = client.post(
        reverse("api:error-rule-list"),
        {
            "name": "PSF fit diverges",
            "message_pattern": "PSF fit diverged",
            "error_type": "Pipeline bug",
            "action": "retry",
            "max_retries": 1,
            "release": "v23",
            "expires_with": "RFC-840",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["release"], body["expires_with"], body["expired"], body["created_by"]) == (
        "v23.0.0",
        "RFC-840",
        False,
        "operator",
    )
    detail = reverse("api:error-rule-detail", kwargs={"pk": body["id"]})

    changed = client.patch(detail, {"position": 5, "release": None}, content_type="application/json")
    assert changed.status_code == 200 and (changed.json()["position"], changed.json()["release"]) == (5, None)
    refused = client.patch(
        detail, {"memory_multiplier": 2.0, "action": "hold", "max_retries": 0}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "memory_multiplier 2.0: only a retry asks for more memory" in refused.json()["detail"]
    deactivated = client.post(reverse("api:error-rule-deactivate", kwargs={"pk": body["id"]}))
    assert deactivated.status_code == 200 and deactivated.json()["active"] is False
    assert client.post(reverse("api:error-rule-deactivate", kwargs={"pk": body["id"]})).status_code == 409
    assert client.patch(detail, {"active": True}, content_type="application/json").json()["active"] is True


def test_the_api_refuses_a_viewer_and_names_unknown_references(client_for, viewer, operator):
    body = {"name": "x", "message_pattern": "x", "error_type": "Nothing like it", "action": "hold"}

    assert (
        client_for(viewer).post(reverse("api:error-rule-list"), body, content_type="application/json").status_code
        == 403
    )
    response = client_for(operator).post(reverse("api:error-rule-list"), body, content_type="application/json")
    assert response.status_code == 400 and set(response.json()) == {"error_type"}


def test_the_api_manages_error_types(client_for, operator):
    client = client_for(operator)

    created = client.post(
        reverse("api:error-type-list"),
        {"name": "Butler timeout", "origin": "infrastructure"},
        content_type="application/json",
    )
    assert created.status_code == 201
    detail = reverse("api:error-type-detail", kwargs={"pk": created.json()["id"]})
    assert client.patch(detail, {"origin": "configuration"}, content_type="application/json").json()["origin"] == (
        "configuration"
    )
    duplicate = client.patch(detail, {"name": "OUT OF MEMORY"}, content_type="application/json")
    assert duplicate.status_code == 409


def test_the_api_gives_the_error_page_lines(client_for, viewer, failures):
    response = client_for(viewer).get(reverse("api:error-summary-list"), {"origin": "infrastructure"})

    assert response.status_code == 200
    [line] = response.json()
    assert (line["error_type"], line["origin"], line["failed_runs"], line["failed_quanta"]) == (
        "Out of memory",
        "infrastructure",
        3,
        7,
    )
    assert line["releases"] == ["v23.0.0", "v24.0.0"]
    assert [campaign["name"] for campaign in line["campaigns"]] == ["DC2 RC6", "DC2 RC7"]
    assert line["rules"] == [{"id": ErrorRule.objects.get(name="Out of memory").pk, "name": "Out of memory"}]
