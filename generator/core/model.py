"""The domain, as plain typed data passed between the pipeline's steps.

load (loader.py) -> validate (validate.py) -> evaluate (evaluate.py) -> report/render.
Every step takes and returns these dataclasses, so each can be tested alone and the CLI
and the MkDocs plugin are thin callers of the same core (pipeline.py).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """Where a value lives: a POSIX path relative to ROOT, 1-based line and column."""

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Problem:
    location: Location
    severity: Severity
    code: str  # stable rule code, e.g. "LB201"; see generator/core/codes.py
    message: str  # says what to change
    initiative: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def sort_key(self) -> tuple:
        return (self.location.file, self.location.line, self.location.column, self.code, self.message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "initiative": self.initiative,
        }


# --------------------------------------------------------------------------- policy


@dataclass(slots=True)
class ItemSpec:
    """One item of a checklist as the policy defines it."""

    id: str
    title: str
    required_from: str
    when: dict[str, list[str]] = field(default_factory=dict)  # e.g. {"approach": ["rag"]}
    allow_na: bool = True
    description: str = ""
    controls: list[str] = field(default_factory=list)  # "framework:control-id" refs, see core/frameworks.py
    effective: str = ""  # ISO date: announced until then (does not block), in force from it

    def applies_to(self, initiative: "Initiative") -> bool:
        """True when every `when` condition matches the initiative's field value."""
        for key, allowed in self.when.items():
            value = getattr(initiative, key, None)
            values = value if isinstance(value, list) else [value]
            if not any(v in allowed for v in values):
                return False
        return True


@dataclass(slots=True)
class ChecklistSpec:
    id: str
    title: str
    owners: list[str]
    items: list[ItemSpec]
    description: str = ""

    def item(self, item_id: str) -> ItemSpec | None:
        return next((i for i in self.items if i.id == item_id), None)


@dataclass(slots=True)
class RunbookTopic:
    """A situation the policy wants a runbook for (policy.yaml `runbooks.topics`)."""

    id: str
    title: str
    required_from: str
    when: dict[str, list[str]] = field(default_factory=dict)  # as ItemSpec.when
    exercised: bool = False  # the covering runbook needs a recent `passed` exercise
    description: str = ""
    controls: list[str] = field(default_factory=list)  # framework:control-id, as on checklist items
    effective: str = ""  # ISO date: announced until then (does not block), in force from it

    def applies_to(self, initiative: "Initiative") -> bool:
        """True when every `when` condition matches the initiative (the rule of ItemSpec)."""
        return ItemSpec.applies_to(self, initiative)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class PinnedGate:
    """A metric gate the policy pins for one initiative (policy.yaml `metric_gates`)."""

    initiative: str
    metric: str
    gate_from: str
    target: float
    direction: str  # lower | higher is better
    index: int = 0  # its position in the policy's list, for locations


@dataclass(slots=True)
class Campaign:
    """A dated raise of the bar (policy.yaml `campaigns`): for the initiatives in `scope`, its
    requirements take effect on `target`, as if `effective` were written on them."""

    id: str
    title: str
    owner: str
    target: str
    requirements: list[str]  # "checklist/item" or "runbooks/topic"
    brief: str = ""
    scope: dict[str, list[str]] = field(default_factory=dict)  # a `when` filter
    index: int = 0  # position in the policy's list, for locations

    def reaches(self, initiative: "Initiative") -> bool:
        return ItemSpec.applies_to(self, initiative)  # type: ignore[arg-type]

    @property
    def when(self) -> dict[str, list[str]]:  # ItemSpec.applies_to reads `when`
        return self.scope


@dataclass(slots=True)
class Criterion:
    id: str
    title: str
    description: str = ""
    favours: list[str] = field(default_factory=list)  # approaches this criterion tends to favour


