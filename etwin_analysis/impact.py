"""Institutional impact of adopting eTwinning: a staggered-adoption event study.

The 2023 monitoring report says that initial teacher education (ITE) institutions that adopt
'eTwinning for future teachers' expand their international networks, take part in more Erasmus+
projects, and that their teacher educators collaborate more across disciplines. Institutions
adopt in different years, so this is a staggered-adoption design. This module provides:

- :func:`build_panel`: an institution-by-year panel of network and participation outcomes
  (counts per calendar year) with each institution's adoption cohort.
- :func:`callaway_santanna`: group-time average treatment effects ATT(g, t) in the manner of
  Callaway & Sant'Anna (2021), aggregated to an event-study curve and an overall effect, with a
  weighted (multiplier) bootstrap clustered by institution giving pointwise intervals, a uniform
  (sup-t) band and a pre-trend Wald test. ``scale="ratio"`` gives the Poisson (multiplicative
  parallel trends) version for count outcomes (Wooldridge 2023).
- :func:`twfe_event_study`: the naive two-way fixed-effects event study and static TWFE
  estimate (statsmodels OLS, cluster-robust by institution), shown beside the robust estimate
  because TWFE is biased when effects vary across cohorts and over time (Goodman-Bacon 2021;
  Sun & Abraham 2021; de Chaisemartin & D'Haultfoeuille 2020).
- :func:`adoption_event_study`: both of the above in one call (the notebook's entry point).
- :func:`educator_interdisciplinarity`: the share of teacher educators' collaboration ties that
  cross disciplines, and the E-I index (Krackhardt & Stern 1988), before vs after their
  institution's adoption, with a permutation test that shuffles disciplines within institutions.

References
----------
Callaway, B. & Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time periods.
Journal of Econometrics 225(2), 200-230.
Roth, J. (2022). Pretest with caution: event-study estimates after testing for parallel trends.
AER: Insights 4(3), 305-322.
Roth, J. (2024). Interpreting event-studies from recent difference-in-differences methods.
arXiv:2401.12309.
Wooldridge, J. M. (2023). Simple approaches to nonlinear difference-in-differences with panel
data. The Econometrics Journal 26(3), C31-C66.
Praestgaard, J. & Wellner, J. A. (1993). Exchangeably weighted bootstraps of the general
empirical process. Annals of Probability 21(4), 2053-2086.
Krackhardt, D. & Stern, R. N. (1988). Informal networks and organizational crises: an
experimental simulation. Social Psychology Quarterly 51(2), 123-140.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from etwin_analysis.dataset import institution_memberships

__all__ = [
    "OUTCOMES",
    "ImpactInputError",
    "build_panel",
    "callaway_santanna",
    "twfe_event_study",
    "adoption_event_study",
    "educator_interdisciplinarity",
    "EventStudyResult",
    "PretrendTest",
    "TWFEResult",
    "AdoptionImpact",
    "InterdisciplinarityResult",
    "counterfactual_effects",
    "true_event_curve",
    "plot_event_study",
    "overall_effects",
]

#: Panel outcomes (all counts per institution and calendar year) and what they mean.
OUTCOMES: dict[str, str] = {
    "new_partner_countries": "foreign countries the institution partnered with for the first "
    "time that year (count; a partner country is the country of another institution in a "
    "project started that year, own country excluded)",
    "cumulative_partner_countries": "distinct foreign partner countries up to and including "
    "that year (count; includes years before the panel window)",
    "international_partners": "distinct foreign partner institutions in projects started that "
    "year (count)",
    "etwinning_projects_started": "eTwinning projects started that year (count)",
    "erasmus_projects_started": "Erasmus+ projects started that year (count)",
    "network_degree": "distinct partner institutions, any country, in projects started that "
    "year (count; the institution's degree in that year's collaboration network)",
}

CONTROL_GROUPS = ("not_yet_treated", "never_treated")
BASE_PERIODS = ("universal", "varying")
SCALES = ("level", "ratio")

# Scale factor turning an inter-quartile range into a normal-equivalent standard error.
_IQR_TO_SD = float(stats.norm.ppf(0.75) - stats.norm.ppf(0.25))


class ImpactInputError(ValueError):
    """Input to the impact analysis is unusable; the message names the table, column and reason."""


# --------------------------------------------------------------------------------------------
# Panel construction
# --------------------------------------------------------------------------------------------


def _require_columns(df: pd.DataFrame, table: str, columns: Iterable[str]) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ImpactInputError(f"{table}: expected a pandas DataFrame, got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ImpactInputError(
            f"{table}: missing required column(s) {missing}; present: {list(df.columns)}"
        )


def _examples(values: Iterable, k: int = 5) -> str:
    vals = list(dict.fromkeys(values))
    more = f" (and {len(vals) - k} more)" if len(vals) > k else ""
    return ", ".join(map(str, vals[:k])) + more


def _membership_pairs(memberships: pd.DataFrame) -> pd.DataFrame:
    """(project_id, institution_id) pairs, one per institution and project.

    Memberships may hold one row per person (and rows with an empty ``person_id``); the
    institution-level analysis counts an institution once per project.
    """
    return institution_memberships(memberships)[["project_id", "institution_id"]]


def _project_years(projects: pd.DataFrame) -> pd.DataFrame:
    proj = projects[["project_id", "programme", "start_date"]].copy()
    start = pd.to_datetime(proj["start_date"], errors="coerce")
    bad = start.isna()
    if bad.any():
        raise ImpactInputError(
            f"projects: column start_date is empty or not a date for {int(bad.sum())} row(s) "
            f"(project_id {_examples(proj.loc[bad, 'project_id'])})"
        )
    proj["start_year"] = start.dt.year.astype(int)
    return proj.drop(columns="start_date")


def _adoption_year(institutions: pd.DataFrame) -> pd.Series:
    raw = institutions["etwinning_since"]
    year = pd.to_numeric(raw, errors="coerce")
    bad = year.isna() & raw.notna()
    if bad.any():
        raise ImpactInputError(
            "institutions: column etwinning_since must be a year or empty; not a number for "
            f"institution_id {_examples(institutions.loc[bad, 'institution_id'])}"
        )
    return year.round().astype("Int64")


def build_panel(
    institutions: pd.DataFrame,
    projects: pd.DataFrame,
    memberships: pd.DataFrame,
    years: Iterable[int] | None = None,
    *,
    institution_types: Sequence[str] | None = ("ite",),
    countries: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Institution-by-year panel of network-expansion and participation outcomes.

    Parameters
    ----------
    institutions, projects, memberships
        Tables in the canonical contract (see ``etwin_analysis.contract``). Memberships may hold
        several rows per (project, institution) - one per person - and rows with an empty
        ``person_id``: they are deduplicated to (project_id, institution_id) first.
    years
        Calendar years of the panel; default: every year from the first to the last project
        start year. Every focal institution gets one row per year; years without activity are
        zeros, never missing rows.
    institution_types
        Which institutions are the panel's units (default ITE institutions only; ``None`` = all).
        Partners are counted among all institutions regardless.
    countries
        Optional ISO alpha-2 codes restricting the units to institutions in those countries.

    Returns
    -------
    DataFrame with one row per (institution_id, year): ``country``, ``institution_type``,
    ``adoption_year`` (Int64, <NA> for never-adopters, from ``etwinning_since``), ``cohort``
    (int: the adoption year, **0 for never-adopters**, the convention of Callaway & Sant'Anna's
    software), ``event_time`` (Int64, year - adoption year, <NA> for never-adopters),
    ``treated`` (bool: adopted by that year) and the count outcomes of :data:`OUTCOMES`.
    A project belongs to the calendar year of its ``start_date``; partners are the other
    institutions in the same project.
    """
    _require_columns(
        institutions,
        "institutions",
        ["institution_id", "country", "institution_type", "etwinning_since"],
    )
    _require_columns(projects, "projects", ["project_id", "programme", "start_date"])
    _require_columns(memberships, "memberships", ["project_id", "institution_id", "role"])

    inst = institutions[["institution_id", "country", "institution_type"]].copy()
    dup = inst["institution_id"].duplicated(keep=False)
    if dup.any():
        raise ImpactInputError(
            "institutions: institution_id must be unique; duplicated: "
            f"{_examples(inst.loc[dup, 'institution_id'])}"
        )
    inst["adoption_year"] = _adoption_year(institutions).to_numpy()
    proj = _project_years(projects)
    if proj["project_id"].duplicated().any():
        raise ImpactInputError(
            "projects: project_id must be unique; duplicated: "
            f"{_examples(proj.loc[proj['project_id'].duplicated(), 'project_id'])}"
        )

    pairs = _membership_pairs(memberships)
    unknown_inst = ~pairs["institution_id"].isin(inst["institution_id"])
    if unknown_inst.any():
        raise ImpactInputError(
            "memberships: institution_id not found in institutions for "
            f"{int(unknown_inst.sum())} membership(s): {_examples(pairs.loc[unknown_inst, 'institution_id'])}"
        )
    unknown_proj = ~pairs["project_id"].isin(proj["project_id"])
    if unknown_proj.any():
        raise ImpactInputError(
            "memberships: project_id not found in projects for "
            f"{int(unknown_proj.sum())} membership(s): {_examples(pairs.loc[unknown_proj, 'project_id'])}"
        )
    m = pairs.merge(proj, on="project_id").merge(
        inst[["institution_id", "country"]], on="institution_id"
    )

    focal = inst
    if institution_types is not None:
        focal = focal[focal["institution_type"].isin(list(institution_types))]
    if countries is not None:
        focal = focal[focal["country"].isin(list(countries))]
    if focal.empty:
        raise ImpactInputError(
            f"institutions: no institution of type {institution_types} in countries "
            f"{countries if countries is not None else 'any'}; the panel would be empty"
        )
    focal = focal.sort_values("institution_id", ignore_index=True)

    if years is None:
        if proj.empty:
            raise ImpactInputError("projects: no projects, so the panel years cannot be inferred")
        years = range(int(proj["start_year"].min()), int(proj["start_year"].max()) + 1)
    years = sorted({int(y) for y in years})
    if not years:
        raise ImpactInputError("years: empty; give at least one calendar year")

    fm = m[m["institution_id"].isin(focal["institution_id"])]
    key = ["institution_id", "start_year"]

    started = (
        fm.groupby(key + ["programme"]).size().unstack("programme", fill_value=0)
        if not fm.empty
        else pd.DataFrame(index=pd.MultiIndex.from_arrays([[], []], names=key))
    )
    partner = m[["project_id", "institution_id", "country"]].rename(
        columns={"institution_id": "partner_id", "country": "partner_country"}
    )
    ties = fm[["project_id", "institution_id", "country", "start_year"]].merge(
        partner, on="project_id"
    )
    ties = ties[ties["institution_id"] != ties["partner_id"]]
    foreign = ties[ties["partner_country"] != ties["country"]]
    degree = ties.groupby(key)["partner_id"].nunique()
    international = foreign.groupby(key)["partner_id"].nunique()
    first_contact = foreign.groupby(["institution_id", "partner_country"])["start_year"].min()
    new_countries = first_contact.reset_index().groupby(key).size()

    grid = pd.MultiIndex.from_product([focal["institution_id"], years], names=key)

    def on_grid(series_or_frame, column=None) -> np.ndarray:
        s = series_or_frame if column is None else series_or_frame.get(column)
        if s is None or len(s) == 0:
            return np.zeros(len(grid), dtype=np.int64)
        return s.reindex(grid, fill_value=0).to_numpy().astype(np.int64)

    # Cumulative distinct partner countries: first contacts up to and including each year,
    # counting contacts before the window too.
    cum = np.zeros(len(grid), dtype=np.int64)
    if len(first_contact):
        fc = first_contact.reset_index()
        fc = fc[fc["institution_id"].isin(focal["institution_id"])]
        unit_pos = pd.Index(focal["institution_id"]).get_indexer(fc["institution_id"])
        year_pos = np.searchsorted(np.asarray(years), fc["start_year"].to_numpy(), side="left")
        counts = np.zeros((len(focal), len(years) + 1), dtype=np.int64)
        np.add.at(counts, (unit_pos, year_pos), 1)
        cum = np.cumsum(counts, axis=1)[:, : len(years)].ravel()

    panel = pd.DataFrame(
        {
            "institution_id": grid.get_level_values(0),
            "year": grid.get_level_values(1).astype(int),
        }
    )
    info = focal.set_index("institution_id")
    panel["country"] = info["country"].reindex(panel["institution_id"]).to_numpy()
    panel["institution_type"] = info["institution_type"].reindex(panel["institution_id"]).to_numpy()
    adoption = info["adoption_year"].reindex(panel["institution_id"]).to_numpy()
    panel["adoption_year"] = pd.array(adoption, dtype="Int64")
    panel["cohort"] = panel["adoption_year"].fillna(0).astype(int)
    panel["event_time"] = (panel["year"] - panel["adoption_year"]).astype("Int64")
    panel["treated"] = (panel["cohort"] > 0) & (panel["year"] >= panel["cohort"])
    panel["new_partner_countries"] = on_grid(new_countries)
    panel["cumulative_partner_countries"] = cum
    panel["international_partners"] = on_grid(international)
    panel["etwinning_projects_started"] = on_grid(started, "etwinning")
    panel["erasmus_projects_started"] = on_grid(started, "erasmus_plus")
    panel["network_degree"] = on_grid(degree)
    return panel


