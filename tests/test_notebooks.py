"""Every notebook: stored without outputs, one typed `parameters` cell, runs with papermill."""

from __future__ import annotations

import json

import nbformat
import papermill as pm
import pytest

from etwin_analysis import results
from etwin_analysis.paths import NOTEBOOKS_DIR, SYNTHETIC_DIR

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def outputs_text(nb) -> str:
    """Everything a notebook showed (outputs only, not its source)."""
    return json.dumps([c.get("outputs", []) for c in nb["cells"] if c["cell_type"] == "code"])


def test_there_are_notebooks():
    assert any(p.name == "00_data_overview.ipynb" for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs, f"{path.name}: a code cell has outputs"
            assert cell.execution_count is None, f"{path.name}: execution count stored"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_shape_and_typed_parameters(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: needs exactly one cell tagged 'parameters'"
    index = nb.cells.index(tagged[0])
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert nb.cells[index - 1].source.strip().startswith("## Parameters")
    assert any(c.cell_type == "markdown" and "## References" in c.source for c in nb.cells)
    assert "notebook.provenance(" in nb.cells[-1].source, "last cell records provenance"
    params = pm.inspect_notebook(str(path))
    names = [
        line.split(":")[0]
        for line in tagged[0].source.splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert sorted(names) == sorted(params), f"{path.name}: papermill cannot parse every line"
    for name, spec in params.items():
        assert spec["inferred_type_name"] not in ("None", ""), f"{name} has no type"
        assert spec["help"], f"{path.name}: parameter {name} has no help comment"
    assert {"data_dir", "output_dir"} <= set(params)


def test_overview_notebook_runs_on_a_small_user_dataset(notebook_runner, tmp_path):
    tiny = NOTEBOOKS_DIR.parent / "tests" / "fixtures" / "tiny"
    nb = notebook_runner("00_data_overview.ipynb", data_dir=str(tiny))
    text = outputs_text(nb)
    assert "Data supplied by the user" in text
    assert "SYNTHETIC DATA" not in text
    recorded = results.load(tmp_path / "out")
    assert recorded["projects_per_programme"]["value"] == {"erasmus_plus": 1, "etwinning": 2}
    assert (tmp_path / "out" / "provenance.json").exists()


@pytest.mark.skipif(not (SYNTHETIC_DIR / "institutions.csv").exists(), reason="no bundled data")
def test_overview_notebook_runs_on_the_bundled_world_and_says_synthetic(notebook_runner):
    nb = notebook_runner("00_data_overview.ipynb")
    text = outputs_text(nb)
    assert "SYNTHETIC DATA" in text
    assert "survey section skipped" not in text
    assert "image/png" in text