@dataclass(slots=True)
class Policy:
    stages: list[str]
    approval_max_age_days: int
    waiver_max_days: int
    checklists: dict[str, ChecklistSpec]
    criteria: dict[str, Criterion]
    file: str = "decisions/policy.yaml"
    # `runbooks:` -- empty topics when the policy has no such section (no runbook gate)
    runbook_topics: dict[str, RunbookTopic] = field(default_factory=dict)  # by id, in policy order
    exercise_max_age_days: int = 180
    runbook_owners: list[str] = field(default_factory=list)  # as written, else the on-call checklist's owners
    metric_max_age_days: int = 14  # a gated metric's latest measurement older than this does not count
    metric_gates: list["PinnedGate"] = field(default_factory=list)  # gates the policy pins (a team may not weaken them)
    campaigns: list["Campaign"] = field(default_factory=list)
    frameworks: list[str] = field(default_factory=list)  # packs the policy maps its items to

    def stage_index(self, stage: str) -> int:
        return self.stages.index(stage)

    def next_stage(self, stage: str) -> str | None:
        """The stage after `stage`; None at the last stage and for the terminal `retired`."""
        if stage not in self.stages or stage == "retired":
            return None
        i = self.stages.index(stage) + 1
        if i >= len(self.stages) or self.stages[i] == "retired":
            return None
        return self.stages[i]


@dataclass(frozen=True, slots=True)
class Control:
    id: str
    title: str


@dataclass(slots=True)
class Framework:
    """A control framework pack: shipped with Launchboard or in decisions/frameworks/."""

    id: str
    title: str
    version: str
    source: str
    licence: str
    controls: list[Control]
    file: str  # where it was read: "decisions/frameworks/<id>.yaml", or "(shipped) <id>.yaml"
    shipped: bool = False
    description: str = ""
    _by_id: dict[str, Control] | None = field(default=None, init=False, repr=False, compare=False)

    def control(self, control_id: str) -> Control | None:
        if self._by_id is None:  # a policy names controls thousands of times: one index
            self._by_id = {}
            for control in self.controls:
                self._by_id.setdefault(control.id, control)
        return self._by_id.get(control_id)


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class StageEntry:
    stage: str
    date: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Source:
    """The evaluation run a measurement was read from (`launchboard ingest`)."""

    tool: str  # promptfoo | lm-eval | inspect | json (or another tool's name, written by hand)
    file: str  # path relative to the repository root, or the bare file name when outside it
    sha256: str
    run: str = ""  # the tool's run id, when the file has one


@dataclass(slots=True)
class Measurement:
    date: str
    value: float
    source: Source | None = None


class Measurements(Sequence[Measurement]):
    """A metric's measurements, kept as a tuple of dates and a tuple of values and handed
    out as Measurement objects. Weekly points are most of a portfolio's objects: at 5,000
    initiatives, 780,000 Measurement objects in lists held 49 MB more than the tuples do,
    which took `check` over 300 MB with its two workers."""

    __slots__ = ("dates", "values", "sources")

    def __init__(self, points: Iterable[Measurement] = ()) -> None:
        points = list(points)
        self.dates = tuple(p.date for p in points)
        self.values = tuple(p.value for p in points)
        self.sources = _sources(p.source for p in points)

    @classmethod
    def of(cls, dates: Iterable[str], values: Iterable[float], sources: Iterable[Source | None] = ()) -> "Measurements":
        made = cls()
        made.dates, made.values, made.sources = tuple(dates), tuple(values), _sources(sources)
        if len(made.dates) != len(made.values) or (made.sources and len(made.sources) != len(made.dates)):
            raise ValueError("as many dates as values (and sources, when any)")
        return made

    def __len__(self) -> int:
        return len(self.dates)

    def _source(self, index: int) -> Source | None:
        return self.sources[index] if self.sources else None

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return Measurements.of(self.dates[index], self.values[index], self.sources[index])
        return Measurement(self.dates[index], self.values[index], self._source(index))

    def __iter__(self) -> Iterator[Measurement]:
        if self.sources:
            return map(Measurement, self.dates, self.values, self.sources)
        return map(Measurement, self.dates, self.values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Measurements):
            return self.dates == other.dates and self.values == other.values and self.sources == other.sources
        return isinstance(other, (list, tuple)) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Measurements({list(self)!r})"


def _sources(sources: Iterable[Source | None]) -> tuple[Source | None, ...]:
    """Sources as a tuple, or () when no measurement has one (most metrics: no per-point cost)."""
    held = tuple(sources)
    return held if any(s is not None for s in held) else ()


@dataclass(slots=True)
class Metric:
    id: str
    title: str
    unit: str
    direction: str  # "lower" | "higher" is better
    baseline: float | None
    target: float
    measurements: Sequence[Measurement] = field(default_factory=Measurements)
    gate_from: str | None = None  # from this stage on, the latest measurement must meet target

    @property
    def latest(self) -> Measurement | None:
        """The newest measurement; of two on one date, the one written later (an ingested re-run)."""
        points = self.measurements
        if not points:
            return None
        dates = points.dates if isinstance(points, Measurements) else [m.date for m in points]
        return points[max(range(len(dates) - 1, -1, -1), key=dates.__getitem__)]

    @property
    def has_sources(self) -> bool:
        points = self.measurements
        return bool(points.sources) if isinstance(points, Measurements) else any(m.source for m in points)

    def meets(self, value: float) -> bool:
        return value <= self.target if self.direction == "lower" else value >= self.target

    @property
    def on_target(self) -> bool | None:
        latest = self.latest
        if latest is None:
            return None
        return self.meets(latest.value)


