"""`etwin run`: plan parsing, parameter validation, fault isolation, timeouts, atomic output,
incremental skipping, safe names, the Dask executor. Uses throwaway notebooks under tmp_path."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from etwin_analysis import runner
from etwin_analysis.render import atomic_write_text


def make_notebook(path: Path, parameters: str, *cells: str) -> Path:
    """A notebook with a title, a tagged parameters cell and code cells (no outputs)."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(parameters)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Test notebook"), params]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    # A kernel that does not exist here: the runner must never use the saved kernel.
    nb.metadata["kernelspec"] = {
        "name": "no-such-kernel",
        "display_name": "x",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


OK_PARAMS = (
    'output_dir: str = "out"  # where results go\n'
    "n: int = 1  # a number\n"
    "countries: list[str] = []  # ISO alpha-2 codes\n"
    "alpha: float = 0.05  # level"
)


def make_collection(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    make_notebook(
        folder / "ok.ipynb",
        OK_PARAMS,
        "from etwin_analysis import results\n"
        "results.record(output_dir, 'n_squared', n * n, 'n squared');",
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(); ax.plot([1, 2, n]); ax.set_title(','.join(countries))",
        "print('countries', countries)",
    )
    make_notebook(
        folder / "fail.ipynb",
        'output_dir: str = "out"  # where results go',
        "x = 1",
        "raise ValueError('deliberate failure for the test')",
    )
    make_notebook(
        folder / "slow.ipynb",
        'output_dir: str = "out"  # where\nseconds: float = 60  # how long to sleep',
        "import time\ntime.sleep(seconds)",
    )
    return folder


def write_plan(folder: Path, text: str) -> Path:
    plan = folder / "runs.yaml"
    plan.write_text(text, encoding="utf-8")
    return plan


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        {"countries": ["DE"]},
        {"label": "../../etc/passwd"},
        {"label": "a/b\\c:d*?<>|"},
        {"label": ".."},
        {"label": "Türkiye / Česko"},
        {"x": "a" * 300},
        {"label": "", "n": None},
    ],
)
def test_run_names_are_safe(variant):
    name = runner.run_name("01_collaboration_network", variant)
    assert re.fullmatch(r"[A-Za-z0-9_+-]+", name), name
    assert ".." not in name and "/" not in name and "\\" not in name
    assert len(name) <= 120
    assert name.startswith("01_collaboration_network--")
    assert name == runner.run_name("01_collaboration_network", dict(reversed(variant.items())))


def test_run_names_readable_and_distinct():
    assert runner.run_name("nb", {}) == "nb"
    de = runner.run_name("nb", {"countries": ["DE"]})
    assert de.startswith("nb--countries-DE-")
    # Values that slug identically still get distinct names thanks to the hash.
    assert runner.run_name("nb", {"x": "a/b"}) != runner.run_name("nb", {"x": "a?b"})
    assert runner.run_name("nb", {"countries": ["DE", "FR"]}).startswith("nb--countries-DE+FR-")


# --------------------------------------------------------------------------------------------
# Plan and parameter validation (no kernel needed)
# --------------------------------------------------------------------------------------------


