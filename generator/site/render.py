"""The renderer: a Portfolio becomes the site's files, as plain text and bytes in a dict.

`render_site(portfolio)` returns every generated file keyed by its path relative to the docs
folder: Markdown pages (from the Jinja templates in `templates/site/`), JSON feeds, SVG badges
and metric charts, the stylesheet. The MkDocs plugin hands them to MkDocs as generated files;
`write_site(...)` (behind `launchboard render --out DIR`) writes the same dict to a folder so any
MkDocs-compatible builder can use them without the plugin.

Record text never reaches a template raw: the templates call the filters of
`markdown_safety` explicitly (Jinja autoescape is the wrong layer for Markdown).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import html
import json
import os
import posixpath
import re
import shutil
import tempfile
import urllib.parse
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence

import jinja2
import jinja2.meta
import jinja2.nodes

from generator.site import charts
from generator.site import markdown_safety as ms
from generator.core.cache import TemplateCache
from generator.core.controls import FrameworkCoverage, ItemState, framework_coverage, portfolio_frameworks
from generator.core.evaluate import weighted_scores
from generator.core.frameworks import split_ref
from generator.core.model import (
    Checklist,
    ChecklistItem,
    ChecklistSpec,
    Decision,
    Initiative,
    InitiativeState,
    ItemSpec,
    KIND_METRIC,
    KIND_RUNBOOK,
    ItemVerdict,
    Measurement,
    Metric,
    Policy,
    Portfolio,
    Readiness,
)

from generator.core.evaluate import announced_blockers, campaign_standing
from generator.core.processes import forked_pool, second_process_pays
from generator.core.safe_paths import OUTPUT_MARKER
from generator.site.runbooks import alerts_feed, on_call_rows, runbook_views

PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "site"
APPROACHES = ["prompt", "rag", "fine-tune", "hybrid", "no-llm", "buy"]
ITEM_STATUSES = ["todo", "in-progress", "done", "waived", "not-applicable"]
SOON_DAYS = 30
CSS_PATH = "assets/launchboard.css"
JS_PATH = "assets/launchboard.js"
# Web workers cannot start from file:// URLs; Material's offline plugin loads this shim from a
# CDN, the offline build (plugin option `offline`) from the copy vendored in templates/.
WORKER_SHIM_PATH = "assets/vendor/iframe-worker-shim.js"


class Packer(Protocol):
    """How a caller keeps an initiative's files small while render_site runs (`pack`)."""

    def pack(self, path: str, content: str | bytes, page: bool) -> str | bytes:
        """What `files` keeps for PATH (a page when PAGE)."""

    def unpack(self, path: str, kept: str | bytes) -> str:
        """A page's text again, from what `pack` kept for it."""


@dataclass
class RenderedSite:
    """What the renderer produced."""

    files: dict[str, str | bytes]  # path relative to the docs folder -> content
    nav: list[Any]  # an MkDocs `nav` value for the generated pages
    pages: set[str] = field(default_factory=set)  # the Markdown pages among `files`
    skipped: list[str] = field(default_factory=list)  # ids refused as unsafe paths


# --------------------------------------------------------------------------- paths


def initiative_page(initiative_id: str) -> str:
    return f"initiatives/{ms.path_segment(initiative_id)}/index.md"


def decision_page(decision: Decision) -> str:
    return (
        f"initiatives/{ms.path_segment(decision.initiative)}/decisions/"
        f"{ms.path_segment(decision.key)}.md"
    )


def framework_page(framework_id: str) -> str:
    return f"frameworks/{ms.path_segment(framework_id)}/index.md"


def campaign_page(campaign_id: str) -> str:
    return f"campaigns/{ms.path_segment(campaign_id)}.md"


@dataclass
class CampaignRow:
    """One initiative in a campaign's scope, the ledger's entry for each requirement (None
    where it does not apply) and whether it meets the campaign (the core's campaign_standing)."""

    initiative: Initiative
    entries: list[Any]
    done: bool


def campaign_rows(portfolio: Portfolio, campaign: Any, safe: list[Initiative]) -> list[CampaignRow]:
    """The initiatives a campaign reaches, each with the ledger's entries for its requirements."""
    rows = []
    for ini in safe:
        state = portfolio.states.get(ini.id)
        if state is None:
            continue
        in_scope, met = campaign_standing(campaign, ini, state.requirements)
        if in_scope:
            rows.append(CampaignRow(ini, [state.requirement(*ref.split("/", 1)) for ref in campaign.requirements], met))
    return rows


def control_anchor(control_id: str) -> str:
    """The HTML id of a control's section on its framework page (ids like GV-1.3-002)."""
    return "control-" + "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in control_id.lower())


_CHIP_STATUSES = frozenset(ITEM_STATUSES)


class _FrameworkHelpers:
    """What the templates need to show controls, as HTML made once per render: the same
    chips repeat on every initiative page and the same item cell under every control it
    maps to (at 1,000 initiatives, tens of thousands of each)."""

    def __init__(self, portfolio: Portfolio, pages: set[str]) -> None:
        self.portfolio, self.pages = portfolio, pages
        self._chips: dict[tuple[str, tuple[str, ...]], str] = {}
        self._cells: dict[int, tuple[Any, str]] = {}

    def control_link(self, page_path: str, ref: str) -> dict[str, str] | None:
        """The href of a "framework:control" ref's section on its framework page, and the
        control's title; None when there is no such page or control."""
        framework_id, control_id = split_ref(ref)
        framework = self.portfolio.frameworks.get(framework_id)
        control = framework.control(control_id) if framework else None
        if control is None or framework_id not in self.pages:
            return None
        # A directory URL: the chips sit in raw HTML, where MkDocs does not rewrite .md links.
        up = relative(page_path, "__root__").removesuffix("__root__")
        return {"href": f"{up}frameworks/{framework_id}/#{control_anchor(control_id)}", "title": control.title}

    def control_chips(self, page_path: str, refs: list[str]) -> str:
        """An item's controls as chips linking to the control on its framework page."""
        up = relative(page_path, "__root__")
        key = (up, tuple(refs))
        if key not in self._chips:
            chips = []
            for ref in refs:
                target = self.control_link(page_path, ref)
                if target is None:
                    chips.append(f' <span class="lb-chip lb-control">{ms.html_text(ref)}</span>')
                else:
                    chips.append(f' <a class="lb-chip lb-control" href="{ms.html_text(target["href"])}" '
                                 f'title="{ms.html_text(target["title"])}">{ms.html_text(ref)}</a>')
            self._chips[key] = "".join(chips)
        return self._chips[key]

    def item_cell(self, state: ItemState) -> str:
        """One initiative's item on a framework page: id, status, evidence, date or expiry."""
        record = state.record
        cached = self._cells.get(id(record)) if record is not None else None
        if cached is not None and cached[0] is record:  # the records outlive the render
            return cached[1]
        status = state.status if state.status in _CHIP_STATUSES else "unknown"
        html = (f'{ms.html_text(state.ref.checklist)}/{ms.html_text(state.ref.spec.id)} '
                f'<span class="lb-chip lb-status lb-status--{status}">{ms.html_text(state.status)}</span>')
        if record is not None:
            if record.evidence:
                html += " " + ms.evidence_link(record.evidence)
            if record.waiver and record.waiver.expires:
                html += f' <span class="lb-muted">waived until {ms.html_text(record.waiver.expires)}</span>'
            elif record.date:
                html += f' <span class="lb-muted">{ms.html_text(record.date)}</span>'
            self._cells[id(record)] = (record, html)
        return html


