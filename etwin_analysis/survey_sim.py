"""Simulate the student-teacher survey of the 2023 eTwinning monitoring report with known truth.

The generating model (one latent score per respondent, wave and construct) is

    eta[i,t,c] = u[j,c] + b[i,c] + s_c * E_i(group) + w_c * post_t
                 + (delta_c + tau[j,c] + dose_c * (A_i - mean_A)) * etw_i * post_t
                 + v[j,c] * post_t + e[i,t,c]

with institution random intercepts ``u ~ N(0, icc)``, respondent random intercepts
``b ~ N(0, respondent_share)`` (correlated across constructs through a shared respondent factor),
occasion noise ``e ~ N(0, 1 - icc - respondent_share)`` so that the latent score has variance 1 at
baseline within a group: **effects are in latent SD units**. ``s_c`` is a baseline selection shift
of the eTwinning group (non-random assignment), ``w_c`` the secular pre->post trend, ``delta_c``
the true group x wave effect, ``A_i`` the engagement (Poisson count of project activities, eTwinning
group only; 0 in the comparison group) with a dose-response slope ``dose_c``. Optional institution
heterogeneity: ``tau[j,c] ~ N(0, effect_sd^2)`` in the effect and ``v[j,c] ~ N(0,
institution_change_sd^2)`` in the change.

Items follow a graded (cumulative probit) model (Samejima 1969): the item's latent response is
``y* = loading * eta + sqrt(1 - loading^2) * eps`` and the answer is ``1 + #(y* > thresholds)``
on the 1..5 Likert scale; reverse-keyed items are recorded as ``6 - answer``.

Attrition between waves is missing at random given observed data: the log-odds of dropping out
depend on the respondent's *observed* baseline item mean of one construct (and on group). Item
non-response is missing completely at random.

The estimand the effects module reports is the group x wave difference-in-differences of the
construct score (mean of the reverse-scored items, 1..5 scale) in the population,
``(E[S|etw,post] - E[S|etw,pre]) - (E[S|cmp,post] - E[S|cmp,pre])``. Under the probit model
``E[item | eta ~ N(m, V)] = 1 + sum_k Phi((loading*m - thr_k) / sqrt(loading^2 V + 1 - loading^2))``
exactly, and the Poisson engagement is summed over its support, so ``truth["constructs"][c]
["did_score"]`` is EXACT (no Monte Carlo). Only the standardised effect (denominator: the pooled
within-group SD of the complete-item construct score at baseline) uses a large-sample Monte-Carlo
(``truth_mc_n`` respondents per group, fixed seed ``item_seed + 1``).

Note: the 1..5 score is a non-linear function of the latent score, so with a baseline selection
shift a construct with NO latent effect has a tiny non-zero score-scale DiD (about -0.002 for
self_efficacy with the defaults; exactly 0 when ``selection_shift`` is 0): parallel trends hold
on the latent scale, not exactly on the score scale.
"""

from __future__ import annotations

import copy
import functools
import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from etwin_analysis.contract import PROVENANCE_COLUMN, SYNTHETIC_MARK
from etwin_analysis.results import to_jsonable

#: Base thresholds of the graded model on the item's latent scale (variance 1 at baseline).
BASE_THRESHOLDS = (-1.6, -0.6, 0.3, 1.2)

