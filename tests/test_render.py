"""Offline HTML rendering, the run index, and disclosure control end to end (planted identifiers
and tiny groups never reach a rendered report)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from etwin_analysis import privacy, render, runner
from etwin_analysis.dataset import load_dataset

PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5E"
    "rkJggg=="
)


def fake_executed_notebook() -> nbformat.NotebookNode:
    """What papermill leaves behind: parameters, injected-parameters cell, outputs, tags."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('output_dir: str = "out"  # where')
    params.metadata["tags"] = ["parameters"]
    injected = nbformat.v4.new_code_cell('# Parameters\noutput_dir = "/secret/injected/path"\n')
    injected.metadata["tags"] = ["injected-parameters"]

    def code(source, outputs=(), tags=()):
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = list(outputs)
        if tags:
            cell.metadata["tags"] = list(tags)
        return cell

    stream = nbformat.v4.new_output
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# 99 · Test report\n\nSee [the report](https://example.org)."
        ),
        params,
        injected,
        code(
            "plot_code_visible_only_with_show_code()",
            [stream("display_data", data={"image/png": PNG, "text/plain": "<Figure>"})],
        ),
        code(
            "hidden_input_source()",
            [stream("stream", name="stdout", text="KEEP-OUTPUT\n")],
            tags=["remove-input"],
        ),
        code(
            "shown_input_source()",
            [stream("stream", name="stdout", text="DROP-OUTPUT\n")],
            tags=["remove-output"],
        ),
        code(
            "removed_cell_source()",
            [stream("stream", name="stdout", text="DROP-CELL\n")],
            tags=["remove-cell"],
        ),
        code(
            "widget()",
            [
                stream(
                    "display_data",
                    data={
                        "application/javascript": "fetch('https://cdn.example/x.js')",
                        "text/plain": "JS-FALLBACK",
                    },
                )
            ],
        ),
    ]
    nb.metadata["papermill"] = {
        "parameters": {"output_dir": "/tmp/x", "countries": ["DE"]},
        "input_path": "/somewhere/99_test.ipynb",
        "start_time": "2026-01-01T10:00:00",
        "duration": 12.5,
    }
    return nb


class _Resources(HTMLParser):
    """Addresses a browser would fetch: any src, and href of anything but a hyperlink."""

    def __init__(self):
        super().__init__()
        self.network = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            fetched = k in ("src", "srcset", "data", "poster") or (k == "href" and tag != "a")
            if fetched and v and not v.startswith(("data:", "#")):
                self.network.append((tag, k, v))


def assert_offline(page: str) -> None:
    low = page.lower()
    assert "<script" not in low
    assert "<link" not in low
    fetched = _Resources()
    fetched.feed(page)
    assert fetched.network == [], fetched.network
    assert "@import" not in low and "url(http" not in low and "url(//" not in low
    assert "mathjax" not in low and "requirejs" not in low and "require.min.js" not in low
    # The only network addresses left are hyperlinks the author wrote.
    for url in re.findall(r"https?://[^\s\"'<>)]+", page):
        assert url.startswith("https://example.org"), url


def test_render_is_offline_and_honours_tags():
    page = render.render_notebook(fake_executed_notebook())
    assert_offline(page)
    assert f"data:image/png;base64,{PNG}" in page
    assert "KEEP-OUTPUT" in page
    for absent in (
        "DROP-OUTPUT",
        "DROP-CELL",
        "removed_cell_source",
        "/secret/injected/path",
        "plot_code_visible_only_with_show_code",
        "hidden_input_source",
        "cdn.example",
    ):
        assert absent not in page, absent
    # Header: parameters and provenance.
    assert "99_test.ipynb" in page and '"countries": ["DE"]' in page
    assert "Git commit" in page and "2026-01-01T10:00:00" in page and "12.5 s" in page
    assert "pandas" in page  # package versions


def test_show_code_keeps_inputs_but_still_honours_tags():
    page = render.render_notebook(fake_executed_notebook(), show_code=True)
    assert_offline(page)
    assert "plot_code_visible_only_with_show_code" in page
    assert "shown_input_source" in page
    assert "hidden_input_source" not in page  # remove-input
    assert "removed_cell_source" not in page  # remove-cell
    assert "/secret/injected/path" not in page  # injected parameters


def test_header_says_synthetic_or_real(tmp_path):
    data = write_tiny_dataset(tmp_path / "data", synthetic=True)
    ds = load_dataset(data)
    page = render.render_notebook(fake_executed_notebook(), dataset=ds)
    assert "SYNTHETIC DATA" in page and ds.checksum in page
    real = load_dataset(write_tiny_dataset(tmp_path / "real", synthetic=False))
    page = render.render_notebook(fake_executed_notebook(), dataset=real)
    assert "REAL DATA" in page and "SYNTHETIC DATA" not in page


def test_render_does_not_modify_the_notebook():
    nb = fake_executed_notebook()
    before = json.dumps(nb, sort_keys=True)
    render.render_notebook(nb)
    assert json.dumps(nb, sort_keys=True) == before


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [v for k, v in attrs if k in ("href", "src") and v]


