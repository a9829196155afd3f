"""Adapters: real-world exports mapped into the canonical data contract.

Each adapter reads one kind of public file and returns the contract tables together with an
account of every row: what was read, what was loaded, what was set aside and why. Nothing is
dropped silently; for every unit counted, ``read == loaded + rejected``.

- `from_erasmus_results_platform`: an Erasmus+ Project Results Platform export (CSV or XLSX,
  one row per project, the coordinator and ``Partner N`` organisations in columns).
- `from_participation_list`: a participation list in the CORDIS style (one row per
  organisation and project), with a column mapping; the defaults fit the CORDIS Horizon 2020
  participations file.
- `mobility_flows`: the Erasmus+ learning-mobility flows between countries (raw chart export
  with English country names) as a tidy country-pair table with ISO codes.

The contract adapters return a `ContractImport`; ``result.to_dataset()`` validates the tables
with `etwin_analysis.dataset.Dataset.from_frames`. Whole-file problems (missing columns, a file
that is not UTF-8, an empty file) raise `etwin_analysis.dataset.DataValidationError` naming the
file, row and column.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etwin_analysis.contract import INSTITUTION_TYPES, MEMBERSHIP_ROLES
from etwin_analysis.countries import fold_text, to_iso2
from etwin_analysis.dataset import DataValidationError, Problem, problems_frame, read_table

#: Cells treated as missing in source files besides empty ones (R and spreadsheet exports).
#: Not applied to country columns, where ``NA`` is Namibia.
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})

EXCEL_SUFFIXES = (".xlsx", ".xlsm")


# --------------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------------
@dataclass
class ContractImport:
    """Contract tables built from a real export, with the account of every source row.

    ``counts`` has one row per unit counted (e.g. "project rows", "organisation slots") with
    ``read``, ``loaded``, ``rejected`` (always ``read == loaded + rejected``); ``rejected``
    lists each set-aside row with file, spreadsheet row (header = 1), column and reason;
    ``conflicts`` lists organisations or projects whose attributes disagree between rows (kept,
    the value used is said); ``notes`` are remarks about choices made (imputed dates...).
    """

    source: str
    institutions: pd.DataFrame
    projects: pd.DataFrame
    memberships: pd.DataFrame
    counts: pd.DataFrame
    rejected: pd.DataFrame
    conflicts: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The row account: unit, read, loaded, rejected."""
        return self.counts.copy()

    def summary(self) -> str:
        lines = [f"import of {self.source}"]
        lines.append(f"{'unit':<36}{'read':>9}{'loaded':>9}{'rejected':>10}")
        for r in self.counts.itertuples():
            lines.append(f"{r.unit:<36}{r.read:>9}{r.loaded:>9}{r.rejected:>10}")
        lines.append(
            f"-> {len(self.institutions)} institutions, {len(self.projects)} projects, "
            f"{len(self.memberships)} memberships"
        )
        if len(self.rejected):
            lines.append("rejected (first 10):")
            lines += [
                f"  - row {r.row}, {r.column}: {r.reason}"
                for r in self.rejected.head(10).itertuples()
            ]
        if len(self.conflicts):
            lines.append(f"{len(self.conflicts)} conflicting attribute(s) (see .conflicts)")
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def write(self, directory) -> Path:
        """Write the contract tables as ``institutions.csv``, ``projects.csv`` and
        ``memberships.csv`` into ``directory`` (a data directory for `load_dataset`, `etwin
        validate` and the notebooks' ``data_dir``), plus the account: ``import_counts.csv``,
        ``import_rejected.csv`` and ``import_conflicts.csv``. CSV is UTF-8 and spreadsheet-safe
        (`etwin_analysis.safecsv`). Returns the directory."""
        from etwin_analysis.safecsv import write_csv

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        for name in ("institutions", "projects", "memberships"):
            write_csv(getattr(self, name), out / f"{name}.csv", date_format="%Y-%m-%d")
        write_csv(self.counts, out / "import_counts.csv")
        write_csv(self.rejected, out / "import_rejected.csv")
        write_csv(self.conflicts, out / "import_conflicts.csv")
        return out

    def to_dataset(self, *, on_error: str = "raise"):
        """Validate the tables with `Dataset.from_frames` and return the `Dataset`."""
        from etwin_analysis.dataset import Dataset

        return Dataset.from_frames(
            institutions=self.institutions,
            projects=self.projects,
            memberships=self.memberships,
            on_error=on_error,
        )


@dataclass
class FlowsImport:
    """A country-pair table of mobility flows and the account of its source rows.

    ``flows`` columns: ``origin``, ``destination`` (ISO alpha-2, None when a name is not a
    country, e.g. "Rest of the world"), ``origin_name``, ``destination_name`` (as in the
    file), ``participants`` (Int64), ``mapped`` (both codes known) and ``note``.
    """

    source: str
    flows: pd.DataFrame
    counts: pd.DataFrame
    rejected: pd.DataFrame
    unmapped_names: list[str]
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        return self.flows.copy()

    def summary(self) -> str:
        r = self.counts.iloc[0]
        countries = set(self.flows["origin"].dropna()) | set(self.flows["destination"].dropna())
        lines = [
            f"mobility flows from {self.source}",
            f"rows read {r.read}, loaded {r.loaded}, rejected {r.rejected}",
            f"{len(countries)} countries, {int(self.flows['participants'].sum()):,} participants",
        ]
        if self.unmapped_names:
            n = int((~self.flows["mapped"]).sum())
            lines.append(f"{n} row(s) kept with no ISO code for: {', '.join(self.unmapped_names)}")
        lines += [f"  - row {p.row}, {p.column}: {p.reason}" for p in self.rejected.itertuples()]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


