"""The portfolio as a CycloneDX 1.6 JSON BOM with attestations (`launchboard export cyclonedx`).

What goes where (CycloneDX 1.6, "declarations" and "definitions"):

- components: one per initiative. A fine-tuned model is a `machine-learning-model` with a
  model card (use case from the summary, performance metrics from the latest measurements,
  limitations from the accepted decision's negative consequences); every other approach is
  an `application`. Stage, approach, risk and owners are properties.
- definitions.standards: the repository's readiness policy as one standard whose
  requirements are its checklist items, and each control framework the policy lists as
  another, whose requirements are its controls.
- declarations.assessors: the approvers found in the exported checklists.
- declarations.claims / evidence: per initiative and required item, a claim ("status is
  done") with its evidence (the link, approver, approval date and when it lapses).
- declarations.attestations: per initiative and approver, a map from each requirement its
  stage requires (checklist item, runbook topic, metric gate) to its claim. Every score is the
  ledger's (core/evaluate.py) `complete`: 1 only for a whole claim that holds today. A
  waiver is a counter-claim with its expiry as the mitigation, scored 0 ("counts for the
  gate, is not conformance"); a not-applicable item likewise. Per initiative, each covered
  framework control is mapped to the claims of the complete items that satisfy it.
- declarations.affirmation: the statement of what the scores mean, with the owners the
  policy names as signatories (unsigned: a signature is the signatory's to add).

The output is a function of the records and --as-of only: the timestamp is the as-of date
and the serial number is a UUID derived from the rest of the document.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from generator import __version__
from generator.core.controls import framework_coverage, portfolio_frameworks
from generator.core.model import KIND_CHECKLIST, KIND_METRIC, KIND_RUNBOOK, METRICS, ChecklistItem, Initiative, Portfolio, Requirement
from generator.core.text_safety import safe_url

SPEC_VERSION = "1.6"
SCHEMA_URL = "http://cyclonedx.org/schema/bom-1.6.schema.json"
# Derives the BOM's serial number from its content: same records and date, same serial.
SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://launchboard.dev/cyclonedx")
POLICY_STANDARD = "standard:launchboard-policy"


def _timestamp(date: str) -> str:
    return f"{date}T00:00:00Z"


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": f"launchboard:{name}", "value": str(value)}


def initiative_ref(initiative_id: str) -> str:
    return f"initiative:{initiative_id}"


def requirement_ref(checklist: str, item: str, initiative: str = "") -> str:
    """A policy requirement's ref; a metric gate is the initiative's own, so its ref names it."""
    if checklist == METRICS:
        return f"requirement:policy:{initiative}/{checklist}/{item}"
    return f"requirement:policy:{checklist}/{item}"


def control_ref(framework: str, control: str) -> str:
    return f"requirement:{framework}:{control}"


def assessor_ref(handle: str) -> str:
    return f"assessor:{handle}"


def _url(value: str) -> str | None:
    """An evidence or link value fit for an iri-reference field: http(s) or a repository
    path, through the site's link check (never javascript:, data: or the like)."""
    return safe_url(value) if value else None


# --------------------------------------------------------------------------- components


def _component(ini: Initiative, portfolio: Portfolio) -> dict[str, Any]:
    state = portfolio.states.get(ini.id)
    component: dict[str, Any] = {
        "type": "machine-learning-model" if ini.approach == "fine-tune" else "application",
        "bom-ref": initiative_ref(ini.id),
        "name": ini.id,
        "description": f"{ini.title}. {ini.summary}".strip() if ini.summary else ini.title,
    }
    references = []
    for name, url in ini.links.items():
        checked = _url(url)
        if checked and "://" in checked:
            kind = {"repository": "vcs", "dashboard": "quality-metrics", "runbook": "documentation"}.get(name, "other")
            references.append({"type": kind, "url": checked, "comment": name})
    if references:
        component["externalReferences"] = references
    if ini.approach == "fine-tune":
        component["modelCard"] = _model_card(ini)
    properties = [_prop("stage", ini.stage), _prop("approach", ini.approach), _prop("risk", ini.risk)]
    properties += [_prop("owner", owner) for owner in ini.owners]
    if state is not None:
        properties.append(_prop("readiness", f"{state.current.complete}/{state.current.required}"))
    component["properties"] = properties
    if ini.tags:
        component["tags"] = list(ini.tags)
    return component


