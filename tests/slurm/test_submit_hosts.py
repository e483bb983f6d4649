"""Two facilities, each with a submit host of its own: two real Celery workers, each on a host of the cluster's network
(namespaces s1 and s2 of scripts/slurm-cluster, their own network and hostname), sharing this machine's database and
broker (over the bridge, through a relay when they listen on loopback only). The interim data facility (IDF) runs the
demo campaign on s1's own cores; IN2P3 runs the same definition (a clone at its site) in Slurm pilot jobs submitted
from s2, whose Parsl workers on n1 and n2 reach the interchange at s2's address.

Each host's worker runs only its own host's work; with s2's worker stopped, IN2P3's running run is left alone (not
polled by anyone else, not taken for lost) and its new submission waits (no other worker takes it), while IDF's goes
on; when s2's worker is back, both go on to the end. Nothing is lost, nothing launched twice. The console's own worker
and beat run on this machine, as under `make run`.
"""

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from campaigns.models import Campaign, ComputeSite, Facility, Submission, SubmitHost
from campaigns.services import campaign_clone
from campaigns.workflow.local import LAUNCH_LINE
from console.models import AuditEvent
from project.celery import app as celery_app
from tests.campaigns.conftest import demo_campaign, demo_repo  # noqa: F401 - fixtures used by this module's tests
from tests.faults.test_process_faults import end_runs_in
from tests.slurm.conftest import SCRIPT
from tests.support.processes import Console, database_url_of_this_test, wait_until
from tests.support.relay import TcpRelay

pytestmark = [pytest.mark.slurm, pytest.mark.stack]
RUN_TIMEOUT = 300
FAST_BEAT = {
    "SUBMISSION_POLL_INTERVAL": "2",
    "SUBMISSION_SWEEP_INTERVAL": "2",
    "SUBMISSION_PENDING_SWEEP_AFTER": "2",
}


def reachable_from_the_bridge(url: str, bridge_address: str, relays: list[TcpRelay]) -> str:
    """``url`` as a host of the cluster's network reaches it: a service on this machine's loopback through a relay
    on the bridge address; a file (SQLite, the embedded broker's folder) as it is, the hosts share the disk."""
    parts = urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost"):
        return url
    relay = TcpRelay(listen_host=bridge_address, target=("127.0.0.1", parts.port))
    relays.append(relay)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{relay.address[0]}:{relay.address[1]}" if credentials else "{}:{}".format(*relay.address)
    return urlunsplit(parts._replace(netloc=netloc))


@pytest.fixture
def two_hosts(transactional_db, slurm_cluster, demo_repo, tmp_path):  # noqa: F811 - the imported fixture
    """The console's worker and beat here, the IDF's worker on s1 and IN2P3's on s2 (declared, not started)."""
    celery_app.conf.task_always_eager = False
    relays: list[TcpRelay] = []
    console = Console(tmp_path / "console", env={"STACK_ENV_DIR": str(settings.STACK_ENV_DIR), **FAST_BEAT})
    idf = Facility.objects.create(name="Interim data facility", slug="idf")
    in2p3 = Facility.objects.create(name="IN2P3", slug="in2p3")
    hosts = {
        "s1": SubmitHost.objects.create(facility=idf, hostname="s1", queue=f"submit.s1.{console.queue}"),
        "s2": SubmitHost.objects.create(
            facility=in2p3, hostname="s2", queue=f"submit.s2.{console.queue}", address="10.231.7.22"
        ),
    }
    sites = {
        "idf": ComputeSite.objects.create(facility=idf, name="local", kind="local", submit_host=hosts["s1"]),
        "in2p3": ComputeSite.objects.create(
            facility=in2p3,
            name="cluster",
            kind="slurm",
            submit_host=hosts["s2"],
            partition=slurm_cluster.partition,
            nodes=2,
            cores_per_node=2,
            walltime="00:20:00",
        ),
    }
    remote_env = {
        "DATABASE_URL": reachable_from_the_bridge(database_url_of_this_test(), slurm_cluster.host_address, relays),
        "CELERY_BROKER_URL": reachable_from_the_bridge(settings.CELERY_BROKER_URL, slurm_cluster.host_address, relays),
        "SLURM_CONF": str(slurm_cluster.conf),
    }
    for name, host in hosts.items():
        console.add_worker(
            name,
            queues=[host.queue],
            run_as=[str(SCRIPT), "exec", str(slurm_cluster.directory), name],
            # Its own working directories, as on a host of its own.
            env={**remote_env, "CAMPAIGN_RUNS_DIR": str(tmp_path / f"{name}-runs")},
        )
    console.hosts, console.sites, console.runs_dirs = hosts, sites, {name: tmp_path / f"{name}-runs" for name in hosts}
    try:
        yield console
    finally:
        console.close()
        for runs in console.runs_dirs.values():
            end_runs_in(runs)
        for job in slurm_cluster.squeue():
            slurm_cluster.run("scancel", job["job_id"])
        for relay in relays:
            relay.close()


def clone_at(operator, campaign: Campaign, name: str, site: ComputeSite | None = None) -> Campaign:
    """A copy of ``campaign`` (at ``site``, or at its own), its release approved for it as for the original."""
    copy = campaign_clone(actor=operator, campaign=campaign, name=name, compute_site=site or campaign.compute_site)
    approval = campaign.release_approvals.get()
    copy.release_approvals.create(
        release=approval.release, decision=approval.decision, approved_at=approval.approved_at
    )
    return copy


