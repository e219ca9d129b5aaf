"""The search index stays small enough for the browser to build at portfolio scale.

Material 9 builds its lunr index in the reader's browser from search/search_index.json on every
page, at a cost that grows with every document and every word (bench/browser_timings.py
measures it). These tests hold the index to what people look for: one entry per page a record
makes, a checklist row only where it blocks a gate, each word of an entry's fields once. Real
records: the sample, and bench/synth.py's portfolio (the benchmark's generator).
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

from generator.core.model import RunbookStep
from generator.core.pipeline import load_portfolio
from generator.site import search_index
from tests.site_helpers import REPO

sys.path.insert(0, str(REPO / "bench"))
import synth  # noqa: E402

SAMPLE_DAY = "2026-11-29"


def _urls(found) -> dict[str, str]:
    return {e.page: e.page.removesuffix("index.md").removesuffix(".md").rstrip("/") + "/" for e in found}


def _words(doc: dict, fields, separator: str = search_index.SEPARATOR) -> int:
    return sum(len([w for w in re.split(separator, str(doc.get(f, ""))) if w]) for f in fields)


def _site_separator() -> str:
    """mkdocs.yml's search.separator: where lunr splits words on this site."""
    import yaml

    class Loader(yaml.SafeLoader):  # mkdocs.yml's !ENV tags
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    config = yaml.load((REPO / "mkdocs.yml").read_text(encoding="utf-8"), Loader=Loader)
    return next(p["search"] for p in config["plugins"] if isinstance(p, dict) and "search" in p)["separator"]


def test_each_initiative_has_its_pages_and_at_most_a_few_blocking_rows(tmp_path: Path) -> None:
    root = synth.generate(tmp_path / "repo", 40)
    portfolio = load_portfolio(root, synth.AS_OF)
    found = search_index.entries(portfolio)
    per = Counter(e.page.split("/")[1] for e in found if e.page.startswith("initiatives/"))
    for ini in portfolio.initiatives:
        pages = 1 + len(ini.decisions) + len(ini.runbooks)
        rows = sum(1 for e in found if e.page == search_index.initiative_page(ini.id) and e.anchor)
        assert rows <= search_index.ROWS_PER_INITIATIVE
        assert per[ini.id] == pages + rows, ini.id
    separator = _site_separator()
    docs = search_index.documents(found, _urls(found), separator)
    fields = ["title", "text", *search_index.FIELDS]
    # the browser's work grows with every word, and with every field of every document: about
    # 255 words an initiative of 7 pages here, in 8 fields with Material's title, text and tags
    # (59 documents and some 2,000 words an initiative at first; 298 words in 9 fields before
    # each word was kept once per entry)
    own = [d for d in docs if d["location"].startswith("initiatives/")]
    assert sum(_words(d, fields, separator) for d in own) / len(portfolio.initiatives) < 260
    assert len(search_index.FIELDS) + 3 <= 8
    assert all(len(d["text"]) <= search_index.RECORD_CHARS for d in docs if d["location"].startswith("initiatives/"))
    # each word once per entry: in one field of those Material does not show, and, below the
    # title's weight, not one the title or text shows
    split = re.compile(separator)
    for d in docs:
        shown = {w.lower() for w in split.split(d["title"] + " " + d["text"]) if w}
        held = [(f, w.lower()) for f in search_index.FIELDS for w in split.split(d.get(f, "")) if w]
        assert len({w for _, w in held}) == len(held), d
        assert not [w for f, w in held if search_index.FIELDS[f] < search_index.SHOWN_BOOST and w in shown], d


