"""``etwin run``: execute the notebook collection in batch from a run plan, render and index it.

Run plan (``notebooks/runs.yaml`` by default, read with ``yaml.safe_load``)::

    min_cell_size: 5            # disclosure threshold for every run (privacy.check_output)
    timeouts: {cell: 600, run: 1800}   # seconds; CLI --cell-timeout/--run-timeout override
    parameters:                 # shared: given to every notebook whose parameters cell
      data_dir: ""              #   declares the name (others ignore it)
    notebooks:
      00_data_overview.ipynb: {}           # one run with the notebook's defaults
      01_collaboration_network.ipynb:
        parameters: {seed: 1}              # shared by this notebook's runs (strict)
        runs: [{}]                         # explicit parameter sets (strict) ...
        grid:                              # ... and/or a grid: the cartesian product
          countries: [[DE], [FR], [IT]]

Notebook paths are relative to the plan's folder. Before anything starts, every run's parameters
are checked against the notebook's ``parameters`` cell (papermill's inspection of
``name: type = value  # help`` lines): an unknown name or a value of the wrong type is an error
naming the run. ``output_dir`` is always set by the runner (one folder per run under ``--out``).

Each run executes in its own process (its own process group, so a per-run timeout kills the
kernel too) with papermill on the ``etwin`` kernel, whatever kernel the notebook was saved with;
cell output goes to ``<out>/<run>/run.log``. Outputs are written to a temporary file and renamed.
A run is skipped when its fingerprint (notebook bytes, parameters, data checksum, package
version and source, kernel, disclosure and rendering options) matches its last success, unless
``--force``. With ``--executor dask --scheduler ADDRESS`` the same per-run function is submitted
to a Dask distributed cluster (workers must see the same paths and have the ``etwin`` kernel).

Layout of ``--out`` (default ``reports/``)::

    index.html                 every run: status, parameters, key results, links
    runs.json                  the same as data
    <run>/<run>.ipynb          executed notebook
    <run>/<run>.html           rendered, disclosure-checked, offline HTML (successful runs)
    <run>/run.log              cell output of the run
    <run>/results.json ...     whatever the notebook wrote to its output_dir
"""

from __future__ import annotations

import argparse
import ast
import fnmatch
import hashlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
import unicodedata
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from etwin_analysis.render import atomic_write_text

DEFAULT_KERNEL = "etwin"
DEFAULT_CELL_TIMEOUT = 600.0
DEFAULT_RUN_TIMEOUT = 1800.0
STATE_FILE = ".etwin-run.json"
RESULT_FILE = ".etwin-result.json"
LOG_FILE = "run.log"
PLAN_KEYS = {"min_cell_size", "timeouts", "parameters", "notebooks"}
ENTRY_KEYS = {"parameters", "runs", "grid"}
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")
#: Parameters the runner sets itself.
RESERVED = ("output_dir",)


class PlanError(ValueError):
    """The run plan is invalid; the message lists every problem, each naming its run."""


# --------------------------------------------------------------------------------------------
# Plan
# --------------------------------------------------------------------------------------------


@dataclass
class Run:
    """One planned execution of a notebook with one parameter set."""

    name: str
    notebook: Path
    parameters: dict  # as given in the plan (without output_dir)
    variant: dict  # the run/grid part that names the run


@dataclass
class Plan:
    path: Path
    runs: list[Run]
    min_cell_size: int = 5
    cell_timeout: float = DEFAULT_CELL_TIMEOUT
    run_timeout: float = DEFAULT_RUN_TIMEOUT
    shared: dict = field(default_factory=dict)


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_+-]+", "_", text)
    return re.sub(r"_+", "_", text).strip("_-+")


def _value_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "+".join(_value_text(v) for v in value) or "none"
    if isinstance(value, dict):
        return "_".join(f"{k}-{_value_text(v)}" for k, v in sorted(value.items()))
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def run_name(notebook_stem: str, variant: dict) -> str:
    """A safe, stable, readable output name: ``<stem>--<key>-<value>..-<hash8>``.

    Only ``A-Z a-z 0-9 _ + -`` survive (no path separators, dots or traversal); the readable part
    is capped at 60 characters and the 8-hex-digit SHA-256 of the canonical parameters keeps
    names distinct when they are truncated or differ only in dropped characters.
    """
    stem = _slug(notebook_stem) or "notebook"
    if not variant:
        return stem
    readable = "_".join(f"{_slug(k)}-{_slug(_value_text(v))}" for k, v in sorted(variant.items()))
    readable = readable[:60].strip("_-+")
    digest = hashlib.sha256(canonical_json(variant).encode()).hexdigest()[:8]
    return f"{stem}--{readable}-{digest}" if readable else f"{stem}--{digest}"


