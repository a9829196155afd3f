"""Theory-to-practice effects: survey scale scores, reliability and group x wave effects.

Every function takes the contract tables ``survey_items`` and ``survey_responses`` (long format)
or the construct scores derived from them, and returns a result object with ``summary()`` and
``to_frame()``. The analyses follow the hypotheses of the 2023 eTwinning monitoring report
(H1 theory-to-practice, H2 digital, H3 intercultural, H4 collaborative teaching, H5
self-efficacy, and dose-response).

Units: construct scores are the mean of the (reverse-scored) item answers on the items' scale
(1..5 in the bundled data); effects are in score points unless called *standardised*.

Main references
- Cronbach (1951) alpha; Feldt, Woodruff & Salih (1987) F-based CI; McDonald (1999) omega.
- Laird & Ware (1982) linear mixed models (statsmodels MixedLM).
- Cameron, Gelbach & Miller (2008); MacKinnon & Webb (2017); Webb (2023, Canadian J. Econ.)
  wild cluster bootstrap with Webb six-point weights.
- Hedges (1981) small-sample corrected standardised mean difference; Morris (2008) pre-post
  designs.
- McCullagh (1980) ordinal regression (statsmodels OrderedModel).
- Holm (1979); Benjamini & Hochberg (1995).
- Imai, Keele & Tingley (2010) causal mediation (statsmodels Mediation).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from etwin_analysis.contract import SURVEY_GROUPS, SURVEY_WAVES

#: Fraction of a construct's items that must be answered for a construct score (see
#: `score_constructs`).
MIN_ANSWERED = 0.5
TREATED_GROUP, CONTROL_GROUP = "etwinning", "comparison"
PRE, POST = "pre", "post"
CORRECTIONS = ("holm", "fdr_bh")

_ITEM_COLUMNS = ("item", "construct", "reverse", "scale_min", "scale_max")
_RESPONSE_COLUMNS = ("respondent_id", "institution_id", "group", "wave", "item", "response")


# --------------------------------------------------------------------------------------------
# Input checks and selection
# --------------------------------------------------------------------------------------------
class SurveyDataError(ValueError):
    """The survey tables cannot be analysed as given (the message says what and where)."""


def check_survey(items: pd.DataFrame, responses: pd.DataFrame) -> None:
    """Raise `SurveyDataError` naming every problem with the two survey tables at once."""
    problems = []
    if not isinstance(items, pd.DataFrame) or not isinstance(responses, pd.DataFrame):
        raise SurveyDataError("survey_items and survey_responses must be pandas DataFrames")
    for name, frame, cols in (
        ("survey_items", items, _ITEM_COLUMNS),
        ("survey_responses", responses, _RESPONSE_COLUMNS),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            problems.append(f"{name}: missing column(s) {missing}")
        elif frame.empty:
            problems.append(f"{name}: no rows")
    if problems:
        raise SurveyDataError("; ".join(problems))
    if items["item"].duplicated().any():
        problems.append(
            f"survey_items: duplicated item(s) "
            f"{sorted(items.loc[items['item'].duplicated(), 'item'])[:5]}"
        )
    unknown = sorted(set(responses["item"]) - set(items["item"]))
    if unknown:
        problems.append(f"survey_responses: item(s) not in survey_items: {unknown[:5]}")
    for col, allowed in (("group", SURVEY_GROUPS), ("wave", SURVEY_WAVES)):
        bad = ~responses[col].isin(allowed)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            problems.append(
                f"survey_responses row {row}: column '{col}' value "
                f"{responses[col].iloc[row]!r} not in {allowed} "
                f"({int(bad.sum())} such rows)"
            )
    resp = pd.to_numeric(responses["response"], errors="coerce")
    nonnum = resp.isna() & responses["response"].notna()
    if nonnum.any():
        row = int(np.flatnonzero(nonnum.to_numpy())[0])
        problems.append(
            f"survey_responses row {row}: column 'response' is not a number "
            f"({responses['response'].iloc[row]!r})"
        )
    if not unknown:
        spec = items.set_index("item")
        lo = responses["item"].map(spec["scale_min"]).astype(float)
        hi = responses["item"].map(spec["scale_max"]).astype(float)
        out = resp.notna() & ((resp < lo) | (resp > hi))
        if out.any():
            row = int(np.flatnonzero(out.to_numpy())[0])
            problems.append(
                f"survey_responses row {row}: column 'response' value "
                f"{resp.iloc[row]} outside the scale of item "
                f"{responses['item'].iloc[row]!r} ({int(out.sum())} such rows)"
            )
    dup = responses.duplicated(["respondent_id", "wave", "item"])
    if dup.any():
        row = int(np.flatnonzero(dup.to_numpy())[0])
        problems.append(
            f"survey_responses row {row}: respondent, wave and item repeated "
            f"({int(dup.sum())} duplicated rows)"
        )
    if problems:
        raise SurveyDataError("; ".join(problems))


def select_survey(
    items: pd.DataFrame,
    responses: pd.DataFrame,
    constructs: list[str] | None = None,
    institutions: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Restrict both tables to some constructs and institutions (empty or None = all).

    Unknown names raise `SurveyDataError` listing the known ones.
    """
    check_survey(items, responses)
    if constructs:
        unknown = sorted(set(constructs) - set(items["construct"]))
        if unknown:
            raise SurveyDataError(
                f"unknown construct(s) {unknown}; the survey has "
                f"{sorted(items['construct'].unique())}"
            )
        items = items[items["construct"].isin(constructs)]
        responses = responses[responses["item"].isin(items["item"])]
    if institutions:
        unknown = sorted(set(institutions) - set(responses["institution_id"]))
        if unknown:
            raise SurveyDataError(
                f"unknown institution(s) {unknown}; the survey has "
                f"{sorted(responses['institution_id'].unique())}"
            )
        responses = responses[responses["institution_id"].isin(institutions)]
    return items.reset_index(drop=True), responses.reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Scale scoring
# --------------------------------------------------------------------------------------------
def scored_responses(items: pd.DataFrame, responses: pd.DataFrame) -> pd.DataFrame:
    """Responses with ``value`` = the answer with reverse-keyed items flipped
    (``scale_min + scale_max - answer``) and the item's ``construct``; missing answers stay NaN.
    """
    check_survey(items, responses)
    spec = items.set_index("item")
    out = responses.copy()
    x = pd.to_numeric(out["response"], errors="coerce").astype(float)
    rev = out["item"].map(spec["reverse"]).astype(bool).to_numpy()
    flip = out["item"].map(spec["scale_min"]).astype(float) + out["item"].map(
        spec["scale_max"]
    ).astype(float)
    out["value"] = np.where(rev, flip - x, x)
    out["construct"] = out["item"].map(spec["construct"])
    return out


