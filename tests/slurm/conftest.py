"""A real two-node Slurm cluster for the tests (scripts/slurm-cluster): slurmctld on this machine, nodes n1 and n2
each in a network namespace of its own, reached over a bridge at 10.231.7.1; and two submit hosts s1 and s2 on the
same network, where tests start the Celery workers of facilities (test_submit_hosts.py).

The cluster needs root and network namespaces; where it cannot run, the tests that use it skip with the reason
(and fail under ``CONSOLE_TEST_SERVICES=required``, tests/conftest.py).
"""

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "slurm-cluster"
# scripts/slurm-cluster's exit status for "cannot run on this machine" (not root, no namespaces, names in use).
CANNOT_RUN_HERE = 3


class SlurmCluster:
    """One cluster started by scripts/slurm-cluster into ``directory``, with the queries the tests make of it."""

    nodes = ("n1", "n2")
    # The nodes and the submit hosts (no slurmd: what `scripts/slurm-cluster exec` starts there).
    machines = ("n1", "n2", "s1", "s2")
    host_address = "10.231.7.1"
    partition = "console"

    def __init__(self, directory: Path):
        self.directory = directory
        self.conf = directory / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf)}
        # The nodes' network namespaces by inode, to find their processes even once the names are deleted.
        self.namespace_inodes: set[int] = set()

    def up(self) -> None:
        """Start the cluster; skip the test when this machine cannot run it, fail when starting it fails."""
        started = subprocess.run([SCRIPT, "up", self.directory], capture_output=True, text=True, timeout=600)
        if started.returncode == CANNOT_RUN_HERE:
            reason = started.stderr.strip()
            pytest.skip(f"no Slurm cluster here: {reason} (is a `make slurm-up` cluster running? `make slurm-down`)")
        if started.returncode != 0:
            pytest.fail(f"scripts/slurm-cluster up failed:\n{started.stdout}\n{started.stderr}")
        self.namespace_inodes = {Path(f"/run/netns/ccslurm-{name}").stat().st_ino for name in self.machines}

    def down(self) -> None:
        subprocess.run([SCRIPT, "down", self.directory], capture_output=True, text=True, timeout=120, check=True)

    def run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        """A Slurm client command (sbatch, srun, squeue, scancel, scontrol, sinfo) against this cluster."""
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout, check=True)

    def squeue(self) -> list[dict]:
        """The jobs Slurm still holds (pending, running, completing), as dicts of id, name, state and nodes."""
        lines = self.run("squeue", "--noheader", "--format=%A|%j|%T|%N").stdout.splitlines()
        return [dict(zip(("job_id", "name", "state", "nodes"), line.split("|"), strict=True)) for line in lines]

    def job(self, job_id: str) -> dict:
        """`scontrol show job` as a dict (JobState, NodeList, ExitCode...); finished jobs stay for MinJobAge (300 s).

        There is no accounting database, so this stands in for `sacct`.
        """
        shown = self.run("scontrol", "--oneliner", "show", "job", job_id).stdout
        return dict(re.findall(r"(\w+)=(\S*)", shown))

    def node_processes(self, node: str) -> list[str]:
        """The command lines of the processes running inside a node's network namespace."""
        pids = subprocess.run(["ip", "netns", "pids", f"ccslurm-{node}"], capture_output=True, text=True).stdout
        return [command_line(int(pid)) for pid in pids.split()]

    def leftovers(self) -> dict[str, list[str]]:
        """What this cluster would leave behind: processes, namespaces, interfaces, addresses (all empty after down)."""
        processes = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                in_a_node = os.stat(entry / "ns" / "net").st_ino in self.namespace_inodes
                line = command_line(int(entry.name))
            except OSError:  # the process ended while we looked
                continue
            if in_a_node or f"{self.directory}/" in line:
                processes.append(f"{entry.name} {line}")
        namespaces = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        links = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True).stdout
        addresses = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
        return {
            "processes": processes,
            "namespaces": [line for line in namespaces.splitlines() if line.startswith("ccslurm-")],
            "links": [line for line in links.splitlines() if "ccslurm" in line],
            "addresses": [line for line in addresses.splitlines() if " 10.231.7." in line],
        }


def command_line(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()


def wait_until(condition, timeout: float = 30, what: str = "the condition"):
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.3)


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    """A running two-node cluster for the whole session; torn down after, leaving nothing behind."""
    if os.geteuid() != 0:
        pytest.skip("the Slurm cluster needs root (network namespaces, slurmd as SlurmUser=root)")
    if shutil.which("ip") is None:
        pytest.skip("no `ip` command (iproute2) for the Slurm cluster's network namespaces")
    cluster = SlurmCluster(tmp_path_factory.mktemp("slurm"))
    cluster.up()
    yield cluster
    cluster.down()
    assert cluster.leftovers() == {"processes": [], "namespaces": [], "links": [], "addresses": []}
