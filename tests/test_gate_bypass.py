"""Issue 11, first part: a verdict no pull request can game.

Each test drives the real command (`launchboard check` or `launchboard codeowners`) on a
repository changed in one way a pull request could change it, and asserts on the located
problem that closes the path. Each one failed before the fix it names.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.core import codeowners
from generator.cli import main
from tests.conftest import run
from tests.kit import AS_OF, Repo, line_of

REPO_ROOT = Path(__file__).resolve().parent.parent
CHECKLISTS = "decisions/support-assistant/checklists"
SEC = f"{CHECKLISTS}/security-review.yaml"
INIT = "decisions/support-assistant/initiative.yaml"
POLICY = "decisions/policy.yaml"
OWNERS_FILE = ".github/CODEOWNERS"


def check(repo: Repo, *extra: str):
    return run("check", str(repo.root), "--as-of", AS_OF, *extra)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo.valid(tmp_path / "repo")
    repo.write(OWNERS_FILE, "/decisions/policy.yaml @org/council\n/.github/ @org/council\n")
    assert run("codeowners", str(repo.root)).exit_code == 0
    assert run("codeowners", str(repo.root), "--check").exit_code == 0
    return repo


def _all_approved_at_ga(repo: Repo) -> None:
    """The initiative claims ga with every item approved by a checklist owner."""
    repo.edit(INIT, lambda d: (d.update(stage="ga"), d["history"].append({"stage": "ga", "date": "2026-11-20"})))
    done = {"status": "done", "evidence": "https://wiki.example.com/e", "approver": "@dana", "date": "2026-11-01"}
    repo.write(SEC, {"checklist": "security-review", "items": {i: dict(done) for i in ("threat-model", "rag-access-control", "pen-test")}})
    repo.write(f"{CHECKLISTS}/on-call.yaml", {"checklist": "on-call", "items": {i: dict(done) for i in ("pager-rotation", "runbook")}})


def _covered_by_generated_rules(repo: Repo, rel: str) -> bool:
    """Whether a rule that `launchboard codeowners` wrote matches the path (GitHub's globbing)."""
    import pathspec

    text = repo.path(OWNERS_FILE).read_text()
    block = text[text.index(codeowners.BEGIN) : text.index(codeowners.END)]
    patterns = [line.split()[0] for line in block.splitlines()[1:] if line.strip()]
    return any(pathspec.GitIgnoreSpec.from_lines([p]).match_file(rel) for p in patterns)


# --------------------------------------------------------------------------- checklists no rule covers


def test_a_yml_checklist_is_refused_not_counted(repo: Repo) -> None:
    _all_approved_at_ga(repo)
    assert check(repo).exit_code == 0  # the legitimate route passes
    os.rename(repo.path(SEC), repo.path(f"{CHECKLISTS}/security-review.yml"))
    assert not _covered_by_generated_rules(repo, f"{CHECKLISTS}/security-review.yml")
    result = check(repo)
    assert result.exit_code == 1, result.output
    assert f"{CHECKLISTS}/security-review.yml:1:1: error LB212 " in result.output
    assert "CODEOWNERS" in result.output
    # and its items count as missing: the gate does not pass on a file no owner reviews
    assert "LB210" in result.output


def test_a_checklist_that_is_a_link_inside_the_repository_is_refused(repo: Repo) -> None:
    _all_approved_at_ga(repo)
    target = repo.path("docs/approved.yaml")
    target.parent.mkdir()
    os.replace(repo.path(SEC), target)
    os.symlink("../../../docs/approved.yaml", repo.path(SEC))
    assert _covered_by_generated_rules(repo, SEC) and not _covered_by_generated_rules(repo, "docs/approved.yaml")
    result = check(repo)
    assert result.exit_code == 1, result.output
    assert f"{SEC}:1:1: error LB212 " in result.output
    assert "link" in result.output


def test_decisions_as_a_link_inside_the_repository_is_refused(repo: Repo) -> None:
    """The generated rules match decisions/*/checklists/...; GitHub matches the committed path."""
    _all_approved_at_ga(repo)
    os.rename(repo.path("decisions"), repo.path("records"))
    os.symlink("records", repo.path("decisions"))
    assert not _covered_by_generated_rules(repo, "records/support-assistant/checklists/security-review.yaml")
    result = check(repo)
    assert result.exit_code == 2, result.output
    assert "decisions:1:1: error LB212 " in result.output


def test_every_checklist_the_check_counts_is_covered(repo: Repo) -> None:
    """Whatever name a checklist file has, it either fails the check or a generated rule covers it."""
    _all_approved_at_ga(repo)
    text = repo.path(SEC).read_text()
    repo.path(SEC).unlink()
    for name in ("security-review.yml", "security-review.YAML", "Security-Review.yaml", "security-review.yaml.yaml",
                 "security-review .yaml", "security-review.yaml~"):
        candidate = repo.path(f"{CHECKLISTS}/{name}")
        candidate.write_text(text)
        result = check(repo)
        assert result.exit_code == 1 or _covered_by_generated_rules(repo, f"{CHECKLISTS}/{name}"), (name, result.output)
        candidate.unlink()


# --------------------------------------------------------------------------- the repository's own CODEOWNERS


TRUSTED = ["templates/", "mkdocs.yml", "pyproject.toml", "scripts/", ".ci/", ".pre-commit-config.yaml",
           ".pre-commit-hooks.yaml", "decisions/policy.yaml", "schemas/", "generator/", ".github/"]


def test_codeowners_check_fails_when_the_trusted_layer_has_no_owner(repo: Repo) -> None:
    repo.write("templates/site/docs/page.md", "# A page published as written\n")
    repo.write("mkdocs.yml", "site_name: x\n")
    repo.write("pyproject.toml", "[project]\nname = 'x'\n")
    assert run("codeowners", str(repo.root)).exit_code == 0
    result = run("codeowners", str(repo.root), "--check")
    assert result.exit_code == 1, result.output
    for path in ("templates/", "mkdocs.yml", "pyproject.toml"):
        assert path in result.output
    own = "/templates/ @org/platform\n/mkdocs.yml @org/platform\n"
    repo.write(OWNERS_FILE, own + repo.path(OWNERS_FILE).read_text())
    partly = run("codeowners", str(repo.root), "--check")
    assert partly.exit_code == 1 and "pyproject.toml" in partly.output and "templates/" not in partly.output
    repo.write(OWNERS_FILE, "/pyproject.toml @org/platform\n" + repo.path(OWNERS_FILE).read_text())
    assert run("codeowners", str(repo.root), "--check").exit_code == 0
    # a later rule without owners takes the ownership away again (the last match wins)
    repo.write(OWNERS_FILE, repo.path(OWNERS_FILE).read_text() + "/templates/site/docs/\n")
    undone = run("codeowners", str(repo.root), "--check")
    assert undone.exit_code == 1 and "templates/site/docs/page.md" in undone.output


def test_a_rule_after_the_block_cannot_take_a_checklist_from_its_owners(repo: Repo) -> None:
    text = repo.path(OWNERS_FILE).read_text()
    repo.write(OWNERS_FILE, text + "/decisions/ @someone-else\n")
    line = len(text.splitlines()) + 1
    result = run("codeowners", str(repo.root), "--check")
    assert result.exit_code == 1, result.output
    assert f"{OWNERS_FILE}:{line}: " in result.output and "security-review" in result.output
    warned = check(repo, "--strict")
    assert warned.exit_code == 1 and f"{OWNERS_FILE}:{line}:1: warning LB305 " in warned.output, warned.output
    repo.write(OWNERS_FILE, "/decisions/ @someone-else\n" + text)  # above the block: the block still wins
    assert run("codeowners", str(repo.root), "--check").exit_code == 0


def test_check_warns_when_the_trusted_layer_has_no_owner(repo: Repo) -> None:
    repo.write("scripts/build.py", "print('runs in CI')\n")
    result = check(repo, "--strict")
    assert result.exit_code == 1
    assert f"{OWNERS_FILE}:1:1: warning LB307 " in result.output and "scripts/" in result.output


def test_this_repository_codeowners_covers_the_whole_trusted_layer() -> None:
    for path in TRUSTED:
        assert (REPO_ROOT / path).exists(), path
        assert path in codeowners.TRUSTED_PATHS
    result = subprocess.run([sys.executable, "-m", "generator", "codeowners", "--check", str(REPO_ROOT)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- dates, evidence, reasons


def test_a_waiver_dated_in_the_future_is_refused(repo: Repo) -> None:
    repo.edit(SEC, lambda d: d["items"]["rag-access-control"]["waiver"].update(date="2999-10-01", expires="2999-12-29"))
    result = check(repo)
    assert result.exit_code == 1, result.output
    line = line_of(repo.path(SEC), "2999-10-01")
    assert f"{SEC}:{line}:" in result.output and "error LB211 " in result.output
    assert "waiver is dated 2999-10-01" in result.output


def test_evidence_that_is_a_repository_path_must_exist(repo: Repo) -> None:
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(evidence="docs/threat-model.md#scope"))
    result = check(repo)
    assert result.exit_code == 1, result.output
    line = line_of(repo.path(SEC), "docs/threat-model.md")
    assert f"{SEC}:{line}:15: error LB213 " in result.output
    repo.write("docs/threat-model.md", "# Threat model\n")
    assert check(repo).exit_code == 0


def test_evidence_path_leading_out_of_the_repository_does_not_count(repo: Repo, tmp_path: Path) -> None:
    (tmp_path / "outside.md").write_text("x\n")
    repo.path("docs").mkdir()
    os.symlink(tmp_path / "outside.md", repo.path("docs/threat-model.md"))
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(evidence="docs/threat-model.md"))
    result = check(repo)
    assert result.exit_code == 1 and "LB213" in result.output, result.output


@pytest.mark.parametrize("reason", ["\u200b", " \u200b\u2060 ", "\u00ad\ufeff"])
def test_a_not_applicable_reason_needs_visible_text(repo: Repo, reason: str) -> None:
    repo.edit(SEC, lambda d: d["items"].update({"threat-model": {"status": "not-applicable", "reason": reason}}))
    result = check(repo)
    assert result.exit_code == 1, result.output
    line = line_of(repo.path(SEC), "not-applicable")
    assert f"{SEC}:{line}:13: error LB209 " in result.output


@pytest.mark.parametrize("reason", ["\u200b\u200b", "  \u2063 "])
def test_a_waiver_reason_needs_visible_text(repo: Repo, reason: str) -> None:
    repo.edit(SEC, lambda d: d["items"]["rag-access-control"]["waiver"].update(reason=reason))
    result = check(repo)
    assert result.exit_code == 1, result.output
    assert "error LB206 " in result.output and "reason" in result.output


# --------------------------------------------------------------------------- a claim of done is whole


def test_an_incomplete_done_claim_warns_before_it_is_required(repo: Repo) -> None:
    # pen-test is required from ga; the initiative is at canary
    repo.edit(SEC, lambda d: d["items"].update({"pen-test": {"status": "done"}}))
    plain = check(repo)
    assert plain.exit_code == 0, plain.output
    line = line_of(repo.path(SEC), "status: done", last=True)
    assert f"{SEC}:{line}:13: warning LB306 " in plain.output
    assert "evidence" in plain.output and "approver" in plain.output
    assert check(repo, "--strict").exit_code == 1


def test_an_item_beyond_the_next_stage_is_judged_too(repo: Repo) -> None:
    repo.edit(INIT, lambda d: (d.update(stage="pilot"), d["history"].pop()))
    repo.edit(SEC, lambda d: d["items"].update({"pen-test": {"status": "done", "evidence": "docs/missing.md"}}))
    result = check(repo, "--strict")
    assert result.exit_code == 1
    assert "warning LB306 " in result.output and "docs/missing.md" in result.output


# --------------------------------------------------------------------------- line separators


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_a_line_separator_outside_quotes_is_refused(repo: Repo, separator: str) -> None:
    # git and GitHub show one line `pen-test:  # todo ... status: done`; YAML reads two
    text = repo.path(SEC).read_text()
    hidden = text.replace("  pen-test:\n    status: todo\n", f"  pen-test:  # todo, booked{separator}    status: done\n")
    assert hidden != text
    repo.path(SEC).write_text(hidden, encoding="utf-8")
    result = check(repo)
    assert result.exit_code == 1, result.output
    line = line_of(repo.path(SEC), "pen-test")
    column = hidden.split("\n")[line - 1].index(separator) + 1  # str.splitlines would break at it too
    assert f"{SEC}:{line}:{column}: error LB010 " in result.output, result.output


def test_a_line_separator_inside_quotes_is_accepted(repo: Repo) -> None:
    repo.edit(INIT, lambda d: d.update(title="Support\u2028assistant", summary="One\u2029two"))
    text = repo.path(INIT).read_text()
    assert "\u2028" in text  # written inside a quoted scalar
    result = check(repo, "--strict")
    assert result.exit_code == 0, result.output


def test_a_line_separator_in_a_block_scalar_is_refused(repo: Repo) -> None:
    text = repo.path(INIT).read_text()
    text = text.replace("summary: Drafts answers", "summary: |\n  Drafts\u2028stage: ga\n  answers")
    repo.path(INIT).write_text(text, encoding="utf-8")
    result = check(repo)
    assert result.exit_code == 1 and "LB010" in result.output, result.output


# --------------------------------------------------------------------------- the schema's verdict is always explained


def test_an_extension_key_where_the_schema_forbids_it_is_reported(repo: Repo) -> None:
    repo.edit(POLICY, lambda d: d["checklists"]["on-call"]["items"][0].update(when={"x-region": ["eu"]}))
    result = check(repo)
    assert result.exit_code == 2, result.output
    line = line_of(repo.path(POLICY), "x-region")
    assert f"{POLICY}:{line}:" in result.output and "error LB100 " in result.output
    assert "x-region" in result.output


def test_the_site_shows_an_incomplete_done_claim_as_incomplete(tmp_path: Path) -> None:
    """Before: the page showed a bare `status: done` on an item not yet required as done."""
    import json

    from tests.site_helpers import make_root, mkdocs_build

    root = make_root(tmp_path / "repo")
    evaluation = root / "decisions/product-copy-writer/checklists/evaluation.yaml"  # pilot; red-team is required from canary
    evaluation.write_text(evaluation.read_text(encoding="utf-8") + "  red-team:\n    status: done\n", encoding="utf-8")
    loose = mkdocs_build(root / "mkdocs.yml", tmp_path / "site")
    assert loose.returncode == 0, loose.stderr
    assert "LB306" in loose.stderr
    html = (tmp_path / "site/initiatives/product-copy-writer/index.html").read_text(encoding="utf-8")
    row = next(r for r in re.split(r"<tr[ >]", html) if "Red-team exercise completed" in r)
    assert "incomplete claim" in row and "lb-status--done" not in row, row
    feed = json.loads((tmp_path / "site/api/initiatives/product-copy-writer.json").read_text(encoding="utf-8"))
    assert "no evidence" in feed["checklists"]["evaluation"]["red-team"]["incomplete_claim"]


def test_a_runbook_that_is_a_link_is_refused_and_does_not_cover_its_topic(tmp_path: Path) -> None:
    """A runbook's exercises gate a stage as approvals do: a link would let them change in a
    file the runbook owners' CODEOWNERS rule does not cover."""
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "decisions", root / "decisions")
    rollback = "decisions/support-assistant/runbooks/rollback.yaml"
    assert run("check", str(root), "--as-of", AS_OF).exit_code == 0
    (root / "docs").mkdir()
    os.replace(root / rollback, root / "docs" / "rollback.yaml")
    os.symlink("../../../docs/rollback.yaml", root / rollback)
    result = run("check", str(root), "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert f"{rollback}:1:1: error LB212 " in result.output and "runbook owners" in result.output
    assert " LB220 " in result.output and "rollback" in result.output  # the topic is no longer covered


@pytest.mark.parametrize("rule, what", [("/decisions/*/runbooks/ @someone-else", "runbook"),
                                        ("/decisions/frameworks/ @someone-else", "framework pack"),
                                        ("/decisions/support-assistant/ @someone-else", "runbook")])
def test_a_rule_after_the_block_cannot_take_runbooks_or_packs_from_their_owners(tmp_path: Path, rule: str, what: str) -> None:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "decisions", root / "decisions")
    (root / ".github").mkdir()
    shutil.copy(REPO_ROOT / OWNERS_FILE, root / OWNERS_FILE)
    assert run("codeowners", str(root), "--check").exit_code == 0
    text = (root / OWNERS_FILE).read_text()
    (root / OWNERS_FILE).write_text(text + rule + "\n")
    line = len(text.splitlines()) + 1
    result = run("codeowners", str(root), "--check")
    assert result.exit_code == 1, result.output
    assert f"{OWNERS_FILE}:{line}: CODEOWNERS line {line} comes after the launchboard block and matches {what} files" in result.output


