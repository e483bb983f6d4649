"""Run every benchmark against PostgreSQL and print one table; exit 1 when a target is missed.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/campaign_console_bench \\
        .venv/bin/python -m bench.run --scale 0.01

1. Generate the history at the scale into the database (``bench.generate``; ``--reuse`` keeps a
   database generated at the same scale), and a small one beside it, ``<name>_probe`` at scale
   0.002, whose query counts the pages must not exceed (a count that grows with the data shows).
2. Run each benchmark in a process of its own, so that its peak resident memory is its own:
   pages and API (``bench.pages``), the same pages' query counts on the probe database, the
   poll cycle (``bench.poll``), the production loop over a campaign of 2,000 groups (``bench.groups``), QA
   ingestion (``bench.ingest``), the stack side (``bench.stack``: run status and report at 100,000 jobs, the
   real poll cycle of local runs, metrics from task metadata).
3. Print the table (``bench.table``): for each figure, the baseline measured in the same run, the ratio, the
   target and whether it is met. The figures are also written as JSON to
   ``$CONSOLE_DATA_DIR/bench/results-<scale>.json``; ``--markdown FILE`` writes the table as Markdown.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import db
from bench.table import Row, render_markdown, render_text, table_rows

PROBE_SCALE = 0.002
PARTS = ("pages", "pages-probe", "poll", "groups", "ingest", "stack")


# The orchestrating process --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--reuse", action="store_true", help="keep the databases if generated at this scale")
    parser.add_argument("--only", default=",".join(PARTS), help=f"a comma-separated subset of {','.join(PARTS)}")
    parser.add_argument("--ingest-rows", type=int, help="rows ingested (default: 1,000,000 x scale, 50,000 to 1e6)")
    parser.add_argument("--markdown", type=Path, help="also write the table as Markdown to this file")
    parser.add_argument("--part", choices=PARTS, help=argparse.SUPPRESS)  # a child process: one benchmark
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    database = db.bench_database()
    ingest_rows = args.ingest_rows or min(1_000_000, max(50_000, round(1_000_000 * args.scale)))
    if args.part:
        return _child(args.part, database, args.out, ingest_rows, args.scale)

    started = time.perf_counter()
    probe = database.sibling(f"{database.name}_probe")
    parts = [part for part in args.only.split(",") if part]
    if unknown := set(parts) - set(PARTS):
        parser.error(f"--only: unknown part(s) {', '.join(sorted(unknown))}; the parts are {', '.join(PARTS)}")
    meta = _generated(database, args.scale, args.reuse)
    if "pages-probe" in parts:
        _generated(probe, PROBE_SCALE, args.reuse)
    results = {}
    for part in parts:
        db.log(f"bench.run: {part} ...")
        results[part] = _run_child(part, probe if part == "pages-probe" else database, args.scale, ingest_rows)
    rows = table_rows(results)
    machine = machine_facts(database)
    text = render_text(rows)
    print(f"\nCampaign Console benchmarks at scale {args.scale:g} ({_describe(meta)})")
    print(f"Machine: {machine['summary']}")
    print(text)
    missed = [row for row in rows if row.verdict in ("MISSED", "ERROR")]
    print(
        f"\n{len(missed)} target(s) missed of {sum(row.verdict in ('ok', 'MISSED', 'ERROR') for row in rows)}; "
        f"{time.perf_counter() - started:.0f} s in all."
    )
    _save(args, meta, machine, results, rows)
    return 1 if missed else 0


def _describe(meta: dict) -> str:
    plan = meta["plan"]
    return (
        f"{plan['campaigns']} campaigns, {plan['steps']} steps, {plan['submissions']:,} submissions, "
        f"{plan['measurements']:,} measurements, {plan['milestones']:,} milestones, {plan['decisions']} decisions; "
        f"generated in {meta['seconds']:.0f} s"
    )


def _generated(database: db.Database, scale: float, reuse: bool) -> dict:
    from bench.generate import GENERATOR_VERSION

    meta = db.read_meta(database) if reuse else None
    if meta and meta.get("scale") == scale and meta.get("generator") == GENERATOR_VERSION:
        db.log(f"bench.run: reusing {database.name} (scale {scale:g}, generated {meta['generated_at']})")
        return meta
    env = {**os.environ, "DATABASE_URL": database.url}
    generated = subprocess.run(  # noqa: S603 - this interpreter, our own module
        [sys.executable, "-m", "bench.generate", "--scale", str(scale)], env=env, check=False
    )
    if generated.returncode != 0:
        raise db.BenchSetupError(f"generating {database.name} failed (exit {generated.returncode}; see above)")
    return db.read_meta(database)


def _run_child(part: str, database: db.Database, scale: float, ingest_rows: int) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as out:
        path = Path(out.name)
    command = [sys.executable, "-m", "bench.run", "--part", part, "--out", str(path), "--scale", str(scale)]
    command += ["--ingest-rows", str(ingest_rows)]
    env = {**os.environ, "DATABASE_URL": database.url}
    finished = subprocess.run(command, env=env, stderr=subprocess.PIPE, text=True, check=False)  # noqa: S603
    # The console logs every request (a JSON line at level info): kept, as in production, but not shown.
    for line in finished.stderr.splitlines():
        if not line.startswith('{"time"') or '"level": "info"' not in line:
            db.log(line)
    try:
        if finished.returncode != 0:
            return {"error": f"the {part} process exited with {finished.returncode} (its output is above)"}
        return json.loads(path.read_text())
    finally:
        path.unlink(missing_ok=True)


# One benchmark in its own process ------------------------------------------------------------------


def _child(part: str, database: db.Database, out: Path, ingest_rows: int, scale: float) -> int:
    from bench.measure import peak_rss_mb

    db.django_setup(database)
    start = time.perf_counter()
    if part in ("pages", "pages-probe"):
        from bench.pages import benchmark_pages

        result = benchmark_pages(counts_only=part == "pages-probe")
    elif part == "poll":
        from bench.poll import benchmark_poll

        result = benchmark_poll()
    elif part == "groups":
        from bench.groups import benchmark_groups

        result = benchmark_groups()
    elif part == "stack":
        from bench.stack import benchmark_stack

        result = benchmark_stack(scale)
    else:
        from bench.ingest import benchmark_ingest

        result = benchmark_ingest(database, rows=ingest_rows, orm_rows=min(20_000, max(2_000, ingest_rows // 50)))
    # The ingest benchmark restarts the peak before the console's call (bench.measure.reset_peak_rss).
    result["peak_rss_mb"] = round(max(peak_rss_mb(), result.get("peak_rss_before_ingest_mb", 0)), 1)
    result["seconds"] = round(time.perf_counter() - start, 1)
    out.write_text(json.dumps(result, default=str))
    return 0


def machine_facts(database: db.Database) -> dict:
    with open("/proc/meminfo") as meminfo:
        memory_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    with open("/proc/cpuinfo") as cpuinfo:
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "?")
    server = db.server_facts(database)
    facts = {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(memory_kb / 2**20, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        **server,
    }
    facts["summary"] = (
        f"{facts['nproc']} CPUs ({cpu}), {facts['memory_gb']} GB RAM, PostgreSQL {server['postgresql']} "
        f"(shared_buffers {server['shared_buffers']}, work_mem {server['work_mem']}), Python {facts['python']}"
    )
    return facts


def _save(args, meta: dict, machine: dict, results: dict, rows: list[Row]) -> None:
    folder = Path(os.environ.get("CONSOLE_DATA_DIR") or Path(__file__).resolve().parent.parent / "data") / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"results-{args.scale:g}.json"
    path.write_text(
        json.dumps(
            {
                "scale": args.scale,
                "generated": meta,
                "machine": machine,
                "results": results,
                "table": [row.__dict__ for row in rows],
            },
            indent=2,
            default=str,
        )
    )
    db.log(f"bench.run: figures written to {path}")
    if args.markdown:
        args.markdown.write_text(render_markdown(rows) + "\n")
        db.log(f"bench.run: Markdown table written to {args.markdown}")


if __name__ == "__main__":
    raise SystemExit(main())