def test_index_links_resolve_and_escape(tmp_path):
    run_dir = tmp_path / "nb--x-1-abcdef12"
    run_dir.mkdir()
    for f in ("nb--x-1-abcdef12.html", "nb--x-1-abcdef12.ipynb", "run.log"):
        (run_dir / f).write_text("x")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "run.log").write_text("x")
    records = [
        {
            "name": "nb--x-1-abcdef12",
            "notebook": "nb.ipynb",
            "parameters": {"x": 1},
            "status": "ok",
            "duration": 3.2,
            "html": "nb--x-1-abcdef12.html",
            "executed_notebook": "nb--x-1-abcdef12.ipynb",
            "key_results": [["n_people", "42"], ["label", "<b>bold</b>"]],
        },
        {
            "name": "bad",
            "notebook": "bad.ipynb",
            "parameters": {},
            "status": "failed",
            "duration": 1.0,
            "failing_cell": 3,
            "error": "ValueError: <oops>",
            "traceback": ["line 1"],
            "html": "bad.html",
            "executed_notebook": "bad.ipynb",
        },
    ]
    index = render.write_index(tmp_path, records)
    page = index.read_text()
    assert_offline(page)
    parser = _Links()
    parser.feed(page)
    assert len(parser.hrefs) == 4  # report, notebook, log + the failed run's log only
    for href in parser.hrefs:
        assert (tmp_path / href).is_file(), href
    assert "&lt;b&gt;bold&lt;/b&gt;" in page and "ValueError: &lt;oops&gt;" in page
    assert "n_people" in page and "cell 3" in page


def test_key_results_prefers_scalars():
    results = {
        "table": {"value": {"columns": ["a"], "records": [{"a": 1}]}, "description": ""},
        "effect": {"value": 0.123456, "description": "ATT"},
        "label": {"value": "x" * 200, "description": ""},
    }
    keys = render.key_results(results, n=2)
    assert keys[0] == ("effect", "0.1235")
    assert keys[1][0] == "label" and len(keys[1][1]) <= 60


# --------------------------------------------------------------------------------------------
# Disclosure control end to end: planted identifiers and a tiny group
# --------------------------------------------------------------------------------------------

PLANTED = {
    "DE": [f"PLANTDE{i:03d}" for i in range(20)],
    "FR": [f"PLANTFR{i:03d}" for i in range(12)],
    "IT": ["PLANTIT900", "PLANTIT901"],  # a tiny group: 2 people
}


