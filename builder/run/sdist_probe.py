"""Look into the sdists a plan builds from for what their builds need (sdist_needs.py): from a
manifest's record of an earlier look when there is one, else from the sdist itself (taken from
the wheelhouse's sdist cache, or downloaded into it; a dry run reads it without keeping it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from builder.errors import UpstreamError
from builder.host.http_client import HttpClient
from builder.plan.jobs import BuildJob, Plan, ReuseJob
from builder.plan.sdist_needs import SdistNeeds, needs_of
from builder.resolve.sdist_facts import sdist_facts
from index.pages.simple_pages import IndexFile, digest_problem


def sdist_needs(
    plan: Plan,
    *,
    records: Sequence[Mapping[str, SdistNeeds]],
    client: HttpClient,
    cache: Path,
    keep: bool,
    note: Callable[[str], None],
) -> dict[str, SdistNeeds]:
    """sdist identity -> what its build needs, for each sdist a job of the plan builds from. An
    sdist that cannot be read is left out (its build fails on its own, saying why)."""
    found: dict[str, SdistNeeds] = {}
    looked = 0
    for job in plan.jobs:
        if not isinstance(job, BuildJob | ReuseJob):
            continue
        identity = job.sdist.identity()
        if identity is None or identity in found:
            continue
        known = next((record[identity] for record in records if identity in record), None)
        if known is not None:
            found[identity] = known
            continue
        try:
            data = _sdist_bytes(job.sdist, client, cache, keep=keep)
            found[identity] = needs_of(sdist_facts(data, job.sdist.filename))
        except UpstreamError as error:
            note(f"{job.sdist.filename}: not looked into for what its build needs ({error})")
            continue
        looked += 1
    if looked:
        note(f"looked into {looked} sdists for what their builds need")
    return found


def _sdist_bytes(sdist: IndexFile, client: HttpClient, cache: Path, *, keep: bool) -> bytes:
    path = cache / "sdists" / sdist.filename
    if path.is_file():
        data = path.read_bytes()
        if digest_problem(data, sdist.digests) is None:
            return data
    if keep:
        return client.download(sdist.url, path, digests=sdist.digests).read_bytes()
    return client.get_verified(sdist.url, sdist.digests)
