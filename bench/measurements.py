"""QA measurements, made fast: per run, one metric value per (data ID, metric), streamed as COPY text.

Values follow each metric's centre and spread (resources log-normal, science
metrics normal) and drift a little from release to release, so that run
comparisons flag something. Tags are the quanta's data IDs, as the stack-side
reader sends them and as the console stores them (values as text:
``qa.ingest_rows._tag_texts``): visit-level steps ``instrument, visit, detector, band,
physical_filter``; coadd steps ``skymap, tract, patch, band``; tract-level
steps ``skymap, tract, band``.
"""

import json
import math
from collections.abc import Iterator
from datetime import timedelta

import numpy as np

from bench import shapes
from bench.history import RunShape

TAG_COLUMNS = {
    "visit": ("instrument", "visit", "detector", "band", "physical_filter"),
    "patch": ("skymap", "tract", "patch", "band"),
    "tract": ("skymap", "tract", "band"),
}


# The run with the most measurements holds this share of them all (150,000 at scale 1): the QA page
# and the comparison are measured on it. It is one of the latest runs (the largest campaigns are the
# newest), so that the comparison form offers it among its latest runs, as it would in production.
LARGEST_RUN_SHARE = 0.03
LATEST_RUNS = 0.05


def allocate(runs: list[RunShape], total: int) -> list[int]:
    """Rows per run, in proportion to each run's succeeded quanta times its metrics, adding up to ``total``;
    the largest of the latest runs gets ``LARGEST_RUN_SHARE`` of them."""
    weights = np.array([run.weight for run in runs], dtype=float)
    ended = np.array([run.ended_at.timestamp() for run in runs])
    latest = np.flatnonzero(ended >= np.quantile(ended, 1 - LATEST_RUNS))
    largest = int(latest[weights[latest].argmax()])
    others = weights.sum() - weights[largest]
    weights[largest] = max(weights[largest], others * LARGEST_RUN_SHARE / (1 - LARGEST_RUN_SHARE))
    shares = weights / weights.sum() * total
    budgets = np.floor(shares).astype(int)
    budgets[np.argsort(shares - budgets)[::-1][: total - int(budgets.sum())]] += 1
    return budgets.tolist()


