#!/usr/bin/env python3
"""Quick start, step 1: create .venv, install Launchboard, check the records, build the site.

    python3 scripts/build.py            # site/ from the sample records in decisions/, for file://
    python3 scripts/build.py --today    # the same, judged as of today: see the sample age

The sample records were written on SAMPLE_DATE, and approvals, waivers and drills lapse with
the calendar; so the quick start checks and shows them as of that date, whenever it runs, and
the board says so. The pin is here, not in decisions/ nor mkdocs.yml: `launchboard check`,
`launchboard build` and CI judge the real date. Once your own records replace the sample,
use `--today` (or `launchboard build`).

The check's report is printed but does not stop the build: the site shows each problem
on the page it concerns. CI uses `launchboard check` and `launchboard build --strict`.
"""

from __future__ import annotations

import sys

from _venv import BIN, ROOT, ensure_launchboard, run

# The day the sample in decisions/ speaks of. Move it only together with the sample's dates.
SAMPLE_DATE = "2026-12-01"


def main() -> None:
    args = sys.argv[1:]
    today = "--today" in args
    args = [a for a in args if a != "--today"]
    as_of = [] if today else ["--as-of", SAMPLE_DATE]
    launchboard = str(ensure_launchboard())  # installs only when no current install exists
    if not today:
        print(f"the sample as of {SAMPLE_DATE}, the date it was written (`python3 scripts/build.py --today` judges today)")
    run(launchboard, "check", str(ROOT), *as_of, check=False)
    # --offline: the site opens from the file system, which is how a newcomer looks at it first
    run(launchboard, "build", str(ROOT), "--offline", *as_of, *args)
    print("open site/index.html (it works from the file system), or preview with live reload: "
          f".venv/bin/launchboard serve {' '.join(as_of)}".rstrip())
    print(f"launchboard is installed in {BIN}: `source {BIN / 'activate'}` puts it on PATH")


if __name__ == "__main__":
    main()
