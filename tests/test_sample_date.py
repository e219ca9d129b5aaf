"""The quick start shows the sample as written on any date; `check` still judges the real one.

The whole process tree runs under libfaketime (LD_PRELOAD), so every clock Python, MkDocs and
the site build read says 2027 or 2028: nothing here sets SOURCE_DATE_EPOCH or --as-of.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.first_hour import SAMPLE_DATE, borrowed_venv, clone, environment

pytestmark = pytest.mark.slow

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1")


def _libfaketime() -> Path:
    """Debian's libfaketime, installed with apt when missing and this runs as root (as the browser
    test does for chromium); LAUNCHBOARD_LIBFAKETIME may name another copy of the library."""
    named = os.environ.get("LAUNCHBOARD_LIBFAKETIME")
    if named and Path(named).is_file():
        return Path(named)
    if not LIBFAKETIME.is_file() and os.geteuid() == 0 and shutil.which("apt-get"):
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "faketime"], env=env, capture_output=True, timeout=600)
    if not LIBFAKETIME.is_file():
        pytest.skip(f"no libfaketime at {LIBFAKETIME} and it could not be installed (needs root and apt-get)")
    return LIBFAKETIME


def _faked(venv: Path, when: str) -> dict[str, str]:
    return environment(venv, LD_PRELOAD=str(_libfaketime()), FAKETIME=f"@{when} 09:30:00", FAKETIME_DONT_RESET="1")


@pytest.mark.parametrize("when", ["2027-06-01", "2028-11-30"])
def test_quick_start_shows_the_sample_as_written_and_check_judges_the_real_date(tmp_path, when) -> None:
    repo = clone(tmp_path / "launchboard")
    env = _faked(borrowed_venv(tmp_path / "venv"), when)
    clock = subprocess.run(["python3", "-c", "import datetime; print(datetime.date.today())"],
                           env=env, capture_output=True, text=True, check=True)
    assert clock.stdout.strip() == when  # the fake clock reaches every process

    built = subprocess.run(["python3", "scripts/build.py"], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr
    # the quick start's check: the sample as designed, no errors, its four warnings
    assert f"✓ 0 errors, 4 warnings in 4 files (9 initiatives, as of {SAMPLE_DATE})" in built.stdout, built.stdout
    board = (repo / "site" / "index.html").read_text(encoding="utf-8")
    assert f"Judged as of {SAMPLE_DATE}, a fixed date" in board  # shown only when the clock says otherwise
    # no initiative short of its current gate, and the check's counts on the board are 0 / 4
    assert re.search(r'lb-kpi--good"><span class="lb-kpi__value">0</span><span class="lb-kpi__label">short of', board)
    assert '<span class="lb-kpi__value">0 / 4</span>' in board
    assert "groundedness" in board  # the metric gate shows on its row

    # `launchboard check` with no options, as CI runs it: the real (faked) date, and the sample has aged
    check = subprocess.run(["launchboard", "check", "."], cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert check.returncode == 1
    assert f"as of {when})" in check.stdout
    assert "LB203" in check.stdout  # approvals older than approval_max_age_days

    # the one documented option to see the sample age: the board is judged as of the (faked) day
    aged = subprocess.run(["python3", "scripts/build.py", "--today"], cwd=repo, env=env, capture_output=True, text=True, timeout=600)
    assert aged.returncode == 0, aged.stdout + aged.stderr
    assert f"as of {when})" in aged.stdout
    board = (repo / "site" / "index.html").read_text(encoding="utf-8")
    assert "Judged as of" not in board and f"As of {when}." in board