def _model_card(ini: Initiative) -> dict[str, Any]:
    card: dict[str, Any] = {"bom-ref": f"model-card:{ini.id}"}
    metrics = []
    for metric in ini.metrics:
        latest = metric.latest
        if latest is not None:
            unit = f" {metric.unit}" if metric.unit else ""
            metrics.append({"type": metric.title, "value": f"{latest.value:g}{unit}", "slice": f"measured {latest.date}"})
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    considerations: dict[str, Any] = {}
    if ini.summary:
        considerations["useCases"] = [ini.summary]
    accepted = [d for d in ini.decisions if d.status == "accepted"]
    if accepted:
        latest_decision = max(accepted, key=lambda d: (d.date, d.number))
        if latest_decision.consequences_negative:
            considerations["technicalLimitations"] = list(latest_decision.consequences_negative)
    if considerations:
        card["considerations"] = considerations
    return card


# --------------------------------------------------------------------------- standards


def _standards(portfolio: Portfolio, initiatives: list[Initiative]) -> list[dict[str, Any]]:
    policy = portfolio.policy
    assert policy is not None
    requirements = []
    for checklist_id, spec in policy.checklists.items():
        for item in spec.items:
            requirement: dict[str, Any] = {
                "bom-ref": requirement_ref(checklist_id, item.id),
                "identifier": f"{checklist_id}/{item.id}",
                "title": item.title,
            }
            if item.description:
                requirement["text"] = item.description
            properties = [_prop("checklist", spec.title), _prop("required-from", item.required_from)]
            properties += [_prop(f"when-{key}", ",".join(values)) for key, values in item.when.items()]
            properties += [_prop("control", ref) for ref in item.controls]
            requirement["properties"] = properties
            requirements.append(requirement)
    # Runbook topics are part of the gate (their verdicts are attested like items'), so each
    # is a requirement too, identified as runbooks/<topic> as in the readiness verdicts.
    for topic in policy.runbook_topics.values():
        requirement = {
            "bom-ref": requirement_ref("runbooks", topic.id),
            "identifier": f"runbooks/{topic.id}",
            "title": topic.title,
        }
        if topic.description:
            requirement["text"] = topic.description
        properties = [_prop("checklist", "Runbooks"), _prop("required-from", topic.required_from),
                      _prop("exercised", "true" if topic.exercised else "false")]
        properties += [_prop(f"when-{key}", ",".join(values)) for key, values in topic.when.items()]
        properties += [_prop("control", ref) for ref in topic.controls]
        requirement["properties"] = properties
        requirements.append(requirement)
    # A metric gate (`gate_from` on an initiative's metric) is part of that initiative's gate.
    for ini in initiatives:
        state = portfolio.states.get(ini.id)
        for entry in (state.requirements if state is not None else ()):
            if entry.kind != KIND_METRIC:
                continue
            metric = next((m for m in ini.metrics if m.id == entry.item), None)
            requirements.append({
                "bom-ref": requirement_ref(METRICS, entry.item, ini.id),
                "identifier": f"{ini.id}/metrics/{entry.item}",
                "title": entry.title,
                "properties": [_prop("checklist", "Metric gates"), _prop("required-from", entry.required_from)]
                + ([_prop("target", f"{metric.target:g}"), _prop("direction", metric.direction)] if metric else []),
            })
    standards = [{
        "bom-ref": POLICY_STANDARD,
        "name": "Launchboard readiness policy",
        "version": portfolio.as_of,
        "description": f"The checklist items and runbook topics of {policy.file}: what each stage ({', '.join(policy.stages)}) requires before launch.",
        "requirements": requirements,
    }]
    for framework_id in portfolio_frameworks(portfolio):
        framework = portfolio.frameworks[framework_id]
        standard: dict[str, Any] = {
            "bom-ref": f"standard:{framework.id}",
            "name": framework.title,
            "version": framework.version,
            "description": f"{framework.id} (licence: {framework.licence})",
            "requirements": [
                {"bom-ref": control_ref(framework.id, c.id), "identifier": c.id, "title": c.title} for c in framework.controls
            ],
        }
        source = _url(framework.source)
        if source and "://" in source:
            standard["externalReferences"] = [{"type": "documentation", "url": source}]
        standards.append(standard)
    return standards


