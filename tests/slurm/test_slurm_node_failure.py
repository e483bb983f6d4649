"""A node that dies mid-run, on the fixture's cluster: the demo campaign at the Slurm site, its quanta slowed down so
that they are caught working; node n2 is killed (its slurmd and every process on it, as by a power cut). The quanta
that were on n2 fail (Parsl's interchange no longer hears from its pool); Slurm sets the node DOWN and requeues the
pilot job, which waits for nodes while the run goes on. Once the node is back the pilot runs again, the quanta left
run, and the run ends failed with the lost ones; a restart through the API runs those to the end, on both nodes, and
Slurm holds nothing after.
"""

import subprocess

import pytest

from campaigns.models import Submission
from console_stack.run_report import CUT_OFF_MESSAGE
from tests.campaigns.conftest import demo_campaign, demo_repo  # noqa: F401 - fixtures used by this module's tests
from tests.slurm.conftest import SCRIPT, wait_until
from tests.slurm.test_slurm_campaign_end_to_end import api, cluster_campaign, ended, follow  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.slurm, pytest.mark.stack]

# Each per-detector quantum works 5 s (time to catch quanta on n2); the interchange gives up on a silent node's pool
# after 8 s (Parsl's default is 120 s).
SLOW_QUANTA_QUICK_LOSS = """\
extraQgraphOptions: "-c calibrate:work_seconds=5 -c measure:work_seconds=5"
site:
  cluster:
    heartbeat_threshold: 8
"""


def working_quanta(slurm_cluster, node: str) -> list[str]:
    """The quanta being run on a node now (their `pipetask run-qbb` processes)."""
    return [line for line in slurm_cluster.node_processes(node) if "run-qbb" in line]


def test_a_node_that_dies_mid_run_fails_its_quanta_and_a_restart_completes_the_run(
    api,  # noqa: F811 - the imported fixture
    cluster_campaign,  # noqa: F811
    slurm_cluster,
):
    campaign = cluster_campaign("slurm-node-dies", SLOW_QUANTA_QUICK_LOSS)
    requested = api(f"/api/v1/campaigns/{campaign.pk}/submit/", {"idempotency_key": "slurm-node-dies-1"})

    going = follow(
        requested["id"],
        until=lambda submission: ended(submission) or bool(working_quanta(slurm_cluster, "n2")),
    )
    assert going.status == "running", going.error
    subprocess.run([SCRIPT, "node-down", slurm_cluster.directory, "n2"], check=True, capture_output=True)
    assert not working_quanta(slurm_cluster, "n2")
    # Slurm finds the node dead and requeues the pilot job: it waits for two nodes, the run's driver goes on.
    going.refresh_from_db()
    pilot = going.batch_job_ids[-1]
    wait_until(lambda: slurm_cluster.job(pilot)["JobState"] == "PENDING", timeout=90, what="the pilot job requeued")
    assert slurm_cluster.job(pilot)["Restarts"] == "1"
    going = follow(going.pk, until=lambda submission: True)
    assert going.status == "running"
    # The node comes back: the pilot job runs again and the quanta left run; the lost ones stay failed.
    subprocess.run([SCRIPT, "node-up", slurm_cluster.directory, "n2"], check=True, capture_output=True, timeout=120)
    # (Slurm holds a requeued job for two minutes before it may start again; an administrator's release, here to
    # keep the test short.)
    slurm_cluster.run("scontrol", "update", f"JobId={pilot}", "StartTime=now")

    failed = follow(going.pk, until=ended)

    assert failed.status == "failed", failed.error
    assert failed.quanta_failed >= 1 and failed.quanta_succeeded < failed.quanta_expected == 18
    # The quanta cut off with the node are named, and their failure has its type.
    assert {failure["message"] for failure in failed.failures} >= {CUT_OFF_MESSAGE}
    assert failed.error_type.name == "Lost node or pilot job"
    # The restart runs what failed, on both nodes.
    restarted = api(f"/api/v1/submissions/{failed.pk}/restart/", {"idempotency_key": "slurm-node-dies-2"})

    done = follow(restarted["id"], until=ended)

    assert done.status == "succeeded", done.error
    assert done.restarts_id == failed.pk
    assert (done.quanta_expected, done.quanta_succeeded, done.quanta_failed) == (18, 18, 0)
    assert done.batch_job_ids and not set(done.batch_job_ids) & set(failed.batch_job_ids)
    wait_until(lambda: slurm_cluster.squeue() == [], timeout=90, what="nothing left in squeue")
    assert Submission.objects.get(pk=failed.pk).status == "failed"
