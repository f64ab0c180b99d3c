"""Parse the curated list: requirements syntax, one requirement per line.

Supported: comments (`#`), blank lines, line continuations (`\\`), `-r FILE` / `--requirement FILE`
includes (relative to the including file, and inside the list's own directory unless allowed),
and PEP 508 requirements with extras, specifiers and environment markers. A requirement's own
`--hash` options (as `wheelhouse export` and pip-compile write them) are accepted and not used:
the index's own digests are checked instead. Anything else (URLs, editables, pip options) is
refused with file:line, because a curated list of wheels to build must name released sdists on
an index. The text is UTF-8, or UTF-16/32 with a byte-order mark, as pip reads it.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from builder.errors import InputError
from builder.inputs.locations import Location


@dataclass(frozen=True, kw_only=True)
class ListEntry:
    requirement: Requirement
    location: Location

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)


MAX_LIST_BYTES = 1 << 20  # a curated list is text of a few hundred lines, not a device
HASH_OPTION = re.compile(r"\s+--hash(?:=|\s+)\S+")
BOMS = (  # longest first: UTF-32's little-endian mark starts with UTF-16's
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
QUOTED = 80  # errors quote at most this much of a line
MAX_NAME = 200  # the longest project names on PyPI have about 80 characters


def parse_list(path: Path, *, allow_outside: bool = False) -> list[ListEntry]:
    """Read a curated list (and its includes). Raises InputError naming file:line on any bad line.
    Includes must stay inside the list's directory unless `allow_outside`."""
    entries: list[ListEntry] = []
    root = None if allow_outside else path.resolve().parent
    _parse_into(path, entries, stack=(), root=root)
    _refuse_duplicates(entries)
    return entries


def _read(path: Path, stack: tuple[Path, ...]) -> str:
    where = f"included from {stack[-1]}" if stack else "given on the command line"
    try:
        if not path.is_file():
            if not path.exists():
                raise InputError(
                    f"{path}: no such file ({where})", hint="check the path of the list"
                )
            raise InputError(f"{path}: not a regular file ({where})")
        if path.stat().st_size > MAX_LIST_BYTES:
            raise InputError(
                f"{path}: {path.stat().st_size} bytes is too large for a curated list "
                f"(at most {MAX_LIST_BYTES})"
            )
        data = path.read_bytes()
        encoding = next((name for bom, name in BOMS if data.startswith(bom)), "utf-8")
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not UTF-8 text, nor UTF-16/32 with a byte-order mark ({where})"
        ) from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if "\x00" in text:
        raise InputError(
            f"{path}: holds NUL characters, as UTF-16 or UTF-32 text without a byte-order "
            f"mark would ({where})",
            hint="save the list as UTF-8",
        )
    return text


def _parse_into(
    path: Path, entries: list[ListEntry], *, stack: tuple[Path, ...], root: Path | None
) -> None:
    resolved = path.resolve()
    if resolved in stack:
        chain = " -> ".join(str(p) for p in (*stack, resolved))
        raise InputError(f"{path}: include cycle: {chain}")
    text = _read(path, stack)

    for lineno, line in _logical_lines(text):
        location = Location(path=path, line=lineno)
        if line.startswith(("-r ", "--requirement ", "-r\t", "--requirement=")):
            target = (
                line.split("=", 1)[1]
                if line.startswith("--requirement=")
                else line.split(None, 1)[1]
            )
            target = target.strip()
            if not target:
                raise InputError(f"{location}: '-r' needs a file name")
            included = path.parent / target
            if root is not None and not included.resolve().is_relative_to(root):
                raise InputError(
                    f"{location}: '-r {target}' is outside the list's directory {root}",
                    hint="keep included lists beside the list, or pass --allow-includes-outside",
                )
            _parse_into(included, entries, stack=(*stack, resolved), root=root)
            continue
        if line.startswith("-"):
            option = line.split()[0]
            raise InputError(
                f"{location}: option '{option}' is not supported in a curated list",
                hint="only requirements and '-r FILE' includes are allowed; "
                "set the upstream index in wheelhouse.toml (index-url)",
            )
        requirement = HASH_OPTION.sub("", line)
        entries.append(
            ListEntry(requirement=_parse_requirement(requirement, location), location=location)
        )


def _parse_requirement(line: str, location: Location) -> Requirement:
    try:
        requirement = Requirement(line)
    except InvalidRequirement as exc:
        shown = line if len(line) <= QUOTED else line[:QUOTED] + "..."
        reason = str(exc).splitlines()[0] if str(exc) else "not PEP 508"  # not the echoed line
        raise InputError(f"{location}: invalid requirement {shown!r}: {reason}") from None
    if len(requirement.name) > MAX_NAME:
        raise InputError(
            f"{location}: a project name of {len(requirement.name)} characters "
            f"(at most {MAX_NAME})",
            hint="check the line: a project name is a few words at most",
        )
    if requirement.url:
        raise InputError(
            f"{location}: {requirement.name} is given by URL ({requirement.url})",
            hint="a curated list names released packages: use a version specifier instead",
        )
    return requirement


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join continuation lines, strip comments; keep the line number where each one starts."""
    result: list[tuple[int, str]] = []
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = _strip_comment(raw)
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            result.append((start, full))
    if pending.strip():
        result.append((start, pending.strip()))
    return result


def _strip_comment(line: str) -> str:
    # A comment starts at '#' at the line start or after whitespace (pip's rule).
    if line.lstrip().startswith("#"):
        return ""
    for index, char in enumerate(line):
        if char == "#" and index > 0 and line[index - 1] in " \t":
            return line[:index].rstrip()
    return line.rstrip()


def _refuse_duplicates(entries: list[ListEntry]) -> None:
    seen: dict[str, ListEntry] = {}
    for entry in entries:
        if entry.requirement.marker is not None:
            continue  # the same name under different markers is legitimate
        first = seen.get(entry.name)
        if first is not None:
            raise InputError(
                f"{entry.location}: {entry.requirement.name} is listed twice "
                f"(first at {first.location})",
                hint="keep one line per package, or distinguish them with markers",
            )
        seen[entry.name] = entry
