"""Issue 19: every path a user names for output is safe (generator/core/safe_paths.py).

`export cyclonedx --out decisions/policy.yaml` used to overwrite the policy. Every command
that writes where it is told (`export cyclonedx --out`, `render --out`, `build --site-dir`
and mkdocs.yml's `site_dir`) now refuses, with exit 2 and a message naming the path and why,
to write onto, into or over the records, the trusted layer and the git folder; `..` is
normalised as text before links are judged, and a real link on the way stays refused. Each
test runs the real command and compares the repository's bytes before and after.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.kit import AS_OF, Repo

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_AUTHOR_DATE": "2026-11-29T12:00:00Z",
       "GIT_COMMITTER_DATE": "2026-11-29T12:00:00Z"}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "safe.directory=*", *args], cwd=cwd,
                   env={**os.environ, **ENV}, check=True, capture_output=True)


def make_repo(root: Path) -> Path:
    """A valid governance repository with mkdocs.yml, schemas/, templates/ and .github/, committed to git."""
    repo = Repo.valid(root)
    shutil.copy(REPO_ROOT / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    shutil.copytree(REPO_ROOT / "templates", root / "templates")
    repo.write(".github/CODEOWNERS", "/decisions/policy.yaml @org/council\n")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "records")
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under FOLDER: a file's bytes, a link's target."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = path.read_bytes()
    return found


def command(kind: str, root: str, out: str) -> list[str]:
    """The real command line that writes KIND's output to OUT."""
    if kind == "export":
        return ["export", "cyclonedx", root, "--as-of", AS_OF, "--out", out]
    if kind == "render":
        return ["render", root, "--out", out, "--as-of", AS_OF]
    return ["build", root, "--site-dir", out]


def run(args: list[str]):
    return CliRunner().invoke(main, args, catch_exceptions=False)


# --------------------------------------------------------------------------- the protected places


@pytest.mark.parametrize("kind", ["export", "render", "build"])
@pytest.mark.parametrize(("out", "why"), [
    ("decisions/policy.yaml", "is the policy (decisions/policy.yaml)"),
    ("decisions", "is the records (decisions/)"),
    ("decisions/support-assistant/bom.json", "is inside decisions/, the records"),
    ("decisions/new-folder/out", "is inside decisions/, the records"),
    ("schemas/out.json", "is inside schemas/, part of the trusted layer"),
    ("templates/site/docs", "is inside templates/, part of the trusted layer"),
    ("mkdocs.yml", "is part of the trusted layer (mkdocs.yml)"),
    (".github/CODEOWNERS", "is CODEOWNERS (.github/CODEOWNERS)"),
    (".github/workflows/out", "is inside .github/, part of the trusted layer"),
    ("generator/out", "is inside generator/, part of the trusted layer"),
    ("pyproject.toml", "is part of the trusted layer (pyproject.toml)"),
    (".git", "is the repository's git folder (.git/)"),
    (".git/config", "is inside .git/, the repository's git folder"),
    (".", "holds the repository"),
    ("..", "holds the repository"),
    ("site/../decisions/policy.yaml", "is the policy (decisions/policy.yaml)"),  # .. is undone first
])
def test_no_output_lands_on_the_records_the_trusted_layer_or_git(root: Path, monkeypatch, kind: str, out: str,
                                                                  why: str) -> None:
    monkeypatch.chdir(root)
    before = tree(root)
    result = run(command(kind, ".", out))
    assert result.exit_code == 2, result.output
    flag = "--site-dir" if kind == "build" else "--out"
    if Path(out).is_dir() if kind == "export" else Path(out).is_file():
        # click's own check comes first: a folder for a file (or the reverse), also exit 2
        assert f"'{flag}': {'File' if kind == 'export' else 'Directory'} '{out}' is a" in result.output
    else:
        assert f"launchboard: {flag} {out} {why}" in result.output  # names the path as given, and why
    assert tree(root) == before


def test_the_policy_is_not_overwritten_by_the_bom(root: Path, monkeypatch) -> None:
    """The exact command issue 19 ran."""
    monkeypatch.chdir(root)
    policy = (root / "decisions" / "policy.yaml").read_bytes()
    result = run(["export", "cyclonedx", "--out", "decisions/policy.yaml", "--as-of", AS_OF])
    assert result.exit_code == 2
    assert "--out decisions/policy.yaml is the policy" in result.output
    assert (root / "decisions" / "policy.yaml").read_bytes() == policy


def test_mkdocs_site_dir_in_the_records_is_refused(root: Path) -> None:
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace("\nsite_dir: site\n", "\nsite_dir: decisions/site\n"))
    assert "site_dir: decisions/site" in config.read_text()
    before = tree(root)
    result = run(["build", str(root)])
    assert result.exit_code == 2
    assert "site_dir in mkdocs.yml" in result.output and "is inside decisions/, the records" in result.output
    assert tree(root) == before


def test_a_worktrees_git_folder_is_protected_where_it_lives(tmp_path: Path) -> None:
    """In a worktree .git is a file naming the real git folder: that folder is refused too."""
    main_repo = make_repo(tmp_path / "main")
    git(main_repo, "worktree", "add", "-q", str(tmp_path / "wt"), "-b", "wt")
    worktree = tmp_path / "wt"
    assert (worktree / ".git").is_file()
    hooks = main_repo / ".git" / "hooks" / "pre-commit"
    export = run(command("export", str(worktree), str(hooks)))
    assert export.exit_code == 2 and "the repository's git folder" in export.output
    assert not hooks.exists()
    render = run(command("render", str(worktree), str(main_repo / ".git" / "worktrees")))
    assert render.exit_code == 2 and "the repository's git folder" in render.output
    assert (main_repo / ".git" / "worktrees" / "wt").is_dir()


