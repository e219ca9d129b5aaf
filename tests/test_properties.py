"""Properties, not examples: whatever a record holds, the core ends, never raises, and points
inside the file.

Hypothesis generates three kinds of input and writes each into a small valid repository
(tests/hostile/base/) in place of one record:

* arbitrary YAML-ish text and bytes (tokens YAML gives meaning to, control characters,
  BOMs, CRLF, deep brackets, anchors, tags, huge numerals);
* arbitrary YAML documents (nested mappings, lists and scalars dumped in every style);
* arbitrary-but-plausible records: every field of an initiative, a decision and a checklist,
  drawn from values that are valid, nearly valid and absurd (year 0000 and 9999, Feb 30,
  negative and enormous numbers, unknown statuses, cycles in `supersedes`), judged on a random
  "today".

A fourth kind is records the schemas accept, made awkward (integral floats, any script,
Markdown syntax, maximum lengths, empty optional lists): these go through the real `check`
and `render` commands, which must not crash (see the last section).

For each of the first three: `load_portfolio` returns (no exception, within the deadline), and every problem names
a file that exists, a line no further than one past the file's last line, and a column >= 1.
Documents made only of strings also read back exactly as they were written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from generator.core.loader import RecordError, parse_yaml
from generator.core.pipeline import load_portfolio
from tests.test_hostile import ADR, BASE, INIT, POLICY, SEC

SETTINGS = settings(
    max_examples=int(os.environ.get("LAUNCHBOARD_PROPERTY_EXAMPLES", "150")),
    deadline=dt.timedelta(seconds=10),  # "always ends": one example takes ~20 ms; generous for loaded CI
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("CI") is not None,  # CI runs are repeatable; local runs explore
)


# --------------------------------------------------------------------------- the repository


class Scratch:
    """One base repository per test, with one record replaced per example."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="lb-properties-"))
        self.root = self.dir / "repo"
        shutil.copytree(BASE, self.root, ignore=shutil.ignore_patterns(".launchboard-cache"))
        self.originals = {rel: (BASE / rel).read_bytes() for rel in (INIT, ADR, SEC, POLICY)}

    def reset(self) -> None:
        for rel, data in self.originals.items():
            (self.root / rel).write_bytes(data)

    def put(self, rel: str, data: bytes) -> None:
        self.reset()
        (self.root / rel).write_bytes(data)

    def close(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def scratch(monkeypatch):
    monkeypatch.setenv("LAUNCHBOARD_NO_CACHE", "1")
    repo = Scratch()
    yield repo
    repo.close()


def assert_located(root: Path, as_of: str | dt.date = "2026-11-29") -> None:
    """The property: load_portfolio returns, and every problem is inside an existing file."""
    portfolio = load_portfolio(root, as_of)
    lines: dict[str, int] = {}
    for problem in portfolio.problems:
        where = problem.location
        path = root / where.file
        assert path.exists() or path.is_symlink(), where
        assert where.line >= 1 and where.column >= 1, where
        if path.is_file():
            if where.file not in lines:
                lines[where.file] = _lines(path.read_bytes())
            assert where.line <= lines[where.file] + 1, (where, lines[where.file])
        assert problem.code.startswith("LB") and problem.message
    assert portfolio.problems == sorted(portfolio.problems, key=lambda p: p.sort_key())


_BREAKS = re.compile(rb"\r\n|\r|\n")  # the line breaks editors and GitHub count

# YAML also breaks lines at U+0085, U+2028 and U+2029, which editors do not; locations count
# editor lines (test_unicode_line_separators_keep_locations). PyYAML's emitter, used to make
# test documents, folds them inside quoted scalars, so `strings_only` leaves them out.
_YAML_ONLY_BREAKS = ("\x85", "\u2028", "\u2029")


def _lines(data: str | bytes) -> int:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    return len(_BREAKS.findall(raw)) + 1


def _editor_lines(text: str) -> str:
    for ch in _YAML_ONLY_BREAKS:
        text = text.replace(ch, " ")
    return text


# --------------------------------------------------------------------------- arbitrary text

TOKENS = [
    "id", "title", "stage", "history", "date", "items", "x-", "a", "é", "𝒳", "\u202e",
    ":", ": ", "-", "- ", "? ", ",", "[", "]", "{", "}", "'", '"', "\\", "|", ">", "#", "%", "@", "`",
    "&a ", "*a", "!!str ", "!!python/object:os.system ", "!x ", "!<tag:x> ", "<<: ", "---", "...", "%YAML 1.1\n",
    "\n", "\r\n", "\r", "  ", "    ", "\t", "\ufeff", "\x00", "\x07", "\x1b[31m", "\x85", "\u2028", "\u2029",
    "2026-02-30", "0000-01-01", "9999-12-31", "2026-01-12", "0x1F", "0o17", "1e999", "-.5", "yes", "on", "~", "null",
    "9" * 5000, "[" * 50, "]" * 50, "{a: " * 40, "::error::x", "##[group]",
]

yaml_ish = st.lists(st.sampled_from(TOKENS), max_size=60).map("".join)
any_text = st.one_of(yaml_ish, st.text(max_size=300))


@SETTINGS
@given(text=any_text)
@example(text="a: " + "[" * 10_000 + "]" * 10_000)
@example(text="\ufeffid: x\r\nrisk: 9" + "9" * 5000 + "\r\n")
@example(text="a: &x [*x]\n")
@example(text="- - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - x\n")
def test_parse_yaml_raises_only_record_errors_inside_the_text(text: str) -> None:
    try:
        data, *_ = parse_yaml(text)
    except RecordError as err:
        assert err.code.startswith("LB0")
        assert 1 <= err.line <= _lines(text) + 1 and err.column >= 1
        return
    assert data is None or isinstance(data, (dict, list, str, int, float, bool))


@SETTINGS
@given(data=st.one_of(any_text.map(lambda t: t.encode("utf-8", "surrogatepass")),
                      st.binary(max_size=300)),
       target=st.sampled_from([INIT, ADR, SEC]))
@example(data=b"\xef\xbb\xbfid: x\r\n", target=INIT)
@example(data="id: x\n".encode("utf-16"), target=INIT)
@example(data=b"items:\n  a: \xff\n", target=SEC)
def test_any_bytes_in_any_record(scratch: Scratch, data: bytes, target: str) -> None:
    scratch.put(target, data)
    assert_located(scratch.root)


@SETTINGS
@given(data=st.one_of(any_text.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=300)))
def test_any_bytes_as_the_policy(scratch: Scratch, data: bytes) -> None:
    scratch.put(POLICY, data)
    assert_located(scratch.root)


