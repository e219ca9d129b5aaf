"""Step 4 (terminal and CI face): turn a Portfolio into text, JSON, GitHub or JUnit output.

"Reporters" report the result back, as in check-jsonschema: one class per format behind
one small interface, looked up by name in REPORTER_BY_NAME.

Everything printed may contain record text, and a CI log treats some text as commands
(`::error::` at a line's start, `##[...]` anywhere), so every value is neutralised in
every format, not only in `github`.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
import xml.etree.ElementTree as etree
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import click

from generator.core.codes import CODES
from generator.core.loader import clean_text
from generator.core.model import MetricGate, Portfolio, Problem, Readiness
from generator.core.text_safety import gfm_cell, gfm_text

_COMMAND_LIKE = re.compile(r"##\[|^(\s*)::", re.MULTILINE)


def neutralise(text: str) -> str:
    """Keep CI runners from reading record text as workflow commands."""
    return _COMMAND_LIKE.sub(lambda m: "#\u2024#[" if m.group(0) == "##[" else f"{m.group(1)}:\u2024", text)


def printable(problem: Problem) -> Problem:
    """The problem with its file and message safe to print: no control characters, valid UTF-8.

    The loader already cleans what it reads; this is the last line for every format.
    """
    file, message = clean_text(problem.location.file, 4096), clean_text(problem.message, 4096)
    initiative = clean_text(problem.initiative, 4096) if problem.initiative else problem.initiative
    if (file, message, initiative) == (problem.location.file, problem.message, problem.initiative):
        return problem
    location = dataclasses.replace(problem.location, file=file)
    return dataclasses.replace(problem, location=location, message=message, initiative=initiative)


def repository_prefix(root: str) -> str:
    """ROOT's folder inside its git repository, as a path prefix ("governance/"); "" when
    ROOT is the repository's top or in no repository.

    GitHub attaches an annotation, and GitLab and Jenkins link a JUnit case, by a path from
    the top of the repository, while problems name files from ROOT."""
    start = Path(root).resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            inside = start.relative_to(folder).as_posix()
            return "" if inside == "." else clean_text(inside, 4096) + "/"
    return ""


def _from_top(file: str, prefix: str) -> str:
    return file if file.startswith("/") else prefix + file


def from_repository_top(problem: Problem, prefix: str) -> Problem:
    """The problem with its file named from the top of the git repository."""
    if not prefix:
        return problem
    return dataclasses.replace(problem, location=dataclasses.replace(problem.location, file=_from_top(problem.location.file, prefix)))


def _summary(portfolio: Portfolio) -> str:
    errors, warnings = len(portfolio.errors), len(portfolio.warnings)
    files = len({p.location.file for p in portfolio.problems})
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    where = f" in {files} file{'s' * (files != 1)}" if files else ""
    return f"{counts}{where} ({len(portfolio.initiatives)} initiatives, as of {portfolio.as_of})"


class Reporter:
    """Renders a whole Portfolio to one string."""

    name = ""

    def __init__(self, color: bool = False, strict: bool = False, started: float | None = None) -> None:
        self.color = color
        self.strict = strict
        self.started = time.monotonic() if started is None else started  # when the check began (time.monotonic)

    def render(self, portfolio: Portfolio) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def chunks(self, portfolio: Portfolio) -> Iterator[str]:
        """The rendering in pieces that join to render()'s string, for writing as they are
        made; formats whose output grows with the portfolio make it piece by piece."""
        yield self.render(portfolio)


class TextReporter(Reporter):
    """`file:line:col: severity CODE message`, grouped by file, then a summary line."""

    name = "text"

    def _style(self, text: str, **style: object) -> str:
        return click.style(text, **style) if self.color else text  # type: ignore[arg-type]

    def render(self, portfolio: Portfolio) -> str:
        lines: list[str] = []
        by_file: dict[str, list[Problem]] = defaultdict(list)
        for problem in map(printable, portfolio.problems):
            by_file[problem.location.file].append(problem)
        for file in sorted(by_file):
            for problem in by_file[file]:
                colour = "red" if problem.is_error else "yellow"
                where = self._style(neutralise(str(problem.location)), bold=True)
                severity = self._style(problem.severity.value, fg=colour, bold=True)
                lines.append(f"{where}: {severity} {problem.code} {neutralise(problem.message)}")
            lines.append("")
        failed = bool(portfolio.errors) or (self.strict and bool(portfolio.warnings))
        mark = self._style("✗", fg="red", bold=True) if failed else self._style("✓", fg="green", bold=True)
        lines.append(f"{mark} {_summary(portfolio)}")
        return "\n".join(lines)


class JsonReporter(Reporter):
    name = "json"

    def render(self, portfolio: Portfolio) -> str:
        return "".join(self.chunks(portfolio))

    def chunks(self, portfolio: Portfolio) -> Iterator[str]:
        """json.dumps(body, indent=2) of the whole report, made one problem and one
        initiative at a time: at 5,000 initiatives the report is 11.6 MB, and encoding it
        whole (indent= takes json's pure-Python encoder) added 37 MB to the peak memory."""
        head = {
            "as_of": portfolio.as_of,
            "ok": not portfolio.errors and not (self.strict and portfolio.warnings),
            "summary": {"errors": len(portfolio.errors), "warnings": len(portfolio.warnings), "initiatives": len(portfolio.initiatives)},
        }
        yield _json_text(head)[:-2]  # without the closing "\n}"
        lists = {
            "problems": (printable(p).as_dict() for p in portfolio.problems),
            "initiatives": (portfolio.states[i.id].as_dict() | {"title": i.title} for i in portfolio.initiatives),
        }
        for key, items in lists.items():
            yield f",\n  {json.dumps(key)}: ["
            empty = True
            for item in items:
                yield ("\n    " if empty else ",\n    ") + _json_text(item).replace("\n", "\n    ")
                empty = False
            yield "]" if empty else "\n  ]"
        yield "\n}"


def _json_text(value: Any) -> str:
    # '#' escaped as \u0023 inside strings is the same JSON, but no runner sees "##[".
    return json.dumps(value, indent=2, ensure_ascii=False).replace("##[", "#\\u0023[")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter(Reporter):
    """GitHub Actions workflow commands: an annotation on the line to change, per problem."""

    name = "github"

    def render(self, portfolio: Portfolio) -> str:
        lines = []
        prefix = repository_prefix(portfolio.root)
        for p in (from_repository_top(printable(p), prefix) for p in portfolio.problems):
            kind = "error" if p.is_error or self.strict else "warning"
            props = ",".join(
                f"{key}={neutralise(_escape_property(str(value)))}"
                for key, value in (("file", p.location.file), ("line", p.location.line), ("col", p.location.column), ("title", f"{p.code} {CODES.get(p.code, '')}"))
            )
            lines.append(f"::{kind} {props}::{neutralise(_escape_data(p.message))}")
        lines.append(_summary(portfolio))
        return "\n".join(lines)


def step_summary(portfolio: Portfolio) -> str:
    """The full report as Markdown for $GITHUB_STEP_SUMMARY (annotations are capped per job)."""
    prefix = repository_prefix(portfolio.root)
    out = [f"### Launchboard check: {gfm_text(_summary(portfolio))}", ""]
    if portfolio.problems:
        out += ["| Location | Severity | Code | Message |", "| --- | --- | --- | --- |"]
        out += [
            f"| {gfm_cell(str(p.location), code=True)} | {p.severity.value} | {gfm_cell(p.code)} | {gfm_cell(p.message)} |"
            for p in (from_repository_top(printable(p), prefix) for p in portfolio.problems)
        ]
    return neutralise("\n".join(out)) + "\n"


class JunitReporter(Reporter):
    """JUnit XML: one test suite per initiative (and one for repository-wide files), one case per file.

    Valid against the Jenkins xUnit plugin's junit-10.xsd, the schema Jenkins, GitLab and
    most readers follow: every <testsuite> has name, tests, failures and errors (always 0:
    a problem in a record is a failed test, not a crashed one), a timestamp and a time.
    The records are checked together, so the run's duration is on <testsuites> and each
    suite says 0. Every name from a record is neutralised like any printed text.
    """

    name = "junit"

    def render(self, portfolio: Portfolio) -> str:
        suites = etree.Element("testsuites", name="launchboard")
        by_suite: dict[str, dict[str, list[Problem]]] = defaultdict(lambda: defaultdict(list))
        prefix = repository_prefix(portfolio.root)
        for initiative in portfolio.initiatives:  # every initiative appears, passing or not
            by_suite[clean_text(initiative.id, 4096)][_from_top(initiative.file, prefix)]
        for problem in (from_repository_top(printable(p), prefix) for p in portfolio.problems):
            by_suite[clean_text(problem.initiative or "repository", 4096)][problem.location.file].append(problem)
        stamp = _timestamp()
        total_tests = total_failures = 0
        for suite_name in sorted(by_suite):
            files = by_suite[suite_name]
            failing = [f for f, ps in files.items() if any(p.is_error or self.strict for p in ps)]
            suite = etree.SubElement(
                suites, "testsuite", name=neutralise(suite_name), tests=str(len(files)), failures=str(len(failing)),
                errors="0", skipped="0", time="0", timestamp=stamp,
            )
            total_tests += len(files)
            total_failures += len(failing)
            for file in sorted(files):
                case = etree.SubElement(suite, "testcase", classname=neutralise(suite_name), name=neutralise(file))
                for problem in files[file]:
                    if problem.is_error or self.strict:
                        failure = etree.SubElement(case, "failure", type=problem.code, message=neutralise(problem.message))
                        failure.text = neutralise(f"{problem.location}: {problem.severity.value} {problem.code} {problem.message}")
                    else:
                        out = etree.SubElement(case, "system-out")
                        out.text = neutralise(f"{problem.location}: warning {problem.code} {problem.message}")
        suites.set("tests", str(total_tests))
        suites.set("failures", str(total_failures))
        suites.set("errors", "0")
        suites.set("time", f"{max(time.monotonic() - self.started, 0):.3f}")
        etree.indent(suites)
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(suites, encoding="unicode")


def _timestamp() -> str:
    """When the check ran, as JUnit writers give it (ISO 8601, UTC, no zone): SOURCE_DATE_EPOCH
    when set, so that a reproducible build's report is too."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = datetime.fromtimestamp(int(epoch), timezone.utc) if epoch.isdigit() else datetime.now(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


REPORTER_BY_NAME: dict[str, type[Reporter]] = {r.name: r for r in (TextReporter, JsonReporter, GithubReporter, JunitReporter)}


# --------------------------------------------------------------------------- status board


def _bar(readiness: Readiness | None, width: int = 10) -> str:
    if readiness is None:
        return "—"
    if readiness.required == 0:  # nothing to pass: not a full bar, which reads as "all done"
        return "no gate".ljust(width + 4)
    filled = round(readiness.ratio * width)
    return f"{'█' * filled}{'░' * (width - filled)} {readiness.complete}/{readiness.required}"


def _gates_cell(gates: list[MetricGate], width_limit: int) -> str:
    """`groundedness 96.1/95 % ✓`: each gated metric, latest against target, and whether it holds
    (a gate not yet reached says from which stage it applies)."""
    def one(gate: MetricGate) -> str:
        latest = "–" if gate.latest is None else _number(gate.latest)
        unit = f" {clean_text(gate.unit, 12)}" if gate.unit else ""
        mark = "✓" if gate.holds else "✗"
        later = "" if gate.applies else f" (from {gate.gate_from})"
        return f"{clean_text(gate.metric, width_limit)} {latest}/{_number(gate.target)}{unit} {mark}{later}"
    return ", ".join(one(g) for g in gates) or "—"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def render_status(portfolio: Portfolio, color: bool = False, width_limit: int = 40) -> str:
    """The launch board as a terminal table: stage, approach, readiness now and for the next stage."""
    style: Callable[..., str] = (lambda t, **s: click.style(t, **s)) if color else (lambda t, **s: t)
    header = ["INITIATIVE", "STAGE", "APPROACH", "RISK", "NOW", "NEXT", "BLOCKING"]
    # a column for gated metrics only where some metric gates: other boards print as before
    gated = any(portfolio.states[i.id].metric_gates for i in portfolio.initiatives)
    if gated:
        header.append("METRIC GATES")
    rows = []
    for initiative in portfolio.initiatives:
        state = portfolio.states[initiative.id]
        upcoming = state.next
        blocking = state.current.blocking or (upcoming.blocking if upcoming else [])
        label = ", ".join(f"{v.checklist}/{v.item}" for v in blocking[:2]) + (f" +{len(blocking) - 2}" if len(blocking) > 2 else "")
        rows.append([
            neutralise(clean_text(initiative.id, width_limit)),
            initiative.stage,
            initiative.approach,
            initiative.risk,
            # the mark says what the colour says, for NO_COLOR, logs and screen readers
            _bar(state.current) + ("" if _gate_holds(state) else " ✗"),
            f"{upcoming.stage} {_bar(upcoming)}" if upcoming else "—",
            label or "—",
            *([neutralise(_gates_cell(state.metric_gates, width_limit))] if gated else []),
        ])
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    lines = ["  ".join(style(h.ljust(w), bold=True) for h, w in zip(header, widths))]
    for row, initiative in zip(rows, portfolio.initiatives):
        state = portfolio.states[initiative.id]
        cells = [str(c).ljust(w) for c, w in zip(row, widths)]
        colour = "green" if _gate_holds(state) else "red"
        cells[4] = style(cells[4], fg=colour)
        lines.append("  ".join(cells).rstrip())
    counts: dict[str, int] = defaultdict(int)
    for initiative in portfolio.initiatives:
        counts[initiative.stage] += 1
    stages = portfolio.policy.stages if portfolio.policy else sorted(counts)
    lines.append("")
    lines.append("  ".join(f"{stage}: {counts.get(stage, 0)}" for stage in stages))
    return "\n".join(lines)


def _gate_holds(state) -> bool:
    """The current stage's gate holds and the initiative's records have no errors."""
    return bool(state.current.ready and not state.errors)


def use_color(choice: str, stream_isatty: bool) -> bool:
    """--color auto|always|never; auto means a terminal and no NO_COLOR."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR", ""):
        return False
    return stream_isatty
