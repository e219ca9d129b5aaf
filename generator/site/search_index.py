"""The site's search index, written from the records rather than scraped from the pages.

mkdocs-material's search reads `search/search_index.json`: `{"config": {..., "fields": {name:
{"boost": b}}}, "docs": [{"location", "title", "text", ...}]}`. Its worker indexes every field
named in `config.fields` with lunr (a document's score sums, per query term and field,
tf-idf × the field's boost), then multiplies a page's own entry (a location without `#`) by up
to 5 against 2 for a section, and groups the hits by page. It shows only `title` and `text`,
and inserts both as HTML.

Material 9 has no prebuilt index: every page the reader opens fetches this file and builds the
lunr index in the browser, at a cost that grows with every word of every document (about 8 µs
a word and 70 µs a document on this project's machine; at 1,000 initiatives one entry per
checklist row and runbook section meant 58,729 documents and a first result after 20-40 s).
So the index holds what people look for, once:

- one entry per page a record makes (an initiative, a decision, a runbook), its kind and
  initiative in the title ("Runbook · Customer support assistant · Token spend far above
  forecast"), and few sections: an initiative's checklist rows only where they block its gate
  (at most ROWS_PER_INITIATIVE; the ids of the rest go on its page's entry), each checklist
  item once on the catalogue, each framework control once;
- `text` is a snippet of whole sentences, RECORD_CHARS at most, never a table's cells;
- what people type (alert names, commands, the kill switch, ids, owners) goes into extra
  fields that Material indexes but never shows, weighted by FIELDS so that an alert's name
  finds its runbook, "kill switch" or a command finds runbooks, an initiative's name the
  initiative and an item id its blocking rows; a command is indexed by its program and
  subcommand (`cachectl purge`), not its arguments;
- each word once per entry: a field holds only the words (as lunr splits them) that no
  higher field of the entry holds, and a field weighed below the title (SHOWN_BOOST) none
  that the title or text already shows;
- every value is record text made plain and HTML-escaped: nothing here is markup.

Timed in Chromium's worker on this 2-core machine under load (Material's worker and lunr fed
synthetic and real indexes of 7,000 documents), building costs about 60 µs a document, 8 µs
more a document for each field of `config.fields` (Material's title, text and tags are three),
and 6 µs a word. At 1,000 benchmark initiatives (7,156 documents) the documents and fields
alone cost 0.8 s, so every field and every word twice counts.

The MkDocs plugin adds these entries to Material's index and tells Material not to parse the
pages they describe, which was one of the largest costs of a build.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from generator.core.model import (KIND_CHECKLIST, Decision, Initiative, InitiativeState, Policy, Portfolio, Requirement, Runbook,
                                  RunbookStep)
from generator.site import markdown_safety as ms
from generator.site.runbooks import is_live, runbook_url

# Material's defaults (title 1e3, text 1, tags 1e6) stay; these are added where the site's
# configuration does not set them. A field's boost multiplies every term found in it.
FIELDS: dict[str, float] = {
    # An alert's name, less the initiative's id it usually starts with: those words find every
    # page of the initiative already; the rest of the name is what picks out the runbook.
    "alert": 1e7,
    "name": 5e5,  # an initiative's title and id, on its own page only
    "ops": 2e4,  # kill switch, commands, topics: runbooks before anything that cites them
    # the entry's own ids (checklist item, control, runbook, decision, full alert names) and an
    # initiative's owners: its team finds it
    "ref": 1e4,
    # approvers, contacts, deciders, a checklist's owners, and what an entry only mentions (a
    # control's items, a schema's field names, a decision's options): one field, as every
    # field costs the browser work for every document
    "see": 1e2,
}
SHOWN_BOOST = 1e3  # Material's title boost: a field weighed less adds nothing the title or text shows
SNIPPET_CHARS = 240  # about three lines of Material's result list on a phone
RECORD_CHARS = 160  # a record entry's text: two lines; every word of it is indexed in the browser
ROWS_PER_INITIATIVE = 3  # blocking checklist rows with an entry of their own, per initiative
SEPARATOR = r"[\s\-]+"  # Material's default `search.separator`: where lunr splits words
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"\*\*|__|`|^#+ ")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")
_SPLIT = re.compile(SEPARATOR)
_COMMAND_BREAK = re.compile(r"&&|\|\||[;|\n]|\s--\s")  # `kubectl exec x -- cachectl purge`: two programs
_COMMAND_WORD = re.compile(r"[A-Za-z][\w.:/@+-]*\Z")  # a program's name, not a quoted or $ word
_SUBCOMMAND = re.compile(r"[a-z][a-z0-9]*\Z")  # `purge`, `set`, `rollout`: not an option, id or path


@dataclass
class Entry:
    """One search document: a page (anchor "") or a section of it."""

    page: str  # the generated page's path, e.g. initiatives/x/index.md
    anchor: str  # the section's HTML id, "" for the page itself
    title: str
    text: str
    keys: dict[str, list[str]] = field(default_factory=dict)  # FIELDS name -> values

    def document(self, url: str, separator: re.Pattern[str] | None = None) -> dict[str, Any]:
        """The JSON document for Material, at the page's URL; every string escaped. A field
        holds the words lunr will make of its values (split where `separator` splits), each
        only if no higher field of this entry holds it, nor, below SHOWN_BOOST, the title or
        text: a word twice adds to the browser's work, hardly to the score."""
        doc: dict[str, Any] = {
            "location": url + (f"#{self.anchor}" if self.anchor else ""),
            "title": _escape(self.title),
            "text": _escape(self.text),
        }
        split = separator or _SPLIT
        if split.split("a b") != ["a", "b"]:  # a separator without spaces: keep whole words
            split = re.compile(r"\s+")
        shown = {t.lower() for t in split.split(f"{ms.plain(self.title)} {ms.plain(self.text)}") if t}
        seen: set[str] = set()
        for name in sorted(self.keys, key=lambda n: -FIELDS.get(n, 0.0)):  # sorted() is stable
            hidden = shown if FIELDS.get(name, 0.0) < SHOWN_BOOST else set()
            words = []
            for value in self.keys[name]:
                for token in split.split(ms.plain(value)) if value else ():
                    key = token.lower()
                    if token and key not in seen and key not in hidden:
                        words.append(_escape(token))
                        seen.add(key)
            if words:
                doc[name] = " ".join(words)
        return doc


