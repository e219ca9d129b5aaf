#!/usr/bin/env python3
"""Quick start, step 1: create .venv, install Launchboard, check the records, build the site.

    python3 scripts/build.py            # site/ from the sample records in decisions/, for file://

The check's report is printed but does not stop the build: the site shows each problem
on the page it concerns. CI uses `launchboard check` and `launchboard build --strict`.
"""

from __future__ import annotations

import sys

from _venv import BIN, ROOT, ensure_venv, run


def main() -> None:
    ensure_venv()
    launchboard = str(BIN / "launchboard")
    run(launchboard, "check", str(ROOT), check=False)
    # --offline: the site opens from the file system, which is how a newcomer looks at it first
    run(launchboard, "build", str(ROOT), "--offline", *sys.argv[1:])
    print("open site/index.html (it works from the file system), or preview with live reload: .venv/bin/launchboard serve")
    print(f"launchboard is installed in {BIN}: `source {BIN / 'activate'}` puts it on PATH")


if __name__ == "__main__":
    main()
