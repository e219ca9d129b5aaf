"""Read one score out of an evaluation tool's result file, for `launchboard ingest`.

Formats (the files the tools themselves write):

- promptfoo: `promptfoo eval --output results.json` (results `version` 3). By default the
  pass rate, `results.stats.successes / (successes + failures + errors)`: a test that
  errored did not pass. `--select NAME`: the mean of the named score NAME over the tests
  that have it (`namedScores` / `namedScoresCount` of each prompt, else of each result).
  Run id `evalId`; timestamp `results.timestamp`. promptfoo's other outputs (`.jsonl`,
  `.csv`, `.yaml`, `.html`, ...) are refused with how to write the JSON one.
- lm-eval: lm-evaluation-harness `results_*.json`. `--select TASK/METRIC`, e.g.
  `hellaswag/acc,none` (`hellaswag/acc` means `acc,none`); may be left out when the file
  holds one task with one metric. Run id: the run's `date` (epoch seconds, UTC, to the
  microsecond) with a digest of its `config`; `higher_is_better` says the score's direction.
- inspect: an Inspect AI eval log, `.eval` (its default: a zip archive whose `header.json`
  is the log without its samples) or `.json` (`--log-format json`), log `version` 2, status
  `success`; members compressed with Zstandard (Inspect's since 2026) need the `zstandard`
  package. `--select SCORER/METRIC`, e.g. `includes/accuracy`; by default the log's
  `results.headline`, else the only scorer's `accuracy`. Run id `eval.run_id`; timestamp
  `eval.created`.
- json: any JSON file; `--select` is a dotted path to a number (`a.b.0.c`, list indexes as
  numbers). No run id; no timestamp (the date is --date, else today).

A value is refused unless it is a finite number where the file holds it; a count unless it
is a whole number from 0 to 2**53. Each reading says what scale the tool defines the value
on (a fraction 0-1, or unknown) and how many decimals the tool shows, so that ingest neither
guesses a scale nor writes more digits than the tool reports.

Every reader raises EvalError with a message that names the file and the field, and says
what to change; nothing here writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_RESULT_BYTES = 64 * 1024 * 1024  # Inspect logs carry every sample; real ones reach tens of MB
MAX_ARCHIVE_BYTES = 256 * 1024 * 1024  # a .eval holds every sample (5-8x smaller than JSON); only header.json is read
MAX_ARCHIVE_ENTRIES = 1_000_000
MAX_COUNT = 2**53  # larger counts are not whole numbers in a float, and no evaluation has them
FORMATS = ("promptfoo", "lm-eval", "inspect", "json")
SCALES = ("fraction", "percent")
_LM_EVAL_FILE_TIME = re.compile(r"results_(\d{4}-\d{2}-\d{2})T")
_INDEX = re.compile(r"[0-9]{1,9}")  # a list index in a dotted path: ASCII digits ("²".isdigit() too)
_ZIP_MAGIC = b"PK\x03\x04"
_ZSTD = 93  # the zip compression method (Zstandard) Inspect writes .eval members with since 2026
INSPECT_HEADER = "header.json"
INSPECT_JOURNAL_START = "_journal/start.json"

# promptfoo's other `--output` formats, and what to do instead.
OTHER_OUTPUTS = {".jsonl": "JSON Lines", ".csv": "CSV", ".yaml": "YAML", ".yml": "YAML",
                 ".html": "HTML", ".htm": "HTML", ".txt": "text", ".xml": "XML"}
WHAT_WORKS = ("ingest reads promptfoo's JSON output (`promptfoo eval -o results.json`; -o may be given "
              "more than once), an lm-eval results_*.json, an Inspect log (.eval or .json), or any JSON "
              "file with --select")

# Scores each tool defines as a proportion of samples, so a fraction 0-1 by the tool's own
# definition (not by the value's size): lm-eval's metric names, Inspect's built-in metric.
LM_EVAL_FRACTIONS = frozenset({"acc", "acc_norm", "acc_mutual_info", "exact_match"})
INSPECT_FRACTIONS = frozenset({"accuracy"})
# Decimals each tool shows in its own report: promptfoo's pass rate 83.33 %, lm-eval's results
# table %.4f, Inspect's results panel .3f. A value is written with no more (see README).
DECIMALS = {"promptfoo": 4, "lm-eval": 4, "inspect": 3}


class EvalError(Exception):
    """The file, format or selection cannot give one number (exit 2)."""


class _OutOfRange(str):
    """A JSON number literal no float holds (1e400, or a 400-digit integer): kept as written."""


@dataclass(frozen=True)
class Reading:
    """One number read from a result file, and what the file says about its run."""

    tool: str
    value: float
    what: str  # what was read, for the output, e.g. "pass rate (3 of 5 tests)"
    scale: str | None  # "fraction" when the tool defines the value as a 0-1 proportion; None: the file does not say
    scale_why: str  # why it is a fraction, for messages ("" when scale is None)
    decimals: int | None  # decimals the tool shows; None: keep the value as written
    date: str | None  # ISO date of the run, when the file has one
    run: str  # the tool's run id, "" when the file has none
    higher_is_better: bool | None = None  # the file's own word on the score's direction (lm-eval)
    date_error: str = ""  # the file has a timestamp that is not one


# --------------------------------------------------------------------------- loading


def load(path: Path) -> Any:
    """The parsed result: a JSON file, or an Inspect `.eval` archive's header. EvalError when
    it is one of promptfoo's other outputs, too large, not UTF-8, not JSON or not a readable archive."""
    kind = OTHER_OUTPUTS.get(path.suffix.lower())
    if kind is not None:
        raise EvalError(f"{path.name} is a {kind} file, which ingest does not read: {WHAT_WORKS}. "
                        "Write the run's result as JSON with `promptfoo eval -o results.json` and ingest that")
    try:
        with open(path, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise EvalError(f"cannot read {path.name}: {exc.strerror}") from None
    if magic == _ZIP_MAGIC or path.suffix.lower() == ".eval":
        return load_eval_archive(path)
    return load_json(path)


def load_json(path: Path) -> Any:
    """The parsed file; EvalError when it is too large, not UTF-8 or not JSON."""
    try:
        size = path.stat().st_size
        if size > MAX_RESULT_BYTES:
            raise EvalError(f"{path.name} is {size:,} bytes; result files over {MAX_RESULT_BYTES:,} bytes are not read")
        raw = path.read_bytes()
    except OSError as exc:
        raise EvalError(f"cannot read {path.name}: {exc.strerror}") from None
    return parse_json(raw, path.name)


def parse_json(raw: bytes, name: str) -> Any:
    """JSON from bytes: NaN, Infinity and out-of-range numbers load, and are refused if selected."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise EvalError(f"{name} is not UTF-8 text, so not a JSON result file; {WHAT_WORKS}") from None
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except (ValueError, RecursionError) as exc:
        raise EvalError(f"{name} is not JSON ({_short(str(exc))}); {WHAT_WORKS}") from None


def _constant(name: str) -> float:
    return float(name)  # NaN, Infinity, -Infinity: loaded, refused where read


def _float(text: str) -> float | str:
    value = float(text)
    return value if math.isfinite(value) else _OutOfRange(text)


def _int(text: str) -> int | str:
    value = int(text)  # Python refuses over 4,300 digits (ValueError: not JSON)
    return value if abs(value) < 1e308 else _OutOfRange(text)


def load_eval_archive(path: Path) -> Any:
    """An Inspect `.eval` log's header.json (the log without samples), parsed.

    Inspect writes header.json when the eval finishes; an unfinished log has only
    _journal/start.json. Only that one member is read, at most MAX_RESULT_BYTES of it
    whatever its header claims, so a zip bomb or a huge archive costs nothing."""
    name = path.name
    try:
        if path.stat().st_size > MAX_ARCHIVE_BYTES:
            raise EvalError(f"{name} is over {MAX_ARCHIVE_BYTES:,} bytes; .eval archives that large are not read")
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ARCHIVE_ENTRIES:
                raise EvalError(f"{name} holds {len(infos):,} entries; an Inspect log with more than {MAX_ARCHIVE_ENTRIES:,} is not read")
            names = {info.filename for info in infos}
            if INSPECT_HEADER not in names:
                if INSPECT_JOURNAL_START in names:
                    raise EvalError(f"{name} has no {INSPECT_HEADER}: Inspect writes it when the eval finishes, "
                                    "so this eval did not finish and has no scores")
                raise EvalError(f"{name} is a zip archive but not an Inspect .eval log (no {INSPECT_HEADER}); {WHAT_WORKS}")
            info = archive.getinfo(INSPECT_HEADER)  # the last of that name, as Inspect reads it
            raw = _member(archive, info, name)
    except EvalError:
        raise
    except zipfile.LargeZipFile:
        raise EvalError(f"{name} needs ZIP64 support to read; it is not a .eval log ingest can read") from None
    except (zipfile.BadZipFile, EOFError, zlib.error, ValueError, NotImplementedError, RuntimeError) as exc:
        raise EvalError(f"{name} is not a readable .eval archive ({_short(str(exc))}); {WHAT_WORKS}") from None
    except OSError as exc:
        raise EvalError(f"cannot read {name}: {exc.strerror or exc}") from None
    return parse_json(raw, f"{name} ({INSPECT_HEADER})")


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """A member's bytes, at most MAX_RESULT_BYTES, checked against its CRC by zipfile."""
    if info.flag_bits & 0x1:
        raise EvalError(f"{name}: {info.filename} is encrypted; an Inspect log is not")
    if info.file_size > MAX_RESULT_BYTES:
        raise EvalError(f"{name}: {info.filename} is {info.file_size:,} bytes; over {MAX_RESULT_BYTES:,} is not read")
    if info.compress_type == _ZSTD and getattr(zipfile, "ZIP_ZSTANDARD", None) != _ZSTD:  # zipfile has it from 3.14
        return _zstd_member(archive, info, name)
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, _ZSTD):
        raise EvalError(f"{name}: {info.filename} is compressed with method {info.compress_type}, which ingest does not "
                        f"read; {CONVERT}")
    with archive.open(info) as member:
        raw = member.read(MAX_RESULT_BYTES + 1)
    if len(raw) > MAX_RESULT_BYTES:
        raise EvalError(f"{name}: {info.filename} is over {MAX_RESULT_BYTES:,} bytes; it is not read")
    return raw


