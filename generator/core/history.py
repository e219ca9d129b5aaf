"""The portfolio over time: every past verdict, recomputed from git.

`portfolio_history(root)` evaluates the records at each commit on HEAD's first-parent line
that changed decisions/, as of that commit's (committer, UTC) day, and summarises:

- per initiative, a readiness point whenever its stage or its current gate's numbers
  changed, the days its current stage's gate failed, and the days it spent in each stage;
- per commit, how many initiatives sat in each stage and how many were blocked.

How, without checking anything out: each commit's decisions/ tree is read from git objects
(core/gitread.py) into a private temporary folder, writing only the folders that changed since
the commit before (and only those that must be read), and each such folder goes through the
pipeline's own steps (discover, read, parse, validate, build, evaluate). Links in a tree are
written as links that lead nowhere, so the loader refuses them as it does in a checkout;
submodules and unsafe names are skipped. A folder whose tree did not change keeps its
records; on a new day its gate is judged again only when a date in it comes due.

The cache (ROOT/.launchboard-cache/history/, signed like the content cache in core/cache.py)
holds each commit's changes, keyed by its tree, its day and every commit before it, and each
folder's latest verdict by tree and policy: a second run judges only new commits, and a new
commit reads only the folders it changed.

Two simplifications, documented in the README: evidence given as a repository path is
taken as written (the commit's other folders are not read), and the schemas are today's.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import re
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from generator import __version__
from generator.core import loader
from generator.core.cache import FOLDER, RecordCache, _ready_folders, _secret, disabled_by_env
from generator.core.evaluate import Evaluator, campaign_standing
from generator.core.frameworks import check_policy_controls, load_frameworks
from generator.core.gitread import GitError, Repository, TreeEntry, safe_name
from generator.core.pipeline import _documents, _group_by_initiative, _load_folder, _parse_and_validate, _read_folder, _scan_folder
from generator.core.records import build_policy
from generator.core.validate import SchemaError, SchemaSet, schema_set

DECISIONS = "decisions"
MAX_DEPTH = 6  # decisions/<id>/<folder>/<file> is 3; deeper trees are not needed to judge anything
HISTORY_FOLDER = "history"
FETCH_HINT = ("fetch the whole history first: `git fetch --unshallow`, or in GitHub Actions give "
              "actions/checkout `fetch-depth: 0`")

# One initiative at one commit: what the history keeps of its verdict, and of the campaigns of
# the policy then: those whose scope it is in, and those whose requirements it all meets.
Row = tuple[str, str, str, int, int, bool, tuple[str, ...], tuple[str, ...]]
# (title, stage, approach, required, complete, ready, campaigns in scope, campaigns met)


@dataclass(slots=True)
class Snapshot:
    """The portfolio at one commit."""

    commit: str
    date: dt.date
    usable: bool  # False: the policy at that commit could not be used; the verdicts before stay
    changes: dict[str, Row | None]  # initiative id -> its verdict where it changed (None: gone)


@dataclass(slots=True)
class History:
    """What `launchboard history` reports, or why there is nothing to report."""

    commits: int
    initiatives: list[dict[str, Any]]
    portfolio: list[dict[str, Any]]
    reason: str | None = None  # set when there is no history: says why and what to do
    approaches: dict[str, str] = field(default_factory=dict)  # id -> approach at its last point
    # campaign id -> its burn-up: [{"date", "commit", "in_scope", "met"}], a point where either changed
    campaigns: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    evaluated: int = 0  # commits judged in this run (the others came from the cache)

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `launchboard history --format json` (field names are binding)."""
        data = {"commits": self.commits, "initiatives": self.initiatives, "portfolio": self.portfolio}
        if self.campaigns:  # only where the policy has campaigns: each one's burn-up
            data["campaigns"] = [{"id": cid, "burn_up": points} for cid, points in sorted(self.campaigns.items())]
        return data


class HistoryUnavailable(Exception):
    """No history to read: not a git repository, a shallow clone, or no commit with decisions/."""


# --------------------------------------------------------------------------- entry point