def _counts(rows: list[tuple[str, int, int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unit", "read", "loaded", "rejected"])
    bad = frame[frame["read"] != frame["loaded"] + frame["rejected"]]
    if len(bad):  # an internal bookkeeping error, never the user's
        raise AssertionError(f"row account does not add up: {bad.to_dict('records')}")
    return frame


# --------------------------------------------------------------------------------------------
# Reading and small helpers
# --------------------------------------------------------------------------------------------
def _read_source(path, table: str, *, encoding: str, sheet_name=0) -> tuple[pd.DataFrame, str]:
    """A source file (CSV, CSV.gz or XLSX) as text cells indexed by spreadsheet row."""
    if isinstance(path, pd.DataFrame):
        frame = path.copy().astype(object)
        frame = frame.where(frame.notna(), None)
        frame.columns = [str(c).strip() for c in frame.columns]
        frame.index = pd.RangeIndex(2, len(frame) + 2)
        frame = frame.map(lambda v: None if v is None else str(v))
        if frame.empty:
            raise DataValidationError([Problem(table, "<DataFrame>", None, None, "has no rows")])
        return frame, "<DataFrame>"
    file = Path(path)
    if not file.exists():
        raise DataValidationError([Problem(table, str(file), None, None, "file does not exist")])
    if file.is_dir():
        raise DataValidationError([Problem(table, str(file), None, None, "is a directory")])
    if file.suffix.lower() in EXCEL_SUFFIXES:
        try:
            frame = pd.read_excel(file, sheet_name=sheet_name, dtype=str, engine="openpyxl")
        except Exception as exc:  # openpyxl raises many types for a damaged workbook
            raise DataValidationError(
                [
                    Problem(
                        table,
                        str(file),
                        None,
                        None,
                        f"cannot be read as an Excel workbook: {type(exc).__name__}: {exc}",
                    )
                ]
            ) from exc
        frame = frame.astype(object).where(frame.notna(), None)
        frame.columns = [str(c).strip() for c in frame.columns]
        frame = frame.dropna(how="all")  # Excel's formatted-but-empty trailing rows
        if frame.empty:
            raise DataValidationError(
                [Problem(table, str(file), None, None, "has a header row but no data rows")]
            )
        frame.index = frame.index + 2
        return frame, str(file)
    return read_table(file, table, encoding=encoding), str(file)


def _clean(values: pd.Series, *, missing_tokens: bool = True) -> pd.Series:
    """Stripped text (object dtype); empty cells (and, by default, the `MISSING_TOKENS` such
    as NA, N/A, null) become None."""
    text = values.astype("string").str.strip()
    tokens = list(MISSING_TOKENS if missing_tokens else {""})
    missing = text.isna() | text.str.casefold().isin(tokens)
    out = text.astype(object)
    out[missing.to_numpy(dtype=bool)] = None
    return out


def organisation_id(name: str, country: str) -> str:
    """Stable id of an organisation known only by name and country: ``ORG-`` + the first 12
    hex digits of SHA-1 over ``fold_text(name) + "|" + country``.

    Spelling differences in case, accents, punctuation and spacing give the same id
    ("Université de Lyon" = "UNIVERSITE DE LYON"); a different country gives a different id.
    """
    key = f"{fold_text(name)}|{country}".encode()
    return "ORG-" + hashlib.sha1(key, usedforsecurity=False).hexdigest()[:12]


def _mode_by(frame: pd.DataFrame, key: str, column: str) -> pd.Series:
    """Per ``key`` (in first-seen order), the most frequent non-missing ``column`` value; ties
    go to the value seen first; None when a key has no value. Vectorised (no per-group
    Python calls)."""
    keys = pd.Index(frame[key].drop_duplicates())
    sub = frame[[key, column]].dropna()
    if sub.empty:
        return pd.Series([None] * len(keys), index=keys, dtype=object)
    sub = sub.assign(_pos=np.arange(len(sub)))
    agg = (
        sub.groupby([key, column], sort=False)["_pos"]
        .agg(["size", "min"])
        .reset_index()
        .sort_values(["size", "min"], ascending=[False, True], kind="stable")
        .drop_duplicates(key, keep="first")
        .set_index(key)[column]
    )
    return agg.reindex(keys).astype(object).where(agg.reindex(keys).notna(), None)


def _conflicts(frame: pd.DataFrame, key: str, column: str, kind: str, chosen: pd.Series):
    """Rows describing keys whose ``column`` takes more than one value."""
    sub = frame[[key, column]].dropna()
    n = sub.groupby(key, sort=False)[column].nunique()
    keys = n.index[n > 1]
    if len(keys) == 0:
        return pd.DataFrame(columns=["kind", "id", "attribute", "values", "used"])
    sub = sub[sub[key].isin(keys)]
    values = sub.groupby(key, sort=False)[column].agg(lambda v: " | ".join(dict.fromkeys(v)))
    return pd.DataFrame(
        {
            "kind": kind,
            "id": values.index,
            "attribute": column,
            "values": values.to_numpy(),
            "used": chosen.reindex(values.index).to_numpy(),
        }
    )


def _empty_conflicts() -> pd.DataFrame:
    return pd.DataFrame(columns=["kind", "id", "attribute", "values", "used"])


# --------------------------------------------------------------------------------------------
# Erasmus+ Project Results Platform
# --------------------------------------------------------------------------------------------
#: Keyword rules mapping the platform's organisation type text to the contract's
#: institution_type, tried in order on the folded text; first match wins.
ORGANISATION_TYPE_RULES: tuple[tuple[str, str], ...] = (
    ("pre primary", "pre_primary"),
    ("early childhood", "pre_primary"),
    ("kindergarten", "pre_primary"),
    ("nursery", "pre_primary"),
    ("vocational", "vocational"),
    ("primary", "primary"),
    ("secondary", "secondary"),
)

_PARTNER_RE = re.compile(r"^partner\s*(\d+)\s*(name|organisation type|organization type|country)$")


def institution_type_from_text(text: str | None, type_map: dict[str, str] | None = None) -> str:
    """The contract institution_type for an Erasmus+ organisation type text.

    ``type_map`` (exact text -> type) is consulted first. Otherwise keyword rules
    (`ORGANISATION_TYPE_RULES`) on the folded text: pre-primary / early childhood ->
    ``pre_primary``; vocational -> ``vocational``; primary -> ``primary``; secondary ->
    ``secondary``. Everything else is ``other``, including "Higher education institution
    (tertiary level)": the platform does not say whether a university educates teachers, so
    ITE status cannot be read from the type (pass ``type_map`` or edit the table afterwards
    when you know which institutions are ITE providers).
    """
    if text is None:
        return "other"
    if type_map and text in type_map:
        return type_map[text]
    folded = fold_text(text)
    for keyword, kind in ORGANISATION_TYPE_RULES:
        if keyword in folded:
            return kind
    return "other"


def _programme(text: str | None) -> str:
    folded = fold_text(text) if text else ""
    if "etwinning" in folded:
        return "etwinning"
    if "erasmus" in folded:
        return "erasmus_plus"
    return "other"


def _header_lookup(columns) -> dict[str, str]:
    """Folded header (apostrophes and spacing ignored) -> the header as written."""
    out = {}
    for c in columns:
        out.setdefault(fold_text(str(c).replace("’", "'").replace("'", "")), c)
    return out


def from_erasmus_results_platform(
    path,
    *,
    encoding: str = "utf-8",
    sheet_name=0,
    type_map: dict[str, str] | None = None,
) -> ContractImport:
    """Map an Erasmus+ Project Results Platform export into the contract.

    Input: the platform's "export results" file, CSV or XLSX, one row per project, with
    ``Project Identifier``, ``Programme``, ``Call year``, ``Coordinating organisation name``,
    ``Coordinator's country`` (required) and optionally ``Project Title``, ``Key Action``,
    ``Action Type``, ``Coordinating organisation type``, ``Start date``, ``End date``, and for
    N = 1, 2, ... ``Partner N name``, ``Partner N country``, ``Partner N organisation type``.
    Headers are matched ignoring case, accents, spacing and apostrophes.

    Mapping and assumptions:

    - ``project_id`` = Project Identifier; ``programme`` from the Programme text ("Erasmus+"
      -> ``erasmus_plus``; "eTwinning" -> ``etwinning``; else ``other``).
    - ``start_date``: the export's ``Start date`` when present and parseable; otherwise 1
      January of ``Call year`` (year precision: projects of a call start within that year or
      soon after, so yearly counts are right but months are not). ``start_date_source`` says
      which. ``end_date`` from ``End date`` when present.
    - The coordinator gets role ``coordinator``, every filled ``Partner N`` slot ``partner``.
    - Organisations have no id in the export: ``institution_id`` = `organisation_id` of the
      name and ISO country, so the same organisation spelt with different case, accents or
      punctuation in different projects is one institution. Its ``name`` is the most frequent
      spelling; ``source_names`` lists all spellings.
    - ``institution_type`` via `institution_type_from_text` (higher education -> ``other``);
      the original text is kept in ``organisation_type``. ``etwinning_since`` is empty.
    - Countries are platform English names (or codes) mapped with `to_iso2`.

    Account: "project rows" (a row is rejected when it has no identifier, repeats an earlier
    identifier or has no usable Call year) and "organisation slots" in the loaded rows (the
    coordinator and each partner slot with any content; rejected when the name or country is
    missing or the country is unknown, or the organisation is already in that project).
    Completely empty partner slots are not organisations and are not counted.
    """
    table = "erasmus_results_platform"
    frame, file = _read_source(path, table, encoding=encoding, sheet_name=sheet_name)
    header = _header_lookup(frame.columns)

    def col(name: str) -> str | None:
        return header.get(fold_text(name.replace("'", "")))

    required = [
        "Project Identifier",
        "Programme",
        "Call year",
        "Coordinating organisation name",
        "Coordinator's country",
    ]
    problems = [
        Problem(
            table,
            file,
            1,
            name,
            f"required column '{name}' is missing (the header has: "
            f"{', '.join(map(str, frame.columns))})",
        )
        for name in required
        if col(name) is None
    ]
    # Partner slots: N -> {field: header}
    slots: dict[int, dict[str, str]] = {}
    for c in frame.columns:
        m = _PARTNER_RE.match(fold_text(str(c)).replace(" organization type", " organisation type"))
        if m:
            fieldname = "type" if "type" in m.group(2) else m.group(2)
            slots.setdefault(int(m.group(1)), {})[fieldname] = c
    for n, cols in sorted(slots.items()):
        for needed in ("name", "country"):
            if needed not in cols:
                problems.append(
                    Problem(
                        table,
                        file,
                        1,
                        f"Partner {n} {needed}",
                        f"column 'Partner {n} {needed}' is missing although "
                        f"other 'Partner {n}' columns are present",
                    )
                )
    if problems:
        raise DataValidationError(problems, file)

    text = {c: _clean(frame[c]) for c in frame.columns}
    rejected: list[Problem] = []

    # ---- project rows ----------------------------------------------------------------------
    pid = text[col("Project Identifier")]
    year_raw = text[col("Call year")]
    year = pd.to_numeric(year_raw, errors="coerce")
    good_year = year.notna() & (year == np.floor(year)) & year.between(1987, 2100)
    first_row: dict[str, int] = {}
    project_ok = pd.Series(True, index=frame.index)
    for row in frame.index:
        if pid[row] is None:
            rejected.append(
                Problem(
                    table, file, int(row), col("Project Identifier"), "Project Identifier is empty"
                )
            )
            project_ok[row] = False
        elif pid[row] in first_row:
            rejected.append(
                Problem(
                    table,
                    file,
                    int(row),
                    col("Project Identifier"),
                    f"Project Identifier '{pid[row]}' repeats row {first_row[pid[row]]}",
                )
            )
            project_ok[row] = False
        else:
            first_row[pid[row]] = int(row)
            if not good_year[row]:
                rejected.append(
                    Problem(
                        table,
                        file,
                        int(row),
                        col("Call year"),
                        f"Call year '{year_raw[row]}' is not a year",
                    )
                )
                project_ok[row] = False
    rows_ok = frame.index[project_ok]

    def optional(name: str) -> pd.Series:
        c = col(name)
        return text[c][rows_ok] if c is not None else pd.Series(None, index=rows_ok, dtype=object)

    call_year = year[rows_ok].astype("Int64")
    start = pd.Series(pd.NaT, index=rows_ok, dtype="datetime64[ns]")
    if col("Start date") is not None:
        start = _parse_dates(optional("Start date"))
    start_source = pd.Series(np.where(start.notna(), "start_date", "call_year"), index=rows_ok)
    start = start.fillna(pd.to_datetime(call_year.astype(str) + "-01-01", errors="coerce"))
    end = _parse_dates(optional("End date"))
    end = end.where(~(end < start))  # an end before the start is not kept (noted below)
    notes = []
    n_bad_end = int((_parse_dates(optional("End date")) < start).sum())
    if n_bad_end:
        notes.append(f"{n_bad_end} End date value(s) before the start date were left empty")
    projects = pd.DataFrame(
        {
            "project_id": pid[rows_ok].to_numpy(),
            "title": optional("Project Title").to_numpy(),
            "programme": optional("Programme").map(_programme).to_numpy(),
            "start_date": start.to_numpy(),
            "end_date": end.to_numpy(),
            "call_year": call_year.to_numpy(),
            "key_action": optional("Key Action").to_numpy(),
            "action_type": optional("Action Type").to_numpy(),
            "programme_original": optional("Programme").to_numpy(),
            "start_date_source": start_source.to_numpy(),
        }
    )
    if (start_source == "call_year").any():
        notes.append(
            f"{int((start_source == 'call_year').sum())} project(s) have no Start date: "
            "start_date = 1 January of Call year (year precision)"
        )

    # ---- organisation slots ----------------------------------------------------------------
    slot_specs = [
        (
            "coordinator",
            col("Coordinating organisation name"),
            col("Coordinator's country"),
            col("Coordinating organisation type"),
        )
    ]
    slot_specs += [
        ("partner", cols["name"], cols["country"], cols.get("type"))
        for _, cols in sorted(slots.items())
    ]
    long_parts = []
    for order, (role, c_name, c_country, c_type) in enumerate(slot_specs):
        part = pd.DataFrame(
            {
                "row": rows_ok.to_numpy(),
                "order": order,
                "project_id": pid[rows_ok].to_numpy(),
                "role": role,
                "name": text[c_name][rows_ok].to_numpy(),
                "country_text": _clean(frame[c_country][rows_ok], missing_tokens=False).to_numpy(),
                "organisation_type": (text[c_type][rows_ok].to_numpy() if c_type else None),
                "name_column": c_name,
                "country_column": c_country,
            }
        )
        long_parts.append(part)
    long = pd.concat(long_parts, ignore_index=True).sort_values(["row", "order"], kind="stable")
    filled = long[["name", "country_text", "organisation_type"]].notna().any(axis=1)
    is_coord = long["role"] == "coordinator"
    empty_coord = long[is_coord & ~filled]
    for r in empty_coord.itertuples():
        rejected.append(
            Problem(
                table,
                file,
                int(r.row),
                r.name_column,
                "the coordinator's name and country are empty",
            )
        )
    slots_read = long[filled | is_coord].copy()
    slots_read["iso2"] = to_iso2(slots_read["country_text"], errors="coerce")
    ok = pd.Series(True, index=slots_read.index)
    for r in slots_read.itertuples():
        if not (filled[r.Index]):
            ok[r.Index] = False  # already reported above
        elif r.name is None:
            ok[r.Index] = False
            rejected.append(
                Problem(
                    table,
                    file,
                    int(r.row),
                    r.name_column,
                    "organisation name is empty but the slot has other values",
                )
            )
        elif r.country_text is None:
            ok[r.Index] = False
            rejected.append(
                Problem(
                    table, file, int(r.row), r.country_column, f"country of '{r.name}' is empty"
                )
            )
        elif r.iso2 is None:
            ok[r.Index] = False
            rejected.append(
                Problem(
                    table,
                    file,
                    int(r.row),
                    r.country_column,
                    f"'{r.country_text}' is not a recognised country",
                )
            )
    slots_ok = slots_read[ok].copy()
    slots_ok["institution_id"] = [
        organisation_id(n, c) for n, c in zip(slots_ok["name"], slots_ok["iso2"], strict=True)
    ]
    dup = slots_ok.duplicated(["project_id", "institution_id"], keep="first")
    for r in slots_ok[dup].itertuples():
        rejected.append(
            Problem(
                table,
                file,
                int(r.row),
                r.name_column,
                f"'{r.name}' ({r.iso2}) is already listed in this project",
            )
        )
    slots_ok = slots_ok[~dup]

    memberships = pd.DataFrame(
        {
            "project_id": slots_ok["project_id"].to_numpy(),
            "institution_id": slots_ok["institution_id"].to_numpy(),
            "role": slots_ok["role"].to_numpy(),
            "source_row": slots_ok["row"].astype("Int64").to_numpy(),
        }
    )
    slots_ok["institution_type"] = [
        institution_type_from_text(t, type_map) for t in slots_ok["organisation_type"]
    ]
    slots_ok.loc[slots_ok["organisation_type"].isna(), "institution_type"] = None
    grouped = slots_ok.groupby("institution_id", sort=False)
    name = _mode_by(slots_ok, "institution_id", "name")
    kind = _mode_by(slots_ok, "institution_id", "institution_type").fillna("other")
    org_type = _mode_by(slots_ok, "institution_id", "organisation_type")
    institutions = pd.DataFrame(
        {
            "institution_id": name.index,
            "name": name.to_numpy(),
            "country": grouped["iso2"].first().to_numpy(),
            "institution_type": kind.to_numpy(),
            "etwinning_since": pd.array([pd.NA] * len(name), dtype="Int64"),
            "organisation_type": org_type.to_numpy(),
            "source_names": grouped["name"].agg(lambda v: " | ".join(dict.fromkeys(v))).to_numpy(),
        }
    )
    conflicts = pd.concat(
        [
            _conflicts(slots_ok, "institution_id", "institution_type", "institution", kind),
        ],
        ignore_index=True,
    )
    n_rej_rows = len(frame) - len(rows_ok)
    slot_rejects = len(slots_read) - len(slots_ok)
    counts = _counts(
        [
            ("project rows", len(frame), len(rows_ok), n_rej_rows),
            ("organisation slots", len(slots_read), len(slots_ok), slot_rejects),
        ]
    )
    return ContractImport(
        source=file,
        institutions=institutions,
        projects=projects,
        memberships=memberships,
        counts=counts,
        rejected=problems_frame(sorted(rejected, key=lambda p: p.row or 0)),
        conflicts=conflicts,
        notes=notes,
    )


def _parse_dates(values: pd.Series) -> pd.Series:
    """ISO dates (``YYYY-MM-DD``, optionally with a time) or day-first ``DD/MM/YYYY``,
    ``DD.MM.YYYY``, ``DD-MM-YYYY``; anything else -> NaT (never a guess between day-first and
    month-first)."""
    values = values.astype(object)
    parsed = pd.to_datetime(values, errors="coerce", format="ISO8601")
    for fmt in ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"):
        rest = parsed.isna() & values.notna()
        if not rest.any():
            break
        parsed[rest] = pd.to_datetime(values[rest], errors="coerce", format=fmt)
    return parsed.astype("datetime64[ns]")


# --------------------------------------------------------------------------------------------
# CORDIS-style participation lists
# --------------------------------------------------------------------------------------------
#: Default source columns (contract name -> source header), fitting the CORDIS H2020 file.
#: ``None`` = not in the source.
CORDIS_COLUMNS: dict[str, str | None] = {
    "project_id": "rcn",
    "institution_id": "pic",
    "role": "role",
    "country": "country",
    "activity_type": "type",
    "start_date": "start_date",
    "end_date": "end_date",
    "name": None,
    "title": None,
}

#: Source role -> contract role (case-insensitive). Contract role names map to themselves.
CORDIS_ROLES: dict[str, str] = {
    "coordinator": "coordinator",
    "participant": "partner",
    "partner": "partner",
    "beneficiary": "partner",
    "associatedpartner": "partner",
    "associated partner": "partner",
    "thirdparty": "partner",
    "third party": "partner",
    **{r: r for r in MEMBERSHIP_ROLES},
}

#: CORDIS activity type -> contract institution_type. HES ("higher or secondary education")
#: mixes universities and secondary schools and cannot be split, so it maps to ``other`` like
#: the rest; the code is kept in the ``activity_type`` column.
CORDIS_ACTIVITY_TYPES: dict[str, str] = {
    "HES": "other",
    "PRC": "other",
    "REC": "other",
    "PUB": "other",
    "OTH": "other",
}


def from_participation_list(
    path_or_df,
    columns: dict[str, str | None] | None = None,
    *,
    programme: str = "other",
    roles: dict[str, str] | None = None,
    activity_types: dict[str, str] | None = None,
    missing_start_date: str = "impute_by_id",
    encoding: str = "utf-8",
) -> ContractImport:
    """Map a participation list (one row per organisation and project) into the contract.

    Parameters
    ----------
    path_or_df:
        A CSV / CSV.gz / XLSX file or a DataFrame.
    columns:
        Contract name -> source header, merged over `CORDIS_COLUMNS` (so the CORDIS H2020
        file needs none). Required: ``project_id``, ``institution_id``, ``role``, ``country``,
        ``start_date``; optional: ``activity_type``, ``end_date``, ``name`` (organisation
        name; the id is used when absent), ``title`` (project title).
    programme:
        The contract ``programme`` of every project (``etwinning``, ``erasmus_plus`` or
        ``other``; Horizon 2020 is ``other``).
    roles, activity_types:
        Extra entries for `CORDIS_ROLES` and `CORDIS_ACTIVITY_TYPES`. Activity types that
        are contract institution types map to themselves; unknown ones map to ``other``
        (counted in ``notes``); the source value is kept in ``activity_type``.
    missing_start_date:
        ``"impute_by_id"`` (default): a project with no start date gets the median start
        date of the 10 projects with the nearest numeric ids (5 on each side): CORDIS record
        numbers (``rcn``) are assigned in time order. On the H2020 file the median absolute
        error of this rule, measured by leaving known dates out, is about one month (see
        tests). Such projects have ``start_date_imputed = True`` and are listed in ``notes``.
        Non-numeric ids cannot be imputed: their rows are rejected. ``"reject"``: reject the
        rows of projects without a start date.

    Countries are normalised with `to_iso2` (``EL`` -> ``GR``, ``UK`` -> ``GB``; ``NA`` is
    Namibia, not a missing value). An organisation listed with different countries (or
    activity types) in different rows is kept once with its most frequent value and reported
    in ``conflicts``; each membership row keeps its own ``country``. Project dates that differ
    between rows of one project are reported in ``conflicts`` (the first is used).

    Account: "participation rows": rejected when an id is missing, the role is unknown, the
    country is missing or unknown, a date does not parse, the end is before the start, or the
    organisation is already listed in that project.
    """
    if missing_start_date not in ("impute_by_id", "reject"):
        raise ValueError("missing_start_date must be 'impute_by_id' or 'reject'")
    from etwin_analysis.contract import PROGRAMMES

    if programme not in PROGRAMMES:
        raise ValueError(f"programme must be one of {', '.join(PROGRAMMES)}, not {programme!r}")
    table = "participations"
    mapping = {**CORDIS_COLUMNS, **(columns or {})}
    unknown_keys = set(mapping) - set(CORDIS_COLUMNS)
    if unknown_keys:
        raise ValueError(
            f"unknown contract name(s) in columns: {sorted(unknown_keys)}; "
            f"use {', '.join(CORDIS_COLUMNS)}"
        )
    frame, file = _read_source(path_or_df, table, encoding=encoding)
    problems = []
    for key in ("project_id", "institution_id", "role", "country", "start_date"):
        src = mapping.get(key)
        if src is None or src not in frame.columns:
            problems.append(
                Problem(
                    table,
                    file,
                    1,
                    src or key,
                    f"column '{src}' for {key} is missing (the header has: "
                    f"{', '.join(map(str, frame.columns))}); pass "
                    f"columns={{'{key}': '<your header>'}}",
                )
            )
    for key in ("activity_type", "end_date", "name", "title"):
        src = mapping.get(key)
        if src is not None and src not in frame.columns:
            problems.append(
                Problem(table, file, 1, src, f"column '{src}' given for {key} is not in the file")
            )
    if problems:
        raise DataValidationError(problems, file)

    def get(key: str, *, missing_tokens: bool = True) -> pd.Series:
        src = mapping.get(key)
        if src is None:
            return pd.Series(None, index=frame.index, dtype=object)
        return _clean(frame[src], missing_tokens=missing_tokens)

    d = pd.DataFrame(
        {
            "project_id": get("project_id"),
            "institution_id": get("institution_id"),
            "role_text": get("role"),
            "country_text": get("country", missing_tokens=False),
            "activity_type": get("activity_type"),
            "start_text": get("start_date"),
            "end_text": get("end_date"),
            "name": get("name"),
            "title": get("title"),
        },
        index=frame.index,
    )
    role_map = {k.casefold(): v for k, v in {**CORDIS_ROLES, **(roles or {})}.items()}
    bad_roles = set(role_map.values()) - set(MEMBERSHIP_ROLES)
    if bad_roles:
        raise ValueError(f"roles map to unknown contract role(s) {sorted(bad_roles)}")
    type_map = {
        **CORDIS_ACTIVITY_TYPES,
        **{t: t for t in INSTITUTION_TYPES},
        **(activity_types or {}),
    }
    d["role"] = d["role_text"].str.casefold().map(role_map)
    d["country"] = to_iso2(d["country_text"], errors="coerce")
    d["start_date"] = _parse_dates(d["start_text"])
    d["end_date"] = _parse_dates(d["end_text"])

    reasons: dict[int, tuple[str, str]] = {}

    def reject(mask: pd.Series, key: str, reason) -> None:
        for row in d.index[mask.fillna(False).astype(bool)]:
            if row not in reasons:
                text = reason(row) if callable(reason) else reason
                reasons[row] = (mapping.get(key) or key, text)

    reject(d["project_id"].isna(), "project_id", "project id is empty")
    reject(d["institution_id"].isna(), "institution_id", "organisation id is empty")
    reject(d["role_text"].isna(), "role", "role is empty")
    reject(
        d["role"].isna(),
        "role",
        lambda r: (
            f"role '{d.at[r, 'role_text']}' is not known "
            f"(known: {', '.join(sorted(role_map))}; pass roles={{...}})"
        ),
    )
    reject(d["country_text"].isna(), "country", "country is empty")
    reject(
        d["country"].isna(),
        "country",
        lambda r: f"'{d.at[r, 'country_text']}' is not a recognised country",
    )
    reject(
        d["start_text"].notna() & d["start_date"].isna(),
        "start_date",
        lambda r: f"start date '{d.at[r, 'start_text']}' is not a date",
    )
    reject(
        d["end_text"].notna() & d["end_date"].isna(),
        "end_date",
        lambda r: f"end date '{d.at[r, 'end_text']}' is not a date",
    )
    reject(
        d["end_date"] < d["start_date"],
        "end_date",
        lambda r: (
            f"end date {d.at[r, 'end_date'].date()} is before start date "
            f"{d.at[r, 'start_date'].date()}"
        ),
    )

    notes: list[str] = []
    # Projects whose start date is missing in every (otherwise valid) row.
    alive = ~d.index.isin(list(reasons))
    n_dates = d[alive].groupby("project_id")["start_date"].count()
    no_start = set(n_dates.index[n_dates == 0])
    imputed: dict[str, pd.Timestamp] = {}
    if no_start:
        if missing_start_date == "impute_by_id":
            imputed = _impute_start_by_id(d[alive], no_start)
            skipped = no_start - set(imputed)
            reject(
                alive & d["project_id"].isin(skipped),
                "start_date",
                "start date is missing and the project id is not numeric, so it cannot be "
                "imputed from neighbouring ids",
            )
            if imputed:
                notes.append(
                    f"{len(imputed)} project(s) had no start date; imputed as the median start "
                    f"date of the 10 projects with the nearest ids: "
                    + ", ".join(f"{k} -> {v.date()}" for k, v in imputed.items())
                )
        else:
            reject(
                alive & d["project_id"].isin(no_start),
                "start_date",
                "start date is missing (pass missing_start_date='impute_by_id' to impute it)",
            )
    alive_d = d[~d.index.isin(list(reasons))]
    dup = alive_d.duplicated(["project_id", "institution_id"], keep="first")
    if dup.any():
        first = (
            alive_d.index.to_series()
            .groupby([alive_d["project_id"], alive_d["institution_id"]])
            .transform("first")
        )
        for row in alive_d.index[dup]:
            reasons[row] = (
                mapping["institution_id"],
                f"organisation {d.at[row, 'institution_id']} is already listed in project "
                f"{d.at[row, 'project_id']} (row {first[row]})",
            )

    ok = d[~d.index.isin(list(reasons))].copy()
    ok["institution_type"] = ok["activity_type"].map(type_map).fillna("other")
    unmapped_types = sorted(set(ok["activity_type"].dropna()) - set(type_map))
    if unmapped_types:
        notes.append(f"activity types mapped to 'other' by default: {', '.join(unmapped_types)}")

    # Institutions: one row per organisation id.
    country = _mode_by(ok, "institution_id", "country")
    activity = _mode_by(ok, "institution_id", "activity_type")
    kind = _mode_by(ok, "institution_id", "institution_type")
    names = _mode_by(ok, "institution_id", "name")
    institutions = pd.DataFrame(
        {
            "institution_id": country.index,
            "name": names.fillna(pd.Series(country.index, index=country.index)).to_numpy(),
            "country": country.to_numpy(),
            "institution_type": kind.to_numpy(),
            "etwinning_since": pd.array([pd.NA] * len(country), dtype="Int64"),
            "activity_type": activity.to_numpy(),
        }
    )
    if mapping.get("name") is None:
        notes.append("the file has no organisation names: name = organisation id")

    # Projects: one row per project id.
    gp = ok.groupby("project_id", sort=False)
    start = gp["start_date"].first()
    imputed_flag = start.index.isin(list(imputed))
    start = start.fillna(pd.Series(imputed, dtype="datetime64[ns]"))
    projects = pd.DataFrame(
        {
            "project_id": start.index,
            "title": gp["title"].first().to_numpy(),
            "programme": programme,
            "start_date": start.to_numpy(),
            "end_date": gp["end_date"].first().to_numpy(),
            "start_date_imputed": imputed_flag,
        }
    )
    conflicts = pd.concat(
        [
            c
            for c in (
                _conflicts(ok, "institution_id", "country", "institution", country),
                _conflicts(ok, "institution_id", "activity_type", "institution", activity),
                _conflicts(
                    ok.assign(start_date=ok["start_date"].astype(str)),
                    "project_id",
                    "start_date",
                    "project",
                    start.astype(str),
                ),
                _conflicts(
                    ok.assign(end_date=ok["end_date"].astype(str)),
                    "project_id",
                    "end_date",
                    "project",
                    gp["end_date"].first().astype(str),
                ),
            )
            if len(c)
        ]
        or [_empty_conflicts()],
        ignore_index=True,
    )
    memberships = pd.DataFrame(
        {
            "project_id": ok["project_id"].to_numpy(),
            "institution_id": ok["institution_id"].to_numpy(),
            "role": ok["role"].to_numpy(),
            "role_original": ok["role_text"].to_numpy(),
            "country": ok["country"].to_numpy(),
            "source_row": ok.index.to_numpy(),
        }
    )
    rejected = problems_frame(
        [Problem(table, file, int(row), c, reason) for row, (c, reason) in sorted(reasons.items())]
    )
    counts = _counts([("participation rows", len(d), len(ok), len(reasons))])
    return ContractImport(
        source=file,
        institutions=institutions,
        projects=projects,
        memberships=memberships,
        counts=counts,
        rejected=rejected,
        conflicts=conflicts,
        notes=notes,
    )


def _impute_start_by_id(d: pd.DataFrame, missing: set[str], k: int = 10) -> dict:
    """Median start date of the ``k`` dated projects with the nearest numeric ids."""
    dated = d.dropna(subset=["start_date"]).groupby("project_id")["start_date"].first()
    ids = pd.to_numeric(pd.Series(dated.index, index=dated.index), errors="coerce").dropna()
    if ids.empty:
        return {}
    order = ids.sort_values()
    keys = order.to_numpy(dtype="float64")
    dates = dated[order.index].to_numpy()
    half = k // 2
    out = {}
    for pid in sorted(missing):
        try:
            x = float(pid)
        except ValueError:
            continue
        pos = int(np.searchsorted(keys, x))
        lo, hi = max(0, pos - half), min(len(keys), pos + half)
        out[pid] = pd.Timestamp(pd.Series(dates[lo:hi]).median()).normalize()
    return out


# --------------------------------------------------------------------------------------------
# Erasmus+ mobility flows
# --------------------------------------------------------------------------------------------
#: Names in flow files that are aggregates, not countries (folded).
AGGREGATE_NAMES = frozenset({"rest of the world", "other countries", "others", "world", "total"})


def mobility_flows(path, *, encoding: str = "utf-8") -> FlowsImport:
    """The Erasmus+ learning mobility flows file as a country-pair table.

    Input: the raw chart export, header ``"Category"," (from)"," (to)"," (weight)"`` (the
    first column is a chart artefact and is ignored; headers are matched after stripping
    spaces and parentheses, so ``from,to,weight`` works too), English country names.

    Output (`FlowsImport.flows`): ``origin``, ``destination`` (ISO alpha-2 via `to_iso2`),
    ``origin_name``, ``destination_name`` (as written), ``participants`` (Int64), ``mapped``
    and ``note``. A name that is not a country ("Rest of the world", or a misspelling) keeps
    its row with a None code, ``mapped = False`` and a note; it is never dropped. Rows whose
    participant count is missing, negative or not a whole number are rejected with a reason.
    """
    table = "mobility_flows"
    frame, file = _read_source(path, table, encoding=encoding)
    header = {re.sub(r"[()\s]", "", str(c)).casefold(): c for c in frame.columns}
    missing = [h for h in ("from", "to", "weight") if h not in header]
    if missing:
        raise DataValidationError(
            [
                Problem(
                    table,
                    file,
                    1,
                    f"({h})",
                    f"column ' ({h})' is missing (the header has: "
                    f"{', '.join(map(str, frame.columns))})",
                )
                for h in missing
            ],
            file,
        )
    origin_name = _clean(frame[header["from"]], missing_tokens=False)
    dest_name = _clean(frame[header["to"]], missing_tokens=False)
    weight_raw = _clean(frame[header["weight"]], missing_tokens=False)
    weight = pd.to_numeric(_clean(weight_raw), errors="coerce")
    rejected = []
    good = weight.notna() & (weight >= 0) & (weight == np.floor(weight))
    for row in frame.index[~good]:
        rejected.append(
            Problem(
                table,
                file,
                int(row),
                header["weight"],
                f"participants '{weight_raw[row] or ''}' is not a whole number >= 0",
            )
        )
    both_missing = origin_name.isna() & dest_name.isna()
    for row in frame.index[good & both_missing]:
        rejected.append(
            Problem(table, file, int(row), header["from"], "both country names are empty")
        )
    keep = good & ~both_missing
    origin = pd.Series(to_iso2(origin_name, errors="coerce"), index=frame.index)
    dest = pd.Series(to_iso2(dest_name, errors="coerce"), index=frame.index)

    def note(name, code, side):
        if code is not None:
            return None
        if name is None:
            return f"{side} is empty"
        if fold_text(name) in AGGREGATE_NAMES:
            return f"{side} '{name}' is an aggregate, not a country"
        return f"{side} '{name}' is not a recognised country"

    notes_col = [
        "; ".join(n for n in (note(on, oc, "origin"), note(dn, dc, "destination")) if n) or None
        for on, oc, dn, dc in zip(origin_name, origin, dest_name, dest, strict=True)
    ]
    flows = pd.DataFrame(
        {
            "origin": origin,
            "destination": dest,
            "origin_name": origin_name,
            "destination_name": dest_name,
            "participants": weight.astype("Float64").round().astype("Int64").where(good),
            "mapped": origin.notna() & dest.notna(),
            "note": pd.Series(notes_col, index=frame.index, dtype=object),
        }
    )[keep].reset_index(drop=True)
    unmapped = sorted(
        set(flows.loc[flows["origin"].isna(), "origin_name"].dropna())
        | set(flows.loc[flows["destination"].isna(), "destination_name"].dropna())
    )
    notes = []
    pairs = flows.dropna(subset=["origin_name", "destination_name"])
    dups = pairs.duplicated(["origin_name", "destination_name"], keep=False)
    if dups.any():
        notes.append(f"{int(dups.sum())} rows repeat an origin-destination pair (kept as is)")
    counts = _counts([("flow rows", len(frame), int(keep.sum()), int((~keep).sum()))])
    return FlowsImport(
        source=file,
        flows=flows,
        counts=counts,
        rejected=problems_frame(rejected),
        unmapped_names=unmapped,
        notes=notes,
    )