# --------------------------------------------------------------------------------------------
# Panel preparation shared by the estimators
# --------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    y: np.ndarray  # units x years
    cohort: np.ndarray  # 0 = not treated within the window
    years: np.ndarray
    units: np.ndarray
    notes: list[str]


def _prepare(panel: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str) -> _Prepared:
    _require_columns(panel, "panel", [unit, time, cohort, outcome])
    df = panel[[unit, time, cohort, outcome]]
    y_raw = pd.to_numeric(df[outcome], errors="coerce")
    if y_raw.isna().any():
        bad = df.loc[y_raw.isna()].head(3)
        raise ImpactInputError(
            f"panel: outcome {outcome!r} is missing or not numeric in {int(y_raw.isna().sum())} "
            f"row(s), e.g. {bad[[unit, time]].to_dict('records')}"
        )
    dup = df.duplicated([unit, time], keep=False)
    if dup.any():
        raise ImpactInputError(
            f"panel: more than one row per ({unit}, {time}), e.g. "
            f"{df.loc[dup, [unit, time]].head(3).to_dict('records')}"
        )
    years = np.sort(pd.unique(df[time].astype(int)))
    if len(years) < 2:
        raise ImpactInputError(
            "panel: at least two years are needed for a difference-in-differences"
        )
    if np.any(np.diff(years) != 1):
        raise ImpactInputError(
            f"panel: years must be consecutive; got {years.tolist()} (gaps break the g-1 base period)"
        )
    wide = df.pivot(index=unit, columns=time, values=outcome)
    if wide.isna().any().any():
        missing = wide.isna().sum(axis=1)
        raise ImpactInputError(
            f"panel: not balanced; {int((missing > 0).sum())} unit(s) lack some years, e.g. "
            f"{_examples(missing[missing > 0].index)} (build_panel returns balanced panels)"
        )
    coh = df.groupby(unit)[cohort].agg(["min", "max"])
    if (coh["min"] != coh["max"]).any():
        raise ImpactInputError(f"panel: column {cohort!r} must be constant within each {unit}")
    g = pd.to_numeric(coh["min"], errors="coerce").reindex(wide.index)
    if g.isna().any() or (g < 0).any():
        raise ImpactInputError(
            f"panel: column {cohort!r} must be the adoption year or 0 for never-adopters"
        )
    g = g.to_numpy().astype(int)
    notes: list[str] = []
    always = (g > 0) & (g <= years[0])
    if always.any():
        notes.append(
            f"{int(always.sum())} unit(s) adopted in or before the first panel year {years[0]} "
            "(no pre-adoption year): excluded, as in Callaway & Sant'Anna (2021)."
        )
    late = g > years[-1]
    if late.any():
        notes.append(
            f"{int(late.sum())} unit(s) adopted after the last panel year {years[-1]}: treated as "
            "not adopting within the window (cohort 0)."
        )
        g = np.where(late, 0, g)
    keep = ~always
    return _Prepared(
        y=wide.to_numpy(dtype=float)[keep],
        cohort=g[keep],
        years=years,
        units=wide.index.to_numpy()[keep],
        notes=notes,
    )


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> None:
    if value not in allowed:
        raise ImpactInputError(f"{name} must be one of {list(allowed)}, got {value!r}")


