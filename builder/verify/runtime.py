"""Verify wheels in the clean musl runtime image: install with pip, binary only, no index, no
network, in a fresh venv per package; then import its modules."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from builder.host.commands import tail
from builder.host.containers import Containers, Mount
from builder.plan.jobs import ImageRef
from builder.resolve.build_targets import BuildTarget

# Runs inside the runtime image with its own interpreter. Kept here so the image needs nothing of
# ours; it prints one JSON line per package.
VERIFY_SCRIPT = r"""
import json, subprocess, sys, tempfile, os
# Import each module. A .so that is no extension module (no PyInit_: a library the package
# loads with ctypes, as pycryptodome does) is loaded with ctypes instead, so that a missing
# dependency of it still fails the test. A module that needs an optional part of the standard
# library this interpreter was built without (Pillow's Tk bridge needs _tkinter) is reported,
# not failed: the wheel is not at fault. Any other missing module fails.
IMPORTS = '''
import ctypes, importlib, importlib.util, sys
loaded, libraries, unavailable = [], [], []
for m in sys.argv[1:]:
    try:
        importlib.import_module(m)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        stdlib = getattr(sys, "stdlib_module_names", ())  # CPython >= 3.10
        if missing not in stdlib or importlib.util.find_spec(missing):
            raise
        unavailable.append(m + " (needs " + missing + ")")
    except ImportError as exc:
        if "module export function" not in str(exc):
            raise
        ctypes.CDLL(importlib.util.find_spec(m).origin)
        libraries.append(m)
    else:
        loaded.append(m)
print("imported", *loaded)
if libraries:
    print("loaded with ctypes (not extension modules):", *libraries)
if unavailable:
    print("not importable here, this interpreter lacks a standard module:", *unavailable)
'''
spec = json.load(open(sys.argv[1]))
links = []
for directory in spec["find_links"]:
    links += ["--find-links", directory]
for item in spec["items"]:
    venv = tempfile.mkdtemp(prefix="verify-")
    result = {"name": item["name"], "version": item["version"], "ok": False, "output": ""}
    pip = [sys.executable, "-m", "pip", "--python", venv + "/bin/python", "install",
           "--no-index", "--only-binary", ":all:", "--disable-pip-version-check",
           "--no-cache-dir", *links]
    steps = [
        [sys.executable, "-m", "venv", "--without-pip", venv],
        [*pip, item["name"] + "==" + item["version"]],
    ]
    if item["with"]:  # the recipe's verify-with, beside it, without their own dependencies
        steps.append([*pip, "--no-deps", *item["with"]])
    steps.append([venv + "/bin/python", "-c", IMPORTS, *item["imports"]])
    out = []
    for step in steps:
        proc = subprocess.run(step, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/tmp")
        out.append("$ " + " ".join(step) + "\n" + proc.stdout.decode("utf-8", "replace"))
        if proc.returncode != 0:
            break
    else:
        result["ok"] = True
    result["output"] = "\n".join(out)
    print(json.dumps(result), flush=True)
"""


@dataclass(frozen=True, kw_only=True)
class VerifyItem:
    name: str
    version: str
    imports: tuple[str, ...]
    with_: tuple[str, ...] = ()  # pins installed beside it (--no-deps), from the find-links


@dataclass(frozen=True, kw_only=True)
class VerifyResult:
    name: str
    version: str
    ok: bool
    output: str


def verify_in_runtime(
    containers: Containers,
    *,
    image: ImageRef,
    target: BuildTarget,
    items: list[VerifyItem],
    find_links: list[Path],
    work_dir: Path,
    log: Path,
) -> list[VerifyResult]:
    """Run the verification for one target in one container; one result per item."""
    work_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "verify.py").write_text(VERIFY_SCRIPT, encoding="utf-8")
    mounts = [Mount(source=work_dir, target="/verify")]
    mounts += [
        Mount(source=directory, target=f"/links/{index}")
        for index, directory in enumerate(find_links)
    ]
    spec = {
        "find_links": [mount.target for mount in mounts[1:]],
        "items": [
            {
                "name": item.name,
                "version": item.version,
                "imports": list(item.imports),
                "with": list(item.with_),
            }
            for item in items
        ],
    }
    (work_dir / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    result = containers.run(
        image.runtime.format(python=target.python, abi=target.abi_dir),
        [image.runtime_interpreter(target), "/verify/verify.py", "/verify/spec.json"],
        arch=target.arch,
        mounts=mounts,
        log=log,
        timeout=3600,
    )
    by_name: dict[str, VerifyResult] = {}
    for line in result.output.splitlines():
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            by_name[data["name"]] = VerifyResult(
                name=data["name"], version=data["version"], ok=data["ok"], output=data["output"]
            )
    missing = tail(result.output) or "no output"
    return [
        by_name.get(item.name)
        or VerifyResult(
            name=item.name,
            version=item.version,
            ok=False,
            output=f"the runtime container did not report on {item.name}: {missing}",
        )
        for item in items
    ]