def test_a_root_below_the_git_folder_still_protects_it(tmp_path: Path) -> None:
    """The records may live in a folder of a larger repository: its .git is above ROOT."""
    outer = tmp_path / "outer"
    make_repo(outer / "governance")
    shutil.move(str(outer / "governance" / ".git"), str(outer / ".git"))
    result = run(command("export", str(outer / "governance"), str(outer / "governance" / ".." / ".git" / "config")))
    assert result.exit_code == 2 and "the repository's git folder" in result.output


# --------------------------------------------------------------------------- `..` is no link


@pytest.mark.parametrize("kind", ["export", "render"])
def test_dot_dot_out_of_the_repository_is_not_a_link(root: Path, kind: str) -> None:
    """`REPO/../out` is the folder beside REPO: allowed, as it was named."""
    out = f"{root}/../out"
    result = run(command(kind, str(root), out))
    assert result.exit_code == 0, result.output
    landed = root.parent / "out"
    assert landed.is_file() if kind == "export" else (landed / "index.md").is_file()


def test_dot_dot_out_of_the_repository_builds_the_site(root: Path) -> None:
    result = run(command("build", str(root), f"{root}/../site"))
    assert result.exit_code == 0, result.output
    assert (root.parent / "site" / "index.html").is_file()


@pytest.mark.parametrize("kind", ["export", "render"])
def test_dot_dot_after_a_link_is_undone_as_text_and_never_follows_it(root: Path, tmp_path: Path, kind: str) -> None:
    """`REPO/build/../out` with build a link elsewhere is REPO/out: the link is not on the way."""
    elsewhere = tmp_path / "elsewhere" / "deep"
    elsewhere.mkdir(parents=True)
    os.symlink(elsewhere, root / "build")
    result = run(command(kind, str(root), f"{root}/build/../out"))
    assert result.exit_code == 0, result.output
    assert (root / "out").exists()
    assert not (elsewhere.parent / "out").exists() and list(elsewhere.iterdir()) == []


# --------------------------------------------------------------------------- real links stay refused


@pytest.mark.parametrize("kind", ["export", "render", "build"])
def test_a_link_on_the_way_out_of_the_repository_is_refused(root: Path, tmp_path: Path, kind: str) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    os.symlink(victim, root / "build")
    result = run(command(kind, str(root), str(root / "build" / "out")))
    assert result.exit_code == 2
    assert "is inside the repository but a link on the way leads it to" in result.output
    assert list(victim.iterdir()) == []


@pytest.mark.parametrize("kind", ["export", "render", "build"])
def test_a_link_inside_the_repository_into_the_records_is_refused(root: Path, kind: str) -> None:
    os.symlink(root / "decisions", root / "shortcut")
    before = tree(root / "decisions")
    result = run(command(kind, str(root), str(root / "shortcut" / "out")))
    assert result.exit_code == 2 and "is inside decisions/, the records" in result.output
    assert tree(root / "decisions") == before


@pytest.mark.parametrize("kind", ["export", "render", "build"])
def test_a_link_outside_the_repository_into_the_trusted_layer_is_refused(root: Path, tmp_path: Path, kind: str) -> None:
    os.symlink(root / "templates", tmp_path / "shortcut")
    before = tree(root / "templates")
    result = run(command(kind, str(root), str(tmp_path / "shortcut" / "out")))
    assert result.exit_code == 2 and "part of the trusted layer" in result.output
    assert tree(root / "templates") == before


@pytest.mark.parametrize("kind", ["export", "render", "build"])
def test_an_output_that_is_itself_a_link_is_refused(root: Path, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "target"
    target.mkdir()
    (target / "keep.txt").write_text("keep me")
    os.symlink(target / "keep.txt" if kind == "export" else target, root / "out")
    result = run(command(kind, str(root), str(root / "out")))
    assert result.exit_code == 2 and "is a symbolic link" in result.output
    assert (root / "out").is_symlink() and tree(target) == {"keep.txt": b"keep me"}


def test_an_output_in_an_ordinary_folder_of_the_repository_is_written(root: Path, monkeypatch) -> None:
    """Outside the protected places the repository is the user's: the folder is created."""
    monkeypatch.chdir(root)
    result = run(command("export", ".", "reports/2026/bom.json"))
    assert result.exit_code == 0, result.output
    assert (root / "reports" / "2026" / "bom.json").read_text().startswith("{")


# --------------------------------------------------------------------------- plain `mkdocs build`


@pytest.mark.parametrize("site_dir", ["decisions", "schemas/site", ".git"])
def test_mkdocs_itself_is_stopped_before_it_empties_a_protected_site_dir(root: Path, site_dir: str) -> None:
    """`mkdocs build -d decisions` would empty the records (MkDocs cleans site_dir after
    on_config); the plugin refuses first."""
    from tests.site_helpers import mkdocs_build

    before = tree(root)
    result = mkdocs_build(root / "mkdocs.yml", root / site_dir)
    assert result.returncode != 0
    assert "launchboard: site_dir" in result.stderr and "write outputs elsewhere" in result.stderr
    assert tree(root) == before


def test_build_takes_a_relative_root_and_site_dir(root: Path, monkeypatch) -> None:
    """ROOT and --site-dir as typed from the folder above: MkDocs runs inside ROOT, so it is
    handed mkdocs.yml by its absolute path (it was given `repo/mkdocs.yml`, relative to ROOT)."""
    monkeypatch.chdir(root.parent)
    result = run(command("build", root.name, "site"))
    assert result.exit_code == 0, result.output
    assert (root.parent / "site" / "index.html").is_file()
