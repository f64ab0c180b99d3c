"""The wheelhouse CLI with a Python audit hook that records every file open and directory listing
to the file named by its first argument, one event per line: how a test observes what `wheelhouse serve` touches
on disk per request instead of assuming it.

    python tests/integration/audited_cli.py AUDIT_LOG serve --wheelhouse DIR ...
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any

WATCHED = {"open": "open", "os.scandir": "list", "os.listdir": "list"}


def main() -> None:
    lock = threading.Lock()
    log = open(sys.argv[1], "a", buffering=1, encoding="utf-8")  # noqa: SIM115, PTH123

    def hook(event: str, args: tuple[Any, ...]) -> None:
        kind = WATCHED.get(event)
        if kind is None or not args:
            return
        target = args[0]
        text = os.fsdecode(target) if isinstance(target, str | bytes) else repr(target)
        with lock:
            log.write(f"{kind} {text}\n")

    sys.addaudithook(hook)
    from app.cli import main as cli  # noqa: PLC0415 (after the hook, so imports are seen too)

    sys.argv = ["wheelhouse", *sys.argv[2:]]
    cli()


if __name__ == "__main__":
    main()