CONVERT = ("convert the log with `inspect log convert LOG --to json --output-dir DIR` and ingest the .json, "
           "or run the eval with `--log-format json`")


def _zstd_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """A Zstandard member (zip method 93, Inspect's since 2026): zipfile before Python 3.14
    cannot open one, so its bytes are found from the local header and decompressed with the
    `zstandard` package, at most MAX_RESULT_BYTES, then checked against size and CRC."""
    try:
        import zstandard
    except ImportError:
        raise EvalError(f"{name}: {info.filename} is compressed with Zstandard, which needs the zstandard package "
                        f"(pip install 'launchboard[zstd]'); or {CONVERT}") from None
    if info.compress_size > MAX_RESULT_BYTES:
        raise EvalError(f"{name}: {info.filename} is {info.compress_size:,} bytes compressed; over {MAX_RESULT_BYTES:,} is not read")
    fh = archive.fp
    if fh is None:  # pragma: no cover - the archive is open
        raise EvalError(f"cannot read {name}")
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) != 30 or local[:4] != _ZIP_MAGIC:
        raise EvalError(f"{name} is not a readable .eval archive (bad local header for {info.filename})")
    skip = int.from_bytes(local[26:28], "little") + int.from_bytes(local[28:30], "little")
    fh.seek(info.header_offset + 30 + skip)
    compressed = fh.read(info.compress_size)
    try:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(compressed), read_across_frames=True)
        raw = bytearray()
        while len(raw) <= MAX_RESULT_BYTES and (chunk := reader.read(1 << 20)):
            raw += chunk
    except zstandard.ZstdError as exc:
        raise EvalError(f"{name} is not a readable .eval archive ({_short(str(exc))})") from None
    if len(raw) > MAX_RESULT_BYTES:
        raise EvalError(f"{name}: {info.filename} is over {MAX_RESULT_BYTES:,} bytes; it is not read")
    if len(raw) != info.file_size or zlib.crc32(raw) != info.CRC:
        raise EvalError(f"{name} is not a readable .eval archive ({info.filename}: size or CRC does not match)")
    return bytes(raw)


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


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
        and _is_number(data.get("version")) and "task" in data["eval"]


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
    "inspect": "expected an Inspect AI eval log (.eval, or .json from --log-format json): version, status and eval.task",
}


