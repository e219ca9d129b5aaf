"""`launchboard ingest` on result files that lie, break or were made to fool it, through the
real command: malformed numbers, scales it must not guess, a run re-serialised to look new,
Inspect's `.eval` archives, promptfoo's other outputs, and a fuzz of every format that must
end in exit 0 or 2 with a message, never a traceback. And `launchboard check` on a
measurement whose source file is missing, changed or a link (LB235)."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.kit import Repo
from tests.test_ingest import INSPECT, LM_EVAL, PROMPTFOO, RECORD, ingest, metric, record_text, repo, run  # noqa: F401

INITIATIVE = ("--initiative", "support-assistant")
HUGE = "__launchboard_huge__"  # stands for a literal no float holds, written into the JSON text


def _json(tmp_path: Path, data, name: str = "result.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data).replace(f'"{HUGE}"', "1e400"), encoding="utf-8")
    return path


def _fixture(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _set(data: dict, dotted: str, value) -> dict:
    data = copy.deepcopy(data)
    *parents, last = dotted.split("/")
    node = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    node[int(last) if isinstance(node, list) else last] = value
    return data


def refused(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output
    assert "(nothing was written)" in result.output


# --------------------------------------------------------------------------- malformed numbers

MALFORMED = [float("nan"), float("inf"), "3", -1, HUGE, True, 2.5, None]
SHOWN = {"nan": "NaN", "inf": "Infinity", "3": "the string '3'", "-1": "-1", HUGE: "1e400 (beyond a number's range)",
         "True": "true", "2.5": "2.5", "None": "null"}


@pytest.mark.parametrize("bad", MALFORMED, ids=lambda v: SHOWN[str(v)])
@pytest.mark.parametrize("field", ["successes", "failures", "errors"])
def test_a_malformed_promptfoo_count_is_refused_naming_file_and_field(repo: Repo, tmp_path: Path, field: str, bad):
    path = _json(tmp_path, _set(_fixture(PROMPTFOO), f"results/stats/{field}", bad), "counts.json")
    before = repo.path(RECORD).read_bytes()
    result = ingest(repo, path, *INITIATIVE, "--metric", "groundedness")
    refused(result, f"counts.json: results.stats.{field} is {SHOWN[str(bad)]}, not a count")
    assert repo.path(RECORD).read_bytes() == before


@pytest.mark.parametrize("bad", ["4", -4, float("nan"), True, 1.5, HUGE], ids=lambda v: SHOWN.get(str(v), str(v)))
def test_a_malformed_promptfoo_named_score_count_is_refused(repo: Repo, tmp_path: Path, bad):
    path = _json(tmp_path, _set(_fixture(PROMPTFOO), "results/prompts/0/metrics/namedScoresCount/accuracy", bad))
    result = ingest(repo, path, *INITIATIVE, "--metric", "judge", "--select", "accuracy")
    refused(result, "result.json: results.prompts[0].metrics.namedScoresCount.accuracy is", "not a count")


@pytest.mark.parametrize("bad", [float("nan"), float("-inf"), "3", True, HUGE], ids=str)
def test_a_malformed_promptfoo_named_score_is_refused(repo: Repo, tmp_path: Path, bad):
    path = _json(tmp_path, _set(_fixture(PROMPTFOO), "results/prompts/0/metrics/namedScores/accuracy", bad))
    result = ingest(repo, path, *INITIATIVE, "--metric", "judge", "--select", "accuracy")
    refused(result, "result.json: results.prompts[0].metrics.namedScores.accuracy is", "not a finite number")


@pytest.mark.parametrize("bad", [float("nan"), "0.5", True, HUGE, None], ids=str)
def test_a_malformed_lm_eval_score_is_refused(repo: Repo, tmp_path: Path, bad):
    path = _json(tmp_path, _set(_fixture(LM_EVAL), "results/launchboard_fixture/acc,none", bad))
    result = ingest(repo, path, *INITIATIVE, "--metric", "exact", "--select", "launchboard_fixture/acc")
    refused(result, f"result.json: results.launchboard_fixture.acc,none is {SHOWN[str(bad)] if str(bad) in SHOWN else ''}",
            "not a finite number")


@pytest.mark.parametrize("bad", [float("nan"), "0.5", False, HUGE], ids=str)
def test_a_malformed_inspect_score_is_refused(repo: Repo, tmp_path: Path, bad):
    path = _json(tmp_path, _set(_fixture(INSPECT), "results/scores/0/metrics/accuracy/value", bad))
    result = ingest(repo, path, *INITIATIVE, "--metric", "groundedness")
    refused(result, "result.json: results.scores[0].metrics.accuracy.value is", "not a finite number")


@pytest.mark.parametrize("literal, shown", [("true", "true"), ('"3"', "the string '3'"), ("1e400", "1e400 (beyond"),
                                            ("1" + "0" * 400, "1000"), ("-Infinity", "-Infinity")])
def test_a_malformed_plain_json_value_is_refused(repo: Repo, tmp_path: Path, literal: str, shown: str):
    path = tmp_path / "plain.json"
    path.write_text('{"latency": {"p95": ' + literal + "}}", encoding="utf-8")
    result = ingest(repo, path, *INITIATIVE, "--metric", "p95-latency", "--select", "latency.p95")
    refused(result, f"plain.json: latency.p95 is {shown}")


@pytest.mark.parametrize("fixture, path, metric_id, select", [
    (INSPECT, "results/scores/0/metrics/accuracy/value", "groundedness", None),
    (LM_EVAL, "results/launchboard_fixture/acc,none", "exact", "launchboard_fixture/acc"),
])
@pytest.mark.parametrize("bad", [-0.25, 1.5])
def test_a_fraction_outside_0_to_1_is_refused(repo: Repo, tmp_path: Path, fixture: Path, path: str, metric_id: str,
                                              select, bad: float):
    result = ingest(repo, _json(tmp_path, _set(_fixture(fixture), path, bad)), *INITIATIVE, "--metric", metric_id,
                    *(["--select", select] if select else []))
    refused(result, f"is {bad}, but", "a fraction lies between 0 and 1")


@pytest.mark.parametrize("fixture, path, bad, message", [
    (LM_EVAL, "date", "yesterday", "result.json: date is the string 'yesterday', not a time in epoch seconds"),
    (LM_EVAL, "date", float("nan"), "result.json: date is NaN, not a time in epoch seconds"),
    (INSPECT, "eval/created", 20261130, "result.json: eval.created is 20261130, not an ISO 8601 timestamp"),
    (PROMPTFOO, "results/timestamp", "30/11/2026", "result.json: results.timestamp is the string '30/11/2026', not an ISO"),
])
def test_a_malformed_run_timestamp_is_refused_unless_date_is_given(repo: Repo, tmp_path: Path, fixture, path, bad, message):
    file = _json(tmp_path, _set(_fixture(fixture), path, bad))
    metric_id, select = ("exact", ["--select", "launchboard_fixture/acc"]) if fixture == LM_EVAL else ("groundedness", [])
    refused(ingest(repo, file, *INITIATIVE, "--metric", metric_id, *select), message, "give --date")
    assert ingest(repo, file, *INITIATIVE, "--metric", metric_id, *select, "--date", "2026-11-29").exit_code == 0


def test_a_higher_is_better_that_is_not_a_boolean_is_refused(repo: Repo, tmp_path: Path):
    path = _json(tmp_path, _set(_fixture(LM_EVAL), "higher_is_better/launchboard_fixture/acc", "yes"))
    refused(ingest(repo, path, *INITIATIVE, "--metric", "exact", "--select", "launchboard_fixture/acc"),
            "result.json: higher_is_better.launchboard_fixture.acc is the string 'yes', not true or false")


# --------------------------------------------------------------------------- scale, unit, direction


def test_plain_json_into_a_percent_metric_needs_scale(repo: Repo, tmp_path: Path):
    path = _json(tmp_path, {"grounded": 0.6})
    refused(ingest(repo, path, *INITIATIVE, "--metric", "groundedness", "--select", "grounded"),
            "the file does not say whether grounded (0.6) is a fraction (0-1) or a percentage (0-100)",
            "--scale fraction or --scale percent")
    as_fraction = ingest(repo, path, *INITIATIVE, "--metric", "groundedness", "--select", "grounded", "--scale", "fraction",
                         "--dry-run")
    assert as_fraction.exit_code == 0, as_fraction.output
    assert "scaled 0.6 to 60 %" in as_fraction.output
    as_percent = ingest(repo, path, *INITIATIVE, "--metric", "groundedness", "--select", "grounded", "--scale", "percent")
    assert as_percent.exit_code == 0, as_percent.output
    assert "scaled" not in as_percent.output
    assert metric(repo, "groundedness")["measurements"][-1]["value"] == 0.6


def test_a_named_score_of_unknown_scale_is_not_scaled_by_its_size(repo: Repo):
    # 0.75 lies between 0 and 1, but promptfoo does not define a named score as a fraction
    refused(ingest(repo, PROMPTFOO, *INITIATIVE, "--metric", "groundedness", "--select", "accuracy"),
            "does not say whether named score accuracy (mean of 4) (0.75) is a fraction")
    done = ingest(repo, PROMPTFOO, *INITIATIVE, "--metric", "groundedness", "--select", "accuracy", "--scale", "fraction")
    assert done.exit_code == 0, done.output
    assert metric(repo, "groundedness")["measurements"][-1]["value"] == 75


def test_scale_may_not_contradict_the_tool(repo: Repo):
    refused(ingest(repo, PROMPTFOO, *INITIATIVE, "--metric", "groundedness", "--scale", "percent"),
            "--scale percent contradicts promptfoo-results.json: pass rate (3 of 5 tests passed) is a fraction")


def test_a_percent_above_100_is_refused(repo: Repo, tmp_path: Path):
    path = _json(tmp_path, {"grounded": 160})
    refused(ingest(repo, path, *INITIATIVE, "--metric", "groundedness", "--select", "grounded", "--scale", "percent"),
            "grounded is 160, but --scale percent says so: a percent lies between 0 and 100")


@pytest.mark.parametrize("args, unit", [
    pytest.param([PROMPTFOO, "--metric", "p95-latency"], "ms", id="pass-rate-into-ms"),
    pytest.param([INSPECT, "--metric", "cost"], "USD", id="accuracy-into-usd"),
    pytest.param([LM_EVAL, "--metric", "judge", "--select", "launchboard_fixture/acc"], "points", id="acc-into-points"),
])
def test_a_proportion_is_refused_by_a_metric_in_another_unit(repo: Repo, args, unit: str):
    refused(ingest(repo, args[0], *INITIATIVE, *args[1:]), f"is in {unit!r}; a fraction fits a metric in %")


def test_scale_is_refused_for_a_metric_in_another_unit(repo: Repo, tmp_path: Path):
    path = _json(tmp_path, {"p95": 0.5})
    refused(ingest(repo, path, *INITIATIVE, "--metric", "p95-latency", "--select", "p95", "--scale", "fraction"),
            "p95 is a fraction (--scale fraction says so), but metric 'p95-latency' is in 'ms'")


def test_a_percent_into_a_fraction_metric_is_divided(repo: Repo, tmp_path: Path):
    path = _json(tmp_path, {"exact": 42.5})
    done = ingest(repo, path, *INITIATIVE, "--metric", "exact", "--select", "exact", "--scale", "percent")
    assert done.exit_code == 0, done.output
    assert "scaled 42.5 to 0.425 fraction" in done.output
    assert metric(repo, "exact")["measurements"][-1]["value"] == 0.425


def test_higher_is_better_must_match_the_metric_direction(repo: Repo, tmp_path: Path):
    lower = _set(_fixture(LM_EVAL), "higher_is_better/launchboard_fixture/acc", False)
    refused(ingest(repo, _json(tmp_path, lower), *INITIATIVE, "--metric", "exact", "--select", "launchboard_fixture/acc"),
            "higher_is_better says lower is better for launchboard_fixture/acc,none, but metric 'exact' has direction 'higher'")
    assert ingest(repo, LM_EVAL, *INITIATIVE, "--metric", "exact", "--select", "launchboard_fixture/acc").exit_code == 0


# --------------------------------------------------------------------------- precision


def test_a_computed_pass_rate_is_written_to_the_tools_precision(repo: Repo, tmp_path: Path):
    data = _set(_set(_fixture(PROMPTFOO), "results/stats/successes", 5), "results/stats/failures", 1)
    result = ingest(repo, _json(tmp_path, data), *INITIATIVE, "--metric", "groundedness")
    assert result.exit_code == 0, result.output
    assert "rounded 0.8333333333333334 to 0.8333: promptfoo shows 4 decimals" in result.output
    assert "scaled 0.8333 to 83.33 %" in result.output
    assert "value: 83.33\n" in record_text(repo)
    assert metric(repo, "groundedness")["measurements"][-1]["value"] == 83.33


# --------------------------------------------------------------------------- the same run


@pytest.mark.parametrize("fixture, metric_id, select, run_id", [
    (PROMPTFOO, "groundedness", [], "eval-3pG-2026-11-30T08:47:37"),
    (INSPECT, "groundedness", [], "2MUnbr4H7UpHkxDPKLxT9o"),
    (LM_EVAL, "exact", ["--select", "launchboard_fixture/acc"], "2026-11-30T08:48:26.653209Z/config-"),
])
def test_a_re_serialised_file_of_a_recorded_run_is_refused(repo: Repo, tmp_path: Path, fixture, metric_id, select, run_id):
    assert ingest(repo, fixture, *INITIATIVE, "--metric", metric_id, *select).exit_code == 0
    after_first = repo.path(RECORD).read_bytes()
    again = tmp_path / "pretty.json"  # the same run, other bytes: indented, keys sorted
    again.write_text(json.dumps(_fixture(fixture), indent=1, sort_keys=True), encoding="utf-8")
    assert hashlib.sha256(again.read_bytes()).hexdigest() != hashlib.sha256(fixture.read_bytes()).hexdigest()
    refused(ingest(repo, again, *INITIATIVE, "--metric", metric_id, *select, "--date", "2026-11-30"),
            f"pretty.json is {_fixture_tool(fixture)} run {run_id}", f"already recorded for metric {metric_id!r}",
            "a run is recorded once, whatever its file's bytes")
    assert repo.path(RECORD).read_bytes() == after_first


def _fixture_tool(fixture: Path) -> str:
    return {PROMPTFOO: "promptfoo", INSPECT: "inspect", LM_EVAL: "lm-eval"}[fixture]


def test_another_lm_eval_run_is_another_run(repo: Repo, tmp_path: Path):
    assert ingest(repo, LM_EVAL, *INITIATIVE, "--metric", "exact", "--select", "launchboard_fixture/acc").exit_code == 0
    rerun = _set(_fixture(LM_EVAL), "config/random_seed", 1)  # same date, other config: another run
    done = ingest(repo, _json(tmp_path, rerun), *INITIATIVE, "--metric", "exact", "--select", "launchboard_fixture/acc")
    assert done.exit_code == 0, done.output
    runs = [m["source"]["run"] for m in metric(repo, "exact")["measurements"]]
    assert len(set(runs)) == 2


# --------------------------------------------------------------------------- Inspect's .eval archives


def eval_archive(path: Path, log: dict | None = None, *, header: bool = True, method: int = zipfile.ZIP_DEFLATED) -> Path:
    """An Inspect `.eval` log as Inspect lays it out: _journal/start.json, samples/, summaries,
    reductions.json and, once the eval finished, header.json (the log without its samples)."""
    log = copy.deepcopy(log if log is not None else _fixture(INSPECT))
    samples = log.pop("samples", []) or []
    reductions = log.pop("reductions", None)
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        archive.writestr("_journal/start.json", json.dumps({"version": log["version"], "eval": log["eval"], "plan": log["plan"]}))
        for sample in samples:
            archive.writestr(f"samples/{sample['id']}_epoch_{sample['epoch']}.json", json.dumps(sample))
        summaries = [{"id": s["id"], "epoch": s["epoch"], "input": s.get("input"), "target": s.get("target"),
                      "scores": s.get("scores")} for s in samples]
        archive.writestr("_journal/summaries/1.json", json.dumps(summaries))
        archive.writestr("summaries.json", json.dumps(summaries))
        if reductions is not None:
            archive.writestr("reductions.json", json.dumps(reductions))
        if header:
            archive.writestr("header.json", json.dumps(log, indent=2))
    return path


def test_an_inspect_eval_archive_is_read(repo: Repo, tmp_path: Path):
    path = eval_archive(tmp_path / "2026-11-30T08-48-34-00-00_launchboard-fixture_6kXikBo4vUE5irq85pYix6.eval")
    assert len(_fixture(INSPECT)["samples"]) == 4
    result = ingest(repo, path, *INITIATIVE, "--metric", "groundedness")
    assert result.exit_code == 0, result.output
    assert "detected format: inspect" in result.output
    assert "read includes/accuracy: 0.5" in result.output
    point = metric(repo, "groundedness")["measurements"][-1]
    assert point["value"] == 50 and point["date"] == "2026-11-30"
    assert point["source"] == {"tool": "inspect", "file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                               "run": "2MUnbr4H7UpHkxDPKLxT9o"}
    # the same run's JSON log is the same run
    refused(ingest(repo, INSPECT, *INITIATIVE, "--metric", "groundedness"), "is inspect run 2MUnbr4H7UpHkxDPKLxT9o")


def test_an_inspect_eval_archive_stored_uncompressed_with_a_rewritten_header(repo: Repo, tmp_path: Path):
    path = eval_archive(tmp_path / "log.eval", method=zipfile.ZIP_STORED)
    edited = _set(_fixture(INSPECT), "results/scores/0/metrics/accuracy/value", 0.75)
    edited.pop("samples")
    with zipfile.ZipFile(path, "a") as archive:  # Inspect rewrites header.json by appending; the last one counts
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("header.json", json.dumps(edited))
    result = ingest(repo, path, *INITIATIVE, "--metric", "groundedness", "--format", "inspect")
    assert result.exit_code == 0, result.output
    assert metric(repo, "groundedness")["measurements"][-1]["value"] == 75


def _patched(path: Path, fields: dict[tuple[int, int], int], payload: bytes | None = None) -> Path:
    """A .eval whose header.json entry has fields changed: {(local offset, central offset): value}
    for 2-byte fields (method 8/10, flags 6/8) and 4-byte ones (CRC 14/16, size 22/24). With
    PAYLOAD, header.json's stored bytes are PAYLOAD (e.g. already compressed)."""
    log = _fixture(INSPECT)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("_journal/start.json", json.dumps({"version": log["version"], "eval": log["eval"]}))
        log.pop("samples")
        archive.writestr("header.json", payload if payload is not None else json.dumps(log).encode())
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local_at = archive.getinfo("header.json").header_offset
    central_at = raw.rindex(b"PK\x01\x02")  # header.json's entry: the last one
    for (local, central), value in fields.items():
        width = 2 if local in (6, 8) else 4
        raw[local_at + local:local_at + local + width] = value.to_bytes(width, "little")
        raw[central_at + central:central_at + central + width] = value.to_bytes(width, "little")
    path.write_bytes(bytes(raw))
    return path