def clip_html(text: str, limit: int = SNIPPET_CHARS) -> str:
    """An entry Material made of a page, as a snippet: its tags dropped (its text is already
    escaped, so every `<` is a tag of Material's), a few sentences kept."""
    return snippet(re.sub(r"<[^>]*>", " ", text), limit=limit)


def _escape(text: str) -> str:
    return html.escape(ms.plain(text), quote=False)


def prose(text: object) -> str:
    """Record Markdown as one plain line: link targets, emphasis and heading marks dropped."""
    s = ms.plain(text)
    if "](" in s:
        s = _MD_LINK.sub(r"\1", s)
    if "**" in s or "__" in s or "`" in s or s.startswith("#"):
        s = _MD_MARKS.sub("", s)
    return s.strip()


def snippet(*parts: object, limit: int = SNIPPET_CHARS) -> str:
    """Whole sentences from the parts, in order, up to `limit` characters; a first sentence
    longer than that is cut at a word and ends with an ellipsis."""
    out = ""
    for part in parts:
        for sentence in _SENTENCE_END.split(prose(part)):
            sentence = sentence.strip()
            if not sentence:
                continue
            joined = f"{out} {sentence}" if out else sentence
            if len(joined) <= limit:
                out = joined
                continue
            if not out:
                cut = sentence[: limit - 1].rsplit(" ", 1)[0]
                return cut.rstrip(" ,;:") + "…"
            return out
    return out


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?…" else text + "."


# --------------------------------------------------------------------------- pages


def initiative_page(initiative_id: str) -> str:
    return f"initiatives/{ms.path_segment(initiative_id)}/index.md"


def _item_anchor(checklist: str, item: str) -> str:
    from generator.site.render import item_anchor  # the id its row has on the initiative page

    return item_anchor(checklist, item)


# --------------------------------------------------------------------------- records


def _blocking_rows(state: InitiativeState | None, policy: Policy) -> dict[tuple[str, str], tuple[str, Requirement]]:
    """(checklist, item) -> (the stage it blocks, its verdict), for the checklist items that
    keep this initiative from its current or next stage, in policy order (runbook topics and
    metric gates have no row of their own)."""
    found: dict[tuple[str, str], tuple[str, Requirement]] = {}
    for readiness in (state.current, state.next) if state is not None else ():
        for v in readiness.blocking if readiness else ():
            if v.kind == KIND_CHECKLIST and v.checklist in policy.checklists:
                found.setdefault((v.checklist, v.item), (readiness.stage, v))
    return found


