"""The pinned environment: requirements.lock, environment.yml and pyproject.toml agree."""

from __future__ import annotations

import re
import tomllib

import yaml

from etwin_analysis.paths import REPO_ROOT


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock() -> dict[str, str]:
    pins = {}
    for line in (REPO_ROOT / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert "==" in line, f"requirements.lock line is not an exact pin: {line}"
            name, version = line.split("==", 1)
            pins[_norm(name)] = version
    return pins


def _direct_dependencies() -> list[str]:
    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    deps = meta["dependencies"] + meta["optional-dependencies"]["dev"]
    return [_norm(re.split(r"[<>=!~ \[;]", d)[0]) for d in deps]


def test_every_direct_dependency_is_pinned_in_the_lock():
    lock = _lock()
    missing = [d for d in _direct_dependencies() if d not in lock]
    assert not missing, f"add to requirements.lock (make lock): {missing}"


def test_environment_yml_mirrors_the_lock():
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    lock = _lock()
    pinned = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and "==" in dep:
            name, version = dep.split("==", 1)
            pinned[_norm(name)] = version
    assert set(pinned) == set(_direct_dependencies()), "environment.yml lists other packages"
    drift = {n: (v, lock[n]) for n, v in pinned.items() if lock.get(n) != v}
    assert not drift, f"environment.yml and requirements.lock disagree: {drift}"


def test_installed_versions_match_the_lock():
    from importlib import metadata

    lock = _lock()
    wrong = {}
    for name in _direct_dependencies():
        installed = metadata.version(name)
        if installed != lock[name]:
            wrong[name] = (installed, lock[name])
    assert not wrong, f"installed versions differ from requirements.lock (run make env): {wrong}"


def test_codebook_matches_the_contract():
    from etwin_analysis.contract import codebook_markdown

    text = (REPO_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    start = text.index("-->", text.index("<!-- contract:start")) + 3
    end = text.index("<!-- contract:end -->")
    assert text[start:end].strip() == codebook_markdown().strip(), (
        "data/README.md is out of date: paste codebook_markdown() between the contract markers"
    )