def score_constructs(
    items: pd.DataFrame, responses: pd.DataFrame, *, min_answered: float = MIN_ANSWERED
) -> pd.DataFrame:
    """Construct scores per respondent and wave.

    The score is the mean of the answered, reverse-scored items of the construct (same units as
    the items). **Missing-item rule**: a score is computed only when at least
    ``ceil(min_answered * n_items)`` of the construct's items were answered (default: at least
    half, the usual prorating rule); otherwise it is NaN and the row is kept with
    ``n_answered``. Respondents absent at a wave (attrition) have no row for that wave.

    Returns columns respondent_id, institution_id, group, wave, construct, score, n_items,
    n_answered, engagement (respondent's maximum over rows; NaN if the column is absent).
    """
    if not 0 < min_answered <= 1:
        raise ValueError(f"min_answered must be in (0, 1] (got {min_answered})")
    s = scored_responses(items, responses)
    n_items = items.groupby("construct")["item"].nunique()
    keys = ["respondent_id", "institution_id", "group", "wave", "construct"]
    out = s.groupby(keys, as_index=False, observed=True).agg(
        total=("value", "sum"), n_answered=("value", "count")
    )
    out["n_items"] = out["construct"].map(n_items).astype(int)
    need = np.ceil(min_answered * out["n_items"] - 1e-9)
    out["score"] = np.where(
        out["n_answered"] >= need,
        out["total"] / out["n_answered"].where(out["n_answered"] > 0),
        np.nan,
    )
    if "engagement" in responses.columns:
        eng = (
            pd.to_numeric(responses["engagement"], errors="coerce")
            .groupby(responses["respondent_id"])
            .max()
        )
        out["engagement"] = out["respondent_id"].map(eng).astype(float)
    else:
        out["engagement"] = np.nan
    return out[keys + ["score", "n_items", "n_answered", "engagement"]]


# --------------------------------------------------------------------------------------------
# Reliability
# --------------------------------------------------------------------------------------------
def cronbach_alpha(data: pd.DataFrame, ci: float = 0.95) -> tuple[float, float, float, int]:
    """Cronbach's alpha of complete rows of a respondents x items table, with Feldt's F CI.

    alpha = k/(k-1) * (1 - sum(item variances)/variance(total)); CI
    ``1 - (1 - alpha) * F_{(1±ci)/2}(n-1, (n-1)(k-1))`` (Feldt, Woodruff & Salih 1987).
    Returns (alpha, ci_low, ci_high, n_complete).
    """
    x = data.dropna(axis=0, how="any").to_numpy(dtype=float)
    n, k = x.shape
    if k < 2 or n < 3:
        return (np.nan, np.nan, np.nan, n)
    cov = np.cov(x, rowvar=False)
    a = k / (k - 1) * (1 - np.trace(cov) / cov.sum())
    q = 1 - ci
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lo = 1 - (1 - a) * stats.f.isf(q / 2, df1, df2)
    hi = 1 - (1 - a) * stats.f.isf(1 - q / 2, df1, df2)
    return float(a), float(lo), float(hi), int(n)


def mcdonald_omega(data: pd.DataFrame) -> float:
    """McDonald's omega (total) from a one-factor maximum-likelihood factor analysis.

    omega = (sum of standardised loadings)^2 / ((sum of loadings)^2 + sum of uniquenesses),
    with the factor model fitted by statsmodels ``Factor(method="ml")`` on complete rows.
    """
    from statsmodels.multivariate.factor import Factor

    x = data.dropna(axis=0, how="any").to_numpy(dtype=float)
    if x.shape[0] < x.shape[1] + 2 or x.shape[1] < 3 or np.any(x.std(axis=0) == 0):
        return np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = Factor(x, n_factor=1, method="ml").fit()
    lam = np.asarray(res.loadings).ravel()
    s = abs(lam.sum())
    return float(s**2 / (s**2 + np.sum(res.uniqueness)))


@dataclass
class ReliabilityResult:
    """Reliability per construct and wave (``table``) and item-rest correlations
    (``item_rest``)."""

    table: pd.DataFrame
    item_rest: pd.DataFrame
    ci: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        lines = [
            f"Reliability (Cronbach's alpha with {self.ci:.0%} Feldt CI; McDonald's omega "
            "from a one-factor ML model), complete responses per construct and wave:"
        ]
        for r in self.table.itertuples():
            lines.append(
                f"  {r.construct:<26} {r.wave:<4} k={r.n_items} n={r.n:<4} "
                f"alpha={r.alpha:.2f} [{r.alpha_ci_low:.2f}, {r.alpha_ci_high:.2f}] "
                f"omega={r.omega:.2f} min item-rest r={r.min_item_rest:.2f}"
            )
        return "\n".join(lines)


def reliability(
    items: pd.DataFrame, responses: pd.DataFrame, *, ci: float = 0.95
) -> ReliabilityResult:
    """Cronbach's alpha (Feldt CI), McDonald's omega and item-rest correlations per construct
    and wave, on reverse-scored items and respondents who answered every item (listwise)."""
    s = scored_responses(items, responses)
    rows, ir = [], []
    for (construct, wave), d in s.groupby(["construct", "wave"], sort=True):
        wide = d.pivot(index="respondent_id", columns="item", values="value")
        a, lo, hi, n = cronbach_alpha(wide, ci)
        complete = wide.dropna()
        total = complete.sum(axis=1)
        rest = {
            it: float(np.corrcoef(complete[it], total - complete[it])[0, 1])
            if len(complete) > 2
            else np.nan
            for it in complete.columns
        }
        for it, r in rest.items():
            ir.append(dict(construct=construct, wave=wave, item=it, item_rest_r=r))
        rows.append(
            dict(
                construct=construct,
                wave=wave,
                n_items=wide.shape[1],
                n=n,
                alpha=a,
                alpha_ci_low=lo,
                alpha_ci_high=hi,
                omega=mcdonald_omega(wide),
                min_item_rest=min(rest.values()) if rest else np.nan,
            )
        )
    table = pd.DataFrame(rows)
    table["wave"] = pd.Categorical(table["wave"], SURVEY_WAVES)
    table = table.sort_values(["construct", "wave"]).reset_index(drop=True)
    table["wave"] = table["wave"].astype(str)
    return ReliabilityResult(table=table, item_rest=pd.DataFrame(ir), ci=ci)


