"""`launchboard new ...` through the real command: scaffolds pass check and never overwrite."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.authoring import scaffold
from generator.core.loader import load_document
from tests.conftest import run
from tests.kit import AS_OF, POLICY, Repo

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo.valid(tmp_path)


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def read(repo: Repo, relative: str):
    """A record as Launchboard's loader reads it (dates stay strings)."""
    return load_document(repo.path(relative), repo.root).data


def errors(repo: Repo) -> list[str]:
    return [f"{p.location} {p.code} {p.message}" for p in repo.check().problems if p.is_error]


# --------------------------------------------------------------------------- new initiative


def test_new_initiative_creates_folder_that_passes_check(repo: Repo) -> None:
    result = run("new", "initiative", "doc-search", "--owner", "@carol", "--title", "Docs search",
                 "--as-of", AS_OF, "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    assert "created decisions/doc-search/initiative.yaml" in result.output
    data = read(repo, "decisions/doc-search/initiative.yaml")
    assert data["id"] == "doc-search"
    assert data["title"] == "Docs search"
    assert data["owners"] == ["@carol"]
    assert data["stage"] == "proposed"
    assert data["history"] == [{"stage": "proposed", "date": AS_OF}]
    # every checklist of the policy, every item todo
    for checklist_id, spec in POLICY["checklists"].items():
        checklist = read(repo, f"decisions/doc-search/checklists/{checklist_id}.yaml")
        assert checklist["checklist"] == checklist_id
        assert list(checklist["items"]) == [i["id"] for i in spec["items"]]
        assert all(item == {"status": "todo"} for item in checklist["items"].values())
    assert errors(repo) == []
    check = run("check", str(repo.root), "--as-of", AS_OF)
    assert check.exit_code == 0, check.output


def test_every_scaffold_starts_with_the_editor_schema_line(repo: Repo) -> None:
    run("new", "initiative", "doc-search", "--as-of", AS_OF, "--root", str(repo.root))
    run("new", "decision", "doc-search", "Pick an approach", "--as-of", AS_OF, "--root", str(repo.root))
    created = sorted((repo.root / "decisions" / "doc-search").rglob("*.yaml"))
    assert len(created) == 1 + len(POLICY["checklists"]) + 1
    for path in created:
        first = path.read_text().splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix), path
        relative = first[len(prefix):]
        kind = "initiative" if path.name == "initiative.yaml" else path.parent.name.replace("adr", "decision").rstrip("s")
        assert relative.endswith(f"schemas/{kind}.schema.json")
        # the relative path resolves to the real schema in this repository's layout
        inside_repo = REPO_ROOT / path.relative_to(repo.root).parent / relative
        assert inside_repo.resolve().is_file(), inside_repo


def test_history_date_comes_from_source_date_epoch(repo: Repo) -> None:
    result = run("new", "initiative", "doc-search", "--root", str(repo.root), env={"SOURCE_DATE_EPOCH": "1767225600"})
    assert result.exit_code == 0, result.output
    assert read(repo, "decisions/doc-search/initiative.yaml")["history"][0]["date"] == "2026-01-01"


@pytest.mark.parametrize("bad", ["../escape", "Foo", "a/b", "a b", "-lead", "trail-", "x\n", "", "a" * 65, "/abs", "café"])
def test_new_initiative_rejects_unsafe_ids(repo: Repo, bad: str) -> None:
    before = tree(repo.root)
    result = run("new", "initiative", "--root", str(repo.root), "--", bad)
    assert result.exit_code == 2
    assert "not a valid id" in result.output
    assert tree(repo.root) == before


def test_new_initiative_refuses_an_existing_folder(repo: Repo) -> None:
    before = tree(repo.root)
    result = run("new", "initiative", "support-assistant", "--root", str(repo.root))
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert tree(repo.root) == before


def test_new_initiative_rejects_a_bad_owner(repo: Repo) -> None:
    result = run("new", "initiative", "doc-search", "--owner", "alice\n::error::x", "--root", str(repo.root))
    assert result.exit_code == 2
    assert not (repo.root / "decisions" / "doc-search").exists()