def _as_mapping(value: Any, where: str, errors: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(f"{where}: expected a mapping of parameter names to values, got {value!r}")
        return {}
    return value


def load_plan(path: str | os.PathLike) -> Plan:
    """Read and expand a run plan; raise `PlanError` listing every structural problem."""
    path = Path(path)
    if not path.is_file():
        raise PlanError(f"run plan {path} does not exist")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PlanError(f"run plan {path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise PlanError(f"run plan {path}: expected a mapping with a 'notebooks' key")
    errors: list[str] = []
    unknown = set(raw) - PLAN_KEYS
    if unknown:
        errors.append(
            f"{path}: unknown top-level key(s) {sorted(unknown)}; allowed: {sorted(PLAN_KEYS)}"
        )
    k = raw.get("min_cell_size", 5)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        errors.append(f"{path}: min_cell_size must be a positive integer, got {k!r}")
        k = 5
    timeouts = _as_mapping(raw.get("timeouts"), f"{path}: timeouts", errors)
    cell_t = timeouts.get("cell", DEFAULT_CELL_TIMEOUT)
    run_t = timeouts.get("run", DEFAULT_RUN_TIMEOUT)
    for label, t in (("cell", cell_t), ("run", run_t)):
        if isinstance(t, bool) or not isinstance(t, int | float) or t <= 0:
            errors.append(f"{path}: timeouts.{label} must be a positive number of seconds")
    shared = _as_mapping(raw.get("parameters"), f"{path}: parameters", errors)
    notebooks = raw.get("notebooks")
    if not isinstance(notebooks, dict) or not notebooks:
        errors.append(f"{path}: 'notebooks' must map notebook files to their runs")
        notebooks = {}
    runs: list[Run] = []
    for nb_name, entry in notebooks.items():
        nb_path = (path.parent / str(nb_name)).resolve()
        where = f"{path}: notebook {nb_name}"
        if not nb_path.is_file():
            errors.append(f"{where}: file {nb_path} does not exist")
            continue
        if isinstance(entry, list):
            entry = {"runs": entry}
        entry = _as_mapping(entry, where, errors)
        bad = set(entry) - ENTRY_KEYS
        if bad:
            errors.append(f"{where}: unknown key(s) {sorted(bad)}; allowed: {sorted(ENTRY_KEYS)}")
        nb_shared = _as_mapping(entry.get("parameters"), where + " parameters", errors)
        variants: list[dict] = []
        explicit = entry.get("runs") or []
        if not isinstance(explicit, list):
            errors.append(f"{where}: 'runs' must be a list of parameter sets")
            explicit = []
        for i, v in enumerate(explicit):
            variants.append(_as_mapping(v, f"{where} runs[{i}]", errors))
        grid = _as_mapping(entry.get("grid"), where + " grid", errors)
        if grid:
            names = sorted(grid)
            lists = []
            for n in names:
                if not isinstance(grid[n], list) or not grid[n]:
                    errors.append(f"{where}: grid.{n} must be a non-empty list of values")
                    lists.append([None])
                else:
                    lists.append(grid[n])
            variants += [
                dict(zip(names, combo, strict=True)) for combo in itertools.product(*lists)
            ]
        if not variants:
            variants = [{}]
        for variant in variants:
            reserved = [r for r in RESERVED if r in variant or r in nb_shared]
            if reserved:
                errors.append(f"{where}: {reserved} is set by the runner (one folder per run)")
            params = {**nb_shared, **variant}
            runs.append(Run(run_name(nb_path.stem, variant), nb_path, params, variant))
    seen: dict[str, Run] = {}
    for r in runs:
        if r.name in seen:
            errors.append(
                f"{path}: two runs of {r.notebook.name} have the same parameters "
                f"{r.variant} (run name {r.name})"
            )
        seen[r.name] = r
    if errors:
        raise PlanError("invalid run plan:\n" + "\n".join(f"  - {e}" for e in errors))
    return Plan(path, runs, int(k), float(cell_t), float(run_t), dict(shared))


# --------------------------------------------------------------------------------------------
# Parameter validation (papermill's parameters-cell inspection)
# --------------------------------------------------------------------------------------------


def notebook_parameters(notebook: Path) -> dict[str, Any]:
    """``{name: papermill Parameter(name, inferred_type_name, default, help)}`` of a notebook.

    Uses papermill's Python translator, the inspection behind ``papermill --help-notebook``,
    without consulting the kernel name saved in the notebook.
    """
    from papermill.iorw import load_notebook_node
    from papermill.translators import papermill_translators
    from papermill.utils import find_first_tagged_cell_index

    nb = load_notebook_node(str(notebook))
    idx = find_first_tagged_cell_index(nb, "parameters")
    if idx < 0:
        return {}
    translator = papermill_translators.find_translator(DEFAULT_KERNEL, "python")
    return {p.name: p for p in translator.inspect(nb.cells[idx])}


def _split_top(text: str, sep: str) -> list[str]:
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        if ch == sep and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip() for p in parts]


_SIMPLE = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "None": lambda v: v is None,
    "NoneType": lambda v: v is None,
    "Any": lambda v: True,
    "object": lambda v: True,
}