def zstd_eval(path: Path, log: dict | None = None) -> Path:
    """An Inspect `.eval` whose header.json is Zstandard-compressed (zip method 93), as Inspect
    writes them since 2026; Python's zipfile before 3.14 cannot write one, so it is patched in."""
    import zstandard

    log = log if log is not None else {k: v for k, v in _fixture(INSPECT).items() if k != "samples"}
    text = json.dumps(log, indent=2).encode()
    return _patched(path, {(8, 10): 93, (14, 16): zlib.crc32(text), (22, 24): len(text)},
                    zstandard.ZstdCompressor().compress(text))


def test_a_zstandard_eval_archive_is_read(repo: Repo, tmp_path: Path):
    path = zstd_eval(tmp_path / "log.eval")
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo("header.json").compress_type == 93
        if not hasattr(zipfile, "ZIP_ZSTANDARD"):
            with pytest.raises(NotImplementedError):
                archive.read("header.json")  # what ingest would hit without its own reader
    result = ingest(repo, path, *INITIATIVE, "--metric", "groundedness")
    assert result.exit_code == 0, result.output
    assert metric(repo, "groundedness")["measurements"][-1]["value"] == 50


def test_a_zstandard_eval_archive_without_the_package_says_what_to_do(repo: Repo, tmp_path: Path, monkeypatch):
    path = zstd_eval(tmp_path / "log.eval")
    monkeypatch.setitem(sys.modules, "zstandard", None)  # import fails, as where it is not installed
    monkeypatch.delattr(zipfile, "ZIP_ZSTANDARD", raising=False)
    refused(ingest(repo, path, *INITIATIVE, "--metric", "groundedness"),
            "log.eval: header.json is compressed with Zstandard, which needs the zstandard package "
            "(pip install 'launchboard[zstd]'); or convert the log with `inspect log convert LOG --to json")


