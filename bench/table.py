"""The table of ``bench.run``: one row per figure, with the baseline measured in the same run, the ratio,
the target and whether it is met; rendered as text for the terminal and as Markdown for bench/RESULTS.md."""

from dataclasses import dataclass

PAGE_MEDIAN_MS, PAGE_P95_MS = 300, 600
PAYLOAD_LIMIT = 1.5 * 2**20
INGEST_RATIO = 2.0
POLL_LIMIT_S = 5.0
POLL_LINEARITY = 1.5
RSS_LIMIT_MB = 1024
STATUS_SPEEDUP = 10.0  # run_status against pipetask report --force-v2 on the same run
METRICS_RATIO = 2.0  # read_metrics against a plain loop of butler.get


@dataclass
class Row:
    benchmark: str
    figure: str
    baseline: str = "—"
    ratio: str = "—"
    target: str = "—"
    verdict: str = "—"  # ok, MISSED, ERROR, missing, or — for figures without a target


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    return f"{count / 2**20:.2f} MB" if count >= 2**20 else f"{count / 1024:,.0f} KB"


def _ok(condition: bool) -> str:
    return "ok" if condition else "MISSED"


def table_rows(results: dict) -> list[Row]:
    rows = []
    if "ingest" in results:
        rows += _ingest_rows(results["ingest"])
    if "pages" in results:
        rows += _page_rows(results["pages"], results.get("pages-probe"))
    if "poll" in results:
        rows += _poll_rows(results["poll"])
    if "groups" in results:
        rows += _groups_rows(results["groups"])
    if "stack" in results:
        rows += _stack_rows(results["stack"])
    for part, result in results.items():
        if "peak_rss_mb" in result:
            peak = result["peak_rss_mb"]
            rows.append(
                Row(
                    f"Memory: the {part} process",
                    f"{peak:,.0f} MB peak RSS",
                    target="< 1 GB",
                    verdict=_ok(peak < RSS_LIMIT_MB),
                )
            )
        if "console_peak_rss_mb" in result:
            peak = result["console_peak_rss_mb"]
            rows.append(
                Row(
                    f"  of which while ingesting {result['rows']:,} rows (peak from the ingest's start)",
                    f"{peak:,.0f} MB peak RSS",
                    target="< 1 GB",
                    verdict=_ok(peak < RSS_LIMIT_MB),
                )
            )
    return rows


def _ingest_rows(result: dict) -> list[Row]:
    if "error" in result:
        return [Row("QA ingestion", result["error"], verdict="ERROR")]
    rows, copy_s, console_s = result["rows"], result["copy_seconds"], result["console_seconds"]
    ratio = console_s / copy_s
    same = result["same_rows"]["equal"]
    orm_rows, orm_s = result["orm_rows"], result["orm_seconds"]
    copy_share = copy_s * orm_rows / rows
    return [
        Row(
            f"QA ingestion of {rows:,} rows (ingest_metrics: CSV, validation, COPY)",
            f"{console_s:,.2f} s ({rows / console_s:,.0f} rows/s)",
            f"COPY {copy_s:,.2f} s ({rows / copy_s:,.0f} rows/s)",
            f"{ratio:.2f}x",
            f"≤ {INGEST_RATIO:g}x COPY" + ("" if same else "; stored rows differ!"),
            _ok(ratio <= INGEST_RATIO and same),
        ),
        Row(
            "  the same COPY without the table's foreign keys (their per-row checks at commit)",
            f"{result['copy_without_foreign_keys_seconds']:,.2f} s",
            f"COPY {copy_s:,.2f} s",
            f"{result['copy_without_foreign_keys_seconds'] / copy_s:.2f}x",
            "for the record",
        ),
        Row(
            f"Naive ORM loop, {orm_rows:,} rows (Measurement.objects.create)",
            f"{orm_s:,.2f} s ({orm_rows / orm_s:,.0f} rows/s)",
            f"COPY of {orm_rows:,} rows {copy_share:,.2f} s",
            f"{orm_s / copy_share:,.0f}x",
            "contrast, no target",
        ),
    ]


