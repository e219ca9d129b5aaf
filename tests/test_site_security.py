"""Record text is untrusted: a site built from hostile records carries no active content."""

from __future__ import annotations

import html.parser
import itertools
import json
import re
from pathlib import Path

import pytest
import yaml

from tests.site_helpers import REPO, make_root, mkdocs_build, scan_site

PAYLOADS = [
    "<script>alert(1337)</script>",
    "<img src=x onerror=alert(1337)>",
    '<iframe src="javascript:alert(1337)"></iframe>',
    "[x](javascript:alert(1337)) [d](data:text/html;base64,PHNjcmlwdD4=)",
    '<a href="javascript:alert(1337)">a</a> {: onclick="alert(1337)" }',
    "</title><svg onload=alert(1337)>",
    "| cell | <style>*{}</style> `code` ::error::x ##[warning]y",
    "&#106;avascript:alert(1337) <javascript:alert(1337)>",
]
MD_PAYLOAD = "\n\n".join(PAYLOADS) + "\n\n# heading\n\n[ref][r]\n\n[r]: javascript:alert(1337)\n\n![i](data:image/svg+xml,<svg onload=alert(1337)>)\n"


def _poison(data, cycle, md_fields=("summary", "context", "rationale", "impact")):
    """Replace every free-text string in a record with hostile text, keeping the record valid."""
    keep = {"id", "stage", "date", "approach", "risk", "status", "checklist", "chosen", "direction",
            "expires", "approver", "evidence", "review_by", "number", "gate_from",
            # runbooks: ids, enums and handles the schema pins down (their text fields are poisoned)
            "runbook", "topics", "severity", "alert", "url", "effect", "approval", "contact", "kind", "outcome", "pinned"}
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            if key in md_fields and isinstance(value, str):
                out[key] = MD_PAYLOAD
            elif key == "unit":  # at most 32 characters
                out[key] = "<b onmouseover=alert(1337)>"
            elif key in keep or key in ("owners", "deciders", "tags", "links", "scores", "supersedes", "criteria", "measurements"):
                out[key] = value
            else:
                out[key] = _poison(value, cycle, md_fields)
        return out
    if isinstance(data, list):
        return [_poison(v, cycle, md_fields) for v in data]
    if isinstance(data, str):
        return next(cycle)
    return data


def _rewrite(path: Path, cycle) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump(_poison(data, cycle), sort_keys=False, allow_unicode=True), encoding="utf-8")


@pytest.fixture(scope="module", params=["one process", "parallel"])
def hostile_site(request, tmp_path_factory) -> Path:
    """Built as a small site is (one process) and as a large one is (a forked renderer), so
    both paths are held to every test below."""
    tmp = tmp_path_factory.mktemp("hostile")
    root = make_root(tmp / "repo")
    cycle = itertools.cycle(PAYLOADS)
    target = root / "decisions" / "support-assistant"
    for path in sorted(target.rglob("*.yaml")):
        _rewrite(path, cycle)
    # The schema admits only http(s) URLs and repository paths as links.
    ini = yaml.safe_load((target / "initiative.yaml").read_text(encoding="utf-8"))
    ini["links"] = {"runbook": "docs/runbook.md#x", "dashboard": "https://example.com/d"}
    (target / "initiative.yaml").write_text(yaml.safe_dump(ini, sort_keys=False), encoding="utf-8")
    out = tmp / "site"
    result = mkdocs_build(root / "mkdocs.yml", out, parallel=request.param == "parallel")
    assert result.returncode == 0, result.stderr
    return out


def test_hostile_runbook_commands_stay_text(hostile_site):
    """Every runbook of the poisoned initiative is published, its commands inside <pre><code>
    as escaped text (the scan below finds no active content anywhere)."""
    runbooks = sorted((hostile_site / "initiatives" / "support-assistant" / "runbooks").glob("*/index.html"))
    assert len(runbooks) == len(list((REPO / "decisions" / "support-assistant" / "runbooks").glob("*.yaml")))
    html = (hostile_site / "initiatives" / "support-assistant" / "runbooks" / "rollback" / "index.html").read_text(encoding="utf-8")
    commands = re.findall(r'<pre class="lb-command"><code>(.*?)</code></pre>', html, flags=re.S)
    assert commands and all("<" not in c for c in commands)
    assert any("&lt;script&gt;alert(1337)&lt;/script&gt;" in c or "&lt;img src=x onerror" in c for c in commands)