@pytest.mark.parametrize("make, message", [
    pytest.param(lambda t: eval_archive(t / "running.eval", header=False),
                 "running.eval has no header.json: Inspect writes it when the eval finishes", id="unfinished"),
    pytest.param(lambda t: _patched(t / "encrypted.eval", {(6, 8): 0x1}),
                 "encrypted.eval: header.json is encrypted; an Inspect log is not", id="encrypted"),
    pytest.param(lambda t: _patched(t / "zstd.eval", {(8, 10): 93}),  # says Zstandard, holds plain JSON
                 "zstd.eval is not a readable .eval archive", id="not-zstandard"),
    pytest.param(lambda t: _patched(t / "bzip2.eval", {(8, 10): 12}),
                 "bzip2.eval: header.json is compressed with method 12, which ingest does not read; convert the log",
                 id="other-method"),
    pytest.param(lambda t: _patched(t / "crc.eval", {(8, 10): 93, (14, 16): 0}, zstd_eval(t / "x.eval").read_bytes()),
                 "crc.eval is not a readable .eval archive", id="zstandard-bad"),
    pytest.param(lambda t: _write(t / "truncated.eval", eval_archive(t / "x.eval").read_bytes()[:-30]),
                 "truncated.eval is not a readable .eval archive", id="truncated"),
    pytest.param(lambda t: _zip(t / "other.eval", {"data.json": "{}"}),
                 "other.eval is a zip archive but not an Inspect .eval log (no header.json)", id="not-inspect"),
    pytest.param(lambda t: _zip(t / "bomb.eval", {"header.json": " " * (65 * 1024 * 1024)}),
                 "bomb.eval: header.json is 68,157,440 bytes; over 67,108,864 is not read", id="zip-bomb"),
    pytest.param(lambda t: _zip(t / "header.eval", {"header.json": "\xff"}, raw=b"\xff\xfe"),
                 "header.eval (header.json) is not UTF-8 text", id="not-utf8"),
    pytest.param(lambda t: _zip(t / "crc.eval", {"header.json": json.dumps(_fixture(INSPECT))}, corrupt=True),
                 "crc.eval is not a readable .eval archive", id="bad-crc"),
])
def test_a_broken_eval_archive_is_refused(repo: Repo, tmp_path: Path, make, message: str):
    before = repo.path(RECORD).read_bytes()
    refused(ingest(repo, make(tmp_path), *INITIATIVE, "--metric", "groundedness"), message)
    assert repo.path(RECORD).read_bytes() == before


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _zip(path: Path, members: dict[str, str], raw: bytes | None = None, corrupt: bool = False) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED if not corrupt else zipfile.ZIP_STORED) as archive:
        for name, text in members.items():
            archive.writestr(name, raw if raw is not None else text)
    data = bytearray(buffer.getvalue())
    if corrupt:  # flip one byte of the stored JSON: the CRC no longer matches
        at = data.index(b'"status"')
        data[at + 2] ^= 0x01
    return _write(path, bytes(data))


