"""Which release of each catalogue library a local builder image carries (for the SBOM of the
wheels it grafts them into): asked of the image once, in one container, and kept in the
wheelhouse's cache by the image's content id."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

from builder.host.containers import Containers
from builder.inputs.system_libraries import CATALOGUE
from builder.plan.jobs import ImageRef
from builder.wheelhouse.atomic import write_atomically


def probe_script() -> str:
    """Shell printing "<name> <version>" per library the image carries (the version empty
    when it cannot tell); those built on demand say theirs themselves (library_layers.py)."""
    return "\n".join(
        f'echo "{library.name} $({library.version_probe()} 2>/dev/null)"'
        for library in CATALOGUE.values()
        if not library.on_demand
    )


def parse_probe(output: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in output.splitlines():
        name, _, version = line.strip().partition(" ")
        if name in CATALOGUE and version.strip():
            found[name] = version.strip()
    return found


class LibraryVersions:
    def __init__(self, containers: Containers, cache_dir: Path) -> None:
        self._containers = containers
        self._directory = cache_dir / "library-versions"
        self._known: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()  # jobs side by side ask at once: one container answers

    def of(self, image: ImageRef, *, log: Path) -> dict[str, str]:
        """name -> version for the local builder image; {} for other images (their libraries
        are apk's, and auditwheel names those) or when the image does not answer."""
        if image.kind != "local" or not image.builder_id:
            return {}
        with self._lock:
            return self._of(image, log=log)

    def _of(self, image: ImageRef, *, log: Path) -> dict[str, str]:
        if image.builder_id in self._known:
            return self._known[image.builder_id]
        path = (
            self._directory / f"{hashlib.sha256(image.builder_id.encode()).hexdigest()[:16]}.json"
        )
        try:
            versions: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            result = self._containers.run(
                image.builder, ["sh", "-c", probe_script()], arch=image.arch, log=log, timeout=300
            )
            versions = parse_probe(result.output) if result.returncode == 0 else {}
            if versions:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(path, json.dumps(versions, sort_keys=True).encode())
        self._known[image.builder_id] = versions
        return versions
