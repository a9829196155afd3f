"""Descriptive counts of a dataset, for the data overview notebook.

All functions are pure: DataFrames in the contract in, tidy count tables out.
"""

from __future__ import annotations

import pandas as pd

from etwin_analysis.dataset import institution_memberships


def institutions_by_country_type(institutions: pd.DataFrame) -> pd.DataFrame:
    """Number of institutions per country and institution type (columns country, type, n)."""
    return (
        institutions.groupby(["country", "institution_type"], observed=True)
        .size()
        .rename("n")
        .reset_index()
        .sort_values(["country", "institution_type"], ignore_index=True)
    )


def projects_per_year(projects: pd.DataFrame) -> pd.DataFrame:
    """Projects started per calendar year and programme (columns year, programme, n)."""
    year = projects["start_date"].dt.year.rename("year")
    return (
        projects.groupby([year, projects["programme"]], observed=True)
        .size()
        .rename("n")
        .reset_index()
    )


def project_sizes(memberships: pd.DataFrame) -> pd.DataFrame:
    """Number of distinct institutions per project (columns project_id, n_institutions)."""
    inst = institution_memberships(memberships)
    return inst.groupby("project_id").size().rename("n_institutions").reset_index()


def survey_counts(survey_responses: pd.DataFrame) -> pd.DataFrame:
    """Respondents with at least one answer, per institution, group and wave (column n)."""
    answered = survey_responses[survey_responses["response"].notna()]
    return (
        answered.groupby(["institution_id", "group", "wave"], observed=True)["respondent_id"]
        .nunique()
        .rename("n")
        .reset_index()
    )