def _check_window(event_window: Sequence[int]) -> tuple[int, int]:
    try:
        lo, hi = (int(v) for v in event_window)
    except (TypeError, ValueError):
        raise ImpactInputError(
            f"event_window must be two integers (first, last event time), got {event_window!r}"
        ) from None
    if lo > -1 or hi < 0:
        raise ImpactInputError(f"event_window must include -1 and 0 (e.g. [-5, 5]), got {[lo, hi]}")
    return lo, hi


# --------------------------------------------------------------------------------------------
# Callaway & Sant'Anna
# --------------------------------------------------------------------------------------------


@dataclass
class PretrendTest:
    """Joint test that all pre-adoption event-time effects are zero.

    Wald statistic ``theta' V^+ theta`` with ``V`` the bootstrap covariance of the pre-period
    estimates, compared with a chi-squared distribution (degrees of freedom = rank of ``V``).

    Limits: a pre-trend test has low power against plausible violations of parallel trends,
    and conditioning the analysis on passing it distorts the post-period estimates and their
    coverage (Roth 2022). A large p-value is not evidence that trends are parallel.
    """

    event_times: list[int]
    estimates: list[float]
    statistic: float
    df: int
    p_value: float

    limits: str = (
        "Low power: small violations of parallel trends can pass unnoticed; passing the test "
        "does not establish parallel trends, and analyses conditioned on passing it are biased "
        "(Roth 2022). Pre-period effects only test trends before adoption, not after."
    )

    def summary(self) -> str:
        if self.df == 0:
            return "Pre-trend test: no pre-adoption event times available."
        return (
            f"Pre-trend Wald test over event times {self.event_times}: chi2({self.df}) = "
            f"{self.statistic:.2f}, p = {self.p_value:.3f}. {self.limits}"
        )

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "event_times": ",".join(map(str, self.event_times)),
                    "statistic": self.statistic,
                    "df": self.df,
                    "p_value": self.p_value,
                }
            ]
        )


@dataclass
class EventStudyResult:
    """Callaway & Sant'Anna group-time effects, event-study aggregation and inference.

    ``attgt``: one row per (cohort, year) with ``event_time``, ``base_year``, ``estimate``,
    ``se``, pointwise ``ci_low``/``ci_high``, ``n_treated``, ``n_control``.
    ``event``: one row per event time in the window with ``estimate``, ``se``, pointwise
    interval, uniform (sup-t) band ``band_low``/``band_high``, ``n_cohorts``, ``n_treated``;
    with a universal base period the reference event time -1 is 0 by construction (se NaN).
    ``overall``: the mean of the post-adoption event-time effects (event times 0..last of the
    window), as ``did::aggte(type="dynamic")``, with its interval. ``overall_simple``: all
    post-adoption cells weighted by cohort size, i.e. the mean effect over all adopted
    institution-years (``did::aggte(type="simple")``), the estimand static TWFE aims at.
    Estimates are differences in the outcome's units (``scale="level"``) or proportional
    changes ``Y/Y(0) - 1`` (``scale="ratio"``).
    """

    outcome: str
    scale: str
    control_group: str
    base_period: str
    event_window: tuple[int, int]
    n_boot: int
    seed: int
    alpha: float
    attgt: pd.DataFrame
    event: pd.DataFrame
    overall: dict
    overall_simple: dict
    pretrend: PretrendTest
    critical_value: float
    n_units: int
    n_adopters: int
    n_not_adopting: int
    notes: list[str] = field(default_factory=list)
    event_draws: np.ndarray | None = field(default=None, repr=False)

    def summary(self) -> str:
        unit = "proportional change Y/Y(0) - 1" if self.scale == "ratio" else "outcome units"
        lines = [
            f"Callaway & Sant'Anna event study of {self.outcome!r} ({unit}); "
            f"controls: {self.control_group.replace('_', '-')}; base period: {self.base_period}.",
            f"Units: {self.n_units} ({self.n_adopters} adopting in the window, "
            f"{self.n_not_adopting} not adopting). Bootstrap: {self.n_boot} draws, seed "
            f"{self.seed}, clustered by institution; uniform band critical value "
            f"{self.critical_value:.2f} at {100 * (1 - self.alpha):.0f}%.",
            f"Overall ATT (mean of event times 0..{self.event_window[1]}): "
            f"{self.overall['estimate']:.3f} [{self.overall['ci_low']:.3f}, "
            f"{self.overall['ci_high']:.3f}]; over all adopted institution-years (simple): "
            f"{self.overall_simple['estimate']:.3f} [{self.overall_simple['ci_low']:.3f}, "
            f"{self.overall_simple['ci_high']:.3f}].",
            self.pretrend.summary(),
        ]
        lines += self.notes
        ev = self.event.round(3).to_string(index=False)
        return "\n".join(lines) + "\n" + ev

    def to_frame(self) -> pd.DataFrame:
        out = self.event.copy()
        out.insert(0, "outcome", self.outcome)
        out.insert(1, "estimator", "callaway_santanna")
        out.insert(2, "scale", self.scale)
        return out


def _cell_plan(
    cohorts: np.ndarray, years: np.ndarray, base_period: str
) -> list[tuple[int, int, int]]:
    """(g, t, base) for every estimable group-time cell."""
    first = years[0]
    cells = []
    for g in cohorts:
        for t in years:
            if t >= g or base_period == "universal":
                b = g - 1
            else:
                b = t - 1
            if b < first or t == b:
                continue
            cells.append((int(g), int(t), int(b)))
    return cells


def _control_cohorts(
    all_cohorts: np.ndarray, g: int, t: int, b: int, control_group: str
) -> np.ndarray:
    if control_group == "never_treated":
        return all_cohorts[all_cohorts == 0]
    later = max(t, b)
    return all_cohorts[(all_cohorts == 0) | ((all_cohorts > later) & (all_cohorts != g))]


