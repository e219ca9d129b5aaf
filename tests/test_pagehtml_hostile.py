"""Hostile records against the cmark-gfm path (site/pagehtml.py).

Generated pages no longer go through Python-Markdown: cmark-gfm reads the templates' output,
nh3 cleans it, and pagehtml adds heading ids and resolves links by regex over nh3's output.
The escaping filters (markdown_safety) were written for Python-Markdown; CommonMark reads
some things differently: a blank line ends a raw HTML block (and `\\r` is a line ending), a
line of a raw block can be matched by the admonition pre-pass, and every bare heading in
nh3's output is given an id and a table-of-contents entry.

Each vector is tried twice: through `to_html` on what the filters make of the record (fast,
the exact converter the plugin uses) and, for the ones that matter, in a real `mkdocs build`
of the sample repository with hostile records, asserting on the HTML written.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from generator.site import markdown_safety as ms
from generator.site import pagehtml
from tests.site_helpers import REPO, make_root, mkdocs_build, scan_site

EVIL = "evil.example"  # every remote URL a hostile record tries to load


# --------------------------------------------------------------------------- helpers


class _Elements(HTMLParser):
    """Start tags with their attributes, in order, and the text of the page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def _parse(html_text: str) -> _Elements:
    p = _Elements()
    p.feed(html_text)
    p.close()
    return p


def _remote_loads(html_text: str) -> list[str]:
    """Elements that would make the browser fetch something from the attacker's host."""
    return [f"<{tag} {attrs}>" for tag, attrs in _parse(html_text).tags
            if tag in ("img", "iframe", "script", "link", "source", "video", "audio", "object", "embed")
            and any(EVIL in v for v in attrs.values())]


def _anchors(html_text: str) -> list[str]:
    return [a["id"] for _, a in _parse(html_text).tags if "id" in a]


def _page(*blocks: str) -> str:
    """A generated page as the templates write one: a title, blocks separated by blank lines."""
    return "# Title\n\n" + "\n\n".join(blocks) + "\n\n## After\n\nTemplate text after the record.\n"


def _steps_block(step: str, command: str) -> str:
    """templates/site/_macros.j2 `steps`, for one step, with the real filters."""
    return (
        '<ol class="lb-steps">\n'
        f'<li class="lb-step lb-step--write"><div class="lb-step__head"></div>{ms.md_block(step)}'
        f'<pre class="lb-command"><code>{ms.code_block_text(command)}</code></pre></li>\n'
        "</ol>"
    )


def _convert(markdown_text: str) -> pagehtml.PageHTML:
    return pagehtml.to_html(markdown_text, toc=pagehtml.TocOptions(permalink=True))


# --------------------------------------------------------------------------- (md) fields: admonition pre-pass

# A line of a paragraph that is `!!! type` alone: Python-Markdown keeps it as a line of the
# <p>, and the admonition regex (run over the whole page before cmark) turned it into a
# <div> followed by blank lines, ending the raw HTML block: the rest of the record's HTML
# was read as Markdown, and text the record had escaped or written as code became an image.
ADMONITION_SUMMARY = (
    "Drafts answers to tier-1 tickets.\n"
    "!!! danger\n"
    "Escaped \\!\\[px\\]\\(https://evil.example/summary-escaped.png\\) and code "
    "`![code](https://evil.example/summary-code.png)` admonition-marker\n"
    "\n"
    "#### Metrics\n"
    "\n"
    "A record heading named like the template's own section.\n"
)


@pytest.mark.parametrize("line", ["!!! danger", "!!! note", "!!!note", '!!! danger "Pwned"', "!!! a b c"])
def test_an_admonition_line_in_a_md_field_stays_text(line):
    block = ms.md_block(f"Intro.\n{line}\n    \\!\\[x\\]\\(https://evil.example/i.png\\)\nEnd `![y](https://evil.example/j.png)`")
    out = _convert(_page(block)).html
    assert _remote_loads(out) == []
    assert "admonition" not in out
    assert "!!!" in out  # shown as written
    # the record's HTML stays one block: the template's heading after it is still a heading
    assert '<h2 id="after">' in out


