"""What an sdist shows its build needs: read from real archives (tar.gz, zip), judged by
sdist_needs (toolchains, build requirements), added to the plan's jobs, looked up in a
manifest before an sdist is read."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from builder.errors import InputError, UpstreamError
from builder.inputs.recipes import Recipe
from builder.plan.jobs import BuildJob, Plan, SkipJob
from builder.plan.sdist_needs import SdistNeeds, toolchains_needed
from builder.resolve.sdist_facts import counted, sdist_facts
from builder.run.sdist_probe import sdist_needs
from builder.wheelbuild.cibuildwheel_options import before_all_command
from builder.wheelhouse.manifest import Manifest, parse_manifest
from index.pages.simple_pages import IndexFile
from tests.unit.fakes import IMAGE
from tests.unit.test_plan import plan_for, resolved

MATURIN = '[build-system]\nrequires = ["maturin>=1,<2"]\nbuild-backend = "maturin"\n'
MESON = '[build-system]\nrequires = ["meson-python", "numpy"]\nbuild-backend = "mesonpy"\n'


def targz(files: dict[str, str], top: str = "demo-1.0") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{top}/{path}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zipped(files: dict[str, str], top: str = "demo-1.0") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, text in files.items():
            archive.writestr(f"{top}/{path}", text)
    return buffer.getvalue()


def needs(files: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = toolchains_needed(sdist_facts(targz(files), "demo-1.0.tar.gz"))
    return found


def test_a_rust_backend_in_the_build_requirements_needs_rust() -> None:
    assert needs({"pyproject.toml": MATURIN, "src/lib.rs": ""}) == {
        "rust": "build-system requires maturin"
    }
    plugin = '[build-system]\nrequires = ["setuptools", "setuptools_rust>=1.5"]\n'
    assert needs({"pyproject.toml": plugin})["rust"] == "build-system requires setuptools-rust"
    # a zip sdist reads the same; a requirement that does not parse is passed over
    odd = '[build-system]\nrequires = ["not a requirement!!", "maturin"]\n'
    facts = sdist_facts(zipped({"pyproject.toml": odd}), "demo-1.0.zip")
    assert facts.requires == ("not a requirement!!", "maturin")
    assert toolchains_needed(facts) == {"rust": "build-system requires maturin"}


def test_openmp_is_found_in_a_build_file_and_fortran_needs_sources_and_a_build_file() -> None:
    sklearn = {
        "pyproject.toml": MESON,
        "meson.build": "project('demo', 'c')\nsubdir('demo')\n",
        "demo/meson.build": "openmp_dep = dependency('OpenMP', language: 'c', required: false)\n",
    }
    assert needs(sklearn) == {"openmp": "demo/meson.build asks for OpenMP"}
    cmake = {"cpp_src/CMakeLists.txt": "find_package (OpenMP)\n", "setup.py": ""}
    assert needs(cmake) == {"openmp": "cpp_src/CMakeLists.txt asks for OpenMP"}
    assert needs({"setup.py": "args = ['-fopenmp']"}) == {"openmp": "setup.py asks for OpenMP"}
    # naming OpenMP is not asking for it (numpy's comment, scipy's -U_OPENMP)
    named = {"meson.build": "# until openmp.pc is fixed\nfargs = ['-U_OPENMP']\n"}
    assert needs(named) == {}
    fortran = {
        "pyproject.toml": MESON,
        "meson.build": "project('demo', 'c')\nadd_languages('fortran')\n",
        "src/dot.f90": "subroutine dot\nend\n",
    }
    assert needs(fortran) == {
        "fortran": "Fortran sources (src/dot.f90) and meson.build names Fortran"
    }
    # Fortran files that no build file compiles (shipped as data) need no Fortran compiler
    data_only = {"pyproject.toml": MESON, "meson.build": "project('x', 'c')\n", "x/a.f": ""}
    assert needs(data_only) == {}
    assert needs({"setup.py": "from setuptools import setup\nsetup()\n", "a.c": ""}) == {}


def test_files_under_tests_docs_and_examples_do_not_count() -> None:
    """numpy's sdist carries meson's test cases (Fortran, OpenMP) and f2py's Fortran tests."""
    numpy_like = {
        "pyproject.toml": MESON,
        "meson.build": "project('NumPy', 'c', 'cpp', 'cython')\n",
        "numpy/f2py/tests/src/kind/foo.f90": "",
        "vendored-meson/meson/test cases/fortran/1 basic/meson.build": "add_languages('fortran')",
        "vendored-meson/meson/test cases/common/openmp/meson.build": "dependency('openmp')",
        "docs/examples/CMakeLists.txt": "find_package(OpenMP)",
        "benchmarks/setup.py": "extra_compile_args=['-fopenmp']",
    }
    assert needs(numpy_like) == {}
    assert not counted("pkg/unittests/a.f90") and not counted("pkg/testing/a.f90")
    assert counted("pkg/latest/a.f90") and counted("pkg/contest/a.f90")
    assert counted("a.f90")


def test_an_unreadable_sdist_is_an_upstream_error() -> None:
    with pytest.raises(UpstreamError, match=r"demo-1\.0\.tar\.gz: the upstream sdist is not"):
        sdist_facts(b"not an archive", "demo-1.0.tar.gz")
    # a pyproject.toml that does not parse gives no requirements, not an error
    assert sdist_facts(targz({"pyproject.toml": "[build-system"}), "d.tar.gz").requires == ()


