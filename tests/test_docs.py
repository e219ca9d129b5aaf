"""The README cannot drift from the code: every rule code and every command is documented."""

from __future__ import annotations

from pathlib import Path

from generator.cli import LAZY_COMMANDS
from generator.core.codes import CODES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_rule_code_is_in_the_readme_table() -> None:
    for code, meaning in CODES.items():
        assert f"| `{code}` | {meaning} |" in README, code


def test_every_command_is_documented() -> None:
    for name in LAZY_COMMANDS:
        assert f"`launchboard {name}" in README, name


def test_quick_start_is_two_commands() -> None:
    assert "python3 scripts/build.py" in README and "python3 scripts/test.py" in README
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text()
    assert "python3 scripts/test.py" in ci
