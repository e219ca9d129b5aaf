"""The governance diff: what a change does to the portfolio, for a pull request's summary.

The records at a git revision are read with `git archive` into a temporary folder, both
trees go through the same pipeline (load_portfolio) with the same "today", and the two
Portfolios are compared: initiatives added, removed or retired; stage moves and whether the
new stage's gate holds; decisions added, removed or changing status or outcome; checklist
items completed, waived, marked not applicable, expired or regressed; problems introduced
and fixed. `compare` works on two Portfolios alone, so it is tested without git.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from generator.site.markdown_safety import md_inline
from generator.core.model import Initiative, InitiativeState, ItemVerdict, Portfolio, Problem

CLOSED = ("done", "waived", "not-applicable")
MAX_LISTED = 50  # per section in Markdown; the JSON has everything


class DiffError(Exception):
    """BASE is not a revision, ROOT is not in a git repository, or git failed. Exit 2."""


# --------------------------------------------------------------------------- the result


@dataclass
class InitiativeChange:
    initiative: str
    title: str
    stage: str
    gate_holds: bool | None = None
    blocking: list[str] = field(default_factory=list)  # "checklist/item: reason"


@dataclass
class StageMove:
    initiative: str
    title: str
    before: str
    after: str
    direction: str  # forward | backward | sideways (a stage the policy does not know)
    gate_holds: bool
    blocking: list[str] = field(default_factory=list)


@dataclass
class DecisionChange:
    initiative: str
    number: int
    title: str
    change: str  # added | removed | status | outcome
    before: str = ""  # status or chosen option before
    after: str = ""
    file: str = ""


@dataclass
class ItemChange:
    initiative: str
    checklist: str
    item: str
    title: str
    change: str  # completed | waived | not-applicable | expired | regressed | started | incomplete
    before: str  # status before ("todo" when the file omitted it)
    after: str
    complete: bool | None  # the verdict after the change, when the gates judged the item
    reason: str = ""  # why it is not complete, when known
    file: str = ""


@dataclass
class GovernanceDiff:
    base: str
    as_of: str
    added: list[InitiativeChange] = field(default_factory=list)
    removed: list[InitiativeChange] = field(default_factory=list)
    retired: list[InitiativeChange] = field(default_factory=list)
    stage_moves: list[StageMove] = field(default_factory=list)
    decisions: list[DecisionChange] = field(default_factory=list)
    items: list[ItemChange] = field(default_factory=list)
    problems_introduced: list[Problem] = field(default_factory=list)
    problems_fixed: list[Problem] = field(default_factory=list)
    base_unusable: bool = False
    head_unusable: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.added or self.removed or self.retired or self.stage_moves or self.decisions
            or self.items or self.problems_introduced or self.problems_fixed
        )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["problems_introduced"] = [p.as_dict() for p in self.problems_introduced]
        data["problems_fixed"] = [p.as_dict() for p in self.problems_fixed]
        data["summary"] = summary_counts(self)
        return data


# --------------------------------------------------------------------------- comparing


def _verdicts(state: InitiativeState | None) -> dict[tuple[str, str], ItemVerdict]:
    found: dict[tuple[str, str], ItemVerdict] = {}
    if state is None:
        return found
    for readiness in (state.next, state.current):  # current wins where both judge an item
        if readiness is not None:
            for verdict in readiness.verdicts:
                found[(verdict.checklist, verdict.item)] = verdict
    return found


def _blocking(state: InitiativeState | None) -> tuple[bool, list[str]]:
    if state is None:
        return False, []
    return state.current.ready, [f"{v.checklist}/{v.item}: {_reason(v)}" for v in state.current.blocking]


def _reason(verdict: ItemVerdict) -> str:
    """The verdict's reason without the item id it starts with."""
    reason = verdict.reason or verdict.status
    prefix = f"{verdict.item}: "
    return reason[len(prefix):] if reason.startswith(prefix) else reason


