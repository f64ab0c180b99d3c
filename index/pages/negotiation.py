"""PEP 691 content negotiation: which format a client asked for. Pure."""

from __future__ import annotations

from enum import Enum

from index.pages.simple_pages import PEP691_JSON


class Format(Enum):
    HTML = "html"
    JSON = "json"


_MEDIA_TYPES = {
    PEP691_JSON: Format.JSON,
    "application/vnd.pypi.simple.latest+json": Format.JSON,
    "application/vnd.pypi.simple.v1+html": Format.HTML,
    "application/vnd.pypi.simple.latest+html": Format.HTML,
    "text/html": Format.HTML,
    "text/*": Format.HTML,
    "*/*": Format.HTML,
}


def choose_format(accept: str | None, format_query: str | None = None) -> Format:
    """The format to answer with: the `format` query parameter (PEP 691) wins; then the Accept
    entry we serve with the highest q (the earlier one on a tie); HTML when nothing matches."""
    if format_query:
        return _MEDIA_TYPES.get(format_query.strip().lower(), Format.HTML)
    best: tuple[float, Format] | None = None
    for part in (accept or "").split(","):
        media, _, parameters = part.partition(";")
        chosen = _MEDIA_TYPES.get(media.strip().lower())
        if chosen is None:
            continue
        quality = _quality(parameters)
        if quality > 0 and (best is None or quality > best[0]):
            best = (quality, chosen)
    return Format.HTML if best is None else best[1]


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0
