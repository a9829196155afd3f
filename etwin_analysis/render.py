"""Self-contained offline HTML reports of executed notebooks, and the index of a batch run.

``render_notebook`` turns an executed notebook into one HTML file that opens without a network:
nbconvert's HTMLExporter with the ``etwin_offline`` template shipped in
``etwin_analysis/templates`` (nbconvert's lab template minus every CDN script — require.js,
widgets, MathJax, mermaid — plus local CSS), figures embedded as ``data:`` URIs, JavaScript and
widget outputs dropped, input cells hidden unless ``show_code``, the cell tags
``remove-input`` / ``remove-output`` / ``remove-cell`` honoured (TagRemovePreprocessor), and
papermill's ``injected-parameters`` cell hidden. A header states the parameters and provenance:
data directory and checksum, the synthetic-or-real banner, package versions, git commit, start
time and duration. LaTeX in markdown is shown as source (no MathJax offline).

``write_index`` writes ``index.html`` listing every run of a batch (`etwin_analysis.runner`).

Sharing is gated by `etwin_analysis.privacy.check_output`: the runner checks the executed
notebook and the rendered page before writing any HTML; `write_report` does the same for
single notebooks.
"""

from __future__ import annotations

import html
import json
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "etwin_offline"
#: Output types never written into a shared report (they would run code or fetch libraries).
DROPPED_MIMETYPES = (
    "application/javascript",
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
    "application/vnd.bokehjs_load.v0+json",
    "application/vnd.holoviews_load.v0+json",
)
REMOVE_CELL_TAGS = ("remove-cell", "injected-parameters")
REMOVE_INPUT_TAGS = ("remove-input",)
REMOVE_OUTPUT_TAGS = ("remove-output",)


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    Readers see either the old file or the complete new one, never a partial write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; shared reports are readable
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _strip_active_outputs(nb) -> None:
    for cell in nb.cells:
        for output in cell.get("outputs", []) or []:
            data = output.get("data")
            if data:
                for mime in DROPPED_MIMETYPES:
                    data.pop(mime, None)
    nb.metadata.pop("widgets", None)


def _fmt_duration(seconds: Any) -> str:
    try:
        s = float(seconds)
    except (TypeError, ValueError):
        return "unknown"
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def header_html(nb, *, run_dir: Path | None = None, dataset=None, data_dir=None) -> str:
    """The provenance header of a report (HTML fragment, everything escaped).

    Provenance comes from ``<run_dir>/provenance.json`` written by the notebook's final
    ``notebook.provenance`` cell when present, else from `etwin_analysis.provenance.record`;
    timing from papermill's notebook metadata.
    """
    from etwin_analysis import provenance

    if dataset is not None and not hasattr(dataset, "checksum"):
        dataset = None  # identifiers for the disclosure check, not a Dataset: no provenance
    pm = dict(nb.metadata.get("papermill", {}) or {})
    params = dict(pm.get("parameters", {}) or {})
    rec: dict = {}
    if run_dir is not None and (Path(run_dir) / "provenance.json").exists():
        try:
            rec = json.loads((Path(run_dir) / "provenance.json").read_text(encoding="utf-8"))
        except ValueError:
            rec = {}
    if not rec:
        rec = provenance.record(params, dataset)
    data = dict(rec.get("data") or {})
    if dataset is not None:
        data.setdefault("checksum_sha256", dataset.checksum)
        data.setdefault("synthetic", dataset.is_synthetic)
        data.setdefault("path", str(dataset.path) if dataset.path else None)
    if data_dir is not None and not data.get("path"):
        data["path"] = str(data_dir)
    no_data = not data and data_dir is None and dataset is None
    synthetic = data.get("synthetic")
    if synthetic is True:
        from etwin_analysis.notebook import SYNTHETIC_NOTE

        banner = (
            f'<div class="etwin-banner etwin-synthetic-flag">{html.escape(SYNTHETIC_NOTE)}</div>'
        )
    elif synthetic is False:
        banner = (
            '<div class="etwin-banner etwin-real-flag"><b>REAL DATA</b> supplied by the user: '
            "results describe this data.</div>"
        )
    elif no_data:
        banner = '<div class="etwin-banner etwin-real-flag">This notebook reads no data.</div>'
    else:
        banner = '<div class="etwin-banner etwin-real-flag">Data provenance unknown.</div>'
    name = Path(pm.get("input_path") or nb.metadata.get("title") or "notebook").name
    versions = rec.get("package_versions") or provenance.package_versions()
    rows = [
        ("Notebook", f"<code>{html.escape(name)}</code>"),
        (
            "Parameters",
            "<code>"
            + html.escape(json.dumps({k: params[k] for k in sorted(params)}, default=str))
            + "</code>",
        ),
        ("Data", f"<code>{html.escape(str(data.get('path') or 'none'))}</code>"),
        (
            "Data checksum",
            f"<code>sha256 {html.escape(str(data.get('checksum_sha256') or 'none'))}</code>",
        ),
        ("Git commit", f"<code>{html.escape(str(rec.get('git_commit') or 'unknown'))}</code>"),
        ("Started", html.escape(str(pm.get("start_time") or rec.get("started") or "unknown"))),
        ("Duration", _fmt_duration(pm.get("duration"))),
        (
            "Package versions",
            html.escape(", ".join(f"{k} {v}" for k, v in versions.items())),
        ),
    ]
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    title = html.escape(Path(name).stem)
    return (
        f'<header class="etwin-header"><h1>{title}</h1>{banner}'
        f'<table class="etwin-provenance">{table}</table></header>'
    )