def test_an_admonition_line_in_a_runbook_step_stays_text():
    out = _convert(_page(_steps_block("Look first.\n!!! warning\n\\!\\[s\\]\\(https://evil.example/step.png\\)", "true"))).html
    assert _remote_loads(out) == []
    assert "admonition" not in out
    assert re.search(r'<pre class="lb-command"><code>true</code></pre></li>', out)


def test_template_admonitions_still_convert():
    """The fix must not cost the templates their own admonitions (problems box, notes)."""
    out = _convert(_page('!!! note "Superseded"\n\n    This decision is superseded.')).html
    assert '<div class="admonition note">' in out and "admonition-title" in out


# --------------------------------------------------------------------------- line endings

# CommonMark ends a line at \n, \r\n or \r. A command keeps its lines (newlines written as
# &#10;), but a bare \r went through code_block_text as a line ending: two of them made a
# blank line inside the <ol class="lb-steps"> raw block, and the rest of the command was
# read as Markdown.
CR_COMMAND = "echo ok\r\r![cr](https://evil.example/cr.png) <b>bold</b>"


@pytest.mark.parametrize("command", [CR_COMMAND, "a\r\n\r\n![crlf](https://evil.example/crlf.png)", "a\n\r\n![mix](https://evil.example/mix.png)",
                                     "a\n\n\n![lf](https://evil.example/lf.png)", "a\n \t \n![ws](https://evil.example/ws.png)"])
def test_a_command_with_line_breaks_stays_in_its_code_block(command):
    out = _convert(_page(_steps_block("Run it.", command))).html
    assert _remote_loads(out) == []
    code = re.search(r'<pre class="lb-command"><code>(.*?)</code></pre>', out, re.DOTALL)
    assert code is not None and "![" in code.group(1)  # the whole command, as text
    assert "\r" not in out


@pytest.mark.parametrize("text", ["a\r\r\\!\\[x\\]\\(https://evil.example/r.png\\)", "a\n \n\\!\\[y\\]\\(https://evil.example/y.png\\)",
                                  "a\n\t\n\\!\\[t\\]\\(https://evil.example/t.png\\)", "a\r\n\r\n\\!\\[n\\]\\(https://evil.example/n.png\\)",
                                  "    code\n\n    \n    ![p](https://evil.example/pre.png)\n\n    more",
                                  # nh3 writes references as characters: \r, and a line of spaces
                                  "a&#13;&#13;\\!\\[e\\]\\(https://evil.example/cr-ref.png\\)", "a &#13;&#10; &#10;b \\!\\[f\\]\\(https://evil.example/f.png\\)",
                                  "a\n &#10;\nb \\!\\[g\\]\\(https://evil.example/lf-ref.png\\)", "a\n\t&#10;\t\nb `![h](https://evil.example/h.png)`",
                                  "    code&#13;&#13;![z](https://evil.example/pre-cr.png)",
                                  "- a\n\n    \n    \\!\\[l\\]\\(https://evil.example/l.png\\)\n\n| x | y |\n|---|---|\n|  | \\!\\[c\\]\\(https://evil.example/c.png\\) |"])
def test_a_md_field_has_no_blank_line_to_end_its_block(text):
    block = ms.md_block(text)
    assert not re.search(r"(?:\r\n|\r|\n)[ \t]*(?:\r\n|\r|\n)", block)
    out = _convert(_page(block)).html
    assert _remote_loads(out) == []
    assert '<h2 id="after">' in out


# --------------------------------------------------------------------------- inline filters under CommonMark

INLINE_PAYLOADS = [
    "<script>alert(1337)</script>",
    "<img src=https://evil.example/a.png>",
    "![i](https://evil.example/b.png)",
    "[r]: https://evil.example/c.png",  # a link reference definition, were it at a line start
    "<https://evil.example/d.png> https://evil.example/e www.evil.example",
    "&#60;img src=https://evil.example/f.png&#62; &lt;b&gt;",
    "\\![j](https://evil.example/g.png) \\\\![k](https://evil.example/h.png)",
    "`![l](https://evil.example/i.png)` ``![m](https://evil.example/j.png)``",
    "=== --- *** ___ # 1. 1) - + > | a | b |",
    "!!! danger \"x\"",
    "<!-- <div> <?php ?> <![CDATA[ x ]]> <!DOCTYPE x>",
]


