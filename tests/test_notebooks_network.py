"""Notebook 01 (collaboration network) runs with papermill on small parameters and records
its key results."""

from __future__ import annotations

import json

import pytest

from etwin_analysis import load_dataset, privacy, results
from etwin_analysis.paths import SYNTHETIC_DIR

NOTEBOOK = "01_collaboration_network.ipynb"


@pytest.fixture(scope="module")
def bundled():
    if not (SYNTHETIC_DIR / "memberships.csv").exists():
        pytest.skip("bundled synthetic data not generated yet")
    return SYNTHETIC_DIR


def test_collaboration_notebook_runs_on_one_country(notebook_runner, tmp_path, bundled):
    nb = notebook_runner(
        NOTEBOOK, countries=["FI"], n_null_models=3, top_n=3, programme="etwinning", seed=1
    )
    errors = [
        o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert not errors
    assert "SYNTHETIC DATA" in json.dumps(nb)
    rec = results.load(tmp_path / "out")
    for key in (
        "projection_sizes",
        "country_strength",
        "top_institutions",
        "null_model",
        "overview",
        "communities",
        "densification",
        "ite_ego_medians",
    ):
        assert key in rec, key
    sizes = rec["projection_sizes"]["value"]
    assert sizes["institution_nodes"] > 0 and sizes["country_nodes"] > 1
    null = results.as_frame(rec["null_model"])
    assert set(null["statistic"]) == {"country_assortativity", "cross_border_share", "transitivity"}
    assert (null["null_samples"] == 3).all()
    top = results.as_frame(rec["top_institutions"])
    assert set(top["measure"]) == {"degree", "strength", "eigenvector", "betweenness"}
    strength = results.as_frame(rec["country_strength"])
    assert "FI" in set(strength["country"])
    assert (tmp_path / "out" / "provenance.json").exists()
    # no person identifiers or small count cells in what the notebook shows
    privacy.check_output(nb, load_dataset(bundled))


def test_collaboration_notebook_reports_an_empty_slice_clearly(notebook_runner, bundled):
    import papermill as pm

    with pytest.raises(pm.PapermillExecutionError, match="NetworkFilterError"):
        notebook_runner(NOTEBOOK, countries=["FI"], year_from=2030, n_null_models=3)