def test_plan_expands_grid_runs_and_shared_parameters(tmp_path):
    make_collection(tmp_path)
    plan = runner.load_plan(
        write_plan(
            tmp_path,
            "min_cell_size: 7\n"
            "parameters: {alpha: 0.1, data_dir: ''}\n"
            "notebooks:\n"
            "  ok.ipynb:\n"
            "    parameters: {n: 3}\n"
            "    runs: [{}]\n"
            "    grid: {countries: [[DE], [FR], [IT]]}\n"
            "  fail.ipynb: {}\n",
        )
    )
    assert plan.min_cell_size == 7
    names = [r.name for r in plan.runs]
    assert names[0] == "ok" and names[-1] == "fail"
    assert len(names) == 5
    assert plan.runs[1].parameters == {"n": 3, "countries": ["DE"]}
    declared = runner.validate_runs(plan)
    # Plan-wide shared parameters go only to notebooks that declare them.
    ok = runner.full_parameters(plan.runs[1], plan, declared[plan.runs[1].notebook])
    assert ok == {"alpha": 0.1, "n": 3, "countries": ["DE"]}
    fail = runner.full_parameters(plan.runs[-1], plan, declared[plan.runs[-1].notebook])
    assert fail == {}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            "ok.ipynb: {runs: [{colour: red}]}",
            "run ok--colour-red-.{8}: unknown parameter 'colour'",
        ),
        ("ok.ipynb: {runs: [{n: 'three'}]}", "parameter 'n' must be int"),
        ("ok.ipynb: {grid: {countries: [DE, FR]}}", "parameter 'countries' must be list\\[str\\]"),
        ("ok.ipynb: {runs: [{alpha: true}]}", "parameter 'alpha' must be float"),
        ("ok.ipynb: {runs: [{output_dir: /tmp}]}", "set by the runner"),
        ("missing.ipynb: {}", "does not exist"),
        ("ok.ipynb: {runs: [{n: 1}, {n: 1}]}", "same parameters"),
        ("ok.ipynb: {grid: {n: 3}}", "grid.n must be a non-empty list"),
        ("ok.ipynb: {params: {}}", "unknown key"),
    ],
)
def test_invalid_plans_name_the_run(tmp_path, entry, message):
    make_collection(tmp_path)
    plan_file = write_plan(tmp_path, f"notebooks:\n  {entry}\n")
    with pytest.raises(runner.PlanError, match=message):
        runner.validate_runs(runner.load_plan(plan_file))