def _items(initiative: Initiative, portfolio: Portfolio) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(checklist, item) -> (status, title, file) for every item recorded or defined by the policy."""
    found: dict[tuple[str, str], tuple[str, str, str]] = {}
    policy = portfolio.policy
    default_file = f"decisions/{initiative.id}/checklists/{{}}.yaml"
    if policy is not None:
        for spec in policy.checklists.values():
            for item in spec.items:
                if item.applies_to(initiative):
                    found[(spec.id, item.id)] = ("todo", item.title, default_file.format(spec.id))
    for checklist in initiative.checklists.values():
        spec = policy.checklists.get(checklist.id) if policy else None
        for item_id, item in checklist.items.items():
            item_spec = spec.item(item_id) if spec else None
            title = item_spec.title if item_spec else item_id
            found[(checklist.id, item_id)] = (item.status, title, checklist.file)
    return found


def _classify(before: str, after: str, was_complete: bool | None, complete: bool | None, expired: bool) -> str | None:
    """The kind of change of one item, or None when nothing a reviewer cares about changed."""
    if before == after:
        if was_complete and complete is False:
            return "expired" if expired else "regressed"
        if was_complete is False and complete:
            return "completed"
        return None
    if after == "done":
        if complete is False:
            return "expired" if expired else "incomplete"
        return "completed"
    if after in ("waived", "not-applicable"):
        if complete is False:
            return "expired" if expired else "incomplete"
        return after
    if before in CLOSED:
        return "regressed"
    if after == "in-progress":
        return "started"
    return None


# A verdict whose first error is one of these lapsed with time rather than by an edit.
_EXPIRY_CODES = ("LB203", "LB207")


def _problem_key(problem: Problem) -> tuple:
    # Lines move when a file is edited; a problem is the same problem wherever it sits.
    return (problem.location.file, problem.severity.value, problem.code, problem.message, problem.initiative)


def _problem_difference(left: list[Problem], right: list[Problem]) -> list[Problem]:
    """Problems of `left` that `right` does not have (as a multiset, ignoring line and column)."""
    remaining = Counter(_problem_key(p) for p in right)
    out = []
    for problem in sorted(left, key=Problem.sort_key):
        key = _problem_key(problem)
        if remaining[key]:
            remaining[key] -= 1
        else:
            out.append(problem)
    return out


def _stage_direction(before: str, after: str, portfolio: Portfolio) -> str:
    stages = portfolio.policy.stages if portfolio.policy else []
    if before in stages and after in stages:
        return "forward" if stages.index(after) > stages.index(before) else "backward"
    return "sideways"


def compare(before: Portfolio, after: Portfolio, base: str = "") -> GovernanceDiff:
    """What changed from `before` (the records at BASE) to `after` (the working tree)."""
    diff = GovernanceDiff(base=base, as_of=after.as_of, base_unusable=before.unusable, head_unusable=after.unusable)
    old = {i.id: i for i in before.initiatives}
    new = {i.id: i for i in after.initiatives}

    for initiative_id, initiative in new.items():
        state = after.states.get(initiative_id)
        holds, blocking = _blocking(state)
        if initiative_id not in old:
            diff.added.append(InitiativeChange(initiative_id, initiative.title, initiative.stage, holds, blocking))
            continue
        previous = old[initiative_id]
        if previous.stage != initiative.stage:
            if initiative.stage == "retired":
                diff.retired.append(InitiativeChange(initiative_id, initiative.title, previous.stage))
            else:
                diff.stage_moves.append(
                    StageMove(
                        initiative_id, initiative.title, previous.stage, initiative.stage,
                        _stage_direction(previous.stage, initiative.stage, after), holds, blocking,
                    )
                )
    for initiative_id, initiative in old.items():
        if initiative_id not in new:
            diff.removed.append(InitiativeChange(initiative_id, initiative.title, initiative.stage))

    lapsed = {(p.location, p.code) for p in after.problems if p.code in _EXPIRY_CODES}
    for initiative_id, initiative in new.items():
        previous = old.get(initiative_id)
        old_decisions = {d.number: d for d in previous.decisions} if previous else {}
        new_decisions = {d.number: d for d in initiative.decisions}
        for number, decision in sorted(new_decisions.items()):
            was = old_decisions.get(number)
            if was is None:
                diff.decisions.append(
                    DecisionChange(initiative_id, number, decision.title, "added", "", decision.status, decision.file)
                )
                continue
            if was.status != decision.status:
                diff.decisions.append(
                    DecisionChange(initiative_id, number, decision.title, "status", was.status, decision.status, decision.file)
                )
            if was.outcome.chosen != decision.outcome.chosen:
                diff.decisions.append(
                    DecisionChange(
                        initiative_id, number, decision.title, "outcome",
                        was.outcome.chosen, decision.outcome.chosen, decision.file,
                    )
                )
        for number, decision in sorted(old_decisions.items()):
            if number not in new_decisions:
                diff.decisions.append(
                    DecisionChange(initiative_id, number, decision.title, "removed", decision.status, "", decision.file)
                )

        old_items = _items(previous, before) if previous else {}
        old_verdicts = _verdicts(before.states.get(initiative_id)) if previous else {}
        new_verdicts = _verdicts(after.states.get(initiative_id))
        new_items = _items(initiative, after)
        for key, (status, title, file) in sorted(new_items.items()):
            was_status = old_items.get(key, ("todo", "", ""))[0]
            was_verdict, verdict = old_verdicts.get(key), new_verdicts.get(key)
            was_complete = was_verdict.complete if was_verdict else (was_status in CLOSED if previous else False)
            complete = verdict.complete if verdict else None
            reason = _reason(verdict) if verdict and not verdict.complete else ""
            expired = verdict is not None and any((verdict.location, c) in lapsed for c in _EXPIRY_CODES)
            change = _classify(was_status, status, was_complete, complete, expired)
            if change:
                location = verdict.location.file if verdict else file
                diff.items.append(
                    ItemChange(initiative_id, key[0], key[1], title, change, was_status, status, complete, reason, location)
                )
        for key, (status, title, file) in sorted(old_items.items()):
            if key not in new_items and status in CLOSED:
                diff.items.append(ItemChange(initiative_id, key[0], key[1], title, "regressed", status, "removed", None, "", file))

    diff.problems_introduced = _problem_difference(after.problems, before.problems)
    diff.problems_fixed = _problem_difference(before.problems, after.problems)
    return diff


# --------------------------------------------------------------------------- git


def _git(root: Path, *args: str, binary: bool = False) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            check=False,
            text=not binary,
        )
    except FileNotFoundError as exc:
        raise DiffError("git is not installed") from exc


def resolve_revision(root: Path, base: str) -> str:
    if not base or base.startswith("-") or any(ch in base for ch in "\0\n\r"):
        raise DiffError(f"{base!r} is not a git revision")
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        # e.g. "detected dubious ownership" in a CI container: say what git said.
        said = next((line for line in inside.stderr.splitlines() if line.strip()), "")
        raise DiffError(f"{root} is not inside a git working tree" + (f" (git: {said[:200]})" if said else ""))
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{base}^{{commit}}")
    if found.returncode != 0:
        raise DiffError(
            f"{base!r} is not a commit in this repository "
            "(in CI, fetch it first: actions/checkout with fetch-depth: 0)"
        )
    return found.stdout.strip()


def _records_only(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """tarfile's "data" filter, skipping (not raising on) absolute paths, links leading out
    of the folder and device files: such a member of an old revision is no record."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        return None