def data_ids(kind: str, count: int, visit_base: int) -> list[dict[str, str]]:
    """``count`` data IDs of a step's quanta (tag values as text, as the console stores them)."""
    ids = []
    for i in range(count):
        if kind == "visit":
            visit = visit_base + i // shapes.DETECTORS
            band = shapes.BANDS[visit * 7 % len(shapes.BANDS)]
            tags = {
                "instrument": shapes.INSTRUMENT,
                "visit": visit,
                "detector": i % shapes.DETECTORS,
                "band": band,
                "physical_filter": f"{band}_sim_1.4",
            }
        elif kind == "patch":
            tract = shapes.TRACTS[i // (shapes.PATCHES * len(shapes.BANDS)) % len(shapes.TRACTS)]
            patch = i // len(shapes.BANDS) % shapes.PATCHES
            tags = {
                "skymap": shapes.SKYMAP,
                "tract": tract,
                "patch": patch,
                "band": shapes.BANDS[i % len(shapes.BANDS)],
            }
        else:
            tract = shapes.TRACTS[i % len(shapes.TRACTS)]
            band = shapes.BANDS[i // len(shapes.TRACTS) % len(shapes.BANDS)]
            tags = {"skymap": shapes.SKYMAP, "tract": tract, "band": band}
        ids.append({key: str(value) for key, value in tags.items()})
    return ids


def run_rows(run: RunShape, budget: int, metrics: dict[int, dict], rng: np.random.Generator):
    """The run's rows as arrays: metric index, value, data ID index; and its data IDs and their times."""
    k = len(run.metric_ids)
    q = math.ceil(budget / k)
    index = np.arange(budget)
    metric_index, data_index = index % k, index // k
    described = [metrics[pk] for pk in run.metric_ids]
    centre = np.array([m["centre"] for m in described])[metric_index]
    spread = np.array([m["spread"] for m in described])[metric_index]
    resource = np.array([m["kind"] == "resource" for m in described])[metric_index]
    z = rng.standard_normal(budget)
    drift = 1.0 + 0.015 * run.release_index
    log_normal = centre * drift * np.exp(np.where(resource, spread * z, 0.0))
    values = np.where(resource, log_normal, centre + spread * (z + 0.05 * run.release_index))
    ids = data_ids(run.data_id_kind, q, run.visit_base)
    span = (run.ended_at - run.started_at).total_seconds()
    times = [run.started_at + timedelta(seconds=span * i / q) for i in range(q)]
    return metric_index, values, data_index, ids, times


def copy_text(run: RunShape, budget: int, metrics: dict[int, dict], rng: np.random.Generator) -> str:
    """``submission_id, metric_id, value, tags, measured_at`` lines (COPY text format) of one run."""
    metric_index, values, data_index, ids, times = run_rows(run, budget, metrics, rng)
    prefix = [f"{run.submission_id}\t{pk}\t" for pk in run.metric_ids]
    suffix = [f"\t{json.dumps(tags)}\t{when.isoformat()}\n" for tags, when in zip(ids, times, strict=True)]
    return "".join(
        [
            prefix[m] + f"{v:.6g}" + suffix[d]
            for m, v, d in zip(metric_index.tolist(), values.tolist(), data_index.tolist(), strict=True)
        ]
    )


def stream(runs: list[RunShape], budgets: list[int], metrics: dict[int, dict], seed: int) -> Iterator[bytes]:
    """COPY text of every run's measurements, one run at a time (memory stays at one run's rows)."""
    rng = np.random.default_rng(seed)
    for run, budget in zip(runs, budgets, strict=True):
        if budget:
            yield copy_text(run, budget, metrics, rng).encode()


def csv_and_copy(
    run: RunShape, rows: int, metrics: dict[int, dict], names: dict[int, str], submission_id: int, seed: int
) -> Iterator[tuple[bytes, bytes]]:
    """The same rows twice, in chunks: a CSV file as people upload it (``metric, value, measured_at`` and
    one column per tag), and the COPY text of what the console stores for them (the ingest baseline)."""
    rng = np.random.default_rng(seed)
    columns = TAG_COLUMNS[run.data_id_kind]
    header = ",".join(("metric", "value", "measured_at", *columns)) + "\n"
    chunk = 200_000
    done = 0
    while done < rows:
        size = min(chunk, rows - done)
        # Each chunk goes on with new visits (for visit-level steps) rather than repeating the first ones.
        skip = math.ceil(done / len(run.metric_ids) / shapes.DETECTORS)
        shifted = RunShape(**{**run.__dict__, "visit_base": run.visit_base + skip})
        metric_index, values, data_index, ids, times = run_rows(shifted, size, metrics, rng)
        stamps = [when.isoformat() for when in times]
        csv_tail = [",".join(tags[c] for c in columns) for tags in ids]
        copy_tail = [f"\t{json.dumps(tags)}\t{stamp}\n" for tags, stamp in zip(ids, stamps, strict=True)]
        metric_names = [names[pk] for pk in run.metric_ids]
        metric_ids = [f"{submission_id}\t{pk}\t" for pk in run.metric_ids]
        texts = [f"{v:.6g}" for v in values.tolist()]
        pairs = list(zip(metric_index.tolist(), texts, data_index.tolist(), strict=True))
        csv = "".join([f"{metric_names[m]},{t},{stamps[d]},{csv_tail[d]}\n" for m, t, d in pairs])
        copy = "".join([metric_ids[m] + t + copy_tail[d] for m, t, d in pairs])
        yield ((header if done == 0 else "") + csv).encode(), copy.encode()
        done += size
