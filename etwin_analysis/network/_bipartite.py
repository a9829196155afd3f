"""The institution-project bipartite graph and its one-mode projections (sparse matrix algebra).

Memberships may hold several rows per institution and project (one per person, plus rows
without a person); the institution-level graph always deduplicates them to distinct
``(project_id, institution_id)`` pairs.

Let ``B`` be the binary institutions x projects incidence matrix (``B[i, p] = 1`` when
institution ``i`` takes part in project ``p``) and ``k_p`` the number of distinct
institutions in project ``p``. The projections are (Newman 2001; Latapy et al. 2008):

- shared projects: ``W = B B^T`` with the diagonal removed; ``W[i, j]`` = number of projects
  ``i`` and ``j`` share (networkx ``bipartite.weighted_projected_graph``);
- Newman collaboration weighting: ``W = B diag(1 / (k_p - 1)) B^T`` (projects with ``k_p = 1``
  contribute nothing); networkx ``bipartite.collaboration_weighted_projected_graph``;
- country network: with ``C = M^T B`` (countries x projects, ``C[a, p]`` = institutions of
  country ``a`` in project ``p``), ``C C^T`` off the diagonal counts cross-country
  institution pairs per project summed over projects (3 DE and 2 FR institutions add 6 to
  DE-FR); within-country pairs ``sum_p C[a, p] (C[a, p] - 1) / 2`` are reported separately,
  never as self-loops. With ``weight="projects"`` the binarised ``C`` counts shared projects.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

from etwin_analysis.dataset import institution_memberships

__all__ = [
    "NetworkInputError",
    "NetworkFilterError",
    "BipartiteNetwork",
    "InstitutionNetwork",
    "CountryNetwork",
    "bipartite_network",
]

WEIGHTINGS = ("shared", "newman")
COUNTRY_WEIGHTS = ("pairs", "projects")


class NetworkInputError(ValueError):
    """The tables given to the network module lack a column or hold inconsistent references."""


class NetworkFilterError(ValueError):
    """A filter (year range, programme, institution types, countries) left no memberships."""


def _as_list(value) -> list | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return [value] if value else None
    values = [v for v in value if v is not None and str(v).strip() != ""]
    return values or None


def _require_columns(df: pd.DataFrame, columns: Iterable[str], table: str, purpose: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise NetworkInputError(
            f"table '{table}' lacks column(s) {missing} needed for {purpose}; "
            f"it has {list(df.columns)}"
        )


# --------------------------------------------------------------------------------------------
# Bipartite graph
# --------------------------------------------------------------------------------------------


@dataclass
class BipartiteNetwork:
    """Institutions x projects incidence (binary, deduplicated) with aligned attribute tables.

    ``matrix[i, p] = 1`` when ``institutions.institution_id[i]`` takes part in
    ``projects.project_id[p]``. ``institutions`` holds ``institution_id`` and, when known,
    ``country``, ``institution_type`` and ``etwinning_since``; ``projects`` holds ``project_id``
    and, when known, ``programme`` and ``year`` (start year). Row ``i`` / column ``p`` of the
    matrix is row ``i`` / ``p`` of these tables. ``filters`` records the slice applied.
    """

    matrix: sp.csr_matrix
    institutions: pd.DataFrame
    projects: pd.DataFrame
    filters: dict = field(default_factory=dict)

    # -- sizes ---------------------------------------------------------------------------
    @property
    def n_institutions(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_projects(self) -> int:
        return self.matrix.shape[1]

    @property
    def n_memberships(self) -> int:
        return int(self.matrix.nnz)

    def institution_degree(self) -> np.ndarray:
        """Number of projects of each institution."""
        return np.asarray(self.matrix.sum(axis=1)).ravel().astype(np.int64)

    def project_size(self) -> np.ndarray:
        """Number of distinct institutions in each project (``k_p``)."""
        return np.asarray(self.matrix.sum(axis=0)).ravel().astype(np.int64)

    # -- views ---------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Tidy deduplicated memberships: one row per (project_id, institution_id)."""
        coo = self.matrix.tocoo()
        order = np.lexsort((coo.row, coo.col))
        return pd.DataFrame(
            {
                "project_id": self.projects["project_id"].to_numpy()[coo.col[order]],
                "institution_id": self.institutions["institution_id"].to_numpy()[coo.row[order]],
            }
        )

    def to_networkx(self) -> nx.Graph:
        """Bipartite networkx graph; nodes are ``("institution", id)`` / ``("project", id)``.

        Node attribute ``bipartite`` is 0 for institutions and 1 for projects (networkx
        convention); tuple node names keep institution and project ids from colliding.
        """
        g = nx.Graph()
        inst = self.institutions["institution_id"].to_numpy()
        proj = self.projects["project_id"].to_numpy()
        g.add_nodes_from((("institution", i) for i in inst), bipartite=0)
        g.add_nodes_from((("project", p) for p in proj), bipartite=1)
        coo = self.matrix.tocoo()
        g.add_edges_from(
            zip(
                (("institution", i) for i in inst[coo.row]),
                (("project", p) for p in proj[coo.col]),
                strict=True,
            )
        )
        return g

    def summary(self) -> str:
        size = self.project_size()
        deg = self.institution_degree()
        lines = [
            f"Bipartite institution-project network: {self.n_institutions:,} institutions, "
            f"{self.n_projects:,} projects, {self.n_memberships:,} distinct memberships",
            f"  project size (institutions): median {np.median(size) if size.size else 0:g}, "
            f"max {size.max() if size.size else 0}; single-institution projects: "
            f"{int((size == 1).sum()):,}",
            f"  projects per institution: median {np.median(deg) if deg.size else 0:g}, "
            f"max {deg.max() if deg.size else 0}",
        ]
        if self.filters:
            lines.append(f"  slice: {self.filters}")
        return "\n".join(lines)

    def __repr__(self) -> str:  # keep notebook output short
        return (
            f"BipartiteNetwork({self.n_institutions} institutions, {self.n_projects} projects, "
            f"{self.n_memberships} memberships)"
        )

    # -- sub-selection -------------------------------------------------------------------
    def select_projects(self, mask: np.ndarray, *, drop_inactive: bool = True) -> BipartiteNetwork:
        """The sub-network on the projects where ``mask`` is true.

        With ``drop_inactive`` institutions left without any project are removed.
        """
        mask = np.asarray(mask, dtype=bool)
        mat = self.matrix[:, mask]
        projects = self.projects.loc[mask].reset_index(drop=True)
        institutions = self.institutions
        if drop_inactive:
            keep = np.asarray(mat.sum(axis=1)).ravel() > 0
            mat = mat[keep]
            institutions = institutions.loc[keep].reset_index(drop=True)
        return BipartiteNetwork(sp.csr_matrix(mat), institutions, projects, dict(self.filters))

    def select_years(
        self, year_from: int | None = None, year_to: int | None = None, **kw
    ) -> BipartiteNetwork:
        """Projects whose start year lies in ``[year_from, year_to]`` (inclusive)."""
        if "year" not in self.projects:
            raise NetworkInputError("projects have no start year (column start_date) to select on")
        year = self.projects["year"].to_numpy(dtype=float)
        mask = np.ones(len(year), dtype=bool)
        if year_from is not None:
            mask &= year >= year_from
        if year_to is not None:
            mask &= year <= year_to
        return self.select_projects(mask, **kw)

    # -- projections ---------------------------------------------------------------------
    def institution_projection(
        self, weighting: str = "shared", *, min_weight: float = 0.0
    ) -> InstitutionNetwork:
        """Institution-institution network (see module docstring for the weights).

        ``weighting="shared"``: weight = number of shared projects (integer-valued);
        ``"newman"``: each project contributes ``1/(k_p - 1)`` to each of its pairs.
        ``min_weight`` drops edges whose weight is below it (after projection). Every
        institution of the bipartite graph is a node, also when it has no partner.
        """
        if weighting not in WEIGHTINGS:
            raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
        b = self.matrix.astype(np.float64)
        if weighting == "newman":
            k = self.project_size().astype(np.float64)
            scale = np.zeros_like(k)
            np.divide(1.0, k - 1.0, out=scale, where=k > 1)
            w = (b @ sp.diags(scale)) @ b.T
        else:
            # projects with one member add only to the diagonal; drop them first (cheaper)
            multi = self.project_size() > 1
            b = b[:, multi] if not multi.all() else b
            w = b @ b.T
        w = sp.csr_matrix(w)
        w.setdiag(0)
        w.eliminate_zeros()
        if min_weight and min_weight > 0:
            # tolerate floating noise in Newman sums (e.g. 1/3 + 2/3 vs 1)
            w.data[w.data < min_weight - 1e-9] = 0
            w.eliminate_zeros()
        w.sort_indices()
        return InstitutionNetwork(
            adjacency=w,
            nodes=self.institutions,
            weighting=weighting,
            min_weight=float(min_weight or 0.0),
            filters=dict(self.filters),
        )

    def country_incidence(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """``C`` (countries x projects counts of institutions) and the sorted country codes."""
        if "country" not in self.institutions:
            raise NetworkInputError(
                "institutions have no 'country' column; cannot build the country network"
            )
        country = self.institutions["country"]
        if country.isna().any():
            bad = self.institutions.loc[country.isna(), "institution_id"].head(5).tolist()
            raise NetworkInputError(
                f"{int(country.isna().sum())} institution(s) have no country (e.g. {bad})"
            )
        codes, uniques = pd.factorize(country, sort=True)
        m = sp.csr_matrix(
            (np.ones(len(codes)), (codes, np.arange(len(codes)))),
            shape=(len(uniques), len(codes)),
        )
        c = sp.csr_matrix(m @ self.matrix.astype(np.float64))
        return c, np.asarray(uniques, dtype=object)

    def country_projection(self, weight: str = "pairs") -> CountryNetwork:
        """Country-country network; within-country ties are kept apart (no self-loops).

        ``weight="pairs"``: cross-country institution pairs sharing a project, summed over
        projects (3 DE + 2 FR institutions in one project add 6 to DE-FR); within-country:
        institution pairs of the same country sharing a project. ``weight="projects"``:
        number of projects with at least one institution of each country; within-country:
        projects with at least two institutions of that country.
        """
        if weight not in COUNTRY_WEIGHTS:
            raise ValueError(f"weight must be one of {COUNTRY_WEIGHTS}, got {weight!r}")
        c, countries = self.country_incidence()
        if weight == "pairs":
            w = sp.csr_matrix(c @ c.T)
            diag = w.diagonal()
            within = (diag - np.asarray(c.sum(axis=1)).ravel()) / 2.0
        else:
            cb = c.copy()
            cb.data = (cb.data > 0).astype(np.float64)
            w = sp.csr_matrix(cb @ cb.T)
            within = np.asarray((c >= 2).sum(axis=1)).ravel().astype(np.float64)
        w.setdiag(0)
        w.eliminate_zeros()
        w.sort_indices()
        n_inst = np.bincount(
            pd.Index(countries).get_indexer(self.institutions["country"]),
            minlength=len(countries),
        )
        return CountryNetwork(
            adjacency=w,
            countries=countries,
            within=within,
            n_institutions=n_inst,
            weight=weight,
            filters=dict(self.filters),
        )


# --------------------------------------------------------------------------------------------
# Projections
# --------------------------------------------------------------------------------------------


def _upper_edges(adj: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    tri = sp.triu(adj, k=1).tocoo()
    order = np.lexsort((tri.col, tri.row))
    return tri.row[order], tri.col[order], tri.data[order]


@dataclass
class InstitutionNetwork:
    """Weighted institution-institution network (symmetric sparse adjacency, zero diagonal).

    ``nodes`` row ``i`` describes node ``i`` (``institution_id``, ``country``, ...).
    """

    adjacency: sp.csr_matrix
    nodes: pd.DataFrame
    weighting: str = "shared"
    min_weight: float = 0.0
    filters: dict = field(default_factory=dict)

    @property
    def ids(self) -> np.ndarray:
        return self.nodes["institution_id"].to_numpy()

    @property
    def n_nodes(self) -> int:
        return self.adjacency.shape[0]

    @property
    def n_edges(self) -> int:
        return int(self.adjacency.nnz // 2)

    def binary(self) -> sp.csr_matrix:
        """0/1 adjacency (float64)."""
        a = self.adjacency.copy()
        a.data = np.ones_like(a.data, dtype=np.float64)
        return a

    def to_frame(self) -> pd.DataFrame:
        """Tidy edge list: ``source, target, weight`` (+ countries when known), one row per edge."""
        r, c, w = _upper_edges(self.adjacency)
        ids = self.ids
        out = pd.DataFrame({"source": ids[r], "target": ids[c], "weight": w})
        if "country" in self.nodes:
            country = self.nodes["country"].to_numpy()
            out["source_country"] = country[r]
            out["target_country"] = country[c]
        return out

    def to_networkx(self, *, attributes: Sequence[str] | None = None) -> nx.Graph:
        """networkx graph keyed by institution id; node attributes from ``nodes``."""
        g = nx.Graph()
        ids = self.ids
        cols = [c for c in (attributes or self.nodes.columns) if c != "institution_id"]
        if cols:
            recs = self.nodes[cols].to_dict("records")
            g.add_nodes_from(zip(ids, recs, strict=True))
        else:
            g.add_nodes_from(ids)
        r, c, w = _upper_edges(self.adjacency)
        g.add_weighted_edges_from(zip(ids[r], ids[c], w.tolist(), strict=True))
        return g

    def subgraph(self, mask: np.ndarray) -> InstitutionNetwork:
        """The network induced on the nodes where ``mask`` is true."""
        mask = np.asarray(mask, dtype=bool)
        adj = sp.csr_matrix(self.adjacency[mask][:, mask])
        return InstitutionNetwork(
            adj,
            self.nodes.loc[mask].reset_index(drop=True),
            self.weighting,
            self.min_weight,
            dict(self.filters),
        )

    def summary(self) -> str:
        deg = np.diff(self.adjacency.indptr)
        return (
            f"Institution network ({self.weighting} weighting"
            + (f", min weight {self.min_weight:g}" if self.min_weight else "")
            + f"): {self.n_nodes:,} institutions, {self.n_edges:,} edges, "
            f"total weight {self.adjacency.sum() / 2:,.1f}; isolated institutions "
            f"{int((deg == 0).sum()):,}; mean degree {deg.mean() if deg.size else 0:.2f}"
        )

    def __repr__(self) -> str:
        return f"InstitutionNetwork({self.n_nodes} nodes, {self.n_edges} edges, {self.weighting})"


@dataclass
class CountryNetwork:
    """Country-country network: cross-border weights (no self-loops) + within-country weights."""

    adjacency: sp.csr_matrix
    countries: np.ndarray
    within: np.ndarray
    n_institutions: np.ndarray
    weight: str = "pairs"
    filters: dict = field(default_factory=dict)

    @property
    def n_nodes(self) -> int:
        return len(self.countries)

    @property
    def n_edges(self) -> int:
        return int(self.adjacency.nnz // 2)

    def to_frame(self) -> pd.DataFrame:
        """Tidy cross-border edge list ``country_a < country_b, weight``."""
        r, c, w = _upper_edges(self.adjacency)
        return pd.DataFrame(
            {"country_a": self.countries[r], "country_b": self.countries[c], "weight": w}
        )

    def within_frame(self) -> pd.DataFrame:
        """Within-country weight per country (never part of the edge list)."""
        return pd.DataFrame({"country": self.countries, "within_weight": self.within})

    def strength(self) -> pd.DataFrame:
        """Per country: institutions, cross-border strength and degree, within-country weight,
        and the cross-border share of the country's ties ``cross / (cross + within)``."""
        cross = np.asarray(self.adjacency.sum(axis=1)).ravel()
        degree = np.diff(self.adjacency.indptr)
        total = cross + self.within
        share = np.divide(cross, total, out=np.full_like(cross, np.nan), where=total > 0)
        return (
            pd.DataFrame(
                {
                    "country": self.countries,
                    "n_institutions": self.n_institutions,
                    "partner_countries": degree,
                    "cross_border_strength": cross,
                    "within_weight": self.within,
                    "cross_border_share": share,
                }
            )
            .sort_values(["cross_border_strength", "country"], ascending=[False, True])
            .reset_index(drop=True)
        )

    def to_matrix(self, *, include_within: bool = False) -> pd.DataFrame:
        """Square country x country table (for heatmaps); the diagonal is 0 unless
        ``include_within`` puts the within-country weight there."""
        dense = self.adjacency.toarray()
        if include_within:
            np.fill_diagonal(dense, self.within)
        return pd.DataFrame(dense, index=self.countries, columns=self.countries)

    def to_networkx(self) -> nx.Graph:
        g = nx.Graph()
        for code, within, n in zip(self.countries, self.within, self.n_institutions, strict=True):
            g.add_node(code, within=float(within), n_institutions=int(n))
        r, c, w = _upper_edges(self.adjacency)
        g.add_weighted_edges_from(
            zip(self.countries[r], self.countries[c], w.tolist(), strict=True)
        )
        return g

    def summary(self) -> str:
        total_cross = self.adjacency.sum() / 2
        total_within = float(self.within.sum())
        denom = total_cross + total_within
        share = total_cross / denom if denom else float("nan")
        top = self.strength().head(3)
        tops = ", ".join(
            f"{c} ({s:,.0f})"
            for c, s in zip(top["country"], top["cross_border_strength"], strict=True)
        )
        return (
            f"Country network (weight = {self.weight}): {self.n_nodes} countries, "
            f"{self.n_edges} country pairs with ties; cross-border weight {total_cross:,.0f}, "
            f"within-country weight {total_within:,.0f} (cross-border share {share:.1%}); "
            f"strongest: {tops}"
        )

    def __repr__(self) -> str:
        return f"CountryNetwork({self.n_nodes} countries, {self.n_edges} pairs, {self.weight})"


# --------------------------------------------------------------------------------------------
# Building the bipartite graph from the contract tables, with filters
# --------------------------------------------------------------------------------------------


def _unpack(data, institutions, projects):
    if isinstance(data, pd.DataFrame):
        return data, institutions, projects
    if hasattr(data, "memberships"):
        return (
            data.memberships,
            institutions if institutions is not None else getattr(data, "institutions", None),
            projects if projects is not None else getattr(data, "projects", None),
        )
    raise TypeError(
        f"bipartite_network() needs a Dataset or a memberships DataFrame, got {type(data).__name__}"
    )


def _check_filter(n_after: int, n_before: int, name: str, value, available) -> None:
    if n_after == 0:
        avail = ""
        if available is not None:
            shown = sorted(map(str, available))
            avail = f"; values present before this filter: {shown[:20]}" + (
                " ..." if len(shown) > 20 else ""
            )
        raise NetworkFilterError(
            f"no memberships left after filter {name}={value!r} "
            f"({n_before:,} distinct memberships before it){avail}"
        )


def bipartite_network(
    data,
    institutions: pd.DataFrame | None = None,
    projects: pd.DataFrame | None = None,
    *,
    year_from: int | None = None,
    year_to: int | None = None,
    programme: str | Sequence[str] | None = None,
    institution_types: Sequence[str] | None = None,
    countries: Sequence[str] | None = None,
    country_scope: str = "projects",
    include_inactive: bool = False,
) -> BipartiteNetwork:
    """Deduplicated institution-project bipartite graph of a slice of the data.

    ``data`` is a `Dataset` (its ``memberships``, ``institutions``, ``projects`` are used) or a
    memberships DataFrame (then pass ``institutions``/``projects`` when attributes or
    filters need them). Filters are applied in this order, before any projection:

    - ``programme`` (one or several of the contract's programmes) and ``year_from`` /
      ``year_to`` (inclusive, on the year of the project's ``start_date``; projects without a
      start date are dropped by a year filter);
    - ``institution_types``: only memberships of institutions of these types are kept (a
      project's other members are removed from it, so project sizes ``k_p`` are those within
      the slice);
    - ``countries`` (ISO alpha-2 codes; EU codes EL/UK, ISO3 and English names are mapped
      with `etwin_analysis.countries.to_iso2`): with ``country_scope="projects"`` (default)
      keeps the projects with at least one member institution in these countries, with all
      their members, so that foreign partners stay visible; with ``"institutions"`` keeps
      only the member institutions located in these countries.

    A filter that leaves nothing raises `NetworkFilterError` naming the filter. Memberships
    are reduced to distinct ``(project_id, institution_id)`` pairs (several persons of one
    institution count once). ``include_inactive`` adds the institutions of the
    ``institutions`` table without any (remaining) project as isolated nodes.
    """
    memberships, institutions, projects = _unpack(data, institutions, projects)
    _require_columns(memberships, ["project_id", "institution_id"], "memberships", "the network")
    if country_scope not in ("projects", "institutions"):
        raise ValueError("country_scope must be 'projects' or 'institutions'")
    if len(memberships) == 0:
        raise NetworkFilterError("the memberships table is empty: there is no network to build")

    mem = memberships[["project_id", "institution_id"]]
    if mem.isna().any().any():
        bad = mem.index[mem.isna().any(axis=1)][:5].tolist()
        raise NetworkInputError(
            f"memberships rows {bad} have an empty project_id or institution_id"
        )
    mem = institution_memberships(mem)

    # attribute tables aligned on the ids present
    if institutions is not None:
        _require_columns(institutions, ["institution_id"], "institutions", "the network")
        inst_attr = institutions.drop_duplicates("institution_id").set_index("institution_id")
        unknown = ~mem["institution_id"].isin(inst_attr.index)
        if unknown.any():
            ex = mem.loc[unknown, "institution_id"].unique()[:5].tolist()
            raise NetworkInputError(
                f"{int(unknown.sum())} membership(s) refer to institutions not in the "
                f"institutions table (e.g. {ex})"
            )
    else:
        inst_attr = None
    if projects is not None:
        _require_columns(projects, ["project_id"], "projects", "the network")
        proj_attr = projects.drop_duplicates("project_id").set_index("project_id")
        unknown = ~mem["project_id"].isin(proj_attr.index)
        if unknown.any():
            ex = mem.loc[unknown, "project_id"].unique()[:5].tolist()
            raise NetworkInputError(
                f"{int(unknown.sum())} membership(s) refer to projects not in the projects "
                f"table (e.g. {ex})"
            )
    else:
        proj_attr = None

    filters: dict = {}
    programme = _as_list(programme)
    institution_types = _as_list(institution_types)
    countries = _as_list(countries)

    def need(table, attr, column, what):
        if attr is None:
            raise NetworkInputError(f"the {what} filter needs the {table} table")
        if column not in attr.columns:
            raise NetworkInputError(f"the {what} filter needs column '{column}' in {table}")

    if programme is not None:
        need("projects", proj_attr, "programme", "programme")
        prog = mem["project_id"].map(proj_attr["programme"])
        before = len(mem)
        avail = prog.dropna().unique()
        mem = mem.loc[prog.isin(programme).to_numpy()]
        _check_filter(len(mem), before, "programme", programme, avail)
        filters["programme"] = programme
    if year_from is not None or year_to is not None:
        need("projects", proj_attr, "start_date", "year")
        year = mem["project_id"].map(pd.to_datetime(proj_attr["start_date"]).dt.year)
        before = len(mem)
        avail = year.dropna().astype(int).unique()
        keep = year.notna()
        if year_from is not None:
            keep &= year >= int(year_from)
        if year_to is not None:
            keep &= year <= int(year_to)
        mem = mem.loc[keep.to_numpy()]
        _check_filter(len(mem), before, "years", (year_from, year_to), avail)
        filters["years"] = (year_from, year_to)
    if institution_types is not None:
        need("institutions", inst_attr, "institution_type", "institution type")
        typ = mem["institution_id"].map(inst_attr["institution_type"])
        before = len(mem)
        avail = typ.dropna().unique()
        mem = mem.loc[typ.isin(institution_types).to_numpy()]
        _check_filter(len(mem), before, "institution_types", institution_types, avail)
        filters["institution_types"] = institution_types
    if countries is not None:
        need("institutions", inst_attr, "country", "country")
        from etwin_analysis.countries import to_iso2

        countries = to_iso2(countries, errors="raise")  # accepts EL/UK, ISO3, English names
        ctry = mem["institution_id"].map(inst_attr["country"])
        before = len(mem)
        avail = ctry.dropna().unique()
        inside = ctry.isin(countries).to_numpy()
        if country_scope == "institutions":
            mem = mem.loc[inside]
        else:
            keep_projects = mem.loc[inside, "project_id"].unique()
            mem = mem.loc[mem["project_id"].isin(keep_projects).to_numpy()]
        _check_filter(len(mem), before, "countries", countries, avail)
        filters["countries"] = countries
        filters["country_scope"] = country_scope

    # index institutions and projects (sorted ids -> deterministic order)
    inst_ids = pd.Index(np.sort(mem["institution_id"].unique()))
    if include_inactive and inst_attr is not None:
        pool = inst_attr
        if institution_types is not None and "institution_type" in pool:
            pool = pool[pool["institution_type"].isin(institution_types)]
        if countries is not None and "country" in pool:
            pool = pool[pool["country"].isin(countries)]
        inst_ids = pd.Index(
            np.sort(pd.unique(np.concatenate([inst_ids.to_numpy(), pool.index.to_numpy()])))
        )
    proj_ids = pd.Index(np.sort(mem["project_id"].unique()))
    rows = inst_ids.get_indexer(mem["institution_id"])
    cols = proj_ids.get_indexer(mem["project_id"])
    mat = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float64), (rows, cols)),
        shape=(len(inst_ids), len(proj_ids)),
    )
    mat.sum_duplicates()
    mat.sort_indices()

    inst_frame = pd.DataFrame({"institution_id": inst_ids.to_numpy()})
    if inst_attr is not None:
        for col in ("country", "institution_type", "etwinning_since", "name"):
            if col in inst_attr.columns:
                inst_frame[col] = inst_attr[col].reindex(inst_ids).reset_index(drop=True)
    proj_frame = pd.DataFrame({"project_id": proj_ids.to_numpy()})
    if proj_attr is not None:
        if "programme" in proj_attr.columns:
            proj_frame["programme"] = proj_attr["programme"].reindex(proj_ids).to_numpy()
        if "start_date" in proj_attr.columns:
            start = pd.to_datetime(proj_attr["start_date"]).reindex(proj_ids)
            proj_frame["year"] = start.dt.year.astype("Int64").to_numpy()
    return BipartiteNetwork(mat, inst_frame, proj_frame, filters)
