"""Power by simulation vs the analytic design-effect answer; MDE; estimators."""

from __future__ import annotations

import numpy as np
import pytest

from etwin_analysis import effects as ef
from etwin_analysis import power as pw
from etwin_analysis.survey_sim import ConstructSpec, SurveyDesign, simulate_survey


def test_simulated_power_agrees_with_design_effect_answer_for_cluster_assignment():
    """Whole institutions per arm: DE = 1 + (m - 1) ICC applies (k=20 so t df hardly matter)."""
    study = pw.PlannedStudy(
        n_institutions=20,
        students_per_group=20,
        icc=0.1,
        attrition=0.1,
        effect=0.35,
        assignment="cluster",
    )
    sim = pw.simulate_power(study, n_sims=120, seed=1)
    ana = pw.analytic_power(study)
    assert ana["design_effect"] > 1.5
    assert abs(sim["power"] - ana["power"]) < 3 * sim["mc_se"] + 0.02
    assert 0.9 < sim["coverage"]


def test_simulated_power_agrees_with_analytic_answer_for_within_assignment():
    """Both groups in every institution: institution shifts cancel, DE = 1."""
    study = pw.PlannedStudy(
        n_institutions=7,
        students_per_group=20,
        icc=0.1,
        attrition=0.1,
        effect=0.3,
        assignment="within",
    )
    sim = pw.simulate_power(study, n_sims=120, seed=2)
    ana = pw.analytic_power(study)
    assert ana["design_effect"] == pytest.approx(1.0)
    assert abs(sim["power"] - ana["power"]) < 3 * sim["mc_se"] + 0.02


def test_power_grows_with_effect_and_is_alpha_under_the_null():
    base = pw.PlannedStudy(n_institutions=7, students_per_group=15, attrition=0.0)
    null = pw.simulate_power(
        pw.PlannedStudy(**{**base.__dict__, "effect": 0.0}), n_sims=100, seed=3
    )
    big = pw.simulate_power(pw.PlannedStudy(**{**base.__dict__, "effect": 0.8}), n_sims=30, seed=3)
    assert null["power"] <= 0.05 + 3 * 0.022
    assert big["power"] > 0.9
    r1 = pw.simulate_power(base, n_sims=20, seed=4)
    r2 = pw.simulate_power(base, n_sims=20, seed=4)
    assert r1 == r2


def test_mde_by_simulation_is_close_to_the_analytic_mde():
    study = pw.PlannedStudy(n_institutions=7, students_per_group=30, icc=0.05, attrition=0.15)
    res = pw.minimum_detectable_effect(study, effects=(0.2, 0.35, 0.5), n_sims=80, seed=5)
    assert 0.2 < res.mde_latent < 0.5
    assert abs(res.mde_latent - res.analytic["mde_latent"]) < 3 * res.mde_latent_mc_se + 0.03
    assert res.curve["power"].is_monotonic_increasing
    assert "MDE" in res.summary() and len(res.to_frame()) == 1


def test_cluster_means_and_gain_fe_estimate_the_mixedlm_did():
    design = SurveyDesign(
        n_institutions=4,
        students_per_group=(15, 15),
        attrition=0.0,
        item_nonresponse=0.0,
        truth_mc_n=2000,
        constructs=(ConstructSpec("theory_to_practice", 0.4),),
    )
    s = simulate_survey(design, 9)
    scores = ef.score_constructs(s.items, s.responses)
    mixed = ef.mixedlm_did(ef._did_frame(scores, "theory_to_practice"))["estimate"]
    assert pw.cluster_means_did(scores, "theory_to_practice")["estimate"] == pytest.approx(
        mixed, abs=1e-6
    )
    assert pw.gain_fe_did(scores, "theory_to_practice")["estimate"] == pytest.approx(
        mixed, abs=1e-6
    )


def test_analytic_curve_shape_and_bad_study_rejected():
    curve = pw.analytic_power_curve(
        pw.PlannedStudy(assignment="cluster"),
        n_institutions=(4, 10, 20),
        students_per_group=(20, 40),
        iccs=(0.0, 0.1),
        effects=(0.3,),
    )
    c = curve.set_index(["icc", "n_institutions", "students_per_group"])["power"]
    assert c[(0.1, 20, 40)] > c[(0.1, 4, 40)]  # more institutions, more power
    assert c[(0.0, 10, 40)] > c[(0.1, 10, 40)]  # clustering costs power
    with pytest.raises(ValueError, match="icc"):
        pw.PlannedStudy(icc=1.2)
    with pytest.raises(ValueError, match="estimator"):
        pw.simulate_power(pw.PlannedStudy(), n_sims=2, estimator="magic")


@pytest.mark.slow
def test_fast_within_estimator_has_the_power_of_the_mixed_model():
    """gain_fe (the default for within designs) matches MixedLM on the same datasets."""
    design = pw.PlannedStudy(n_institutions=7, students_per_group=20, icc=0.1, effect=0.3).design()
    fast = pw.simulate_estimates(design, 100, seed=7, estimator="gain_fe")
    mixed = pw.simulate_estimates(design, 100, seed=7, estimator="mixedlm")
    # measured: power 0.44 vs 0.43, estimates correlate 0.97, coverage 0.96 for both
    assert np.corrcoef(fast["estimate"], mixed["estimate"])[0, 1] > 0.95
    assert fast["se"].mean() == pytest.approx(mixed["se"].mean(), rel=0.05)
    assert abs((fast["p"] < 0.05).mean() - (mixed["p"] < 0.05).mean()) <= 0.05