def _bootstrap_weight_blocks(n_units: int, n_boot: int, seed: int, max_cells: int = 4_000_000):
    """Yield (row slice, weights) blocks of the (n_boot + 1) x n_units weight matrix.

    Row 0 is all ones (the point estimate); rows 1..n_boot are i.i.d. Exp(1) institution
    weights from ``numpy.random.default_rng(seed)``, drawn in order, so the blocks concatenate
    to the same matrix whatever the block size.
    """
    rng = np.random.default_rng(seed)
    yield slice(0, 1), np.ones((1, n_units))
    block = max(1, max_cells // max(1, n_units))
    for start in range(1, n_boot + 1, block):
        stop = min(n_boot + 1, start + block)
        yield slice(start, stop), rng.exponential(1.0, size=(stop - start, n_units))


def _se(draws: np.ndarray) -> np.ndarray:
    """Bootstrap standard error from the inter-quartile range (as R's ``did``), per column.

    Non-finite draws (ratio scale with a zero counterfactual mean) are ignored.
    """
    d = np.where(np.isfinite(draws), draws, np.nan)
    out = np.full(d.shape[1], np.nan)
    ok = np.isfinite(d).any(axis=0)
    if ok.any():
        q75, q25 = np.nanpercentile(d[:, ok], [75, 25], axis=0)
        out[ok] = (q75 - q25) / _IQR_TO_SD
    return out


def _aggregate(cells: list, scale: str) -> np.ndarray:
    """Cohort-size weighted aggregate of group-time cells (per bootstrap draw).

    Each cell is ``(n_g, treated mean at t, counterfactual mean at t, ATT(g,t))`` over draws.
    Level: ``sum n_g ATT / sum n_g``. Ratio: ``sum n_g Ybar_t / sum n_g Ybar_t(0) - 1``.
    """
    if scale == "level":
        return sum(c[0] * c[3] for c in cells) / sum(c[0] for c in cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        return sum(c[0] * c[1] for c in cells) / sum(c[0] * c[2] for c in cells) - 1


def _interval(draws: np.ndarray, z: float) -> dict:
    """Point estimate (row 0), bootstrap se and normal interval of a 1-d array of draws."""
    se = float(_se(draws[1:, None])[0]) if len(draws) > 1 else float("nan")
    est = float(draws[0]) if np.isfinite(draws[0]) else float("nan")
    return {"estimate": est, "se": se, "ci_low": est - z * se, "ci_high": est + z * se}


def callaway_santanna(
    panel: pd.DataFrame,
    outcome: str,
    *,
    control_group: str = "not_yet_treated",
    base_period: str = "universal",
    scale: str = "level",
    event_window: Sequence[int] = (-5, 5),
    n_boot: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    unit: str = "institution_id",
    time: str = "year",
    cohort: str = "cohort",
) -> EventStudyResult:
    """Group-time average treatment effects ATT(g, t) and their event-study aggregation.

    Design (Callaway & Sant'Anna 2021, unconditional parallel trends, no covariates, no
    anticipation): for adoption cohort ``g`` and year ``t``,
    ``ATT(g,t) = E[Y_t - Y_b | G=g] - E[Y_t - Y_b | C]`` (the outcome-regression estimator
    without covariates = difference in mean long differences). ``b = g - 1`` for post-adoption
    years (long differences relative to the last pre-adoption year). For pre-adoption years,
    ``base_period="universal"`` (default) also uses ``b = g - 1``, so ATT(g, g-1) = 0 is the
    reference and pre- and post-period estimates are comparable on one plot (Roth 2024);
    ``"varying"`` uses ``b = t - 1`` (short placebo differences, the default of R's ``did``).
    Controls ``C`` are never-adopters plus cohorts not yet adopted by ``max(t, b)``
    (``control_group="not_yet_treated"``) or never-adopters only (``"never_treated"``).
    Units adopting in the first panel year are excluded (no pre-period); units adopting after
    the last year count as not adopting.

    Event study: ``theta(e) = sum_g N_g ATT(g, g+e) / sum_g N_g`` over cohorts observed at
    event time ``e`` (weights = cohort sizes; composition changes with ``e``).
    Overall: mean of ``theta(e)`` for ``e = 0..event_window[1]``.

    ``scale="ratio"`` (Poisson / multiplicative parallel trends, for counts): the counterfactual
    mean is ``E[Y_b|g] * E[Y_t|C] / E[Y_b|C]``, which is exactly what a Poisson GLM with
    unit and year fixed effects and a treated-post indicator estimates on the 2x2 cells
    (Wooldridge 2023); estimates are ``E[Y_t|g] / E[Y_t(0)|g] - 1``, aggregated as
    ``sum_g N_g E[Y_t|g] / sum_g N_g E[Y_t(0)|g] - 1``.

    Inference: weighted bootstrap clustered by institution (each institution gets one
    Exp(1) multiplier per draw; Praestgaard & Wellner 1993), ``n_boot`` draws from
    ``numpy.random.default_rng(seed)``; every estimate, aggregation weight included, is
    recomputed per draw. Standard errors from the bootstrap inter-quartile range; pointwise
    intervals ``estimate +/- z se``; the uniform band uses the bootstrap quantile of
    ``max_e |theta*(e) - theta(e)| / se(e)`` over the window (sup-t). Pre-trend: Wald test of
    the pre-adoption event-time effects with the bootstrap covariance (see :class:`PretrendTest`).
    Because cohort sizes are re-drawn too, intervals of aggregates include the uncertainty of
    the cohort shares (the population estimand of Callaway & Sant'Anna); for the effect
    averaged with the sample's own cohort sizes they are conservative. Measured on simulated
    panels (tests/test_impact.py, slow test): uniform-band coverage of the whole curve 0.96,
    pointwise coverage 0.96, pre-trend test size 0.06 at the 5 % level.
    On the ratio scale a cohort whose base-year mean is 0 has no defined effect; with rare
    counts (few events per cohort and year) ratio estimates are very noisy.
    """
    _check_choice("control_group", control_group, CONTROL_GROUPS)
    _check_choice("base_period", base_period, BASE_PERIODS)
    _check_choice("scale", scale, SCALES)
    lo, hi = _check_window(event_window)
    if int(n_boot) < 0:
        raise ImpactInputError(f"n_boot must be >= 0, got {n_boot}")
    if not 0 < alpha < 1:
        raise ImpactInputError(f"alpha must be in (0, 1), got {alpha}")
    n_boot = int(n_boot)
    prep = _prepare(panel, outcome, unit, time, cohort)
    y, g_unit, years = prep.y, prep.cohort, prep.years
    if scale == "ratio" and (y < 0).any():
        raise ImpactInputError(
            f"scale='ratio' needs a non-negative count outcome; {outcome!r} has negatives"
        )
    cohorts = np.unique(g_unit)
    adopting = cohorts[cohorts > 0]
    if adopting.size == 0:
        raise ImpactInputError("panel: no unit adopts within the panel window; nothing to estimate")
    if control_group == "never_treated" and not (g_unit == 0).any():
        raise ImpactInputError(
            "control_group='never_treated' but no unit is a never-adopter within the window; "
            "use control_group='not_yet_treated'"
        )

    # Per-cohort weighted sums: S[k] is (draws x years), N[k] is (draws,). Weights are drawn
    # in blocks of rows to bound memory; the stream (hence every number) is the same.
    s_sum = {int(k): np.empty((n_boot + 1, len(years))) for k in cohorts}
    n_sum = {int(k): np.empty(n_boot + 1) for k in cohorts}
    members = {int(k): g_unit == k for k in cohorts}
    for rows_, w in _bootstrap_weight_blocks(len(g_unit), n_boot, seed):
        for k, idx in members.items():
            s_sum[k][rows_] = w[:, idx] @ y[idx]
            n_sum[k][rows_] = w[:, idx].sum(axis=1)
    col = {int(t): i for i, t in enumerate(years)}

    rows = []
    by_event: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]] = {}
    post_cells: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    z = stats.norm.ppf(1 - alpha / 2)
    for g, t, b in _cell_plan(adopting, years, base_period):
        ctrl = _control_cohorts(cohorts, g, t, b, control_group)
        n_ctrl_units = int(sum((g_unit == k).sum() for k in ctrl))
        if n_ctrl_units == 0:
            continue
        ng = n_sum[g]
        tr_t = s_sum[g][:, col[t]] / ng
        tr_b = s_sum[g][:, col[b]] / ng
        nc = sum(n_sum[int(k)] for k in ctrl)
        c_t = sum(s_sum[int(k)][:, col[t]] for k in ctrl) / nc
        c_b = sum(s_sum[int(k)][:, col[b]] for k in ctrl) / nc
        if scale == "level":
            cf = tr_b + (c_t - c_b)
            est = tr_t - cf
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                cf = tr_b * c_t / c_b
                est = tr_t / cf - 1
        e = t - g
        rows.append(
            {
                "cohort": g,
                "year": t,
                "event_time": e,
                "base_year": b,
                **_interval(est, z),
                "n_treated": int((g_unit == g).sum()),
                "n_control": n_ctrl_units,
            }
        )
        if lo <= e <= hi:
            by_event.setdefault(e, []).append((ng, tr_t, cf, est))
        if e >= 0:
            post_cells.append((ng, tr_t, cf, est))

    attgt = pd.DataFrame(rows)
    events = sorted(by_event)
    ev_draws = []
    ev_info = []
    for e in events:
        cells = by_event[e]
        ev_draws.append(_aggregate(cells, scale))
        cell_rows = attgt[attgt["event_time"] == e]
        ev_info.append((len(cells), int(cell_rows["n_treated"].sum())))
    draws = np.column_stack(ev_draws) if ev_draws else np.empty((n_boot + 1, 0))
    # Ratio scale: a zero counterfactual mean makes a draw undefined; such values become NaN.
    draws = np.where(np.isfinite(draws), draws, np.nan)
    point = draws[0]
    boot = draws[1:]
    n_undefined = int(np.isnan(boot).any(axis=1).sum())
    notes = list(prep.notes)
    if n_undefined:
        notes.append(
            f"{n_undefined} of {n_boot} bootstrap draws had an undefined (zero-denominator) "
            "ratio at some event time; they are left out where it is undefined."
        )
    se = _se(boot) if n_boot else np.full(len(events), np.nan)
    event = pd.DataFrame(
        {
            "event_time": events,
            "estimate": point,
            "se": se,
            "ci_low": point - z * se,
            "ci_high": point + z * se,
            "n_cohorts": [i[0] for i in ev_info],
            "n_treated": [i[1] for i in ev_info],
        }
    )
    if base_period == "universal" and -1 not in events:
        ref = pd.DataFrame(
            [
                {
                    "event_time": -1,
                    "estimate": 0.0,
                    "se": np.nan,
                    "ci_low": 0.0,
                    "ci_high": 0.0,
                    "n_cohorts": 0,
                    "n_treated": 0,
                }
            ]
        )
        event = pd.concat([event, ref], ignore_index=True).sort_values(
            "event_time", ignore_index=True
        )

    # Uniform (sup-t) band over all event times with a positive standard error.
    ok = np.isfinite(se) & (se > 0)
    crit = float("nan")
    if n_boot and ok.any():
        dev = np.abs(boot[:, ok] - point[ok]) / se[ok]
        complete = np.isfinite(dev).all(axis=1)
        if complete.any():
            crit = float(np.quantile(dev[complete].max(axis=1), 1 - alpha))
    ev_se = event["se"].to_numpy()
    event["band_low"] = event["estimate"] - crit * ev_se
    event["band_high"] = event["estimate"] + crit * ev_se
    ref_rows = event["se"].isna() & (event["event_time"] == -1) & (base_period == "universal")
    event.loc[ref_rows, ["band_low", "band_high"]] = 0.0

    # Overall effect: mean of post-adoption event-time effects.
    post = [i for i, e in enumerate(events) if e >= 0]
    ov = draws[:, post].mean(axis=1) if post else np.full(n_boot + 1, np.nan)
    overall = {**_interval(ov, z), "event_times": [events[i] for i in post]}
    # Simple aggregation: all post-adoption cells weighted by cohort size (= the mean effect
    # over all adopted institution-years), the estimand a static TWFE coefficient aims at.
    simple = _aggregate(post_cells, scale) if post_cells else np.full(n_boot + 1, np.nan)
    overall_simple = _interval(simple, z)

    # Pre-trend Wald test with the bootstrap covariance.
    pre = [
        i for i, e in enumerate(events) if e < 0 and not (base_period == "universal" and e == -1)
    ]
    pretrend = PretrendTest([], [], float("nan"), 0, float("nan"))
    if pre and n_boot > 1 and np.isfinite(point[pre]).all():
        est_pre = point[pre]
        pre_draws = boot[:, pre]
        pre_draws = pre_draws[np.isfinite(pre_draws).all(axis=1)]
        if len(pre_draws) > len(pre):
            cov = np.cov(pre_draws, rowvar=False).reshape(len(pre), len(pre))
            rank = int(np.linalg.matrix_rank(cov))
            stat = float(est_pre @ np.linalg.pinv(cov) @ est_pre)
            pval = float(stats.chi2.sf(stat, rank)) if rank else float("nan")
            pretrend = PretrendTest([events[i] for i in pre], est_pre.tolist(), stat, rank, pval)

    return EventStudyResult(
        outcome=outcome,
        scale=scale,
        control_group=control_group,
        base_period=base_period,
        event_window=(lo, hi),
        n_boot=n_boot,
        seed=seed,
        alpha=alpha,
        attgt=attgt,
        event=event,
        overall=overall,
        overall_simple=overall_simple,
        pretrend=pretrend,
        critical_value=crit,
        n_units=len(g_unit),
        n_adopters=int((g_unit > 0).sum()),
        n_not_adopting=int((g_unit == 0).sum()),
        notes=notes,
        event_draws=draws,
    )


