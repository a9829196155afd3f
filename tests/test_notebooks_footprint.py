"""Execute notebooks/04_mobility_footprint.ipynb with papermill on small parameters."""

from __future__ import annotations

import nbformat
import pytest

from etwin_analysis import footprint, results
from etwin_analysis.dataset import load_dataset
from etwin_analysis.paths import NOTEBOOKS_DIR

NOTEBOOK = "04_mobility_footprint.ipynb"


def _text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif "text/plain" in out.get("data", {}):
                parts.append(out["data"]["text/plain"])
    return "\n".join(parts)


def test_notebook_is_stored_clean_with_a_parameters_cell():
    nb = nbformat.read(NOTEBOOKS_DIR / NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for name in (
        "data_dir",
        "output_dir",
        "flows_path",
        "emission_factors",
        "rail_max_km",
        "participants_per_trip",
        "trips_per_collaboration",
        "include_radiative_forcing",
        "n_draws",
        "seed",
    ):
        assert f"{name}:" in params[0].source
    assert nb.cells[0].source.startswith("# 04 · ")


def test_notebook_runs_on_bundled_data_and_records_totals(notebook_runner, tmp_path):
    nb = notebook_runner(NOTEBOOK, n_draws=30, seed=1)
    out = tmp_path / "out"
    recorded = results.load(out)
    totals = recorded["virtual_counterfactual_totals"]["value"]
    expected = footprint.virtual_counterfactual(load_dataset()).totals()
    assert totals["grant_eur"] == pytest.approx(expected["grant_eur"])
    assert totals["co2e_kg"] == pytest.approx(expected["co2e_kg"])
    iv = results.as_frame(recorded["virtual_counterfactual_intervals"]).set_index("quantity")
    assert (iv["low"] <= iv["point"]).all() and (iv["point"] <= iv["high"]).all()
    assert "tornado" in recorded and "assumptions" in recorded
    assert (out / "footprint_by_country_year.csv").is_file()
    assert (out / "provenance.json").is_file()
    text = _text(nb)
    if footprint.flows_file("").is_file():
        assert "real_flows_totals" in recorded
    else:
        assert "NOT AVAILABLE" in text


def test_notebook_says_when_flows_are_absent_and_uses_parameters(notebook_runner, tmp_path):
    nb = notebook_runner(
        NOTEBOOK,
        n_draws=20,
        seed=2,
        flows_path=str(tmp_path / "no_such_flows.csv"),
        trips_per_collaboration=1.0,
        include_radiative_forcing=False,
    )
    assert "NOT AVAILABLE" in _text(nb)
    recorded = results.load(tmp_path / "out")
    assert "real_flows_totals" not in recorded
    a = footprint.Assumptions(trips_per_collaboration=1.0, include_radiative_forcing=False)
    expected = footprint.virtual_counterfactual(load_dataset(), a).totals()
    totals = recorded["virtual_counterfactual_totals"]["value"]
    assert totals["co2e_kg"] == pytest.approx(expected["co2e_kg"])
    assert recorded["assumptions"]["value"]["include_radiative_forcing"] is False
