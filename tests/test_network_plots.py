"""The notebook's network figures draw on small data, including edge cases (headless)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from test_network import random_world, small_world  # noqa: E402

from etwin_analysis import network  # noqa: E402
from etwin_analysis.network import plots  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_degree_ccdf_is_a_survival_function():
    inst, proj, mem = small_world()
    net = network.bipartite_network(mem, inst, proj).institution_projection()
    ccdf = plots.degree_ccdf(net)
    deg = np.diff(net.adjacency.indptr)
    deg = deg[deg > 0]
    for x, p in zip(ccdf["value"], ccdf["ccdf"], strict=True):
        assert p == pytest.approx((deg >= x).mean())
    assert ccdf["ccdf"].iloc[0] == 1.0


def test_every_figure_draws():
    inst, proj, mem = small_world()
    bip = network.bipartite_network(mem, inst, proj)
    net = bip.institution_projection()
    cn = bip.country_projection()
    assert plots.plot_degree_ccdf(net).get_xscale() == "log"
    assert plots.plot_country_heatmap(cn, top_n=4).get_xlabel() == "partner country"
    ax = plots.plot_country_network(cn)  # real codes: placed at capitals
    assert "longitude" in ax.get_xlabel()
    plots.plot_community_composition(network.communities(net, seed=0))
    res = network.null_model(bip, n_null=3, n_rounds=2, seed=0)
    assert plots.plot_null_model(res).get_xlabel().startswith("value")
    plots.plot_growth(network.growth(bip))
    plots.plot_ego_change(network.ego_networks(bip))
    # made-up country codes fall back to a spring layout; no ITE -> a message, not a crash
    inst2, proj2, mem2 = random_world(1)
    inst2["etwinning_since"] = pd.array([2015] * len(inst2), dtype="Int64")
    bip2 = network.bipartite_network(mem2, inst2, proj2, institution_types=["primary"])
    plots.plot_country_network(bip2.country_projection())
    ax = plots.plot_ego_change(network.ego_networks(bip2))
    assert "no ITE" in ax.texts[0].get_text()


def test_core_number_on_a_larger_graph_equals_networkx():
    g = nx.gnm_random_graph(2000, 16000, seed=3)
    a = nx.to_scipy_sparse_array(g, nodelist=range(2000), format="csr")
    ref = nx.core_number(g)
    assert network.core_number(a).tolist() == [ref[i] for i in range(2000)]
