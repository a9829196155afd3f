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


FIXTURES = Path(__file__).parent / "fixtures" / "adapters"


def test_import_erasmus_export_then_validate(tmp_path):
    out = etwin(
        "import",
        "erasmus",
        str(FIXTURES / "erasmus_results_platform.csv"),
        "--out",
        str(tmp_path / "d"),
    )
    assert out.returncode == 0, out.stderr
    assert "rejected" in out.stdout
    assert etwin("validate", str(tmp_path / "d")).returncode == 0


def test_import_participations_with_mapping_and_bad_input(tmp_path):
    out = etwin(
        "import",
        "participations",
        str(FIXTURES / "cordis_participations.csv"),
        "--out",
        str(tmp_path / "p"),
        "--programme",
        "erasmus_plus",
    )
    assert out.returncode == 0, out.stderr
    assert etwin("validate", str(tmp_path / "p")).returncode == 0
    wrong = etwin(
        "import",
        "participations",
        str(FIXTURES / "cordis_participations.csv"),
        "--out",
        str(tmp_path / "q"),
        "--map",
        "project_id=No Such Header",
    )
    assert wrong.returncode == 1 and "Traceback" not in wrong.stderr
    assert "CANNOT IMPORT" in wrong.stderr


def test_import_flows(tmp_path):
    out = etwin(
        "import", "flows", str(FIXTURES / "mobility_flows.csv"), "--out", str(tmp_path / "f.csv")
    )
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "f.csv").read_text(encoding="utf-8").startswith("origin,destination")