# --------------------------------------------------------------------------- promptfoo's other outputs


@pytest.mark.parametrize("name, body, kind", [
    ("results.jsonl", '{"success": true}\n{"success": false}\n', "JSON Lines"),
    ("results.csv", "Answer: {{answer}},[PASS] Paris\n", "CSV"),
    ("results.yaml", "evalId: eval-1\nresults: {}\n", "YAML"),
    ("results.yml", "evalId: eval-1\n", "YAML"),
    ("results.html", "<!doctype html><html><body>promptfoo</body></html>", "HTML"),
])
def test_promptfoos_other_outputs_are_refused_with_how_to_write_json(repo: Repo, tmp_path: Path, name, body, kind):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    refused(ingest(repo, path, *INITIATIVE, "--metric", "groundedness"),
            f"{name} is a {kind} file, which ingest does not read",
            "promptfoo's JSON output (`promptfoo eval -o results.json`", "an Inspect log (.eval or .json)",
            "Write the run's result as JSON with `promptfoo eval -o results.json`")


# --------------------------------------------------------------------------- an older run


def test_a_run_older_than_the_latest_measurement_is_recorded_with_a_warning(repo: Repo, tmp_path: Path):
    older = _json(tmp_path, {"p95": 1500}, "older.json")
    result = ingest(repo, older, *INITIATIVE, "--metric", "p95-latency", "--select", "p95", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert result.stderr == ("launchboard: warning: the run is dated 2026-11-20, before metric 'p95-latency''s latest "
                             "measurement (2026-11-23): it is recorded, but the latest stays the one of 2026-11-23\n")
    assert "warning" not in result.stdout
    assert metric(repo, "p95-latency")["measurements"][-1] == {
        "date": "2026-11-20", "value": 1500,
        "source": {"tool": "json", "file": "older.json", "sha256": hashlib.sha256(older.read_bytes()).hexdigest()}}
    newer = ingest(repo, _json(tmp_path, {"p95": 1450}, "newer.json"), *INITIATIVE, "--metric", "p95-latency",
                   "--select", "p95", "--date", "2026-11-24")
    assert newer.exit_code == 0 and newer.stderr == "", newer.output


# --------------------------------------------------------------------------- fuzz

FUZZ = settings(
    max_examples=int(os.environ.get("LAUNCHBOARD_FUZZ_EXAMPLES", "100")),
    deadline=None,  # each example runs the whole command; the machine may be loaded
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("CI") is not None,
)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(), st.just(HUGE),
                    st.text(max_size=12), st.sampled_from(["", "3", "success", "accuracy", "2026-11-30T08:00:00Z"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                      max_leaves=12)
ARGS = st.fixed_dictionaries({
    "metric": st.sampled_from(["groundedness", "judge", "p95-latency", "exact", "refusals"]),
    "select": st.sampled_from([None, "accuracy", "launchboard_fixture/acc", "includes/accuracy", "results.stats.successes",
                               "a.0.b", "²", "/", ""]),
    "scale": st.sampled_from([None, "fraction", "percent"]),
    "date": st.sampled_from([None, "2026-11-29"]),
})


def _paths(node, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node[:3]):
            found += _paths(value, (*prefix, index))
    return found


def _mutate(data, path: tuple, value, delete: bool):
    if not path:
        return value
    data = copy.deepcopy(data)
    node = data
    for part in path[:-1]:
        node = node[part]
    if delete and isinstance(node, dict):
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return data


def _run_fuzzed(repo: Repo, path: Path, fmt: str | None, args: dict) -> None:
    argv = [path, *INITIATIVE, "--metric", args["metric"], "--dry-run"]
    for option in ("select", "scale", "date"):
        if args[option] is not None:
            argv += [f"--{option}", args[option]]
    if fmt is not None:
        argv += ["--format", fmt]
    result = ingest(repo, *argv)  # catch_exceptions=False: a traceback fails the test
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.output.startswith("launchboard: error: ") and "(nothing was written)" in result.output, result.output


FIXTURES = {"promptfoo": PROMPTFOO, "lm-eval": LM_EVAL, "inspect": INSPECT}
# the fields the readers use: mutated half of the time, so 40 examples reach them
READ_KEYS = {"evalId", "results", "stats", "successes", "failures", "errors", "prompts", "metrics", "namedScores",
             "namedScoresCount", "timestamp", "higher_is_better", "date", "config", "status", "eval", "created",
             "run_id", "scores", "name", "value", "headline", "version", "versions", "acc,none", "accuracy"}


SELECTS = {"promptfoo": [None, "accuracy", "format"], "lm-eval": ["launchboard_fixture/acc", "launchboard_fixture/acc_norm"],
           "inspect": [None, "includes/accuracy", "includes/stderr"]}
ODD = st.sampled_from([float("nan"), float("inf"), float("-inf"), HUGE, "3", -1, True, False, None, 2.5, 10**400 // 10**100,
                       "", [], {}])  # the malformed numbers, offered often


def _args(fmt: str) -> st.SearchStrategy:
    own = st.sampled_from(SELECTS[fmt])  # a selection the real file holds, most of the time
    return ARGS.flatmap(lambda args: st.one_of(own, own, st.just(args["select"])).map(lambda s: {**args, "select": s}))


def _where(paths: list[tuple], data) -> st.SearchStrategy:
    """Any path; one the readers use; or, most often, a number the readers use."""
    read = [p for p in paths if p and all(part in READ_KEYS or isinstance(part, int) or part == "launchboard_fixture"
                                          for part in p)]
    numbers = [p for p in read if isinstance(_at(data, p), (int, float)) and not isinstance(_at(data, p), bool)]
    return st.one_of(st.sampled_from(numbers), st.sampled_from(numbers), st.sampled_from(read), st.sampled_from(paths))


def _at(data, path: tuple):
    for part in path:
        data = data[part]
    return data


@pytest.mark.parametrize("fmt", ["promptfoo", "lm-eval", "inspect", "json", None])
def test_fuzz_random_json_never_crashes(repo: Repo, tmp_path: Path, fmt):
    @FUZZ
    @given(data=VALUES, args=ARGS)
    def check(data, args):
        path = tmp_path / "fuzz.json"
        path.write_text(json.dumps(data).replace(f'"{HUGE}"', "1e400"), encoding="utf-8")
        _run_fuzzed(repo, path, fmt, args)

    check()


@pytest.mark.parametrize("fmt", ["promptfoo", "lm-eval", "inspect"])
def test_fuzz_mutated_real_files_never_crash(repo: Repo, tmp_path: Path, fmt: str):
    original = _fixture(FIXTURES[fmt])
    paths = _paths(original)

    @FUZZ
    @given(where=st.lists(_where(paths, original), min_size=1, max_size=3), value=st.one_of(ODD, ODD, VALUES),
           delete=st.booleans(),
           args=_args(fmt), detect=st.booleans())
    def check(where, value, delete, args, detect):
        data = original
        for path in where:
            try:
                data = _mutate(data, path, value, delete)
            except (KeyError, IndexError, TypeError):  # an earlier mutation removed the way there
                continue
        path = tmp_path / "fuzz.json"
        path.write_text(json.dumps(data).replace(f'"{HUGE}"', "1e400"), encoding="utf-8")
        _run_fuzzed(repo, path, None if detect else fmt, args)

    check()


def test_fuzz_mutated_eval_archives_never_crash(repo: Repo, tmp_path: Path):
    archives = [eval_archive(tmp_path / "good.eval").read_bytes(), zstd_eval(tmp_path / "zstd.eval").read_bytes()]
    header = _fixture(INSPECT)
    header.pop("samples")
    paths = _paths(header)

    @FUZZ
    @given(which=st.sampled_from(archives), flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(1, 255)),
                                                            max_size=4),
           cut=st.one_of(st.none(), st.floats(0, 1)), where=_where(paths, header), value=st.one_of(ODD, ODD, VALUES),
           args=_args("inspect"), mutate_header=st.booleans())
    def check(which, flips, cut, where, value, args, mutate_header):
        path = tmp_path / "fuzz.eval"
        if mutate_header:
            mutated = json.dumps(_mutate(header, where, value, False)).replace(f'"{HUGE}"', "1e400")
            _zip(path, {"_journal/start.json": "{}", "header.json": mutated})
        else:
            data = bytearray(which)
            for at, bits in flips:
                data[int(at * len(data))] ^= bits
            path.write_bytes(bytes(data[:int(cut * len(data))] if cut is not None else data))
        _run_fuzzed(repo, path, None, args)

    check()


