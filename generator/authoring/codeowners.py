"""`launchboard codeowners`: bring .github/CODEOWNERS up to date with the policy.

What the block holds, and how a file is judged, is core/codeowners.py (`check` needs it too);
this module only writes: the block replaced or appended, the rest of the file kept.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from generator.core.codeowners import CODEOWNERS_PATH, CodeownersError, expected_block, find_block, policy_owners
from generator.core.model import Policy
from generator.core.safe_paths import outside_repository


def render(root: Path, policy: Policy) -> str:
    """The whole file as it should be: the existing lines with the block replaced or appended."""
    path = root / CODEOWNERS_PATH
    if not path.is_file():
        header = [
            "# Code owners: who must review a change (GitHub: Settings > Branches > require review from code owners).",
            "# Lines outside the launchboard block are yours to edit.",
            "",
        ]
        return "\n".join(header + expected_block(policy)) + "\n"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CodeownersError(f"{CODEOWNERS_PATH} is not UTF-8; fix it by hand") from exc
    lines = text.splitlines()
    block = expected_block(policy, policy_owners(lines))
    span = find_block(lines)
    if span is None:
        if lines and lines[-1].strip():
            lines.append("")
        lines += block
    else:
        begin, end = span
        lines[begin : end + 1] = block
    return "\n".join(lines) + "\n"


def write(root: Path, policy: Policy) -> bool:
    """Bring .github/CODEOWNERS up to date; True when the file changed.

    Only the generated block is replaced; the file is swapped in atomically, so a reader
    never sees half of it.
    """
    path = root / CODEOWNERS_PATH
    reason = outside_repository(root, CODEOWNERS_PATH)
    if reason:
        raise CodeownersError(f"refusing to write {CODEOWNERS_PATH}: {reason} (nothing was written)")
    new_text = render(root, policy)
    if path.is_symlink():
        raise CodeownersError(f"{CODEOWNERS_PATH} is a symbolic link; refusing to write through it")
    if path.is_file():
        if path.read_bytes() == new_text.encode("utf-8"):
            return False
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".CODEOWNERS.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(new_text)
            os.chmod(tmp, path.stat().st_mode & 0o777)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "x", encoding="utf-8", newline="\n") as fh:
        fh.write(new_text)
    return True
