"""Disclosure control: small-cell suppression, output checks, pseudonymisation."""

from __future__ import annotations

import hashlib
import hmac

import nbformat
import numpy as np
import pandas as pd
import pytest

from etwin_analysis import privacy
from etwin_analysis.privacy import (
    DisclosureError,
    check_output,
    counts_html,
    pseudonymise,
    suppress_small_cells,
)

# --------------------------------------------------------------------------------------------
# suppress_small_cells
# --------------------------------------------------------------------------------------------


def test_primary_suppression_long_table_labels_and_flags():
    df = pd.DataFrame({"country": ["DE", "FR", "IT", "PL"], "n": [120, 3, 40, 0]})
    out = suppress_small_cells(df, count_col="n", min_cell_size=5, secondary=False)
    assert out["n"].tolist() == [120, "<5", 40, 0]
    assert out["suppressed"].tolist() == [False, True, False, False]
    assert out.attrs["privacy"] == {
        "min_cell_size": 5,
        "primary": 1,
        "secondary": 0,
        "count_columns": ["n"],
    }
    # input untouched
    assert df["n"].tolist() == [120, 3, 40, 0]


def test_secondary_suppression_protects_against_known_grand_total():
    # The grand total (172) is known: hiding only the 3 would reveal it as 172 - 169.
    df = pd.DataFrame({"country": ["DE", "FR", "IT", "ES"], "n": [120, 3, 40, 9]})
    out = suppress_small_cells(df, "n", 5)
    # FR primary, the smallest other non-zero cell (ES, 9) secondary.
    assert out["suppressed"].tolist() == [False, True, False, True]
    # Primary cells say they are small; the secondary one only that it is confidential.
    assert out["n"].tolist() == [120, "<5", 40, "[c]"]
    assert out.attrs["privacy"]["primary"] == 1
    assert out.attrs["privacy"]["secondary"] == 1
    shown = out.loc[~out["suppressed"], "n"].astype(int).sum()
    # The hidden total (12) no longer identifies any single cell.
    assert df["n"].sum() - shown == 12


def test_secondary_suppression_by_group_totals():
    df = pd.DataFrame(
        {
            "country": ["DE", "DE", "DE", "FR", "FR"],
            "group": ["a", "b", "c", "a", "b"],
            "n": [50, 2, 30, 7, 9],
        }
    )
    out = suppress_small_cells(df, "n", 5, totals=[["country"]])
    # DE: 2 primary, 30 secondary; FR untouched.
    assert out["suppressed"].tolist() == [False, True, True, False, False]


def test_no_secondary_needed_when_two_cells_already_suppressed():
    df = pd.DataFrame({"g": list("abcd"), "n": [100, 2, 3, 50]})
    out = suppress_small_cells(df, "n", 5)
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert out.attrs["privacy"]["secondary"] == 0


def test_wide_crosstab_rows_and_columns_with_margins():
    tab = pd.DataFrame(
        {"etwinning": [40, 3, 25], "comparison": [35, 20, 30]},
        index=["HR", "FI", "FR"],
    )
    tab.loc["All"] = tab.sum()
    out = suppress_small_cells(tab, None, 5, replace_with="na")
    hidden = out.isna()
    # FI/etwinning primary; every row and column with a hidden cell has at least two.
    assert hidden.loc["FI", "etwinning"]
    for _, row in hidden.iterrows():
        assert row.sum() != 1
    for col in hidden.columns:
        assert hidden[col].sum() != 1
    assert out.attrs["privacy"]["primary"] == 1
    assert out.attrs["privacy"]["secondary"] >= 3
    # Nothing visible lets you subtract your way to the 3.
    assert 3 not in out.stack().dropna().astype(int).tolist()


def test_derived_columns_blanked_and_na_mode_keeps_numbers():
    df = pd.DataFrame({"inst": ["A", "B", "C"], "n": [30, 4, 12], "mean": [3.2, 4.9, 2.5]})
    out = suppress_small_cells(df, "n", 5, derived_cols=["mean"], replace_with="na")
    assert str(out["n"].dtype) == "Int64"
    assert out["n"].isna().tolist() == [False, True, True]
    assert out["mean"].isna().tolist() == [False, True, True]


