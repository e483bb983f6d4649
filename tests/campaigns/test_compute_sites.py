"""A campaign's compute site: a facility's Slurm cluster rendered into the BPS configuration of its submissions."""

import pytest
import yaml

from campaigns.models import ComputeSite, Facility, SubmitHost
from campaigns.preflight import render_config
from campaigns.services import campaign_clone

pytestmark = pytest.mark.django_db


@pytest.fixture
def slurm_site(db) -> ComputeSite:
    facility = Facility.objects.create(name="IN2P3", slug="in2p3")
    host = SubmitHost.objects.create(
        facility=facility, hostname="cc-submit-1", queue="submit.in2p3.cc-submit-1", address="10.231.7.1"
    )
    return ComputeSite.objects.create(
        facility=facility,
        name="cc-slurm",
        kind="slurm",
        submit_host=host,
        partition="lsst",
        nodes=2,
        cores_per_node=16,
        walltime="04:00:00",
        account="rubin",
        memory_per_node_gb=64,
    )


def test_a_slurm_site_is_rendered_as_ctrl_bps_parsls_slurm_site(make_ready_campaign, slurm_site):
    campaign = make_ready_campaign("DP0.2 at IN2P3", compute_site=slurm_site)

    config = yaml.safe_load(render_config(campaign, campaign.steps.get(), 7))

    assert config["computeSite"] == "cc-slurm"
    site = config["site"]["cc-slurm"]
    assert site["class"] == "console_stack.sites.Slurm" and site["address"] == "10.231.7.1"
    assert (site["nodes"], site["cores_per_node"], site["walltime"], site["account"], site["mem_per_node"]) == (
        2,
        16,
        "04:00:00",
        "rubin",
        64,
    )
    # The pilot jobs carry the submission's number as their comment: the poller and cancel find them by it.
    assert site["scheduler_options"] == "#SBATCH --partition=lsst\n#SBATCH --comment=console-submission-7"
    # A walltime YAML would read as a number (sexagesimal 12:00:00 = 43200) is quoted in the YAML handed to BPS.
    ComputeSite.objects.filter(pk=slurm_site.pk).update(walltime="12:00:00")
    campaign.refresh_from_db()
    rendered = render_config(campaign, campaign.steps.get(), 7)
    assert "walltime: '12:00:00'" in rendered and yaml.safe_load(rendered)["site"]["cc-slurm"]["walltime"] == "12:00:00"


def test_the_same_definition_at_another_facility_is_a_clone_at_its_site(make_ready_campaign, slurm_site, operator):
    from campaigns.selectors import campaign_diff

    campaign = make_ready_campaign("DP0.2 at the IDF")

    at_in2p3 = campaign_clone(actor=operator, campaign=campaign, name="DP0.2 at IN2P3", compute_site=slurm_site)

    assert at_in2p3.compute_site == slurm_site
    differs = [row["field"] for row in campaign_diff(campaign, at_in2p3) if row["differs"]]
    assert differs == ["compute_site"]
    here = yaml.safe_load(render_config(campaign, campaign.steps.get(), 1))
    there = yaml.safe_load(render_config(at_in2p3, at_in2p3.steps.get(), 1))
    assert (here["computeSite"], there["computeSite"]) == ("local", "cc-slurm")


def test_a_submission_at_a_facility_is_dispatched_polled_and_cancelled_by_its_submit_hosts_worker(
    make_ready_campaign, slurm_site, operator, monkeypatch, django_capture_on_commit_callbacks
):
    from campaigns import tasks
    from campaigns.models import Submission
    from campaigns.services import submission_cancel, submission_request

    sent = []

    def record(task):
        monkeypatch.setattr(
            task, "apply_async", lambda args, **options: sent.append((task.name, args, options.get("queue")))
        )

    for task in (tasks.dispatch_submission_task, tasks.poll_host_submissions_task, tasks.cancel_run_task):
        record(task)
    campaign = make_ready_campaign("DP0.2 at IN2P3", compute_site=slurm_site)
    here = make_ready_campaign("DP0.2 here")

    with django_capture_on_commit_callbacks(execute=True):
        there_run = submission_request(actor=operator, step=campaign.steps.get(), idempotency_key="in2p3-1")
        here_run = submission_request(actor=operator, step=here.steps.get(), idempotency_key="here-1")

    queue = "submit.in2p3.cc-submit-1"
    assert there_run.submit_host == slurm_site.submit_host and here_run.submit_host is None
    assert sent == [
        ("campaigns.tasks.dispatch_submission", (there_run.pk,), queue),
        ("campaigns.tasks.dispatch_submission", (here_run.pk,), None),
    ]
    # Both running: beat's cycle polls this host's run and sends the facility's to its host.
    Submission.objects.filter(pk__in=[there_run.pk, here_run.pk]).update(status="running", working_dir="/w")
    sent.clear()
    monkeypatch.setattr(tasks, "submissions_poll", lambda **kwargs: {"polled": 1, "host": kwargs})
    assert tasks.poll_submissions_task() == {"polled": 1, "host": {}}
    assert sent == [("campaigns.tasks.poll_host_submissions", (slurm_site.submit_host_id,), queue)]

    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submission_cancel(actor=operator, submission=Submission.objects.get(pk=there_run.pk))
    assert sent == [("campaigns.tasks.cancel_run", (there_run.pk,), queue)]
