"""Control frameworks: packs, `controls:` on policy items, and `launchboard controls`,
through the real commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.core.frameworks import SHIPPED_DIR, shipped_documents
from generator.core.validate import schema_set
from tests.conftest import run
from tests.kit import AS_OF, Repo

POLICY = "decisions/policy.yaml"
PACK = "decisions/frameworks/internal-ai-standard.yaml"
LOCAL_PACK = {
    "framework": "internal-ai-standard",
    "title": "Internal AI standard",
    "version": "1.0",
    "source": "https://wiki.example.com/ai-standard",
    "licence": "Internal",
    "controls": [{"id": "AIS-1", "title": "DPIA signed off"}, {"id": "AIS-2", "title": "Frozen evaluation data"}],
}


def line_col(path: Path, needle: str, whole: bool = False) -> tuple[int, int]:
    """1-based line and column of the first occurrence of NEEDLE in the file (or of a line
    that is NEEDLE once indented, with whole=True)."""
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if (line.strip() == needle) if whole else (needle in line):
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in {path}")


def mapped(repo: Repo, frameworks: list[str], threat_model: list[str], pager: list[str] | None = None) -> Repo:
    def change(policy: dict) -> None:
        policy["frameworks"] = frameworks
        policy["checklists"]["security-review"]["items"][0]["controls"] = threat_model
        if pager is not None:
            policy["checklists"]["on-call"]["items"][0]["controls"] = pager

    repo.edit(POLICY, change)
    return repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo.valid(tmp_path)


# --------------------------------------------------------------------------- the packs


def test_shipped_packs_are_valid_records_with_their_sources() -> None:
    schemas = schema_set()
    documents = {doc.file.rsplit("/", 1)[-1]: doc for doc in shipped_documents()}
    assert set(documents) == {"owasp-llm-2025.yaml", "nist-ai-600-1.yaml"}
    for name, doc in documents.items():
        assert schemas.validate(doc, "framework") == [], name
        assert doc.data["framework"] == name.removesuffix(".yaml")
        # each control carries the line saying where it was read
        text = (SHIPPED_DIR / name).read_text()
        assert text.count("# source:") == len(doc.data["controls"])
    owasp = [c["id"] for c in documents["owasp-llm-2025.yaml"].data["controls"]]
    assert owasp == [f"LLM{n:02d}" for n in range(1, 11)]
    nist = [c["id"] for c in documents["nist-ai-600-1.yaml"].data["controls"]]
    assert len(nist) == len(set(nist)) == 31
    sources = (SHIPPED_DIR / "SOURCES.md").read_text()
    assert all(f"| {cid} |" in sources for cid in owasp + nist)


def test_packs_are_package_data() -> None:
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"generator.core" = ["frameworks/*.yaml", "frameworks/*.md"]' in pyproject


# --------------------------------------------------------------------------- check


def test_mapped_policy_checks_clean(repo: Repo) -> None:
    mapped(repo, ["owasp-llm-2025"], ["owasp-llm-2025:LLM01"])
    result = run("check", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output


def test_unknown_control_id_is_an_error_at_its_list_element(repo: Repo) -> None:
    mapped(repo, ["owasp-llm-2025", "nist-ai-600-1"], ["owasp-llm-2025:LLM01", "nist-ai-600-1:GV-9.9-999"], ["owasp-llm-2025:LLM11"])
    result = run("check", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 1
    line, column = line_col(repo.path(POLICY), "- nist-ai-600-1:GV-9.9-999")
    assert (f"{POLICY}:{line}:{column + 2}: error LB181 security-review/threat-model: nist-ai-600-1:GV-9.9-999: "
            "nist-ai-600-1 has no control 'GV-9.9-999'") in result.output
    line, column = line_col(repo.path(POLICY), "- owasp-llm-2025:LLM11")
    assert f"{POLICY}:{line}:{column + 2}: error LB181 on-call/pager-rotation: owasp-llm-2025:LLM11" in result.output


def test_unknown_framework_in_an_entry_and_in_the_list(repo: Repo) -> None:
    mapped(repo, ["owasp-llm-2025", "iso-42001"], ["owasp-llm-2025:LLM01", "iso-42001:A.6"])
    result = run("check", str(repo.root), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 1
    problems = {(p["code"], p["line"], p["column"]) for p in json.loads(result.output)["problems"]}
    entry = line_col(repo.path(POLICY), "- iso-42001:A.6")
    listed = line_col(repo.path(POLICY), "- iso-42001", whole=True)
    assert ("LB180", entry[0], entry[1] + 2) in problems
    assert ("LB182", listed[0], listed[1] + 2) in problems


def test_entry_for_a_pack_the_policy_does_not_list(repo: Repo) -> None:
    mapped(repo, ["owasp-llm-2025"], ["owasp-llm-2025:LLM01", "nist-ai-600-1:GV-3.2-005"])
    result = run("check", str(repo.root), "--as-of", AS_OF)
    line, column = line_col(repo.path(POLICY), "- nist-ai-600-1:GV-3.2-005")
    assert f"{POLICY}:{line}:{column + 2}: error LB183" in result.output
    assert result.exit_code == 1


def test_listed_pack_no_item_maps_to_is_a_warning(repo: Repo) -> None:
    mapped(repo, ["owasp-llm-2025", "nist-ai-600-1"], ["owasp-llm-2025:LLM01"])
    result = run("check", str(repo.root), "--as-of", AS_OF)
    line, column = line_col(repo.path(POLICY), "- nist-ai-600-1", whole=True)
    assert f"{POLICY}:{line}:{column + 2}: warning LB315 frameworks: no checklist item or runbook topic maps to nist-ai-600-1" in result.output
    assert result.exit_code == 0
    assert run("check", str(repo.root), "--as-of", AS_OF, "--strict").exit_code == 1


def test_malformed_entry_is_a_schema_error(repo: Repo) -> None:
    mapped(repo, ["owasp-llm-2025"], ["LLM01"])
    result = run("check", str(repo.root), "--as-of", AS_OF)
    line, column = line_col(repo.path(POLICY), "- LLM01")
    assert f"{POLICY}:{line}:{column + 2}: error LB100 checklists.security-review.items[0].controls[0]: 'LLM01' is not in the expected form" in result.output
    assert result.exit_code == 2  # a policy that fails its schema cannot be used


# --------------------------------------------------------------------------- a team's own pack


def test_local_pack_is_discovered_and_mapped(repo: Repo) -> None:
    repo.write(PACK, LOCAL_PACK)
    mapped(repo, ["internal-ai-standard"], ["internal-ai-standard:AIS-1"])
    result = run("check", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output  # not mistaken for an initiative folder (LB116)
    result = run("controls", "internal-ai-standard", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "1/2 controls covered by policy items" in result.output
    assert "gaps (1): AIS-2" in result.output


def test_local_pack_errors_are_located(repo: Repo) -> None:
    bad = dict(LOCAL_PACK, controls=[{"id": "AIS-1", "title": "x"}, {"id": "AIS-1", "title": "again"}, {"id": "AIS 3", "title": "y"}])
    repo.write(PACK, bad)
    mapped(repo, ["internal-ai-standard"], ["internal-ai-standard:AIS-1"])
    result = run("check", str(repo.root), "--as-of", AS_OF)
    line, column = line_col(repo.path(PACK), "id: AIS 3")
    assert f"{PACK}:{line}:{column + 4}: error LB100 controls[2].id: 'AIS 3' is not in the expected form" in result.output
    # the pack failed its schema: entries naming it are not reported as unknown on top
    assert "LB180" not in result.output
    repo.write(PACK, dict(LOCAL_PACK, controls=[{"id": "AIS-1", "title": "x"}, {"id": "ais-1", "title": "again"}]))
    result = run("check", str(repo.root), "--as-of", AS_OF)
    line, column = line_col(repo.path(PACK), "id: ais-1")
    assert f"{PACK}:{line}:{column + 4}: error LB184 control 'ais-1' repeats 'AIS-1'" in result.output


def test_local_pack_must_be_named_after_its_id_and_not_shadow_a_shipped_one(repo: Repo) -> None:
    repo.write("decisions/frameworks/other-name.yaml", LOCAL_PACK)
    repo.write("decisions/frameworks/owasp-llm-2025.yaml", dict(LOCAL_PACK, framework="owasp-llm-2025"))
    result = run("check", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "decisions/frameworks/other-name.yaml:1:12: error LB184 framework 'internal-ai-standard' must equal the file name 'other-name'" in result.output
    assert "decisions/frameworks/owasp-llm-2025.yaml:1:12: error LB184 framework 'owasp-llm-2025' is already a pack shipped with Launchboard" in result.output


def test_stray_folder_in_frameworks_is_reported(repo: Repo) -> None:
    repo.write("decisions/frameworks/nested/pack.yaml", LOCAL_PACK)
    result = run("check", str(repo.root), "--as-of", AS_OF)
    assert "decisions/frameworks/nested:1:1: error LB008" in result.output


# --------------------------------------------------------------------------- launchboard controls


def test_controls_command_counts_coverage(repo: Repo) -> None:
    # threat-model (done) and pager-rotation (done) map to LLM01; pen-test (todo, high risk, ga) to LLM01 too
    def change(policy: dict) -> None:
        policy["frameworks"] = ["owasp-llm-2025"]
        items = policy["checklists"]["security-review"]["items"]
        items[0]["controls"] = ["owasp-llm-2025:LLM01", "owasp-llm-2025:LLM06"]
        items[2]["controls"] = ["owasp-llm-2025:LLM01"]
        policy["checklists"]["on-call"]["items"][1]["controls"] = ["owasp-llm-2025:LLM10"]

    repo.edit(POLICY, change)
    result = run("controls", str(repo.root), "--as-of", AS_OF, "--detail")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "owasp-llm-2025  OWASP Top 10 for LLM Applications 2025 (2025)" in out
    assert "3/10 controls covered by policy items" in out
    assert "items: security-review/threat-model, security-review/pen-test" in out
    assert "support-assistant: incomplete (1/2): security-review/pen-test todo" in out
    assert "support-assistant: incomplete (0/1): on-call/runbook in-progress" in out
    assert "gaps (7): LLM02, LLM03, LLM04, LLM05, LLM07, LLM08, LLM09" in out

    data = json.loads(run("controls", "owasp-llm-2025", str(repo.root), "--as-of", AS_OF, "--format", "json").output)
    (fw,) = data["frameworks"]
    assert (fw["covered"], fw["total"]) == (3, 10)
    llm06 = next(c for c in fw["controls"] if c["id"] == "LLM06")
    assert llm06["initiatives"] == [{"id": "support-assistant", "complete": True,
                                     "items": [{"checklist": "security-review", "item": "threat-model", "status": "done", "complete": True,
                                              "reason": None}]}]


def test_controls_command_unknown_framework_exits_2(repo: Repo) -> None:
    result = run("controls", "no-such-pack", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "unknown framework 'no-such-pack'" in result.output


def test_sample_repository_coverage() -> None:
    root = Path(__file__).resolve().parent.parent
    result = run("controls", str(root), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0
    by_id = {f["framework"]: f for f in json.loads(result.output)["frameworks"]}
    assert (by_id["owasp-llm-2025"]["covered"], by_id["owasp-llm-2025"]["total"]) == (9, 10)
    assert by_id["owasp-llm-2025"]["gaps"] == ["LLM04"]  # left uncovered on purpose
    assert (by_id["nist-ai-600-1"]["covered"], by_id["nist-ai-600-1"]["total"]) == (30, 31)
    assert by_id["nist-ai-600-1"]["gaps"] == ["MG-3.2-005"]
    assert set(by_id) == {"owasp-llm-2025", "nist-ai-600-1"}  # the listed ones, in the policy's order
    local = run("controls", "internal-ai-standard", str(root), "--as-of", AS_OF)  # the example pack, not listed
    assert local.exit_code == 0
    assert "0/4 controls covered by policy items  (not listed in the policy's `frameworks`)" in local.output
    check = run("check", str(root), "--as-of", AS_OF)
    assert not [line for line in check.output.splitlines() if " LB18" in line or " LB315" in line]


def test_controls_output_neutralises_pack_text(repo: Repo) -> None:
    hostile = dict(LOCAL_PACK, title="\x1b[31mred\x1b[0m\n::error::pwned", controls=[{"id": "AIS-1", "title": "##[group]x\u202eevil"}])
    repo.write(PACK, hostile)
    mapped(repo, ["internal-ai-standard"], ["internal-ai-standard:AIS-1"])
    for fmt in ("text", "json"):
        result = run("controls", "internal-ai-standard", str(repo.root), "--as-of", AS_OF, "--format", fmt)
        assert result.exit_code == 0
        assert "\x1b" not in result.output and "##[" not in result.output
        if fmt == "text":  # JSON carries bidi characters as data (SECURITY.md, "JSON consumers")
            assert "\u202e" not in result.output
        # a workflow command only counts at a line's start (after spaces)
        assert not [line for line in result.output.splitlines() if line.lstrip().startswith("::")]


def test_controls_with_an_unusable_policy_exits_2(repo: Repo) -> None:
    repo.edit(POLICY, lambda d: d.update(stages="not a list"))
    result = run("controls", str(repo.root), "--as-of", AS_OF)
    assert result.exit_code == 2


# --------------------------------------------------------------------------- runbook topics


def test_runbook_topics_map_to_controls_checked_and_counted(tmp_path: Path) -> None:
    """A rehearsed rollback is evidence for deactivation controls: `controls:` on a runbook
    topic is checked like an item's and counts in the coverage, complete per the gate."""
    import shutil

    root = tmp_path / "repo"
    shutil.copytree(Path(__file__).resolve().parent.parent / "decisions", root / "decisions")
    result = run("controls", "nist-ai-600-1", str(root), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.output
    control = next(c for c in json.loads(result.output)["frameworks"][0]["controls"] if c["id"] == "MG-2.4-004")
    assert {"checklist": "runbooks", "item": "rollback", "title": "Roll back to the last known-good model, prompt and index"} in control["items"]
    rows = {row["id"]: row for row in control["initiatives"]}
    topic = lambda row: next(i for i in row["items"] if i["checklist"] == "runbooks")  # noqa: E731
    assert topic(rows["support-assistant"]) == {"checklist": "runbooks", "item": "rollback", "status": "exercised", "complete": True, "reason": None}
    assert topic(rows["fraud-note-classifier"])["status"] == "missing"  # no runbooks yet (shadow)
    assert topic(rows["fraud-note-classifier"])["complete"] is False

    policy = root / POLICY
    text = policy.read_text()
    at = text.rindex("controls: [owasp-llm-2025:LLM10]")  # the cost-spike topic's, the last in the file
    policy.write_text(text[:at] + "controls: [owasp-llm-2025:LLM99]" + text[at + len("controls: [owasp-llm-2025:LLM10]"):])
    check = run("check", str(root), "--as-of", AS_OF)
    assert check.exit_code == 1
    line, column = line_col(policy, "owasp-llm-2025:LLM99")
    assert f"{POLICY}:{line}:{column}: error LB181 runbooks/cost-spike: owasp-llm-2025:LLM99" in check.output