def index_sdist(data: bytes, name: str = "rusty") -> IndexFile:
    filename = f"{name}-1.0.tar.gz"
    return IndexFile(
        filename=filename,
        url=f"http://index.invalid/files/{filename}",
        digests={"sha256": hashlib.sha256(data).hexdigest()},
        requires_python=None,
        yanked=False,
        has_metadata=False,
    )


RUSTY = targz({"pyproject.toml": MATURIN, "Cargo.toml": "[package]\n"}, top="rusty-1.0")
RUSTY_SDIST = index_sdist(RUSTY)
RUSTY_ITEM = resolved("rusty", [RUSTY_SDIST])
RUST_ID = {"rust": "rustc 1.96.0; crates.io"}
RUST_NEEDS = SdistNeeds(
    toolchains={"rust": "build-system requires maturin"}, build_requires=("maturin>=1,<2",)
)


def test_what_the_sdist_needs_joins_its_recipe_its_key_and_its_plan_line() -> None:
    found = {RUSTY_SDIST.identity() or "": RUST_NEEDS}
    plain = plan_for([RUSTY_ITEM], toolchains=RUST_ID)
    detected = plan_for([RUSTY_ITEM], toolchains=RUST_ID, sdist_needs=found)
    (job,) = detected.jobs
    assert isinstance(job, BuildJob) and isinstance(plain.jobs[0], BuildJob)
    assert job.rust == "rustc 1.96.0; crates.io" and plain.jobs[0].rust == ""
    assert job.recipe.toolchains == ("rust",) and job.key != plain.jobs[0].key
    assert job.reason.endswith("the sdist needs rust (build-system requires maturin)")
    assert job.to_json()["toolchains_found"] == {"rust": "build-system requires maturin"}
    # the same as a recipe that names it: one key, nothing said to be found
    named = plan_for(
        [RUSTY_ITEM],
        toolchains=RUST_ID,
        recipes={"rusty": Recipe(name="rusty", toolchains=("rust",))},
        sdist_needs=found,
    ).jobs[0]
    assert isinstance(named, BuildJob) and named.key == job.key
    assert named.toolchains_found == () and "toolchains_found" not in named.to_json()
    # on the pypa images nothing is mounted: Alpine's cargo is installed instead
    pypa = {"x86_64": replace(IMAGE, kind="pypa")}
    on_pypa = plan_for([RUSTY_ITEM], toolchains=RUST_ID, sdist_needs=found, images=pypa)
    assert isinstance(on_pypa.jobs[0], BuildJob) and on_pypa.jobs[0].rust == ""
    assert "apk add --no-cache cargo" in before_all_command(on_pypa.jobs[0])
    # a wheel built with it is present under the new key
    again = plan_for(
        [RUSTY_ITEM], toolchains=RUST_ID, sdist_needs=found, present={job.key: "w.whl"}
    )
    assert isinstance(again.jobs[0], SkipJob)


class Downloads:
    """Stands in for the HTTP client: serves one sdist, counting what it is asked."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.asked: list[str] = []

    def download(self, url: str, dest: Path, *, digests: Any) -> Path:
        assert digests == RUSTY_SDIST.digests  # verified against what the index gave
        self.asked.append(f"download {url}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(self.data)
        return dest

    def get_verified(self, url: str, digests: Any) -> bytes:
        assert digests == RUSTY_SDIST.digests
        self.asked.append(f"get {url}")
        return self.data


def probe(plan: Plan, client: Downloads, cache: Path, **kwargs: Any) -> dict[str, SdistNeeds]:
    args: dict[str, Any] = {"records": [], "keep": True, "note": lambda _: None}
    args.update(kwargs)
    return sdist_needs(plan, client=client, cache=cache, **args)  # type: ignore[arg-type]


def test_sdists_are_looked_into_once_and_a_manifest_record_spares_the_download(
    tmp_path: Path,
) -> None:
    plan = plan_for([RUSTY_ITEM])
    identity = RUSTY_SDIST.identity() or ""
    # a dry run reads the sdist without keeping it
    client = Downloads(RUSTY)
    found = probe(plan, client, tmp_path, keep=False)
    assert found == {identity: RUST_NEEDS}
    assert client.asked == [f"get {RUSTY_SDIST.url}"] and not (tmp_path / "sdists").exists()
    # a real run keeps it in the sdist cache, where the build takes it and the next look finds it
    probe(plan, client, tmp_path)
    assert (tmp_path / "sdists" / RUSTY_SDIST.filename).read_bytes() == RUSTY
    probe(plan, client, tmp_path)
    assert len(client.asked) == 2
    # a manifest's record answers without the sdist
    nothing = Downloads(b"")
    record = {identity: SdistNeeds(toolchains={"openmp": "recorded"})}
    assert probe(plan, nothing, tmp_path / "empty", records=[{}, record]) == record
    assert nothing.asked == []
    # an sdist that cannot be read is left out, with a note
    notes: list[str] = []
    broken = Downloads(b"garbage")
    assert probe(plan, broken, tmp_path / "other", keep=False, note=notes.append) == {}
    assert notes and "rusty-1.0.tar.gz: not looked into" in notes[0]


def test_the_manifest_keeps_what_sdists_need_and_refuses_a_malformed_record() -> None:
    manifest = Manifest(sdists={"abc": RUST_NEEDS, "def": SdistNeeds()})
    text = json.dumps(manifest.to_json()).encode()
    assert parse_manifest(text, where="m").sdists == manifest.sdists
    for bad in ('["rust"]', '{"toolchains": ["rust"]}', '{"build_requires": [1]}', '{"x": 1}'):
        with pytest.raises(InputError, match="sdists is not an object"):
            parse_manifest(b'{"wheels": [], "sdists": {"abc": %s}}' % bad.encode(), where="m")
