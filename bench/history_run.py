"""The history benchmark: `launchboard history` over a synthetic git history.

    python bench/history_run.py                          # 300 initiatives, 2,000 commits (issue 22's size)
    python bench/history_run.py --count 30 --commits 200 # a quick run while developing

bench/synth_history.py writes the repository (bench/synth.py's portfolio, then one change
to one initiative per commit, spread over a year). Then, each as a subprocess:

- cold: `launchboard history ROOT --format json --as-of DATE` with no cache;
- warm: the same again, every commit cached;
- one commit added: a new commit on top, then the same command (what CI pays per push).

Wall-clock seconds and the CPU time (user + system) of the process; the wall time on a
shared machine is mostly waiting for a core, so both are shown. The warm answer must equal
the cold one, and the answer after the added commit must equal a run without the cache
(--verify, which costs another cold run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_history  # noqa: E402

AS_OF = "2026-12-01"


def _launchboard() -> list[str]:
    script = Path(sys.executable).parent / "launchboard"
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def run_history(root: Path, *extra: str, cache: bool = True) -> tuple[float, float, bytes]:
    """(wall seconds, CPU seconds, stdout) of one `launchboard history` run."""
    env = dict(os.environ, NO_COLOR="1")
    env.pop("LAUNCHBOARD_NO_CACHE", None)
    if not cache:
        env["LAUNCHBOARD_NO_CACHE"] = "1"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*_launchboard(), "history", str(root), "--format", "json", "--as-of", AS_OF, *extra],
                          capture_output=True, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"history failed (exit {done.returncode}):\n{done.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=300, help="initiatives (default %(default)s)")
    parser.add_argument("--commits", type=int, default=2000, help="commits (default %(default)s)")
    parser.add_argument("--days", type=int, default=365, help="days the commits span (default %(default)s)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/launchboard-history-bench"), help="where the repository is written")
    parser.add_argument("--verify", action="store_true", help="also compare the last answer with a run without the cache")
    args = parser.parse_args()

    root = args.work / f"history-{args.count}-{args.commits}"
    started = time.perf_counter()
    synth_history.generate(root, args.count, args.commits, args.days)
    made = time.perf_counter() - started
    shutil.rmtree(root / ".launchboard-cache", ignore_errors=True)

    cold_wall, cold_cpu, cold = run_history(root)
    warm_wall, warm_cpu, warm = run_history(root)
    assert warm == cold, "the cached answer differs from the cold one"
    synth_history.add_commit(root, dt.date.fromisoformat(synth_history.START) + dt.timedelta(days=args.days))
    one_wall, one_cpu, one = run_history(root)
    report = json.loads(one)
    assert report["commits"] == args.commits + 1
    if args.verify:
        _, _, fresh = run_history(root, cache=False)
        assert fresh == one, "the answer after one commit differs from a run without the cache"

    print(f"history of {args.commits:,} commits over {args.count:,} initiatives ({args.days} days; repository written in {made:.1f} s)")
    print("| run | wall | CPU (user + system) |")
    print("| --- | ---: | ---: |")
    print(f"| cold (no cache) | {cold_wall:.2f} s | {cold_cpu:.2f} s |")
    print(f"| warm (every commit cached) | {warm_wall:.2f} s | {warm_cpu:.2f} s |")
    print(f"| one commit added | {one_wall:.2f} s | {one_cpu:.2f} s |")
    print(f"answers: warm = cold{', after one commit = without cache' if args.verify else ''}; "
          f"{len(report['initiatives'])} initiatives, {len(report['portfolio'])} portfolio points")


if __name__ == "__main__":
    main()