# --------------------------------------------------------------------------------------------
# Descriptives for figures
# --------------------------------------------------------------------------------------------
def cell_means(scores: pd.DataFrame, ci: float = 0.95, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Mean construct score by construct, group and wave (plus ``by`` columns) with t CIs.

    The CIs treat respondents as independent (descriptive; the clustering is handled by the
    effect estimates, not here).
    """
    keys = ["construct", *by, "group", "wave"]
    g = scores.dropna(subset=["score"]).groupby(keys, observed=True)["score"]
    out = g.agg(mean="mean", sd="std", n="count").reset_index()
    se = out["sd"] / np.sqrt(out["n"])
    tq = stats.t.ppf(0.5 + ci / 2, (out["n"] - 1).clip(lower=1))
    out["ci_low"], out["ci_high"] = out["mean"] - tq * se, out["mean"] + tq * se
    return out


def likert_shares(
    items: pd.DataFrame, responses: pd.DataFrame, *, wave: str | None = None
) -> pd.DataFrame:
    """Share of each answer per item (reverse-keyed items flipped so that higher = more of the
    construct), for diverging stacked bars. Columns item, construct, text, value, n, share."""
    s = scored_responses(items, responses).dropna(subset=["value"])
    if wave is not None:
        s = s[s["wave"] == wave]
    out = s.groupby(["construct", "item", "value"]).size().rename("n").reset_index()
    out["share"] = out["n"] / out.groupby("item")["n"].transform("sum")
    text = items.set_index("item")["text"] if "text" in items else None
    out["text"] = out["item"].map(text) if text is not None else out["item"]
    out["value"] = out["value"].astype(int)
    return out


# --------------------------------------------------------------------------------------------
# Wild cluster bootstrap
# --------------------------------------------------------------------------------------------
WEBB_WEIGHTS = np.array(
    [-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)]
)


@dataclass
class WildBootstrapResult:
    """Wild cluster bootstrap of one OLS coefficient (CR1 t-statistic)."""

    estimate: float
    se_cr1: float
    t: float
    p_restricted: float
    ci_low: float
    ci_high: float
    n_boot: int
    n_clusters: int
    seed: int | None
    ci: float = 0.95
    weights: str = "webb"

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self.__dict__])

    def summary(self) -> str:
        return (
            f"estimate {self.estimate:.3f} (CR1 SE {self.se_cr1:.3f}, t={self.t:.2f}); wild "
            f"cluster bootstrap, {self.weights} weights, {self.n_boot} draws, "
            f"{self.n_clusters} clusters: restricted (null-imposed) p = "
            f"{self.p_restricted:.3f}; unrestricted percentile-t {self.ci:.0%} CI "
            f"[{self.ci_low:.3f}, {self.ci_high:.3f}]"
        )


def wild_cluster_bootstrap(
    y: np.ndarray,
    X: np.ndarray,
    cluster: np.ndarray,
    coef: int,
    *,
    n_boot: int = 999,
    seed: int | np.random.Generator = 0,
    ci: float = 0.95,
) -> WildBootstrapResult:
    """Wild cluster bootstrap-t for coefficient ``coef`` of the OLS of ``y`` on ``X``.

    p-value: the **restricted** bootstrap (WCR: the null ``beta_coef = 0`` is imposed when the
    bootstrap samples are built), two-sided symmetric, ``p = mean(|t*| >= |t|)``.
    CI: the **unrestricted** bootstrap (WCU) percentile-t interval
    ``[b - q_hi * se, b - q_lo * se]``. Weights: Webb's six-point distribution
    (+-sqrt(1/2), +-1, +-sqrt(3/2), each 1/6), drawn once per cluster and draw. The t-statistics
    use CR1 standard errors (factor G/(G-1) * (N-1)/(N-K), as Stata and statsmodels).
    References: Cameron, Gelbach & Miller (2008); Webb (2023); MacKinnon, Nielsen & Webb (2023).
    """
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    codes, cl = np.unique(np.asarray(cluster), return_inverse=True)
    G, (N, K) = len(codes), X.shape
    if G < 2:
        raise ValueError("the wild cluster bootstrap needs at least 2 clusters")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    others = np.delete(X, coef, axis=1)
    q_r, _ = np.linalg.qr(others)
    q_f, _ = np.linalg.qr(X)
    xk = X[:, coef]
    xt = xk - q_r @ (q_r.T @ xk)  # FWL: x_coef residualised on the other regressors
    sxx = xt @ xt
    ind = np.zeros((G, N))
    ind[cl, np.arange(N)] = 1.0
    adj = G / (G - 1) * (N - 1) / (N - K)

    def beta_se(Y):
        b = xt @ Y / sxx
        e = Y - q_f @ (q_f.T @ Y)
        scores = ind @ (xt[:, None] * e if Y.ndim == 2 else xt * e)
        se = np.sqrt(adj * np.sum(scores**2, axis=0)) / sxx
        return b, se

    b, se = beta_se(y)
    t = b / se
    v = WEBB_WEIGHTS[rng.integers(0, 6, size=(G, n_boot))][cl]  # N x B
    u_r = y - q_r @ (q_r.T @ y)  # restricted residuals (null imposed)
    b_r, se_r = beta_se((y - u_r)[:, None] + u_r[:, None] * v)
    p = float(np.mean(np.abs(b_r / se_r) >= abs(t)))
    u_f = y - q_f @ (q_f.T @ y)
    b_u, se_u = beta_se((y - u_f)[:, None] + u_f[:, None] * v)
    tu = (b_u - b) / se_u
    q_lo, q_hi = np.quantile(tu, [(1 - ci) / 2, (1 + ci) / 2])
    return WildBootstrapResult(
        estimate=float(b),
        se_cr1=float(se),
        t=float(t),
        p_restricted=p,
        ci_low=float(b - q_hi * se),
        ci_high=float(b - q_lo * se),
        n_boot=int(n_boot),
        n_clusters=int(G),
        seed=seed if isinstance(seed, int) else None,
        ci=ci,
    )


# --------------------------------------------------------------------------------------------
# Group x wave effects
# --------------------------------------------------------------------------------------------
def _did_frame(scores: pd.DataFrame, construct: str) -> pd.DataFrame:
    d = scores[(scores["construct"] == construct)].dropna(subset=["score"]).copy()
    d["etw"] = (d["group"] == TREATED_GROUP).astype(float)
    d["post"] = (d["wave"] == POST).astype(float)
    d["did"] = d["etw"] * d["post"]
    return d.reset_index(drop=True)


def mixedlm_did(d: pd.DataFrame, ci: float = 0.95) -> dict:
    """Group x wave coefficient of ``score ~ etw * post`` in a linear mixed model with random
    intercepts for institutions (groups) and respondents (a variance component nested in
    institutions), REML, statsmodels MixedLM; Wald z CI. ``d`` from `_did_frame`."""
    import statsmodels.formula.api as smf

    n_inst = d["institution_id"].nunique()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if n_inst >= 2:
            model = smf.mixedlm(
                "score ~ etw + post + did",
                d,
                groups="institution_id",
                re_formula="1",
                vc_formula={"respondent": "0 + C(respondent_id)"},
            )
        else:
            model = smf.mixedlm("score ~ etw + post + did", d, groups="respondent_id")
        fit = model.fit(reml=True, method=["bfgs", "lbfgs", "powell"])
    b, se = float(fit.params["did"]), float(fit.bse["did"])
    z = stats.norm.ppf(0.5 + ci / 2)
    return dict(
        estimate=b,
        se=se,
        ci_low=b - z * se,
        ci_high=b + z * se,
        p=float(2 * stats.norm.sf(abs(b / se))),
        converged=bool(fit.converged),
        var_institution=float(fit.cov_re.iloc[0, 0]) if n_inst >= 2 else 0.0,
        var_respondent=float(fit.vcomp[0]) if n_inst >= 2 else float(fit.cov_re.iloc[0, 0]),
        var_residual=float(fit.scale),
        warnings="; ".join(sorted({str(w.message)[:80] for w in caught})),
    )


def fixed_effects_bootstrap(
    d: pd.DataFrame, *, n_boot: int = 999, seed: int = 0, ci: float = 0.95
) -> WildBootstrapResult:
    """Sensitivity: OLS ``score ~ etw + post + etw:post + institution fixed effects`` on every
    observation, inference by the wild cluster bootstrap over institutions (see
    `wild_cluster_bootstrap`)."""
    inst = pd.get_dummies(d["institution_id"], drop_first=False, dtype=float).to_numpy()
    X = np.column_stack([inst, d["etw"], d["post"], d["did"]])
    if np.linalg.matrix_rank(X) < X.shape[1]:  # e.g. cluster assignment: etw is collinear
        X = np.column_stack([inst, d["post"], d["did"]])
    return wild_cluster_bootstrap(
        d["score"].to_numpy(),
        X,
        d["institution_id"].to_numpy(),
        X.shape[1] - 1,
        n_boot=n_boot,
        seed=seed,
        ci=ci,
    )


def hedges_g(d: pd.DataFrame, estimate: float, se: float, ci: float = 0.95) -> dict:
    """Standardised group x wave effect: DiD / pooled within-group SD of the baseline score,
    with Hedges' small-sample factor J = 1 - 3/(4 df - 1), df = n_etw + n_cmp - 2.

    SE by the delta method, var(g) = J^2 (se^2 / sd^2 + g^2 / (2 df)) (Morris 2008; the second
    term is the uncertainty of the SD); normal CI.
    """
    pre = d[d["wave"] == PRE]
    grp = pre.groupby("group")["score"]
    n, v = grp.count(), grp.var(ddof=1)
    df = int(n.sum() - len(n))
    if df < 2:
        return dict(g=np.nan, g_se=np.nan, g_ci_low=np.nan, g_ci_high=np.nan, sd_pre=np.nan)
    sd = float(np.sqrt(((n - 1) * v).sum() / df))
    J = 1 - 3 / (4 * df - 1)
    g = J * estimate / sd
    g_se = math.sqrt(J**2 * (se**2 / sd**2) + g**2 / (2 * df))
    z = stats.norm.ppf(0.5 + ci / 2)
    return dict(g=g, g_se=g_se, g_ci_low=g - z * g_se, g_ci_high=g + z * g_se, sd_pre=sd)


def ordinal_did(items: pd.DataFrame, responses: pd.DataFrame, construct: str) -> dict:
    """Item-level robustness: ordered probit (statsmodels OrderedModel) of the reverse-scored
    answers on etw, post, etw x post and item indicators (item-specific locations, common
    thresholds), SEs clustered by respondent. The coefficient is on the latent probit scale."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    s = scored_responses(items, responses)
    s = s[(s["construct"] == construct)].dropna(subset=["value"])
    etw = (s["group"] == TREATED_GROUP).astype(float).to_numpy()
    post = (s["wave"] == POST).astype(float).to_numpy()
    exog = pd.DataFrame({"etw": etw, "post": post, "did": etw * post})
    dummies = pd.get_dummies(s["item"], drop_first=True, dtype=float).reset_index(drop=True)
    exog = pd.concat([exog, dummies], axis=1)
    endog = pd.Series(pd.Categorical(s["value"].astype(int), ordered=True))
    groups = pd.factorize(s["respondent_id"])[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = OrderedModel(endog, exog, distr="probit").fit(
            method="bfgs", disp=False, maxiter=500, cov_type="cluster", cov_kwds={"groups": groups}
        )
    b, se = float(fit.params["did"]), float(fit.bse["did"])
    return dict(ordinal_coef=b, ordinal_se=se, ordinal_p=float(2 * stats.norm.sf(abs(b / se))))


def adjust_pvalues(p: pd.Series | np.ndarray, method: str) -> np.ndarray:
    """Holm (``"holm"``) or Benjamini-Hochberg (``"fdr_bh"``) adjusted p-values
    (statsmodels ``multipletests``); NaN p-values are left out and stay NaN."""
    from statsmodels.stats.multitest import multipletests

    if method not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS} (got {method!r})")
    p = np.asarray(p, dtype=float)
    out = np.full_like(p, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method=method)[1]
    return out


@dataclass
class EffectsResult:
    """Group x wave effects per construct (one row per construct in ``table``)."""

    table: pd.DataFrame
    settings: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        s = self.settings
        lines = [
            "Group x wave difference-in-differences of construct scores (score points), "
            "MixedLM with random intercepts for institutions and respondents (all "
            f"observations); p adjusted across constructs by {s.get('correction')}; "
            f"sensitivity: institution fixed effects + wild cluster bootstrap "
            f"({s.get('n_boot')} Webb draws, seed {s.get('seed')}, restricted p)."
        ]
        for r in self.table.itertuples():
            lines.append(
                f"  {r.construct:<26} {r.estimate:+.3f} [{r.ci_low:+.3f}, {r.ci_high:+.3f}] "
                f"p={r.p:.4f} p_adj={r.p_adjusted:.4f} g={r.g:+.2f} "
                f"[{r.g_ci_low:+.2f}, {r.g_ci_high:+.2f}] | FE {r.fe_estimate:+.3f} "
                f"boot p={r.boot_p:.3f}"
                + (
                    f" | ordinal {r.ordinal_coef:+.2f} p={r.ordinal_p:.4f}"
                    if "ordinal_coef" in self.table
                    else ""
                )
            )
        return "\n".join(lines)


def estimate_effects(
    items: pd.DataFrame,
    responses: pd.DataFrame,
    *,
    constructs: list[str] | None = None,
    alpha: float = 0.05,
    correction: str = "holm",
    n_boot: int = 999,
    seed: int = 0,
    ordinal: bool = True,
    min_answered: float = MIN_ANSWERED,
) -> EffectsResult:
    """The main analysis: per construct, the group x wave effect on the construct score.

    - ``estimate``/``se``/``ci_*``/``p``: MixedLM (`mixedlm_did`) on every available
      observation (valid under missing-at-random attrition given the model).
    - ``p_holm``, ``p_fdr_bh``; ``p_adjusted`` is the one named by ``correction``;
      ``significant`` = ``p_adjusted < alpha``.
    - ``g``, ``g_ci_*``: standardised effect (`hedges_g`).
    - ``fe_estimate``, ``fe_se_cr1``, ``boot_p`` (restricted), ``boot_ci_*`` (unrestricted):
      institution fixed-effects sensitivity with the wild cluster bootstrap, ``n_boot`` Webb
      draws seeded with ``seed``.
    - ``ordinal_*`` (when ``ordinal``): item-level ordered-probit robustness (`ordinal_did`).
    """
    if correction not in CORRECTIONS:
        raise ValueError(f"correction must be one of {CORRECTIONS} (got {correction!r})")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1) (got {alpha})")
    items, responses = select_survey(items, responses, constructs)
    scores = score_constructs(items, responses, min_answered=min_answered)
    ci = 1 - alpha
    rows = []
    for k, construct in enumerate(sorted(items["construct"].unique())):
        d = _did_frame(scores, construct)
        cells = d.groupby(["group", "wave"]).size()
        if len(cells) < 4 or cells.min() < 2:
            raise SurveyDataError(
                f"construct {construct!r}: need both groups at both waves "
                f"(cells: {cells.to_dict()})"
            )
        row = dict(construct=construct, **mixedlm_did(d, ci))
        row.update(hedges_g(d, row["estimate"], row["se"], ci))
        if d["institution_id"].nunique() >= 2:
            boot = fixed_effects_bootstrap(d, n_boot=n_boot, seed=seed + k, ci=ci)
            row.update(
                fe_estimate=boot.estimate,
                fe_se_cr1=boot.se_cr1,
                boot_p=boot.p_restricted,
                boot_ci_low=boot.ci_low,
                boot_ci_high=boot.ci_high,
            )
        else:
            row.update(
                fe_estimate=np.nan,
                fe_se_cr1=np.nan,
                boot_p=np.nan,
                boot_ci_low=np.nan,
                boot_ci_high=np.nan,
            )
        if ordinal:
            row.update(ordinal_did(items, responses, construct))
        row.update(
            n_obs=len(d),
            n_respondents=d["respondent_id"].nunique(),
            n_institutions=d["institution_id"].nunique(),
        )
        rows.append(row)
    table = pd.DataFrame(rows)
    table["p_holm"] = adjust_pvalues(table["p"], "holm")
    table["p_fdr_bh"] = adjust_pvalues(table["p"], "fdr_bh")
    table["p_adjusted"] = table["p_holm" if correction == "holm" else "p_fdr_bh"]
    table["significant"] = table["p_adjusted"] < alpha
    return EffectsResult(
        table=table,
        settings=dict(
            alpha=alpha,
            correction=correction,
            n_boot=n_boot,
            seed=seed,
            min_answered=min_answered,
            bootstrap="restricted (null imposed) p, unrestricted percentile-t CI",
        ),
    )