@pytest.mark.parametrize("payload", INLINE_PAYLOADS)
@pytest.mark.parametrize("where", ["heading", "paragraph", "code in a paragraph", "cell", "list", "link text", "html", "admonition title"])
def test_inline_record_text_is_inert(payload, where):
    md, h = ms.md_inline(payload), ms.html_text(payload)
    source = {
        "heading": f"## {md}",
        "paragraph": f"Chosen: **{md}**.\n{md}",
        "code in a paragraph": f"**Kill switch:** <code>{h}</code>\n<code>{h}</code>",
        "cell": f"| A | B |\n| --- | --- |\n| {md} | <code>{h}</code> {ms.md_cell(payload)} |",
        "list": f"- {md}\n- <span class=\"lb-ok\">+</span> {md}",
        "link text": f"Part of [{md}](../x/index.md).",
        "html": f'<div class="lb-facts">\n<span class="lb-fact" title="{h}">{h}</span>\n</div>',
        "admonition title": f'!!! info "Judged as of {md}, a fixed date"\n    As of {md}.',
    }[where]
    out = _convert(_page(source)).html
    assert _remote_loads(out) == []
    parsed = _parse(out)
    assert not [t for t, a in parsed.tags if t in ("script", "img", "iframe", "style")]
    assert not [t for t, a in parsed.tags if any(k.startswith("on") for k in a)]
    headings = [t for t, a in parsed.tags if re.fullmatch(r"h[1-6]", t)]
    assert headings == (["h1", "h2", "h2"] if where == "heading" else ["h1", "h2"])
    assert '<h2 id="after">' in out  # the template's structure after the text is intact


# --------------------------------------------------------------------------- headings

def test_a_record_heading_does_not_take_a_template_headings_anchor():
    """A record's `#### Metrics` came before the template's `## Metrics`: pagehtml gave the
    record's heading `id="metrics"` and the section `metrics_1`, so every link to the section
    (and the table of contents) led into the record. Python-Markdown never gave a record's
    headings ids: they were raw HTML to it."""
    out = _convert(_page(ms.md_block("#### Metrics\n\nrecord text\n\n##### After"), "## Metrics\n\ntemplate text"))
    assert '<h2 id="metrics">' in out.html
    assert '<h2 id="after">' in out.html
    names = [t["name"] for t in _flatten(out.toc)]
    assert names == ["Title", "Metrics", "After"]  # the template's headings only


@pytest.mark.parametrize("text", ['Plain text id="metrics".', 'a <b id="metrics">', '`id="metrics"`'])
def test_record_text_that_reads_like_an_id_takes_no_anchor(text):
    """pagehtml collected the page's ids with `\\sid="…"` over nh3's output, where a `"` of
    text is a literal `"`: a record's plain `id="metrics"` counted as taken, and the template's
    `## Metrics` became `metrics_1`."""
    h = ms.html_text(text)
    out = _convert(_page(ms.md_block(text), f"Also {ms.md_inline(text)} <span title=\"{h}\">{h}</span>", "## Metrics"))
    assert '<h2 id="metrics">' in out.html
    assert "metrics_1" not in out.html
    assert out.anchors == {"title", "metrics", "after"}


def _flatten(toc):
    for t in toc:
        yield t
        yield from _flatten(t.get("children", []))


_HEADINGS_SCRIPT = textwrap.dedent("""
    import time
    from generator.site import markdown_safety as ms, pagehtml
    # a runbook page's steps: four sections of 50 steps of 2,000 characters (the schema's limits),
    # here 50 fields of headings that all slugify alike
    blocks = [ms.md_block("#### a\\n" * 285) for _ in range({n})]
    t = time.perf_counter()
    pagehtml.to_html("# T\\n\\n" + "\\n\\n".join(blocks) + "\\n", toc=pagehtml.TocOptions(permalink=True))
    print(time.perf_counter() - t)
""")


