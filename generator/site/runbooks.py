"""What the site shows of runbooks: each runbook's page view, the On call page, the alerts feed.

A runbook page is read by someone paged at 3 a.m., so the view answers their questions in
order: how bad (severity, triggers), what it does to users, what to look at, what to do, how
to roll back to the pinned known-good versions, how to tell it worked, who to call — and
whether this runbook was ever run for real (its exercises and their age).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, Callable

from generator.core.model import RUNBOOKS, Escalation, Exercise, Initiative, InitiativeState, ItemVerdict, Policy, Portfolio, Runbook
from generator.site import markdown_safety as ms

# The stages whose initiatives serve real users, for the On call page; a policy without these
# names shows every initiative past its first stage that is not retired.
LIVE_STAGES = ("canary", "ga")
TERMINAL_STAGE = "retired"


def runbook_page(runbook: Runbook) -> str:
    """The runbook's page, a stable URL a monitoring system's runbook_url can point at."""
    return f"initiatives/{ms.path_segment(runbook.initiative)}/runbooks/{ms.path_segment(runbook.stem)}.md"


def runbook_url(runbook: Runbook) -> str | None:
    """runbook_page, or None when the initiative or file name is not a safe page name."""
    try:
        return runbook_page(runbook)
    except ms.UnsafePath:
        return None


def served_path(page: str) -> str:
    """The page's URL path on the published site (directory URLs): x/index.md -> x/, x/y.md -> x/y/."""
    if page.endswith("/index.md"):
        return page[: -len("index.md")]
    return page[: -len(".md")] + "/"


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


@dataclass
class RunbookView:
    """One runbook as its page, the initiative page and the On call page show it."""

    runbook: Runbook
    page: str | None
    topics: list[tuple[str, str]]  # (topic id, title from the policy, or the id)
    last: Exercise | None  # the latest exercise up to today, whatever its outcome
    last_passed: Exercise | None
    passed_age: int | None  # days since last_passed
    lapsed: bool  # the ledger does not count the exercise of a topic it covers that must be exercised
    first_contact: Escalation | None
    exercises: list[tuple[Exercise, int | None]] = field(default_factory=list)  # newest first, with age
    needs_exercise: bool = False  # it covers a topic the policy wants exercised

    @property
    def steps_total(self) -> int:
        rb = self.runbook
        return len(rb.diagnosis) + len(rb.mitigation) + len(rb.verify) + (len(rb.rollback.steps) if rb.rollback else 0)


def runbook_view(runbook: Runbook, policy: Policy | None, as_of: str, state: InitiativeState | None = None) -> RunbookView:
    today = _date(as_of) or dt.date.today()
    titles = {t.id: t.title for t in policy.runbook_topics.values()} if policy else {}
    dated = [(e, _date(e.date)) for e in runbook.exercises]
    past = sorted(((e, d) for e, d in dated if d is not None and d <= today), key=lambda pair: pair[1], reverse=True)
    last = past[0][0] if past else None
    passed = next(((e, d) for e, d in past if e.outcome == "passed"), None)
    age = (today - passed[1]).days if passed else None
    contacts = sorted(runbook.escalation, key=lambda c: c.after_minutes)
    return RunbookView(
        runbook=runbook,
        page=runbook_url(runbook),
        topics=[(t, titles.get(t, t)) for t in runbook.topics],
        last=last,
        last_passed=passed[0] if passed else None,
        passed_age=age,
        lapsed=_exercise_lapsed(runbook, state),
        first_contact=contacts[0] if contacts else None,
        exercises=[(e, (today - d).days if d else None) for e, d in sorted(dated, key=lambda p: p[0].date, reverse=True)],
        needs_exercise=bool(policy) and any(
            t.exercised for t in policy.runbook_topics.values() if t.id in runbook.topics),  # type: ignore[union-attr]
    )


def runbook_views(ini: Initiative, policy: Policy | None, as_of: str, state: InitiativeState | None = None) -> list[RunbookView]:
    return [runbook_view(rb, policy, as_of, state) for rb in ini.runbooks.values()]


def _exercise_lapsed(runbook: Runbook, state: InitiativeState | None) -> bool:
    """Whether the ledger refuses the exercise of a topic this runbook covers that must be
    exercised (too old, no evidence, never passed): the ledger's verdict, not a second one."""
    for topic in runbook.topics:
        entry = state.requirement(RUNBOOKS, topic) if state is not None else None
        if entry is not None and entry.status in ("exercised", "not-exercised") and not entry.counts:
            return True
    return False


def is_live(ini: Initiative, policy: Policy | None) -> bool:
    """Serving real users: canary or ga, or (a policy without those names) past the first stage."""
    if ini.stage == TERMINAL_STAGE:
        return False
    stages = policy.stages if policy else []
    if any(s in stages for s in LIVE_STAGES):
        return ini.stage in LIVE_STAGES
    return bool(stages) and ini.stage in stages and stages.index(ini.stage) > 0


@dataclass
class Drill:
    """Whether a runbook's exercises still count, as the On call page says it. The verdict is
    the core's (the runbook gate's verdicts for the topics the runbook covers), not decided here."""

    counts: bool | None  # None: no topic it covers is judged at this stage
    lapses: dt.date | None  # when its last passed exercise stops counting (topics that need one)
    days: int | None  # from today to `lapses`; 0 is the day it lapses, negative after


