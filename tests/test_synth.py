"""The synthetic eTwinning world: reproducibility, contract, and the truth it promises."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from etwin_analysis import contract, synth
from etwin_analysis.contract import PROVENANCE_COLUMN, SYNTHETIC_MARK
from etwin_analysis.paths import SYNTHETIC_DIR

BUNDLED_TRUTH = json.loads((SYNTHETIC_DIR / "truth.json").read_text(encoding="utf-8"))
SEED = BUNDLED_TRUTH["seed"]


@pytest.fixture(scope="module")
def world() -> synth.SyntheticWorld:
    """The bundled world, regenerated from its recorded seed (once per module)."""
    return synth.generate(SEED, BUNDLED_TRUTH["scale"])


@pytest.fixture(scope="module")
def null_world() -> synth.SyntheticWorld:
    """Same seed, true adoption effect set to zero."""
    return synth.generate(
        SEED, BUNDLED_TRUTH["scale"], adoption_effect_scale=0.0, include_survey=False
    )


@pytest.fixture(scope="module")
def inst_members(world) -> pd.DataFrame:
    """Institution-level memberships with institution type, country and project year."""
    m = world.memberships.drop_duplicates(["project_id", "institution_id"])
    m = m.merge(
        world.institutions[["institution_id", "institution_type", "country", "etwinning_since"]],
        on="institution_id",
    )
    p = world.projects.assign(year=world.projects["start_date"].dt.year)
    return m.merge(p[["project_id", "programme", "year"]], on="project_id")


def test_regenerating_with_recorded_seed_reproduces_bundled_files(world, tmp_path):
    assert SEED == 2023
    synth.write(world, tmp_path)
    bundled = sorted(p.name for p in SYNTHETIC_DIR.iterdir() if p.is_file())
    regenerated = sorted(p.name for p in tmp_path.iterdir())
    assert bundled == regenerated
    for name in bundled:
        assert (tmp_path / name).read_bytes() == (SYNTHETIC_DIR / name).read_bytes(), name


def test_cli_writes_the_same_tables(tmp_path):
    out = tmp_path / "cli"
    assert synth.main(["--seed", str(SEED), "--out", str(out), "--no-survey"]) == 0
    for name in ("institutions.csv", "projects.csv", "memberships.csv", "people.csv"):
        assert (out / name).read_bytes() == (SYNTHETIC_DIR / name).read_bytes(), name
    assert not (out / "survey_responses.csv").exists()


def test_cli_reports_bad_output_path_and_scale(tmp_path, capsys):
    not_dir = tmp_path / "file.txt"
    not_dir.write_text("x")
    assert synth.main(["--seed", "1", "--out", str(not_dir), "--no-survey"]) == 2
    assert "not a directory" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        synth.main(["--seed", "1", "--out", str(tmp_path), "--scale", "huge"])
    with pytest.raises(ValueError, match="adoption_effect_scale"):
        synth.generate(1, adoption_effect_scale=-1)


def test_tables_follow_the_contract(world):
    for name, frame in world.tables().items():
        spec = contract.TABLES[name]
        missing = set(spec.required_columns) - set(frame.columns)
        assert not missing, (name, missing)
        for col in spec.columns:
            if col.name not in frame:
                continue
            values = frame[col.name]
            if not col.nullable:
                assert values.notna().all(), (name, col.name)
            if col.unique:
                assert values.is_unique, (name, col.name)
            if col.allowed:
                assert set(values.dropna()) <= set(col.allowed), (name, col.name)
            if col.dtype == "date":
                assert pd.api.types.is_datetime64_any_dtype(values), (name, col.name)
            if col.dtype == "float":
                assert values.dtype == "float64", (name, col.name)
        if spec.key:
            assert not frame.duplicated(list(spec.key)).any(), name
    inst = world.institutions
    assert set(inst["institution_type"]) == set(contract.INSTITUTION_TYPES)
    assert inst["name"].str.startswith("Synthetic ").all()
    assert set(world.projects["programme"]) >= {"etwinning", "erasmus_plus"}
    p = world.projects
    assert (p["end_date"] >= p["start_date"]).all()
    assert p["start_date"].dt.year.between(synth.FIRST_YEAR, synth.LAST_YEAR).all()
    joined = world.memberships.merge(p, on="project_id")
    assert (joined["joined_on"] >= joined["start_date"]).all()
    assert (joined["joined_on"] <= joined["end_date"]).all()


def test_every_table_and_file_carries_the_provenance_mark(world):
    for name, frame in world.tables().items():
        assert (frame[PROVENANCE_COLUMN] == SYNTHETIC_MARK).all(), name
        header = (SYNTHETIC_DIR / f"{name}.csv").read_text(encoding="utf-8").split("\n", 1)[0]
        assert PROVENANCE_COLUMN in header.split(","), name
    assert "SYNTHETIC" in (SYNTHETIC_DIR / "README.md").read_text(encoding="utf-8")


def test_bundled_world_loads_with_load_dataset():
    from etwin_analysis import load_dataset

    ds = load_dataset(SYNTHETIC_DIR)
    assert ds.is_synthetic
    assert ds.truth is not None and ds.truth["seed"] == SEED
    assert ds.people is not None and ds.survey_responses is not None
    assert (
        len(ds.memberships)
        == (SYNTHETIC_DIR / "memberships.csv").read_text(encoding="utf-8").count("\n") - 1
    )


def test_bundled_world_is_small_enough_to_commit():
    total = sum(p.stat().st_size for p in SYNTHETIC_DIR.iterdir())
    assert total < 5_000_000


def test_countries_and_sizes(world):
    inst = world.institutions
    from etwin_analysis import countries

    assert set(inst["country"]) == set(countries.etwinning_countries())
    per_country = inst.groupby("country").size().sort_values()
    # a few big countries, many small ones
    assert per_country.iloc[-5:].sum() > 0.4 * len(inst)
    assert per_country.median() < per_country.mean()
    assert 3000 <= len(inst) <= 5000
    assert 150 <= (inst["institution_type"] == "ite").sum() <= 300
    assert 15_000 <= len(world.memberships) <= 25_000


def test_project_sizes_are_heavy_tailed(inst_members):
    sizes = inst_members.groupby("project_id").size()
    assert sizes.between(2, 4).mean() > 0.75
    assert sizes.max() >= 20
    assert (sizes >= 10).sum() >= 10


def test_growth_over_time(world, inst_members):
    per_year = world.projects["start_date"].dt.year.value_counts().sort_index()
    assert per_year.loc[2020:2024].mean() > 2.5 * per_year.loc[2005:2009].mean()
    joined = world.institutions["etwinning_since"].dropna()
    assert joined.min() == 2005 and joined.max() == 2024
    assert world.institutions["etwinning_since"].isna().any()


def test_country_homophily_beats_random_mixing(inst_members):
    m = inst_members[["project_id", "institution_id", "country"]]
    pairs = m.merge(m, on="project_id")
    pairs = pairs[pairs["institution_id_x"] < pairs["institution_id_y"]]
    observed = (pairs["country_x"] == pairs["country_y"]).mean()
    share = m["country"].value_counts(normalize=True)
    expected = float((share**2).sum())
    assert observed > expected + 0.15


def test_preferential_attachment_gives_hubs(inst_members):
    degree = inst_members.groupby("institution_id").size()
    # heavy-tailed participation: the top 1% of institutions hold far more than 1% of it
    top = degree.sort_values().iloc[-max(1, len(degree) // 100) :].sum()
    assert top / degree.sum() > 0.04


def test_etwinning_projects_only_involve_schools_that_had_joined(inst_members):
    et = inst_members[
        (inst_members["programme"] == "etwinning") & (inst_members["institution_type"] != "ite")
    ]
    assert (et["etwinning_since"].astype("float") <= et["year"]).all()


def test_ite_institutions_partner_with_schools(inst_members):
    ite_projects = inst_members.loc[inst_members["institution_type"] == "ite", "project_id"]
    with_ite = inst_members[inst_members["project_id"].isin(ite_projects)]
    assert (with_ite["institution_type"] != "ite").sum() > 1000


def test_membership_representation(world):
    m = world.memberships
    has_person = m["person_id"].notna()
    per_pair = m.assign(has=has_person).groupby(["project_id", "institution_id"])["has"]
    # either one row without person detail, or only rows with a person
    mixed = per_pair.agg(["any", "all", "size"])
    assert ((mixed["all"]) | (~mixed["any"] & (mixed["size"] == 1))).all()
    # the institution's role and joined_on are the same on all its rows in a project
    assert (
        (m.groupby(["project_id", "institution_id"])[["role", "joined_on"]].nunique() == 1)
        .all()
        .all()
    )
    inst_level = m.drop_duplicates(["project_id", "institution_id"])
    leads = (
        inst_level["role"].isin(["founder", "coordinator"]).groupby(inst_level["project_id"]).sum()
    )
    assert (leads == 1).all()
    assert set(m.loc[has_person, "person_id"]) <= set(world.people["person_id"])
    # every ITE participation has person detail
    ite = set(
        world.institutions.loc[world.institutions["institution_type"] == "ite", "institution_id"]
    )
    assert m.loc[m["institution_id"].isin(ite), "person_id"].notna().all()
    people = world.people.set_index("person_id")
    rows = m[has_person]
    assert (
        people.loc[rows["person_id"], "institution_id"].to_numpy()
        == rows["institution_id"].to_numpy()
    ).all()
    assert set(people["person_role"]) == set(contract.PERSON_ROLES)


def test_staggered_cohorts_and_never_adopters(world):
    ad = world.truth["adoption"]
    cohorts = {int(g): ids for g, ids in ad["cohorts"].items()}
    assert len(cohorts) >= 8 and min(cohorts) == synth.PILOT_YEAR
    inst = world.institutions.set_index("institution_id")
    ite = inst[inst["institution_type"] == "ite"]
    # about a quarter never adopt (never_share), a few fewer because the survey institutions
    # are made to adopt
    never_share = ad["params"]["never_share"]
    assert (never_share - 0.1) * len(ite) <= len(ad["never_adopter_ids"])
    assert len(ad["never_adopter_ids"]) <= (never_share + 0.1) * len(ite)
    for g, ids in cohorts.items():
        assert (inst.loc[ids, "etwinning_since"] == g).all()
    assert inst.loc[ad["never_adopter_ids"], "etwinning_since"].isna().all()
    assert set(ad["never_adopter_ids"]) | {i for ids in cohorts.values() for i in ids} == set(
        ite.index
    )


def test_ite_institutions_take_part_in_erasmus_before_adoption(null_world, world):
    """Erasmus+ starts of ITE institutions before adoption are not rare (so the event study's
    pre-adoption estimates are not built on a handful of events), and in the untreated world
    they do not depend on the adoption cohort (parallel trends by design)."""
    ad = world.truth["adoption"]
    cohort_of = {i: int(g) for g, ids in ad["cohorts"].items() for i in ids}
    m = null_world.memberships.drop_duplicates(["project_id", "institution_id"])
    m = m.merge(null_world.projects[["project_id", "programme", "start_date"]], on="project_id")
    ite = null_world.institutions.loc[
        null_world.institutions["institution_type"] == "ite", "institution_id"
    ]
    eras = m[(m["programme"] == "erasmus_plus") & m["institution_id"].isin(ite)]
    per_year = eras.groupby([eras["institution_id"], eras["start_date"].dt.year]).size()
    grid = pd.MultiIndex.from_product([ite, synth.YEARS], names=per_year.index.names)
    counts = per_year.reindex(grid, fill_value=0).rename("n").reset_index()
    counts.columns = ["institution_id", "year", "n"]
    counts["cohort"] = counts["institution_id"].map(cohort_of)
    pre = counts[counts["cohort"].notna() & (counts["year"] < counts["cohort"])]
    assert pre["n"].mean() > 0.1  # per ITE institution and year
    assert pre.loc[pre["year"] == pre["cohort"] - 1, "n"].sum() >= 30
    # 2005-2011 (before any adoption), per institution: early, late and never adopters alike.
    early = counts[counts["year"] < synth.PILOT_YEAR]
    per_inst = early.groupby("institution_id").agg(n=("n", "mean"), cohort=("cohort", "first"))
    group = np.select(
        [per_inst["cohort"].isna(), per_inst["cohort"] <= 2017], ["never", "early"], "late"
    )
    rates = per_inst.groupby(group)["n"].agg(["mean", "var", "size"])
    se = np.sqrt(rates["var"] / rates["size"])
    for a, b in (("early", "late"), ("early", "never"), ("late", "never")):
        diff = abs(rates.loc[a, "mean"] - rates.loc[b, "mean"])
        assert diff < 4 * np.hypot(se[a], se[b]), rates


def test_tau_is_dynamic_and_heterogeneous():
    e = np.arange(0, 8)
    early, late = synth.tau(2012, e), synth.tau(2020, e)
    assert (np.diff(early) >= 0).all() and early[-1] > early[0]
    assert (early > late).all()
    assert synth.tau(2015, -1) == 0.0
    assert (synth.tau(2015, e, scale=0.0) == 0).all()


def test_induced_projects_only_involve_adopters_at_event_time_nonnegative(world):
    ad = world.truth["adoption"]
    induced = set(ad["induced_project_ids"])
    assert len(induced) > 100
    cohort_of = {i: int(g) for g, ids in ad["cohorts"].items() for i in ids}
    m = world.memberships.drop_duplicates(["project_id", "institution_id"])
    m = (
        m[m["project_id"].isin(induced)]
        .merge(world.projects, on="project_id")
        .merge(world.institutions[["institution_id", "institution_type", "country"]])
    )
    assert (m["programme"] == "erasmus_plus").all()
    coord = m[m["role"] == "coordinator"]
    assert len(coord) == len(induced)
    assert coord["institution_id"].isin(cohort_of.keys()).all()
    event_time = coord["start_date"].dt.year - coord["institution_id"].map(cohort_of)
    assert (event_time >= 0).all()
    partners = m[m["role"] != "coordinator"]
    assert (partners["institution_type"] != "ite").all()
    assert partners.groupby("project_id").size().between(1, 3).all()
    # partners come from other countries than the coordinator's
    cc = coord.set_index("project_id")["country"]
    assert (partners["country"].to_numpy() != cc.loc[partners["project_id"]].to_numpy()).all()
    # realised counts add up and track tau
    realised = pd.DataFrame(ad["realised_induced"])
    assert realised["n_induced"].sum() == len(induced)
    tau = pd.DataFrame(ad["tau"]).merge(realised, on=["cohort", "event_time"])
    expected = (tau["tau"] * tau["n_adopters"]).sum()
    assert abs(realised["n_induced"].sum() - expected) < 4 * np.sqrt(expected)


def test_zero_effect_world_is_the_exact_counterfactual(world, null_world):
    assert null_world.truth["adoption"]["induced_project_ids"] == []
    assert null_world.truth["adoption"]["cohorts"] == world.truth["adoption"]["cohorts"]
    pd.testing.assert_frame_equal(null_world.institutions, world.institutions)
    induced = set(world.truth["adoption"]["induced_project_ids"])
    p1 = world.projects[~world.projects["project_id"].isin(induced)].reset_index(drop=True)
    pd.testing.assert_frame_equal(null_world.projects, p1)
    cols = ["project_id", "institution_id", "role", "joined_on"]

    def inst_level(frame):
        out = frame.drop_duplicates(["project_id", "institution_id"])[cols]
        return out.reset_index(drop=True)

    m1 = world.memberships[~world.memberships["project_id"].isin(induced)]
    pd.testing.assert_frame_equal(inst_level(null_world.memberships), inst_level(m1))


def test_cross_discipline_collaboration_rises_after_adoption(world):
    ad = world.truth["adoption"]
    cohort_of = {i: int(g) for g, ids in ad["cohorts"].items() for i in ids}
    people = world.people.set_index("person_id")
    m = world.memberships[world.memberships["person_id"].fillna("").str.startswith("E")]
    m = m.merge(world.projects[["project_id", "start_date"]], on="project_id")
    m = m[m["institution_id"].isin(cohort_of.keys())]
    m = m.assign(disc=people.loc[m["person_id"], "discipline"].to_numpy())
    pairs = m.merge(
        m[["project_id", "institution_id", "person_id", "disc"]],
        on=["project_id", "institution_id"],
    )
    pairs = pairs[pairs["person_id_x"] < pairs["person_id_y"]]
    after = pairs["start_date"].dt.year >= pairs["institution_id"].map(cohort_of)
    cross = pairs["disc_x"] != pairs["disc_y"]
    assert cross[after].mean() > cross[~after].mean() + 0.15
    params = world.truth["teacher_educators"]["params"]
    assert params["p_cross_after"] > params["p_cross_before"]


def test_survey_uses_ite_institutions_of_the_world(world):
    ids = world.truth["adoption"]["survey_institution_ids"]
    inst = world.institutions.set_index("institution_id").loc[ids]
    assert list(inst["country"]) == list(synth.SURVEY_COUNTRIES)
    assert (inst["institution_type"] == "ite").all()
    assert inst["name"].str.startswith("Synthetic ").all()
    assert set(world.survey_responses["institution_id"]) == set(ids)
    assert set(world.survey_responses["group"]) == set(contract.SURVEY_GROUPS)
    assert set(world.survey_responses["wave"]) == set(contract.SURVEY_WAVES)
    assert world.truth["survey"]["null_constructs"]
    assert world.survey_items["reverse"].any()


def test_truth_json_schema():
    t = BUNDLED_TRUTH
    assert {
        "seed",
        "scale",
        "network",
        "adoption",
        "teacher_educators",
        "survey",
        "countries",
    } <= set(t)
    assert {
        "tau",
        "tau_formula",
        "params",
        "cohorts",
        "never_adopter_ids",
        "induced_project_ids",
        "realised_induced",
        "adoption_effect_scale",
    } <= set(t["adoption"])
    assert {"pa_alpha", "p_same_country", "p_neighbour"} <= set(t["network"])