def portfolio_history(
    root: Path | str, as_of: dt.date | None = None, since: dt.date | None = None, *, cache: bool = True, exact: bool = False,
) -> History:
    """The history of ROOT's decisions/ up to AS_OF (default today) from SINCE (default: the
    first commit). Raises HistoryUnavailable with a message that says what to do.

    exact: judge every folder fully at every commit instead of re-judging only the gate
    of an unchanged folder on a new day (the tests compare the two)."""
    root = Path(root)
    end = as_of or dt.date.today()
    try:
        repo = Repository.open(root)
    except GitError as err:
        raise HistoryUnavailable(f"no git history: {err}") from None
    with repo:
        try:
            if repo.is_shallow():
                raise HistoryUnavailable(f"this is a shallow clone, so most of its history is missing; {FETCH_HINT}")
            commits = [c for c in repo.first_parent_commits(DECISIONS) if c.date <= end]
        except GitError as err:
            raise HistoryUnavailable(f"git cannot list the history: {err}") from None
        if not commits:
            raise HistoryUnavailable("no commit on this branch changes decisions/ (up to the date asked for)")
        # Every commit is judged (or read from the cache) even with SINCE: the state in force
        # on that day comes from the commits before it, and the cache's chain starts at the first.
        judged = commits
        try:
            schemas = schema_set(root)
        except SchemaError as err:
            raise HistoryUnavailable(str(err)) from None
        use_cache = cache and not disabled_by_env()
        store = HistoryCache.open_for(root, schemas) if use_cache else None
        # Folders read whole (the first commit judged) may come from check's content cache.
        content = RecordCache.open(root, schemas.schema_dir) if use_cache else None
        with _Replay(repo, schemas, exact, content, store) as replay:
            snapshots = []
            try:
                trees = repo.trees_at([c.id for c in judged], DECISIONS)
                for commit, tree in zip(judged, trees):
                    snapshots.append(replay.snapshot(commit, tree, store))
                replay.remember()
            except GitError as err:
                raise HistoryUnavailable(f"the history cannot be read: {err}") from None
        if store is not None:
            store.prune()
    return summarise(snapshots, end, since, evaluated=replay.evaluated)


def head_commit(root: Path | str) -> str | None:
    """The commit ROOT's HEAD names, or None (no repository, no commit)."""
    try:
        with Repository.open(Path(root)) as repo:
            return repo.head()
    except GitError:
        return None


# --------------------------------------------------------------------------- replaying commits


@dataclass(slots=True)
class _Folder:
    """One initiative folder as last seen: its tree, records (when loaded), and verdict."""

    tree: str
    loaded: list | None = None  # its valid documents; None while its verdict came from the cache
    problems: list = field(default_factory=list)
    parsed: dict = field(default_factory=dict)  # (file, kind, bytes) -> its parse and validation (an Entry item)
    documents: dict = field(default_factory=dict)  # (file, kind, bytes) -> its valid Document
    records: Any = None  # InitiativeRecords after a full judgement, None when it failed to load
    row: Row | None = None
    judged_on: tuple[str, dt.date] | None = None  # (context, day) of `row`
    due: list[dt.date] = field(default_factory=list)  # days its gate may turn on (see _judge_fully)