# --------------------------------------------------------------------------- declarations


def _declarations(portfolio: Portfolio, initiatives: list[Initiative]) -> dict[str, Any]:
    policy = portfolio.policy
    assert policy is not None
    assessors: dict[str, dict[str, Any]] = {}
    claims: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    attestations: list[dict[str, Any]] = []
    coverages = [c for c in (framework_coverage(portfolio, f) for f in portfolio_frameworks(portfolio)) if c is not None]
    # (framework, control, initiative) where `controls` finds the control complete: one pass,
    # not a search of every control's rows for every initiative
    complete_rows = {(c.framework.id, control.control.id, row.initiative.id)
                     for c in coverages for control in c.controls for row in control.initiatives if row.complete}
    for ini in initiatives:
        state = portfolio.states.get(ini.id)
        entries: list[Requirement] = state.current.verdicts if state is not None else []
        by_assessor: dict[str | None, list[dict[str, Any]]] = {}
        complete_claim: dict[tuple[str, str], str] = {}
        for entry in entries:
            claim, record, approver = _claim(ini, entry, portfolio.as_of)
            claims.append(claim)
            if record is not None:
                evidence.append(record)
            if entry.complete:
                complete_claim[(entry.checklist, entry.item)] = claim["bom-ref"]
            if approver:
                assessors.setdefault(approver, {"bom-ref": assessor_ref(approver), "thirdParty": False, "organization": {"name": approver}})
            by_assessor.setdefault(approver or None, []).append(_map_entry(ini, entry, claim, record))
        for approver, mapped in sorted(by_assessor.items(), key=lambda kv: (kv[0] is None, kv[0] or "")):
            attestation: dict[str, Any] = {
                "summary": f"{ini.id}: requirements of {ini.stage}" + (f", approved by {approver}" if approver else ", not yet approved"),
                "map": mapped,
            }
            if approver:
                attestation["assessor"] = assessor_ref(approver)
            attestations.append(attestation)
        control_map = []
        for coverage in coverages:
            for control in coverage.controls:
                # attested only where `controls` finds it complete for this initiative (every item
                # that applies complete, per the ledger), through the claims of those items
                proven = [complete_claim[(r.checklist, r.spec.id)] for r in control.items if (r.checklist, r.spec.id) in complete_claim]
                if proven and (coverage.framework.id, control.control.id, ini.id) in complete_rows:
                    control_map.append({"requirement": control_ref(coverage.framework.id, control.control.id), "claims": proven})
        if control_map:
            attestations.append({"summary": f"{ini.id}: framework controls, through the complete requirements that satisfy them",
                                 "map": control_map})
    declarations: dict[str, Any] = {}
    if assessors:
        declarations["assessors"] = [assessors[name] for name in sorted(assessors)]
    if attestations:
        declarations["attestations"] = attestations
    if claims:
        declarations["claims"] = claims
    if evidence:
        declarations["evidence"] = evidence
    affirmation = _affirmation(portfolio)
    if affirmation:
        declarations["affirmation"] = affirmation
    return declarations


def _claim(ini: Initiative, entry: Requirement, as_of: str) -> tuple[dict[str, Any], dict[str, Any] | None, str]:
    """A requirement's claim, its evidence record (or None) and its approver ("" for none)."""
    key = f"{ini.id}/{entry.checklist}/{entry.item}"
    claim: dict[str, Any] = {
        "bom-ref": f"claim:{key}",
        "target": initiative_ref(ini.id),
        "predicate": f"{entry.checklist}/{entry.item} ({entry.title}) is {entry.status}",
    }
    record: dict[str, Any] | None = None
    approver = ""
    if entry.kind == KIND_RUNBOOK:
        reasoning, record = _runbook_claim(key, entry, ini, as_of)
    elif entry.kind == KIND_METRIC:
        reasoning, record = _metric_claim(key, entry, ini)
    else:
        checklist = ini.checklists.get(entry.checklist)
        item = checklist.items.get(entry.item) if checklist else None
        reasoning = entry.reason or _reasoning(item)
        approver = _approver(item)
        if item is not None and item.status in ("done", "waived"):
            record = _evidence(key, entry, item, approver)
    if record is not None:
        claim["evidence"] = [record["bom-ref"]]
    if reasoning:
        claim["reasoning"] = reasoning
    return claim, record, approver


