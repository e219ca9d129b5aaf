"""The core, end to end: load -> validate -> evaluate, as one function both faces call.

`launchboard check`, `status`, `diff`, `render` and the MkDocs plugin all start from
`load_portfolio`, so they can never disagree about what the records say.

The work goes one initiative folder at a time (load, validate, build, evaluate, then drop
the parsed documents), so memory holds the typed records, not every document. Large
portfolios spread the folders over a process pool (both cores of a CI runner), and a
content cache (generator/core/cache.py) skips parsing and validating unchanged folders.
Neither changes an answer: each folder is judged alone, and problems are sorted at the end.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import marshal
import math
import os
import stat
import time
from array import array
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from generator.core import processes
from generator.core.cache import RecordCache, disabled_by_env
from generator.core.codeowners import check_codeowners
from generator.core.evaluate import (
    Evaluator,
    InitiativeRecords,
    announced_requirements,
    check_alert_names,
    check_pinned_initiatives,
)
from generator.core.frameworks import check_policy_controls, load_frameworks, pack_stem
from generator.core.loader import (
    Document,
    RecordError,
    RecordFile,
    decode_text,
    discover,
    is_id,
    load_document,
    parse_document,
    read_bytes,
)
from generator.core.model import Initiative, InitiativeState, Location, Policy, Portfolio, Problem, Severity
from generator.core.records import build_checklist, build_decision, build_initiative, build_policy, build_runbook
from generator.core.validate import SchemaError, SchemaSet, schema_set

# Below this many record files one process is as fast: forking a pool and sending results
# back costs about what it saves (measured with bench/run.py on 2 cores).
POOL_MIN_FILES = 1500
# Below this many record files parsing is as fast as reading the cache, so by default
# nothing is cached (and nothing written into ROOT) for a small repository.
CACHE_MIN_FILES = 500
TASK_MAX_FOLDERS = 64  # initiatives per pool task: bounds a worker's memory and the progress steps
# A LoadMemo trusts a file's stamp (inode, size, times) once its times are this far in the
# past (nanoseconds): two seconds covers the coarsest file system clocks (FAT).
STAMP_TRUSTED_AFTER = 2_000_000_000
Stamp = tuple[tuple[str, str, int, int, int, int, int], ...]


class UsageError(Exception):
    """Bad arguments or environment (exit 2), as opposed to problems in the records."""


def resolve_as_of(value: str | dt.date | None = None) -> dt.date:
    """"Today": --as-of, else SOURCE_DATE_EPOCH (reproducible builds), else the current date."""
    if isinstance(value, dt.date):
        return value
    if value:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"--as-of {value!r} is not a date in the form YYYY-MM-DD") from None
        return _in_range(day, f"--as-of {value}")
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            day = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).date()
        except (ValueError, OverflowError, OSError):
            raise UsageError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds") from None
        return _in_range(day, f"SOURCE_DATE_EPOCH={epoch}")
    return dt.date.today()


def _in_range(day: dt.date, what: str) -> dt.date:
    """Records' dates run from 1900 to 2999 (the schemas): "today" does too, so date arithmetic
    (an approval's lapse, a chart's axis) never leaves what a date can hold."""
    if not 1900 <= day.year <= 2999:
        raise UsageError(f"{what} is outside the years 1900 to 2999 that records can be dated in")
    return day


Progress = Callable[[int, int], None]


def load_portfolio(
    root: Path | str,
    as_of: str | dt.date | None = None,
    progress: Progress | None = None,
    *,
    cache: bool | None = None,
    memo: "LoadMemo | None" = None,
) -> Portfolio:
    """Everything Launchboard knows about ROOT's records as of a date.

    cache: True to use the content cache in ROOT/.launchboard-cache, False not to; None
    (the default) uses it for repositories of CACHE_MIN_FILES records or more.
    LAUNCHBOARD_NO_CACHE=1 turns it off whatever this says.
    memo: a LoadMemo kept by a long-lived caller (the MkDocs plugin under `mkdocs serve`)
    across calls, so unchanged folders are not judged again; see LoadMemo.
    """
    root = Path(root)
    today = resolve_as_of(as_of)
    if not (root / "decisions").is_dir():
        raise UsageError(f"{root} has no decisions/ folder; run launchboard in the governance repository's root or pass ROOT")
    try:
        with _gc_paused():
            return _load_portfolio(root, today, progress, cache, memo)
    except SchemaError as err:  # the schemas are configuration: unusable, exit 2
        raise UsageError(str(err)) from None


def _load_portfolio(root: Path, today: dt.date, progress: Progress | None, cache: bool | None, memo: "LoadMemo | None") -> Portfolio:
    files, problems, naming = discover(root)
    schemas = schema_set(root)
    use_cache = not disabled_by_env() and (cache if cache is not None else len(files) >= CACHE_MIN_FILES)
    store = RecordCache.open(root, schemas.schema_dir) if use_cache else None
    counter = _Counter(progress, len(files))
    folders: dict[str, list[RecordFile]] = {}
    loose: list[RecordFile] = []  # outside any initiative folder: the policy
    for record in files:
        if record.initiative is None:
            loose.append(record)
        else:
            folders.setdefault(record.initiative, []).append(record)

    loaded, found, loose_digest = _load_folder(loose, root, schemas, store, digest=memo is not None)
    problems.extend(found)
    counter.advance(len(loose))
    # What every folder's verdict also depends on: the policy (and any other loose file),
    # the schemas and the date. A memo made under another context is dropped whole.
    # Only a memo needs digests: a plain check does not hash what it reads.
    context = _digest(str(root.resolve()), loose_digest, schemas.digest, today.isoformat()) if memo is not None else ""
    if memo is not None:
        memo.start(context)
    policy_doc = next((doc for record, doc in loaded if record.kind == "policy"), None)
    policy_failed = any(p.location.file == "decisions/policy.yaml" for p in problems)
    # Control framework packs: shipped ones and the valid ones in decisions/frameworks/.
    frameworks, found = load_frameworks([doc for record, doc in loaded if record.kind == "framework"])
    problems.extend(found)
    broken_packs = {pack_stem(p.location.file) for p in problems if p.is_error and p.location.file.startswith("decisions/frameworks/")}
    policy: Policy | None = None
    evaluator: Evaluator | None = None
    if policy_doc is None:
        if not policy_failed:
            problems.append(Problem(Location("decisions/policy.yaml"), Severity.ERROR, "LB009",
                                    "no policy: create decisions/policy.yaml with stages and checklists"))
    else:
        policy = build_policy(policy_doc)
        evaluator = Evaluator(policy, today, root)
        evaluator.check_policy(policy_doc)
        if any(p.is_error for p in evaluator.problems):  # warnings (LB308) leave it usable
            problems.extend(evaluator.problems)
            policy = evaluator = None
        else:  # a wrong control id is an error to fix, not a policy that cannot be used
            problems.extend(check_policy_controls(policy_doc, policy, frameworks, broken_packs))
    if evaluator is None:  # unusable: still validate every record, so every problem is listed
        results = _check_folders(root, schemas, store, folders, counter, None, None)
        problems.extend(p for found, _, _ in results.values() for p in found)
        if store is not None:
            store.prune()
        return _finish(root, today, None, [], {}, problems, unusable=True, frameworks=frameworks)

    assert policy is not None
    results = _check_folders(root, schemas, store, folders, counter, evaluator, memo)
    problems.extend(naming)  # names only matter once there is a site to publish
    initiatives, states = [], {}
    digests = {"": context} if context else {}
    for folder in sorted(results):
        found, judged, digest = results[folder]
        if digest:
            digests[folder] = digest
        problems.extend(found)
        if judged is None:
            continue  # its initiative.yaml failed to load; its problems are already listed
        initiative, state = judged
        initiatives.append(initiative)
        states[initiative.id] = state
    problems.extend(check_alert_names(initiatives, lambda file, path: _locate(root, file, path)))
    problems.extend(check_pinned_initiatives(policy, initiatives, lambda file, path: _locate(root, file, path)))
    problems.extend(announced_requirements(policy, states, today, lambda file, path: _locate(root, file, path)))
    problems.extend(check_codeowners(root, policy))
    if store is not None and not (memo is not None and memo.hits):
        store.prune()  # not after a load the memo served: it did not touch the entries it still needs
    return _finish(root, today, policy, initiatives, states, problems + evaluator.problems, digests=digests, frameworks=frameworks)


def _locate(root: Path, file: str, path: tuple) -> Location:
    """Where PATH sits in FILE, read again (for a rule that runs after the documents are gone)."""
    try:
        return load_document(root / file, root).locate(path)
    except (RecordError, OSError, ValueError):
        return Location(file)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Loading makes millions of small acyclic objects; the cyclic collector's passes over
    them cost a quarter of the run and grow with the portfolio. Nothing is lost: collection
    resumes afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Counter:
    """Calls `progress(done, total)` once per record file, whichever process loaded it."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def advance(self, files: int) -> None:
        for _ in range(files):
            self.done += 1
            if self.progress is not None:
                self.progress(self.done, self.total)


