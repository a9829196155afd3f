"""The canonical data contract: table names, columns, types and allowed values.

This module is the single description of the contract. The validator (`etwin_analysis.dataset`),
the synthetic-world generator (`etwin_analysis.synth`), the adapters and the codebook
(`data/README.md`) all follow it. Columns not listed here are kept on load.

Types after loading (what every analysis function may rely on):

- ``str``: pandas ``string``-compatible Python ``str`` values (object dtype), stripped.
- ``int``: pandas nullable ``Int64``.
- ``float``: ``float64``.
- ``date``: ``datetime64[ns]`` (ISO 8601 ``YYYY-MM-DD`` in files).
- ``bool``: ``bool`` (files may say true/false, yes/no, 1/0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

INSTITUTION_TYPES = ("pre_primary", "primary", "secondary", "vocational", "ite", "other")
PROGRAMMES = ("etwinning", "erasmus_plus", "other")
MEMBERSHIP_ROLES = ("founder", "coordinator", "partner", "member")
PERSON_ROLES = ("teacher", "teacher_educator", "student_teacher")
SURVEY_GROUPS = ("etwinning", "comparison")
SURVEY_WAVES = ("pre", "post")

#: EU institutions' own country codes that differ from ISO 3166-1 alpha-2, normalised on load.
EU_TO_ISO_COUNTRY = {"EL": "GR", "UK": "GB"}

#: Column that marks generated data; any table whose rows say ``synthetic`` makes the dataset
#: synthetic (see `Dataset.is_synthetic`).
PROVENANCE_COLUMN = "provenance"
SYNTHETIC_MARK = "synthetic"


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # one of: str, int, float, date, bool
    required: bool = True  # the column must be present
    nullable: bool = False  # empty cells are allowed
    unique: bool = False
    allowed: tuple[str, ...] | None = None
    description: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    required: bool
    description: str = ""
    key: tuple[str, ...] = field(default_factory=tuple)  # duplicate rows on these are errors

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


INSTITUTIONS = Table(
    "institutions",
    (
        Column("institution_id", "str", unique=True, description="Stable identifier."),
        Column("name", "str", description="Institution name (synthetic in bundled data)."),
        Column(
            "country",
            "str",
            description="ISO 3166-1 alpha-2; EU codes EL and UK are accepted and normalised "
            "to GR and GB.",
        ),
        Column("city", "str", required=False, nullable=True),
        Column("latitude", "float", required=False, nullable=True, description="WGS84 degrees."),
        Column("longitude", "float", required=False, nullable=True, description="WGS84 degrees."),
        Column("institution_type", "str", allowed=INSTITUTION_TYPES),
        Column(
            "etwinning_since",
            "int",
            nullable=True,
            description="Year the institution joined eTwinning (ITE: joined 'eTwinning for "
            "future teachers'); empty if never.",
        ),
    ),
    required=True,
    description="One row per school or initial teacher education (ITE) institution.",
    key=("institution_id",),
)

PROJECTS = Table(
    "projects",
    (
        Column("project_id", "str", unique=True),
        Column("title", "str", nullable=True),
        Column("programme", "str", allowed=PROGRAMMES),
        Column("start_date", "date"),
        Column("end_date", "date", required=False, nullable=True, description="Not before start."),
        Column("subject", "str", required=False, nullable=True),
    ),
    required=True,
    description="One row per collaboration project (eTwinning or Erasmus+).",
    key=("project_id",),
)

MEMBERSHIPS = Table(
    "memberships",
    (
        Column("project_id", "str"),
        Column("institution_id", "str"),
        Column("role", "str", allowed=MEMBERSHIP_ROLES),
        Column(
            "person_id",
            "str",
            required=False,
            nullable=True,
            description="Pseudonymous educator or student teacher who took part.",
        ),
        Column("joined_on", "date", required=False, nullable=True),
    ),
    required=True,
    description="Who took part in which project: one row per institution (and person) and project.",
    key=("project_id", "institution_id", "person_id"),
)

PEOPLE = Table(
    "people",
    (
        Column("person_id", "str", unique=True),
        Column("institution_id", "str"),
        Column("person_role", "str", allowed=PERSON_ROLES),
        Column("discipline", "str", nullable=True),
    ),
    required=False,
    description="Pseudonymous teachers, teacher educators and student teachers.",
    key=("person_id",),
)

SURVEY_ITEMS = Table(
    "survey_items",
    (
        Column("item", "str", unique=True),
        Column("construct", "str"),
        Column("reverse", "bool"),
        Column("scale_min", "int"),
        Column("scale_max", "int"),
        Column("text", "str", nullable=True),
    ),
    required=False,
    description="Likert items of the student-teacher survey and the construct each measures.",
    key=("item",),
)

SURVEY_RESPONSES = Table(
    "survey_responses",
    (
        Column("respondent_id", "str"),
        Column("institution_id", "str"),
        Column("group", "str", allowed=SURVEY_GROUPS),
        Column("wave", "str", allowed=SURVEY_WAVES),
        Column("item", "str"),
        Column(
            "response",
            "int",
            nullable=True,
            description="Within the item's scale; empty = missing.",
        ),
        Column(
            "engagement",
            "float",
            required=False,
            nullable=True,
            description="Number of project activities the respondent took part in.",
        ),
    ),
    required=False,
    description="Survey answers in long format: one row per respondent, wave and item.",
    key=("respondent_id", "wave", "item"),
)

TABLES: dict[str, Table] = {
    t.name: t for t in (INSTITUTIONS, PROJECTS, MEMBERSHIPS, PEOPLE, SURVEY_ITEMS, SURVEY_RESPONSES)
}

#: Columns that identify people; never allowed in outputs meant for sharing.
PERSON_IDENTIFIER_COLUMNS = ("respondent_id", "person_id")


def codebook_markdown() -> str:
    """The contract as Markdown tables (the generated part of ``data/README.md``)."""
    lines = []
    for table in TABLES.values():
        need = "required" if table.required else "optional"
        key = ", ".join(f"`{k}`" for k in table.key)
        lines += [f"### `{table.name}` ({need})", "", table.description, ""]
        if key:
            lines += [f"A row is identified by {key}.", ""]
        lines += [
            "| column | type | required column | empty allowed | rules |",
            "|---|---|---|---|---|",
        ]
        for col in table.columns:
            rules = []
            if col.unique:
                rules.append("unique")
            if col.allowed:
                rules.append("one of " + ", ".join(f"`{a}`" for a in col.allowed))
            if col.description:
                rules.append(col.description)
            lines.append(
                f"| `{col.name}` | {col.dtype} | {'yes' if col.required else 'no'} | "
                f"{'yes' if col.nullable else 'no'} | {'; '.join(rules)} |"
            )
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
