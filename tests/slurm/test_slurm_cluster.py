"""The test cluster itself (scripts/slurm-cluster): jobs spread over both nodes, the nodes reach the host over the
veth network, scancel empties the queue, and down leaves nothing behind."""

import socket
import threading

import pytest

from tests.slurm.conftest import wait_until

pytestmark = pytest.mark.slurm


def test_a_two_node_batch_job_runs_one_task_on_each_node(slurm_cluster, tmp_path):
    output = tmp_path / "job.out"
    submitted = slurm_cluster.run(
        "sbatch", "--parsable", "--wait", "--nodes=2", "--ntasks-per-node=1", f"--output={output}",
        "--wrap", "srun --label hostname",
    )  # fmt: skip
    job_id = submitted.stdout.strip()

    # The batch script runs on n1 and its srun asks slurmctld, over the network, for a task on each node.
    assert sorted(output.read_text().splitlines()) == ["0: n1", "1: n2"]
    job = slurm_cluster.job(job_id)
    assert (job["JobState"], job["NodeList"], job["ExitCode"]) == ("COMPLETED", "n[1-2]", "0:0")


def test_a_job_on_a_node_reaches_a_server_on_the_host_bridge_address(slurm_cluster):
    received = {}
    with socket.create_server((slurm_cluster.host_address, 0)) as server:
        server.settimeout(60)
        port = server.getsockname()[1]

        def serve():
            connection, (peer, _) = server.accept()
            with connection:
                received.update(peer=peer, message=connection.recv(100).decode())

        serving = threading.Thread(target=serve)
        serving.start()
        client = (
            "import os, socket; "
            f"socket.create_connection(({slurm_cluster.host_address!r}, {port}), timeout=10)"
            ".sendall(os.uname().nodename.encode())"
        )
        slurm_cluster.run("srun", "--nodes=1", "--nodelist=n2", "python3", "-c", client)
        serving.join(timeout=30)

    # The connection came from n2's own address on the bridge: it crossed the veth pair, not loopback.
    assert received == {"peer": "10.231.7.12", "message": "n2"}


def test_scancel_leaves_nothing_in_squeue_and_nothing_running_on_the_nodes(slurm_cluster):
    job_ids = [
        slurm_cluster.run(
            "sbatch", "--parsable", f"--nodelist={node}", "--output=/dev/null", "--wrap", "sleep 300"
        ).stdout.strip()
        for node in slurm_cluster.nodes
    ]
    wait_until(
        lambda: [job["state"] for job in slurm_cluster.squeue()] == ["RUNNING", "RUNNING"], what="both jobs running"
    )
    for node in slurm_cluster.nodes:
        # RUNNING is said once the node accepted the job; its batch step starts the command a moment later.
        wait_until(lambda on=node: "sleep 300" in slurm_cluster.node_processes(on), what=f"the job's sleep on {node}")

    slurm_cluster.run("scancel", *job_ids)

    wait_until(lambda: slurm_cluster.squeue() == [], what="an empty squeue")
    assert [slurm_cluster.job(job_id)["JobState"] for job_id in job_ids] == ["CANCELLED", "CANCELLED"]
    for node in slurm_cluster.nodes:
        assert "sleep 300" not in slurm_cluster.node_processes(node)


def test_down_leaves_nothing_behind_even_with_a_job_running_and_up_starts_again(slurm_cluster):
    job_id = slurm_cluster.run("sbatch", "--parsable", "--output=/dev/null", "--wrap", "sleep 300").stdout.strip()
    wait_until(lambda: slurm_cluster.job(job_id)["JobState"] == "RUNNING", what="the job running")
    assert slurm_cluster.leftovers()["processes"], "the cluster's own processes should be found while it runs"

    slurm_cluster.down()
    assert slurm_cluster.leftovers() == {"processes": [], "namespaces": [], "links": [], "addresses": []}
    slurm_cluster.down()  # idempotent: nothing left to stop

    # Up again, for any test after this one: an empty queue and both nodes at work.
    slurm_cluster.up()
    assert slurm_cluster.squeue() == []
    listed = slurm_cluster.run("srun", "--nodes=2", "--label", "hostname").stdout
    assert sorted(listed.splitlines()) == ["0: n1", "1: n2"]