# --------------------------------------------------------------------------- one folder


Judged = tuple[Initiative, InitiativeState]
# A folder's problems, its judged initiative (None when it could not be), and the digest of
# its files (names, kinds and bytes), which keys the LoadMemo and the renderer's memo.
FolderResult = tuple[list[Problem], "Judged | None", str]
# What parsing and validating found for each file of a folder that could be read:
# (problems as tuples, data when valid, value marks, key marks) -- plain data, so the
# cache stores it with marshal and a worker process sends it cheaply.
Entry = list[tuple[list[tuple], Any, bytes, bytes]]


Read = list[tuple[int, RecordFile, bytes]]


def _read_folder(records: list[RecordFile], root: Path) -> tuple[Read, list[Problem]]:
    """The bytes of each of a folder's files that can be read, and why the others cannot."""
    read: Read = []
    problems: list[Problem] = []
    for index, record in enumerate(records):
        try:
            read.append((index, record, read_bytes(record.path, root)))
        except RecordError as err:
            problems.append(Problem(Location(record.file, err.line, err.column), Severity.ERROR, err.code, err.message, record.initiative))
        except OSError as err:
            problems.append(Problem(Location(record.file), Severity.ERROR, "LB001", f"cannot be read: {err.strerror}", record.initiative))
    return read, problems


