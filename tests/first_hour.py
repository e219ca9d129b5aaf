"""What the first-hour tests share: a copy of the repository a newcomer clones, and a venv for it.

The copy holds what the quick start reads (records, evaluation results, the example ADR,
mkdocs.yml, templates, schemas, scripts, pyproject.toml). Its scripts find the venv running the
tests through LAUNCHBOARD_VENV: a folder whose bin/launchboard is this venv's and whose install
stamp is current, so scripts/_venv.py installs nothing (an install would point this venv's
editable package at the copy).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COPIED = ["decisions", "evals", "docs", "templates", "schemas", "scripts", "mkdocs.yml", "pyproject.toml"]
SAMPLE_DATE = "2026-12-01"


def sample_epoch() -> str:
    return str(int(dt.datetime.fromisoformat(SAMPLE_DATE).replace(tzinfo=dt.timezone.utc).timestamp()))


def clone(target: Path) -> Path:
    """A copy of the repository as a newcomer has it, without .venv, site/ or caches."""
    target.mkdir(parents=True, exist_ok=True)
    for name in COPIED:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", ".launchboard-cache"))
        else:
            shutil.copy2(source, target / name)
    _commit_all(target)
    return target


def _commit_all(root: Path) -> None:
    """A clone has its history: one commit of the copy, dated the sample's day, so `launchboard
    history` and the Trends page have something to read (nothing reaches the network)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="Newcomer", GIT_AUTHOR_EMAIL="newcomer@example.com", GIT_COMMITTER_NAME="Newcomer",
               GIT_COMMITTER_EMAIL="newcomer@example.com", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull,
               GIT_AUTHOR_DATE=f"{SAMPLE_DATE}T09:00:00Z", GIT_COMMITTER_DATE=f"{SAMPLE_DATE}T09:00:00Z")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "--no-gpg-sign", "-m", "the sample"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def borrowed_venv(folder: Path) -> Path:
    """A LAUNCHBOARD_VENV for the copy's scripts: this venv's launchboard, stamped current."""
    spec = importlib.util.spec_from_file_location("lb_venv_helper", REPO / "scripts" / "_venv.py")
    helper = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(helper)  # type: ignore[union-attr]
    (folder / "bin").mkdir(parents=True, exist_ok=True)
    launchboard = Path(sys.executable).parent / "launchboard"
    (folder / "bin" / "launchboard").symlink_to(launchboard)
    stamp, digest = helper._stamp("")
    (folder / stamp.name).write_text(digest)
    return folder


def environment(venv: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "LAUNCHBOARD_AS_OF")}
    env.update(LAUNCHBOARD_VENV=str(venv), NO_COLOR="1", NO_MKDOCS_2_WARNING="1", LAUNCHBOARD_NO_CACHE="1",
               PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    env.update(extra)
    return env
