"""The catalogue of system libraries and the local image recipe that provides them agree."""

from __future__ import annotations

import re
from pathlib import Path

from builder.inputs.system_libraries import CATALOGUE, library_of, system_library

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


def test_each_library_s_debian_source_is_one_the_image_recipe_fetches() -> None:
    """The SBOM names the Debian source package a library was built from: the catalogue must
    agree with what the image recipe fetches (suite and package)."""
    recipe = SCRIPT.parent.parent / "sources.txt"
    fetched = {
        tuple(line.split())
        for line in recipe.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for library in CATALOGUE.values():
        assert (library.debian_suite, library.debian_source) in fetched, library.name
        assert library_of(library.sonames[0]) is library