# --------------------------------------------------------------------------- the hostile review's findings


def _sample(tmp_path: Path) -> Path:
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "decisions", root / "decisions")
    return root


def test_a_hollow_runbook_covers_no_topic(tmp_path: Path) -> None:
    """One runbook of blanks listing every topic, with a passed drill, used to meet the gate."""
    root = _sample(tmp_path)
    folder = root / "decisions" / "support-assistant" / "runbooks"
    for path in folder.glob("*.yaml"):
        path.unlink()
    (folder / "rollback.yaml").write_text(
        "runbook: rollback\ntitle: \" \"\nseverity: sev4\n"
        "topics: [rollback, provider-outage, cost-spike, harmful-output]\n"
        "rollback:\n  steps:\n    - step: \"\\u3164\"\n"
        "exercises:\n  - {date: 2026-11-20, kind: drill, outcome: passed, evidence: does/not/exist.md}\n", encoding="utf-8")
    result = run("check", str(root), "--as-of", AS_OF)
    assert result.exit_code == 1
    rb = "decisions/support-assistant/runbooks/rollback.yaml"
    assert f"{rb}:2:8: error LB179 title has no visible text" in result.output
    assert f"{rb}:7:13: error LB179 rollback.steps[0] has no visible text" in result.output
    assert f"{rb}:1:1: error LB179 no step to follow" in result.output and f"{rb}:1:1: error LB179 nobody to call" in result.output
    assert f"{rb}:9:64: error LB213 exercises[0]: evidence does/not/exist.md" in result.output
    assert " LB220 " in result.output  # and the topics it lists are not covered


