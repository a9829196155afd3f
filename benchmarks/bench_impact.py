"""Speed of the staggered-adoption event study (`etwin_analysis.impact`).

Run from the repository root::

    .venv/bin/python benchmarks/bench_impact.py               # bundled world
    .venv/bin/python benchmarks/bench_impact.py --etwinning   # also an eTwinning-size world

Times, as medians over ``--runs`` repetitions:

1. ``build_panel`` (ITE institutions; and all institutions) on the bundled synthetic world.
2. ``callaway_santanna`` with 999 bootstrap draws: the vectorised weighted bootstrap (cohort
   sums for all draws at once) against the obvious alternative measured in the same run,
   re-estimating ATT(g, t) and the event study on a panel of institutions resampled with
   replacement, once per draw (timed over ``--alt-draws`` draws and reported per draw).
3. With ``--etwinning``: ``build_panel`` and 999-draw estimation on a world of
   ``synth.generate(1, "etwinning")`` (generated once, not timed).

Prints the numbers; nothing here is a test.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from etwin_analysis import impact, load_dataset


def _median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _resampling_bootstrap(panel: pd.DataFrame, outcome: str, draws: int, seed: int) -> None:
    """The obvious alternative: resample institutions, re-run the estimator per draw."""
    rng = np.random.default_rng(seed)
    ids = panel["institution_id"].unique()
    by_id = {k: g for k, g in panel.groupby("institution_id")}
    for _ in range(draws):
        pick = rng.choice(ids, size=len(ids), replace=True)
        parts = [by_id[k].assign(institution_id=f"{k}#{j}") for j, k in enumerate(pick)]
        impact.callaway_santanna(pd.concat(parts, ignore_index=True), outcome, n_boot=0)


def _bench_world(label, inst, proj, mem, runs, alt_draws) -> None:
    outcome = "erasmus_projects_started"
    t_panel = _median_time(lambda: impact.build_panel(inst, proj, mem), runs)
    panel = impact.build_panel(inst, proj, mem)
    n_units = panel["institution_id"].nunique()
    print(
        f"[{label}] build_panel, ITE ({n_units} institutions x {panel['year'].nunique()} "
        f"years): {t_panel:.3f} s"
    )
    if label == "bundled":
        t_all = _median_time(
            lambda: impact.build_panel(inst, proj, mem, institution_types=None), runs
        )
        print(f"[{label}] build_panel, all {len(inst)} institutions: {t_all:.3f} s")
    t_cs = _median_time(lambda: impact.callaway_santanna(panel, outcome, n_boot=999, seed=0), runs)
    print(
        f"[{label}] callaway_santanna, 999 draws (vectorised weighted bootstrap): {t_cs:.3f} s "
        f"= {1000 * t_cs / 999:.2f} ms per draw"
    )
    t_alt = _median_time(lambda: _resampling_bootstrap(panel, outcome, alt_draws, 0), 1)
    per_draw = t_alt / alt_draws
    print(
        f"[{label}] resampling bootstrap, re-estimating per draw ({alt_draws} draws): "
        f"{1000 * per_draw:.1f} ms per draw -> {999 * per_draw:.1f} s for 999 draws "
        f"({999 * per_draw / t_cs:.0f}x slower)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--alt-draws", type=int, default=50)
    parser.add_argument("--etwinning", action="store_true")
    args = parser.parse_args(argv)

    ds = load_dataset()
    _bench_world("bundled", ds.institutions, ds.projects, ds.memberships, args.runs, args.alt_draws)
    if args.etwinning:
        from etwin_analysis import synth

        world = synth.generate(1, "etwinning", include_survey=False)
        _bench_world(
            "etwinning",
            world.institutions,
            world.projects,
            world.memberships,
            max(1, args.runs // 2),
            max(5, args.alt_draws // 5),
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