# --------------------------------------------------------------------------- readers


def read_promptfoo(data: dict, select: str | None, file_name: str) -> Reading:
    results = data["results"]
    when, date_error = _iso_date(results, "timestamp", "results.timestamp", file_name)
    run = _text(data.get("evalId"))
    if select is None:
        stats = results["stats"]
        passed, failed = (_count(stats.get(k), f"results.stats.{k}", file_name) for k in ("successes", "failures"))
        errored = _count(stats.get("errors", 0), "results.stats.errors", file_name)  # older files lack it
        total = passed + failed + errored
        if total == 0:
            raise EvalError(f"{file_name}: results.stats counts no tests, so there is no pass rate")
        return Reading("promptfoo", passed / total, f"pass rate ({passed} of {total} tests passed)", "fraction",
                       "a pass rate is passed tests / tests", DECIMALS["promptfoo"], when, run, None, date_error)
    total, count = _promptfoo_named(results, select, file_name)
    if not count:
        names = sorted(_promptfoo_names(results))
        raise EvalError(f"{file_name} has no named score {select!r}; named scores: {_short(', '.join(names) or 'none', 300)}"
                        " (leave out --select for the pass rate)")
    return Reading("promptfoo", total / count, f"named score {select} (mean of {count})", None, "",
                   DECIMALS["promptfoo"], when, run, None, date_error)


