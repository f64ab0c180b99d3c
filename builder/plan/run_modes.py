"""How each job's compiler runs: natively, under QEMU, or cross. Pure.

A foreign arch (aarch64 on an x86_64 machine) always builds in its own arch's container, so that
cibuildwheel, pip, auditwheel and the tests see a real aarch64 Python; what differs is the
compiler. Under "qemu" the image's own compiler runs emulated (5-8x slower). Under "cross" the
host's zig (clang, an x86_64 binary mounted into the container, which the kernel runs natively)
compiles for `aarch64-linux-musl`. The setting is per arch (`[execution]` in the config);
"auto" means cross where this machine can (the zig toolchain installed, the local images) and
qemu elsewhere. A recipe forces "qemu" for a package that runs compiled code while it builds.
"""

from __future__ import annotations

from collections.abc import Mapping

from builder.errors import InputError

EXECUTION_CHOICES = ("auto", "qemu", "cross")


def choose_executions(
    host: Mapping[str, str],
    requested: Mapping[str, str],
    *,
    zig: bool,
    local: Mapping[str, bool],
) -> dict[str, str]:
    """Each arch's execution: `host` says which run natively ("native") or emulated ("qemu"),
    `requested` is the config's [execution] table, `zig` whether the cross toolchain is
    installed, `local` whether the arch builds in the local images."""
    chosen: dict[str, str] = {}
    for arch, here in host.items():
        want = requested.get(arch, "auto")
        if here == "native":
            chosen[arch] = "native"
        elif want == "qemu":
            chosen[arch] = "qemu"
        elif want == "cross":
            if not zig:
                raise InputError(
                    f'execution: {arch} = "cross" needs the cross toolchain, and the `ziglang` '
                    "package is not installed",
                    hint='pip install ziglang (a wheelhouse dependency), or set it to "qemu"',
                )
            chosen[arch] = "cross"
        else:
            chosen[arch] = "cross" if zig and local.get(arch, False) else "qemu"
    return chosen


def job_execution(arch_execution: str, recipe_execution: str | None) -> str:
    """A recipe's "qemu" wins over cross (its build runs what it compiled); native stays native."""
    if arch_execution == "cross" and recipe_execution == "qemu":
        return "qemu"
    return arch_execution
