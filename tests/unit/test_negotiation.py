"""PEP 691 content negotiation."""

from __future__ import annotations

import pytest

from index.pages.negotiation import Format, choose_format

JSON = "application/vnd.pypi.simple.v1+json"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, Format.HTML),
        ("", Format.HTML),
        ("text/html", Format.HTML),
        ("*/*", Format.HTML),
        (JSON, Format.JSON),
        # pip's and uv's Accept headers
        (f"{JSON}, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01", Format.JSON),
        (f"{JSON}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01", Format.JSON),
        (f"text/html, {JSON};q=0.5", Format.HTML),
        (f"text/html;q=0.1, {JSON};q=0.5", Format.JSON),
        (f"{JSON};q=0", Format.HTML),
        ("application/vnd.pypi.simple.latest+json", Format.JSON),
        ("image/png", Format.HTML),
        (f"{JSON};q=bogus, text/html;q=0.3", Format.HTML),
    ],
)
def test_accept_header(accept: str | None, expected: Format) -> None:
    assert choose_format(accept) is expected


def test_the_format_query_parameter_wins() -> None:
    assert choose_format("text/html", JSON) is Format.JSON
    assert choose_format(JSON, "text/html") is Format.HTML
