"""Load a data directory into one validated `Dataset`, reporting every problem at once.

A data directory holds the tables of the canonical contract (`etwin_analysis.contract`) as
``<table>.csv``, ``<table>.csv.gz`` or ``<table>.parquet``. Loading goes in three steps:

1. **Read** every file as text (CSV: UTF-8, a byte-order mark is accepted; nothing in a cell is
   interpreted, so spreadsheet formulas such as ``=SUM(A1)`` stay plain text).
2. **Parse** each contract column into its type (whole numbers, decimals, ISO dates, booleans)
   and **validate** the table with a pandera schema built from the contract: required values,
   unique ids, allowed codes, ranges, ISO 3166-1 country codes (``EL`` and ``UK`` normalised to
   ``GR`` and ``GB``).
3. **Cross-check** the tables: memberships refer to known projects and institutions (and people),
   respondents to known institutions and items, responses lie within the item's scale, end dates
   do not precede start dates, no membership is listed twice.

Every problem names the file, the row (as a spreadsheet shows it: the header is row 1, the first
data row is row 2), the column and the reason. With ``on_error="raise"`` (the default) any
problem raises one `DataValidationError` listing them all. With ``on_error="drop"`` rows with
problems are set aside with their reasons (and rows referring to them cascade), the rest is
loaded, and for every table ``read == loaded + rejected``. Problems with a whole file (missing,
empty, not UTF-8, a required column absent) always raise.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from etwin_analysis import contract
from etwin_analysis.contract import EU_TO_ISO_COUNTRY, PROVENANCE_COLUMN, SYNTHETIC_MARK, Table
from etwin_analysis.paths import SYNTHETIC_DIR

FILE_SUFFIXES = (".csv", ".csv.gz", ".parquet")
#: Earliest plausible ``etwinning_since`` (eTwinning was launched in 2005).
FIRST_ETWINNING_YEAR = 2005
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


# --------------------------------------------------------------------------------------------
# Problems and errors
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is and why it cannot be used."""

    table: str
    file: str
    row: int | None  # spreadsheet row (header = 1); None for a problem with the whole file
    column: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.reason}"


class DataValidationError(ValueError):
    """The input cannot be used as it is. ``problems`` lists every reason found."""

    def __init__(self, problems: list[Problem], path: Path | str | None = None, limit: int = 50):
        self.problems = list(problems)
        self.path = path
        head = f"{len(self.problems)} problem(s) in {path}" if path else "data problems"
        lines = [str(p) for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"... and {len(self.problems) - limit} more (see .problems)")
        super().__init__(head + ":\n  - " + "\n  - ".join(lines))

    def to_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)


class MissingTableError(DataValidationError):
    """An analysis needs a table that the data directory does not have."""


def problems_frame(problems: Iterable[Problem]) -> pd.DataFrame:
    rows = [p.__dict__ for p in problems]
    frame = pd.DataFrame(rows, columns=["table", "file", "row", "column", "reason"])
    frame["row"] = frame["row"].astype("Int64")
    return frame


# --------------------------------------------------------------------------------------------
# The dataset object
# --------------------------------------------------------------------------------------------
@dataclass
class LoadReport:
    """What was read, loaded and rejected, per table, and why."""

    counts: pd.DataFrame  # table, file, read, loaded, rejected
    problems: list[Problem] = field(default_factory=list)
    rejected: pd.DataFrame = field(default_factory=lambda: pd.DataFrame())

    def to_frame(self) -> pd.DataFrame:
        return self.counts.copy()

    def problems_frame(self) -> pd.DataFrame:
        return problems_frame(self.problems)

    def summary(self) -> str:
        lines = ["table               read   loaded  rejected"]
        for r in self.counts.itertuples():
            lines.append(f"{r.table:<18}{r.read:>6}{r.loaded:>9}{r.rejected:>10}")
        if self.problems:
            lines.append(f"{len(self.problems)} problem(s); first ones:")
            lines += [f"  - {p}" for p in self.problems[:10]]
        else:
            lines.append("no problems found")
        return "\n".join(lines)


