"""Vectorised geodesic distance (`etwin_analysis.footprint.geodesic_km`) vs a geopy loop.

Draws ``--pairs`` random pairs of points in Europe (the area of eTwinning and Erasmus+ trips)
and times:

- ``footprint.geodesic_km`` on all pairs (numpy, Lambert's ellipsoidal formula);
- the obvious alternative, a Python loop calling ``geopy.distance.geodesic`` (Karney's exact
  algorithm) once per pair. Because that loop takes about 0.1 ms per pair, it runs by default
  on the first ``--geopy-pairs`` pairs and its time is scaled per pair; pass
  ``--geopy-pairs 0`` to loop over all of them;
- for context, the spherical haversine in `etwin_analysis.countries.haversine_km`.

Prints medians over ``--repeats`` runs, the time per pair, the speed-up ratio per pair and the
largest relative difference from geopy on the pairs both computed. Then times the whole
counterfactual (`virtual_counterfactual`) and a 1,000-draw Monte Carlo on the bundled world.

    .venv/bin/python benchmarks/bench_footprint.py                 # 200,000 pairs
    .venv/bin/python benchmarks/bench_footprint.py --pairs 500000
    .venv/bin/python benchmarks/bench_footprint.py --etwinning-scale   # + eTwinning-size world
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from geopy.distance import geodesic

from etwin_analysis import footprint
from etwin_analysis.countries import haversine_km


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=200_000)
    parser.add_argument("--geopy-pairs", type=int, default=20_000, help="0 = all pairs")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--etwinning-scale",
        action="store_true",
        help="also time the whole model on an eTwinning-size synthetic world (etwin synth "
        "--scale etwinning, generated in memory: about 30 s and 3 GB)",
    )
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    n = args.pairs
    lat1, lat2 = rng.uniform(34, 71, n), rng.uniform(34, 71, n)
    lon1, lon2 = rng.uniform(-25, 45, n), rng.uniform(-25, 45, n)
    m = n if args.geopy_pairs <= 0 else min(args.geopy_pairs, n)

    t_vec, d_vec = timed(lambda: footprint.geodesic_km(lat1, lon1, lat2, lon2), args.repeats)
    t_hav, d_hav = timed(lambda: haversine_km(lat1, lon1, lat2, lon2), args.repeats)
    geopy_repeats = max(1, min(3, args.repeats))

    def loop():
        return np.array(
            [
                geodesic((a, b), (c, d)).km
                for a, b, c, d in zip(lat1[:m], lon1[:m], lat2[:m], lon2[:m], strict=True)
            ]
        )

    t_geo, d_geo = timed(loop, geopy_repeats)

    per_vec = t_vec / n * 1e6
    per_geo = t_geo / m * 1e6
    per_hav = t_hav / n * 1e6
    rel_vec = np.max(np.abs(d_vec[:m] - d_geo) / d_geo)
    rel_hav = np.max(np.abs(d_hav[:m] - d_geo) / d_geo)
    print(f"{n:,} random pairs in Europe; geopy loop timed on {m:,} of them")
    print(f"{'method':<42} {'median (s)':>11} {'us/pair':>9} {'max rel. diff vs geopy':>23}")
    print(
        f"{'footprint.geodesic_km (numpy, Lambert)':<42} {t_vec:>11.3f} {per_vec:>9.3f} "
        f"{rel_vec:>23.1e}"
    )
    print(
        f"{'countries.haversine_km (numpy, sphere)':<42} {t_hav:>11.3f} {per_hav:>9.3f} "
        f"{rel_hav:>23.1e}"
    )
    print(
        f"{'geopy.distance.geodesic loop (Karney)':<42} {t_geo:>11.3f} {per_geo:>9.3f} "
        f"{'(reference)':>23}"
    )
    print(
        f"speed-up per pair, vectorised vs geopy loop: {per_geo / per_vec:,.0f}x "
        f"(geopy loop for all {n:,} pairs: about {per_geo * n / 1e6:,.1f} s)"
    )

    from etwin_analysis.dataset import load_dataset

    ds = load_dataset()
    t_cf, cf = timed(lambda: footprint.virtual_counterfactual(ds), 3)
    t_mc, _ = timed(lambda: footprint.monte_carlo(cf, n_draws=1000, seed=1), 3)
    print(
        f"bundled world: virtual_counterfactual on {len(cf.pairs):,} collaborations "
        f"{t_cf:.3f} s; monte_carlo 1,000 draws {t_mc:.3f} s (medians of 3)"
    )
    if args.etwinning_scale:
        import resource
        import types

        from etwin_analysis import synth

        tables = synth.generate(1, "etwinning").tables()
        big = types.SimpleNamespace(
            **{k: tables[k] for k in ("institutions", "projects", "memberships")}
        )
        t0 = time.perf_counter()
        cf = footprint.virtual_counterfactual(big)
        t1 = time.perf_counter()
        footprint.monte_carlo(cf, n_draws=1000, seed=1)
        t2 = time.perf_counter()
        footprint.sensitivity(cf)
        t3 = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"eTwinning-size world ({len(big.memberships):,} membership rows): "
            f"{len(cf.pairs):,} collaborations; virtual_counterfactual {t1 - t0:.1f} s, "
            f"monte_carlo 1,000 draws {t2 - t1:.1f} s, sensitivity {t3 - t2:.1f} s; "
            f"peak memory {rss:,.0f} MB (one run each)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