def _digest(*parts: str | bytes) -> str:
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def _folder_digest(records: list[RecordFile], read: Read) -> str:
    """Every file of the folder by name and kind, and the bytes of those that could be read."""
    raw = {index: data for index, _, data in read}
    parts: list[str | bytes] = []
    for index, record in enumerate(records):
        parts += [record.file, record.kind, raw.get(index, b"\0unreadable")]
    return _digest(*parts)


def _scan_folder(
    records: list[RecordFile], read: Read, problems: list[Problem], schemas: SchemaSet, store: RecordCache | None, *, packed: bool
) -> tuple[list[int], list[Problem], Entry | bytes]:
    """Parse and validate the files _read_folder read, or take that from the cache.

    Returns the indexes of the files read, the problems of those that could not be, and
    their Entry (as marshal bytes when `packed`, for a worker to send). Each file is read
    once: its bytes are both the cache key and what is parsed.
    """
    indexes = [index for index, _, _ in read]
    key = store.key([(record.file, record.kind, raw) for _, record, raw in read]) if store is not None and read else None
    if key is not None:
        assert store is not None
        payload = store.get_payload(key)
        if payload is not None:
            if packed:
                return indexes, problems, payload
            entry = _unpack(payload, len(read))
            if entry is not None:
                return indexes, problems, entry
    entry = [_parse_and_validate(record, raw, schemas) for _, record, raw in read]
    if key is not None or packed:
        payload = marshal.dumps(entry)
        if key is not None:
            assert store is not None
            store.put_payload(key, payload)
        if packed:
            return indexes, problems, payload
    return indexes, problems, entry


def _unpack(payload: bytes, files: int) -> Entry | None:
    try:
        entry = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return entry if isinstance(entry, list) and len(entry) == files else None


