"""The site's search index, written from the records rather than scraped from the pages.

mkdocs-material's search reads `search/search_index.json`: `{"config": {..., "fields": {name:
{"boost": b}}}, "docs": [{"location", "title", "text", ...}]}`. Its worker indexes every field
named in `config.fields` with lunr (a document's score sums, per query term and field,
tf-idf × the field's boost), then multiplies a page's own entry (a location without `#`) by up
to 5 against 2 for a section, and groups the hits by page. It shows only `title` and `text`,
and inserts both as HTML. So:

- one entry per record and section: the page's own entry first (Material takes the first
  entry of a path as the page), then its sections, each with its kind and initiative in the
  title ("Runbook · Customer support assistant · Token spend far above forecast");
- `text` is a snippet of whole sentences, a few lines at most, never a table's cells;
- what people type (alert names, commands, the kill switch, ids, owners) goes into extra
  fields that Material indexes but never shows, weighted by FIELDS so that an alert's name
  finds its runbook, "kill switch" or a command finds runbooks, an initiative's name the
  initiative and an item id its checklist rows;
- every value is record text made plain and HTML-escaped: nothing here is markup.

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

from generator.core.model import Decision, Initiative, InitiativeState, Policy, Portfolio, Runbook, RunbookStep
from generator.site import markdown_safety as ms
from generator.site.runbooks import is_live, runbook_url

# Material's defaults (title 1e3, text 1, tags 1e6) stay; these are added where the site's
# configuration does not set them. A field's boost multiplies every term found in it.
FIELDS: dict[str, float] = {
    # An alert's name, less the initiative's id it usually starts with: those words find every
    # page of the initiative already; the rest of the name is what picks out the runbook.
    "alert": 1e7,
    "name": 5e5,  # an initiative's title and id, on its own page only
    "ops": 2e4,  # kill switch, commands, pinned versions: runbooks before anything that cites them
    "ref": 1e4,  # the entry's own ids (checklist item, control, runbook, ADR, full alert names)
    "who": 1e2,  # owners, approvers, contacts, deciders
    "see": 1e1,  # what an entry only mentions (a control's items, a schema's field names)
}
SNIPPET_CHARS = 240  # about three lines of Material's result list on a phone
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"\*\*|__|`|^#+ ")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


@dataclass
class Entry:
    """One search document: a page (anchor "") or a section of it."""

    page: str  # the generated page's path, e.g. initiatives/x/index.md
    anchor: str  # the section's HTML id, "" for the page itself
    title: str
    text: str
    keys: dict[str, list[str]] = field(default_factory=dict)  # FIELDS name -> values

    def document(self, url: str) -> dict[str, Any]:
        """The JSON document for Material, at the page's URL; every string escaped."""
        doc: dict[str, Any] = {
            "location": url + (f"#{self.anchor}" if self.anchor else ""),
            "title": _escape(self.title),
            "text": _escape(self.text),
        }
        for name, values in self.keys.items():
            words = [_escape(v) for v in values if v]
            if words:
                doc[name] = " ".join(dict.fromkeys(words))  # order kept, repeats dropped
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


def _fmt(value: float | None) -> str:
    from generator.site.render import _fmt_num

    return _fmt_num(value)


# --------------------------------------------------------------------------- records


def initiative_entries(ini: Initiative, state: InitiativeState | None, policy: Policy | None) -> Iterator[Entry]:
    page = initiative_page(ini.id)
    kind = f"Initiative · {ini.title}"
    readiness = ""
    if state is not None:
        r = state.current
        readiness = f"At {ini.stage}: {r.complete} of {r.required} required items complete."
        if state.next is not None:
            readiness += f" Towards {state.next.stage}: {state.next.complete} of {state.next.required}."
    yield Entry(page, "", kind, snippet(ini.summary, f"Stage {ini.stage}, {ini.approach}, {ini.risk} risk.", readiness),
                {"name": [ini.title, ini.id], "who": list(ini.owners)})
    if ini.metrics:
        parts = []
        for m in ini.metrics:
            # (date, value) pairs from the tuples Measurements keeps: no object per point
            held = m.measurements
            pairs = sorted(zip(held.dates, held.values)) if hasattr(held, "dates") else sorted((p.date, p.value) for p in held)
            latest = pairs[-1][1] if pairs else None
            was = f" (was {_fmt(pairs[-2][1])})" if len(pairs) > 1 else ""
            better = "≤" if m.direction == "lower" else "≥"
            parts.append(f"{m.title} {_fmt(latest)}{' ' + m.unit if m.unit else ''}{was}, target {better} {_fmt(m.target)}.")
        yield Entry(page, "metrics", f"Metrics · {ini.title}", snippet(*parts), {"see": [m.id for m in ini.metrics]})
    if policy is None:
        return
    verdicts = {(v.checklist, v.item): v for r in ([state.current] + ([state.next] if state.next else [])) if state for v in r.verdicts}
    for cid, spec in policy.checklists.items():
        record = ini.checklists.get(cid)
        for item in spec.items:
            if not item.applies_to(ini):
                continue
            rec = record.items.get(item.id) if record else None
            status = rec.status if rec else "todo"
            verdict = verdicts.get((cid, item.id))
            judged = ("complete" if verdict.complete else "not complete") if verdict else ""
            said = f"{status.capitalize()}" + (f", {judged} for the gate" if judged else "") + f"; required from {item.required_from}."
            why = (rec.waiver.reason if rec and rec.waiver else (rec.reason or rec.note)) if rec else ""
            yield Entry(
                page,
                _item_anchor(cid, item.id),
                f"Checklist · {ini.title} · {spec.title}: {item.title}",
                snippet(said, why),
                # 28 rows an initiative: only what finds the row (its controls' own entries name it)
                {"ref": [item.id, f"{cid}/{item.id}"], "who": [rec.approver] if rec and rec.approver else []},
            )


