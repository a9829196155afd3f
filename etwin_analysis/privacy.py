"""Disclosure control for everything the collection shows or shares.

Three tools, used by notebooks and enforced by ``etwin run`` before any HTML is written:

``suppress_small_cells(df, count_col, min_cell_size=None)``
    Threshold rule with secondary suppression for tables of people counts: a cell counting
    between 1 and ``min_cell_size - 1`` people is *primary* suppressed (shown as ``"<5"``, or
    ``<NA>`` with ``replace_with="na"``); where a published or derivable total would reveal a
    suppressed cell by subtraction (exactly one suppressed cell on a line whose total is known),
    the smallest other cell on that line is *secondary* suppressed too (shown as ``"[c]"``,
    confidential, since it is not small itself). Columns derived from the same people (means,
    shares) are blanked with their count (``derived_cols``). Reference:
    Hundepool et al. (2012), *Statistical Disclosure Control*, Wiley, sections 5.2 (threshold
    rule) and 5.5 (secondary cell suppression); the row/column heuristic used here is the simple
    "at least two suppressed cells per line" rule, not an optimal (linear-programming) pattern.

``display_counts(df, count_col, min_cell_size=None)``
    Suppresses, then displays the table in a notebook as HTML marked for the render-time check:
    the ``<table>`` carries ``data-etwin-privacy="counts"``, ``data-etwin-min-cell-size`` and
    ``data-etwin-count-columns`` (positions of the count columns among the data cells), and the
    display output's metadata records ``{"etwin_privacy": {...}}``. ``check_output`` re-reads
    every marked table in the notebook or rendered HTML and refuses one whose count cells hold a
    number between 1 and ``min_cell_size - 1``. That is the enforcement mechanism: **notebooks
    show tables of people counts with ``display_counts``** (or tag the cell ``counts``, in which
    case every integer cell of its tables is treated as a count). Unmarked HTML tables are also
    checked, heuristically, in columns whose header names a count (``n``, ``n_*``, ``count``,
    ``respondents``, ``people``...). Counts printed as plain text (``print(df)``, a ``Series``
    repr) cannot be checked for small cells: use ``display_counts``.

``check_output(text_or_notebook, dataset, min_cell_size)``
    Refuses (raises `DisclosureError`) an output that contains any ``respondent_id`` or
    ``person_id`` present in the data (`contract.PERSON_IDENTIFIER_COLUMNS`), or a small cell in
    a count table as above. Identifiers are matched as whole tokens (maximal runs of the
    characters identifiers are made of), in cell sources and every text output (plain text,
    HTML, markdown, JSON, streams, tracebacks); embedded images (``data:`` URIs and image
    outputs) are not scanned, so identifiers drawn *into* a figure cannot be detected. Very short
    numeric identifiers will match ordinary numbers: pseudonymise them first.

``pseudonymise(series, key)``
    Keyed hash (HMAC-SHA256, RFC 2104) of each identifier; the key acts as a secret salt, comes
    from the argument or the ``ETWIN_PSEUDONYM_KEY`` environment variable, and is never written
    anywhere. The same key maps the same identifier to the same pseudonym, so tables can still
    be joined.

The default threshold is 5 people; the environment variable ``ETWIN_MIN_CELL_SIZE`` (set by
``etwin run`` from the run plan's ``min_cell_size``) overrides it where a function is called
with ``min_cell_size=None``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape as html_escape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from etwin_analysis.contract import PERSON_IDENTIFIER_COLUMNS

DEFAULT_MIN_CELL_SIZE = 5
MIN_CELL_SIZE_ENV = "ETWIN_MIN_CELL_SIZE"
PSEUDONYM_KEY_ENV = "ETWIN_PSEUDONYM_KEY"
#: Shown instead of a cell hidden only to protect another one (its count is not small).
SECONDARY_LABEL = "[c]"
#: Shown instead of a mean, share or rate computed from a suppressed group.
SUPPRESSED_DERIVED_LABEL = "[c]"
#: Cell tag that declares every integer cell of a cell's HTML tables to be a people count.
COUNTS_TAG = "counts"
#: Key in display-output metadata written by `display_counts`.
METADATA_KEY = "etwin_privacy"

#: Headers treated as people counts in tables that were not marked by `display_counts`.
_COUNT_HEADER = re.compile(
    r"^(n|n_.*|.*_n|count|counts|.*_count|n_?people|people|persons|respondents|"
    r"n_?respondents|participants|teachers|students|student_teachers|size|frequency|freq)$",
    re.IGNORECASE,
)


class DisclosureError(ValueError):
    """An output would disclose an identifier or a small cell; ``findings`` lists what."""

    def __init__(self, findings: Sequence[str], source: str = "output"):
        self.findings = list(findings)
        self.source = source
        lines = "\n".join(f"  - {f}" for f in self.findings)
        super().__init__(
            f"Disclosure check refused {source}: {len(self.findings)} problem(s)\n{lines}"
        )


def resolve_min_cell_size(min_cell_size: int | None = None) -> int:
    """The threshold to use: the argument, else ``$ETWIN_MIN_CELL_SIZE``, else 5."""
    if min_cell_size is None:
        raw = os.environ.get(MIN_CELL_SIZE_ENV, "").strip()
        if not raw:
            return DEFAULT_MIN_CELL_SIZE
        try:
            min_cell_size = int(raw)
        except ValueError:
            raise ValueError(f"{MIN_CELL_SIZE_ENV}={raw!r} is not an integer") from None
    if isinstance(min_cell_size, bool) or not isinstance(min_cell_size, int | np.integer):
        raise TypeError(f"min_cell_size must be an integer, got {min_cell_size!r}")
    if min_cell_size < 1:
        raise ValueError(f"min_cell_size must be at least 1, got {min_cell_size}")
    return int(min_cell_size)


# --------------------------------------------------------------------------------------------
# Small-cell suppression
# --------------------------------------------------------------------------------------------


def _count_columns(df: pd.DataFrame, count_col: str | Sequence[str] | None) -> list:
    if count_col is None:
        cols = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
        cols = [c for c in cols if not pd.api.types.is_bool_dtype(df[c])]
        if not cols:
            raise ValueError("suppress_small_cells: the table has no numeric (count) columns")
        return cols
    cols = (
        [count_col]
        if isinstance(count_col, str) or not isinstance(count_col, Sequence)
        else (list(count_col))
    )
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(
            f"suppress_small_cells: count column(s) {missing} not in the table "
            f"(columns: {list(df.columns)})"
        )
    for c in cols:
        if not pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]):
            raise TypeError(
                f"suppress_small_cells: count column {c!r} has dtype {df[c].dtype}, expected "
                "numbers of people"
            )
    return cols


def _secondary_lines(mask: np.ndarray, values: np.ndarray, lines: list[np.ndarray]) -> int:
    """Add secondary suppressions in place until no line has exactly one suppressed cell.

    ``mask`` and ``values`` are 1-D over all candidate cells; each line is an index array of
    cells whose total is known. Returns the number of cells added.
    """
    added = 0
    changed = True
    while changed:
        changed = False
        for line in lines:
            if line.size < 2:
                continue
            sup = mask[line]
            if sup.sum() != 1:
                continue
            free = line[~sup]
            # Zeros are not people: hiding them reveals nothing, so prefer a non-zero cell.
            free_vals = np.where(np.isnan(values[free]), np.inf, values[free])
            candidates = free[free_vals > 0]
            if candidates.size == 0:
                continue
            pick = candidates[
                np.argmin(np.where(np.isnan(values[candidates]), np.inf, values[candidates]))
            ]
            mask[pick] = True
            added += 1
            changed = True
    return added


def suppress_small_cells(
    df: pd.DataFrame,
    count_col: str | Sequence[str] | None = None,
    min_cell_size: int | None = None,
    *,
    derived_cols: Sequence[str] = (),
    totals: Sequence[Sequence[str]] | None = None,
    secondary: bool = True,
    replace_with: str = "label",
    suppress_zero: bool = False,
) -> pd.DataFrame:
    """Suppress table cells describing fewer than ``min_cell_size`` people.

    Parameters
    ----------
    df
        A table of counts of people: *long* (``count_col`` names one or more columns holding
        numbers of people, other columns describe the group) or *wide* (``count_col=None``:
        every numeric column is a count, e.g. a ``pd.crosstab``; rows and columns are lines
        whose totals are known, including a margins row/column if present).
    count_col
        Column(s) holding numbers of people (units: persons), or ``None`` for a wide table.
    min_cell_size
        Threshold k (persons): cells with ``1 <= count < k`` are primary suppressed. Default
        ``None``: ``$ETWIN_MIN_CELL_SIZE`` (set by ``etwin run`` from the run plan), else 5.
    derived_cols
        Columns computed from the same people as the row's count (means, shares, rates): blanked
        whenever the row's (first) count cell is suppressed.
    totals
        Long tables only: groupings whose totals are published or derivable, as lists of column
        names; ``()`` is the grand total. Default ``[()]`` (the grand total of each count column
        is assumed known). Within each group, exactly one suppressed cell triggers secondary
        suppression of the smallest non-zero unsuppressed cell.
    secondary
        Apply secondary suppression (default True).
    replace_with
        ``"label"`` (default, for display; count columns become object dtype): primary
        suppressed cells become ``"<k"`` (e.g. ``"<5"``), secondary ones ``"[c]"``
        (confidential: hidden to protect another cell, not small themselves), derived columns
        ``"[c]"``. ``"na"``: suppressed cells become ``<NA>`` (nullable Int64 / float kept for
        further computing).
    suppress_zero
        Also suppress zero cells (group disclosure: "nobody in group X did Y"). Default False.

    Returns
    -------
    DataFrame
        A copy. Long tables with a single count column gain a bool column ``suppressed``.
        ``result.attrs["privacy"]`` records ``min_cell_size``, ``primary`` and ``secondary``
        numbers of suppressed cells, and ``count_columns``.
    """
    k = resolve_min_cell_size(min_cell_size)
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"suppress_small_cells expects a DataFrame, got {type(df).__name__}")
    if replace_with not in ("label", "na"):
        raise ValueError(f"replace_with must be 'label' or 'na', got {replace_with!r}")
    wide = count_col is None
    cols = _count_columns(df, count_col)
    derived = list(derived_cols)
    missing = [c for c in derived if c not in df.columns]
    if missing:
        raise KeyError(f"suppress_small_cells: derived column(s) {missing} not in the table")

    values = df[cols].apply(pd.to_numeric).astype("float64").to_numpy()  # rows x cols
    if np.any(values[~np.isnan(values)] < 0):
        raise ValueError("suppress_small_cells: negative counts in " + ", ".join(map(str, cols)))
    low = 0 if suppress_zero else 1
    primary = (values >= low) & (values < k) & ~np.isnan(values)
    mask = primary.copy()
    n_rows, n_cols = values.shape

    if secondary and n_rows * n_cols > 1:
        flat_mask = mask.ravel()  # view: row-major, cell (i, j) -> i * n_cols + j
        flat_vals = values.ravel()
        idx = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
        lines: list[np.ndarray] = []
        if wide:
            lines += [idx[i, :] for i in range(n_rows)]
            lines += [idx[:, j] for j in range(n_cols)]
        else:
            groupings = [()] if totals is None else [tuple(g) for g in totals]
            for g in groupings:
                unknown = [c for c in g if c not in df.columns]
                if unknown:
                    raise KeyError(f"suppress_small_cells: totals grouping {unknown} not columns")
                if g:
                    codes = df.groupby(list(g), sort=False, dropna=False).ngroup().to_numpy()
                    groups = [np.flatnonzero(codes == c) for c in np.unique(codes)]
                else:
                    groups = [np.arange(n_rows)]
                for rows in groups:
                    lines += [idx[rows, j] for j in range(n_cols)]
        _secondary_lines(flat_mask, flat_vals, lines)
        mask = flat_mask.reshape(n_rows, n_cols)

    out = df.copy()
    label = f"<{k}"
    for j, c in enumerate(cols):
        col_mask = mask[:, j]
        if replace_with == "label":
            shown = out[c].astype(object)
            shown[col_mask & ~primary[:, j]] = SECONDARY_LABEL
            shown[primary[:, j]] = label
            out[c] = shown
        else:
            ser = out[c]
            if pd.api.types.is_integer_dtype(ser):
                ser = ser.astype("Int64")
            ser = ser.mask(col_mask)
            out[c] = ser
    row_suppressed = mask[:, 0] if not wide else mask.any(axis=1)
    for c in derived:
        out[c] = (
            out[c].mask(row_suppressed)
            if replace_with == "na"
            else out[c].astype(object).mask(row_suppressed, SUPPRESSED_DERIVED_LABEL)
        )
    if not wide and len(cols) == 1:
        out["suppressed"] = mask[:, 0]
    out.attrs["privacy"] = {
        "min_cell_size": k,
        "primary": int(primary.sum()),
        "secondary": int(mask.sum() - primary.sum()),
        "count_columns": [str(c) for c in cols],
    }
    return out


def counts_html(df: pd.DataFrame, count_columns: Sequence, min_cell_size: int) -> str:
    """HTML of an already suppressed table, marked for `check_output` (see module doc)."""
    positions = [int(df.columns.get_loc(c)) for c in count_columns if c in df.columns]
    html = df.to_html(classes=["etwin-counts"], border=0, na_rep="")
    attrs = (
        f'data-etwin-privacy="counts" data-etwin-min-cell-size="{int(min_cell_size)}" '
        f'data-etwin-count-columns="{html_escape(json.dumps(positions))}" '
    )
    return html.replace("<table ", "<table " + attrs, 1)


def display_counts(
    df: pd.DataFrame,
    count_col: str | Sequence[str] | None = None,
    min_cell_size: int | None = None,
    **kwargs: Any,
) -> pd.DataFrame:
    """Suppress small cells (see `suppress_small_cells`) and display the table in a notebook.

    The displayed HTML table is marked so that ``check_output`` (run by ``etwin run`` before it
    renders anything) can verify its count cells, and the display output's metadata records
    ``{"etwin_privacy": {"min_cell_size", "primary", "secondary", "count_columns"}}``.
    Returns the suppressed table (for further display or saving).
    """
    from IPython.display import display

    out = suppress_small_cells(df, count_col, min_cell_size, **kwargs)
    info = out.attrs["privacy"]
    shown = out.drop(columns=["suppressed"]) if "suppressed" in out.columns else out
    count_columns = [c for c in shown.columns if str(c) in info["count_columns"]]
    html = counts_html(shown, count_columns, info["min_cell_size"])
    display(
        {"text/html": html, "text/plain": shown.to_string()},
        raw=True,
        metadata={METADATA_KEY: info},
    )
    return out


# --------------------------------------------------------------------------------------------
# Pseudonymisation
# --------------------------------------------------------------------------------------------


def pseudonymise(
    series: pd.Series | Iterable,
    key: str | bytes | None = None,
    *,
    length: int = 16,
    prefix: str = "",
) -> pd.Series:
    """Replace identifiers by a keyed hash: ``prefix + HMAC-SHA256(key, str(id))[:length]``.

    The key (a secret salt; at least 16 characters) comes from ``key`` or the environment
    variable ``ETWIN_PSEUDONYM_KEY``; it is never stored or displayed. Missing values stay
    missing. ``length`` hex characters (default 16 = 64 bits) keep collisions negligible for
    millions of identifiers. Reference: RFC 2104 (HMAC); ICO anonymisation guidance on keyed
    hashing as pseudonymisation.
    """
    if key is None:
        key = os.environ.get(PSEUDONYM_KEY_ENV)
        if not key:
            raise ValueError(
                f"pseudonymise needs a secret key: pass key=... or set the environment variable "
                f"{PSEUDONYM_KEY_ENV} (never write the key into a notebook or output)"
            )
    key_bytes = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if len(key_bytes) < 16:
        raise ValueError("pseudonymise: the key must be at least 16 characters long")
    if not 8 <= length <= 64:
        raise ValueError(f"pseudonymise: length must be between 8 and 64, got {length}")
    ser = series if isinstance(series, pd.Series) else pd.Series(list(series))

    cache: dict[str, str] = {}

    def one(value: Any) -> Any:
        if pd.isna(value):
            return value
        s = str(value)
        if s not in cache:
            digest = hmac.new(key_bytes, s.encode("utf-8"), hashlib.sha256).hexdigest()
            cache[s] = prefix + digest[:length]
        return cache[s]

    return ser.map(one).astype(object).rename(ser.name)


# --------------------------------------------------------------------------------------------
# Output check
# --------------------------------------------------------------------------------------------


def person_identifiers(dataset: Any) -> dict[str, str]:
    """Every person identifier in ``dataset`` -> the column it came from.

    ``dataset`` may be a `Dataset` (any attribute table with a column in
    `contract.PERSON_IDENTIFIER_COLUMNS`), a data directory (loaded with `load_dataset`), a
    mapping ``{column: identifiers}``, a DataFrame, or an iterable of identifiers.
    """
    if dataset is None:
        return {}
    if isinstance(dataset, str | os.PathLike):
        from etwin_analysis.dataset import load_dataset

        dataset = load_dataset(dataset)
    found: dict[str, str] = {}

    def add(values: Iterable, column: str) -> None:
        for v in pd.Series(list(values) if not isinstance(values, pd.Series) else values).dropna():
            s = str(v).strip()
            if s:
                found.setdefault(s, column)

    if isinstance(dataset, pd.DataFrame):
        frames = {"table": dataset}
    elif isinstance(dataset, Mapping):
        for column, values in dataset.items():
            add(values, str(column))
        return found
    elif hasattr(dataset, "memberships") or hasattr(dataset, "survey_responses"):
        from etwin_analysis.contract import TABLES

        frames = {name: getattr(dataset, name, None) for name in TABLES}
    else:
        add(dataset, "identifier")
        return found
    for frame in frames.values():
        if not isinstance(frame, pd.DataFrame):
            continue
        for column in PERSON_IDENTIFIER_COLUMNS:
            if column in frame.columns:
                add(frame[column].unique(), column)
    return found


def mask_identifier(value: str) -> str:
    """A hint to find an identifier without showing it: first two characters and length."""
    return f"{value[:2]}… ({len(value)} characters)"


class _IdentifierScanner:
    """Whole-token search for many identifiers at once (one regex pass over the text)."""

    def __init__(self, identifiers: Mapping[str, str]):
        self.identifiers = dict(identifiers)
        alphabet = sorted(set("".join(self.identifiers)))
        self.token = (
            re.compile("[" + "".join(re.escape(ch) for ch in alphabet) + "]+") if alphabet else None
        )

    def scan(self, text: str) -> list[tuple[str, str]]:
        if not self.token or not text:
            return []
        text = _DATA_URI.sub(" ", text)
        hits: dict[str, str] = {}
        for match in self.token.finditer(text):
            tok = match.group(0)
            if tok in self.identifiers:
                hits.setdefault(tok, self.identifiers[tok])
        return list(hits.items())


_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")


@dataclass
class _Table:
    attrs: dict
    header_rows: list[list[tuple[str, int]]]  # (text, colspan)
    body_rows: list[list[tuple[str, str]]]  # (tag, text)


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self._stack: list[_Table] = []
        self._section = "body"
        self._row: list | None = None
        self._cell: list[str] | None = None
        self._cell_tag = ""
        self._colspan = 1

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._stack.append(_Table(a, [], []))
        elif not self._stack:
            return
        elif tag == "thead":
            self._section = "head"
        elif tag in ("tbody", "tfoot"):
            self._section = "body"
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
            self._cell_tag = tag
            try:
                self._colspan = max(1, int(a.get("colspan") or 1))
            except ValueError:
                self._colspan = 1

    def handle_endtag(self, tag):
        if not self._stack:
            return
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = " ".join("".join(self._cell).split())
            if self._section == "head":
                self._row.append((text, self._colspan))
            else:
                self._row.append((self._cell_tag, text))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            table = self._stack[-1]
            (table.header_rows if self._section == "head" else table.body_rows).append(self._row)
            self._row = None
        elif tag == "thead":
            self._section = "body"
        elif tag == "table":
            self.tables.append(self._stack.pop())
            self._section = "body"

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _as_number(text: str) -> float | None:
    t = text.replace(",", "").replace("\u202f", "").replace(" ", "").strip()
    if not t:
        return None
    try:
        return float(t)
    except ValueError:
        return None


def _small(text: str, k: int) -> bool:
    x = _as_number(text)
    return x is not None and float(x).is_integer() and 1 <= x < k


def _table_findings(html: str, k: int, where: str, all_integer_counts: bool) -> list[str]:
    parser = _TableParser()
    parser.feed(html)
    parser.close()
    findings = []
    for t_no, table in enumerate(parser.tables, 1):
        marked = table.attrs.get("data-etwin-privacy") == "counts"
        n_small = 0
        example_col = ""
        if marked:
            try:
                positions = [
                    int(p) for p in json.loads(table.attrs.get("data-etwin-count-columns", "[]"))
                ]
            except (ValueError, TypeError):
                positions = []
            for row in table.body_rows:
                tds = [text for tag, text in row if tag == "td"]
                for p in positions:
                    if p < len(tds) and _small(tds[p], k):
                        n_small += 1
            kind = "count table"
        else:
            headers: list[str] = []
            if table.header_rows:
                for text, span in table.header_rows[0]:
                    headers += [text] * span
            for row in table.body_rows:
                tds = [text for tag, text in row if tag == "td"]
                names = headers[-len(tds) :] if tds and len(headers) >= len(tds) else []
                for j, text in enumerate(tds):
                    is_count = all_integer_counts or (
                        j < len(names) and _COUNT_HEADER.match(names[j].strip()) is not None
                    )
                    if is_count and _small(text, k):
                        n_small += 1
                        example_col = names[j] if j < len(names) else ""
            kind = "table tagged 'counts'" if all_integer_counts else "table"
        if n_small:
            col = f" (e.g. column {example_col!r})" if example_col else ""
            findings.append(
                f"{where}: {kind} #{t_no} has {n_small} cell(s) counting fewer than {k} "
                f"people{col}; show it with privacy.display_counts / suppress_small_cells"
            )
    return findings


def _output_texts(output: Mapping) -> list[str]:
    texts: list[str] = []
    otype = output.get("output_type")
    if otype == "stream":
        texts.append(_join(output.get("text", "")))
    elif otype == "error":
        texts += [output.get("ename", ""), output.get("evalue", "")]
        texts += [_join(x) for x in output.get("traceback", [])]
    else:
        for mime, data in (output.get("data") or {}).items():
            if mime.startswith("image/") and mime != "image/svg+xml":
                continue
            texts.append(
                data
                if isinstance(data, str)
                else _join(data)
                if isinstance(data, list)
                else json.dumps(data)
            )
    return texts


def _join(x: Any) -> str:
    return "".join(x) if isinstance(x, list) else str(x)


def check_output(
    text_or_notebook: Any,
    dataset: Any,
    min_cell_size: int | None = None,
    *,
    source: str | None = None,
) -> None:
    """Refuse an output that discloses a person identifier or a small cell.

    ``text_or_notebook``: an HTML/text string, an ``nbformat`` notebook (or its dict), or a path
    to an ``.ipynb``, ``.html`` or text file. ``dataset``: where the identifiers come from (see
    `person_identifiers`; ``None`` skips the identifier check). ``min_cell_size``: threshold k
    (``None``: ``$ETWIN_MIN_CELL_SIZE`` or 5).

    Raises `DisclosureError` listing every problem (where it is, which identifier column, the
    identifier masked to its first two characters). Returns None when the output is safe.
    """
    k = resolve_min_cell_size(min_cell_size)
    scanner = _IdentifierScanner(person_identifiers(dataset))
    obj = text_or_notebook
    label = source
    if isinstance(obj, os.PathLike) or (isinstance(obj, str) and _looks_like_path(obj)):
        path = Path(obj)
        label = label or str(path)
        if path.suffix == ".ipynb":
            obj = json.loads(path.read_text(encoding="utf-8"))
        else:
            obj = path.read_text(encoding="utf-8")

    findings: list[str] = []

    def scan(text: str, where: str) -> None:
        for ident, column in scanner.scan(text):
            findings.append(
                f"{where}: contains a {column} present in the data ({mask_identifier(ident)})"
            )

    if isinstance(obj, str):
        label = label or "text output"
        scan(obj, "text")
        findings += _table_findings(obj, k, "html", all_integer_counts=False)
    elif isinstance(obj, Mapping) and "cells" in obj:
        label = label or "notebook"
        for i, cell in enumerate(obj["cells"]):
            where = f"cell {i}"
            tags = set((cell.get("metadata") or {}).get("tags", []))
            scan(_join(cell.get("source", "")), where + " source")
            for output in cell.get("outputs", []) or []:
                for text in _output_texts(output):
                    scan(text, where + " output")
                html = (output.get("data") or {}).get("text/html")
                if html:
                    findings += _table_findings(
                        _join(html), k, where, all_integer_counts=COUNTS_TAG in tags
                    )
    else:
        raise TypeError(
            "check_output expects text, a notebook or a path, got " + type(obj).__name__
        )
    if findings:
        raise DisclosureError(findings, label)


def _looks_like_path(s: str) -> bool:
    return (
        len(s) < 4096
        and "\n" not in s
        and "<" not in s
        and s.endswith((".ipynb", ".html", ".htm", ".txt", ".md"))
        and Path(s).is_file()
    )
