"""Core metadata of an sdist that does not declare its requirements statically: asked of its own
build backend (PEP 517 `prepare_metadata_for_build_wheel`, in an isolated environment, as pip
does), through the command runner, and kept by sdist digest in the wheelhouse cache."""

from __future__ import annotations

import shutil
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from builder.errors import CommandFailed, UpstreamError
from builder.host.commands import CommandRunner

# Runs in this interpreter (pypa/build's frontend); prints, after a marker line, the METADATA
# fields the resolver reads. (Not the whole file: a long description in a header does not
# survive being written back out.)
_PREPARE = (
    "import sys, build.util\n"
    "md = build.util.project_wheel_metadata(sys.argv[1])\n"
    "lines = ['Metadata-Version: 2.1', 'Name: ' + md['Name'], 'Version: ' + md['Version']]\n"
    "lines += ['Requires-Dist: ' + r for r in (md.get_all('Requires-Dist') or [])]\n"
    "sys.stdout.write('--- METADATA ---\\n' + '\\n'.join(lines) + '\\n')\n"
)
_MARKER = "--- METADATA ---\n"


def prepared_metadata(
    commands: CommandRunner, sdist: Path, *, identity: str, cache_dir: Path
) -> bytes:
    """METADATA for the sdist, from its build backend. Raises UpstreamError naming the sdist
    when the backend cannot say (the log tail says why)."""
    cached = cache_dir / "prepared-metadata" / (identity.replace(":", "-") + ".METADATA")
    if cached.is_file():
        return cached.read_bytes()
    with tempfile.TemporaryDirectory(prefix="wheelhouse-metadata-") as work:
        source = _unpack(sdist, Path(work))
        try:
            result = commands.run(
                [sys.executable, "-c", _PREPARE, str(source)],
                timeout=900,
                what=f"preparing the metadata of {sdist.name}",
            )
        except CommandFailed as exc:
            raise UpstreamError(
                f"{sdist.name}: its build backend could not prepare metadata\n{exc.log_tail}",
                hint="pin the dependencies in the list, or use --no-deps for this package",
            ) from None
    _, _, text = result.output.partition(_MARKER)
    if not text:
        raise UpstreamError(f"{sdist.name}: its build backend gave no metadata")
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(text, encoding="utf-8")
    return text.encode()


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
