"""Execute notebooks 03 (theory to practice) and 05 (study design and power) on small
parameters; check their shape, recorded results and privacy."""

from __future__ import annotations

import nbformat
import pytest

from etwin_analysis import privacy, results
from etwin_analysis.dataset import load_dataset
from etwin_analysis.paths import NOTEBOOKS_DIR, SYNTHETIC_DIR

NB03 = "03_theory_to_practice.ipynb"
NB05 = "05_study_design_power.ipynb"
PARAMS = {
    NB03: (
        "data_dir",
        "output_dir",
        "constructs",
        "alpha",
        "correction",
        "institutions",
        "n_boot",
        "seed",
        "min_cell_size",
    ),
    NB05: (
        "data_dir",
        "output_dir",
        "n_institutions",
        "students_per_group",
        "icc",
        "attrition",
        "effect",
        "alpha",
        "target_power",
        "n_sims",
        "seed",
        "iccs",
        "effect_sizes",
    ),
}


def _outputs_text(nb) -> str:
    parts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            parts.append(out.get("text", ""))
            for key in ("text/plain", "text/html", "text/markdown"):
                parts.append(str(out.get("data", {}).get(key, "")))
    return "\n".join(parts)


@pytest.mark.parametrize("name", [NB03, NB05])
def test_notebook_is_stored_clean_with_typed_parameters(name):
    nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
    assert nb.cells[0].source.startswith(f"# {name[:2]} · ")
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1
    for p in PARAMS[name]:
        assert f"\n{p}: " in "\n" + params[0].source, p
    assert all("#" in line for line in params[0].source.splitlines() if line.strip())
    assert "notebook.provenance(" in code[-1].source
    assert any(c.cell_type == "markdown" and c.source.startswith("## References") for c in nb.cells)


@pytest.fixture(scope="module")
def bundled():
    if not (SYNTHETIC_DIR / "survey_responses.csv").exists():
        pytest.skip("bundled synthetic survey not generated yet")
    return load_dataset()


def test_theory_to_practice_notebook_runs_and_records_estimates(notebook_runner, tmp_path, bundled):
    nb = notebook_runner(
        NB03,
        n_boot=49,
        seed=3,
        correction="fdr_bh",
        constructs=["theory_to_practice", "self_efficacy"],
    )
    rec = results.load(tmp_path / "out")
    for key in (
        "reliability",
        "effects",
        "attrition",
        "dose_response",
        "mediation",
        "hypotheses",
        "cell_means",
    ):
        assert key in rec, key
    fx = results.as_frame(rec["effects"]).set_index("construct")
    assert set(fx.index) == {"theory_to_practice", "self_efficacy"}
    assert (fx["p_adjusted"] == fx["p_fdr_bh"]).all()
    hyp = results.as_frame(rec["hypotheses"]).set_index("hypothesis")
    assert hyp.at["H5", "verdict"] == "not supported"  # the true null in the bundled world
    text = _outputs_text(nb)
    ids = set(bundled.survey_responses["respondent_id"])
    assert not any(i in text for i in list(ids)[:200]), "respondent ids in outputs"
    assert "data-etwin-privacy" in text  # counts shown through privacy.display_counts
    privacy.check_output(nb, bundled, 5)  # no identifiers, no small count cells
    assert (tmp_path / "out" / "provenance.json").is_file()


def test_study_design_notebook_runs_on_small_parameters(notebook_runner, tmp_path):
    nb = notebook_runner(
        NB05,
        n_sims=20,
        iccs=[0.0, 0.1],
        effect_sizes=[0.3],
        institution_grid=[4, 8],
        student_grid=[20, 40],
    )
    rec = results.load(tmp_path / "out")
    mde = results.as_frame(rec["mde"])
    assert mde.at[0, "n_institutions"] == 7
    rtab = results.as_frame(rec["recommendation"])
    assert set(rtab["assignment"]) == {"within", "cluster"}
    chk = results.as_frame(rec["power_check"])
    assert chk["power"].between(0, 1).all()
    privacy.check_output(nb, None, 5)