def type_matches(value: Any, type_name: str) -> bool | None:
    """Whether a plan value fits a parameter annotation such as ``list[str] | None``.

    Returns None when the annotation is not understood (the value is then not checked).
    YAML sequences are accepted for ``tuple`` annotations.
    """
    t = type_name.strip().replace("typing.", "")
    alts = _split_top(t, "|")
    if len(alts) > 1:
        results = [type_matches(value, a) for a in alts]
        return True if any(results) else (None if None in results else False)
    m = re.fullmatch(r"(\w+)\s*(?:\[(.*)\])?", t)
    if not m:
        return None
    base, args = m.group(1), m.group(2)
    inner = _split_top(args, ",") if args else []
    if base == "Optional" and inner:
        return value is None or type_matches(value, inner[0])
    if base == "Union" and inner:
        return type_matches(value, " | ".join(inner))
    if base in _SIMPLE and not inner:
        return _SIMPLE[base](value)
    if base in ("list", "List", "Sequence", "tuple", "Tuple"):
        if not isinstance(value, list | tuple):
            return False
        if not inner or (len(inner) == 2 and inner[1] == "..."):
            item = inner[0] if inner else None
            checks = [type_matches(v, item) for v in value] if item else []
        elif base in ("tuple", "Tuple"):
            if len(inner) != len(value):
                return False
            checks = [type_matches(v, a) for v, a in zip(value, inner, strict=True)]
        else:
            checks = [type_matches(v, inner[0]) for v in value]
        return False if False in checks else (None if None in checks else True)
    if base in ("dict", "Dict", "Mapping"):
        if not isinstance(value, dict):
            return False
        if len(inner) == 2:
            checks = [type_matches(k, inner[0]) for k in value]
            checks += [type_matches(v, inner[1]) for v in value.values()]
            return False if False in checks else (None if None in checks else True)
        return True
    return None


def _default_type(default: str) -> str | None:
    """For an unannotated parameter, the type of its literal default (None if not a literal)."""
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return None
    if value is None:
        return None
    return {
        bool: "bool",
        int: "float",
        float: "float",
        str: "str",
        list: "list",
        dict: "dict",
        tuple: "tuple",
    }.get(type(value))


def validate_runs(plan: Plan) -> dict[Path, dict]:
    """Check every run's parameters against its notebook; return the inspected parameters.

    Raises `PlanError` listing every unknown name and wrong type, each naming its run.
    """
    errors: list[str] = []
    inspected: dict[Path, dict] = {}
    for run in plan.runs:
        if run.notebook not in inspected:
            try:
                inspected[run.notebook] = notebook_parameters(run.notebook)
            except Exception as exc:  # unreadable notebook: report, don't crash
                errors.append(
                    f"notebook {run.notebook.name}: cannot read its parameters "
                    f"({type(exc).__name__}: {exc})"
                )
                inspected[run.notebook] = {}
                continue
            declared = inspected[run.notebook]
            if not declared:
                errors.append(f"notebook {run.notebook.name}: no cell tagged 'parameters'")
            elif "output_dir" not in declared:
                errors.append(
                    f"notebook {run.notebook.name}: its parameters cell has no "
                    "'output_dir: str = ...' (the runner collects results there)"
                )
        declared = inspected[run.notebook]
        if not declared:
            continue
        for name, value in run.parameters.items():
            if name not in declared:
                errors.append(
                    f"run {run.name}: unknown parameter '{name}' for "
                    f"{run.notebook.name} (it declares: {', '.join(declared)})"
                )
                continue
            p = declared[name]
            type_name = p.inferred_type_name
            if type_name in ("None", "", None):
                type_name = _default_type(p.default)
            if type_name and type_matches(value, type_name) is False:
                errors.append(
                    f"run {run.name}: parameter '{name}' must be {type_name} "
                    f"({run.notebook.name} declares `{name}: {p.inferred_type_name} = "
                    f"{p.default}`), got {type(value).__name__} {value!r}"
                )
    if errors:
        raise PlanError(
            "run plan does not match the notebooks:\n" + "\n".join(f"  - {e}" for e in errors)
        )
    return inspected


def full_parameters(run: Run, plan: Plan, declared: dict) -> dict:
    """Plan-wide shared parameters the notebook declares, then the run's own, then min_cell_size
    when the notebook declares it."""
    params = {k: v for k, v in plan.shared.items() if k in declared}
    params.update(run.parameters)
    if "min_cell_size" in declared and "min_cell_size" not in params:
        params["min_cell_size"] = plan.min_cell_size
    return params