def framework_coverages(portfolio: Portfolio, keep: Keep | None = None) -> list[FrameworkCoverage]:
    """The frameworks that get a page: those the policy lists, that exist, with safe ids
    (`keep`: see Keep, below)."""
    found = (framework_coverage(portfolio, f, keep or _compute) for f in portfolio_frameworks(portfolio) if ms.is_segment(f))
    return [c for c in found if c is not None]


@functools.lru_cache(maxsize=8192)  # the same few links on every page; relpath is slow
def item_anchor(checklist: str, item: str) -> str:
    """The id of a checklist item's row on its initiative page (the board's blockers link to it)."""
    return "item-" + re.sub(r"[^a-z0-9-]+", "-", f"{checklist}--{item}".lower())


@functools.lru_cache(maxsize=1 << 16)  # the decision log alone asks 4,000 at 1,000 initiatives, every rebuild
def relative(from_page: str, to_path: str) -> str:
    """A link from one generated file to another, relative, as MkDocs expects in Markdown."""
    return posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")


# --------------------------------------------------------------------------- view helpers


def _date(s: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(s)) if s else None
    except ValueError:
        return None


def _fmt_num(v: float | None) -> str:
    if v is None:
        return "–"
    if float(v).is_integer():
        return f"{v:,.0f}"
    if abs(v) < 1:  # a cost of 0.046 against 0.05 must not read "0.05": three significant digits
        short = f"{v:.3g}"
        return short if "e" not in short else f"{v:.12f}".rstrip("0")
    return f"{v:,.2f}".rstrip("0").rstrip(".")


@dataclass
class MetricView:
    metric: Metric
    latest: float | None
    previous: float | None
    on_target: bool | None
    improving: bool | None
    chart: str | None  # path of the SVG relative to the docs folder

    @property
    def arrow(self) -> str:
        if self.latest is None or self.previous is None or self.latest == self.previous:
            return "→"
        return "↑" if self.latest > self.previous else "↓"


def metric_view(initiative: Initiative, metric: Metric) -> MetricView:
    points = sorted(metric.measurements, key=lambda m: m.date)
    latest = points[-1].value if points else None
    previous = points[-2].value if len(points) > 1 else None
    improving = None
    if latest is not None and previous is not None and latest != previous:
        improving = (latest < previous) if metric.direction == "lower" else (latest > previous)
    chart = None
    if ms.is_segment(metric.id) and ms.is_segment(initiative.id):
        chart = f"initiatives/{initiative.id}/metrics/{metric.id}.svg"
    return MetricView(metric, latest, previous, metric.on_target, improving, chart)


def source_file_link(page_path: str, file: str, docs_prefix: str | None) -> str:
    """A measurement source's file: a relative link when the site publishes it (it lies in
    MkDocs' docs_dir, which is copied into the site), else its path as code."""
    prefix = f"{docs_prefix}/" if docs_prefix else ""
    if docs_prefix is not None and file.startswith(prefix) and _REPO_FILE.fullmatch(file):
        href = urllib.parse.quote(relative(page_path, file[len(prefix):]))
        return f'<a class="lb-source" href="{html.escape(href, quote=True)}">{ms.html_text(file)}</a>'
    return f"<code>{ms.html_text(file)}</code>"


_REPO_FILE = re.compile(r"(?!/)(?!(?:[^/]*/)*\.\.(?:/|$))[A-Za-z0-9._~@%+=/ -]+\Z")  # as the schema's source.file
SOURCES_SHOWN = 10  # per metric, newest first: the page stays short after years of nightly runs


def sourced_points(metric: Metric) -> list[Measurement]:
    """The metric's measurements that came from an evaluation run, newest first."""
    if not metric.has_sources:
        return []
    points = [p for p in metric.measurements if p.source is not None]
    return sorted(points, key=lambda p: p.date, reverse=True)[:SOURCES_SHOWN]


def _weighted_scores(decision: Decision) -> dict[str, float]:
    """evaluate.py fills these for every portfolio; hand-built decisions in tests may lack them."""
    return decision.weighted_scores or weighted_scores(decision)


@dataclass
class Expiry:
    initiative: Initiative
    checklist: str
    item: str
    kind: str  # "approval" | "waiver" | "exercise" | "measurement"
    expires: str
    days: int


# How render_site gets a value computed from one initiative alone: `keep(name, initiative,
# compute)`; under serve it is RenderMemo.derived, which keeps the value while the initiative
# is unchanged. Elsewhere the value is simply computed.
Keep = Callable[[str, Initiative, Callable[[], Any]], Any]


def _compute(name: str, ini: Initiative, compute: Callable[[], Any]) -> Any:
    return compute()


def expiries(portfolio: Portfolio, keep: Keep = _compute) -> list[Expiry]:
    """Approvals, waivers and runbook exercises that lapse within SOON_DAYS of the portfolio's date."""
    today = _date(portfolio.as_of) or dt.date.today()
    found = [
        e for ini in portfolio.initiatives
        for e in keep("expiries", ini, functools.partial(initiative_expiries, ini, portfolio.states.get(ini.id), today))
    ]
    return sorted(found, key=lambda e: (e.expires, e.initiative.id, e.checklist, e.item))


_LAPSE_KIND = {"done": "approval", "waived": "waiver"}


def initiative_expiries(ini: Initiative, state: InitiativeState | None, today: dt.date) -> list[Expiry]:
    """One initiative's part of expiries(), unsorted: the ledger's requirements that hold today
    and stop holding within SOON_DAYS (an approval, a waiver, an exercise, a measurement)."""
    found: list[Expiry] = []
    for entry in state.requirements if state is not None else ():
        end = _date(entry.lapses) if entry.lapses and entry.counts else None
        if end is None or not 0 <= (end - today).days <= SOON_DAYS:
            continue
        kind = {KIND_RUNBOOK: "exercise", KIND_METRIC: "measurement"}.get(entry.kind) or _LAPSE_KIND.get(entry.status, entry.status)
        found.append(Expiry(ini, entry.checklist, entry.item, kind, end.isoformat(), (end - today).days))
    return found


@dataclass
class Upcoming:
    """A requirement announced for a date, and the initiatives it will block then."""

    key: str
    title: str
    required_from: str
    effective: str
    days: int
    blocked: list[Initiative]


def upcoming_requirements(portfolio: Portfolio, safe_ids: set[str]) -> list[Upcoming]:
    """What the core's announced_blockers says, with titles and days to go."""
    today = _date(portfolio.as_of) or dt.date.today()
    by_id = {ini.id: ini for ini in portfolio.initiatives}
    found = []
    for (key, effective), who in announced_blockers(portfolio.states).items():
        blocked = [by_id[iid] for iid in who if iid in safe_ids]
        entry = portfolio.states[who[0]].requirement(*key.split("/", 1))
        day = _date(effective)
        if blocked and entry is not None:
            found.append(Upcoming(key, entry.title, entry.required_from, effective, (day - today).days if day else 0, blocked))
    return sorted(found, key=lambda u: (u.effective, u.key))


