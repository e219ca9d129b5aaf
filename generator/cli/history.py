"""`launchboard history`: the portfolio's readiness over time, recomputed from git."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from generator.cli.check import EXIT_UNUSABLE, as_of_option, color_option, root_argument
from generator.core.history import History, HistoryUnavailable, portfolio_history
from generator.core.loader import clean_text
from generator.core.pipeline import UsageError, resolve_as_of
from generator.exports.report import neutralise, use_color


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD", param_hint=option) from None


def _text(value: object, limit: int = 120) -> str:
    return neutralise(clean_text(str(value), limit))


def render_text(history: History, color: bool = False) -> str:
    """Per initiative: its readiness now, how it moved, days blocked and days per stage."""
    bold, red, reset = ("\x1b[1m", "\x1b[31m", "\x1b[0m") if color else ("", "", "")
    first = history.portfolio[0]["date"] if history.portfolio else "-"
    last = history.portfolio[-1]["date"] if history.portfolio else "-"
    lines = [f"{bold}{history.commits} commits changed decisions/ from {first} to {last}{reset}"]
    for entry in history.initiatives:
        now = entry["readiness"][-1]
        moved = " -> ".join(f"{p['complete']}/{p['required']}" for p in entry["readiness"][-6:])
        stages = ", ".join(f"{_text(stage, 40)} {days}d" for stage, days in entry["days_in_stage"].items())
        blocked = f"{red}{entry['blocked_days']}d blocked{reset}" if entry["blocked_days"] else "never blocked"
        lines.append(f"  {_text(entry['id'], 64)}  {_text(now['stage'], 40)} {now['complete']}/{now['required']}"
                     f"  ({moved})  {blocked}; {stages}")
    if history.portfolio:
        point = history.portfolio[-1]
        by_stage = ", ".join(f"{_text(s, 40)} {n}" for s, n in point["by_stage"].items())
        lines.append(f"now: {by_stage}; {point['blocked']} short of their current stage's gate")
    return "\n".join(lines)


@click.command()
@root_argument
@click.option("--since", metavar="DATE", help="Only commits from this day on (YYYY-MM-DD); days are counted from it.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@as_of_option
@color_option
@click.option("--no-cache", is_flag=True, help="Do not read or write ROOT/.launchboard-cache/history (also LAUNCHBOARD_NO_CACHE=1).")
def history(root: Path, since: str | None, fmt: str, as_of: str | None, color: str, no_cache: bool) -> None:
    """Readiness over time: ROOT/decisions judged at every commit that changed it.

    Walks the current branch's first-parent line, evaluates each commit that changed
    decisions/ as of that commit's day (read from git objects; the working tree is not
    used), and reports each initiative's readiness changes, its days blocked by its current
    stage's gate and its days in each stage. --as-of ends the period (default: today).
    Results are cached by tree in ROOT/.launchboard-cache/history/, so a second run only
    evaluates new commits. Exit 2 when there is no history to read (not a git repository,
    a shallow clone: fetch with `fetch-depth: 0`).
    """
    try:
        end = resolve_as_of(as_of)
    except UsageError as err:
        raise click.BadParameter(str(err), param_hint="--as-of") from None
    if not (root / "decisions").is_dir():
        click.echo(f"launchboard: {_text(root, 300)} has no decisions/ folder; run launchboard in the governance repository's root or pass ROOT", err=True)
        sys.exit(EXIT_UNUSABLE)
    try:
        result = portfolio_history(root, end, _date(since, "--since"), cache=not no_cache)
    except HistoryUnavailable as err:
        click.echo(f"launchboard: {_text(err, 600)}", err=True)
        sys.exit(EXIT_UNUSABLE)
    if fmt == "json":
        click.echo(json.dumps(result.as_dict(), indent=2, ensure_ascii=False).replace("##[", "#\\u0023["))
        return
    colour = use_color(color, sys.stdout.isatty())
    click.echo(render_text(result, colour), color=colour)


COMMANDS: list[click.Command] = [history]
