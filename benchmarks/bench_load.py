"""Loading and validating an eTwinning-size data directory vs reading the CSVs with pandas.

Builds (once, under benchmarks/_work/, git-ignored) a directory with about 295,000
institutions, 160,000 projects and 1,000,000 memberships (uniformly random links: the validator's
cost does not depend on the network's shape), then times ``load_dataset`` (parse, pandera
schema, cross-table checks) against plain ``pandas.read_csv`` of the same three files. Prints
medians over repeats, the ratio, and the peak resident memory of this process.
"""

from __future__ import annotations

import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from etwin_analysis import load_dataset

WORK = Path(__file__).parent / "_work" / "load_1m"
REPEATS = 3


def build(seed: int = 0) -> Path:
    if (WORK / "memberships.csv").exists():
        return WORK
    WORK.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ni, npj, nm = 295_000, 160_000, 1_000_000
    ids = np.char.add("I", np.arange(ni).astype(str))
    pd.DataFrame(
        {
            "institution_id": ids,
            "name": np.char.add("School ", np.arange(ni).astype(str)),
            "country": rng.choice(["DE", "FR", "IT", "EL", "PL", "UK"], ni),
            "latitude": rng.uniform(35, 65, ni).round(5),
            "longitude": rng.uniform(-10, 30, ni).round(5),
            "institution_type": rng.choice(["primary", "secondary", "ite", "vocational"], ni),
            "etwinning_since": rng.integers(2005, 2025, ni),
        }
    ).to_csv(WORK / "institutions.csv", index=False)
    pids = np.char.add("P", np.arange(npj).astype(str))
    pd.DataFrame(
        {
            "project_id": pids,
            "title": "project",
            "programme": rng.choice(["etwinning", "erasmus_plus"], npj),
            "start_date": "2018-09-01",
            "end_date": "2019-06-30",
        }
    ).to_csv(WORK / "projects.csv", index=False)
    m = pd.DataFrame(
        {
            "project_id": pids[rng.integers(0, npj, nm)],
            "institution_id": ids[rng.integers(0, ni, nm)],
            "role": "partner",
        }
    ).drop_duplicates(["project_id", "institution_id"])
    m.to_csv(WORK / "memberships.csv", index=False)
    return WORK


def median_time(fn) -> float:
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    path = build()
    plain = median_time(
        lambda: [
            pd.read_csv(path / f"{t}.csv") for t in ("institutions", "projects", "memberships")
        ]
    )
    validated = median_time(lambda: load_dataset(path))
    rows = sum(len(pd.read_csv(path / f"{t}.csv", usecols=[0])) for t in ("memberships",))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"memberships rows: {rows:,}")
    print(f"pandas.read_csv (no checks):   median {plain:6.2f} s over {REPEATS}")
    print(f"load_dataset (full validation): median {validated:6.2f} s over {REPEATS}")
    print(
        f"validation overhead: {validated / plain:.1f}x plain reading; peak RSS {peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
