"""Every kind of record Launchboard reads, declared once.

Each entry says where a kind's files live, which schema validates them, how a document
becomes a typed record, where its rules are applied, what it adds to the ledger (the
requirements of core/evaluate.py), which templates present it, which scaffold `launchboard
new` writes, which section of `diff` reports it and which CODEOWNERS pattern `launchboard
codeowners` writes for it. The loader's folder table, the validator's schema list and the
tests that keep schemas, templates and scaffolds in step all read this table, so a new kind
starts here (see the README's Architecture section for the whole recipe).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordKind:
    name: str
    files: str  # where its files live, relative to ROOT
    folder: str | None  # the folder inside an initiative that holds them (None: not per initiative)
    builder: str  # "module.function" in generator/core/ that turns a document into the typed record
    rules: str  # "module.Class.method" or "module.function" in generator/core/ that applies its rules
    ledger: str | None  # the `checklist` its ledger entries carry; None: it adds no requirement itself
    templates: tuple[str, ...]  # templates/site/ pages that present it
    scaffold: str | None  # templates/scaffold/ file `launchboard new` writes
    diff_section: str  # the govdiff section that reports its changes
    codeowners: str | None  # the pattern `launchboard codeowners` writes for it (None: the team owns it)
    one_name: bool = False  # only a regular `<id>.yaml` file: it gates a stage or says what controls mean (LB212)
    added_later: bool = False  # a fork's schemas/ may predate it: use the installed schema then

    @property
    def schema(self) -> str:
        return f"{self.name}.schema.json"


KINDS: tuple[RecordKind, ...] = (
    RecordKind("policy", "decisions/policy.yaml", None, "records.build_policy", "evaluate.Evaluator.check_policy", "checklists",
               ("checklists.md.j2", "approaches.md.j2"), None, "_policy_section", None, one_name=True),
    RecordKind("initiative", "decisions/<id>/initiative.yaml", None, "records.build_initiative", "evaluate.Evaluator.evaluate", "metrics",
               ("initiative.md.j2", "board_row.md.j2"), "initiative.yaml.j2", "_stage_moves", None),
    RecordKind("decision", "decisions/<id>/adr/NNNN-slug.yaml", "adr", "records.build_decision", "evaluate.Evaluator._check_decisions", None,
               ("decision.md.j2", "decision_log.md.j2"), "decision.yaml.j2", "_decisions", None),
    RecordKind("checklist", "decisions/<id>/checklists/<checklist>.yaml", "checklists", "records.build_checklist",
               "evaluate.Evaluator._check_checklist_files", "<checklist id>", ("initiative.md.j2",), "checklist.yaml.j2",
               "_items_section", "/decisions/*/checklists/<checklist>.yaml", one_name=True),
    RecordKind("runbook", "decisions/<id>/runbooks/<runbook>.yaml", "runbooks", "records.build_runbook",
               "evaluate.Evaluator._check_runbook_files", "runbooks", ("runbook.md.j2", "oncall.md.j2"), "runbook.yaml.j2",
               "_runbooks_section", "/decisions/*/runbooks/", one_name=True),
    RecordKind("framework", "decisions/frameworks/<framework>.yaml", None, "frameworks.build_framework",
               "frameworks.check_policy_controls", None, ("framework.md.j2",), None, "_controls_section",
               "/decisions/frameworks/", one_name=True, added_later=True),
)

BY_NAME: dict[str, RecordKind] = {kind.name: kind for kind in KINDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
# The folders of an initiative that hold records, and the kind each holds.
INITIATIVE_FOLDERS: dict[str, str] = {kind.folder: kind.name for kind in KINDS if kind.folder}
ADDED_LATER: tuple[str, ...] = tuple(kind.name for kind in KINDS if kind.added_later)
