"""Faults injected for real (issue 8): the console's own processes (web, Celery workers, beat) are started as
subprocesses on a real broker, `bps` runs as real processes (the stand-in of tests/campaigns/fake_stack, which
logs every start), and the broker, the workers, the whole console and PostgreSQL are stopped, killed or
restarted while submissions are on their way. Each fault test counts, from the stand-in's log of bps starts
and the final states, the submissions that did not end as they should (lost) and the bps processes started
beyond one per submission (duplicated), and records both in the reliability summary.

Beside them: the classification of an early `bps` failure as transient or permanent, and the retry it leads to.
"""

import contextlib
import html
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from campaigns.models import Submission
from campaigns.services import submission_dispatch, submission_request, submissions_poll, submissions_sweep
from campaigns.tasks import dispatch_submission_task, poll_submissions_task
from campaigns.workflow.base import failure_is_transient
from campaigns.workflow.local import LocalParslAdapter
from console.models import AuditEvent
from project.celery import app as celery_app
from tests.campaigns.conftest import FAKE_STACK
from tests.support.processes import Console, free_port, wait_until
from tests.support.reliability import reliability_record

FLAKY = FAKE_STACK / "flaky"
# Beat's intervals and the sweeper's delays, in seconds instead of tens of seconds.
FAST_CONSOLE = {
    "SUBMISSION_POLL_INTERVAL": "1",
    "SUBMISSION_SWEEP_INTERVAL": "1",
    "SUBMISSION_PENDING_SWEEP_AFTER": "1",
    "SUBMISSION_STUCK_AFTER": "2",
    "SUBMISSION_RETRY_BACKOFF": "1",
}
FINAL = ("succeeded", "failed", "cancelled", "lost")


# --- what the tests measure ------------------------------------------------------------------------------


def launches(fake_stack) -> Counter:
    """bps processes started, per submission, from the stand-in's log of every start."""
    started: Counter = Counter()
    for line in fake_stack.starts():
        _pid, command, *args = line.split()
        if command == "submit":
            started[int(re.fullmatch(r"submission-(\d+)\.yaml", args[0])[1])] += 1
        elif command == "restart":
            started[Submission.objects.get(restarts__submit_dir=args[args.index("--id") + 1]).pk] += 1
    return started


def measured(expected: dict[int, str], fake_stack) -> dict[str, int]:
    """The submissions that did not end as ``expected`` ({id: final status}) and the bps processes started
    beyond one per submission (or for a submission not expected to run)."""
    started = launches(fake_stack)
    ended = dict(Submission.objects.filter(pk__in=expected).values_list("pk", "status"))
    return {
        "submissions": len(expected),
        "lost": sum(ended.get(pk) != status for pk, status in expected.items()),
        "duplicated": sum(count - 1 if pk in expected else count for pk, count in started.items()),
    }


def wait_for_status(submission_id: int, *statuses: str, timeout: float = 60) -> Submission:
    def reached():
        submission = Submission.objects.get(pk=submission_id)
        return submission if submission.status in statuses else None

    try:
        return wait_until(reached, timeout=timeout, what=f"submission {submission_id} to be {' or '.join(statuses)}")
    except AssertionError as error:
        now = Submission.objects.get(pk=submission_id)
        raise AssertionError(f"{error}; it is {now.status} (error: {now.error!r})") from None


# --- the console, its stack, and the services it leans on ---------------------------------------------------


@pytest.fixture
def console(transactional_db, fake_stack, settings, tmp_path):
    """The console's processes (started by each test) on the stand-in stack, with fast beat and sweeper."""
    celery_app.conf.task_always_eager = False
    started = Console(
        tmp_path / "console",
        env={
            "STACK_ENV_DIR": str(settings.STACK_ENV_DIR),
            "CAMPAIGN_RUNS_DIR": str(settings.CAMPAIGN_RUNS_DIR),
            **FAST_CONSOLE,
        },
    )
    # What this process enqueues (a submission's dispatch on commit) goes to the test's own workers.
    settings.CELERY_TASK_DEFAULT_QUEUE = started.queue
    try:
        yield started
    finally:
        started.close()
        end_runs_in(Path(settings.CAMPAIGN_RUNS_DIR))