def reviews_due(portfolio: Portfolio) -> list[tuple[Decision, int]]:
    """Decisions in force whose review_by is past or within SOON_DAYS: (decision, days left)."""
    today = _date(portfolio.as_of) or dt.date.today()
    due = []
    for ini in portfolio.initiatives:
        for d in ini.decisions:
            when = _date(d.review_by)
            if d.status in ("accepted", "proposed") and when and (when - today).days <= SOON_DAYS:
                due.append((d, (when - today).days))
    return sorted(due, key=lambda t: (t[0].review_by, t[0].initiative, t[0].number))


def chosen_approach(d: Decision) -> str | None:
    """The approach of the option a decision chose: what a superseded decision is about, even
    when the initiative has since moved to another approach."""
    return next((o.approach for o in d.options if o.id == d.outcome.chosen), None)


def _team_tags(owners: list[str]) -> list[str]:
    return [t for t in (ms.tag_name("team", o) for o in owners if "/" in str(o)) if t]


def initiative_tags(ini: Initiative) -> list[str]:
    tags = [
        ms.tag_name("approach", ini.approach),
        ms.tag_name("stage", ini.stage),
        ms.tag_name("risk", ini.risk),
        *_team_tags(ini.owners),
        *(ms.tag_name("tag", t) for t in ini.tags),
    ]
    seen: list[str] = []
    for t in tags:
        if t and t not in seen:
            seen.append(t)
    return seen


# --------------------------------------------------------------------------- JSON feeds


def _json(data: Any) -> str:
    """Deterministic JSON with <, > and & escaped, so it is inert even if served as HTML.

    Compact, because json.dumps with indent falls back to the pure-Python encoder: at 1,000
    initiatives the indented feeds cost a quarter of the generator's time (bench/RESULTS.md).
    """
    text = json.dumps(data, ensure_ascii=False, sort_keys=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"


def _item_dict(item: ChecklistItem, incomplete_claim: str = "") -> dict[str, Any]:
    d: dict[str, Any] = {"status": item.status}
    if incomplete_claim:  # `done` without what done requires (LB306): not to be read as done
        d["incomplete_claim"] = incomplete_claim
    for key in ("evidence", "approver", "date", "reason", "note"):
        value = getattr(item, key)
        if value:
            d[key] = value
    if d.get("evidence") and "://" in d["evidence"] and ms.external_url(d["evidence"]) is None:
        d["evidence"] = None
    if item.waiver:
        d["waiver"] = {k: v for k, v in dataclasses.asdict(item.waiver).items() if v}
    return d


def initiative_json(portfolio: Portfolio, ini: Initiative, base_url: str = "") -> dict[str, Any]:
    state = portfolio.states.get(ini.id)
    return {
        "id": ini.id,
        "title": ini.title,
        "summary": ini.summary,
        "stage": ini.stage,
        "approach": ini.approach,
        "risk": ini.risk,
        "owners": list(ini.owners),
        "tags": list(ini.tags),
        "history": [{"stage": h.stage, "date": h.date, **({"note": h.note} if h.note else {})} for h in ini.history],
        "links": {k: v for k, v in ini.links.items() if ms.external_url(v)},
        "metrics": [
            {
                "id": m.id,
                "title": m.title,
                "unit": m.unit,
                "direction": m.direction,
                "baseline": m.baseline,
                "target": m.target,
                "on_target": m.on_target,
                "measurements": [
                    {"date": x.date, "value": x.value, **({"source": dataclasses.asdict(x.source)} if x.source else {})}
                    for x in m.measurements
                ],
                **({"gate_from": m.gate_from} if m.gate_from else {}),
            }
            for m in ini.metrics
        ],
        "state": state.as_dict() if state else None,
        "decisions": [
            {
                "number": d.number,
                "title": d.title,
                "status": d.status,
                "date": d.date,
                "chosen": d.outcome.chosen,
                "review_by": d.review_by,
                "supersedes": list(d.supersedes),
                "superseded_by": list(d.superseded_by),
                "weighted_scores": _weighted_scores(d),
            }
            for d in ini.decisions
        ],
        "checklists": {
            cid: {iid: _item_dict(item, state.incomplete_claims.get(f"{cid}/{iid}", "") if state else "") for iid, item in cl.items.items()}
            for cid, cl in ini.checklists.items()
        },
        "problems": [p.as_dict() for p in portfolio.problems_for(ini.id)],
    }


def initiatives_feed(portfolio: Portfolio, safe: list[Initiative], keep: Keep = _compute) -> str:
    """api/initiatives.json: every initiative's readiness. The text is put together from each
    initiative's part, which `keep` may hand back from an earlier build (each part is what
    _json makes of it, so the whole is what _json makes of the whole); the error and warning
    counts are not in the kept part: problems outside an initiative's folder change them."""
    rows = []
    for ini in safe:
        state = portfolio.states.get(ini.id)
        before, after = keep("feed-row", ini, functools.partial(_feed_row, ini, state))
        rows.append(before if state is None else f'{before}"errors":{state.errors},"warnings":{state.warnings},{after}')
    head = _json({"as_of": portfolio.as_of, "stages": list(portfolio.policy.stages) if portfolio.policy else [],
                  "errors": len(portfolio.errors), "warnings": len(portfolio.warnings)})
    return f'{head.rstrip()[:-1]},"initiatives":[{",".join(rows)}]}}\n'


def _feed_row(ini: Initiative, state: InitiativeState | None) -> tuple[str, str]:
    """One initiative's part of initiatives_feed, as JSON text around its state's counts."""
    def text(data: dict[str, Any]) -> str:
        return _json(data).rstrip()[1:-1]  # the members, without braces or newline

    own = text({"id": ini.id, "title": ini.title, "stage": ini.stage, "approach": ini.approach, "risk": ini.risk,
                "owners": list(ini.owners)})
    links = text({"url": f"initiatives/{ini.id}/", "json": f"api/initiatives/{ini.id}.json", "badge": f"badges/{ini.id}.svg"})
    if state is None:
        return f'{{{own},"state":null,{links}}}', ""
    judged = text({"id": state.id, "stage": state.stage, "approach": state.approach, "readiness": state.current.as_dict(),
                   "next": state.next.as_dict() if state.next else None})
    ledger = text({"requirements": [r.as_dict() for r in state.requirements],
                   **({"metric_gates": [g.as_dict() for g in state.metric_gates]} if state.metric_gates else {})})
    return f'{{{own},"state":{{{judged},', f'{ledger}}},{links}}}'


# --------------------------------------------------------------------------- templates


@functools.lru_cache(maxsize=1)
def _environment_salt() -> str:
    """What compiled templates depend on besides their source: this module (the environment's
    options live in it) and Launchboard's version."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _environment(templates_dir: Path, root: Path | str | None = None) -> jinja2.Environment:
    """The site's Jinja environment; with ROOT, compiled templates come from and go to its
    signed cache where the records' cache is in use (cache.TemplateCache)."""
    loaders = [jinja2.FileSystemLoader(str(templates_dir))]
    if templates_dir.resolve() != PACKAGE_TEMPLATES.resolve() and PACKAGE_TEMPLATES.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES)))  # defaults
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=False,  # Markdown, not HTML: escaping is explicit, see markdown_safety
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        bytecode_cache=TemplateCache.open(Path(root), _environment_salt()) if root is not None else None,
    )
    env.filters.update(
        md=ms.md_inline,
        mdblock=ms.md_block,
        mdcell=ms.md_cell,
        h=ms.html_text,
        code=ms.code_block_text,
        link=ms.html_link,
        evidence=ms.evidence_link,
        num=_fmt_num,
        pct=lambda r: f"{round(100 * r)}%",
        meta=lambda s: ms.yaml_quoted(ms.html_text(s)),  # front matter: theme prints titles raw
        tojson_meta=ms.yaml_flow_list,
    )
    env.globals.update(relative=relative, item_anchor=item_anchor)
    env.tests.update(
        weighs=lambda d, cid: any(c == cid for c, _ in d.criteria),
        applies=lambda ini, spec: spec.applies_to(ini),
        published=ms.is_segment,  # an initiative id that has pages (render_site's `safe`)
    )
    return env


