"""`launchboard controls`: how the policy's items cover each control framework, in the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from generator.cli.check import EXIT_UNUSABLE, as_of_option, load_or_exit
from generator.core.controls import FrameworkCoverage, coverage_dict, framework_coverage, portfolio_frameworks
from generator.core.loader import clean_text
from generator.exports.report import REPORTER_BY_NAME, neutralise


def _text(value: object, limit: int = 200) -> str:
    return neutralise(clean_text(str(value), limit))


def render_coverage(coverage: FrameworkCoverage) -> str:
    """One framework's coverage as plain text: every control, its items, each initiative."""
    fw = coverage.framework
    lines = [
        f"{_text(fw.id, 64)}  {_text(fw.title)} ({_text(fw.version, 64)})",
        f"  {coverage.covered}/{coverage.total} controls covered by policy items"
        + ("" if coverage.listed else "  (not listed in the policy's `frameworks`)"),
    ]
    for control in coverage.controls:
        head = f"  {_text(control.control.id, 64)}  {_text(control.control.title, 120)}"
        if not control.covered:
            lines.append(f"{head}\n      gap: no checklist item or runbook topic maps to it")
            continue
        lines.append(head)
        lines.append("      items: " + ", ".join(_text(ref.key, 130) for ref in control.items))
        if not control.initiatives:
            lines.append("      no initiative has these items")
        for row in control.initiatives:
            word = "complete" if row.complete else "incomplete"
            missing = [f"{_text(s.ref.key, 130)} {_text(s.status, 20)}" for s in row.items if not s.complete]
            lines.append(f"      {_text(row.initiative.id, 64)}: {word} ({row.done}/{len(row.items)})"
                         + (f": {'; '.join(missing)}" if missing else ""))
    if coverage.gaps:
        lines.append(f"  gaps ({len(coverage.gaps)}): " + ", ".join(_text(c.id, 64) for c in coverage.gaps))
    return "\n".join(lines)


def render_summary(coverage: FrameworkCoverage) -> str:
    """One framework in a few lines: covered / total, the gaps, and per initiative how many of
    the controls its items reach are complete (the detail is `--detail`)."""
    fw = coverage.framework
    lines = [
        f"{_text(fw.id, 64)}  {_text(fw.title)} ({_text(fw.version, 64)})",
        f"  {coverage.covered}/{coverage.total} controls covered by policy items"
        + ("" if coverage.listed else "  (not listed in the policy's `frameworks`)"),
    ]
    if coverage.gaps:
        lines.append(f"  gaps ({len(coverage.gaps)}): " + ", ".join(_text(c.id, 64) for c in coverage.gaps))
    reached: dict[str, list[bool]] = {}
    for control in coverage.controls:
        for row in control.initiatives:
            reached.setdefault(row.initiative.id, []).append(row.complete)
    if reached:
        width = max(len(_text(i, 64)) for i in reached)
        lines.append("  controls complete per initiative:")
        for initiative_id, flags in sorted(reached.items()):
            lines.append(f"    {_text(initiative_id, 64).ljust(width)}  {sum(flags)}/{len(flags)}")
    return "\n".join(lines)


def _split_arguments(arguments: tuple[str, ...]) -> tuple[str | None, Path]:
    """[FRAMEWORK] [ROOT]: one argument is ROOT when it holds decisions/, else FRAMEWORK."""
    if len(arguments) > 2:
        raise click.UsageError("expected at most FRAMEWORK and ROOT")
    if len(arguments) == 2:
        return arguments[0], Path(arguments[1])
    if len(arguments) == 1:
        if (Path(arguments[0]) / "decisions").is_dir():
            return None, Path(arguments[0])
        return arguments[0], Path(".")
    return None, Path(".")


@click.command()
@click.argument("arguments", nargs=-1, metavar="[FRAMEWORK] [ROOT]")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("--detail", is_flag=True, help="Every control: the items that map to it and, per initiative, whether they are complete.")
@as_of_option
def controls(arguments: tuple[str, ...], fmt: str, detail: bool, as_of: str | None) -> None:
    """Coverage of the control frameworks the policy maps to.

    Per framework: controls covered by policy items / total, the gaps, and per initiative how
    many of the controls its items reach are complete. With --detail, every control: the
    items that map to it and, per initiative, whether those items are complete.
    --format json always gives the detail.
    FRAMEWORK limits the report to one pack (also one the policy does not list).
    Exit 2 for an unknown FRAMEWORK or an unusable policy.
    """
    framework, root = _split_arguments(arguments)
    portfolio = load_or_exit(root, as_of)
    if portfolio.unusable:
        click.echo(REPORTER_BY_NAME["text"]().render(portfolio), err=True)
        sys.exit(EXIT_UNUSABLE)
    if framework is not None and framework not in portfolio.frameworks:
        known = ", ".join(sorted(portfolio.frameworks)) or "none"
        click.echo(f"launchboard: unknown framework {_text(framework, 64)!r} (known: {known})", err=True)
        sys.exit(EXIT_UNUSABLE)
    ids = [framework] if framework is not None else portfolio_frameworks(portfolio)
    coverages = [c for c in (framework_coverage(portfolio, f) for f in ids) if c is not None]
    if fmt == "json":
        body = {"as_of": portfolio.as_of, "frameworks": [coverage_dict(c) for c in coverages]}
        click.echo(json.dumps(body, indent=2, ensure_ascii=False).replace("##[", "#\\u0023["))
        return
    if not coverages:
        click.echo("The policy maps to no control framework: list packs in its `frameworks` and name controls on items.")
        return
    click.echo("\n\n".join((render_coverage if detail else render_summary)(c) for c in coverages))
    if not detail:
        click.echo("\nper control: launchboard controls --detail")
    errors = [p for p in portfolio.errors if p.code in ("LB180", "LB181", "LB182", "LB183", "LB184")]
    if errors:
        click.echo(f"\n{len(errors)} control mapping errors: run `launchboard check` for details", err=True)


COMMANDS: list[click.Command] = [controls]
