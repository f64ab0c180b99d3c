"""The SBOM every wheel we build carries (PEP 770: `<dist-info>/sboms/wheelhouse.cdx.json`,
CycloneDX 1.6): the wheel, the sdist it was built from (its URL and sha256), how it was made
(recipe, builder image, toolchains), and each native library auditwheel grafted into it, with
its version and origin, so a scanner sees what the wheel carries. Pure: the caller reads the
wheel and asks the builder image for the library versions.

Origins: on the local images a grafted library was built from a Debian source package against
musl (the catalogue says which; the image says which release); the OpenMP and Fortran runtimes
from LLVM's sources. On the pypa images auditwheel records the apk packages it grafted from in its own SBOM
(`auditwheel.cdx.json`), whose components are taken over as they are."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from packaging.utils import parse_wheel_filename

from builder.inputs.system_libraries import library_of
from builder.plan.jobs import BuildJob
from builder.wheelbuild.openmp_runtime import LLVM_VERSION

SBOM_NAME = "wheelhouse.cdx.json"
AUDITWHEEL_SBOM = "auditwheel.cdx.json"
SPEC_VERSION = "1.6"
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")  # what CycloneDX accepts as a SHA-256 hash
# auditwheel names a grafted copy <stem>-<8 hex>.so<suffix> (libxml2-5f0d2e1a.so.2.9.14)
_GRAFTED = re.compile(r"^(?P<stem>.+?)-[0-9a-f]{8}\.so(?:\.[0-9.]*)?$")


def grafted_stem(filename: str) -> str:
    found = _GRAFTED.match(filename)
    return found.group("stem") if found else filename.split(".so", 1)[0]


def wheel_sbom(
    job: BuildJob,
    wheel_name: str,
    *,
    grafted: Sequence[str],
    versions: Mapping[str, str],
    wheelhouse_version: str,
    auditwheel_sbom: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The CycloneDX document for one built wheel. `grafted` are the file names under
    `<pkg>.libs/`; `versions` the catalogue libraries' releases in the builder image (name ->
    version, local images); `auditwheel_sbom` what auditwheel wrote, if it did."""
    name, version, _, _ = parse_wheel_filename(wheel_name)
    wheel_ref = (
        f"pkg:pypi/{quote(str(name), safe='')}@{quote(str(version), safe='')}"
        f"?file_name={quote(wheel_name, safe='')}"
    )
    source = {
        "type": "source-distribution",
        "url": job.sdist.url,
        **(
            {"hashes": [{"alg": "SHA-256", "content": job.sdist.sha256}]}
            if job.sdist.sha256 and _SHA256.fullmatch(job.sdist.sha256)
            else {}
        ),
    }
    how = {
        "wheelhouse:sdist": job.sdist.filename,
        "wheelhouse:recipe": job.recipe.origin or "none",
        "wheelhouse:builder-image": f"{job.image.builder} ({job.image.builder_id or 'id unknown'})",
        "wheelhouse:execution": job.execution,
        "wheelhouse:python": job.target.full_version,
        "wheelhouse:key": job.key,
        **({"wheelhouse:c++": job.cxx} if job.cxx else {}),
        **{f"wheelhouse:toolchain:{n}": identity for n, identity in job.toolchains},
    }
    libraries = (
        _auditwheel_components(auditwheel_sbom)
        if auditwheel_sbom is not None and job.image.kind != "local"
        else [_grafted_component(file, versions, job) for file in grafted]
    )
    return {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": uuid.uuid5(uuid.NAMESPACE_URL, f"{wheel_ref}#{job.key}").urn,
        "version": 1,
        "metadata": {
            "tools": {
                "components": [
                    {"type": "application", "name": "wheelhouse", "version": wheelhouse_version}
                ]
            },
            "component": {
                "type": "library",
                "bom-ref": wheel_ref,
                "name": str(name),
                "version": str(version),
                "purl": wheel_ref,
                "externalReferences": [source],
                "properties": [{"name": key, "value": value} for key, value in how.items()],
            },
        },
        "components": libraries,
        "dependencies": [
            {"ref": wheel_ref, "dependsOn": [library["bom-ref"] for library in libraries]},
            *({"ref": library["bom-ref"]} for library in libraries),
        ],
    }


def _grafted_component(filename: str, versions: Mapping[str, str], job: BuildJob) -> dict[str, Any]:
    stem = grafted_stem(filename)
    library = library_of(stem)
    properties = [{"name": "wheelhouse:grafted-file", "value": filename}]
    if library is not None:
        name, release = library.name, versions.get(library.name, "")
        origin = (
            f"Debian {library.debian_suite} source package {library.debian_source}, built "
            f"against musl in the builder image {job.image.builder}"
        )
    elif stem == "libomp":
        name, release = "llvm-openmp", LLVM_VERSION
        origin = (
            f"LLVM {LLVM_VERSION} OpenMP runtime (Debian's llvm-toolchain-19 source tarball), "
            "built against musl by wheelhouse"
        )
    elif stem == "libFortranRuntime":
        name, release = "llvm-flang-runtime", LLVM_VERSION
        origin = (
            f"LLVM {LLVM_VERSION} flang Fortran runtime (Debian's llvm-toolchain-19 source "
            "tarball), built against musl by wheelhouse"
        )
    elif stem == "libscipy_openblas":
        name, release = "openblas", ""
        origin = (
            "OpenBLAS with LAPACK from the scipy-openblas32 wheel (the OpenBLAS-libs project's "
            "musllinux build), installed for the build by the recipe"
        )
    else:
        name, release = stem, ""
        origin = "not in wheelhouse's catalogue: found by auditwheel in the builder image"
    properties.append({"name": "wheelhouse:origin", "value": origin})
    purl = f"pkg:generic/{quote(name, safe='')}" + (
        f"@{quote(release, safe='')}" if release else ""
    )
    return {
        "type": "library",
        "bom-ref": f"{purl}#{filename}",
        "name": name,
        **({"version": release} if release else {}),
        "purl": purl,
        "properties": properties,
    }


def _auditwheel_components(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The libraries auditwheel recorded (its first component is the wheel itself)."""
    main = document.get("metadata", {}).get("component", {}).get("bom-ref")
    found = document.get("components", [])
    return [
        {
            key: component[key]
            for key in ("type", "bom-ref", "name", "version", "purl")
            if key in component
        }
        for component in found
        if isinstance(component, dict) and component.get("bom-ref") != main
    ]