def verdicts_by_item(state: InitiativeState | None) -> dict[tuple[str, str], ItemVerdict]:
    """The ledger's entry for each (checklist, item) that applies to the initiative."""
    return {(entry.checklist, entry.item): entry for entry in state.requirements} if state is not None else {}


def _item_complete(states: dict, ini: Initiative, checklist: str, item: str) -> bool:
    """Whether the ledger counts the item for its gate (the `item_complete` test, for custom
    templates; the catalogue uses _coverage). No entry: the item does not apply."""
    state = states.get(ini.id)
    entry = state.requirement(checklist, item) if state is not None else None
    return bool(entry and entry.counts)


def _coverage(
    policy: Policy | None, initiatives: list[Initiative], states: dict, keep: Keep = _compute
) -> dict[tuple[str, str], tuple[int, int]]:
    """(checklist, item) -> (initiatives complete, initiatives it applies to): the catalogue's
    last column, summed from each initiative's _coverage_marks."""
    if policy is None:
        return {}
    items = [(cid, item) for cid, spec in policy.checklists.items() for item in spec.items]
    complete = [0] * len(items)
    applicable = [0] * len(items)
    for ini in initiatives:
        marks = keep("coverage", ini, functools.partial(_coverage_marks, items, ini, states.get(ini.id)))
        for index, mark in enumerate(marks):
            if mark:
                applicable[index] += 1
                complete[index] += mark == 2
    return {(cid, item.id): (complete[n], applicable[n]) for n, (cid, item) in enumerate(items)}


def _coverage_marks(items: list[tuple[str, ItemSpec]], ini: Initiative, state: InitiativeState | None) -> bytes:
    """One initiative's part of the coverage: per policy item, 0 (does not apply), 1 (applies)
    or 2 (applies and counts for its gate, per the ledger)."""
    marks = bytearray(len(items))
    for index, (cid, item) in enumerate(items):
        if item.applies_to(ini):
            entry = state.requirement(cid, item.id) if state is not None else None
            marks[index] = 2 if entry is not None and entry.counts else 1
    return bytes(marks)


@dataclass
class ChecklistTable:
    """One checklist of the policy as an initiative's page shows it."""

    id: str
    spec: ChecklistSpec
    record: Checklist | None  # the initiative's checklist file, if there is one
    rows: list[tuple[ItemSpec, ChecklistItem | None, ItemVerdict | None]]  # items that apply
    unknown: list[tuple[str, ChecklistItem]]  # items the file has and the policy does not
    # item id -> why: `done` items the stage does not require yet that lack what done requires (LB306)
    claims: dict[str, str] = field(default_factory=dict)


def checklist_tables(policy: Policy | None, ini: Initiative, state: InitiativeState | None) -> list[ChecklistTable]:
    """Every checklist of the policy with the initiative's records and the core's verdicts,
    joined here once rather than by lookups in the template (the page's largest part)."""
    if policy is None:
        return []
    verdicts = verdicts_by_item(state)
    tables = []
    for cid, spec in policy.checklists.items():
        record = ini.checklists.get(cid)
        items = record.items if record else {}
        known = {it.id for it in spec.items}
        tables.append(ChecklistTable(
            cid,
            spec,
            record,
            [(it, items.get(it.id), verdicts.get((cid, it.id))) for it in spec.items if it.applies_to(ini)],
            [(iid, rec) for iid, rec in items.items() if iid not in known],
            {key.split("/", 1)[1]: why for key, why in (state.incomplete_claims if state else {}).items() if key.startswith(cid + "/")},
        ))
    return tables


def runbook_topic_rows(policy: Policy | None, ini: Initiative, state: InitiativeState | None) -> list[tuple[Any, ItemVerdict | None]]:
    """The policy's runbook topics that apply to this initiative, with the core's verdict where
    it judged the topic (for the current or next stage)."""
    if policy is None:
        return []
    judged = verdicts_by_item(state)
    return [(topic, judged.get(("runbooks", topic.id))) for topic in policy.runbook_topics.values() if topic.applies_to(ini)]


def _codes() -> list[tuple[str, str, str]]:
    """Every check code with its meaning and severity, from core/codes.py (the page cannot drift)."""
    from generator.core.codes import CODES

    def severity(code: str) -> str:
        return "warning" if code.startswith("LB3") else "error"

    return [(code, meaning, severity(code)) for code, meaning in CODES.items()]


def _nav(portfolio: Portfolio, safe: list[Initiative], group_size: int) -> list[Any]:
    nav: list[Any] = [
        {"Launch board": "index.md"},
        {"On call": "oncall.md"},
        {"Decision log": "decisions.md"},
        {"Approach guide": "approaches.md"},
        {"Checklists": "checklists.md"},
        {"Field reference": "reference.md"},
        {"Record formats": "formats.md"},
        {"Check codes": "codes.md"},
        {"Command line": "cli.md"},
        {"How to contribute": "contribute.md"},
        {"Tags": "tags.md"},
    ]
    # Each page embeds the navigation it can see: with navigation.prune, only the groups on the
    # path to it. Groups of `group_size` keep that bounded, so the build stays linear.
    # By title, as the board sorts: readers look for a name, not an id.
    ordered = sorted(safe, key=lambda i: (i.title.casefold(), i.id))
    pages = [initiative_page(i.id) for i in ordered]
    if len(pages) <= group_size:
        nav.append({"Initiatives": pages})
    else:
        groups = []
        for start in range(0, len(ordered), group_size):
            chunk = ordered[start : start + group_size]
            label = f"{_initial(chunk[0].title)} … {_initial(chunk[-1].title)}"
            if any(label in group for group in groups):  # one letter over several groups
                label = f"{label} ({len(groups) + 1})"
            groups.append({label: [initiative_page(i.id) for i in chunk]})
        nav.append({"Initiatives": groups})
    return nav


def _initial(title: str) -> str:
    """A navigation group's bound: the title's first letter or digit (record text: nothing else)."""
    first = next((ch for ch in title if ch.isascii() and ch.isalnum()), "#")
    return first.upper()


def _schemas(schemas_dir: Path | None) -> list[dict[str, Any]]:
    """Field tables for the reference page, flattened from each schema's properties."""
    if schemas_dir is None or not schemas_dir.is_dir():
        return []
    out = []
    for path in sorted(schemas_dir.glob("*.schema.json")):
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        rows: list[dict[str, Any]] = []
        _walk_schema(schema, schema, "", rows, depth=0)
        out.append(
            {
                "kind": path.name.removesuffix(".schema.json"),
                "file": f"schemas/{path.name}",
                "title": schema.get("title", path.stem),
                "description": schema.get("description", ""),
                "fields": rows,
            }
        )
    return out


