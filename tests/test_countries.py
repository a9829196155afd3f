"""The eTwinning country reference table, code normalisation and GeoNames city draws."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd
import pycountry
import pytest
from geopy.distance import great_circle

from etwin_analysis import countries
from etwin_analysis.paths import REFERENCE_DIR

EU27 = set(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
OTHER = set("IS LI MK NO RS TR AL BA ME AM AZ GE MD UA TN JO LB GB".split())


def test_reference_table_has_the_etwinning_countries():
    table = countries.reference_table()
    assert list(table.columns[:7]) == [
        "iso2",
        "iso3",
        "name",
        "capital",
        "capital_latitude",
        "capital_longitude",
        "membership",
    ]
    assert set(table["iso2"]) == EU27 | OTHER
    assert len(table) == 45 and table["iso2"].is_unique
    assert set(table.loc[table["membership"] == "eu_member", "iso2"]) == EU27
    assert set(table["membership"]) <= set(countries.MEMBERSHIPS)
    gb = table.set_index("iso2").loc["GB"]
    assert gb["membership"] == "former" and "2021" in gb["note"]
    assert table["capital_latitude"].dtype == "float64"
    assert table[["capital_latitude", "capital_longitude"]].notna().all().all()
    assert countries.etwinning_countries() == sorted(table["iso2"])
    assert "GB" not in countries.etwinning_countries(include_former=False)
    assert len(countries.etwinning_countries(include_former=False)) == 44


def test_reference_table_is_a_copy():
    table = countries.reference_table()
    table.loc[0, "name"] = "changed"
    assert countries.reference_table().loc[0, "name"] != "changed"


def test_codes_and_names_agree_with_pycountry():
    for row in countries.reference_table().itertuples():
        country = pycountry.countries.get(alpha_2=row.iso2)
        assert country.alpha_3 == row.iso3
        assert row.name in {country.name, getattr(country, "common_name", None)}


@pytest.mark.parametrize(
    ("iso2", "lat", "lon"),
    [
        ("DE", 52.52, 13.40),
        ("FR", 48.8566, 2.3522),
        ("TR", 39.93, 32.86),
        ("UA", 50.45, 30.52),
        ("IS", 64.14, -21.90),
        ("PT", 38.72, -9.14),
    ],
)
def test_capitals_are_where_they_should_be(iso2, lat, lon):
    coords = countries.capital_coordinates([iso2]).iloc[0]
    assert abs(coords["latitude"] - lat) < 0.1
    assert abs(coords["longitude"] - lon) < 0.1


def test_every_capital_lies_in_europe_or_its_neighbourhood():
    table = countries.reference_table()
    assert table["capital_latitude"].between(29, 72).all()
    assert table["capital_longitude"].between(-25, 50).all()


def test_committed_csv_matches_the_generator(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location(
        "make_countries", REFERENCE_DIR / "make_countries.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "OUT", tmp_path / "countries.csv")
    assert module.main() == 0
    assert (tmp_path / "countries.csv").read_text("utf-8") == (
        REFERENCE_DIR / "countries.csv"
    ).read_text("utf-8")


def test_iso_codes_round_trip():
    table = countries.reference_table()
    assert countries.to_iso2(table["iso2"]) == list(table["iso2"])
    assert countries.to_iso2(table["iso3"]) == list(table["iso2"])
    assert countries.to_iso2(table["name"]) == list(table["iso2"])
    assert countries.to_iso2([c.lower() for c in table["iso2"]]) == list(table["iso2"])
    all_iso2 = [c.alpha_2 for c in pycountry.countries]
    assert countries.to_iso2(all_iso2) == all_iso2


def test_eu_codes_are_normalised():
    assert countries.to_iso2(["EL", "UK", "el", "uk"]) == ["GR", "GB", "GR", "GB"]
    assert countries.to_iso2(pd.Series(["EL", "DE"])) == ["GR", "DE"]


@pytest.mark.parametrize(
    ("name", "iso2"),
    [
        ("Türkiye", "TR"),
        ("Turkiye", "TR"),
        ("Turkey", "TR"),
        ("TÜRKİYE", "TR"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("North Macedonia", "MK"),
        ("Republic of North Macedonia", "MK"),
        ("former Yugoslav Republic of Macedonia", "MK"),
        ("Moldova", "MD"),
        ("Republic of Moldova", "MD"),
        ("Moldova, Republic of", "MD"),
        ("Kosovo", "XK"),
        ("XK", "XK"),
        ("United Kingdom", "GB"),
        ("  the Netherlands ", "NL"),
        ("Bosnia & Herzegovina", "BA"),
        ("Bosnia and Herzegovina", "BA"),
        ("Côte d'Ivoire", "CI"),
        ("Russia", "RU"),
    ],
)
def test_names_and_variants(name, iso2):
    assert countries.to_iso2(name) == iso2


def test_unknown_values_raise_with_the_full_list():
    with pytest.raises(ValueError) as info:
        countries.to_iso2(["Germany", "Atlantis", "Rest of the world", None, "Atlantis"])
    message = str(info.value)
    assert "3 value(s)" in message
    assert "'Atlantis'" in message and "'Rest of the world'" in message
    assert "<missing>" in message and "errors='coerce'" in message


def test_coerce_returns_none_for_unknowns():
    out = countries.to_iso2(["Rest of the world", "Austria", float("nan"), ""], errors="coerce")
    assert out == [None, "AT", None, None]
    with pytest.raises(ValueError, match="errors must be"):
        countries.to_iso2(["AT"], errors="ignore")


def test_is_iso2():
    assert countries.is_iso2("DE") and countries.is_iso2("XK") and countries.is_iso2("US")
    for bad in ("EL", "UK", "de", "DEU", "", None, 12, "ZZ"):
        assert not countries.is_iso2(bad)


def test_capital_coordinates_accepts_eu_codes_and_rejects_other_countries():
    coords = countries.capital_coordinates(["EL", "UK", "GR"])
    assert list(coords.index) == ["EL", "UK", "GR"]
    assert coords.loc["EL", "latitude"] == coords.loc["GR", "latitude"]
    with pytest.raises(ValueError, match="US"):
        countries.capital_coordinates(["DE", "US"])
    with pytest.raises(ValueError, match="Atlantis"):
        countries.capital_coordinates(["Atlantis"])


def test_haversine_agrees_with_geopy():
    table = countries.reference_table()
    lat, lon = table["capital_latitude"].to_numpy(), table["capital_longitude"].to_numpy()
    ours = countries.haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    for i in range(0, len(table), 7):
        for j in range(0, len(table), 5):
            ref = great_circle((lat[i], lon[i]), (lat[j], lon[j])).km
            assert ours[i, j] == pytest.approx(ref, rel=1e-9, abs=1e-6)


def test_cities_near_capital_are_real_seeded_and_near_big_places():
    a = countries.cities_near_capital("DE", 400, np.random.default_rng(7))
    b = countries.cities_near_capital("DE", 400, np.random.default_rng(7))
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 400
    assert list(a.columns[:3]) == ["name", "latitude", "longitude"]
    known = countries.country_cities("DE")
    assert set(a["geonameid"]) <= set(known["geonameid"])
    # Berlin is the single most frequent draw; draws are nearer the capital than the average
    # German city and bigger than the median one.
    assert a["name"].value_counts().index[0] == "Berlin"
    capital = countries.capital_coordinates(["DE"]).iloc[0]
    all_dist = countries.haversine_km(
        capital["latitude"], capital["longitude"], known["latitude"], known["longitude"]
    )
    assert a["distance_km"].median() < np.median(all_dist)
    assert a["population"].median() > known["population"].median()
    assert a["latitude"].between(47, 55.1).all() and a["longitude"].between(5.8, 15.1).all()


def test_cities_near_capital_small_country_and_bad_input():
    li = countries.cities_near_capital("LI", 30, np.random.default_rng(0))
    assert len(li) == 30 and li["distance_km"].max() < 30
    assert countries.cities_near_capital("MT", 0, np.random.default_rng(0)).empty
    with pytest.raises(TypeError, match="Generator"):
        countries.cities_near_capital("DE", 3, 42)
    with pytest.raises(ValueError, match="n must be"):
        countries.cities_near_capital("DE", -1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="no capital"):
        countries.cities_near_capital("US", 3, np.random.default_rng(0))


@pytest.mark.parametrize("iso2", sorted(EU27 | OTHER))
def test_every_country_has_cities(iso2):
    cities = countries.country_cities(iso2)
    assert len(cities) >= 5
    assert countries.reference_table().set_index("iso2").loc[iso2, "capital"] in set(cities["name"])
