#!/usr/bin/env python3
"""Quick start, step 2: run the whole test suite (creating .venv and installing as needed).

    python3 scripts/test.py             # every test, including real site builds and the browser test
    python3 scripts/test.py -k loader   # extra arguments go to pytest
"""

from __future__ import annotations

import sys

from _venv import ROOT, ensure_venv, run


def main() -> None:
    python = ensure_venv("test")
    run(str(python), "-m", "pytest", "-p", "no:cacheprovider", str(ROOT / "tests"), *sys.argv[1:])


if __name__ == "__main__":
    main()
