"""The core, end to end: load -> validate -> evaluate, as one function both faces call.

`launchboard check`, `status`, `diff`, `render` and the MkDocs plugin all start from
`load_portfolio`, so they can never disagree about what the records say.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from pathlib import Path
from typing import Callable

from generator.codeowners import check_codeowners
from generator.evaluate import Evaluator, InitiativeRecords
from generator.loader import Document, RecordError, RecordFile, clean_text, discover, is_id, load_document, normalise_id
from generator.model import Location, Portfolio, Problem, Severity
from generator.records import build_checklist, build_decision, build_initiative, build_policy
from generator.validate import schema_set


class UsageError(Exception):
    """Bad arguments or environment (exit 2), as opposed to problems in the records."""


def resolve_as_of(value: str | dt.date | None = None) -> dt.date:
    """"Today": --as-of, else SOURCE_DATE_EPOCH (reproducible builds), else the current date."""
    if isinstance(value, dt.date):
        return value
    if value:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"--as-of {value!r} is not a date in the form YYYY-MM-DD") from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds") from None
    return dt.date.today()


Progress = Callable[[int, int], None]


def load_records(root: Path, progress: Progress | None = None) -> tuple[list[tuple[RecordFile, Document]], list[Problem]]:
    """Read and validate every record; a file that fails becomes a problem, the rest go on."""
    files, problems = discover(root)
    schemas = schema_set(root)
    loaded: list[tuple[RecordFile, Document]] = []
    for done, record in enumerate(files, 1):
        if progress is not None:
            progress(done, len(files))
        try:
            document = load_document(record.path, root)
        except RecordError as err:
            problems.append(Problem(Location(record.file, err.line, err.column), Severity.ERROR, err.code, err.message, record.initiative))
            continue
        except OSError as err:
            problems.append(Problem(Location(record.file), Severity.ERROR, "LB001", f"cannot be read: {err.strerror}", record.initiative))
            continue
        found = schemas.validate(document, record.kind, record.initiative)
        problems.extend(found)
        if not found:
            loaded.append((record, document))
    return loaded, problems


def load_portfolio(root: Path | str, as_of: str | dt.date | None = None, progress: Progress | None = None) -> Portfolio:
    """Everything Launchboard knows about ROOT's records as of a date."""
    root = Path(root)
    today = resolve_as_of(as_of)
    if not (root / "decisions").is_dir():
        raise UsageError(f"{root} has no decisions/ folder; run launchboard in the governance repository's root or pass ROOT")
    loaded, problems = load_records(root, progress)

    policy_doc = next((doc for record, doc in loaded if record.kind == "policy"), None)
    policy_failed = any(p.location.file == "decisions/policy.yaml" for p in problems)
    if policy_doc is None:
        if not policy_failed:
            problems.append(Problem(Location("decisions/policy.yaml"), Severity.ERROR, "LB009",
                                    "no policy: create decisions/policy.yaml with stages and checklists"))
        return _finish(root, today, None, [], {}, problems, unusable=True)

    policy = build_policy(policy_doc)
    evaluator = Evaluator(policy, today)
    evaluator.check_policy(policy_doc)
    if evaluator.problems:
        return _finish(root, today, None, [], {}, problems + evaluator.problems, unusable=True)

    grouped = _group_by_initiative(loaded)
    problems.extend(_id_collisions(root))
    problems.extend(_invalid_folders(root))
    initiatives, states = [], {}
    for folder in sorted(grouped):
        records = grouped[folder]
        if records is None:
            continue  # its initiative.yaml failed to load; its problems are already listed
        initiatives.append(records.initiative)
        states[records.initiative.id] = evaluator.evaluate(records)
    problems.extend(check_codeowners(root, policy))
    return _finish(root, today, policy, initiatives, states, problems + evaluator.problems)


def _group_by_initiative(loaded: list[tuple[RecordFile, Document]]) -> dict[str, InitiativeRecords | None]:
    by_folder: dict[str, list[tuple[RecordFile, Document]]] = defaultdict(list)
    for record, document in loaded:
        if record.initiative is not None:
            by_folder[record.initiative].append((record, document))
    grouped: dict[str, InitiativeRecords | None] = {}
    for folder, entries in by_folder.items():
        head = next((doc for record, doc in entries if record.kind == "initiative"), None)
        if head is None or not is_id(folder):
            grouped[folder] = None
            continue
        records = InitiativeRecords(build_initiative(head), head)
        initiative_id = records.initiative.id
        for record, document in entries:
            if record.kind == "decision":
                decision = build_decision(document, initiative_id)
                records.initiative.decisions.append(decision)
                records.decision_docs[id(decision)] = document
            elif record.kind == "checklist":
                checklist = build_checklist(document, initiative_id)
                records.checklist_files.append((checklist, document))
                records.initiative.checklists.setdefault(checklist.id, checklist)
                records.checklist_docs.setdefault(checklist.id, document)
        records.initiative.decisions.sort(key=lambda d: (d.number, d.file))
        grouped[folder] = records
    return grouped


def _invalid_folders(root: Path) -> list[Problem]:
    """A folder name is an initiative's id and its site path: it must be a plain kebab-case id."""
    return [
        Problem(Location(f"decisions/{p.name}/initiative.yaml"), Severity.ERROR, "LB110",
                f"folder name {clean_text(p.name, 64)!r} is not a valid id: use lowercase letters, digits and hyphens",
                p.name)
        for p in sorted((root / "decisions").iterdir())
        if p.is_dir() and not p.is_symlink() and (p / "initiative.yaml").exists() and not is_id(p.name)
    ]


def _id_collisions(root: Path) -> list[Problem]:
    """Folder and file names that differ only by case or Unicode form collide on macOS and Windows."""
    problems = []
    decisions = root / "decisions"
    folders = [decisions] + [p for p in sorted(decisions.iterdir()) if p.is_dir() and not p.is_symlink()]
    for folder in folders:
        for sub in ([folder] if folder == decisions else [folder, folder / "adr", folder / "checklists"]):
            if not sub.is_dir():
                continue
            seen: dict[str, str] = {}
            for name in sorted(os.listdir(sub)):
                key = normalise_id(name)
                if key in seen:
                    file = (sub / name).relative_to(root).as_posix()
                    initiative = folder.name if folder != decisions else name
                    problems.append(Problem(Location(file), Severity.ERROR, "LB115",
                                            f"{name!r} and {seen[key]!r} differ only by case or Unicode form; rename one", initiative))
                else:
                    seen[key] = name
    return problems


def _finish(root, today, policy, initiatives, states, problems, unusable=False) -> Portfolio:
    problems = sorted(set(problems), key=Problem.sort_key)
    for problem in problems:
        state = states.get(problem.initiative) if problem.initiative else None
        if state is not None:
            state.errors += problem.is_error
            state.warnings += not problem.is_error
    return Portfolio(str(root), today.isoformat(), policy, initiatives, states, problems, unusable)