class _Replay:
    """Walks commits in order, keeping a mirror of decisions/ and each folder's records.

    A folder's verdict is reused, in this order of preference: the same tree judged under
    the same policy on the same day; the same records on a later day with no due date
    between (see _due_between); the cache's verdict for that tree under that policy, with
    the same rule; otherwise the gate is judged again on the records in memory, or the
    folder is written out of git, read and judged in full."""

    def __init__(self, repo: Repository, schemas: SchemaSet, exact: bool, store: RecordCache | None = None,
                 verdicts: "HistoryCache | None" = None) -> None:
        self.repo, self.schemas, self.exact, self.store, self.verdicts = repo, schemas, exact, store, verdicts
        self.evaluated = 0
        self.policy_days: list[dt.date] = []
        self.ages: tuple[int, ...] = ()
        self.rows: dict[str, Row] = {}  # the verdicts in force after the last snapshot
        self.chain = ""  # the last snapshot's cache key

    def __enter__(self) -> "_Replay":
        self.tmp = tempfile.mkdtemp(prefix="launchboard-history-", dir=_scratch())
        self.root = Path(self.tmp) / "tree"
        self.mirror = Mirror(self.repo, self.root / DECISIONS, Path(self.tmp) / "absent")
        self.folders: dict[str, _Folder] = {}
        self.context: tuple[str, Any, bool] | None = None  # (loose tree digest, policy, usable)
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)

    def snapshot(self, commit, tree: str | None, store: "HistoryCache | None") -> Snapshot:
        """What changed at COMMIT. The cache key chains every earlier commit's key, so an
        entry (the changes only) is read only after the very commits it follows."""
        key = store.chain_key(self.chain, tree or "", commit.date) if store is not None else None
        changes: dict[str, Row | None] | None = None
        usable = True
        if key is not None:
            cached = store.get(key)
            if _valid_cached(cached):
                usable = cached[0]
                changes = {r[0]: (None if len(r) == 1 else _as_row(r[1:])) for r in cached[1]}  # type: ignore[misc]
        if changes is None:
            rows = self._judge(commit, tree)
            self.evaluated += 1
            usable = rows is not None
            changes = {} if rows is None else _changes(self.rows, rows)
            if key is not None:
                store.put(key, [usable, [(i,) if row is None else (i, *row) for i, row in sorted(changes.items())]])
        for iid, row in changes.items():
            if row is None:
                self.rows.pop(iid, None)
            else:
                self.rows[iid] = row
        self.chain = key or ""
        return Snapshot(commit.id, commit.date, usable, changes)

    def _judge(self, commit, tree: str | None) -> dict[str, Row] | None:
        """Every initiative's verdict at COMMIT; None when its policy cannot be used."""
        if tree is None:  # decisions/ was removed (or was never a folder) at this commit
            return {}
        top = self.mirror.sync_top(tree)
        loose = _digest(*(f"{name}\0{entry.mode}\0{entry.id}" for name, entry in sorted(top.items())
                          if not entry.is_tree or name == loader.FRAMEWORKS_FOLDER))
        if self.context is None or self.context[0] != loose:
            if loader.FRAMEWORKS_FOLDER in top:
                self.mirror.ensure([loader.FRAMEWORKS_FOLDER])
            self.context = (loose, *self._policy())
            policy = self.context[1]
            # What completeness compares "today" with: a record's own date (approvals, waivers,
            # exercises dated in the future do not count yet; a waiver stops on its expiry), or
            # that date plus the policy's maximum age of an approval, an exercise or a gated
            # metric's latest measurement; and the policy's own dates (effective, campaign targets).
            self.ages = (0,) if policy is None else tuple(sorted({0, policy.approval_max_age_days, policy.exercise_max_age_days,
                                                                    policy.metric_max_age_days}))
        _, policy, usable = self.context
        if not usable:
            return None
        evaluator = Evaluator(policy, commit.date, None)
        names = sorted(name for name, entry in top.items() if entry.is_tree and name != loader.FRAMEWORKS_FOLDER)
        for gone in set(self.folders) - set(names):
            del self.folders[gone]
        rows: dict[str, Row | None] = {}
        todo = []
        for name in names:
            done, row = self._quick(name, top[name].id, evaluator, loose, commit.date)
            if done:
                rows[name] = row
            else:
                todo.append(name)
        self.mirror.ensure(todo)  # every folder to read, written out of git in one pass
        for name in todo:
            rows[name] = self._judge_fully(name, top[name].id, evaluator, loose, commit.date)
        return {name: row for name, row in rows.items() if row is not None}

    def _quick(self, name: str, tree: str, evaluator: Evaluator, context: str, day: dt.date) -> tuple[bool, Row | None]:
        """(True, verdict) when the folder's verdict needs no reading; (False, None) otherwise."""
        folder = self.folders.get(name)
        if folder is None or folder.tree != tree:
            known = self._known(tree, context)
            if known is None:
                return False, None
            folder = self.folders[name] = _Folder(tree, parsed=folder.parsed if folder is not None else {},
                                                  documents=folder.documents if folder is not None else {},
                                                  row=known[0], judged_on=(context, known[1]), due=known[2])
        if folder.judged_on == (context, day):
            return True, folder.row
        if self.exact or folder.judged_on is None or folder.judged_on[0] != context:
            return False, None
        if not self._due_between(folder, folder.judged_on[1], day):
            folder.judged_on = (context, day)
            return True, folder.row
        if folder.records is None:
            return False, None  # its verdict came from the cache: read it to judge it today
        folder.row = _row(folder.records.initiative, *_gate_today(evaluator, folder.records), evaluator.policy.campaigns)
        del evaluator.problems[:]
        folder.judged_on = (context, day)
        return True, folder.row

    def _judge_fully(self, name: str, tree: str, evaluator: Evaluator, context: str, day: dt.date) -> Row | None:
        """Read the folder (unless its records are in memory) and judge it as the pipeline does."""
        folder = self.folders.get(name)
        if folder is None or folder.tree != tree or folder.loaded is None:
            folder = self.folders[name] = self._read(name, tree, folder)
        folder.records = _records_of(folder, name)
        if folder.records is None:
            folder.row, folder.due = None, []
        else:
            state = evaluator.evaluate(folder.records)
            del evaluator.problems[:]
            folder.row = _row(folder.records.initiative, state.current, state.requirements, evaluator.policy.campaigns)
            folder.due = sorted({d + dt.timedelta(days=age + extra) for d in _folder_dates(folder, bool(state.metric_gates))
                                 for age in self.ages for extra in (0, 1)})
        folder.judged_on = (context, day)
        return folder.row

    def remember(self) -> None:
        """Store each folder's latest verdict, for the next run's new commits (once, at the
        end: the verdicts of a run's middle commits are in the commits' own entries)."""
        if self.verdicts is None or self.exact or not self.evaluated:
            return
        for folder in self.folders.values():
            if folder.judged_on is not None:
                context, day = folder.judged_on
                self.verdicts.put(self.verdicts.folder_key(folder.tree, context),
                                  [None if folder.row is None else list(folder.row), day.isoformat(), [d.isoformat() for d in folder.due]])

    def _known(self, tree: str, context: str) -> tuple[Row | None, dt.date, list[dt.date]] | None:
        """A verdict on this tree under this policy from the cache, with its day and due days."""
        if self.verdicts is None or self.exact:
            return None
        value = self.verdicts.get(self.verdicts.folder_key(tree, context))
        try:
            row, day, due = value  # type: ignore[misc]
            verdict = None if row is None else _as_row(row)
            return verdict, dt.date.fromisoformat(day), [dt.date.fromisoformat(d) for d in due]
        except (TypeError, ValueError, IndexError):
            return None

    def _due_between(self, folder: _Folder, one: dt.date, other: dt.date) -> bool:
        """Whether the gate may differ between two days: one of the folder's due days, or a
        date in the policy (or the day after it), lies after the earlier and by the later."""
        after, until = min(one, other), max(one, other)
        for days in (folder.due, self.policy_days):
            at = bisect.bisect_right(days, after)
            if at < len(days) and days[at] <= until:
                return True
        return any(after < d + dt.timedelta(days=1) <= until for d in self.policy_days)

    def _policy(self) -> tuple[Any, bool]:
        """The policy at the mirror's current commit, judged as the pipeline judges it."""
        layout = loader.Layout([], [], [])
        decisions = str(self.root / DECISIONS)
        for entry in loader._listing(decisions):
            if entry.name == "policy.yaml" and (entry.is_file() or entry.is_symlink()):
                layout.files.append(loader.RecordFile(entry.path, "decisions/policy.yaml", "policy", None))
            elif entry.name == loader.FRAMEWORKS_FOLDER and entry.is_dir(follow_symlinks=False):
                loader._discover_frameworks(entry, "decisions/" + entry.name, layout, lambda *a, **k: None)
        loaded, problems, _ = _load_folder(layout.files, self.root, self.schemas, None)
        policy_doc = next((doc for record, doc in loaded if record.kind == "policy"), None)
        self.policy_days = sorted({day for _, doc in loaded for day in _dates(doc.data)})
        if policy_doc is None or any(p.is_error for p in problems if p.location.file == "decisions/policy.yaml"):
            return None, False
        policy = build_policy(policy_doc)
        checker = Evaluator(policy, dt.date.today(), None)
        checker.check_policy(policy_doc)
        if any(p.is_error for p in checker.problems):
            return None, False
        frameworks, _ = load_frameworks([doc for record, doc in loaded if record.kind == "framework"])
        check_policy_controls(policy_doc, policy, frameworks, set())  # errors there leave the policy usable
        return policy, True

    def _read(self, name: str, tree: str, before: _Folder | None) -> _Folder:
        """Discover, read, parse and validate one folder as the loader does in a checkout.

        A file whose bytes are as before keeps its parse (one file changes per commit, as a
        rule); a folder seen for the first time may come from the content cache."""
        layout = loader.Layout([], [], [])
        entry = next(e for e in loader._listing(str(self.root / DECISIONS)) if e.name == name)
        loader._discover_initiative(entry, "decisions/" + entry.name, layout, lambda *a, **k: None)
        records = layout.files
        read, problems = _read_folder(records, self.root)
        keys = [(record.file, record.kind, raw) for _, record, raw in read]
        if before is None or not before.parsed:
            indexes, problems, entry_list = _scan_folder(records, read, problems, self.schemas, self.store, packed=False)
            assert isinstance(entry_list, list)
        else:
            indexes = [index for index, _, _ in read]
            entry_list = [before.parsed.get(key) or _parse_and_validate(record, raw, self.schemas)
                          for key, (_, record, raw) in zip(keys, read)]
        loaded, problems = _documents(records, indexes, problems, entry_list)
        # An unchanged file keeps its Document (read-only once built), and with it the
        # positions it worked out when a finding was first located in it.
        raw_of = {record.file: raw for _, record, raw in read}
        documents = {}
        for position, (record, document) in enumerate(loaded):
            key = (record.file, record.kind, raw_of[record.file])
            if before is not None and key in before.documents:
                document = before.documents[key]
                loaded[position] = (record, document)
            else:
                document.may_hold_todo = b"TODO" in key[2]
            documents[key] = document
        return _Folder(tree, loaded, problems, parsed=dict(zip(keys, entry_list)), documents=documents)


