"""Adapters from real export formats into the contract, on fixtures in the exact formats and on
the real public files in ../shared/data/real (skipped when absent)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etwin_analysis import adapters
from etwin_analysis.contract import INSTITUTION_TYPES, MEMBERSHIP_ROLES
from etwin_analysis.countries import is_iso2
from etwin_analysis.dataset import DataValidationError

FIXTURES = Path(__file__).parent / "fixtures" / "adapters"
ERASMUS_CSV = FIXTURES / "erasmus_results_platform.csv"
ERASMUS_XLSX = FIXTURES / "erasmus_results_platform.xlsx"
ERASMUS_BAD = FIXTURES / "erasmus_results_platform_bad_rows.csv"
CORDIS_CSV = FIXTURES / "cordis_participations.csv"
CORDIS_BAD = FIXTURES / "cordis_participations_bad_rows.csv"
FLOWS_CSV = FIXTURES / "mobility_flows.csv"
FLOWS_BAD = FIXTURES / "mobility_flows_bad_rows.csv"


def _account_adds_up(result) -> None:
    counts = result.counts
    assert (counts["read"] == counts["loaded"] + counts["rejected"]).all()


def _contract_ok(result) -> None:
    """The tables pass the lead's validator unchanged and keep every row."""
    ds = result.to_dataset()
    assert len(ds.institutions) == len(result.institutions)
    assert len(ds.projects) == len(result.projects)
    assert len(ds.memberships) == len(result.memberships)
    assert ds.report.problems == []


# --------------------------------------------------------------------------------------------
# Erasmus+ Project Results Platform
# --------------------------------------------------------------------------------------------
def test_organisation_id_is_a_stable_hash_of_folded_name_and_country():
    expected = "ORG-" + hashlib.sha1(b"goethe gymnasium berlin|DE").hexdigest()[:12]
    assert adapters.organisation_id("Goethe-Gymnasium Berlin", "DE") == expected
    assert adapters.organisation_id("  GOETHE GYMNASIUM   berlin ", "DE") == expected
    assert adapters.organisation_id("Goethe-Gymnasium Berlin", "AT") != expected
    assert adapters.organisation_id("Szkoła Podstawowa", "PL") == adapters.organisation_id(
        "SZKOLA PODSTAWOWA", "PL"
    )


def test_erasmus_platform_csv_maps_into_the_contract():
    r = adapters.from_erasmus_results_platform(ERASMUS_CSV)
    _account_adds_up(r)
    assert r.counts.set_index("unit").loc["project rows"].tolist() == [5, 5, 0]
    # 3 + 5 + 4 + 4 + 4 filled slots; the empty Partner 2 slot of the 2018 project and the
    # unused Partner 3/4 columns are not organisations.
    assert r.counts.set_index("unit").loc["organisation slots"].tolist() == [20, 20, 0]
    assert r.rejected.empty
    inst = r.institutions.set_index("institution_id")
    # Same organisation, spelt differently across projects -> one institution.
    goethe = adapters.organisation_id("Goethe-Gymnasium Berlin", "DE")
    assert inst.loc[goethe, "source_names"] == "Goethe-Gymnasium Berlin | GOETHE GYMNASIUM BERLIN"
    assert inst.loc[goethe, "name"] == "Goethe-Gymnasium Berlin"
    for a, b, country in [
        ("Universidad de Granada", "Universidad  de  Granada", "ES"),
        ("Základní škola Praha 4", "Zakladni skola Praha 4", "CZ"),
        ("Szkoła Podstawowa nr 5 w Krakowie", "Szkola Podstawowa nr 5 w Krakowie", "PL"),
    ]:
        assert adapters.organisation_id(a, country) == adapters.organisation_id(b, country)
        assert adapters.organisation_id(a, country) in inst.index
    assert len(inst) == 15
    # Türkiye (2020) and Turkey (2017) are the same school.
    ankara = inst[inst["name"] == "Ankara Fen Lisesi"]
    assert len(ankara) == 1 and ankara["country"].item() == "TR"
    # Platform country names -> ISO codes.
    by_name = inst.set_index("name")
    assert by_name.loc["OOU Goce Delčev Skopje", "country"] == "MK"
    assert by_name.loc["Hillside Primary School", "country"] == "GB"
    assert by_name.loc["University of Patras", "country"] == "GR"
    # Organisation types.
    assert by_name.loc["Kindergarten Sonnenschein", "institution_type"] == "pre_primary"
    assert by_name.loc["Lycée Professionnel Jean Moulin", "institution_type"] == "vocational"
    assert by_name.loc["Hillside Primary School", "institution_type"] == "primary"
    assert by_name.loc["Ankara Fen Lisesi", "institution_type"] == "secondary"
    assert by_name.loc["Universidad de Granada", "institution_type"] == "other"
    assert by_name.loc["Friends of Reading e.V.", "institution_type"] == "other"
    assert inst["etwinning_since"].isna().all() and inst["etwinning_since"].dtype == "Int64"
    # Projects and roles.
    proj = r.projects.set_index("project_id")
    assert (proj["programme"] == "erasmus_plus").all()
    assert proj.loc["2021-1-CZ01-KA220-SCH-000023456", "start_date"] == pd.Timestamp("2021-01-01")
    assert (proj["start_date_source"] == "call_year").all()
    assert proj.loc["2019-1-DE03-KA229-059630_1", "title"] == "Water, climate & us"
    m = r.memberships
    assert (m.groupby("project_id")["role"].apply(lambda s: (s == "coordinator").sum()) == 1).all()
    assert m.groupby("project_id").size().to_dict() == {
        "2019-1-DE03-KA229-059630_1": 3,
        "2020-1-FR01-KA229-080001_2": 5,
        "2018-1-EL01-KA201-047800": 4,
        "2021-1-CZ01-KA220-SCH-000023456": 4,
        "2017-1-UK01-KA219-036500_3": 4,
    }
    assert goethe in set(m.loc[m["project_id"] == "2020-1-FR01-KA229-080001_2", "institution_id"])
    _contract_ok(r)
    assert "5 projects" in r.summary() and "project rows" in r.to_frame()["unit"].tolist()