def test_hostile_records_are_rendered(hostile_site):
    """The records loaded (otherwise the scan proves nothing): their text is on the page."""
    html = (hostile_site / "initiatives" / "support-assistant" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1337)&lt;/script&gt;" in html
    assert (hostile_site / "initiatives" / "support-assistant" / "decisions").is_dir()


def test_no_active_content_anywhere_in_the_output(hostile_site):
    assert scan_site(hostile_site) == []


def test_search_index_carries_text_not_markup(hostile_site):
    raw = (hostile_site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "<script" not in raw and "<iframe" not in raw and "onerror=" not in raw.replace("onerror=alert", "")
    docs = json.loads(raw)["docs"]
    assert any("alert(1337)" in d["text"] for d in docs)  # indexed, as inert text


def test_titles_and_tags_are_escaped(hostile_site):
    html = (hostile_site / "initiatives" / "support-assistant" / "index.html").read_text(encoding="utf-8")
    head = html.split("</head>", 1)[0]
    title = head.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title
    tags = json.loads((hostile_site / "tags.json").read_text(encoding="utf-8")) if (hostile_site / "tags.json").exists() else {}
    assert "<" not in json.dumps(tags)


def test_links_render_only_with_safe_schemes(hostile_site):
    html = (hostile_site / "initiatives" / "support-assistant" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://example.com/d"' in html
    assert not re.search(r"<a\s[^>]*href=[\"']?\s*javascript", html, re.IGNORECASE)


@pytest.mark.parametrize("parallel", [False, True], ids=["one process", "parallel"])
def test_the_last_layer_cleans_what_a_template_lets_through(tmp_path: Path, parallel: bool) -> None:
    """Templates are trusted, but if one emitted raw HTML, nh3 (in the worker or not) removes it."""
    root = make_root(tmp_path / "repo")
    page = root / "templates" / "site" / "initiative.md.j2"
    page.write_text(page.read_text(encoding="utf-8") + '\n<script>alert("tpl")</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>\n',
                    encoding="utf-8")
    out = tmp_path / "site"
    result = mkdocs_build(root / "mkdocs.yml", out, parallel=parallel)
    assert result.returncode == 0, result.stderr
    html = (out / "initiatives" / "support-assistant" / "index.html").read_text(encoding="utf-8")
    assert 'alert("tpl")' not in html and "onerror" not in html and "javascript:" not in html
    assert "Readiness" in html  # the page itself is there, clean
    assert scan_site(out) == []


# --------------------------------------------------------------------------- table cells and link text
# A table cell's HTML is read a second time by MkDocs's own Markdown: text the record wrote as
# code, or escaped once, must not come back as a live image or link (nor take that pass
# quadratic time on a run of `[`).

CODE_SPANS = "Checked `![ok](https://evil.example/pixel.png)` and `[runbook](https://evil.example/phish)`"
BREAKOUT = "FW1](https://evil.example/fwlink) [FW2"
IMAGE = "![alt text](https://evil.example/bare.png)"  # a record image becomes its alt text
BARE = "flag ![ks](https://evil.example/ks.png) [ks](https://evil.example/ks)"  # plain text fields
BRACKETS = 4990  # `[` per exercise note (maxLength 5,000)


def _edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10**9), encoding="utf-8")


def _poison_cells(root: Path) -> None:
    runbooks = root / "decisions" / "support-assistant" / "runbooks"

    def cost_spike(rb):
        rb["triggers"][0]["note"] = f"{CODE_SPANS} {BREAKOUT} {BARE}"
        rb["escalation"][1]["note"] = f"{CODE_SPANS} {BREAKOUT} {BARE}"
        rb["exercises"] = [{"date": "2026-07-01", "kind": "drill", "outcome": "passed", "note": f"{CODE_SPANS} {BREAKOUT}"},
                           {"date": "2026-07-02", "kind": "drill", "outcome": "passed", "note": f"{IMAGE} {BREAKOUT}"}]
        rb["rollback"] = {"kill_switch": f"{BARE} `{IMAGE}` {BREAKOUT}"}

    def many_brackets(rb):
        rb["exercises"] = [{"date": f"2026-07-{i + 1:02d}", "kind": "drill", "outcome": "passed", "note": "[" * BRACKETS + str(i)}
                           for i in range(10)]

    def checklist(cl):
        cl["items"]["slos"]["note"] = f"{CODE_SPANS} {BREAKOUT} {BARE}"

    def pack(fw):
        fw["title"] = BREAKOUT
        fw["controls"][0]["title"] = f"{CODE_SPANS} {BREAKOUT}"
        fw["controls"][1]["title"] = f"{IMAGE} {BREAKOUT}"

    def policy(p):
        p["frameworks"] = [*p["frameworks"], "internal-ai-standard"]

    _edit(runbooks / "cost-spike.yaml", cost_spike)
    _edit(runbooks / "harmful-output.yaml", many_brackets)
    _edit(root / "decisions" / "support-assistant" / "checklists" / "on-call.yaml", checklist)
    _edit(root / "decisions" / "frameworks" / "internal-ai-standard.yaml", pack)
    _edit(root / "decisions" / "policy.yaml", policy)


