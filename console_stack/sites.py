"""The Slurm site the console renders into a campaign's BPS configuration (``campaigns.bps_config.site_section``).

ctrl_bps_parsl's ``Slurm`` site tells its workers to reach the interchange at the submit host's address by name,
which on a host whose name resolves to 127.0.0.1 (or to an address the compute nodes cannot reach) strands every
worker; and Parsl's default launcher starts every worker pool on the pilot job's first node. This site takes the
address the nodes reach (``site.<computeSite>.address``, the submit host's) and starts one pool per node
(``SrunLauncher``). ``heartbeat_threshold`` (seconds, Parsl's default 120) is how long the interchange waits to hear
from a node's pool before its tasks count as lost (a node that died): they fail, and a restart runs them again.
Checked on the two-node cluster of ``scripts/slurm-cluster``: the demo's 18 quanta ran on both
nodes, their workers connecting to the interchange over the cluster's network.
"""

from lsst.ctrl.bps.parsl.configuration import get_bps_config_value
from lsst.ctrl.bps.parsl.sites import slurm
from parsl.executors.base import ParslExecutor
from parsl.launchers import SrunLauncher

__all__ = ["Slurm"]


class Slurm(slurm.Slurm):
    """ctrl_bps_parsl's Slurm site, with the interchange's address from the configuration and a pool per node."""

    def get_address(self) -> str:
        return get_bps_config_value(self.site, "address", str) or super().get_address()

    def get_executors(self) -> list[ParslExecutor]:
        threshold = get_bps_config_value(self.site, "heartbeat_threshold", int, 120)
        heartbeats = {"heartbeat_threshold": threshold, "heartbeat_period": max(1, min(30, threshold // 4))}
        return [self.make_executor("slurm", provider_options={"launcher": SrunLauncher()}, executor_options=heartbeats)]