def test_a_yml_runbook_beside_the_yaml_is_refused(tmp_path: Path) -> None:
    root = _sample(tmp_path)
    folder = root / "decisions" / "support-assistant" / "runbooks"
    (folder / "rollback.yml").write_text((folder / "rollback.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = run("check", str(root), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "decisions/support-assistant/runbooks/rollback.yml:1:1: error LB008 runbook files are named <runbook-id>.yaml" in result.output


def test_a_measurement_from_the_future_cannot_hold_a_metric_gate(tmp_path: Path) -> None:
    root = _sample(tmp_path)
    record = root / "decisions" / "support-assistant" / "initiative.yaml"
    text = record.read_text(encoding="utf-8")
    at = text.index("measurements:", text.index("id: p95-latency"))
    line_start = text.rindex("\n", 0, at) + 1
    indent = at - line_start
    text = text[:at] + "measurements:\n" + " " * (indent + 2) + "- {date: 2999-12-31, value: 1}" + text[at + len("measurements:"):]
    record.write_text(text, encoding="utf-8")
    result = run("check", str(root), "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    assert "error LB211 metric 'p95-latency': a measurement is dated 2999-12-31, after today" in result.output


def test_ingest_refuses_a_run_dated_in_the_future(tmp_path: Path) -> None:
    root = _sample(tmp_path)
    result_file = root / "evals" / "future.json"
    result_file.parent.mkdir()
    result_file.write_text('{"score": 0.97}', encoding="utf-8")
    record = root / "decisions" / "support-assistant" / "initiative.yaml"
    before = record.read_bytes()
    result = CliRunner().invoke(main, ["ingest", str(result_file), "--initiative", "support-assistant", "--metric",
                                       "draft-acceptance", "--format", "json", "--select", "score",
                                       "--date", "2999-12-31", "--root", str(root)])
    assert result.exit_code == 2 and "after today" in result.output
    assert record.read_bytes() == before


def test_ingest_refuses_a_linked_initiative_folder(tmp_path: Path) -> None:
    root = _sample(tmp_path)
    outside = tmp_path / "outside"
    os.replace(root / "decisions" / "support-assistant", outside)
    os.symlink(outside, root / "decisions" / "support-assistant")
    result_file = tmp_path / "r.json"
    result_file.write_text('{"score": 0.97}', encoding="utf-8")
    before = (outside / "initiative.yaml").read_bytes()
    result = CliRunner().invoke(main, ["ingest", str(result_file), "--initiative", "support-assistant", "--metric",
                                       "draft-acceptance", "--format", "json", "--select", "score",
                                       "--date", "2026-11-20", "--root", str(root)])
    assert result.exit_code == 2 and "refusing to write" in result.output
    assert (outside / "initiative.yaml").read_bytes() == before


def test_out_inside_the_repository_is_not_redirected_by_a_link(tmp_path: Path) -> None:
    root = _sample(tmp_path)
    victim = tmp_path / "victim"
    victim.mkdir()
    os.symlink(victim, root / "build")
    export = run_unchecked("export", "cyclonedx", str(root), "--as-of", AS_OF, "--out", str(root / "build" / "bom.json"))
    assert export.exit_code != 0 and "link on the way" in export.output
    render = run_unchecked("render", str(root), "--out", str(root / "build" / "site"))
    assert render.exit_code != 0 and "link on the way" in render.output
    assert list(victim.iterdir()) == []


def run_unchecked(*args: str):
    return CliRunner().invoke(main, list(args))


def test_a_failed_exercise_after_a_pass_is_a_warning(tmp_path: Path) -> None:
    """The sample's provider-outage runbook passed a drill, then an incident found issues:
    the pass still counts for the gate (the contract), but --strict fails until it is re-run."""
    root = _sample(tmp_path)
    rb = "decisions/support-assistant/runbooks/provider-outage.yaml"
    line = next(n for n, text in enumerate((root / rb).read_text().splitlines(), 1) if "outcome: issues-found" in text)
    result = run("check", str(root), "--as-of", AS_OF)
    assert result.exit_code == 0
    assert f"{rb}:{line}:14: warning LB311 the latest exercise (incident, 2026-10-14) issues-found" in result.output
    assert run("check", str(root), "--as-of", AS_OF, "--strict").exit_code == 1


@pytest.mark.parametrize("linked", ["pack", "folder"])
def test_a_framework_pack_or_folder_that_is_a_link_is_refused(tmp_path: Path, linked: str) -> None:
    """A pack says what the policy's `controls:` mean; CODEOWNERS covers a link, not its target."""
    root = _sample(tmp_path)
    elsewhere = root / "docs" / "packs"
    elsewhere.mkdir(parents=True)
    frameworks = root / "decisions" / "frameworks"
    if linked == "pack":
        os.replace(frameworks / "internal-ai-standard.yaml", elsewhere / "internal-ai-standard.yaml")
        os.symlink("../../docs/packs/internal-ai-standard.yaml", frameworks / "internal-ai-standard.yaml")
        where = "decisions/frameworks/internal-ai-standard.yaml"
    else:
        for pack in frameworks.iterdir():
            os.replace(pack, elsewhere / pack.name)
        frameworks.rmdir()
        os.symlink("../docs/packs", frameworks)
        where = "decisions/frameworks"
    result = run("check", str(root), "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    # a pack that is a link: LB212; a linked folder is not followed at all (LB001, as before)
    assert f"{where}:1:1: error {'LB212' if linked == 'pack' else 'LB001'} is a link" in result.output