#: Item wording per construct: (item id, text, reverse-keyed).
ITEM_BANK: dict[str, tuple[tuple[str, str, bool], ...]] = {
    "theory_to_practice": (
        ("ttp_1", "I can apply pedagogical theories from my courses when I plan lessons.", False),
        (
            "ttp_2",
            "I see how concepts from my teacher education courses work in a real classroom.",
            False,
        ),
        (
            "ttp_3",
            "I can justify my teaching choices with reference to educational research.",
            False,
        ),
        ("ttp_4", "I adapt theoretical ideas to the needs of the pupils I teach.", False),
        (
            "ttp_5",
            "What I learn in university courses has little to do with classroom practice.",
            True,
        ),
        (
            "ttp_6",
            "I find it hard to turn pedagogical concepts into concrete classroom activities.",
            True,
        ),
    ),
    "digital_competence": (
        ("dig_1", "I can use online collaboration tools to design learning activities.", False),
        ("dig_2", "I can select digital resources that suit my teaching goals.", False),
        ("dig_3", "I can guide pupils in using digital tools safely and responsibly.", False),
        ("dig_4", "I can create digital learning materials for my pupils.", False),
        ("dig_5", "I feel unsure when I have to teach with digital technology.", True),
    ),
    "intercultural_competence": (
        ("int_1", "I can discuss teaching with teachers from other countries.", False),
        ("int_2", "I can plan activities that help pupils learn about other cultures.", False),
        ("int_3", "I am open to teaching approaches used in other countries.", False),
        ("int_4", "I can work with colleagues whose first language differs from mine.", False),
        (
            "int_5",
            "I find it difficult to take another culture's perspective in my teaching.",
            True,
        ),
    ),
    "collaborative_teaching": (
        ("col_1", "I can plan a teaching project together with other teachers.", False),
        ("col_2", "I can organise project-based learning for my pupils.", False),
        ("col_3", "I can share tasks fairly in a team of teachers.", False),
        ("col_4", "I prefer to plan and teach alone rather than with colleagues.", True),
    ),
    "self_efficacy": (
        (
            "eff_1",
            "I am confident I can motivate pupils who show low interest in school work.",
            False,
        ),
        ("eff_2", "I can manage classroom behaviour effectively.", False),
        ("eff_3", "I can adjust my lessons to the level of individual pupils.", False),
        ("eff_4", "I can help pupils value learning.", False),
        ("eff_5", "I doubt I can handle difficult situations in the classroom.", True),
    ),
}

#: The seven countries of the report's focus-group institutions.
REPORT_COUNTRIES = ("HR", "FI", "FR", "DE", "IT", "PL", "ES")


@dataclass(frozen=True)
class ConstructSpec:
    """One construct: its true effect and dose-response slope (latent SD units).

    ``n_items`` takes the first items of `ITEM_BANK[name]` (all of them when None); names not in
    the bank get generic items ``<name>_1..`` with the last ``n_reverse`` reverse-keyed.
    """

    name: str
    effect: float
    dose: float = 0.0
    n_items: int | None = None
    n_reverse: int = 1


def default_constructs() -> tuple[ConstructSpec, ...]:
    """The five constructs of the report; self_efficacy has a TRUE NULL effect (0, no dose)."""
    return (
        ConstructSpec("theory_to_practice", effect=0.45, dose=0.10),
        ConstructSpec("digital_competence", effect=0.40, dose=0.05),
        ConstructSpec("intercultural_competence", effect=0.35, dose=0.04),
        ConstructSpec("collaborative_teaching", effect=0.30, dose=0.06),
        ConstructSpec("self_efficacy", effect=0.0, dose=0.0),
    )