def end_runs_in(runs: Path) -> None:
    """Kill every process still working in a run directory (bps runs outlive the console by design)."""
    if not runs.exists():
        return
    root = runs.resolve()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if root in Path(os.readlink(entry / "cwd")).resolve().parents:
                os.kill(int(entry.name), signal.SIGKILL)


def api_session(user) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Token {Token.objects.get_or_create(user=user)[0].key}"
    return session


def request_submission(operator, campaign, key: str) -> Submission:
    """Ask for a submission as the web process would (the dispatch is enqueued on commit, to the workers)."""
    return submission_request(actor=operator, step=campaign.steps.get(), idempotency_key=key)


def hold_butler(campaign) -> Path:
    """Hold the pre-launch check (`butler query-collections`) of the campaign's runs until the file is removed."""
    hold = Path(campaign.butler_repo) / "hold"
    hold.touch()
    return hold


@pytest.fixture
def private_redis(tmp_path):
    """A Redis server of the test's own, to stop and start again (the machine's serves other tests)."""
    import redis

    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("no redis-server on this machine (Debian's redis-server package)")
    port = free_port()

    class Broker:
        url = f"redis://127.0.0.1:{port}/0"
        process: subprocess.Popen | None = None

        def start(self) -> None:
            self.process = subprocess.Popen(
                [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )

            def answers() -> bool:
                with contextlib.suppress(redis.ConnectionError):
                    return redis.Redis(port=port, socket_connect_timeout=1).ping()
                return False

            wait_until(answers, timeout=10, what="the test's Redis server")

        def stop(self) -> None:
            if self.process is not None:
                self.process.kill()
                self.process.wait(timeout=10)
                self.process = None

    broker = Broker()
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@contextlib.contextmanager
def row_locked(submission: Submission):
    """Hold a write lock on the submission's row (PostgreSQL) or on the whole database (SQLite) from another
    connection, so that a worker that wants to record the submission waits."""
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        import psycopg

        with psycopg.connect(
            host=settings_dict["HOST"] or "localhost",
            port=settings_dict["PORT"] or 5432,
            user=settings_dict["USER"],
            password=settings_dict["PASSWORD"] or None,
            dbname=settings_dict["NAME"],
        ) as locker:
            locker.execute("SELECT id FROM campaigns_submission WHERE id = %s FOR UPDATE", [submission.pk])
            yield
            locker.rollback()
    else:
        locker = sqlite3.connect(settings_dict["NAME"], timeout=20, isolation_level=None)
        try:
            locker.execute("BEGIN IMMEDIATE")
            yield
            locker.execute("ROLLBACK")
        finally:
            locker.close()


# --- 1. the broker is down when a submission is asked for ----------------------------------------------------


@pytest.mark.fault
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_submission_asked_for_while_the_broker_is_down_is_pending_then_swept_into_one_run(
    console, private_redis, make_ready_campaign, operator, fake_stack
):
    console.env.update({"CELERY_BROKER_URL": private_redis.url, "FAKE_BPS_SECONDS": "2"})
    console.start("web", "worker", "beat")
    campaign = make_ready_campaign("Asked for while the broker is down")
    operator_api = api_session(operator)

    private_redis.stop()
    asked = time.monotonic()
    response = operator_api.post(
        f"{console.url}/api/v1/campaigns/{campaign.pk}/submit/", json={"idempotency_key": "broker-down"}, timeout=30
    )
    answered_in = time.monotonic() - asked

    assert response.status_code == 202, response.text
    assert answered_in < 2, f"the request took {answered_in:.2f} s with the broker down"
    submission = Submission.objects.get(pk=response.json()["id"])
    assert response.json()["status"] == submission.status == "pending"
    time.sleep(2)  # longer than the sweeper leaves a pending submission alone: without a broker nothing moves
    assert Submission.objects.get(pk=submission.pk).status == "pending"
    assert fake_stack.starts() == []

    private_redis.start()

    wait_for_status(submission.pk, *FINAL, timeout=90)
    figures = measured({submission.pk: "succeeded"}, fake_stack)
    reliability_record("fault", "broker down when a submission is requested", **figures)
    assert figures == {"submissions": 1, "lost": 0, "duplicated": 0}
    # Nothing but the sweeper could have enqueued its dispatch: the one enqueued on commit never reached a broker.
    assert "'requeued': 1" in console.process("worker").output()


# --- 2. a worker killed mid-dispatch, a dispatch delivered twice ---------------------------------------------


@pytest.mark.fault
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_workers_killed_mid_dispatch_and_dispatches_delivered_twice_start_one_bps_per_submission(
    console, make_ready_campaign, operator, fake_stack
):
    console.env["FAKE_BPS_SECONDS"] = "2"
    console.start("worker-1", "worker-2")
    after_launch = make_ready_campaign("Worker killed after launching bps")
    before_launch = make_ready_campaign("Worker killed before launching bps")
    holds = {campaign.pk: hold_butler(campaign) for campaign in (after_launch, before_launch)}
    launched = request_submission(operator, after_launch, "killed-after-launch")
    claimed = request_submission(operator, before_launch, "killed-before-launch")
    # Each worker claimed one (its last write before launching) and waits in its pre-launch check.
    for submission in (launched, claimed):
        wait_until(
            lambda pk=submission.pk: Submission.objects.filter(pk=pk, status="submitting", dispatch_tries=1).exists(),
            timeout=30,
            what=f"a worker to claim submission {submission.pk}",
        )

    with row_locked(launched):
        holds[after_launch.pk].unlink()
        # Its worker launches bps, then waits for the row to record it: killed there, mid-dispatch.
        wait_until(lambda: launches(fake_stack)[launched.pk] == 1, timeout=30, what="the first bps to start")
        console.stop("worker-1", "worker-2", signum=signal.SIGKILL)

    assert Submission.objects.get(pk=launched.pk).status == "submitting"
    assert Submission.objects.get(pk=claimed.pk).status == "submitting"
    assert launches(fake_stack) == Counter({launched.pk: 1})
    # The same dispatches delivered again, while the rows are still stuck.
    for submission in (launched, claimed):
        dispatch_submission_task.delay(submission.pk)
        dispatch_submission_task.delay(submission.pk)
    holds[before_launch.pk].unlink()
    console.start("worker-3", "worker-4", "beat")

    # One dispatch delivered twice at once, to both workers, and so slow that the sweeper frees it for a third.
    twice = make_ready_campaign("Dispatch delivered twice")
    hold = hold_butler(twice)
    doubled = request_submission(operator, twice, "delivered-twice")
    dispatch_submission_task.delay(doubled.pk)
    wait_until(
        lambda: Submission.objects.filter(pk=doubled.pk, status="submitting", dispatch_tries=2).exists(),
        timeout=30,
        what="the sweeper to free the slow dispatch and another worker to claim it",
    )
    hold.unlink()

    for submission in (launched, claimed, doubled):
        wait_for_status(submission.pk, *FINAL, timeout=60)
    figures = measured({launched.pk: "succeeded", claimed.pk: "succeeded", doubled.pk: "succeeded"}, fake_stack)
    reliability_record("fault", "worker SIGKILLed mid-dispatch; dispatch delivered twice", **figures)
    assert figures == {"submissions": 3, "lost": 0, "duplicated": 0}
    freed = AuditEvent.objects.filter(action="submission.pending", after__reason="stuck")
    assert {launched.pk, claimed.pk, doubled.pk} <= {int(event.object_id) for event in freed}


@pytest.mark.django_db
def test_two_dispatches_launching_one_submission_at_once_start_one_bps(operator, ready_campaign, fake_stack, settings):
    """What the sweeper allows when it frees a dispatch that was only slow: both reach the launch together."""
    with_step = Submission.objects.select_related("step__campaign")
    raced = request_submission(operator, ready_campaign, "raced")
    Submission.objects.filter(pk=raced.pk).update(launch_token="2ace0d2ace0d2ace")  # as its claim draws one
    submission = with_step.get(pk=raced.pk)
    adapter = LocalParslAdapter()
    together = threading.Barrier(4)
    launched: list[int] = []

    def dispatch() -> None:
        together.wait()
        launched.append(adapter.submit(submission).pid)

    dispatches = [threading.Thread(target=dispatch) for _ in range(4)]
    for thread in dispatches:
        thread.start()
    for thread in dispatches:
        thread.join(30)
    # The wrapper has started; on a loaded machine the stand-in bps may log its start a moment later.
    wait_until(lambda: launches(fake_stack), timeout=30, what="the stand-in bps to log its start")
    time.sleep(1)  # room for a second start, were there one
    end_runs_in(Path(settings.CAMPAIGN_RUNS_DIR))

    assert len(launched) == 4 and len(set(launched)) == 1, launched
    assert launches(fake_stack) == Counter({submission.pk: 1})


# --- 3. the console restarted while runs are in progress -----------------------------------------------------


@pytest.mark.fault
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_runs_are_followed_across_a_console_restart_and_one_that_died_meanwhile_is_lost_then_restarted(
    console, make_ready_campaign, operator, fake_stack, tmp_path
):
    hold = tmp_path / "runs-go-on"  # the runs last until it is removed
    hold.touch()
    console.env.update({"FAKE_BPS_SECONDS": "0", "FAKE_BPS_HOLD": str(hold)})
    console.start("web", "worker", "beat")
    operator_api = api_session(operator)
    surviving, dying = make_ready_campaign("Runs through a restart"), make_ready_campaign("Dies during a restart")
    submissions = {}
    for campaign in (surviving, dying):
        response = operator_api.post(
            f"{console.url}/api/v1/campaigns/{campaign.pk}/submit/", json={"idempotency_key": campaign.name}
        )
        assert response.status_code == 202, response.text
        submissions[campaign.pk] = response.json()["id"]
    for submission_id in submissions.values():
        wait_for_status(submission_id, "running")
        wait_until(
            lambda pk=submission_id: Submission.objects.get(pk=pk).quanta_expected == 4,
            timeout=30,
            what="the poller to follow the run",
        )

    console.stop()
    survivor, victim = (Submission.objects.get(pk=submissions[c.pk]) for c in (surviving, dying))
    os.killpg(victim.pid, signal.SIGKILL)  # its process dies while no console watches: no exit file
    os.killpg(survivor.pid, 0)  # the other run goes on without the console
    restarted_at = timezone.now()
    console.start("web", "worker", "beat")

    lost = wait_for_status(victim.pk, *FINAL)
    assert lost.status == "lost"
    wait_until(
        lambda: Submission.objects.get(pk=survivor.pk).last_polled_at > restarted_at,
        timeout=30,
        what="the new poller to follow the run that went on",
    )
    hold.unlink()
    assert wait_for_status(survivor.pk, *FINAL).status == "succeeded"
    response = operator_api.post(f"{console.url}/api/v1/submissions/{victim.pk}/restart/", json={})
    assert response.status_code == 202, response.text
    restart = response.json()
    assert (restart["attempt"], restart["restarts"]) == (2, victim.pk)
    wait_for_status(restart["id"], *FINAL)

    figures = measured({survivor.pk: "succeeded", victim.pk: "lost", restart["id"]: "succeeded"}, fake_stack)
    reliability_record("fault", "console restarted during a run; a run killed meanwhile", **figures)
    assert figures == {"submissions": 3, "lost": 0, "duplicated": 0}


# --- 4. bps failing, transiently or for good ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("exit_code", "output", "transient"),
    [
        (75, "", True),
        (75, "RuntimeError: the WMS refused the job", True),
        (1, "psycopg.OperationalError: connection to server at 10.0.0.5 port 5432 failed: Connection refused", True),
        (1, "ConnectionResetError: [Errno 104] Connection reset by peer", True),
        (1, "requests.exceptions.ReadTimeout: HTTPSConnectionPool: Read timed out. (read timeout=30)", True),
        (1, "socket.gaierror: [Errno -3] Temporary failure in name resolution", True),
        (1, "BlockingIOError: [Errno 11] Resource temporarily unavailable", True),
        (1, "RuntimeError: computeSite 'nowhere' has no 'site.nowhere' section", False),
        (1, "KeyError: 'pipelineYaml'", False),
        (2, "FileNotFoundError: [Errno 2] No such file or directory: 'pipelines/DRP.yaml'", False),
        (1, "", False),
        (137, "", False),
        # The evidence must be among the last lines: an old warning above a real error is no evidence.
        (1, "warning: connection refused, retried\n" + "\n".join(f"  frame {n}" for n in range(5)), False),
        (0, "timed out", False),
    ],
)
def test_an_early_bps_failure_is_transient_only_on_clear_evidence(exit_code, output, transient):
    assert failure_is_transient(exit_code, output) is transient


