"""The JSON Schemas in schemas/: well-formed, documented, closed, and right about real records.

The schemas are the single source of truth for record shape (they also feed the site's field
reference and editors' autocompletion), so these tests hold them to the record formats the README documents:
every property described, `additionalProperties: false` on every fixed-shape object, every
string and array bounded, and a handful of valid and invalid instances per kind.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema_rs
import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from tests import kit

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
DECISIONS = ROOT / "decisions"
KINDS = ("policy", "initiative", "decision", "checklist", "runbook", "framework")


def load_schema(kind: str) -> dict:
    return json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))


# Local registry only: a `$ref` must never be fetched over the network.
REGISTRY = Registry().with_resources(
    (load_schema(k)["$id"], Resource.from_contents(load_schema(k))) for k in KINDS
)


def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(
        load_schema(kind), registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def errors(kind: str, instance) -> list[str]:
    return [e.message for e in validator(kind).iter_errors(instance)]


class StringDateLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates (and sexagesimals, etc.) as the strings the loader sees."""


StringDateLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


# --------------------------------------------------------------------------- walking


def subschemas(schema, path=""):
    """Yield (path, subschema, keyword-it-came-from) for every schema object in `schema`."""
    yield path, schema
    if not isinstance(schema, dict):
        return
    for key in ("properties", "patternProperties", "$defs"):
        for name, sub in schema.get(key, {}).items():
            yield from subschemas(sub, f"{path}/{key}/{name}")
    for key in ("items", "additionalProperties", "propertyNames", "not", "if", "then", "else"):
        if isinstance(schema.get(key), dict):
            yield from subschemas(schema[key], f"{path}/{key}")
    for key in ("anyOf", "oneOf", "allOf"):
        for i, sub in enumerate(schema.get(key, [])):
            yield from subschemas(sub, f"{path}/{key}/{i}")


def is_predicate(path: str) -> bool:
    """`if` and `not` subschemas test an instance; they describe no shape of their own."""
    return "/if" in path or "/not" in path


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind):
    schema = load_schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://launchboard.dev/schemas/{kind}.schema.json"
    assert schema["title"] and schema["description"]


@pytest.mark.parametrize("kind", KINDS)
def test_schema_compiles_in_jsonschema_rs(kind):
    jsonschema_rs.validator_for(load_schema(kind), validate_formats=True)


@pytest.mark.parametrize("kind", KINDS)
def test_every_property_is_described(kind):
    missing = []
    for path, sub in subschemas(load_schema(kind)):
        if is_predicate(path) or not isinstance(sub, dict):
            continue
        for name, prop in sub.get("properties", {}).items():
            if not (isinstance(prop, dict) and prop.get("description")):
                missing.append(f"{path}/properties/{name}")
        if isinstance(sub.get("additionalProperties"), dict) and not sub["additionalProperties"].get("description"):
            missing.append(f"{path}/additionalProperties")
    assert not missing, missing


@pytest.mark.parametrize("kind", KINDS)
def test_objects_are_closed(kind):
    """Fixed-shape objects: additionalProperties false. Maps: values and key names constrained."""
    problems = []
    for path, sub in subschemas(load_schema(kind)):
        if is_predicate(path) or not isinstance(sub, dict) or sub.get("type") != "object":
            continue
        extra = sub.get("additionalProperties")
        if "properties" in sub:
            if extra is not False:
                problems.append(f"{path}: additionalProperties must be false")
            # Extension keys only where the object's keys are field names, never in `when`.
            pattern_props = set(sub.get("patternProperties", {}))
            if not path.endswith(("/when", "/scope")) and pattern_props != {"^x-"}:  # scope: a campaign's when
                problems.append(f"{path}: should allow ^x- keys and nothing else by pattern")
        else:  # a map keyed by ids
            if not isinstance(extra, dict) or "propertyNames" not in sub or "maxProperties" not in sub:
                problems.append(f"{path}: map needs propertyNames, a value schema and maxProperties")
    assert not problems, problems