def _parse_and_validate(record: RecordFile, raw: bytes, schemas: SchemaSet) -> tuple[list[tuple], Any, bytes, bytes]:
    """One file's part of an Entry."""
    try:
        document = parse_document(record.file, decode_text(raw))
    except RecordError as err:
        return [(record.file, err.line, err.column, Severity.ERROR.value, err.code, err.message, record.initiative)], None, b"", b""
    assert document.marks is not None
    value_marks, key_marks = document.marks  # validate() may unpack them into maps
    found = schemas.validate(document, record.kind, record.initiative)
    if found:
        return [(p.location.file, p.location.line, p.location.column, p.severity.value, p.code, p.message, p.initiative)
                for p in found], None, b"", b""
    return [], document.data, value_marks.tobytes(), key_marks.tobytes()


def _documents(
    records: list[RecordFile], indexes: list[int], problems: list[Problem], entry: Entry
) -> tuple[list[tuple[RecordFile, Document]], list[Problem]]:
    """An Entry turned back into the valid documents and every problem of the folder."""
    loaded: list[tuple[RecordFile, Document]] = []
    problems = list(problems)
    for index, (found, data, value_marks, key_marks) in zip(indexes, entry):
        record = records[index]
        if found:
            problems.extend(Problem(Location(f, line, column), Severity(severity), code, message, initiative)
                            for f, line, column, severity, code, message, initiative in found)
        else:
            values, keys = array("q"), array("q")
            values.frombytes(value_marks)
            keys.frombytes(key_marks)
            loaded.append((record, Document(record.file, data, marks=(values, keys))))
    return loaded, problems


def _load_folder(
    records: list[RecordFile], root: Path, schemas: SchemaSet, store: RecordCache | None,
    read: Read | None = None, problems: list[Problem] | None = None, *, digest: bool = False,
) -> tuple[list[tuple[RecordFile, Document]], list[Problem], str]:
    """The valid documents of one folder's files, the problems of the others, and its
    digest when asked for ("" otherwise)."""
    if read is None:
        read, problems = _read_folder(records, root)
    indexes, problems, entry = _scan_folder(records, read, problems or [], schemas, store, packed=False)
    assert isinstance(entry, list)
    loaded, problems = _documents(records, indexes, problems, entry)
    # A byte scan now spares evaluate a walk of every record for scaffold TODOs (0.5 s at 1,000 initiatives).
    without_todo = {record.file for _, record, raw in read if b"TODO" not in raw}
    for record, document in loaded:
        document.may_hold_todo = record.file not in without_todo
    return loaded, problems, _folder_digest(records, read) if digest else ""


def _judge_folder(
    folder: str, loaded: list[tuple[RecordFile, Document]], problems: list[Problem], evaluator: Evaluator | None, digest: str
) -> FolderResult:
    """Build and evaluate one initiative folder (nothing to judge without an evaluator).

    The evaluator's findings for the folder go into the result, not the evaluator, so the
    result is the folder's whole verdict (what the LoadMemo keeps)."""
    if evaluator is None:
        return problems, None, digest
    records = _group_by_initiative(loaded).get(folder)
    if records is None:
        return problems, None, digest
    # A checklist file with errors is not loaded; its items are not "missing" (LB210):
    # the file's own errors say what to fix.
    records.broken_checklists = {
        p.location.file.rsplit("/", 1)[-1].rsplit(".", 1)[0] for p in problems if p.is_error and "/checklists/" in p.location.file
    }
    # Likewise a runbook file with errors: the gate names it rather than asking for a new one.
    records.broken_runbooks = sorted({p.location.file for p in problems if p.is_error and "/runbooks/" in p.location.file})
    start = len(evaluator.problems)
    state = evaluator.evaluate(records)
    found = evaluator.problems[start:]
    del evaluator.problems[start:]
    return problems + found, (records.initiative, state), digest


# --------------------------------------------------------------------------- all folders