@pytest.fixture
def flaky_stack(settings, monkeypatch):
    """`bps` behind the flaky wrapper: its first call in each run directory fails with EX_TEMPFAIL."""
    settings.STACK_COMMAND_PREFIX = [str(FLAKY)]
    monkeypatch.setenv("FLAKY_BPS_MESSAGE", "Error 111 connecting to the Butler server: Connection refused")


@pytest.mark.django_db
def test_an_early_transient_failure_is_tried_again_after_a_backoff_and_fails_after_the_last_try(
    operator,
    viewer,
    client_for,
    ready_campaign,
    fake_stack,
    flaky_stack,
    settings,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.SUBMISSION_MAX_TRIES = 2
    settings.SUBMISSION_RETRY_BACKOFF = 60
    monkeypatch.setenv("FLAKY_BPS_FAILURES", "5")
    with django_capture_on_commit_callbacks(execute=False):
        submission = submission_request(actor=operator, step=ready_campaign.steps.get(), idempotency_key="flaky")

    submission_dispatch(submission_id=submission.pk)
    submission.refresh_from_db()
    run_dir = Path(submission.working_dir)
    exit_file = run_dir / f"submission-{submission.pk}.exit"
    wait_until(exit_file.exists, timeout=10, what="bps to fail")
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        submissions_poll()

    submission.refresh_from_db()
    assert (submission.status, submission.retries) == ("pending", 1)
    assert "Connection refused" in submission.error
    assert timedelta(seconds=55) < submission.retry_at - timezone.now() <= timedelta(seconds=60)
    assert len(enqueued) == 1  # the next try, enqueued with its countdown
    shown = client_for(viewer).get(f"/api/v1/submissions/{submission.pk}/").json()
    assert (shown["status"], shown["retries"]) == ("pending", 1)
    assert shown["retry_at"].startswith(submission.retry_at.strftime("%Y-%m-%dT%H:%M:%S"))
    assert shown["error"].startswith("bps exited with 75 before submitting:\nError 111 connecting")
    page = client_for(viewer).get(ready_campaign.get_absolute_url()).content.decode()
    assert "Error 111 connecting to the Butler server: Connection refused" in page
    assert f"Trying again after {submission.retry_at:%Y-%m-%d %H:%M:%S} (try 2)" in page
    # Neither a dispatch nor the sweeper launches it before its time.
    assert submission_dispatch(submission_id=submission.pk) is None
    assert submissions_sweep(now=timezone.now() + timedelta(seconds=30)) == {"requeued": 0, "freed": 0}

    Submission.objects.filter(pk=submission.pk).update(retry_at=timezone.now())
    submission_dispatch(submission_id=submission.pk)
    wait_until(exit_file.exists, timeout=10, what="bps to fail again")
    submissions_poll()

    submission.refresh_from_db()
    assert submission.status == "failed"
    assert submission.error.endswith("Gave up after 2 tries.")
    assert len((run_dir / "flaky-bps-calls").read_text().splitlines()) == 2
    assert fake_stack.starts() == []
    moves = AuditEvent.objects.filter(object_id=str(submission.pk), action__startswith="submission.")
    assert [event.action for event in moves.order_by("pk")] == [
        "submission.requested",
        "submission.running",
        "submission.pending",
        "submission.running",
        "submission.failed",
    ]


@pytest.mark.fault
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_bps_failing_transiently_is_tried_again_with_a_growing_backoff_until_it_runs(
    console, make_ready_campaign, operator, viewer, fake_stack, client_for
):
    console.env.update(
        {
            "STACK_COMMAND_PREFIX": str(FLAKY),
            "FLAKY_BPS_FAILURES": "2",
            "FLAKY_BPS_MESSAGE": "Error 111 connecting to the Butler server: Connection refused",
            "FAKE_BPS_SECONDS": "0",
        }
    )
    console.start("worker", "beat")
    campaign = make_ready_campaign("Flaky stack")
    submission = request_submission(operator, campaign, "flaky")

    ended = wait_for_status(submission.pk, *FINAL, timeout=60)
    assert (ended.status, ended.retries, ended.error) == ("succeeded", 2, "")
    assert len((Path(ended.working_dir) / "flaky-bps-calls").read_text().splitlines()) == 3
    # Each try waited for its backoff, twice as long as the one before (1 s, then 2 s): from the audit rows.
    moves = AuditEvent.objects.filter(object_id=str(submission.pk), action__startswith="submission.").order_by("pk")
    sent_back = [event.occurred_at for event in moves if event.action == "submission.pending"]
    relaunched = [event.occurred_at for event in moves if event.action == "submission.running"][1:]
    waits = [(run - back).total_seconds() for back, run in zip(sent_back, relaunched, strict=True)]
    assert waits[0] >= 1 and waits[1] >= 2, waits
    figures = measured({submission.pk: "succeeded"}, fake_stack)
    reliability_record("fault", "bps failing transiently (first two calls)", **figures, retries=ended.retries)
    assert figures == {"submissions": 1, "lost": 0, "duplicated": 0}


@pytest.mark.fault
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_bps_failing_for_good_is_not_tried_again_and_its_error_is_shown(
    console, make_ready_campaign, operator, viewer, fake_stack, client_for
):
    console.start("worker", "beat")
    campaign = make_ready_campaign("Badly configured", bps_overrides="computeSite: nowhere\n")
    submission = request_submission(operator, campaign, "bad-config")

    ended = wait_for_status(submission.pk, *FINAL, timeout=30)
    time.sleep(3)  # longer than the first backoff and a poll: a retry would have started by now

    ended.refresh_from_db()
    assert (ended.status, ended.retries, ended.retry_at) == ("failed", 0, None)
    problem = "computeSite 'nowhere' has no 'site.nowhere' section"
    assert problem in ended.error
    assert problem in client_for(viewer).get(f"/api/v1/submissions/{submission.pk}/").json()["error"]
    page = client_for(viewer).get(campaign.get_absolute_url()).content.decode()
    assert html.escape(problem) in page
    campaign.refresh_from_db()
    assert campaign.status == "failed"
    figures = measured({submission.pk: "failed"}, fake_stack)
    reliability_record("fault", "bps failing permanently (bad configuration)", **figures)
    assert figures == {"submissions": 1, "lost": 0, "duplicated": 0}


# --- 5. PostgreSQL restarted during a poll cycle ------------------------------------------------------------


def postgresql_cluster(port: int) -> tuple[str, str]:
    """The Debian cluster (version, name) that listens on the port."""
    listing = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        version, name, cluster_port, *_ = line.split()
        if int(cluster_port) == port:
            return version, name
    raise AssertionError(f"no PostgreSQL cluster listens on port {port}:\n{listing}")


def postgresql_ready(port: int) -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", str(port)], check=False).returncode == 0


@pytest.fixture
def restartable_postgresql(transactional_db):
    """A way to restart the PostgreSQL server the tests run on; it is left running whatever happens."""
    if connection.vendor != "postgresql":
        pytest.skip("restarting the database server is a PostgreSQL fault: run with DATABASE_URL=postgres://...")
    if shutil.which("pg_ctlcluster") is None:
        pytest.skip("no pg_ctlcluster (Debian's postgresql-common) to restart the server with")
    port = int(connection.settings_dict["PORT"] or 5432)
    version, name = postgresql_cluster(port)

    def control(action: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, name, action], check=True, capture_output=True
        )
        if action != "stop":
            wait_until(lambda: postgresql_ready(port), timeout=60, what="PostgreSQL to accept connections")
        connection.close()  # the test's own connection died with the server

    try:
        yield control
    finally:
        if not postgresql_ready(port):
            control("start")
        connection.close()


