"""The `etwin` command: clear messages and exit codes, never a traceback."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

TINY = Path(__file__).parent / "fixtures" / "tiny"


def etwin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etwin_analysis.cli", *args], capture_output=True, text=True
    )


def test_validate_ok():
    out = etwin("validate", str(TINY))
    assert out.returncode == 0, out.stderr
    assert "no problems found" in out.stdout


def test_validate_reports_problems_without_traceback(tmp_path):
    data = tmp_path / "d"
    shutil.copytree(TINY, data)
    text = (data / "institutions.csv").read_text().replace(",FR,", ",XX,")
    (data / "institutions.csv").write_text(text)
    out = etwin("validate", str(data))
    assert out.returncode == 1
    assert "Traceback" not in out.stderr
    assert "institutions.csv, row 3, column 'country'" in out.stderr
    dropped = etwin("validate", str(data), "--drop", "--rejects", str(tmp_path / "rej"))
    assert dropped.returncode == 0, dropped.stderr
    assert (tmp_path / "rej" / "rejected_rows.csv").exists()


def test_missing_path_and_unknown_command():
    out = etwin("validate", "/no/such/folder")
    assert out.returncode == 1 and "does not exist" in out.stderr
    assert "Traceback" not in out.stderr
    unknown = etwin("frobnicate")
    assert unknown.returncode == 2 and "unknown command" in unknown.stderr