# --------------------------------------------------------------------------------------------
# Attrition
# --------------------------------------------------------------------------------------------
@dataclass
class AttritionResult:
    """Completers vs drop-outs at baseline (``baseline``) and the effect estimate with all
    observations vs complete cases (``estimates``)."""

    baseline: pd.DataFrame
    estimates: pd.DataFrame
    n_respondents: int
    n_dropouts: int

    def to_frame(self) -> pd.DataFrame:
        return self.baseline.merge(self.estimates, on="construct")

    def summary(self) -> str:
        lines = [
            f"Attrition: {self.n_dropouts} of {self.n_respondents} respondents "
            f"({self.n_dropouts / max(self.n_respondents, 1):.0%}) have no post-wave answers."
        ]
        for r in self.to_frame().itertuples():
            lines.append(
                f"  {r.construct:<26} baseline drop-outs - completers "
                f"{r.difference:+.2f} (p={r.p:.3f}); effect all obs "
                f"{r.estimate_all:+.3f} vs complete cases {r.estimate_complete:+.3f}"
            )
        return "\n".join(lines)


def attrition_analysis(
    items: pd.DataFrame, responses: pd.DataFrame, *, min_answered: float = MIN_ANSWERED
) -> AttritionResult:
    """Drop-outs are respondents with no post-wave answers. Per construct: baseline mean of
    drop-outs and completers with Welch's t-test and the standardised difference; the MixedLM
    effect with every observation vs complete cases (respondents scored at both waves)."""
    scores = score_constructs(items, responses, min_answered=min_answered)
    post_ids = set(responses.loc[responses["wave"] == POST, "respondent_id"])
    all_ids = set(responses["respondent_id"])
    base_rows, est_rows = [], []
    for construct in sorted(scores["construct"].unique()):
        d = _did_frame(scores, construct)
        pre = d[d["wave"] == PRE]
        drop = ~pre["respondent_id"].isin(post_ids)
        a, b = pre.loc[drop, "score"], pre.loc[~drop, "score"]
        sd = math.sqrt((a.var() + b.var()) / 2) if len(a) > 1 and len(b) > 1 else np.nan
        p = float(stats.ttest_ind(a, b, equal_var=False).pvalue) if len(a) > 1 else np.nan
        base_rows.append(
            dict(
                construct=construct,
                n_dropouts=int(len(a)),
                n_completers=int(len(b)),
                mean_dropouts=a.mean(),
                mean_completers=b.mean(),
                difference=a.mean() - b.mean(),
                std_difference=(a.mean() - b.mean()) / sd if sd else np.nan,
                p=p,
            )
        )
        both = d.groupby("respondent_id")["wave"].transform("nunique") == 2
        full, cc = mixedlm_did(d), mixedlm_did(d[both].reset_index(drop=True))
        est_rows.append(
            dict(
                construct=construct,
                estimate_all=full["estimate"],
                se_all=full["se"],
                n_obs_all=len(d),
                estimate_complete=cc["estimate"],
                se_complete=cc["se"],
                n_obs_complete=int(both.sum()),
            )
        )
    return AttritionResult(
        pd.DataFrame(base_rows), pd.DataFrame(est_rows), len(all_ids), len(all_ids - post_ids)
    )


