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


def test_the_docs_never_point_outside_the_repository() -> None:
    """A clone has only itself: the README, SECURITY.md and the site's pages explain everything."""
    root = Path(__file__).resolve().parent.parent
    docs = [root / "README.md", root / "SECURITY.md", *sorted((root / "templates").rglob("*.j2")),
            *sorted((root / "templates" / "site" / "docs").rglob("*.md"))]
    for path in docs:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "DESIGN.md" not in text, path


def test_the_quick_start_says_how_to_get_launchboard_on_path() -> None:
    assert "source .venv/bin/activate" in README
    # the first example must not collide with an initiative the sample already has
    sample = {p.name for p in (Path(__file__).resolve().parent.parent / "decisions").iterdir() if p.is_dir()}
    first = README.split("launchboard new initiative ", 1)[1].split()[0]
    assert first not in sample