@dataclass(frozen=True)
class SurveyDesign:
    """Parameters of the simulated survey (defaults mirror the 2023 report's design).

    Variance parameters are shares of the latent baseline variance (1); effects are latent SD.

    - ``n_institutions``/``countries``: ITE institutions (ids ``ITE01``..) and their countries
      (cycled); ignored when `simulate_survey` receives an ``institutions`` table.
    - ``students_per_group``: (min, max) students per institution and group, drawn uniformly.
    - ``assignment``: ``"within"`` (both groups in every institution, as in the report) or
      ``"cluster"`` (alternate institutions are wholly eTwinning or comparison).
    - ``icc``: institution random-intercept variance; ``respondent_share``: stable respondent
      variance; the rest is occasion noise. ``construct_correlation``: correlation of respondent
      intercepts across constructs.
    - ``effect_sd``: SD of institution-specific deviations of the group x wave effect;
      ``institution_change_sd``: SD of institution-specific pre->post shifts (both groups).
    - ``selection_shift``: baseline advantage of the eTwinning group; ``wave_trend``: change of
      everyone between waves.
    - ``engagement_mean``: Poisson mean of project activities in the eTwinning group.
    - ``attrition``: baseline drop-out proportion (log-odds intercept ``logit(attrition)``);
      ``attrition_slope``: log-odds per SD of the observed baseline item mean of
      ``attrition_construct`` (first construct if absent); ``attrition_comparison_logodds``:
      extra log-odds of dropping out in the comparison group.
    - ``item_nonresponse``: MCAR probability that an answer is missing.
    - ``loading_range``/``difficulty_range``: item loadings and threshold shifts, drawn once from
      ``item_seed`` so that the truth does not change between replicate datasets.
    """

    n_institutions: int = 7
    countries: tuple[str, ...] = REPORT_COUNTRIES
    students_per_group: tuple[int, int] = (30, 45)
    assignment: str = "within"
    constructs: tuple[ConstructSpec, ...] = field(default_factory=default_constructs)
    icc: float = 0.10
    respondent_share: float = 0.50
    construct_correlation: float = 0.3
    effect_sd: float = 0.0
    institution_change_sd: float = 0.0
    selection_shift: float = 0.20
    wave_trend: float = 0.15
    engagement_mean: float = 4.0
    attrition: float = 0.15
    attrition_slope: float = -0.5
    attrition_construct: str = "theory_to_practice"
    attrition_comparison_logodds: float = 0.3
    item_nonresponse: float = 0.03
    loading_range: tuple[float, float] = (0.60, 0.85)
    difficulty_range: tuple[float, float] = (-0.3, 0.3)
    scale_min: int = 1
    scale_max: int = 5
    item_seed: int = 2023
    truth_mc_n: int = 100_000

    def __post_init__(self) -> None:
        problems = []
        if self.n_institutions < 1:
            problems.append(f"n_institutions must be >= 1 (got {self.n_institutions})")
        lo, hi = self.students_per_group
        if not 1 <= lo <= hi:
            problems.append(
                f"students_per_group must be (min, max) with 1 <= min <= max "
                f"(got {self.students_per_group})"
            )
        if self.assignment not in ("within", "cluster"):
            problems.append(f"assignment must be 'within' or 'cluster' (got {self.assignment!r})")
        if self.assignment == "cluster" and self.n_institutions < 2:
            problems.append("assignment='cluster' needs at least 2 institutions")
        if not (
            0 <= self.icc and 0 <= self.respondent_share and self.icc + self.respondent_share < 1
        ):
            problems.append(
                f"need icc >= 0, respondent_share >= 0 and icc + respondent_share < 1 "
                f"(got {self.icc}, {self.respondent_share})"
            )
        if not 0 <= self.construct_correlation <= 1:
            problems.append("construct_correlation must be in [0, 1]")
        if not 0 <= self.attrition < 1:
            problems.append(f"attrition must be in [0, 1) (got {self.attrition})")
        if not 0 <= self.item_nonresponse < 1:
            problems.append(f"item_nonresponse must be in [0, 1) (got {self.item_nonresponse})")
        if not 0 < self.loading_range[0] <= self.loading_range[1] < 1:
            problems.append(f"loading_range must lie in (0, 1) (got {self.loading_range})")
        if self.scale_max - self.scale_min != len(BASE_THRESHOLDS):
            problems.append(
                f"the graded model has {len(BASE_THRESHOLDS) + 1} categories; "
                f"scale_min..scale_max must span them (got {self.scale_min}.."
                f"{self.scale_max})"
            )
        if self.engagement_mean < 0:
            problems.append("engagement_mean must be >= 0")
        names = [c.name for c in self.constructs]
        if not names or len(set(names)) != len(names):
            problems.append(f"constructs must be non-empty with unique names (got {names})")
        for c in self.constructs:
            n = c.n_items if c.n_items is not None else len(ITEM_BANK.get(c.name, ()))
            if n < 2:
                problems.append(f"construct {c.name!r} needs n_items >= 2")
        if problems:
            raise ValueError("invalid SurveyDesign: " + "; ".join(problems))

    def with_effects(self, **effects: float) -> SurveyDesign:
        """A copy with some constructs' latent effects replaced, e.g. ``self_efficacy=0.2``."""
        unknown = set(effects) - {c.name for c in self.constructs}
        if unknown:
            raise ValueError(f"unknown construct(s) {sorted(unknown)}")
        new = tuple(replace(c, effect=effects.get(c.name, c.effect)) for c in self.constructs)
        return replace(self, constructs=new)


@dataclass
class SimulatedSurvey:
    """Output of `simulate_survey`: contract tables plus the JSON-serialisable truth."""

    items: pd.DataFrame
    responses: pd.DataFrame
    truth: dict