@pytest.mark.fault
@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_poll_cycle_cut_by_a_postgresql_restart_leaves_nothing_half_written_and_the_next_recovers(
    console, restartable_postgresql, make_ready_campaign, operator, fake_stack
):
    # Each finished run's report takes 2 s to read: a cycle over three lasts 6 s, long enough to cut it.
    console.env.update({"FAKE_BPS_SECONDS": "0", "FAKE_REPORT_SECONDS": "2"})
    console.start("worker")
    campaigns = [make_ready_campaign(f"Polled through a restart {n}") for n in range(3)]
    submissions = [request_submission(operator, campaign, campaign.name) for campaign in campaigns]
    for submission in submissions:
        running = wait_for_status(submission.pk, "running")
        exit_file = Path(running.working_dir) / f"submission-{running.pk}.exit"
        wait_until(exit_file.exists, timeout=30, what="the run to end")

    def finished() -> int:
        return Submission.objects.filter(pk__in=[s.pk for s in submissions], status="succeeded").count()

    poll_submissions_task.delay()
    wait_until(lambda: finished() >= 1, timeout=30, what="the poll cycle to record its first run")
    finished_before = finished()
    restartable_postgresql("restart")

    assert finished_before < 3, "the cycle ended before the restart: nothing was cut"
    wait_until(
        lambda: "OperationalError" in console.process("worker").output(),
        timeout=30,
        what="the cycle to fail on its dead connection",
    )
    assert finished() == finished_before  # the cut cycle wrote nothing more
    console.start("beat")  # the next cycles, on a connection of their own
    for submission in submissions:
        wait_for_status(submission.pk, *FINAL, timeout=60)

    for submission in submissions:
        moves = AuditEvent.objects.filter(object_id=str(submission.pk), action="submission.succeeded")
        assert moves.count() == 1, f"submission {submission.pk} finished with {moves.count()} audit rows"
    for campaign in campaigns:
        campaign.refresh_from_db()
        assert campaign.status == "completed"
        assert AuditEvent.objects.filter(object_id=str(campaign.pk), action="campaign.completed").count() == 1
    figures = measured({submission.pk: "succeeded" for submission in submissions}, fake_stack)
    reliability_record("fault", "PostgreSQL restarted during a poll cycle", **figures)
    assert figures == {"submissions": 3, "lost": 0, "duplicated": 0}