def _map_entry(ini: Initiative, entry: Requirement, claim: dict[str, Any], record: dict[str, Any] | None) -> dict[str, Any]:
    """The attestation of one requirement: score 1 only where the ledger says complete. What
    counts without being complete (a waiver, not applicable) is a counter-claim, scored 0,
    with the waiver's record as the mitigation."""
    requirement = requirement_ref(entry.checklist, entry.item, ini.id)
    if entry.complete:
        return {"requirement": requirement, "claims": [claim["bom-ref"]], "conformance": {"score": 1, "rationale": "complete"}}
    if entry.counts:
        conformance: dict[str, Any] = {"score": 0, "rationale": f"{entry.reason} (counts for the gate; not conformance)"}
        if record is not None:
            conformance["mitigationStrategies"] = [record["bom-ref"]]
        return {"requirement": requirement, "counterClaims": [claim["bom-ref"]], "conformance": conformance}
    return {"requirement": requirement, "claims": [claim["bom-ref"]],
            "conformance": {"score": 0, "rationale": entry.reason or f"status is {entry.status}"}}


def _affirmation(portfolio: Portfolio) -> dict[str, Any] | None:
    """Who the policy names as owners (checklist and runbook owners) sign for the declarations;
    the BOM is unsigned, so each signatory points at the policy that names them."""
    policy = portfolio.policy
    assert policy is not None
    roles: dict[str, list[str]] = {}
    for checklist_id, spec in policy.checklists.items():
        for owner in spec.owners:
            roles.setdefault(owner, []).append(checklist_id)
    for owner in policy.runbook_owners:
        roles.setdefault(owner, []).append("runbooks")
    if not roles:
        return None
    policy_link = _url(policy.file) or "decisions/policy.yaml"
    return {
        "statement": (f"The claims above are Launchboard's verdicts on the records as of {portfolio.as_of}. A score of 1 "
                      "means the requirement is complete today; a waived or not-applicable requirement counts for its "
                      "gate but is a counter-claim scored 0."),
        "signatories": [
            {"name": owner, "role": "owner of " + ", ".join(dict.fromkeys(names)),
             "organization": {"name": owner},
             "externalReference": {"type": "other", "url": policy_link, "comment": "the policy that names this owner"}}
            for owner, names in sorted(roles.items())
        ],
    }


def _metric_claim(key: str, entry: Requirement, ini: Initiative) -> tuple[str, dict[str, Any] | None]:
    """A metric gate: its latest measurement, and the evaluation run it came from."""
    metric = next((m for m in ini.metrics if m.id == entry.item), None)
    latest = metric.latest if metric else None
    reasoning = entry.reason or f"{entry.basis}; meets target"
    if latest is None:
        return reasoning, None
    record: dict[str, Any] = {
        "bom-ref": f"evidence:{key}",
        "propertyName": f"metrics/{entry.item}",
        "description": f"latest measurement {latest.value:g} {metric.unit if metric else ''}".rstrip() + f" on {latest.date}",
        "created": _timestamp(latest.date),
    }
    if entry.lapses:
        record["expires"] = _timestamp(entry.lapses)
    if latest.source is not None:
        link = _url(latest.source.file)
        if link:
            record["data"] = [{"name": f"{latest.source.tool} result", "contents": {"url": link}}]
    return reasoning, record


def _approver(item: ChecklistItem | None) -> str:
    if item is None:
        return ""
    if item.status == "waived" and item.waiver:
        return item.waiver.approver
    return item.approver if item.status == "done" else ""


