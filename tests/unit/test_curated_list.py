from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from builder.errors import InputError
from builder.inputs.curated_list import parse_list


def test_good_list_parses_pins_ranges_extras_markers_continuations_and_includes(
    fixtures: Path,
) -> None:
    entries = parse_list(fixtures / "lists" / "good.txt")
    assert [e.name for e in entries] == [
        "simplejson",
        "multidict",
        "requests",
        "tomli",
        "attrs",
        "markupsafe",
    ]
    requests = entries[2]
    assert requests.requirement.extras == {"socks"}
    assert str(requests.requirement.marker) == 'python_version >= "3.11"'
    assert str(entries[4].requirement.specifier) == ">=23"
    assert str(entries[4].location).endswith("good.txt:6")
    assert str(entries[5].location).endswith("included.txt:1")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bad-line.txt", r"bad-line\.txt:2: invalid requirement 'this is not a requirement'"),
        ("url.txt", r"url\.txt:2: foo is given by URL"),
        ("option.txt", r"option\.txt:2: option '--index-url' is not supported"),
        (
            "missing-include.txt",
            r"missing\.txt: no such file \(included from .*missing-include\.txt\)",
        ),
        ("cycle-a.txt", r"include cycle"),
        ("duplicate.txt", r"duplicate\.txt:3: Six is listed twice \(first at .*duplicate\.txt:1\)"),
    ],
)
def test_bad_lists_name_file_and_line(fixtures: Path, name: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected) as caught:
        parse_list(fixtures / "lists" / name)
    assert caught.value.exit_code == 2


def test_missing_list_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no such file \(given on the command line\)"):
        parse_list(tmp_path / "nope.txt")


def test_same_name_under_different_markers_is_allowed(tmp_path: Path) -> None:
    path = tmp_path / "deps.txt"
    path.write_text('numpy<2 ; python_version < "3.12"\nnumpy>=2 ; python_version >= "3.12"\n')
    assert len(parse_list(path)) == 2


def test_an_include_outside_the_list_directory_needs_leave(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("root:$6$salt$hash:19000:0:99999:7:::\n")
    lists = tmp_path / "lists"
    lists.mkdir()
    (lists / "deps.txt").write_text("-r ../secret\n")
    with pytest.raises(InputError, match=r"deps\.txt:1: '-r \.\./secret' is outside") as caught:
        parse_list(lists / "deps.txt")
    assert "root:" not in str(caught.value)
    with pytest.raises(InputError, match=r"secret:1: invalid requirement"):  # when allowed
        parse_list(lists / "deps.txt", allow_outside=True)


def test_an_invalid_line_is_quoted_once_and_cut_short(tmp_path: Path) -> None:
    (tmp_path / "deps.txt").write_text("x" * 50 + " ! " + "y" * 100 + "\n")
    with pytest.raises(InputError) as caught:
        parse_list(tmp_path / "deps.txt")
    message = str(caught.value)
    assert "y" * 40 not in message  # cut at 80 characters
    assert message.count("x" * 50) == 1  # the parser's own echo of the line is left out


def test_a_list_that_is_not_a_regular_small_text_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        parse_list(Path("/dev/zero"))
    big = tmp_path / "big.txt"
    big.write_bytes(b"# " + b"x" * (2 << 20))
    with pytest.raises(InputError, match="too large for a curated list"):
        parse_list(big)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9==1\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8 text"):
        parse_list(latin)


def test_hash_options_as_export_writes_them_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "pinned.txt"
    path.write_text(
        "numpy==1.26.4 \\\n"
        f"    --hash=sha256:{'a' * 64} \\\n"
        f"    --hash sha256:{'b' * 64}\n"
        f"six==1.16.0; python_version >= '3.8' --hash=sha256:{'c' * 64}\n"
    )
    entries = parse_list(path)
    assert [str(entry.requirement) for entry in entries] == [
        "numpy==1.26.4",
        'six==1.16.0; python_version >= "3.8"',
    ]
    assert [entry.location.line for entry in entries] == [1, 4]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_a_list_with_a_byte_order_mark_is_read_as_pip_reads_it(
    tmp_path: Path, encoding: str
) -> None:
    path = tmp_path / "list.txt"
    text = "# café\nsimplejson==3.17.2\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    path.write_bytes(data)
    assert [entry.name for entry in parse_list(path)] == ["simplejson"]


def test_utf16_without_a_byte_order_mark_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "list.txt"
    path.write_bytes("simplejson==3.17.2\n".encode("utf-16-le"))
    with pytest.raises(InputError, match="NUL characters, as UTF-16"):
        parse_list(path)
