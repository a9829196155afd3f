"""The survey simulator: contract shape, reproducibility, exact truth, attrition and missingness."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from etwin_analysis import Dataset
from etwin_analysis.contract import SURVEY_RESPONSES
from etwin_analysis.survey_sim import (
    ConstructSpec,
    SurveyDesign,
    exact_truth,
    simulate_survey,
)


@pytest.fixture(scope="module")
def survey():
    return simulate_survey(SurveyDesign(), seed=11)


def _scores(sim) -> pd.DataFrame:
    """Complete-item construct scores per respondent and wave (reverse keys applied)."""
    r = sim.responses.dropna(subset=["response"]).copy()
    items = sim.items.set_index("item")
    x = r["response"].astype(float)
    r["score"] = np.where(r["item"].map(items["reverse"]), 6 - x, x)
    r["construct"] = r["item"].map(items["construct"])
    return r.groupby(
        ["construct", "respondent_id", "institution_id", "group", "wave"], as_index=False
    )["score"].mean()


def test_tables_follow_the_contract_and_validate(survey):
    assert set(SURVEY_RESPONSES.required_columns) <= set(survey.responses.columns)
    assert survey.responses["response"].dtype == "Int64"
    assert set(survey.responses["wave"]) == {"pre", "post"}
    assert set(survey.responses["group"]) == {"etwinning", "comparison"}
    assert survey.responses["respondent_id"].str.fullmatch(r"R\d{5}").all()
    assert not survey.responses.duplicated(["respondent_id", "wave", "item"]).any()
    answered = survey.responses["response"].dropna()
    assert answered.between(1, 5).all()
    # reverse-keyed items exist in every construct
    assert survey.items.groupby("construct")["reverse"].any().all()
    # the tables pass the package's validator together with a minimal world
    inst = pd.DataFrame({"institution_id": sorted(survey.responses["institution_id"].unique())})
    inst["name"] = "Synthetic ITE " + inst["institution_id"]
    inst["country"] = ["HR", "FI", "FR", "DE", "IT", "PL", "ES"]
    inst["institution_type"] = "ite"
    inst["etwinning_since"] = 2015
    ds = Dataset.from_frames(
        institutions=inst,
        projects=pd.DataFrame(
            {
                "project_id": ["P1"],
                "title": ["t"],
                "programme": ["etwinning"],
                "start_date": ["2020-01-01"],
            }
        ),
        memberships=pd.DataFrame(
            {"project_id": ["P1"], "institution_id": ["ITE01"], "role": ["founder"]}
        ),
        survey_items=survey.items,
        survey_responses=survey.responses,
    )
    assert len(ds.survey_responses) == len(survey.responses)
    assert ds.is_synthetic


def test_same_seed_same_data_other_seed_other_data():
    d = SurveyDesign(n_institutions=3, students_per_group=(10, 12), truth_mc_n=2000)
    a, b, c = simulate_survey(d, 5), simulate_survey(d, 5), simulate_survey(d, 6)
    pd.testing.assert_frame_equal(a.responses, b.responses)
    assert a.truth == b.truth
    assert not a.responses["response"].equals(c.responses["response"])
    # a Generator is accepted as well
    g = simulate_survey(d, np.random.default_rng(5))
    pd.testing.assert_frame_equal(a.responses, g.responses)


def test_truth_is_json_serialisable_and_states_estimand(survey):
    t = json.loads(json.dumps(survey.truth))
    assert "difference-in-differences" in t["estimand"]
    assert t["null_constructs"] == ["self_efficacy"]
    assert t["constructs"]["self_efficacy"]["effect_latent"] == 0.0
    assert t["design"]["icc"] == pytest.approx(0.10)
    assert len(t["institutions"]) == 7
    for c in t["constructs"].values():
        assert c["did_score"] == pytest.approx(
            c["indirect_effect_score"] + c["direct_effect_score"]
        )


def test_exact_truth_matches_a_large_simulation():
    """The closed-form estimand agrees with a big sample (within 4 standard errors)."""
    d = SurveyDesign(
        n_institutions=300,
        students_per_group=(40, 40),
        attrition=0.0,
        item_nonresponse=0.0,
        truth_mc_n=2000,
        constructs=(
            ConstructSpec("theory_to_practice", 0.5, dose=0.08),
            ConstructSpec("self_efficacy", 0.0),
        ),
    )
    sim = simulate_survey(d, 3)
    w = (
        _scores(sim)
        .pivot_table(index=["construct", "respondent_id", "group"], columns="wave", values="score")
        .reset_index()
    )
    w["gain"] = w["post"] - w["pre"]
    agg = w.groupby(["construct", "group"])["gain"].agg(["mean", "var", "count"])
    for c in ("theory_to_practice", "self_efficacy"):
        e, k = agg.loc[(c, "etwinning")], agg.loc[(c, "comparison")]
        did = e["mean"] - k["mean"]
        se = np.sqrt(e["var"] / e["count"] + k["var"] / k["count"])
        assert abs(did - sim.truth["constructs"][c]["did_score"]) < 4 * se
    assert sim.truth["constructs"]["theory_to_practice"]["did_score"] > 0.25


def test_latent_null_is_null_on_score_scale_without_selection():
    d = SurveyDesign(selection_shift=0.0, truth_mc_n=2000)
    assert exact_truth(d)["self_efficacy"]["did_score"] == pytest.approx(0.0, abs=1e-12)
    # with a baseline difference the score scale is not linear in the latent score: tiny but
    # non-zero (parallel trends hold on the latent scale only)
    assert abs(exact_truth(SurveyDesign(truth_mc_n=2000))["self_efficacy"]["did_score"]) < 0.01


def test_given_institutions_are_used():
    inst = pd.DataFrame({"institution_id": ["A", "B"], "country": ["FI", "PL"]})
    sim = simulate_survey(SurveyDesign(truth_mc_n=2000), 1, institutions=inst)
    assert set(sim.responses["institution_id"]) == {"A", "B"}
    assert [i["country"] for i in sim.truth["institutions"]] == ["FI", "PL"]
    with pytest.raises(ValueError, match="institution_id"):
        simulate_survey(SurveyDesign(), 1, institutions=pd.DataFrame({"x": [1]}))


def test_attrition_depends_on_observed_baseline_and_nonresponse_rate(survey):
    r = survey.responses
    pre_ids = set(r.loc[r["wave"] == "pre", "respondent_id"])
    post_ids = set(r.loc[r["wave"] == "post", "respondent_id"])
    assert post_ids < pre_ids
    dropped = pre_ids - post_ids
    assert len(dropped) == survey.truth["sample"]["n_dropped"]
    assert 0.08 < len(dropped) / len(pre_ids) < 0.25
    s = _scores(survey)
    base = s[(s["wave"] == "pre") & (s["construct"] == "theory_to_practice")]
    is_drop = base["respondent_id"].isin(dropped)
    assert base.loc[is_drop, "score"].mean() < base.loc[~is_drop, "score"].mean()
    assert 0.02 < r["response"].isna().mean() < 0.04
    # engagement: eTwinning only, Poisson around its mean
    eng = r.drop_duplicates("respondent_id").set_index("group")["engagement"]
    assert (eng.loc["comparison"] == 0).all()
    assert 3.3 < eng.loc["etwinning"].mean() < 4.7


def test_reverse_keyed_items_run_against_the_construct(survey):
    w = (
        survey.responses[survey.responses["wave"] == "pre"]
        .pivot(index="respondent_id", columns="item", values="response")
        .astype(float)
    )
    corr = w.corr()
    assert corr.loc["ttp_1", "ttp_5"] < 0 < corr.loc["ttp_1", "ttp_2"]


def test_cluster_assignment_puts_each_institution_in_one_group():
    sim = simulate_survey(SurveyDesign(assignment="cluster", n_institutions=4, truth_mc_n=2000), 2)
    assert (sim.responses.groupby("institution_id")["group"].nunique() == 1).all()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(icc=0.6, respondent_share=0.5), "icc"),
        (dict(students_per_group=(10, 5)), "students_per_group"),
        (dict(assignment="random"), "assignment"),
        (dict(attrition=1.0), "attrition"),
        (dict(constructs=()), "constructs"),
    ],
)
def test_invalid_designs_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SurveyDesign(**kwargs)