@dataclass
class Dataset:
    """A validated data directory in the canonical contract."""

    institutions: pd.DataFrame
    projects: pd.DataFrame
    memberships: pd.DataFrame
    people: pd.DataFrame | None = None
    survey_items: pd.DataFrame | None = None
    survey_responses: pd.DataFrame | None = None
    path: Path | None = None
    checksum: str = ""
    report: LoadReport | None = None
    truth: dict | None = None

    @property
    def is_synthetic(self) -> bool:
        """True when any table carries the synthetic provenance marker."""
        for name in contract.TABLES:
            frame = getattr(self, name)
            if frame is not None and PROVENANCE_COLUMN in frame.columns:
                if frame[PROVENANCE_COLUMN].astype(str).str.contains(SYNTHETIC_MARK).any():
                    return True
        return False

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {n: getattr(self, n) for n in contract.TABLES if getattr(self, n) is not None}

    def require(self, *names: str, purpose: str = "this analysis") -> Dataset:
        """Raise `MissingTableError` naming the tables ``purpose`` needs but the data lacks."""
        missing = [n for n in names if getattr(self, n, None) is None]
        if missing:
            where = str(self.path) if self.path else "the dataset"
            problems = [
                Problem(
                    n,
                    f"{n}.csv",
                    None,
                    None,
                    f"{purpose} needs the '{n}' table, which {where} does not have "
                    f"(see data/README.md for its columns)",
                )
                for n in missing
            ]
            raise MissingTableError(problems, self.path)
        return self

    @classmethod
    def from_frames(cls, *, on_error: str = "raise", **frames: pd.DataFrame | None) -> Dataset:
        """Validate in-memory tables exactly as `load_dataset` validates files."""
        unknown = set(frames) - set(contract.TABLES)
        if unknown:
            raise TypeError(f"unknown table(s): {sorted(unknown)}")
        raw = {}
        for name, frame in frames.items():
            if frame is None:
                continue
            frame = frame.reset_index(drop=True).copy()
            frame.index = frame.index + 2
            raw[name] = (frame, f"<{name} frame>")
        return _validate(raw, on_error=on_error, path=None, checksum=_frames_checksum(raw))


def institution_memberships(memberships: pd.DataFrame) -> pd.DataFrame:
    """One row per (project, institution): person-level membership rows collapsed.

    Memberships may list several people of one institution in one project (one row each);
    institution-level analyses count the institution once. Keeps ``role`` when present (all of
    an institution's rows in a project share it); works on any frame with the two id columns.
    """
    columns = [c for c in ("project_id", "institution_id", "role") if c in memberships.columns]
    return memberships.drop_duplicates(["project_id", "institution_id"])[columns].reset_index(
        drop=True
    )


# --------------------------------------------------------------------------------------------
# Reading files
# --------------------------------------------------------------------------------------------
def table_file(directory: Path, name: str) -> Path | None:
    """The file holding table ``name`` in ``directory`` (None if there is none)."""
    found = [directory / f"{name}{s}" for s in FILE_SUFFIXES if (directory / f"{name}{s}").exists()]
    if len(found) > 1:
        raise DataValidationError(
            [Problem(name, str(found[0]), None, None, f"several files for one table: {found}")],
            directory,
        )
    return found[0] if found else None


def data_checksum(path: str | Path) -> str:
    """SHA-256 over the names and bytes of every contract table file in a data directory."""
    directory = Path(path)
    digest = hashlib.sha256()
    for name in contract.TABLES:
        file = table_file(directory, name)
        if file is not None:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _frames_checksum(raw: dict[str, tuple[pd.DataFrame, str]]) -> str:
    digest = hashlib.sha256()
    for name in sorted(raw):
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(raw[name][0].astype(str), index=False).values)
    return digest.hexdigest()


