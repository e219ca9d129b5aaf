"""`launchboard ingest`: append one measurement, read from an evaluation run, to a metric.

The measurement goes into `decisions/<initiative>/initiative.yaml` by a located text
insertion: the YAML event stream gives where the metric and its `measurements` start and
end, and the new entry is written there in the style of its neighbours (a block list item,
a flow `[...]` entry, or a new `measurements:` key). Every other byte of the file stays as it
was: comments, key order, quoting, blank lines. The result is parsed again and must equal
the old record plus the one entry, and pass the schema, before it replaces the file
(atomically, through a temporary file in the same folder).

Refused (IngestError, exit 2, nothing written): an unknown initiative or metric, a record
that does not pass its schema, a result file whose sha256 or run id the metric already
records, a file that is not what --format says, a selection it does not hold, a value or
count that is malformed, a scale or direction that does not fit the metric (readings.py).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.core.safe_paths import outside_repository
from generator.authoring import evals
from generator.authoring.readings import (
    IngestError,
    in_metric_unit,
    older_than_latest,
    refuse_other_direction,
    refuse_recorded_file,
    refuse_recorded_run,
    rounded,
)
from generator.authoring.readings import number as _number
from generator.authoring.scaffold import ID_RE, yaml_str
from generator.core.loader import RecordError, decode_text, parse_document, read_bytes

_YAML_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")  # where libyaml starts a new line (as loader.py)
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*\Z")  # strings written without quotes
_DATE = re.compile(r"(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}\Z")
_RUN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{0,199}\Z")  # as the schema's source.run
_FILE = re.compile(r"(?!/)(?!(?:[^/]*/)*\.\.(?:/|$))[A-Za-z0-9._~@%+=-][A-Za-z0-9._~@%+=/ -]{0,499}\Z")
try:
    _EventLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML without libyaml
    _EventLoader = yaml.SafeLoader


@dataclass
class Ingested:
    """What `ingest` did (or, with dry_run, would do), for the command to report."""

    record: str  # decisions/<id>/initiative.yaml, relative to ROOT
    fmt: str
    detected: bool  # the format was detected, not given
    reading: evals.Reading
    value: float  # as written: rounded to the tool's precision, in the metric's unit
    date: str
    entry: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # recorded, but the user should know (stderr)


# --------------------------------------------------------------------------- the command's work


def ingest(
    result_file: Path, root: Path, initiative: str, metric: str, *,
    fmt: str | None = None, select: str | None = None, date: str | None = None, scale: str | None = None,
    today: str, dry_run: bool = False,
) -> Ingested:
    """Read RESULT_FILE, append its measurement to the metric, and return what was written."""
    if not result_file.is_file():  # a FIFO or a device would block or never end
        raise IngestError(f"{result_file.name} is not a regular file")
    record_path, record = _record_path(root, initiative)
    raw = _read_record(record_path, root, record)
    text = decode_text_or_refuse(raw, record)
    document = _valid_document(root, record, text, initiative)
    index = _metric_index(document.data, metric, record)
    spec = document.data["metrics"][index]

    digest = _sha256(result_file)
    measurements = spec.get("measurements") or []
    refuse_recorded_file(digest, measurements, metric, result_file.name)
    data = evals.load(result_file)
    detected = fmt is None
    fmt = evals.detect(data) if fmt is None else fmt
    reading = evals.read(data, fmt, select, result_file.name)
    run = reading.run if _RUN.fullmatch(reading.run) else ""
    refuse_recorded_run(reading.tool, run, measurements, metric, result_file.name)
    when, why = _date_of(date, reading, today)
    notes: list[str] = []
    value = _value_for(reading, spec, scale, result_file.name, notes)
    notes.append(f"date {when} {why}")
    source: dict[str, Any] = {"tool": reading.tool, "file": _source_file(result_file, root), "sha256": digest}
    if run:
        source["run"] = run
    elif reading.run:
        notes.append("the file's run id has characters a record does not keep; recorded without it")
    entry = {"date": when, "value": value, "source": source}

    new_text = insert_measurement(text, index, entry)
    _confirm(root, record, document.data, index, entry, new_text, initiative)
    if not dry_run:
        _replace(record_path, raw, _encoded(raw, new_text))
    return Ingested(record, fmt, detected, reading, value, when, entry, notes, older_than_latest(when, measurements, metric))


def _value_for(reading: evals.Reading, spec: dict, scale: str | None, file_name: str, notes: list[str]) -> float:
    """The reading as the metric records it: in its direction, rounded, in its unit (readings.py)."""
    refuse_other_direction(reading, spec, file_name)
    value = rounded(_finite(reading.value, reading.what, file_name), reading, notes)
    return in_metric_unit(value, reading, spec, scale, file_name, notes)


def _record_path(root: Path, initiative: str) -> tuple[Path, str]:
    if not isinstance(initiative, str) or not ID_RE.fullmatch(initiative):
        raise IngestError(f"initiative {initiative!r} is not a valid id (kebab-case, e.g. support-assistant)")
    record = f"decisions/{initiative}/initiative.yaml"
    path = root / record
    if not path.exists() and not path.is_symlink():
        raise IngestError(f"no initiative {initiative!r}: {record} does not exist under {root}")
    if path.is_symlink():
        raise IngestError(f"{record} is a link; ingest writes only a regular file")
    # check reads no initiative behind a linked folder, and a write there could leave the repository
    for folder in ("decisions", f"decisions/{initiative}"):
        if (root / folder).is_symlink():
            reason = outside_repository(root, record) or f"{folder} is a link"
            raise IngestError(f"refusing to write {record}: {reason}; ingest writes only inside the repository's own folders")
    return path, record


def _read_record(path: Path, root: Path, record: str) -> bytes:
    """The record's bytes, as check reads them (a regular file, 1 MiB at most)."""
    try:
        return read_bytes(path, root)
    except RecordError as err:
        raise IngestError(f"{record}: {err.message}") from None
    except OSError as exc:
        raise IngestError(f"cannot read {record}: {exc.strerror}") from None