def _promptfoo_named(results: dict, name: str, file_name: str) -> tuple[float, int]:
    """(sum, count) of the named score: from each prompt's metrics, else from each result row.

    A prompt's namedScores[NAME] is the sum over its tests and namedScoresCount[NAME] how
    many there were; both must be well formed where present."""
    total, count = 0.0, 0
    for index, prompt in enumerate(_list(results.get("prompts"))):
        metrics = _dict(_dict(prompt).get("metrics"))
        scores, counts = _dict(metrics.get("namedScores")), _dict(metrics.get("namedScoresCount"))
        if name in scores and name in counts:
            where = f"results.prompts[{index}].metrics"
            total += _score(scores[name], f"{where}.namedScores.{name}", file_name)
            count += _count(counts[name], f"{where}.namedScoresCount.{name}", file_name)
    if count:
        return _finite_sum(total, name, file_name), count
    total = 0.0
    for index, row in enumerate(_list(results.get("results"))):
        scores = _dict(_dict(row).get("namedScores"))
        if name in scores:
            total += _score(scores[name], f"results.results[{index}].namedScores.{name}", file_name)
            count += 1
    return _finite_sum(total, name, file_name), count


def _finite_sum(total: float, name: str, file_name: str) -> float:
    if not math.isfinite(total):
        raise EvalError(f"{file_name}: the named score {name!r} adds up beyond a number's range")
    return total


def _promptfoo_names(results: dict) -> set[str]:
    names: set[str] = set()
    for prompt in _list(results.get("prompts")):
        names.update(k for k in _dict(_dict(_dict(prompt).get("metrics")).get("namedScores")) if isinstance(k, str))
    for row in _list(results.get("results")):
        names.update(k for k in _dict(_dict(row).get("namedScores")) if isinstance(k, str))
    return names


def read_lm_eval(data: dict, select: str | None, file_name: str) -> Reading:
    choices = [(task, key) for task, metrics in data["results"].items() for key in metrics
               if isinstance(key, str) and "," in key and "_stderr," not in key]
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
    value = _score(data["results"][task][key], f"results.{task}.{key}", file_name)
    base = key.split(",", 1)[0]
    when, date_error = _epoch_date(data, file_name)
    when = when or (None if date_error else _file_name_date(file_name))
    fraction = base in LM_EVAL_FRACTIONS
    return Reading("lm-eval", value, f"{task}/{key}", "fraction" if fraction else None,
                   f"lm-eval's {base} is the proportion of examples scored correct" if fraction else "",
                   DECIMALS["lm-eval"], when, _lm_eval_run(data), _higher_is_better(data, task, base, file_name), date_error)


def _higher_is_better(data: dict, task: str, base: str, file_name: str) -> bool | None:
    """The file's `higher_is_better[TASK][METRIC]`, when it says; a value that is not a boolean is refused."""
    table = _dict(_dict(data.get("higher_is_better")).get(task))
    if base not in table:
        return None
    value = table[base]
    if not isinstance(value, bool):
        raise EvalError(f"{file_name}: higher_is_better.{task}.{base} is {shown(value)}, not true or false")
    return value