@pytest.mark.parametrize("kind", KINDS)
def test_sizes_are_bounded(kind):
    """Every string has maxLength and every array maxItems; no uniqueItems on arrays of objects."""
    problems = []
    for path, sub in subschemas(load_schema(kind)):
        if is_predicate(path) or not isinstance(sub, dict):
            continue
        if sub.get("type") == "string" and "enum" not in sub and "maxLength" not in sub:
            problems.append(f"{path}: string without maxLength")
        if "anyOf" in sub and all(b.get("type") == "string" for b in sub["anyOf"]):
            problems.extend(f"{path}/anyOf: unbounded" for b in sub["anyOf"] if "maxLength" not in b)
        if sub.get("type") == "array":
            if "maxItems" not in sub:
                problems.append(f"{path}: array without maxItems")
            if sub.get("uniqueItems") and sub.get("items", {}).get("type") == "object":
                problems.append(f"{path}: uniqueItems on objects is quadratic")
    assert not problems, problems


# --------------------------------------------------------------------------- instances


def mutate(base, *steps):
    """Deep-copy `base` and apply (path, value) steps; value ... deletes the key."""
    doc = copy.deepcopy(base)
    for path, value in steps:
        target = doc
        for key in path[:-1]:
            target = target[key]
        if value is ...:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return doc


# The kit's valid repository (tests/kit.py) is the base, so this file and the rule tests judge
# the same records; each kind adds here the optional fields the kit leaves out, so the schema
# sees them too (markdown descriptions, runbook topics, repository-path links, a fractional
# value, not-applicable items, a no-llm option, extension keys).
POLICY = mutate(
    kit.POLICY,
    (["criteria", 0, "description"], "*md*"),
    (["criteria", 0, "favours"], ["rag", "prompt"]),
    (["runbooks"], {
        "exercise_max_age_days": 180,
        "owners": ["@org/sre"],
        "topics": [
            {"id": "rollback", "title": "Roll back", "required_from": "canary", "exercised": True},
            {"id": "provider-outage", "title": "Provider outage", "required_from": "canary",
             "when": {"approach": ["prompt", "rag", "hybrid"]}, "description": "*md*"},
        ],
    }),
    (["x-owner"], "platform"),
)

INITIATIVE = mutate(
    kit.INITIATIVE,
    (["metrics", 0, "measurements", 1, "value"], 1640.5),
    (["links", "runbook"], "docs/runbooks/support.md#rollback"),
    (["tags"], ["customer-facing", "support"]),
)

DECISION = mutate(
    kit.DECISION,
    (["options", 0, "summary"], "Long prompt"),
    (["options", 0, "pros"], ["Cheap"]),
    (["options", 0, "cons"], ["Small"]),
    (["tags"], ["support"]),
)
DECISION["options"].append({"id": "keep-macros", "approach": "no-llm"})  # an option with no scores

CHECKLIST = mutate(
    kit.CHECKLISTS["security-review"],
    (["items", "data-flow"], {"status": "not-applicable", "reason": "No user data leaves the VPC."}),
    (["items", "repo-evidence"], {"status": "done", "evidence": "docs/reviews/security/support.md"}),
    # Incomplete, but that is a gate finding (LB202), not a shape error.
    (["items", "done-without-evidence"], {"status": "done"}),
)

