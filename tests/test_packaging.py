"""Installs are reproducible and upgrades deliberate: every dependency has a compatible range
that stops before the next major version, and constraints.txt pins a version inside it."""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    listed = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(line) for line in listed]


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        name, sep, version = line.strip().partition("==")
        if sep:
            pins[canonicalize_name(name)] = version
    return pins


def test_every_dependency_has_an_upper_bound():
    unbounded = [str(r) for r in _requirements() if not any(s.operator == "<" for s in r.specifier)]
    assert not unbounded, f"add an upper bound (the next major version) to: {unbounded}"


def test_constraints_pin_a_version_each_range_admits():
    pins = _pins()
    for requirement in _requirements():
        pinned = pins.get(canonicalize_name(requirement.name))
        assert pinned is not None, f"{requirement.name} is not pinned in constraints.txt"
        assert requirement.specifier.contains(pinned, prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pinned}, outside {requirement.specifier}"
        )