def _scratch() -> str | None:
    """Where the mirror goes: memory-backed /dev/shm when it is there and writable (a mirror
    writes and reads one small file per changed record, thousands per run), else the
    system's temporary folder. TMPDIR, when set, wins."""
    if os.environ.get("TMPDIR") or not os.path.isdir("/dev/shm") or not os.access("/dev/shm", os.W_OK | os.X_OK):
        return None
    return "/dev/shm"


def _records_of(folder: _Folder, name: str):
    """A folder's records built as pipeline._judge_folder builds them (None when its
    initiative.yaml failed to load)."""
    records = _group_by_initiative(folder.loaded).get(name)
    if records is not None:
        records.broken_checklists = {
            p.location.file.rsplit("/", 1)[-1].rsplit(".", 1)[0] for p in folder.problems if p.is_error and "/checklists/" in p.location.file
        }
        records.broken_runbooks = sorted({p.location.file for p in folder.problems if p.is_error and "/runbooks/" in p.location.file})
    return records


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _dates(data: Any) -> Iterator[dt.date]:
    """Every date-like string in a record's data (dates are kept as strings by the loader)."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and len(value) == 10 and _DATE.match(value):
            try:
                yield dt.date.fromisoformat(value)
            except ValueError:
                pass
        elif isinstance(value, dt.date):
            yield value if not isinstance(value, dt.datetime) else value.date()


def _folder_dates(folder: _Folder, metric_gates: bool) -> set[dt.date]:
    """The dates a gate can depend on: those in the folder's checklists and runbooks, and
    when a metric gates it, those in initiative.yaml (its measurements' dates)."""
    kinds = ("checklist", "runbook", "initiative") if metric_gates else ("checklist", "runbook")
    return {day for record, doc in folder.loaded or () if record.kind in kinds for day in _dates(doc.data)}


def _gate_today(evaluator: Evaluator, records: Any) -> Any:
    """The current stage's readiness on the evaluator's day, for records evaluated in full
    before: the ledger (checklist items, runbook topics, metric gates) without the checks
    that only report problems. The tests compare it with a full evaluation (exact=True)."""
    initiative = records.initiative
    gates = evaluator._check_metric_gates(initiative, records.document, report=False)
    ledger = evaluator.ledger(records, gates)
    return evaluator.readiness_from(ledger, initiative.stage), ledger


def _row(initiative, readiness, ledger=(), campaigns=()) -> Row:
    scope, met = _campaigns(initiative, ledger, campaigns)
    return (initiative.title, initiative.stage, initiative.approach, readiness.required, readiness.complete, readiness.ready,
            scope, met)


def _campaigns(initiative, ledger, campaigns) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The campaigns whose scope holds the initiative, and those of them it meets (the core's
    campaign_standing)."""
    standing = [(campaign.id, *campaign_standing(campaign, initiative, list(ledger))) for campaign in campaigns]
    return (tuple(cid for cid, in_scope, _ in standing if in_scope),
            tuple(cid for cid, in_scope, met in standing if in_scope and met))


def _as_row(value: Any) -> Row:
    """A row read back from the cache, as the tuple it was (JSON turns tuples into lists)."""
    return (str(value[0]), str(value[1]), str(value[2]), int(value[3]), int(value[4]), bool(value[5]),
            tuple(map(str, value[6])), tuple(map(str, value[7])))


def _changes(before: dict[str, Row], after: dict[str, Row]) -> dict[str, Row | None]:
    """The verdicts that differ between two commits (None for an initiative that went)."""
    changes: dict[str, Row | None] = {iid: row for iid, row in after.items() if before.get(iid) != row}
    changes.update((iid, None) for iid in before if iid not in after)
    return changes


def _valid_cached(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2 and isinstance(value[0], bool) and isinstance(value[1], list)
            and all(isinstance(r, tuple) and len(r) in (1, 9) and isinstance(r[0], str) for r in value[1]))


def _digest(*parts: str) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogateescape")
        h.update(len(data).to_bytes(8, "little") + data)
    return h.hexdigest()


# --------------------------------------------------------------------------- the mirror


class Mirror:
    """A folder that holds one commit's decisions/ tree, from git objects, as far as asked.

    sync_top(tree) writes the top level (the policy and other loose files) and notes each
    folder's tree; ensure(names) writes those folders as they are in that tree. Only what
    differs from what the folder already holds is written, so a commit that changed one
    initiative costs one folder's files, and folders nobody needs are never written."""

    def __init__(self, repo: Repository, folder: Path, absent: Path) -> None:
        self.repo = repo
        self.folder = folder
        self.absent = absent  # never created: where every link in the mirror leads
        self.listings: dict[str, dict[str, TreeEntry]] = {}  # written folder path -> entries (by safe name)
        self.written: dict[str, str] = {}  # top-level folder name -> the tree it holds
        self.tree: str | None = None

    def top(self) -> dict[str, TreeEntry]:
        return self.listings.get(str(self.folder), {})

    def sync_top(self, tree: str) -> dict[str, TreeEntry]:
        """Make the top level hold TREE's; folders below it are written by ensure()."""
        if tree != self.tree:
            self.folder.mkdir(parents=True, exist_ok=True)
            later: list[tuple[Path, str | None, str, int]] = []
            files: list[tuple[Path, TreeEntry]] = []
            self._level(self.folder, self.tree, self.repo.trees([tree])[0], 0, later, files)
            self._write(files)
            for path, _, _, _ in later:  # folders come into being empty, as ensure() expects
                path.mkdir(exist_ok=True)
            self.tree = tree
        return self.top()

    def ensure(self, names: list[str]) -> None:
        """Write the top-level folders NAMES as the current tree holds them."""
        top = self.top()
        pending = [(self.folder / name, self.written.get(name), top[name].id, 1)
                   for name in names if name in top and top[name].is_tree and self.written.get(name) != top[name].id]
        for name in names:
            if name in top and top[name].is_tree:
                self.written[name] = top[name].id
        while pending:
            later: list[tuple[Path, str | None, str, int]] = []
            files: list[tuple[Path, TreeEntry]] = []
            for (path, old, new, depth), entries in zip(pending, self.repo.trees([new for _, _, new, _ in pending])):
                self._level(path, old, entries, depth, later, files)
            self._write(files)
            pending = later

    def _write(self, files: list[tuple[Path, TreeEntry]]) -> None:
        """The files, with the blobs of YAML ones read in one exchange; the others empty
        (only their names matter to the loader)."""
        wanted = [(target, entry) for target, entry in files if loader._is_yaml(target.name)]
        contents = self.repo.blobs([entry.id for _, entry in wanted], max_bytes=loader.MAX_FILE_BYTES + 1)
        data = {str(target): content for (target, _), content in zip(wanted, contents)}
        for target, _ in files:
            if os.path.lexists(target):
                target.unlink()
            with open(target, "xb") as f:  # a blob over the limit is cut at limit + 1: the loader refuses it
                f.write(data.get(str(target), b""))

    def _level(self, path: Path, old: str | None, entries: list[TreeEntry], depth: int,
               later: list[tuple[Path, str | None, str, int]], files: list[tuple[Path, TreeEntry]]) -> None:
        """One folder: remove what went, make links, and queue the folders and files to write."""
        key = str(path)
        before = self.listings.get(key, {}) if old is not None else {}
        if old is None:
            path.mkdir(parents=True, exist_ok=True)
        after: dict[str, TreeEntry] = {}
        for entry in entries:
            name = safe_name(entry.name)
            if name is None or entry.is_gitlink or (entry.is_tree and depth >= MAX_DEPTH):
                continue  # unsafe names, submodules and deep folders are not part of the records
            after[name] = entry
        for name, entry in before.items():
            if name not in after or _kind(after[name]) != _kind(entry):
                self._remove(path / name, entry, depth)
        for name, entry in after.items():
            previous = before.get(name)
            if previous is not None and previous.id == entry.id and previous.mode == entry.mode:
                continue
            target = path / name
            if entry.is_tree:
                if depth == 0:
                    continue  # a top-level folder: ensure() writes it when it is needed
                same_kind = previous is not None and previous.is_tree
                later.append((target, previous.id if same_kind else None, entry.id, depth + 1))
            elif entry.is_link:
                if os.path.lexists(target):
                    target.unlink()
                os.symlink(self.absent / "link", target)  # refused by the loader, leads to nothing
            else:
                files.append((target, entry))
        if depth == 0:  # new top-level folders: exist (empty) until ensure() writes them
            for name, entry in after.items():
                if entry.is_tree and name not in before:
                    later.append((path / name, None, entry.id, 1))
        self.listings[key] = after

    def _remove(self, target: Path, entry: TreeEntry, depth: int) -> None:
        if depth == 0:
            self.written.pop(target.name, None)
        if entry.is_tree and not entry.is_link:
            for key in [k for k in self.listings if k == str(target) or k.startswith(str(target) + os.sep)]:
                del self.listings[key]
            shutil.rmtree(target, ignore_errors=True)
        elif os.path.lexists(target):
            target.unlink()


def _kind(entry: TreeEntry) -> str:
    return "tree" if entry.is_tree else "link" if entry.is_link else "file"


# --------------------------------------------------------------------------- the cache


@lru_cache(maxsize=4)
def _code_fingerprint(schema_dir: str) -> bytes:
    """What a cached verdict depends on besides the commit: Launchboard's core code, the
    schemas and the version (the cache's own fingerprint covers parsing libraries)."""
    digest = hashlib.sha256(f"launchboard {__version__} history 1".encode())
    here = Path(__file__).resolve().parent
    for path in sorted(here.glob("*.py")) + sorted(Path(schema_dir).glob("*.schema.json")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


class HistoryCache(RecordCache):
    """Verdicts by (decisions/ tree, day) in ROOT/.launchboard-cache/history/<fingerprint>/,
    HMAC-signed like the content cache: a committed or forged entry is never read."""

    @classmethod
    def open_for(cls, root: Path, schemas: SchemaSet) -> "HistoryCache | None":
        secret = _secret()
        if secret is None:
            return None
        store = cls(root, _code_fingerprint(str(schemas.schema_dir)), secret)
        store.base = root / FOLDER / HISTORY_FOLDER
        store.folder = store.base / store.folder.name
        return store

    def chain_key(self, previous: str, tree: str, day: dt.date) -> str:
        """A commit's changes: its decisions/ tree judged on its day, after the commits
        whose last key is PREVIOUS ("" for the first)."""
        return hashlib.sha256(f"{self.folder.name}\0{previous}\0{tree}\0{day.isoformat()}".encode()).hexdigest()

    def folder_key(self, tree: str, context: str) -> str:
        """One initiative folder's verdict: its tree under a policy (and other loose files)."""
        return hashlib.sha256(f"{self.folder.name}\0folder\0{tree}\0{context}".encode()).hexdigest()

    def prune(self) -> None:
        """Remove the folders of other fingerprints (older code or schemas) only: entries of
        this one stay, as a run that found every commit cached reads no folder's entry."""
        self.used = {entry.name for entry in os.scandir(self.folder)} if self.folder.is_dir() else set()
        super().prune()

    def _prepare(self) -> bool:
        if self.ready is None:
            self.ready = _ready_folders(self.base.parent, self.base) and _ready_folders(self.base.parent, self.folder)
        return self.ready


# --------------------------------------------------------------------------- the summary


def summarise(snapshots: list[Snapshot], end: dt.date, period_start: dt.date | None = None, evaluated: int = 0) -> History:
    """The history's JSON from the snapshots (oldest first, each holding what changed since
    the one before), counting days up to END and from PERIOD_START (default: the first).

    The portfolio on a day is the one of that day's last commit; a commit whose policy could
    not be used leaves the previous verdicts in force. Work is in proportion to the changes,
    not to commits times initiatives."""
    current: dict[str, Row] = {}
    since: dict[str, dt.date] = {}  # id -> the day its current verdict started to count
    by_stage: Counter[str] = Counter()
    blocked_now = 0
    readiness: dict[str, list[dict[str, Any]]] = {}
    titles: dict[str, str] = {}
    approaches: dict[str, str] = {}
    blocked: Counter[str] = Counter()
    in_stage: dict[str, Counter[str]] = {}
    portfolio: list[dict[str, Any]] = []
    # campaign id -> initiatives in its scope, and of those meeting it; and its burn-up points
    in_campaign: Counter[str] = Counter()
    met_campaign: Counter[str] = Counter()
    burn_up: dict[str, list[dict[str, Any]]] = {}
    commits = 0
    started = False  # the period's first usable commit has been seen (every verdict gets a point there)

    def close(iid: str, row: Row, day: dt.date) -> None:
        first = max(since[iid], period_start) if period_start is not None else since[iid]
        span = (day - first).days
        if span > 0:
            in_stage.setdefault(iid, Counter())[row[1]] += span
            if not row[5]:
                blocked[iid] += span

    def point(iid: str, row: Row, snap: Snapshot) -> None:
        title, stage, approach, required, complete, ready = row[:6]
        titles[iid], approaches[iid] = title, approach
        entry = {"date": snap.date.isoformat(), "commit": snap.commit, "stage": stage, "required": required,
                 "complete": complete, "ready": ready}
        previous = readiness.get(iid)
        if previous and (previous[-1]["stage"], previous[-1]["required"], previous[-1]["complete"], previous[-1]["ready"]) == row[1:2] + row[3:6]:
            return
        readiness.setdefault(iid, []).append(entry)

    clock = dt.date.min  # committer dates can go back (a rebase): days are counted forward only
    for snap in snapshots:
        in_period = period_start is None or snap.date >= period_start
        commits += in_period
        if not snap.usable:
            continue
        clock = max(clock, snap.date)
        for iid, row in snap.changes.items():
            old = current.get(iid)
            if old is not None:
                close(iid, old, clock)
                by_stage[old[1]] -= 1
                blocked_now -= not old[5]
                in_campaign.subtract(old[6])
                met_campaign.subtract(old[7])
            if row is None:
                current.pop(iid, None)
                since.pop(iid, None)
                continue
            current[iid], since[iid] = row, clock
            by_stage[row[1]] += 1
            blocked_now += not row[5]
            in_campaign.update(row[6])
            met_campaign.update(row[7])
            if in_period and started:
                point(iid, row, snap)
        if in_period and not started:
            started = True
            for iid, row in current.items():
                point(iid, row, snap)
        if in_period:
            portfolio.append({"date": snap.date.isoformat(), "commit": snap.commit,
                              "by_stage": {stage: n for stage, n in sorted(by_stage.items()) if n}, "blocked": blocked_now})
            for campaign in sorted(set(in_campaign) | set(burn_up)):
                now = {"date": snap.date.isoformat(), "commit": snap.commit, "in_scope": in_campaign[campaign],
                       "met": met_campaign[campaign]}
                points = burn_up.setdefault(campaign, [])
                if not points or (points[-1]["in_scope"], points[-1]["met"]) != (now["in_scope"], now["met"]):
                    points.append(now)
    last = next((snap for snap in reversed(snapshots) if snap.usable), None)
    if period_start is not None and not started and last is not None and period_start <= end:
        # No commit in the period: the state in force on its first day is the last commit's,
        # one point on that day (the README's promise for --since)
        carried = Snapshot(last.commit, period_start, True, {})
        for iid, row in current.items():
            point(iid, row, carried)
        portfolio.append({"date": period_start.isoformat(), "commit": last.commit,
                          "by_stage": {stage: n for stage, n in sorted(by_stage.items()) if n}, "blocked": blocked_now})
    for iid, row in current.items():
        close(iid, row, end + dt.timedelta(days=1))
    initiatives = [
        {"id": iid, "title": titles[iid], "readiness": readiness[iid], "blocked_days": blocked.get(iid, 0),
         "days_in_stage": dict(sorted(in_stage.get(iid, {}).items()))}
        for iid in sorted(readiness)
    ]
    return History(commits, initiatives, portfolio, approaches=approaches, evaluated=evaluated, campaigns=burn_up)