def test_erasmus_platform_xlsx_gives_the_same_tables_as_csv():
    a = adapters.from_erasmus_results_platform(ERASMUS_CSV)
    b = adapters.from_erasmus_results_platform(ERASMUS_XLSX)
    for name in ("institutions", "projects", "memberships"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_dtype=False)


def test_erasmus_platform_bad_rows_are_returned_with_reasons():
    r = adapters.from_erasmus_results_platform(ERASMUS_BAD)
    _account_adds_up(r)
    assert r.counts.set_index("unit").loc["project rows"].tolist() == [6, 3, 3]
    assert r.counts.set_index("unit").loc["organisation slots"].tolist() == [10, 5, 5]
    got = [
        (row, col, reason)
        for row, col, reason in r.rejected[["row", "column", "reason"]].itertuples(index=False)
    ]
    expected = [
        (3, "Project Identifier", "Project Identifier is empty"),
        (4, "Project Identifier", "repeats row 2"),
        (5, "Call year", "'twenty19' is not a year"),
        (6, "Partner 1 country", "country of 'Escola Básica de Lisboa' is empty"),
        (6, "Partner 2 country", "'Atlantis' is not a recognised country"),
        (6, "Partner 3 name", "organisation name is empty"),
        (6, "Partner 4 name", "already listed in this project"),
        (7, "Coordinating organisation name", "coordinator's name and country are empty"),
    ]
    assert len(got) == len(expected)
    for (row, col, reason), (erow, ecol, ereason) in zip(got, expected, strict=True):
        assert (row, col) == (erow, ecol) and ereason in reason
    assert r.rejected["file"].eq(str(ERASMUS_BAD)).all()
    _contract_ok(r)


def test_erasmus_platform_start_date_column_and_type_map(tmp_path):
    frame = pd.read_csv(ERASMUS_CSV, dtype=str, keep_default_na=False)
    frame.insert(7, "Start date", ["01/09/2019", "2020-10-01", "", "01.11.2021", "2017-09-01"])
    frame.insert(8, "End date", ["31/08/2021", "2022-09-30", "", "31.10.2023", "2016-01-01"])
    path = tmp_path / "export.csv"
    frame.to_csv(path, index=False)
    r = adapters.from_erasmus_results_platform(
        path, type_map={"Higher education institution (tertiary level)": "ite"}
    )
    proj = r.projects.set_index("project_id")
    assert proj.loc["2019-1-DE03-KA229-059630_1", "start_date"] == pd.Timestamp("2019-09-01")
    assert proj.loc["2019-1-DE03-KA229-059630_1", "end_date"] == pd.Timestamp("2021-08-31")
    assert proj.loc["2021-1-CZ01-KA220-SCH-000023456", "start_date"] == pd.Timestamp("2021-11-01")
    assert proj.loc["2018-1-EL01-KA201-047800", "start_date_source"] == "call_year"
    # An End date before the start is left empty, and said so.
    assert pd.isna(proj.loc["2017-1-UK01-KA219-036500_3", "end_date"])
    assert any("before the start" in n for n in r.notes)
    types = r.institutions.set_index("name")["institution_type"]
    assert types["University of Patras"] == "ite" and types["Hillside Primary School"] == "primary"
    _contract_ok(r)


