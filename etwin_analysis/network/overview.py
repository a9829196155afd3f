"""One table answering "how big and how connected is the collaboration network?"."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etwin_analysis.network import metrics
from etwin_analysis.network._bipartite import BipartiteNetwork, CountryNetwork, InstitutionNetwork

__all__ = ["NetworkOverview", "overview"]


@dataclass
class NetworkOverview:
    """Size, connectivity and mixing of one slice: tidy ``measure, value, meaning``."""

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def value(self, measure: str) -> float:
        return float(self.table.set_index("measure").loc[measure, "value"])

    def as_dict(self) -> dict[str, float]:
        return dict(zip(self.table["measure"], self.table["value"].astype(float), strict=True))

    def summary(self) -> str:
        return "\n".join(
            f"{r.measure:>32}: {r.value:,.4g}  ({r.meaning})"
            for r in self.table.itertuples(index=False)
        )


def overview(
    bip: BipartiteNetwork,
    institutions: InstitutionNetwork | None = None,
    countries: CountryNetwork | None = None,
    *,
    clustering: bool = True,
) -> NetworkOverview:
    """Sizes of the bipartite graph and both projections, components, clustering, main
    k-core, country / type assortativity, cross-border share and E-I index.

    ``clustering=False`` skips the triangle count (costly on very large projections).
    """
    inst = institutions if institutions is not None else bip.institution_projection()
    ctry = countries if countries is not None else bip.country_projection()
    comp = metrics.components(inst)
    core = metrics.core_number(inst)
    n = inst.n_nodes
    rows = [
        ("projects", bip.n_projects, "projects in the slice"),
        ("institutions", bip.n_institutions, "institutions in at least one of them"),
        ("memberships", bip.n_memberships, "distinct institution-project pairs"),
        ("institution_edges", inst.n_edges, "institution pairs sharing >= 1 project"),
        (
            "density",
            2 * inst.n_edges / (n * (n - 1)) if n > 1 else np.nan,
            "share of possible institution pairs linked",
        ),
        ("mean_degree", 2 * inst.n_edges / n if n else np.nan, "partners per institution"),
        ("components", comp.n_components, "connected components (isolates included)"),
        ("largest_component_share", comp.largest_share, "share of institutions in it"),
        ("isolated_institutions", comp.n_isolates, "institutions with no partner"),
        ("main_core_k", int(core.max()) if core.size else 0, "k of the innermost k-core"),
        (
            "main_core_size",
            int((core == core.max()).sum()) if core.size else 0,
            "institutions in it",
        ),
        ("country_nodes", ctry.n_nodes, "countries in the slice"),
        ("country_edges", ctry.n_edges, "country pairs with >= 1 cross-border tie"),
    ]
    if clustering:
        rows += [
            ("transitivity", metrics.transitivity(inst), "global clustering coefficient"),
            ("average_clustering", metrics.average_clustering(inst), "mean local clustering"),
        ]
    if "country" in inst.nodes:
        rows += [
            (
                "country_assortativity",
                metrics.attribute_assortativity(inst, "country"),
                "Newman r by country (1 = only same-country ties)",
            ),
            (
                "cross_border_share",
                metrics.cross_border_share(inst, "country"),
                "share of institution ties joining two countries",
            ),
            (
                "ei_index_country",
                metrics.ei_index(inst, "country").overall,
                "E-I index by country (-1 all internal, +1 all external)",
            ),
        ]
    if "institution_type" in inst.nodes:
        rows.append(
            (
                "type_assortativity",
                metrics.attribute_assortativity(inst, "institution_type"),
                "Newman r by institution type",
            )
        )
    return NetworkOverview(pd.DataFrame(rows, columns=["measure", "value", "meaning"]))
