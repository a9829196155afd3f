"""Power and minimum detectable effect (MDE) of a planned student-teacher survey study.

Two answers, which agree where both apply:

- **By simulation** (`simulate_power`, `minimum_detectable_effect`): datasets from
  `etwin_analysis.survey_sim.simulate_survey` (the same generating model as the bundled data, no
  second simulator), analysed with the main mixed-model estimator
  (`etwin_analysis.effects.mixedlm_did`, ``estimator="mixedlm"``) or, by default
  (``"auto"``), with a fast closed-form equivalent that needs no iterative fitting:
  ``within`` assignment: ``gain_fe`` (completers' gains on group with institution fixed effects;
  the same DiD as the mixed model when effects are homogeneous: tests show equality on balanced
  data and equal simulated power); ``cluster`` assignment: ``cluster_means`` (t-test on the
  institutions' mean gains, k - 2 df; valid with few clusters under normality and robust to
  institution heterogeneity: Donald & Lang 2007; Hayes & Moulton 2017, ch. 9).
  Monte-Carlo standard errors are ``sqrt(p (1 - p) / n_sims)``.
- **Analytic** (`analytic_power`): the design effect DE = 1 + (m - 1) ICC (Kish 1965; Donner &
  Klar 2000) for institutions assigned wholly to one arm, effective sample size n m / DE per arm,
  and statsmodels ``TTestIndPower`` on the standardised gain difference. When both groups are
  surveyed in every institution (the report's design), institution shifts cancel in the
  difference-in-differences (DE = 1) and only heterogeneity of the effect across institutions
  inflates the variance: DE = 1 + m tau^2 / (2 sigma^2).

Units: ``effect`` of a `PlannedStudy` is in latent SD units (the simulator's scale); results
also give it on the construct-score scale (1..5 item mean) and as a standardised effect.
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, replace

import numpy as np
import pandas as pd
from scipy import stats

from etwin_analysis import effects as ef
from etwin_analysis.survey_sim import ConstructSpec, SurveyDesign, exact_truth, simulate_survey

ESTIMATORS = ("auto", "gain_fe", "cluster_means", "mixedlm")


@dataclass(frozen=True)
class PlannedStudy:
    """A planned survey study.

    - ``n_institutions``: ITE institutions (k); ``students_per_group``: students per institution
      and group (m; in ``cluster`` assignment each institution has one group of m students).
    - ``icc``: intraclass correlation of the individual pre->post change (share of the latent
      change variance that lies between institutions).
    - ``attrition``: proportion lost between waves (missing completely at random here).
    - ``effect``: true group x wave effect in latent SD units; ``effect_sd``: its SD across
      institutions.
    - ``assignment``: ``"within"`` (eTwinning and comparison students in every institution, the
      2023 report's design) or ``"cluster"`` (whole institutions in one arm, alternating).
    - ``construct``: the construct whose items are simulated (its item bank and loadings).
    """

    n_institutions: int = 7
    students_per_group: int = 35
    icc: float = 0.05
    attrition: float = 0.15
    effect: float = 0.3
    effect_sd: float = 0.0
    assignment: str = "within"
    construct: str = "theory_to_practice"

    def __post_init__(self) -> None:
        problems = []
        if self.n_institutions < 2:
            problems.append(f"n_institutions must be >= 2 (got {self.n_institutions})")
        if self.assignment == "cluster" and self.n_institutions < 4:
            problems.append("cluster assignment needs >= 4 institutions (2 per arm)")
        if self.students_per_group < 2:
            problems.append(f"students_per_group must be >= 2 (got {self.students_per_group})")
        if not 0 <= self.icc < 1:
            problems.append(f"icc must be in [0, 1) (got {self.icc})")
        if not 0 <= self.attrition < 0.9:
            problems.append(f"attrition must be in [0, 0.9) (got {self.attrition})")
        if self.assignment not in ("within", "cluster"):
            problems.append(f"assignment must be 'within' or 'cluster' (got {self.assignment!r})")
        if problems:
            raise ValueError("invalid PlannedStudy: " + "; ".join(problems))

    def design(self, base: SurveyDesign | None = None) -> SurveyDesign:
        """The `SurveyDesign` that simulates this study (one construct, no dose-response,
        MCAR attrition, institution change variance set from ``icc``)."""
        base = base or SurveyDesign()
        sigma2_change = 2 * (1 - base.icc - base.respondent_share)  # individual latent change
        change_sd = math.sqrt(self.icc / (1 - self.icc) * sigma2_change)
        return replace(
            base,
            n_institutions=self.n_institutions,
            students_per_group=(self.students_per_group, self.students_per_group),
            assignment=self.assignment,
            constructs=(ConstructSpec(self.construct, self.effect, dose=0.0),),
            institution_change_sd=change_sd,
            effect_sd=self.effect_sd,
            attrition=self.attrition,
            attrition_slope=0.0,
            attrition_comparison_logodds=0.0,
            truth_mc_n=20_000,
        )


# --------------------------------------------------------------------------------------------
# Estimators
# --------------------------------------------------------------------------------------------
def cluster_means_did(scores: pd.DataFrame, construct: str, ci: float = 0.95) -> dict:
    """Cluster-level summary estimate of the group x wave effect (score points).

    Uses respondents scored at both waves. ``within`` institutions (both groups present):
    DiD_j = mean gain(eTwinning) - mean gain(comparison) per institution, estimate = mean of
    DiD_j, one-sample t with k - 1 df. Otherwise (institutions in one arm): two-sample pooled t
    on the institutions' mean gains, k - 2 df.
    """
    g = ef.gains(scores, construct)
    inst = g.groupby(["institution_id", "group"])["gain"].mean().unstack("group")
    both = inst.dropna()
    if len(both) >= 2 and len(both) == len(inst):
        diff = both[ef.TREATED_GROUP] - both[ef.CONTROL_GROUP]
        k = len(diff)
        est, se, df = diff.mean(), diff.std(ddof=1) / math.sqrt(k), k - 1
    else:
        a = inst[ef.TREATED_GROUP].dropna() if ef.TREATED_GROUP in inst else pd.Series()
        b = inst[ef.CONTROL_GROUP].dropna() if ef.CONTROL_GROUP in inst else pd.Series()
        if len(a) < 2 or len(b) < 2:
            raise ef.SurveyDataError("cluster-level analysis needs >= 2 institutions per arm")
        df = len(a) + len(b) - 2
        sp2 = ((len(a) - 1) * a.var() + (len(b) - 1) * b.var()) / df
        est, se = a.mean() - b.mean(), math.sqrt(sp2 * (1 / len(a) + 1 / len(b)))
    tq = stats.t.ppf(0.5 + ci / 2, df)
    p = 2 * stats.t.sf(abs(est / se), df) if se > 0 else np.nan
    return dict(
        estimate=float(est),
        se=float(se),
        ci_low=float(est - tq * se),
        ci_high=float(est + tq * se),
        p=float(p),
        df=int(df),
    )


def gain_fe_did(scores: pd.DataFrame, construct: str, ci: float = 0.95) -> dict:
    """Fast individual-level equivalent of the mixed model for ``within`` assignment.

    OLS of completers' gains (post - pre score) on group with institution fixed effects,
    classical t inference (df = n - k - 1). Respondent and institution intercepts cancel in
    the gain and the fixed effects, so without effect heterogeneity this is the
    difference-in-differences the MixedLM estimates (it drops the drop-outs' baseline answers,
    which carry almost no information on the DiD under MCAR attrition).
    """
    g = ef.gains(scores, construct)
    y = g["gain"].to_numpy(float)
    etw = (g["group"] == ef.TREATED_GROUP).to_numpy(float)
    inst = pd.get_dummies(g["institution_id"], dtype=float).to_numpy()
    X = np.column_stack([etw, inst])
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ef.SurveyDataError(
            "gain_fe needs both groups within institutions (use "
            "cluster_means for cluster assignment)"
        )
    beta, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    df = len(y) - X.shape[1]
    cov = resid @ resid / df * np.linalg.inv(X.T @ X)
    est, se = float(beta[0]), float(math.sqrt(cov[0, 0]))
    tq = stats.t.ppf(0.5 + ci / 2, df)
    return dict(
        estimate=est,
        se=se,
        ci_low=est - tq * se,
        ci_high=est + tq * se,
        p=float(2 * stats.t.sf(abs(est / se), df)),
        df=int(df),
    )


def _estimator(design: SurveyDesign, estimator: str) -> str:
    if estimator not in ESTIMATORS:
        raise ValueError(f"estimator must be one of {ESTIMATORS} (got {estimator!r})")
    if estimator == "auto":
        return "gain_fe" if design.assignment == "within" else "cluster_means"
    return estimator


def simulate_estimates(
    design: SurveyDesign,
    n_sims: int,
    seed: int = 0,
    *,
    estimator: str = "mixedlm",
    ci: float = 0.95,
) -> pd.DataFrame:
    """Simulate ``n_sims`` datasets from ``design`` and estimate every construct's effect.

    Replicate r uses ``numpy.random.default_rng([seed, r])`` (reproducible; the same replicate
    seeds across designs give common random numbers). Returns one row per replicate and
    construct: estimate, se, ci_low, ci_high, p, truth (the exact score-scale DiD), covered.
    """
    estimator = _estimator(design, estimator)
    fn = dict(gain_fe=gain_fe_did, cluster_means=cluster_means_did)
    truth = {c: v["did_score"] for c, v in exact_truth(design).items()}
    rows = []
    for r in range(n_sims):
        sim = simulate_survey(design, np.random.default_rng([seed, r]))
        scores = ef.score_constructs(sim.items, sim.responses)
        for c in truth:
            if estimator == "mixedlm":
                out = ef.mixedlm_did(ef._did_frame(scores, c), ci)
            else:
                out = fn[estimator](scores, c, ci)
            rows.append(
                dict(
                    replicate=r,
                    construct=c,
                    truth=truth[c],
                    **{k: out[k] for k in ("estimate", "se", "ci_low", "ci_high", "p")},
                )
            )
    out = pd.DataFrame(rows)
    out["covered"] = (out["ci_low"] <= out["truth"]) & (out["truth"] <= out["ci_high"])
    return out


# --------------------------------------------------------------------------------------------
# Power by simulation
# --------------------------------------------------------------------------------------------
@dataclass
class PowerResult:
    """Simulated (and analytic) power at one or more planned studies (rows of ``table``)."""

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        lines = ["Power of the group x wave effect (two-sided):"]
        for r in self.table.itertuples():
            extra = (
                f", analytic {r.power_analytic:.2f}"
                if "power_analytic" in self.table and not pd.isna(r.power_analytic)
                else ""
            )
            lines.append(
                f"  k={r.n_institutions} m={r.students_per_group} icc={r.icc:.2f} "
                f"{r.assignment}: effect {r.effect:.2f} SD = {r.effect_score:.3f} score "
                f"points -> power {r.power:.2f} (MC SE {r.mc_se:.3f}, "
                f"{r.n_sims} sims){extra}"
            )
        return "\n".join(lines)


def simulate_power(
    study: PlannedStudy,
    *,
    n_sims: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    estimator: str = "auto",
) -> dict:
    """Power of ``study`` by simulation: the share of ``n_sims`` datasets whose effect
    estimate is significant at ``alpha`` (two-sided), with Monte-Carlo SE
    ``sqrt(p (1 - p) / n_sims)``, plus the mean estimate, the truth and CI coverage."""
    design = study.design()
    est = simulate_estimates(design, n_sims, seed, estimator=estimator, ci=1 - alpha)
    power = float(np.mean(est["p"] < alpha))
    return dict(
        **asdict(study),
        estimator=estimator,
        n_sims=n_sims,
        alpha=alpha,
        power=power,
        mc_se=math.sqrt(power * (1 - power) / n_sims),
        effect_score=float(est["truth"].iloc[0]),
        mean_estimate=float(est["estimate"].mean()),
        coverage=float(est["covered"].mean()),
    )


def power_grid(
    studies: list[PlannedStudy],
    *,
    n_sims: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    estimator: str = "auto",
    analytic: bool = True,
) -> PowerResult:
    """`simulate_power` (and, with ``analytic``, `analytic_power`) for several studies."""
    rows = []
    for s in studies:
        row = simulate_power(s, n_sims=n_sims, seed=seed, alpha=alpha, estimator=estimator)
        if analytic:
            row["power_analytic"] = analytic_power(s, alpha=alpha)["power"]
        rows.append(row)
    return PowerResult(pd.DataFrame(rows))


# --------------------------------------------------------------------------------------------
# Analytic design-effect answer
# --------------------------------------------------------------------------------------------
def score_scale_parameters(
    study: PlannedStudy, *, n_pilot_institutions: int = 400, seed: int = 12345
) -> dict:
    """Score-scale inputs of the analytic formula, from one large pilot simulation.

    The analytic formula needs the SD of the individual change of the construct *score* (which
    includes item measurement error) and its ICC; they are not closed-form under the graded
    item model, so they are estimated once (cached per ICC and construct) from
    ``n_pilot_institutions`` institutions of 30 students (cluster assignment, no attrition, no
    effect): ``sigma_gain`` = pooled within-institution SD of individual gains, ``icc_gain`` =
    one-way ANOVA ICC of gains, ``tau_score`` = effect heterogeneity converted with the
    score/latent slope. The effect on the score scale, ``did_score``, is exact (`exact_truth`).
    """
    sigma_gain, icc_gain = _pilot(study.icc, study.construct, n_pilot_institutions, seed)
    did = exact_truth(study.design())[study.construct]["did_score"]
    slope = did / study.effect if study.effect else _score_slope(study)
    return dict(
        sigma_gain=sigma_gain,
        icc_gain=icc_gain,
        did_score=did,
        tau_score=abs(slope) * study.effect_sd,
    )


@functools.lru_cache(maxsize=32)
def _pilot(icc: float, construct: str, n_pilot_institutions: int, seed: int) -> tuple:
    pilot = PlannedStudy(
        n_institutions=n_pilot_institutions,
        students_per_group=30,
        icc=icc,
        attrition=0.0,
        effect=0.0,
        assignment="cluster",
        construct=construct,
    )
    sim = simulate_survey(pilot.design(), seed)
    g = ef.gains(ef.score_constructs(sim.items, sim.responses), construct)
    grp = g.groupby("institution_id")["gain"]
    m = grp.size()
    n, k = len(g), len(m)
    msw = ((g["gain"] - grp.transform("mean")) ** 2).sum() / (n - k)
    msb = (m * (grp.mean() - g["gain"].mean()) ** 2).sum() / (k - 1)
    m0 = (n - (m**2).sum() / n) / (k - 1)
    s2b = max((msb - msw) / m0, 0.0)
    return float(math.sqrt(msw)), float(s2b / (s2b + msw))


def _score_slope(study: PlannedStudy) -> float:
    small = replace(study, effect=0.05)
    return exact_truth(small.design())[study.construct]["did_score"] / 0.05


def analytic_power(study: PlannedStudy, *, alpha: float = 0.05, params: dict | None = None) -> dict:
    """Power from the design effect and statsmodels' ``TTestIndPower``.

    m_eff = m (1 - attrition) completers per institution and group; standardised effect
    d = did_score / sigma_gain.
    - ``cluster``: k/2 institutions per arm, DE = 1 + (m_eff - 1) ICC_gain,
      n_eff = (k/2) m_eff / DE per arm.
    - ``within``: institution shifts cancel; DE = 1 + m_eff tau^2 / (2 sigma_gain^2),
      n_eff = k m_eff / DE per group.
    ``params`` defaults to `score_scale_parameters`.
    """
    from statsmodels.stats.power import TTestIndPower

    p = params or score_scale_parameters(study)
    m_eff = study.students_per_group * (1 - study.attrition)
    k = study.n_institutions
    if study.assignment == "cluster":
        de = 1 + (m_eff - 1) * p["icc_gain"]
        n_eff = (k / 2) * m_eff / de
    else:
        de = 1 + m_eff * p["tau_score"] ** 2 / (2 * p["sigma_gain"] ** 2)
        n_eff = k * m_eff / de
    d = p["did_score"] / p["sigma_gain"]
    power = (
        TTestIndPower().power(effect_size=abs(d), nobs1=n_eff, alpha=alpha, ratio=1.0)
        if d
        else alpha
    )
    return dict(
        power=float(power),
        design_effect=float(de),
        n_effective_per_group=float(n_eff),
        standardised_effect=float(d),
        **p,
    )


def analytic_mde(
    study: PlannedStudy, *, power: float = 0.8, alpha: float = 0.05, params: dict | None = None
) -> dict:
    """Analytic minimum detectable standardised effect d (TTestIndPower.solve_power at the
    effective sample size), converted to score points (d * sigma_gain) and latent SD units
    (via the exact score/latent ratio)."""
    from statsmodels.stats.power import TTestIndPower

    p = params or score_scale_parameters(study)
    a = analytic_power(study, alpha=alpha, params=p)
    d = TTestIndPower().solve_power(
        nobs1=a["n_effective_per_group"], alpha=alpha, power=power, ratio=1.0
    )
    slope = _score_slope(study)
    return dict(
        mde_standardised=float(d),
        mde_score=float(d * p["sigma_gain"]),
        mde_latent=float(d * p["sigma_gain"] / slope),
        design_effect=a["design_effect"],
        n_effective_per_group=a["n_effective_per_group"],
    )


# --------------------------------------------------------------------------------------------
# Minimum detectable effect by simulation
# --------------------------------------------------------------------------------------------
@dataclass
class MDEResult:
    """Minimum detectable effect by simulation (``curve``: power per effect size)."""

    study: PlannedStudy
    target_power: float
    mde_latent: float
    mde_latent_mc_se: float
    mde_score: float
    curve: pd.DataFrame
    analytic: dict

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                dict(
                    **asdict(self.study),
                    target_power=self.target_power,
                    mde_latent=self.mde_latent,
                    mde_latent_mc_se=self.mde_latent_mc_se,
                    mde_score=self.mde_score,
                    mde_latent_analytic=self.analytic.get("mde_latent"),
                    mde_score_analytic=self.analytic.get("mde_score"),
                )
            ]
        )

    def summary(self) -> str:
        s = self.study
        return (
            f"MDE at {self.target_power:.0%} power, k={s.n_institutions} institutions, "
            f"m={s.students_per_group} per group, ICC={s.icc}, attrition={s.attrition:.0%}, "
            f"{s.assignment} assignment: {self.mde_latent:.3f} latent SD "
            f"(MC SE {self.mde_latent_mc_se:.3f}) = {self.mde_score:.3f} score points; "
            f"analytic {self.analytic.get('mde_latent', float('nan')):.3f} latent SD."
        )


def minimum_detectable_effect(
    study: PlannedStudy,
    *,
    target_power: float = 0.8,
    effects: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8),
    n_sims: int = 200,
    seed: int = 0,
    alpha: float = 0.05,
    estimator: str = "auto",
) -> MDEResult:
    """Smallest latent effect with simulated power >= ``target_power``.

    Power is simulated at each of ``effects`` with common random numbers (the same replicate
    seeds), and the MDE is the linear interpolation at the first crossing of the target. Its
    Monte-Carlo SE is the delta method MC SE(power) / slope of the curve at the crossing. NaN
    when the largest effect does not reach the target.
    """
    rows = [
        simulate_power(
            replace(study, effect=e), n_sims=n_sims, seed=seed, alpha=alpha, estimator=estimator
        )
        for e in effects
    ]
    curve = pd.DataFrame(rows)[["effect", "effect_score", "power", "mc_se", "coverage"]]
    mde = mde_se = mde_score = np.nan
    above = np.flatnonzero(curve["power"].to_numpy() >= target_power)
    if len(above) and above[0] > 0:
        i = above[0]
        e0, e1 = curve["effect"].iloc[i - 1], curve["effect"].iloc[i]
        p0, p1 = curve["power"].iloc[i - 1], curve["power"].iloc[i]
        slope = (p1 - p0) / (e1 - e0)
        mde = e0 + (target_power - p0) / slope
        mde_se = math.sqrt(target_power * (1 - target_power) / n_sims) / slope
        s0, s1 = curve["effect_score"].iloc[i - 1], curve["effect_score"].iloc[i]
        mde_score = s0 + (mde - e0) * (s1 - s0) / (e1 - e0)
    elif len(above):
        mde = curve["effect"].iloc[0]  # already powered at the smallest effect tried
        mde_score = curve["effect_score"].iloc[0]
    try:
        analytic = analytic_mde(study, power=target_power, alpha=alpha)
    except (ValueError, ZeroDivisionError):
        analytic = {}
    return MDEResult(
        study, target_power, float(mde), float(mde_se), float(mde_score), curve, analytic
    )


def analytic_power_curve(
    base: PlannedStudy,
    *,
    n_institutions=(4, 6, 8, 10, 14, 20, 30),
    students_per_group=(15, 30, 45, 60),
    iccs=(0.0, 0.05, 0.1),
    effects=(0.2, 0.3, 0.5),
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Analytic power over a grid of k, m, ICC and latent effect for ``base``'s assignment.

    The score-scale parameters are estimated once per ICC (`score_scale_parameters`); the
    effect is converted to score points with the exact score/latent ratio.
    """
    rows = []
    slope = {}
    for icc in iccs:
        probe = replace(base, icc=icc, effect=0.3)
        prm = score_scale_parameters(probe)
        for e in effects:
            if e not in slope:
                slope[e] = exact_truth(replace(base, effect=e).design())[base.construct][
                    "did_score"
                ]
            p_e = dict(prm, did_score=slope[e])
            for k in n_institutions:
                for m in students_per_group:
                    s = replace(base, n_institutions=k, students_per_group=m, icc=icc, effect=e)
                    a = analytic_power(s, alpha=alpha, params=p_e)
                    rows.append(
                        dict(
                            n_institutions=k,
                            students_per_group=m,
                            icc=icc,
                            effect=e,
                            effect_score=slope[e],
                            assignment=base.assignment,
                            power=a["power"],
                            design_effect=a["design_effect"],
                        )
                    )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Planning helpers for the notebook
# --------------------------------------------------------------------------------------------
def describe_survey_design(responses: pd.DataFrame | None) -> dict | None:
    """The design of an existing survey (institutions, median students per institution and
    group at baseline, attrition), to plan a follow-up of the same shape. None if no survey."""
    if responses is None or len(responses) == 0:
        return None
    pre = responses[responses["wave"] == ef.PRE]
    per = pre.groupby(["institution_id", "group"])["respondent_id"].nunique()
    post_ids = set(responses.loc[responses["wave"] == ef.POST, "respondent_id"])
    ids = pre["respondent_id"].unique()
    within = bool((pre.groupby("institution_id")["group"].nunique() == 2).all())
    return dict(
        n_institutions=int(pre["institution_id"].nunique()),
        students_per_group=int(round(per.median())),
        attrition=float(1 - np.isin(ids, list(post_ids)).mean()),
        assignment="within" if within else "cluster",
    )


def recommendation_table(
    base: PlannedStudy,
    *,
    effect_sizes=(0.2, 0.3, 0.5),
    iccs=(0.0, 0.05, 0.1, 0.2),
    target_power: float = 0.8,
    alpha: float = 0.05,
    max_institutions: int = 200,
) -> pd.DataFrame:
    """Smallest number of institutions reaching ``target_power`` (analytic answer) at the
    base study's students per group and attrition, for each assignment, effect and ICC.

    Cluster assignment needs an even number of institutions (two arms). NaN when even
    ``max_institutions`` are not enough (more students per institution cannot help when the
    ICC is large: the design effect grows with m).
    """
    rows = []
    for assignment in ("within", "cluster"):
        for icc in iccs:
            for e in effect_sizes:
                s0 = replace(base, assignment=assignment, icc=icc, effect=e, n_institutions=4)
                prm = score_scale_parameters(s0)
                need = np.nan
                for k in range(
                    2 if assignment == "within" else 4,
                    max_institutions + 1,
                    1 if assignment == "within" else 2,
                ):
                    s = replace(s0, n_institutions=k)
                    if analytic_power(s, alpha=alpha, params=prm)["power"] >= target_power:
                        need = k
                        break
                rows.append(
                    dict(
                        assignment=assignment,
                        icc=icc,
                        effect=e,
                        effect_score=prm["did_score"],
                        students_per_group=base.students_per_group,
                        attrition=base.attrition,
                        institutions_needed=need,
                        students_needed=(
                            need * base.students_per_group * (2 if assignment == "within" else 1)
                        )
                        if not np.isnan(need)
                        else np.nan,
                    )
                )
    out = pd.DataFrame(rows)
    out["institutions_needed"] = out["institutions_needed"].astype("Int64")
    out["students_needed"] = out["students_needed"].astype("Int64")
    return out


def plot_power_curves(curve: pd.DataFrame, *, x: str = "n_institutions", target: float = 0.8):
    """Power against ``x`` (institutions or students per group), one panel per effect size,
    one line per ICC (dashed: cluster assignment). Returns the seaborn FacetGrid."""
    import seaborn as sns

    label = {
        "n_institutions": "institutions (k)",
        "students_per_group": "students per group (m)",
    }[x]
    g = sns.relplot(
        data=curve,
        x=x,
        y="power",
        hue="icc",
        style="assignment",
        col="effect",
        kind="line",
        marker="o",
        palette="colorblind",
        height=3.2,
        aspect=1.1,
        facet_kws=dict(ylim=(0, 1.02)),
    )
    for ax in g.axes.ravel():
        ax.axhline(target, color="grey", ls=":", lw=1)
    g.set_axis_labels(label, "power (two-sided, alpha 0.05)")
    g.set_titles("effect {col_name} latent SD")
    return g


def plot_mde_curve(mde: MDEResult, ax=None):
    """Simulated power (with Monte-Carlo 95% bars) against the effect, and the MDE."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    c = mde.curve
    ax.errorbar(
        c["effect"],
        c["power"],
        yerr=1.96 * c["mc_se"],
        marker="o",
        capsize=3,
        color="#0072B2",
        label="simulated power (MC 95% bars)",
    )
    ax.axhline(mde.target_power, color="grey", ls=":", lw=1)
    if not np.isnan(mde.mde_latent):
        ax.axvline(
            mde.mde_latent,
            color="#D55E00",
            ls="--",
            label=f"MDE {mde.mde_latent:.2f} SD = {mde.mde_score:.2f} score points",
        )
    ax.set_xlabel("true effect (latent SD units)")
    ax.set_ylabel("power")
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    return ax
