"""Ctrl-C under ``make run`` stops the worker gracefully before honcho would kill it.

The worker is started with the Procfile's own command, on the embedded default broker (``filesystem://``,
as ``make run`` has it), in a process group of its own. Ctrl-C in a terminal sends SIGINT to the whole
group, and honcho then sends SIGTERM to each process and kills what is still running after its
``KILL_WAIT`` seconds: the worker must have finished its warm shutdown by then.
"""

import os
import shlex
import signal
import subprocess
import time
from pathlib import Path

import pytest
from honcho.manager import KILL_WAIT

from tests.support.processes import database_url_of_this_test, wait_until

PROCFILE = Path(__file__).resolve().parents[2] / "Procfile"


def procfile_command(name: str) -> list[str]:
    for line in PROCFILE.read_text().splitlines():
        if line.startswith(f"{name}:"):
            return shlex.split(line.split(":", 1)[1])
    raise AssertionError(f"the Procfile has no {name} process")


@pytest.mark.worker
def test_ctrl_c_stops_the_procfile_worker_before_honcho_would_kill_it(transactional_db, tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "CELERY_BROKER_URL"}
    env |= {"CONSOLE_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url_of_this_test()}
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            procfile_command("worker"),
            cwd=PROCFILE.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until(lambda: " ready." in log.read_text(errors="replace"), timeout=60, what="the worker to start")
        stopping_since = time.monotonic()
        os.killpg(worker.pid, signal.SIGINT)  # the terminal's Ctrl-C reaches the whole group
        worker.send_signal(signal.SIGTERM)  # then honcho's own
        try:
            worker.wait(timeout=KILL_WAIT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the worker was still running {KILL_WAIT} s after Ctrl-C: honcho would kill it")
        stopped_after = time.monotonic() - stopping_since
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
    output = log.read_text(errors="replace")
    assert "Warm shutdown" in output, output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    print(f"the worker stopped {stopped_after:.1f} s after Ctrl-C")
