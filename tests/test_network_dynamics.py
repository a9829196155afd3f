"""Null models, growth over time, densification and ITE ego networks."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from test_network import random_world, small_world

from etwin_analysis import network


def homophilous_world(seed=0, n_inst=300, n_proj=400, n_countries=6, p_home=0.85):
    """Projects draw most partners from one country: strong, known country homophily."""
    rng = np.random.default_rng(seed)
    country = rng.integers(0, n_countries, n_inst)
    institutions = pd.DataFrame(
        {
            "institution_id": [f"I{i:04d}" for i in range(n_inst)],
            "country": [f"C{c}" for c in country],
            "institution_type": rng.choice(["primary", "secondary"], n_inst),
        }
    )
    by_country = [np.flatnonzero(country == c) for c in range(n_countries)]
    rows = []
    for p in range(n_proj):
        k = int(rng.integers(2, 6))
        home = int(rng.integers(n_countries))
        members = set()
        while len(members) < k:
            pool = by_country[home] if rng.random() < p_home else np.arange(n_inst)
            members.add(int(rng.choice(pool)))
        rows += [(f"P{p:04d}", f"I{i:04d}") for i in members]
    memberships = pd.DataFrame(rows, columns=["project_id", "institution_id"])
    return institutions, memberships


def test_curveball_preserves_every_degree_exactly():
    inst, proj, mem = random_world(11, n_inst=120, n_proj=150)
    bip = network.bipartite_network(mem, inst, proj)
    for seed in range(3):
        rand = network.curveball(bip.matrix, n_rounds=5, seed=seed)
        assert rand.max() == 1  # still binary: no duplicated memberships
        assert rand.nnz == bip.matrix.nnz
        assert (np.asarray(rand.sum(axis=1)).ravel() == bip.institution_degree()).all()
        assert (np.asarray(rand.sum(axis=0)).ravel() == bip.project_size()).all()
        assert (rand != bip.matrix).nnz > 0  # it did move memberships
    a = network.curveball(bip.matrix, n_rounds=3, seed=42)
    b = network.curveball(bip.matrix, n_rounds=3, seed=42)
    assert (a != b).nnz == 0


def test_curveball_samples_uniformly_on_a_tiny_space():
    # 2x2 row sums (1,1), col sums (1,1): two matrices, each should appear ~half the time
    m = np.eye(2)
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    hits = sum(
        network.curveball(sp.csr_matrix(m), n_rounds=1, seed=rng)[0, 0] == 1 for _ in range(400)
    )
    assert 160 < hits < 240


def test_null_model_detects_planted_homophily():
    inst, mem = homophilous_world(seed=1)
    bip = network.bipartite_network(mem, inst)
    res = network.null_model(bip, n_null=20, n_rounds=5, seed=3)
    t = res.to_frame().set_index("statistic")
    assert list(t.columns[:4]) == ["observed", "null_mean", "null_sd", "null_q025"]
    assert t.loc["country_assortativity", "z"] > 5
    assert t.loc["country_assortativity", "p_greater"] == pytest.approx(1 / 21)
    assert t.loc["cross_border_share", "z"] < -5
    assert set(res.samples["statistic"]) == set(t.index)
    assert len(res.samples) == 20 * 3
    assert "curveball" in res.summary()


def test_null_model_finds_nothing_without_homophily():
    inst, mem = homophilous_world(seed=2, p_home=0.0)
    bip = network.bipartite_network(mem, inst)
    res = network.null_model(
        bip,
        statistics=["country_assortativity", "cross_border_share"],
        n_null=30,
        n_rounds=5,
        seed=4,
    )
    t = res.to_frame().set_index("statistic")
    assert abs(t.loc["country_assortativity", "z"]) < 3.5
    assert abs(t.loc["cross_border_share", "z"]) < 3.5
    again = network.null_model(
        bip,
        statistics=["country_assortativity", "cross_border_share"],
        n_null=30,
        n_rounds=5,
        seed=4,
    )
    pd.testing.assert_frame_equal(res.to_frame(), again.to_frame())


def test_null_model_rejects_bad_arguments():
    inst, proj, mem = small_world()
    bip = network.bipartite_network(mem, inst, proj)
    with pytest.raises(ValueError, match="unknown statistics"):
        network.null_model(bip, statistics=["diameter"])
    with pytest.raises(ValueError, match="n_null"):
        network.null_model(bip, n_null=1)


def test_growth_snapshots_match_direct_counts():
    inst, proj, mem = random_world(4, n_inst=100, n_proj=160)
    bip = network.bipartite_network(mem, inst, proj)
    g = network.growth(bip).to_frame()
    years = sorted(proj["start_date"].dt.year.unique())
    assert set(g["year"]) == set(years)
    for year in (years[0], years[len(years) // 2], years[-1]):
        cum = g[(g["mode"] == "cumulative") & (g["year"] == year)].iloc[0]
        keep = proj.loc[proj["start_date"].dt.year <= year, "project_id"]
        sub = mem[mem["project_id"].isin(keep)]
        assert cum["n_projects"] == sub["project_id"].nunique()
        assert cum["n_institutions"] == sub["institution_id"].nunique()
        gg = nx.Graph()
        for _, grp in sub.drop_duplicates().groupby("project_id"):
            ids = sorted(grp["institution_id"])
            gg.add_nodes_from(ids)
            gg.add_edges_from((a, b) for i, a in enumerate(ids) for b in ids[i + 1 :])
        assert cum["n_edges"] == gg.number_of_edges()
        big = max(nx.connected_components(gg), key=len)
        assert cum["largest_component_share"] == pytest.approx(len(big) / len(gg))
        yearly = g[(g["mode"] == "yearly") & (g["year"] == year)].iloc[0]
        assert yearly["n_projects"] == (proj["start_date"].dt.year == year).sum()
    cum = g[g["mode"] == "cumulative"]
    assert cum["n_edges"].is_monotonic_increasing
    assert cum["n_institutions"].is_monotonic_increasing
    snaps = network.snapshots(bip, cumulative=True)
    assert snaps[years[-1]].n_memberships == bip.n_memberships


def test_densification_recovers_known_exponent_and_agrees_with_statsmodels():
    rng = np.random.default_rng(0)
    n = np.array([100, 180, 300, 520, 900, 1500, 2600, 4000])
    e = np.round(0.8 * n**1.35 * np.exp(rng.normal(0, 0.02, len(n))))
    frame = pd.DataFrame(
        {"year": range(len(n)), "mode": "cumulative", "n_institutions": n, "n_edges": e}
    )
    res = network.densification(frame)
    assert res.alpha == pytest.approx(1.35, abs=0.03)
    ols = sm.OLS(np.log(e), sm.add_constant(np.log(n))).fit()
    assert res.alpha == pytest.approx(ols.params[1])
    assert res.stderr == pytest.approx(ols.bse[1])
    lo, hi = res.ci95
    assert lo == pytest.approx(ols.conf_int()[1][0]) and hi == pytest.approx(ols.conf_int()[1][1])
    assert "densifying" in res.summary()
    with pytest.raises(ValueError, match="at least 3"):
        network.densification(frame.head(2))


def test_ego_networks_by_hand():
    inst, proj, mem = small_world()
    bip = network.bipartite_network(mem, inst, proj)
    ego = network.ego_networks(bip).to_frame().set_index(["institution_id", "period"])
    # ITE institutions with an adoption year: C (2015) and E (2016)
    assert set(ego.index.get_level_values(0)) == {"C", "E"}
    # C before 2015: p1 (2014) -> partners A, B, D, E; foreign countries: FR
    c_before = ego.loc[("C", "before")]
    assert c_before["n_projects"] == 1 and c_before["n_partners"] == 4
    assert c_before["n_partner_countries"] == 1
    assert c_before["two_step_reach"] == 4
    # C from 2015: p2 (2015: E, F), p6 (2016: D) -> 3 partners, FR+IT; two-step adds nobody
    c_after = ego.loc[("C", "after")]
    assert c_after["n_projects"] == 2 and c_after["n_partners"] == 3
    assert c_after["n_partner_countries"] == 2
    # in 2015+ network: p2 C-E-F, p3 A-F-G, p5 M1-M2, p6 C-D; two steps from C: D,E,F + A,G
    assert c_after["two_step_reach"] == 5
    assert c_before["n_years"] == 1 and c_after["n_years"] == 4  # 2014 | 2015-2018
    # E before 2016: p1, p2 -> A,B,C,D + F ; after 2016: nothing
    assert ego.loc[("E", "before"), "n_partners"] == 5
    assert ego.loc[("E", "after"), "n_partners"] == 0
    change = network.ego_networks(bip).change()
    assert set(change["measure"]) == set(network.EgoResult.MEASURES)
    assert "ITE" in network.ego_networks(bip).summary()


def test_bundled_synthetic_world_runs_end_to_end():
    from etwin_analysis.paths import SYNTHETIC_DIR

    if not (SYNTHETIC_DIR / "memberships.csv").exists():
        pytest.skip("bundled synthetic data not generated yet")
    from etwin_analysis import load_dataset

    ds = load_dataset(SYNTHETIC_DIR)
    bip = network.bipartite_network(ds, programme="etwinning")
    inst = bip.institution_projection("newman")
    ov = network.overview(bip, inst)
    assert ov.value("institutions") == bip.n_institutions
    # sparse Louvain reaches networkx Louvain's modularity on a real-size slice
    shared = bip.institution_projection("shared")
    q_sparse = network.communities(shared, seed=0, method="sparse").modularity
    q_nx = network.communities(shared, seed=0, method="networkx").modularity
    assert q_sparse >= q_nx - 0.02
    # the synthetic world is built with country homophily: the null model must see it
    res = network.null_model(bip, statistics=["country_assortativity"], n_null=5, seed=0)
    assert res.to_frame()["z"].iloc[0] > 3
