"""CSV written for spreadsheets without formula injection.

Spreadsheet programs execute a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and some
treat a leading tab or carriage return the same way) as a formula. Loading never interprets
such cells (`etwin_analysis.dataset` reads every cell as text); writing neutralises them by
prefixing a single quote to text cells, as recommended by OWASP's "CSV Injection" guidance.
Numbers (for example a negative effect estimate) are left as numbers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix ``'`` to a text value a spreadsheet would read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot start a formula."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | Path, **kwargs) -> Path:
    """Write ``frame`` as UTF-8 CSV that is safe to open in a spreadsheet. Returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    kwargs.setdefault("index", False)
    neutralise_frame(frame).to_csv(path, encoding="utf-8", **kwargs)
    return path
