"""The README cannot drift from the code: every rule code and every command is documented."""

from __future__ import annotations

from pathlib import Path

from generator.cli import LAZY_COMMANDS
from generator.core.codes import CODES

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_rule_code_is_on_the_generated_codes_page() -> None:
    """The codes page is rendered from codes.py, so it lists every code with its meaning."""
    from generator.core.pipeline import load_portfolio
    from generator.site.markdown_safety import md_cell
    from generator.site.render import render_site

    root = Path(__file__).resolve().parent.parent
    page = render_site(load_portfolio(root, "2026-12-01"), schemas_dir=root / "schemas").files["codes.md"]
    for code, meaning in CODES.items():
        severity = "warning" if code.startswith("LB3") else "error"
        assert f"| <code>{code}</code> | {severity} |" in page, code
        assert f"| {md_cell(meaning)} |" in page, code


def test_the_readme_keeps_the_architecture_heading() -> None:
    assert "\n## Architecture\n" in README


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
