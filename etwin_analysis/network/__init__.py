"""Collaboration networks between institutions and between countries.

Build the deduplicated institution-project bipartite graph of a slice of the data
(`bipartite_network`), project it with sparse matrix algebra onto institutions
(`BipartiteNetwork.institution_projection`, shared-project or Newman weights) and countries
(`BipartiteNetwork.country_projection`), and measure it: centralities, clustering,
components, k-cores, Louvain communities, assortativity, cross-border share, E-I index
(`etwin_analysis.network.metrics`, `.community`), against degree-preserving null models
(`null_model`), over time (`growth`, `densification`) and around ITE adoption
(`ego_networks`). Every result object has ``summary()`` and ``to_frame()``.

Typical use::

    from etwin_analysis import network
    bip = network.bipartite_network(ds, programme="etwinning", year_from=2015)
    inst = bip.institution_projection("newman")
    countries = bip.country_projection()
    print(network.centralities(inst).summary())
"""

from etwin_analysis.network._bipartite import (
    BipartiteNetwork,
    CountryNetwork,
    InstitutionNetwork,
    NetworkFilterError,
    NetworkInputError,
    bipartite_network,
)
from etwin_analysis.network.community import (
    NX_LOUVAIN_MAX_EDGES,
    CommunityResult,
    communities,
    louvain_sparse,
    modularity,
)
from etwin_analysis.network.metrics import (
    BETWEENNESS_EXACT_MAX_NODES,
    BETWEENNESS_PIVOTS,
    CentralityResult,
    ComponentsResult,
    EIResult,
    attribute_assortativity,
    average_clustering,
    betweenness_centrality,
    centralities,
    components,
    core_number,
    cross_border_share,
    degree_strength,
    ei_index,
    eigenvector_centrality,
    k_core,
    local_clustering,
    mixing_matrix,
    transitivity,
)
from etwin_analysis.network.nullmodel import STATISTICS, NullModelResult, curveball, null_model
from etwin_analysis.network.overview import NetworkOverview, overview
from etwin_analysis.network.temporal import (
    DensificationResult,
    EgoResult,
    GrowthResult,
    densification,
    ego_networks,
    foreign_partner_countries,
    growth,
    snapshots,
)

__all__ = [
    "BETWEENNESS_EXACT_MAX_NODES",
    "BETWEENNESS_PIVOTS",
    "NX_LOUVAIN_MAX_EDGES",
    "STATISTICS",
    "BipartiteNetwork",
    "CentralityResult",
    "CommunityResult",
    "ComponentsResult",
    "CountryNetwork",
    "DensificationResult",
    "EIResult",
    "EgoResult",
    "GrowthResult",
    "InstitutionNetwork",
    "NetworkFilterError",
    "NetworkInputError",
    "NetworkOverview",
    "NullModelResult",
    "attribute_assortativity",
    "average_clustering",
    "betweenness_centrality",
    "bipartite_network",
    "centralities",
    "communities",
    "components",
    "core_number",
    "cross_border_share",
    "curveball",
    "degree_strength",
    "densification",
    "ego_networks",
    "ei_index",
    "eigenvector_centrality",
    "foreign_partner_countries",
    "growth",
    "k_core",
    "local_clustering",
    "louvain_sparse",
    "mixing_matrix",
    "modularity",
    "null_model",
    "overview",
    "snapshots",
    "transitivity",
]
