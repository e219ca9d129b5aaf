"""`launchboard ingest` through the real command, on result files the tools themselves wrote
(tests/fixtures/evals, see its README), and the metric gates it feeds."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from generator.core.loader import load_document
from tests.conftest import run
from tests.kit import AS_OF, Repo

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "evals"
PROMPTFOO = FIXTURES / "promptfoo-results.json"
INSPECT = FIXTURES / "inspect-log.json"
LM_EVAL = FIXTURES / "lm-eval-results.json"
RECORD = "decisions/support-assistant/initiative.yaml"
SHA = {
    PROMPTFOO: "2465d97131df145d6d7b0945f36640bb7444994d66c83ba331996581d274294f",
    INSPECT: "d3770b0087b9b198f2eb2f8646d3823c6eb581889f749ec5709f9993a8e5ddd1",
    LM_EVAL: "d3c14d9c10cd3e8be04e4c00cba02414a97e63b9fab5a547a77b608ba0f8cf93",
}
# lm-eval writes no run id: its run is `date` and a digest of `config` (evals._lm_eval_run)
LM_EVAL_CONFIG = hashlib.sha256(json.dumps(json.loads(LM_EVAL.read_text(encoding="utf-8"))["config"], sort_keys=True,
                                           separators=(",", ":")).encode()).hexdigest()[:12]

# An initiative record written by hand: comments, quoting, flow and block styles, blank lines.
HAND_WRITTEN = """\
# Support assistant: owned by the support platform team.
id: support-assistant
title: "Customer support assistant"
summary: >-
  Drafts answers to tier-1 tickets.
owners: ['@alice', "@org/support-platform"]
risk: high
approach: rag
stage: canary
history:
  - {stage: proposed, date: 2026-01-12}
  - stage: pilot
    date: 2026-03-02
  - stage: canary   # widened in October
    date: 2026-10-20
metrics:
  # latency first: the on-call dashboard reads it
  - id: p95-latency
    title: p95 latency
    unit: ms
    direction: lower
    target: 1500
    measurements:
      - date: 2026-11-16
        value: 1710   # before the cache
      - {date: 2026-11-23, value: 1640}

  - id: groundedness
    title: 'Answers supported by a cited article'
    unit: "%"
    direction: higher
    target: 55
    gate_from: ga        # not before GA
  - {id: refusals, title: Refusal rate, unit: "%", direction: lower, target: 5, measurements: []}
  - {id: cost, title: Cost per answer, unit: USD, direction: lower, target: 0.02}
  - {id: exact, title: Exact answers, unit: fraction, direction: higher, target: 0.4}
  - id: judge
    title: Judge score
    unit: points
    direction: higher
    target: 0.4
    measurements: [{date: 2026-11-01, value: 0.3},
                   {date: 2026-11-08, value: 0.35}]
links:
  repository: https://git.example.com/support-assistant
