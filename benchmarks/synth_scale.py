"""Generation time and peak memory of the eTwinning-size synthetic world.

Run from the repository root::

    .venv/bin/python benchmarks/synth_scale.py            # 3 runs at --scale etwinning
    .venv/bin/python benchmarks/synth_scale.py --runs 1 --scale default

Each run is a fresh subprocess (so its peak resident memory, ``ru_maxrss``, is its own) that
calls `etwin_analysis.synth.generate` and then `etwin_analysis.synth.write` into a temporary
folder; the script prints the median wall time of both steps, the median peak memory and the
table sizes. It then measures the member-sampling step against the obvious alternative, one
``rng.choice(n, size=k, p=w)`` call per project (a Python loop over projects), on the same
institution weights, and prints the per-project time ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np


def child(seed: int, scale: str) -> None:
    from etwin_analysis import synth

    t0 = time.perf_counter()
    world = synth.generate(seed, scale)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        synth.write(world, tmp)
    t2 = time.perf_counter()
    rows = {name: len(frame) for name, frame in world.tables().items()}
    rows["memberships_institution_level"] = len(
        world.memberships.drop_duplicates(["project_id", "institution_id"])
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({"generate_s": t1 - t0, "write_s": t2 - t1, "peak_mb": peak_mb, "rows": rows}))


def sampling_comparison(n_institutions: int = 295_000, n_projects: int = 2_000, seed: int = 0):
    """Seconds per project: vectorised cumulative-weight search vs rng.choice per project."""
    from etwin_analysis.synth import _size_pmf, _weighted_pick

    rng = np.random.default_rng(seed)
    w = rng.pareto(2.0, n_institutions) + 1.0
    pmf = _size_pmf(1.85, 200)
    sizes = rng.choice(np.arange(2, 202), size=n_projects, p=pmf)
    t0 = time.perf_counter()
    cum = np.concatenate([[0.0], np.cumsum(w)])
    slots = int(sizes.sum())
    _weighted_pick(cum, np.zeros(slots), np.full(slots, cum[-1]), rng.random(slots))
    vec = (time.perf_counter() - t0) / n_projects
    n_loop = min(n_projects, 200)
    t0 = time.perf_counter()
    p = w / w.sum()
    for k in sizes[:n_loop]:
        rng.choice(n_institutions, size=int(k), replace=False, p=p)
    loop = (time.perf_counter() - t0) / n_loop
    return vec, loop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", default="etwinning")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.seed, args.scale)
        return 0
    results = []
    for run in range(args.runs):
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--scale", args.scale, "--seed", str(args.seed)],
            check=True,
            capture_output=True,
            text=True,
        )
        res = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(res)
        print(
            f"run {run + 1}: generate {res['generate_s']:.1f} s, write {res['write_s']:.1f} s, "
            f"peak {res['peak_mb']:.0f} MB"
        )
    med = {
        k: statistics.median(r[k] for r in results) for k in ("generate_s", "write_s", "peak_mb")
    }
    print(f"\nscale={args.scale} seed={args.seed} runs={args.runs}")
    for name, n in results[0]["rows"].items():
        print(f"  {name}: {n:,} rows")
    print(
        f"median generate: {med['generate_s']:.1f} s; median write (CSV): "
        f"{med['write_s']:.1f} s; median peak memory: {med['peak_mb']:.0f} MB"
    )
    vec, loop = sampling_comparison()
    print(
        f"member sampling per project: vectorised {vec * 1e6:.1f} us, rng.choice loop "
        f"{loop * 1e6:.0f} us (ratio {loop / vec:.0f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