def _resolve(root: dict, node: dict) -> dict:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        merged = dict(target)
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        return merged
    return node if isinstance(node, dict) else {}


def _type_of(node: dict) -> str:
    if "enum" in node:
        return " | ".join(str(v) for v in node["enum"])
    if "const" in node:
        return str(node["const"])
    t = node.get("type")
    if isinstance(t, list):
        t = " | ".join(t)
    if t == "array":
        items = node.get("items") if isinstance(node.get("items"), dict) else {}
        return f"list of {_type_of(items) or 'values'}"
    if not t:
        for key in ("oneOf", "anyOf"):
            if isinstance(node.get(key), list):
                return " or ".join(_type_of(n) for n in node[key] if isinstance(n, dict)) or ""
    return str(t or "")


def _walk_schema(root: dict, node: dict, prefix: str, rows: list, depth: int) -> None:
    node = _resolve(root, node)
    if depth > 6:
        return
    required = set(node.get("required", []))
    props = node.get("properties", {})
    for name, sub in props.items() if isinstance(props, dict) else []:
        sub = _resolve(root, sub)
        path = f"{prefix}{name}"
        rows.append(
            {
                "path": path,
                "type": _type_of(sub),
                "required": name in required,
                "description": sub.get("description", ""),
                "pattern": sub.get("pattern", ""),
            }
        )
        if sub.get("type") == "object" or "properties" in sub:
            _walk_schema(root, sub, path + ".", rows, depth + 1)
        items = sub.get("items")
        if isinstance(items, dict):
            items = _resolve(root, items)
            if items.get("type") == "object" or "properties" in items:
                _walk_schema(root, items, path + "[].", rows, depth + 1)
        pattern_props = sub.get("additionalProperties")
        if isinstance(pattern_props, dict):
            pattern_props = _resolve(root, pattern_props)
            if "properties" in pattern_props:
                _walk_schema(root, pattern_props, path + ".<key>.", rows, depth + 1)


def render_site(
    portfolio: Portfolio,
    *,
    templates_dir: Path | None = None,
    schemas_dir: Path | None = None,
    group_size: int = 50,
    site_name: str = "Launchboard",
    memo: RenderMemo | None = None,
    docs_prefix: str | None = None,
    commands: Sequence[Any] = (),
    trends: Any = None,
    pack: Packer | None = None,
) -> RenderedSite:
    """Every generated file of the site, from one run of the core.

    memo: a RenderMemo kept across calls by a long-lived caller (the MkDocs plugin under
    `mkdocs serve`): initiatives whose inputs are unchanged are not rendered again.
    docs_prefix: MkDocs' docs_dir relative to ROOT (POSIX), when inside it: result files
    under it are published, so measurement sources link to them.
    commands: each command's `--help` for the Command line page (cli/reference.py), given by
    the caller: the site is a layer below the command line and does not import it.
    trends: a trends.Trends (the history from git) for the Trends page; None leaves it out.
    pack: a Packer: what `files` keeps of each of an initiative's own files (its pages, charts,
    badge and feed: nearly all of a large site), asked as each is rendered, in the render
    worker when there is one. The plugin's `mkdocs build` keeps pages compressed and writes the
    rest to disk at once, so a build never holds every page's text. Not used under a memo
    (serve compares contents).
    """
    templates_dir = Path(templates_dir) if templates_dir else PACKAGE_TEMPLATES
    env = memo.environment(templates_dir, portfolio.root) if memo is not None else _environment(templates_dir, portfolio.root)
    policy = portfolio.policy
    stages = list(policy.stages) if policy else []

    safe = [i for i in portfolio.initiatives if ms.is_segment(i.id)]
    skipped = [i.id for i in portfolio.initiatives if not ms.is_segment(i.id)]
    safe_ids = {i.id for i in safe}

    def decision_url(d: Decision) -> str | None:
        return decision_page(d) if d.initiative in safe_ids and ms.is_segment(d.key) else None

    states: dict[str, InitiativeState | None] = {i.id: portfolio.states.get(i.id) for i in safe}
    env.tests["item_complete"] = lambda ini, c, i: _item_complete(states, ini, c, i)
    context = portfolio.digests.get("", "")  # the policy, schemas, date and root the records were judged under

    def keep(name: str, ini: Initiative, compute: Callable[[], Any]) -> Any:
        return memo.derived(name, ini, portfolio.states.get(ini.id), context, compute) if memo is not None else compute()

    coverages = framework_coverages(portfolio, keep)
    helpers = _FrameworkHelpers(portfolio, {c.framework.id for c in coverages})
    env.globals.update(control_link=helpers.control_link, control_chips=helpers.control_chips,
                       item_cell=helpers.item_cell, anchor=control_anchor)
    # Built when read: under serve the render memo answers most initiatives without them.
    views = _Lazy({i.id: i for i in safe}, lambda i: [metric_view(i, m) for m in i.metrics])

    by_stage = Counter(i.stage for i in portfolio.initiatives)
    ready_next = sum(1 for s in states.values() if s and s.next and s.next.ready)
    blocked_now = sum(1 for s in states.values() if s and not s.current.ready)
    all_decisions = sorted(
        (d for i in portfolio.initiatives for d in i.decisions),
        key=lambda d: (d.date, d.initiative, d.number),
        reverse=True,
    )
    weighed_in = Counter(cid for d in all_decisions for cid in {c for c, _ in d.criteria})
    common = dict(
        portfolio=portfolio,
        policy=policy,
        stages=stages,
        site_name=site_name,
        initiative_page=initiative_page,
        decision_url=decision_url,
        weighted=_weighted_scores,
        states=states,
        views=views,
        safe_ids=safe_ids,
        css_path=CSS_PATH,
        source_link=lambda page_path, file: source_file_link(page_path, file, docs_prefix),
        sourced=sourced_points,
    )
    files: dict[str, str | bytes] = {}
    pages: set[str] = set()

    def page(path: str, template: str, **ctx: Any) -> None:
        files[path] = env.get_template(template).render(page_path=path, **common, **ctx)
        pages.add(path)

    def piece(template: str, key: tuple, objects: list, **ctx: Any) -> str:
        """A piece of a portfolio page from its own template; under serve, kept while the
        objects it shows are the very objects of the last render (RenderMemo.piece)."""
        def compute() -> str:
            return env.get_template(template).render(**common, **ctx)

        if memo is None or not context or not memo.pieces_are_own(env, template):
            return compute()
        return memo.piece((template, *key), objects, context, compute)

    def control_section(page_path: str, fw: Any, c: Any) -> str:
        """One control's section of a framework page: it lists the control's rows."""
        up = relative(page_path, "__root__").replace("__root__", "")
        return piece(_PIECES[0], (page_path, fw.id, c.control.id), c.initiatives, page_path=page_path, fw=fw, c=c, up=up)

    def on_call_row(page_path: str, row: Any) -> str:
        """One initiative's block of the On call page."""
        return piece(_PIECES[1], (page_path, row.initiative.id), [row], page_path=page_path, row=row)

    env.globals.update(control_section=control_section, on_call_row=on_call_row)
    board_rows: dict[str, str] = {}
    page_skipped = list(skipped)  # ids refused as page names (the board lists them)

    packer = pack if memo is None else None

    def render_one(ini: Initiative) -> InitiativeFiles:
        own = _initiative_files(env, common, portfolio, ini, states[ini.id], views[ini.id], decision_url)
        if packer is not None:
            own.files = {path: packer.pack(path, content, path in own.pages) for path, content in own.files.items()}
        return own

    if memo is not None:
        rendered = memo.files(safe, render_one, _memo_keys(env, templates_dir, portfolio, f"{site_name}\0{docs_prefix}", memo))
    else:
        rendered = _render_all(safe, render_one)
    for ini in safe:
        own = rendered[ini.id]
        files.update(own.files)
        pages.update(own.pages)
        skipped.extend(own.skipped)
        board_rows[ini.id] = own.board_row
    unattached = [p for p in portfolio.problems if p.initiative is None or p.initiative not in safe_ids]
    page(
        "index.md",
        "board.md.j2",
        initiatives=sorted(safe, key=lambda i: (i.title.casefold(), i.id)),  # readers look for a name
        rows=board_rows,
        skipped=page_skipped,
        by_stage=by_stage,
        ready_next=ready_next,
        blocked_now=blocked_now,
        expiries=[e for e in expiries(portfolio, keep) if e.initiative.id in safe_ids],
        upcoming=upcoming_requirements(portfolio, safe_ids),
        reviews=reviews_due(portfolio),
        unattached=unattached,
        frameworks=coverages,
        framework_page=framework_page,
        # the board says so when "today" was fixed; the UTC day, so the machine's zone changes nothing
        clock_today=dt.datetime.now(dt.timezone.utc).date().isoformat(),
    )
    files["api/initiatives.json"] = initiatives_feed(portfolio, safe, keep)
    page("oncall.md", "oncall.md.j2", rows=on_call_rows(portfolio, safe, keep))
    files["api/alerts.json"] = _json(alerts_feed(portfolio, safe))
    page("decisions.md", "decision_log.md.j2", decisions=all_decisions,
         review_due={(d.initiative, d.number): days for d, days in reviews_due(portfolio)})
    by_approach: dict[str, list[Initiative]] = defaultdict(list)
    for i in safe:
        by_approach[i.approach].append(i)
    page("approaches.md", "approaches.md.j2", by_approach=by_approach, approaches=APPROACHES, decisions=all_decisions,
         weighed_in=weighed_in)
    page("checklists.md", "checklists.md.j2", initiatives=safe, coverage=_coverage(policy, safe, states, keep))
    for coverage in coverages:
        page(framework_page(coverage.framework.id), "framework.md.j2", coverage=coverage)
    campaigns = [c for c in (policy.campaigns if policy else []) if ms.path_segment(c.id) == c.id]
    for campaign in campaigns:
        page(campaign_page(campaign.id), "campaigns/campaign.md.j2", campaign=campaign, rows=campaign_rows(portfolio, campaign, safe))
    page("reference.md", "reference.md.j2", schemas=_schemas(schemas_dir))
    page("codes.md", "codes.md.j2", codes=_codes())
    page("cli.md", "cli.md.j2", commands=list(commands))
    page("formats.md", "formats.md.j2")
    page("contribute.md", "contribute.md.j2")
    page("tags.md", "tags.md.j2")
    if trends is not None:  # after every initiative page: it adds a section to each
        from generator.site.trends import add_trends
        add_trends(files, pages, env, common, portfolio, trends, safe_ids, initiative_page, packer)
    files.update(_site_assets(templates_dir))
    if memo is not None:
        memo.forget_underived()
    nav = _nav(portfolio, safe, group_size)
    if trends is not None:
        nav.insert(1, {"Trends": "trends.md"})
    if coverages:  # after the checklist catalogue their items come from
        at = next((n for n, entry in enumerate(nav) if "Checklists" in entry), len(nav) - 1) + 1
        nav.insert(at, {"Frameworks": [framework_page(c.framework.id) for c in coverages]})
    if campaigns:
        nav.insert(1, {"Campaigns": [campaign_page(c.id) for c in campaigns]})
    return RenderedSite(files=files, nav=nav, pages=pages, skipped=skipped)