def render_notebook(
    nb,
    *,
    show_code: bool = False,
    run_dir: str | os.PathLike | None = None,
    dataset=None,
    data_dir: str | os.PathLike | None = None,
) -> str:
    """Render an executed notebook (NotebookNode or path) to one offline HTML string."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor
    from traitlets.config import Config

    if not hasattr(nb, "cells"):
        nb = nbformat.read(str(nb), as_version=4)
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))  # never modify the caller's notebook
    _strip_active_outputs(nb)
    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_input_tags = set(REMOVE_INPUT_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    exporter = HTMLExporter(
        config=config,
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATES_DIR)],
        exclude_input=not show_code,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    exporter.register_preprocessor(TagRemovePreprocessor(config=config), enabled=True)
    header = header_html(
        nb, run_dir=Path(run_dir) if run_dir else None, dataset=dataset, data_dir=data_dir
    )
    footer = (
        '<footer class="etwin-footer">Rendered by etwin-analysis '
        f"{html.escape(_package_version())} on "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}; self-contained, no network "
        "resources.</footer>"
    )
    body, _ = exporter.from_notebook_node(
        nb, resources={"etwin_header": header, "etwin_footer": footer}
    )
    # nbconvert's inlined CSS cites its sources in comments; drop them so the page holds no
    # network address other than links written by the notebook's author.
    return _STYLE.sub(lambda m: _CSS_COMMENT.sub("", m.group(0)), body)


_STYLE = re.compile(r"<style[^>]*>.*?</style>", re.DOTALL | re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


def _package_version() -> str:
    from etwin_analysis import __version__

    return __version__


def write_report(
    notebook: str | os.PathLike,
    html_path: str | os.PathLike,
    *,
    dataset=None,
    min_cell_size: int | None = None,
    show_code: bool = False,
    run_dir: str | os.PathLike | None = None,
) -> Path:
    """Disclosure-check, render and atomically write one executed notebook as HTML.

    Raises `privacy.DisclosureError` (and writes nothing) when the notebook or the rendered
    page contains a person identifier from ``dataset`` or a small count cell.
    """
    import nbformat

    from etwin_analysis import privacy

    nb = nbformat.read(str(notebook), as_version=4)
    privacy.check_output(nb, dataset, min_cell_size, source=Path(notebook).name)
    page = render_notebook(nb, show_code=show_code, run_dir=run_dir, dataset=dataset)
    privacy.check_output(page, dataset, min_cell_size, source=Path(html_path).name)
    return atomic_write_text(html_path, page)


# --------------------------------------------------------------------------------------------
# Index
# --------------------------------------------------------------------------------------------

_STATUS_CLASS = {
    "ok": "ok",
    "skipped": "ok",
    "failed": "bad",
    "timeout": "bad",
    "refused": "bad",
    "not run": "other",
    "out of date": "other",
}

INDEX_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em;
  color: #222; }
h1 { font-size: 1.5em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border-bottom: 1px solid #ddd; padding: 6px 8px; text-align: left;
  vertical-align: top; }
th { background: #f3f3f3; }
code { font-size: 0.9em; word-break: break-word; }
.status { font-weight: bold; }
.ok { color: #1a7f37; }
.bad { color: #b2182b; }
.other { color: #8a6d00; }
.results { margin: 0; padding-left: 1.1em; }
.err { color: #b2182b; font-size: 0.85em; white-space: pre-wrap; }
"""