# --------------------------------------------------------------------------- arbitrary documents

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
    st.sampled_from(["2026-02-30", "2026-11-29", "0000-01-01", "yes", "on", "::error::x", "<script>", "\x1b[2J"]),
)
keys = st.one_of(st.text(max_size=20), st.sampled_from(["id", "title", "stage", "items", "x-a", "<<", "?", "-", "1"]))
documents = st.recursive(scalars, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(keys, inner, max_size=5),
                         max_leaves=40)
styles = st.fixed_dictionaries({
    "default_flow_style": st.sampled_from([False, True, None]),
    "allow_unicode": st.booleans(),
    "default_style": st.sampled_from([None, "'", '"', "|"]),
    "width": st.sampled_from([20, 80, 10_000]),
})


def dump(document: Any, style: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, **style)


@SETTINGS
@given(document=documents, style=styles, target=st.sampled_from([INIT, ADR, SEC, POLICY]))
def test_any_document_in_any_record(scratch: Scratch, document: Any, style: dict[str, Any], target: str) -> None:
    scratch.put(target, dump(document, style).encode("utf-8"))
    assert_located(scratch.root)


strings_only = st.recursive(
    st.text(max_size=30).map(_editor_lines),
    lambda inner: st.lists(inner, min_size=1, max_size=4)
    | st.dictionaries(st.text(max_size=12).map(_editor_lines), inner, min_size=1, max_size=4),
    max_leaves=25,
)


@SETTINGS
@given(document=strings_only, style=st.sampled_from(["'", '"']), flow=st.sampled_from([False, True]),
       unicode=st.booleans())
def test_quoted_strings_read_back_exactly(document: Any, style: str, flow: bool, unicode: bool) -> None:
    """Quoted, every string is a string: no implicit typing, no lost or altered characters."""
    text = yaml.safe_dump(document, default_style=style, default_flow_style=flow, allow_unicode=unicode)
    try:
        data, *_ = parse_yaml(text)
    except RecordError as err:  # control characters YAML cannot carry, or nesting past the bound
        assert err.code in ("LB001", "LB005")
        return
    assert data == document


# --------------------------------------------------------------------------- plausible records


def mostly(valid: st.SearchStrategy, absurd: st.SearchStrategy) -> st.SearchStrategy:
    """Valid nine times in ten, so most records pass the schema and reach the rules behind it."""
    return st.integers(min_value=0, max_value=9).flatmap(lambda n: absurd if n == 9 else valid)