def test_a_checklist_row_has_an_entry_only_while_it_blocks_a_gate() -> None:
    portfolio = load_portfolio(REPO, SAMPLE_DAY)
    found = search_index.entries(portfolio)
    rows = {(e.page, e.anchor) for e in found if e.page.startswith("initiatives/") and e.anchor}
    assert ("initiatives/contract-summariser/index.md", "item-security-review--pen-test") in rows  # blocks ga
    for ini in portfolio.initiatives:
        state = portfolio.states[ini.id]
        blocking = {(v.checklist, v.item) for r in (state.current, state.next) if r for v in r.blocking}
        for page, anchor in rows:
            if page == search_index.initiative_page(ini.id):
                assert any(search_index._item_anchor(c, i) == anchor for c, i in blocking), (ini.id, anchor)
    # every checklist item is still found once, on the catalogue, by its id
    catalogue = {e.anchor: e for e in found if e.page == "checklists.md" and e.anchor}
    for cid, spec in portfolio.policy.checklists.items():
        assert any(set(e.keys["ref"]) >= {cid, *(i.id for i in spec.items)} for e in catalogue.values()), cid


def test_a_word_goes_into_the_highest_field_of_its_entry_only() -> None:
    entry = search_index.Entry("p.md", "", "Runbook · Svc", "First call @org/oncall.", {
        "ref": ["svc-a-daily-cost", "rb-1"], "alert": ["daily-cost"], "ops": ["flagctl set", "kill switch"],
        "see": ["@org/oncall", "@dana", "flagctl", "set-x", "svc"]})
    doc = entry.document("p/")
    assert doc["alert"] == "daily cost"  # the words lunr makes of it (Material's separator splits at -)
    assert doc["ops"] == "flagctl set kill switch"
    assert doc["ref"] == "svc a rb 1"  # daily and cost are in alert already; svc stays: ref outweighs the title
    # below the title's weight, nothing the title or text shows, nor any higher field holds
    assert doc["see"] == "@org/oncall @dana x"  # the text's word is "@org/oncall." with its period
    # split as the site's separator says: with a final "." a separator too, the text's word is @org/oncall
    site = re.compile(r"[\s\-·]+|\.(?!\d)")
    assert entry.document("p/", site)["see"] == "@dana x"
    assert entry.document("p/", site)["title"] == "Runbook · Svc"  # what Material shows is never rewritten
    # a separator that does not split at spaces: whole words, as before
    assert entry.document("p/", re.compile(r"-"))["alert"] == "daily-cost"


def test_the_sites_separator_splits_the_title_and_the_punctuation_that_clings_to_words() -> None:
    """mkdocs.yml's search.separator: the title's "·" is no word of its own, a word reads the same
    with a colon or a period after it, and a decimal version and a team stay one word."""
    split = re.compile(_site_separator())
    words = [w for w in split.split("Runbook · Kill switch: flag support-assistant.enabled. First call @org/oncall (sev1), v1.2") if w]
    assert words == ["Runbook", "Kill", "switch", "flag", "support", "assistant", "enabled", "First", "call", "@org/oncall",
                     "sev1", "v1.2"]  # a team stays one word: @org/risk-ml is found by @org/risk, not by "risk"


def test_a_command_is_found_by_its_program_and_subcommand() -> None:
    def commands(text: str) -> list[str]:
        return search_index._commands([RunbookStep(step="x", command=text)])

    assert commands("kubectl -n support-assistant rollout history deployment/assistant-api") == ["kubectl rollout"]
    assert commands("kubectl -n s exec deploy/api -- cachectl purge --namespace drafts --all") == ["kubectl exec", "cachectl purge"]
    assert commands("flagctl set s.model m1 && flagctl set s.prompt v14") == ["flagctl set", "flagctl set"]
    assert commands('psql "$ANALYTICS_RO_URL" -c "SELECT 1"') == ["psql"]
    assert commands("") == []


def test_every_section_an_entry_points_to_is_on_its_page(sample_site: Path) -> None:
    """A result opens its page at the entry's anchor: a blocking row, a checklist of the
    catalogue, a control, a schema of the field reference."""
    import json

    docs = json.loads((sample_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    anchored = [d["location"] for d in docs if "#" in d["location"]]
    assert any(a.startswith("checklists/#") for a in anchored) and any("#item-" in a for a in anchored)
    for location in anchored:
        page, anchor = location.split("#", 1)
        html = (sample_site / page / "index.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in html, location