def _lm_eval_run(data: dict) -> str:
    """lm-eval writes no run id: its run is the start time `date` (to the microsecond) and the
    `config` it ran with. Both survive re-serialising the file, unlike its bytes."""
    date, config = data.get("date"), data.get("config")
    if not _is_number(date) or not isinstance(config, dict):
        return ""
    try:
        started = dt.datetime.fromtimestamp(date, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    except (OverflowError, OSError, ValueError, TypeError, RecursionError):
        return ""
    return f"{started}/config-{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


def _listing(choices: list[tuple[str, str]], limit: int = 12) -> str:
    shown_ = [_short(f"{task}/{key}", 80) for task, key in choices[:limit]]
    return ", ".join(shown_) + (f" (+{len(choices) - limit} more)" if len(choices) > limit else "") if shown_ else "none"


def read_inspect(data: dict, select: str | None, file_name: str) -> Reading:
    if data.get("status") != "success":
        raise EvalError(f"{file_name}: the eval's status is {shown(data.get('status'))}, not 'success'; its scores are incomplete")
    results = _dict(data.get("results"))
    scores = [s for s in _list(results.get("scores")) if isinstance(s, dict)]
    choices = [(_text(s.get("name")), name) for s in scores for name in _dict(s.get("metrics")) if isinstance(name, str)]
    if select is None:
        scorer, metric = _inspect_headline(results, scores, file_name, choices)
    else:
        scorer, _, metric = select.rpartition("/")
        if not scorer:
            raise EvalError(f"--select for inspect is SCORER/METRIC, e.g. includes/accuracy; choices: {_listing(choices)}")
    if (scorer, metric) not in choices:
        raise EvalError(f"{file_name} has no score {scorer}/{metric}; choices: {_listing(choices)}")
    index = next(i for i, s in enumerate(scores) if _text(s.get("name")) == scorer and metric in _dict(s.get("metrics")))
    field = f"results.scores[{index}].metrics.{metric}.value"
    value = _score(_dict(scores[index]["metrics"][metric]).get("value"), field, file_name)
    eval_ = data["eval"]
    when, date_error = _iso_date(eval_, "created", "eval.created", file_name)
    fraction = metric in INSPECT_FRACTIONS
    return Reading("inspect", value, f"{scorer}/{metric}", "fraction" if fraction else None,
                   "Inspect's accuracy is the proportion of samples scored correct" if fraction else "",
                   DECIMALS["inspect"], when, _text(eval_.get("run_id")), None, date_error)


def _inspect_headline(results: dict, scores: list[dict], file_name: str, choices: list[tuple[str, str]]) -> tuple[str, str]:
    headline = results.get("headline")
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
        elif isinstance(node, list) and _INDEX.fullmatch(part) and int(part) < len(node):
            node = node[int(part)]
        else:
            where = ".".join(select.split(".")[:depth]) or "the top level"
            raise EvalError(f"{file_name} has no {_short(repr(select), 120)}: nothing at {_short(repr(part), 60)} "
                            f"under {_short(where, 120)}")
    return Reading("json", _score(node, select, file_name), select, None, "", None, None, "")


READERS: dict[str, Callable[[Any, str | None, str], Reading]] = {
    "promptfoo": read_promptfoo,
    "lm-eval": read_lm_eval,
    "inspect": read_inspect,
    "json": read_json,
}


# --------------------------------------------------------------------------- values


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _score(value: Any, field: str, file_name: str) -> float:
    """VALUE when it is a finite number; else EvalError naming the file and the field."""
    if not _is_number(value) or not math.isfinite(value):
        raise EvalError(f"{file_name}: {field} is {shown(value)}, not a finite number")
    return value


def _count(value: Any, field: str, file_name: str) -> int:
    """VALUE when it is a whole number from 0 to 2**53 (3.0 counts as 3); else EvalError."""
    whole = _is_number(value) and math.isfinite(value) and float(value).is_integer() and 0 <= value <= MAX_COUNT
    if not whole:
        raise EvalError(f"{file_name}: {field} is {shown(value)}, not a count (a whole number from 0 to 2**53)")
    return int(value)


def shown(value: Any) -> str:
    """A value from the file as a message shows it: short, and saying what kind it is."""
    if isinstance(value, _OutOfRange):
        text = f"{value} (beyond a number's range)"
    elif isinstance(value, float) and not math.isfinite(value):
        text = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, str):
        text = f"the string {value!r}"
    elif isinstance(value, (dict, list)):
        text = f"a {'mapping' if isinstance(value, dict) else 'list'}"
    else:
        text = repr(value)
    return _short(text, 80)


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


# --------------------------------------------------------------------------- dates


def _iso_date(holder: dict, key: str, field: str, file_name: str) -> tuple[str | None, str]:
    """(date, "") for an ISO 8601 timestamp's calendar day as written (the run's own day);
    (None, "") when absent; (None, why) when present but not a timestamp."""
    if key not in holder or holder[key] is None:
        return None, ""
    value = holder[key]
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat(), ""
        except ValueError:
            pass
    return None, f"{file_name}: {field} is {shown(value)}, not an ISO 8601 timestamp"


def _epoch_date(data: dict, file_name: str) -> tuple[str | None, str]:
    if "date" not in data or data["date"] is None:
        return None, ""
    value = data["date"]
    if _is_number(value) and math.isfinite(value) and value >= 0:
        try:
            return dt.datetime.fromtimestamp(value, dt.timezone.utc).date().isoformat(), ""
        except (OverflowError, OSError, ValueError):
            pass
    return None, f"{file_name}: date is {shown(value)}, not a time in epoch seconds"


def _file_name_date(file_name: str) -> str | None:
    match = _LM_EVAL_FILE_TIME.search(file_name)
    return match.group(1) if match else None