def test_cli_reports_plan_errors_before_running(tmp_path, capsys):
    make_collection(tmp_path)
    plan = write_plan(tmp_path, "notebooks:\n  ok.ipynb: {runs: [{n: x}, {bogus: 1}]}\n")
    out = tmp_path / "reports"
    assert runner.main(["--plan", str(plan), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "parameter 'n' must be int" in err and "unknown parameter 'bogus'" in err
    assert not out.exists()  # nothing started


def test_yaml_is_loaded_safely(tmp_path):
    make_collection(tmp_path)
    plan = write_plan(tmp_path, "notebooks: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(runner.PlanError, match="not valid YAML"):
        runner.load_plan(plan)


@pytest.mark.parametrize(
    ("value", "type_name", "expected"),
    [
        ("x", "str", True),
        (1, "str", False),
        (1, "int", True),
        (True, "int", False),
        (1, "float", True),
        (["DE"], "list[str]", True),
        (["DE", 3], "list[str]", False),
        ("DE", "list[str]", False),
        (None, "str | None", True),
        (None, "Optional[int]", True),
        ([1, 2], "tuple[int, int]", True),
        ({"a": 1}, "dict[str, int]", True),
        ({"a": "b"}, "dict[str, int]", False),
        (3, "SomeCustomType", None),
    ],
)
def test_type_matches(value, type_name, expected):
    assert runner.type_matches(value, type_name) is expected


def test_missing_kernel_is_explained(tmp_path, capsys):
    make_collection(tmp_path)
    plan = write_plan(tmp_path, "notebooks:\n  ok.ipynb: {}\n")
    code = runner.main(["--plan", str(plan), "--out", str(tmp_path / "r"), "--kernel", "nope-x"])
    assert code == 2
    err = capsys.readouterr().err
    assert "'nope-x' is not registered" in err and "ipykernel install" in err


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    atomic_write_text(target, "old complete report")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(target, "new report that never lands")
    assert target.read_text() == "old complete report"
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left behind


# --------------------------------------------------------------------------------------------
# Execution (kernels): one batch with passing, failing and timed-out runs
# --------------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        self.hrefs += [v for k, v in attrs if k in ("href", "src") and v]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    # Other modules of the package change while developers work; pin the package part of the
    # fingerprint so "unchanged since last success" is decided by this test alone.
    patch = pytest.MonkeyPatch()
    patch.setattr(runner, "package_fingerprint", lambda: "0.1.0+pinned-for-test")
    folder = make_collection(tmp_path_factory.mktemp("batch"))
    plan = write_plan(
        folder,
        "timeouts: {cell: 4, run: 300}\n"
        "notebooks:\n"
        "  ok.ipynb:\n"
        "    grid: {countries: [[DE], [FR]]}\n"
        "  fail.ipynb: {}\n"
        "  slow.ipynb: {}\n",
    )
    out = folder / "reports"
    code = runner.main(["--plan", str(plan), "--out", str(out), "--jobs", "2"])
    yield {"folder": folder, "plan": plan, "out": out, "code": code}
    patch.undo()


def _records(out: Path) -> dict:
    return {r["name"]: r for r in json.loads((out / "runs.json").read_text())["runs"]}


def test_failing_run_does_not_stop_the_others(batch):
    assert batch["code"] == 1  # non-zero: one run failed
    recs = _records(batch["out"])
    de = runner.run_name("ok", {"countries": ["DE"]})
    fr = runner.run_name("ok", {"countries": ["FR"]})
    assert recs[de]["status"] == recs[fr]["status"] == "ok"
    fail = recs["fail"]
    assert fail["status"] == "failed"
    assert fail["error"] == "ValueError: deliberate failure for the test"
    assert fail["failing_cell"] is not None
    assert any("deliberate failure" in line for line in fail["traceback"])
    assert recs["slow"]["status"] == "timeout"  # per-cell timeout (4 s) hit


def test_outputs_results_logs_and_no_partial_files(batch):
    out = batch["out"]
    name = runner.run_name("ok", {"countries": ["FR"]})
    run_dir = out / name
    assert (run_dir / f"{name}.html").is_file()
    executed = nbformat.read(run_dir / f"{name}.ipynb", as_version=4)
    assert executed.metadata.papermill.parameters["countries"] == ["FR"]
    assert executed.metadata.papermill.parameters["output_dir"] == str(run_dir.resolve())
    assert json.loads((run_dir / "results.json").read_text())["n_squared"]["value"] == 1
    assert "countries ['FR']" in (run_dir / "run.log").read_text()
    # Failed and timed-out runs keep their executed notebook for debugging but get no HTML.
    assert (out / "fail" / "fail.ipynb").is_file()
    assert not (out / "fail" / "fail.html").exists()
    assert not (out / "slow" / "slow.html").exists()
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".partial")]
    assert leftovers == []


def test_index_links_resolve_and_list_every_run(batch):
    out = batch["out"]
    page = (out / "index.html").read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(page)
    assert parser.hrefs, "index has no links"
    for href in parser.hrefs:
        assert not href.startswith(("http:", "https:", "//")), href
        assert (out / href).resolve().is_file(), href
    for name in _records(out):
        assert name in page
    assert "deliberate failure" in page and "n_squared" in page


def test_rendered_html_is_offline_and_hides_code(batch):
    name = runner.run_name("ok", {"countries": ["DE"]})
    page = (batch["out"] / name / f"{name}.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(http" not in page
    assert "mathjax" not in page.lower() and "require.js" not in page
    assert "data:image/png;base64," in page  # figure embedded
    executed = nbformat.read(batch["out"] / name / f"{name}.ipynb", as_version=4)
    shown = [o for c in executed.cells for o in c.get("outputs", []) if "data" in o]
    assert any("image/png" in o["data"] for o in shown), "the figure was not drawn inline"
    assert "results.record" not in page  # input hidden by default
    assert "injected-parameters" not in page  # papermill's cell hidden
    assert "ok.ipynb" in page and "Git commit" in page and '"countries": ["DE"]' in page


def test_up_to_date_runs_are_skipped_and_changes_rerun(batch, capsys):
    out, plan = batch["out"], batch["plan"]
    name = runner.run_name("ok", {"countries": ["DE"]})
    html = out / name / f"{name}.html"
    before = html.stat().st_mtime_ns
    code = runner.main(["--plan", str(plan), "--out", str(out), "--only", "ok--*"])
    assert code == 0
    recs = _records(out)
    assert recs[name]["status"] == "skipped"
    assert recs["fail"]["status"] == "failed"  # not selected: last state kept in the index
    assert html.stat().st_mtime_ns == before
    assert "2 up to date" in capsys.readouterr().err
    # A changed notebook is no longer up to date.
    nb = nbformat.read(batch["folder"] / "ok.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("y = 2"))
    specs = runner.plan_specs(runner.load_plan(plan), runner.build_parser().parse_args([]), out)
    fingerprints = {s["name"]: s["fingerprint"] for s in specs}
    nbformat.write(nb, batch["folder"] / "ok.ipynb")
    specs2 = runner.plan_specs(runner.load_plan(plan), runner.build_parser().parse_args([]), out)
    assert all(fingerprints[s["name"]] != s["fingerprint"] for s in specs2 if "ok" in s["name"])
    assert not runner.is_up_to_date(next(s for s in specs2 if s["name"] == name))
    # So is one built with another package version.
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(runner, "package_fingerprint", lambda: "0.2.0+other")
    specs3 = runner.plan_specs(runner.load_plan(plan), runner.build_parser().parse_args([]), out)
    monkeypatch.undo()
    assert {s["fingerprint"] for s in specs3}.isdisjoint(s["fingerprint"] for s in specs2)


def test_run_timeout_kills_the_run(tmp_path):
    make_collection(tmp_path)
    plan = write_plan(tmp_path, "timeouts: {cell: 600, run: 3}\nnotebooks:\n  slow.ipynb: {}\n")
    out = tmp_path / "reports"
    assert runner.main(["--plan", str(plan), "--out", str(out), "--jobs", "1"]) == 1
    rec = _records(out)["slow"]
    assert rec["status"] == "timeout"
    assert "timeout of 3 s" in rec["error"]
    assert rec["duration"] < 30
    assert not (out / "slow" / "slow.html").exists()


def test_dask_executor_with_local_cluster(tmp_path):
    distributed = pytest.importorskip("distributed")
    make_collection(tmp_path)
    plan = write_plan(tmp_path, "notebooks:\n  ok.ipynb: {runs: [{n: 4}]}\n")
    out = tmp_path / "reports"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        code = runner.main(
            [
                "--plan",
                str(plan),
                "--out",
                str(out),
                "--executor",
                "dask",
                "--scheduler",
                cluster.scheduler_address,
            ]
        )
    assert code == 0
    name = runner.run_name("ok", {"n": 4})
    assert _records(out)[name]["status"] == "ok"
    assert json.loads((out / name / "results.json").read_text())["n_squared"]["value"] == 16


# --------------------------------------------------------------------------------------------
# The project's own run plan
# --------------------------------------------------------------------------------------------


def test_project_run_plan_covers_every_notebook_and_type_checks():
    from etwin_analysis.paths import NOTEBOOKS_DIR

    plan = runner.load_plan(NOTEBOOKS_DIR / "runs.yaml")
    declared = runner.validate_runs(plan)  # raises PlanError naming the run otherwise
    planned = {r.notebook.name for r in plan.runs}
    on_disk = {p.name for p in NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb")}
    assert on_disk <= planned, f"add to notebooks/runs.yaml: {sorted(on_disk - planned)}"
    network = [r for r in plan.runs if r.notebook.name == "01_collaboration_network.ipynb"]
    if network:
        assert len(network) >= 4  # all countries plus several single countries
    for notebook, params in declared.items():
        for name, p in params.items():
            assert p.inferred_type_name not in ("None", ""), f"{notebook.name}: {name} untyped"
            assert p.help.strip(), f"{notebook.name}: {name} has no help comment"