def test_derived_columns_labelled_for_display():
    df = pd.DataFrame({"inst": ["A", "B", "C"], "n": [30, 4, 12], "mean": [3.2, 4.9, 2.5]})
    out = suppress_small_cells(df, "n", 5, derived_cols=["mean"], secondary=False)
    assert out["mean"].tolist() == [3.2, "[c]", 2.5]
    assert out["n"].tolist() == [30, "<5", 12]


def test_threshold_from_environment(monkeypatch):
    monkeypatch.setenv(privacy.MIN_CELL_SIZE_ENV, "10")
    df = pd.DataFrame({"g": ["a", "b", "c"], "n": [7, 7, 50]})
    out = suppress_small_cells(df, "n", min_cell_size=None)
    assert out["n"].tolist() == ["<10", "<10", 50]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"count_col": "missing"}, KeyError, "missing"),
        ({"count_col": "label"}, TypeError, "label"),
        ({"count_col": "n", "min_cell_size": 0}, ValueError, "at least 1"),
        ({"count_col": "n", "replace_with": "star"}, ValueError, "replace_with"),
    ],
)
def test_bad_arguments_give_clear_errors(kwargs, error, match):
    df = pd.DataFrame({"label": ["a", "b"], "n": [1, 10]})
    with pytest.raises(error, match=match):
        suppress_small_cells(df, **kwargs)


def test_negative_counts_rejected():
    with pytest.raises(ValueError, match="negative"):
        suppress_small_cells(pd.DataFrame({"n": [-1, 10]}), "n")


# --------------------------------------------------------------------------------------------
# pseudonymise
# --------------------------------------------------------------------------------------------

KEY = "a-test-key-of-sufficient-length"


def test_pseudonymise_is_hmac_sha256_and_stable():
    ids = pd.Series(["R0001", "R0002", None, "R0001"], name="respondent_id")
    out = pseudonymise(ids, key=KEY)
    expected = hmac.new(KEY.encode(), b"R0001", hashlib.sha256).hexdigest()[:16]
    assert out.iloc[0] == expected == out.iloc[3]
    assert out.iloc[1] != out.iloc[0]
    assert pd.isna(out.iloc[2])
    assert out.name == "respondent_id"
    # A different key gives unlinkable pseudonyms.
    assert pseudonymise(ids, key=KEY + "x").iloc[0] != expected
    assert KEY not in "".join(out.dropna())


def test_pseudonymise_key_from_environment(monkeypatch):
    monkeypatch.delenv(privacy.PSEUDONYM_KEY_ENV, raising=False)
    with pytest.raises(ValueError, match="ETWIN_PSEUDONYM_KEY"):
        pseudonymise(pd.Series(["x"]))
    monkeypatch.setenv(privacy.PSEUDONYM_KEY_ENV, KEY)
    assert pseudonymise(pd.Series(["x"])).iloc[0] == pseudonymise(["x"], key=KEY).iloc[0]
    with pytest.raises(ValueError, match="16 characters"):
        pseudonymise(["x"], key="short")


# --------------------------------------------------------------------------------------------
# check_output
# --------------------------------------------------------------------------------------------

IDS = {"respondent_id": ["RESP-000123", "RESP-000456"], "person_id": ["P8812345"]}


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _code(source="x", outputs=(), tags=()):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = list(outputs)
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def test_identifier_in_output_is_refused_and_masked():
    html = "<p>Top respondent: RESP-000123.</p>"
    nb = _notebook(
        _code(outputs=[nbformat.v4.new_output("display_data", data={"text/html": html})])
    )
    with pytest.raises(DisclosureError) as exc:
        check_output(nb, IDS, 5)
    message = str(exc.value)
    assert "respondent_id" in message and "cell 0" in message
    assert "RESP-000123" not in message  # never printed in full
    assert "RE…" in message


@pytest.mark.parametrize(
    "output",
    [
        nbformat.v4.new_output("stream", name="stdout", text="person P8812345 did x\n"),
        nbformat.v4.new_output("execute_result", data={"text/plain": "'P8812345'"}),
        nbformat.v4.new_output("error", ename="KeyError", evalue="P8812345", traceback=[]),
    ],
)
def test_identifier_found_in_every_output_kind(output):
    with pytest.raises(DisclosureError, match="person_id"):
        check_output(_notebook(_code(outputs=[output])), IDS, 5)