@dataclass(slots=True)
class Option:
    id: str
    approach: str
    summary: str = ""
    pros: list[str] = field(default_factory=list)
    cons: list[str] = field(default_factory=list)
    scores: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    chosen: str
    rationale: str = ""
    override: bool = False


@dataclass(slots=True)
class Decision:
    initiative: str
    number: int
    slug: str  # file stem without the number, e.g. "rag-over-fine-tuning"
    file: str
    title: str
    status: str
    date: str
    deciders: list[str]
    context: str
    criteria: list[tuple[str, int]]  # (criterion id, weight), in the record's order
    options: list[Option]
    outcome: Outcome
    consequences_positive: list[str] = field(default_factory=list)
    consequences_negative: list[str] = field(default_factory=list)
    supersedes: list[int] = field(default_factory=list)
    review_by: str | None = None
    tags: list[str] = field(default_factory=list)
    # computed by evaluate.py
    superseded_by: list[int] = field(default_factory=list)
    weighted_scores: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """Stable page key, e.g. "0001-rag-over-fine-tuning"."""
        return f"{self.number:04d}-{self.slug}" if self.slug else f"{self.number:04d}"

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)

    @property
    def best_option(self) -> str | None:
        if not self.weighted_scores:
            return None
        return max(self.weighted_scores, key=lambda k: (self.weighted_scores[k], -list(self.weighted_scores).index(k)))


@dataclass(slots=True)
class Waiver:
    reason: str = ""
    approver: str = ""
    date: str = ""
    expires: str = ""


@dataclass(slots=True)
class ChecklistItem:
    id: str
    status: str  # todo | in-progress | done | waived | not-applicable
    evidence: str = ""
    approver: str = ""
    date: str = ""
    reason: str = ""
    note: str = ""
    waiver: Waiver | None = None


@dataclass(slots=True)
class Checklist:
    initiative: str
    id: str
    file: str
    items: dict[str, ChecklistItem]


@dataclass(slots=True)
class RunbookStep:
    step: str
    command: str = ""
    effect: str = ""  # read-only | write | destructive; "" when the record does not say
    approval: str = ""  # who must approve before it runs: a handle or an incident role


@dataclass(slots=True)
class Trigger:
    alert: str
    url: str = ""
    note: str = ""


@dataclass(slots=True)
class Rollback:
    kill_switch: str = ""
    pinned: dict[str, str] = field(default_factory=dict)  # component -> known-good version
    steps: list[RunbookStep] = field(default_factory=list)


@dataclass(slots=True)
class Escalation:
    after_minutes: int
    contact: str
    note: str = ""


@dataclass(slots=True)
class Exercise:
    date: str
    kind: str  # drill | game-day | incident
    outcome: str  # passed | issues-found | failed
    evidence: str = ""
    note: str = ""


@dataclass(slots=True)
class Runbook:
    initiative: str
    id: str  # the `runbook` field; evaluate.py reports a difference from the file name
    file: str
    title: str
    severity: str
    topics: list[str] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    impact: str = ""
    diagnosis: list[RunbookStep] = field(default_factory=list)
    mitigation: list[RunbookStep] = field(default_factory=list)
    rollback: Rollback | None = None
    verify: list[RunbookStep] = field(default_factory=list)
    escalation: list[Escalation] = field(default_factory=list)
    exercises: list[Exercise] = field(default_factory=list)  # in the record's order

    @property
    def stem(self) -> str:
        """The file name without .yaml: the runbook's page key."""
        return self.file.rsplit("/", 1)[-1].rsplit(".", 1)[0]

    def last_passed(self, as_of: str | None = None) -> Exercise | None:
        """The latest exercise with outcome `passed`, ignoring any dated after AS_OF."""
        passed = [e for e in self.exercises if e.outcome == "passed" and (as_of is None or e.date <= as_of)]
        return max(passed, key=lambda e: e.date) if passed else None