def decode_text_or_refuse(raw: bytes, record: str) -> str:
    try:
        return decode_text(raw)
    except RecordError as err:
        raise IngestError(f"{record}:{err.line}:{err.column}: {err.message}") from None


def _valid_document(root: Path, record: str, text: str, initiative: str):
    """The record parsed, when it passes its schema: ingest appends to a sound record only."""
    from generator.core.validate import schema_set

    try:
        document = parse_document(record, text)
    except RecordError as err:
        raise IngestError(f"{record}:{err.line}:{err.column}: {err.code} {err.message}; fix it first") from None
    found = schema_set(root).validate(document, "initiative", initiative)
    if found:
        first = found[0]
        raise IngestError(f"{first.location}: {first.code} {first.message}; fix the record first (launchboard check)")
    return document


def _metric_index(data: dict, metric: str, record: str) -> int:
    ids = [m.get("id") for m in data.get("metrics") or []]
    if metric not in ids:
        raise IngestError(f"{record} has no metric {metric!r}; its metrics: {', '.join(map(str, ids)) or 'none'}")
    return ids.index(metric)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as exc:
        raise IngestError(f"cannot read {path.name}: {exc.strerror}") from None
    return h.hexdigest()


def _finite(value: Any, what: str, file_name: str) -> float:
    """The readers refuse what is not a finite number; this guards the write all the same."""
    if not evals._is_number(value) or not math.isfinite(value):
        raise IngestError(f"{file_name}: {what} is {evals.shown(value)}, not a finite number")
    return value


def _date_of(date: str | None, reading: evals.Reading, today: str) -> tuple[str, str]:
    """The measurement's date and where it came from: --date, the run's timestamp, or today."""
    if date is not None:
        if not _is_date(date):
            raise IngestError(f"--date {date!r} is not a date YYYY-MM-DD")
        return _not_after(date, "(from --date)", today)
    if reading.date_error:
        raise IngestError(f"{reading.date_error}; give --date with the day the evaluation ran")
    if reading.date:
        if not _is_date(reading.date):
            raise IngestError(f"the run's date {reading.date} is not a year from 1900 to 2999; give --date with the day it ran")
        return _not_after(reading.date, "(from the run's timestamp in the file)", today)
    return today, "(today: the file has no run timestamp; give --date to say when it ran)"


