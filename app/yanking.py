"""`wheelhouse yank` and `wheelhouse prune`: change what a published index offers, never what
a pinned install finds (yanked files stay; pages go before files)."""

from __future__ import annotations

from app.console import plain, write_json
from app.destinations import opened
from app.publishing import PagesSource, write_people_pages
from builder.errors import InputError


def run_yank(
    target: str,
    project: str,
    *,
    version: str | None,
    filename: str | None,
    reason: str | None,
    endpoint_url: str | None,
    pages: PagesSource | None = None,
) -> None:
    """Yank (reason given) or un-yank (reason None) one version's files or one file; the pages
    for people follow when `pages` says what to write them with."""
    if (version is None) == (filename is None):
        raise InputError("name what to yank: --version V or --file FILENAME (one of them)")
    with opened(target, endpoint_url) as publisher:
        changed = publisher.yank(project, version=version, filename=filename, reason=reason)
        if changed and pages is not None:
            write_people_pages(publisher, pages)
    verb = "yanked" if reason is not None else "un-yanked"
    for name in changed:
        plain(f"{verb} {name}")


def run_prune(
    target: str,
    *,
    keep: int,
    projects: list[str],
    dry_run: bool,
    endpoint_url: str | None,
    as_json: bool,
    pages: PagesSource | None = None,
) -> None:
    """Remove every version older than the newest `keep` non-yanked ones; then the pages for
    people, when `pages` says what to write them with."""
    if keep < 1:
        raise InputError("--keep must be at least 1")
    with opened(target, endpoint_url) as publisher:
        removed = publisher.prune(keep=keep, projects=projects, dry_run=dry_run)
        if removed and not dry_run and pages is not None:
            write_people_pages(publisher, pages)
    if as_json:
        write_json({"removed": removed, "dry_run": dry_run})
    verb = "would remove" if dry_run else "removed"
    for name in removed:
        plain(f"{verb} {name}")
    plain(f"{len(removed)} files {verb}")