# --------------------------------------------------------------------------------------------
# Naive two-way fixed effects
# --------------------------------------------------------------------------------------------


@dataclass
class TWFEResult:
    """Naive TWFE estimates: dynamic event study and static treated-after-adoption coefficient.

    ``event``: one row per event time in the window (reference -1 = 0) with ``estimate``,
    ``se`` (cluster-robust by institution), pointwise ``ci_low``/``ci_high``.
    ``static``: ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value`` of the static TWFE
    coefficient on "adopted by this year". Both are biased when effects differ across cohorts
    or grow over time: already-adopted units serve as controls (Goodman-Bacon 2021) and lead/lag
    coefficients are contaminated by other event times (Sun & Abraham 2021).
    """

    outcome: str
    event_window: tuple[int, int]
    event: pd.DataFrame
    static: dict
    n_obs: int
    n_clusters: int
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        s = self.static
        return (
            f"Naive TWFE for {self.outcome!r} (OLS, institution and year fixed effects, "
            f"cluster-robust by institution; {self.n_obs} obs, {self.n_clusters} clusters).\n"
            f"Static TWFE: {s['estimate']:.3f} [{s['ci_low']:.3f}, {s['ci_high']:.3f}], "
            f"p = {s['p_value']:.3f}. Biased under heterogeneous or dynamic effects.\n"
            + self.event.round(3).to_string(index=False)
        )

    def to_frame(self) -> pd.DataFrame:
        out = self.event.copy()
        out.insert(0, "outcome", self.outcome)
        out.insert(1, "estimator", "twfe")
        return out


def _two_way_demean(values: np.ndarray) -> np.ndarray:
    """Remove unit and year means from a (units x years [x k]) array (exact when balanced)."""
    return (
        values
        - values.mean(axis=1, keepdims=True)
        - values.mean(axis=0, keepdims=True)
        + values.mean(axis=(0, 1), keepdims=True)
    )