# --------------------------------------------------------------------------------------------
# Dose-response and mediation
# --------------------------------------------------------------------------------------------
def gains(scores: pd.DataFrame, construct: str) -> pd.DataFrame:
    """Per respondent scored at both waves: pre, post, gain = post - pre, engagement."""
    d = scores[scores["construct"] == construct].dropna(subset=["score"])
    w = d.pivot_table(
        index=["respondent_id", "institution_id", "group"], columns="wave", values="score"
    ).reset_index()
    if PRE not in w or POST not in w:
        return pd.DataFrame(
            columns=["respondent_id", "institution_id", "group", PRE, POST, "gain", "engagement"]
        )
    w = w.dropna(subset=[PRE, POST])
    w["gain"] = w[POST] - w[PRE]
    eng = d.groupby("respondent_id")["engagement"].max()
    w["engagement"] = w["respondent_id"].map(eng)
    w.columns.name = None
    return w.reset_index(drop=True)


@dataclass
class DoseResponseResult:
    """Slope of the gain on engagement among eTwinning respondents."""

    construct: str
    slope: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    n: int
    by_level: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in self.__dict__.items() if k != "by_level"}])

    def summary(self) -> str:
        return (
            f"Dose-response ({self.construct}): gain rises by {self.slope:+.3f} score points "
            f"per project activity [{self.ci_low:+.3f}, {self.ci_high:+.3f}], p={self.p:.4f}, "
            f"n={self.n} eTwinning respondents with both waves (OLS with institution fixed "
            "effects, HC1 errors)."
        )


