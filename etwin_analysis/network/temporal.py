"""Networks over time: yearly and cumulative snapshots, growth, densification, ITE ego networks.

A yearly snapshot holds the projects starting in that year; a cumulative snapshot those
starting in or before it (ties never expire: a simplification, since real partnerships end).
Densification follows Leskovec, Kleinberg & Faloutsos (2005): across cumulative snapshots
``E(t) ~ N(t)^alpha``; ``alpha > 1`` means edges grow faster than nodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from etwin_analysis.network import metrics
from etwin_analysis.network._bipartite import (
    BipartiteNetwork,
    InstitutionNetwork,
    NetworkInputError,
)

__all__ = [
    "snapshots",
    "foreign_partner_countries",
    "GrowthResult",
    "growth",
    "DensificationResult",
    "densification",
    "EgoResult",
    "ego_networks",
]


def _years(bip: BipartiteNetwork) -> np.ndarray:
    if "year" not in bip.projects:
        raise NetworkInputError("projects need a start_date for networks over time")
    years = bip.projects["year"].dropna().astype(int).unique()
    return np.sort(years)


def snapshots(bip: BipartiteNetwork, *, cumulative: bool = False) -> dict[int, BipartiteNetwork]:
    """``{year: bipartite sub-network}`` for every start year present (see module doc)."""
    return {int(y): bip.select_years(None if cumulative else y, y) for y in _years(bip)}


def foreign_partner_countries(net: InstitutionNetwork) -> np.ndarray:
    """Number of distinct countries other than its own among each institution's partners."""
    codes, uniques = pd.factorize(net.nodes["country"], sort=True)
    onehot = sp.csr_matrix(
        (np.ones(len(codes)), (np.arange(len(codes)), codes)), shape=(len(codes), len(uniques))
    )
    reach = sp.csr_matrix(net.binary() @ onehot)
    n_countries = np.diff(reach.indptr)
    rows = np.repeat(np.arange(len(codes)), n_countries)
    own = np.bincount(rows[reach.indices == codes[rows]], minlength=len(codes))
    return n_countries - own


def _snapshot_row(bip: BipartiteNetwork, weighting: str) -> dict:
    net = bip.institution_projection(weighting)
    comp = metrics.components(net)
    cross = bip.country_projection("projects")
    deg = np.diff(net.adjacency.indptr)
    row = {
        "n_projects": bip.n_projects,
        "n_institutions": bip.n_institutions,
        "n_edges": net.n_edges,
        "n_countries": cross.n_nodes,
        "n_country_pairs": cross.n_edges,
        "mean_partner_countries": float(foreign_partner_countries(net).mean())
        if net.n_nodes
        else 0.0,
        "largest_component_share": comp.largest_share,
        "mean_degree": float(deg.mean()) if deg.size else 0.0,
    }
    return row


@dataclass
class GrowthResult:
    """Per-year network size, yearly and cumulative (tidy: one row per year and mode)."""

    frame: pd.DataFrame

    @property
    def n_snapshots(self) -> int:
        """Number of cumulative snapshots (start years)."""
        return int((self.frame["mode"] == "cumulative").sum()) if len(self.frame) else 0

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        cum = self.frame[self.frame["mode"] == "cumulative"]
        if cum.empty:
            return "no years"
        a, b = cum.iloc[0], cum.iloc[-1]
        return (
            f"Cumulative network {int(a.year)}-{int(b.year)}: institutions "
            f"{int(a.n_institutions):,} -> {int(b.n_institutions):,}, edges "
            f"{int(a.n_edges):,} -> {int(b.n_edges):,}, linked country pairs "
            f"{int(a.n_country_pairs)} -> {int(b.n_country_pairs)}, largest component "
            f"{a.largest_component_share:.0%} -> {b.largest_component_share:.0%}"
        )


def growth(bip: BipartiteNetwork, *, weighting: str = "shared") -> GrowthResult:
    """Yearly and cumulative growth: projects, institutions, edges, countries, linked country
    pairs, mean number of foreign partner countries per institution, largest-component share
    and mean degree."""
    rows = []
    for mode, cumulative in (("yearly", False), ("cumulative", True)):
        for year, snap in snapshots(bip, cumulative=cumulative).items():
            rows.append({"year": year, "mode": mode, **_snapshot_row(snap, weighting)})
    return GrowthResult(pd.DataFrame(rows))