def initiative_entries(ini: Initiative, state: InitiativeState | None, policy: Policy | None) -> Iterator[Entry]:
    """The initiative's page, and its first blocking checklist rows (the rows the board links
    to; a complete row is found through the catalogue's entry for its item instead)."""
    page = initiative_page(ini.id)
    readiness = ""
    if state is not None:
        r = state.current
        readiness = f"At {ini.stage}: {r.complete} of {r.required} required items complete."
        if state.next is not None:
            readiness += f" Towards {state.next.stage}: {state.next.complete} of {state.next.required}."
    rows = list(_blocking_rows(state, policy).items()) if policy is not None else []
    beyond = [item for (_, item), _ in rows[ROWS_PER_INITIATIVE:]]
    yield Entry(page, "", f"Initiative · {ini.title}",
                snippet(ini.summary, f"Stage {ini.stage}, {ini.approach}, {ini.risk} risk.", readiness, limit=RECORD_CHARS),
                {"name": [ini.title, ini.id], "ref": [*ini.owners, *beyond]})  # its team is its own: above a page that says "ML"
    for (cid, item_id), (stage, verdict) in rows[:ROWS_PER_INITIATIVE]:
        spec = policy.checklists[cid]  # type: ignore[union-attr]  # rows is empty without a policy
        record = ini.checklists.get(cid)
        rec = record.items.get(item_id) if record else None
        said = f"{(rec.status if rec else 'todo').capitalize()}; blocks {stage}."
        why = (rec.waiver.reason if rec and rec.waiver else (rec.reason or rec.note)) if rec else ""
        yield Entry(page, _item_anchor(cid, item_id), f"Checklist · {ini.title} · {spec.title}: {verdict.title}",
                    snippet(said, verdict.reason, why, limit=RECORD_CHARS),
                    {"ref": [item_id, f"{cid}/{item_id}"], "see": [rec.approver] if rec and rec.approver else []})


def checklist_entries(policy: Policy | None) -> Iterator[Entry]:
    """Each policy checklist once, on the catalogue, with its items' ids: what an item id finds
    when no initiative is blocked on it (a blocking row, whose title holds the item's title
    too, comes first; a framework control that only mentions the item, after)."""
    from markdown.extensions.toc import slugify

    for cid, spec in (policy.checklists.items() if policy else ()):
        yield Entry("checklists.md", slugify(ms.plain(spec.title), "-"), f"Checklist · {spec.title}",
                    snippet(spec.description, "Items: " + ", ".join(prose(i.title) for i in spec.items) + ".", limit=RECORD_CHARS),
                    {"ref": [cid, *(i.id for i in spec.items)], "see": list(spec.owners)})


def decision_entries(ini: Initiative, d: Decision, page: str) -> Iterator[Entry]:
    chosen = next((o for o in d.options if o.id == d.outcome.chosen), None)
    outcome = f"Chose {d.outcome.chosen}" + (f" ({chosen.approach})" if chosen and chosen.approach != d.outcome.chosen else "") + "."
    yield Entry(page, "", f"Decision · {ini.title} · ADR {d.number}: {d.title}",
                snippet(f"{d.status.capitalize()} on {d.date}. {outcome}", d.outcome.rationale, d.context, limit=RECORD_CHARS),
                {"ref": [d.key], "see": [*d.deciders, *(o.id for o in d.options)]})  # "ADR n" is in the title


def _commands(steps: list[RunbookStep]) -> list[str]:
    """Each command's program and subcommand (`flagctl set`, `cachectl purge`): what a reader
    types to find the runbook; the arguments are mostly the initiative's own names again."""
    found = []
    for s in steps:
        for part in _COMMAND_BREAK.split(ms.plain(s.command)):
            words = part.split()
            if not words or not _COMMAND_WORD.match(words[0]):
                continue
            # the first plain word among the next few, past an option's value (`-n prod`)
            rest = [w for i, w in enumerate(words[1:5], 1) if not re.fullmatch(r"-[A-Za-z]", words[i - 1])]
            sub = next((w for w in rest if _SUBCOMMAND.match(w)), "")
            found.append(f"{words[0]} {sub}" if sub else words[0])
    return found


def alert_words(initiative_id: str, alert: str) -> str:
    """The part of an alert's name after the initiative's id (the whole name otherwise)."""
    rest = alert[len(initiative_id):].lstrip("-_.:") if alert.lower().startswith(initiative_id.lower()) else ""
    return rest or alert