def _not_after(when: str, why: str, today: str) -> tuple[str, str]:
    """A future date would stay "latest" and hold a metric gate for ever (LB211): refused."""
    if when > today:
        raise IngestError(f"the measurement's date {when} {why} is after today ({today}); "
                          "give --date with the day the evaluation ran")
    return when, why


def _is_date(text: str) -> bool:
    try:
        return bool(_DATE.fullmatch(text)) and bool(dt.date.fromisoformat(text))
    except ValueError:
        return False


def _source_file(path: Path, root: Path) -> str:
    """The result file relative to ROOT when inside it; else its name alone (a CI runner's
    absolute path means nothing to a reader; the sha256 identifies the file)."""
    try:
        name = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        name = path.name
    if not _FILE.fullmatch(name):
        raise IngestError(f"the result file's path {name!r} cannot be recorded: use letters, digits and ._~@%+=- in its name")
    return name


# --------------------------------------------------------------------------- located insertion


@dataclass
class _Node:
    """A YAML node's place in the text: where it starts and where its content ends."""

    kind: str  # scalar | mapping | sequence
    start: int  # character index
    end: int  # index just past the content (a block collection: past its last scalar or flow node)
    flow: bool = False
    close: int = -1  # flow collections: index of the closing bracket
    column: int = 0  # column of the start (block sequences: of the first dash)
    items: list[Any] = field(default_factory=list)  # sequence: nodes; mapping: (key, value) pairs
    key: "_Node | None" = None  # mapping: the key whose value comes next


def node_tree(text: str) -> _Node:
    """The document's root node with positions, from the YAML event stream."""
    starts = [0] + [m.end() for m in _YAML_BREAK.finditer(text)]

    def at(mark: Any) -> int:
        return starts[min(mark.line, len(starts) - 1)] + mark.column

    stack: list[_Node] = []
    root: _Node | None = None

    def attach(node: _Node) -> None:
        nonlocal root
        if not stack:
            root = node
            return
        parent = stack[-1]
        if parent.kind == "sequence":
            parent.items.append(node)
        elif parent.key is None:
            parent.key = node
        else:
            parent.items.append((parent.key, node))
            parent.key = None

    for event in yaml.parse(text, Loader=_EventLoader):
        if isinstance(event, yaml.ScalarEvent):
            attach(_Node("scalar", at(event.start_mark), at(event.end_mark), column=event.start_mark.column))
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            kind = "mapping" if isinstance(event, yaml.MappingStartEvent) else "sequence"
            node = _Node(kind, at(event.start_mark), at(event.start_mark), bool(event.flow_style), column=event.start_mark.column)
            attach(node)
            stack.append(node)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            node = stack.pop()
            if node.flow:
                node.close, node.end = at(event.start_mark), at(event.end_mark)
            else:
                last = node.items[-1] if node.items else None
                node.end = (last[1] if isinstance(last, tuple) else last).end if last is not None else node.start
        elif isinstance(event, yaml.AliasEvent):
            raise IngestError("the record uses YAML aliases, which records may not")
    if root is None:
        raise IngestError("the record is empty")
    return root


def _value(mapping: _Node, key: str, text: str) -> _Node | None:
    for key_node, value in mapping.items:
        if _scalar_text(key_node, text) == key:
            return value
    return None


def _scalar_text(node: _Node, text: str) -> str:
    raw = text[node.start:node.end]
    return raw[1:-1] if raw[:1] in "'\"" else raw


def _line_end(text: str, index: int, newline: str) -> tuple[int, str]:
    """Where a new line goes after content ending at INDEX, and a break to add first if the file lacks it."""
    if index > 0 and text[index - 1] in "\n\r":
        return index, ""
    found = _YAML_BREAK.search(text, index)
    if found is None:
        return len(text), newline
    return found.end(), ""


