"""The reliability suite's figures (issue 8): faults injected, API fuzz cases, authorization matrix cells and
browser pages walked, gathered while the tests run and printed at the end of pytest's summary (and written to
``test-results/reliability.json`` beside the screenshots, ``reliability-<lane>.json`` for a lane of scripts/run-tests).

A test records what it did and what it found, e.g. ``reliability_record("fault", "broker down at request",
submissions=1, lost=0, duplicated=0)``; the summary adds them up per kind.
"""

import json
import os
from collections import defaultdict
from pathlib import Path

_LANE = os.environ.get("CONSOLE_TEST_LANE", "")
RESULTS_FILE = Path(__file__).resolve().parents[2] / "test-results" / f"reliability{'-' + _LANE if _LANE else ''}.json"

_records: list[dict] = []

KIND_TITLES = {
    "fault": "Faults injected",
    "fuzz": "Schemathesis (API fuzzing per role, every check)",
    "matrix": "Authorization matrix",
    "walk": "Browser walk per role",
}


def reliability_record(kind: str, name: str, **figures: int | str) -> None:
    """Note one fault injected, one fuzzed role, one matrix, one walked role, with its figures."""
    if kind not in KIND_TITLES:
        raise ValueError(f"Unknown reliability kind {kind!r}; one of {', '.join(KIND_TITLES)}.")
    _records.append({"kind": kind, "name": name, **figures})


def reliability_summary_lines() -> list[str]:
    """The lines printed at the end of the run; empty when no reliability test ran."""
    if not _records:
        return []
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for record in _records:
        by_kind[record["kind"]].append(record)
    lines = []
    for kind, title in KIND_TITLES.items():
        records = by_kind.get(kind, [])
        if not records:
            continue
        totals: dict[str, int] = defaultdict(int)
        for record in records:
            for key, value in record.items():
                if isinstance(value, int) and not isinstance(value, bool):
                    totals[key] += value
        total_text = ", ".join(f"{key} {value:,}" for key, value in totals.items())
        lines.append(f"{title}: {len(records)}" + (f" ({total_text})" if total_text else ""))
        for record in records:
            figures = ", ".join(f"{key} {value}" for key, value in record.items() if key not in ("kind", "name"))
            lines.append(f"  - {record['name']}" + (f": {figures}" if figures else ""))
    RESULTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(_records, indent=2) + "\n")
    return lines