def _date_text(d: dt.date) -> str:
    return d.isoformat()


dates = mostly(
    st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31)).map(_date_text),
    st.one_of(
        st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(_date_text),
        st.sampled_from(["2026-02-30", "2026-13-01", "0000-01-01", "9999-12-31", "1900-01-01", "2999-12-31",
                         "2026-1-5", "20261129", "", "today"]),
        st.integers(min_value=-5, max_value=30000000),
    ),
)
as_of_dates = st.one_of(st.dates(min_value=dt.date(2025, 6, 1), max_value=dt.date(2027, 6, 30)),
                        st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)))
numbers = mostly(st.integers(min_value=0, max_value=5000) | st.floats(min_value=0, max_value=1e4),
                 st.one_of(st.integers(), st.integers(min_value=-(10**30), max_value=10**30),
                           st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([-1, "3", None])))
ids = mostly(st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True),
             st.sampled_from(["../x", "", "A", "a" * 70, "x-", "-x", "a\n"]))
handles = mostly(st.sampled_from(["@alice", "@bob", "@dana", "@org/security", "@erin", "@org/support-platform"]),
                 st.one_of(st.sampled_from(["alice", "@", "@a/b/c", "<b>", "@dana\n"]), st.text(max_size=10)))
stages = mostly(st.sampled_from(["proposed", "pilot", "shadow", "canary", "ga", "retired"]), st.sampled_from(["launched", "", "Canary"]))
texts = mostly(st.text(min_size=1, max_size=30).filter(str.strip),
               st.sampled_from(["<script>alert(1)</script>", "::error::x", "##[group]", "\x1b[31m", "x" * 30000, "", None]))
urls = mostly(st.sampled_from(["https://example.com/x", "docs/x.md#y", "https://wiki.example.com/evidence"]),
              st.one_of(st.sampled_from(["javascript:alert(1)", "../../etc/passwd", "/etc/passwd", "http://", "data:,x"]),
                        st.text(max_size=20)))
scores = mostly(st.integers(min_value=1, max_value=5), st.sampled_from([0, 6, -1, 2.5, "3"]))


def maybe(strategy):
    return st.one_of(st.just(...), strategy)  # ... : leave the key out (keep the base record's value)