def write_tiny_dataset(folder: Path, synthetic: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    prov = ["synthetic"] * 3 if synthetic else ["survey export"] * 3
    pd.DataFrame(
        {
            "institution_id": ["I1", "I2", "I3"],
            "name": ["Synthetic school 1", "Synthetic school 2", "Synthetic school 3"],
            "country": ["DE", "FR", "IT"],
            "institution_type": ["ite", "secondary", "primary"],
            "etwinning_since": [2015, 2016, ""],
            "provenance": prov,
        }
    ).to_csv(folder / "institutions.csv", index=False)
    pd.DataFrame(
        {
            "project_id": ["PR1"],
            "title": ["t"],
            "programme": ["etwinning"],
            "start_date": ["2020-01-01"],
            "provenance": prov[:1],
        }
    ).to_csv(folder / "projects.csv", index=False)
    rows = [
        ("PR1", f"I{i + 1}", "member", pid)
        for i, country in enumerate(["DE", "FR", "IT"])
        for pid in PLANTED[country]
    ]
    m = pd.DataFrame(rows, columns=["project_id", "institution_id", "role", "person_id"])
    m["provenance"] = prov[0]
    m.to_csv(folder / "memberships.csv", index=False)
    return folder


DATA_PARAMS = (
    'data_dir: str = ""  # data directory\n'
    'output_dir: str = "out"  # where results go\n'
    "min_cell_size: int = 5  # disclosure threshold"
)
LOAD = (
    "from etwin_analysis import privacy, results\n"
    "from etwin_analysis.dataset import load_dataset\n"
    "ds = load_dataset(data_dir)\n"
    "m = ds.memberships.merge(ds.institutions[['institution_id', 'country']])\n"
    "counts = m.groupby('country')['person_id'].nunique().rename('n').reset_index()"
)


def _nb(path: Path, *cells: str) -> None:
    nb = nbformat.v4.new_notebook()
    p = nbformat.v4.new_code_cell(DATA_PARAMS)
    p.metadata["tags"] = ["parameters"]
    nb.cells = [p] + [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


@pytest.fixture(scope="module")
def disclosure_batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("disclosure")
    data = write_tiny_dataset(root / "data")
    nbs = root / "notebooks"
    nbs.mkdir()
    _nb(
        nbs / "safe.ipynb",
        LOAD,
        "privacy.display_counts(counts, 'n', min_cell_size);",
        "results.record(output_dir, 'n_people', int(counts['n'].sum()), 'people');",
    )
    _nb(nbs / "leak_id.ipynb", LOAD, "print('most active:', m['person_id'].iloc[-1])")
    _nb(nbs / "leak_cell.ipynb", LOAD, "counts")  # raw table with n = 2 for IT
    _nb(
        nbs / "leak_pseudonymised.ipynb",
        LOAD,
        "print(privacy.pseudonymise(m['person_id'], key='k' * 32).iloc[-1])",
    )
    plan = nbs / "runs.yaml"
    plan.write_text(
        f"min_cell_size: 5\nparameters: {{data_dir: '{data}'}}\nnotebooks:\n"
        "  safe.ipynb: {}\n  leak_id.ipynb: {}\n  leak_cell.ipynb: {}\n"
        "  leak_pseudonymised.ipynb: {}\n",
        encoding="utf-8",
    )
    out = root / "reports"
    code = runner.main(["--plan", str(plan), "--out", str(out), "--jobs", "2"])
    recs = {r["name"]: r for r in json.loads((out / "runs.json").read_text())["runs"]}
    return {"out": out, "code": code, "recs": recs, "data": data}


ALL_PLANTED = [pid for ids in PLANTED.values() for pid in ids]


def test_suppressed_table_renders_without_tiny_group(disclosure_batch):
    out, recs = disclosure_batch["out"], disclosure_batch["recs"]
    assert recs["safe"]["status"] == "ok", recs["safe"]
    page = (out / "safe" / "safe.html").read_text(encoding="utf-8")
    assert 'data-etwin-privacy="counts"' in page and "&lt;5" in page
    # Parse the count table: DE 20 shown; IT (2) and, by secondary suppression, FR hidden.
    cells = re.findall(
        r"<td>([^<]*)</td>", page.split('data-etwin-privacy="counts"')[1].split("</table>")[0]
    )
    assert cells == ["DE", "20", "FR", "[c]", "IT", "&lt;5"]
    for pid in ALL_PLANTED:
        assert pid not in page
    privacy.check_output(page, load_dataset(disclosure_batch["data"]), 5)
    assert ["n_people", "34"] in recs["safe"]["key_results"]


@pytest.mark.parametrize("name", ["leak_id", "leak_cell"])
def test_disclosive_outputs_are_refused_and_never_rendered(disclosure_batch, name):
    out, recs = disclosure_batch["out"], disclosure_batch["recs"]
    assert recs[name]["status"] == "refused"
    assert not (out / name / f"{name}.html").exists()
    assert disclosure_batch["code"] == 1
    index = (out / "index.html").read_text(encoding="utf-8")
    for pid in ALL_PLANTED:
        assert pid not in index
        assert pid not in json.dumps(recs)
    for html_file in out.rglob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        assert not any(pid in text for pid in ALL_PLANTED), html_file


def test_refusal_names_what_was_found(disclosure_batch):
    recs = disclosure_batch["recs"]
    assert any("person_id" in f and "PL…" in f for f in recs["leak_id"]["traceback"])
    assert any("fewer than 5" in f for f in recs["leak_cell"]["traceback"])


def test_pseudonymised_identifiers_pass(disclosure_batch):
    out, recs = disclosure_batch["out"], disclosure_batch["recs"]
    assert recs["leak_pseudonymised"]["status"] == "ok"
    page = (out / "leak_pseudonymised" / "leak_pseudonymised.html").read_text(encoding="utf-8")
    assert privacy.pseudonymise(["PLANTIT901"], key="k" * 32)[0] in page
    assert "k" * 32 not in page  # the key itself is never in the output


def test_write_report_checks_before_writing(tmp_path):
    nb = fake_executed_notebook()
    src = tmp_path / "executed.ipynb"
    nbformat.write(nb, src)
    target = tmp_path / "shared" / "report.html"
    render.write_report(src, target, dataset={"person_id": ["PLANTX0001"]}, min_cell_size=5)
    assert_offline(target.read_text(encoding="utf-8"))
    # The same notebook with a planted identifier in an output is refused, nothing written.
    nb.cells[3].outputs.append(
        nbformat.v4.new_output("stream", name="stdout", text="top teacher PLANTX0001\n")
    )
    nbformat.write(nb, src)
    leaked = tmp_path / "shared" / "leaked.html"
    with pytest.raises(privacy.DisclosureError, match="person_id"):
        render.write_report(src, leaked, dataset={"person_id": ["PLANTX0001"]})
    assert not leaked.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_index_says_which_runs_used_synthetic_data(tmp_path):
    import json as _json

    from etwin_analysis.render import index_html

    for name, synthetic in (("synth_run", True), ("real_run", False), ("no_prov", None)):
        (tmp_path / name).mkdir()
        if synthetic is not None:
            (tmp_path / name / "provenance.json").write_text(
                _json.dumps({"data": {"synthetic": synthetic}}), encoding="utf-8"
            )
    records = [
        {"name": n, "notebook": "x.ipynb", "status": "ok"}
        for n in ("synth_run", "real_run", "no_prov")
    ]
    page = index_html(tmp_path, records)
    rows = page.split("<tr>")[2:]
    assert "SYNTHETIC" in rows[0] and "user data" not in rows[0]
    assert "user data" in rows[1] and "SYNTHETIC" not in rows[1]
    assert "SYNTHETIC" not in rows[2] and "user data" not in rows[2]
