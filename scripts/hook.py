#!/usr/bin/env python3
"""The entry of this repository's own pre-commit hooks (.pre-commit-config.yaml).

    scripts/hook.py check               # runs .venv/bin/launchboard check
    scripts/hook.py codeowners --check

pre-commit runs it from the top of the repository, with whatever PATH the committing shell
has: the virtual environment need not be active. When .venv is missing, or was installed
from another pyproject.toml, it is (re)created first, as scripts/build.py does.
"""

from __future__ import annotations

import os
import subprocess
import sys

from _venv import ensure_launchboard


def main() -> None:
    launchboard = str(ensure_launchboard())
    if os.name == "nt":  # no exec on Windows: run it and pass its exit code on
        sys.exit(subprocess.run([launchboard, *sys.argv[1:]]).returncode)
    os.execv(launchboard, [launchboard, *sys.argv[1:]])


if __name__ == "__main__":
    main()
