"""The catalogue of system libraries and the local image recipe that provides them agree."""

from __future__ import annotations

import re
from pathlib import Path

from builder.inputs.system_libraries import (
    CATALOGUE,
    library_of,
    on_demand,
    system_library,
    with_requirements,
)

SCRIPT = (
    Path(__file__).resolve().parents[2]
    / "builder"
    / "host"
    / "image_recipe"
    / "scripts"
    / "build-syslibs.sh"
)
ON_DEMAND_SCRIPT = SCRIPT.parents[2] / "library_recipe" / "build-library.sh"


def test_the_image_recipe_checks_every_baked_header() -> None:
    # build-syslibs.sh's `check` step fails the image build when a header is missing; every
    # library the images carry must be among the headers it checks.
    text = SCRIPT.read_text()
    check = text[text.index("  check)") :]
    checked = set(re.findall(r"[\w/.+-]+\.h\b", check))
    baked = {library.header for library in CATALOGUE.values() if not library.on_demand}
    assert baked <= checked
    assert not {library.header for library in on_demand(list(CATALOGUE))} & checked


def test_every_library_built_on_demand_has_a_recipe_and_a_prefix_of_its_own() -> None:
    patterns = re.findall(r"^  ([\w.+ |-]+)\)$", ON_DEMAND_SCRIPT.read_text(), re.MULTILINE)
    cases = {name.strip() for pattern in patterns for name in pattern.split("|")}
    built = on_demand(list(CATALOGUE))
    assert built, "the catalogue has libraries built on demand"
    for library in built:
        assert library.name in cases, library.name
        assert library.local_prefix == f"/opt/wheelhouse-libs/{library.name}"
    assert CATALOGUE["libxml2"].local_prefix == "/opt/syslibs"
    assert on_demand(["libxml2", "libsodium", "nope"]) == [CATALOGUE["libsodium"]]


def test_a_library_comes_after_those_it_requires_and_brings_them() -> None:
    for library in CATALOGUE.values():
        for name in library.requires:
            assert CATALOGUE[name].on_demand, f"{library.name} requires {name}, not on demand"
    assert with_requirements(["acl"]) == ["attr", "acl"]
    assert with_requirements(["acl", "attr", "lzo"]) == ["attr", "acl", "lzo"]
    assert [lib.name for lib in on_demand(["zlib", "acl"])] == ["attr", "acl"]


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
        if not library.on_demand:  # those fetch their own (library_recipe/fetch-source.sh)
            assert (library.debian_suite, library.debian_source) in fetched, library.name
        assert library_of(library.sonames[0]) is library