def _page_rows(result: dict, probe: dict | None) -> list[Row]:
    if "error" in result:
        return [Row("Pages", result["error"], verdict="ERROR")]
    probe_counts = {page["key"]: page for page in (probe or {}).get("pages", [])}
    rows = []
    for page in result["pages"]:
        label = page["label"]
        if page["missing"]:
            rows.append(Row(label, f"not measured: {page['missing']}", verdict="missing"))
            continue
        if page["error"]:
            rows.append(Row(label, page["error"][:120], verdict="ERROR"))
            continue
        timing, sql = page["timing"], page["sql"]
        fast = timing["median"] * 1000 < PAGE_MEDIAN_MS and timing["p95"] * 1000 < PAGE_P95_MS
        rows.append(
            Row(
                f"{label}: time",
                f"median {_ms(timing['median'])}, p95 {_ms(timing['p95'])}",
                f"its SQL {_ms(sql['median'])}",
                f"{timing['median'] / sql['median']:.1f}x" if sql["median"] else "—",
                f"median < {PAGE_MEDIAN_MS} ms, p95 < {PAGE_P95_MS} ms",
                _ok(fast),
            )
        )
        other = probe_counts.get(page["key"])
        if other and not other.get("error") and not other.get("missing"):
            rows.append(
                Row(
                    f"{label}: queries",
                    f"{page['queries']} ({page['essential_queries']} of data)",
                    f"{other['queries']} on the probe database",
                    f"{page['queries'] / other['queries']:.2f}x",
                    "≤ probe (does not grow)",
                    _ok(page["queries"] <= other["queries"]),
                )
            )
        else:
            rows.append(
                Row(
                    f"{label}: queries",
                    f"{page['queries']} ({page['essential_queries']} of data)",
                    "probe not measured",
                )
            )
        rows.append(
            Row(
                f"{label}: payload", _size(page["bytes"]), target="< 1.5 MB", verdict=_ok(page["bytes"] < PAYLOAD_LIMIT)
            )
        )
    return rows


def _poll_rows(result: dict) -> list[Row]:
    if "error" in result:
        return [Row("Poll cycle", result["error"], verdict="ERROR")]
    rows = []
    previous = None
    for cycle in result["cycles"]:
        median = cycle["median"]
        figure = f"{_ms(median)} ({median / cycle['polled'] * 1000:.2f} ms each, {cycle['queries']} queries)"
        label = f"Poll cycle over {cycle['polled']:,} running submissions (stand-in adapter)"
        if previous is None:
            rows.append(Row(label, figure))
        else:
            expected = previous["median"] * cycle["polled"] / previous["polled"]
            linear = median / expected
            if cycle["running"] == 1_000:
                target, met = f"< {POLL_LIMIT_S:g} s", median < POLL_LIMIT_S
            else:
                target, met = f"≤ {POLL_LINEARITY:g}x linear", linear <= POLL_LINEARITY
            rows.append(
                Row(
                    label,
                    figure,
                    f"linear from {previous['polled']:,}: {_ms(expected)}",
                    f"{linear:.2f}x",
                    target,
                    _ok(met),
                )
            )
        previous = cycle
    return rows


def _groups_rows(result: dict) -> list[Row]:
    """The production loop's cycle (poll, dispatch, advance) over a campaign split into groups: the steady cycle and
    the one that acts on every failure, each linear within POLL_LINEARITY from the smallest size."""
    if "error" in result:
        return [Row("Groups cycle", result["error"], verdict="ERROR")]
    rows = []
    first = result["cycles"][0]
    for cycle in result["cycles"]:
        for kind, label, timings in (
            ("steady", "steady", cycle),
            ("acting", f"acting on {cycle['held']:,} failures", cycle["acting"]),
        ):
            median = timings["median"]
            name = f"Poll+dispatch+advance, {cycle['groups']:,} groups, {label}"
            figure = f"{_ms(median)}" + (f" ({cycle['queries']} queries)" if kind == "steady" else "")
            if cycle is first:
                rows.append(Row(name, figure))
                continue
            base = first if kind == "steady" else first["acting"]
            expected = base["median"] * cycle["groups"] / first["groups"]
            linear = median / expected
            rows.append(
                Row(
                    name,
                    figure,
                    f"linear from {first['groups']:,}: {_ms(expected)}",
                    f"{linear:.2f}x",
                    f"≤ {POLL_LINEARITY:g}x linear",
                    _ok(linear <= POLL_LINEARITY),
                )
            )
    return rows


def _cpu(seconds: float) -> str:
    return f"{_ms(seconds)} CPU"