tags: [customer-facing]
"""


def ingest(repo: Repo, *args: str):
    return run("ingest", *args, "--root", repo.root)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo.valid(tmp_path / "repo")
    repo.write(RECORD, HAND_WRITTEN)
    return repo


def record_text(repo: Repo) -> str:
    return repo.path(RECORD).read_text(encoding="utf-8")


def metric(repo: Repo, metric_id: str) -> dict:
    data = load_document(repo.path(RECORD), repo.root).data
    return next(m for m in data["metrics"] if m["id"] == metric_id)


def inserted(before: str, after: str) -> str:
    """The text added to BEFORE to make AFTER, asserting it is one insertion and nothing else."""
    start = 0
    while start < len(before) and before[start] == after[start]:
        start += 1
    added = len(after) - len(before)
    assert after[:start] + after[start + added:] == before, "more than one insertion"
    line_start = before.rfind("\n", 0, start) + 1  # the same insertion, read as whole lines when it is
    if after[:line_start] + after[line_start + added:] == before:
        start = line_start
    return after[start:start + added]


# --------------------------------------------------------------------------- each format


def test_promptfoo_pass_rate_becomes_a_percentage_with_its_source(repo: Repo):
    before = record_text(repo)
    result = ingest(repo, PROMPTFOO, "--initiative", "support-assistant", "--metric", "groundedness", "--format", "promptfoo")
    assert result.exit_code == 0, result.output
    assert "detected format" not in result.output  # --format was given
    assert "pass rate (3 of 5 tests passed): 0.6" in result.output
    assert "scaled 0.6 to 60 %" in result.output
    assert "from the run's timestamp" in result.output
    assert inserted(before, record_text(repo)) == (
        "    measurements:\n"
        "      - date: 2026-11-30\n"
        "        value: 60\n"
        f"        source: {{tool: promptfoo, file: promptfoo-results.json, sha256: {SHA[PROMPTFOO]}, "
        'run: "eval-3pG-2026-11-30T08:47:37"}\n'
    )
    assert metric(repo, "groundedness")["measurements"] == [{
        "date": "2026-11-30", "value": 60,
        "source": {"tool": "promptfoo", "file": "promptfoo-results.json", "sha256": SHA[PROMPTFOO],
                   "run": "eval-3pG-2026-11-30T08:47:37"},
    }]
    # the comment after gate_from and the blank line before the metric stay where they were
    assert "    gate_from: ga        # not before GA\n    measurements:\n" in record_text(repo)
    assert run("check", repo.root, "--as-of", "2026-11-30").exit_code == 0


def test_promptfoo_named_score_without_scaling_for_other_units(repo: Repo):
    before = record_text(repo)
    result = ingest(repo, PROMPTFOO, "--initiative", "support-assistant", "--metric", "judge", "--select", "accuracy")
    assert result.exit_code == 0, result.output
    assert "detected format: promptfoo" in result.output
    assert "named score accuracy (mean of 4): 0.75" in result.output
    assert "scaled" not in result.output  # unit "points": the value is kept as the tool wrote it
    # a multi-line flow list gets one more entry after its last, inside the brackets
    assert inserted(before, record_text(repo)).startswith(", {date: 2026-11-30, value: 0.75, source: {tool: promptfoo,")
    assert "{date: 2026-11-08, value: 0.35}, {date: 2026-11-30, value: 0.75, source:" in record_text(repo)
    assert [m["value"] for m in metric(repo, "judge")["measurements"]] == [0.3, 0.35, 0.75]


def test_inspect_log_headline_detected(repo: Repo):
    before = record_text(repo)
    result = ingest(repo, INSPECT, "--initiative", "support-assistant", "--metric", "refusals")
    assert result.exit_code == 0, result.output
    assert "detected format: inspect" in result.output
    assert "read includes/accuracy: 0.5" in result.output
    # an empty flow list gets its first entry between the brackets
    assert inserted(before, record_text(repo)) == (
        f"{{date: 2026-11-30, value: 50, source: {{tool: inspect, file: inspect-log.json, sha256: {SHA[INSPECT]}, "
        "run: 2MUnbr4H7UpHkxDPKLxT9o}}"
    )
    assert metric(repo, "refusals")["measurements"][0]["source"]["run"] == "2MUnbr4H7UpHkxDPKLxT9o"


def test_inspect_select_scorer_metric(repo: Repo):
    result = ingest(repo, INSPECT, "--initiative", "support-assistant", "--metric", "judge",
                    "--format", "inspect", "--select", "includes/stderr")
    assert result.exit_code == 0, result.output
    # written to the 3 decimals Inspect's own results panel shows, not the float's 17 digits
    assert "rounded 0.28867513459481287 to 0.289: inspect shows 3 decimals" in result.output
    assert metric(repo, "judge")["measurements"][-1]["value"] == 0.289


def test_lm_eval_task_metric_into_a_flow_mapping_metric(repo: Repo):
    before = record_text(repo)
    result = ingest(repo, LM_EVAL, "--initiative", "support-assistant", "--metric", "exact",
                    "--select", "launchboard_fixture/acc_norm", "--date", "2026-11-28")
    assert result.exit_code == 0, result.output
    assert "detected format: lm-eval" in result.output
    assert "read launchboard_fixture/acc_norm,none: 0.5" in result.output
    assert "2026-11-28 (from --date)" in result.output
    assert "scaled" not in result.output  # a fraction into a metric in `fraction`
    assert inserted(before, record_text(repo)) == (
        f", measurements: [{{date: 2026-11-28, value: 0.5, source: {{tool: lm-eval, file: lm-eval-results.json, "
        f'sha256: {SHA[LM_EVAL]}, run: "2026-11-30T08:48:26.653209Z/config-{LM_EVAL_CONFIG}"}}}}]'
    )


def test_lm_eval_date_from_epoch(repo: Repo):
    result = ingest(repo, LM_EVAL, "--initiative", "support-assistant", "--metric", "exact",
                    "--format", "lm-eval", "--select", "launchboard_fixture/acc,none")
    assert result.exit_code == 0, result.output
    assert "date 2026-11-30 (from the run's timestamp in the file)" in result.output
    assert metric(repo, "exact")["measurements"][0]["date"] == "2026-11-30"


def test_block_list_of_flow_items_gets_one_more_line(repo: Repo, tmp_path: Path):
    before = record_text(repo)
    path = tmp_path / "latency.json"
    path.write_text('{"p95": 1390}')
    result = ingest(repo, path, "--initiative", "support-assistant", "--metric", "p95-latency",
                    "--select", "p95", "--date", "2026-11-30")
    assert result.exit_code == 0, result.output
    # after the last item of the block list (a flow mapping): a new `- {...}` line at the dash's column
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert inserted(before, record_text(repo)) == (
        f"      - {{date: 2026-11-30, value: 1390, source: {{tool: json, file: latency.json, sha256: {sha}}}}}\n"
    )
    assert record_text(repo).index("value: 1390") < record_text(repo).index("\n\n  - id: groundedness")


def test_plain_json_dotted_path_inside_the_repository(repo: Repo):
    (repo.root / "evals").mkdir()
    path = repo.root / "evals" / "nightly.json"
    path.write_text(json.dumps({"summary": {"runs": [{"latency_ms": 1420.5}]}}))
    result = ingest(repo, path, "--initiative", "support-assistant", "--metric", "p95-latency",
                    "--select", "summary.runs.0.latency_ms", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "detected format: json" in result.output
    assert f"date {AS_OF} (today: the file has no run timestamp" in result.output
    latest = metric(repo, "p95-latency")["measurements"][-1]
    assert latest == {"date": AS_OF, "value": 1420.5, "source": {
        "tool": "json", "file": "evals/nightly.json", "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}}


def test_block_record_written_by_the_kit_keeps_every_other_byte(tmp_path: Path):
    repo = Repo.valid(tmp_path)
    before = record_text(repo)
    result = ingest(repo, PROMPTFOO, "--initiative", "support-assistant", "--metric", "p95-latency", "--select", "format")
    assert result.exit_code == 0, result.output
    # yaml.safe_dump writes the list at the key's column (an indentless sequence): so does ingest
    assert inserted(before, record_text(repo)) == (
        "  - date: 2026-11-30\n    value: 0.5\n"
        f"    source: {{tool: promptfoo, file: promptfoo-results.json, sha256: {SHA[PROMPTFOO]}, "
        'run: "eval-3pG-2026-11-30T08:47:37"}\n'
    )


def test_dry_run_writes_nothing(repo: Repo):
    before = repo.path(RECORD).read_bytes()
    result = ingest(repo, PROMPTFOO, "--initiative", "support-assistant", "--metric", "groundedness", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would append groundedness = 60 on 2026-11-30" in result.output
    assert repo.path(RECORD).read_bytes() == before


# --------------------------------------------------------------------------- refusals


def _nan_file(tmp_path: Path) -> Path:
    path = tmp_path / "nan.json"
    path.write_text('{"score": NaN, "name": "x"}')
    return path


REFUSALS = [
    pytest.param(lambda t: [INSPECT, "--metric", "groundedness", "--format", "promptfoo"],
                 "inspect-log.json is not a promptfoo result file", id="wrong-format"),
    pytest.param(lambda t: [PROMPTFOO, "--metric", "groundedness", "--format", "lm-eval"],
                 "is not an lm-eval result file", id="wrong-format-lm-eval"),
    pytest.param(lambda t: [LM_EVAL, "--metric", "groundedness", "--format", "inspect"],
                 "is not an inspect result file", id="wrong-format-inspect"),
    pytest.param(lambda t: [PROMPTFOO, "--metric", "groundedness", "--select", "fluency"],
                 "has no named score 'fluency'; named scores: accuracy, format", id="no-named-score"),
    pytest.param(lambda t: [LM_EVAL, "--metric", "groundedness", "--select", "hellaswag/acc,none"],
                 "has no score hellaswag/acc,none; choices: launchboard_fixture/acc,none, launchboard_fixture/acc_norm,none",
                 id="no-task"),
    pytest.param(lambda t: [LM_EVAL, "--metric", "groundedness"],
                 "holds 2 scores; choose one with --select TASK/METRIC", id="lm-eval-ambiguous"),
    pytest.param(lambda t: [INSPECT, "--metric", "groundedness", "--select", "includes/f1"],
                 "has no score includes/f1; choices: includes/accuracy, includes/stderr", id="no-inspect-metric"),
    pytest.param(lambda t: [INSPECT, "--metric", "groundedness", "--format", "json", "--select", "eval.task"],
                 "inspect-log.json: eval.task is the string 'launchboard_fixture', not a finite number", id="not-a-number"),
    pytest.param(lambda t: [INSPECT, "--metric", "groundedness", "--format", "json", "--select", "eval.nope"],
                 "has no 'eval.nope': nothing at 'nope' under eval", id="no-path"),
    pytest.param(lambda t: [_nan_file(t), "--metric", "groundedness", "--select", "score"],
                 "nan.json: score is NaN, not a finite number", id="nan"),
    pytest.param(lambda t: [INSPECT, "--metric", "groundedness", "--format", "json"],
                 "plain JSON needs --select", id="json-without-select"),
    pytest.param(lambda t: [PROMPTFOO, "--metric", "latency"],
                 "has no metric 'latency'; its metrics: p95-latency, groundedness, refusals, cost, exact, judge", id="unknown-metric"),
    pytest.param(lambda t: [PROMPTFOO, "--metric", "groundedness", "--date", "30/11/2026"],
                 "--date '30/11/2026' is not a date YYYY-MM-DD", id="bad-date"),
]


@pytest.mark.parametrize("args, message", REFUSALS)
def test_refusals_exit_2_and_leave_the_record_byte_identical(repo: Repo, tmp_path: Path, args, message):
    before = repo.path(RECORD).read_bytes()
    argv = args(tmp_path)
    result = ingest(repo, argv[0], "--initiative", "support-assistant", *argv[1:])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "(nothing was written)" in result.output
    assert repo.path(RECORD).read_bytes() == before
    assert sorted(p.name for p in repo.path(RECORD).parent.iterdir()) == ["adr", "checklists", "initiative.yaml"]


def test_unknown_initiative_exit_2(repo: Repo):
    before = repo.path(RECORD).read_bytes()
    result = ingest(repo, PROMPTFOO, "--initiative", "billing-bot", "--metric", "groundedness")
    assert result.exit_code == 2
    assert "no initiative 'billing-bot'" in result.output
    assert repo.path(RECORD).read_bytes() == before


def test_the_same_file_is_recorded_once_per_metric(repo: Repo, tmp_path: Path):
    first = ingest(repo, PROMPTFOO, "--initiative", "support-assistant", "--metric", "groundedness")
    assert first.exit_code == 0, first.output
    after_first = repo.path(RECORD).read_bytes()
    copy = tmp_path / "renamed.json"  # the same bytes under another name are the same run
    shutil.copy(PROMPTFOO, copy)
    again = ingest(repo, copy, "--initiative", "support-assistant", "--metric", "groundedness", "--date", "2026-11-29")
    assert again.exit_code == 2
    assert "(sha256 2465d97131df…) is already recorded for metric 'groundedness'" in again.output
    assert repo.path(RECORD).read_bytes() == after_first
    other = ingest(repo, PROMPTFOO, "--initiative", "support-assistant", "--metric", "refusals")  # another metric may
    assert other.exit_code == 0, other.output


def test_a_record_that_fails_its_schema_is_not_edited(repo: Repo):
    repo.write(RECORD, HAND_WRITTEN.replace("risk: high", "risk: extreme"))
    before = repo.path(RECORD).read_bytes()
    result = ingest(repo, PROMPTFOO, "--initiative", "support-assistant", "--metric", "groundedness")
    assert result.exit_code == 2
    assert "decisions/support-assistant/initiative.yaml:7:7: LB100" in result.output
    assert repo.path(RECORD).read_bytes() == before


# --------------------------------------------------------------------------- the gate


def _gated(repo: Repo, stage: str, measurements: list | None, target: float = 55, gate_from: str = "ga") -> None:
    def change(data: dict) -> None:
        data["stage"] = stage
        if stage == "ga":
            data["history"].append({"stage": "ga", "date": "2026-11-25"})
        data["metrics"].append({"id": "groundedness", "title": "Grounded", "unit": "%", "direction": "higher",
                                "target": target, "gate_from": gate_from,
                                **({"measurements": measurements} if measurements is not None else {})})
    repo.edit(RECORD, change)


def _metric_line(repo: Repo, metric_id: str) -> int:
    lines = record_text(repo).splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip() == f"- id: {metric_id}")


def check(repo: Repo, *extra: str):
    return run("check", repo.root, "--as-of", "2026-11-30", "--format", "json", *extra)


def problems(result) -> list[tuple[str, int, str]]:
    return [(p["code"], p["line"], p["message"]) for p in json.loads(result.output)["problems"]]


@pytest.fixture
def ga_repo(tmp_path: Path) -> Repo:
    repo = Repo.valid(tmp_path / "ga")
    # ga needs the runbook: mark it done so only the metric gate decides
    repo.edit("decisions/support-assistant/checklists/on-call.yaml",
              lambda d: d["items"].update(runbook={"status": "done", "evidence": "https://wiki.example.com/rb",
                                                   "approver": "@erin", "date": "2026-11-20"}))
    repo.edit("decisions/support-assistant/checklists/security-review.yaml",
              lambda d: d["items"].update({"pen-test": {"status": "done", "evidence": "https://wiki.example.com/pt",
                                                        "approver": "@dana", "date": "2026-11-20"}}))
    return repo


def test_gate_holds_after_ingesting_a_passing_run(ga_repo: Repo):
    _gated(ga_repo, "ga", None, target=55)
    failing = check(ga_repo)
    assert failing.exit_code == 1
    line = _metric_line(ga_repo, "groundedness")
    assert problems(failing) == [("LB230", line, "metric 'groundedness' gates ga: never measured; target 55 % (higher is better)")]
    assert ingest(ga_repo, PROMPTFOO, "--initiative", "support-assistant", "--metric", "groundedness").exit_code == 0
    passing = check(ga_repo)
    assert passing.exit_code == 0, passing.output
    assert not [p for p in problems(passing) if p[0].startswith("LB23")]


def test_gate_fails_below_target_naming_value_and_target_at_the_metric_line(ga_repo: Repo):
    _gated(ga_repo, "ga", None, target=75)
    assert ingest(ga_repo, INSPECT, "--initiative", "support-assistant", "--metric", "groundedness").exit_code == 0
    result = check(ga_repo)
    assert result.exit_code == 1
    assert problems(result) == [(
        "LB232", _metric_line(ga_repo, "groundedness"),
        "metric 'groundedness' gates ga: latest 50 % on 2026-11-30 misses target 75 % (higher is better)",
    )]
    text = run("check", ga_repo.root, "--as-of", "2026-11-30")
    assert f"{RECORD}:{_metric_line(ga_repo, 'groundedness')}:3: error LB232" in text.output


def test_gate_fails_when_the_latest_measurement_is_too_old(ga_repo: Repo):
    _gated(ga_repo, "ga", [{"date": "2026-11-01", "value": 99}])
    result = check(ga_repo)
    assert result.exit_code == 1
    # the gate's error, and not also LB304's staleness warning for the same metric
    assert problems(result) == [("LB231", _metric_line(ga_repo, "groundedness"),
            "metric 'groundedness' gates ga: latest 99 % on 2026-11-01 is 29 days old (metric_max_age_days 14); "
            "target 55 % (higher is better)")]
    ga_repo.edit("decisions/policy.yaml", lambda d: d.update(metric_max_age_days=30))
    assert check(ga_repo).exit_code == 0


def test_gate_is_a_warning_one_stage_before_and_nothing_earlier(repo: Repo, tmp_path: Path):
    canary = Repo.valid(tmp_path / "canary")
    _gated(canary, "canary", [{"date": "2026-11-29", "value": 40}])
    result = check(canary)
    assert result.exit_code == 0
    assert problems(result) == [("LB313", _metric_line(canary, "groundedness"),
                                 "metric 'groundedness' gates ga, the next stage: latest 40 % on 2026-11-29 misses target 55 % (higher is better)")]
    assert check(canary, "--strict").exit_code == 1
    pilot = Repo.valid(tmp_path / "pilot")
    _gated(pilot, "canary", [{"date": "2026-11-29", "value": 40}], gate_from="retired")
    assert [p[0] for p in problems(check(pilot))] == []


def test_gate_from_must_be_a_stage_and_a_file_counts_once(tmp_path: Path):
    repo = Repo.valid(tmp_path)
    source = {"tool": "promptfoo", "file": "a.json", "sha256": "a" * 64}  # a bare name: a file from outside
    _gated(repo, "canary", [{"date": "2026-11-28", "value": 60, "source": source},
                            {"date": "2026-11-29", "value": 61, "source": source}], gate_from="general-availability")
    found = problems(check(repo))
    assert [code for code, _, _ in found] == ["LB233", "LB234"]
    assert "gate_from 'general-availability' is not one of the policy's stages" in found[0][2]


def test_status_shows_gated_metrics_and_whether_they_hold(ga_repo: Repo):
    _gated(ga_repo, "ga", [{"date": "2026-11-29", "value": 40}])
    text = run("status", ga_repo.root, "--as-of", "2026-11-30")
    assert "groundedness 40/55 % ✗" in text.output
    data = json.loads(run("status", ga_repo.root, "--as-of", "2026-11-30", "--format", "json").output)
    gate = data["initiatives"][0]["metric_gates"][0]
    assert gate | {"reason": ""} == {"metric": "groundedness", "gate_from": "ga", "applies": True, "holds": False, "reason": "",
                                     "latest": 40, "latest_date": "2026-11-29", "target": 55, "unit": "%", "direction": "higher"}


# --------------------------------------------------------------------------- the site


def test_site_shows_provenance_gates_and_marks_ingested_points(tmp_path: Path):
    from tests.site_helpers import make_root, mkdocs_build

    root = make_root(tmp_path / "repo")
    published = root / "templates" / "site" / "docs" / "evals"
    published.mkdir(parents=True)
    shutil.copy(PROMPTFOO, published / "promptfoo-results.json")  # in docs_dir: the site publishes it
    (root / "evals").mkdir()
    shutil.copy(INSPECT, root / "evals" / "inspect-log.json")  # in the repository, not on the site
    text = (root / RECORD).read_text(encoding="utf-8")
    # the sample's groundedness metric (gated from ga), with a target these two runs meet
    metric_title = "    title: Answers supported by a cited help-centre article\n"
    assert metric_title in text and text.count("    target: 95\n") == 1
    (root / RECORD).write_text(text.replace(metric_title, "    title: Grounded answers\n").replace("    target: 95\n", "    target: 45\n"))
    policy = (root / "decisions" / "policy.yaml").read_text(encoding="utf-8")  # the policy pins the gate too (LB236)
    pin = "metric: groundedness, gate_from: ga, target: 95,"
    assert pin in policy
    (root / "decisions" / "policy.yaml").write_text(policy.replace(pin, pin.replace("95", "45")), encoding="utf-8")
    first = run("ingest", published / "promptfoo-results.json", "--initiative", "support-assistant",
                "--metric", "groundedness", "--date", "2026-11-21", "--root", root)
    second = run("ingest", root / "evals" / "inspect-log.json", "--initiative", "support-assistant",
                 "--metric", "groundedness", "--date", "2026-11-28", "--root", root)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    out = tmp_path / "site"
    built = mkdocs_build(root / "mkdocs.yml", out, strict=True)
    assert built.returncode == 0, built.stderr

    page = (out / "initiatives" / "support-assistant" / "index.html").read_text(encoding="utf-8")
    # promptfoo's file is published: a relative link that resolves to the copied file
    link = re.search(r'<a class="lb-source" href="([^"]+)">templates/site/docs/evals/promptfoo-results\.json</a>', page)
    assert link and link.group(1) == "../../evals/promptfoo-results.json"
    assert (out / "initiatives" / "support-assistant" / link.group(1)).resolve().read_bytes() == PROMPTFOO.read_bytes()
    assert "<code>eval-3pG-2026-11-30T08:47:37</code>" in page
    # Inspect's log is not published: its path as text, no link
    assert "<code>evals/inspect-log.json</code>" in page
    assert 'href="../../evals/inspect-log.json"' not in page and not (out / "evals" / "inspect-log.json").exists()
    assert "<td>inspect</td><td><code>2MUnbr4H7UpHkxDPKLxT9o</code></td>" in page
    assert f'title="sha256 {SHA[INSPECT]}"' in page
    assert re.search(r'Gate from <strong>ga</strong>: Grounded answers <span class="lb-ok">holds</span>', page)

    chart = (out / "initiatives" / "support-assistant" / "metrics" / "groundedness.svg").read_text(encoding="utf-8")
    marks = re.findall(r'<rect class="lb-ingested"[^>]*><title>([^<]*)</title>', chart)
    assert marks == ["2026-11-21: 60 (from promptfoo run eval-3pG-2026-11-30T08:47:37)",
                     "2026-11-28: 50 (from inspect run 2MUnbr4H7UpHkxDPKLxT9o)"]
    assert "from an evaluation run" in chart

    board = (out / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<span class="lb-ok" title="Grounded answers gates ga: holds">gate groundedness ✓</span>', board)
    feed = json.loads((out / "api" / "initiatives" / "support-assistant.json").read_text(encoding="utf-8"))
    grounded = next(m for m in feed["metrics"] if m["id"] == "groundedness")
    assert grounded["gate_from"] == "ga"
    assert grounded["measurements"][-1]["source"] == {"tool": "inspect", "file": "evals/inspect-log.json",
                                                     "sha256": SHA[INSPECT], "run": "2MUnbr4H7UpHkxDPKLxT9o"}


# --------------------------------------------------------------------------- edge cases of the insertion

EDGE_RECORD = (
    "id: support-assistant\ntitle: Customer support assistant\nsummary: Drafts answers.\n"
    "owners: ['@alice']\nrisk: high\napproach: rag\nstage: canary\n"
    "history:\n  - {stage: proposed, date: 2026-01-12}\n  - {stage: pilot, date: 2026-03-02}\n"
    "  - {stage: canary, date: 2026-10-20}\n"
)


@pytest.mark.parametrize("name, text, added", [
    pytest.param(
        "crlf",
        EDGE_RECORD.replace("\n", "\r\n") + "metrics:\r\n  - id: grounded\r\n    title: G\r\n    unit: '%'\r\n"
        "    direction: higher\r\n    target: 5\r\n    measurements:\r\n      - date: 2026-11-01\r\n        value: 4\r\n",
        "      - date: 2026-11-30\r\n        value: 50\r\n        source: {SRC}\r\n", id="crlf-line-ends-kept"),
    pytest.param(
        "no-final-newline",
        EDGE_RECORD + "metrics:\n  - id: grounded\n    title: G\n    unit: '%'\n    direction: higher\n    target: 5",
        "\n    measurements:\n      - date: 2026-11-30\n        value: 50\n        source: {SRC}\n", id="no-final-newline"),
    pytest.param(
        "block-scalar-last",
        EDGE_RECORD + "metrics:\n  - id: grounded\n    title: G\n    unit: '%'\n    direction: higher\n    target: 5\n"
        "    measurements:\n      - date: 2026-11-01\n        value: 4\n        x-note: |\n          first run\n"
        "    # trailing comment stays below\ntags: [a]\n",
        "      - date: 2026-11-30\n        value: 50\n        source: {SRC}\n", id="block-scalar-then-comment"),
    pytest.param(
        "quoted-key",
        EDGE_RECORD + "metrics:\n- id: grounded\n  title: G\n  unit: '%'\n  direction: higher\n  target: 5\n"
        "  \"measurements\": []   # none yet\n",
        "{SRC_ENTRY}", id="quoted-key-empty-flow"),
])
def test_insertion_keeps_every_other_byte(tmp_path: Path, name: str, text: str, added: str):
    repo = Repo.valid(tmp_path / "repo")
    raw = ("\ufeff" + text if name == "crlf" else text).encode("utf-8")  # a BOM too, on one of them
    repo.path(RECORD).write_bytes(raw)
    result = ingest(repo, INSPECT, "--initiative", "support-assistant", "--metric", "grounded")
    assert result.exit_code == 0, result.output
    source = f"{{tool: inspect, file: inspect-log.json, sha256: {SHA[INSPECT]}, run: 2MUnbr4H7UpHkxDPKLxT9o}}"
    expected_added = added.replace("{SRC_ENTRY}", f"{{date: 2026-11-30, value: 50, source: {source}}}").replace("{SRC}", source)
    after = repo.path(RECORD).read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") == (name == "crlf")
    assert inserted(raw.decode("utf-8"), after.decode("utf-8")) == expected_added
    assert run("check", repo.root, "--as-of", "2026-11-30").exit_code == 0


def test_result_file_outside_the_repository_is_recorded_by_name(repo: Repo, tmp_path: Path):
    outside = tmp_path / "ci-artifacts" / "run-17" / "results.json"
    outside.parent.mkdir(parents=True)
    shutil.copy(PROMPTFOO, outside)
    assert ingest(repo, outside, "--initiative", "support-assistant", "--metric", "groundedness").exit_code == 0
    assert metric(repo, "groundedness")["measurements"][0]["source"]["file"] == "results.json"


def test_a_hostile_run_id_is_not_recorded(repo: Repo, tmp_path: Path):
    data = json.loads(PROMPTFOO.read_text(encoding="utf-8"))
    data["evalId"] = "<script>alert(1)</script>\n::error::x"
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(data), encoding="utf-8")
    result = ingest(repo, hostile, "--initiative", "support-assistant", "--metric", "groundedness")
    assert result.exit_code == 0, result.output
    assert "run id has characters a record does not keep" in result.output
    assert "<script>" not in result.output and "::error::" not in result.output
    assert "run" not in metric(repo, "groundedness")["measurements"][0]["source"]


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_a_fifo_is_refused_unread(repo: Repo, tmp_path: Path):
    import os

    fifo = tmp_path / "results.json"
    os.mkfifo(fifo)  # reading it would block forever
    before = repo.path(RECORD).read_bytes()
    result = ingest(repo, fifo, "--initiative", "support-assistant", "--metric", "groundedness")
    assert result.exit_code == 2
    assert "results.json is not a regular file" in result.output
    link = repo.path("decisions/support-assistant/initiative.yaml")
    target = tmp_path / "elsewhere.yaml"
    target.write_bytes(before)
    link.unlink()
    link.symlink_to(target)
    linked = ingest(repo, PROMPTFOO, "--initiative", "support-assistant", "--metric", "groundedness")
    assert linked.exit_code == 2 and "is a link" in linked.output
    assert target.read_bytes() == before
