"""`launchboard export cyclonedx` through the real command, validated by the CycloneDX 1.6
JSON schema that cyclonedx-python-lib ships."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from rfc3986_validator import validate_rfc3986

from tests.conftest import run
from tests.kit import AS_OF, Repo

SAMPLE = Path(__file__).resolve().parent.parent


def export(*args: str) -> str:
    result = run("export", "cyclonedx", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def schema_errors(text: str) -> list[str]:
    """The CycloneDX 1.6 schema's complaints (cyclonedx-python-lib's strict validator), and
    any URL that is not a URI reference: the schema's `iri-reference` format is asserted only
    with rfc3987-syntax installed, which the test extras leave out (see pyproject.toml), and
    every URI reference is an IRI reference."""
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    found = [] if errors is None else [str(e).splitlines()[0] for e in errors]
    return found + [f"{url!r} is not a URI reference" for url in _urls(json.loads(text)) if not validate_rfc3986(url, rule="URI_reference")]


def _urls(node, key: str = "") -> list[str]:
    if isinstance(node, dict):
        return [u for k, v in node.items() for u in _urls(v, k)]
    if isinstance(node, list):
        return [u for v in node for u in _urls(v, key)]
    return [node] if key == "url" and isinstance(node, str) else []


@pytest.fixture(scope="module")
def sample_bom() -> tuple[str, dict]:
    text = export(str(SAMPLE), "--as-of", AS_OF)
    return text, json.loads(text)


def test_sample_bom_validates_against_the_cyclonedx_1_6_schema(sample_bom) -> None:
    text, bom = sample_bom
    assert schema_errors(text) == []
    assert (bom["bomFormat"], bom["specVersion"]) == ("CycloneDX", "1.6")
    assert bom["metadata"]["timestamp"] == f"{AS_OF}T00:00:00Z"


def test_the_validator_rejects_a_broken_bom(sample_bom) -> None:
    """The check above can fail: the same document with one wrong field does."""
    _, bom = sample_bom
    broken = json.loads(json.dumps(bom))
    broken["declarations"]["evidence"][0]["created"] = "2026-09-30"  # a date, not a date-time
    assert schema_errors(json.dumps(broken)) == ["'2026-09-30' is not a 'date-time'"]
    broken = json.loads(json.dumps(bom))
    broken["declarations"]["evidence"][1]["data"][0]["contents"]["url"] = "https://a b"
    assert schema_errors(json.dumps(broken)) == ["'https://a b' is not a URI reference"]
    broken = json.loads(json.dumps(bom))
    broken["declarations"]["claims"][0]["colour"] = "red"
    assert "Additional properties are not allowed ('colour' was unexpected)" in schema_errors(json.dumps(broken))


def test_one_component_per_initiative_typed_by_approach(sample_bom) -> None:
    _, bom = sample_bom
    initiatives = sorted(p.name for p in (SAMPLE / "decisions").iterdir() if (p / "initiative.yaml").is_file())
    assert sorted(c["name"] for c in bom["components"]) == initiatives
    for component in bom["components"]:
        approach = next(p["value"] for p in component["properties"] if p["name"] == "launchboard:approach")
        assert component["type"] == ("machine-learning-model" if approach == "fine-tune" else "application")
        assert ("modelCard" in component) == (approach == "fine-tune")
    assert any(c["type"] == "machine-learning-model" for c in bom["components"])


def test_every_reference_resolves_and_bom_refs_are_unique(sample_bom) -> None:
    _, bom = sample_bom
    refs: list[str] = []

    def collect(node) -> None:
        if isinstance(node, dict):
            if "bom-ref" in node:
                refs.append(node["bom-ref"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(bom)
    assert len(refs) == len(set(refs))
    known = set(refs)
    declarations = bom["declarations"]
    requirements = {r["bom-ref"] for s in bom["definitions"]["standards"] for r in s["requirements"]}
    for attestation in declarations["attestations"]:
        assert attestation.get("assessor", next(iter(known))) in known
        for entry in attestation["map"]:
            assert entry["requirement"] in requirements
            assert all(claim in known for claim in entry.get("claims", []) + entry.get("counterClaims", []))
    for claim in declarations["claims"]:
        assert claim["target"] in known
        assert all(e in known for e in claim.get("evidence", []))


def test_attestation_maps_required_items_to_claims_with_evidence(sample_bom) -> None:
    _, bom = sample_bom
    declarations = bom["declarations"]
    claims = {c["bom-ref"]: c for c in declarations["claims"]}
    evidence = {e["bom-ref"]: e for e in declarations["evidence"]}
    attestations = [a for a in declarations["attestations"] if a.get("assessor") == "assessor:@dana"
                    and a["summary"].startswith("support-assistant:")]
    (attestation,) = attestations
    entry = next(e for e in attestation["map"] if e["requirement"] == "requirement:policy:security-review/threat-model")
    assert entry["conformance"]["score"] == 1
    claim = claims[entry["claims"][0]]
    assert claim["target"] == "initiative:support-assistant"
    record = evidence[claim["evidence"][0]]
    assert record["reviewer"] == {"name": "@dana"}
    assert record["data"][0]["contents"]["url"].startswith("https://")
    assert record["created"].endswith("T00:00:00Z") and record["expires"] > record["created"]
    assert {"name": "@dana"} in [a["organization"] for a in declarations["assessors"]]
    # a framework control is attested through the claims of the items that satisfy it
    controls = next(a for a in declarations["attestations"] if a["summary"] == "support-assistant: framework controls, through the complete requirements that satisfy them")
    llm01 = next(e for e in controls["map"] if e["requirement"] == "requirement:owasp-llm-2025:LLM01")
    assert claim["bom-ref"] in llm01["claims"]


def test_incomplete_item_has_conformance_0(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path)
    repo.edit("decisions/support-assistant/checklists/on-call.yaml", lambda d: d["items"]["pager-rotation"].update(status="todo"))
    bom = json.loads(export(str(repo.root), "--as-of", AS_OF))
    entries = [e for a in bom["declarations"]["attestations"] for e in a["map"]
               if e["requirement"] == "requirement:policy:on-call/pager-rotation"]
    assert entries == [{"requirement": "requirement:policy:on-call/pager-rotation",
                        "claims": ["claim:support-assistant/on-call/pager-rotation"],
                        "conformance": {"score": 0, "rationale": "pager-rotation: required from canary, status is todo"}}]


def test_output_is_deterministic_for_a_fixed_as_of(sample_bom) -> None:
    text, bom = sample_bom
    assert export(str(SAMPLE), "--as-of", AS_OF) == text
    later = json.loads(export(str(SAMPLE), "--as-of", "2026-11-30"))
    assert later["serialNumber"] != bom["serialNumber"]
    assert later["metadata"]["timestamp"] == "2026-11-30T00:00:00Z"


def test_one_initiative(tmp_path: Path) -> None:
    bom = json.loads(export(str(SAMPLE), "--initiative", "support-assistant", "--as-of", AS_OF))
    assert [c["name"] for c in bom["components"]] == ["support-assistant"]
    assert all(c["target"] == "initiative:support-assistant" for c in bom["declarations"]["claims"])
    assert schema_errors(json.dumps(bom)) == []


def test_unknown_initiative_exits_2() -> None:
    result = run("export", "cyclonedx", str(SAMPLE), "--initiative", "no-such-thing", "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "no initiative 'no-such-thing'" in result.stderr
    assert result.stdout == ""


def test_out_writes_the_file_atomically(tmp_path: Path) -> None:
    out = tmp_path / "bom.json"
    out.write_text("old")
    result = run("export", "cyclonedx", str(SAMPLE), "--as-of", AS_OF, "--out", str(out))
    assert result.exit_code == 0
    assert schema_errors(out.read_text()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bom.json"]  # no temporary file left


def test_out_refuses_to_write_through_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "bom.json"
    os.symlink(target, link)
    result = run("export", "cyclonedx", str(SAMPLE), "--as-of", AS_OF, "--out", str(link))
    assert result.exit_code != 0
    assert "symbolic link" in result.stderr
    assert target.read_text() == "keep me" and link.is_symlink()


def test_runbook_topics_are_requirements_attested_with_their_exercise(sample_bom) -> None:
    _, bom = sample_bom
    policy = next(s for s in bom["definitions"]["standards"] if s["bom-ref"] == "standard:launchboard-policy")
    assert "runbooks/rollback" in [r["identifier"] for r in policy["requirements"]]
    claim = next(c for c in bom["declarations"]["claims"] if c["bom-ref"] == "claim:support-assistant/runbooks/rollback")
    assert claim["reasoning"].startswith("covered by runbook rollback")  # not "no record of this item"
    evidence = next(e for e in bom["declarations"]["evidence"] if e["bom-ref"] == claim["evidence"][0])
    assert evidence["created"] == "2026-09-22T00:00:00Z"  # the game day that passed, after the failed drill
    assert evidence["data"][0]["contents"]["url"].endswith("2026-09-22-support-assistant")
