"""The committed bytes of measurement source files, for `launchboard diff`'s base tree.

diff judges its base from an export of decisions/ with an empty stand-in for every other file
of the revision (govdiff.export_records): evidence paths need only exist. LB235 hashes a
measurement's source file, so against an empty stand-in every measurement with a source in
the repository would read as "changed" in the base and each diff would list it as fixed.
This writes the revision's own bytes over the stand-ins of the files that the exported
initiative records name as `source.file`, and nothing else.

Bounded: records are parsed only when their bytes hold "sha256" (a source does), at most
MAX_SOURCES files, each at most MAX_BLOB_BYTES; only a regular file of the revision, written
over its own empty stand-in, never through a link and never outside the export.
"""

from __future__ import annotations

import subprocess
from pathlib import Path, PurePosixPath

from generator.core.loader import MAX_FILE_BYTES, RecordError, load_document

MAX_SOURCES = 1000
MAX_BLOB_BYTES = 256 * 1024 * 1024


def write_source_blobs(root: Path, treeish: str, dest: Path) -> None:
    """Over each stand-in in DEST that a record names as a source, write its bytes at TREEISH
    (`COMMIT:PREFIX`, as export_records names the revision)."""
    base = dest.resolve()
    for name in sorted(_named_sources(dest))[:MAX_SOURCES]:
        target = dest.joinpath(*PurePosixPath(name).parts)
        if target.is_symlink() or not target.is_file() or target.stat().st_size != 0 \
                or not target.resolve().is_relative_to(base):
            continue  # not a stand-in of this export: leave it
        blob = _blob(root, f"{treeish}{name}")
        if blob is not None:
            target.write_bytes(blob)


def _named_sources(dest: Path) -> set[str]:
    """`source.file` of every measurement in DEST's initiative records that is a safe relative path."""
    names: set[str] = set()
    for record in (dest / "decisions").glob("*/initiative.yaml"):
        try:
            if record.is_symlink() or record.stat().st_size > MAX_FILE_BYTES or b"sha256" not in record.read_bytes():
                continue
            data = load_document(record, dest).data
        except (OSError, RecordError):
            continue
        metrics = data.get("metrics")
        for metric in metrics if isinstance(metrics, list) else []:
            points = metric.get("measurements") if isinstance(metric, dict) else None
            for point in points if isinstance(points, list) else []:
                source = point.get("source") if isinstance(point, dict) else None
                file = source.get("file") if isinstance(source, dict) else None
                if isinstance(file, str) and _safe(file):
                    names.add(file)
    return names


def _safe(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return bool(parts) and not name.startswith("/") and "\\" not in name and "\0" not in name \
        and not any(part in ("..", ".") for part in parts)


def _blob(root: Path, spec: str) -> bytes | None:
    """The blob at SPEC when it is a file of at most MAX_BLOB_BYTES; else None."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)

    kind = git("cat-file", "-t", spec)
    if kind.returncode != 0 or kind.stdout.strip() != b"blob":
        return None
    size = git("cat-file", "-s", spec)
    if size.returncode != 0 or not size.stdout.strip().isdigit() or int(size.stdout) > MAX_BLOB_BYTES:
        return None
    blob = git("cat-file", "blob", spec)
    return blob.stdout if blob.returncode == 0 else None
