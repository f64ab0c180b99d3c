"""Pure index logic: merging, yanking, pruning, export, target strings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from index.errors import IndexProblem, TargetUnavailable
from index.pages.model import (
    DistFile,
    ProjectPage,
    files_beyond_newest,
    project_name,
    with_files,
    with_yank,
)
from index.publish.destinations import (
    DirDestination,
    PypiserverDestination,
    S3Destination,
    WheelhouseDestination,
    parse_destination,
    parse_published,
)
from index.publish.pypiserver import read_twine_failure
from index.publish.s3_storage import connect_s3

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def entry(filename: str, sha: str = "0", *, yanked: str | None = None) -> DistFile:
    return DistFile(filename=filename, sha256=sha * 64, size=1, upload_time=WHEN, yanked=yanked)


def page(*files: DistFile) -> ProjectPage:
    return ProjectPage(name=project_name("demo"), files=files)


def test_adding_the_same_file_keeps_its_upload_time_and_yank_state() -> None:
    first = page(entry("demo-1.0-py3-none-any.whl", yanked="bad"))
    again = DistFile(
        filename="demo-1.0-py3-none-any.whl", sha256="0" * 64, size=1, upload_time=datetime.now(UTC)
    )
    assert with_files(first, [again]) == first


def test_a_different_file_under_a_published_name_is_refused_unless_overwrite() -> None:
    first = page(entry("demo-1.0-py3-none-any.whl", "0"))
    other = entry("demo-1.0-py3-none-any.whl", "1")
    with pytest.raises(ValueError, match="another sha256"):
        with_files(first, [other])
    assert with_files(first, [other], overwrite=True).files == (other,)


def test_yank_and_unyank() -> None:
    first = page(entry("demo-1.0-py3-none-any.whl"), entry("demo-2.0-py3-none-any.whl"))
    yanked = with_yank(first, ["demo-2.0-py3-none-any.whl"], "broken")
    assert [f.yanked for f in yanked.files] == [None, "broken"]
    assert with_yank(yanked, ["demo-2.0-py3-none-any.whl"], None) == first


def test_prune_keeps_the_newest_live_versions_by_version_order() -> None:
    files = [entry(f"demo-{v}-py3-none-any.whl") for v in ("1.2", "1.10", "1.9", "0.1")]
    doomed = files_beyond_newest(page(*files), keep=2)
    assert sorted(f.filename for f in doomed) == [
        "demo-0.1-py3-none-any.whl",
        "demo-1.2-py3-none-any.whl",
    ]


def test_prune_does_not_count_yanked_versions_and_never_empties_a_project() -> None:
    files = [
        entry("demo-1.0-py3-none-any.whl"),
        entry("demo-2.0-py3-none-any.whl"),
        entry("demo-3.0-py3-none-any.whl", yanked=""),
    ]
    assert [f.filename for f in files_beyond_newest(page(*files), keep=1)] == [
        "demo-1.0-py3-none-any.whl"
    ]
    all_yanked = page(entry("demo-1.0-py3-none-any.whl", yanked=""))
    assert files_beyond_newest(all_yanked, keep=1) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dir:/srv/index", DirDestination(path=Path("/srv/index"))),
        ("s3://bucket", S3Destination(bucket="bucket", prefix="")),
        ("s3://bucket/team/index/", S3Destination(bucket="bucket", prefix="team/index")),
        ("http://host:8080", PypiserverDestination(url="http://host:8080/")),
        ("https://host/simple/", PypiserverDestination(url="https://host/")),
    ],
)
def test_targets(text: str, expected: object) -> None:
    assert parse_destination(text) == expected


@pytest.mark.parametrize("text", ["ftp://host/", "/srv/index", "dir:", "s3://", "gs://b/p"])
def test_unknown_or_incomplete_targets_are_clear_errors(text: str) -> None:
    with pytest.raises(IndexProblem) as caught:
        parse_published(text)
    assert text in caught.value.message


def test_a_plain_path_is_a_wheelhouse_to_plan_against_not_a_published_index() -> None:
    assert parse_destination("/srv/wheels") == WheelhouseDestination(path=Path("/srv/wheels"))
    with pytest.raises(IndexProblem, match="a wheelhouse directory, not a published index"):
        parse_published("/srv/wheels")


@pytest.mark.parametrize(
    ("output", "expected"),
    [
        (
            "Uploading to http://127.0.0.1:50403/\nERROR NonInteractive: Credential not found for username.",
            "needs credentials and none were found",
        ),
        ("ERROR HTTPError: 403 Forbidden from http://127.0.0.1:40100/", "refused the credentials"),
        ("ERROR HTTPError: 400 Bad Request from http://127.0.0.1:40300/", "refused to overwrite"),
        ("ERROR HTTPError: 500 Server Error from http://127.0.0.1:40100/", "failed the upload"),
        ("ERROR HTTPError: 422 Unprocessable from http://127.0.0.1:50500/", "twine upload to"),
    ],
)
def test_twine_failures_are_read_by_status_not_by_digits_in_a_port(
    output: str, expected: str
) -> None:
    problem = read_twine_failure("http://127.0.0.1:40100/", output, replacing=True)
    assert expected in problem.message


def test_a_server_failing_is_the_target_unavailable_exit_5_not_bad_input() -> None:
    output = "ERROR HTTPError: 500 Server Error from http://127.0.0.1:40100/"
    problem = read_twine_failure("http://127.0.0.1:40100/", output, replacing=False)
    assert isinstance(problem, TargetUnavailable)


def test_a_malformed_s3_endpoint_is_a_clear_error() -> None:
    with pytest.raises(IndexProblem, match="--endpoint-url 'notaurl'"):
        connect_s3("notaurl")