def read_table(file: Path, table: str, encoding: str = "utf-8") -> pd.DataFrame:
    """Read one table file as text, indexed by spreadsheet row. Raises for whole-file problems."""
    problem = None
    try:
        if file.name.endswith(".parquet"):
            frame = pd.read_parquet(file)
            frame = frame.astype(object).where(frame.notna(), None)
        else:
            enc = (
                "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
            )
            frame = pd.read_csv(
                file,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                encoding=enc,
                skipinitialspace=False,
            )
    except UnicodeDecodeError as exc:
        problem = (
            f"is not valid {encoding} text (byte 0x{exc.object[exc.start]:02x} at byte offset "
            f"{exc.start}); if it was saved by a spreadsheet in a legacy encoding, load it with "
            f"encoding='cp1252' (or 'latin-1'), e.g. `etwin validate DIR --encoding cp1252`"
        )
    except pd.errors.EmptyDataError:
        problem = "is empty (no header row and no data)"
    except (pd.errors.ParserError, ValueError, OSError) as exc:
        problem = f"cannot be read: {exc}"
    if problem:
        raise DataValidationError([Problem(table, str(file), None, None, problem)], file)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    if frame.empty:
        raise DataValidationError(
            [Problem(table, str(file), None, None, "has a header row but no data rows")], file
        )
    frame.index = pd.RangeIndex(2, len(frame) + 2)
    return frame


# --------------------------------------------------------------------------------------------
# Parsing and validating one table
# --------------------------------------------------------------------------------------------
def _text(values: pd.Series) -> pd.Series:
    """Stripped text with empty cells as missing (None); vectorised with Arrow strings."""
    text = values.astype("string[pyarrow]").str.strip()
    text = text.mask(text == "")
    return text.astype(object).where(text.notna(), None)


def _parse_column(values: pd.Series, col: contract.Column) -> tuple[pd.Series, pd.Series, str]:
    """Parse to the column's type; return (parsed, failed mask, expectation text)."""
    text = _text(values)
    present = text.notna()
    if col.dtype == "str":
        return text, pd.Series(False, index=text.index), ""
    if col.dtype in ("int", "float"):
        numbers = pd.to_numeric(text, errors="coerce")
        if col.dtype == "int":
            whole = numbers.notna() & (np.floor(numbers) == numbers)
            failed = present & ~whole
            parsed = numbers.where(whole).astype("Float64").astype("Int64")
            return parsed, failed, "a whole number"
        return numbers.astype(float), present & numbers.isna(), "a number"
    if col.dtype == "date":
        parsed = pd.to_datetime(text, errors="coerce", format="ISO8601")
        return parsed, present & parsed.isna(), "a date as YYYY-MM-DD"
    if col.dtype == "bool":
        lowered = text.map(lambda v: v.lower() if isinstance(v, str) else v)
        truth = lowered.map(lambda v: True if v in _TRUE else (False if v in _FALSE else None))
        failed = present & truth.isna()
        return truth, failed, "true or false"
    raise ValueError(f"unknown contract dtype {col.dtype}")


def _iso_country(series: pd.Series) -> pd.Series:
    from etwin_analysis.countries import is_iso2

    codes = series.dropna().unique()
    valid = {c: bool(is_iso2(c)) for c in codes}
    return series.map(lambda v: True if v is None or pd.isna(v) else valid.get(v, False))


def _schema(table: Table, frame: pd.DataFrame) -> pa.DataFrameSchema:
    """The pandera schema of a parsed contract table (only columns present are checked)."""
    columns = {}
    for col in table.columns:
        if col.name not in frame.columns:
            continue
        checks = []
        if col.allowed:
            checks.append(pa.Check.isin(list(col.allowed)))
        if col.name == "country":
            checks.append(pa.Check(_iso_country, name="iso_country"))
        if col.name == "latitude":
            checks.append(pa.Check.in_range(-90, 90))
        if col.name == "longitude":
            checks.append(pa.Check.in_range(-180, 180))
        if col.name == "etwinning_since":
            checks.append(pa.Check.in_range(FIRST_ETWINNING_YEAR, pd.Timestamp.now().year + 1))
        if col.name == "engagement":
            checks.append(pa.Check.ge(0))
        columns[col.name] = pa.Column(
            nullable=col.nullable, unique=col.unique, checks=checks or None, required=False
        )
    return pa.DataFrameSchema(columns, strict=False)


_CHECK_REASONS = {
    "not_nullable": lambda v, col: "is empty but a value is required",
    "field_uniqueness": lambda v, col: f"duplicate value '{v}' (must be unique)",
    "iso_country": lambda v, col: f"'{v}' is not an ISO 3166-1 alpha-2 country code",
}