def insert_measurement(text: str, metric_index: int, entry: dict[str, Any]) -> str:
    """TEXT with ENTRY appended to metrics[METRIC_INDEX].measurements, nothing else changed."""
    newline = "\r\n" if "\r\n" in text else "\n"
    root = node_tree(text)
    metrics = _value(root, "metrics", text)
    if metrics is None or metrics.kind != "sequence" or metric_index >= len(metrics.items):
        raise IngestError("the record's metrics could not be located")
    metric = metrics.items[metric_index]
    measurements = _value(metric, "measurements", text)
    if measurements is None:
        return _add_measurements_key(text, metric, entry, newline)
    if measurements.kind != "sequence":
        raise IngestError("the metric's measurements are not a list")
    if measurements.flow:
        if not measurements.items:
            return text[:measurements.close] + _flow_entry(entry) + text[measurements.close:]
        at = measurements.items[-1].end
        return text[:at] + ", " + _flow_entry(entry) + text[at:]
    last = measurements.items[-1]
    at, lead = _line_end(text, last.end, newline)
    dash = measurements.column
    if last.kind == "mapping" and not last.flow:
        lines = _block_entry(entry, dash, last.column, newline)
    else:
        lines = " " * dash + "- " + _flow_entry(entry) + newline
    return text[:at] + lead + lines + text[at:]


def _add_measurements_key(text: str, metric: _Node, entry: dict[str, Any], newline: str) -> str:
    if metric.flow:
        at = metric.items[-1][1].end
        return text[:at] + ", measurements: [" + _flow_entry(entry) + "]" + text[at:]
    column = metric.items[0][0].column
    at, lead = _line_end(text, metric.end, newline)
    block = " " * column + "measurements:" + newline + _block_entry(entry, column + 2, column + 4, newline)
    return text[:at] + lead + block + text[at:]


def _block_entry(entry: dict[str, Any], dash: int, column: int, newline: str) -> str:
    keys = list(entry)
    first = " " * dash + "-" + " " * (column - dash - 1) + f"{keys[0]}: {_scalar(entry[keys[0]])}" + newline
    return first + "".join(" " * column + f"{key}: {_scalar(entry[key])}" + newline for key in keys[1:])


def _flow_entry(entry: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{key}: {_scalar(value)}" for key, value in entry.items()) + "}"


def _scalar(value: Any) -> str:
    if isinstance(value, dict):
        return _flow_entry(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value)
    text = str(value)
    if _DATE.fullmatch(text):
        return text  # records write dates plain; the loader keeps them as strings
    from generator.core.loader import _resolve_plain

    return text if _PLAIN.fullmatch(text) and _resolve_plain(text) == text else yaml_str(text)


# --------------------------------------------------------------------------- checking and writing


def _confirm(root: Path, record: str, old: dict, index: int, entry: dict[str, Any], new_text: str, initiative: str) -> None:
    """The new text must read as the old record plus ENTRY, and pass the schema."""
    expected = copy.deepcopy(old)
    expected["metrics"][index].setdefault("measurements", []).append(entry)
    try:
        document = parse_document(record, new_text)
    except RecordError as err:  # pragma: no cover - would be a bug in the insertion
        raise IngestError(f"the edited record would not parse ({err.message}); nothing was written") from None
    if document.data != expected:  # pragma: no cover - would be a bug in the insertion
        raise IngestError("the edited record would not read as the old one plus the measurement; nothing was written")
    found = [p for p in _validate(root, document, initiative)]
    if found:
        first = found[0]
        raise IngestError(f"the measurement would not pass the schema: {first.code} {first.message}; nothing was written")


def _validate(root: Path, document: Any, initiative: str) -> list:
    from generator.core.validate import schema_set

    return schema_set(root).validate(document, "initiative", initiative)


def _encoded(raw: bytes, text: str) -> bytes:
    """TEXT as bytes, with the byte-order mark the original had (decode_text drops it)."""
    return (b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b"") + text.encode("utf-8")


def _replace(path: Path, old: bytes, new: bytes) -> None:
    """Write NEW over PATH atomically, unless PATH changed since it was read."""
    fd, temp = tempfile.mkstemp(prefix=".ingest-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(new)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temp, path.stat().st_mode & 0o7777)
        if path.read_bytes() != old:
            raise IngestError(f"{path.name} changed while the measurement was being added; nothing was written")
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
