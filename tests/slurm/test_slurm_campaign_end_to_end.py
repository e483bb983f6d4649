"""End to end on the fixture's two-node Slurm cluster: a facility whose compute site is the cluster, the demo campaign
submitted there through the API, dispatched on commit, followed by the real poller (beat's cycle and the submit host's
poll), its quanta run in Parsl pilot jobs on both nodes; one run completes with its QA ingested, another is cancelled
while its pilot job runs, a third while its pilot job waits in the queue: neither leaves anything in squeue nor a
process behind.

Needs root (the cluster) and the stack environment (`make stack`); skips without them, and CI
(CONSOLE_TEST_SERVICES=required) turns a skip into a failure.
"""

import json
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.test import TestCase

from campaigns import tasks
from campaigns.models import Campaign, ComputeSite, Facility, Submission, SubmitHost
from campaigns.workflow.base import stack_environment
from campaigns.workflow.slurm import batch_jobs
from tests.campaigns.conftest import demo_campaign, demo_repo  # noqa: F401 - fixtures used by this module's tests
from tests.campaigns.test_bps_submit_end_to_end import processes_of
from tests.slurm.conftest import wait_until

pytestmark = [pytest.mark.django_db, pytest.mark.slurm, pytest.mark.stack]
RUN_TIMEOUT = 240

# The node each quantum ran on, from its task metadata (``quantum.nodeName``, written by the quantum's own process).
QUANTUM_NODES = """
import json, sys
from lsst.daf.butler import Butler
repo, run = sys.argv[1:]
butler = Butler.from_config(repo, collections=[run])
nodes = {}
for dataset_type in butler.registry.queryDatasetTypes("*_metadata"):
    for ref in butler.query_datasets(dataset_type, collections=run, explain=False):
        node = butler.get(ref)["quantum"]["nodeName"]
        nodes[node] = nodes.get(node, 0) + 1
print(json.dumps(nodes))
"""


@pytest.fixture
def api(client_for, operator, django_capture_on_commit_callbacks):
    """POST as the operator through the API, running what is enqueued on commit (dispatch, cancel) at once."""
    client = client_for(operator)

    def post(url: str, body: dict | None = None, expect: int = 202) -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, body or {}, content_type="application/json")
        assert response.status_code == expect, response.content
        return response.json()

    return post


@pytest.fixture
def cluster_campaign(slurm_cluster, demo_campaign, monkeypatch):  # noqa: F811 - the imported fixture
    """Makes demo campaigns at a facility whose Slurm site is the fixture's cluster (this host submits to it)."""
    # What the console's stack commands (bps, and Parsl's sbatch in it) and its squeue/scancel get.
    monkeypatch.setenv("SLURM_CONF", str(slurm_cluster.conf))
    facility = Facility.objects.create(name="Cluster facility", slug="cluster")
    host = SubmitHost.objects.create(
        facility=facility,
        hostname=socket.gethostname(),
        queue="submit.cluster.here",
        address=slurm_cluster.host_address,
    )
    site = ComputeSite.objects.create(
        facility=facility,
        name="cluster",
        kind="slurm",
        submit_host=host,
        partition=slurm_cluster.partition,
        nodes=2,
        cores_per_node=2,
        walltime="00:20:00",
    )

    def make(name: str, overrides: str = "") -> Campaign:
        campaign = demo_campaign(name, overrides)
        Campaign.objects.filter(pk=campaign.pk).update(compute_site=site)
        return Campaign.objects.get(pk=campaign.pk)

    return make


