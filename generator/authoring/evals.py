"""Read one score out of an evaluation tool's result file, for `launchboard ingest`.

Formats (the files the tools themselves write):

- promptfoo: `promptfoo eval --output results.json` (results `version` 3). By default the
  pass rate, `results.stats.successes / (successes + failures + errors)`: a test that
  errored did not pass. `--select NAME`: the mean of the named score NAME over the tests
  that have it (`namedScores` / `namedScoresCount` of each prompt, else of each result).
  Run id `evalId`; timestamp `results.timestamp`.
- lm-eval: lm-evaluation-harness `results_*.json`. `--select TASK/METRIC`, e.g.
  `hellaswag/acc,none` (`hellaswag/acc` means `acc,none`); may be left out when the file
  holds one task with one metric. No run id; timestamp `date` (epoch seconds, UTC).
- inspect: an Inspect AI JSON eval log (`--log-format json`, log `version` 2, status
  `success`). `--select SCORER/METRIC`, e.g. `includes/accuracy`; by default the log's
  `results.headline`, else the only scorer's `accuracy`. Run id `eval.run_id`; timestamp
  `eval.created`.
- json: any JSON file; `--select` is a dotted path to a number (`a.b.0.c`, list indexes as
  numbers). No run id; no timestamp (the date is --date, else today).

Every reader raises EvalError with a message that says what to change; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_RESULT_BYTES = 64 * 1024 * 1024  # Inspect logs carry every sample; real ones reach tens of MB
FORMATS = ("promptfoo", "lm-eval", "inspect", "json")
_LM_EVAL_FILE_TIME = re.compile(r"results_(\d{4}-\d{2}-\d{2})T")


class EvalError(Exception):
    """The file, format or selection cannot give one number (exit 2)."""


@dataclass(frozen=True)
class Reading:
    """One number read from a result file, and what the file says about its run."""

    tool: str
    value: float
    what: str  # what was read, for the output, e.g. "pass rate (3 of 5 tests)"
    fraction: bool  # a 0-1 score by the tool's definition (pass rates, accuracies), so % can scale it
    date: str | None  # ISO date of the run, when the file has one
    run: str  # the tool's run id, "" when the file has none


def load_json(path: Path) -> Any:
    """The parsed file; EvalError when it is too large, not UTF-8 or not JSON."""
    try:
        size = path.stat().st_size
        if size > MAX_RESULT_BYTES:
            raise EvalError(f"{path.name} is {size:,} bytes; result files over {MAX_RESULT_BYTES:,} bytes are not read")
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EvalError(f"{path.name} is not UTF-8 text, so not a JSON result file") from None
    except OSError as exc:
        raise EvalError(f"cannot read {path.name}: {exc.strerror}") from None
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise EvalError(f"{path.name} is not JSON: {exc}") from None


def _refuse_constant(name: str) -> float:
    return math.nan  # NaN/Infinity load, and are refused if they are the value selected


# --------------------------------------------------------------------------- detection


def is_promptfoo(data: Any) -> bool:
    results = data.get("results") if isinstance(data, dict) else None
    return isinstance(results, dict) and isinstance(results.get("stats"), dict) and isinstance(results.get("results"), list) \
        and ("evalId" in data or "version" in results)


def is_lm_eval(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("results"), dict) \
        and any(key in data for key in ("versions", "n-shot", "lm_eval_version", "higher_is_better")) \
        and all(isinstance(v, dict) for v in data["results"].values())


def is_inspect(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("eval"), dict) and "status" in data \
        and isinstance(data.get("version"), int) and "task" in data["eval"]


DETECTORS: tuple[tuple[str, Callable[[Any], bool]], ...] = (
    ("promptfoo", is_promptfoo),
    ("inspect", is_inspect),
    ("lm-eval", is_lm_eval),
)


def detect(data: Any) -> str:
    """The first tool whose file shape matches; plain `json` when none does."""
    return next((name for name, matches in DETECTORS if matches(data)), "json")


def read(data: Any, fmt: str, select: str | None, file_name: str) -> Reading:
    """The selected number from a parsed result file of format `fmt`."""
    detector = dict(DETECTORS).get(fmt)
    if detector is not None and not detector(data):
        raise EvalError(f"{file_name} is not {'a' if fmt == 'promptfoo' else 'an'} {fmt} result file ({EXPECTED[fmt]})")
    return READERS[fmt](data, select, file_name)


EXPECTED = {
    "promptfoo": "expected `promptfoo eval --output FILE.json`: evalId and results.stats",
    "lm-eval": "expected lm-evaluation-harness results_*.json: results per task and versions",
    "inspect": "expected an Inspect AI JSON eval log: version, status and eval.task",
}


# --------------------------------------------------------------------------- readers


def read_promptfoo(data: dict, select: str | None, file_name: str) -> Reading:
    results = data["results"]
    when, run = _iso_date(results.get("timestamp")), _text(data.get("evalId"))
    if select is None:
        stats = results["stats"]
        passed, failed, errored = (_count(stats.get(k)) for k in ("successes", "failures", "errors"))
        total = passed + failed + errored
        if total == 0:
            raise EvalError(f"{file_name}: results.stats counts no tests, so there is no pass rate")
        return Reading("promptfoo", passed / total, f"pass rate ({passed} of {total} tests passed)", True, when, run)
    total, count = _promptfoo_named(results, select)
    if not count:
        names = sorted(_promptfoo_names(results))
        raise EvalError(f"{file_name} has no named score {select!r}; named scores: {', '.join(names) or 'none'}"
                        " (leave out --select for the pass rate)")
    return Reading("promptfoo", total / count, f"named score {select} (mean of {count})", True, when, run)


def _promptfoo_named(results: dict, name: str) -> tuple[float, int]:
    """(sum, count) of the named score: from each prompt's metrics, else from each result row."""
    total, count = 0.0, 0
    prompts = [p for p in results.get("prompts") or [] if isinstance(p, dict)]
    for prompt in prompts:
        metrics = prompt.get("metrics") or {}
        scores, counts = metrics.get("namedScores") or {}, metrics.get("namedScoresCount") or {}
        if name in scores and _is_number(scores[name]) and _is_number(counts.get(name)):
            total, count = total + scores[name], count + int(counts[name])
    if count:
        return total, count
    for row in results.get("results") or []:
        scores = row.get("namedScores") if isinstance(row, dict) else None
        if isinstance(scores, dict) and _is_number(scores.get(name)):
            total, count = total + scores[name], count + 1
    return total, count