RUNBOOK = {
    "runbook": "provider-outage",
    "title": "Model provider outage or timeouts",
    "topics": ["provider-outage", "rollback"],
    "severity": "sev2",
    "triggers": [{"alert": "llm-provider-5xx-rate", "url": "https://grafana.example.com/alerting/1", "note": "5 %"}],
    "impact": "Agents get no drafted answer.\n",
    "diagnosis": [{"step": "Check the status page", "command": "curl -s https://status.example.com/api/v2/status.json",
                   "effect": "read-only"}],
    "mitigation": [{"step": "Fall back", "command": "flagctl set support-assistant.model fallback", "effect": "write"},
                   {"step": "Purge the cache", "command": "cachectl purge --all", "effect": "destructive",
                    "approval": "incident-commander"}],
    "rollback": {"kill_switch": "flag support-assistant.enabled",
                 "pinned": {"model": "gpt-x-2026-05-01", "prompt": "v14", "index": "snapshot-2026-11-01"},
                 "steps": [{"step": "Set the model flag back", "effect": "write", "approval": "@org/sre-leads"}]},
    "verify": [{"step": "5xx under 1 % for 15 minutes"}],
    "escalation": [{"after_minutes": 0, "contact": "@org/support-oncall"}, {"after_minutes": 30, "contact": "@alice", "note": "x"}],
    "exercises": [{"date": "2026-10-20", "kind": "game-day", "outcome": "passed", "evidence": "https://wiki.example.com/gd",
                   "note": "Went well"},
                  {"date": "2026-11-02", "kind": "incident", "outcome": "issues-found", "evidence": "docs/incidents/4821.md"}],
}

FRAMEWORK = {
    "framework": "internal-ai-standard",
    "title": "Internal AI standard",
    "version": "1.0",
    "source": "https://wiki.example.com/ai-standard",
    "licence": "Internal",
    "controls": [{"id": "AIS-1", "title": "DPIA signed off"}, {"id": "GV-1.3-002", "title": "Thresholds"}],
}
VALID = {"policy": POLICY, "initiative": INITIATIVE, "decision": DECISION, "checklist": CHECKLIST, "runbook": RUNBOOK, "framework": FRAMEWORK}


