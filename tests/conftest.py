"""Shared test fixtures: the real-data folder (skipped when absent) and notebook execution."""

from __future__ import annotations

from pathlib import Path

import pytest

from etwin_analysis.paths import NOTEBOOKS_DIR, REAL_DATA_DIR


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """../shared/data/real, or skip the test with a reason when it is not there."""
    if not REAL_DATA_DIR.is_dir():
        pytest.skip(f"real public data not available at {REAL_DATA_DIR}")
    return REAL_DATA_DIR


def run_notebook(name: str, tmp_path: Path, **parameters):
    """Execute ``notebooks/<name>`` with papermill on the ``etwin`` kernel; return the notebook.

    The working directory is ``notebooks/`` as in JupyterLab. ``output_dir`` defaults to a
    folder under ``tmp_path``.
    """
    import papermill as pm

    parameters.setdefault("output_dir", str(tmp_path / "out"))
    out = tmp_path / name
    return pm.execute_notebook(
        str(NOTEBOOKS_DIR / name),
        str(out),
        parameters=parameters,
        kernel_name="etwin",
        cwd=str(NOTEBOOKS_DIR),
        progress_bar=False,
        execution_timeout=600,
    )


@pytest.fixture
def notebook_runner(tmp_path):
    """``notebook_runner("00_data_overview.ipynb", data_dir=...)`` executes a notebook."""

    def _run(name: str, **parameters):
        return run_notebook(name, tmp_path, **parameters)

    return _run
