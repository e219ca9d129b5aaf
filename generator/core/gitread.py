"""Read a repository's past from git objects: commits, trees and blobs, never a working tree.

`launchboard history` (and, later, the hub) needs the records as they were at a commit.
Checking a commit out would run whatever the repository asks git to run on checkout
(hooks, filters, LFS smudge, submodules) and would touch the user's working tree. This
module only asks git for objects: `git log` for the commit list, and one long-lived
`git cat-file --batch` process for trees and blobs, whose raw bytes it parses itself. Git
is started with hooks, fsmonitor and replace refs switched off, so nothing configured in
the repository runs.

    with Repository.open(root) as repo:
        for commit in repo.first_parent_commits("decisions"):
            tree = repo.tree_at(commit.id, "decisions")   # object id of decisions/, or None
            for entry in repo.tree(tree): ...
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

# Tree entry modes (octal, as git writes them in tree objects).
MODE_TREE = 0o040000
MODE_LINK = 0o120000
MODE_GITLINK = 0o160000  # a submodule's commit: never followed


class GitError(Exception):
    """Git is missing, ROOT is not a repository, or an object cannot be read."""


@dataclass(frozen=True, slots=True)
class Commit:
    id: str  # full object id (hex)
    date: dt.date  # the committer date's UTC day
    subject: str


@dataclass(frozen=True, slots=True)
class TreeEntry:
    mode: int
    name: bytes  # as stored: any bytes but "/" and NUL; see safe_name
    id: str  # hex

    @property
    def is_tree(self) -> bool:
        return self.mode == MODE_TREE

    @property
    def is_link(self) -> bool:
        return self.mode == MODE_LINK

    @property
    def is_blob(self) -> bool:
        return self.mode & 0o170000 == 0o100000

    @property
    def is_gitlink(self) -> bool:
        return self.mode == MODE_GITLINK


def safe_name(name: bytes) -> str | None:
    """A tree entry's name as a file name that stays in its folder, or None.

    `git fsck` rejects ".", ".." and empty names, but a crafted object can hold them; a
    name with a NUL or "/" cannot be stored at all. Long names are refused too."""
    if name in (b"", b".", b"..") or b"/" in name or b"\0" in name or len(name) > 255:
        return None
    return os.fsdecode(name)


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    # No prompts, no pager, no object replacement, no system/global config that could name
    # programs to run; the repository's own config is read but nothing here runs programs.
    env.update(GIT_TERMINAL_PROMPT="0", GIT_PAGER="cat", GIT_NO_REPLACE_OBJECTS="1",
               GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull, LC_ALL="C")
    return env


_SAFE_CONFIG = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=" + os.devnull, "-c", "log.showSignature=false")


def commit_day(stamp: str) -> dt.date | None:
    """A committer timestamp as its UTC day; None outside the years records can be dated in
    (a commit's date is whatever its author wrote: year 10000 must not stop a history)."""
    try:
        day = dt.datetime.fromtimestamp(int(stamp), tz=dt.timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        return None
    return day if 1900 <= day.year <= 2999 else None


class Repository:
    """One git repository, read through `git log` and a `git cat-file --batch` process."""

    def __init__(self, root: Path, git_dir: str) -> None:
        self.root = root
        self.git_dir = git_dir
        self._batch: subprocess.Popen[bytes] | None = None
        self._hex_length = 40
        self.prefix = ""  # ROOT relative to the work tree's top, "" or ending in "/"
        self.shallow = False

    # ----------------------------------------------------------------- opening

    @classmethod
    def open(cls, root: Path | str) -> "Repository":
        """The repository whose work tree holds ROOT; GitError when there is none."""
        root = Path(root)
        try:  # one process for the four answers (each start costs on a busy machine)
            out = _run(root, "rev-parse", "--absolute-git-dir", "--show-object-format", "--is-shallow-repository", "--show-prefix")
        except GitError as err:
            # no path in the message: it reaches the Trends page, which must not depend on where it was built
            raise GitError(f"the folder is not inside a git repository ({err})") from None
        lines = out.split("\n")
        if len(lines) < 4:
            raise GitError(f"{root}: git rev-parse answered unexpectedly")
        repo = cls(root, lines[0])
        repo._hex_length = 64 if lines[1] == "sha256" else 40
        repo.shallow = lines[2] == "true"
        repo.prefix = lines[3]
        return repo

    def __enter__(self) -> "Repository":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._batch is not None:
            try:
                self._batch.stdin.close()  # type: ignore[union-attr]
                self._batch.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self._batch.kill()
            self._batch = None

    def _git(self, *args: str) -> str:
        return _run(self.root, *args)  # in ROOT: paths are relative to it, as a user types them

    # ----------------------------------------------------------------- history

    def is_shallow(self) -> bool:
        """True for a shallow clone (CI's default checkout): its history stops early."""
        return self.shallow

    def head(self) -> str | None:
        """The commit HEAD names, or None in a repository with no commit yet."""
        try:
            return self._git("rev-parse", "--verify", "--quiet", "HEAD^{commit}").strip() or None
        except GitError:
            return None

    def first_parent_commits(self, path: str, since: dt.date | None = None) -> list[Commit]:
        """The commits on HEAD's first-parent line that changed PATH, oldest first.

        With --first-parent, a merge counts when it changed PATH against its first parent,
        that is when the branch it brought in touched PATH. since: only commits whose
        committer day is that day or later."""
        if self.head() is None:
            return []
        out = self._git("log", "--first-parent", "--no-renames", "--format=%H%x00%ct%x00%s%x00", "HEAD", "--", path)
        commits = []
        fields = out.split("\0")
        for i in range(0, len(fields) - 2, 3):
            commit_id = fields[i].strip()
            if not commit_id:
                continue
            day = commit_day(fields[i + 1])
            if day is None:
                continue  # dated where no record can be (after 2999, before 1900): nothing to judge it as of
            if since is not None and day < since:
                continue
            commits.append(Commit(commit_id, day, fields[i + 2]))
        commits.reverse()
        return commits

    # ----------------------------------------------------------------- objects

    def _process(self) -> subprocess.Popen[bytes]:
        if self._batch is None:
            try:
                self._batch = subprocess.Popen(
                    ["git", *_SAFE_CONFIG, "cat-file", "--batch"],
                    cwd=self.root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                    env=_environment(),
                )
            except OSError as err:
                raise GitError(f"cannot run git: {err.strerror}") from None
        return self._batch

    def read(self, name: str, max_bytes: int | None = None) -> tuple[str, str, int, bytes] | None:
        """(object id, type, size, content) of NAME (an id or `<commit>:<path>`), None when missing.

        max_bytes: read at most this many bytes of the content (the rest is skipped), so a
        crafted huge blob costs no memory."""
        if "\n" in name or "\r" in name:
            return None
        proc = self._process()
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            proc.stdin.flush()
            header = proc.stdout.readline()
        except OSError as err:
            raise GitError(f"git cat-file stopped: {err.strerror}") from None
        if not header:
            raise GitError("git cat-file stopped answering")
        parts = header.split()
        if len(parts) != 3:  # "<name> missing" or "ambiguous"
            return None
        object_id, kind, size = parts[0].decode(), parts[1].decode(), int(parts[2])
        keep = size if max_bytes is None else min(size, max_bytes)
        content = _read_exactly(proc.stdout, keep)
        _skip(proc.stdout, size - keep + 1)  # the rest and the newline after the content
        return object_id, kind, size, content

    def read_many(self, names: list[str], max_bytes: int | None = None) -> list[tuple[str, str, int, bytes] | None]:
        """read() of many objects in one exchange: the requests are written by a thread while
        the answers are read, so neither side waits on a full pipe (one round trip per
        object would cost a process wake-up each)."""
        if not names:
            return []
        proc = self._process()
        assert proc.stdin is not None and proc.stdout is not None
        if any("\n" in n or "\r" in n for n in names):
            raise GitError("an object name holds a line break")
        payload = b"".join(n.encode("utf-8", "surrogateescape") + b"\n" for n in names)
        failed: list[OSError] = []

        def write() -> None:
            try:
                proc.stdin.write(payload)  # type: ignore[union-attr]
                proc.stdin.flush()  # type: ignore[union-attr]
            except OSError as err:
                failed.append(err)

        # Requests that fit in the pipe are written at once (git answers as it reads, and we
        # read only after writing, so a longer batch needs a writer thread).
        writer = threading.Thread(target=write, daemon=True) if len(payload) > 16384 else None
        if writer is None:
            write()
        else:
            writer.start()
        out: list[tuple[str, str, int, bytes] | None] = []
        try:
            for _ in names:
                out.append(self._answer(proc.stdout, max_bytes))
        finally:
            if writer is not None:
                writer.join()
        if failed:
            raise GitError(f"git cat-file stopped: {failed[0].strerror}")
        return out

    def _answer(self, stream, max_bytes: int | None) -> tuple[str, str, int, bytes] | None:
        header = stream.readline()
        if not header:
            raise GitError("git cat-file stopped answering")
        parts = header.split()
        if len(parts) != 3:
            return None
        object_id, kind, size = parts[0].decode(), parts[1].decode(), int(parts[2])
        keep = size if max_bytes is None else min(size, max_bytes)
        content = _read_exactly(stream, keep)
        _skip(stream, size - keep + 1)
        return object_id, kind, size, content

    def trees_at(self, commits: list[str], path: str) -> list[str | None]:
        """tree_at for many commits, in one `git cat-file --batch-check` run."""
        if not commits:
            return []
        names = b"".join(f"{c}:{self.prefix}{path}\n".encode("utf-8", "surrogateescape") for c in commits)
        try:
            done = subprocess.run(["git", *_SAFE_CONFIG, "cat-file", "--batch-check"], cwd=self.root, input=names,
                                  capture_output=True, env=_environment(), check=False)
        except OSError as err:
            raise GitError(f"cannot run git: {err.strerror}") from None
        lines = done.stdout.decode("ascii", "replace").splitlines()
        if done.returncode != 0 or len(lines) != len(commits):
            raise GitError("git cat-file --batch-check failed")
        return [parts[0] if len(parts := line.split()) == 3 and parts[1] == "tree" else None for line in lines]

    def tree_at(self, commit: str, path: str) -> str | None:
        """The object id of the tree at PATH (relative to ROOT) in COMMIT, or None when PATH
        is no folder there."""
        found = self.read(f"{commit}:{self.prefix}{path}", max_bytes=0)
        return found[0] if found is not None and found[1] == "tree" else None

    def tree(self, tree_id: str) -> list[TreeEntry]:
        """The entries of one tree object, in git's order."""
        found = self.read(tree_id)
        if found is None or found[1] != "tree":
            raise GitError(f"tree {tree_id} is missing from the repository")
        return list(_parse_tree(found[3], self._hex_length // 2))

    def trees(self, tree_ids: list[str]) -> list[list[TreeEntry]]:
        """tree() of many trees in one exchange."""
        out = []
        for tree_id, found in zip(tree_ids, self.read_many(tree_ids)):
            if found is None or found[1] != "tree":
                raise GitError(f"tree {tree_id} is missing from the repository")
            out.append(list(_parse_tree(found[3], self._hex_length // 2)))
        return out

    def blobs(self, blob_ids: list[str], max_bytes: int | None = None) -> list[bytes]:
        """The contents (each cut at max_bytes) of many blobs in one exchange."""
        out = []
        for blob_id, found in zip(blob_ids, self.read_many(blob_ids, max_bytes)):
            if found is None or found[1] != "blob":
                raise GitError(f"blob {blob_id} is missing from the repository")
            out.append(found[3])
        return out

    def blob(self, blob_id: str, max_bytes: int | None = None) -> tuple[int, bytes]:
        """(size, the first max_bytes of the content) of one blob."""
        found = self.read(blob_id, max_bytes)
        if found is None or found[1] != "blob":
            raise GitError(f"blob {blob_id} is missing from the repository")
        return found[2], found[3]


def _parse_tree(data: bytes, id_bytes: int) -> Iterator[TreeEntry]:
    """A tree object's raw bytes: `<octal mode> <name>\\0<binary id>` repeated."""
    at = 0
    while at < len(data):
        space = data.index(b" ", at)
        nul = data.index(b"\0", space)
        mode = int(data[at:space], 8)
        name = data[space + 1:nul]
        object_id = data[nul + 1:nul + 1 + id_bytes].hex()
        at = nul + 1 + id_bytes
        yield TreeEntry(mode, name, object_id)


def _read_exactly(stream, size: int) -> bytes:
    chunks = []
    while size > 0:
        chunk = stream.read(size)
        if not chunk:
            raise GitError("git cat-file stopped in the middle of an object")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _skip(stream, size: int) -> None:
    while size > 0:
        chunk = stream.read(min(size, 1 << 20))
        if not chunk:
            raise GitError("git cat-file stopped in the middle of an object")
        size -= len(chunk)


def _run(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", *_SAFE_CONFIG, *args], cwd=root, capture_output=True, env=_environment(), check=False)
    except OSError as err:
        raise GitError(f"cannot run git: {err.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(message[-1] if message else f"git {args[0]} failed")
    return done.stdout.decode("utf-8", "surrogateescape")
