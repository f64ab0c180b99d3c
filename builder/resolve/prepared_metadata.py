"""Core metadata of an sdist that does not declare its requirements statically: asked of its own
build backend (PEP 517 `prepare_metadata_for_build_wheel`, in an isolated environment, as pip
does) and kept by sdist digest in the wheelhouse cache.

The backend is upstream code: it runs only inside a container of the builder image (its own
network for the build requirements, nothing of the host mounted but the unpacked sdist), never
on the host. Where no container can run (a dry run without an engine), a release that needs
this is an error that says so, not a reason to run it here.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from builder.errors import EnvironmentProblem, UpstreamError
from builder.host.commands import tail
from builder.host.containers import Containers, Mount

# The unpacked sdist's directory and the sdist's file name -> what the preparation printed.
Prepare = Callable[[Path, str], str]

# Runs in the builder image's interpreter (pypa/build's frontend, installed first where the
# image lacks it); prints, after a marker line, the METADATA fields the resolver reads. (Not the
# whole file: a long description in a header does not survive being written back out.)
_PREPARE = (
    "import sys, build.util\n"
    "md = build.util.project_wheel_metadata(sys.argv[1])\n"
    "lines = ['Metadata-Version: 2.1', 'Name: ' + md['Name'], 'Version: ' + md['Version']]\n"
    "lines += ['Requires-Dist: ' + r for r in (md.get_all('Requires-Dist') or [])]\n"
    "sys.stdout.write('--- METADATA ---\\n' + '\\n'.join(lines) + '\\n')\n"
)
_IN_CONTAINER = (
    'py="$1"; shift; "$py" -c "import build" 2>/dev/null || "$py" -m pip install -q build '
    '&& exec "$py" -c "$0" "$@"'
)
_MARKER = "--- METADATA ---\n"
PYTHON = "/opt/python/cp311-cp311/bin/python"  # in the local and the pypa builder images


def prepared_metadata(prepare: Prepare, sdist: Path, *, identity: str, cache_dir: Path) -> bytes:
    """METADATA for the sdist, from its build backend. Raises UpstreamError naming the sdist
    when the backend cannot say (the log tail says why)."""
    cached = cache_dir / "prepared-metadata" / (identity.replace(":", "-") + ".METADATA")
    if cached.is_file():
        return cached.read_bytes()
    with tempfile.TemporaryDirectory(prefix="wheelhouse-metadata-") as work:
        source = _unpack(sdist, Path(work))
        output = prepare(source, sdist.name)
    _, _, text = output.partition(_MARKER)
    if not text:
        raise UpstreamError(f"{sdist.name}: its build backend gave no metadata")
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(text, encoding="utf-8")
    return text.encode()


def in_container(containers: Containers, *, image: str, arch: str) -> Prepare:
    """Prepare in a throw-away container of the builder image."""

    def prepare(source: Path, name: str) -> str:
        result = containers.run(
            image,
            ["sh", "-c", _IN_CONTAINER, _PREPARE, PYTHON, f"/work/{source.name}"],
            arch=arch,
            mounts=[Mount(source=source.parent, target="/work", read_only=False)],
            network=None,  # the engine's default: the isolated build installs its requirements
            timeout=900,
        )
        if result.returncode != 0:
            raise UpstreamError(
                f"{name}: its build backend could not prepare metadata (in {image})\n"
                f"{tail(result.output)}",
                hint="pin the dependencies in the list, or use --no-deps for this package",
            )
        return result.output

    return prepare


def refused(why: str) -> Prepare:
    """No container can run here: a release that needs its backend run is an error."""

    def prepare(_source: Path, name: str) -> str:
        raise EnvironmentProblem(
            f"{name} declares its requirements only through its build backend, which runs "
            f"only in a container, and {why}",
            hint="start the Docker engine (`make engine`) and build the images "
            "(`wheelhouse images build`), or pin its dependencies and use --no-deps",
        )

    return prepare


def _unpack(sdist: Path, into: Path) -> Path:
    """The sdist's top directory, unpacked safely (no links or paths out of `into`)."""
    try:
        if sdist.name.endswith(".zip"):
            with zipfile.ZipFile(sdist) as archive:
                archive.extractall(into)  # noqa: S202  (zipfile strips absolute and .. paths)
        else:
            with tarfile.open(sdist) as archive:
                archive.extractall(into, filter="data")
    except (tarfile.TarError, zipfile.BadZipFile, OSError) as exc:
        raise UpstreamError(f"{sdist.name}: not a readable sdist ({exc})") from None
    entries = [entry for entry in into.iterdir() if entry.is_dir()]
    if len(entries) != 1:
        shutil.rmtree(into, ignore_errors=True)
        raise UpstreamError(f"{sdist.name}: expected one top directory in the sdist")
    return entries[0]