@dataclass
class DensificationResult:
    """Fit of log E = c + alpha log N over cumulative snapshots (ordinary least squares)."""

    alpha: float
    intercept: float
    stderr: float
    r_squared: float
    points: pd.DataFrame

    @property
    def ci95(self) -> tuple[float, float]:
        n = len(self.points)
        t = stats.t.ppf(0.975, n - 2) if n > 2 else float("nan")
        return self.alpha - t * self.stderr, self.alpha + t * self.stderr

    def to_frame(self) -> pd.DataFrame:
        lo, hi = self.ci95
        return pd.DataFrame(
            [
                {
                    "alpha": self.alpha,
                    "ci95_low": lo,
                    "ci95_high": hi,
                    "intercept": self.intercept,
                    "r_squared": self.r_squared,
                    "n_snapshots": len(self.points),
                }
            ]
        )

    def summary(self) -> str:
        lo, hi = self.ci95
        verdict = (
            "densifying (edges grow faster than nodes)"
            if lo > 1
            else ("sparsifying" if hi < 1 else "not distinguishable from linear growth")
        )
        return (
            f"Densification exponent alpha = {self.alpha:.3f} (95% CI {lo:.3f} to {hi:.3f}, "
            f"R^2 {self.r_squared:.3f}, {len(self.points)} cumulative snapshots): {verdict}"
        )


def densification(data: BipartiteNetwork | GrowthResult | pd.DataFrame) -> DensificationResult:
    """Densification exponent from cumulative snapshots (a `GrowthResult`, its frame, a frame
    with ``n_institutions`` and ``n_edges`` columns, or a bipartite network)."""
    if isinstance(data, BipartiteNetwork):
        data = growth(data)
    frame = data.frame if isinstance(data, GrowthResult) else data
    if "mode" in frame:
        frame = frame[frame["mode"] == "cumulative"]
    pts = frame[(frame["n_institutions"] > 0) & (frame["n_edges"] > 0)]
    pts = pts[["n_institutions", "n_edges"] + (["year"] if "year" in pts else [])]
    if len(pts) < 3:
        raise ValueError(f"densification needs at least 3 snapshots with edges, got {len(pts)}")
    fit = stats.linregress(
        np.log(pts["n_institutions"].astype(float)), np.log(pts["n_edges"].astype(float))
    )
    return DensificationResult(
        float(fit.slope),
        float(fit.intercept),
        float(fit.stderr),
        float(fit.rvalue**2),
        pts.reset_index(drop=True),
    )


# --------------------------------------------------------------------------------------------
# Ego networks of ITE institutions around adoption
# --------------------------------------------------------------------------------------------


def _ego_stats(sub: BipartiteNetwork, ids: np.ndarray) -> pd.DataFrame:
    """Per ego id: projects, partners, foreign partner countries, two-step reach in ``sub``."""
    index = pd.Index(sub.institutions["institution_id"])
    pos = index.get_indexer(ids)
    out = pd.DataFrame(
        {
            "institution_id": ids,
            "n_projects": 0,
            "n_partners": 0,
            "n_partner_countries": 0,
            "two_step_reach": 0,
        }
    )
    present = pos >= 0
    if not present.any():
        return out
    p = pos[present]
    net = sub.institution_projection("shared")
    a = net.binary()
    one = a[p]
    two = sp.csr_matrix(one + one @ a)
    two.data[:] = 1
    self_hit = np.asarray(two[np.arange(len(p)), p]).ravel()
    out.loc[present, "n_projects"] = sub.institution_degree()[p]
    out.loc[present, "n_partners"] = np.diff(one.indptr)
    out.loc[present, "n_partner_countries"] = foreign_partner_countries(net)[p]
    out.loc[present, "two_step_reach"] = np.diff(two.indptr) - self_hit.astype(np.int64)
    return out