def export_records(root: Path, commit: str, dest: Path) -> None:
    """Write decisions/ (and .github/CODEOWNERS) as they were at `commit` into `dest`, with
    an empty stand-in for each other file of that revision."""
    prefix = _git(root, "rev-parse", "--show-prefix").stdout.strip()
    # git archive filters by the current folder, so it runs from the top of the work tree.
    top = Path(_git(root, "rev-parse", "--show-toplevel").stdout.strip())
    tree = f"{commit}:{prefix}decisions"
    (dest / "decisions").mkdir(parents=True)
    if _git(root, "cat-file", "-e", tree).returncode == 0:
        archive = _git(top, "archive", "--format=tar", tree, binary=True)
        if archive.returncode != 0:
            raise DiffError(f"git archive failed for {tree}")
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(dest / "decisions", filter=_records_only)
    owners = _git(root, "show", f"{commit}:{prefix}.github/CODEOWNERS", binary=True)
    if owners.returncode == 0:
        (dest / ".github").mkdir()
        (dest / ".github" / "CODEOWNERS").write_bytes(owners.stdout)
    # Both sides are judged by the same schemas: the working tree's.
    if (root / "schemas").is_dir():
        shutil.copytree(root / "schemas", dest / "schemas")
    _stand_in_for_other_files(root, f"{commit}:{prefix}", dest)


