"""Survey responses in the wide layout (one row per respondent and wave, one column per item).

The contract's canonical layout is long (one row per respondent, wave and item). A wide file
has the columns ``respondent_id``, ``institution_id``, ``group``, ``wave`` (and optionally
``engagement``) and then one column per item, named exactly as ``survey_items.item``.
"""

from __future__ import annotations

import pandas as pd

from etwin_analysis.contract import PROVENANCE_COLUMN, SURVEY_RESPONSES

ID_COLUMNS = [c.name for c in SURVEY_RESPONSES.columns if c.name not in ("item", "response")]


def wide_to_long(frame: pd.DataFrame, file: str = "survey_responses") -> pd.DataFrame:
    """Melt a wide survey table to the long layout.

    The result keeps, in the column ``source_row``, the spreadsheet row of the wide file each
    answer came from, so that problems can be reported where the user will find them.
    """
    ids = [c for c in ID_COLUMNS + [PROVENANCE_COLUMN] if c in frame.columns]
    items = [c for c in frame.columns if c not in ids]
    wide = frame.copy()
    wide["source_row"] = wide.index
    long = wide.melt(
        id_vars=ids + ["source_row"], value_vars=items, var_name="item", value_name="response"
    )
    long = long.sort_values(["source_row", "item"], kind="stable").reset_index(drop=True)
    long.index = long.index + 2
    return long
