"""A dimension's values read from a real Butler repository (the demo's: 2 visits x 4 detectors); run in the stack
venv with the other tests of tests/stack (``make test``'s second line)."""

import contextlib
import io
import json
import tempfile
import unittest
from pathlib import Path

from console_stack import make_demo_repo
from console_stack.dimension_values import DimensionValuesError, dimension_values, main

INPUTS = [make_demo_repo.INPUT_CHAIN]


class DimensionValuesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.repo = str(Path(cls.tmp.name, "demo-repo"))
        with contextlib.redirect_stdout(io.StringIO()):
            assert make_demo_repo.main([cls.repo]) == 0

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_it_reads_the_visits_with_data_in_the_input_collections(self):
        self.assertEqual(dimension_values(self.repo, "visit", collections=INPUTS), [1001, 1002])

    def test_the_collections_keep_out_what_has_no_data(self):
        # DemoCam has 16 detectors; the demo's data is of 4 of them.
        self.assertEqual(len(dimension_values(self.repo, "detector")), 16)
        self.assertEqual(dimension_values(self.repo, "detector", collections=INPUTS), [0, 1, 2, 3])

    def test_the_query_narrows_the_values_with_the_only_instrument_as_default(self):
        values = dimension_values(self.repo, "detector", where="visit = 1002 AND detector > 1", collections=INPUTS)
        self.assertEqual(values, [2, 3])
        self.assertEqual(dimension_values(self.repo, "visit", where="visit > 1001", collections=INPUTS), [1002])

    def test_it_names_an_unknown_dimension_a_bad_query_and_a_missing_collection(self):
        with self.assertRaisesRegex(DimensionValuesError, "no dimension 'vist'.*visit"):
            dimension_values(self.repo, "vist")
        with self.assertRaisesRegex(DimensionValuesError, "parse"):
            dimension_values(self.repo, "visit", where="visit >")
        with self.assertRaisesRegex(DimensionValuesError, "no/such"):
            dimension_values(self.repo, "visit", collections=["no/such"])

    def test_the_command_prints_one_json_object(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = main([self.repo, "visit", "--collections", ",".join(INPUTS), "--where", "detector = 0"])
        self.assertEqual(code, 0)
        self.assertEqual(json.loads(out.getvalue()), {"dimension": "visit", "values": [1001, 1002]})
        with contextlib.redirect_stderr(io.StringIO()) as err:
            self.assertEqual(main([str(Path(self.tmp.name, "none")), "visit"]), 1)
        self.assertIn("cannot open the Butler repository", err.getvalue())


if __name__ == "__main__":
    unittest.main()
