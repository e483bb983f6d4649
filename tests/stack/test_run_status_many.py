"""``run_status --many``: the status of many submit directories from one process (the poller's batch); run in
the stack venv (see test_submit_dir.py)."""

import io
import json
import tempfile
import unittest
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import zstandard

from console_stack import run_status
from tests.stack.test_submit_dir import FAILED, QID


def make_submit_dir(root: Path, name: str, expected: int) -> Path:
    """A submit directory with a graph of ``expected`` measure quanta, one of which failed."""
    submit = root / name / "submit" / "demo" / name
    logs = submit / "logs" / "measure" / "1001"
    logs.mkdir(parents=True)
    compress = zstandard.ZstdCompressor().compress
    header = {
        "version": 1,
        "graph_type": "predicted",
        "output_run": f"demo/{name}",
        "n_task_quanta": {"measure": expected},
    }
    thin = {"quanta": {"measure": [{"quantum_id": QID, "data_coordinate": []}]}}
    with zipfile.ZipFile(submit / f"demo_{name}.qg", "w") as archive:
        archive.writestr("header.json.zst", compress(json.dumps(header).encode()))
        archive.writestr("thin_graph.json.zst", compress(json.dumps(thin).encode()))
    (logs / f"{QID}_measure_1001_2.stderr").write_text(FAILED)
    return submit


def run_main(stdin: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with mock.patch("sys.stdin", io.StringIO(stdin)), redirect_stdout(out), redirect_stderr(err):
        code = run_status.main(["--many"])
    return code, out.getvalue(), err.getvalue()


class RunStatusManyTest(unittest.TestCase):
    def test_each_directory_is_read_and_keyed_as_given_and_an_unreadable_one_spoils_none_of_the_others(self):
        with tempfile.TemporaryDirectory() as tmp:
            small = make_submit_dir(Path(tmp), "small", 3)
            large = make_submit_dir(Path(tmp), "large", 9)
            broken = make_submit_dir(Path(tmp), "broken", 2)
            (broken / "demo_broken.qg").write_bytes(b"not a zip")  # a graph being written
            given = [str(small), f"{tmp}/large/submit/demo/large/../large", str(broken), f"{tmp}/missing"]

            code, out, _ = run_main(json.dumps(given))

        self.assertEqual(code, 0)
        statuses = json.loads(out)
        self.assertEqual(list(statuses), given)
        self.assertEqual(
            statuses[given[0]]["tasks"],
            {"measure": {"expected": 3, "succeeded": 0, "failed": 1, "running": 0, "pending": 2}},
        )
        self.assertEqual(statuses[given[1]]["submit_dir"], str(large.resolve()))
        self.assertEqual(statuses[given[1]]["tasks"]["measure"]["expected"], 9)
        self.assertIn("error", statuses[given[2]])
        self.assertEqual(statuses[given[3]], {"error": f"{tmp}/missing is not a directory"})

    def test_input_that_is_not_a_list_of_paths_is_refused(self):
        for stdin in ("not json", '{"a": 1}', "[1, 2]"):
            code, out, err = run_main(stdin)
            self.assertEqual((code, out), (2, ""), stdin)
            self.assertIn("run_status --many", err)


if __name__ == "__main__":
    unittest.main()