# --------------------------------------------------------------------------- source.file (LB235)


def _sourced(tmp_path: Path) -> tuple[Repo, Path]:
    return _sourced_at(tmp_path / "repo")


def _sourced_at(root: Path) -> tuple[Repo, Path]:
    """A valid repository whose p95-latency has a measurement ingested from evals/nightly.json."""
    repo = Repo.valid(root)
    (repo.root / "evals").mkdir()
    result_file = repo.root / "evals" / "nightly.json"
    result_file.write_bytes(PROMPTFOO.read_bytes())
    done = run("ingest", result_file, *INITIATIVE, "--metric", "p95-latency", "--select", "format", "--root", repo.root)
    assert done.exit_code == 0, done.output
    return repo, result_file


def _lb235(repo: Repo) -> list[tuple[int, str]]:
    result = run("check", repo.root, "--as-of", "2026-11-30", "--format", "json")
    return [(p["line"], p["message"]) for p in json.loads(result.output)["problems"] if p["code"] == "LB235"]


def _line(repo: Repo, text: str) -> int:
    return next(n for n, line in enumerate(record_text(repo).splitlines(), 1) if text in line)


def test_a_source_file_in_the_repository_checks_out(tmp_path: Path):
    repo, _ = _sourced(tmp_path)
    assert metric(repo, "p95-latency")["measurements"][-1]["source"]["file"] == "evals/nightly.json"
    assert _lb235(repo) == []
    assert run("check", repo.root, "--as-of", "2026-11-30").exit_code == 0