def _stack_rows(result: dict) -> list[Row]:
    """The stack side (bench.stack): a run's status and report against pipetask report, the real poll cycle of
    local runs, read_metrics against plain Butler reads; CPU time, each larger size within POLL_LINEARITY of
    linear from the smaller."""
    if "error" in result:
        return [Row("Stack side", result["error"], verdict="ERROR")]
    rows = []
    small = result["runs"][0]
    for run in result["runs"]:
        jobs, seen = run["jobs"], "" if run["counts_match"] else "; counts differ from the run!"
        speedup = run["pipetask_cpu"] / run["status_cpu"]
        rows.append(
            Row(
                f"run_status of a run of {jobs:,} jobs (CPU per call)",
                _cpu(run["status_cpu"]),
                f"pipetask report --force-v2 {_cpu(run['pipetask_cpu'])}",
                f"{run['status_cpu'] / run['pipetask_cpu']:.3f}x ({speedup:,.0f}x faster)",
                f"≤ {1 / STATUS_SPEEDUP:g}x pipetask report" + seen,
                _ok(speedup >= STATUS_SPEEDUP and run["counts_match"]),
            )
        )
        rows.append(
            Row(
                f"run_report of a run of {jobs:,} jobs (CPU per call, counts from the {run['report_source']})",
                _cpu(run["report_cpu"]),
                f"pipetask report --force-v2 {_cpu(run['pipetask_cpu'])}",
                f"{run['report_cpu'] / run['pipetask_cpu']:.2f}x",
                "for the record",
            )
        )
        if run is small:
            continue
        for name, key in (("run_status", "status_cpu"), ("run_report", "report_cpu")):
            expected = small[key] * jobs / small["jobs"]
            linear = run[key] / expected
            rows.append(
                Row(
                    f"  {name} of {jobs:,} jobs, linear from {small['jobs']:,}",
                    _cpu(run[key]),
                    f"linear: {_cpu(expected)}",
                    f"{linear:.2f}x",
                    f"≤ {POLL_LINEARITY:g}x linear",
                    _ok(linear <= POLL_LINEARITY),
                )
            )
    poll = result["poll"]
    first = poll["cycles"][0]
    limit = poll["interval"] / 2
    for cycle in poll["cycles"]:
        running = cycle["running"]
        label = f"Poll cycle over {running:,} local runs going (real LocalParslAdapter)"
        figure = (
            f"{_ms(cycle['median'])} ({_cpu(cycle['cpu'])}, {cycle['stack_processes']} stack process"
            f"{'es' if cycle['stack_processes'] != 1 else ''})"
        )
        followed = cycle["followed"] == running
        if cycle is first:
            before = poll["one_by_one"]
            rows.append(
                Row(
                    label,
                    figure,
                    f"one stack process per run (poll): {_ms(before['wall'])} ({_cpu(before['cpu'])})",
                    f"{cycle['median'] / before['wall']:.2f}x",
                    "every run followed",
                    _ok(followed),
                )
            )
            continue
        expected = first["median"] * running / first["running"]
        linear = cycle["median"] / expected
        rows.append(
            Row(
                label,
                figure,
                f"linear from {first['running']:,}: {_ms(expected)}",
                f"{linear:.2f}x",
                f"≤ {POLL_LINEARITY:g}x linear" + ("" if followed else "; runs not followed!"),
                _ok(linear <= POLL_LINEARITY and followed),
            )
        )
        rows.append(
            Row(
                f"  the same cycle against the poll interval ({poll['interval']} s)",
                _ms(cycle["median"]),
                f"interval {poll['interval']} s",
                f"{cycle['median'] / poll['interval']:.2f}x",
                f"< {limit:g} s (half the interval)",
                _ok(cycle["median"] < limit),
            )
        )
    metrics = result["metrics"]
    ratio = metrics["console_cpu"] / metrics["loop_cpu"]
    same = metrics["read"] == metrics["datasets"]
    rows.append(
        Row(
            f"read_metrics of {metrics['datasets']:,} task metadata datasets ({metrics['rows']:,} rows)",
            _cpu(metrics["console_cpu"]),
            f"loop of butler.get {_cpu(metrics['loop_cpu'])}",
            f"{ratio:.2f}x",
            f"≤ {METRICS_RATIO:g}x the loop" + ("" if same else "; the loop read another count!"),
            _ok(ratio <= METRICS_RATIO and same),
        )
    )
    return rows


def render_text(rows: list[Row]) -> str:
    header = Row("Benchmark", "Figure", "Baseline (same run)", "Ratio", "Target", "Result")
    table = [header, *rows]
    widths = [max(len(getattr(row, name)) for row in table) for name in Row.__dataclass_fields__]
    lines = []
    for index, row in enumerate(table):
        cells = [getattr(row, name).ljust(width) for name, width in zip(Row.__dataclass_fields__, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def render_markdown(rows: list[Row]) -> str:
    names = list(Row.__dataclass_fields__)
    lines = [
        "| Benchmark | Figure | Baseline (same run) | Ratio | Target | Result |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append("| " + " | ".join(getattr(row, name).replace("|", "\\|") for name in names) + " |")
    return "\n".join(lines)