def submit(client, campaign: Campaign, key: str) -> Submission:
    response = client.post(
        f"/api/v1/campaigns/{campaign.pk}/submit/", {"idempotency_key": key}, content_type="application/json"
    )
    assert response.status_code == 202, response.content
    return Submission.objects.get(pk=response.json()["id"])


def wait_for(submission: Submission, *statuses: str, timeout: float = RUN_TIMEOUT) -> Submission:
    def reached():
        submission.refresh_from_db()
        return submission.status in statuses

    try:
        wait_until(reached, timeout=timeout, what=f"submission {submission.pk} to be {' or '.join(statuses)}", every=1)
    except AssertionError as error:
        raise AssertionError(f"{error}; it is {submission.status}: {submission.error}") from None
    return submission


def launches(submission: Submission) -> int:
    """How many times a bps process was launched for the submission, from its launch log."""
    log = Path(submission.working_dir) / f"submission-{submission.pk}.log"
    return log.read_text().count(LAUNCH_LINE)


def test_each_submit_host_runs_only_its_own_work_and_a_stopped_host_s_work_waits_for_it(
    two_hosts,
    demo_campaign,  # noqa: F811 - the imported fixture
    operator,
    client_for,
    slurm_cluster,
):
    console, sites = two_hosts, two_hosts.sites
    client = client_for(operator)
    at_idf = demo_campaign("idf-dp")
    Campaign.objects.filter(pk=at_idf.pk).update(compute_site=sites["idf"])
    # The planning document's "duplicate the IDF processing at IN2P3": the same definition, at IN2P3's site.
    at_idf.refresh_from_db()
    at_in2p3 = clone_at(operator, at_idf, "in2p3-dp", sites["in2p3"])
    console.start("main", "beat", "s1", "s2")

    idf_run = submit(client, at_idf, "hosts-idf-1")
    in2p3_run = submit(client, at_in2p3, "hosts-in2p3-1")
    wait_for(idf_run, "running", "succeeded")
    wait_for(in2p3_run, "running")
    # Each launched by its own host's worker, in that host's working directories.
    assert (idf_run.host, in2p3_run.host) == ("s1", "s2")
    assert Path(idf_run.working_dir).is_relative_to(console.runs_dirs["s1"])
    assert Path(in2p3_run.working_dir).is_relative_to(console.runs_dirs["s2"])
    wait_until(lambda: not SubmitHost.objects.get(hostname="s2").worker_away(), timeout=30, what="s2's worker seen")

    # s2's worker stops while its run goes on in Slurm; a new IN2P3 submission waits for it, IDF goes on.
    console.stop("s2")
    waiting = submit(client, clone_at(operator, at_in2p3, "in2p3-dp-2"), "hosts-in2p3-2")
    polled_before = Submission.objects.get(pk=in2p3_run.pk).last_polled_at
    idf_polled_before = Submission.objects.get(pk=idf_run.pk).last_polled_at
    wait_until(lambda: SubmitHost.objects.get(hostname="s2").worker_away(), timeout=60, what="s2's worker away")
    # Several sweeps and polls later: nobody else took the waiting one, nor polled (or lost) the running one.
    waiting.refresh_from_db()
    assert (waiting.status, waiting.dispatch_tries, waiting.host) == ("pending", 0, "")
    in2p3_run.refresh_from_db()
    # (its bps may have ended meanwhile: only its host's worker reads that, from its files there)
    assert (in2p3_run.status, in2p3_run.last_polled_at) == ("running", polled_before)

    # Meanwhile s1's worker went on with IDF's run.
    idf_run.refresh_from_db()
    assert idf_run.status == "succeeded" or idf_run.last_polled_at > idf_polled_before

    # s2's worker is back: its waiting submission is launched there, and both of its runs end.
    console.start("s2")
    wait_for(in2p3_run, "succeeded", "failed", "lost")
    wait_for(waiting, "succeeded", "failed", "lost")
    wait_for(idf_run, "succeeded", "failed", "lost")

    runs = {"s1": [idf_run], "s2": [in2p3_run, waiting]}
    for host, submissions in runs.items():
        for submission in submissions:
            submission.refresh_from_db()
            assert submission.status == "succeeded", (submission.pk, submission.status, submission.error)
            assert submission.host == host
            assert Path(submission.working_dir).is_relative_to(console.runs_dirs[host])
            assert launches(submission) == 1, f"submission {submission.pk} launched {launches(submission)} times"
            running = AuditEvent.objects.filter(
                object_type="campaigns.submission", object_id=str(submission.pk), action="submission.running"
            )
            assert running.count() == 1
    # The IN2P3 runs ran in Slurm pilot jobs on both nodes, tagged with their submissions.
    for submission in runs["s2"]:
        assert submission.batch_job_ids
        for job_id in submission.batch_job_ids:
            job = slurm_cluster.job(job_id)
            assert (job["Comment"], job["NodeList"]) == (f"console-submission-{submission.pk}", "n[1-2]")
    # Their metrics were read on their hosts (the facility's Butler) and the two facilities' runs compare as one.
    wait_until(
        lambda: all(Submission.objects.get(pk=s.pk).measurement_count > 0 for s in [*runs["s1"], *runs["s2"]]),
        timeout=120,
        what="every run's metrics ingested",
    )
    compared = client.get("/qa/compare/", {"a": idf_run.pk, "b": in2p3_run.pk}).content.decode()
    assert "in2p3-dp" in compared and "idf-dp" in compared