def test_identifier_in_source_and_in_plain_html_text():
    with pytest.raises(DisclosureError):
        check_output(_notebook(_code(source="df[df.id == 'RESP-000456']")), IDS)
    with pytest.raises(DisclosureError):
        check_output("<html><td>RESP-000456</td></html>", IDS)


def test_whole_token_matching_avoids_false_positives():
    # Longer tokens that merely contain an identifier, and pseudonyms, are fine.
    text = "<p>RESP-0001234 and P88123456 and " + pseudonymise(["P8812345"], key=KEY)[0] + "</p>"
    check_output(text, IDS, 5)


def test_identifiers_from_a_dataset_object():
    class FakeDataset:
        memberships = pd.DataFrame({"person_id": ["PX0001", None]})
        survey_responses = pd.DataFrame({"respondent_id": ["RX0002"]})
        people = None

    found = privacy.person_identifiers(FakeDataset())
    assert found == {"PX0001": "person_id", "RX0002": "respondent_id"}
    with pytest.raises(DisclosureError, match="respondent_id"):
        check_output("answer of RX0002", FakeDataset())


def test_marked_count_table_with_small_cell_is_refused():
    raw = pd.DataFrame({"country": ["DE", "FR", "IT", "PL"], "n": [40, 3, 60, 2]})
    # A table marked as counts but not suppressed (e.g. hand-made) is caught...
    with pytest.raises(DisclosureError, match="fewer than 5"):
        check_output(counts_html(raw, ["n"], 5), None, 5)
    # ...the suppressed one passes...
    sup = suppress_small_cells(raw, "n", 5).drop(columns="suppressed")
    check_output(counts_html(sup, ["n"], 5), None, 5)
    # ...and a stricter run-plan threshold re-checks tables suppressed at a lower one.
    with pytest.raises(DisclosureError, match="fewer than 50"):
        check_output(counts_html(sup, ["n"], 5), None, 50)


def test_unmarked_tables_checked_by_count_header_and_counts_tag():
    df = pd.DataFrame({"year": [2019, 2020], "score": [2, 3], "n": [12, 2]})
    html = df.to_html()
    with pytest.raises(DisclosureError, match="'n'"):
        check_output(html, None, 5)
    # Small non-count integers in other columns are not flagged by the header heuristic...
    check_output(df.drop(columns="n").to_html(), None, 5)
    # ...but a cell tagged 'counts' treats every integer cell as a count.
    out = nbformat.v4.new_output("display_data", data={"text/html": df.drop(columns="n").to_html()})
    check_output(_notebook(_code(outputs=[out])), None, 5)
    with pytest.raises(DisclosureError, match="tagged 'counts'"):
        check_output(_notebook(_code(outputs=[out], tags=["counts"])), None, 5)


def test_check_output_reads_files(tmp_path):
    nb = _notebook(
        _code(outputs=[nbformat.v4.new_output("stream", name="stdout", text="RESP-000123")])
    )
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(DisclosureError, match="x.ipynb"):
        check_output(path, IDS)
    html = tmp_path / "x.html"
    html.write_text("<p>ok</p>", encoding="utf-8")
    check_output(str(html), IDS)


def test_images_are_not_scanned_for_identifiers():
    # base64 payloads are random text; scanning them would only give false positives.
    payload = "data:image/png;base64,AAAA" + "RESP-000123".replace("-", "") + "=="
    check_output(f'<img src="{payload}">', IDS)


def test_display_counts_marks_output_metadata(monkeypatch):
    shown = []
    monkeypatch.setattr(
        "IPython.display.display", lambda obj, raw, metadata: shown.append((obj, metadata))
    )
    df = pd.DataFrame({"inst": ["A", "B", "C"], "n": np.array([30, 2, 12])})
    out = privacy.display_counts(df, "n", 5)
    ((data, metadata),) = shown
    assert metadata[privacy.METADATA_KEY]["primary"] == 1
    assert 'data-etwin-privacy="counts"' in data["text/html"]
    assert "&lt;5" in data["text/html"]
    assert out["suppressed"].sum() == 2
    nb = _notebook(
        _code(outputs=[nbformat.v4.new_output("display_data", data=data, metadata=metadata)])
    )
    check_output(nb, None, 5)
