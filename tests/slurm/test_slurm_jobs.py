"""A run's Slurm jobs (campaigns/workflow/slurm.py): tagged with the submission's comment, found with one squeue,
recorded, and cancelled (with the run, or when the run is found lost), on the fixture's cluster."""

import subprocess
import time

import pytest
from django.test import TestCase
from django.utils import timezone

from campaigns.bps_config import site_section
from campaigns.models import ComputeSite, Facility, Submission, SubmitHost
from campaigns.services.polling import submission_finish
from campaigns.workflow import RunState, StackCommandError
from campaigns.workflow.slurm import batch_jobs, batch_jobs_cancel, record_batch_job_ids
from tests.campaigns.factories import CampaignFactory, StepFactory, SubmissionFactory
from tests.slurm.conftest import wait_until


@pytest.fixture
def slurm_site(db) -> ComputeSite:
    facility = Facility.objects.create(name="Test cluster facility", slug="test-cluster")
    host = SubmitHost.objects.create(facility=facility, hostname="here", queue="submit.test.here", address="10.231.7.1")
    return ComputeSite.objects.create(
        facility=facility, name="cluster", kind="slurm", submit_host=host, partition="console"
    )


def running_at(site: ComputeSite | None, number_in_config: int | None = None, **fields) -> Submission:
    """A submission (running unless ``fields`` say otherwise) of a campaign at ``site``, whose configuration tags
    its jobs with ``number_in_config`` (its own pk when None)."""
    dispatched = timezone.now()
    fields = {"status": "running", "dispatched_at": dispatched, **fields}
    submission = SubmissionFactory(step=StepFactory(campaign=CampaignFactory(compute_site=site)), **fields)
    # Its jobs come in a later second than its dispatch, as a pilot job does (Slurm's times are to the second): the
    # jobs of an earlier test, which may have had the same number (SQLite gives a rolled-back id again), are not its.
    time.sleep(1.05 - dispatched.microsecond / 1e6)
    number = submission.pk if number_in_config is None else number_in_config
    submission.bps_config = f"scheduler_options: '#SBATCH --comment=console-submission-{number}'\n"
    submission.save(update_fields=["bps_config"])
    return Submission.objects.select_related("step__campaign__compute_site").get(pk=submission.pk)


def sbatch(cluster, *options: str) -> str:
    """A sleeping job with these options, as Parsl's pilot jobs get them: #SBATCH lines of its script."""
    script = "#!/bin/sh\n" + "".join(f"{option}\n" for option in options) + "sleep 300\n"
    return cluster.run("sbatch", "--parsable", "--output=/dev/null", stdin_script=script).stdout.strip()


@pytest.fixture
def cluster(slurm_cluster):
    """The cluster, with a way to submit a script on stdin; every job left is cancelled after the test."""

    class Cluster:
        env = slurm_cluster.env

        def run(self, *command, stdin_script: str | None = None):
            return subprocess.run(
                command, input=stdin_script, env=self.env, capture_output=True, text=True, timeout=60, check=True
            )

    yield Cluster()
    held = [job["job_id"] for job in slurm_cluster.squeue()]
    if held:
        slurm_cluster.run("scancel", *held)
    wait_until(lambda: slurm_cluster.squeue() == [], what="an empty squeue after the test")


@pytest.mark.slurm
def test_sbatch_keeps_the_comment_of_the_rendered_site_and_one_squeue_lists_jobs_by_comment(cluster):
    site = site_section(name="cluster", kind="slurm", partition="console", submission_number=1234567)
    options = site["settings"]["scheduler_options"].splitlines()
    assert options == ["#SBATCH --partition=console", "#SBATCH --comment=console-submission-1234567"]

    tagged = sbatch(cluster, *options)
    untagged = sbatch(cluster, "#SBATCH --partition=console")

    # The whole comment (26 characters: no column width cuts it), and the job without one under "(null)".
    assert batch_jobs(cluster.env) == {"console-submission-1234567": [tagged], "(null)": [untagged]}