# --------------------------------------------------------------------------------------------
# Fingerprints
# --------------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def package_fingerprint() -> str:
    """Package version plus a hash of its source and templates (edits force a re-run)."""
    import etwin_analysis

    root = Path(etwin_analysis.__file__).parent
    digest = hashlib.sha256(etwin_analysis.__version__.encode())
    for file in sorted(root.rglob("*")):
        if file.is_file() and file.suffix in (".py", ".tpl", ".j2", ".css", ".json", ".html"):
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return f"{etwin_analysis.__version__}+{digest.hexdigest()[:16]}"


def resolve_run_data_dir(params: dict, declared: dict, notebook: Path) -> Path | None:
    """The data directory a run reads: its ``data_dir`` parameter or the notebook default.

    None when the notebook declares no ``data_dir`` parameter (it reads no contract data).
    """
    from etwin_analysis.paths import resolve_data_dir

    if "data_dir" not in params and "data_dir" not in declared:
        return None
    value = params.get("data_dir")
    if value is None:
        try:
            value = ast.literal_eval(declared["data_dir"].default)
        except (ValueError, SyntaxError):
            value = ""
    directory = resolve_data_dir(value or "")
    if not directory.is_absolute():
        directory = notebook.parent / directory  # the notebook runs with cwd = its folder
    return directory.resolve()


def data_fingerprint(directory: Path | None) -> str:
    from etwin_analysis.dataset import data_checksum

    if directory is None:
        return "no data"
    if not directory.is_dir():
        return f"missing:{directory}"
    return data_checksum(directory)


# --------------------------------------------------------------------------------------------
# Executing one run (in a worker process)
# --------------------------------------------------------------------------------------------


@dataclass
class RunSpec:
    """Everything a worker needs; JSON-serialisable so it can travel to a Dask worker."""

    name: str
    notebook: str
    parameters: dict
    run_dir: str
    data_dir: str  # "" when the notebook reads no data directory
    kernel: str
    cell_timeout: float
    run_timeout: float
    min_cell_size: int
    show_code: bool
    fingerprint: str
    threads: int = 0  # BLAS/OpenMP threads per run (0: library default)


#: Worker processes running in this process (so an interrupted batch can stop them all).
_ACTIVE: set[subprocess.Popen] = set()
_ACTIVE_LOCK = threading.Lock()


def stop_active_runs() -> int:
    """Kill the process group (worker and kernel) of every run still executing here."""
    with _ACTIVE_LOCK:
        procs = list(_ACTIVE)
    for proc in procs:
        _kill_group(proc)
    return len(procs)


def _kill_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _log_tail(log: Path, n: int = 8) -> list[str]:
    try:
        return log.read_text(encoding="utf-8", errors="replace").splitlines()[-n:]
    except OSError:
        return []


