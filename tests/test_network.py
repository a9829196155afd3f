"""Bipartite graph, projections, filters and metrics of etwin_analysis.network vs references."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from networkx.algorithms import bipartite as nxb

from etwin_analysis import network
from etwin_analysis.contract import EU_TO_ISO_COUNTRY
from etwin_analysis.network import NetworkFilterError, NetworkInputError

# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


def small_world():
    """Hand-made world: person-level duplicate rows, a rows without person, a single-member
    project, an institution in no project, and Malta with only within-country ties."""
    institutions = pd.DataFrame(
        {
            "institution_id": ["A", "B", "C", "D", "E", "F", "G", "M1", "M2", "Z"],
            "country": ["DE", "DE", "DE", "FR", "FR", "IT", "IT", "MT", "MT", "ES"],
            "institution_type": [
                "primary",
                "secondary",
                "ite",
                "primary",
                "ite",
                "secondary",
                "primary",
                "primary",
                "secondary",
                "primary",
            ],
            "etwinning_since": pd.array(
                [2010, None, 2015, 2008, 2016, None, None, None, None, None], dtype="Int64"
            ),
        }
    )
    projects = pd.DataFrame(
        {
            "project_id": ["p1", "p2", "p3", "p4", "p5", "p6"],
            "programme": [
                "etwinning",
                "etwinning",
                "erasmus_plus",
                "etwinning",
                "etwinning",
                "etwinning",
            ],
            "start_date": pd.to_datetime(
                ["2014-03-01", "2015-09-01", "2016-01-10", "2017-05-05", "2018-02-02", "2016-06-06"]
            ),
        }
    )
    rows = [
        # p1: 3 DE + 2 FR, with person-level duplicates and a row without person
        ("p1", "A", "e1"),
        ("p1", "A", "e2"),
        ("p1", "A", None),
        ("p1", "B", "e3"),
        ("p1", "C", "e4"),
        ("p1", "D", "e5"),
        ("p1", "E", None),
        ("p2", "C", "e6"),
        ("p2", "E", "e7"),
        ("p2", "F", "e8"),
        ("p3", "A", "e9"),
        ("p3", "F", "e10"),
        ("p3", "G", None),
        ("p4", "G", "e11"),  # single-member project
        ("p5", "M1", "e12"),
        ("p5", "M2", "e13"),
        ("p5", "M2", "e14"),  # within-MT only
        ("p6", "C", "e15"),
        ("p6", "D", "e16"),
    ]
    memberships = pd.DataFrame(rows, columns=["project_id", "institution_id", "person_id"])
    memberships["role"] = "partner"
    return institutions, projects, memberships


def random_world(seed=0, n_inst=60, n_proj=90, n_countries=5):
    rng = np.random.default_rng(seed)
    institutions = pd.DataFrame(
        {
            "institution_id": [f"I{i:03d}" for i in range(n_inst)],
            "country": rng.choice([f"C{c}" for c in range(n_countries)], n_inst),
            "institution_type": rng.choice(["primary", "secondary", "ite"], n_inst),
        }
    )
    projects = pd.DataFrame(
        {
            "project_id": [f"P{p:03d}" for p in range(n_proj)],
            "programme": rng.choice(["etwinning", "erasmus_plus"], n_proj),
            "start_date": pd.to_datetime([f"{y}-06-01" for y in rng.integers(2010, 2020, n_proj)]),
        }
    )
    rows = []
    for p in range(n_proj):
        k = int(min(rng.zipf(2.0) + 1, 12))
        for i in rng.choice(n_inst, k, replace=False):
            rows.append((f"P{p:03d}", f"I{i:03d}"))
            if rng.random() < 0.3:  # a second person of the same institution
                rows.append((f"P{p:03d}", f"I{i:03d}"))
    memberships = pd.DataFrame(rows, columns=["project_id", "institution_id"])
    return institutions, projects, memberships


def nx_bipartite(memberships):
    g = nx.Graph()
    inst = [("i", x) for x in memberships["institution_id"].unique()]
    g.add_nodes_from(inst, bipartite=0)
    g.add_nodes_from((("p", x) for x in memberships["project_id"].unique()), bipartite=1)
    g.add_edges_from(
        zip(
            (("i", x) for x in memberships["institution_id"]),
            (("p", x) for x in memberships["project_id"]),
            strict=True,
        )
    )
    return g, inst


def edge_dict(g):
    return {frozenset((u, v)): d["weight"] for u, v, d in g.edges(data=True)}


def assert_same_projection(ours: network.InstitutionNetwork, ref: nx.Graph):
    ref = nx.relabel_nodes(ref, {n: n[1] for n in ref.nodes})
    assert set(ours.ids) == set(ref.nodes)
    mine = edge_dict(ours.to_networkx())
    theirs = edge_dict(ref)
    assert mine.keys() == theirs.keys()
    for e, w in theirs.items():
        assert mine[e] == pytest.approx(w, rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------------------------
# Bipartite graph and projections
# --------------------------------------------------------------------------------------------


def test_memberships_are_deduplicated_to_institution_level():
    inst, proj, mem = small_world()
    bip = network.bipartite_network(mem, inst, proj)
    assert bip.n_memberships == len(mem.drop_duplicates(["project_id", "institution_id"]))
    assert bip.matrix.max() == 1
    assert bip.to_frame().duplicated().sum() == 0
    # p1 has 5 distinct institutions though it has 7 rows
    size = dict(zip(bip.projects["project_id"], bip.project_size(), strict=True))
    assert size == {"p1": 5, "p2": 3, "p3": 3, "p4": 1, "p5": 2, "p6": 2}
    assert "institution" in bip.summary().lower()


def test_works_from_a_validated_dataset():
    from etwin_analysis.dataset import Dataset

    inst, proj, mem = small_world()
    inst = inst.assign(name=inst["institution_id"])
    proj = proj.assign(title=proj["project_id"])
    ds = Dataset.from_frames(institutions=inst, projects=proj, memberships=mem)
    bip = network.bipartite_network(ds)
    assert bip.n_institutions == 9 and bip.n_projects == 6


@pytest.mark.parametrize("seed", [0, 1])
def test_shared_projection_equals_networkx(seed):
    inst, proj, mem = random_world(seed)
    bip = network.bipartite_network(mem, inst, proj)
    ref_g, nodes = nx_bipartite(mem)
    ref = nxb.weighted_projected_graph(ref_g, nodes)
    assert_same_projection(bip.institution_projection("shared"), ref)


@pytest.mark.parametrize("seed", [0, 1])
def test_newman_projection_equals_networkx(seed):
    inst, proj, mem = random_world(seed)
    bip = network.bipartite_network(mem, inst, proj)
    ref_g, nodes = nx_bipartite(mem)
    ref = nxb.collaboration_weighted_projected_graph(ref_g, nodes)
    assert_same_projection(bip.institution_projection("newman"), ref)


def test_projections_of_small_world_by_hand():
    inst, proj, mem = small_world()
    bip = network.bipartite_network(mem, inst, proj)
    shared = bip.institution_projection("shared").to_frame()
    w = {(r.source, r.target): r.weight for r in shared.itertuples()}
    assert w[("C", "D")] == 2  # p1 and p6
    assert w[("A", "F")] == 1
    assert ("G", "G") not in w
    newman = bip.institution_projection("newman").to_frame()
    wn = {(r.source, r.target): r.weight for r in newman.itertuples()}
    assert wn[("C", "D")] == pytest.approx(1 / 4 + 1)  # p1 (k=5) and p6 (k=2)
    assert wn[("C", "E")] == pytest.approx(1 / 4 + 1 / 2)


def test_single_member_project_and_inactive_institution():
    inst, proj, mem = small_world()
    bip = network.bipartite_network(mem, inst, proj)
    net = bip.institution_projection()
    # Z is in no project: not a node by default; G is a node (p3) and p4 adds nothing
    assert "Z" not in set(net.ids)
    deg = network.degree_strength(net).set_index("institution_id")
    assert deg.loc["G", "degree"] == 2  # A and F via p3 only
    full = network.bipartite_network(mem, inst, proj, include_inactive=True)
    net2 = full.institution_projection()
    assert "Z" in set(net2.ids)
    assert network.degree_strength(net2).set_index("institution_id").loc["Z", "degree"] == 0
    assert net2.n_edges == net.n_edges
    # a world made only of single-member projects has nodes but no edges
    only = network.bipartite_network(mem[mem["project_id"] == "p4"], inst, proj)
    solo = only.institution_projection("newman")
    assert solo.n_nodes == 1 and solo.n_edges == 0
    assert only.country_projection().n_edges == 0


def test_min_weight_drops_weak_edges():
    inst, proj, mem = random_world(3)
    bip = network.bipartite_network(mem, inst, proj)
    full = bip.institution_projection().to_frame()
    strong = bip.institution_projection(min_weight=2).to_frame()
    assert len(strong) == (full["weight"] >= 2).sum() > 0
    assert strong["weight"].min() >= 2


def _country_pairs_by_groupby(mem, inst):
    """Independent reference: self-merge memberships on project, count institution pairs."""
    m = mem.drop_duplicates(["project_id", "institution_id"]).merge(
        inst[["institution_id", "country"]]
    )
    pairs = m.merge(m, on="project_id", suffixes=("_a", "_b"))
    pairs = pairs[pairs["institution_id_a"] < pairs["institution_id_b"]]
    ca, cb = pairs["country_a"], pairs["country_b"]
    pairs = pairs.assign(c1=np.where(ca < cb, ca, cb), c2=np.where(ca < cb, cb, ca))
    cross = pairs[pairs["c1"] != pairs["c2"]]
    within = pairs[pairs["c1"] == pairs["c2"]].groupby("c1").size()
    by_pairs = cross.groupby(["c1", "c2"]).size()
    by_projects = cross.drop_duplicates(["project_id", "c1", "c2"]).groupby(["c1", "c2"]).size()
    within_projects = (
        pairs[pairs["c1"] == pairs["c2"]].drop_duplicates(["project_id", "c1"]).groupby("c1").size()
    )
    return by_pairs, within, by_projects, within_projects


def _as_series(cn: network.CountryNetwork):
    f = cn.to_frame()
    return f.set_index(["country_a", "country_b"])["weight"]


@pytest.mark.parametrize("seed", [0, 2])
def test_country_network_equals_pandas_groupby(seed):
    inst, proj, mem = random_world(seed, n_countries=6)
    bip = network.bipartite_network(mem, inst, proj)
    by_pairs, within, by_projects, within_projects = _country_pairs_by_groupby(mem, inst)
    pairs = bip.country_projection("pairs")
    got = _as_series(pairs)
    assert dict(got) == pytest.approx({k: float(v) for k, v in by_pairs.items()})
    w = pairs.within_frame().set_index("country")["within_weight"]
    assert dict(w[w > 0]) == pytest.approx({k: float(v) for k, v in within.items()})
    projects = bip.country_projection("projects")
    assert dict(_as_series(projects)) == pytest.approx(
        {k: float(v) for k, v in by_projects.items()}
    )
    wp = projects.within_frame().set_index("country")["within_weight"]
    assert dict(wp[wp > 0]) == pytest.approx({k: float(v) for k, v in within_projects.items()})


def test_country_network_worked_example_and_no_self_loops():
    inst, proj, mem = small_world()
    bip = network.bipartite_network(mem, inst, proj)
    cn = bip.country_projection("pairs")
    w = _as_series(cn)
    # p1: 3 DE x 2 FR = 6; p2: C(DE)-E(FR) = 1; p6: C(DE)-D(FR) = 1
    assert w[("DE", "FR")] == 8
    assert cn.adjacency.diagonal().sum() == 0
    g = cn.to_networkx()
    assert nx.number_of_selfloops(g) == 0
    st = cn.strength().set_index("country")
    # Malta: only within-country ties, no cross-border tie, still reported
    assert st.loc["MT", "cross_border_strength"] == 0
    assert st.loc["MT", "within_weight"] == 1
    assert st.loc["MT", "cross_border_share"] == 0
    assert st.loc["DE", "within_weight"] == 3  # p1: A-B, A-C, B-C
    mat = cn.to_matrix()
    assert (np.diag(mat.to_numpy()) == 0).all()
    assert cn.to_matrix(include_within=True).loc["DE", "DE"] == 3
    assert "cross-border share" in cn.summary()


# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------


def test_filters_applied_before_projection():
    inst, proj, mem = random_world(5)
    bip = network.bipartite_network(
        mem,
        inst,
        proj,
        programme="etwinning",
        year_from=2012,
        year_to=2017,
        institution_types=["primary", "ite"],
    )
    keep_p = proj[
        (proj["programme"] == "etwinning") & proj["start_date"].dt.year.between(2012, 2017)
    ]["project_id"]
    keep_i = inst[inst["institution_type"].isin(["primary", "ite"])]["institution_id"]
    sub = mem[mem["project_id"].isin(keep_p) & mem["institution_id"].isin(keep_i)]
    ref_g, nodes = nx_bipartite(sub)
    # Newman k_p are the slice's project sizes
    assert_same_projection(
        bip.institution_projection("newman"),
        nxb.collaboration_weighted_projected_graph(ref_g, nodes),
    )
    assert bip.filters["programme"] == ["etwinning"]


def test_country_filter_scopes():
    inst, proj, mem = small_world()
    involving = network.bipartite_network(mem, inst, proj, countries=["IT"])
    # projects with an Italian member, with all their members
    assert set(involving.projects["project_id"]) == {"p2", "p3", "p4"}
    assert set(involving.institutions["country"]) == {"DE", "FR", "IT"}
    only = network.bipartite_network(
        mem, inst, proj, countries=["Italy"], country_scope="institutions"
    )
    assert set(only.institutions["institution_id"]) == {"F", "G"}


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"programme": "other"}, "programme"),
        ({"year_from": 2030}, "years"),
        ({"institution_types": ["vocational"]}, "institution_types"),
        ({"countries": ["PT"]}, "countries"),
        ({"countries": ["EL"]}, "countries"),
        ({"programme": "erasmus_plus", "countries": ["MT"]}, "countries"),
    ],
)
def test_empty_filter_result_names_the_filter(kwargs, name):
    inst, proj, mem = small_world()
    with pytest.raises(NetworkFilterError, match=f"filter {name}="):
        network.bipartite_network(mem, inst, proj, **kwargs)


def test_bad_input_errors():
    inst, proj, mem = small_world()
    with pytest.raises(NetworkInputError, match="institutions not in the institutions table"):
        network.bipartite_network(mem, inst[inst["institution_id"] != "A"], proj)
    with pytest.raises(NetworkInputError, match="projects not in the projects table"):
        network.bipartite_network(mem, inst, proj[proj["project_id"] != "p1"])
    with pytest.raises(NetworkInputError, match="lacks column"):
        network.bipartite_network(mem.drop(columns="project_id"), inst, proj)
    with pytest.raises(NetworkInputError, match="needs the projects table"):
        network.bipartite_network(mem, inst, programme="etwinning")
    with pytest.raises(NetworkFilterError, match="empty"):
        network.bipartite_network(mem.iloc[:0], inst, proj)
    with pytest.raises(ValueError, match="weighting"):
        network.bipartite_network(mem, inst, proj).institution_projection("jaccard")


# --------------------------------------------------------------------------------------------
# Metrics vs networkx
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rnet():
    inst, proj, mem = random_world(7, n_inst=80, n_proj=70)
    bip = network.bipartite_network(mem, inst, proj)
    net = bip.institution_projection("shared")
    return net, net.to_networkx()


def test_degree_strength_equal_networkx(rnet):
    net, g = rnet
    ds = network.degree_strength(net).set_index("institution_id")
    assert ds["degree"].to_dict() == dict(g.degree())
    assert ds["strength"].to_dict() == pytest.approx(dict(g.degree(weight="weight")))


def test_eigenvector_equals_networkx_on_largest_component(rnet):
    net, g = rnet
    ev = dict(zip(net.ids, network.eigenvector_centrality(net), strict=True))
    giant = g.subgraph(max(nx.connected_components(g), key=len))
    ref = nx.eigenvector_centrality_numpy(giant, weight="weight")
    for node in g:
        assert ev[node] == pytest.approx(ref.get(node, 0.0), abs=1e-8)
    # a larger connected graph goes through the sparse eigensolver
    big = nx.connected_watts_strogatz_graph(600, 6, 0.1, seed=1)
    adj = nx.to_scipy_sparse_array(big, nodelist=range(600), format="csr")
    ref = nx.eigenvector_centrality_numpy(big)
    got = network.eigenvector_centrality(adj)
    assert got == pytest.approx(np.array([ref[i] for i in range(600)]), abs=1e-7)


def test_betweenness_exact_and_sampled_equal_networkx(rnet):
    net, g = rnet
    bc, method = network.betweenness_centrality(net)
    assert method.startswith("exact")
    ref = nx.betweenness_centrality(g)
    assert dict(zip(net.ids, bc, strict=True)) == pytest.approx(ref, abs=1e-12)
    bc_s, method_s = network.betweenness_centrality(net, exact_max_nodes=10, k=25, seed=3)
    assert "25 pivot" in method_s
    ref_s = nx.betweenness_centrality(g, k=25, seed=3)
    assert dict(zip(net.ids, bc_s, strict=True)) == pytest.approx(ref_s, abs=1e-12)


def test_clustering_components_cores_equal_networkx(rnet):
    net, g = rnet
    assert dict(zip(net.ids, network.local_clustering(net), strict=True)) == pytest.approx(
        nx.clustering(g)
    )
    assert network.average_clustering(net) == pytest.approx(nx.average_clustering(g))
    assert network.transitivity(net) == pytest.approx(nx.transitivity(g))
    comp = network.components(net)
    ref = sorted((len(c) for c in nx.connected_components(g)), reverse=True)
    assert comp.sizes.tolist() == ref
    by_label = {}
    for node, lab in zip(net.ids, comp.labels, strict=True):
        by_label.setdefault(lab, set()).add(node)
    assert sorted(map(frozenset, by_label.values()), key=len) == sorted(
        map(frozenset, nx.connected_components(g)), key=len
    )
    assert comp.largest_share == pytest.approx(ref[0] / g.number_of_nodes())
    core = dict(zip(net.ids, network.core_number(net), strict=True))
    assert core == nx.core_number(g)
    main = set(net.ids[network.k_core(net)])
    assert main == set(nx.k_core(g).nodes)
    assert set(net.ids[network.k_core(net, 2)]) == set(nx.k_core(g, 2).nodes)


def test_assortativity_equals_networkx(rnet):
    net, g = rnet
    for attr in ("country", "institution_type"):
        assert network.attribute_assortativity(net, attr) == pytest.approx(
            nx.attribute_assortativity_coefficient(g, attr)
        )


def test_cross_border_share_and_ei_index_by_direct_count(rnet):
    net, g = rnet
    e = net.to_frame()
    cross = e["source_country"] != e["target_country"]
    assert network.cross_border_share(net) == pytest.approx(cross.mean())
    assert network.cross_border_share(net, weighted=True) == pytest.approx(
        e.loc[cross, "weight"].sum() / e["weight"].sum()
    )
    ei = network.ei_index(net)
    assert ei.overall == pytest.approx((cross.sum() - (~cross).sum()) / len(e))
    # per country: ties of its members
    grp = ei.to_frame().set_index("country")
    for c in grp.index:
        touches = (e["source_country"] == c) | (e["target_country"] == c)
        ext = (touches & cross).sum()
        internal = (touches & ~cross).sum()
        assert grp.loc[c, "external"] == ext and grp.loc[c, "internal"] == internal
        if ext + internal:
            assert grp.loc[c, "ei_index"] == pytest.approx((ext - internal) / (ext + internal))
    assert "E-I index" in ei.summary()


def test_modularity_and_networkx_louvain(rnet):
    net, g = rnet
    res = network.communities(net, seed=4, method="networkx")
    ref = nx.community.louvain_communities(
        nx.convert_node_labels_to_integers(g, ordering="default"), weight="weight", seed=4
    )
    assert res.n_communities == len(ref)
    assert sorted(np.bincount(res.labels).tolist()) == sorted(len(c) for c in ref)
    parts = [set(net.ids[res.labels == c]) for c in range(res.n_communities)]
    assert res.modularity == pytest.approx(nx.community.modularity(g, parts, weight="weight"))
    assert network.modularity(net.adjacency, res.labels, resolution=0.5) == pytest.approx(
        nx.community.modularity(g, parts, weight="weight", resolution=0.5)
    )
    comp = res.composition("country")
    assert comp.groupby("community")["share"].sum().to_numpy() == pytest.approx(1.0)


def test_sparse_louvain_recovers_planted_partition_and_matches_networkx_quality():
    sizes = [40, 30, 30, 25]
    g = nx.stochastic_block_model(
        sizes, [[0.5 if i == j else 0.01 for j in range(4)] for i in range(4)], seed=2
    )
    adj = nx.to_scipy_sparse_array(g, nodelist=range(g.number_of_nodes()), format="csr")
    labels = network.louvain_sparse(adj, seed=1)
    truth = np.repeat(np.arange(4), sizes)
    # same partition up to relabelling
    pairs = set(zip(truth.tolist(), labels.tolist(), strict=True))
    assert len(pairs) == 4 and len({b for _, b in pairs}) == 4
    # on a harder graph the modularity is close to networkx Louvain's
    h = nx.connected_caveman_graph(12, 8)
    h = nx.double_edge_swap(h, nswap=60, max_tries=10_000, seed=3)
    a = nx.to_scipy_sparse_array(h, nodelist=range(h.number_of_nodes()), format="csr")
    q_sparse = network.modularity(a, network.louvain_sparse(a, seed=0))
    q_nx = nx.community.modularity(h, nx.community.louvain_communities(h, seed=0))
    assert q_sparse >= q_nx - 0.02
    # seeded: same result twice
    assert (network.louvain_sparse(a, seed=5) == network.louvain_sparse(a, seed=5)).all()


def test_result_objects_have_summary_and_frame(rnet):
    net, _ = rnet
    inst, proj, mem = random_world(7, n_inst=80, n_proj=70)
    bip = network.bipartite_network(mem, inst, proj)
    results = [
        network.centralities(net),
        network.components(net),
        network.communities(net, seed=0),
        network.ei_index(net),
        network.overview(bip),
    ]
    for r in results:
        assert isinstance(r.summary(), str) and r.summary()
        assert isinstance(r.to_frame(), pd.DataFrame) and len(r.to_frame())
    top = network.centralities(net).top_table(3)
    assert set(top["measure"]) == {"degree", "strength", "eigenvector", "betweenness"}
    assert (top.groupby("measure").size() == 3).all()


# --------------------------------------------------------------------------------------------
# Real data: H2020 participations
# --------------------------------------------------------------------------------------------


@pytest.mark.real
def test_projections_equal_networkx_on_real_h2020_sample(real_data_dir):
    df = pd.read_csv(
        real_data_dir / "cordis_h2020_participations.csv.gz",
        usecols=["rcn", "pic", "country"],
        dtype={"rcn": str, "pic": str, "country": str},
    )
    rng = np.random.default_rng(2020)
    projects = rng.choice(df["rcn"].unique(), 1200, replace=False)
    sample = df[df["rcn"].isin(projects)].dropna(subset=["country"])
    mem = sample.rename(columns={"rcn": "project_id", "pic": "institution_id"})
    inst = (
        mem[["institution_id", "country"]]
        .drop_duplicates("institution_id")
        .assign(country=lambda d: d["country"].replace(EU_TO_ISO_COUNTRY))
    )
    bip = network.bipartite_network(mem[["project_id", "institution_id"]], inst)
    ref_g, nodes = nx_bipartite(mem)
    assert_same_projection(
        bip.institution_projection("shared"), nxb.weighted_projected_graph(ref_g, nodes)
    )
    assert_same_projection(
        bip.institution_projection("newman"),
        nxb.collaboration_weighted_projected_graph(ref_g, nodes),
    )
    by_pairs, within, _, _ = _country_pairs_by_groupby(mem[["project_id", "institution_id"]], inst)
    cn = bip.country_projection()
    assert dict(_as_series(cn)) == pytest.approx({k: float(v) for k, v in by_pairs.items()})
    assert "GR" in set(cn.countries) and "EL" not in set(cn.countries)


def test_edge_list_is_tidy_and_sorted():
    inst, proj, mem = small_world()
    f = network.bipartite_network(mem, inst, proj).institution_projection().to_frame()
    assert list(f.columns[:3]) == ["source", "target", "weight"]
    assert (f["source"] < f["target"]).all()
    assert not f.duplicated(["source", "target"]).any()
    assert len(f) == len(
        set(
            itertools.chain.from_iterable(
                itertools.combinations(sorted(g["institution_id"].unique()), 2)
                for _, g in mem.groupby("project_id")
            )
        )
    )


def test_unknown_country_in_filter_is_a_clear_error():
    inst, proj, mem = small_world()
    with pytest.raises(ValueError, match="not recognised as countries"):
        network.bipartite_network(mem, inst, proj, countries=["Atlantis"])


def test_centrality_by_institution_type(rnet):
    net, _ = rnet
    cent = network.centralities(net)
    by = cent.by_group("institution_type").set_index("institution_type")
    f = cent.to_frame()
    ref = f.groupby("institution_type")["degree"].median()
    assert by["median_degree"].to_dict() == pytest.approx(ref.to_dict())
    assert by["n_institutions"].sum() == net.n_nodes
    assert by["share_of_top1pct_degree"].sum() == pytest.approx(1.0)
