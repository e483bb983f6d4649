"""The console's Slurm site (console_stack/sites.py), in the stack's environment."""

import unittest

from lsst.ctrl.bps import BpsConfig
from lsst.ctrl.bps.parsl.sites.slurm import Slurm as CtrlBpsParslSlurm
from parsl.launchers import SrunLauncher

from console_stack.sites import Slurm


class SlurmSiteTest(unittest.TestCase):
    def config(self, **site) -> BpsConfig:
        settings = {"class": "console_stack.sites.Slurm", "nodes": 2, "walltime": "00:20:00", **site}
        return BpsConfig({"computeSite": "cluster", "site": {"cluster": settings}, "operator": "console"})

    def test_the_interchange_address_is_the_configured_one_and_each_node_gets_a_pool(self):
        site = Slurm(self.config(address="10.231.7.1"))
        self.assertIsInstance(site, CtrlBpsParslSlurm)
        self.assertEqual(site.get_address(), "10.231.7.1")
        (executor,) = site.get_executors()
        self.assertEqual(executor.address, "10.231.7.1")
        self.assertIsInstance(executor.provider.launcher, SrunLauncher)
        self.assertEqual(executor.provider.nodes_per_block, 2)

    def test_without_an_address_it_falls_back_to_the_hosts_name(self):
        site = Slurm(self.config())
        self.assertTrue(site.get_address())


if __name__ == "__main__":
    unittest.main()
