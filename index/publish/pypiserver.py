"""Publish to a pypiserver (or any upload API that twine speaks) with twine.

Before uploading, each project's simple page is read: a file already there with the same sha256 is
skipped, and a different file under the same name stops the whole publish before anything is sent
(unless overwrite, which the server must also allow). Credentials come from TWINE_USERNAME /
TWINE_PASSWORD, a ~/.pypirc section whose `repository` is this URL, or keyring; they are handed to
twine and never printed.
"""

from __future__ import annotations

import configparser
import re
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from index.dist_files import LocalDist
from index.errors import IndexProblem, PublishConflict, TargetUnavailable
from index.pages.model import (
    DistFile,
    ProjectPage,
    equivalent_names,
    files_beyond_newest,
    project_name,
)
from index.pages.simple_pages import ACCEPT, IndexFile, parse_project_page, parse_root_page
from index.publish.static_tree import Progress, PublishReport

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_HTTP_STATUS = re.compile(r"HTTPError: (\d{3})\b")


class CommandResult(Protocol):
    @property
    def returncode(self) -> int: ...
    @property
    def output(self) -> str: ...


class Commands(Protocol):
    """The application's one door to subprocesses (structurally: the builder's runner)."""

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> CommandResult: ...


class HttpReply(Protocol):
    """An answer of the application's HTTP client (structurally: the builder's Response)."""

    @property
    def url(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def reason(self) -> str: ...
    @property
    def headers(self) -> Mapping[str, str]: ...  # names in lower case
    @property
    def body(self) -> bytes: ...
    @property
    def text(self) -> str: ...


class HttpSender(Protocol):
    """The application's one HTTP client (structurally: the builder's). `send` raises a
    ConnectionError when the server cannot be reached."""

    def send(
        self,
        method: str,
        url: str,
        *,
        data: Mapping[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        limit: int = ...,
    ) -> HttpReply: ...


class PypiserverClient:
    """Reads a pypiserver's pages and removes files over `http`; uploads with twine through
    `commands`. Both are injected: the application owns its doors to the outside."""

    def __init__(
        self,
        url: str,
        *,
        env: Mapping[str, str],
        http: HttpSender,
        commands: Commands,
        pypirc: Path | None = None,
    ) -> None:
        self.url = url
        self.env = dict(env)
        self._http = http
        self._commands = commands
        self.section, section_auth = (
            _pypirc_section(url, pypirc) if pypirc is not None else (None, (None, None))
        )
        username = self.env.get("TWINE_USERNAME") or section_auth[0]
        password = self.env.get("TWINE_PASSWORD") or section_auth[1]
        self.auth = (username, password) if username and password else None

    def files(self, project: str) -> list[IndexFile]:
        page_url = f"{self.url}simple/{project_name(project)}/"
        response = self._request("GET", page_url)
        if response.status == 404:
            return []
        self._raise_for(response, reading=True)
        return parse_project_page(
            response.body,
            content_type=response.headers.get("content-type", "text/html"),
            page_url=page_url,
            project=project,
        )

    def projects(self) -> list[str]:
        """Every project the server lists at its simple root."""
        page_url = f"{self.url}simple/"
        response = self._request("GET", page_url)
        self._raise_for(response, reading=True)
        return parse_root_page(
            response.body,
            content_type=response.headers.get("content-type", "text/html"),
            page_url=page_url,
        )

    def upload(self, paths: list[Path], *, replacing: bool = False) -> None:
        where = ["--repository", self.section] if self.section else ["--repository-url", self.url]
        command = [
            sys.executable,
            "-m",
            "twine",
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            *where,
            *(str(path) for path in paths),
        ]
        result = self._commands.run(
            command,
            env={**self.env, "NO_COLOR": "1", "COLUMNS": "200"},
            check=False,
            timeout=3600,
        )
        if result.returncode == 0:
            return
        output = _ANSI.sub("", result.output).strip()
        raise read_twine_failure(self.url, output, replacing=replacing)

    def remove(self, project: str, version: str) -> None:
        response = self._request(
            "POST", self.url, data={":action": "remove_pkg", "name": project, "version": version}
        )
        self._raise_for(response, reading=False)

    def _request(self, method: str, url: str, data: dict[str, str] | None = None) -> HttpReply:
        try:
            return self._http.send(
                method, url, data=data, auth=self.auth, headers={"Accept": ACCEPT}
            )
        except ConnectionError as exc:
            raise TargetUnavailable(
                f"cannot reach {self.url} ({exc.__class__.__name__}: {exc})",
                hint="check the URL and that the server is up",
            ) from None

    def _raise_for(self, response: HttpReply, *, reading: bool) -> None:
        if response.status in (401, 403):
            raise _credentials_problem(self.url, given=self.auth is not None)
        if response.status >= 500:  # the server's own trouble, not the request's
            raise TargetUnavailable(
                f"{self.url} answered {response.status} ({response.reason}) for {response.url}",
                hint="the server failed; look at its log, then run this again",
            )
        if response.status >= 400:
            action = "reading" if reading else "changing"
            raise IndexProblem(
                f"{self.url} answered {response.status} when {action} {response.url}: "
                f"{response.text[:200]}"
            )


def publish_pypiserver(
    client: PypiserverClient,
    dists: list[LocalDist],
    *,
    overwrite: bool = False,
    progress: Progress = lambda _line: None,
) -> PublishReport:
    report = PublishReport(target=client.url)
    progress(f"checking {len(dists)} files against {client.url}")
    published: dict[str, str | None] = {}
    for project in sorted({dist.entry.project for dist in dists}):
        published.update({item.filename: item.sha256 for item in client.files(project)})
    equivalent = equivalent_names(published, [dist.entry.filename for dist in dists])
    if equivalent:  # pypiserver would list one release twice
        raise PublishConflict(
            f"{client.url}: {', '.join(equivalent)}: another name of the same file; "
            "nothing was uploaded",
            hint="one release holds one file per name as installers compare names; "
            "remove one of them from the wheelhouse",
        )
    conflicts = [
        dist.entry.filename
        for dist in dists
        if dist.entry.filename in published
        and published[dist.entry.filename] not in (None, dist.entry.sha256)
    ]
    if conflicts and not overwrite:
        raise PublishConflict(
            f"{client.url} already has a different file named {', '.join(sorted(conflicts))}; "
            "nothing was uploaded",
            hint="bump the version or build number, or pass --overwrite (the server must allow it)",
        )
    todo = [
        dist for dist in dists if published.get(dist.entry.filename, "missing") != dist.entry.sha256
    ]
    report.unchanged = [d.entry.filename for d in dists if d not in todo]
    if todo:
        progress(f"uploading {len(todo)} files with twine")
        client.upload([dist.path for dist in todo], replacing=bool(conflicts))
        report.uploaded = [dist.entry.filename for dist in todo]
    return report


def prune_pypiserver(
    client: PypiserverClient, projects: list[str], *, keep: int, dry_run: bool = False
) -> list[str]:
    if not projects:
        raise IndexProblem(
            "pruning a pypiserver needs the projects named (--project NAME)",
            hint="pypiserver's root page is not read back here; name what to prune",
        )
    removed: list[str] = []
    for project in projects:
        listed = client.files(project)
        if not listed:
            raise IndexProblem(
                f"{client.url} has no project {project}",
                hint=f"check the name against {client.url}simple/",
            )
        page = ProjectPage(
            name=project_name(project),
            files=tuple(
                DistFile(
                    filename=item.filename,
                    sha256=item.sha256 or "",
                    size=0,
                    upload_time=_EPOCH,
                    yanked="" if item.yanked else None,
                )
                for item in listed
            ),
        )
        doomed = files_beyond_newest(page, keep)
        for version in sorted({str(item.version) for item in doomed}):
            if not dry_run:
                client.remove(project, version)
        removed += [item.filename for item in doomed]
    return removed


def _pypirc_section(url: str, path: Path) -> tuple[str | None, tuple[str | None, str | None]]:
    if not path.is_file():
        return None, (None, None)
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except configparser.Error:
        # Never echo the parser's message: it can contain a password.
        raise IndexProblem(f"{path}: malformed .pypirc") from None
    for section in parser.sections():
        repository = parser.get(section, "repository", fallback="").rstrip("/") + "/"
        if repository == url:
            return section, (
                parser.get(section, "username", fallback=None),
                parser.get(section, "password", fallback=None),
            )
    return None, (None, None)


def _credentials_problem(url: str, *, given: bool) -> IndexProblem:
    if given:
        return TargetUnavailable(
            f"{url} refused the credentials (wrong username or password)",
            hint="check TWINE_USERNAME / TWINE_PASSWORD or the .pypirc section for this URL",
        )
    return TargetUnavailable(
        f"{url} needs credentials and none were found",
        hint="set TWINE_USERNAME and TWINE_PASSWORD, add a ~/.pypirc section with "
        f"repository = {url}, or store them in keyring",
    )


def read_twine_failure(url: str, output: str, *, replacing: bool) -> IndexProblem:
    """Read twine's failure. Statuses are matched as twine words them ("HTTPError: 403 ..."),
    never as bare numbers: a port such as 50403 is in the same output."""
    tail = "\n".join(line for line in output.splitlines()[-6:] if line.strip())
    status = _HTTP_STATUS.search(output)
    code = int(status.group(1)) if status else None
    if "Credential not found" in output or "NonInteractive" in output:
        return _credentials_problem(url, given=False)
    if code in (401, 403):
        problem = _credentials_problem(url, given=True)
        problem.message += f"\n{tail}"
        return problem
    if code == 409 or (replacing and code == 400):  # pypiserver answers twine's duplicate with 400
        return PublishConflict(
            f"{url} refused to overwrite a file\n{tail}",
            hint="pypiserver overwrites only when started with --overwrite",
        )
    if "ConnectionError" in output or "Connection refused" in output:
        return TargetUnavailable(f"cannot reach {url}\n{tail}", hint="check the URL and the server")
    if code is not None and code >= 500:
        return TargetUnavailable(
            f"{url} failed the upload ({code})\n{tail}",
            hint="the server failed; look at its log, then run this again",
        )
    return IndexProblem(f"twine upload to {url} failed\n{tail}")
