"""Node and network metrics computed on the sparse adjacency of an `InstitutionNetwork`.

Each function mirrors a networkx reference (named in its docstring) and is tested against it;
they work on sparse matrices so that they stay usable at eTwinning size (where networkx
graphs of millions of edges do not fit the time and memory budget).

Shortest-path measures (betweenness) treat ties as unweighted: projection weights count
shared projects, an intensity, not a distance.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.csgraph as csgraph
import scipy.sparse.linalg as spla

from etwin_analysis.network._bipartite import InstitutionNetwork

__all__ = [
    "BETWEENNESS_EXACT_MAX_NODES",
    "BETWEENNESS_PIVOTS",
    "degree_strength",
    "eigenvector_centrality",
    "betweenness_centrality",
    "CentralityResult",
    "centralities",
    "local_clustering",
    "average_clustering",
    "transitivity",
    "ComponentsResult",
    "components",
    "core_number",
    "k_core",
    "attribute_assortativity",
    "cross_border_share",
    "EIResult",
    "ei_index",
]

#: Betweenness is exact (all sources) up to this many nodes ...
BETWEENNESS_EXACT_MAX_NODES = 5_000
#: ... and estimated from this many seeded random pivot sources above it (Brandes & Pich 2007).
BETWEENNESS_PIVOTS = 500


def _adjacency(net) -> sp.csr_matrix:
    return net.adjacency if isinstance(net, InstitutionNetwork) else sp.csr_matrix(net)


def _binary(adj: sp.csr_matrix) -> sp.csr_matrix:
    a = sp.csr_matrix(adj, dtype=np.float64, copy=True)
    a.setdiag(0)
    a.eliminate_zeros()
    a.data[:] = 1.0
    return a


# --------------------------------------------------------------------------------------------
# Degree, strength, eigenvector, betweenness
# --------------------------------------------------------------------------------------------


def degree_strength(net: InstitutionNetwork) -> pd.DataFrame:
    """Degree (number of partners) and strength (sum of edge weights) per institution.

    Equal to networkx ``G.degree()`` and ``G.degree(weight="weight")``.
    """
    adj = net.adjacency
    out = net.nodes[
        [c for c in ("institution_id", "country", "institution_type") if c in net.nodes]
    ].copy()
    out["degree"] = np.diff(adj.indptr).astype(np.int64)
    out["strength"] = np.asarray(adj.sum(axis=1)).ravel()
    return out


def eigenvector_centrality(net, *, weighted: bool = True, tol: float = 1e-10) -> np.ndarray:
    """Eigenvector centrality (Bonacich 1972) within the largest connected component.

    The leading eigenvector of the (weighted) adjacency of the largest component, scaled to
    unit Euclidean norm and positive sign; nodes outside that component get 0 (on a
    disconnected graph the leading eigenvector is not unique; networkx
    ``eigenvector_centrality_numpy`` refuses such graphs). On the component it equals
    networkx ``eigenvector_centrality_numpy(G, weight="weight")``.
    """
    adj = _adjacency(net)
    if not weighted:
        adj = _binary(adj)
    n = adj.shape[0]
    out = np.zeros(n)
    if n == 0 or adj.nnz == 0:
        return out
    _, labels = csgraph.connected_components(adj, directed=False)
    giant = labels == np.bincount(labels).argmax()
    sub = sp.csr_matrix(adj[giant][:, giant], dtype=np.float64)
    m = sub.shape[0]
    if m <= 400:
        vals, vecs = np.linalg.eigh(sub.toarray())
        vec = vecs[:, np.argmax(vals)]
    else:
        v0 = np.ones(m) / np.sqrt(m)
        vals, vecs = spla.eigsh(sub, k=1, which="LA", v0=v0, tol=tol, maxiter=10_000)
        vec = vecs[:, 0]
    vec = vec / (np.sign(vec.sum()) * np.linalg.norm(vec))
    out[giant] = vec
    return out


def betweenness_centrality(
    net,
    *,
    exact_max_nodes: int = BETWEENNESS_EXACT_MAX_NODES,
    k: int = BETWEENNESS_PIVOTS,
    seed: int = 0,
    batch: int = 128,
) -> tuple[np.ndarray, str]:
    """Shortest-path betweenness (Brandes 2001), normalised as networkx does.

    Unweighted shortest paths (hops). Exact (all sources) when the graph has at most
    ``exact_max_nodes`` nodes; above, estimated from ``k`` pivot sources drawn as networkx
    draws them (``random.Random(seed).sample(nodes, k)``), so the result equals
    ``networkx.betweenness_centrality(G, k=k, seed=seed)`` (endpoints excluded, normalised
    by ``(n-1)(n-2)`` resp. its sampled counterpart). The BFS runs for ``batch`` sources at
    once with sparse-dense products (a linear-algebra Brandes).

    Returns the values (node order of ``net``) and a description of the method used.
    """
    a = _binary(_adjacency(net))
    n = a.shape[0]
    bc = np.zeros(n)
    if n <= 2:
        return bc, "exact (trivial graph)"
    sampled = None
    if n <= exact_max_nodes or k >= n:
        sources = np.arange(n)
        method = f"exact (all {n} sources)"
    else:
        sampled = np.asarray(random.Random(seed).sample(range(n), k), dtype=np.int64)
        sources = sampled
        method = f"sampled ({k} pivot sources, seed {seed}; exact up to {exact_max_nodes} nodes)"
    a_t = a.T.tocsr()
    batch = max(1, min(batch, 4_000_000 // n))  # keep the n x batch work arrays small
    for start in range(0, len(sources), batch):
        src = sources[start : start + batch]
        s = len(src)
        cols = np.arange(s)
        sigma = np.zeros((n, s))
        dist = np.full((n, s), -1, dtype=np.int32)
        sigma[src, cols] = 1.0
        dist[src, cols] = 0
        frontier = np.zeros((n, s))
        frontier[src, cols] = 1.0
        level = 0
        while True:
            nxt = a_t @ frontier  # paths into each node from the current level
            new = (nxt > 0) & (dist < 0)
            if not new.any():
                break
            level += 1
            dist[new] = level
            sigma[new] = nxt[new]
            frontier = np.where(new, sigma, 0.0)
        delta = np.zeros((n, s))
        for d in range(level, 0, -1):
            at_d = dist == d
            coef = np.where(at_d, (1.0 + delta) / np.where(at_d, sigma, 1.0), 0.0)
            back = a @ coef
            prev = dist == d - 1
            delta += np.where(prev, sigma * back, 0.0)
        delta[src, cols] = 0.0  # a source is not between itself and others
        bc += delta.sum(axis=1)
    # networkx _rescale (normalized, undirected, endpoints excluded)
    big_n = n - 1
    if sampled is None:
        bc *= 1.0 / (big_n * (big_n - 1))
    else:
        scale_source = 1.0 / ((k - 1) * (big_n - 1)) if k > 1 else np.nan
        scale_non = 1.0 / (k * (big_n - 1))
        is_src = np.zeros(n, dtype=bool)
        is_src[sampled] = True
        bc *= np.where(is_src, scale_source, scale_non)
    return bc, method


@dataclass
class CentralityResult:
    """Per-institution degree, strength, eigenvector and betweenness centrality."""

    frame: pd.DataFrame
    betweenness_method: str
    network: str = ""

    MEASURES = ("degree", "strength", "eigenvector", "betweenness")

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def top(self, measure: str, n: int = 10) -> pd.DataFrame:
        """The ``n`` institutions highest on ``measure`` (ties broken by id)."""
        if measure not in self.frame:
            raise KeyError(f"unknown measure {measure!r}; available: {list(self.MEASURES)}")
        return (
            self.frame.sort_values([measure, "institution_id"], ascending=[False, True])
            .head(n)
            .reset_index(drop=True)
        )

    def top_table(self, n: int = 10) -> pd.DataFrame:
        """Tidy ``measure, rank, institution_id, country, value`` for every measure."""
        rows = []
        for m in self.MEASURES:
            if m not in self.frame:
                continue
            top = self.top(m, n)
            for rank, row in enumerate(top.itertuples(index=False), start=1):
                rows.append(
                    {
                        "measure": m,
                        "rank": rank,
                        "institution_id": row.institution_id,
                        "country": getattr(row, "country", None),
                        "value": float(getattr(row, m)),
                    }
                )
        return pd.DataFrame(rows)

    def by_group(self, attribute: str = "institution_type") -> pd.DataFrame:
        """Per group of ``attribute``: institutions, median of each measure, and the share
        of the group among the top 1% by degree (where a group sits in the network)."""
        if attribute not in self.frame:
            raise KeyError(f"no {attribute!r} column in the centrality table")
        measures = [m for m in self.MEASURES if m in self.frame]
        g = self.frame.groupby(attribute)
        out = g[measures].median().add_prefix("median_")
        out.insert(0, "n_institutions", g.size())
        cut = self.frame["degree"].quantile(0.99)
        top = self.frame[self.frame["degree"] >= cut]
        out["share_of_top1pct_degree"] = top.groupby(attribute).size().reindex(
            out.index, fill_value=0
        ) / max(len(top), 1)
        return out.reset_index()

    def summary(self) -> str:
        lines = [f"Centralities of {len(self.frame):,} institutions {self.network}".rstrip()]
        for m in self.MEASURES:
            if m in self.frame:
                best = self.top(m, 1)
                if len(best):
                    lines.append(
                        f"  {m:>11}: top {best['institution_id'][0]} "
                        f"({best[m][0]:.4g}); median {self.frame[m].median():.4g}"
                    )
        lines.append(f"  betweenness: {self.betweenness_method}")
        return "\n".join(lines)


def centralities(
    net: InstitutionNetwork,
    *,
    betweenness: bool = True,
    exact_max_nodes: int = BETWEENNESS_EXACT_MAX_NODES,
    k: int = BETWEENNESS_PIVOTS,
    seed: int = 0,
) -> CentralityResult:
    """Degree, strength, eigenvector (weighted, largest component) and betweenness."""
    frame = degree_strength(net)
    frame["eigenvector"] = eigenvector_centrality(net)
    method = "skipped"
    if betweenness:
        frame["betweenness"], method = betweenness_centrality(
            net, exact_max_nodes=exact_max_nodes, k=k, seed=seed
        )
    return CentralityResult(frame, method, f"({net.weighting} weighting)")


# --------------------------------------------------------------------------------------------
# Clustering
# --------------------------------------------------------------------------------------------


def _triangles(a: sp.csr_matrix) -> np.ndarray:
    """Triangles through each node of a binary symmetric adjacency."""
    return np.asarray((a @ a).multiply(a).sum(axis=1)).ravel() / 2.0


def local_clustering(net) -> np.ndarray:
    """Unweighted local clustering coefficient (Watts & Strogatz 1998); nodes of degree < 2
    get 0. Equals networkx ``clustering(G)``."""
    a = _binary(_adjacency(net))
    deg = np.diff(a.indptr).astype(np.float64)
    tri = _triangles(a)
    denom = deg * (deg - 1.0)
    return np.divide(2.0 * tri, denom, out=np.zeros_like(tri), where=denom > 0)


def average_clustering(net) -> float:
    """Mean local clustering over all nodes (zeros included); networkx ``average_clustering``."""
    c = local_clustering(net)
    return float(c.mean()) if c.size else 0.0


def transitivity(net) -> float:
    """Global clustering: 3 x triangles / connected triples; networkx ``transitivity``."""
    a = _binary(_adjacency(net))
    deg = np.diff(a.indptr).astype(np.float64)
    triples = float((deg * (deg - 1.0)).sum())
    return float(2.0 * _triangles(a).sum() / triples) if triples > 0 else 0.0


# --------------------------------------------------------------------------------------------
# Components and cores
# --------------------------------------------------------------------------------------------


@dataclass
class ComponentsResult:
    """Connected components: ``labels`` per node (0 = largest component), sizes descending."""

    labels: np.ndarray
    sizes: np.ndarray
    ids: np.ndarray = field(repr=False, default=None)

    @property
    def n_components(self) -> int:
        return len(self.sizes)

    @property
    def largest_share(self) -> float:
        total = self.sizes.sum()
        return float(self.sizes[0] / total) if total else 0.0

    @property
    def n_isolates(self) -> int:
        return int((self.sizes == 1).sum())

    def to_frame(self) -> pd.DataFrame:
        """Component size distribution: ``size, n_components, n_nodes``."""
        s = pd.Series(self.sizes).value_counts().sort_index(ascending=False)
        return pd.DataFrame(
            {
                "size": s.index.to_numpy(),
                "n_components": s.to_numpy(),
                "n_nodes": s.index.to_numpy() * s.to_numpy(),
            }
        )

    def summary(self) -> str:
        n = int(self.sizes.sum())
        return (
            f"{self.n_components:,} connected components over {n:,} nodes; largest has "
            f"{self.sizes[0] if n else 0:,} nodes ({self.largest_share:.1%}); "
            f"{self.n_isolates:,} isolated nodes"
        )


def components(net) -> ComponentsResult:
    """Connected components (scipy ``connected_components``; as networkx
    ``connected_components``). Labels are renumbered so 0 is the largest component."""
    adj = _adjacency(net)
    n = adj.shape[0]
    if n == 0:
        return ComponentsResult(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    _, labels = csgraph.connected_components(adj, directed=False)
    sizes = np.bincount(labels)
    order = np.lexsort((np.arange(len(sizes)), -sizes))
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    ids = net.ids if isinstance(net, InstitutionNetwork) else None
    return ComponentsResult(rank[labels], sizes[order], ids)


def core_number(net) -> np.ndarray:
    """k-core number of every node (Batagelj & Zaversnik 2003), by vectorised peeling.

    Equals networkx ``core_number``: the largest k such that the node belongs to a subgraph
    in which every node has degree >= k. Each round removes all nodes of degree <= k at
    once and lowers their neighbours' degrees (total work proportional to the edges).
    """
    a = _binary(_adjacency(net))
    n = a.shape[0]
    indptr, indices = a.indptr, a.indices
    deg = np.diff(indptr).astype(np.int64)
    core = np.zeros(n, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    n_alive = n
    k = 0
    while n_alive:
        k = max(k, int(deg[alive].min()))
        while True:
            peel = np.flatnonzero(alive & (deg <= k))
            if peel.size == 0:
                break
            core[peel] = k
            alive[peel] = False
            n_alive -= peel.size
            starts = indptr[peel]
            lens = indptr[peel + 1] - starts
            total = int(lens.sum())
            if total:
                offsets = np.repeat(starts - (np.cumsum(lens) - lens), lens)
                neigh = indices[np.arange(total) + offsets]
                deg -= np.bincount(neigh, minlength=n)
        k += 1
    return core


def k_core(net, k: int | None = None) -> np.ndarray:
    """Boolean mask of the nodes in the k-core (default: the main, innermost core)."""
    core = core_number(net)
    if core.size == 0:
        return np.zeros(0, dtype=bool)
    return core >= (core.max() if k is None else k)


# --------------------------------------------------------------------------------------------
# Mixing by attribute
# --------------------------------------------------------------------------------------------


def _codes(net, attribute: str) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(net, InstitutionNetwork):
        raise TypeError("attribute measures need an InstitutionNetwork (with a nodes table)")
    if attribute not in net.nodes:
        raise KeyError(f"nodes have no attribute {attribute!r}; have {list(net.nodes.columns)}")
    values = net.nodes[attribute]
    if values.isna().any():
        raise ValueError(f"{int(values.isna().sum())} node(s) have no {attribute!r}")
    codes, uniques = pd.factorize(values, sort=True)
    return codes, np.asarray(uniques, dtype=object)


def mixing_matrix(net, attribute: str, *, weighted: bool = False) -> pd.DataFrame:
    """Attribute mixing matrix: total (weight of) ties between each pair of groups, each tie
    counted in both directions (symmetric)."""
    codes, uniques = _codes(net, attribute)
    adj = net.adjacency if weighted else _binary(net.adjacency)
    m = sp.csr_matrix(
        (np.ones(len(codes)), (np.arange(len(codes)), codes)), shape=(len(codes), len(uniques))
    )
    e = (m.T @ adj @ m).toarray()
    return pd.DataFrame(e, index=uniques, columns=uniques)


def attribute_assortativity(net, attribute: str = "country", *, weighted: bool = False) -> float:
    """Newman's (2003) attribute assortativity r = (tr e - sum(e^2)) / (1 - sum(e^2)).

    Unweighted it equals networkx ``attribute_assortativity_coefficient``; ``weighted``
    uses edge weights in the mixing matrix. NaN when the graph has no edges.
    """
    e = mixing_matrix(net, attribute, weighted=weighted).to_numpy()
    total = e.sum()
    if total == 0:
        return float("nan")
    e = e / total
    ab = float((e.sum(axis=0) * e.sum(axis=1)).sum())
    if ab == 1.0:
        return float("nan")
    return float((np.trace(e) - ab) / (1.0 - ab))


def cross_border_share(net, attribute: str = "country", *, weighted: bool = False) -> float:
    """Share of ties (or of tie weight) joining institutions of different ``attribute``."""
    e = mixing_matrix(net, attribute, weighted=weighted).to_numpy()
    total = e.sum()
    return float((total - np.trace(e)) / total) if total else float("nan")


@dataclass
class EIResult:
    """Krackhardt & Stern (1988) E-I index: (external - internal) / (external + internal)."""

    overall: float
    groups: pd.DataFrame
    attribute: str

    def to_frame(self) -> pd.DataFrame:
        return self.groups.copy()

    def summary(self) -> str:
        g = self.groups.dropna(subset=["ei_index"])
        most_in = g.nsmallest(1, "ei_index")
        most_out = g.nlargest(1, "ei_index")
        txt = (
            f"E-I index by {self.attribute}: {self.overall:+.3f} (-1 all internal, +1 all external)"
        )
        if len(g):
            txt += (
                f"; most inward {most_in[self.attribute].iloc[0]} "
                f"({most_in['ei_index'].iloc[0]:+.3f}), most outward "
                f"{most_out[self.attribute].iloc[0]} ({most_out['ei_index'].iloc[0]:+.3f})"
            )
        return txt


def ei_index(net, attribute: str = "country", *, weighted: bool = False) -> EIResult:
    """E-I index overall (each tie once) and per group (ties of the group's members).

    ``external`` ties join different groups, ``internal`` ties the same group; groups with no
    ties get NaN.
    """
    e = mixing_matrix(net, attribute, weighted=weighted)
    arr = e.to_numpy()
    internal_ends = np.diag(arr)  # each internal tie counted twice (both ends in group)
    row = arr.sum(axis=1)
    external = row - internal_ends
    internal = internal_ends / 2.0
    tot = external + internal
    ei = np.divide(external - internal, tot, out=np.full_like(tot, np.nan), where=tot > 0)
    groups = pd.DataFrame(
        {attribute: e.index, "internal": internal, "external": external, "ei_index": ei}
    )
    ext_all = (arr.sum() - np.trace(arr)) / 2.0
    int_all = np.trace(arr) / 2.0
    overall = (ext_all - int_all) / (ext_all + int_all) if ext_all + int_all else float("nan")
    return EIResult(float(overall), groups, attribute)