@dataclass(slots=True)
class Initiative:
    id: str
    file: str  # decisions/<id>/initiative.yaml
    title: str
    summary: str
    owners: list[str]
    risk: str
    approach: str
    stage: str
    history: list[StageEntry]
    metrics: list[Metric] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)  # sorted by number
    checklists: dict[str, Checklist] = field(default_factory=dict)  # by checklist id
    runbooks: dict[str, Runbook] = field(default_factory=dict)  # by file stem, sorted by file

    def decision(self, number: int) -> Decision | None:
        return next((d for d in self.decisions if d.number == number), None)


# --------------------------------------------------------------------------- evaluation


# The kinds of requirement the ledger holds, and the `checklist` their entries carry when the
# requirement is not a policy checklist's item. Every face reads these names from here.
KIND_CHECKLIST = "checklist"
KIND_RUNBOOK = "runbook"
KIND_METRIC = "metric"
RUNBOOKS = "runbooks"  # the `checklist` of a runbook topic's entry
METRICS = "metrics"  # the `checklist` of a metric gate's entry


@dataclass(slots=True)
class Requirement:
    """One entry of an initiative's ledger: one requirement that applies to it (a policy
    checklist item, a runbook topic or a metric gate), judged once, as of one date.

    `complete`: the claim is whole and holds today (done with evidence that resolves, an
    allowed approver and a fresh date; a covering runbook with, where it must be exercised,
    a recent passed exercise with evidence; a metric met by a fresh measurement).
    `counts`: it counts for the gate -- complete, validly waived or validly not applicable.
    A waiver counts but is never complete evidence. Every face presents these two answers
    and decides nothing itself.
    """

    checklist: str  # the checklist id, RUNBOOKS or METRICS
    item: str  # item, topic or metric id
    title: str
    required_from: str
    status: str  # as recorded ("todo" when the file omits it); topics: missing | covered | exercised | not-exercised
    complete: bool
    reason: str  # why it is not complete ("" when complete); for a counting waiver, what it rests on
    location: Location
    kind: str = KIND_CHECKLIST
    counts: bool | None = None  # None: as complete (set by the evaluator for waivers and not-applicable)
    controls: list[str] = field(default_factory=list)  # framework:control ids the requirement satisfies
    required: bool = True  # required at the initiative's current stage: blocks its gate
    basis: str = ""  # what the verdict rests on (approval, exercise, measurement), for diff
    lapses: str = ""  # ISO date the approval, waiver, exercise or measurement stops (or stopped) counting
    effective: str = ""  # ISO date from which it is in force (its own `effective` or a campaign's target)
    announced: bool = False  # the stage reaches it but its effective date has not come: it does not block yet

    def __post_init__(self) -> None:
        if self.counts is None:
            self.counts = self.complete

    @property
    def key(self) -> str:
        return f"{self.checklist}/{self.item}"

    def as_dict(self) -> dict[str, Any]:
        """The ledger entry as `check --format json` carries it (binding field names)."""
        return {
            "kind": self.kind,
            "checklist": self.checklist,
            "item": self.item,
            "required_from": self.required_from,
            "status": self.status,
            "complete": self.complete,
            "counts": bool(self.counts),
            "reason": self.reason or None,
            "controls": list(self.controls),
        }


ItemVerdict = Requirement  # the name the faces used before the ledger


@dataclass(slots=True)
class Readiness:
    """How ready an initiative is for one stage: the ledger's entries that stage requires."""

    stage: str
    verdicts: list[Requirement]

    @property
    def required(self) -> int:
        return len(self.verdicts)

    @property
    def complete(self) -> int:
        """How many count for the gate (complete, validly waived or not applicable)."""
        return sum(1 for v in self.verdicts if v.counts)

    @property
    def blocking(self) -> list[Requirement]:
        return [v for v in self.verdicts if not v.counts]

    @property
    def ratio(self) -> float:
        return 1.0 if not self.verdicts else self.complete / self.required

    @property
    def ready(self) -> bool:
        return self.complete == self.required

    @property
    def topics(self) -> list[Requirement]:
        """The runbook topics this stage requires (also counted in required and complete)."""
        return [v for v in self.verdicts if v.kind == KIND_RUNBOOK]

    def as_dict(self) -> dict[str, Any]:
        topics = self.topics
        return {
            "stage": self.stage,
            "required": self.required,
            "complete": self.complete,
            "ready": self.ready,
            "runbooks": {"required": len(topics), "complete": sum(1 for v in topics if v.counts)},
            "blocking": [
                {
                    "kind": v.kind,
                    "checklist": v.checklist,
                    "item": v.item,
                    "title": v.title,
                    "status": v.status,
                    "reason": v.reason,
                    "file": v.location.file,
                    "line": v.location.line,
                }
                for v in self.blocking
            ],
        }


