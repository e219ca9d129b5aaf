"""The repository's own pre-commit hooks, run by the real pre-commit from a plain shell.

A temporary git repository gets this project's .pre-commit-config.yaml, its scripts/ and
pyproject.toml, records, and a .venv that is this test run's virtual environment (a link, so
nothing is installed). pre-commit runs with a PATH of /usr/bin and /bin only, as a commit
from a shell where the virtual environment is not active.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.kit import AS_OF, Repo

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
pytestmark = pytest.mark.skipif(not PRE_COMMIT.exists(), reason="pre-commit is not installed (pip install -e '.[test]')")
SEC = "decisions/support-assistant/checklists/security-review.yaml"


def plain_shell(tmp_path: Path) -> dict[str, str]:
    return {
        "PATH": os.pathsep.join(p for p in ("/usr/bin", "/bin") if Path(p).is_dir()),
        "HOME": str(tmp_path / "home"),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_NOSYSTEM": "1", "LANG": "C.UTF-8",
        # "Today" for the check: the kit's records are judged as of AS_OF.
        "SOURCE_DATE_EPOCH": str(int(datetime.fromisoformat(AS_OF).replace(tzinfo=timezone.utc).timestamp())),
    }


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A governance repository laid out like this one, committed, with the hooks' files."""
    if shutil.which("launchboard", path=plain_shell(tmp_path)["PATH"]):
        pytest.skip("launchboard is installed system-wide: a plain shell would find it anyway")
    root = tmp_path / "repo"
    Repo.valid(root)
    for name in (".pre-commit-config.yaml", "pyproject.toml", "scripts/_venv.py", "scripts/hook.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, root / name)
    (root / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (root / ".gitignore").write_text(".venv\n", encoding="utf-8")
    env = plain_shell(tmp_path)
    # the trusted layer this repository holds has an owner, as `codeowners --check` requires
    (root / ".github").mkdir(exist_ok=True)
    (root / ".github" / "CODEOWNERS").write_text(
        "".join(f"{path} @org/platform-council\n" for path in
                ("/decisions/policy.yaml", "/pyproject.toml", "/scripts/", "/.github/", "/.pre-commit-config.yaml")),
        encoding="utf-8")
    subprocess.run([str(Path(sys.prefix) / "bin" / "launchboard"), "codeowners", str(root)], check=True, capture_output=True)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "--no-gpg-sign", "-m", "records"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)
    return root


def pre_commit(root: Path, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files", "--color", "never", *args],
        cwd=root, env=plain_shell(tmp_path), capture_output=True, text=True, check=False, timeout=300,
    )


def test_the_hooks_pass_from_a_shell_without_the_virtual_environment(checkout: Path, tmp_path: Path) -> None:
    done = pre_commit(checkout, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "launchboard check" in done.stdout and "Passed" in done.stdout
    assert "launchboard codeowners --check" in done.stdout
    assert "not found" not in done.stdout


def test_the_check_hook_fails_a_broken_record(checkout: Path, tmp_path: Path) -> None:
    Repo(checkout).edit(SEC, lambda d: d["items"]["threat-model"].update(status="todo"))
    subprocess.run(["git", "add", "-A"], cwd=checkout, env=plain_shell(tmp_path), check=True)
    done = pre_commit(checkout, tmp_path, "launchboard-check")
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{SEC}:" in done.stdout and "LB201" in done.stdout


def test_language_system_was_the_bug(checkout: Path, tmp_path: Path) -> None:
    """The configuration this replaced: `entry: launchboard` needs the venv on PATH."""
    config = checkout / ".pre-commit-config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("entry: scripts/hook.py ", "entry: launchboard ").replace("language: script", "language: system"),
        encoding="utf-8",
    )
    done = pre_commit(checkout, tmp_path, "launchboard-check")
    assert done.returncode != 0
    assert "Executable `launchboard` not found" in done.stdout
