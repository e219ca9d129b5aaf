"""Files in machine-read reports are named from the top of the git repository.

GitHub attaches an annotation to a file by its path from the repository's top, and GitLab
and Jenkins link JUnit cases the same way; with the records in a subfolder
(`launchboard check governance`) a path from ROOT attaches to nothing. The text report,
read by people next to ROOT, keeps paths from ROOT.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest

from tests.kit import AS_OF, Repo

SEC = "decisions/support-assistant/checklists/security-review.yaml"


def check(cwd: Path, root: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "generator", "check", root, "--as-of", AS_OF, *args],
        cwd=cwd, capture_output=True, text=True, check=False, env=dict(os.environ, NO_COLOR="1", **(env or {})),
    )
    assert done.returncode == 1, done.stderr
    return done.stdout


@pytest.fixture
def top(tmp_path: Path) -> Path:
    """A git repository whose records are in governance/, with one failing item."""
    top = tmp_path / "repo"
    top.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=top, check=True)
    repo = Repo.valid(top / "governance")
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(status="todo"))
    return top


@pytest.mark.parametrize("where", ["top", "inside", "elsewhere"])
def test_github_annotations_name_files_from_the_repository_top(top: Path, tmp_path: Path, where: str) -> None:
    cwd, root = {"top": (top, "governance"), "inside": (top / "governance", "."),
                 "elsewhere": (tmp_path, str(top / "governance"))}[where]
    summary = tmp_path / f"summary-{where}.md"
    out = check(cwd, root, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert re.search(rf"^::error file=governance/{re.escape(SEC)},line=\d+,col=\d+,title=LB201 ", out, re.MULTILINE), out
    assert f"| `governance/{SEC}:" in summary.read_text(encoding="utf-8")


def test_junit_names_files_from_the_repository_top(top: Path) -> None:
    suites = etree.fromstring(check(top, "governance", "--format", "junit").split("\n", 1)[1])
    names = {case.get("name") for case in suites.iter("testcase")}
    assert f"governance/{SEC}" in names
    assert "governance/decisions/support-assistant/initiative.yaml" in names
    failure = suites.find(f".//testcase[@name='governance/{SEC}']/failure")
    assert failure is not None and failure.text.startswith(f"governance/{SEC}:")


def test_the_text_report_keeps_paths_from_root(top: Path) -> None:
    out = check(top, "governance")
    assert re.search(rf"^{re.escape(SEC)}:\d+:\d+: error LB201", out, re.MULTILINE), out
    assert "governance/decisions" not in out


def test_outside_a_repository_paths_stay_as_they_are(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path / "governance")
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(status="todo"))
    out = check(tmp_path, "governance", "--format", "github")
    assert f"::error file={SEC}," in out
