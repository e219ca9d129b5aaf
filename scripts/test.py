#!/usr/bin/env python3
"""Quick start, step 2: run the whole test suite (creating .venv and installing as needed).

    python3 scripts/test.py             # every test, including real site builds and the browser test
    python3 scripts/test.py -k loader   # extra arguments go to pytest
    python3 scripts/test.py -n 0        # one process (the default spreads tests over every core)
    python3 scripts/test.py --fast      # leave out the tests marked slow (browser, serve, full sites)
    python3 scripts/test.py -n 0 tests/test_sample.py   # only the files named
"""

from __future__ import annotations

import sys
from pathlib import Path

from _venv import ROOT, ensure_venv, run


def main() -> None:
    python = ensure_venv("test")
    args = sys.argv[1:]
    if "--fast" in args:  # the inner loop: tests marked slow are left out
        args = [a for a in args if a != "--fast"] + ["-m", "not slow"]
    # files or folders named: only those; otherwise the whole suite
    paths = [a.split("::")[0] for a in args if not a.startswith("-")]
    named = any((ROOT / p).exists() or Path(p).exists() for p in paths)
    # pytest-xdist on every core: the suite is mostly real site builds, so two cores halve it.
    parallel = [] if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args) else ["-n", "auto"]
    run(str(python), "-m", "pytest", "-p", "no:cacheprovider", *parallel, *([] if named else [str(ROOT / "tests")]), *args)


if __name__ == "__main__":
    main()