def _short(value: Any, width: int = 60) -> str:
    if isinstance(value, float):
        text = f"{value:.4g}"
    elif isinstance(value, dict) and "records" in value and "columns" in value:
        text = f"table of {len(value['records'])} rows"
    elif isinstance(value, dict | list):
        text = json.dumps(value, default=str)
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def key_results(results: dict, n: int = 4) -> list[tuple[str, str]]:
    """The first ``n`` recorded results as (name, short text), numbers and strings first."""
    items = []
    for name, entry in results.items():
        value = entry.get("value") if isinstance(entry, dict) and "value" in entry else entry
        scalar = isinstance(value, int | float | str | bool) or value is None
        items.append((0 if scalar else 1, name, _short(value)))
    items.sort(key=lambda t: t[0])
    return [(name, text) for _, name, text in items[:n]]


def _link(href: str | None, label: str, base: Path) -> str:
    if not href or not (base / href).exists():
        return ""
    return f'<a href="{html.escape(href)}">{html.escape(label)}</a>'


def _data_label(run_dir: Path) -> str:
    """'SYNTHETIC' or 'user data' from the run's provenance.json ('' when it has none)."""
    try:
        data = json.loads((run_dir / "provenance.json").read_text(encoding="utf-8"))["data"]
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    if data.get("synthetic"):
        return '<span class="bad">SYNTHETIC</span>'
    return "user data"


def index_html(out_dir: str | os.PathLike, records: list[dict]) -> str:
    """HTML (self-contained) of the index of a batch run; links are relative to ``out_dir``."""
    out = Path(out_dir)
    rows = []
    for r in records:
        name = r["name"]
        run_rel = Path(name)
        status = r.get("status", "unknown")
        klass = _STATUS_CLASS.get(status, "bad")
        links = [
            _link((run_rel / r["html"]).as_posix() if r.get("html") else None, "report", out),
            _link(
                (run_rel / r["executed_notebook"]).as_posix()
                if r.get("executed_notebook")
                else None,
                "notebook",
                out,
            ),
            _link((run_rel / "run.log").as_posix(), "log", out),
        ]
        results = "".join(
            f"<li><code>{html.escape(k)}</code> = {html.escape(v)}</li>"
            for k, v in r.get("key_results") or []
        )
        err = ""
        if status not in ("ok", "skipped"):
            cell = r.get("failing_cell")
            lines = [f"cell {cell}: " if cell is not None else ""]
            lines[0] += r.get("error") or ""
            lines += list(r.get("traceback") or [])[:4]
            err = f'<div class="err">{html.escape(chr(10).join(lines))}</div>'
        params = json.dumps(r.get("parameters") or {}, sort_keys=True, default=str)
        rows.append(
            "<tr>"
            f"<td><code>{html.escape(name)}</code></td>"
            f"<td>{html.escape(str(r.get('notebook', '')))}</td>"
            f"<td><code>{html.escape(params)}</code></td>"
            f'<td class="status {klass}">{html.escape(status)}{err}</td>'
            f"<td>{_data_label(out / run_rel)}</td>"
            f"<td>{_fmt_duration(r.get('duration'))}</td>"
            f'<td><ul class="results">{results}</ul></td>'
            f"<td>{' · '.join(x for x in links if x)}</td>"
            "</tr>"
        )
    n_ok = sum(r.get("status") in ("ok", "skipped") for r in records)
    generated = datetime.now(UTC).isoformat(timespec="seconds")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">'
        f"<title>etwin-analysis reports</title><style>{INDEX_CSS}</style></head><body>"
        "<h1>etwin-analysis reports</h1>"
        f"<p>{n_ok} of {len(records)} runs succeeded · generated {generated} · "
        f"etwin-analysis {html.escape(_package_version())}. Every report opens offline; "
        "reports on synthetic data say so in their header.</p>"
        "<table><thead><tr><th>Run</th><th>Notebook</th><th>Parameters</th><th>Status</th>"
        "<th>Data</th><th>Duration</th><th>Key results</th><th>Links</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></body></html>\n"
    )


def write_index(out_dir: str | os.PathLike, records: list[dict]) -> Path:
    """Write ``<out_dir>/index.html`` atomically and return its path."""
    return atomic_write_text(Path(out_dir) / "index.html", index_html(out_dir, records))
