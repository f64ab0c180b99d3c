"""Verify wheels in the clean musl runtime image: install with pip, binary only, no index, no
network, in a fresh venv per package; then import its modules."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from builder.host.commands import tail
from builder.host.containers import Containers, Mount
from builder.plan.jobs import ImageRef
from builder.resolve.build_targets import BuildTarget

# Runs inside the runtime image with its own interpreter. Kept here so the image needs nothing of
# ours; it prints one JSON line per package.
VERIFY_SCRIPT = r"""
import json, signal, subprocess, sys, tempfile, os
# Import each module, after a line naming it (a crash is then pinned on the module it happened
# in). A .so that is no extension module (no PyInit_: a library the package loads with ctypes,
# as pycryptodome does) is loaded with ctypes instead, so that a missing dependency of it still
# fails the test. Reported, not failed, because the wheel is not at fault:
# - a module that needs an optional part of the standard library this interpreter was built
#   without (Pillow's Tk bridge needs _tkinter);
# - an optional part of the wheel that imports a third-party module not installed (a tests
#   subpackage importing its test-only dependencies): the import was made by a pure-Python
#   module of the wheel other than a top-level one, or inside a test subpackage. An extension
#   module under it is still loaded (its libraries must resolve), without its package.
# An extension whose initialisation imports the very module that imports it (a cycle users never
# meet: they import the package's Python module first, as scipy.linalg's sqrtm does) is imported
# again in a fresh interpreter after that module, which must then succeed.
# Anything else fails: a top-level package that does not import, an extension that does not load.
IMPORTS = '''
import ctypes, importlib, importlib.util, json, os, subprocess, sys, sysconfig, traceback
plan = json.loads(sys.argv[1])
site = plan.get("site") or sysconfig.get_paths()["platlib"]
own = set(plan["own"])
stdlib = set(getattr(sys, "stdlib_module_names", ()))  # CPython >= 3.10
TESTS = {"test", "tests", "testing"}

def importer(exc):
    # The last of the wheel's own files in the traceback, relative to site-packages.
    frames = [f.filename for f in traceback.extract_tb(exc.__traceback__)]
    mine = [f for f in frames if f.startswith(site + os.sep)]
    return os.path.relpath(mine[-1], site) if mine else None

def module_name(relative):
    parts = relative[: -len(".py")].split(os.sep)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

def after_its_importer(module, exc):
    # A cycle: the .py module that imported the half-initialised one goes first, in a fresh
    # interpreter (an extension's failed initialisation cannot be run again in this one).
    where = importer(exc)
    if where is None or not where.endswith(".py"):
        raise exc
    first = module_name(where)
    code = "import importlib, sys; [importlib.import_module(n) for n in sys.argv[1:]]"
    done = subprocess.run([sys.executable, "-c", code, first, module], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if done.returncode != 0:
        print(done.stdout, file=sys.stderr)
        raise exc
    return module + " (after " + first + ")"

def optional_part(module, where):
    if where is not None and where.endswith(".py"):
        parts = where.split(os.sep)
        if len(parts) > 2 or (len(parts) == 2 and parts[1] != "__init__.py"):
            return True
    return bool(TESTS & set(module.split(".")[1:]))

loaded, libraries, unavailable, optional, ordered = [], [], [], [], []
for m in plan["modules"]:
    print("importing", m, flush=True)
    try:
        importlib.import_module(m)
    except ModuleNotFoundError as exc:
        missing = (exc.name or "").split(".")[0]
        if missing in stdlib and not importlib.util.find_spec(missing):
            unavailable.append(m + " (needs " + missing + ")")
            continue
        where = importer(exc)
        if m in own or missing in own or missing in stdlib or not optional_part(m, where):
            raise
        if m in plan["extensions"]:
            ctypes.CDLL(os.path.join(site, plan["extensions"][m]))
        optional.append(m + " (" + (where or m) + " imports " + missing + ")")
    except ImportError as exc:
        if "partially initialized module" in str(exc) and m in plan["extensions"]:
            ordered.append(after_its_importer(m, exc))
            continue
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
if ordered:
    print("imported in the order the package itself imports them (an import cycle):", *ordered)
if optional:
    print("optional parts not imported, a third-party module they import is not installed"
          " (the extension modules among them loaded):", *optional)
'''

def crash(returncode, output):
    # A process killed by a signal: which signal, and the module being imported then.
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = "an unknown signal"
    module = ""
    for line in output.splitlines():
        if line.startswith("importing "):
            module = line[len("importing "):].strip()
    where = " while importing " + module if module else ""
    return "crashed with signal " + str(-returncode) + " (" + name + ")" + where

spec = json.load(open(sys.argv[1]))
links = []
for directory in spec["find_links"]:
    links += ["--find-links", directory]
for item in spec["items"]:
    venv = tempfile.mkdtemp(prefix="verify-")
    result = {"name": item["name"], "version": item["version"], "ok": False, "output": "",
              "reason": ""}
    pip = [sys.executable, "-m", "pip", "--python", venv + "/bin/python", "install",
           "--no-index", "--only-binary", ":all:", "--disable-pip-version-check",
           "--no-cache-dir", *links]
    steps = [
        [sys.executable, "-m", "venv", "--without-pip", venv],
        [*pip, item["name"] + "==" + item["version"]],
    ]
    if item["with"]:  # the recipe's verify-with, beside it, without their own dependencies
        steps.append([*pip, "--no-deps", *item["with"]])
    plan = {"modules": item["imports"], "extensions": item["extensions"], "own": item["own"]}
    steps.append([venv + "/bin/python", "-X", "faulthandler", "-c", IMPORTS, json.dumps(plan)])
    out = []
    for step in steps:
        proc = subprocess.run(step, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/tmp")
        text = proc.stdout.decode("utf-8", "replace")
        shown = step if step[-2:-1] != [IMPORTS] else [*step[:-2], "<imports>", step[-1]]
        out.append("$ " + " ".join(shown) + "\n" + text)
        if proc.returncode < 0:
            result["reason"] = crash(proc.returncode, text)
            out.append(result["reason"])
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
    extensions: Mapping[str, str] = field(default_factory=dict)  # module -> file in site-packages
    own: tuple[str, ...] = ()  # the wheel's own top-level names
    with_: tuple[str, ...] = ()  # pins installed beside it (--no-deps), from the find-links


@dataclass(frozen=True, kw_only=True)
class VerifyResult:
    name: str
    version: str
    ok: bool
    output: str
    reason: str = ""  # one line, when it says more than the output's tail (a crash's signal)


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
                "extensions": dict(item.extensions),
                "own": list(item.own),
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
                name=data["name"],
                version=data["version"],
                ok=data["ok"],
                output=data["output"],
                reason=data.get("reason", ""),
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