def execute_run(spec: dict) -> dict:
    """Execute one run in a fresh process group and return its result record.

    Runs ``python -m etwin_analysis.runner --worker SPEC`` (papermill, disclosure check,
    rendering) with the run timeout; on timeout the whole group, kernel included, is killed.
    Never raises for a failing notebook: the failure is in the returned record.
    """
    s = RunSpec(**spec)
    run_dir = Path(s.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    result_file = run_dir / RESULT_FILE
    result_file.unlink(missing_ok=True)
    spec_file = run_dir / ".etwin-spec.json"
    atomic_write_text(spec_file, json.dumps(spec))
    log = run_dir / LOG_FILE
    start = time.monotonic()
    started_epoch = time.time()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    env = dict(os.environ)
    env["ETWIN_MIN_CELL_SIZE"] = str(s.min_cell_size)
    if s.threads:
        # N runs at once on N cores: one numeric thread each, instead of every run's BLAS
        # spawning a thread per core and the runs fighting over them. A user's setting wins.
        for var in THREAD_VARS:
            env.setdefault(var, str(s.threads))
    with open(log, "w", encoding="utf-8") as logf:
        proc = subprocess.Popen(
            [sys.executable, "-m", "etwin_analysis.runner", "--worker", str(spec_file)],
            stdout=logf,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
            cwd=str(Path(s.notebook).parent),
        )
        with _ACTIVE_LOCK:
            _ACTIVE.add(proc)
        try:
            code = proc.wait(timeout=s.run_timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            code = None
        finally:
            with _ACTIVE_LOCK:
                _ACTIVE.discard(proc)
    duration = time.monotonic() - start
    base = {
        "name": s.name,
        "notebook": Path(s.notebook).name,
        "parameters": s.parameters,
        "started": started,
        "duration": round(duration, 2),
        "run_dir": s.run_dir,
        "log": str(log),
    }
    spec_file.unlink(missing_ok=True)
    if code is None:
        (run_dir / f"{s.name}.html").unlink(missing_ok=True)
        for partial in run_dir.glob(f".{s.name}.*.partial"):
            partial.unlink(missing_ok=True)
        return {
            **base,
            "status": "timeout",
            "failing_cell": None,
            "error": f"run exceeded its timeout of {s.run_timeout:g} s and was stopped",
            "traceback": _log_tail(log),
        }
    if result_file.exists():
        result = json.loads(result_file.read_text(encoding="utf-8"))
        result_file.unlink()
        timings = result.get("timings") or {}
        if "worker_entered" in timings:
            timings["process_start"] = round(timings.pop("worker_entered") - started_epoch, 3)
        return {**base, **result, "duration": round(duration, 2)}
    return {
        **base,
        "status": "failed",
        "failing_cell": None,
        "error": f"worker process exited with code {code} without a result",
        "traceback": _log_tail(log),
    }


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _traceback_head(lines: list[str], n: int = 6) -> list[str]:
    text = _ANSI.sub("", "\n".join(lines))
    out = [ln for ln in text.splitlines() if ln.strip() and not set(ln.strip()) <= {"-"}]
    return out[:n]


def _unfinished_cell(ipynb: Path) -> int | None:
    """Execution count (or position) of the cell papermill left running or failed."""
    try:
        nb = json.loads(ipynb.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for i, cell in enumerate(nb.get("cells", [])):
        status = cell.get("metadata", {}).get("papermill", {}).get("status")
        if status in ("running", "failed"):
            return cell.get("execution_count") or i
    return None


def _kernel_start_seconds(ipynb: Path) -> float | None:
    """Seconds from papermill's notebook start to its first cell start: starting the kernel."""
    try:
        nb = json.loads(ipynb.read_text(encoding="utf-8"))
        start = datetime.fromisoformat(nb["metadata"]["papermill"]["start_time"])
        firsts = [
            c["metadata"]["papermill"]["start_time"]
            for c in nb["cells"]
            if c.get("metadata", {}).get("papermill", {}).get("start_time")
        ]
        return round((datetime.fromisoformat(min(firsts)) - start).total_seconds(), 3)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _load_for_check(data_dir: str):
    """The dataset whose identifiers the disclosure check looks for, or a problem message."""
    if not data_dir or not Path(data_dir).is_dir():
        return None, None  # nothing to load: the notebook used no data directory
    try:
        from etwin_analysis.dataset import load_dataset

        return load_dataset(data_dir), None
    except Exception as exc:
        return None, (
            f"cannot load {data_dir} to check outputs for person identifiers ({type(exc).__name__})"
        )


def _worker(spec_path: str) -> int:
    """Body of the worker process: execute, check, render. Writes the result record."""
    import logging

    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from etwin_analysis import privacy, render, results

    entered = time.time()
    spec = RunSpec(**json.loads(Path(spec_path).read_text(encoding="utf-8")))
    run_dir = Path(spec.run_dir)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    ipynb = run_dir / f"{spec.name}.ipynb"
    html = run_dir / f"{spec.name}.html"
    state = run_dir / STATE_FILE
    partial = run_dir / f".{spec.name}.ipynb.partial"
    for stale in ("results.json", "provenance.json"):
        (run_dir / stale).unlink(missing_ok=True)
    state.unlink(missing_ok=True)
    result: dict[str, Any] = {"status": "ok", "failing_cell": None, "error": None, "traceback": []}
    params = {**spec.parameters, "output_dir": spec.run_dir}
    executing = time.time()
    try:
        pm.execute_notebook(
            spec.notebook,
            str(partial),
            parameters=params,
            kernel_name=spec.kernel,
            language="python",
            cwd=str(Path(spec.notebook).parent),
            progress_bar=False,
            log_output=True,
            execution_timeout=spec.cell_timeout,
        )
    except PapermillExecutionError as exc:
        result.update(
            status="failed",
            failing_cell=exc.exec_count or exc.cell_index,
            error=f"{exc.ename}: {exc.evalue}",
            traceback=_traceback_head(exc.traceback),
        )
    except Exception as exc:  # kernel died, cell timeout, bad notebook...
        result.update(
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
            traceback=_traceback_head(traceback.format_exc().splitlines()[-6:]),
        )
        if "Timeout" in type(exc).__name__ or "timed out" in str(exc).lower():
            result["status"] = "timeout"
    executed = time.time()
    if partial.exists():
        os.replace(partial, ipynb)
        result["executed_notebook"] = ipynb.name
        if result["status"] != "ok" and result["failing_cell"] is None:
            result["failing_cell"] = _unfinished_cell(ipynb)
    dataset, data_problem = _load_for_check(spec.data_dir)
    if result["status"] == "ok":
        try:
            if data_problem:
                raise privacy.DisclosureError([data_problem], ipynb.name)
            nb = nbformat.read(str(ipynb), as_version=4)
            privacy.check_output(nb, dataset, spec.min_cell_size, source=ipynb.name)
            page = render.render_notebook(
                nb,
                show_code=spec.show_code,
                run_dir=run_dir,
                dataset=dataset,
                data_dir=spec.data_dir or None,
            )
            privacy.check_output(page, dataset, spec.min_cell_size, source=html.name)
            keys = render.key_results(results.load(run_dir))
            privacy.check_output(
                "\n".join(f"{k} {v}" for k, v in keys),
                dataset,
                spec.min_cell_size,
                source="key results",
            )
            atomic_write_text(html, page)
            result.update(html=html.name, key_results=keys)
        except privacy.DisclosureError as exc:
            result.update(
                status="refused", error=str(exc).splitlines()[0], traceback=exc.findings[:6]
            )
        except Exception as exc:
            result.update(
                status="failed",
                error=f"rendering failed: {type(exc).__name__}: {exc}",
                traceback=_traceback_head(traceback.format_exc().splitlines()[-6:]),
            )
    else:
        # Error messages go into the shared index: withhold them if they disclose anything.
        try:
            privacy.check_output(
                "\n".join([result["error"] or ""] + result["traceback"]),
                dataset,
                spec.min_cell_size,
                source="error message",
            )
        except privacy.DisclosureError:
            result.update(
                error="error message withheld by the disclosure check; see run.log", traceback=[]
            )
    if result["status"] != "ok":
        html.unlink(missing_ok=True)
    else:
        atomic_write_text(
            state,
            json.dumps(
                {"fingerprint": spec.fingerprint, "finished": datetime.now(UTC).isoformat()}
            ),
        )
    result["timings"] = {
        "worker_entered": entered,  # epoch seconds; the parent turns it into process start
        "imports": round(executing - entered, 3),
        "kernel_start": _kernel_start_seconds(ipynb),
        "execute": round(executed - executing, 3),
        "check_and_render": round(time.time() - executed, 3),
    }
    atomic_write_text(run_dir / RESULT_FILE, json.dumps(result, default=str))
    print(
        f"[etwin run] {spec.name}: {result['status']}"
        + (f" ({result['error']})" if result["error"] else "")
    )
    return 0


# --------------------------------------------------------------------------------------------
# Executors
# --------------------------------------------------------------------------------------------


def _progress(total: int):
    from tqdm import tqdm

    return tqdm(total=total, desc="etwin run", unit="run", disable=not sys.stderr.isatty())


def run_local(specs: list[dict], jobs: int) -> list[dict]:
    """Each run in its own process, at most ``jobs`` at a time (threads only wait on them)."""
    results = []
    with _progress(len(specs)) as bar, ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(execute_run, s): s for s in specs}
        for fut in as_completed(futures):
            results.append(_safe_result(fut, futures[fut]))
            bar.update(1)
    return results


def run_dask(specs: list[dict], scheduler: str) -> list[dict]:
    """Submit every run to a Dask distributed scheduler (``tcp://host:port``)."""
    from distributed import Client
    from distributed import as_completed as dask_completed

    results = []
    with Client(scheduler, timeout="30s") as client, _progress(len(specs)) as bar:
        futures = [
            client.submit(execute_run, s, key=f"etwin-run-{s['name']}", pure=False) for s in specs
        ]
        by_key = {f.key: s for f, s in zip(futures, specs, strict=True)}
        for fut in dask_completed(futures):
            results.append(_safe_result(fut, by_key[fut.key]))
            bar.update(1)
    return results


def _safe_result(fut, spec: dict) -> dict:
    try:
        return fut.result()
    except Exception as exc:  # the executor itself failed for this run
        return {
            "name": spec["name"],
            "notebook": Path(spec["notebook"]).name,
            "parameters": spec["parameters"],
            "run_dir": spec["run_dir"],
            "status": "failed",
            "duration": 0.0,
            "failing_cell": None,
            "error": f"executor error: {type(exc).__name__}: {exc}",
            "traceback": [],
        }


# --------------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------------


def summary_table(records: list[dict]) -> str:
    """Plain-text table: run, status, duration, failing cell, first lines of the traceback."""
    rows = [("run", "status", "duration", "cell", "error")]
    for r in records:
        rows.append(
            (
                r["name"],
                r["status"],
                f"{r.get('duration') or 0:.1f} s",
                "" if r.get("failing_cell") is None else str(r["failing_cell"]),
                (r.get("error") or "")[:100],
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for i, row in enumerate(rows):
        lines.append(
            "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4]
        )
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  -----")
        else:
            rec = records[i - 1]
            if rec["status"] not in ("ok", "skipped"):
                lines += ["      " + t[:120] for t in (rec.get("traceback") or [])[:4]]
    ok = sum(r["status"] in ("ok", "skipped") for r in records)
    lines.append(
        f"{ok}/{len(records)} runs succeeded"
        f" ({sum(r['status'] == 'skipped' for r in records)} up to date, skipped)"
    )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def check_kernel(name: str) -> str | None:
    """None if the Jupyter kernel ``name`` is registered, else a message saying how to add it."""
    from jupyter_client.kernelspec import KernelSpecManager

    if name in KernelSpecManager().find_kernel_specs():
        return None
    return (
        f"the Jupyter kernel '{name}' is not registered in this environment. Register it "
        f"with `make env` or `{sys.executable} -m ipykernel install --sys-prefix --name "
        f"{name}`"
    )


def build_parser() -> argparse.ArgumentParser:
    from etwin_analysis.paths import NOTEBOOKS_DIR

    p = argparse.ArgumentParser(
        prog="etwin run",
        description="Execute the notebooks of a run plan with papermill (in parallel, each in "
        "its own process), render disclosure-checked offline HTML and write an index.",
    )
    p.add_argument(
        "--plan",
        default=str(NOTEBOOKS_DIR / "runs.yaml"),
        help="run plan YAML (default: notebooks/runs.yaml)",
    )
    p.add_argument("--out", default="reports", help="output folder (default: reports)")
    p.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=os.cpu_count() or 1,
        help="runs executed at once (default: number of cores)",
    )
    p.add_argument("--force", action="store_true", help="re-run up-to-date runs too")
    p.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="GLOB",
        help="run only runs whose name matches (repeatable)",
    )
    p.add_argument("--show-code", action="store_true", help="keep input cells in the HTML")
    p.add_argument("--cell-timeout", type=float, help="seconds per cell (default: plan or 600)")
    p.add_argument("--run-timeout", type=float, help="seconds per run (default: plan or 1800)")
    p.add_argument("--min-cell-size", type=int, help="override the plan's min_cell_size")
    p.add_argument("--kernel", default=DEFAULT_KERNEL, help="Jupyter kernel (default: etwin)")
    p.add_argument("--executor", choices=("local", "dask"), default="local")
    p.add_argument("--scheduler", help="Dask scheduler address for --executor dask")
    p.add_argument("--dry-run", action="store_true", help="validate and list runs, run nothing")
    return p


def plan_specs(plan: Plan, args: argparse.Namespace, out: Path) -> list[dict]:
    inspected = validate_runs(plan)
    pkg = package_fingerprint()
    data_cache: dict[Path, str] = {}
    specs = []
    k = args.min_cell_size or plan.min_cell_size
    for run in plan.runs:
        declared = inspected[run.notebook]
        params = full_parameters(run, plan, declared)
        if args.min_cell_size and "min_cell_size" in declared:
            params["min_cell_size"] = args.min_cell_size
        data_dir = resolve_run_data_dir(params, declared, run.notebook)
        if data_dir not in data_cache:
            data_cache[data_dir] = data_fingerprint(data_dir)
        fingerprint = hashlib.sha256(
            canonical_json(
                {
                    "notebook": _sha256_file(run.notebook),
                    "parameters": params,
                    "data": data_cache[data_dir],
                    "package": pkg,
                    "kernel": args.kernel,
                    "min_cell_size": k,
                    "show_code": args.show_code,
                }
            ).encode()
        ).hexdigest()
        specs.append(
            asdict(
                RunSpec(
                    name=run.name,
                    notebook=str(run.notebook),
                    parameters=params,
                    run_dir=str((out / run.name).resolve()),
                    data_dir=str(data_dir or ""),
                    kernel=args.kernel,
                    cell_timeout=args.cell_timeout or plan.cell_timeout,
                    run_timeout=args.run_timeout or plan.run_timeout,
                    min_cell_size=k,
                    show_code=args.show_code,
                    fingerprint=fingerprint,
                    threads=max(1, (os.cpu_count() or 1) // max(1, args.jobs))
                    if args.executor == "local" and args.jobs > 1
                    else 0,
                )
            )
        )
    return specs


def longest_first(specs: list[dict], out: Path) -> list[dict]:
    """Order runs by their last recorded duration, longest first (runs never timed first).

    Longest-processing-time-first keeps the jobs busy until the end instead of leaving one
    long run alone at the tail (Graham 1969: within 4/3 of the optimal makespan).
    """
    try:
        previous = json.loads((out / "runs.json").read_text(encoding="utf-8"))["runs"]
        last = {r["name"]: float(r.get("duration") or 0) for r in previous}
    except (OSError, ValueError, KeyError, TypeError):
        last = {}
    return sorted(specs, key=lambda s: -last.get(s["name"], float("inf")))


def is_up_to_date(spec: dict) -> bool:
    run_dir = Path(spec["run_dir"])
    state = run_dir / STATE_FILE
    if not state.exists():
        return False
    try:
        saved = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        saved.get("fingerprint") == spec["fingerprint"]
        and (run_dir / f"{spec['name']}.html").exists()
        and (run_dir / f"{spec['name']}.ipynb").exists()
    )


def _previous_record(spec: dict, out: Path, keep_status: bool = False) -> dict:
    """The index record of a run not executed now: up to date (skipped) or not selected."""
    previous = {}
    runs_json = out / "runs.json"
    if runs_json.exists():
        try:
            previous = {r["name"]: r for r in json.loads(runs_json.read_text())["runs"]}
        except (ValueError, KeyError, TypeError):
            previous = {}
    rec = dict(previous.get(spec["name"], {}))
    base = {
        "name": spec["name"],
        "notebook": Path(spec["notebook"]).name,
        "parameters": spec["parameters"],
        "run_dir": spec["run_dir"],
    }
    if keep_status:
        if not rec:
            rec = {"status": "not run", "failing_cell": None, "error": None, "traceback": []}
        rec.update(base)
        if rec.get("status") in ("ok", "skipped") and not is_up_to_date(spec):
            rec["status"] = "out of date"
    else:
        rec.update(base)
        rec.update(
            {
                "status": "skipped",
                "failing_cell": None,
                "error": None,
                "traceback": [],
                "html": f"{spec['name']}.html",
                "executed_notebook": f"{spec['name']}.ipynb",
            }
        )
    rec.setdefault("duration", 0.0)
    return rec


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # jsonschema (via nbformat) imports the optional rfc3987_syntax package, which builds a
    # grammar at import: ~3 s per process on the 2-core machine. It only serves jsonschema's
    # "iri" format, which notebook schemas do not use, so `etwin run` and its workers skip it
    # (jsonschema treats it as not installed). See benchmarks/README.md.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
    if argv[:1] == ["--worker"]:
        return _worker(argv[1])
    args = build_parser().parse_args(argv)
    if args.jobs < 1:
        print("etwin run: --jobs must be at least 1", file=sys.stderr)
        return 2
    if args.min_cell_size is not None and args.min_cell_size < 1:
        print("etwin run: --min-cell-size must be at least 1", file=sys.stderr)
        return 2
    if args.executor == "dask" and not args.scheduler:
        print("etwin run: --executor dask needs --scheduler ADDRESS", file=sys.stderr)
        return 2
    out = Path(args.out)
    try:
        plan = load_plan(args.plan)
        specs = plan_specs(plan, args, out)
    except PlanError as exc:
        print(f"etwin run: {exc}", file=sys.stderr)
        return 2
    selected = [
        s for s in specs if not args.only or any(fnmatch.fnmatch(s["name"], g) for g in args.only)
    ]
    if not selected:
        print(f"etwin run: no run matches {args.only}", file=sys.stderr)
        return 2
    if args.dry_run:
        for s in selected:
            print(f"{s['name']}: {Path(s['notebook']).name} {canonical_json(s['parameters'])}")
        return 0
    problem = check_kernel(args.kernel)
    if problem:
        print(f"etwin run: {problem}", file=sys.stderr)
        return 2
    todo = [s for s in selected if args.force or not is_up_to_date(s)]
    skipped = [_previous_record(s, out) for s in selected if s not in todo]
    # Runs left out by --only keep their last recorded state in the index.
    others = [_previous_record(s, out, keep_status=True) for s in specs if s not in selected]
    print(
        f"etwin run: {len(specs)} runs, {len(todo)} to execute, {len(skipped)} up to date "
        f"({'dask at ' + args.scheduler if args.executor == 'dask' else f'{args.jobs} jobs'})",
        file=sys.stderr,
    )
    todo = longest_first(todo, out)
    try:
        if args.executor == "dask":
            done = run_dask(todo, args.scheduler)
        else:
            done = run_local(todo, args.jobs)
    except KeyboardInterrupt:
        # Workers run in their own sessions (so timeouts can kill their kernels): they do not
        # get the terminal's Ctrl-C, so stop them here rather than leave kernels behind.
        n = stop_active_runs()
        print(f"etwin run: interrupted; stopped {n} running run(s)", file=sys.stderr)
        return 130
    # Index and summary: by notebook file name, then in plan order.
    order = {s["name"]: (Path(s["notebook"]).name, i) for i, s in enumerate(specs)}
    records = sorted(done + skipped + others, key=lambda r: order[r["name"]])
    from etwin_analysis import render

    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        out / "runs.json",
        json.dumps(
            {
                "plan": str(plan.path),
                "min_cell_size": args.min_cell_size or plan.min_cell_size,
                "generated": datetime.now(UTC).isoformat(timespec="seconds"),
                "runs": records,
            },
            indent=1,
            default=str,
        ),
    )
    index = render.write_index(out, records)
    print(summary_table(records))
    print(f"index: {index}")
    executed = done + skipped
    return 0 if all(r["status"] in ("ok", "skipped") for r in executed) else 1


if __name__ == "__main__":
    sys.exit(main())