def test_new_needs_a_usable_policy(tmp_path: Path) -> None:
    (tmp_path / "decisions").mkdir()
    result = run("new", "initiative", "doc-search", "--root", str(tmp_path))
    assert result.exit_code == 2
    assert "policy" in result.output
    assert not (tmp_path / "decisions" / "doc-search").exists()


# --------------------------------------------------------------------------- new decision


def test_new_decision_takes_the_next_number_and_a_slugged_name(repo: Repo) -> None:
    title = 'Add a re-ranker: "yes" | no <script>alert(1)</script> # not a comment'
    result = run("new", "decision", "support-assistant", title, "--as-of", AS_OF, "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    path = "decisions/support-assistant/adr/0002-add-a-re-ranker-yes-no-script-alert-1-script-not-a.yaml"
    assert f"created {path}" in result.output
    data = read(repo, path)
    assert data["number"] == 2
    assert data["title"] == title  # hostile text survives as data, not as YAML syntax
    assert data["status"] == "proposed"
    assert data["date"] == AS_OF
    assert data["deciders"] == ["@alice", "@org/support-platform"]  # the initiative's owners
    assert [c["id"] for c in data["criteria"]] == [c["id"] for c in POLICY["criteria"]]
    assert [o["id"] for o in data["options"]] == ["prompt", "rag", "fine-tune"]
    for option in data["options"]:
        assert set(option["scores"]) == {c["id"] for c in POLICY["criteria"]}
    assert "chosen" not in data["outcome"]  # the author chooses, not the scaffold
    assert errors(repo) == []
    # and again: number 3, never a clash
    again = run("new", "decision", "support-assistant", "Add a re-ranker", "--as-of", AS_OF, "--root", str(repo.root))
    assert "0003-add-a-re-ranker.yaml" in again.output


def test_new_decision_for_a_fresh_initiative_passes_check(repo: Repo) -> None:
    run("new", "initiative", "doc-search", "--as-of", AS_OF, "--root", str(repo.root))
    result = run("new", "decision", "doc-search", "Prompt, RAG or fine-tune?", "--decider", "@erin",
                 "--as-of", AS_OF, "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    assert read(repo, "decisions/doc-search/adr/0001-prompt-rag-or-fine-tune.yaml")["deciders"] == ["@erin"]
    assert errors(repo) == []


def test_new_decision_needs_an_existing_initiative(repo: Repo) -> None:
    result = run("new", "decision", "nobody", "A title", "--root", str(repo.root))
    assert result.exit_code == 2
    assert "launchboard new initiative nobody" in result.output
    assert not (repo.root / "decisions" / "nobody").exists()


def test_slugify() -> None:
    assert scaffold.slugify("Use RAG rather than fine-tuning!") == "use-rag-rather-than-fine-tuning"
    assert scaffold.slugify("Réponses en français") == "reponses-en-francais"
    assert scaffold.slugify("日本語") == "decision"
    assert len(scaffold.slugify("word " * 40)) <= 50


# --------------------------------------------------------------------------- new checklist


def test_new_checklist_lists_every_policy_item_as_todo(repo: Repo) -> None:
    run("new", "initiative", "doc-search", "--no-checklists", "--as-of", AS_OF, "--root", str(repo.root))
    assert not (repo.root / "decisions" / "doc-search" / "checklists").exists()
    result = run("new", "checklist", "doc-search", "security-review", "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    data = read(repo, "decisions/doc-search/checklists/security-review.yaml")
    assert data == {"checklist": "security-review",
                    "items": {"threat-model": {"status": "todo"}, "rag-access-control": {"status": "todo"},
                              "pen-test": {"status": "todo"}}}
    text = repo.path("decisions/doc-search/checklists/security-review.yaml").read_text()
    assert "only when approach is rag or hybrid" in text
    assert "@org/security" in text


def test_new_checklist_never_overwrites(repo: Repo) -> None:
    before = tree(repo.root)
    result = run("new", "checklist", "support-assistant", "security-review", "--root", str(repo.root))
    assert result.exit_code == 2
    assert "refusing to overwrite" in result.output
    assert tree(repo.root) == before


def test_new_checklist_unknown_to_the_policy(repo: Repo) -> None:
    result = run("new", "checklist", "support-assistant", "penetration", "--root", str(repo.root))
    assert result.exit_code == 2
    assert "not defined by the policy" in result.output


def test_write_refuses_before_writing_anything(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("keep")
    planned = [scaffold.PlannedFile("a.yaml", "new"), scaffold.PlannedFile("b.yaml", "new")]
    with pytest.raises(scaffold.ScaffoldError):
        scaffold.write(tmp_path, planned)
    assert not (tmp_path / "a.yaml").exists()
    assert (tmp_path / "b.yaml").read_text() == "keep"


# --------------------------------------------------------------------------- the installed command


def test_launchboard_new_as_a_process(repo: Repo) -> None:
    env = dict(os.environ, NO_COLOR="1")
    created = subprocess.run(
        [sys.executable, "-m", "generator", "new", "initiative", "doc-search", "--owner", "@carol", "--as-of", AS_OF],
        cwd=repo.root, env=env, capture_output=True, text=True, check=False,
    )
    assert created.returncode == 0, created.stderr
    again = subprocess.run(
        [sys.executable, "-m", "generator", "new", "initiative", "doc-search"],
        cwd=repo.root, env=env, capture_output=True, text=True, check=False,
    )
    assert again.returncode == 2
    assert again.stderr.startswith("launchboard: error:")
    check = subprocess.run([sys.executable, "-m", "generator", "check", "--as-of", AS_OF],
                           cwd=repo.root, env=env, capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout
    assert yaml.safe_load((repo.root / "decisions/doc-search/initiative.yaml").read_text())["owners"] == ["@carol"]


def sample_policy_without_its_pins() -> str:
    """The sample policy for a repository without the sample's initiatives: its metric_gates
    pin the support assistant's gate, which a fresh repository does not have (LB237)."""
    text = (REPO_ROOT / "decisions" / "policy.yaml").read_text()
    start = text.index("metric_gates:\n")
    end = text.index("\n", text.index("  - {initiative:", start)) + 1
    return text[:start] + text[end:]


def test_fresh_scaffolds_pass_check_under_the_sample_policy(tmp_path: Path) -> None:
    (tmp_path / "decisions").mkdir()
    (tmp_path / "decisions" / "policy.yaml").write_text(sample_policy_without_its_pins())
    for approach in ("prompt", "rag", "fine-tune", "hybrid"):
        initiative = f"new-{approach}"
        assert run("new", "initiative", initiative, "--approach", approach, "--risk", "high", "--owner", "@carol",
                   "--as-of", AS_OF, "--root", str(tmp_path)).exit_code == 0
        assert run("new", "decision", initiative, "Which approach?", "--as-of", AS_OF, "--root", str(tmp_path)).exit_code == 0
    result = run("check", str(tmp_path), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    # ... but the scaffolds' TODO text is a warning, so `--strict` (CI) keeps them unpublished
    strict = run("check", str(tmp_path), "--as-of", AS_OF, "--strict")
    assert strict.exit_code == 1
    assert "decisions/new-rag/initiative.yaml:6:10: warning LB316 summary still holds the scaffold's TODO text" in strict.output
    assert "decisions/new-rag/adr/0001-which-approach.yaml:10:10: warning LB316 context still holds" in strict.output
    assert all(" LB316 " in line for line in strict.output.splitlines() if " warning " in line or " error " in line)


def test_check_strict_passes_once_the_todos_are_written(tmp_path: Path) -> None:
    (tmp_path / "decisions").mkdir()
    (tmp_path / "decisions" / "policy.yaml").write_text(sample_policy_without_its_pins())
    assert run("new", "initiative", "doc-search", "--owner", "@carol", "--as-of", AS_OF, "--root", str(tmp_path)).exit_code == 0
    record = tmp_path / "decisions" / "doc-search" / "initiative.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("TODO: one paragraph", "Search over the docs. One paragraph"),
                      encoding="utf-8")
    result = run("check", str(tmp_path), "--as-of", AS_OF, "--strict")
    assert result.exit_code == 0, result.output
