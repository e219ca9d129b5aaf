"""The output folder is replaced whole, so Launchboard refuses any folder it did not write."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.site.render import OUTPUT_MARKER
from tests.kit import AS_OF, Repo


def render(root: Path, out: Path):
    return CliRunner().invoke(main, ["render", str(root), "--out", str(out), "--as-of", AS_OF], catch_exceptions=False)


def test_render_replaces_only_its_own_output(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path / "repo")
    out = tmp_path / "pages"
    assert render(repo.root, out).exit_code == 0
    assert (out / OUTPUT_MARKER).exists() and (out / "index.md").exists()
    (out / "stale.md").write_text("old")
    assert render(repo.root, out).exit_code == 0  # its own folder: replaced whole
    assert not (out / "stale.md").exists()


def test_render_refuses_a_folder_it_did_not_write(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path / "repo")
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "thesis.md").write_text("precious")
    result = render(repo.root, documents)
    assert result.exit_code == 2 and "was not written by launchboard" in result.output
    assert (documents / "thesis.md").read_text() == "precious"


def test_render_refuses_the_repository_and_its_protected_folders(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path / "repo")
    for out in (repo.root, repo.root / "decisions" / "support-assistant", tmp_path):
        result = render(repo.root, out)
        assert result.exit_code == 2, out
    assert (repo.root / "decisions" / "policy.yaml").exists()
