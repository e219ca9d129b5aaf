"""Property: whatever the records say, every face agrees with the ledger about every requirement.

Hypothesis draws portfolios from the kit's repository (tests/kit.py) with runbook topics, a
metric gate and control mappings, varying the stage, every item's claim (whole, bare, stale,
approved by an owner, evidence that does not exist, waivers valid and not, not-applicable
with and without a reason), the rollback runbook's exercises and the metric's measurements.
For each draw the real commands run and must agree with `check --format json`'s ledger:

* `controls --format json`: an item is complete for a control exactly when the ledger says
  complete;
* `export cyclonedx`: a requirement scores 1 exactly when the ledger says complete, and a
  control is attested only where `controls` finds it complete;
* `status --format json`: required and complete are the ledger's entries the stage requires
  and those that count;
* the initiative page (`render --out`): a required item's row is ticked exactly when it
  counts, crossed otherwise;
* `diff HEAD` of an unchanged tree lists no requirement.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.site.render import item_anchor
from tests.conftest import run
from tests.kit import AS_OF, DONE, Repo
from tests.test_govdiff import GIT_ENV
from tests.test_runbooks import OUTAGE, OUTAGE_RUNBOOK, ROLLBACK, ROLLBACK_RUNBOOK, TOPICS

SETTINGS = settings(
    max_examples=int(os.environ.get("LAUNCHBOARD_LEDGER_EXAMPLES", "25")),
    deadline=None,  # each example runs six commands and a git commit
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("CI") is not None,
)

POLICY = "decisions/policy.yaml"
INIT = "decisions/support-assistant/initiative.yaml"
SEC = "decisions/support-assistant/checklists/security-review.yaml"
ONCALL = "decisions/support-assistant/checklists/on-call.yaml"
ITEMS = {"security-review": ["threat-model", "rag-access-control", "pen-test"], "on-call": ["pager-rotation", "runbook"]}
CONTROLS = {"threat-model": ["owasp-llm-2025:LLM01"], "rag-access-control": ["owasp-llm-2025:LLM02"],
            "pen-test": ["owasp-llm-2025:LLM01"], "pager-rotation": ["owasp-llm-2025:LLM10"], "runbook": ["owasp-llm-2025:LLM10"]}

claims = st.sampled_from([
    dict(DONE),
    {"status": "done"},  # bare
    dict(DONE, date="2026-01-02"),  # older than approval_max_age_days
    dict(DONE, approver="@alice"),  # an owner of the initiative
    dict(DONE, evidence="docs/missing.md"),  # not in the repository
    {"status": "waived", "waiver": {"reason": "Low risk", "approver": "@dana", "date": "2026-11-01", "expires": "2027-01-15"}},
    {"status": "waived", "waiver": {"reason": "Low risk", "approver": "@dana", "date": "2026-08-01", "expires": "2026-10-01"}},
    {"status": "not-applicable", "reason": "No users yet"},
    {"status": "not-applicable"},
    {"status": "todo"},
    {"status": "in-progress"},
    None,  # the file omits the item
])
exercises = st.lists(st.fixed_dictionaries({
    "date": st.sampled_from(["2026-03-01", "2026-10-01", "2026-11-20"]),
    "kind": st.sampled_from(["drill", "game-day", "incident"]),
    "outcome": st.sampled_from(["passed", "failed", "issues-found"]),
}, optional={"evidence": st.sampled_from(["https://wiki.example.com/drill", "docs/missing.md"])}), max_size=3)
measurements = st.lists(st.fixed_dictionaries({
    "date": st.sampled_from(["2026-09-01", "2026-11-20", "2026-11-23"]),
    "value": st.sampled_from([1200, 1500, 1650]),
}), max_size=3)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), *args], env=dict(os.environ, **GIT_ENV), check=True, capture_output=True)


@pytest.fixture
def workdir(monkeypatch):
    monkeypatch.setenv("LAUNCHBOARD_NO_CACHE", "1")
    folder = Path(tempfile.mkdtemp(prefix="lb-ledger-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def build(root: Path, stage: str, items: dict[str, Any], drills: list[dict], points: list[dict], with_rollback: bool) -> Repo:
    repo = Repo.valid(root)

    def policy(data: dict) -> None:
        data["runbooks"] = json.loads(json.dumps(TOPICS))
        data["frameworks"] = ["owasp-llm-2025"]
        for spec in data["checklists"].values():
            for item in spec["items"]:
                item["controls"] = CONTROLS[item["id"]]
    repo.edit(POLICY, policy)

    def initiative(data: dict) -> None:
        order = ["proposed", "pilot", "shadow", "canary", "ga"]
        data["stage"] = stage
        data["history"] = [{"stage": s, "date": f"2026-0{n + 1}-01"} for n, s in enumerate(order[: order.index(stage) + 1])]
        data["metrics"][0].update(gate_from="canary", target=1600, measurements=points)
    repo.edit(INIT, initiative)
    for checklist, ids in ITEMS.items():
        records = {item: items[item] for item in ids if items[item] is not None}
        repo.write(f"decisions/support-assistant/checklists/{checklist}.yaml", {"checklist": checklist, "items": records})
    runbook = json.loads(json.dumps(ROLLBACK_RUNBOOK))
    runbook["exercises"] = drills
    if not with_rollback:
        runbook.pop("rollback")
    repo.write(ROLLBACK, runbook)
    repo.write(OUTAGE, OUTAGE_RUNBOOK)
    return repo


def row_marks(page: str) -> dict[str, str]:
    """Item row id -> ✓, ✗ or ○ (the first mark in the row's first cell)."""
    marks = {}
    for anchor, cell in re.findall(r'<tr id="([^"]+)"><td>(.*?)</td>', page):
        found = re.search(r"[✓✗○]", cell)
        marks[anchor] = found.group(0) if found else ""
    return marks


@SETTINGS
@given(stage=st.sampled_from(["pilot", "shadow", "canary", "ga"]),
       items=st.fixed_dictionaries({item: claims for ids in ITEMS.values() for item in ids}),
       drills=exercises, points=measurements, with_rollback=st.booleans())
def test_every_face_agrees_with_the_ledger(workdir: Path, stage, items, drills, points, with_rollback) -> None:
    root = workdir / f"repo-{len(list(workdir.iterdir()))}"
    root.mkdir()
    repo = build(root, stage, items, drills, points, with_rollback)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-gpg-sign", "-m", "records")

    checked = run("check", str(root), "--as-of", AS_OF, "--format", "json")
    (state,) = json.loads(checked.stdout)["initiatives"]
    ledger = {(r["checklist"], r["item"]): r for r in state["requirements"]}
    stages = ["proposed", "pilot", "shadow", "canary", "ga"]
    required = {key: r for key, r in ledger.items() if stages.index(r["required_from"]) <= stages.index(stage)}

    controls = json.loads(run("controls", "owasp-llm-2025", str(root), "--as-of", AS_OF, "--format", "json").stdout)
    for control in controls["frameworks"][0]["controls"]:
        for row in control["initiatives"]:
            for item in row["items"]:
                assert item["complete"] == ledger[(item["checklist"], item["item"])]["complete"], (control["id"], item)

    bom = json.loads(run("export", "cyclonedx", str(root), "--as-of", AS_OF).stdout)
    scores = {entry["requirement"]: entry["conformance"]["score"] for a in bom["declarations"]["attestations"]
              for entry in a["map"] if "conformance" in entry}
    for (checklist, item), entry in required.items():
        ref = (f"requirement:policy:support-assistant/{checklist}/{item}" if checklist == "metrics"
               else f"requirement:policy:{checklist}/{item}")
        assert scores[ref] == (1 if entry["complete"] else 0), (ref, entry)

    # a control is attested in the BOM only where `controls` finds it complete (the BOM claims
    # only what the stage requires, so a control met by items not required yet is not attested)
    attested = {entry["requirement"].rsplit(":", 1)[1] for a in bom["declarations"]["attestations"]
                if a["summary"].endswith("framework controls, through the complete requirements that satisfy them")
                for entry in a["map"]}
    complete = {c["id"] for c in controls["frameworks"][0]["controls"] if any(row["complete"] for row in c["initiatives"])}
    assert attested <= complete

    status = json.loads(run("status", str(root), "--as-of", AS_OF, "--format", "json").stdout)
    readiness = status["initiatives"][0]["readiness"]
    assert readiness["required"] == len(required)
    assert readiness["complete"] == sum(1 for r in required.values() if r["counts"])

    out = workdir / f"site-{root.name}"
    rendered = run("render", str(root), "--out", str(out), "--as-of", AS_OF)
    assert rendered.exit_code == 0, rendered.output
    page = next(out.glob("initiatives/support-assistant/index.md")).read_text()
    marks = row_marks(page)
    for (checklist, item), entry in required.items():
        if entry["kind"] != "checklist":
            continue
        assert marks[item_anchor(checklist, item)] == ("✓" if entry["counts"] else "✗"), (item, entry)

    unchanged = run("diff", "HEAD", str(root), "--format", "json", "--as-of", AS_OF)
    assert json.loads(unchanged.stdout)["requirements"] == []