def _promptfoo_names(results: dict) -> set[str]:
    names: set[str] = set()
    for row in list(results.get("prompts") or []) + list(results.get("results") or []):
        if isinstance(row, dict):
            scores = (row.get("metrics") or {}).get("namedScores") if "metrics" in row else row.get("namedScores")
            names.update(k for k in (scores or {}) if isinstance(k, str))
    return names


def read_lm_eval(data: dict, select: str | None, file_name: str) -> Reading:
    choices = [(task, key) for task, metrics in data["results"].items() for key, value in metrics.items()
               if "," in key and "_stderr," not in key and _is_number(value)]
    if select is None:
        if len(choices) != 1:
            raise EvalError(f"{file_name} holds {len(choices)} scores; choose one with --select TASK/METRIC: {_listing(choices)}")
        task, key = choices[0]
    else:
        task, _, key = select.rpartition("/")
        if not task:
            raise EvalError(f"--select for lm-eval is TASK/METRIC, e.g. hellaswag/acc,none; choices: {_listing(choices)}")
        key = key if "," in key else f"{key},none"
        if (task, key) not in choices:
            raise EvalError(f"{file_name} has no score {task}/{key}; choices: {_listing(choices)}")
    when = _epoch_date(data.get("date")) or _file_name_date(file_name)
    return Reading("lm-eval", data["results"][task][key], f"{task}/{key}", True, when, "")


def _listing(choices: list[tuple[str, str]], limit: int = 12) -> str:
    shown = [f"{task}/{key}" for task, key in choices[:limit]]
    return ", ".join(shown) + (f" (+{len(choices) - limit} more)" if len(choices) > limit else "") if shown else "none"


def read_inspect(data: dict, select: str | None, file_name: str) -> Reading:
    if data.get("status") != "success":
        raise EvalError(f"{file_name}: the eval's status is {_text(data.get('status'))!r}, not 'success'; its scores are incomplete")
    scores = [s for s in (data.get("results") or {}).get("scores") or [] if isinstance(s, dict)]
    choices = [(_text(s.get("name")), name) for s in scores for name, m in (s.get("metrics") or {}).items()
               if isinstance(m, dict) and _is_number(m.get("value"))]
    if select is None:
        scorer, metric = _inspect_headline(data, scores, file_name, choices)
    else:
        scorer, _, metric = select.rpartition("/")
        if not scorer:
            raise EvalError(f"--select for inspect is SCORER/METRIC, e.g. includes/accuracy; choices: {_listing(choices)}")
    if (scorer, metric) not in choices:
        raise EvalError(f"{file_name} has no score {scorer}/{metric}; choices: {_listing(choices)}")
    value = next(s["metrics"][metric]["value"] for s in scores if _text(s.get("name")) == scorer)
    eval_ = data["eval"]
    return Reading("inspect", value, f"{scorer}/{metric}", True, _iso_date(eval_.get("created")), _text(eval_.get("run_id")))


def _inspect_headline(data: dict, scores: list[dict], file_name: str, choices: list[tuple[str, str]]) -> tuple[str, str]:
    headline = (data.get("results") or {}).get("headline")
    if isinstance(headline, dict) and headline.get("metric"):
        return _text(headline.get("score") or headline.get("scorer")), _text(headline["metric"])
    if len(scores) == 1:
        return _text(scores[0].get("name")), "accuracy"
    raise EvalError(f"{file_name} has {len(scores)} scorers and no headline; choose with --select SCORER/METRIC: {_listing(choices)}")


def read_json(data: Any, select: str | None, file_name: str) -> Reading:
    if not select:
        raise EvalError("plain JSON needs --select with the dotted path of the number, e.g. --select metrics.accuracy")
    node = data
    for depth, part in enumerate(select.split(".")):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            where = ".".join(select.split(".")[:depth]) or "the top level"
            raise EvalError(f"{file_name} has no {select!r}: nothing at {part!r} under {where}")
    return Reading("json", node, select, False, None, "")


READERS: dict[str, Callable[[Any, str | None, str], Reading]] = {
    "promptfoo": read_promptfoo,
    "lm-eval": read_lm_eval,
    "inspect": read_inspect,
    "json": read_json,
}


# --------------------------------------------------------------------------- helpers


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _count(value: Any) -> int:
    return int(value) if _is_number(value) and value >= 0 else 0


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _iso_date(value: Any) -> str | None:
    """The calendar date of an ISO 8601 timestamp as written (the run's own day), else None."""
    if not isinstance(value, str):
        return None
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None


def _epoch_date(value: Any) -> str | None:
    if not _is_number(value) or not math.isfinite(value):
        return None
    try:
        return dt.datetime.fromtimestamp(value, dt.timezone.utc).date().isoformat()
    except (OverflowError, OSError, ValueError):
        return None


def _file_name_date(file_name: str) -> str | None:
    match = _LM_EVAL_FILE_TIME.search(file_name)
    return match.group(1) if match else None