def item_table(design: SurveyDesign) -> pd.DataFrame:
    """The ``survey_items`` table with the generating item parameters (loading, thresholds).

    Loadings and threshold shifts are drawn from ``design.item_seed`` (independent of the data
    seed), so every replicate of a design shares the same items and the same truth.
    """
    rng = np.random.default_rng(design.item_seed)
    rows = []
    for spec in design.constructs:
        bank = ITEM_BANK.get(spec.name)
        if bank is not None:
            n = spec.n_items if spec.n_items is not None else len(bank)
            if n > len(bank):
                raise ValueError(
                    f"construct {spec.name!r} has {len(bank)} items in the bank; n_items={n} asked"
                )
            chosen = list(bank[:n])
            if not any(rev for _, _, rev in chosen):  # keep at least one reverse-keyed item
                chosen[-1] = next(x for x in bank if x[2])
        else:
            n = spec.n_items
            chosen = [
                (f"{spec.name}_{k + 1}", f"Item {k + 1} of {spec.name}", k >= n - spec.n_reverse)
                for k in range(n)
            ]
        for item, text, rev in chosen:
            loading = rng.uniform(*design.loading_range)
            shift = rng.uniform(*design.difficulty_range)
            rows.append(
                dict(
                    item=item,
                    construct=spec.name,
                    reverse=bool(rev),
                    scale_min=design.scale_min,
                    scale_max=design.scale_max,
                    text=text,
                    loading=loading,
                    thresholds=tuple(float(t + shift) for t in BASE_THRESHOLDS),
                )
            )
    items = pd.DataFrame(rows)
    items["scale_min"] = items["scale_min"].astype("Int64")
    items["scale_max"] = items["scale_max"].astype("Int64")
    return items


def _expected_item_score(loading: float, thresholds, mean: np.ndarray, var: float) -> np.ndarray:
    """E[category] (1-based) of a graded-probit item when eta ~ N(mean, var); exact."""
    sd = math.sqrt(loading**2 * var + 1 - loading**2)
    mean = np.asarray(mean, dtype=float)
    return 1 + sum(stats.norm.cdf((loading * mean - t) / sd) for t in thresholds)


def _cell_score(
    items: pd.DataFrame,
    mean: float,
    var: float,
    dose: float = 0.0,
    engagement_mean: float = 0.0,
    fixed_engagement: float | None = None,
) -> float:
    """Exact expected construct score (item mean on the 1..5 scale) in one group x wave cell.

    The latent mean is ``mean + dose * (A - engagement_mean)`` with ``A ~ Poisson(engagement_mean)``
    (or ``A = fixed_engagement``), summed over the Poisson support up to a 1e-14 tail.
    """
    if dose == 0.0 and fixed_engagement is None:
        a, w = np.array([engagement_mean]), np.array([1.0])
    elif fixed_engagement is not None:
        a, w = np.array([fixed_engagement]), np.array([1.0])
    else:
        top = int(stats.poisson.isf(1e-14, engagement_mean)) + 1
        a = np.arange(top + 1, dtype=float)
        w = stats.poisson.pmf(a, engagement_mean)
    means = mean + dose * (a - engagement_mean)
    scores = np.mean(
        [_expected_item_score(r.loading, r.thresholds, means, var) for r in items.itertuples()],
        axis=0,
    )
    return float(np.sum(w * scores) / np.sum(w))


def exact_truth(design: SurveyDesign) -> dict:
    """The population truth per construct (a copy of a per-design cached computation).

    See `_exact_truth` for the contents.
    """
    return copy.deepcopy(_exact_truth(design))


