"""Running a script in the clean musl runtime image, for tests that check what a user gets."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from elftools.elf.elffile import ELFFile

from builder.host.emulation import docker_platform
from builder.host.images import local_tags, recipe_hash


def runtime_image(arch: str = "x86_64") -> str:
    return local_tags(arch, "musllinux_1_2", recipe_hash())[2]


def run_in_runtime(
    script: str,
    *,
    network: str = "host",
    mount: Path | None = None,
    mount_at: str = "/work",
    arch: str = "x86_64",
    extra: tuple[str, ...] | list[str] = (),
    image: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """sh -c SCRIPT in arch's runtime image, or `image` (aarch64 runs under emulation on
    x86_64). network "host" shares the host's loopback (and nothing else reachable here); "none"
    cuts it off. mount is bind-mounted read-only at mount_at. extra: sh's $0, $1, ... for the
    script."""
    volume = ["-v", f"{mount}:{mount_at}:ro"] if mount is not None else []
    # Emulated aarch64 runs as a Neoverse N1 (a common server core), not QEMU's default "max"
    # CPU: that one advertises SME, for which upstream numpy's OpenBLAS picks kernels that
    # compute wrong results under QEMU (np.linalg.inv off by whole units; seen 2026-12-07).
    emulated = ["-e", "QEMU_CPU=neoverse-n1"] if arch == "aarch64" else []
    return subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--platform",
            docker_platform(arch),
            "--network",
            network,
            *emulated,
            *volume,
            image or runtime_image(arch),
            "sh",
            "-c",
            script,
            *extra,
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def install_and_run(
    wheelhouse: Path, packages: str, check: str, *, arch: str
) -> subprocess.CompletedProcess[str]:
    """pip installs `packages` from `wheelhouse` alone (no index, no network) into a fresh
    CPython 3.13 venv of arch's runtime image, then runs the Python source `check` there."""
    return run_in_runtime(
        "set -e; py=/opt/python/cp313-cp313/bin/python; $py -m venv /tmp/venv; "
        f"/tmp/venv/bin/pip install -q --no-index --find-links /work {packages}; "
        '/tmp/venv/bin/python -c "$0"',
        network="none",
        mount=wheelhouse,
        arch=arch,
        extra=[check],
    )


def unstripped_sections(elf: bytes) -> list[str]:
    """The sections `strip -s` removes that an ELF object still has: its symbol table and debug
    information (the dynamic symbol table, which the loader needs, stays)."""
    sections = ELFFile(io.BytesIO(elf)).iter_sections()
    return [s.name for s in sections if s.name == ".symtab" or s.name.startswith(".debug")]


def inspect_built_wheel(wheel: Path, *, arch: str, grafted: str | None) -> list[str]:
    """What every built wheel must show: auditwheel agrees with its musllinux tag, musl itself is
    not grafted, extensions carry a musl (or the stable ABI's) suffix, and only the expected
    library (a name prefix under <pkg>.libs/) is grafted, and every ELF file in it is stripped
    (the default `debug-info = "strip"`: no symbol table, no debug sections). Returns the member
    names."""
    show = subprocess.run(
        [sys.executable, "-m", "auditwheel", "show", str(wheel)],
        capture_output=True,
        text=True,
        check=True,
    )
    verdict = " ".join(show.stdout.split())
    assert f'consistent with the following platform tag: "musllinux_1_2_{arch}"' in verdict
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        unstripped = {
            name: found
            for name in names
            if (data := archive.read(name))[:4] == b"\x7fELF"
            and (found := unstripped_sections(data))
        }
    assert unstripped == {}, f"{wheel.name}: not stripped: {unstripped}"
    libs = [n for n in names if ".libs/" in n]
    assert not [n for n in libs if "libc.musl" in n or "ld-musl" in n], libs
    # an extension named for musl on this arch, or for the stable ABI (PyNaCl's cffi module)
    assert any(n.endswith((f"-{arch}-linux-musl.so", ".abi3.so")) for n in names), names
    if grafted is not None:
        assert any(n.startswith(grafted) for n in libs), libs
    else:
        assert libs == []
    return names


def wheel_sbom(wheel: Path) -> dict[str, Any]:
    """The wheel's own SBOM (`<dist-info>/sboms/wheelhouse.cdx.json`), checked: valid CycloneDX
    1.6 by the schema (cyclonedx-python-lib), and every RECORD line's sha256 and size matching
    its member, the SBOM's included."""
    with zipfile.ZipFile(wheel) as archive:
        (record,) = [n for n in archive.namelist() if n.endswith(".dist-info/RECORD")]
        sbom = record.replace("/RECORD", "/sboms/wheelhouse.cdx.json")
        listed = set()
        for line in archive.read(record).decode().splitlines():
            member, digest, size = line.rsplit(",", 2)
            listed.add(member)
            if member == record:
                continue
            data = archive.read(member)
            algorithm, _, expected = digest.partition("=")
            actual = base64.urlsafe_b64encode(hashlib.new(algorithm, data).digest())
            assert actual.rstrip(b"=").decode() == expected and int(size) == len(data), member
        assert sbom in listed, f"{wheel.name}: no {sbom} in RECORD"
        text = archive.read(sbom).decode()
    problem = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert problem is None, f"{wheel.name}: {problem}"
    document: dict[str, Any] = json.loads(text)
    return document


def builder_library_version(pkg_config: str, arch: str = "x86_64") -> str:
    """The release of a catalogue library in the local builder image, asked of its pkg-config
    file directly (what the SBOM must say)."""
    done = run_in_runtime(
        'sed -n "s/^Version: *//p" "$0"',
        network="none",
        arch=arch,
        extra=[f"/opt/syslibs/lib/pkgconfig/{pkg_config}.pc"],
        image=local_tags(arch, "musllinux_1_2", recipe_hash())[1],
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()
