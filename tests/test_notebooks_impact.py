"""Notebook 02 (ITE network expansion) runs end to end on the bundled data, small parameters."""

from __future__ import annotations

import json

import pytest

from etwin_analysis import privacy, results
from etwin_analysis.dataset import load_dataset
from etwin_analysis.paths import SYNTHETIC_DIR

NOTEBOOK = "02_ite_network_expansion.ipynb"


@pytest.mark.skipif(not (SYNTHETIC_DIR / "truth.json").exists(), reason="no bundled data")
def test_network_expansion_notebook_runs_on_bundled_data(notebook_runner, tmp_path):
    nb = notebook_runner(
        NOTEBOOK,
        n_boot=49,
        seed=1,
        event_window=[-3, 3],
        control_group="never_treated",
        outcome="new_partner_countries",
    )
    text = json.dumps(nb)
    assert "SYNTHETIC DATA" in text
    assert "After - before:" in text  # printed by the teacher-educator section
    out = tmp_path / "out"
    recorded = results.load(out)
    assert {"adoption_cohorts", "event_study", "overall_effects", "pretrend"} <= set(recorded)
    assert "interdisciplinarity" in recorded
    event = results.as_frame(recorded["event_study"])
    assert set(event["event_time"]) == {-3, -2, -1, 0, 1, 2, 3}
    assert set(event["estimator"]) == {
        "callaway_santanna",
        "twfe",
        "callaway_santanna_poisson",
    }
    overall = results.as_frame(recorded["overall_effects"])
    assert "erasmus_projects_started" in set(overall["outcome"])
    assert (out / "provenance.json").exists()
    # No person identifiers and no small people-count cells in any output.
    privacy.check_output(nb, load_dataset(SYNTHETIC_DIR))