@functools.lru_cache(maxsize=64)
def _exact_truth(design: SurveyDesign) -> dict:
    """The population truth per construct on the construct-score scale (exact, see module doc).

    Returns, per construct: latent effect and dose, the four cell means, ``did_score`` (the
    estimand of `etwin_analysis.effects`), the natural direct and indirect (via engagement)
    effects of group on the gain, the population linear slope of the eTwinning gain on
    engagement (``dose_slope_score``, score points per activity), the pooled within-group baseline
    SD of the score (Monte-Carlo) and the standardised effect ``did_score / sd_pre``.
    """
    items = item_table(design)
    off = design.scale_min - 1
    lam = design.engagement_mean
    var_post = 1 + design.institution_change_sd**2
    var_etw_post = var_post + design.effect_sd**2
    out = {}
    rng = np.random.default_rng(design.item_seed + 1)
    for spec in design.constructs:
        it = items[items["construct"] == spec.name]
        s, w, d = design.selection_shift, design.wave_trend, spec.effect
        cmp_pre = _cell_score(it, 0.0, 1.0) + off
        cmp_post = _cell_score(it, w, var_post) + off
        etw_pre = _cell_score(it, s, 1.0) + off
        etw_post = _cell_score(it, s + w + d, var_etw_post, spec.dose, lam) + off
        # natural direct effect: eTwinning students with engagement fixed at its comparison
        # value (0 activities)
        etw_post_no_eng = (
            _cell_score(it, s + w + d, var_etw_post, spec.dose, lam, fixed_engagement=0.0) + off
        )
        did = (etw_post - etw_pre) - (cmp_post - cmp_pre)
        direct = (etw_post_no_eng - etw_pre) - (cmp_post - cmp_pre)
        # linear projection slope of E[gain | A] on A among eTwinning respondents
        if spec.dose != 0.0 and lam > 0:
            top = int(stats.poisson.isf(1e-14, lam)) + 1
            a = np.arange(top + 1, dtype=float)
            pmf = stats.poisson.pmf(a, lam)
            m = np.array(
                [
                    _cell_score(it, s + w + d, var_etw_post, spec.dose, lam, fixed_engagement=x)
                    for x in a
                ]
            )
            slope = float(np.sum(pmf * (m - np.sum(pmf * m)) * (a - lam)) / lam)
        else:
            slope = 0.0
        # Monte-Carlo: pooled within-group SD of the complete-item score at baseline
        sds = []
        for mu in (0.0, s):
            eta = mu + rng.standard_normal(design.truth_mc_n)
            cols = [_graded(r.loading, r.thresholds, eta, rng) for r in it.itertuples()]
            sds.append(np.var(np.mean(cols, axis=0), ddof=1))
        sd_pre = float(math.sqrt(np.mean(sds)))
        out[spec.name] = dict(
            effect_latent=spec.effect,
            dose_latent=spec.dose,
            mean_score=dict(
                comparison_pre=cmp_pre,
                comparison_post=cmp_post,
                etwinning_pre=etw_pre,
                etwinning_post=etw_post,
            ),
            did_score=did,
            direct_effect_score=direct,
            indirect_effect_score=did - direct,
            dose_slope_score=slope,
            sd_pre_score=sd_pre,
            standardised_effect=did / sd_pre,
            null=spec.effect == 0.0 and spec.dose == 0.0,
            items=it["item"].tolist(),
            reverse_items=it.loc[it["reverse"], "item"].tolist(),
        )
    return out