@dataclass
class OnCallRow:
    """One live initiative on the On call page: what an incident commander opens first."""

    initiative: Initiative
    runbooks: list[RunbookView]
    rollback: RunbookView | None  # the runbook covering the `rollback` topic
    first_contact: Escalation | None
    last_exercised: RunbookView | None  # the runbook with the most recent passed exercise
    failing: list[RunbookView]  # runbooks whose latest exercise did not pass
    kill_switch: str = ""  # the rollback runbook's, else the first runbook's that has one
    pinned: dict[str, str] = field(default_factory=dict)  # the known-good versions to return to
    drills: dict[str, Drill] = field(default_factory=dict)  # runbook stem -> its drill
    lapsed: list[RunbookView] = field(default_factory=list)  # runbooks the gate no longer counts


def drill(view: RunbookView, judged: dict[str, ItemVerdict], max_age: int, today: dt.date) -> Drill:
    """`judged`: the current stage's runbook verdicts by topic id (Readiness.verdicts, kind "runbook").
    Whether the drill counts and when it lapses are the ledger's (the topic's `counts` and
    `lapses`); only a runbook whose topics the stage does not judge yet falls back to its own
    last passed exercise, to say when it would lapse."""
    verdicts = [judged[t] for t in view.runbook.topics if t in judged]
    counts = all(v.counts for v in verdicts) if verdicts else None
    dated = [dt.date.fromisoformat(v.lapses) for v in verdicts if v.lapses]
    if verdicts:  # the ledger judged it: its date, or none (a drill it did not accept has none)
        lapses: dt.date | None = min(dated) if dated else None
    else:
        passed = _date(view.last_passed.date) if view.last_passed else None
        lapses = passed + dt.timedelta(days=max_age) if passed and view.needs_exercise else None
    return Drill(counts, lapses, (lapses - today).days if lapses else None)


def on_call_rows(portfolio: Portfolio, safe: list[Initiative], keep: Callable[[str, Initiative, Callable[[], Any]], Any] | None = None) -> list[OnCallRow]:
    """The On call page's rows, by title. `keep(name, initiative, compute)` may hand back a
    row computed before (render.RenderMemo.derived under `mkdocs serve`): a row is a function
    of its initiative, its verdict, the policy and the date alone."""
    policy = portfolio.policy
    today = _date(portfolio.as_of) or dt.date.today()
    rows = []
    for ini in sorted((i for i in safe if is_live(i, policy)), key=lambda i: (i.title.casefold(), i.id)):
        state = portfolio.states.get(ini.id)
        compute = functools.partial(_on_call_row, ini, policy, portfolio.as_of, state, today)
        rows.append(keep("oncall", ini, compute) if keep is not None else compute())
    return rows


def _on_call_row(ini: Initiative, policy: Policy | None, as_of: str, state: InitiativeState | None, today: dt.date) -> OnCallRow:
    max_age = policy.exercise_max_age_days if policy else 180
    # the most severe first: sev1 is what the incident commander needs before sev4
    views = sorted(runbook_views(ini, policy, as_of, state), key=lambda v: (v.runbook.severity, v.runbook.title.casefold()))
    rollback = next((v for v in views if "rollback" in v.runbook.topics), None)
    contacts = [v.first_contact for v in ([rollback] if rollback else []) + views if v.first_contact]
    exercised = [v for v in views if v.passed_age is not None]
    judged = {v.item: v for v in state.current.verdicts if v.kind == "runbook"} if state else {}
    drills = {v.runbook.stem: drill(v, judged, max_age, today) for v in views}
    switches = [v.runbook.rollback for v in ([rollback] if rollback else []) + views if v.runbook.rollback]
    return OnCallRow(
        initiative=ini,
        runbooks=views,
        rollback=rollback,
        first_contact=contacts[0] if contacts else None,
        last_exercised=min(exercised, key=lambda v: v.passed_age) if exercised else None,
        failing=[v for v in views if v.last is not None and v.last.outcome != "passed"],
        kill_switch=next((r.kill_switch for r in switches if r.kill_switch), ""),
        pinned=next((dict(r.pinned) for r in switches if r.pinned), {}),
        drills=drills,
        lapsed=[v for v in views if drills[v.runbook.stem].counts is False],
    )


def alerts_feed(portfolio: Portfolio, safe: list[Initiative]) -> dict[str, Any]:
    """api/alerts.json: every alert name to its runbook's page, for monitoring systems'
    runbook_url (the site's URL + `path`). Alert names are unique in the portfolio (LB172);
    where a check still reports a clash, the first runbook in file order keeps the name."""
    alerts: dict[str, Any] = {}
    for ini in safe:
        for rb in ini.runbooks.values():
            page = runbook_url(rb)
            if page is None:
                continue
            for trigger in rb.triggers:
                alerts.setdefault(trigger.alert, {
                    "initiative": ini.id,
                    "runbook": rb.stem,
                    "title": rb.title,
                    "severity": rb.severity,
                    "path": served_path(page),
                })
    return {"as_of": portfolio.as_of, "alerts": dict(sorted(alerts.items()))}