def test_erasmus_platform_accepts_a_bom_and_header_variants(tmp_path):
    text = ERASMUS_CSV.read_text("utf-8").replace("Coordinator's country", "Coordinator’s Country")
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff".encode() + text.encode("utf-8"))
    r = adapters.from_erasmus_results_platform(path)
    assert len(r.projects) == 5 and len(r.memberships) == 20


def test_erasmus_platform_missing_columns_are_named(tmp_path):
    frame = pd.read_csv(ERASMUS_CSV, dtype=str, keep_default_na=False)
    path = tmp_path / "x.csv"
    frame.drop(columns=["Call year", "Coordinator's country"]).to_csv(path, index=False)
    with pytest.raises(DataValidationError) as info:
        adapters.from_erasmus_results_platform(path)
    msg = str(info.value)
    assert "'Call year' is missing" in msg and "'Coordinator's country' is missing" in msg
    assert str(path) in msg and len(info.value.problems) == 2
    frame.drop(columns=["Partner 2 country"]).to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="Partner 2 country' is missing"):
        adapters.from_erasmus_results_platform(path)


def test_erasmus_platform_whole_file_problems(tmp_path):
    latin = tmp_path / "latin1.csv"
    latin.write_bytes(ERASMUS_CSV.read_text("utf-8").encode("latin-1", errors="replace"))
    with pytest.raises(DataValidationError, match="encoding='cp1252'"):
        adapters.from_erasmus_results_platform(latin)
    r = adapters.from_erasmus_results_platform(latin, encoding="latin-1")
    assert "Lycée Professionnel Jean Moulin" in set(r.institutions["name"])
    header_only = tmp_path / "header.csv"
    header_only.write_text(ERASMUS_CSV.read_text("utf-8").splitlines()[0] + "\n", "utf-8")
    with pytest.raises(DataValidationError, match="no data rows"):
        adapters.from_erasmus_results_platform(header_only)
    empty = tmp_path / "empty.csv"
    empty.write_text("", "utf-8")
    with pytest.raises(DataValidationError, match="empty"):
        adapters.from_erasmus_results_platform(empty)
    with pytest.raises(DataValidationError, match="does not exist"):
        adapters.from_erasmus_results_platform(tmp_path / "nope.xlsx")
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", "utf-8")
    with pytest.raises(DataValidationError, match="cannot be read as an Excel workbook"):
        adapters.from_erasmus_results_platform(fake)


def test_institution_type_rules():
    f = adapters.institution_type_from_text
    assert f("School/Institute/Educational centre – General education (pre-primary level)") == (
        "pre_primary"
    )
    assert f("School/Institute/Educational centre – Vocational Training (tertiary level)") == (
        "vocational"
    )
    assert f("School/Institute/Educational centre – General education (primary level)") == (
        "primary"
    )
    assert f("Higher education institution (tertiary level)") == "other"
    assert f(None) == "other"
    assert f("Teacher college", {"Teacher college": "ite"}) == "ite"
    assert {f(t) for t in ("a", "secondary school", "early childhood centre")} <= set(
        INSTITUTION_TYPES
    )


