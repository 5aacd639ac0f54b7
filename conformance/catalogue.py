"""The requirement catalogue (``requirements.yaml``): one place for every promise the suite judges."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CATALOGUE = Path(__file__).with_name("requirements.yaml")

MUST = "must"
INFORMATIONAL = "informational"
AREAS = ("schema", "auth", "batch", "echo", "outcome", "idempotency", "isolation", "modes", "stream")


@dataclass(frozen=True)
class Requirement:
    id: str
    api: str  # "clob" or "us": also the pytest marker of the API
    api_title: str
    level: str
    area: str
    sentence: str
    check: str

    @property
    def informational(self) -> bool:
        return self.level == INFORMATIONAL


@cache
def requirements() -> dict[str, Requirement]:
    """Every requirement by id, validated on load."""
    data = yaml.safe_load(CATALOGUE.read_text())
    found: dict[str, Requirement] = {}
    for api, section in data.items():
        for rid, fields in section["requirements"].items():
            requirement = Requirement(id=rid, api=api, api_title=section["title"], **fields)
            if requirement.level not in (MUST, INFORMATIONAL) or requirement.area not in AREAS:
                raise ValueError(f"{CATALOGUE.name}: {rid} has level {requirement.level!r}, area {requirement.area!r}")
            found[rid] = requirement
    return found


def specs_dir() -> Path:
    """The OpenAPI specs: ``conformance/specs/`` in an installed package, ``specs/`` at the root of a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "specs"
    return installed if installed.is_dir() else package.parent / "specs"


def spec_path(api: str) -> Path:
    data = yaml.safe_load(CATALOGUE.read_text())
    return specs_dir() / data[api]["spec"]
