"""The hub benchmark: `launchboard hub lock` and `hub check` over many local source repositories.

    python bench/hub_run.py                              # 50 sources of 40 initiatives (issue 23's size)
    python bench/hub_run.py --sources 5 --count 40       # a quick run while developing

Each source is bench/synth.py's portfolio (a different seed per source) committed once with a
fixed date; the hub lists them by local path and holds the sample policy as its baseline.
Then, each as a subprocess of the venv's `launchboard`:

- lock: resolve every ref and fetch every source into the hub's cache (cold);
- check: every source read from git objects at its pin and judged (no verdict cached yet);
- lock again: no pin moved, so nothing is fetched;
- check --no-fetch: the same check again: nothing fetched, every verdict from the signed cache;
- check --no-cache: every source judged again (what a new day or a new baseline costs);
- build: the hub's site (verdicts from the cache): every source read again at its pin and
  rendered in full as its own site shows it (at the default size 2,000 initiatives, about
  14,400 pages: each initiative's page, its two decisions and four runbooks, and each
  source's board, On call, decision log and catalogues).

Wall-clock seconds and CPU time (user + system) of the process; on a shared machine the wall
time is mostly waiting for a core, so both are shown.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

AS_OF = "2026-12-01"


def _git(root: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="B", GIT_AUTHOR_EMAIL="b@example.com", GIT_COMMITTER_NAME="B", GIT_COMMITTER_EMAIL="b@example.com",
               GIT_AUTHOR_DATE="2026-11-30T12:00:00Z", GIT_COMMITTER_DATE="2026-11-30T12:00:00Z",
               GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True)


def generate(out: Path, sources: int, count: int) -> Path:
    """OUT/hub and OUT/source-N, every source committed; returns the hub."""
    lines = ["sources:"]
    for n in range(sources):
        root = out / f"source-{n}"
        synth.generate(root, count, seed=100 + n, as_of=AS_OF)
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "records")
        lines.append(f"  - {{name: source-{n}, repo: ../source-{n}, ref: main}}")
    hub = out / "hub"
    (hub / "decisions").mkdir(parents=True)
    shutil.copy(synth.POLICY, hub / "decisions" / "policy.yaml")
    (hub / "hub.yaml").write_text("\n".join(lines) + "\n")
    return hub


def timed(label: str, *args: str) -> None:
    exe = Path(sys.executable).parent / "launchboard"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    done = subprocess.run([str(exe), *args], capture_output=True, text=True)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(f"{label:<22} exit {done.returncode}  wall {wall:6.1f} s  cpu {cpu:6.1f} s")
    if done.returncode not in (0, 1):
        print(done.stderr, file=sys.stderr)
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=50)
    parser.add_argument("--count", type=int, default=40, help="initiatives per source")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="launchboard-hub-bench-") as tmp:
        started = time.monotonic()
        hub = generate(Path(tmp), options.sources, options.count)
        print(f"{options.sources} sources x {options.count} initiatives written in {time.monotonic() - started:.1f} s")
        timed("lock (cold)", "hub", "lock", str(hub))
        timed("check (cold)", "hub", "check", str(hub), "--as-of", AS_OF, "--format", "json")
        timed("lock (no pin moved)", "hub", "lock", str(hub))
        timed("check --no-fetch", "hub", "check", str(hub), "--as-of", AS_OF, "--no-fetch", "--format", "json")
        timed("check --no-cache", "hub", "check", str(hub), "--as-of", AS_OF, "--no-fetch", "--no-cache", "--format", "json")
        timed("build", "hub", "build", str(hub), "--as-of", AS_OF, "--no-fetch")


if __name__ == "__main__":
    main()
