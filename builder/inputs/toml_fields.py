"""Typed reads from parsed TOML tables, with errors that name the file and the key."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from builder.errors import InputError


def load_toml(path: Path) -> dict[str, Any]:
    try:
        if path.exists() and not path.is_file():
            raise InputError(f"{path}: not a file", hint="name a TOML file")
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text (TOML is UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


class Table:
    """A TOML table being read: every read is typed; leftovers are reported as unknown keys."""

    def __init__(self, data: Mapping[str, Any], *, path: Path, prefix: str = "") -> None:
        self._data = dict(data)
        self._path = path
        self._prefix = prefix
        self._read: set[str] = set()

    @property
    def path(self) -> Path:
        return self._path

    def _where(self, key: str) -> str:
        return f"{self._path}: key '{self._prefix}{key}'"

    def _get(self, key: str) -> Any:
        self._read.add(key)
        return self._data.get(key)

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def string(self, key: str, default: str | None = None) -> str | None:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, str):
            raise InputError(f"{self._where(key)} must be a string, not {_type_name(value)}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise InputError(f"{self._where(key)} must be true or false, not {_type_name(value)}")
        return value

    def strings(self, key: str, default: tuple[str, ...] = ()) -> tuple[str, ...]:
        value = self._get(key)
        if value is None:
            return default
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise InputError(f"{self._where(key)} must be a list of strings")
        return tuple(value)

    def string_map(self, key: str) -> dict[str, str]:
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise InputError(f"{self._where(key)} must be a table of strings")
        result: dict[str, str] = {}
        for name, item in value.items():
            if not isinstance(item, str):
                raise InputError(
                    f"{self._where(key)}.{name} must be a string, not {_type_name(item)}"
                )
            result[name] = item
        return result

    def table(self, key: str) -> Table | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise InputError(f"{self._where(key)} must be a table, not {_type_name(value)}")
        return Table(value, path=self._path, prefix=f"{self._prefix}{key}.")

    def tables(self, key: str) -> list[Table]:
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise InputError(f"{self._where(key)} must be an array of tables ([[{key}]])")
        return [
            Table(item, path=self._path, prefix=f"{self._prefix}{key}[{index}].")
            for index, item in enumerate(value)
        ]

    def keys(self) -> list[str]:
        self._read.update(self._data)
        return list(self._data)

    def refuse_unknown(self, *, known_hint: str) -> None:
        unknown = sorted(set(self._data) - self._read)
        if unknown:
            names = ", ".join(f"'{self._prefix}{key}'" for key in unknown)
            raise InputError(f"{self._path}: unknown key {names}", hint=f"known keys: {known_hint}")


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a table",
    }.get(type(value), type(value).__name__)