def dose_response(
    items: pd.DataFrame,
    responses: pd.DataFrame,
    construct: str,
    *,
    ci: float = 0.95,
    min_answered: float = MIN_ANSWERED,
) -> DoseResponseResult:
    """Gain (post - pre score) on engagement among eTwinning respondents scored at both waves:
    OLS ``gain ~ engagement + institution fixed effects`` with HC1 standard errors (institution
    intercepts absorb institution differences; the respondent's own baseline cancels in the
    gain). ``by_level`` has the mean gain per engagement count (for figures)."""
    import statsmodels.formula.api as smf

    if "engagement" not in responses.columns:
        raise SurveyDataError(
            "survey_responses has no 'engagement' column: dose-response needs "
            "the number of project activities per respondent"
        )
    items, responses = select_survey(items, responses, [construct])
    w = gains(score_constructs(items, responses, min_answered=min_answered), construct)
    w = w[(w["group"] == TREATED_GROUP)].dropna(subset=["engagement"])
    if len(w) < 5 or w["engagement"].nunique() < 2:
        raise SurveyDataError(
            f"dose-response for {construct!r}: too few eTwinning respondents "
            f"with engagement and both waves ({len(w)})"
        )
    formula = "gain ~ engagement" + (
        " + C(institution_id)" if w["institution_id"].nunique() > 1 else ""
    )
    fit = smf.ols(formula, w).fit(cov_type="HC1")
    b, se = float(fit.params["engagement"]), float(fit.bse["engagement"])
    lo, hi = fit.conf_int(1 - ci).loc["engagement"]
    lvl = w.groupby("engagement")["gain"].agg(mean_gain="mean", sd="std", n="count").reset_index()
    return DoseResponseResult(
        construct, b, se, float(lo), float(hi), float(fit.pvalues["engagement"]), len(w), lvl
    )


@dataclass
class MediationResult:
    """Causal mediation of the group effect on a construct's gain through engagement."""

    construct: str
    table: pd.DataFrame
    n: int
    n_rep: int
    seed: int

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        t = self.table.set_index("effect")
        parts = [
            f"{e}: {t.at[e, 'estimate']:+.3f} [{t.at[e, 'ci_low']:+.3f}, {t.at[e, 'ci_high']:+.3f}]"
            for e in t.index
        ]
        return (
            f"Mediation of group -> engagement -> {self.construct} gain (n={self.n}, "
            f"{self.n_rep} parametric simulations, seed {self.seed}): " + "; ".join(parts)
        )


def mediation_analysis(
    items: pd.DataFrame,
    responses: pd.DataFrame,
    construct: str = "theory_to_practice",
    *,
    n_rep: int = 500,
    seed: int = 0,
    min_answered: float = MIN_ANSWERED,
) -> MediationResult:
    """statsmodels ``Mediation`` (Imai, Keele & Tingley 2010) among respondents scored at both
    waves: mediator model OLS ``engagement ~ etw``, outcome model OLS
    ``gain ~ etw + engagement``. Comparison respondents have engagement 0 (no project
    activities). Reports ACME (indirect effect through engagement), ADE (direct), total effect
    and proportion mediated (averages over treatment arms) in score points.
    Assumes sequential ignorability, which a non-randomised design cannot guarantee."""
    import statsmodels.api as sm
    from statsmodels.stats.mediation import Mediation

    if "engagement" not in responses.columns:
        raise SurveyDataError("survey_responses has no 'engagement' column: mediation needs it")
    items, responses = select_survey(items, responses, [construct])
    w = gains(score_constructs(items, responses, min_answered=min_answered), construct)
    w["engagement"] = w["engagement"].fillna(0.0)
    w["etw"] = (w["group"] == TREATED_GROUP).astype(float)
    if w["etw"].nunique() < 2:
        raise SurveyDataError("mediation needs both groups with both waves")
    outcome = sm.OLS(w["gain"], sm.add_constant(w[["etw", "engagement"]]))
    mediator = sm.OLS(w["engagement"], sm.add_constant(w[["etw"]]))
    res = Mediation(outcome, mediator, "etw", "engagement").fit(n_rep=n_rep, rng=seed)
    s = res.summary()
    names = {
        "ACME (average)": "indirect (ACME)",
        "ADE (average)": "direct (ADE)",
        "Total effect": "total",
        "Prop. mediated (average)": "proportion mediated",
    }
    table = pd.DataFrame(
        [
            dict(
                effect=v,
                estimate=s.at[k, "Estimate"],
                ci_low=s.at[k, "Lower CI bound"],
                ci_high=s.at[k, "Upper CI bound"],
                p=s.at[k, "P-value"],
            )
            for k, v in names.items()
        ]
    )
    return MediationResult(construct, table, len(w), n_rep, seed)


