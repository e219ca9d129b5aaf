"""The hub: one board across many governance repositories, each read at a pinned commit.

A hub is a folder holding `hub.yaml` (schemas/hub.schema.json): a list of sources, each a
git repository (`repo`), the branch or tag to follow (`ref`) and the commit it is pinned to
(`commit`, written by `lock`). Optionally `decisions/policy.yaml`: the organisation's
baseline policy, which every source's policy is compared with (policy drift).

Trust: a source is as untrusted as a pull request. The hub fetches it into a bare cache
repository (HUB/.launchboard-cache/hub/<name>.git) with hooks off and no submodules, reads
only `decisions/` from git objects at the pinned commit (core/gitread.py, the same mirror
`history` uses: links become links to nothing, which the loader refuses), and checks the
records itself with this Launchboard. A source's templates/, mkdocs.yml, hooks and
anything else outside decisions/ are never read. Only https://, ssh://, git@host:path and
local paths are accepted as repositories, and git is told to allow no other transport.

    hub = load_hub(Path("."))
    lock(hub)                      # resolve refs, fetch, rewrite the commit: fields
    results = check(hub)           # one SourceResult per source (sources judged in parallel)

Verdicts are cached, signed, by pin, day and baseline (HubCache), so a pin that did not move
is neither fetched nor judged again. The site across sources is generator/hub/site.py's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.cache import FOLDER, RecordCache, _ready_folders, _secret, disabled_by_env
from generator.core.gitread import _SAFE_CONFIG, GitError, Repository, _environment, commit_day
from generator.core.loader import RecordError, clean_text, decode_text, parse_document, read_bytes
from generator.core.model import Policy, Portfolio
from generator.core.resources import resource_dir

HUB_FILE = "hub.yaml"
CACHE = Path(".launchboard-cache") / "hub"
DECISIONS = "decisions"
GIT_TIMEOUT = 600  # seconds for one fetch or ls-remote; a stuck remote must not hang CI forever

# Transports git may use for a source: nothing else (ext::, fd::, file:// tricks) is allowed,
# whatever the URL says. Local paths are given to git as absolute paths (the file transport).
_PROTOCOLS = ("-c", "protocol.allow=never", "-c", "protocol.https.allow=always", "-c", "protocol.ssh.allow=always",
              "-c", "protocol.file.allow=always", "-c", "submodule.recurse=false", "-c", "fetch.recurseSubmodules=false",
              "-c", "transfer.fsckObjects=true")


class HubError(Exception):
    """hub.yaml is missing or invalid (exit 2); the message is located `hub.yaml:LINE:COL: ...`."""


class SourceError(Exception):
    """One source cannot be fetched or read (exit 2); the message starts with its name."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(name, message)  # both in args: it crosses from a forked worker by pickle
        self.name, self.message = name, message

    def __str__(self) -> str:
        return f"source {self.name}: {self.message}"


@dataclass(frozen=True)
class Source:
    name: str
    repo: str  # as written in hub.yaml
    ref: str
    commit: str | None
    index: int  # position in sources: (for rewriting its commit)

    def url(self, hub_root: Path) -> str:
        """What git is given: URLs as written, local paths made absolute (relative to the hub)."""
        if _is_url(self.repo):
            return self.repo
        return str((hub_root / self.repo).resolve())


@dataclass
class Hub:
    root: Path
    sources: list[Source]
    raw: bytes  # hub.yaml as read, for rewriting it byte for byte

    @property
    def cache(self) -> Path:
        return self.root / CACHE

    def source_cache(self, source: Source) -> Path:
        return self.cache / f"{source.name}.git"


@dataclass
class SourceResult:
    """One source's verdict at its pinned commit, as plain data (so the cache can keep it)."""

    name: str
    commit: str
    date: str  # the pinned commit's committer day (UTC), ISO
    unusable: bool  # the source's policy cannot be used
    errors: list[dict[str, Any]]  # problems as `check --format json` lists them
    warnings: list[dict[str, Any]]
    initiatives: int
    policy_drift: list[dict[str, Any]] = field(default_factory=list)
    board: list[dict[str, Any]] = field(default_factory=list)  # one row per initiative, for `hub build`
    tip: str | None = None  # the fetched branch tip, when known
    tip_date: str | None = None

    @property
    def ok(self) -> bool:
        return not self.unusable and not self.errors

    @property
    def stale(self) -> bool:
        """The pin is older than the source's branch as last fetched."""
        return self.tip is not None and self.tip != self.commit

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "commit": self.commit, "date": self.date, "ok": self.ok, "errors": self.errors,
                "warnings": self.warnings, "initiatives": self.initiatives, "policy_drift": self.policy_drift}