@dataclass(slots=True)
class MetricGate:
    """A metric with `gate_from`, judged for the initiative's stage (evaluate.py)."""

    metric: str
    title: str
    gate_from: str
    applies: bool  # the initiative has reached gate_from
    holds: bool  # latest measurement exists, is fresh and meets target
    reason: str  # why it does not hold ("" when it holds)
    latest: float | None
    latest_date: str | None
    target: float
    unit: str
    direction: str
    code: str = ""  # the finding when it does not hold: LB230 never measured, LB231 stale, LB232 misses target
    location: Location = field(default_factory=lambda: Location(""))
    lapses: str = ""  # when the latest measurement stops being fresh enough

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "gate_from": self.gate_from,
            "applies": self.applies,
            "holds": self.holds,
            "reason": self.reason,
            "latest": self.latest,
            "latest_date": self.latest_date,
            "target": self.target,
            "unit": self.unit,
            "direction": self.direction,
        }


@dataclass(slots=True)
class InitiativeState:
    """What evaluate.py computed for one initiative."""

    id: str
    stage: str
    approach: str
    current: Readiness
    next: Readiness | None
    errors: int = 0
    warnings: int = 0
    metric_gates: list[MetricGate] = field(default_factory=list)
    # "checklist/item" -> why: `done` items the stage does not require yet that lack what done requires (LB306)
    incomplete_claims: dict[str, str] = field(default_factory=dict)
    # The ledger: every requirement that applies to the initiative at any stage, judged once,
    # in policy order (checklist items, runbook topics, metric gates).
    requirements: list[Requirement] = field(default_factory=list)
    _by_key: dict[tuple[str, str], Requirement] | None = field(default=None, init=False, repr=False, compare=False)

    def requirement(self, checklist: str, item: str) -> Requirement | None:
        """The ledger's entry for one requirement, or None when it does not apply."""
        if self._by_key is None:
            self._by_key = {(r.checklist, r.item): r for r in self.requirements}
        return self._by_key.get((checklist, item))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "stage": self.stage,
            "approach": self.approach,
            "readiness": self.current.as_dict(),
            "next": self.next.as_dict() if self.next else None,
            "errors": self.errors,
            "warnings": self.warnings,
            "requirements": [r.as_dict() for r in self.requirements],
            # only where a metric gates, so records without gates report as they always did
            **({"metric_gates": [g.as_dict() for g in self.metric_gates]} if self.metric_gates else {}),
        }


@dataclass(slots=True)
class Portfolio:
    """Everything one run of the pipeline knows: records, verdicts and problems."""

    root: str
    as_of: str  # ISO date used as "today"
    policy: Policy | None
    initiatives: list[Initiative]  # sorted by id
    states: dict[str, InitiativeState]
    problems: list[Problem]
    unusable: bool = False  # no policy or an invalid one: exit 2
    # Every control framework pack known (shipped and the repository's own), by id.
    frameworks: dict[str, Framework] = field(default_factory=dict)
    # Folder name -> digest of its record files (names, kinds, bytes); "" -> the digest of
    # what every folder's verdict also depends on (policy, schemas, date). Keys the memos.
    digests: dict[str, str] = field(default_factory=dict)
    _problem_index: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]

    def initiative(self, initiative_id: str) -> Initiative | None:
        return next((i for i in self.initiatives if i.id == initiative_id), None)

    def problems_for(self, initiative_id: str) -> list[Problem]:
        return self._index()[0].get(initiative_id, [])

    def problems_in(self, file: str) -> list[Problem]:
        return self._index()[1].get(file, [])

    def _index(self) -> tuple[dict[str | None, list[Problem]], dict[str, list[Problem]]]:
        """Problems by initiative and by file, built once: the renderer asks for every page."""
        if self._problem_index is None:
            by_initiative: dict[str | None, list[Problem]] = {}
            by_file: dict[str, list[Problem]] = {}
            for problem in self.problems:
                by_initiative.setdefault(problem.initiative, []).append(problem)
                by_file.setdefault(problem.location.file, []).append(problem)
            self._problem_index = (by_initiative, by_file)
        return self._problem_index