# --------------------------------------------------------------------------------------------
# Tables for the notebook: counts, institution means, hypotheses, truth check
# --------------------------------------------------------------------------------------------
HYPOTHESES = (
    (
        "H1",
        "theory_to_practice",
        "eTwinning helps student teachers apply pedagogical concepts in the classroom",
    ),
    (
        "H2",
        "digital_competence",
        "digital competence grows through collaboration with peers abroad",
    ),
    (
        "H3",
        "intercultural_competence",
        "intercultural competence grows through collaboration with peers abroad",
    ),
    ("H4", "collaborative_teaching", "collaborative, project-based teaching skills grow"),
    ("H5", "self_efficacy", "teaching self-efficacy grows"),
)
CAVEATS = (
    "self-reported competences (social desirability, response shift); few institutions "
    "(institution-level inference rests on 7 clusters); non-random assignment to "
    "eTwinning (the DiD assumes parallel trends of the two groups)"
)


def response_counts(responses: pd.DataFrame) -> pd.DataFrame:
    """Number of respondents per institution, group and wave (people counts: show them with
    `etwin_analysis.privacy.display_counts`)."""
    return (
        responses.groupby(["institution_id", "group", "wave"])["respondent_id"]
        .nunique()
        .rename("respondents")
        .reset_index()
    )


def institution_means(
    scores: pd.DataFrame, construct: str, *, min_cell_size: int = 5
) -> pd.DataFrame:
    """Mean score per institution, group and wave for one construct; cells describing fewer
    than ``min_cell_size`` respondents are left out (disclosure control)."""
    d = scores[scores["construct"] == construct].dropna(subset=["score"])
    out = d.groupby(["institution_id", "group", "wave"])["score"].agg(mean="mean", n="count")
    out = out[out["n"] >= min_cell_size].reset_index()
    return out.drop(columns="n")


def dose_levels(dose: DoseResponseResult, *, min_cell_size: int = 5) -> pd.DataFrame:
    """Mean gain per engagement level for figures; levels with fewer than ``min_cell_size``
    respondents are pooled into the neighbouring level towards the median (top and bottom
    codes such as "8+")."""
    lv = dose.by_level.sort_values("engagement").reset_index(drop=True)
    if lv.empty:
        return lv.assign(label=[])
    weights = lv["n"].to_numpy()
    levels = lv["engagement"].to_numpy()
    labels = [f"{int(v)}" for v in levels]
    sums = (lv["mean_gain"] * lv["n"]).to_numpy()
    rows = [[labels[i], levels[i], sums[i], weights[i]] for i in range(len(lv))]
    while len(rows) > 1 and rows[0][3] < min_cell_size:  # pool the bottom
        a, b = rows.pop(0), rows[0]
        rows[0] = [f"<={b[0].lstrip('<=')}", b[1], a[2] + b[2], a[3] + b[3]]
    while len(rows) > 1 and rows[-1][3] < min_cell_size:  # pool the top
        a, b = rows.pop(), rows[-1]
        rows[-1] = [f"{b[0].rstrip('+')}+", b[1], a[2] + b[2], a[3] + b[3]]
    rows = [r for r in rows if r[3] >= min_cell_size]
    return pd.DataFrame(
        [dict(label=r[0], engagement=r[1], mean_gain=r[2] / r[3], n=int(r[3])) for r in rows]
    )


def hypothesis_table(
    effects: EffectsResult, dose: DoseResponseResult | None = None, *, alpha: float | None = None
) -> pd.DataFrame:
    """The report's hypotheses with decision rules and verdicts.

    Rule for H1-H5: *supported* when the group x wave effect is positive with adjusted
    p < alpha (the chosen correction across constructs); *not supported* otherwise (and
    *contradicted* when it is negative with adjusted p < alpha). The wild-bootstrap sensitivity
    "agrees" when its restricted p is on the same side of alpha. Dose-response: *supported* when
    the slope of the gain on engagement is positive with p < alpha (one pre-specified test, no
    correction).
    """
    alpha = effects.settings.get("alpha", 0.05) if alpha is None else alpha
    t = effects.table.set_index("construct")
    rows = []
    for hid, construct, claim in HYPOTHESES:
        if construct not in t.index:
            continue
        r = t.loc[construct]
        if r["p_adjusted"] < alpha:
            verdict = "supported" if r["estimate"] > 0 else "contradicted"
        else:
            verdict = "not supported"
        agrees = (r["boot_p"] < alpha) == (r["p_adjusted"] < alpha)
        robust = "agrees" if agrees else "disagrees"
        rows.append(
            dict(
                hypothesis=hid,
                construct=construct,
                claim=claim,
                decision_rule=f"effect > 0 and {effects.settings.get('correction')}-adjusted "
                f"p < {alpha}",
                estimate=r["estimate"],
                ci_low=r["ci_low"],
                ci_high=r["ci_high"],
                p_adjusted=r["p_adjusted"],
                g=r["g"],
                verdict=verdict,
                sensitivity=f"institution FE + wild bootstrap p={r['boot_p']:.3f} ({robust})",
                caveats=CAVEATS,
            )
        )
    if dose is not None:
        verdict = "supported" if (dose.slope > 0 and dose.p < alpha) else "not supported"
        rows.append(
            dict(
                hypothesis="Dose",
                construct=dose.construct,
                claim="more engagement in project activities, larger gains",
                decision_rule=f"slope of gain on engagement > 0 with p < {alpha}",
                estimate=dose.slope,
                ci_low=dose.ci_low,
                ci_high=dose.ci_high,
                p_adjusted=dose.p,
                g=np.nan,
                verdict=verdict,
                sensitivity="engagement is self-selected: a dose-response is not proof of causation",
                caveats=CAVEATS,
            )
        )
    return pd.DataFrame(rows)


