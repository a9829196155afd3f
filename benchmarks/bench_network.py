"""Speed and memory of the collaboration-network code (`etwin_analysis.network`).

Run from the repository root::

    .venv/bin/python benchmarks/bench_network.py                 # both parts
    .venv/bin/python benchmarks/bench_network.py --part h2020    # real H2020 file only
    .venv/bin/python benchmarks/bench_network.py --part etwinning --runs 1

Part 1, real data: the CORDIS H2020 participations in ``../shared/data/real`` (144,726 rows,
31,451 projects, 35,871 organisations). The institution projection (incidence matrix built
from the membership frame + sparse product) is timed against networkx
``bipartite.weighted_projected_graph`` on a prebuilt bipartite graph, in the same run; the
script checks that both give identical edges and weights before printing the ratio.

Part 2, eTwinning size: the synthetic world of ``etwin_analysis.synth.generate(seed,
"etwinning")`` (about 295,000 institutions, 160,000 projects, 1 million memberships) written to
a temporary folder once; each run is then a fresh subprocess (so its peak resident memory,
``ru_maxrss``, is its own) that times: load and validate (``load_dataset``), the bipartite
graph, both projections (institutions with shared-project weights, countries), degree and
strength, connected components and Louvain communities (the sparse Louvain; networkx is out
of reach at this size). Measures outside that budget are timed after it: eigenvector
centrality, k-cores, betweenness from 16 pivots; clustering is skipped (see README).

Prints medians over the runs; nothing here is a test.
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
from pathlib import Path

import numpy as np
import pandas as pd

BUDGET_STEPS = (
    "load",
    "bipartite",
    "institution_projection",
    "country_projection",
    "degree_strength",
    "components",
    "communities",
)


def _median(xs):
    return statistics.median(xs)


# --------------------------------------------------------------------------------------------
# Part 1: H2020
# --------------------------------------------------------------------------------------------


def h2020(runs: int, nx_runs: int) -> None:
    import networkx as nx
    from networkx.algorithms import bipartite as nxb

    from etwin_analysis import network
    from etwin_analysis.paths import REAL_DATA_DIR

    path = REAL_DATA_DIR / "cordis_h2020_participations.csv.gz"
    if not path.exists():
        print(f"H2020 file not found at {path}: part 1 skipped")
        return
    df = pd.read_csv(path, usecols=["rcn", "pic"], dtype=str)
    mem = df.rename(columns={"rcn": "project_id", "pic": "institution_id"})
    print(
        f"H2020: {len(mem):,} rows, {mem['project_id'].nunique():,} projects, "
        f"{mem['institution_id'].nunique():,} organisations"
    )

    build, proj_shared, proj_newman, total = [], [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        bip = network.bipartite_network(mem)
        t1 = time.perf_counter()
        ours = bip.institution_projection("shared")
        t2 = time.perf_counter()
        bip.institution_projection("newman")
        t3 = time.perf_counter()
        build.append(t1 - t0)
        proj_shared.append(t2 - t1)
        proj_newman.append(t3 - t2)
        total.append(t2 - t0)

    t0 = time.perf_counter()
    g = nx.Graph()
    inst_nodes = [("i", x) for x in mem["institution_id"].unique()]
    g.add_nodes_from(inst_nodes, bipartite=0)
    g.add_edges_from(
        zip(
            (("i", x) for x in mem["institution_id"]),
            (("p", x) for x in mem["project_id"]),
            strict=True,
        )
    )
    nx_build = time.perf_counter() - t0
    nx_times = []
    ref = None
    for _ in range(nx_runs):
        t0 = time.perf_counter()
        ref = nxb.weighted_projected_graph(g, inst_nodes)
        nx_times.append(time.perf_counter() - t0)

    # identical edges and weights
    theirs = pd.DataFrame(
        [(min(u[1], v[1]), max(u[1], v[1]), w) for u, v, w in ref.edges(data="weight")],
        columns=["source", "target", "weight"],
    )
    mine = ours.to_frame()[["source", "target", "weight"]]
    merged = mine.merge(
        theirs, on=["source", "target"], how="outer", suffixes=("_ours", "_nx"), indicator=True
    )
    same = (merged["_merge"] == "both").all() and np.array_equal(
        merged["weight_ours"].to_numpy(), merged["weight_nx"].to_numpy()
    )
    assert same, "projection differs from networkx"
    assert set(ours.ids) == {n[1] for n in ref.nodes}

    m_ours, m_nx = _median(total), _median(nx_times)
    print(f"identical edges and weights: {same} ({len(mine):,} edges, {ours.n_nodes:,} nodes)")
    print("| step | median | runs |")
    print("|---|---|---|")
    print(f"| ours: incidence matrix from the membership frame | {_median(build):.3f} s | {runs} |")
    print(
        f"| ours: shared-project projection (sparse B B^T) | {_median(proj_shared):.3f} s "
        f"| {runs} |"
    )
    print(f"| ours: Newman projection | {_median(proj_newman):.3f} s | {runs} |")
    print(f"| **ours: frame -> shared projection, total** | **{m_ours:.3f} s** | {runs} |")
    print(f"| networkx: build bipartite graph (not in ratio) | {nx_build:.2f} s | 1 |")
    print(f"| networkx: `weighted_projected_graph` | {m_nx:.2f} s | {nx_runs} |")
    print(f"| **speed-up (networkx projection / ours total)** | **{m_nx / m_ours:.0f}x** | |")


# --------------------------------------------------------------------------------------------
# Part 2: eTwinning size
# --------------------------------------------------------------------------------------------


def child(data_dir: str) -> None:
    """One timed pipeline run; prints a JSON line with the step times and peak memory."""
    from etwin_analysis import network
    from etwin_analysis.dataset import load_dataset

    t = {}
    t0 = time.perf_counter()
    ds = load_dataset(data_dir)
    t["load"] = time.perf_counter() - t0

    def step(name, fn):
        s = time.perf_counter()
        out = fn()
        t[name] = time.perf_counter() - s
        return out

    bip = step("bipartite", lambda: network.bipartite_network(ds))
    inst = step("institution_projection", lambda: bip.institution_projection("shared"))
    cn = step("country_projection", lambda: bip.country_projection())
    step("degree_strength", lambda: network.degree_strength(inst))
    comp = step("components", lambda: network.components(inst))
    comm = step("communities", lambda: network.communities(inst, seed=1))
    t["budget_total"] = sum(t[s] for s in BUDGET_STEPS)
    rss_budget = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # GB (KB->GB)
    extra = {}
    s = time.perf_counter()
    bip.institution_projection("newman")
    extra["newman_projection"] = time.perf_counter() - s
    s = time.perf_counter()
    network.eigenvector_centrality(inst)
    extra["eigenvector"] = time.perf_counter() - s
    s = time.perf_counter()
    core = network.core_number(inst)
    extra["core_number"] = time.perf_counter() - s
    s = time.perf_counter()
    network.betweenness_centrality(inst, k=16, seed=1)
    extra["betweenness_16_pivots"] = time.perf_counter() - s
    s = time.perf_counter()
    network.curveball(bip.matrix, n_rounds=1, seed=1)
    extra["curveball_round"] = time.perf_counter() - s
    info = {
        "memberships_rows": len(ds.memberships),
        "institutions": bip.n_institutions,
        "projects": bip.n_projects,
        "memberships": bip.n_memberships,
        "institution_edges": inst.n_edges,
        "country_edges": cn.n_edges,
        "components": comp.n_components,
        "largest_share": comp.largest_share,
        "communities": comm.n_communities,
        "modularity": comm.modularity,
        "max_core": int(core.max()),
    }
    rss_all = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print(
        json.dumps(
            {
                "times": t,
                "extra": extra,
                "info": info,
                "peak_gb_budget": rss_budget,
                "peak_gb_all": rss_all,
            }
        )
    )


def make_world(seed: int, out: Path) -> str:
    try:
        from etwin_analysis import synth

        t0 = time.perf_counter()
        world = synth.generate(seed, "etwinning", include_survey=False)
        synth.write(world, out)
        return (
            f"synthetic world synth.generate({seed}, 'etwinning') "
            f"(generated and written in {time.perf_counter() - t0:.0f} s, not timed below)"
        )
    except (ImportError, AttributeError):
        random_world(seed, out)
        return "random bipartite world of eTwinning size (synth.generate not available)"


def random_world(seed: int, out: Path) -> None:
    """Fallback: 295,000 institutions, 160,000 projects, ~1M memberships, heavy-tailed sizes."""
    rng = np.random.default_rng(seed)
    n_inst, n_proj = 295_000, 160_000
    countries = [f"C{i:02d}" for i in range(46)]
    inst = pd.DataFrame(
        {
            "institution_id": [f"I{i:06d}" for i in range(n_inst)],
            "name": [f"Institution {i}" for i in range(n_inst)],
            "country": np.array(countries)[rng.integers(0, 46, n_inst)],
            "institution_type": rng.choice(["primary", "secondary", "ite"], n_inst),
            "etwinning_since": "",
            "provenance": "synthetic",
        }
    )
    size = np.minimum(rng.zipf(2.2, n_proj) + 1, 200)
    proj_of = np.repeat(np.arange(n_proj), size)
    members = rng.integers(0, n_inst, len(proj_of))
    mem = pd.DataFrame(
        {
            "project_id": [f"P{p:06d}" for p in proj_of],
            "institution_id": [f"I{i:06d}" for i in members],
        }
    )
    mem = mem.drop_duplicates().assign(role="partner", provenance="synthetic")
    proj = pd.DataFrame(
        {
            "project_id": [f"P{p:06d}" for p in range(n_proj)],
            "title": "",
            "programme": "etwinning",
            "start_date": pd.to_datetime("2005-01-01")
            + pd.to_timedelta(rng.integers(0, 7000, n_proj), unit="D"),
            "provenance": "synthetic",
        }
    )
    for name, frame in (("institutions", inst), ("projects", proj), ("memberships", mem)):
        frame.to_csv(out / f"{name}.csv", index=False)


def etwinning(runs: int, seed: int, world: str | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if world:
            tmp = world
            what = f"existing data directory {world}"
        else:
            what = make_world(seed, Path(tmp))
        print(f"eTwinning size: {what}")
        results = []
        for _ in range(runs):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", tmp],
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    info = results[0]["info"]
    print(
        ", ".join(f"{k} {v:,}" if isinstance(v, int) else f"{k} {v:.3f}" for k, v in info.items())
    )
    print(f"| step | median of {runs} |")
    print("|---|---|")
    for s in (*BUDGET_STEPS, "budget_total"):
        vals = [r["times"][s] for r in results]
        label = f"**{s}**" if s == "budget_total" else s
        print(f"| {label} | {_median(vals):.2f} s ({', '.join(f'{v:.1f}' for v in vals)}) |")
    print(
        f"| peak resident memory after the budget steps | "
        f"{_median([r['peak_gb_budget'] for r in results]):.2f} GB |"
    )
    for s in results[0]["extra"]:
        vals = [r["extra"][s] for r in results]
        print(f"| (outside budget) {s} | {_median(vals):.2f} s |")
    print(
        f"| peak resident memory, everything | "
        f"{_median([r['peak_gb_all'] for r in results]):.2f} GB |"
    )


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["all", "h2020", "etwinning"], default="all")
    ap.add_argument("--runs", type=int, default=3, help="runs of our code / pipeline")
    ap.add_argument("--nx-runs", type=int, default=3, help="runs of the networkx projection")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--world", help="reuse this eTwinning-size data directory (else generated)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    if args.part in ("all", "h2020"):
        h2020(max(args.runs, 5), args.nx_runs)
    if args.part in ("all", "etwinning"):
        etwinning(args.runs, args.seed, args.world)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
