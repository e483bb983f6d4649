"""The QA side of the history: the metrics the runs measure and the specifications they are held to."""

from collections import defaultdict

from bench import shapes
from bench.history.base import History
from bench.shapes import Plan
from qa.models import Metric, Specification


def metrics(history: History, rng, plan: Plan) -> dict[str, list[Metric]]:
    """The metrics, round-robin over the task labels so that every step has some (a resource metric and a
    science metric first, so that small scales have both); task label -> metrics."""
    candidates = []
    tasks = [task for _subset, labels, _kind in shapes.STEP_KINDS for task in labels]
    science = [
        [
            (f"analysis_tools.{task}.{key}", unit, centre, spread, higher, "science")
            for key, unit, centre, spread, higher in shapes.TASK_METRIC_KEYS
        ]
        for task in tasks
    ]
    per_task = [
        [
            (f"resources.{task}.run_time", "s", 95.0 + 40 * (n % 5), 0.35, False, "resource"),
            science[n][0],
            (f"resources.{task}.max_rss", "MB", 1800.0 + 300 * (n % 4), 0.08, False, "resource"),
            *science[n][1:],
            (f"resources.{task}.run_time_cpu", "s", 80.0 + 30 * (n % 5), 0.35, False, "resource"),
        ]
        for n, task in enumerate(tasks)
    ]
    for round_ in range(max(len(options) for options in per_task)):
        for task, options in zip(tasks, per_task, strict=True):
            if round_ < len(options):
                candidates.append((task, *options[round_]))
    by_task: dict[str, list[Metric]] = defaultdict(list)
    for task, name, unit, centre, spread, higher, kind in candidates[: plan.metrics]:
        metric = history.add(
            Metric(
                name=name,
                unit=unit,
                description=f"{name.split('.')[-1]} of {task}",
                higher_is_better=higher,
            )
        )
        by_task[task].append(metric)
        history.metrics.append({"id": metric.pk, "name": name, "centre": centre, "spread": spread, "kind": kind})
    return by_task


def specifications(history, rng, metrics, releases) -> None:
    science = [m for m in history.metrics if m["kind"] == "science"]
    resources = [m for m in history.metrics if m["name"].endswith(".max_rss")]
    for index, metric in enumerate(science[::3] + resources[::4]):
        higher = metric["name"].endswith((".zeropoint", ".nSources"))
        operator = ">=" if higher else "<="
        centre, spread = metric["centre"], metric["spread"] * (metric["centre"] if metric["kind"] != "science" else 1)
        for level, offset, blocking in (
            ("minimum", 2.5, index % 2 == 0),
            ("design", 1.0, False),
            ("stretch", 0.2, False),
        ):
            threshold = centre - offset * spread if higher else centre + offset * spread
            history.add(
                Specification(
                    metric_id=metric["id"],
                    level=level,
                    statistic="p95" if metric["kind"] == "resource" else "median",
                    operator=operator,
                    threshold=round(threshold, 4),
                    blocking=blocking,
                    min_release_id=releases[len(releases) // 2].pk if index % 5 == 4 else None,
                )
            )
        if index < 2:  # a per-band requirement, as in the SRD (r and i)
            history.add(
                Specification(
                    metric_id=metric["id"],
                    level="design",
                    statistic="median",
                    operator=operator,
                    threshold=round(centre + (-1 if higher else 1) * 0.8 * spread, 4),
                    tag_key="band",
                    tag_value="ri"[index],
                )
            )