def test_many_record_headings_convert_in_linear_time():
    """toc's `unique` tries `a`, `a_1`, `a_2`… for each heading: N headings that slugify alike
    cost N²/2 set lookups. Record (md) fields reached it only through pagehtml (14,250 headings
    took about 30 s on one page)."""
    result = subprocess.run([sys.executable, "-c", _HEADINGS_SCRIPT.format(n=50)], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 5.0


def _python_markdown_ids(source: str) -> list[str]:
    import markdown
    return _anchors(markdown.markdown(source, extensions=["toc"]))


def test_template_headings_that_repeat_get_python_markdowns_ids_in_linear_time():
    """Template headings with record titles (a framework's 2,000 controls, the options) keep
    toc's numbering, a, a_1, a_2…, a heading already named `a_1` moving on, as Python-Markdown
    numbered them; 6,000 alike stay fast."""
    source = "# T\n\n" + "\n\n".join(["## a", "## a", "## a_1", "## a", "## a_2", "## a_1_1", "## a-1", "## a"]) + "\n"
    assert _anchors(_convert(source).html) == _python_markdown_ids(source)
    many = "# T\n\n" + "".join(f"## {'x' if i % 2 else 'x_1'}\n\n" for i in range(6000))
    script = f"import time; from generator.site import pagehtml; t = time.perf_counter(); pagehtml.to_html({many!r}); print(time.perf_counter() - t)"
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) < 5.0


# --------------------------------------------------------------------------- the page's title


def test_the_title_from_an_h1_keeps_its_entities():
    """MkDocs's own title from the first h1 keeps HTML entities (get_heading_text: "HTML
    entities are unaffected"), and themes print page.title unescaped. pagehtml's title was
    html.unescape'd: a page without a front-matter title whose h1 holds record text would put
    the record's `<script>` into the nav and <title> as markup."""
    title = _convert(f"# {ms.md_inline('<script>alert(1337)</script> & co')}\n\ntext\n").title
    assert title is not None
    assert "<script" not in title
    assert title == "&lt;script&gt;alert(1337)&lt;/script&gt; &amp; co"


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize("href", ["javascript%3Aalert(1337)", "java&#115;cript:alert(1337)", "data:text/html,x", "//evil.example/x",
                                  " javascript:alert(1337)", "jav\tascript:alert(1337)", "x.md\"onmouseover=\"alert(1337)"])
def test_a_record_link_cannot_be_steered_into_a_script(href):
    block = ms.md_block(f"[a]({href}) [b]: {href}\n\n[c][b]")
    out = pagehtml.to_html(_page(block), resolve=lambda url: url).html
    for tag, attrs in _parse(out).tags:
        assert not any(k.startswith("on") for k in attrs)
        assert not re.match(r"\s*(javascript|data|vbscript):", attrs.get("href", ""), re.I)
        assert EVIL not in attrs.get("href", "")


@pytest.mark.parametrize("url", ['https://evil.example/a>b" href="../steer.md', "https://evil.example/a b src=\"x.png\">",
                                 "https://evil.example/?q=<img src=x>&r=' href='y"])
def test_the_link_pass_rewrites_only_real_href_and_src(url):
    """pagehtml finds links by regex over nh3's output; an attribute value the record chose
    (an evidence link's title repeats its URL) cannot make it rewrite anything else."""
    page = _page(f'<div class="lb-facts">\n{ms.evidence_link(url)} {ms.html_link(url, "label")}\n</div>')
    seen: list[str] = []
    out = pagehtml.to_html(page, resolve=lambda u: seen.append(u) or "REWRITTEN/" + u).html
    links = [a for t, a in _parse(out).tags if t == "a" and "headerlink" not in a.get("class", "")]
    assert len(links) == 2
    assert all(a["href"].startswith("REWRITTEN/https://evil.example/") for a in links)
    assert all(not a.get("title", "").startswith("REWRITTEN") for a in links)
    assert len(seen) == 2 and all(u.startswith("https://evil.example/") for u in seen)