@dataclass
class EgoResult:
    """ITE institutions' ego networks before vs after their adoption year (tidy, long)."""

    frame: pd.DataFrame

    MEASURES = ("n_projects", "n_partners", "n_partner_countries", "two_step_reach")

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def change(self) -> pd.DataFrame:
        """Wide: per institution and measure, yearly rate before and after and the ratio."""
        f = self.frame.copy()
        rows = []
        if f.empty:
            return pd.DataFrame(
                columns=[
                    "institution_id",
                    "country",
                    "adoption_year",
                    "measure",
                    "before_per_year",
                    "after_per_year",
                ]
            )
        for m in self.MEASURES:
            f[m + "_per_year"] = f[m] / f["n_years"].where(f["n_years"] > 0)
        wide = f.pivot_table(
            index=["institution_id", "country", "adoption_year"],
            columns="period",
            values=[m + "_per_year" for m in self.MEASURES],
        )
        for m in self.MEASURES:
            col = m + "_per_year"
            if (col, "before") in wide and (col, "after") in wide:
                rows.append(
                    pd.DataFrame(
                        {
                            "measure": m,
                            "before_per_year": wide[(col, "before")],
                            "after_per_year": wide[(col, "after")],
                        }
                    ).reset_index()
                )
        return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()

    def medians(self) -> pd.DataFrame:
        """Median of each measure over institutions, per period (``before`` / ``after``)."""
        cols = list(self.MEASURES)
        if self.frame.empty:
            return pd.DataFrame(columns=["period", "n_institutions", *cols])
        g = self.frame.groupby("period")
        out = g[cols].median()
        out.insert(0, "n_institutions", g["institution_id"].nunique())
        return out.reindex(["before", "after"]).reset_index()

    def summary(self) -> str:
        if self.frame.empty:
            return "No ITE institutions with an adoption year in this slice."
        med = self.frame.groupby("period")[list(self.MEASURES)].median()
        n = self.frame["institution_id"].nunique()
        lines = [
            f"Ego networks of {n} ITE institutions (medians over institutions, totals per "
            "period; periods differ in length):"
        ]
        for period in ("before", "after"):
            if period in med.index:
                r = med.loc[period]
                lines.append(
                    f"  {period:>6}: projects {r.n_projects:g}, partners {r.n_partners:g}, "
                    f"partner countries {r.n_partner_countries:g}, two-step reach "
                    f"{r.two_step_reach:g}"
                )
        return "\n".join(lines)


def ego_networks(
    bip: BipartiteNetwork, *, institution_ids=None, institution_type: str = "ite"
) -> EgoResult:
    """Partners, foreign partner countries and two-step reach of ITE institutions, in the
    network of projects started before their adoption year (``etwinning_since``) and in the
    network of projects started in or after it.

    Egos default to the institutions of ``institution_type`` with an adoption year. Each
    period's network contains all institutions' projects of that period, so two-step reach
    counts partners of partners within the period. ``n_years`` is the number of calendar
    years of data in the period (to compare rates, as the periods differ in length). This
    is descriptive: the causal effect of adoption is estimated elsewhere.
    """
    need = [c for c in ("etwinning_since", "country") if c not in bip.institutions]
    if need:
        raise NetworkInputError(f"ego networks need institution column(s) {need}")
    years = _years(bip)
    inst = bip.institutions
    if institution_ids is None:
        if "institution_type" not in inst:
            raise NetworkInputError("ego networks need institution_type to find ITE institutions")
        egos = inst[
            (inst["institution_type"] == institution_type) & inst["etwinning_since"].notna()
        ]
    else:
        egos = inst[
            inst["institution_id"].isin(list(institution_ids)) & inst["etwinning_since"].notna()
        ]
    if egos.empty or len(years) == 0:
        return EgoResult(
            pd.DataFrame(
                columns=[
                    "institution_id",
                    "country",
                    "adoption_year",
                    "period",
                    "n_years",
                    *EgoResult.MEASURES,
                ]
            )
        )
    first, last = int(years.min()), int(years.max())
    proj_year = bip.projects["year"].to_numpy(dtype=float)
    parts = []
    for adopt, group in egos.groupby(egos["etwinning_since"].astype(int)):
        ids = group["institution_id"].to_numpy()
        for period, mask, n_years in (
            ("before", proj_year < adopt, max(0, min(adopt, last + 1) - first)),
            ("after", proj_year >= adopt, max(0, last - max(adopt, first) + 1)),
        ):
            sub = bip.select_projects(mask)
            st = _ego_stats(sub, ids)
            st["country"] = group["country"].to_numpy()
            st["adoption_year"] = adopt
            st["period"] = period
            st["n_years"] = n_years
            parts.append(st)
    frame = pd.concat(parts, ignore_index=True)
    frame = frame[
        ["institution_id", "country", "adoption_year", "period", "n_years", *EgoResult.MEASURES]
    ]
    return EgoResult(
        frame.sort_values(["institution_id", "period"], ascending=[True, False], ignore_index=True)
    )
