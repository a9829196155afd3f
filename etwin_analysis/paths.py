"""Where the project's files are: bundled data, reference tables and the shared real data."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository root (the package is installed editable from it).
REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / "data"
#: The bundled synthetic eTwinning world, the default data directory of every notebook.
SYNTHETIC_DIR = DATA_DIR / "synthetic"
#: Versioned reference tables (countries, travel bands, emission factors), each citing its source.
REFERENCE_DIR = DATA_DIR / "reference"
#: Real public data beside the checkout (never copied into the repository); may be absent.
#: Override with the environment variable ``ETWIN_REAL_DATA``.
REAL_DATA_DIR = Path(
    os.environ.get("ETWIN_REAL_DATA", REPO_ROOT.parent / "shared" / "data" / "real")
)
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
REPORTS_DIR = REPO_ROOT / "reports"


def resolve_data_dir(data_dir: str | os.PathLike | None) -> Path:
    """The data directory a notebook parameter names; empty or None means the bundled data."""
    if data_dir is None or str(data_dir).strip() == "":
        return SYNTHETIC_DIR
    return Path(data_dir).expanduser()