def _check_folders(
    root: Path,
    schemas: SchemaSet,
    store: RecordCache | None,
    folders: dict[str, list[RecordFile]],
    counter: _Counter,
    evaluator: Evaluator | None,
    memo: "LoadMemo | None",
) -> dict[str, FolderResult]:
    """Every folder's result, in this process; with a pool of readers when it pays (not
    when a memo holds results: then reading and hashing the files is most of the work)."""
    names = sorted(folders)
    workers = min(processes.workers(), max(1, len(names)))
    if (workers > 1 and not (memo and memo.folders) and processes.may_fork()
            and sum(len(records) for records in folders.values()) >= POOL_MIN_FILES):
        try:
            results = _check_folders_with_pool(root, store, folders, names, workers, counter, evaluator, memo is not None)
        except _PoolUnavailable:
            pass  # no processes on this platform or sandbox: do it here
        else:
            if memo is not None:
                memo.keep(results)
            return results
    results = {}
    for name in names:
        stamp = memo.stamp(folders[name]) if memo is not None else None
        result = memo.unchanged(name, stamp) if memo is not None else None
        if result is None:
            read, problems = _read_folder(folders[name], root)
            digest = _folder_digest(folders[name], read) if memo is not None else ""
            result = memo.get(name, digest) if memo is not None else None
            if result is None:
                loaded, problems, _ = _load_folder(folders[name], root, schemas, store, read, problems)
                result = _judge_folder(name, loaded, problems, evaluator, digest)
        if memo is not None:
            memo.stamped(name, stamp)
        results[name] = result
        counter.advance(len(folders[name]))
    if memo is not None:
        memo.keep(results)
    return results


