"""Launchboard's Markdown as GitHub shows it: rendered by cmark-gfm, GitHub's own renderer.

`launchboard diff` (the pull-request summary) and `check --format github`'s step summary are
rendered here with cmarkgfm (the Python binding of cmark-gfm, with GitHub's extensions) with
raw HTML let through, so markup that escaped the escaping would show up as a tag. The
assertions are on what a reader sees: the visible text of each cell is the record's text,
character for character, and no record text became a tag, a link, an image or a mention.
"""

from __future__ import annotations

import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.core.text_safety import gfm_cell, gfm_code, gfm_text, plain
from tests.kit import AS_OF, Repo

ZWSP = "\u200b"
HOSTILE = [
    "it's",
    "Q&A & more &amp; &#x27; &lt;",
    "<b>bold</b>",
    "<script>alert(1)</script>",
    "a | b || c",
    "snake_case __init__ _em_",
    "*star* **strong**",
    "[click](javascript:alert(1))",
    "javascript:alert(1)",
    "see http://evil.example/x and www.evil.example and https://e.example",
    "<http://evil.example> <mailto:x@y.example>",
    "mail alice@example.com",
    "ping @alice and @org/security",
    "# heading",
    "- item",
    "> quote",
    "1. one",
    "2) two",
    "![img](x.png)",
    "~~gone~~ $x^2$ $$y$$",
    "`code` ``two`` `",
    "back\\slash \\| \\` \\*",
    "line\nbreak\r\nthird",
    "##[error]x ::error::y",
    "=== --- ***",
    "[^1] [x]: http://e.example",
    ":smile: :+1:",
]


def render(markdown: str) -> str:
    """HTML as GitHub's renderer makes it, raw HTML passed through (GitHub then filters it)."""
    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


