"""The console's own processes, started for real by tests: the web server, Celery workers and beat.

They run as ``make run`` starts them (Procfile), on the test's database and broker, with their tasks on a
queue of their own so that no other worker on the same broker takes them. Each runs in a session of its
own, so that stopping it ends its children too, and writes its output to a file that is printed when the
test ends. A test that starts them needs the ``transactional_db`` fixture: they see committed rows only.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def database_url_of_this_test() -> str:
    """The URL of the database this test runs on, for a process started by the test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on (just now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, every: float = 0.1):
    """Wait for ``condition()`` to be true (and return its value), or fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


class ConsoleProcess:
    """One process started by a test, writing its output to a file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path):
        self.name, self.log = name, log
        self.log_start = log.stat().st_size if log.exists() else 0  # a restarted process appends to its log
        with open(log, "ab") as output:
            self.popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        """What this process wrote (not what an earlier process of the same name did)."""
        with open(self.log, "rb") as log:
            log.seek(self.log_start)
            return log.read().decode(errors="replace")

    def send(self, signum: int) -> None:
        """Send ``signum`` to the process and its children."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signum)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 20) -> None:
        """Send ``signum`` to the process and its children; whatever is left after ``timeout`` is killed."""
        self.send(signum)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
        # Children that outlived their parent (a prefork pool) are in its process group still.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)


class Console:
    """The console's processes for one test: ``start("web", "worker", "beat")``, ``stop(...)``, ``close()``.

    ``env`` is added to the environment of every process (e.g. the stack's location or the beat intervals).
    """

    def __init__(self, directory: Path, env: dict[str, str] | None = None):
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url_of_this_test(),
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            # No workflow system's concurrency limit unless the test gives one, as in the tests' own process.
            "CAMPAIGN_SITE_LIMITS": "",
            **(env or {}),
        }
        self.port = free_port()
        self.processes: dict[str, ConsoleProcess] = {}
        self.stopped: list[ConsoleProcess] = []
        # Workers that consume other queues than the console's own, or run elsewhere (``add_worker``).
        self.worker_specs: dict[str, dict] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *names: str) -> None:
        """Start the named processes (web, beat, or a worker: any other name), and wait until they serve."""
        for name in names:
            if name in self.processes:
                raise ValueError(f"{name} runs already")
            self.processes[name] = self._spawn(name)
        for name in names:
            self._wait_ready(name)

    def add_worker(self, name: str, *, queues: list[str], run_as: list[str] = (), env: dict[str, str] | None = None):
        """Declare a worker ``name`` that consumes ``queues`` (a submit host's), started by ``start(name)``: its
        command is put after ``run_as`` (e.g. `scripts/slurm-cluster exec DIR s1`, to run it on another host) and
        it gets ``env`` besides the console's."""
        self.worker_specs[name] = {"queues": queues, "run_as": list(run_as), "env": env or {}}

    def _spawn(self, name: str) -> ConsoleProcess:
        celery = [sys.executable, "-m", "celery", "--app", "project"]
        spec = self.worker_specs.get(name, {"queues": [self.queue], "run_as": [], "env": {}})
        if name == "web":
            command = [
                *(sys.executable, "-m", "gunicorn", "project.wsgi", "--bind", f"127.0.0.1:{self.port}"),
                *("--workers", "1", "--timeout", "30", "--graceful-timeout", "5"),
            ]
        elif name == "beat":
            command = [*celery, "beat", "--loglevel", "INFO", "--schedule", str(self.directory / "beat-schedule")]
        else:
            command = [
                *spec["run_as"],
                *(*celery, "worker", "--loglevel", "INFO", "--pool", "solo", "--queues", ",".join(spec["queues"])),
                *("--without-gossip", "--without-mingle", "--without-heartbeat", "--hostname", f"{name}@{self.queue}"),
            ]
        return ConsoleProcess(name, command, {**self.env, **spec["env"]}, self.directory / f"{name}.log")

    def _wait_ready(self, name: str) -> None:
        process = self.processes[name]

        def ready() -> bool:
            if not process.alive():
                raise AssertionError(f"{name} exited with {process.popen.returncode}:\n{process.output()[-3000:]}")
            if name == "web":
                # Any answer will do (503 says the broker is down): the first one loads the application.
                with contextlib.suppress(requests.ConnectionError):
                    return bool(requests.get(f"{self.url}/healthz", timeout=60).status_code)
                return False
            if name == "beat":
                return "beat: Starting" in process.output()
            return " ready." in process.output()

        wait_until(ready, timeout=60, what=f"the {name} process to start")

    def stop(self, *names: str, signum: int = signal.SIGTERM, timeout: float = 20) -> None:
        """Stop the named processes (all of them when none is named), all at once."""
        stopping = [self.processes.pop(name) for name in names or list(self.processes)]
        for process in stopping:
            process.send(signum)
        for process in stopping:
            process.stop(signum, timeout=timeout)
            self.stopped.append(process)

    def process(self, name: str) -> ConsoleProcess:
        return self.processes[name]

    def close(self) -> None:
        """Stop everything still running and print what each process wrote (pytest shows it on failure)."""
        self.stop(timeout=1)  # a worker in the middle of a task would finish it first: the test is over
        for process in self.stopped:
            print(f"----- {process.name} (pid {process.pid}) -----\n{process.output()[-4000:]}")