def record(required: tuple[str, ...] = (), **fields) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping of `fields`; those not `required` are sometimes left out (and, rarely, so are those)."""
    def keep(name: str, strategy):
        return mostly(strategy, st.just(...)) if name in required else maybe(strategy)
    return st.fixed_dictionaries({k: keep(k, v) for k, v in fields.items()}).map(
        lambda d: {k: v for k, v in d.items() if v is not ...}
    )


history_entries = record(("stage", "date"), stage=stages, date=dates, note=texts)
measurements = record(("date", "value"), date=dates, value=numbers)
metrics = record(("id", "title", "unit", "direction", "target"), id=ids, title=texts, unit=mostly(st.sampled_from(["ms", "%", "EUR"]), texts),
                 direction=mostly(st.sampled_from(["lower", "higher"]), st.just("sideways")),
                 baseline=numbers, target=numbers, measurements=st.lists(measurements, max_size=4))
initiatives = record(
    id=mostly(st.just("support-assistant"), ids), title=texts, summary=texts, owners=st.lists(handles, max_size=3),
    risk=mostly(st.sampled_from(["low", "medium", "high"]), st.just("extreme")),
    approach=mostly(st.sampled_from(["prompt", "rag", "fine-tune", "hybrid"]), st.just("buy")),
    stage=stages, history=st.lists(history_entries, min_size=1, max_size=5), metrics=st.lists(metrics, max_size=3),
    links=st.dictionaries(mostly(st.sampled_from(["repository", "dashboard", "runbook"]), ids), urls, max_size=3),
    tags=st.lists(ids, max_size=3, unique=True),
)
criteria = mostly(st.sampled_from(["knowledge-freshness", "labelled-data", "latency"]), st.just("unknown"))
options = record(("id", "approach"), id=mostly(st.sampled_from(["prompt", "rag", "fine-tune"]), st.just("other")),
                 approach=mostly(st.sampled_from(["prompt", "rag", "fine-tune", "hybrid", "no-llm", "buy"]), st.just("magic")),
                 summary=texts, pros=st.lists(texts, max_size=2), cons=st.lists(texts, max_size=2),
                 scores=st.dictionaries(criteria, scores, max_size=4))
decisions = record(
    number=mostly(st.just(1), st.integers(min_value=-2, max_value=10_001)), title=texts,
    status=mostly(st.sampled_from(["proposed", "accepted", "rejected", "superseded", "deprecated"]), st.just("maybe")),
    date=dates, deciders=st.lists(handles, min_size=1, max_size=3), context=texts,
    criteria=st.lists(record(("id", "weight"), id=criteria, weight=scores), max_size=4),
    options=st.lists(options, min_size=1, max_size=4),
    outcome=record(("chosen",), chosen=mostly(st.sampled_from(["prompt", "rag", "fine-tune"]), st.sampled_from(["other", ""])),
                   rationale=texts, override=st.booleans()),
    consequences=record(positive=st.lists(texts, max_size=2), negative=st.lists(texts, max_size=2)),
    supersedes=st.lists(st.integers(min_value=-1, max_value=4), max_size=3), review_by=dates,
)
waivers = record(reason=texts, approver=handles, date=dates, expires=dates)
items = record(status=mostly(st.sampled_from(["todo", "in-progress", "done", "waived", "not-applicable"]), st.just("approved")),
               evidence=urls, approver=handles, date=dates, reason=texts, note=texts, waiver=waivers)
checklists = record(checklist=mostly(st.just("security-review"), st.sampled_from(["on-call", "other"])),
                    items=st.dictionaries(mostly(st.sampled_from(["threat-model", "rag-access-control", "pen-test"]),
                                                 st.sampled_from(["x", "<b>"])), items, max_size=4))


def as_yaml(data: Any) -> bytes:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode("utf-8")


@SETTINGS
@given(initiative=initiatives, decision=decisions, checklist=checklists, today=as_of_dates)
@example(initiative={"history": [{"stage": "canary", "date": "0000-01-01"}]}, decision={"review_by": "0000-01-01"},
         checklist={"items": {"threat-model": {"status": "done", "date": "9999-12-31"}}}, today=dt.date(2026, 11, 29))
@example(initiative={}, decision={"supersedes": [1], "status": "superseded"},
         checklist={"items": {"rag-access-control": {"status": "waived", "waiver": {"date": "0001-01-01", "expires": "9999-12-31"}}}},
         today=dt.date(2999, 12, 31))
def test_plausible_records(scratch: Scratch, initiative, decision, checklist, today: dt.date) -> None:
    """Each generated record is merged over the base one, so most fields stay valid and the
    rules past the schema (gates, dates, supersession) run on the odd ones."""
    base_initiative = yaml.safe_load(scratch.originals[INIT])
    base_decision = yaml.safe_load(scratch.originals[ADR])
    base_checklist = yaml.safe_load(scratch.originals[SEC])
    scratch.reset()
    (scratch.root / INIT).write_bytes(as_yaml(_stringify(base_initiative | initiative)))
    (scratch.root / ADR).write_bytes(as_yaml(_stringify(base_decision | decision)))
    merged_items = dict(base_checklist["items"])
    for key, value in checklist.get("items", {}).items():
        merged_items[key] = (merged_items.get(key) or {}) | value
    (scratch.root / SEC).write_bytes(as_yaml(_stringify(base_checklist | checklist | {"items": merged_items})))
    assert_located(scratch.root, today)


def _stringify(data: Any) -> Any:
    """safe_load turned the base's unquoted dates into dates; records hold them as strings."""
    if isinstance(data, dict):
        return {k: _stringify(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_stringify(v) for v in data]
    if isinstance(data, dt.date):
        return data.isoformat()
    return data


# --------------------------------------------------------------------------- line separators


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_keep_locations(scratch: Scratch, separator: str) -> None:
    text = scratch.originals[INIT].decode()
    text = text.replace("summary: Drafts answers", f"summary: 'Pasted{separator}text'\nx-summary: Drafts answers")
    text = text.replace("risk: high", "risk: extreme")
    scratch.put(INIT, text.encode())
    risk_line = next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith("risk:"))
    (problem,) = load_portfolio(scratch.root, "2026-11-29").problems
    assert (problem.code, problem.location.line) == ("LB100", risk_line)


# --------------------------------------------------------------------------- schema-accepted records, rendered

# Records the schemas accept, built to be awkward: integer fields written as floats (1.0),
# text in every script and in Markdown's syntax, strings at their maximum length, optional
# lists present but empty. Each is merged over the base repository and run through the real
# `check` and `render --out DIR` (in process, via click): whatever check accepts, no command
# may crash on (issue 11). Mostly valid is not enough here: every record is validated against
# its schema first, so the property is about accepted input only.

