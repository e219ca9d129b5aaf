"""Where a command may write: never onto the records or the trusted layer, never through a link.

Two kinds of write, two rules.

**Fixed paths under ROOT** (`new`, `ingest` and `codeowners` write decisions/<id>/…,
.github/CODEOWNERS): `outside_repository` refuses a folder on the way that is a symbolic
link leading out of ROOT (committed by a pull request, or left by a checkout), before
anything is written.

**A path the user names** (`export cyclonedx --out FILE`, `render --out DIR`,
`build --site-dir DIR`, mkdocs.yml's `site_dir`, also under a plain `mkdocs build`): `output_path` returns the path to write,
or raises RefusedOutput (exit 2) naming the path and why. The rule, in order:

1. Normalise lexically. The path is made absolute and `.` and `name/..` are removed as text,
   as a shell's `cd` does, and that normalised path is the one written: `REPO/../bom.json` is
   `bom.json` beside REPO (`..` is no link), and `REPO/link/../x` never passes through `link`.
2. The last name is never followed: an output that is itself a symbolic link is refused
   (replacing or writing through it could land anywhere).
3. Then judge links. The folders on the way are resolved (every link followed) to where the
   output lands. A path named inside ROOT must land inside ROOT: a link on the way must not
   carry it out (a path named outside ROOT is the user's own choice).
4. Judged both as named and where it lands, the output must not be, be inside, or (being a
   folder or a file, replaced whole) hold any protected place of ROOT: decisions/ (the
   records, with the policy), the trusted layer (core/codeowners.TRUSTED_PATHS: schemas/,
   templates/, mkdocs.yml, .github/ and CODEOWNERS, generator/, pyproject.toml, scripts/,
   .ci/, pre-commit configuration), tests/, and the repository's git folder (ROOT's or an
   enclosing folder's .git, and the folder a .git file points to, with its common folder).
   Existing places are also compared by identity (device and inode), so another spelling of
   the same folder (a case change on a case-insensitive disk) is refused too.
5. A folder output is replaced whole, so an existing non-empty folder Launchboard did not
   write (no OUTPUT_MARKER) is refused too, unless mkdocs.yml (trusted) named it.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from generator.core.codeowners import TRUSTED_PATHS
from generator.core.loader import clean_text

OUTPUT_MARKER = ".launchboard-output"  # marks a folder Launchboard wrote, and may replace


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


class RefusedOutput(Exception):
    """An output path that must not be written; the message names the path and why. Exit 2."""


def _protected_places() -> tuple[tuple[str, str], ...]:
    """(path under ROOT, what it is), the most specific first."""
    trusted = tuple((path.rstrip("/"), "part of the trusted layer") for path in TRUSTED_PATHS if path != "decisions/policy.yaml")
    return (("decisions/policy.yaml", "the policy"), (".github/CODEOWNERS", "CODEOWNERS"),
            ("decisions", "the records"), *trusted, ("tests", "the tests"), (".git", "the repository's git folder"))


PROTECTED = _protected_places()


def lexical(path: Path | str) -> Path:
    """PATH absolute, with `.` and `name/..` removed as text; no link is followed."""
    return Path(os.path.abspath(path))


def _git_folders(repo: Path) -> list[Path]:
    """The repository's git folder: the first .git in ROOT or a folder above it, and for a .git
    file (a worktree, a submodule) the folder it points to and that folder's common folder."""
    for folder in (repo, *repo.parents):
        dot_git = folder / ".git"
        if not os.path.lexists(dot_git):
            continue
        found = [dot_git]
        if dot_git.is_file():
            try:
                text = dot_git.read_text(encoding="utf-8", errors="replace")[:4096]
            except OSError:
                return found
            if text.startswith("gitdir:"):
                gitdir = (folder / text[len("gitdir:"):].strip()).resolve()
                found.append(gitdir)
                try:
                    common = (gitdir / "commondir").read_text(encoding="utf-8", errors="replace").strip()
                    found.append((gitdir / common).resolve())
                except OSError:
                    pass
        return found
    return []


def _places(repo: Path) -> list[tuple[Path, str, str]]:
    """(absolute path, as shown, what it is) for every protected place of REPO."""
    places = [(repo / rel, rel, what) for rel, what in PROTECTED]
    places += [(git, str(git), "the repository's git folder") for git in _git_folders(repo)]
    return places


def _identity(path: Path) -> tuple[int, int] | None:
    """The file a path names (device, inode), following links; None when there is none."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _conflict(candidate: Path, repo: Path) -> str | None:
    """Why CANDIDATE (absolute) is, is inside or holds a protected place of REPO, or None."""
    if candidate == repo or repo.is_relative_to(candidate):
        return "holds the repository"
    places = _places(repo)
    # Existing places are compared by identity too: another spelling of the same folder.
    own = _identity(candidate)
    above = {i for i in map(_identity, candidate.parents) if i is not None}
    for place, shown, what in places:
        ident = _identity(place)
        if candidate == place or (own is not None and own == ident):
            return f"is {what} ({shown}{'/' if place.is_dir() else ''})"
        if candidate.is_relative_to(place) or (ident is not None and ident in above):
            return f"is inside {shown}/, {what}"
    for place, shown, what in places:
        if place.is_relative_to(candidate):
            return f"holds {shown}, {what}"
    return None


def output_path(root: Path, out: Path | str, *, label: str = "--out", folder: bool = False,
                replace_unmarked: bool = False) -> Path:
    """The path to write for OUT, named by LABEL (`--out`, `site_dir in mkdocs.yml`), by the
    rule in this module's docstring; raises RefusedOutput naming the path and why."""
    shown = clean_text(f"{label} {out}", 300)
    named, repo_named, repo = lexical(out), lexical(root), Path(root).resolve()
    if named.is_symlink():
        raise RefusedOutput(f"{shown} is a symbolic link; refusing to write through it (name a path of its own)")
    landed = named.parent.resolve() / named.name
    if named.is_relative_to(repo_named) and not landed.is_relative_to(repo):
        raise RefusedOutput(clean_text(f"{shown} is inside the repository but a link on the way leads it to {landed}; "
                                       "refusing to write there", 300))
    for candidate, base in ((named, repo_named), (landed, repo)):
        why = _conflict(candidate, base)
        if why:
            raise RefusedOutput(f"{shown} {why}; write outputs elsewhere, never into the records, the trusted layer or .git")
    if folder and not replace_unmarked and landed.is_dir() and any(landed.iterdir()) \
            and not (landed / OUTPUT_MARKER).exists():
        raise RefusedOutput(f"{shown} is not empty and was not written by launchboard; remove it or choose another folder")
    return named