class Page(HTMLParser):
    """The tags of a rendered document and the visible text of each table cell."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells: list[str] = []
        self.text: list[str] = []
        self._cell: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def visible(self) -> str:
        return "".join(self.text)


def shown(text: str) -> str:
    """What a reader should see of record text: one line, and every @ followed by a zero-width space."""
    return plain(text).replace("@", "@" + ZWSP)


def one_cell(markdown_cell: str) -> tuple[Page, str]:
    page = Page(render(f"| h |\n| --- |\n| {markdown_cell} |\n"))
    assert len(page.cells) == 2, page.cells  # the header and this one: no | split the row
    return page, page.cells[1]


# --------------------------------------------------------------------------- the helpers


@pytest.mark.parametrize("text", HOSTILE)
def test_text_renders_as_written_and_inert(text: str) -> None:
    page = Page(render(gfm_text(text)))
    assert page.tags == ["p"]  # no <a>, <b>, <script>, <em>, <img>, <code>, <h1>, <li>, <blockquote>
    assert page.visible.strip() == shown(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_cell_renders_as_written_and_keeps_the_row(text: str) -> None:
    page, cell = one_cell(gfm_cell(text))
    assert set(page.tags) == {"table", "thead", "tr", "th", "tbody", "td"}
    assert cell.strip() == shown(text)


@pytest.mark.parametrize("text", HOSTILE)
def test_code_in_a_cell_renders_verbatim(text: str) -> None:
    page, cell = one_cell(gfm_cell(text, code=True))
    assert page.tags.count("code") == 1 and "a" not in page.tags
    assert cell == plain(text)  # verbatim: code spans show @, < and & as they are and link nothing


@pytest.mark.parametrize("text", HOSTILE)
def test_code_span_renders_verbatim(text: str) -> None:
    page = Page(render("x " + gfm_code(text)))
    assert page.tags == ["p", "code"]
    assert page.visible.rstrip("\n") == "x " + plain(text)


def test_mentions_show_the_at_sign_but_are_not_mentions() -> None:
    """GitHub links `@name` in a text node; a zero-width space after the @ breaks the match
    (the way Dependabot quotes release notes) while the reader still sees `@alice`."""
    visible = Page(render(gfm_text("ping @alice and @org/security, mail bob@example.com"))).visible.strip()
    assert not re.search(r"@[A-Za-z0-9]", visible)
    assert visible.replace(ZWSP, "") == "ping @alice and @org/security, mail bob@example.com"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab |<>[]()!`*_#-1.:@&\\~$=^'\"\n\twhtp/")), max_size=40))
def test_any_text_renders_as_written(text: str) -> None:
    page, cell = one_cell(gfm_cell(text))
    assert set(page.tags) <= {"table", "thead", "tr", "th", "tbody", "td"}
    assert cell.strip() == shown(text).strip()
    page, cell = one_cell(gfm_cell(text, code=True))
    assert "a" not in page.tags
    assert cell == plain(text)


# --------------------------------------------------------------------------- the real commands

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_NOSYSTEM": "1", "HOME": "/nonexistent",
}
TITLE = "It's <b>Q&A</b> | <script>x</script> _a_ *b* [l](javascript:y) http://e.example @alice"


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], env=dict(os.environ, **GIT_ENV), capture_output=True, check=True)


def test_diff_summary_shows_record_text_as_written(tmp_path: Path) -> None:
    root = tmp_path / "governance"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    repo = Repo.valid(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-gpg-sign", "-m", "records")

    def change(data: dict) -> None:
        data["title"] = TITLE
        data["stage"] = "ga"
        data["history"].append({"stage": "ga", "date": "2026-11-25"})

    repo.edit("decisions/support-assistant/initiative.yaml", change)
    result = CliRunner().invoke(main, ["diff", "HEAD", str(root), "--as-of", AS_OF], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "&#x27;" not in result.output and "&\\#" not in result.output
    page = Page(render(result.output))
    assert {"a", "b", "script", "em", "strong"} & set(page.tags) == {"strong"}  # only the summary line's own **
    row = [c for c in page.cells if "Q&A" in c]
    assert row == [shown(TITLE) + " (support-assistant)"]
    assert "against HEAD" in page.visible  # the heading's <code>HEAD</code>


def test_step_summary_shows_locations_and_messages_as_written(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path / "g")
    folder = "internal-search"
    repo.write(f"decisions/{folder}/initiative.yaml", "id: internal-search\ntitle: \"It's <b>x</b> @alice\"\n")
    summary = tmp_path / "summary.md"
    result = CliRunner().invoke(
        main, ["check", str(repo.root), "--as-of", AS_OF, "--format", "github"],
        env={"GITHUB_STEP_SUMMARY": str(summary)}, catch_exceptions=False,
    )
    assert result.exit_code == 1
    markdown = summary.read_text(encoding="utf-8")
    page = Page(render(markdown))
    assert not {"a", "b", "script", "em"} & set(page.tags)
    locations = page.cells[4::4]
    assert locations and all(re.fullmatch(rf"decisions/{folder}/initiative\.yaml:\d+:\d+", c) for c in locations), locations
    assert page.tags.count("code") == len(locations)
    assert all("\\" not in c and "&#" not in c for c in page.cells)


def test_every_section_of_the_diff_shows_record_text_as_written(tmp_path: Path) -> None:
    """Decision titles, checklist item titles and problem messages, through the real diff."""
    from tests.kit import DECISION, DONE

    root = tmp_path / "governance"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    repo = Repo.valid(root)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-gpg-sign", "-m", "records")
    item_title = "Pen-test by @org/red-team | see www.example.com & <i>it's</i> *done*"
    repo.write("decisions/support-assistant/adr/0002-hostile.yaml", dict(DECISION, number=2, title=TITLE, status="proposed"))

    def policy(data: dict) -> None:
        data["checklists"]["security-review"]["items"][2]["title"] = item_title

    repo.edit("decisions/policy.yaml", policy)
    repo.edit("decisions/support-assistant/checklists/security-review.yaml", lambda d: d["items"].update({"pen-test": dict(DONE)}))
    repo.write("decisions/broken/initiative.yaml", "id: broken\ntitle: x\nrisk: '<b>high</b> @alice'\n")
    result = CliRunner().invoke(main, ["diff", "HEAD", str(root), "--as-of", AS_OF], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = Page(render(result.output))
    assert not {"a", "b", "i", "script", "em", "img"} & set(page.tags)
    assert "0002 " + shown(TITLE) in page.cells
    assert any(c.endswith(shown(item_title)) and c.startswith("security-review/pen-test") for c in page.cells)
    assert "<b>high</b> @" + ZWSP + "alice" in page.visible  # the schema's message quotes the value
    assert not re.search(r"@[A-Za-z0-9]", page.visible)


def test_metric_and_runbook_rows_of_the_diff_show_record_text_as_written(tmp_path: Path) -> None:
    """Metric titles and units, rollback steps and escalation contacts, through the real diff."""
    root = tmp_path / "governance"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    repo = Repo.valid(root)
    step = {"step": "Undo " + TITLE, "command": "flagctl set x `y` | tee <z>", "effect": "write"}
    repo.write("decisions/support-assistant/runbooks/rollback.yaml", {
        "runbook": "rollback", "title": "Rollback", "severity": "sev2",
        "triggers": [{"alert": "assistant-errors"}],
        "rollback": {"steps": [step, {"step": "Keep this one", "effect": "read-only"}]},
        "escalation": [{"after_minutes": 0, "contact": "@org/sre"}],
    })

    def metric(data: dict) -> None:
        data["metrics"].append({"id": "accuracy", "title": TITLE, "unit": "<b>%</b> @bob", "direction": "higher",
                                "target": 90, "gate_from": "ga"})
    repo.edit("decisions/support-assistant/initiative.yaml", metric)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-gpg-sign", "-m", "records")

    def hollow(runbook: dict) -> None:
        runbook["rollback"]["steps"] = runbook["rollback"]["steps"][1:]
        runbook["triggers"] = []
        runbook["escalation"] = []
    repo.edit("decisions/support-assistant/runbooks/rollback.yaml", hollow)
    repo.edit("decisions/support-assistant/initiative.yaml", lambda d: d.update(metrics=d["metrics"][:1]))
    result = CliRunner().invoke(main, ["diff", "HEAD", str(root), "--as-of", AS_OF], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    page = Page(render(result.output))
    assert not {"a", "b", "i", "script", "em", "img", "z"} & set(page.tags)
    assert "accuracy " + shown(TITLE) in page.cells
    assert "🔻 removed" in page.cells
    assert "target 90 " + shown("<b>%</b> @bob") + " (higher is better), gates ga" in page.cells
    assert "🔻 rollback step removed: " + shown(f"{step['step']} ({step['command']})") in page.cells
    assert "🔻 trigger removed: alert assistant-errors no longer leads to this runbook" in page.cells
    assert "🔻 escalation emptied (was " + shown("@org/sre") + ")" in page.cells
    assert not re.search(r"@[A-Za-z0-9]", page.visible)