class LoadMemo:
    """Each initiative folder's verdict from the previous load_portfolio in this process.

    `mkdocs serve` reloads the whole portfolio after every edit, though one folder changed.
    With a memo, a folder whose files (names, kinds, bytes) hash as before, under the same
    policy, schemas and date (the context), gets its previous result back instead of being
    parsed, validated, built and evaluated again. Keys are content, not time stamps, so an
    answer cannot be stale; folders outside the last load are forgotten. A folder is not even
    read when its files' stamps (inode, size, mtime, ctime) are those its result was made
    under and old enough to trust (`stamp`): at 1,000 initiatives, reading and hashing 13,000
    files was most of a rebuild's load.

    The memo shares the previous Portfolio's Initiative and InitiativeState objects with the
    next one: they are not changed after evaluation (_finish recounts each state's problems
    from zero), so a caller must not keep using an old Portfolio's counts.
    """

    def __init__(self) -> None:
        self.context: str | None = None
        self.folders: dict[str, FolderResult] = {}
        self.hits = 0  # folders the last load took from the memo (for tests and benchmarks)
        self.unread = 0  # of those, the folders whose files it did not even read (stamps)
        # folder -> the stamp of its files when its result was made (see stamp)
        self.stamps: dict[str, Stamp] = {}
        self._next_stamps: dict[str, Stamp] = {}

    def start(self, context: str) -> None:
        if context != self.context:
            self.context, self.folders, self.stamps = context, {}, {}
        self.hits = self.unread = 0
        self._next_stamps = {}

    @staticmethod
    def stamp(records: list[RecordFile]) -> "Stamp | None":
        """Each file's name, kind, device, inode, size, mtime and ctime, or None when they
        cannot be trusted to change with its content: a link (its target can change alone),
        anything but a regular file, or a file changed within STAMP_TRUSTED_AFTER of now (an
        edit in the same clock tick, on a file system with coarse times, would leave its times
        as they were). Any later write sets the ctime to the clock's time, which nobody can
        set back; git trusts its index the same way."""
        now = time.time_ns()
        found = []
        for record in records:
            try:
                st = os.lstat(record.path)
            except OSError:
                return None
            if not stat.S_ISREG(st.st_mode) or now - max(st.st_mtime_ns, st.st_ctime_ns) < STAMP_TRUSTED_AFTER:
                return None
            found.append((record.file, record.kind, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
        return tuple(found)

    def unchanged(self, folder: str, stamp: "Stamp | None") -> FolderResult | None:
        """The folder's result without reading its files, when their stamp is the one its
        result was made under."""
        result = self.folders.get(folder)
        if stamp is None or result is None or self.stamps.get(folder) != stamp:
            return None
        self.hits += 1
        self.unread += 1
        return result

    def stamped(self, folder: str, stamp: "Stamp | None") -> None:
        """This load's result for the folder was made (or checked by content) under STAMP."""
        if stamp is not None:
            self._next_stamps[folder] = stamp

    def get(self, folder: str, digest: str) -> FolderResult | None:
        result = self.folders.get(folder)
        if result is None or result[2] != digest:
            return None
        self.hits += 1
        return result

    def keep(self, results: dict[str, FolderResult]) -> None:
        self.folders = dict(results)
        self.stamps, self._next_stamps = self._next_stamps, {}


class _PoolUnavailable(Exception):
    pass


def _check_folders_with_pool(
    root: Path,
    store: RecordCache | None,
    folders: dict[str, list[RecordFile]],
    names: list[str],
    workers: int,
    counter: _Counter,
    evaluator: Evaluator | None,
    digests: bool = False,
) -> dict[str, FolderResult]:
    """Forked workers read, parse and validate (or hit the cache) and send Entries as marshal
    bytes; this process builds and evaluates them as they arrive, so the Portfolio is made
    exactly as in one process (see processes.may_fork for when a pool is used)."""
    from concurrent.futures.process import BrokenProcessPool

    size = max(4, min(TASK_MAX_FOLDERS, math.ceil(len(names) / (workers * 8))))
    tasks = [[(name, folders[name]) for name in names[i:i + size]] for i in range(0, len(names), size)]
    results: dict[str, FolderResult] = {}
    started = counter.done
    try:
        with processes.forked_pool(workers, _worker_start, (root, store is not None, digests)) as pool:
            for done, used in pool.map(_worker_task, tasks):
                for name, indexes, problems, payload, digest in done:
                    entry = _unpack(payload, len(indexes))
                    if entry is None:  # pragma: no cover - a worker's own bytes always load
                        raise _PoolUnavailable("a worker sent an unreadable result")
                    loaded, problems = _documents(folders[name], indexes, problems, entry)
                    results[name] = _judge_folder(name, loaded, problems, evaluator, digest)
                    counter.advance(len(folders[name]))
                if store is not None:
                    store.used.update(used)
    except (OSError, BrokenProcessPool) as err:
        if results:  # too late to start again: the evaluator has judged some folders
            raise
        counter.done = started
        raise _PoolUnavailable(str(err)) from None
    return results


_WORKER: dict[str, Any] = {}


def _worker_start(root: Path, use_cache: bool, digests: bool = False) -> None:
    gc.disable()  # a worker lives for one load_portfolio; see _gc_paused
    schemas = schema_set(root)
    _WORKER.update(root=root, digests=digests, schemas=schemas, store=RecordCache.open(root, schemas.schema_dir) if use_cache else None)


def _worker_task(task: list[tuple[str, list[RecordFile]]]) -> tuple[list[tuple[str, list[int], list[Problem], bytes, str]], list[str]]:
    root, schemas, store = _WORKER["root"], _WORKER["schemas"], _WORKER["store"]
    done = []
    for name, records in task:
        read, problems = _read_folder(records, root)
        indexes, problems, payload = _scan_folder(records, read, problems, schemas, store, packed=True)
        assert isinstance(payload, bytes)
        done.append((name, indexes, problems, payload, _folder_digest(records, read) if _WORKER["digests"] else ""))
    used = sorted(store.used) if store is not None else []
    if store is not None:
        store.used.clear()
    return done, used


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
            elif record.kind == "runbook":
                runbook = build_runbook(document, initiative_id)
                records.runbook_files.append((runbook, document))
                records.initiative.runbooks.setdefault(runbook.stem, runbook)
        records.initiative.decisions.sort(key=lambda d: (d.number, d.file))
        grouped[folder] = records
    return grouped


def _finish(root, today, policy, initiatives, states, problems, unusable=False, digests=None, frameworks=None) -> Portfolio:
    problems = sorted(set(problems), key=Problem.sort_key)
    for state in states.values():  # a LoadMemo may hand back a state counted by an earlier load
        state.errors = state.warnings = 0
    for problem in problems:
        state = states.get(problem.initiative) if problem.initiative else None
        if state is not None:
            state.errors += problem.is_error
            state.warnings += not problem.is_error
    return Portfolio(str(root), today.isoformat(), policy, initiatives, states, problems, unusable, digests=digests or {},
                     frameworks=frameworks or {})