def decision_entries(ini: Initiative, d: Decision, page: str) -> Iterator[Entry]:
    chosen = next((o for o in d.options if o.id == d.outcome.chosen), None)
    outcome = f"Chose {d.outcome.chosen}" + (f" ({chosen.approach})" if chosen and chosen.approach != d.outcome.chosen else "") + "."
    yield Entry(page, "", f"Decision · {ini.title} · ADR {d.number}: {d.title}",
                snippet(f"{d.status.capitalize()} on {d.date}. {outcome}", d.context),
                {"ref": [d.key, f"ADR {d.number}"], "who": list(d.deciders), "see": [o.id for o in d.options]})
    if d.outcome.rationale:
        yield Entry(page, "outcome", f"Decision outcome · {ini.title} · ADR {d.number}", snippet(outcome, d.outcome.rationale))


def _steps_text(steps: list[RunbookStep]) -> str:
    return " ".join(_sentence(prose(s.step)) for s in steps)


def _commands(steps: list[RunbookStep]) -> list[str]:
    return [ms.plain(s.command) for s in steps if s.command]


def alert_words(initiative_id: str, alert: str) -> str:
    """The part of an alert's name after the initiative's id (the whole name otherwise)."""
    rest = alert[len(initiative_id):].lstrip("-_.:") if alert.lower().startswith(initiative_id.lower()) else ""
    return rest or alert


def runbook_entries(ini: Initiative, rb: Runbook, page: str) -> Iterator[Entry]:
    title = f"{ini.title} · {rb.title}"
    names = [t.alert for t in rb.triggers]
    alerts = [alert_words(ini.id, name) for name in names]
    rollback = rb.rollback
    steps = [*rb.diagnosis, *rb.mitigation, *(rollback.steps if rollback else []), *rb.verify]
    # its commands here too (not only in their sections): a command finds the runbook's page
    # before an initiative whose id the command names
    ops = [*rb.topics, *_commands(steps)]
    if rollback and rollback.kill_switch:
        ops += ["kill switch", rollback.kill_switch]
    if rollback:
        ops += ["rollback", *(f"{k} {v}" for k, v in sorted(rollback.pinned.items()))]
    contacts = [e.contact for e in sorted(rb.escalation, key=lambda e: e.after_minutes)]
    first = f"First call {contacts[0]}." if contacts else ""
    yield Entry(page, "", f"Runbook · {title}",
                snippet(f"{rb.severity}.", rb.impact, first),
                {"alert": alerts, "ops": ops, "ref": [rb.id, rb.stem, *names], "who": contacts})
    if rb.triggers:
        said = " ".join(_sentence(f"{t.alert}: {prose(t.note)}" if t.note else t.alert) for t in rb.triggers)
        yield Entry(page, "triggers", f"Runbook triggers · {title}", snippet(said), {"alert": alerts, "ref": names})
    for anchor, label, part in (("diagnosis", "diagnosis", rb.diagnosis), ("mitigation", "mitigation", rb.mitigation),
                                ("verify", "verify", rb.verify)):
        if part:
            yield Entry(page, anchor, f"Runbook {label} · {title}", snippet(_steps_text(part)), {"ops": _commands(part)})
    if rollback:
        kill = f"Kill switch: {rollback.kill_switch}." if rollback.kill_switch else ""
        pinned = ("Pinned: " + ", ".join(f"{k} {v}" for k, v in sorted(rollback.pinned.items())) + ".") if rollback.pinned else ""
        yield Entry(page, "rollback", f"Runbook rollback · {title}", snippet(kill, pinned, _steps_text(rollback.steps)),
                    {"ops": ["rollback", *(["kill switch", rollback.kill_switch] if rollback.kill_switch else []),
                             *(f"{k} {v}" for k, v in sorted(rollback.pinned.items())), *_commands(rollback.steps)]})
    if rb.escalation:
        said = " ".join(f"After {e.after_minutes} min: {e.contact}{' (' + prose(e.note) + ')' if e.note else ''}." for e in
                        sorted(rb.escalation, key=lambda e: e.after_minutes))
        yield Entry(page, "escalation", f"Runbook escalation · {title}", snippet(said), {"who": contacts})


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
    found.extend(control_entries(portfolio))
    if schemas is not None:
        found.extend(reference_entries(schemas))
    return found


def documents(found: Iterable[Entry], urls: dict[str, str]) -> list[dict[str, Any]]:
    """Material's documents for the entries whose page the site has (urls: page path -> URL,
    as MkDocs gives it: `x/` with directory URLs, `x/index.html` without)."""
    return [e.document(urls[e.page]) for e in found if e.page in urls]