def test_a_changed_source_file_is_reported_at_its_sha256(tmp_path: Path):
    repo, result_file = _sourced(tmp_path)
    result_file.write_text(result_file.read_text(encoding="utf-8").replace('"successes": 3', '"successes": 5'), encoding="utf-8")
    actual = hashlib.sha256(result_file.read_bytes()).hexdigest()
    assert _lb235(repo) == [(_line(repo, "sha256:"), f"metric 'p95-latency': source file evals/nightly.json has sha256 "
                             f"{actual[:12]}…, not the recorded 2465d97131df…: the file is not the one the measurement was read from")]
    text = run("check", repo.root, "--as-of", "2026-11-30")
    assert text.exit_code == 1
    assert f"{RECORD}:{_line(repo, 'sha256:')}:" in text.output and "error LB235" in text.output


def test_a_missing_source_file_is_reported_at_its_file(tmp_path: Path):
    repo, result_file = _sourced(tmp_path)
    result_file.unlink()
    assert _lb235(repo) == [(_line(repo, "file: evals/nightly.json"), "metric 'p95-latency': source file evals/nightly.json "
                             "is not in the repository; commit the result file with its measurement")]


def test_a_source_file_that_is_a_link_is_not_followed(tmp_path: Path):
    repo, result_file = _sourced(tmp_path)
    outside = tmp_path / "outside.json"
    outside.write_bytes(result_file.read_bytes())  # the right bytes, but not in the repository
    result_file.unlink()
    result_file.symlink_to(outside)
    assert [m for _, m in _lb235(repo)] == ["metric 'p95-latency': source file evals/nightly.json is a link; "
                                            "a source file must be a regular file in the repository, not a link"]
    folder = repo.root / "evals"
    result_file.unlink()
    folder.rmdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "nightly.json").write_bytes(PROMPTFOO.read_bytes())
    folder.symlink_to(tmp_path / "elsewhere")
    assert [m for _, m in _lb235(repo)] == ["metric 'p95-latency': source file evals/nightly.json is reached through a "
                                            "link (evals); a source file must be a regular file in the repository, not a link"]