_MD_TOKENS = ["[", "]", "![", "](", "(", ")", "`", "*", "**", "_", "- ", "> ", "1. ", "# ", "|", "\\", "<", "&",
              "<script>x</script>", "[a](javascript:alert(1))", "[a](https://example.com/x \"t\")", "[r][r]",
              "\n", "\n\n", "    ", "\t", "é", "𝒳", "中文", "🙂", "\u202e", "\u0301", "\u2028", "::error::x", "{: onclick=x}"]


def _max_length(size: int) -> st.SearchStrategy[str]:
    """A string of exactly SIZE characters: one token repeated, or a run of one character."""
    return st.sampled_from(["x", "[[", "![", "- ", "é", "𝒳 ", "*a", "[a](\"", "`a", "> "]).map(
        lambda token: (token * (size // len(token) + 1))[:size].strip() or "x").map(lambda s: s.ljust(size, "x"))


def free_text(max_size: int) -> st.SearchStrategy[str]:
    readable = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=min(max_size, 200))
    markdown_ish = st.lists(st.sampled_from(_MD_TOKENS), min_size=1, max_size=40).map("".join)
    return st.one_of(readable, markdown_ish, _max_length(max_size)).filter(lambda s: 1 <= len(s) <= max_size)


def whole(low: int, high: int) -> st.SearchStrategy[int | float]:
    """An integer field's value: an int, or the same value written as a float (1.0)."""
    return st.integers(low, high).flatmap(lambda n: st.sampled_from([n, float(n)]))


accepted_ids = st.one_of(st.sampled_from(["rag", "prompt", "fine-tune", "a", "x-ray", "a" * 64]),
                         st.from_regex(r"[a-z0-9](?:[a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True))
accepted_handles = st.one_of(st.sampled_from(["@alice", "@dana", "@org/security", "@A-1/b.c_d", "@" + "a" * 99]),
                             st.from_regex(r"@[A-Za-z0-9][A-Za-z0-9-]{0,10}(?:/[A-Za-z0-9][A-Za-z0-9._-]{0,10})?", fullmatch=True))
accepted_dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2999, 12, 31)).map(_date_text)
policy_criteria = st.sampled_from(["knowledge-freshness", "labelled-data", "latency"])


def optional(**fields: st.SearchStrategy) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping holding any subset of FIELDS."""
    return st.fixed_dictionaries({}, optional=fields)


accepted_options = st.builds(
    lambda fixed, extra: fixed | extra,
    st.fixed_dictionaries({"id": accepted_ids, "approach": st.sampled_from(["prompt", "rag", "fine-tune", "hybrid", "no-llm", "buy"])}),
    optional(summary=free_text(5000), pros=st.lists(free_text(1000), max_size=3), cons=st.lists(free_text(1000), max_size=3),
             scores=st.dictionaries(st.one_of(policy_criteria, accepted_ids), whole(1, 5), max_size=4)),
)


@st.composite
def accepted_decisions(draw) -> dict[str, Any]:
    options = draw(st.lists(accepted_options, min_size=1, max_size=4))
    override = draw(st.booleans())
    outcome = {"chosen": draw(st.one_of(st.sampled_from([o["id"] for o in options]), accepted_ids)), "override": override}
    if override or draw(st.booleans()):
        outcome["rationale"] = draw(free_text(20_000))
    decision = {
        "number": draw(st.one_of(st.sampled_from([1, 1.0]), whole(1, 9999))),
        "title": draw(free_text(200)),
        "status": draw(st.sampled_from(["proposed", "accepted", "rejected", "superseded", "deprecated"])),
        "date": draw(accepted_dates),
        "deciders": draw(st.lists(accepted_handles, min_size=1, max_size=3, unique=True)),
        "context": draw(free_text(20_000)),
        "options": options,
        "outcome": outcome,
    }
    decision |= draw(optional(
        criteria=st.lists(st.fixed_dictionaries({"id": st.one_of(policy_criteria, accepted_ids), "weight": whole(1, 5)}), max_size=4),
        consequences=optional(positive=st.lists(free_text(1000), max_size=3), negative=st.lists(free_text(1000), max_size=3)),
        supersedes=st.lists(st.integers(1, 9999), max_size=4, unique=True).flatmap(
            lambda ns: st.tuples(*[st.sampled_from([n, float(n)]) for n in ns]).map(list)),
        review_by=accepted_dates,
        tags=st.lists(accepted_ids, max_size=3, unique=True),
    ))
    return decision


_evidence = st.one_of(st.sampled_from(["https://example.com/x", "docs/x.md#y", "a", "https://" + "e" * 1992]),
                      st.from_regex(r"https://[a-z]{1,10}\.example/[A-Za-z0-9._~%-]{0,20}", fullmatch=True))


@st.composite
def accepted_items(draw) -> dict[str, Any]:
    status = draw(st.sampled_from(["todo", "in-progress", "done", "waived", "not-applicable"]))
    item: dict[str, Any] = {"status": status}
    item |= draw(optional(evidence=_evidence, approver=accepted_handles, date=accepted_dates,
                          reason=free_text(2000), note=free_text(5000)))
    if status == "waived":
        item["waiver"] = draw(optional(reason=free_text(2000), approver=accepted_handles, date=accepted_dates, expires=accepted_dates))
    return item


accepted_checklists = st.fixed_dictionaries({
    "checklist": st.just("security-review"),
    "items": st.dictionaries(st.one_of(st.sampled_from(["threat-model", "rag-access-control", "pen-test"]), accepted_ids),
                             accepted_items(), max_size=4),
})


def _accepted(kind: str, data: dict[str, Any]) -> bool:
    from generator.core.validate import schema_set

    return schema_set()._fast[kind].is_valid(data)


class _Site(Scratch):
    def run(self, *args: str):
        from click.testing import CliRunner

        from generator.cli import main

        return CliRunner().invoke(main, list(args), catch_exceptions=True)


@pytest.fixture
def site_scratch(monkeypatch):
    monkeypatch.setenv("LAUNCHBOARD_NO_CACHE", "1")
    repo = _Site()
    yield repo
    repo.close()


class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # records may not hold anchors
        return True


# PyYAML (YAML 1.1) writes a string such as "08" plain, as it is no 1.1 number; Launchboard
# reads YAML 1.2's core schema, where `08` is the integer 8. Quote every string, so the record
# on disk says what the generated data says.
_NoAliases.add_representer(str, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"'))


RENDER_SETTINGS = settings(SETTINGS, max_examples=max(20, SETTINGS.max_examples // 5), deadline=dt.timedelta(seconds=30))


@RENDER_SETTINGS
@given(decision=accepted_decisions(), checklist=accepted_checklists, today=as_of_dates)
@example(decision={"number": 1.0, "title": "T", "status": "accepted", "date": "2026-02-10", "deciders": ["@alice"],
                   "context": "[[" * 10_000, "options": [{"id": "rag", "approach": "rag", "pros": [], "cons": []}],
                   "outcome": {"chosen": "rag"}, "consequences": {"positive": [], "negative": []}, "supersedes": [1.0]},
         checklist={"checklist": "security-review", "items": {}}, today=dt.date(2026, 11, 29))
def test_schema_accepted_records_pass_check_and_render(site_scratch: _Site, decision, checklist, today: dt.date) -> None:
    assume(_accepted("decision", decision) and _accepted("checklist", checklist))
    site_scratch.reset()
    (site_scratch.root / ADR).write_text(yaml.dump(decision, Dumper=_NoAliases, sort_keys=False, allow_unicode=True), encoding="utf-8")
    (site_scratch.root / SEC).write_text(yaml.dump(checklist, Dumper=_NoAliases, sort_keys=False, allow_unicode=True), encoding="utf-8")
    root, out = str(site_scratch.root), str(site_scratch.dir / "site")

    checked = site_scratch.run("check", root, "--as-of", today.isoformat(), "--format", "json")
    assert checked.exception is None or isinstance(checked.exception, SystemExit), checked.exc_info
    assert checked.exit_code in (0, 1), checked.output[-2000:]
    problems = json.loads(checked.stdout)["problems"]
    assert not [p for p in problems if p["file"] in (ADR, SEC) and p["code"] in ("LB100", "LB001", "LB002", "LB004", "LB005")], problems

    rendered = site_scratch.run("render", root, "--out", out, "--as-of", today.isoformat())
    assert rendered.exception is None or isinstance(rendered.exception, SystemExit), rendered.exc_info
    assert rendered.exit_code == 0, rendered.output[-2000:]
    pages = list((site_scratch.dir / "site" / "initiatives" / "support-assistant" / "decisions").glob("*.md"))
    assert len(pages) == 1  # the decision has its page, whatever its number was written as