def runbook_entries(ini: Initiative, rb: Runbook, page: str) -> Iterator[Entry]:
    """One entry per runbook: what to do first in its text, what finds it in its fields."""
    names = [t.alert for t in rb.triggers]
    rollback = rb.rollback
    steps = [*rb.diagnosis, *rb.mitigation, *(rollback.steps if rollback else []), *rb.verify]
    ops = [*rb.topics, *_commands(steps)]
    if rollback and rollback.kill_switch:
        ops.append("kill switch")  # the switch itself is in the text, which is indexed too
    if rollback:  # the pinned versions are on the page and On call; nobody searches for `v14`
        ops.append("rollback")
    contacts = [e.contact for e in sorted(rb.escalation, key=lambda e: e.after_minutes)]
    first = f"First call {contacts[0]}." if contacts else ""
    kill = f"Kill switch: {rollback.kill_switch}." if rollback and rollback.kill_switch else ""
    act = next((part[0].step for part in ((rollback.steps if rollback else []), rb.mitigation, rb.diagnosis) if part), "")
    yield Entry(page, "", f"Runbook · {ini.title} · {rb.title}",
                snippet(f"{rb.severity}.", first, kill, _sentence(prose(act)), rb.impact, limit=RECORD_CHARS),
                {"alert": [alert_words(ini.id, name) for name in names], "ops": ops, "ref": [rb.id, rb.stem, *names], "see": contacts})


def control_entries(portfolio: Portfolio) -> Iterator[Entry]:
    """A framework's page and each control: what maps to it, from the policy alone (the
    portfolio without its initiatives, so this costs nothing per initiative)."""
    from generator.site.render import control_anchor, framework_coverages, framework_page

    for coverage in framework_coverages(dataclasses.replace(portfolio, initiatives=[], states={})):
        fw = coverage.framework
        page = framework_page(fw.id)
        yield Entry(page, "", f"Framework · {fw.title}",
                    snippet(f"{coverage.covered} of {coverage.total} controls are mapped to policy checklist items.", fw.description),
                    {"ref": [fw.id]})
        for c in coverage.controls:
            if c.covered:
                items = ", ".join(f"{ref.checklist}/{ref.spec.id}" for ref in c.items[:6])
                said = f"Evidence from {items}{' and more' if len(c.items) > 6 else ''}; the page counts the initiatives that have it complete."
            else:
                said = "A gap: no checklist item or runbook topic maps to it."
            yield Entry(page, control_anchor(c.control.id), f"Control · {fw.id} · {c.control.id}: {c.control.title}", snippet(said),
                        {"ref": [c.control.id, f"{fw.id}:{c.control.id}"], "see": [ref.spec.id for ref in c.items]})


def site_entries(live: int) -> Iterator[Entry]:
    """The site's own pages, described in a sentence each."""
    yield Entry("index.md", "", "Launch board", "Every initiative with its stage, its readiness for the next stage and "
                "what blocks it; approvals, waivers and drills about to lapse; decisions due for review.")
    yield Entry("oncall.md", "", "On call", f"The {live} initiatives serving users: who to call first, the kill switch, the "
                "pinned versions to roll back to, and when each runbook was last exercised.", {"ops": ["on call", "escalation"]})
    yield Entry("decisions.md", "", "Decision log", "Every decision record of every initiative, newest first.")
    yield Entry("approaches.md", "", "Approach guide", "When to prompt, retrieve, fine-tune or combine them, and which "
                "initiatives chose each approach.")
    yield Entry("checklists.md", "", "Checklists", "The policy's readiness checklists: every item, the stage it is required "
                "from, and how many initiatives have completed it.")
    yield Entry("tags.md", "", "Tags", "Pages grouped by approach, stage, risk, team and topic.")


def reference_entries(schemas: list[dict[str, Any]]) -> Iterator[Entry]:
    """The field reference: one entry per schema, its field names to search by (a table of
    fields run together is what Material's parse made of it)."""
    from markdown.extensions.toc import slugify

    yield Entry("reference.md", "", "Field reference", "Every field of every record, generated from the JSON Schemas in schemas/.")
    for s in schemas:
        names = [f["path"] for f in s["fields"]]
        names += [n.rsplit(".", 1)[-1].removesuffix("[]") for n in names]
        yield Entry("reference.md", slugify(ms.plain(s["title"]), "-"), f"Field reference · {s['title']}",
                    snippet(s["description"]), {"ref": [s["kind"], s["file"]], "see": names})