INVALID = {
    "policy": [
        mutate(POLICY, (["stages"], ["proposed"])),
        mutate(POLICY, (["unknown"], 1)),
        mutate(POLICY, (["approval_max_age_days"], "180")),
        mutate(POLICY, (["checklists", "Security"], POLICY["checklists"]["security-review"])),
        mutate(POLICY, (["checklists", "security-review", "owners"], ["dana"])),
        mutate(POLICY, (["checklists", "security-review", "items", 0, "when"], {"stage": ["ga"]})),
        mutate(POLICY, (["checklists", "security-review", "items", 0, "when"], {"x-note": ["a"]})),
        mutate(POLICY, (["checklists", "security-review", "items", 1, "when", "approach"], ["no-llm"])),
        mutate(POLICY, (["checklists", "security-review", "items", 0, "allow_na"], "no")),
        mutate(POLICY, (["checklists", "security-review", "items", 0, "required_from"], ...)),
        mutate(POLICY, (["criteria", 0, "favours"], ["magic"])),
        mutate(POLICY, (["runbooks", "topics"], [])),
        mutate(POLICY, (["runbooks", "owners"], ["sre"])),
        mutate(POLICY, (["runbooks", "exercise_max_age_days"], 0)),
        mutate(POLICY, (["runbooks", "topics", 0, "required_from"], ...)),
        mutate(POLICY, (["runbooks", "topics", 0, "exercised"], "yes")),
        mutate(POLICY, (["runbooks", "topics", 1, "when"], {"stage": ["ga"]})),
        mutate(POLICY, (["runbooks", "controls"], [])),
    ],
    "initiative": [
        mutate(INITIATIVE, (["id"], "support-assistant\n")),
        mutate(INITIATIVE, (["id"], "Support_Assistant")),
        mutate(INITIATIVE, (["id"], "-support")),
        mutate(INITIATIVE, (["id"], "a" * 65)),
        mutate(INITIATIVE, (["owners"], [])),
        mutate(INITIATIVE, (["owners"], ["@alice\n"])),
        mutate(INITIATIVE, (["owners"], ["@org/"])),
        mutate(INITIATIVE, (["risk"], "extreme")),
        mutate(INITIATIVE, (["approach"], "no-llm")),
        mutate(INITIATIVE, (["history"], [])),
        mutate(INITIATIVE, (["history", 0, "date"], "2026-02-30")),
        mutate(INITIATIVE, (["history", 0, "date"], "20260112")),
        mutate(INITIATIVE, (["history", 0, "date"], "2026-01-12\n")),
        mutate(INITIATIVE, (["metrics", 0, "direction"], "up")),
        mutate(INITIATIVE, (["metrics", 0, "measurements", 0, "value"], "1710")),
        mutate(INITIATIVE, (["links", "runbook"], "javascript:alert(1)")),
        mutate(INITIATIVE, (["links", "runbook"], "../../etc/passwd")),
        mutate(INITIATIVE, (["links", "runbook"], "docs/../../secret")),
        mutate(INITIATIVE, (["links", "runbook"], "/etc/passwd")),
        mutate(INITIATIVE, (["links", "runbook"], "data:text/html,hi")),
        mutate(INITIATIVE, (["links", "runbook"], "https://exa mple.com")),
        mutate(INITIATIVE, (["summary"], "x" * 20001)),
        mutate(INITIATIVE, (["title"], "")),
        mutate(INITIATIVE, (["stage"], ...)),
        mutate(INITIATIVE, (["metrics", 0, "colour"], "red")),
    ],
    "decision": [
        mutate(DECISION, (["number"], 0)),
        mutate(DECISION, (["status"], "approved")),
        mutate(DECISION, (["options"], [])),
        mutate(DECISION, (["options"], [DECISION["options"][0]] * 11)),
        mutate(DECISION, (["options", 0, "scores", "latency"], 6)),
        mutate(DECISION, (["options", 0, "scores", "latency"], 2.5)),
        mutate(DECISION, (["options", 0, "approach"], "agents")),
        mutate(DECISION, (["criteria", 0, "weight"], 0)),
        mutate(DECISION, (["outcome"], {"chosen": "rag", "override": True})),
        mutate(DECISION, (["outcome", "override"], "yes")),
        mutate(DECISION, (["supersedes"], [0])),
        mutate(DECISION, (["supersedes"], ["1"])),
        mutate(DECISION, (["review_by"], "next year")),
        mutate(DECISION, (["consequences", "neutral"], ["x"])),
        mutate(DECISION, (["context"], ...)),
    ],
    "checklist": [
        mutate(CHECKLIST, (["items", "threat-model", "status"], "complete")),
        mutate(CHECKLIST, (["items", "rag-access-control", "waiver"], ...)),
        mutate(CHECKLIST, (["items", "threat-model", "waiver"], {"reason": "x"})),
        mutate(CHECKLIST, (["items", "threat-model", "evidence"], "javascript:alert(1)")),
        mutate(CHECKLIST, (["items", "threat-model", "approver"], "dana")),
        mutate(CHECKLIST, (["items", "threat-model", "date"], "30/09/2026")),
        mutate(CHECKLIST, (["items", "rag-access-control", "waiver", "until"], "2027-01-01")),
        mutate(CHECKLIST, (["items", "Threat Model"], {"status": "todo"})),
        mutate(CHECKLIST, (["items"], {f"item-{i}": {"status": "todo"} for i in range(201)})),
        mutate(CHECKLIST, (["checklist"], ...)),
    ],
    "runbook": [
        mutate(RUNBOOK, (["runbook"], ...)),
        mutate(RUNBOOK, (["runbook"], "Provider Outage")),
        mutate(RUNBOOK, (["severity"], "critical")),
        mutate(RUNBOOK, (["topics"], ["<b>rollback</b>"])),
        mutate(RUNBOOK, (["triggers", 0, "alert"], "::error::x")),
        mutate(RUNBOOK, (["triggers", 0, "url"], "javascript:alert(1)")),
        mutate(RUNBOOK, (["diagnosis", 0, "effect"], "harmless")),
        mutate(RUNBOOK, (["mitigation", 1, "approval"], "<script>")),
        mutate(RUNBOOK, (["rollback", "pinned", "model"], "gpt x")),
        mutate(RUNBOOK, (["rollback", "steps"], [])),
        mutate(RUNBOOK, (["escalation", 0, "after_minutes"], -1)),
        mutate(RUNBOOK, (["escalation", 0, "contact"], "alice")),
        mutate(RUNBOOK, (["exercises", 0, "outcome"], "ok")),
        mutate(RUNBOOK, (["exercises", 0, "date"], "2026-02-30")),
        mutate(RUNBOOK, (["exercises", 0, "evidence"], "javascript:alert(1)")),
        mutate(RUNBOOK, (["exercises", 1, "evidence"], "../../etc/passwd")),
        mutate(RUNBOOK, (["verify", 0, "colour"], "red")),
    ],
    "framework": [
        mutate(FRAMEWORK, (["framework"], "Internal AI")),
        mutate(FRAMEWORK, (["licence"], ...)),
        mutate(FRAMEWORK, (["controls"], [])),
        mutate(FRAMEWORK, (["controls", 0, "id"], "AIS 1")),
        mutate(FRAMEWORK, (["controls", 0, "id"], "AIS-1\n")),
        mutate(FRAMEWORK, (["controls", 0, "url"], "https://x")),
    ],
}


