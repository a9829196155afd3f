"""What every notebook does at its start and end, so that cells stay short.

``setup`` loads and validates the data, says loudly whether it is synthetic, sets the figure
style (seaborn, colour-blind-safe palette) and creates the output folder; ``provenance`` closes
the notebook with the parameters, data checksum, package versions and git commit.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns

from etwin_analysis import provenance as _prov
from etwin_analysis.dataset import Dataset, DataValidationError, load_dataset
from etwin_analysis.paths import resolve_data_dir

#: Colour-blind-safe qualitative palette (seaborn's "colorblind", after Okabe & Ito).
PALETTE = sns.color_palette("colorblind")
SYNTHETIC_NOTE = (
    "SYNTHETIC DATA: every number and figure here comes from a generated eTwinning world with "
    "known ground truth. It shows how the method behaves; it is not a finding about real "
    "institutions, teachers or students."
)
_STATE: dict = {}


def watermark_synthetic(fig) -> None:
    """Matplotlib figure hook: stamp 'SYNTHETIC DATA' on every figure of a synthetic run."""
    fig.text(
        0.995,
        0.005,
        "SYNTHETIC DATA",
        ha="right",
        va="bottom",
        fontsize=8,
        color="#b2182b",
        alpha=0.8,
        fontweight="bold",
    )


def set_style(synthetic: bool = False) -> None:
    """Seaborn theme with the colour-blind palette; watermark figures of synthetic data."""
    sns.set_theme(context="notebook", style="whitegrid", palette="colorblind")
    plt.rcParams["figure.dpi"] = 100
    plt.rcParams["figure.hooks"] = (
        ["etwin_analysis.notebook:watermark_synthetic"] if synthetic else []
    )


def banner_html(dataset: Dataset) -> str:
    """The data banner shown at the top of each notebook and rendered report."""
    where = html.escape(str(dataset.path or "in-memory data"))
    short = dataset.checksum[:12]
    if dataset.is_synthetic:
        return (
            '<div class="etwin-banner etwin-synthetic" style="border:3px solid #b2182b;'
            'background:#fde0dd;padding:10px;font-weight:bold;color:#67001f">'
            f"{html.escape(SYNTHETIC_NOTE)}<br><small>data: {where} · sha256 {short}</small>"
            "</div>"
        )
    return (
        '<div class="etwin-banner etwin-real" style="border:3px solid #2166ac;'
        'background:#d1e5f0;padding:10px;color:#053061"><b>Data supplied by the user</b> '
        f"({where} · sha256 {short}). Results describe this data; check the validation report "
        "below before drawing conclusions.</div>"
    )


def _display(obj_html: str, text: str) -> None:
    try:
        from IPython.display import HTML, display

        display(HTML(obj_html))
    except ImportError:  # outside IPython
        print(text)


def setup(
    data_dir: str = "",
    output_dir: str = "",
    *,
    needs: tuple[str, ...] | list[str] = (),
    purpose: str = "this notebook",
    on_error: str = "raise",
    show: bool = True,
) -> Dataset:
    """Load the data for a notebook, show the data banner, set the figure style.

    ``data_dir`` empty means the bundled synthetic world. ``needs`` names the optional tables
    (``people``, ``survey_items``, ``survey_responses``) the notebook requires; a clear
    `MissingTableError` says which are missing.
    """
    _STATE["started"] = _prov.now_utc()
    directory = resolve_data_dir(data_dir)
    try:
        dataset = load_dataset(
            directory,
            on_error=on_error,
            rejects_dir=Path(output_dir) / "rejected"
            if output_dir and on_error == "drop"
            else None,
        )
    except DataValidationError as exc:
        _display(f"<pre>{html.escape(str(exc))}</pre>", str(exc))
        raise
    dataset.require(*needs, purpose=purpose)
    if output_dir:
        Path(output_dir).mkdir(parents=True, exist_ok=True)
    set_style(synthetic=dataset.is_synthetic)
    if show:
        label = "SYNTHETIC DATA" if dataset.is_synthetic else "user data"
        _display(banner_html(dataset), f"[{label}] {dataset.path} sha256 {dataset.checksum}")
    return dataset


def provenance(params: dict, dataset: Dataset | None = None, output_dir: str = "") -> None:
    """Show the run's provenance and write it to ``<output_dir>/provenance.json``."""
    rec = _prov.record(params, dataset, started=_STATE.get("started"))
    out = output_dir or params.get("output_dir", "")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / "provenance.json").write_text(json.dumps(rec, indent=1), encoding="utf-8")
    rows = "".join(
        f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
        f"<td style='text-align:left'><code>{html.escape(json.dumps(v))}</code></td></tr>"
        for k, v in rec.items()
    )
    _display(f"<table class='etwin-provenance'>{rows}</table>", json.dumps(rec, indent=1))
