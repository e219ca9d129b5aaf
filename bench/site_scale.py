"""How the site build grows with the portfolio: build N synthetic initiatives, report seconds and size.

    python bench/site_scale.py 100 1000 [--group-size 50] [--keep DIR]

Each size gets its own governance repository from bench/synth.py (the sample policy, every
initiative with metrics, two decisions and all checklists), then a real `mkdocs build` with the
repository's mkdocs.yml. Prints one line per size: pages, seconds, megabytes of output, and
seconds per initiative, which stays flat when the build is linear.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

import synth  # noqa: E402


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(count: int, work: Path, group_size: int) -> dict:
    root = work / f"repo-{count}"
    synth.generate(root, count)
    for name in ("mkdocs.yml", "schemas", "templates"):
        src = REPO / name
        dest = root / name
        if dest.exists():
            continue
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest)
    (root / "templates" / "site" / "docs").mkdir(parents=True, exist_ok=True)
    if group_size != 50:
        text = (root / "mkdocs.yml").read_text()
        text = text.replace("fail_on: error", f"fail_on: error\n      nav_group_size: {group_size}")
        (root / "mkdocs.yml").write_text(text)
    out = work / f"site-{count}"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", SOURCE_DATE_EPOCH=str(int(time.mktime((2026, 12, 1, 12, 0, 0, 0, 0, -1)))))
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(root / "mkdocs.yml"), "-d", str(out)],
        cwd=root, env=env, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build of {count} failed:\n{result.stderr[-3000:]}")
    pages = sum(1 for _ in out.rglob("index.html"))
    return {"initiatives": count, "pages": pages, "seconds": seconds, "mb": _size(out) / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("counts", nargs="+", type=int)
    parser.add_argument("--group-size", type=int, default=50)
    parser.add_argument("--keep", type=Path, help="keep the repositories and sites here")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="lb-site-scale-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print(f"{'initiatives':>11} {'pages':>6} {'seconds':>8} {'MB':>7} {'s/initiative':>13}")
        for count in args.counts:
            r = build(count, work, args.group_size)
            print(f"{r['initiatives']:>11} {r['pages']:>6} {r['seconds']:>8.1f} {r['mb']:>7.1f} {r['seconds'] / count:>13.4f}", flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