_MAX_STAND_INS = 200_000


def _stand_in_for_other_files(root: Path, tree: str, dest: Path) -> None:
    """An empty file for every other file of the revision: evidence that is a repository path
    must exist (LB213), and the base is judged by whether it existed then, without its bytes."""
    listing = _git(root, "ls-tree", "-r", "-z", "--name-only", tree, binary=True)
    if listing.returncode != 0:
        return
    names = listing.stdout.split(b"\0")[:_MAX_STAND_INS]
    for raw in names:
        name = raw.decode("utf-8", "surrogateescape")
        parts = name.split("/")
        if not name or parts[0] in ("decisions", "schemas") or name == ".github/CODEOWNERS" \
                or any(part in ("", ".", "..") for part in parts):
            continue
        path = dest.joinpath(*parts)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(exist_ok=True)
        except OSError:  # a name this file system cannot hold, or a file where a folder goes
            continue


def diff_against(
    root: Path,
    base: str,
    as_of: str | None = None,
    load: Callable[[Path, str | None], Portfolio] | None = None,
) -> GovernanceDiff:
    """The governance diff between the records at revision `base` and the working tree."""
    if load is None:
        from generator.core.pipeline import load_portfolio as load
    root = Path(root)
    commit = resolve_revision(root, base)
    after = load(root, as_of)
    with tempfile.TemporaryDirectory(prefix="launchboard-diff-") as tmp:
        export_records(root, commit, Path(tmp))
        before = load(Path(tmp), after.as_of)
    return compare(before, after, base)


# --------------------------------------------------------------------------- output

def md(text: object) -> str:
    """Record text as inert GitHub Markdown: markdown_safety's escaping (HTML, punctuation,
    control characters, one line), plus `@` and `$` as entities so record text mentions,
    and notifies, nobody and starts no math."""
    return md_inline(text).replace("@", "&#64;").replace("$", "&#36;")


def code(text: object) -> str:
    """An identifier or path shown as code, escaped the same way (a backtick cannot end it)."""
    return f"<code>{md(text)}</code>"


def summary_counts(diff: GovernanceDiff) -> dict[str, int]:
    changes = Counter(i.change for i in diff.items)
    return {
        "initiatives_added": len(diff.added),
        "initiatives_removed": len(diff.removed),
        "initiatives_retired": len(diff.retired),
        "stage_moves": len(diff.stage_moves),
        "gates_failing": sum(1 for m in diff.stage_moves if not m.gate_holds)
        + sum(1 for a in diff.added if a.gate_holds is False),
        "decisions_changed": len(diff.decisions),
        "items_completed": changes["completed"],
        "items_waived": changes["waived"],
        "items_not_applicable": changes["not-applicable"],
        "items_expired": changes["expired"],
        "items_regressed": changes["regressed"],
        "items_incomplete": changes["incomplete"],
        "items_started": changes["started"],
        "problems_introduced": len(diff.problems_introduced),
        "problems_fixed": len(diff.problems_fixed),
    }


def _initiative(initiative_id: str, title: str) -> str:
    return f"{md(title)} ({code(initiative_id)})"


def _gate(holds: bool | None, blocking: list[str]) -> str:
    if holds is None:
        return ""
    if holds:
        return "✅ gate holds"
    shown = "; ".join(md(b) for b in blocking[:5])
    more = f"; and {len(blocking) - 5} more" if len(blocking) > 5 else ""
    return f"❌ {len(blocking)} blocking: {shown}{more}"


_ITEM_LABEL = {
    "completed": "✅ completed",
    "waived": "🟡 waived",
    "not-applicable": "⚪ not applicable",
    "expired": "⌛ expired",
    "regressed": "🔻 regressed",
    "incomplete": "⚠️ recorded but not complete",
    "started": "🔄 started",
}