def follow(submission_id: int, until, while_running=lambda submission: None) -> Submission:
    """Run beat's poll cycle (the submit host's poll with it) until ``until(submission)``; ``while_running`` sees
    the submission after each cycle that finds it running."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while time.monotonic() < deadline:
        with TestCase.captureOnCommitCallbacks(execute=True):
            tasks.poll_submissions_task()
        submission = Submission.objects.get(pk=submission_id)
        if submission.status == "running":
            while_running(submission)
        if until(submission):
            return submission
        time.sleep(2)
    raise AssertionError(f"submission {submission_id} still {submission.status} after {RUN_TIMEOUT} s")


def ended(submission: Submission) -> bool:
    return submission.status in ("succeeded", "failed", "lost", "cancelled")


def quantum_nodes(submission: Submission) -> dict[str, int]:
    python = str(Path(settings.STACK_ENV_DIR) / "bin" / "python")
    repo = submission.step.campaign.butler_repo
    printed = subprocess.run(
        [python, "-c", QUANTUM_NODES, repo, submission.run_collection],
        env=stack_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(printed.stdout)


def test_a_campaign_at_the_slurm_site_runs_on_both_nodes_and_a_cancelled_run_leaves_nothing(
    api, cluster_campaign, slurm_cluster, client_for, operator
):
    reader = client_for(operator)
    campaign = cluster_campaign("slurm-e2e")

    requested = api(f"/api/v1/campaigns/{campaign.pk}/submit/", {"idempotency_key": "slurm-e2e-1"})
    seen_running: dict[str, dict] = {}

    def look_at_its_jobs(submission: Submission) -> None:
        for job_id in submission.batch_job_ids:
            job = slurm_cluster.job(job_id)
            if job["JobState"] == "RUNNING":
                seen_running[job_id] = job

    run = follow(requested["id"], until=ended, while_running=look_at_its_jobs)

    assert run.status == "succeeded", run.error
    assert run.submit_host.address == slurm_cluster.host_address
    assert (run.quanta_expected, run.quanta_succeeded, run.quanta_failed) == (18, 18, 0)
    # The poller recorded its pilot job while it ran: tagged with the submission, holding both nodes.
    assert run.batch_job_ids and set(seen_running) == set(run.batch_job_ids)
    for job in seen_running.values():
        assert (job["Comment"], job["NodeList"], job["Partition"]) == (
            f"console-submission-{run.pk}",
            "n[1-2]",
            "console",
        )
    # Its quanta ran on both nodes, each quantum's process on the node its metadata names.
    nodes = quantum_nodes(run)
    assert set(nodes) == {"n1", "n2"} and sum(nodes.values()) == 18
    # QA was ingested when it succeeded.
    assert run.measurement_count > 0
    assert run.measurements.filter(metric__name="demo.measure.mean").count() == 8
    # The finished run's Parsl ended its pilot jobs itself.
    wait_until(lambda: f"console-submission-{run.pk}" not in batch_jobs(), what="the run's jobs leaving squeue")
    # Its job ids are shown: in the API and on the campaign page.
    assert reader.get(f"/api/v1/submissions/{run.pk}/").json()["batch_job_ids"] == run.batch_job_ids
    page = reader.get(campaign.get_absolute_url()).content.decode()
    assert 'data-testid="submission-batch-jobs"' in page
    assert all(f"<code>{job_id}</code>" in page for job_id in run.batch_job_ids)

    # A second run, cancelled while its pilot job runs its quanta on the nodes.
    other = cluster_campaign("slurm-e2e-cancel")
    requested = api(f"/api/v1/campaigns/{other.pk}/submit/", {"idempotency_key": "slurm-e2e-2"})

    def its_pilot_job_runs(submission: Submission) -> bool:
        return submission.quanta_expected > 0 and job_in_state(slurm_cluster, submission, "RUNNING")

    going = follow(requested["id"], until=lambda submission: ended(submission) or its_pilot_job_runs(submission))
    cancel_leaves_nothing(api, slurm_cluster, going)

    # A third, cancelled while its pilot job waits behind a job that holds both nodes: nothing of it runs on them
    # yet, only scancel takes it out of the queue.
    blocker = slurm_cluster.run(
        "sbatch", "--parsable", "--nodes=2", "--exclusive", "--output=/dev/null", "--wrap", "sleep 300"
    ).stdout.strip()
    try:
        wait_until(lambda: slurm_cluster.job(blocker)["JobState"] == "RUNNING", what="the blocking job running")
        third = cluster_campaign("slurm-e2e-queued")
        requested = api(f"/api/v1/campaigns/{third.pk}/submit/", {"idempotency_key": "slurm-e2e-3"})
        queued = follow(
            requested["id"],
            until=lambda submission: ended(submission) or job_in_state(slurm_cluster, submission, "PENDING"),
        )
        cancel_leaves_nothing(api, slurm_cluster, queued)
        assert {slurm_cluster.job(job_id)["JobState"] for job_id in queued.batch_job_ids} == {"CANCELLED"}
    finally:
        slurm_cluster.run("scancel", blocker)


def job_in_state(slurm_cluster, submission: Submission, state: str) -> bool:
    """Whether one of the submission's recorded Slurm jobs is in that state."""
    return any(slurm_cluster.job(job_id)["JobState"] == state for job_id in submission.batch_job_ids)


def cancel_leaves_nothing(api, slurm_cluster, submission: Submission) -> None:
    """Cancel a running submission through the API: when the request returns, Slurm holds none of its jobs (by
    its comment or its recorded ids), and no process of it is left, here or on the nodes."""
    assert submission.status == "running", submission.error
    assert submission.batch_job_ids, "the poller should have recorded its pilot job"
    assert processes_of(submission), "the run should be going"

    cancelled = api(f"/api/v1/submissions/{submission.pk}/cancel/", expect=200)

    assert cancelled["status"] == "cancelled"
    held = batch_jobs()
    assert f"console-submission-{submission.pk}" not in held
    assert not set(submission.batch_job_ids) & {job_id for ids in held.values() for job_id in ids}
    time.sleep(1)
    assert processes_of(submission) == []
    for node in slurm_cluster.nodes:
        assert not [line for line in slurm_cluster.node_processes(node) if "process_worker_pool" in line]
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.poll_submissions_task()
    submission.refresh_from_db()
    assert submission.status == "cancelled"
