"""Generate a synthetic governance portfolio of N initiatives for the benchmark.

Each initiative gets what a real one at portfolio scale carries: an initiative.yaml with
three metrics of 52 weekly measurements, two decision records (every other initiative's
second decision supersedes its first), one file per checklist of the policy with every
item filled in, and one runbook per runbook topic of the policy (with a recent passed
exercise). The policy is the sample's `decisions/policy.yaml`, copied.

Deterministic: the same N and seed write byte-identical files. About one initiative in
twenty has a gap (an item still in progress, an approval about to lapse), so `check`
reports problems the way it does on a real portfolio.

    python bench/synth.py OUT --count 1000 [--seed 7] [--as-of 2026-12-01]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / "decisions" / "policy.yaml"
AS_OF = "2026-12-01"

APPROACHES = ("prompt", "rag", "fine-tune", "hybrid")
STAGES = ("proposed", "pilot", "shadow", "canary", "ga")
AREAS = ("support", "legal", "finance", "sales", "engineering", "hr", "marketing", "risk", "ops", "research")
NOUNS = ("assistant", "summariser", "classifier", "drafter", "search", "copilot", "triage", "extractor", "reviewer", "router")
WORDS = (
    "tickets contracts invoices claims notes emails reviews policies articles transcripts queries reports "
    "customers agents analysts engineers reviewers teams drafts answers summaries labels citations fields"
).split()
PEOPLE = ("@alice", "@bob", "@carmen", "@dmitri", "@erin", "@femi", "@gita", "@hiro", "@ivan", "@jo")


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def _day(base: dt.date, days: int) -> str:
    return (base + dt.timedelta(days=days)).isoformat()


def _initiative(rng: random.Random, iid: str, index: int, today: dt.date, stage: str, approach: str, risk: str) -> str:
    area, noun = AREAS[index % len(AREAS)], NOUNS[(index // len(AREAS)) % len(NOUNS)]
    owners = [PEOPLE[index % len(PEOPLE)], f"@org/{area}-platform"]
    reached = STAGES.index(stage)
    start = today - dt.timedelta(days=330)
    history = []
    for step in range(reached + 1):
        note = f", note: {_q(_sentence(rng, 6))}" if step and rng.random() < 0.5 else ""
        history.append(f"  - {{stage: {STAGES[step]}, date: {_day(start, step * 60 + rng.randrange(20))}{note}}}")
    lines = [
        "# yaml-language-server: $schema=../../schemas/initiative.schema.json",
        f"id: {iid}",
        f"title: {area.capitalize()} {noun} {index}",
        "summary: |",
        f"  {_sentence(rng, 14)}",
        f"  {_sentence(rng, 14)}",
        f"owners: [{', '.join(_q(o) for o in owners)}]",
        f"risk: {risk}",
        f"approach: {approach}",
        f"stage: {stage}",
        "history:",
        *history,
        "metrics:",
    ]
    first = today - dt.timedelta(days=7 * 51 + rng.randrange(1, 6))
    for metric, (unit, direction, baseline, target) in {
        "p95-latency": ("ms", "lower", 2400, 1500),
        "task-success": ("%", "higher", 40, 70),
        "cost-per-request": ("USD", "lower", 0.09, 0.05),
    }.items():
        lines += [
            f"  - id: {metric}",
            f"    title: {metric.replace('-', ' ').capitalize()}",
            f"    unit: {_q(unit)}",
            f"    direction: {direction}",
            f"    baseline: {baseline}",
            f"    target: {target}",
            "    measurements:",
        ]
        value = float(baseline)
        step = (target - baseline) / 52
        for week in range(52):
            value += step * rng.uniform(0.5, 1.5)
            shown = round(value, 3) if unit == "USD" else round(value, 1)
            lines.append(f"      - {{date: {_day(first, 7 * week)}, value: {shown}}}")
    lines += [
        "links:",
        f"  repository: https://git.example.com/{area}/{iid}",
        f"  dashboard: https://grafana.example.com/d/{iid}/overview",
        f"  runbook: https://wiki.example.com/sre/runbooks/{iid}",
        f"tags: [{area}, {noun}]",
    ]
    return "\n".join(lines) + "\n"


def _decision(rng: random.Random, number: int, chosen: str, today: dt.date, status: str, supersedes: list[int],
              criteria: list[str]) -> str:
    date = today - dt.timedelta(days=300 - 120 * number + rng.randrange(10))
    options = list(dict.fromkeys([chosen, *rng.sample(APPROACHES, 3)]))[:3]
    weights = {c: rng.randint(1, 5) for c in criteria}
    lines = [
        "# yaml-language-server: $schema=../../../schemas/decision.schema.json",
        f"number: {number}",
        f"title: {_q(_sentence(rng, 7)[:-1])}",
        f"status: {status}",
        f"date: {date.isoformat()}",
        f"deciders: [{_q(PEOPLE[number])}, {_q(PEOPLE[number + 3])}]",
        "context: |",
        *(f"  {_sentence(rng, 15)}" for _ in range(3)),
        "criteria:",
        *(f"  - {{id: {c}, weight: {w}}}" for c, w in weights.items()),
        "options:",
    ]
    for option in options:
        best = option == chosen
        scores = ", ".join(f"{c}: {5 if best else rng.randint(1, 4)}" for c in criteria)
        lines += [
            f"  - id: {option}",
            f"    approach: {option}",
            f"    summary: {_q(_sentence(rng, 12))}",
            f"    pros: [{_q(_sentence(rng, 5))}, {_q(_sentence(rng, 4))}]",
            f"    cons: [{_q(_sentence(rng, 6))}]",
            f"    scores: {{{scores}}}",
        ]
    lines += [
        "outcome:",
        f"  chosen: {chosen}",
        "  rationale: |",
        f"    {_sentence(rng, 16)}",
        f"    {_sentence(rng, 12)}",
        "consequences:",
        f"  positive: [{_q(_sentence(rng, 6))}, {_q(_sentence(rng, 5))}]",
        f"  negative: [{_q(_sentence(rng, 7))}]",
        f"supersedes: [{', '.join(str(n) for n in supersedes)}]",
        f"review_by: {(date + dt.timedelta(days=540)).isoformat()}",
    ]
    return "\n".join(lines) + "\n"


def _checklist(rng: random.Random, checklist_id: str, spec: dict, today: dt.date, gap: bool) -> str:
    owners = [o for o in spec.get("owners", []) if "/" not in o] or ["@reviewer"]
    lines = [
        "# yaml-language-server: $schema=../../../schemas/checklist.schema.json",
        f"checklist: {checklist_id}",
        "items:",
    ]
    for position, item in enumerate(spec["items"]):
        lines.append(f"  {item['id']}:")
        if gap and position == 0:
            lines += ["    status: in-progress", f"    note: {_q(_sentence(rng, 6))}"]
            continue
        lines += [
            "    status: done",
            f"    evidence: https://tracker.example.com/browse/{checklist_id.upper()[:3]}-{rng.randrange(1000, 9999)}",
            f"    approver: {_q(rng.choice(owners))}",
            f"    date: {_day(today, -rng.randrange(20, 140))}",
        ]
        if rng.random() < 0.6:
            lines.append(f"    note: {_q(_sentence(rng, 8))}")
    return "\n".join(lines) + "\n"


def _runbook(rng: random.Random, iid: str, topic: dict, today: dt.date) -> str:
    lines = [
        "# yaml-language-server: $schema=../../../schemas/runbook.schema.json",
        f"runbook: {topic['id']}",
        f"title: {_q(topic['title'])}",
        f"topics: [{topic['id']}]",
        f"severity: sev{rng.randrange(1, 5)}",
        "triggers:",
        f"  - alert: {iid}-{topic['id']}",
        f"    url: https://grafana.example.com/alerting/{iid}/{topic['id']}",
        f"impact: {_q(_sentence(rng, 12))}",
        "diagnosis:",
        f"  - step: {_q(_sentence(rng, 8))}",
        f"    command: kubectl -n {iid} logs deploy/api --since=15m",
        "    effect: read-only",
        "mitigation:",
        f"  - step: {_q(_sentence(rng, 8))}",
        f"    command: flagctl set {iid}.enabled false",
        "    effect: write",
        "rollback:",
        f"  kill_switch: flag {iid}.enabled",
        f"  pinned: {{model: model-{rng.randrange(1, 9)}, prompt: v{rng.randrange(1, 40)}}}",
        "  steps:",
        f"    - {{step: {_q(_sentence(rng, 6))}, command: flagctl set {iid}.model pinned, effect: write}}",
        "escalation:",
        "  - {after_minutes: 0, contact: \"@org/oncall\"}",
        "  - {after_minutes: 30, contact: \"@reviewer\"}",
        "exercises:",
        f"  - {{date: {_day(today, -rng.randrange(10, 120))}, kind: drill, outcome: passed,",
        f"     evidence: https://wiki.example.com/sre/drills/{iid}/{topic['id']}}}",
    ]
    return "\n".join(lines) + "\n"


def generate(out: Path, count: int, seed: int = 7, as_of: str = AS_OF) -> Path:
    """Write ROOT=out with decisions/ holding the policy and `count` initiatives; return out."""
    rng = random.Random(seed)
    today = dt.date.fromisoformat(as_of)
    decisions = out / "decisions"
    if decisions.exists():
        shutil.rmtree(decisions)
    decisions.mkdir(parents=True)
    shutil.copyfile(POLICY, decisions / "policy.yaml")
    if (POLICY.parent / "frameworks").is_dir():  # the team's own control framework packs it lists
        shutil.copytree(POLICY.parent / "frameworks", decisions / "frameworks")
    policy = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    criteria_ids = [c["id"] for c in policy["criteria"]]
    for index in range(count):
        iid = f"{AREAS[index % len(AREAS)]}-{NOUNS[(index // len(AREAS)) % len(NOUNS)]}-{index:05d}"
        folder = decisions / iid
        (folder / "adr").mkdir(parents=True)
        (folder / "checklists").mkdir()
        stage = STAGES[rng.randrange(1, len(STAGES))]
        approach = rng.choice(APPROACHES)
        risk = rng.choice(("low", "medium", "high"))
        gap = rng.random() < 0.05
        (folder / "initiative.yaml").write_text(_initiative(rng, iid, index, today, stage, approach, risk), encoding="utf-8")
        criteria = rng.sample(criteria_ids, 5)
        first_approach = rng.choice(APPROACHES)
        superseded = index % 2 == 1
        (folder / "adr" / "0001-initial-approach.yaml").write_text(
            _decision(rng, 1, approach if not superseded else first_approach, today,
                      "superseded" if superseded else "accepted", [], criteria), encoding="utf-8")
        (folder / "adr" / "0002-follow-up.yaml").write_text(
            _decision(rng, 2, approach, today, "accepted", [1] if superseded else [], criteria), encoding="utf-8")
        for checklist_id, spec in policy["checklists"].items():
            (folder / "checklists" / f"{checklist_id}.yaml").write_text(
                _checklist(rng, checklist_id, spec, today, gap and checklist_id == "security-review"), encoding="utf-8")
        topics = (policy.get("runbooks") or {}).get("topics", [])
        if topics:
            (folder / "runbooks").mkdir()
        for topic in topics:
            (folder / "runbooks" / f"{topic['id']}.yaml").write_text(_runbook(rng, iid, topic, today), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="ROOT to write (its decisions/ is replaced)")
    parser.add_argument("--count", type=int, default=100, help="number of initiatives (default 100)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--as-of", default=AS_OF, help="the date the records are written for (default %(default)s)")
    args = parser.parse_args()
    generate(args.out, args.count, args.seed, args.as_of)
    files = sorted(p for p in (args.out / "decisions").rglob("*.yaml"))
    size = sum(p.stat().st_size for p in files)
    print(f"{args.out}: {args.count} initiatives, {len(files)} files, {size / 1024:.0f} KiB ({size / len(files) / 1024:.1f} KiB per file)")


if __name__ == "__main__":
    main()