@pytest.mark.parametrize("kind", KINDS)
def test_valid_instance_is_accepted(kind):
    assert errors(kind, VALID[kind]) == []
    assert jsonschema_rs.validator_for(load_schema(kind), validate_formats=True).is_valid(VALID[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_extension_keys_are_accepted(kind):
    assert errors(kind, {**VALID[kind], "x-team-notes": {"anything": [1, 2]}}) == []


@pytest.mark.parametrize(
    ("kind", "instance"),
    [(kind, inst) for kind, insts in INVALID.items() for inst in insts],
    ids=[f"{kind}-{i}" for kind, insts in INVALID.items() for i in range(len(insts))],
)
def test_invalid_instance_is_rejected(kind, instance):
    assert errors(kind, instance), instance
    assert not jsonschema_rs.validator_for(load_schema(kind), validate_formats=True).is_valid(instance)


def test_override_false_needs_no_rationale():
    assert errors("decision", mutate(DECISION, (["outcome"], {"chosen": "rag", "override": False}))) == []


# --------------------------------------------------------------------------- the sample portfolio


def route(path: Path) -> str | None:
    rel = path.relative_to(DECISIONS).parts
    if rel == ("policy.yaml",):
        return "policy"
    if len(rel) == 2 and rel[1] == "initiative.yaml":
        return "initiative"
    if len(rel) == 3 and rel[1] == "adr":
        return "decision"
    if len(rel) == 3 and rel[1] == "checklists":
        return "checklist"
    if len(rel) == 3 and rel[1] == "runbooks":
        return "runbook"
    if len(rel) == 2 and rel[0] == "frameworks":
        return "framework"
    return None


RECORDS = sorted(p for p in DECISIONS.rglob("*.yaml")) if DECISIONS.is_dir() else []


def test_sample_portfolio_exists():
    kinds = {route(p) for p in RECORDS}
    assert kinds >= set(KINDS), kinds


@pytest.mark.parametrize("path", RECORDS, ids=[str(p.relative_to(ROOT)) for p in RECORDS])
def test_sample_record_validates(path):
    kind = route(path)
    assert kind, f"{path} is not a known record kind"
    text = path.read_text(encoding="utf-8")
    rel_schema = Path("../" * (len(path.relative_to(ROOT).parts) - 1)) / "schemas" / f"{kind}.schema.json"
    assert text.startswith(f"# yaml-language-server: $schema={rel_schema.as_posix()}\n"), text.splitlines()[0]
    instance = yaml.load(text, Loader=StringDateLoader)  # noqa: S506 - a SafeLoader subclass
    assert errors(kind, instance) == []
