"""Generate a synthetic git history of a governance portfolio for the history benchmark.

The first commit holds bench/synth.py's portfolio of N initiatives; each later commit
changes one initiative the way a team does between reviews: an item's status flips
between done and in-progress (a gate fails or recovers), or, one commit in ten, the
initiative moves to its next stage. Commits are spread evenly over DAYS days, several a
day, with fixed author and committer dates; the repository is written with
`git fast-import`, so 2,000 commits take seconds.

Deterministic: the same arguments write the same commits (same ids).

    python bench/synth_history.py OUT --count 300 --commits 2000 [--days 365] [--seed 7]
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth  # noqa: E402

START = "2025-12-01"
STAGE_LINE = re.compile(r"^stage: (\S+)$", re.M)
STATUS_LINE = re.compile(r"^    status: (done|in-progress)$", re.M)


def _git_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    return env


def _data(text: str) -> bytes:
    raw = text.encode("utf-8")
    return b"data %d\n%s\n" % (len(raw), raw)


def _commit(stream: list[bytes], number: int, when: int, message: str, files: dict[str, str], first: bool) -> None:
    stream.append(b"commit refs/heads/main\n")
    stream.append(b"mark :%d\n" % number)
    stream.append(b"author Bench <bench@example.com> %d +0000\n" % when)
    stream.append(b"committer Bench <bench@example.com> %d +0000\n" % when)
    stream.append(_data(message))
    if not first:
        stream.append(b"from :%d\n" % (number - 1))
    for path, text in sorted(files.items()):
        stream.append(b"M 100644 inline " + path.encode() + b"\n" + _data(text))


def _change(rng: random.Random, files: dict[str, str], initiative: str, stages: list[str]) -> tuple[str, str, str]:
    """One edit to one initiative: (path, new text, commit message)."""
    if rng.random() < 0.1:
        path = f"decisions/{initiative}/initiative.yaml"
        text = files[path]
        stage = STAGE_LINE.search(text)
        if stage and stage.group(1) in stages and stages.index(stage.group(1)) + 1 < len(stages) - 1:
            after = stages[stages.index(stage.group(1)) + 1]
            return path, STAGE_LINE.sub(f"stage: {after}", text, count=1), f"{initiative}: move to {after}"
    checklists = sorted(p for p in files if p.startswith(f"decisions/{initiative}/checklists/"))
    path = rng.choice(checklists)
    text = files[path]
    lines = list(STATUS_LINE.finditer(text))
    line = rng.choice(lines)
    flipped = "in-progress" if line.group(1) == "done" else "done"
    new = text[:line.start()] + f"    status: {flipped}" + text[line.end():]
    return path, new, f"{initiative}: {Path(path).stem} item {flipped}"


def generate(out: Path, count: int, commits: int, days: int = 365, seed: int = 7, start: str = START) -> Path:
    """Write a git repository at OUT (replaced) with COMMITS commits over DAYS days."""
    rng = random.Random(seed)
    first_day = dt.date.fromisoformat(start)
    with tempfile.TemporaryDirectory(prefix="lb-synth-history-") as tmp:
        synth.generate(Path(tmp), count, seed=seed, as_of=first_day.isoformat())
        base = Path(tmp)
        files = {p.relative_to(base).as_posix(): p.read_text(encoding="utf-8") for p in sorted((base / "decisions").rglob("*.yaml"))}
    initiatives = sorted({p.split("/")[1] for p in files if p.count("/") >= 2 and not p.startswith("decisions/frameworks/")})
    stages = list(synth.STAGES) + ["retired"]
    epoch = calendar.timegm(first_day.timetuple()) + 9 * 3600
    step = days * 86400 // max(1, commits - 1)
    stream: list[bytes] = []
    _commit(stream, 1, epoch, f"{count} initiatives", files, first=True)
    for number in range(2, commits + 1):
        path, text, message = _change(rng, files, rng.choice(initiatives), stages)
        files[path] = text
        _commit(stream, number, epoch + (number - 1) * step, message, {path: text}, first=False)
    if out.exists():
        subprocess.run(["rm", "-rf", str(out)], check=True)
    out.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True, env=_git_env())
    subprocess.run(["git", "fast-import", "--quiet"], cwd=out, input=b"".join(stream), check=True, env=_git_env())
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=out, check=True, env=_git_env())
    return out


def add_commit(root: Path, day: dt.date, seed: int = 11) -> None:
    """One more commit on top (what the warm benchmark measures): an item flips."""
    rng = random.Random(seed)
    checklist = sorted((root / "decisions").glob("*/checklists/*.yaml"))[0]
    text = checklist.read_text(encoding="utf-8")
    line = rng.choice(list(STATUS_LINE.finditer(text)))
    flipped = "in-progress" if line.group(1) == "done" else "done"
    checklist.write_text(text[:line.start()] + f"    status: {flipped}" + text[line.end():], encoding="utf-8")
    env = _git_env() | {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com", "GIT_COMMITTER_NAME": "Bench",
                        "GIT_COMMITTER_EMAIL": "bench@example.com", "GIT_AUTHOR_DATE": f"{day}T18:00:00Z",
                        "GIT_COMMITTER_DATE": f"{day}T18:00:00Z"}
    subprocess.run(["git", "commit", "-q", "-am", "one more change"], cwd=root, check=True, env=env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the repository to write (replaced)")
    parser.add_argument("--count", type=int, default=300, help="initiatives (default %(default)s)")
    parser.add_argument("--commits", type=int, default=2000, help="commits (default %(default)s)")
    parser.add_argument("--days", type=int, default=365, help="days the commits span (default %(default)s)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    generate(args.out, args.count, args.commits, args.days, args.seed)
    print(f"{args.out}: {args.count} initiatives, {args.commits} commits over {args.days} days")


if __name__ == "__main__":
    main()
