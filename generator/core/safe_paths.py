"""Where authoring commands may write: inside the repository, never through a link out of it.

`new` and `codeowners` write to fixed paths under ROOT (decisions/<id>/adr/…,
decisions/<id>/checklists/…, .github/CODEOWNERS). A folder on the way that is a symbolic link
(committed by a pull request, or left by a checkout) would carry the write to wherever it
points; the commands refuse instead, before writing anything.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from generator.core.loader import clean_text


def outside_repository(root: Path, rel: str) -> str | None:
    """Why writing ROOT/REL would land outside ROOT (naming the link), or None when it stays inside."""
    base = root.resolve()
    folders = PurePosixPath(rel).parts[:-1]
    current = root
    for depth, part in enumerate(folders, 1):
        current = current / part
        if current.is_symlink():
            target = current.resolve()
            if not target.is_relative_to(base):
                where = "/".join(folders[:depth])
                return clean_text(f"{where} is a link to {target}, outside the repository", 300)
    if not (root / rel).parent.resolve().is_relative_to(base):
        return clean_text(f"{PurePosixPath(rel).parent} leads outside the repository", 300)
    return None


def redirected_out_of(root: Path, out: Path) -> str | None:
    """Why OUT, named inside ROOT, would land outside it through a link on the way (a folder a
    pull request committed as a link), or None. An OUT named outside ROOT is the user's own
    choice and is not judged here."""
    named = Path(out).absolute()
    base = Path(root).absolute()
    if not named.is_relative_to(base):
        return None
    landed = named.parent.resolve() / named.name
    if not landed.is_relative_to(base.resolve()):
        return clean_text(f"{out} is inside the repository but a link on the way leads it to {landed}", 300)
    return None
