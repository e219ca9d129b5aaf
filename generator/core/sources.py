"""Is a measurement's `source.file` the file it names, when that file is in the repository (LB235)?

`launchboard ingest` records the result file a value was read from: its path relative to
the repository root when the file was inside it, else its name alone (a CI artifact's
absolute path means nothing to a reader). So:

- a path with a folder (`evals/2026-11-23.json`) names a repository file: it must exist, be
  a regular file reached through no link, and hash to the recorded sha256;
- a bare name (`results.json`) names a repository file only when one of that name is at the
  root; otherwise it is the name of a file that was never in the repository, and nothing
  here can check it.

The path is followed one component at a time with lstat, never through a link, and never
with `..` or from `/` (the schema refuses both; they are refused here too), so the check
reads nothing outside the repository. Files are hashed once per process for a given
(path, size, mtime, inode): `mkdocs serve` and a portfolio naming one file many times pay once.
"""

from __future__ import annotations

import hashlib
import os
import stat
from functools import lru_cache
from pathlib import Path, PurePosixPath

from generator.core.loader import clean_text

MAX_SOURCE_BYTES = 1024 * 1024 * 1024  # larger files are reported, not hashed


def source_problems(root: Path | None, source: object) -> list[tuple[str, str]]:
    """(field, message) pairs for LB235 about SOURCE (a model.Source), at `file` or `sha256`;
    none when ROOT is None (no repository) or the source checks out."""
    if root is None or source is None:
        return []
    file, sha256 = getattr(source, "file", ""), getattr(source, "sha256", "")
    shown = clean_text(str(file), 120)
    parts = PurePosixPath(file).parts
    if not file or file.startswith("/") or "\\" in file or any(p in ("..", ".") for p in parts):
        return [("file", f"source file {shown} is not a path inside the repository")]
    found = _walk(root, parts)
    if found is None:
        if len(parts) == 1:
            return []  # the name of a file that was outside the repository when it was ingested
        return [("file", f"source file {shown} is not in the repository; commit the result file with its measurement")]
    if isinstance(found, str):
        return [("file", f"source file {shown} {found}")]
    if found.st_size > MAX_SOURCE_BYTES:
        return [("file", f"source file {shown} is over {MAX_SOURCE_BYTES:,} bytes; its sha256 is not checked")]
    try:
        actual = _digest(str(root.joinpath(*parts)), found.st_size, found.st_mtime_ns, found.st_ino)
    except OSError as exc:
        return [("file", f"source file {shown} cannot be read ({clean_text(exc.strerror or str(exc), 80)})")]
    if actual != sha256:
        return [("sha256", f"source file {shown} has sha256 {actual[:12]}…, not the recorded {clean_text(sha256[:12], 12)}…: "
                           "the file is not the one the measurement was read from")]
    return []


def _walk(root: Path, parts: tuple[str, ...]) -> os.stat_result | str | None:
    """The file's lstat, never following a link; a reason (str) when a link or not a regular
    file is on the way; None when it does not exist."""
    current = root
    for depth, part in enumerate(parts, 1):
        current = current / part
        try:
            info = os.lstat(current)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            return f"cannot be read ({clean_text(exc.strerror or str(exc), 80)})"
        if stat.S_ISLNK(info.st_mode):
            where = "is a link" if depth == len(parts) else f"is reached through a link ({'/'.join(parts[:depth])})"
            return f"{where}; a source file must be a regular file in the repository, not a link"
        if depth < len(parts) and not stat.S_ISDIR(info.st_mode):
            return None
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    return info


@lru_cache(maxsize=1024)
def _digest(path: str, size: int, mtime_ns: int, inode: int) -> str:
    """sha256 of the file; the arguments after PATH key the cache to this version of it."""
    h = hashlib.sha256()
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)  # no link followed, and a FIFO swapped in after lstat cannot block
    with os.fdopen(fd, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