# --------------------------------------------------------------------------- a real site


def _set(path: Path, edit) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def hostile_repository(dest: Path) -> Path:
    """The sample repository with the vectors above in real records (also used to compare
    with the Python-Markdown path by hand: see the docstring at the top)."""
    root = make_root(dest)
    sa = root / "decisions" / "support-assistant"

    def initiative(d):
        d["summary"] = ADMONITION_SUMMARY
        d["history"][1]["note"] = "!!! danger\n\n    ![n](https://evil.example/note.png)\r\r<script>alert(1337)</script>"
    _set(sa / "initiative.yaml", initiative)

    def decision(d):
        d["context"] = "Why.\n\n#### Options\n\nRecord text.\n!!! note\n\\!\\[ctx\\]\\(https://evil.example/context.png\\)\n"
        d["outcome"]["rationale"] = "Because.&#13;&#13;\\!\\[why\\]\\(https://evil.example/rationale.png\\)"
        d["options"][0]["summary"] = "Option.\n &#10;\nthen \\!\\[o\\]\\(https://evil.example/option.png\\)"
    _set(sa / "adr" / "0001-rag-over-fine-tuning.yaml", decision)

    def runbook(d):
        d["diagnosis"][0]["step"] = "Look first.\n!!! warning\n\\!\\[s\\]\\(https://evil.example/step.png\\) `![sc](https://evil.example/step-code.png)`"
        d["diagnosis"][1]["command"] = CR_COMMAND
        d["exercises"][0]["note"] = "Drill.\n!!! danger\n\\!\\[e\\]\\(https://evil.example/exercise.png\\)"
    _set(sa / "runbooks" / "rollback.yaml", runbook)
    return root


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("pagehtml-hostile")
    root = hostile_repository(tmp / "repo")
    out = tmp / "site"
    result = mkdocs_build(root / "mkdocs.yml", out)
    assert result.returncode == 0, result.stderr
    return out


def _read(site: Path, rel: str) -> str:
    return (site / rel).read_text(encoding="utf-8")


INITIATIVE = "initiatives/support-assistant/index.html"
DECISION = "initiatives/support-assistant/decisions/0001-rag-over-fine-tuning/index.html"


def _runbook_page(site: Path) -> str:
    found = [p for p in site.rglob("index.html") if "rollback" in p.parent.name and "support-assistant" in p.as_posix()]
    assert found, "the runbook page is published"
    return found[0].read_text(encoding="utf-8")


def test_hostile_site_loads_nothing_remote(hostile_site):
    bad = []
    for path in sorted(hostile_site.rglob("*.html")):
        bad += [f"{path.relative_to(hostile_site)}: {x}" for x in _remote_loads(path.read_text(encoding="utf-8"))]
    assert bad == []
    assert scan_site(hostile_site) == []


def test_hostile_summary_stays_inside_its_block(hostile_site):
    page = _read(hostile_site, INITIATIVE)
    assert "admonition-marker" in page
    summary = page.split('<div class="lb-md">', 1)[1].split("</div>", 1)[0]
    assert "admonition" not in summary.replace("admonition-marker", "")
    assert "![code](https://evil.example/summary-code.png)" in summary  # the code, as text


def test_hostile_headings_leave_the_sections_anchors(hostile_site):
    assert '<h2 id="metrics">' in _read(hostile_site, INITIATIVE)
    assert '<h2 id="options">' in _read(hostile_site, DECISION)


def test_hostile_runbook_keeps_its_steps_and_commands(hostile_site):
    page = _runbook_page(hostile_site)
    assert "![cr](https://evil.example/cr.png)" in page  # the command, whole, as text
    assert re.search(r'<pre class="lb-command"><code>echo ok[^<]*!\[cr\]\(https://evil\.example/cr\.png\) &lt;b&gt;bold&lt;/b&gt;</code></pre>', page)
    assert "admonition" not in page.split('id="diagnosis"', 1)[1].split('id="mitigation"', 1)[0]