def compare_with_truth(effects: EffectsResult, truth: dict | None) -> pd.DataFrame | None:
    """Estimates next to the generating truth of simulated data (``truth.json``'s ``survey``
    entry or `SimulatedSurvey.truth`); None for real data without truth."""
    if not truth:
        return None
    truth = truth.get("survey", truth)
    if "constructs" not in truth:
        return None
    rows = []
    for r in effects.table.itertuples():
        tc = truth["constructs"].get(r.construct)
        if tc is None:
            continue
        rows.append(
            dict(
                construct=r.construct,
                true_effect=tc["did_score"],
                estimate=r.estimate,
                ci_low=r.ci_low,
                ci_high=r.ci_high,
                covered=r.ci_low <= tc["did_score"] <= r.ci_high,
                true_g=tc["standardised_effect"],
                g=r.g,
                true_null=bool(tc.get("null", False)),
                significant=r.significant,
            )
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Figures (seaborn/matplotlib; each returns the Axes or Figure)
# --------------------------------------------------------------------------------------------
_GROUP_ORDER = [TREATED_GROUP, CONTROL_GROUP]


def plot_interaction(means: pd.DataFrame, *, col_wrap: int = 3):
    """Pre/post mean construct score by group with CIs (one panel per construct)."""
    import matplotlib.pyplot as plt

    constructs = sorted(means["construct"].unique())
    n = len(constructs)
    ncol = min(col_wrap, n)
    nrow = math.ceil(n / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4 * ncol, 3.2 * nrow), squeeze=False, sharey=True)
    import seaborn as sns

    colours = dict(zip(_GROUP_ORDER, sns.color_palette("colorblind", 2), strict=True))
    for ax, c in zip(axes.ravel(), constructs, strict=False):
        d = means[means["construct"] == c]
        for g in _GROUP_ORDER:
            dg = d[d["group"] == g].set_index("wave").reindex(list(SURVEY_WAVES))
            x = np.arange(len(SURVEY_WAVES)) + (0.03 if g == CONTROL_GROUP else -0.03)
            ax.errorbar(
                x,
                dg["mean"],
                yerr=[dg["mean"] - dg["ci_low"], dg["ci_high"] - dg["mean"]],
                marker="o",
                capsize=3,
                label=g,
                color=colours[g],
            )
        ax.set_xticks(range(len(SURVEY_WAVES)), SURVEY_WAVES)
        ax.set_title(c.replace("_", " "))
        ax.set_xlabel("wave")
        ax.set_ylabel("mean score (1-5 scale)")
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    axes.ravel()[0].legend(title="group", fontsize=8)
    fig.tight_layout()
    return fig


def plot_forest(effects: EffectsResult, ax=None):
    """Forest plot of the group x wave effects (score points, 95% CI) with adjusted p-values."""
    import matplotlib.pyplot as plt

    t = effects.table.sort_values("estimate")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 0.6 * len(t) + 1.2))
    y = np.arange(len(t))
    ax.errorbar(
        t["estimate"],
        y,
        xerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
        fmt="o",
        capsize=3,
        color="#0072B2",
        label="MixedLM (all observations)",
    )
    ax.scatter(
        t["fe_estimate"],
        y + 0.2,
        marker="s",
        color="#D55E00",
        s=18,
        label="institution FE (wild bootstrap)",
    )
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_yticks(y, [c.replace("_", " ") for c in t["construct"]])
    for yi, (_, r) in zip(y, t.iterrows(), strict=True):
        ax.annotate(
            f"p_adj={r['p_adjusted']:.3g}",
            (r["ci_high"], yi),
            xytext=(6, -3),
            textcoords="offset points",
            fontsize=8,
        )
    ax.set_xlabel("group x wave effect (score points on the 1-5 scale), 95% CI")
    ax.set_title(
        f"eTwinning vs comparison change ({effects.settings.get('correction')} adjusted p)"
    )
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_likert(shares: pd.DataFrame, *, scale_min: int = 1, scale_max: int = 5, ax=None):
    """Diverging stacked bars: share of each answer per item, centred on the neutral answer
    (reverse-keyed items flipped; higher = more of the construct)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    cats = list(range(scale_min, scale_max + 1))
    wide = shares.pivot_table(
        index=["construct", "item"], columns="value", values="share", fill_value=0.0
    ).reindex(columns=cats, fill_value=0.0)
    wide = wide.sort_index(ascending=False)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.28 * len(wide) + 1.5))
    mid = (scale_min + scale_max) / 2
    colours = sns.color_palette("RdBu", len(cats))
    left = -(
        wide[[c for c in cats if c < mid]].sum(axis=1)
        + (wide[mid] / 2 if mid in wide.columns else 0)
    )
    y = np.arange(len(wide))
    for c, col in zip(cats, colours, strict=True):
        ax.barh(y, wide[c], left=left, color=col, label=str(c), height=0.8)
        left = left + wide[c]
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [f"{it} ({con.replace('_', ' ')})" for con, it in wide.index], fontsize=7)
    ax.set_xlabel("share of answers (left: disagree, right: agree; centred on neutral)")
    ax.legend(
        title="answer", ncol=len(cats), fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12)
    )
    return ax


def plot_spaghetti(inst: pd.DataFrame, construct: str, ax=None):
    """One line per institution and group from pre to post (mean score)."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    colours = dict(zip(_GROUP_ORDER, sns.color_palette("colorblind", 2), strict=True))
    x = {w: i for i, w in enumerate(SURVEY_WAVES)}
    for (_inst_id, g), d in inst.groupby(["institution_id", "group"]):
        d = d.set_index("wave").reindex(list(SURVEY_WAVES)).dropna()
        ax.plot([x[w] for w in d.index], d["mean"], marker="o", color=colours[g], alpha=0.7)
    for g in _GROUP_ORDER:
        ax.plot([], [], color=colours[g], label=g)
    ax.set_xticks(range(len(SURVEY_WAVES)), SURVEY_WAVES)
    ax.set_xlabel("wave")
    ax.set_ylabel(f"mean {construct.replace('_', ' ')} score (1-5)")
    ax.set_title("Institutions: change by group")
    ax.legend(title="group", fontsize=8)
    return ax


def plot_dose(levels: pd.DataFrame, dose: DoseResponseResult, ax=None):
    """Mean gain per engagement level (pooled where small) with the fitted slope."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(
        levels["engagement"],
        levels["mean_gain"],
        s=12 + 3 * levels["n"],
        color="#0072B2",
        alpha=0.8,
        label="mean gain (area ~ respondents)",
    )
    xs = np.linspace(levels["engagement"].min(), levels["engagement"].max(), 20)
    centre = np.average(levels["engagement"], weights=levels["n"])
    level = np.average(levels["mean_gain"], weights=levels["n"])
    ax.plot(
        xs,
        level + dose.slope * (xs - centre),
        color="#D55E00",
        label=f"slope {dose.slope:+.3f} per activity",
    )
    ax.set_xticks(levels["engagement"], levels["label"])
    ax.set_xlabel("project activities (eTwinning respondents)")
    ax.set_ylabel(f"gain in {dose.construct.replace('_', ' ')} score (post - pre)")
    ax.legend(fontsize=8)
    return ax
