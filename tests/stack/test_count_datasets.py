"""Counting a campaign's datasets with the real Butler, over a small demo repository; run in the stack venv:

PYTHONPATH=. .stack-venv/bin/python -m unittest discover -s tests/stack -t .
"""

import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

from lsst.daf.butler import Butler

from console_stack.count_datasets import main
from console_stack.make_demo_repo import INPUT_RUN, RAW_DATASET_TYPE, build_repo


def run(*args: str) -> tuple[int, dict | None, str]:
    """Exit code, printed JSON (None when nothing was printed) and stderr of the command."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit:  # argparse refusing the arguments
            code = exit.code
    return code, json.loads(out.getvalue()) if out.getvalue() else None, err.getvalue()


class CountDatasetsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.repo = str(Path(cls.tmp.name, "repo"))
        build_repo(cls.repo, visits=2, detectors=4)  # 8 demo_raw in DemoCam/raw/all
        butler = Butler.from_config(cls.repo, writeable=True)
        try:
            butler.registry.registerRun("demo/empty-1")  # a run that holds nothing
        finally:
            butler.close()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_it_counts_each_type_over_the_collections_that_exist(self):
        code, result, _ = run(
            self.repo,
            "--collections",
            f"{INPUT_RUN},demo/never-ran",
            "--collections",
            "demo/empty-1",
            "--types",
            f"{RAW_DATASET_TYPE},demo_calexp",
        )

        self.assertEqual(code, 0)
        self.assertEqual(result["counts"], {RAW_DATASET_TYPE: 8, "demo_calexp": 0})
        self.assertEqual(result["missing_collections"], ["demo/never-ran"])
        self.assertEqual(result["unregistered_types"], ["demo_calexp"])

    def test_a_registered_type_absent_from_the_collections_counts_zero(self):
        code, result, _ = run(self.repo, "--collections", "demo/empty-1", "--types", RAW_DATASET_TYPE)

        self.assertEqual(code, 0)
        self.assertEqual(result, {"counts": {RAW_DATASET_TYPE: 0}, "missing_collections": [], "unregistered_types": []})

    def test_no_collection_at_all_counts_zero_without_a_query(self):
        code, result, _ = run(self.repo, "--types", RAW_DATASET_TYPE)

        self.assertEqual((code, result["counts"]), (0, {RAW_DATASET_TYPE: 0}))

    def test_an_unreadable_repository_exits_1_naming_it(self):
        missing = str(Path(self.tmp.name, "no-repo"))
        code, result, stderr = run(missing, "--collections", INPUT_RUN, "--types", RAW_DATASET_TYPE)

        self.assertEqual((code, result), (1, None))
        self.assertIn(f"cannot count datasets in {missing}", stderr)

    def test_no_dataset_type_is_a_bad_argument(self):
        code, _, stderr = run(self.repo, "--collections", INPUT_RUN, "--types", ",")

        self.assertEqual(code, 2)
        self.assertIn("--types names no dataset type", stderr)


if __name__ == "__main__":
    unittest.main()
