"""The catalogue of system libraries and the local image recipe that provides them agree."""

from __future__ import annotations

import re
from pathlib import Path

from builder.inputs.system_libraries import CATALOGUE, system_library

SCRIPT = (
    Path(__file__).resolve().parents[2]
    / "builder"
    / "host"
    / "image_recipe"
    / "scripts"
    / "build-syslibs.sh"
)


def test_the_image_recipe_checks_every_catalogued_header() -> None:
    # build-syslibs.sh's `check` step fails the image build when a header is missing; every
    # library a recipe may name must be among the headers it checks.
    text = SCRIPT.read_text()
    check = text[text.index("  check)") :]
    checked = set(re.findall(r"[\w/.+-]+\.h\b", check))
    assert {library.header for library in CATALOGUE.values()} <= checked


def test_spellings() -> None:
    assert system_library("libxml2-dev") == CATALOGUE["libxml2"]
    assert system_library("PostgreSQL") == CATALOGUE["libpq"]
    assert system_library("libxml3") is None
    assert CATALOGUE["yaml"].apk_package == "yaml-dev"