def twfe_event_study(
    panel: pd.DataFrame,
    outcome: str,
    *,
    event_window: Sequence[int] = (-5, 5),
    alpha: float = 0.05,
    unit: str = "institution_id",
    time: str = "year",
    cohort: str = "cohort",
) -> TWFEResult:
    """Naive dynamic and static two-way fixed-effects estimates (statsmodels OLS).

    Dynamic: ``Y_it = a_i + l_t + sum_{e != -1} b_e 1{t - G_i = e} + u_it`` with event times
    outside the window binned into the end points and never-adopters (cohort 0) having all
    indicators 0. Static: ``Y_it = a_i + l_t + b D_it + u_it`` with ``D_it = 1{t >= G_i > 0}``.
    The fixed effects are absorbed by exact two-way demeaning (the panel is balanced), so the
    coefficients equal those of OLS with institution and year dummies; standard errors are
    cluster-robust by institution (statsmodels ``cov_type="cluster"``). Same sample as
    :func:`callaway_santanna` (units adopting in the first year excluded).
    """
    import statsmodels.api as sm

    lo, hi = _check_window(event_window)
    prep = _prepare(panel, outcome, unit, time, cohort)
    y, g_unit, years = prep.y, prep.cohort, prep.years
    n, t_len = y.shape
    groups = np.repeat(np.arange(n), t_len)
    rel = years[None, :] - g_unit[:, None]  # units x years
    adopted = g_unit[:, None] > 0
    binned = np.clip(rel, lo, hi)
    event_times = [e for e in range(lo, hi + 1) if e != -1]
    dummies = np.stack([(adopted & (binned == e)).astype(float) for e in event_times], axis=2)
    present = dummies.reshape(n * t_len, -1).any(axis=0)
    event_times = [e for e, p in zip(event_times, present, strict=True) if p]
    dummies = dummies[:, :, present]
    y_dm = _two_way_demean(y).ravel()
    x_dm = _two_way_demean(dummies).reshape(n * t_len, -1)
    z = stats.norm.ppf(1 - alpha / 2)

    fit = sm.OLS(y_dm, x_dm).fit(cov_type="cluster", cov_kwds={"groups": groups})
    params, bse = np.asarray(fit.params), np.asarray(fit.bse)
    event = pd.DataFrame({"event_time": event_times, "estimate": params, "se": bse})
    event = pd.concat(
        [event, pd.DataFrame([{"event_time": -1, "estimate": 0.0, "se": np.nan}])],
        ignore_index=True,
    ).sort_values("event_time", ignore_index=True)
    event["ci_low"] = event["estimate"] - z * event["se"]
    event["ci_high"] = event["estimate"] + z * event["se"]
    event.loc[event["event_time"] == -1, ["ci_low", "ci_high"]] = 0.0

    d = (adopted & (rel >= 0)).astype(float)
    sfit = sm.OLS(y_dm, _two_way_demean(d).reshape(-1, 1)).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    b, s = float(np.asarray(sfit.params)[0]), float(np.asarray(sfit.bse)[0])
    static = {
        "estimate": b,
        "se": s,
        "ci_low": b - z * s,
        "ci_high": b + z * s,
        "p_value": float(np.asarray(sfit.pvalues)[0]),
    }
    notes = list(prep.notes)
    notes.append(f"Event times outside [{lo}, {hi}] are binned into the end points.")
    return TWFEResult(outcome, (lo, hi), event, static, n * t_len, n, notes)


# --------------------------------------------------------------------------------------------
# Both estimators side by side
# --------------------------------------------------------------------------------------------