def _runbook_claim(key: str, verdict: Requirement, ini: Initiative, as_of: str) -> tuple[str, dict[str, Any] | None]:
    """Why a runbook topic is (not) met, and the evidence: the covering runbook's latest
    passed exercise (its write-up, date and when it stops counting)."""
    covering = [rb for rb in ini.runbooks.values() if verdict.item in rb.topics]
    if not covering:
        return verdict.reason or "no runbook lists this topic", None
    runbook = covering[0]
    # the exercise the ledger's verdict rests on: the latest passed one with evidence
    exercise = _last_evidenced_pass(runbook, as_of) or runbook.last_passed(as_of)
    reasoning = verdict.reason or f"covered by runbook {runbook.stem} ({runbook.file})"
    record: dict[str, Any] = {
        "bom-ref": f"evidence:{key}",
        "propertyName": f"runbooks/{verdict.item}",
        "description": f"runbook {runbook.stem}" + (f", {exercise.kind} passed on {exercise.date}" if exercise else ", never passed an exercise"),
    }
    if exercise is not None:
        link = _url(exercise.evidence)
        if link:
            record["data"] = [{"name": "exercise", "contents": {"url": link}}]
        record["created"] = _timestamp(exercise.date)
        if verdict.lapses:  # the ledger's date: exercise_max_age_days after the exercise it counts
            record["expires"] = _timestamp(verdict.lapses)
    return reasoning, record


def _last_evidenced_pass(runbook, as_of: str):
    passed = [e for e in runbook.exercises if e.outcome == "passed" and e.evidence and e.date <= as_of]
    return max(passed, key=lambda e: e.date) if passed else None


def _reasoning(item: ChecklistItem | None) -> str:
    if item is None:
        return "no record of this item (counts as todo)"
    if item.status == "waived" and item.waiver:
        return f"waived: {item.waiver.reason}" if item.waiver.reason else "waived"
    return item.reason or item.note


def _evidence(key: str, verdict: Requirement, item: ChecklistItem, approver: str) -> dict[str, Any]:
    record: dict[str, Any] = {
        "bom-ref": f"evidence:{key}",
        "propertyName": f"{verdict.checklist}/{verdict.item}",
        "description": f"{verdict.status}" + (f", approved by {approver}" if approver else ""),
    }
    link = _url(item.evidence)
    if link:
        record["data"] = [{"name": "evidence", "contents": {"url": link}}]
    created = item.waiver.date if item.status == "waived" and item.waiver else item.date
    if created:
        record["created"] = _timestamp(created)
    if verdict.lapses:  # the ledger's: approval_max_age_days after the approval, or the waiver's expiry
        record["expires"] = _timestamp(verdict.lapses)
    if approver:
        record["reviewer"] = {"name": approver}
    return record


# --------------------------------------------------------------------------- the BOM


class UnknownInitiative(LookupError):
    pass


def build_bom(portfolio: Portfolio, initiative: str | None = None) -> dict[str, Any]:
    """The BOM as JSON-ready data; the whole portfolio or one initiative."""
    if portfolio.policy is None:
        raise ValueError("the policy cannot be used; run launchboard check")
    initiatives = portfolio.initiatives
    if initiative is not None:
        initiatives = [i for i in initiatives if i.id == initiative]
        if not initiatives:
            raise UnknownInitiative(initiative)
    bom: dict[str, Any] = {
        "$schema": SCHEMA_URL,
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": "",
        "version": 1,
        "metadata": {
            "timestamp": _timestamp(portfolio.as_of),
            "tools": {"components": [{"type": "application", "name": "launchboard", "version": __version__}]},
            "properties": [_prop("as-of", portfolio.as_of)] + ([_prop("initiative", initiative)] if initiative else []),
        },
        "components": [_component(ini, portfolio) for ini in initiatives],
        "definitions": {"standards": _standards(portfolio, initiatives)},
        "declarations": _declarations(portfolio, initiatives),
    }
    content = json.dumps({k: v for k, v in bom.items() if k != "serialNumber"}, sort_keys=True, ensure_ascii=False)
    bom["serialNumber"] = f"urn:uuid:{uuid.uuid5(SERIAL_NAMESPACE, hashlib.sha256(content.encode('utf-8')).hexdigest())}"
    return bom


def bom_json(portfolio: Portfolio, initiative: str | None = None) -> str:
    """The BOM as text: indented, `<`, `>` and `&` escaped so it is inert if served as HTML."""
    text = json.dumps(build_bom(portfolio, initiative), indent=2, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"