# --------------------------------------------------------------------------- hub.yaml


def _is_url(repo: str) -> bool:
    return repo.startswith(("https://", "ssh://")) or re.match(r"^[A-Za-z0-9._-]+@[A-Za-z0-9][A-Za-z0-9.-]*:", repo) is not None


def load_hub(root: Path | str) -> Hub:
    """HUB/hub.yaml, validated; HubError naming file, line and field when it cannot be used."""
    root = Path(root)
    path = root / HUB_FILE
    if not path.exists() and not path.is_symlink():
        raise HubError(f"{path}: no {HUB_FILE}; a hub is a folder holding {HUB_FILE} (see README, \"Many repositories: the hub\")")
    try:
        raw = read_bytes(path, root)  # refuses links and oversized files, as for records
        document = parse_document(HUB_FILE, decode_text(raw))
    except RecordError as err:
        line, column = getattr(err, "line", 1), getattr(err, "column", 1)
        raise HubError(f"{HUB_FILE}:{line}:{column}: {clean_text(str(err))}") from None
    except OSError as err:
        raise HubError(f"{path}: cannot be read ({err.strerror})") from None
    problems = _schema_problems(document)
    sources = []
    seen: dict[str, int] = {}
    if not problems:
        for i, entry in enumerate(document.data["sources"]):
            if entry["name"] in seen:
                where = document.locate(("sources", i, "name"))
                problems.append(f"{where.file}:{where.line}:{where.column}: sources[{i}].name: "
                                f"{entry['name']!r} is already the name of sources[{seen[entry['name']]}]")
            seen.setdefault(entry["name"], i)
            sources.append(Source(entry["name"], entry["repo"], entry["ref"], entry.get("commit"), i))
    if problems:
        raise HubError("\n".join(problems))
    return Hub(root, sources, raw)


_PATTERN_MESSAGES = {  # what a failed pattern means, rather than the regular expression
    "repo": "is not an allowed repository: use https://, ssh://, git@host:path or a local path",
    "name": "is not a source name: lowercase letters and digits, words joined by single hyphens",
    "ref": "is not a branch or tag name",
    "commit": "is not a full commit id (40 or 64 lowercase hex digits)",
}


def _schema_problems(document: Any) -> list[str]:
    from jsonschema import Draft202012Validator

    schema = json.loads((resource_dir("schemas") / "hub.schema.json").read_text(encoding="utf-8"))
    out = []
    for error in sorted(Draft202012Validator(schema).iter_errors(document.data), key=lambda e: list(map(str, e.absolute_path))):
        path = tuple(error.absolute_path)
        where = document.locate(path)
        name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "(top level)"
        message = error.message
        if path and path[-1] == "commit" and isinstance(error.instance, (int, float)):
            message = "reads as a number: quote the commit id (\"0123...\")"
        if path and error.validator in ("anyOf", "pattern") and path[-1] in _PATTERN_MESSAGES:
            message = f"{clean_text(repr(error.instance), 80)} {_PATTERN_MESSAGES[path[-1]]}"
        out.append(f"{where.file}:{where.line}:{where.column}: {name}: {clean_text(message, 200)}")
    return out


# --------------------------------------------------------------------------- git


def _git(args: list[str], cwd: Path | None = None) -> str:
    """Run git with hooks, prompts and every transport but the allowed ones off."""
    env = _environment() | {"GIT_PROTOCOL_FROM_USER": "0", "GIT_LFS_SKIP_SMUDGE": "1"}
    try:
        done = subprocess.run(["git", *_SAFE_CONFIG, *_PROTOCOLS, *args], cwd=cwd, capture_output=True, env=env,
                              check=False, timeout=GIT_TIMEOUT, stdin=subprocess.DEVNULL)
    except OSError as err:
        raise GitError(f"cannot run git: {err.strerror}") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT} s") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        cause = next((line for line in lines if line.startswith("error:")), lines[-1] if lines else f"git {args[0]} failed")
        raise GitError(clean_text(cause, 300))  # the first error says why (fsck), the last only that it stopped
    return done.stdout.decode("utf-8", "replace")


