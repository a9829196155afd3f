"""Loading and validating a data directory: every bad input gets a clear, located error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from etwin_analysis import DataValidationError, load_dataset
from etwin_analysis.dataset import Dataset, MissingTableError, data_checksum
from etwin_analysis.safecsv import write_csv

TINY = Path(__file__).parent / "fixtures" / "tiny"


@pytest.fixture
def tiny(tmp_path) -> Path:
    out = tmp_path / "data"
    shutil.copytree(TINY, out)
    return out


def edit(directory: Path, table: str, old: str, new: str) -> None:
    file = directory / f"{table}.csv"
    text = file.read_text(encoding="utf-8")
    assert old in text, f"fixture has no {old!r}"
    file.write_text(text.replace(old, new, 1), encoding="utf-8")


def problems_of(directory: Path, **kwargs) -> list:
    with pytest.raises(DataValidationError) as info:
        load_dataset(directory, **kwargs)
    return info.value.problems


def test_valid_fixture_loads_with_types_and_normalised_countries(tiny):
    ds = load_dataset(tiny)
    assert ds.institutions["country"].tolist() == ["DE", "FR", "GR", "GB"]
    assert str(ds.institutions["etwinning_since"].dtype) == "Int64"
    assert pd.api.types.is_datetime64_any_dtype(ds.projects["start_date"])
    assert ds.report.counts["rejected"].sum() == 0
    assert not ds.is_synthetic
    assert ds.people is None
    assert len(ds.checksum) == 64


def test_formula_like_cells_are_kept_as_text_and_neutralised_on_write(tiny, tmp_path):
    ds = load_dataset(tiny)
    assert ds.projects.loc[1, "title"] == '=HYPERLINK("x")'
    out = write_csv(ds.projects, tmp_path / "p.csv")
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK" in text
    frame = pd.DataFrame({"a": ["@cmd", "+1", "-x", "ok"], "n": [-1.5, 2, 3, 4]})
    written = pd.read_csv(write_csv(frame, tmp_path / "f.csv"), dtype=str)
    assert written["a"].tolist() == ["'@cmd", "'+1", "'-x", "ok"]
    assert written["n"].tolist()[0] == "-1.5"  # numbers stay numbers


def test_non_existent_path(tmp_path):
    (problem,) = problems_of(tmp_path / "nope")
    assert "does not exist" in problem.reason


def test_missing_required_table(tiny):
    (tiny / "projects.csv").unlink()
    problems = problems_of(tiny)
    assert any("required table 'projects' is missing" in p.reason for p in problems)


def test_missing_required_column_names_file_and_column(tiny):
    edit(tiny, "institutions", "institution_type,", "kind,")
    problems = problems_of(tiny)
    p = next(p for p in problems if p.column == "institution_type")
    assert p.file.endswith("institutions.csv")
    assert "required column 'institution_type' is missing" in p.reason


def test_empty_and_header_only_files(tiny):
    (tiny / "projects.csv").write_text("", encoding="utf-8")
    (tiny / "memberships.csv").write_text(
        "project_id,institution_id,role,person_id,joined_on\n", encoding="utf-8"
    )
    reasons = {Path(p.file).name: p.reason for p in problems_of(tiny)}
    assert "is empty" in reasons["projects.csv"]
    assert "header row but no data rows" in reasons["memberships.csv"]


def test_not_utf8_says_which_encoding_option_to_pass(tiny):
    text = (tiny / "institutions.csv").read_text(encoding="utf-8").replace("Alpha", "Älpha")
    (tiny / "institutions.csv").write_bytes(text.encode("cp1252"))
    (problem,) = problems_of(tiny)
    assert "not valid utf-8" in problem.reason.lower()
    assert "encoding='cp1252'" in problem.reason
    ds = load_dataset(tiny, encoding="cp1252")
    assert ds.institutions.loc[0, "name"] == "Älpha Primary"


def test_utf8_bom_just_works(tiny):
    raw = (tiny / "institutions.csv").read_bytes()
    (tiny / "institutions.csv").write_bytes(b"\xef\xbb\xbf" + raw)
    ds = load_dataset(tiny)
    assert "institution_id" in ds.institutions.columns


def test_wrong_types_are_located(tiny):
    edit(tiny, "institutions", "52.52", "north")
    edit(tiny, "institutions", ",2010", ",twenty-ten")
    edit(tiny, "projects", "2015-09-01", "first of sept")
    problems = problems_of(tiny)
    located = {(Path(p.file).name, p.row, p.column) for p in problems}
    assert ("institutions.csv", 2, "latitude") in located
    assert ("institutions.csv", 2, "etwinning_since") in located
    assert ("projects.csv", 2, "start_date") in located
    assert any("expected a whole number, got 'twenty-ten'" in p.reason for p in problems)


def test_unknown_country_and_institution_type(tiny):
    edit(tiny, "institutions", ",FR,", ",XX,")
    edit(tiny, "institutions", "vocational", "kindergarten")
    problems = problems_of(tiny)
    assert any(p.column == "country" and "'XX' is not an ISO" in p.reason for p in problems)
    assert any(p.column == "institution_type" and "kindergarten" in p.reason for p in problems)


def test_duplicated_ids(tiny):
    edit(tiny, "institutions", "I4,Delta", "I3,Delta")
    problems = problems_of(tiny)
    assert any("duplicate value 'I3'" in p.reason for p in problems)


def test_dangling_references_and_duplicate_memberships(tiny):
    with open(tiny / "memberships.csv", "a", encoding="utf-8") as f:
        f.write("P9,I1,partner,,\nP1,I99,partner,,\nP1,I2,partner,,\n")
    problems = problems_of(tiny)
    reasons = {(p.row, p.column): p.reason for p in problems}
    assert "not in projects" in reasons[(8, "project_id")]
    assert "not in institutions" in reasons[(9, "institution_id")]
    assert "listed more than once" in reasons[(10, None)]


def test_end_before_start(tiny):
    edit(tiny, "projects", "2016-06-30", "2014-06-30")
    (problem,) = problems_of(tiny)
    assert (problem.row, problem.column) == (2, "end_date")
    assert "before start_date" in problem.reason


def test_all_problems_are_reported_at_once(tiny):
    edit(tiny, "institutions", ",FR,", ",XX,")
    edit(tiny, "projects", "2016-06-30", "2014-06-30")
    with open(tiny / "memberships.csv", "a", encoding="utf-8") as f:
        f.write("P9,I1,partner,,\n")
    with pytest.raises(DataValidationError) as info:
        load_dataset(tiny)
    assert len(info.value.problems) == 3
    assert {"institutions", "projects", "memberships"} == {p.table for p in info.value.problems}
    assert "institutions.csv, row 3, column 'country'" in str(info.value)


def test_drop_mode_accounts_for_every_row_and_cascades(tiny, tmp_path):
    edit(tiny, "institutions", ",FR,", ",XX,")  # I2 rejected -> its membership cascades
    with open(tiny / "memberships.csv", "a", encoding="utf-8") as f:
        f.write("P9,I1,partner,,\n")
    ds = load_dataset(tiny, on_error="drop", rejects_dir=tmp_path / "rej")
    counts = ds.report.counts.set_index("table")
    assert (counts["read"] == counts["loaded"] + counts["rejected"]).all()
    assert counts.loc["institutions", "rejected"] == 1
    assert counts.loc["memberships", "rejected"] == 2
    assert "I2" not in set(ds.memberships["institution_id"])
    rejected = pd.read_csv(tmp_path / "rej" / "rejected_rows.csv")
    assert len(rejected) == 3
    assert rejected["reason"].str.contains("'I2', which was rejected").any()
    assert rejected["reason"].str.contains("'P9', which is not in projects").any()


def test_survey_responses_out_of_scale_and_wide_layout(tiny):
    (tiny / "survey_items.csv").write_text(
        "item,construct,reverse,scale_min,scale_max,text\n"
        "q1,digital,false,1,5,I use tools\nq2,digital,yes,1,5,I avoid tools\n",
        encoding="utf-8",
    )
    (tiny / "survey_responses.csv").write_text(
        "respondent_id,institution_id,group,wave,engagement,q1,q2\n"
        "R1,I3,etwinning,pre,2,4,\nR1,I3,etwinning,post,2,5,7\n",
        encoding="utf-8",
    )
    problems = problems_of(tiny)
    (p,) = problems
    assert (p.row, p.column) == (3, "q2")  # the wide file's row and the item's column
    assert "outside item 'q2' scale 1..5" in p.reason
    edit(tiny, "survey_responses", ",5,7", ",5,2")
    ds = load_dataset(tiny)
    assert len(ds.survey_responses) == 4
    assert ds.survey_items["reverse"].tolist() == [False, True]
    assert ds.survey_responses["response"].isna().sum() == 1


def test_require_names_the_missing_table(tiny):
    ds = load_dataset(tiny)
    with pytest.raises(MissingTableError, match="needs the 'survey_items' table"):
        ds.require("survey_items", purpose="The survey notebook")


def test_from_frames_validates_like_files(tiny):
    ds = load_dataset(tiny)
    again = Dataset.from_frames(
        institutions=ds.institutions, projects=ds.projects, memberships=ds.memberships
    )
    pd.testing.assert_frame_equal(again.institutions, ds.institutions)
    bad = ds.institutions.assign(institution_type="castle")
    with pytest.raises(DataValidationError, match="castle"):
        Dataset.from_frames(institutions=bad, projects=ds.projects, memberships=ds.memberships)


def test_checksum_changes_with_content(tiny):
    before = data_checksum(tiny)
    edit(tiny, "projects", "Water", "Wasser")
    assert data_checksum(tiny) != before


def test_parquet_tables_load(tiny):
    ds = load_dataset(tiny)
    ds.institutions.to_parquet(tiny / "institutions.parquet")
    (tiny / "institutions.csv").unlink()
    again = load_dataset(tiny)
    assert again.institutions["country"].tolist() == ["DE", "FR", "GR", "GB"]