# --------------------------------------------------------------------------------------------
# CORDIS-style participation lists
# --------------------------------------------------------------------------------------------
def test_participation_list_fixture():
    r = adapters.from_participation_list(CORDIS_CSV)
    _account_adds_up(r)
    assert r.counts.iloc[0][["read", "loaded", "rejected"]].tolist() == [12, 12, 0]
    inst = r.institutions.set_index("institution_id")
    assert inst.loc["999000001", "country"] == "GR"  # EL
    assert inst.loc["999000002", "country"] == "GB"  # UK
    assert inst.loc["999000003", "country"] == "NA"  # Namibia, not a missing value
    assert inst.loc["999000001", "activity_type"] == "HES"
    assert set(inst["institution_type"]) == {"other"}
    assert (inst.index == inst["name"]).all()
    # The organisation listed in DE and AT: kept once, most frequent country, reported.
    assert inst.loc["999000004", "country"] == "DE"
    c = r.conflicts
    assert c[["kind", "id", "attribute", "values", "used"]].values.tolist() == [
        ["institution", "999000004", "country", "DE | AT", "DE"]
    ]
    mem = r.memberships.set_index(["project_id", "institution_id"])
    assert mem.loc[("210004", "999000004"), "country"] == "AT"  # the row's own country kept
    assert mem.loc[("210001", "999000003"), "role"] == "partner"
    assert mem.loc[("210001", "999000002"), "role"] == "partner"
    assert mem.loc[("210001", "999000002"), "role_original"] == "participant"
    assert set(r.memberships["role"]) <= set(MEMBERSHIP_ROLES)
    proj = r.projects.set_index("project_id")
    assert (proj["programme"] == "other").all()
    # 210005 has no start date: median of the neighbouring projects' dates, flagged.
    assert proj.loc["210005", "start_date_imputed"]
    assert proj["start_date_imputed"].sum() == 1
    neighbours = proj.drop(index="210005")["start_date"]
    assert proj.loc["210005", "start_date"] == neighbours.median().normalize()
    assert any("210005" in n for n in r.notes)
    _contract_ok(r)


def test_participation_list_bad_rows_are_returned_with_reasons():
    r = adapters.from_participation_list(CORDIS_BAD)
    _account_adds_up(r)
    assert r.counts.iloc[0][["read", "loaded", "rejected"]].tolist() == [9, 2, 7]
    got = r.rejected[["row", "column", "reason"]].values.tolist()
    expected = [
        (4, "role", "role 'observer' is not known"),
        (5, "pic", "organisation id is empty"),
        (6, "country", "'ZZ' is not a recognised country"),
        (7, "start_date", "'01.13.2019' is not a date"),
        (8, "end_date", "is before start date"),
        (9, "pic", "already listed in project 210001 (row 3)"),
        (10, "country", "country is empty"),
    ]
    for (row, col, reason), (erow, ecol, ereason) in zip(got, expected, strict=True):
        assert (row, col) == (erow, ecol) and ereason in reason
    _contract_ok(r)


def test_participation_list_missing_start_dates_reject_option():
    r = adapters.from_participation_list(CORDIS_CSV, missing_start_date="reject")
    _account_adds_up(r)
    assert r.counts.iloc[0][["read", "loaded", "rejected"]].tolist() == [12, 11, 1]
    assert "210005" not in set(r.projects["project_id"])
    assert "start date is missing" in r.rejected["reason"].item()
    assert not r.projects["start_date_imputed"].any()


def test_participation_list_custom_columns_from_a_dataframe():
    frame = pd.DataFrame(
        {
            "Project": ["P-a", "P-a", "P-b", "P-b", "P-c"],
            "School ID": ["s1", "s2", "s2", "s3", "s1"],
            "School": ["Escola Um", "Scoala Doi", "Scoala Doi", "Skola Tre", "Escola Um"],
            "Role": ["Founder", "Member", "founder", "member", "founder"],
            "Country": ["Portugal", "Romania", "RO", "Sweden", "PT"],
            "Kind": ["primary", "secondary", "secondary", "ite", "primary"],
            "Start": ["2015-03-01", "2015-03-01", "2016-10-12", "2016-10-12", None],
            "Project title": ["Birds", "Birds", "Maths", "Maths", "Lost"],
        }
    )
    cols = {
        "project_id": "Project",
        "institution_id": "School ID",
        "name": "School",
        "role": "Role",
        "country": "Country",
        "activity_type": "Kind",
        "start_date": "Start",
        "end_date": None,
        "title": "Project title",
    }
    r = adapters.from_participation_list(frame, cols, programme="etwinning")
    _account_adds_up(r)
    # P-c has no date and a non-numeric id: its row cannot be imputed and is rejected.
    assert r.counts.iloc[0][["read", "loaded", "rejected"]].tolist() == [5, 4, 1]
    assert "not numeric" in r.rejected["reason"].item()
    inst = r.institutions.set_index("institution_id")
    assert inst["institution_type"].to_dict() == {"s1": "primary", "s2": "secondary", "s3": "ite"}
    assert inst.loc["s2", "name"] == "Scoala Doi" and inst.loc["s1", "country"] == "PT"
    assert set(r.memberships["role"]) == {"founder", "member"}
    assert r.projects.set_index("project_id").loc["P-b", "title"] == "Maths"
    assert (r.projects["programme"] == "etwinning").all()
    _contract_ok(r)