def own_entries(ini: Initiative, state: InitiativeState | None, policy: Policy | None) -> list[Entry]:
    """One initiative's entries: its page, its checklist rows, its decisions and runbooks."""
    found = list(initiative_entries(ini, state, policy))
    for d in ini.decisions:
        if ms.is_segment(d.key):
            found.extend(decision_entries(ini, d, f"initiatives/{ini.id}/decisions/{d.key}.md"))
    for rb in ini.runbooks.values():
        page = runbook_url(rb)
        if page is not None:
            found.extend(runbook_entries(ini, rb, page))
    return found


class EntryMemo:
    """Under `mkdocs serve`: an initiative's entries again when its records and its verdict are
    the very objects of the last build (the core's LoadMemo keeps them for folders that did
    not change) and the policy, schemas and date are the same (the portfolio's context
    digest), so a rebuild redoes only what changed."""

    def __init__(self) -> None:
        self._held: dict[str, tuple[Initiative, InitiativeState | None, str, list[Entry]]] = {}
        # id(entry) -> (entry, URL, separator, its document): the last build's documents. The
        # entry itself is held, so its id cannot be taken by a new object while it is here.
        self._documents: dict[int, tuple[Entry, str, str, dict[str, Any]]] = {}

    def document(self, entry: Entry, url: str, split: re.Pattern[str], kept: dict) -> dict[str, Any]:
        """The entry's document again when it is the very entry (entries are not changed once
        made) at the same URL under the same separator; kept: this build's, by id."""
        held = self._documents.get(id(entry))
        if held is not None and held[0] is entry and held[1] == url and held[2] == split.pattern:
            doc = held[3]
        else:
            doc = entry.document(url, split)
        kept[id(entry)] = (entry, url, split.pattern, doc)
        return doc

    def documents_made(self, kept: dict) -> None:
        self._documents = kept

    def get(self, ini: Initiative, state: InitiativeState | None, policy: Policy | None, context: str) -> list[Entry]:
        held = self._held.get(ini.id)
        if held is not None and held[0] is ini and held[1] is state and held[2] == context and context:
            return held[3]
        made = own_entries(ini, state, policy)
        self._held[ini.id] = (ini, state, context, made)
        return made

    def keep_only(self, ids: set[str]) -> None:
        for gone in set(self._held) - ids:
            del self._held[gone]


def entries(portfolio: Portfolio, schemas: list[dict[str, Any]] | None = None, memo: EntryMemo | None = None) -> list[Entry]:
    """Every record's entries, each page's own entry before its sections; `schemas` (as the
    reference page has them) adds the field reference's."""
    policy = portfolio.policy
    context = portfolio.digests.get("", "")  # the policy, schemas, date and root judged under
    found: list[Entry] = []
    safe = [i for i in portfolio.initiatives if ms.is_segment(i.id)]
    found.extend(site_entries(sum(1 for i in safe if is_live(i, policy))))
    for ini in safe:
        state = portfolio.states.get(ini.id)
        found.extend(memo.get(ini, state, policy, context) if memo is not None else own_entries(ini, state, policy))
    if memo is not None:
        memo.keep_only({i.id for i in safe})
    found.extend(checklist_entries(policy))
    found.extend(control_entries(portfolio))
    if schemas is not None:
        found.extend(reference_entries(schemas))
    return found


def documents(found: Iterable[Entry], urls: dict[str, str], separator: str | None = None,
              memo: EntryMemo | None = None) -> list[dict[str, Any]]:
    """Material's documents for the entries whose page the site has (urls: page path -> URL,
    as MkDocs gives it: `x/` with directory URLs, `x/index.html` without); `separator` is the
    site's `search.separator`, where lunr will split words (Material's default when None).
    Under serve, `memo` hands back the documents of entries it made before (EntryMemo)."""
    try:
        split = re.compile(separator) if separator else _SPLIT
    except re.error:  # a JavaScript pattern Python cannot read: whitespace at least
        split = re.compile(r"\s+")
    if memo is None:
        return [e.document(urls[e.page], split) for e in found if e.page in urls]
    kept: dict[int, tuple[Entry, str, str, dict[str, Any]]] = {}
    made = [memo.document(e, urls[e.page], split, kept) for e in found if e.page in urls]
    memo.documents_made(kept)
    return made
