"""Record a notebook's key results as JSON, so a batch run can collect and compare them.

Each notebook run writes ``<output_dir>/results.json``: a mapping from result name to
``{"value": ..., "description": ...}``. Values are JSON-safe: numbers, strings, lists, dicts,
and small tables (DataFrames are stored as ``{"columns": [...], "records": [...]}``).
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS_FILE = "results.json"
#: Tables larger than this are refused: results are key numbers, not data dumps.
MAX_TABLE_ROWS = 500


def to_jsonable(value):
    """``value`` as plain JSON types (DataFrames as columns + records; NaN and NA as null)."""
    if isinstance(value, pd.DataFrame):
        if len(value) > MAX_TABLE_ROWS:
            raise ValueError(
                f"a results table may have at most {MAX_TABLE_ROWS} rows (got {len(value)}); "
                "record a summary instead"
            )
        frame = value.reset_index() if not isinstance(value.index, pd.RangeIndex) else value
        return {
            "columns": [str(c) for c in frame.columns],
            "records": [to_jsonable(r) for r in frame.to_dict(orient="records")],
        }
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_frame())
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT or value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot record a value of type {type(value).__name__}")


def load(output_dir: str | Path) -> dict:
    """The results recorded in ``output_dir`` so far (empty if none)."""
    file = Path(output_dir) / RESULTS_FILE
    if not file.exists():
        return {}
    return json.loads(file.read_text(encoding="utf-8"))


def record(output_dir: str | Path, name: str, value, description: str = ""):
    """Store one key result under ``name`` in ``<output_dir>/results.json`` and return it.

    The file is rewritten atomically, so a crash never leaves half a file.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    results = load(out)
    results[name] = {"value": to_jsonable(value), "description": description}
    fd, tmp = tempfile.mkstemp(dir=out, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, ensure_ascii=False, sort_keys=True)
    os.replace(tmp, out / RESULTS_FILE)
    return value


def as_frame(entry: dict) -> pd.DataFrame:
    """Turn a recorded table back into a DataFrame."""
    value = entry["value"] if "value" in entry else entry
    return pd.DataFrame(value["records"], columns=value["columns"])