def test_a_bare_name_is_a_file_from_outside_unless_the_root_has_it(tmp_path: Path):
    repo = Repo.valid(tmp_path / "repo")
    outside = tmp_path / "ci" / "results.json"
    outside.parent.mkdir()
    outside.write_bytes(PROMPTFOO.read_bytes())
    assert run("ingest", outside, *INITIATIVE, "--metric", "p95-latency", "--select", "format",
               "--root", repo.root).exit_code == 0
    assert _lb235(repo) == []  # recorded by name: nothing in the repository to check
    (repo.root / "results.json").write_text("{}")
    assert [m for _, m in _lb235(repo)][0].startswith("metric 'p95-latency': source file results.json has sha256 44136fa355b3…")


def test_diff_of_a_tree_with_source_files_shows_only_real_changes(tmp_path: Path):
    """diff judges its base from git's objects with empty stand-ins for non-record files: the
    source files LB235 hashes get their committed bytes, so identical trees differ in nothing."""
    from tests.test_govdiff import commit, git

    root = tmp_path / "governance"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    repo, result_file = _sourced_at(root)
    base = commit(root, "a measurement and its result file")
    same = run("diff", base, repo.root, "--format", "json", "--as-of", "2026-11-30")
    assert same.exit_code == 0, same.output
    assert json.loads(same.output)["problems_fixed"] == [] and json.loads(same.output)["problems_introduced"] == []
    result_file.write_text("{}", encoding="utf-8")  # the working tree's file is no longer the measured one
    changed = json.loads(run("diff", base, repo.root, "--format", "json", "--as-of", "2026-11-30").output)
    assert [p["code"] for p in changed["problems_introduced"]] == ["LB235"]
    assert changed["problems_fixed"] == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_source_file_that_is_a_fifo_is_reported_unread(tmp_path: Path):
    repo, result_file = _sourced(tmp_path)
    result_file.unlink()
    os.mkfifo(result_file)  # reading it would block check for ever
    assert [m for _, m in _lb235(repo)] == ["metric 'p95-latency': source file evals/nightly.json is not a regular file"]


