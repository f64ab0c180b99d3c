"""The SBOM a built wheel carries: valid CycloneDX 1.6 (checked with cyclonedx-python-lib's
schema validator), naming the sdist and each grafted library with its release and origin; added
to the wheel with its RECORD line right (pip checks it: tests/e2e)."""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from builder.checks.sbom import grafted_stem, wheel_sbom
from builder.host.library_versions import parse_probe, probe_script
from builder.inputs.recipes import Recipe
from builder.inputs.system_libraries import CATALOGUE
from builder.plan.jobs import BuildJob
from builder.wheelbuild.wheel_members import add_member, dist_info, read_member
from tests.support import make_wheel
from tests.unit.test_wheel_checks import job_with

GRAFTED = [
    "libxml2-5f0d2e1a.so.2.9.14",
    "libexslt-0a1b2c3d.so.0.8.20",
    "libomp-89abcdef.so",
    "libFortranRuntime-01234567.so",
    "libscipy_openblas-76543210.so",
]
VERSIONS = {"libxml2": "2.9.14", "libxslt": "1.1.35"}


SDIST_SHA256 = hashlib.sha256(b"demo-1.0.tar.gz").hexdigest()


def job(recipe: Recipe) -> BuildJob:
    plain = job_with(recipe)
    return replace(plain, sdist=replace(plain.sdist, digests={"sha256": SDIST_SHA256}))


def valid(document: dict[str, Any]) -> None:
    problem = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(document))
    assert problem is None, problem


def test_a_wheel_with_grafted_libraries_names_each_with_its_release_and_origin() -> None:
    built = replace(job(Recipe(name="lxml")), toolchains=(("openmp", "llvm-openmp 19.1.7"),))
    document = wheel_sbom(
        built,
        "lxml-5.3.0-cp311-cp311-musllinux_1_2_x86_64.whl",
        grafted=GRAFTED,
        versions=VERSIONS,
        wheelhouse_version="0.1.0",
    )
    valid(document)
    wheel = document["metadata"]["component"]
    assert wheel["name"] == "lxml" and wheel["version"] == "5.3.0"
    (source,) = wheel["externalReferences"]
    assert source["type"] == "source-distribution" and source["url"] == built.sdist.url
    assert source["hashes"] == [{"alg": "SHA-256", "content": SDIST_SHA256}]
    properties = {p["name"]: p["value"] for p in wheel["properties"]}
    assert properties["wheelhouse:toolchain:openmp"] == "llvm-openmp 19.1.7"
    assert properties["wheelhouse:sdist"] == "demo-1.0.tar.gz"
    libraries = {c["name"]: c for c in document["components"]}
    assert libraries["libxml2"]["version"] == "2.9.14"
    assert libraries["libxslt"]["version"] == "1.1.35"  # libexslt ships with libxslt
    assert libraries["llvm-openmp"]["version"] == "19.1.7"
    assert libraries["llvm-flang-runtime"]["version"] == "19.1.7"
    openblas = {p["name"]: p["value"] for p in libraries["openblas"]["properties"]}
    assert "scipy-openblas32 wheel" in openblas["wheelhouse:origin"]
    origin = {p["name"]: p["value"] for p in libraries["libxml2"]["properties"]}
    assert origin["wheelhouse:origin"].startswith("Debian bookworm source package libxml2")
    assert origin["wheelhouse:grafted-file"] == GRAFTED[0]
    (depends,) = [d for d in document["dependencies"] if d["ref"] == wheel["bom-ref"]]
    assert len(depends["dependsOn"]) == len(GRAFTED)


def test_on_the_pypa_images_auditwheel_s_apk_components_are_taken_over() -> None:
    recorded = {
        "metadata": {"component": {"bom-ref": "pkg:pypi/lxml@5.3.0"}},
        "components": [
            {"type": "library", "bom-ref": "pkg:pypi/lxml@5.3.0", "name": "lxml"},
            {
                "type": "library",
                "bom-ref": "pkg:apk/alpine/libxml2@2.13.4-r5#ab12",
                "name": "libxml2",
                "version": "2.13.4-r5",
                "purl": "pkg:apk/alpine/libxml2@2.13.4-r5",
            },
        ],
    }
    plain = job(Recipe(name="lxml"))
    document = wheel_sbom(
        replace(plain, image=replace(plain.image, kind="pypa")),
        "lxml-5.3.0-cp311-cp311-musllinux_1_2_x86_64.whl",
        grafted=GRAFTED[:1],
        versions={},
        wheelhouse_version="0.1.0",
        auditwheel_sbom=recorded,
    )
    valid(document)
    assert [c["purl"] for c in document["components"]] == ["pkg:apk/alpine/libxml2@2.13.4-r5"]


def test_a_pure_wheel_names_its_sdist_and_no_libraries() -> None:
    document = wheel_sbom(
        job(Recipe(name="demo")),
        "demo-1.0-py3-none-any.whl",
        grafted=[],
        versions={},
        wheelhouse_version="0.1.0",
    )
    valid(document)
    assert document["components"] == []


def test_grafted_names_map_to_the_catalogue() -> None:
    assert grafted_stem("libpq-4c2b1a0e.so.5.15") == "libpq"
    assert grafted_stem("libpng16-0123abcd.so.16.39.0") == "libpng16"
    assert grafted_stem("libyaml.so") == "libyaml"
    # every baked library's probe appears in the script, and the output parses back
    script = probe_script()
    baked = [name for name, library in CATALOGUE.items() if not library.on_demand]
    assert all(f'echo "{name} $(' in script for name in baked)
    assert "libsodium" not in script  # built on demand: its layer records its release
    assert parse_probe("libxml2 2.9.14\nyaml \nfreetype 2.12.1\nnoise 1\n") == {
        "libxml2": "2.9.14",
        "freetype": "2.12.1",
    }


def test_the_sbom_is_added_with_its_record_line(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "demo", "1.0")
    info = dist_info(wheel)
    data = b'{"bomFormat": "CycloneDX"}\n'
    add_member(wheel, f"{info}/sboms/wheelhouse.cdx.json", data)
    add_member(wheel, f"{info}/sboms/wheelhouse.cdx.json", data)  # replaced, not doubled
    assert read_member(wheel, f"{info}/sboms/wheelhouse.cdx.json") == data
    record = (read_member(wheel, f"{info}/RECORD") or b"").decode().splitlines()
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    line = f"{info}/sboms/wheelhouse.cdx.json,sha256={digest},{len(data)}"
    assert record.count(line) == 1 and record[-1] == f"{info}/RECORD,,"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert names.count(f"{info}/sboms/wheelhouse.cdx.json") == 1
        assert archive.testzip() is None


def test_a_digest_that_is_no_sha256_is_left_out_rather_than_break_the_schema() -> None:
    document = wheel_sbom(
        job_with(Recipe(name="demo")),  # its sdist's "sha256" is "0"
        "demo-1.0-py3-none-any.whl",
        grafted=[],
        versions={},
        wheelhouse_version="0.1.0",
    )
    valid(document)
    (source,) = document["metadata"]["component"]["externalReferences"]
    assert "hashes" not in source
