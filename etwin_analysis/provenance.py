"""What produced a result: parameters, data checksum, package versions, git commit, timing.

Every notebook ends with a provenance cell (`etwin_analysis.notebook.provenance`), and the
batch runner puts the same record in the header of each rendered report.
"""

from __future__ import annotations

import platform
import subprocess
from datetime import UTC, datetime
from functools import cache
from importlib import metadata

from etwin_analysis.paths import REPO_ROOT

#: The packages whose versions decide the numbers (reported in every provenance record).
KEY_PACKAGES = (
    "etwin-analysis",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels",
    "networkx",
    "seaborn",
    "matplotlib",
    "pandera",
    "pingouin",
    "geopy",
    "papermill",
)


def package_versions(packages=KEY_PACKAGES) -> dict[str, str]:
    """Installed versions of ``packages`` (``"not installed"`` when absent), plus Python's."""
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10, check=True
    ).stdout.strip()


@cache
def git_commit() -> str:
    """The repository's commit (with ``+dirty`` when the tree has changes), or ``unknown``."""
    try:
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        return _git("rev-parse", "HEAD") + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record(params: dict, dataset=None, started: str | None = None) -> dict:
    """The provenance of one run as a JSON-safe dict."""
    rec = {
        "parameters": {k: params[k] for k in sorted(params)},
        "started": started,
        "finished": now_utc(),
        "git_commit": git_commit(),
        "package_versions": package_versions(),
    }
    if dataset is not None:
        rec["data"] = {
            "path": str(dataset.path) if dataset.path else None,
            "checksum_sha256": dataset.checksum,
            "synthetic": dataset.is_synthetic,
        }
    return rec