@pytest.mark.parametrize("path", ["../outside.json", "/etc/passwd", "evals/../../outside.json"])
def test_a_source_path_that_leaves_the_repository_is_refused_not_followed(tmp_path: Path, path: str):
    repo, _ = _sourced(tmp_path)
    (tmp_path / "outside.json").write_bytes(PROMPTFOO.read_bytes())  # the right bytes, outside
    repo.path(RECORD).write_text(record_text(repo).replace("file: evals/nightly.json", f"file: '{path}'"), encoding="utf-8")
    result = run("check", repo.root, "--as-of", "2026-11-30", "--format", "json")
    assert result.exit_code == 1, result.output
    found = [(p["code"], p["line"]) for p in json.loads(result.output)["problems"]]
    assert found == [("LB100", _line(repo, f"file: '{path}'"))]  # the schema's pattern: never a path to follow


@pytest.mark.parametrize("select", ["runs.²", "runs.1" + "0" * 5000, "runs.-1", "runs. 0"])
def test_a_list_index_is_ascii_digits(repo: Repo, tmp_path: Path, select: str):
    # "²".isdigit() is true and int("²") raises: once a traceback, found by the fuzz
    path = _json(tmp_path, {"runs": [1420]})
    refused(ingest(repo, path, *INITIATIVE, "--metric", "p95-latency", "--select", select), "result.json has no")