@dataclass
class AdoptionImpact:
    """Robust (Callaway & Sant'Anna) and naive (TWFE) estimates of one outcome, side by side.

    ``ratio`` holds the Poisson-scale (proportional) Callaway & Sant'Anna estimate for count
    outcomes (None when not requested).
    """

    cs: EventStudyResult
    twfe: TWFEResult
    ratio: EventStudyResult | None = None

    def summary(self) -> str:
        parts = [self.cs.summary(), "", self.twfe.summary()]
        if self.ratio is not None:
            o = self.ratio.overall
            parts += [
                "",
                f"Poisson (ratio-scale) overall effect: {100 * o['estimate']:.1f}% "
                f"[{100 * o['ci_low']:.1f}%, {100 * o['ci_high']:.1f}%].",
            ]
        return "\n".join(parts)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per estimator and event time (long format)."""
        frames = [self.cs.to_frame(), self.twfe.to_frame().assign(scale="level")]
        if self.ratio is not None:
            frames.append(self.ratio.to_frame().assign(estimator="callaway_santanna_poisson"))
        return pd.concat(frames, ignore_index=True)

    def overall_frame(self) -> pd.DataFrame:
        """One row per estimator and aggregation with the overall effect and its interval.

        ``aggregation``: ``dynamic`` = mean of event-time effects 0..window end; ``simple`` =
        mean over all adopted institution-years (what the static TWFE coefficient aims at).
        """
        keys = ("estimate", "se", "ci_low", "ci_high")
        cs, tw = self.cs, self.twfe
        rows = [
            ("Callaway & Sant'Anna", "level", "dynamic", cs.overall, cs.pretrend.p_value),
            ("Callaway & Sant'Anna", "level", "simple", cs.overall_simple, cs.pretrend.p_value),
            ("static TWFE (naive)", "level", "simple", tw.static, np.nan),
        ]
        if self.ratio is not None:
            r = self.ratio
            rows += [
                (
                    "Callaway & Sant'Anna, Poisson",
                    "ratio",
                    "dynamic",
                    r.overall,
                    r.pretrend.p_value,
                ),
                ("Callaway & Sant'Anna, Poisson", "ratio", "simple", r.overall_simple, np.nan),
            ]
        return pd.DataFrame(
            [
                {
                    "outcome": cs.outcome,
                    "estimator": est,
                    "scale": scale,
                    "aggregation": agg,
                    **{k: float(d[k]) for k in keys},
                    "pretrend_p": p,
                }
                for est, scale, agg, d, p in rows
            ]
        )


def adoption_event_study(
    panel: pd.DataFrame,
    outcome: str,
    *,
    control_group: str = "not_yet_treated",
    base_period: str = "universal",
    event_window: Sequence[int] = (-5, 5),
    n_boot: int = 999,
    seed: int = 0,
    alpha: float = 0.05,
    poisson: bool = True,
) -> AdoptionImpact:
    """Callaway & Sant'Anna (level and, for counts, Poisson ratio scale) and naive TWFE.

    See :func:`callaway_santanna` and :func:`twfe_event_study`; the same bootstrap seed is
    used for both scales.
    """
    cs_options = dict(
        control_group=control_group,
        base_period=base_period,
        event_window=event_window,
        n_boot=n_boot,
        seed=seed,
        alpha=alpha,
    )
    cs = callaway_santanna(panel, outcome, **cs_options)
    twfe = twfe_event_study(panel, outcome, event_window=event_window, alpha=alpha)
    ratio = None
    if poisson:
        ratio = callaway_santanna(panel, outcome, scale="ratio", **cs_options)
    return AdoptionImpact(cs, twfe, ratio)


# --------------------------------------------------------------------------------------------
# Teacher educators' cross-discipline collaboration
# --------------------------------------------------------------------------------------------


@dataclass
class InterdisciplinarityResult:
    """Cross-discipline collaboration of teacher educators before vs after adoption.

    A tie links two teacher educators who took part in the same project; ties are counted once
    per educator, distinct partner and period. For each educator and period (``before`` /
    ``after`` the adoption year of the educator's institution, by project start year):
    ``cross_share = E / (E + I)`` and ``ei_index = (E - I) / (E + I)`` where ``E`` (``I``) is the
    number of ties to educators of another (the same) discipline (Krackhardt & Stern 1988).
    Educators at never-adopting institutions have period ``never`` (not in the contrast).

    ``statistic`` is mean cross share after minus before (over educator-periods with at least
    one tie); ``paired_statistic`` the mean within-educator change for educators with ties in
    both periods. Null distributions come from shuffling disciplines among educators of the same
    institution (``n_perm`` permutations, seed ``seed``); p-values are two-sided,
    ``(1 + #{|T*| >= |T|}) / (1 + n_perm)``.
    ``educators`` holds per-educator values (contains ``person_id``: do not publish).
    """

    per_period: pd.DataFrame
    statistic: float
    p_value: float
    null_distribution: np.ndarray
    paired_statistic: float
    paired_p_value: float
    n_paired: int
    n_perm: int
    seed: int
    educators: pd.DataFrame = field(repr=False)
    notes: list[str] = field(default_factory=list)

    def summary(self, min_cell_size: int | None = None) -> str:
        """Readable text. Periods describing fewer than ``min_cell_size`` educators (default:
        ``privacy.resolve_min_cell_size()``, i.e. 5 or ``$ETWIN_MIN_CELL_SIZE``) show no
        numbers, and educator counts below it are written as ``<k``."""
        from etwin_analysis.privacy import resolve_min_cell_size

        k = resolve_min_cell_size(min_cell_size)
        pp = self.per_period.set_index("period")
        parts = ["Teacher educators' cross-discipline ties (share of ties to another discipline):"]
        for period in pp.index:
            r = pp.loc[period]
            if r["n_educators"] < k:
                parts.append(f"  {period}: fewer than {k} educators (suppressed)")
                continue
            parts.append(
                f"  {period}: mean share {r['mean_cross_share']:.3f} (E-I {r['mean_ei_index']:.3f}; "
                f"expected under within-institution shuffling {r['null_mean_cross_share']:.3f}) "
                f"over {int(r['n_educators'])} educators, {int(r['n_ties'])} ties"
            )
        parts.append(
            f"After - before: {self.statistic:+.3f}, permutation p = {self.p_value:.3f} "
            f"({self.n_perm} permutations within institutions, seed {self.seed})."
        )
        n_paired = str(self.n_paired) if self.n_paired >= k or self.n_paired == 0 else f"<{k}"
        parts.append(
            f"Within-educator change ({n_paired} educators with ties in both periods): "
            f"{self.paired_statistic:+.3f}, permutation p = {self.paired_p_value:.3f}."
        )
        return "\n".join(parts + self.notes)

    def to_frame(self) -> pd.DataFrame:
        return self.per_period.copy()

    def key_numbers(self) -> dict:
        """The test results as a flat dict (no person-level values)."""
        return {
            "after_minus_before": self.statistic,
            "p_value": self.p_value,
            "paired_change": self.paired_statistic,
            "paired_p_value": self.paired_p_value,
            "n_paired": self.n_paired,
            "n_perm": self.n_perm,
            "seed": self.seed,
        }


def _group_mean(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of ``values`` (rows x items) within ``groups`` (items; every group non-empty)."""
    order = np.argsort(groups, kind="stable")
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    if len(starts) != n_groups:
        raise AssertionError("every educator-period group must hold at least one tie")
    sums = np.add.reduceat(values[:, order], starts, axis=1)
    return sums / np.bincount(groups, minlength=n_groups)


def educator_interdisciplinarity(
    people: pd.DataFrame,
    memberships: pd.DataFrame,
    projects: pd.DataFrame,
    institutions: pd.DataFrame,
    *,
    n_perm: int = 999,
    seed: int = 0,
    countries: Sequence[str] | None = None,
) -> InterdisciplinarityResult:
    """Share of teacher educators' collaboration ties that cross disciplines, before/after adoption.

    Uses ``people`` (``person_role == "teacher_educator"`` with a discipline), person-level
    ``memberships`` (rows with a ``person_id``), project start years and the institutions'
    ``etwinning_since``. See :class:`InterdisciplinarityResult` for definitions and the test.
    Educators without a discipline are left out (counted in ``notes``). ``countries`` (ISO
    alpha-2) restricts the educators whose ties are described (egos) to institutions in those
    countries; their partners may be anywhere, and permutations still cover every educator.
    """
    _require_columns(people, "people", ["person_id", "institution_id", "person_role", "discipline"])
    _require_columns(memberships, "memberships", ["project_id", "institution_id", "person_id"])
    _require_columns(projects, "projects", ["project_id", "programme", "start_date"])
    _require_columns(institutions, "institutions", ["institution_id", "etwinning_since"])
    if int(n_perm) < 1:
        raise ImpactInputError(f"n_perm must be >= 1, got {n_perm}")
    n_perm = int(n_perm)

    edu = people[people["person_role"] == "teacher_educator"]
    no_disc = edu["discipline"].isna() | (edu["discipline"].astype(str).str.strip() == "")
    notes = []
    if no_disc.any():
        notes.append(f"{int(no_disc.sum())} teacher educator(s) without a discipline left out.")
    edu = edu[~no_disc].drop_duplicates("person_id").reset_index(drop=True)
    if edu.empty:
        raise ImpactInputError("people: no teacher_educator with a discipline; nothing to analyse")
    adoption = _adoption_year(institutions)
    adopt_by_inst = pd.Series(adoption.to_numpy(), index=institutions["institution_id"])
    edu_idx = pd.Index(edu["person_id"])

    pm = memberships.loc[memberships["person_id"].notna(), ["project_id", "person_id"]]
    pm = pm[pm["person_id"].isin(edu_idx)].drop_duplicates()
    proj = _project_years(projects)
    pm = pm.merge(proj[["project_id", "start_year"]], on="project_id")
    ties = pm.merge(
        pm[["project_id", "person_id"]].rename(columns={"person_id": "alter"}), on="project_id"
    )
    ties = ties[ties["person_id"] != ties["alter"]]
    ego = edu_idx.get_indexer(ties["person_id"])
    alter = edu_idx.get_indexer(ties["alter"])
    ego_adopt = adopt_by_inst.reindex(edu["institution_id"]).to_numpy()[ego]
    years = ties["start_year"].to_numpy()
    adopt_f = pd.array(ego_adopt, dtype="Int64")
    period = np.where(
        pd.isna(adopt_f),
        "never",
        np.where(years >= np.asarray(adopt_f.fillna(0)), "after", "before"),
    )
    t = pd.DataFrame({"ego": ego, "alter": alter, "period": period}).drop_duplicates()
    if countries is not None:
        _require_columns(institutions, "institutions", ["institution_id", "country"])
        country_of = institutions.set_index("institution_id")["country"]
        ego_country = country_of.reindex(edu["institution_id"]).to_numpy()
        t = t[np.isin(ego_country[t["ego"].to_numpy()], list(countries))]
    if t.empty:
        raise ImpactInputError(
            "memberships: no two teacher educators share a project (person-level memberships "
            "with person_id are needed)"
        )

    # educator-period groups
    ep = t[["ego", "period"]].drop_duplicates().reset_index(drop=True)
    ep["gid"] = np.arange(len(ep))
    t = t.merge(ep, on=["ego", "period"])
    gid = t["gid"].to_numpy()
    n_groups = len(ep)
    ego_a, alter_a = t["ego"].to_numpy(), t["alter"].to_numpy()

    disc_codes, _ = pd.factorize(edu["discipline"])
    inst_codes, _ = pd.factorize(edu["institution_id"])
    rng = np.random.default_rng(seed)
    base_order = np.argsort(inst_codes, kind="stable")
    perms = np.empty((n_perm + 1, len(edu)), dtype=np.int64)
    perms[0] = disc_codes
    for p in range(1, n_perm + 1):
        order = np.lexsort((rng.random(len(edu)), inst_codes))
        perms[p, base_order] = disc_codes[order]

    # Cross-discipline indicator per tie and permutation, in blocks to bound memory.
    share = np.empty((n_perm + 1, n_groups))
    block = max(1, 2_000_000 // max(1, len(ego_a)))
    for start in range(0, n_perm + 1, block):
        sl = slice(start, start + block)
        cross = (perms[sl][:, ego_a] != perms[sl][:, alter_a]).astype(float)
        share[sl] = _group_mean(cross, gid, n_groups)
    observed_cross = perms[0, ego_a] != perms[0, alter_a]
    ep_period = ep["period"].to_numpy()
    n_ties = np.bincount(gid, minlength=n_groups)

    def period_mean(name):
        sel = ep_period == name
        return share[:, sel].mean(axis=1) if sel.any() else np.full(n_perm + 1, np.nan)

    stat = period_mean("after") - period_mean("before")
    # paired: educators with both periods
    before = ep[ep["period"] == "before"].set_index("ego")["gid"]
    after = ep[ep["period"] == "after"].set_index("ego")["gid"]
    both = before.index.intersection(after.index)
    if len(both):
        paired = (
            share[:, after.loc[both].to_numpy()] - share[:, before.loc[both].to_numpy()]
        ).mean(axis=1)
    else:
        paired = np.full(n_perm + 1, np.nan)

    def pval(x):
        if not np.isfinite(x[0]):
            return float("nan")
        return float((1 + np.sum(np.abs(x[1:]) >= abs(x[0]) - 1e-12)) / (1 + n_perm))

    rows = []
    for name in ("before", "after", "never"):
        sel = ep_period == name
        if not sel.any():
            continue
        rows.append(
            {
                "period": name,
                "n_educators": int(sel.sum()),
                "n_ties": int(n_ties[sel].sum()),
                "mean_cross_share": float(share[0, sel].mean()),
                "mean_ei_index": float((2 * share[0, sel] - 1).mean()),
                "null_mean_cross_share": float(share[1:, sel].mean()),
            }
        )
    educators = ep.assign(
        person_id=edu["person_id"].to_numpy()[ep["ego"].to_numpy()],
        institution_id=edu["institution_id"].to_numpy()[ep["ego"].to_numpy()],
        discipline=edu["discipline"].to_numpy()[ep["ego"].to_numpy()],
        n_ties=n_ties,
        n_cross=np.bincount(gid, weights=observed_cross, minlength=n_groups).astype(int),
        cross_share=share[0],
        ei_index=2 * share[0] - 1,
    ).drop(columns=["ego", "gid"])
    return InterdisciplinarityResult(
        per_period=pd.DataFrame(rows),
        statistic=float(stat[0]),
        p_value=pval(stat),
        null_distribution=stat[1:],
        paired_statistic=float(paired[0]),
        paired_p_value=pval(paired),
        n_paired=len(both),
        n_perm=n_perm,
        seed=seed,
        educators=educators,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# Known truth (synthetic data) and figures
# --------------------------------------------------------------------------------------------


def counterfactual_effects(
    institutions: pd.DataFrame,
    projects: pd.DataFrame,
    memberships: pd.DataFrame,
    removed_project_ids: Iterable[str],
    years: Iterable[int] | None = None,
    **panel_kwargs,
) -> pd.DataFrame:
    """Per institution-year effect of a set of projects: panel(all) - panel(without them).

    With the synthetic world's treatment-induced projects (``truth["adoption"]
    ["induced_project_ids"]``) this is the exact individual effect ``Y - Y(0)`` of every
    outcome in :data:`OUTCOMES`. Returns the panel's key columns plus one column per outcome.
    """
    removed = set(removed_project_ids)
    full = build_panel(institutions, projects, memberships, years, **panel_kwargs)
    without = build_panel(
        institutions,
        projects[~projects["project_id"].isin(removed)],
        memberships[~memberships["project_id"].isin(removed)],
        sorted(full["year"].unique()),
        **panel_kwargs,
    )
    out = full[["institution_id", "year", "cohort", "event_time"]].copy()
    for o in OUTCOMES:
        out[o] = full[o].to_numpy() - without[o].to_numpy()
    return out


def true_event_curve(effects: pd.DataFrame, result: EventStudyResult) -> pd.DataFrame:
    """True event-time effects matching an estimate: cohort-size weighted over its cells.

    ``effects`` from :func:`counterfactual_effects`; level scale only. Returns ``event_time``
    and ``true_effect`` (reference/pre-periods of a world without anticipation are 0).
    """
    if result.scale != "level":
        raise ImpactInputError("true_event_curve compares level-scale estimates only")
    cell = effects.groupby(["cohort", "year"])[result.outcome].mean().rename("true")
    att = result.attgt.join(cell, on=["cohort", "year"])
    curve = (
        att.assign(w=att["n_treated"] * att["true"]).groupby("event_time")[["w", "n_treated"]].sum()
    )
    true = (curve["w"] / curve["n_treated"]).reindex(result.event["event_time"]).fillna(0.0)
    return pd.DataFrame({"event_time": true.index.to_numpy(), "true_effect": true.to_numpy()})


def plot_event_study(impact_result: AdoptionImpact, ax=None, truth: pd.DataFrame | None = None):
    """Event-study figure: robust estimates with pointwise intervals and the uniform band,
    the naive TWFE estimates beside them and, when given, the true effects (synthetic data)."""
    import matplotlib.pyplot as plt

    from etwin_analysis.notebook import PALETTE

    cs, tw = impact_result.cs, impact_result.twfe
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4.5))
    ev = cs.event
    ax.fill_between(
        ev["event_time"],
        ev["band_low"],
        ev["band_high"],
        color=PALETTE[0],
        alpha=0.15,
        label=f"uniform {100 * (1 - cs.alpha):.0f}% band",
    )
    ax.errorbar(
        ev["event_time"] - 0.1,
        ev["estimate"],
        yerr=[ev["estimate"] - ev["ci_low"], ev["ci_high"] - ev["estimate"]],
        fmt="o",
        color=PALETTE[0],
        capsize=2,
        label="Callaway & Sant'Anna (pointwise CI)",
    )
    te = tw.event
    ax.errorbar(
        te["event_time"] + 0.1,
        te["estimate"],
        yerr=[te["estimate"] - te["ci_low"], te["ci_high"] - te["estimate"]],
        fmt="s",
        color=PALETTE[1],
        capsize=2,
        alpha=0.8,
        label="naive TWFE event study",
    )
    if truth is not None:
        ax.plot(truth["event_time"], truth["true_effect"], "k--", lw=1, label="true effect")
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(-0.5, color="grey", lw=0.8, ls=":")
    ax.set(
        xlabel="years since adoption (event time)",
        ylabel=f"effect on {cs.outcome.replace('_', ' ')}\n(count per institution-year)",
        title="Adoption effect by year since adoption",
    )
    ax.legend(fontsize=8, loc="upper left")
    return ax


def overall_effects(
    panel: pd.DataFrame, outcomes: Iterable[str] | None = None, **kwargs
) -> pd.DataFrame:
    """:meth:`AdoptionImpact.overall_frame` for several outcomes (default: all of
    :data:`OUTCOMES`), stacked; ``kwargs`` go to :func:`adoption_event_study`."""
    outcomes = list(OUTCOMES) if outcomes is None else list(outcomes)
    frames = [adoption_event_study(panel, o, **kwargs).overall_frame() for o in outcomes]
    return pd.concat(frames, ignore_index=True)
