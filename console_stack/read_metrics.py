"""Print the QA measurements of a finished run: one JSON object per line, from its task metadata.

    python -m console_stack.read_metrics REPO RUN

For every ``<label>_metadata`` dataset in the output RUN collection:

- the task's own metric values, ``md[<label>][<key>]`` when numeric, as metric
  ``demo.<label>.<key>`` (unit unknown here; the console keeps the metric's own);
- its resource usage (``lsst.pipe.base.resource_usage.QuantumResourceUsage``) as
  ``resources.<label>.run_time`` (s), ``resources.<label>.run_time_cpu`` (s) and
  ``resources.<label>.max_rss`` (MB);

each with the quantum's data ID as tags and the quantum's start time as
``measured_at``. Output line: ``{"metric": .., "value": .., "tags": {..}, "measured_at": ..}``.
Exit 0 after the last line; 1 with a message on stderr if the RUN cannot be read.
The console streams this output into its bulk ingest (qa.ingest); nothing here imports Django.
"""

from __future__ import annotations

import json
import math
import sys

METRIC_PREFIX = "demo"


def measurements(repo: str, run: str):
    from lsst.daf.butler import Butler
    from lsst.pipe.base.resource_usage import QuantumResourceUsage

    butler = Butler.from_config(repo, collections=[run])
    try:
        metadata_types = [
            dataset_type
            for dataset_type in butler.registry.queryDatasetTypes("*_metadata")
            if dataset_type.name.endswith("_metadata")
        ]
        for dataset_type in metadata_types:
            label = dataset_type.name.removesuffix("_metadata")
            refs = butler.query_datasets(dataset_type, collections=run, explain=False)
            for ref in refs:
                metadata = butler.get(ref)
                tags = dict(ref.dataId.required.items())
                usage = QuantumResourceUsage.from_task_metadata(metadata)
                measured_at = usage.start.isoformat() if usage is not None else None
                if usage is not None:
                    yield _row(f"resources.{label}.run_time", usage.run_time, tags, measured_at)
                    yield _row(f"resources.{label}.run_time_cpu", usage.run_time_cpu, tags, measured_at)
                    yield _row(f"resources.{label}.max_rss", usage.memory / 1e6, tags, measured_at)
                if label in metadata:
                    for key, value in metadata[label].items():
                        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                            yield _row(f"{METRIC_PREFIX}.{label}.{key}", float(value), tags, measured_at)
    finally:
        butler.close()


def _row(metric: str, value: float, tags: dict, measured_at: str | None) -> dict:
    return {"metric": metric, "value": value, "tags": tags, "measured_at": measured_at}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m console_stack.read_metrics REPO RUN", file=sys.stderr)
        return 2
    try:
        for row in measurements(*args):
            sys.stdout.write(json.dumps(row, default=str) + "\n")
    except Exception as error:  # noqa: BLE001 - reported to the console as one message
        print(
            f"cannot read the measurements of {args[1]} in {args[0]}: {type(error).__name__}: {error}", file=sys.stderr
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