def _graded(loading: float, thresholds, eta: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Categories 1..K of a graded-probit item for latent scores ``eta``."""
    ystar = loading * eta + math.sqrt(1 - loading**2) * rng.standard_normal(eta.shape)
    return 1 + (ystar[:, None] > np.asarray(thresholds)[None, :]).sum(axis=1)


def _institution_frame(design: SurveyDesign, institutions: pd.DataFrame | None) -> pd.DataFrame:
    if institutions is None:
        n = design.n_institutions
        return pd.DataFrame(
            {
                "institution_id": [f"ITE{k + 1:02d}" for k in range(n)],
                "country": [design.countries[k % len(design.countries)] for k in range(n)],
            }
        )
    if not isinstance(institutions, pd.DataFrame) or "institution_id" not in institutions:
        raise ValueError("institutions must be a DataFrame with an 'institution_id' column")
    if len(institutions) == 0:
        raise ValueError("institutions is empty: need at least one institution")
    ids = institutions["institution_id"].astype(str)
    if ids.duplicated().any():
        raise ValueError(
            f"institutions has duplicated institution_id values: "
            f"{sorted(ids[ids.duplicated()].unique())[:5]}"
        )
    country = (
        institutions["country"].astype(str)
        if "country" in institutions
        else pd.Series([None] * len(ids))
    )
    return pd.DataFrame({"institution_id": ids.to_numpy(), "country": country.to_numpy()})


def simulate_survey(
    design: SurveyDesign, seed: int | np.random.Generator, institutions: pd.DataFrame | None = None
) -> SimulatedSurvey:
    """Simulate one survey dataset (contract tables ``survey_items``/``survey_responses``).

    Parameters
    ----------
    design : the generating parameters (`SurveyDesign`).
    seed : int or numpy Generator; the same seed gives the same data.
    institutions : optional table with ``institution_id`` (and ``country``); when given, its rows
        are the survey's institutions (overriding ``design.n_institutions``).

    Returns
    -------
    SimulatedSurvey with ``items`` (contract columns + ``provenance``; the generating loadings and
    thresholds are in ``truth["items"]``), ``responses`` (long format: one row per respondent, wave and
    item; drop-outs have no post rows; missing answers are <NA>; ``engagement`` = number of
    project activities, recorded on every row of the respondent, 0 in the comparison group) and
    ``truth`` (see `exact_truth`, plus all design parameters and the realised sample sizes,
    institution effects and attrition).
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    inst = _institution_frame(design, institutions)
    n_inst = len(inst)
    if design.assignment == "cluster" and n_inst < 2:
        raise ValueError("assignment='cluster' needs at least 2 institutions")
    items = item_table(design)
    names = [c.name for c in design.constructs]
    n_c = len(names)

    # respondents
    lo, hi = design.students_per_group
    rows = []
    for j in range(n_inst):
        if design.assignment == "within":
            groups = ("etwinning", "comparison")
        else:
            groups = ("etwinning",) if j % 2 == 0 else ("comparison",)
        for g in groups:
            rows += [(j, g)] * int(rng.integers(lo, hi + 1))
    resp = pd.DataFrame(rows, columns=["inst", "group"])
    n = len(resp)
    etw = (resp["group"] == "etwinning").to_numpy()
    perm = rng.permutation(n)  # ids do not reveal institution or group order
    resp["respondent_id"] = [f"R{k + 1:05d}" for k in perm]
    resp["institution_id"] = inst["institution_id"].to_numpy()[resp["inst"]]
    engagement = np.where(etw, rng.poisson(design.engagement_mean, n), 0).astype(float)

    # latent structure
    u = rng.normal(0, math.sqrt(design.icc), (n_inst, n_c))
    tau = (
        rng.normal(0, design.effect_sd, (n_inst, n_c))
        if design.effect_sd > 0
        else np.zeros((n_inst, n_c))
    )
    v = (
        rng.normal(0, design.institution_change_sd, (n_inst, n_c))
        if design.institution_change_sd > 0
        else np.zeros((n_inst, n_c))
    )
    r = design.construct_correlation
    common = rng.standard_normal(n)[:, None]
    b = math.sqrt(design.respondent_share) * (
        math.sqrt(r) * common + math.sqrt(1 - r) * rng.standard_normal((n, n_c))
    )
    sd_e = math.sqrt(1 - design.icc - design.respondent_share)
    j = resp["inst"].to_numpy()
    eff = np.array([c.effect for c in design.constructs])
    dose = np.array([c.dose for c in design.constructs])
    base = u[j] + b + design.selection_shift * etw[:, None]
    eta_pre = base + sd_e * rng.standard_normal((n, n_c))
    gain = (
        design.wave_trend
        + v[j]
        + etw[:, None] * (eff + tau[j] + dose * (engagement - design.engagement_mean)[:, None])
    )
    eta_post = base + gain + sd_e * rng.standard_normal((n, n_c))

    # item responses (category in the latent direction, before reverse-keying)
    cats = {}
    for wave, eta in (("pre", eta_pre), ("post", eta_post)):
        for c_idx, name in enumerate(names):
            for row in items[items["construct"] == name].itertuples():
                cats[(wave, row.item)] = _graded(row.loading, row.thresholds, eta[:, c_idx], rng)

    # attrition: MAR given the observed baseline item mean of one construct, and group
    a_con = design.attrition_construct if design.attrition_construct in names else names[0]
    a_items = items.loc[items["construct"] == a_con, "item"]
    obs_base = np.mean([cats[("pre", it)] for it in a_items], axis=0)
    z = (obs_base - obs_base.mean()) / (obs_base.std() or 1.0)
    if design.attrition > 0:
        logit = (
            math.log(design.attrition / (1 - design.attrition))
            + design.attrition_slope * z
            + design.attrition_comparison_logodds * (~etw)
        )
        dropped = rng.random(n) < 1 / (1 + np.exp(-logit))
    else:
        dropped = np.zeros(n, dtype=bool)

    # long table
    off = design.scale_min - 1
    top = design.scale_max + design.scale_min
    item_names = items["item"].to_numpy()
    item_rank = np.argsort(np.argsort(item_names))  # rows sorted by item name within a wave
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("idx", "wave", "item", "ans", "miss")}
    for w_code, wave in enumerate(("pre", "post")):
        keep = np.ones(n, dtype=bool) if wave == "pre" else ~dropped
        idx = np.flatnonzero(keep)
        for i_code, row in enumerate(items.itertuples()):
            k = cats[(wave, row.item)][keep] + off
            parts["idx"].append(idx)
            parts["wave"].append(np.full(len(idx), w_code))
            parts["item"].append(np.full(len(idx), i_code))
            parts["ans"].append((top - k) if row.reverse else k)
            parts["miss"].append(rng.random(len(idx)) < design.item_nonresponse)
    idx, w_code, i_code, ans, miss = (np.concatenate(parts[k]) for k in parts)
    order = np.lexsort((item_rank[i_code], w_code, perm[idx]))
    idx, w_code, i_code, ans, miss = (
        idx[order],
        w_code[order],
        i_code[order],
        ans[order],
        miss[order],
    )
    responses = pd.DataFrame(
        {
            "respondent_id": resp["respondent_id"].to_numpy()[idx],
            "institution_id": resp["institution_id"].to_numpy()[idx],
            "group": resp["group"].to_numpy()[idx],
            "wave": np.array(["pre", "post"], dtype=object)[w_code],
            "item": item_names[i_code],
            "response": pd.array(np.where(miss, pd.NA, ans), dtype="Int64"),
            "engagement": engagement[idx],
        }
    )
    responses[PROVENANCE_COLUMN] = SYNTHETIC_MARK

    items_out = items[["item", "construct", "reverse", "scale_min", "scale_max", "text"]].copy()
    items_out[PROVENANCE_COLUMN] = SYNTHETIC_MARK

    truth = dict(
        estimand="group x wave difference-in-differences of the construct score (mean of "
        "reverse-scored items, on the 1..5 item scale) in the population: "
        "(E[S|etwinning,post]-E[S|etwinning,pre])-(E[S|comparison,post]-"
        "E[S|comparison,pre]); effect_latent is the same in latent SD units",
        truth_method="did_score, direct/indirect effects and dose_slope_score are exact "
        "(closed-form graded-probit expectations summed over the Poisson engagement "
        "support); sd_pre_score and standardised_effect are Monte-Carlo with "
        f"{design.truth_mc_n} respondents per group (seed item_seed+1)",
        constructs=exact_truth(design),
        null_constructs=[c.name for c in design.constructs if c.effect == 0.0],
        design=to_jsonable(asdict(design)),
        items=to_jsonable(
            items[["item", "construct", "reverse", "loading", "thresholds"]].to_dict(
                orient="records"
            )
        ),
        institutions=[
            dict(
                institution_id=str(inst.at[k, "institution_id"]),
                country=None if inst.at[k, "country"] is None else str(inst.at[k, "country"]),
                random_intercept=dict(zip(names, map(float, u[k]), strict=True)),
                effect_deviation=dict(zip(names, map(float, tau[k]), strict=True)),
                change_deviation=dict(zip(names, map(float, v[k]), strict=True)),
            )
            for k in range(n_inst)
        ],
        sample=dict(
            n_respondents=int(n),
            n_etwinning=int(etw.sum()),
            n_comparison=int((~etw).sum()),
            n_dropped=int(dropped.sum()),
            attrition_rate=float(dropped.mean()),
            attrition_rate_etwinning=float(dropped[etw].mean()) if etw.any() else None,
            attrition_rate_comparison=float(dropped[~etw].mean()) if (~etw).any() else None,
            item_missing_rate=float(responses["response"].isna().mean()),
            mean_engagement_etwinning=float(engagement[etw].mean()) if etw.any() else None,
        ),
    )
    return SimulatedSurvey(items=items_out, responses=responses, truth=truth)