def to_markdown(diff: GovernanceDiff) -> str:
    lines = [f"## Launchboard: governance changes against {code(diff.base or 'BASE')}", ""]
    if diff.head_unusable:
        lines += ["> ❌ The policy in this change is missing or unusable: run `launchboard check`.", ""]
    if diff.empty:
        return "\n".join(lines + ["No governance changes: no initiative, decision, checklist item or problem changed.", ""])
    counts = summary_counts(diff)
    parts = [
        (counts["stage_moves"], "stage move", "stage moves"),
        (counts["gates_failing"], "failing gate", "failing gates"),
        (counts["initiatives_added"], "initiative added", "initiatives added"),
        (counts["initiatives_retired"], "retired", "retired"),
        (counts["initiatives_removed"], "initiative removed", "initiatives removed"),
        (counts["decisions_changed"], "decision change", "decision changes"),
        (counts["items_completed"], "item completed", "items completed"),
        (counts["items_waived"], "waived", "waived"),
        (counts["items_expired"], "expired", "expired"),
        (counts["items_regressed"], "regressed", "regressed"),
        (counts["problems_introduced"], "problem introduced", "problems introduced"),
        (counts["problems_fixed"], "problem fixed", "problems fixed"),
    ]
    lines += ["**" + " · ".join(f"{n} {one if n == 1 else many}" for n, one, many in parts if n) + "**", ""]

    def table(header: list[str], rows: list[list[str]]) -> None:
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + " --- |" * len(header))
        for row in rows[:MAX_LISTED]:
            lines.append("| " + " | ".join(row) + " |")
        if len(rows) > MAX_LISTED:
            lines.append(f"\n… and {len(rows) - MAX_LISTED} more (see `launchboard diff --format json`).")
        lines.append("")

    if diff.stage_moves:
        lines += ["### Stage moves", ""]
        table(
            ["Initiative", "From", "To", "Gate of the new stage"],
            [
                [_initiative(m.initiative, m.title), code(m.before),
                 code(m.after) + (" (backwards)" if m.direction == "backward" else ""), _gate(m.gate_holds, m.blocking)]
                for m in diff.stage_moves
            ],
        )
    if diff.added or diff.retired or diff.removed:
        lines += ["### Initiatives", ""]
        rows = [[_initiative(a.initiative, a.title), "added at " + code(a.stage), _gate(a.gate_holds, a.blocking)] for a in diff.added]
        rows += [[_initiative(r.initiative, r.title), "retired (was " + code(r.stage) + ")", ""] for r in diff.retired]
        rows += [[_initiative(r.initiative, r.title), "removed (was " + code(r.stage) + ")", ""] for r in diff.removed]
        table(["Initiative", "Change", "Gate"], rows)
    if diff.decisions:
        lines += ["### Decisions", ""]
        rows = []
        for d in diff.decisions:
            if d.change == "added":
                what = f"added, {code(d.after)}"
            elif d.change == "removed":
                what = f"removed (was {code(d.before)})"
            elif d.change == "status":
                what = f"status {code(d.before)} → {code(d.after)}"
            else:
                what = f"chosen option {code(d.before)} → {code(d.after)}"
            rows.append([code(d.initiative), f"{d.number:04d} {md(d.title)}", what])
        table(["Initiative", "Decision", "Change"], rows)
    if diff.items:
        lines += ["### Checklist items", ""]
        rows = []
        for i in diff.items:
            change = _ITEM_LABEL.get(i.change, md(i.change))
            if i.reason and i.complete is False:
                change += f": {md(i.reason)}"
            rows.append([code(i.initiative), code(f"{i.checklist}/{i.item}") + " " + md(i.title),
                         f"{code(i.before)} → {code(i.after)}", change])
        table(["Initiative", "Item", "Status", "Change"], rows)
    for heading, problems in (("Problems introduced", diff.problems_introduced), ("Problems fixed", diff.problems_fixed)):
        if problems:
            lines += [f"### {heading} ({len(problems)})", ""]
            for p in problems[:MAX_LISTED]:
                lines.append(f"- {code(str(p.location))} {p.severity.value} {p.code}: {md(p.message)}")
            if len(problems) > MAX_LISTED:
                lines.append(f"- … and {len(problems) - MAX_LISTED} more")
            lines.append("")
    return "\n".join(lines)