@pytest.fixture(scope="module")
def cells_site(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("cells")
    root = make_root(tmp / "repo")
    _poison_cells(root)
    out = tmp / "site"
    result = mkdocs_build(root / "mkdocs.yml", out)  # its 600 s timeout only guards against a hang
    assert result.returncode == 0, result.stderr
    return out


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def _remote_images_and_evil_links(site: Path) -> list[str]:
    findings = []
    for path in sorted(site.rglob("*.html")):
        parser = _Elements()
        parser.feed(path.read_text(encoding="utf-8"))
        for tag, attrs in parser.found:
            src, href = attrs.get("src") or "", attrs.get("href") or ""
            if tag == "img" and ("://" in src or src.startswith("//")):
                findings.append(f"{path.relative_to(site)}: <img src={src!r}>")
            if "evil.example" in src + href:
                findings.append(f"{path.relative_to(site)}: <{tag} {'src' if src else 'href'}={src or href!r}>")
    index = (site / "search" / "search_index.json").read_text(encoding="utf-8")
    findings += [f"search index: {m}" for m in re.findall(r"<(?:img|a)\b[^>]*evil\.example[^>]*>", index)]
    return findings


def test_record_text_in_cells_and_link_text_never_becomes_an_image_or_a_link(cells_site):
    assert _remote_images_and_evil_links(cells_site) == []
    assert scan_site(cells_site) == []


def test_cell_payloads_are_on_the_pages_as_text(cells_site):
    """The poisoned fields were rendered (otherwise the test above proves nothing), as the text
    they hold: code stays code, an image becomes its alt text, brackets stay brackets."""
    runbook = (cells_site / "initiatives" / "support-assistant" / "runbooks" / "cost-spike" / "index.html").read_text(encoding="utf-8")
    assert "<code>![ok](https://evil.example/pixel.png)</code>" in runbook  # exercise note (md field)
    assert "<span>alt text</span> FW1](https://evil.example/fwlink) [FW2" in runbook  # image as alt text, breakout as text
    assert "flag ![ks](https://evil.example/ks.png) [ks](https://evil.example/ks)" in runbook  # trigger, escalation, kill switch
    board = (cells_site / "index.html").read_text(encoding="utf-8")
    assert "FW1](https://evil.example/fwlink) [FW2</a>" in board  # the pack's title is the link text, whole
    framework = (cells_site / "frameworks" / "internal-ai-standard" / "index.html").read_text(encoding="utf-8")
    assert "<code>[runbook](https://evil.example/phish)</code>" in framework  # a control title
    initiative = (cells_site / "initiatives" / "support-assistant" / "index.html").read_text(encoding="utf-8")
    assert "![ok](https://evil.example/pixel.png)" in initiative  # the checklist note


def test_a_run_of_brackets_in_exercise_notes_is_the_cell_text(cells_site):
    """F6: 10 notes of 4,990 `[` each: the build finishes (the fixture's timeout is only a hang
    guard; bench/pathological.py --only cells measures it) and each cell holds exactly the note."""
    runbook = (cells_site / "initiatives" / "support-assistant" / "runbooks" / "harmful-output" / "index.html").read_text(encoding="utf-8")
    cells = re.findall(r"<td>(\[{10,}\d)</td>", runbook)
    assert cells == ["[" * BRACKETS + str(i) for i in reversed(range(10))]  # newest first


def test_md_cell_output_is_inert_to_a_second_markdown_pass():
    """What the site's Markdown makes of a cell is the cell: no character of its text is syntax."""
    import markdown

    from generator.site import markdown_safety as ms

    for text in (CODE_SPANS, BREAKOUT, "[" * BRACKETS + "1", "*a* _b_ `c` \\d ~~e~~ ==f== ^g^ :h: {i} <j> &k; |l|"):
        cell = ms.md_cell(text)
        assert not set("[]()!`*_\\|<>") & set(re.sub(r"<[^>]*>", "", cell)), cell
        table = markdown.markdown(f"| a |\n| --- |\n| {cell} |", extensions=["tables", "toc", "admonition"])
        assert re.search(r"<td>(.*)</td>", table).group(1) == cell