def test_participation_list_missing_columns_and_bad_arguments(tmp_path):
    frame = pd.read_csv(CORDIS_CSV, dtype=str)
    with pytest.raises(DataValidationError) as info:
        adapters.from_participation_list(frame.drop(columns=["pic", "role"]))
    msg = str(info.value)
    assert "'pic' for institution_id is missing" in msg and "'role' for role" in msg
    assert "columns={'institution_id'" in msg
    with pytest.raises(DataValidationError, match="'Name' given for name is not in the file"):
        adapters.from_participation_list(frame, {"name": "Name"})
    with pytest.raises(ValueError, match="unknown contract name"):
        adapters.from_participation_list(frame, {"pid": "pic"})
    with pytest.raises(ValueError, match="programme must be one of"):
        adapters.from_participation_list(frame, programme="horizon")
    with pytest.raises(ValueError, match="unknown contract role"):
        adapters.from_participation_list(frame, roles={"observer": "watcher"})
    with pytest.raises(ValueError, match="missing_start_date"):
        adapters.from_participation_list(frame, missing_start_date="guess")
    latin = tmp_path / "p.csv"
    latin.write_bytes(
        CORDIS_CSV.read_bytes().replace(b"coordinator", "coördinator".encode("latin-1"))
    )
    with pytest.raises(DataValidationError, match="not valid utf-8"):
        adapters.from_participation_list(latin)
    gz = tmp_path / "p.csv.gz"
    import gzip

    gz.write_bytes(gzip.compress(CORDIS_CSV.read_bytes()))
    assert len(adapters.from_participation_list(gz).memberships) == 12


# --------------------------------------------------------------------------------------------
# Mobility flows
# --------------------------------------------------------------------------------------------
def test_mobility_flows_fixture():
    r = adapters.mobility_flows(FLOWS_CSV)
    f = r.flows
    assert r.counts.iloc[0][["read", "loaded", "rejected"]].tolist() == [48, 48, 0]
    assert int(f["participants"].sum()) == 23760 and f["participants"].dtype == "Int64"
    assert set(f["origin"].dropna()) == {"AT", "CZ", "GR", "MK", "TR", "GB"}
    assert r.unmapped_names == ["Rest of the world"]
    row = f[(f["origin_name"] == "Türkiye") & (f["destination_name"] == "North Macedonia")]
    assert row[["origin", "destination"]].values.tolist() == [["TR", "MK"]]
    row_w = f[f["destination_name"] == "Rest of the world"]
    assert len(row_w) == 6 and row_w["destination"].isna().all() and not row_w["mapped"].any()
    assert row_w["note"].str.contains("aggregate").all()
    assert f["mapped"].sum() == 36
    assert "23,760 participants" in r.summary()


def test_mobility_flows_bad_rows():
    r = adapters.mobility_flows(FLOWS_BAD)
    _account_adds_up(r)
    assert r.counts.iloc[0][["read", "loaded", "rejected"]].tolist() == [8, 4, 4]
    assert r.rejected["row"].tolist() == [6, 7, 8, 9]
    assert "'n/a'" in r.rejected["reason"].iloc[0] and "'12.5'" in r.rejected["reason"].iloc[2]
    atlantis = r.flows[r.flows["origin_name"] == "Atlantis"]
    assert len(atlantis) == 1 and atlantis["origin"].isna().item()
    assert "not a recognised country" in atlantis["note"].item()
    assert r.unmapped_names == ["Atlantis"]