@pytest.mark.slurm
@pytest.mark.django_db
def test_the_poll_records_a_runs_job_ids_and_cancel_ends_its_jobs_only(cluster, slurm_site):
    submission = running_at(slurm_site)
    other = running_at(slurm_site)
    local = running_at(None)
    comment = f"#SBATCH --comment=console-submission-{submission.pk}"
    pilots = [sbatch(cluster, comment), sbatch(cluster, comment)]
    others = sbatch(cluster, f"#SBATCH --comment=console-submission-{other.pk}")
    untagged = sbatch(cluster)

    assert record_batch_job_ids([submission, other, local], cluster.env) == 2

    assert Submission.objects.get(pk=submission.pk).batch_job_ids == pilots
    assert Submission.objects.get(pk=other.pk).batch_job_ids == [others]
    assert Submission.objects.get(pk=local.pk).batch_job_ids == []
    # An id recorded earlier is cancelled too, tagged or not; one Slurm now holds for another submission is not.
    submission.batch_job_ids = [*pilots, untagged, others]

    cancelled = batch_jobs_cancel(submission, cluster.env)

    assert cancelled == [*pilots, untagged]
    assert batch_jobs(cluster.env) == {f"console-submission-{other.pk}": [others]}


@pytest.mark.slurm
@pytest.mark.django_db
def test_a_restart_is_found_by_the_comment_of_the_configuration_it_runs_with(cluster, slurm_site):
    first = running_at(slurm_site, status="failed")
    restart = running_at(slurm_site, number_in_config=first.pk)
    pilot = sbatch(cluster, f"#SBATCH --comment=console-submission-{first.pk}")

    record_batch_job_ids([restart], cluster.env)

    assert Submission.objects.get(pk=restart.pk).batch_job_ids == [pilot]


@pytest.mark.slurm
@pytest.mark.django_db
def test_a_pilot_job_that_ended_between_two_polls_is_recorded_and_an_earlier_attempts_is_not(
    cluster, slurm_cluster, slurm_site
):
    first = running_at(slurm_site, status="failed")
    earlier = sbatch(cluster, f"#SBATCH --comment=console-submission-{first.pk}")
    cluster.run("scancel", earlier)
    time.sleep(1.1)  # Slurm's times are to the second
    restart = running_at(slurm_site, number_in_config=first.pk)
    pilot = sbatch(cluster, f"#SBATCH --comment=console-submission-{first.pk}")
    cluster.run("scancel", pilot)
    wait_until(lambda: slurm_cluster.squeue() == [], what="both jobs ended")

    assert record_batch_job_ids([restart], cluster.env) == 1

    assert Submission.objects.get(pk=restart.pk).batch_job_ids == [pilot]


@pytest.mark.slurm
@pytest.mark.django_db
def test_a_run_found_lost_has_its_slurm_jobs_cancelled(cluster, slurm_site, monkeypatch):
    monkeypatch.setenv("SLURM_CONF", cluster.env["SLURM_CONF"])
    submission = running_at(slurm_site)
    pilot = sbatch(cluster, f"#SBATCH --comment=console-submission-{submission.pk}")
    record_batch_job_ids([submission])

    with TestCase.captureOnCommitCallbacks(execute=True):
        submission_finish(
            submission_id=submission.pk, state=RunState("lost", error="The bps process vanished."), now=timezone.now()
        )

    submission.refresh_from_db()
    assert (submission.status, submission.batch_job_ids) == ("lost", [pilot])
    assert batch_jobs() == {}


@pytest.mark.django_db
def test_runs_at_no_slurm_site_ask_no_squeue_and_a_missing_squeue_is_a_stack_error(tmp_path):
    no_slurm = {"PATH": str(tmp_path)}
    local = running_at(None)

    assert record_batch_job_ids([local], no_slurm) == 0
    assert batch_jobs_cancel(local, no_slurm) == []
    with pytest.raises(StackCommandError, match="No squeue on PATH"):
        batch_jobs(no_slurm)
