"""Benchmark `make run`: the whole notebook collection with 1 job and with 2 jobs.

Runs exactly what `make run` runs (``etwin run --plan notebooks/runs.yaml``) in a fresh output
folder with ``--force`` (nothing skipped), as a separate process, and reads the per-run timings
the runner records in ``runs.json``:

- wall time of the whole command (what a user waits for), median over ``--repeats``;
- CPU seconds of the command and all its descendants (workers, kernels) and the cores that
  amounts to (CPU / wall): on a shared machine this shows how much of it the batch really got;
- the sum of per-run durations (process start to rendered HTML);
- kernel start: seconds from papermill's notebook start to its first cell (starting the
  ``etwin`` kernel), summed over runs, and its share of the summed run time;
- worker start: Python start-up and imports of each run's worker process before papermill.

Targets (issue 7): the whole collection under 3 minutes with 2 jobs, and 2 jobs at least 1.6x
faster than 1 job on the 2-core machine.

    .venv/bin/python benchmarks/bench_run.py [--jobs 1 2] [--repeats 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ETWIN = Path(sys.executable).parent / "etwin"
PLAN = REPO / "notebooks" / "runs.yaml"
COLUMNS = (
    "wall",
    "cpu",
    "cores_used",
    "load_before",
    "run_time_sum",
    "longest_run",
    "kernel_start_sum",
    "process_start_sum",
    "kernel_share",
    "process_share",
)


def one_batch(jobs: int, out: Path) -> dict:
    cmd = [str(ETWIN), "run", "--plan", str(PLAN), "--out", str(out), "--jobs", str(jobs)]
    cmd.append("--force")
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU of every reaped descendant: etwin run, its workers and their kernels.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    runs = json.loads((out / "runs.json").read_text())["runs"]
    timings = [r.get("timings") or {} for r in runs]
    durations = [r.get("duration") or 0 for r in runs]
    total = sum(durations)
    kernel = sum(t.get("kernel_start") or 0 for t in timings)
    process = sum(t.get("process_start") or 0 for t in timings)
    return {
        "jobs": jobs,
        "exit": proc.returncode,
        "runs": len(runs),
        "ok": sum(r["status"] == "ok" for r in runs),
        "wall": wall,
        "cpu": cpu,
        "cores_used": cpu / wall,
        "load_before": load,
        "run_time_sum": total,
        "longest_run": max(durations, default=0),
        "kernel_start_sum": kernel,
        "process_start_sum": process,
        "kernel_share": kernel / total if total else float("nan"),
        "process_share": process / total if total else float("nan"),
        "stderr": proc.stderr[-2000:] if proc.returncode else "",
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=1, help="batches per job count (median)")
    args = p.parse_args(argv)
    rows = []
    for jobs in args.jobs:
        batches = []
        for _ in range(args.repeats):
            with tempfile.TemporaryDirectory(prefix=f"bench-run-{jobs}-") as tmp:
                batches.append(one_batch(jobs, Path(tmp) / "reports"))
            b = batches[-1]
            print(
                f"jobs={jobs}: wall {b['wall']:.1f} s, {b['ok']}/{b['runs']} ok, exit {b['exit']}",
                file=sys.stderr,
            )
            if b["stderr"]:
                print(b["stderr"], file=sys.stderr)
        row = {k: statistics.median(b[k] for b in batches) for k in COLUMNS}
        row.update(jobs=jobs, runs=batches[0]["runs"], ok=min(b["ok"] for b in batches))
        rows.append(row)
    print(
        "| jobs | runs ok | wall (s) | CPU (s) | cores used | load avg before | sum of run "
        "times (s) | longest run (s) | kernel start (s) | kernel share | worker start (s) | "
        "worker share |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['jobs']} | {r['ok']}/{r['runs']} | {r['wall']:.1f} | {r['cpu']:.1f} | "
            f"{r['cores_used']:.2f} | {r['load_before']:.1f} | {r['run_time_sum']:.1f} | "
            f"{r['longest_run']:.1f} | {r['kernel_start_sum']:.1f} | {r['kernel_share']:.1%} | "
            f"{r['process_start_sum']:.1f} | {r['process_share']:.1%} |"
        )
    by_jobs = {r["jobs"]: r for r in rows}
    if 1 in by_jobs and 2 in by_jobs:
        speedup = by_jobs[1]["wall"] / by_jobs[2]["wall"]
        ideal = max(by_jobs[2]["longest_run"], by_jobs[2]["run_time_sum"] / 2)
        print(
            f"\nspeed-up 2 jobs vs 1 job: {speedup:.2f}x (target >= 1.6x); 2-job wall time "
            f"{by_jobs[2]['wall']:.0f} s (target < 180 s); best possible 2-job makespan for "
            f"these run times: {ideal:.0f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