def resolve_ref(hub: Hub, source: Source) -> str:
    """The commit SOURCE's ref names now, from `git ls-remote` (branches, then tags)."""
    try:
        # the ref, and the peeled line of an annotated tag (its commit), which the ref's own pattern misses
        out = _git(["ls-remote", "--", source.url(hub.root), source.ref, f"{source.ref}^{{}}"], cwd=hub.root)
    except GitError as err:
        raise SourceError(source.name, f"cannot reach {source.repo}: {err}") from None
    refs = dict(reversed(line.split("\t", 1)) for line in out.splitlines() if "\t" in line)
    for name in (source.ref, f"refs/heads/{source.ref}", f"refs/tags/{source.ref}^{{}}", f"refs/tags/{source.ref}"):
        if name in refs:
            return refs[name]
    raise SourceError(source.name, f"{source.repo} has no branch or tag {source.ref!r}")


def _has_commit(bare: Path, commit: str) -> bool:
    try:
        return bool(bare.is_dir() and _git(["cat-file", "-t", commit], cwd=bare).strip() == "commit")
    except GitError:
        return False


def fetch(hub: Hub, source: Source, commit: str | None = None) -> Path:
    """SOURCE's bare cache repository holding COMMIT (default: its pin) and its branch tip.

    Nothing is fetched when the commit is already there: a pin that did not move costs no
    network. The ref's tip is kept as refs/hub/tip, for the staleness mark."""
    commit = commit or source.commit
    bare = hub.source_cache(source)
    _refuse_links(hub, bare)
    _own_cache(bare)
    if commit is not None and _has_commit(bare, commit):
        return bare
    try:
        if not (bare / "HEAD").is_file():
            # .launchboard-cache/ gets its ignore-everything .gitignore: the hub never commits a fetch
            if not _ready_folders(hub.root / FOLDER, hub.cache):
                raise HubError(f"{hub.cache} cannot be made (a link, or not writable); the hub's cache must be a folder inside it")
            _git(["init", "--quiet", "--bare", str(bare)])
        url = source.url(hub.root)
        _git(["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", "--", url,
              f"+{source.ref}:refs/hub/tip"], cwd=bare)
        if commit is not None and not _has_commit(bare, commit):  # pinned off the branch: ask for it by id
            _git(["fetch", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", "--", url, commit], cwd=bare)
    except GitError as err:
        raise SourceError(source.name, f"cannot fetch {source.repo} ({source.ref}): {err}") from None
    if commit is not None and not _has_commit(bare, commit):
        raise SourceError(source.name, f"{source.repo} does not hold the pinned commit {commit}")
    return bare


# What a cache repository's config holds: only what `git init --bare` writes. Anything else
# in it (core.sshCommand, url.*.insteadOf, credential.helper, core.askPass...) would be a
# command or a redirect chosen by whoever wrote the folder, and a hub pull request can commit
# the folder, as can a restored CI cache.
_CACHE_CONFIG = "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n"
# Files through which a repository borrows objects or another repository's settings.
_BORROWING = ("objects/info/alternates", "objects/info/http-alternates", "commondir", "gitdir", "info/grafts")


def _own_cache(bare: Path) -> None:
    """Make the cache repository's control files Launchboard's before git reads them: its
    config rewritten to the plain bare one, and no alternates, grafts or common dir. A
    folder that is not a plain bare repository of ours is emptied and made again."""
    if not bare.exists():
        return
    if bare.is_symlink() or not bare.is_dir() or not (bare / "HEAD").is_file() or (bare / "HEAD").is_symlink():
        shutil.rmtree(bare, ignore_errors=True) if bare.is_dir() and not bare.is_symlink() else bare.unlink(missing_ok=True)
        return
    for name in _BORROWING:
        target = bare / name
        if target.is_symlink() or target.is_file():
            target.unlink()
    config = bare / "config"
    if config.is_symlink() or config.is_dir():
        raise HubError(f"{bare}/config is not a file; delete {bare} and run again")
    config.write_text(_CACHE_CONFIG, encoding="utf-8")


def _refuse_links(hub: Hub, bare: Path) -> None:
    """The cache is written only inside the hub: no folder on the way may be a link (a hub
    repository could commit `.launchboard-cache` as a link to elsewhere)."""
    path = hub.root
    for part in bare.relative_to(hub.root).parts:
        path = path / part
        if path.is_symlink():
            raise HubError(f"{path.relative_to(hub.root)} is a link; the hub's cache must be a folder inside the hub")


def _commit_day(bare: Path, commit: str) -> str | None:
    """The commit's UTC day; None when its date is one no record could have (a source's own
    push must not break the hub: the staleness mark then has no date)."""
    stamp = _git(["log", "-1", "--no-show-signature", "--format=%ct", commit, "--"], cwd=bare).strip()
    day = commit_day(stamp)
    return day.isoformat() if day is not None else None


def _tip(bare: Path) -> str | None:
    try:
        return _git(["rev-parse", "--verify", "--quiet", "refs/hub/tip^{commit}"], cwd=bare).strip() or None
    except GitError:
        return None


# --------------------------------------------------------------------------- lock


def lock(hub: Hub) -> list[tuple[str, str | None, str]]:
    """Pin every source to its ref's current commit, fetch it, and rewrite hub.yaml's
    commit: fields (and nothing else). Returns (name, old pin, new pin) per source. Every
    source is resolved and fetched before the file is written: all or nothing."""
    pins = []
    for source in hub.sources:
        commit = resolve_ref(hub, source)
        fetch(hub, source, commit)
        pins.append((source.name, source.commit, commit))
    new_text = set_commits(decode_text(hub.raw), {s.index: new for s, (_, _, new) in zip(hub.sources, pins)})
    from generator.authoring.ingest import _encoded, _replace

    new_raw = _encoded(hub.raw, new_text)
    if new_raw != hub.raw:
        try:
            _replace(hub.root / HUB_FILE, hub.raw, new_raw)
        except Exception as err:  # IngestError: the file changed meanwhile
            raise HubError(f"{HUB_FILE}: {err}".replace("the measurement was being added", "the hub was being locked")) from None
    return pins


def set_commits(text: str, commits: dict[int, str]) -> str:
    """TEXT with sources[i].commit set to commits[i]; every other character as it was."""
    from generator.authoring.ingest import IngestError, _line_end, _value, node_tree

    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        root = node_tree(text)
    except IngestError as err:
        raise HubError(f"{HUB_FILE}: {err}") from None
    sources = _value(root, "sources", text)
    edits: list[tuple[int, int, str]] = []  # (start, end, replacement), applied from the end
    for index, commit in commits.items():
        entry = sources.items[index]
        value = _value(entry, "commit", text)
        commit = _plain_or_quoted(commit)
        if value is not None:
            edits.append((value.start, value.end, commit))
        elif entry.flow:
            at = entry.items[-1][1].end
            edits.append((at, at, f", commit: {commit}"))
        else:
            column = entry.items[0][0].column
            at, lead = _line_end(text, entry.end, newline)
            edits.append((at, at, lead + " " * column + f"commit: {commit}" + newline))
    for start, end, replacement in sorted(edits, reverse=True):
        text = text[:start] + replacement + text[end:]
    return text


def _plain_or_quoted(commit: str) -> str:
    """The commit as YAML reads it back as text: plain, unless it is all digits (a number)."""
    from generator.core.loader import _resolve_plain

    return commit if isinstance(_resolve_plain(commit), str) else f'"{commit}"'


# --------------------------------------------------------------------------- check


def baseline_policy(hub: Hub, as_of: dt.date | str | None = None) -> Policy | None:
    """The hub's own decisions/policy.yaml, or None when it has none; HubError when unusable."""
    if not (hub.root / DECISIONS / "policy.yaml").exists():
        return None
    from generator.core.pipeline import load_portfolio

    portfolio = load_portfolio(hub.root, as_of, cache=False)
    if portfolio.policy is None or portfolio.unusable:
        first = next((p for p in portfolio.errors), None)
        detail = f": {first.location.file}:{first.location.line}:{first.location.column}: {first.message}" if first else ""
        raise HubError(f"the hub's baseline policy decisions/policy.yaml cannot be used{detail}")
    return portfolio.policy


def policy_drift(baseline: Policy | None, policy: Policy | None) -> list[dict[str, Any]]:
    """What in POLICY lowers the bar set by BASELINE (govdiff's policy changes that lower it)."""
    if baseline is None or policy is None:
        return []
    from generator.authoring.govdiff import policy_changes

    return [{"checklist": c.checklist, "item": c.item, "change": c.change, "baseline": c.before, "source": c.after}
            for c in policy_changes(baseline, policy) if c.lowers]


@dataclass
class _Pending:
    """A source fetched and looked up in the cache; verdict None until judged."""

    source: Source
    bare: Path
    tip: str | None
    tip_date: str | None
    key: str | None
    verdict: dict[str, Any] | None


def _prepare(hub: Hub, source: Source, no_fetch: bool, store: "HubCache | None") -> list[_Pending]:
    """Fetch SOURCE's pin unless the cache has it, and its verdict when the cache holds one.

    The verdict of a pin on a day under a baseline is kept in the signed cache: a pin that
    did not move is neither fetched nor judged again."""
    if source.commit is None:
        raise SourceError(source.name, "has no commit: run `launchboard hub lock` first")
    bare = hub.source_cache(source)
    _refuse_links(hub, bare)
    _own_cache(bare)
    if no_fetch:
        if not _has_commit(bare, source.commit):
            raise SourceError(source.name, f"commit {source.commit} is not in the cache and --no-fetch forbids fetching it")
    else:
        fetch(hub, source)
    tip = _tip(bare)
    key = store.verdict_key(source.commit) if store is not None else None
    cached = store.get(key) if key is not None else None
    return [_Pending(source, bare, tip, _commit_day(bare, tip) if tip else None, key, cached if _valid_cached(cached) else None)]


def _judge_all(*pending: _Pending, as_of: dt.date, baseline: Policy | None, store: "HubCache | None") -> list[SourceResult]:
    """Judge the sources the cache did not answer for, in forked processes when two cores
    are free (each source is independent), and keep their verdicts."""
    from generator.core.processes import forked_pool, may_fork, workers

    todo = [p for p in pending if p.verdict is None]
    jobs = min(workers(), len(todo))
    if jobs >= 2 and may_fork():
        with forked_pool(jobs) as pool:
            verdicts = list(pool.map(_judge, [(p.source.name, p.bare, p.source.commit, as_of, baseline) for p in todo]))
    else:
        verdicts = [_judge((p.source.name, p.bare, p.source.commit, as_of, baseline)) for p in todo]
    for p, verdict in zip(todo, verdicts):
        p.verdict = verdict
        if p.key is not None and store is not None:
            store.put(p.key, verdict)
    return [SourceResult(p.source.name, p.source.commit, tip=p.tip, tip_date=p.tip_date, **p.verdict)  # type: ignore[arg-type]
            for p in pending]


def _judge(task: tuple[str, Path, str, dt.date, Policy | None]) -> dict[str, Any]:
    """One source's verdict as plain data (what the cache keeps); SourceError when unreadable."""
    name, bare, commit, as_of, baseline = task
    try:
        day = _commit_day(bare, commit)
        portfolio = read_at(bare, commit, as_of)
    except GitError as err:
        raise SourceError(name, f"cannot read commit {commit}: {err}") from None
    except _NoDecisions:
        raise SourceError(name, f"commit {commit} has no decisions/ folder") from None
    from generator.exports.report import printable

    return {"date": day, "unusable": portfolio.unusable,
            "errors": [printable(p).as_dict() for p in portfolio.errors],
            "warnings": [printable(p).as_dict() for p in portfolio.warnings],
            "initiatives": len(portfolio.initiatives), "policy_drift": policy_drift(baseline, portfolio.policy),
            "board": [_board_row(portfolio, initiative) for initiative in portfolio.initiatives]}


def _board_row(portfolio: Portfolio, initiative: Any) -> dict[str, Any]:
    """What the hub's board and initiative page show of one initiative (plain data, cached)."""
    state = portfolio.states.get(initiative.id)
    current = state.current if state is not None else None
    return {"id": initiative.id, "title": initiative.title, "stage": initiative.stage, "risk": initiative.risk,
            "approach": initiative.approach, "owners": list(initiative.owners),
            "required": current.required if current else 0, "complete": current.complete if current else 0,
            "ready": bool(current.ready) if current else False,
            "missing": [{"checklist": v.checklist, "item": v.item, "title": v.title, "reason": v.reason}
                        for v in (current.blocking if current else [])],  # the ledger's verdict, not a second one
            "problems": len(portfolio.problems_for(initiative.id))}


_FIELDS = {"date": str, "unusable": bool, "errors": list, "warnings": list, "initiatives": int, "policy_drift": list, "board": list}


def _valid_cached(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == set(_FIELDS) and all(isinstance(value[k], t) for k, t in _FIELDS.items())


class _NoDecisions(Exception):
    """The pinned commit has no decisions/ folder."""


def read_at(bare: Path, commit: str, as_of: dt.date | str | None) -> Portfolio:
    """The pipeline's verdict on decisions/ at COMMIT, written out of git objects into a private
    temporary folder (links there lead nowhere, so the loader refuses them as in a checkout)."""
    from generator.core.history import Mirror, _scratch
    from generator.core.pipeline import load_portfolio

    tmp = tempfile.mkdtemp(prefix="launchboard-hub-", dir=_scratch())  # memory-backed when it can be, as history's
    try:
        with Repository.open(bare) as repo:
            tree = repo.tree_at(commit, DECISIONS)
            if tree is None:
                raise _NoDecisions()
            mirror = Mirror(repo, Path(tmp) / "tree" / DECISIONS, Path(tmp) / "absent")
            top = mirror.sync_top(tree)
            mirror.ensure([name for name, entry in top.items() if entry.is_tree])
        # the rest of the commit as empty stand-ins (evidence that is a repository path must
        # exist, LB213) and measurement source files with their bytes (LB235 hashes them), as
        # `diff` judges its base: the source's verdict is the one its own `check` gives
        from generator.authoring.govdiff import _stand_in_for_other_files
        from generator.authoring.source_blobs import write_source_blobs

        _stand_in_for_other_files(bare, f"{commit}:", Path(tmp) / "tree")
        write_source_blobs(bare, f"{commit}:", Path(tmp) / "tree")
        portfolio = load_portfolio(Path(tmp) / "tree", as_of, cache=False)
        portfolio.root = ""  # the temporary folder means nothing to a reader
        return portfolio
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def check(hub: Hub, as_of: dt.date | str | None = None, no_fetch: bool = False, cache: bool = True) -> list[SourceResult]:
    """Every source checked at its pin (SourceError at the first that cannot be read)."""
    from generator.core.pipeline import resolve_as_of

    day = resolve_as_of(as_of)
    baseline = baseline_policy(hub, day)
    store = HubCache.open_for(hub, day) if cache and not disabled_by_env() else None
    pending = [p for source in hub.sources for p in _prepare(hub, source, no_fetch, store)]
    results = _judge_all(*pending, as_of=day, baseline=baseline, store=store)
    if store is not None:
        store.prune()
    return results


class HubCache(RecordCache):
    """Source verdicts by (pinned commit, day, the hub's baseline policy) in
    HUB/.launchboard-cache/hub-verdicts/<fingerprint>/, HMAC-signed like the content cache
    (the key lives outside the hub): a committed or forged entry is never read. The
    fingerprint covers Launchboard's version, its core code and schemas."""

    context = ""

    @classmethod
    def open_for(cls, hub: Hub, day: dt.date) -> "HubCache | None":
        from generator.core.history import _code_fingerprint

        secret = _secret()
        if secret is None:
            return None
        store = cls(hub.root, _code_fingerprint(str(resource_dir("schemas"))), secret)
        store.base = hub.root / FOLDER / "hub-verdicts"
        store.folder = store.base / store.folder.name
        policy = hub.root / DECISIONS / "policy.yaml"
        baseline = hashlib.sha256(policy.read_bytes()).hexdigest() if policy.is_file() else "none"
        store.context = f"{day.isoformat()}\0{baseline}"
        return store

    def verdict_key(self, commit: str) -> str:
        return hashlib.sha256(f"{self.folder.name}\0{commit}\0{self.context}".encode()).hexdigest()

    def _prepare(self) -> bool:
        if self.ready is None:
            self.ready = _ready_folders(self.base.parent, self.base) and _ready_folders(self.base.parent, self.folder)
        return self.ready


def problem_line(problem: dict[str, Any]) -> str:
    """A problem (as `as_dict` gives it) as `check` prints it."""
    return f"{problem['file']}:{problem['line']}:{problem['column']}: {problem['severity']} {problem['code']} {problem['message']}"