def _reason(check: str, value, col: contract.Column) -> str:
    if check in _CHECK_REASONS:
        return _CHECK_REASONS[check](value, col)
    if check.startswith("isin"):
        return f"'{value}' is not one of the allowed values: {', '.join(col.allowed or ())}"
    if check.startswith("in_range") or check.startswith("greater_than"):
        return f"value {value} is out of range ({check})"
    return f"value {value!r} fails check {check}"


def parse_table(table: Table, frame: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse and validate one raw table. Raises for missing required columns."""
    missing = [c for c in table.required_columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [
                Problem(
                    table.name,
                    file,
                    1,
                    c,
                    f"required column '{c}' is missing (the header has: "
                    f"{', '.join(map(str, frame.columns))})",
                )
                for c in missing
            ],
            file,
        )
    parsed = frame.copy()
    problems: list[Problem] = []
    parse_failed: set[tuple[int, str]] = set()
    for col in table.columns:
        if col.name not in frame.columns:
            continue
        values, failed, expected = _parse_column(frame[col.name], col)
        if col.name == "country":
            values = values.map(lambda v: v.upper() if isinstance(v, str) else v)
            values = values.replace(EU_TO_ISO_COUNTRY)
        parsed[col.name] = values
        for row, raw in frame.loc[failed, col.name].items():
            problems.append(
                Problem(table.name, file, int(row), col.name, f"expected {expected}, got '{raw}'")
            )
            parse_failed.add((int(row), col.name))
    # Text columns outside the contract are kept as text (stripped).
    for name in frame.columns:
        if table.columns and name not in {c.name for c in table.columns}:
            parsed[name] = _text(frame[name])
    try:
        _schema(table, parsed).validate(parsed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        for case in cases.itertuples():
            if case.index is None or pd.isna(case.index):
                continue
            row, name = int(case.index), str(case.column)
            if (row, name) in parse_failed:
                continue  # already reported as unparseable
            problems.append(
                Problem(
                    table.name,
                    file,
                    row,
                    name,
                    _reason(str(case.check), case.failure_case, table.column(name)),
                )
            )
    if table.name == "projects" and "end_date" in parsed.columns:
        bad = parsed["end_date"].notna() & (parsed["end_date"] < parsed["start_date"])
        for row in parsed.index[bad]:
            problems.append(
                Problem(
                    table.name,
                    file,
                    int(row),
                    "end_date",
                    f"end_date {parsed.at[row, 'end_date'].date()} is before "
                    f"start_date {parsed.at[row, 'start_date'].date()}",
                )
            )
    if table.name == "survey_items":
        bad = parsed["scale_min"].notna() & parsed["scale_max"].notna()
        bad &= parsed["scale_min"] >= parsed["scale_max"]
        for row in parsed.index[bad.fillna(False)]:
            problems.append(
                Problem(
                    table.name,
                    file,
                    int(row),
                    "scale_max",
                    "scale_max must be greater than scale_min",
                )
            )
    key = [k for k in table.key if k in parsed.columns]
    if len(key) > 1:
        dup = parsed.duplicated(subset=key, keep="first")
        for row in parsed.index[dup]:
            values = ", ".join(f"{k}={parsed.at[row, k]}" for k in key)
            problems.append(
                Problem(
                    table.name,
                    file,
                    int(row),
                    None,
                    f"duplicate row ({values} is listed more than once)",
                )
            )
    return parsed, problems


# --------------------------------------------------------------------------------------------
# Cross-table checks
# --------------------------------------------------------------------------------------------
#: Cross-table references: (table, column) must name a row of (target table, its key column).
REFERENCES = (
    ("memberships", "project_id", "projects"),
    ("memberships", "institution_id", "institutions"),
    ("memberships", "person_id", "people"),
    ("people", "institution_id", "institutions"),
    ("survey_responses", "institution_id", "institutions"),
    ("survey_responses", "item", "survey_items"),
)


def _dangling(
    tables: dict[str, pd.DataFrame],
    files: dict[str, str],
    gone: dict[str, pd.DataFrame],
    table: str,
    column: str,
    target: str,
) -> list[Problem]:
    """Rows of ``table`` whose ``column`` names no row of ``target`` (or a rejected one)."""
    frame, key = tables[table], contract.TABLES[target].key[0]
    values = frame[column]
    bad = values.notna() & ~values.isin(set(tables[target][key].dropna()))
    rejected = set(gone[target][key].dropna()) if target in gone else set()
    return [
        Problem(
            table,
            files[table],
            int(row),
            column,
            f"refers to {column} '{values[row]}', which "
            + (
                "was rejected (see its own problem)"
                if values[row] in rejected
                else f"is not in {target}"
            ),
        )
        for row in frame.index[bad]
    ]


def _cross_checks(
    tables: dict[str, pd.DataFrame],
    files: dict[str, str],
    gone: dict[str, pd.DataFrame] | None = None,
) -> list[Problem]:
    """Problems between tables; ``gone`` holds the rows already rejected (for clear reasons)."""
    gone = gone or {}
    problems: list[Problem] = []
    for table, column, target in REFERENCES:
        if table in tables and target in tables and column in tables[table].columns:
            problems += _dangling(tables, files, gone, table, column, target)
    if "survey_responses" in tables:
        r, f = tables["survey_responses"], files["survey_responses"]
        if "survey_items" not in tables:
            problems.append(
                Problem(
                    "survey_responses",
                    f,
                    None,
                    None,
                    "survey responses need the survey_items table "
                    "(it defines each item's construct and scale)",
                )
            )
        else:
            items = tables["survey_items"].set_index("item")
            lo = r["item"].map(items["scale_min"])
            hi = r["item"].map(items["scale_max"])
            out = r["response"].notna() & lo.notna() & ((r["response"] < lo) | (r["response"] > hi))
            for row in r.index[out.fillna(False).astype(bool)]:
                problems.append(
                    Problem(
                        "survey_responses",
                        f,
                        int(row),
                        "response",
                        f"response {r.at[row, 'response']} is outside item '{r.at[row, 'item']}' "
                        f"scale {lo[row]}..{hi[row]}",
                    )
                )
        for col in ("institution_id", "group"):
            varies = r.groupby("respondent_id")[col].transform("nunique") > 1
            for row in r.index[varies]:
                problems.append(
                    Problem(
                        "survey_responses",
                        f,
                        int(row),
                        col,
                        f"respondent '{r.at[row, 'respondent_id']}' has more than one {col}",
                    )
                )
    return problems


# --------------------------------------------------------------------------------------------
# Validation pipeline
# --------------------------------------------------------------------------------------------
def _validate(
    raw: dict[str, tuple[pd.DataFrame, str]],
    *,
    on_error: str,
    path: Path | None,
    checksum: str,
    truth: dict | None = None,
) -> Dataset:
    if on_error not in ("raise", "drop"):
        raise ValueError("on_error must be 'raise' or 'drop'")
    missing = [n for n, t in contract.TABLES.items() if t.required and n not in raw]
    if missing:
        where = path if path else "the frames given"
        raise DataValidationError(
            [
                Problem(
                    n,
                    f"{n}.csv",
                    None,
                    None,
                    f"required table '{n}' is missing from {where} "
                    f"(expected {n}.csv, {n}.csv.gz or {n}.parquet)",
                )
                for n in missing
            ],
            path,
        )
    parsed: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    problems: list[Problem] = []
    fatal: list[Problem] = []
    for name, (frame, file) in raw.items():
        files[name] = file
        try:
            parsed[name], found = parse_table(contract.TABLES[name], frame, file)
        except DataValidationError as exc:
            fatal += exc.problems
            continue
        problems += found
    if fatal:
        raise DataValidationError(fatal + problems, path)

    # Row problems found in a table, then cross-table problems of what remains: a row that
    # refers to a rejected row is itself rejected ("cascade"), so iterate until stable.
    rejected_rows: dict[str, set[int]] = {
        n: {p.row for p in problems if p.table == n} for n in parsed
    }
    all_problems = list(problems)
    if on_error == "raise":
        kept = parsed
        all_problems += _cross_checks(parsed, files)
    else:
        # A row that refers to a rejected row is itself rejected: iterate until stable.
        while True:
            kept = {n: f.drop(index=list(rejected_rows[n])) for n, f in parsed.items()}
            gone = {n: f.loc[sorted(rejected_rows[n])] for n, f in parsed.items()}
            new = [p for p in _cross_checks(kept, files, gone)]
            all_problems += new
            if not new or any(p.row is None for p in new):
                break
            for p in new:
                rejected_rows[p.table].add(p.row)
    all_problems = _to_source_rows(all_problems, parsed)
    if all_problems and (on_error == "raise" or any(p.row is None for p in all_problems)):
        raise DataValidationError(all_problems, path)

    counts = pd.DataFrame(
        [
            {
                "table": n,
                "file": files[n],
                "read": len(parsed[n]),
                "loaded": len(kept[n]),
                "rejected": len(rejected_rows[n]),
            }
            for n in parsed
        ]
    )
    rejected = problems_frame(all_problems)
    report = LoadReport(counts=counts, problems=all_problems, rejected=rejected)
    frames = {n: _final_types(n, f.reset_index(drop=True)) for n, f in kept.items()}
    return Dataset(**frames, path=path, checksum=checksum, report=report, truth=truth)


def _final_types(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give fully valid columns their final dtype (booleans without gaps become ``bool``)."""
    for col in contract.TABLES[name].columns:
        if col.dtype == "bool" and col.name in frame.columns and frame[col.name].notna().all():
            frame[col.name] = frame[col.name].astype(bool)
    return frame


def _to_source_rows(problems: list[Problem], parsed: dict[str, pd.DataFrame]) -> list[Problem]:
    """Point problems of survey answers read from a wide file at the wide file's row and item."""
    frame = parsed.get("survey_responses")
    if frame is None or "source_row" not in frame.columns:
        return problems
    out = []
    for p in problems:
        if p.table == "survey_responses" and p.row is not None:
            column = frame.at[p.row, "item"] if p.column == "response" else p.column
            p = replace(p, row=int(frame.at[p.row, "source_row"]), column=column)
        out.append(p)
    return out


def load_dataset(
    path: str | Path | None = None,
    *,
    on_error: str = "raise",
    encoding: str = "utf-8",
    rejects_dir: str | Path | None = None,
) -> Dataset:
    """Load and validate a data directory (default: the bundled synthetic world).

    Parameters
    ----------
    path
        Directory with ``institutions``, ``projects``, ``memberships`` and optionally ``people``,
        ``survey_items``, ``survey_responses`` as CSV (optionally gzipped) or Parquet.
        Survey responses in the wide layout (one column per item) are accepted too.
    on_error
        ``"raise"``: any problem raises `DataValidationError` listing all of them.
        ``"drop"``: rows with problems (and rows referring to them) are set aside with reasons
        in ``dataset.report.rejected``; per table ``read == loaded + rejected``.
    encoding
        Text encoding of CSV files (UTF-8 with or without byte-order mark by default).
    rejects_dir
        With ``on_error="drop"``, also write ``rejected_rows.csv`` (spreadsheet-safe) and
        ``load_report.csv`` there.
    """
    directory = Path(path) if path is not None and str(path) != "" else SYNTHETIC_DIR
    if not directory.exists():
        raise DataValidationError(
            [Problem("-", str(directory), None, None, "this path does not exist")], directory
        )
    if not directory.is_dir():
        raise DataValidationError(
            [
                Problem(
                    "-",
                    str(directory),
                    None,
                    None,
                    "is a file; pass the directory that holds the table files",
                )
            ],
            directory,
        )
    raw: dict[str, tuple[pd.DataFrame, str]] = {}
    fatal: list[Problem] = []
    for name in contract.TABLES:
        file = table_file(directory, name)
        if file is None:
            continue
        try:
            frame = read_table(file, name, encoding=encoding)
            if name == "survey_responses" and "item" not in frame.columns:
                from etwin_analysis.survey_layout import wide_to_long

                frame = wide_to_long(frame, str(file))
            raw[name] = (frame, str(file))
        except DataValidationError as exc:
            fatal += exc.problems
    if fatal:
        raise DataValidationError(fatal, directory)
    truth_file = directory / "truth.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else None
    dataset = _validate(
        raw, on_error=on_error, path=directory, checksum=data_checksum(directory), truth=truth
    )
    if rejects_dir is not None and dataset.report is not None:
        from etwin_analysis.safecsv import write_csv

        out = Path(rejects_dir)
        out.mkdir(parents=True, exist_ok=True)
        write_csv(dataset.report.rejected, out / "rejected_rows.csv")
        write_csv(dataset.report.counts, out / "load_report.csv")
    return dataset
