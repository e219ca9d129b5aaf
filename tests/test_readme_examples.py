"""Every command the README shows runs, as shown, against a copy of the sample, in README order.

A command is a line of a ```sh, ```bash or ```console block that starts with `launchboard` or
`python3 scripts/` (after `$ ` in a console block). Where a console block shows output, each
line shown must begin a line of the command's output (wide tables are cut), in order; a `…`
line stands for lines left out. "Today" is the sample's date (SOURCE_DATE_EPOCH), as the quick start shows it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.first_hour import REPO, borrowed_venv, clone, environment, sample_epoch

pytestmark = pytest.mark.slow

README = (REPO / "README.md").read_text(encoding="utf-8")
# Running the suite from inside the suite would never end; the quick start's step 2 is the suite.
NOT_RUN = {"python3 scripts/test.py", "python3 scripts/test.py --fast", "python3 scripts/test.py -k loader -x"}


@dataclass
class Example:
    line: int
    command: str
    shown: list[str] = field(default_factory=list)  # the output the README shows, if any


def readme_examples(text: str = README) -> list[Example]:
    examples: list[Example] = []
    lines = text.split("\n")
    fence: str | None = None
    pending = ""
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if fence is None:
            match = re.fullmatch(r"```(sh|bash|console)", stripped)
            fence = match.group(1) if match else (None if not stripped.startswith("```") else "other")
            continue
        if stripped.startswith("```"):
            fence = None
            continue
        if fence == "other":
            continue
        if fence == "console" and not stripped.startswith("$ ") and not pending:
            if examples and examples[-1].line and stripped:
                examples[-1].shown.append(stripped)
            continue
        body = stripped[2:] if fence == "console" and stripped.startswith("$ ") else stripped
        body = pending + body
        if body.endswith("\\"):
            pending = body[:-1] + " "
            continue
        pending = ""
        if body.startswith(("launchboard ", "python3 scripts/")):
            examples.append(Example(number, body))
        elif fence == "console":
            examples.append(Example(0, body))  # a prompt this test does not run: its output is not checked
    return [e for e in examples if e.line]


def _shown_in(shown: list[str], output: str) -> str | None:
    """The first line shown that the output lacks (in order), or None when all are there."""
    actual = [line.strip() for line in output.split("\n")]
    at = 0
    for want in shown:
        if want == "…":
            continue
        while at < len(actual) and not actual[at].startswith(want):
            at += 1
        if at == len(actual):
            return want
        at += 1
    return None


def test_the_readme_shows_the_examples_this_test_runs() -> None:
    commands = [e.command for e in readme_examples()]
    assert any(c.startswith("python3 scripts/build.py") for c in commands)
    assert any(c.startswith("launchboard ingest evals/") and "--metric groundedness" in c for c in commands)
    assert any(c.startswith("launchboard import adr docs/adr") for c in commands)
    assert sum(1 for e in readme_examples() if e.shown) >= 4


def test_every_readme_command_runs_as_shown(tmp_path: Path) -> None:
    repo = clone(tmp_path / "launchboard")
    env = environment(borrowed_venv(tmp_path / "venv"), SOURCE_DATE_EPOCH=sample_epoch())
    ran = 0
    for example in readme_examples():
        if example.command.split("  #")[0].strip() in NOT_RUN:
            continue
        argv = shlex.split(example.command, comments=True)
        done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=600)
        output = done.stdout + done.stderr
        where = f"README.md:{example.line}: {example.command}\n{output[-3000:]}"
        assert done.returncode in (0, 1), where  # 1: a check that reports what the README says it does
        assert "Traceback" not in output, where
        missing = _shown_in(example.shown, output)
        assert missing is None, f"{where}\nthe README shows {missing!r}"
        if example.shown and not any("error" in line for line in example.shown):
            assert done.returncode == 0, where
        ran += 1
    assert ran >= 10