def _site_assets(templates_dir: Path) -> dict[str, str]:
    """templates/site/assets/** (styles, the board's script, vendored shims) by site path; a
    site owner's file of the same name wins over Launchboard's own."""
    assets: dict[str, str] = {}
    for base in (PACKAGE_TEMPLATES, templates_dir):  # the owner's copy last: it wins
        folder = base / "assets"
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.is_symlink() and path.suffix in (".css", ".js", ".txt"):
                assets["assets/" + path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8")
    return assets


def _site_templates(env: jinja2.Environment) -> list[str]:
    return [name for name in env.list_templates() if name.endswith(".j2") and "/" not in name]


def _compile_into_cache(templates_dir: Path, root: str) -> None:
    """(In a forked process.) Compile every site template; the cache keeps each, signed."""
    env = _environment(templates_dir, root)
    for name in _site_templates(env):
        env.get_template(name)


def precompile_templates(templates_dir: Path, root: Path | str) -> Callable[[], None]:
    """Start compiling the site templates into ROOT's template cache in a forked process,
    so a first build compiles them on the other core while it loads the records (about
    0.1 s, a sixth of the generator's time at 100 initiatives). Returns what waits for that
    process; does nothing where there is no template cache, nothing missing from it, or no
    second process (processes.second_process_pays)."""
    env = _environment(Path(templates_dir), root)
    cache = env.bytecode_cache
    if not isinstance(cache, TemplateCache) or not second_process_pays():
        return lambda: None
    if not any(cache.lacks(env, name) for name in _site_templates(env)):
        return lambda: None
    pool = forked_pool(1)
    job = pool.submit(_compile_into_cache, Path(templates_dir), str(root))

    def wait() -> None:
        try:
            job.result()
        except Exception:  # noqa: BLE001 - the build compiles whatever is still missing itself
            pass
        finally:
            pool.shutdown()

    return wait


# Below this many initiatives to render, a second process costs about what it saves
# (measured: 100 initiatives render in 0.38 s alone, 0.29 s with a forked second process).
PARALLEL_MIN_INITIATIVES = 100
_FORKED: dict[str, Any] = {}  # what a forked renderer inherits: the work and how to do it


def _render_all(todo: list[Initiative], render_one: Callable[[Initiative], InitiativeFiles]) -> dict[str, InitiativeFiles]:
    """Each initiative's files; with a forked second process rendering half, where that is
    safe (processes.may_fork) and pays. Jinja holds the GIL, so threads would not help; a
    fork inherits the portfolio and the compiled templates, and sends back only the text."""
    if len(todo) < PARALLEL_MIN_INITIATIVES or not second_process_pays():
        return {ini.id: render_one(ini) for ini in todo}
    from concurrent.futures.process import BrokenProcessPool

    half = len(todo) // 2
    mine, theirs = todo[:half], todo[half:]
    _FORKED.update(todo=theirs, render=render_one)
    try:
        with forked_pool(1) as pool:
            future = pool.submit(_render_forked)  # forks now, with _FORKED set
            out = {ini.id: render_one(ini) for ini in mine}
            out.update(future.result())
        return out
    except (OSError, BrokenProcessPool):
        return {ini.id: render_one(ini) for ini in todo}  # no processes here: render it all
    finally:
        _FORKED.clear()


def _render_forked() -> dict[str, InitiativeFiles]:
    render = _FORKED["render"]
    return {ini.id: render(ini) for ini in _FORKED["todo"]}


@dataclass
class InitiativeFiles:
    """One initiative's own files: its page, its decisions' pages, charts, badge and JSON."""

    files: dict[str, str | bytes]
    pages: set[str]
    skipped: list[str]
    board_row: str = ""  # its row of the board's table (board_row.md.j2)


def _initiative_files(
    env: jinja2.Environment,
    common: dict[str, Any],
    portfolio: Portfolio,
    ini: Initiative,
    state: InitiativeState | None,
    views: list[MetricView],
    decision_url: Any,
) -> InitiativeFiles:
    out = InitiativeFiles({}, set(), [])
    runbooks = runbook_views(ini, portfolio.policy, portfolio.as_of, state)

    def page(path: str, template: str, **ctx: Any) -> None:
        out.files[path] = env.get_template(template).render(page_path=path, **common, **ctx)
        out.pages.add(path)

    page(
        initiative_page(ini.id),
        "initiative.md.j2",
        ini=ini,
        state=state,
        metrics=views,
        tags=initiative_tags(ini),
        problems=portfolio.problems_for(ini.id),
        today=portfolio.as_of,
        checklist_tables=checklist_tables(portfolio.policy, ini, state),
        runbooks=runbooks,
        topic_rows=runbook_topic_rows(portfolio.policy, ini, state),
    )
    for view in runbooks:
        if view.page is None:
            out.skipped.append(f"{ini.id}/runbooks/{view.runbook.stem}")
            continue
        page(
            view.page,
            "runbook.md.j2",
            ini=ini,
            rb=view,
            tags=[t for t in ("runbook", ms.tag_name("severity", view.runbook.severity),
                              *(ms.tag_name("topic", topic) for topic in view.runbook.topics)) if t],
            problems=portfolio.problems_in(view.runbook.file),
        )
    for mv in views:
        if mv.chart:
            out.files[mv.chart] = charts.metric_chart(mv.metric)
    for d in ini.decisions:
        dpath = decision_url(d)
        if dpath is None:
            out.skipped.append(f"{ini.id}/{d.key}")
            continue
        page(
            dpath,
            "decision.md.j2",
            ini=ini,
            d=d,
            scores=_weighted_scores(d),
            tags=[t for t in (ms.tag_name("approach", chosen_approach(d)), ms.tag_name("decision", d.status)) if t],
            problems=portfolio.problems_in(d.file),
        )
    out.files[f"badges/{ini.id}.svg"] = charts.badge(
        "launch",
        f"{ini.stage} {state.current.complete}/{state.current.required}" if state else ini.stage,
        None if state is None else state.current.ready,
    )
    out.files[f"api/initiatives/{ini.id}.json"] = _json(initiative_json(portfolio, ini))
    out.board_row = env.get_template("board_row.md.j2").render(
        page_path="index.md", **common, ini=ini, state=state, metrics=views
    )
    return out


# --------------------------------------------------------------------------- the render memo

# What the per-initiative templates may use for the memo to be safe: the initiative's own
# context and the site-wide values the memo key covers (policy, stages, date, site name).
# A custom template that reads anything else (the whole portfolio, every state) turns the
# memo off, because its pages could then change when another initiative does.
_OWN_NAMES = frozenset({
    "ini", "state", "metrics", "tags", "problems", "today", "page_path", "d", "scores", "checklist_tables",
    "rb", "runbooks", "topic_rows", "item_anchor",
    "policy", "stages", "site_name", "initiative_page", "decision_url", "weighted", "css_path",
    "relative", "source_link", "sourced", "control_link", "control_chips", "anchor", "range", "dict", "lipsum", "cycler", "joiner", "namespace", "loop", "self", "varargs", "kwargs", "caller",
})
_OWN_TEMPLATES = ("initiative.md.j2", "decision.md.j2", "board_row.md.j2", "runbook.md.j2")
_SITE_NAMES = frozenset({"portfolio", "states", "views", "safe_ids"})  # everyone's data
# Pieces of portfolio pages with templates of their own, and what each may read: a framework
# page's section per control (its coverage, whose rows the memo compares; the framework; the
# way up to the site's root) and On call's block per initiative (its row).
_PIECES = ("framework_control.md.j2", "oncall_row.md.j2")
_PIECE_NAMES = {_PIECES[0]: _OWN_NAMES | {"c", "fw", "up", "item_cell"}, _PIECES[1]: _OWN_NAMES | {"row"}}


class RenderMemo:
    """Each initiative's files from the previous render_site in this process (mkdocs serve).

    An initiative's files are a function of its own records, the policy, the date, the
    templates and the problems reported against it, so they are kept under a key made of
    exactly those (see _memo_keys) and rendered again only when the key changes. Site-wide
    pages (the board, the decision log, ...) are always rendered fresh.
    """

    def __init__(self) -> None:
        self.env: jinja2.Environment | None = None
        self.templates = ""  # digest of every template the environment can load
        self.entries: dict[str, tuple[str, InitiativeFiles]] = {}
        self.hits = 0  # initiatives the last render took from the memo (tests, benchmarks)
        self._own: tuple[str, bool] | None = None  # (templates digest, templates_are_own)
        # (name, initiative id) -> (initiative, state, context, value), and this render's
        self._derived: dict[tuple[str, str], tuple[Any, Any, str, Any]] = {}
        self._derived_now: dict[tuple[str, str], tuple[Any, Any, str, Any]] = {}
        # (template, *key) -> (context, templates digest, the objects it shows, its text)
        self._pieces: dict[tuple, tuple[str, str, list, str]] = {}
        self._pieces_now: dict[tuple, tuple[str, str, list, str]] = {}
        self._pieces_own: dict[str, tuple[str, bool]] = {}  # template -> (templates digest, own)
        self.piece_hits = self.pieces_rendered = 0  # in the last render (tests, benchmarks)

    def environment(self, templates_dir: Path, root: Path | str | None = None) -> jinja2.Environment:
        """The previous render's environment (its compiled templates) while no template changed."""
        self.piece_hits = self.pieces_rendered = 0
        digest = _templates_digest(templates_dir)
        if self.env is None or digest != self.templates:
            self.env, self.templates = _environment(templates_dir, root), digest
        return self.env

    def templates_are_own(self, env: jinja2.Environment) -> bool:
        """Whether the per-initiative templates read only their initiative's values (parsed
        once per set of templates)."""
        if self._own is None or self._own[0] != self.templates:
            seen: set[str] = set()
            try:
                used = set().union(*(_template_names(env, name, seen) for name in _OWN_TEMPLATES))
            except jinja2.TemplateError:
                used = {"<unreadable>"}
            self._own = (self.templates, used <= _OWN_NAMES)
        return self._own[1]

    def files(
        self, initiatives: list[Initiative], render_one: Callable[[Initiative], InitiativeFiles], key_of: Callable | None
    ) -> dict[str, InitiativeFiles]:
        """Each initiative's files: from the memo when its key is unchanged, else rendered (and
        kept). Initiatives not asked about are forgotten; without `key_of` (the memo cannot be
        used for this portfolio or these templates) everything is rendered and nothing kept."""
        keys = {ini.id: key_of(ini) if key_of else None for ini in initiatives}
        out: dict[str, InitiativeFiles] = {}
        for ini in initiatives:
            entry = self.entries.get(ini.id)
            if keys[ini.id] and entry is not None and entry[0] == keys[ini.id]:
                out[ini.id] = entry[1]
        self.hits = len(out)
        rendered = _render_all([ini for ini in initiatives if ini.id not in out], render_one)
        out.update(rendered)
        self.entries = {ini_id: (key, out[ini_id]) for ini_id, key in keys.items() if key}
        return out


    def derived(self, name: str, ini: Initiative, state: InitiativeState | None, context: str, compute: Callable[[], Any]) -> Any:
        """A value computed from one initiative alone (its coverage marks, its expiries), kept
        while the LoadMemo hands back the very same Initiative and InitiativeState objects
        under the same context digest. Those objects are not changed after evaluation, and
        the memo holds them, so their identities cannot be reused by new objects."""
        key = (name, ini.id)
        held = self._derived.get(key)
        if context and held is not None and held[0] is ini and held[1] is state and held[2] == context:
            value = held[3]
        else:
            value = compute()
        if context:
            self._derived_now[key] = (ini, state, context, value)
        return value

    def pieces_are_own(self, env: jinja2.Environment, template: str) -> bool:
        """Whether a piece's template reads only what _PIECE_NAMES allows it."""
        held = self._pieces_own.get(template)
        if held is None or held[0] != self.templates:
            try:
                used = _template_names(env, template, set())
            except jinja2.TemplateError:
                used = {"<unreadable>"}
            held = self._pieces_own[template] = (self.templates, used <= _PIECE_NAMES.get(template, _OWN_NAMES))
        return held[1]

    def piece(self, key: tuple, objects: list, context: str, compute: Callable[[], str]) -> str:
        """A piece of a portfolio page again when the objects it shows are the very objects, in
        the same order, of the last render (RenderMemo.derived hands back an initiative's rows
        while it and its verdict are unchanged), under the same context and templates; the
        policy and the date, which the rows are judged by, are in the context."""
        held = self._pieces.get(key)
        if (held is not None and held[0] == context and held[1] == self.templates and len(held[2]) == len(objects)
                and all(a is b for a, b in zip(held[2], objects))):
            text = held[3]
            self.piece_hits += 1
        else:
            text = compute()
            self.pieces_rendered += 1
        self._pieces_now[key] = (context, self.templates, list(objects), text)
        return text

    def forget_underived(self) -> None:
        """Keep only what this render asked for."""
        self._derived, self._derived_now = self._derived_now, {}
        self._pieces, self._pieces_now = self._pieces_now, {}


class _Lazy(Mapping):
    """A mapping whose values are made on first read: `views`, which custom templates may read."""

    def __init__(self, sources: dict[str, Any], make: Callable[[Any], Any]) -> None:
        self._sources, self._make, self._made = sources, make, {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._made:
            self._made[key] = self._make(self._sources[key])
        return self._made[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def _templates_digest(templates_dir: Path) -> str:
    """Names and bytes of every file under the template folders (the site's, then the defaults)."""
    h = hashlib.blake2b(digest_size=20)
    for folder in dict.fromkeys([templates_dir.resolve(), PACKAGE_TEMPLATES.resolve()]):
        h.update(str(folder).encode("utf-8", "surrogatepass") + b"\0")
        for path in sorted(folder.rglob("*.j2")) if folder.is_dir() else ():
            h.update(path.relative_to(folder).as_posix().encode("utf-8", "surrogatepass") + b"\0")
            try:
                h.update(path.read_bytes())
            except OSError:
                h.update(b"\0unreadable")
            h.update(b"\0")
    return h.hexdigest()


def _template_names(env: jinja2.Environment, name: str, seen: set[str]) -> set[str]:
    """The undeclared variables of a template and of every template it imports or includes."""
    if name in seen:
        return set()
    seen.add(name)
    source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
    ast = env.parse(source)
    # Names the template sets itself ({% set %} in a block, loop variables, macro arguments)
    # are its own; any read of a site-wide name is reported even if the template also sets it.
    stored = {n.name for n in ast.find_all(jinja2.nodes.Name) if n.ctx in ("store", "param")}
    loaded = {n.name for n in ast.find_all(jinja2.nodes.Name) if n.ctx == "load"}
    names = (set(jinja2.meta.find_undeclared_variables(ast)) - stored) | (loaded & _SITE_NAMES)
    for ref in jinja2.meta.find_referenced_templates(ast):
        if ref is None:  # a computed name: cannot tell what it reads
            return {"<dynamic>"}
        names |= _template_names(env, ref, seen)
    return names


def _memo_keys(env: jinja2.Environment, templates_dir: Path, portfolio: Portfolio, site_name: str, memo: "RenderMemo"):
    """A function from an initiative to its memo key, or None when the memo cannot be used."""
    context = portfolio.digests.get("")
    if not context:
        return None  # a hand-made Portfolio: nothing says what its records were
    if not memo.templates_are_own(env):
        return None
    base = json.dumps([context, portfolio.as_of, site_name, memo.templates or _templates_digest(templates_dir)])

    def key(ini: Initiative) -> str | None:
        folder = portfolio.digests.get(ini.id)
        if folder is None:
            return None
        problems = [p.as_dict() for p in portfolio.problems_for(ini.id)]
        for d in ini.decisions:
            problems += [p.as_dict() for p in portfolio.problems_in(d.file)]
        for rb in ini.runbooks.values():
            problems += [p.as_dict() for p in portfolio.problems_in(rb.file)]
        text = json.dumps([base, folder, problems], sort_keys=True, ensure_ascii=False)
        return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=20).hexdigest()

    return key


# --------------------------------------------------------------------------- writing


def _target(out: Path, rel: str) -> Path:
    """`out/rel`, refusing absolute paths, `..` and anything that resolves outside `out`."""
    parts = rel.split("/")
    if not rel or rel.startswith("/") or "\\" in rel or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise ms.UnsafePath(f"refusing to write {rel!r}")
    path = out.joinpath(*parts)
    if not path.resolve().is_relative_to(out.resolve()):
        raise ms.UnsafePath(f"refusing to write {rel!r} outside {out}")
    return path


def write_file(out_dir: Path, rel: str, content: str | bytes) -> Path:
    """Write one of a site's files at `out_dir/rel`, never outside `out_dir` (`_target`)."""
    path = _target(out_dir, rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="\n")
    return path


def move_file(from_dir: Path, out_dir: Path, rel: str) -> Path:
    """Move the file written at `from_dir/rel` to `out_dir/rel`, neither outside its folder."""
    source, path = _target(from_dir, rel), _target(out_dir, rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(source, path)
    return path


def write_site(site: RenderedSite, out_dir: Path) -> None:
    """Write every file into `out_dir`, atomically: a temporary folder beside it is renamed
    into place only once complete, so a failure leaves the previous contents untouched."""
    out_dir = Path(out_dir).absolute()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        for rel, content in sorted(site.files.items()):
            write_file(tmp, rel, content)
        mark_output(tmp)
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def mark_output(folder: Path) -> None:
    (Path(folder) / OUTPUT_MARKER).write_text("written by launchboard; replaced whole on the next build\n", encoding="utf-8")


def replace_dir(new: Path, target: Path) -> None:
    """Move the complete folder `new` to `target`, replacing what was there."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