def test_mobility_flows_missing_columns_and_encoding(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text('"Category"," (from)"," (weight)"\n"x","Austria",3\n', "utf-8")
    with pytest.raises(DataValidationError, match=r"' \(to\)' is missing"):
        adapters.mobility_flows(path)
    path.write_bytes('"from","to","weight"\n"Türkiye","Austria",3\n'.encode("cp1252"))
    with pytest.raises(DataValidationError, match="encoding="):
        adapters.mobility_flows(path)
    r = adapters.mobility_flows(path, encoding="cp1252")
    assert r.flows["origin"].tolist() == ["TR"]
    path.write_text("", "utf-8")
    with pytest.raises(DataValidationError, match="empty"):
        adapters.mobility_flows(path)


# --------------------------------------------------------------------------------------------
# Real files
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def h2020(real_data_dir):
    return adapters.from_participation_list(real_data_dir / "cordis_h2020_participations.csv.gz")


@pytest.mark.real
def test_real_h2020_loads_with_zero_rows_lost(h2020):
    r = h2020
    assert r.counts.iloc[0][["read", "loaded", "rejected"]].tolist() == [144726, 144726, 0]
    assert r.rejected.empty
    assert (len(r.memberships), len(r.projects), len(r.institutions)) == (144726, 31451, 35871)
    countries = set(r.institutions["country"])
    assert {"GR", "GB", "NA", "XK"} <= countries and not {"EL", "UK"} & countries
    assert all(is_iso2(c) for c in countries)
    assert r.memberships["role"].value_counts().to_dict() == {
        "partner": 106108 + 7142,
        "coordinator": 31476,
    }
    assert r.institutions["activity_type"].notna().all()
    assert int(r.projects["start_date_imputed"].sum()) == 6
    ds = r.to_dataset()
    assert ds.report.counts[["read", "loaded", "rejected"]].values.tolist() == [
        [35871, 35871, 0],
        [31451, 31451, 0],
        [144726, 144726, 0],
    ]


@pytest.mark.real
def test_real_h2020_start_date_imputation_error_is_about_a_month(h2020):
    """Leave 300 known start dates out and impute them from neighbouring record numbers."""
    m = h2020.memberships.merge(h2020.projects[["project_id", "start_date"]], on="project_id")
    known = h2020.projects[~h2020.projects["start_date_imputed"]]
    rng = np.random.default_rng(20201214)
    hidden = set(rng.choice(known["project_id"].to_numpy(), size=300, replace=False))
    m.loc[m["project_id"].isin(hidden), "start_date"] = pd.NaT
    imputed = adapters._impute_start_by_id(m, hidden)
    truth = known.set_index("project_id")["start_date"]
    errors = np.array([abs((imputed[p] - truth[p]).days) for p in hidden])
    assert np.median(errors) < 60
    assert np.percentile(errors, 90) < 365


@pytest.mark.real
def test_real_mobility_flows(real_data_dir):
    r = adapters.mobility_flows(real_data_dir / "erasmus_learning_mobility_flows_since_2014.csv")
    f = r.flows
    # The README says 1,222 rows; the file has 1,223 data rows (1,224 lines with the header).
    assert r.counts.iloc[0][["read", "loaded", "rejected"]].tolist() == [1223, 1223, 0]
    assert int(f["participants"].sum()) == 9_244_781
    names = set(f["origin_name"]) | set(f["destination_name"])
    assert len(names) == 35
    codes = set(f["origin"].dropna()) | set(f["destination"].dropna())
    assert len(codes) == 34 and {"TR", "MK", "CZ", "GB", "LI"} <= codes
    assert r.unmapped_names == ["Rest of the world"]
    assert f.loc[~f["mapped"], "note"].str.contains("aggregate").all()


@pytest.mark.real
def test_real_flow_file_copy_with_a_bom_and_unix_newlines(real_data_dir, tmp_path):
    src = real_data_dir / "erasmus_learning_mobility_flows_since_2014.csv"
    path = tmp_path / "flows.csv"
    shutil.copy(src, path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\r\n", b"\n"))
    assert int(adapters.mobility_flows(path).flows["participants"].sum()) == 9_244_781


def test_contract_import_writes_a_loadable_data_directory(tmp_path):
    from etwin_analysis.dataset import load_dataset

    r = adapters.from_erasmus_results_platform(ERASMUS_BAD)
    out = r.write(tmp_path / "data")
    ds = load_dataset(out)
    assert ds.report.counts[["read", "loaded", "rejected"]].values.tolist() == [
        [5, 5, 0],
        [3, 3, 0],
        [5, 5, 0],
    ]
    assert not ds.is_synthetic
    assert ds.projects["start_date"].tolist() == [pd.Timestamp("2019-01-01")] * 3
    rejected = pd.read_csv(out / "import_rejected.csv")
    assert len(rejected) == 8 and rejected["row"].tolist() == [3, 4, 5, 6, 6, 6, 6, 7]
    counts = pd.read_csv(out / "import_counts.csv")
    assert (counts["read"] == counts["loaded"] + counts["rejected"]).all()
