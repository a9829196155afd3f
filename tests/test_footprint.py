"""Distances, Erasmus+ travel bands, emission factors, the virtual counterfactual, its
uncertainty and the real-flows footprint (`etwin_analysis.footprint`)."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from geopy.distance import geodesic

from etwin_analysis import footprint as fp
from etwin_analysis.countries import capital_coordinates, country_cities
from etwin_analysis.dataset import Dataset
from etwin_analysis.paths import REFERENCE_DIR

# City centres (WGS84 degrees, GeoNames).
CITIES = {
    "Brussels": (50.85045, 4.34878),
    "Madrid": (40.4165, -3.70256),
    "Helsinki": (60.16952, 24.93545),
    "Lisbon": (38.72509, -9.1498),
    "Reykjavik": (64.13548, -21.89541),
    "Nicosia": (35.17531, 33.3642),
    "Dublin": (53.33306, -6.24889),
    "Athens": (37.98376, 23.72784),
    "Paris": (48.85341, 2.3488),
    "Berlin": (52.52437, 13.41053),
}


# --------------------------------------------------------------------------------------------
# Distance
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "a, b",
    [
        ("Brussels", "Madrid"),
        ("Helsinki", "Lisbon"),
        ("Reykjavik", "Nicosia"),
        ("Dublin", "Athens"),
        ("Paris", "Berlin"),
    ],
)
def test_city_pairs_agree_with_geopy_geodesic(a, b):
    (la1, lo1), (la2, lo2) = CITIES[a], CITIES[b]
    ours = float(fp.geodesic_km(la1, lo1, la2, lo2))
    ref = geodesic((la1, lo1), (la2, lo2)).km
    assert ours == pytest.approx(ref, rel=0.005)  # the tolerance
    assert ours == pytest.approx(ref, rel=1e-5)  # what Lambert's formula actually achieves


def test_brussels_madrid_is_about_1317_km():
    d = float(fp.geodesic_km(*CITIES["Brussels"], *CITIES["Madrid"]))
    assert 1300 < d < 1330


def _geopy_km(lat1, lon1, lat2, lon2):
    return np.array(
        [geodesic((a, b), (c, d)).km for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)]
    )


def test_random_pairs_agree_with_geopy_geodesic():
    rng = np.random.default_rng(42)
    n = 400
    # Uniform on the sphere, and a European box where all Erasmus+ trips lie.
    lat1 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lat2 = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    lon1, lon2 = rng.uniform(-180, 180, n), rng.uniform(-180, 180, n)
    ours = fp.geodesic_km(lat1, lon1, lat2, lon2)
    ref = _geopy_km(lat1, lon1, lat2, lon2)
    rel = np.abs(ours - ref) / ref
    assert rel.max() < 0.005
    assert np.median(rel) < 1e-5
    lat1, lat2 = rng.uniform(34, 71, n), rng.uniform(34, 71, n)
    lon1, lon2 = rng.uniform(-25, 45, n), rng.uniform(-25, 45, n)
    ours = fp.geodesic_km(lat1, lon1, lat2, lon2)
    ref = _geopy_km(lat1, lon1, lat2, lon2)
    assert np.max(np.abs(ours - ref) / ref) < 1e-5


def test_distance_edge_cases():
    assert float(fp.geodesic_km(50, 4, 50, 4)) == 0.0
    short = float(fp.geodesic_km(50, 4, 50, 4.0001))
    assert short * 1000 == pytest.approx(geodesic((50, 4), (50, 4.0001)).m, rel=1e-6)
    assert math.isnan(float(fp.geodesic_km(np.nan, 4, 50, 4)))
    # nearly antipodal: still within the tolerance
    d = float(fp.geodesic_km(0, 0, 0.5, 179.5))
    assert d == pytest.approx(geodesic((0, 0), (0.5, 179.5)).km, rel=0.005)
    # broadcasting: one origin, many destinations
    out = fp.geodesic_km(50.85, 4.35, np.array([40.42, 60.17]), np.array([-3.70, 24.94]))
    assert out.shape == (2,)


# --------------------------------------------------------------------------------------------
# Travel bands
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "km, standard, green",
    [
        (0, 0, 0),
        (9.99, 0, 0),
        (10, 23, 23),
        (55, 23, 23),
        (99, 23, 23),
        (99.99, 23, 23),
        (100, 180, 210),
        (499, 180, 210),
        (499.99, 180, 210),
        (500, 275, 320),
        (1999.99, 275, 320),
        (2000, 360, 410),
        (2999, 360, 410),
        (3000, 530, 610),
        (3999.99, 530, 610),
        (4000, 820, 820),
        (7999.99, 820, 820),
        (8000, 1500, 1500),
        (19000, 1500, 1500),
    ],
)
def test_every_band_edge(km, standard, green):
    assert fp.travel_grant_eur(km) == standard
    assert fp.travel_grant_eur(km, green=True) == green


def test_bands_vectorised_and_checked():
    d = np.array([5, 150, 600, np.nan])
    out = fp.travel_grant_eur(d, green=np.array([False, True, False, True]))
    assert out[:3].tolist() == [0, 210, 275]
    assert math.isnan(out[3])
    with pytest.raises(ValueError, match=">= 0"):
        fp.travel_grant_eur([-1.0])


def test_band_table_gaps_are_rejected(tmp_path):
    bands = pd.read_csv(fp.TRAVEL_BANDS_CSV)
    bands.loc[2, "distance_min_km"] = 120  # gap 100-120
    bad = tmp_path / "bands.csv"
    bands.to_csv(bad, index=False)
    with pytest.raises(ValueError, match="ends at 100"):
        fp.load_travel_bands(bad)


# --------------------------------------------------------------------------------------------
# Emission factors
# --------------------------------------------------------------------------------------------
def test_emission_factor_table():
    ef = fp.load_emission_factors()
    assert set(fp.MODES) <= set(ef.index)
    air = [m for m in fp.MODES if m.startswith("air_")]
    assert (ef.loc[air, "kg_co2e_with_rf"] > ef.loc[air, "kg_co2e_without_rf"]).all()
    surface = list(fp.SURFACE_MODES)
    assert (ef.loc[surface, "kg_co2e_with_rf"] == ef.loc[surface, "kg_co2e_without_rf"]).all()
    # plausibility: per passenger-km, rail and coach are far below flying
    assert ef.loc["rail", "kg_co2e_with_rf"] < ef.loc["air_short_haul", "kg_co2e_without_rf"]


def test_emission_factor_errors_name_the_problem(tmp_path):
    ef = pd.read_csv(fp.EMISSION_FACTORS_CSV)
    bad = tmp_path / "ef.csv"
    ef[ef["mode"] != "coach"].to_csv(bad, index=False)
    with pytest.raises(ValueError, match="coach"):
        fp.load_emission_factors(bad)
    ef2 = ef.copy()
    ef2.loc[ef2["mode"] == "rail", "kg_co2e_with_rf"] = -1
    ef2.to_csv(bad, index=False)
    with pytest.raises(ValueError, match=r"row \d \(rail\), column kg_co2e_with_rf"):
        fp.load_emission_factors(bad)


def test_reference_tables_document_their_source():
    bands_md = (REFERENCE_DIR / "erasmus_travel_bands.md").read_text(encoding="utf-8")
    assert "Programme Guide" in bands_md and "2021" in bands_md
    ef_md = (REFERENCE_DIR / "emission_factors.md").read_text(encoding="utf-8")
    assert "2025" in ef_md and "radiative forcing" in ef_md.lower()


# --------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------
def _institutions(rows):
    cols = ["institution_id", "country", "city", "latitude", "longitude"]
    return pd.DataFrame(rows, columns=cols)


def test_location_fallback_coordinates_city_capital():
    fi = country_cities("FI").sort_values("population", ascending=False)
    city = fi[fi["name"] != "Helsinki"].iloc[0]
    inst = _institutions(
        [
            ("A", "BE", "Brussels", 50.0, 4.0),  # own coordinates win
            ("B", "FI", city["name"].upper(), np.nan, np.nan),  # city lookup, case ignored
            ("C", "ES", "No Such Town", np.nan, np.nan),  # unknown city -> capital
            ("D", "PT", None, 38.7, np.nan),  # half a coordinate -> capital
        ]
    )
    loc = fp.resolve_locations(inst)
    assert loc["location_source"].tolist() == ["coordinates", "city", "capital", "capital"]
    assert loc.loc["A", ["latitude", "longitude"]].tolist() == [50.0, 4.0]
    assert loc.loc["B", "latitude"] == pytest.approx(city["latitude"])
    caps = capital_coordinates(["ES", "PT"])
    assert loc.loc["C", "latitude"] == pytest.approx(caps.loc["ES", "latitude"])
    assert loc.loc["D", "longitude"] == pytest.approx(caps.loc["PT", "longitude"])


def test_location_errors_are_clear():
    with pytest.raises(ValueError, match="latitude outside"):
        fp.resolve_locations(_institutions([("A", "BE", None, 95.0, 4.0)]))
    with pytest.raises(ValueError, match="cannot place institutions"):
        fp.resolve_locations(_institutions([("Z1", "US", None, np.nan, np.nan)]))


# --------------------------------------------------------------------------------------------
# Fixture world and the counterfactual
# --------------------------------------------------------------------------------------------
def random_world(seed: int = 3, n_inst: int = 120, n_proj: int = 80) -> Dataset:
    rng = np.random.default_rng(seed)
    countries = ["DE", "FR", "ES", "PL", "FI", "IT", "GR", "TR", "UA", "PT", "IE", "GE"]
    inst = pd.DataFrame(
        {
            "institution_id": [f"I{i:03d}" for i in range(n_inst)],
            "name": [f"School {i}" for i in range(n_inst)],
            "country": rng.choice(countries, n_inst),
            "city": None,
            "latitude": np.nan,
            "longitude": np.nan,
            "institution_type": "secondary",
            "etwinning_since": pd.array([2012] * n_inst, dtype="Int64"),
        }
    )
    half = n_inst // 2
    inst.loc[: half - 1, "latitude"] = rng.uniform(36, 62, half)
    inst.loc[: half - 1, "longitude"] = rng.uniform(-8, 40, half)
    proj = pd.DataFrame(
        {
            "project_id": [f"P{i:03d}" for i in range(n_proj)],
            "title": "t",
            "programme": "etwinning",
            "start_date": pd.to_datetime(
                rng.choice(pd.date_range("2016-01-01", "2021-12-01", freq="MS"), n_proj)
            ),
        }
    )
    rows = []
    for i in range(n_proj):
        k = int(rng.choice([2, 2, 3, 3, 4, 6]))
        for j in rng.choice(n_inst, k, replace=False):
            for person in range(int(rng.integers(1, 3))):  # one row per person
                rows.append((f"P{i:03d}", f"I{j:03d}", "partner", f"T{i}-{j}-{person}"))
    mem = pd.DataFrame(rows, columns=["project_id", "institution_id", "role", "person_id"])
    return Dataset.from_frames(institutions=inst, projects=proj, memberships=mem)


@pytest.fixture(scope="module")
def world():
    return random_world()


@pytest.fixture(scope="module")
def cf(world):
    return fp.virtual_counterfactual(world)


def test_pairs_dedup_and_match_brute_force(world):
    pairs = fp.collaboration_pairs(world.memberships, world.institutions, world.projects)
    country = world.institutions.set_index("institution_id")["country"]
    expected = set()
    for pid, group in world.memberships.groupby("project_id"):
        members = sorted(set(group["institution_id"]))
        for a, b in itertools.combinations(members, 2):
            if country[a] != country[b]:
                expected.add((pid, a, b))
    got = set(zip(pairs["project_id"], pairs["institution_a"], pairs["institution_b"], strict=True))
    assert got == expected
    assert len(pairs) == len(expected)  # no duplicates from one-row-per-person memberships
    assert (pairs["country_a"] != pairs["country_b"]).all()
    assert pairs["year"].between(2016, 2021).all()


def _two_school_world(coord_a, coord_b, countries=("BE", "ES")):
    inst = pd.DataFrame(
        {
            "institution_id": ["A", "B"],
            "name": ["a", "b"],
            "country": list(countries),
            "latitude": [coord_a[0], coord_b[0]],
            "longitude": [coord_a[1], coord_b[1]],
            "institution_type": "primary",
            "etwinning_since": pd.array([2010, 2010], dtype="Int64"),
        }
    )
    proj = pd.DataFrame(
        {
            "project_id": ["P"],
            "title": "t",
            "programme": "etwinning",
            "start_date": pd.to_datetime(["2019-10-01"]),
        }
    )
    mem = pd.DataFrame({"project_id": ["P", "P"], "institution_id": ["A", "B"], "role": "partner"})
    return Dataset.from_frames(institutions=inst, projects=proj, memberships=mem)


def test_counterfactual_by_hand_air():
    ds = _two_school_world(CITIES["Brussels"], CITIES["Madrid"])
    a = fp.Assumptions(participants_per_trip=3, trips_per_collaboration=2, rail_max_km=700)
    cf = fp.virtual_counterfactual(ds, a)
    d = geodesic(CITIES["Brussels"], CITIES["Madrid"]).km
    ef = fp.load_emission_factors()
    row = cf.pairs.iloc[0]
    assert row["distance_km"] == pytest.approx(d, rel=1e-5)
    assert row["mode"] == "air"
    assert row["grant_eur"] == 2 * 3 * 275  # 500-1999 km band, standard rate
    expected = 2 * 3 * 2 * d * ef.loc["air_short_haul", "kg_co2e_with_rf"]
    assert row["co2e_kg"] == pytest.approx(expected, rel=1e-5)
    no_rf = fp.virtual_counterfactual(
        ds, fp.Assumptions(participants_per_trip=3, include_radiative_forcing=False)
    )
    ratio = (
        ef.loc["air_short_haul", "kg_co2e_without_rf"] / ef.loc["air_short_haul", "kg_co2e_with_rf"]
    )
    assert no_rf.pairs["co2e_kg"].iloc[0] == pytest.approx(expected * ratio, rel=1e-5)


def test_counterfactual_by_hand_surface_and_long_haul():
    # Brussels-Paris (~264 km): surface, green rates for rail and coach shares.
    ds = _two_school_world(CITIES["Brussels"], CITIES["Paris"], countries=("BE", "FR"))
    a = fp.Assumptions(
        participants_per_trip=1,
        trips_per_collaboration=1,
        surface_shares=(("rail", 0.5), ("coach", 0.25), ("car", 0.25)),
        surface_detour=1.3,
        car_occupancy=2,
    )
    cf = fp.virtual_counterfactual(ds, a)
    ef = fp.load_emission_factors()["kg_co2e_with_rf"]
    d = geodesic(CITIES["Brussels"], CITIES["Paris"]).km
    row = cf.pairs.iloc[0]
    assert row["mode"] == "surface"
    assert row["grant_eur"] == pytest.approx(0.75 * 210 + 0.25 * 180)
    per_km = 0.5 * ef["rail"] + 0.25 * ef["coach"] + 0.25 * ef["car"] / 2
    assert row["co2e_kg"] == pytest.approx(2 * d * 1.3 * per_km, rel=1e-5)
    # Reykjavik-Nicosia (~4,300 km): long-haul air, 4000-7999 km band.
    ds = _two_school_world(CITIES["Reykjavik"], CITIES["Nicosia"], countries=("IS", "CY"))
    row = fp.virtual_counterfactual(ds, a).pairs.iloc[0]
    d = geodesic(CITIES["Reykjavik"], CITIES["Nicosia"]).km
    assert row["grant_eur"] == 820
    assert row["co2e_kg"] == pytest.approx(2 * d * ef["air_long_haul"], rel=1e-5)


def test_totals_equal_sum_of_parts(cf):
    t = cf.totals()
    assert t["collaborations"] == len(cf.pairs) > 50
    for col in ("grant_eur", "co2e_kg", "passenger_km", "travellers"):
        assert cf.pairs[col].sum() == pytest.approx(t[col], rel=1e-12)
        assert cf.by_country_year()[col].sum() == pytest.approx(t[col], rel=1e-12)
        assert cf.by_country()[col].sum() == pytest.approx(t[col], rel=1e-12)
        assert cf.by_year()[col].sum() == pytest.approx(t[col], rel=1e-12)
    assert cf.by_country()["collaborations"].sum() == pytest.approx(len(cf.pairs))
    # one country's total = half of every collaboration it is part of
    de = cf.pairs[(cf.pairs["country_a"] == "DE") | (cf.pairs["country_b"] == "DE")]
    by_c = cf.by_country().set_index("country")
    assert by_c.loc["DE", "co2e_kg"] == pytest.approx(0.5 * de["co2e_kg"].sum())
    src = cf.location_sources()
    assert set(src.index) == set(fp.LOCATION_SOURCES) and src["capital"] > 0
    assert "t CO2e" in cf.summary()
    assert len(cf.to_frame()) == len(cf.pairs)


def test_assumptions_are_validated():
    with pytest.raises(ValueError, match="sum to 1"):
        fp.Assumptions(surface_shares=(("rail", 0.5), ("coach", 0.2)))
    with pytest.raises(ValueError, match="rail_max_km"):
        fp.Assumptions(rail_max_km=-5)
    table = fp.Assumptions().to_frame()
    assert {"rail_max_km", "participants_per_trip", "trips_per_collaboration"} <= set(
        table["parameter"]
    )


# --------------------------------------------------------------------------------------------
# Uncertainty
# --------------------------------------------------------------------------------------------
def test_monte_carlo_reproducible_and_interval_contains_point(cf):
    m1 = fp.monte_carlo(cf, n_draws=300, seed=7)
    m2 = fp.monte_carlo(cf, n_draws=300, seed=7)
    m3 = fp.monte_carlo(cf, n_draws=300, seed=8)
    pd.testing.assert_frame_equal(m1.draws, m2.draws)
    assert not m1.draws["co2e_kg"].equals(m3.draws["co2e_kg"])
    iv = m1.interval()
    for q in ("grant_eur", "co2e_kg"):
        assert iv.loc[q, "low"] < iv.loc[q, "point"] < iv.loc[q, "high"]
    by_c = m1.by_country()
    assert (
        (by_c["co2e_kg_low"] <= by_c["co2e_kg"]) & (by_c["co2e_kg"] <= by_c["co2e_kg_high"])
    ).all()
    frame = m1.to_frame()
    assert frame["co2e_kg"].sum() == pytest.approx(cf.totals()["co2e_kg"])
    # per-draw group totals add up to the draw's total
    assert m1.group_co2.sum(axis=1) == pytest.approx(m1.draws["co2e_kg"].to_numpy())
    by_y = m1.by_year()
    assert by_y["co2e_kg"].sum() == pytest.approx(cf.totals()["co2e_kg"])
    assert (by_y["co2e_kg_low"] <= by_y["co2e_kg_high"]).all()
    assert "95%" in m1.summary()


def test_monte_carlo_without_uncertainty_reproduces_point(cf):
    spec = fp.UncertaintySpec(
        ef_sd_scale=0.0, rail_max_km_range=(1, 1), trips_range=(1, 1), share_concentration=1e9
    )
    mc = fp.monte_carlo(cf, n_draws=5, seed=1, spec=spec)
    assert mc.draws["co2e_kg"].to_numpy() == pytest.approx(cf.totals()["co2e_kg"], rel=1e-6)
    assert mc.draws["grant_eur"].to_numpy() == pytest.approx(cf.totals()["grant_eur"], rel=1e-6)


def test_tornado_table(cf):
    s = fp.sensitivity(cf)
    t = s.table.set_index("parameter")
    point = cf.totals()["co2e_kg"]
    # linear inputs: x0.5 and x1.5 move the total by exactly that factor
    assert t.loc["trips_per_collaboration", "co2e_low_kg"] == pytest.approx(0.5 * point)
    assert t.loc["participants_per_trip", "co2e_high_kg"] == pytest.approx(1.5 * point)
    assert t.loc["radiative forcing", "co2e_high_kg"] == pytest.approx(point)
    assert t.loc["radiative forcing", "co2e_low_kg"] < point
    # the binned evaluation agrees with recomputing the counterfactual pair by pair
    world = random_world()
    for name, col, value in (
        ("rail_max_km", "co2e_high_kg", 1050.0),
        ("rail_max_km", "grant_low_eur", 350.0),
        ("surface_detour", "co2e_high_kg", 1.4),
    ):
        again = fp.virtual_counterfactual(world, replace(cf.assumptions, **{name: value}))
        key = "grant_eur" if col.startswith("grant") else "co2e_kg"
        assert t.loc[name, col] == pytest.approx(again.totals()[key], rel=1e-9)
    swing = s.table["co2e_swing_kg"].to_numpy()
    assert (np.diff(swing) <= 0).all()
    assert "Tornado" in s.summary()


# --------------------------------------------------------------------------------------------
# Real mobility flows
# --------------------------------------------------------------------------------------------
def test_flows_footprint_small_table():
    flows = pd.DataFrame(
        {
            "origin": ["BE", "BE", "FI", None, "BE"],
            "destination": ["ES", "BE", "PT", "FR", "ES"],
            "participants": [10, 5, 2, 7, 4],
        }
    )
    ff = fp.flows_footprint(flows)
    t = ff.totals()
    assert t["participants_modelled"] + t["participants_excluded"] == flows["participants"].sum()
    assert set(ff.excluded["reason"].str.split(":").str[0]) == {
        "no single country location (aggregate or unknown)",
        "within-country mobility",
    }
    be_es = ff.pairs.set_index(["origin", "destination"]).loc[("BE", "ES")]
    assert be_es["participants"] == 14
    assert be_es["grant_eur"] == 14 * 275
    caps = capital_coordinates(["BE", "ES"])
    d = geodesic(tuple(caps.loc["BE"]), tuple(caps.loc["ES"])).km
    ef = fp.load_emission_factors()
    assert be_es["co2e_kg"] == pytest.approx(
        14 * 2 * d * ef.loc["air_short_haul", "kg_co2e_with_rf"], rel=1e-5
    )
    assert ff.matrix().loc["FI", "PT"] > 0
    assert "PT" not in ff.matrix(min_participants=5).columns  # 2 participants: left out
    cmp = fp.compare(fp.virtual_counterfactual(random_world(n_inst=30, n_proj=10)), ff)
    assert {"virtual_counterfactual", "real_flows", "ratio"} == set(cmp.columns)
    with pytest.raises(ValueError, match="lacks column"):
        fp.flows_footprint(flows.rename(columns={"participants": "n"}))


def test_real_flows_absent_file_gives_none(tmp_path):
    assert fp.real_flows_footprint(tmp_path / "nothing.csv") is None
    assert fp.flows_file("").name == fp.FLOWS_FILE_NAME


@pytest.mark.real
def test_real_erasmus_flows_footprint(real_data_dir):
    adapters = pytest.importorskip("etwin_analysis.adapters")
    if not hasattr(adapters, "mobility_flows"):
        pytest.skip("etwin_analysis.adapters.mobility_flows is not available yet")
    path = real_data_dir / "erasmus_learning_mobility_flows_since_2014.csv"
    imported = adapters.mobility_flows(path)
    ff = fp.flows_footprint(imported)
    t = ff.totals()
    total = float(imported.flows["participants"].sum())
    assert t["participants_modelled"] + t["participants_excluded"] == pytest.approx(total)
    assert 8.5e6 < total < 9.9e6  # "about 9.2 million participants"
    assert t["participants_modelled"] > 0.8 * total
    # between capitals of European countries: 100 km (Vienna-Bratislava: 55) .. ~5,000 km
    assert ff.pairs["distance_km"].between(40, 6000).all()
    assert t["co2e_kg"] > 0 and t["grant_eur"] > 0


def test_user_emission_factor_table_is_used(tmp_path, cf, world):
    ef = pd.read_csv(fp.EMISSION_FACTORS_CSV)
    air = ef["mode"].str.startswith("air_")
    ef.loc[air, ["kg_co2e_without_rf", "kg_co2e_with_rf"]] *= 2
    path = tmp_path / "my_factors.csv"
    ef.to_csv(path, index=False)
    doubled = fp.virtual_counterfactual(world, emission_factors=str(path))
    is_air = (cf.pairs["mode"] == "air").to_numpy()
    assert doubled.pairs["co2e_kg"][is_air].to_numpy() == pytest.approx(
        2 * cf.pairs["co2e_kg"][is_air].to_numpy()
    )
    assert doubled.pairs["co2e_kg"][~is_air].to_numpy() == pytest.approx(
        cf.pairs["co2e_kg"][~is_air].to_numpy()
    )
    assert doubled.totals()["grant_eur"] == cf.totals()["grant_eur"]
