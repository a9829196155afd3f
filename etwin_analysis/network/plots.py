"""Figures for the collaboration-network notebook (seaborn / matplotlib, colour-blind palette).

Each function draws one message on its own axes and returns the matplotlib ``Axes`` (or
``Figure``), with labelled axes and units, so notebook cells stay one line long.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import networkx as nx
import numpy as np
import pandas as pd
import seaborn as sns

from etwin_analysis.network._bipartite import CountryNetwork, InstitutionNetwork
from etwin_analysis.network.community import CommunityResult
from etwin_analysis.network.nullmodel import NullModelResult
from etwin_analysis.network.temporal import EgoResult, GrowthResult

__all__ = [
    "degree_ccdf",
    "plot_degree_ccdf",
    "plot_country_heatmap",
    "plot_country_network",
    "plot_community_composition",
    "plot_null_model",
    "plot_growth",
    "plot_ego_change",
]


def degree_ccdf(net: InstitutionNetwork, *, weighted: bool = False) -> pd.DataFrame:
    """Complementary CDF ``P(X >= x)`` of degree (or strength) over institutions with x > 0."""
    adj = net.adjacency
    x = np.asarray(adj.sum(axis=1)).ravel() if weighted else np.diff(adj.indptr)
    x = np.sort(x[x > 0])
    if x.size == 0:
        return pd.DataFrame({"value": [], "ccdf": []})
    values, first = np.unique(x, return_index=True)
    return pd.DataFrame({"value": values, "ccdf": 1.0 - first / x.size})


def plot_degree_ccdf(net: InstitutionNetwork, ax=None):
    """Degree and strength CCDFs on log-log axes (heavy tails look like straight lines)."""
    ax = ax or plt.subplots(figsize=(6, 4.5))[1]
    frames = [
        degree_ccdf(net).assign(measure="degree (partners)"),
        degree_ccdf(net, weighted=True).assign(measure=f"strength ({net.weighting} weight)"),
    ]
    data = pd.concat(frames, ignore_index=True)
    sns.lineplot(data=data, x="value", y="ccdf", hue="measure", drawstyle="steps-post", ax=ax)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="degree or strength (count, log scale)",
        ylabel="share of institutions with at least x (log scale)",
        title="Few institutions have very many partners",
    )
    return ax


def plot_country_heatmap(cn: CountryNetwork, *, top_n: int = 20, ax=None):
    """Country x country cross-border weights of the ``top_n`` countries by strength, on a
    log colour scale (diagonal: within-country weight, hatched out as it is not a tie)."""
    order = cn.strength()["country"].head(top_n).tolist()
    mat = cn.to_matrix().loc[order, order]
    ax = ax or plt.subplots(figsize=(8, 6.5))[1]
    shown = np.log10(mat.where(mat > 0))
    mask = np.eye(len(order), dtype=bool)
    sns.heatmap(
        shown,
        mask=mask,
        cmap="viridis",
        square=True,
        ax=ax,
        cbar_kws={"label": f"log10 cross-border weight ({cn.weight})"},
    )
    ax.set(
        xlabel="partner country",
        ylabel="country",
        title=f"Cross-border ties between the {len(order)} most connected countries",
    )
    return ax


def _country_positions(g: nx.Graph, seed: int) -> tuple[dict, str]:
    from etwin_analysis import countries as ctry

    try:
        coords = ctry.capital_coordinates(list(g.nodes))
        return {c: (row.longitude, row.latitude) for c, row in coords.iterrows()}, "capital"
    except ValueError:
        return nx.spring_layout(g, weight="weight", seed=seed), "spring"


def plot_country_network(cn: CountryNetwork, *, max_edges: int = 80, seed: int = 0, ax=None):
    """Node-link drawing of the country network, countries placed at their capitals
    (spring layout when a country is outside the reference table). Node area ~ cross-border
    strength; only the ``max_edges`` heaviest ties are drawn, width ~ weight."""
    g = cn.to_networkx()
    strength = dict(g.degree(weight="weight"))
    pos, layout = _country_positions(g, seed)
    edges = sorted(g.edges(data="weight"), key=lambda e: -e[2])[:max_edges]
    ax = ax or plt.subplots(figsize=(9, 7.5))[1]
    if edges:
        w = np.array([e[2] for e in edges], dtype=float)
        nx.draw_networkx_edges(
            g,
            pos,
            edgelist=[e[:2] for e in edges],
            ax=ax,
            width=0.5 + 5 * w / w.max(),
            alpha=0.35,
            edge_color="#0072B2",
        )
    s = np.array([strength[n] for n in g.nodes], dtype=float)
    size = 30 + 900 * s / s.max() if s.max() > 0 else np.full(len(s), 60.0)
    nx.draw_networkx_nodes(g, pos, ax=ax, node_size=size, node_color="#E69F00", edgecolors="white")
    nx.draw_networkx_labels(g, pos, ax=ax, font_size=8)
    if layout == "capital":
        ax.set(xlabel="longitude of capital (degrees)", ylabel="latitude of capital (degrees)")
        ax.tick_params(left=True, bottom=True, labelleft=True, labelbottom=True)
    else:
        ax.set_axis_off()
    ax.set_title(f"Country network: {len(edges)} heaviest of {cn.n_edges} cross-border ties")
    return ax


def plot_community_composition(
    comm: CommunityResult, *, attribute: str = "country", top: int = 8, top_values: int = 7, ax=None
):
    """Stacked bars: share of each community's institutions by ``attribute`` (the
    ``top_values`` most common values overall, the rest pooled as 'other')."""
    comp = comm.composition(attribute, top=top)
    keep = comp.groupby(attribute)["n_institutions"].sum().nlargest(top_values).index
    comp = comp.assign(**{attribute: comp[attribute].where(comp[attribute].isin(keep), "other")})
    wide = comp.pivot_table(
        index="community", columns=attribute, values="share", aggfunc="sum", fill_value=0.0
    )
    cols = [c for c in keep if c in wide] + (["other"] if "other" in wide else [])
    wide = wide[cols]
    sizes = comm.sizes()
    wide.index = [f"{c} (n={sizes[c]})" for c in wide.index]
    ax = ax or plt.subplots(figsize=(8, 4.5))[1]
    colors = sns.color_palette("colorblind", len(cols))
    wide.plot(kind="barh", stacked=True, ax=ax, color=colors, width=0.8)
    ax.invert_yaxis()
    ax.set(
        xlabel=f"share of the community's institutions by {attribute}",
        ylabel="community (size)",
        xlim=(0, 1),
        title=f"Composition of the {len(wide)} largest communities",
    )
    ax.legend(title=attribute, bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=8)
    return ax


def plot_null_model(res: NullModelResult, ax=None):
    """Observed value of each statistic against its null distribution (mean and central 95%
    range of the randomisations) on one shared axis (all statistics lie in [-1, 1])."""
    t = res.table.reset_index(drop=True)
    ax = ax or plt.subplots(figsize=(7.5, 0.9 + 0.8 * len(t)))[1]
    y = np.arange(len(t))
    ax.hlines(
        y,
        t["null_q025"],
        t["null_q975"],
        color="#56B4E9",
        lw=8,
        alpha=0.8,
        label="null: central 95% of randomisations",
    )
    ax.plot(t["null_mean"], y, "|", color="#0072B2", ms=14, mew=2, label="null mean")
    ax.plot(t["observed"], y, "o", color="#D55E00", ms=9, label="observed")
    for yi, row in zip(y, t.itertuples(index=False), strict=True):
        ax.annotate(
            f"z = {row.z:+.1f}, p = {row.p_two_sided:.2g}",
            (row.observed, yi),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    ax.set_yticks(y, [s.replace("_", " ") for s in t["statistic"]])
    ax.set_ylim(-0.7, len(t) - 0.4)
    ax.invert_yaxis()
    ax.set(
        xlabel="value of the statistic (unitless)",
        ylabel="",
        title="Observed network vs degree-preserving randomisations",
    )
    ax.legend(fontsize=8, loc="best")
    return ax


def plot_growth(growth: GrowthResult):
    """Cumulative growth: institutions and edges (log scale), linked country pairs and
    largest-component share, per start year."""
    cum = growth.frame[growth.frame["mode"] == "cumulative"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    long = cum.melt(
        id_vars="year",
        value_vars=["n_institutions", "n_edges"],
        var_name="count of",
        value_name="n",
    )
    sns.lineplot(data=long, x="year", y="n", hue="count of", marker="o", ax=axes[0])
    axes[0].set(
        yscale="log",
        xlabel="start year",
        ylabel="cumulative count (log scale)",
        title="Institutions and ties",
    )
    sns.lineplot(data=cum, x="year", y="n_country_pairs", marker="o", ax=axes[1])
    axes[1].set(
        xlabel="start year",
        ylabel="country pairs with a tie (count)",
        title="Cross-border country pairs",
    )
    sns.lineplot(data=cum, x="year", y="largest_component_share", marker="o", ax=axes[2])
    axes[2].set(
        xlabel="start year",
        ylabel="share of institutions",
        ylim=(0, 1.02),
        title="Largest connected component",
    )
    fig.tight_layout()
    return fig


def plot_ego_change(ego: EgoResult, ax=None):
    """Per-year partners and partner countries of ITE institutions before vs after adoption."""
    ax = ax or plt.subplots(figsize=(7, 4))[1]
    ch = ego.change()
    ch = ch[ch["measure"].isin(["n_partners", "n_partner_countries"])]
    if ch.empty:
        ax.text(
            0.5,
            0.5,
            "no ITE institution with an adoption year in this slice",
            ha="center",
            va="center",
            transform=ax.transAxes,
        )
        ax.set_axis_off()
        return ax
    long = ch.melt(
        id_vars=["institution_id", "measure"],
        value_vars=["before_per_year", "after_per_year"],
        var_name="period",
        value_name="per_year",
    )
    long["period"] = long["period"].str.replace("_per_year", "")
    sns.boxplot(
        data=long,
        x="measure",
        y="per_year",
        hue="period",
        ax=ax,
        order=["n_partners", "n_partner_countries"],
        hue_order=["before", "after"],
    )
    ax.set(
        xlabel="",
        ylabel="distinct count / years in the period",
        title="ITE institutions' networks before and after adoption",
    )
    ax.set_xticks(ax.get_xticks(), ["partners", "foreign partner countries"])
    return ax
