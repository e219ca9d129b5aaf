"""`launchboard check` and `launchboard status`: the core's verdict for CI and for people."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Iterator

import click

from generator.core.pipeline import UsageError, load_portfolio
from generator.exports.report import REPORTER_BY_NAME, neutralise, render_status, step_summary, use_color

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_UNUSABLE = 0, 1, 2

from generator.cli.options import as_of_option, root_argument  # noqa: E402 - re-exported for the other commands
color_option = click.option(
    "--color", type=click.Choice(["auto", "always", "never"]), default="auto", show_default=True,
    help="Colour output; auto means only on a terminal and never with NO_COLOR set.",
)


def load_or_exit(root: Path, as_of: str | None, cache: bool | None = None):
    """Run the core, turning usage errors into exit 2 with a one-line message."""
    try:
        return load_portfolio(root, as_of, progress=_progress_printer(), cache=cache)
    except UsageError as err:
        click.echo(f"launchboard: {neutralise(str(err))}", err=True)
        sys.exit(EXIT_UNUSABLE)


def _progress_printer():
    """Progress on stderr for long checks, only when a person is watching."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None

    def show(done: int, total: int) -> None:
        if total >= 500 and (done % 100 == 0 or done == total):
            click.echo(f"\rchecking records {done}/{total}", err=True, nl=done == total)

    return show


def write_in_pieces(chunks: Iterator[str], color: bool, size: int = 1 << 20) -> None:
    """What click.echo(''.join(chunks)) prints, without holding the whole text at once."""
    batch: list[str] = []
    held = 0
    for chunk in chunks:
        batch.append(chunk)
        held += len(chunk)
        if held >= size:
            click.echo("".join(batch), color=color, nl=False)
            batch, held = [], 0
    click.echo("".join(batch), color=color)


@click.command()
@root_argument
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTER_BY_NAME)), default="text", show_default=True, help="Output format.")
@click.option("--strict", is_flag=True, help="Treat warnings as failures (exit 1).")
@as_of_option
@color_option
@click.option("--no-cache", is_flag=True, help="Do not read or write ROOT/.launchboard-cache (also LAUNCHBOARD_NO_CACHE=1).")
def check(root: Path, fmt: str, strict: bool, as_of: str | None, color: str, no_cache: bool) -> None:
    """Validate every record in ROOT/decisions and evaluate the readiness gates.

    Exit 0 when clean (warnings allowed unless --strict), 1 when there are problems,
    2 when the input or configuration is unusable (no policy, an invalid policy).
    """
    started = time.monotonic()
    portfolio = load_or_exit(root, as_of, cache=False if no_cache else None)
    reporter = REPORTER_BY_NAME[fmt](color=use_color(color, sys.stdout.isatty()) and fmt == "text", strict=strict, started=started)
    write_in_pieces(reporter.chunks(portfolio), color=reporter.color)
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt == "github" and summary_path:
        with open(summary_path, "a", encoding="utf-8") as summary:
            summary.write(step_summary(portfolio))
    if portfolio.unusable:
        sys.exit(EXIT_UNUSABLE)
    if portfolio.errors or (strict and portfolio.warnings):
        sys.exit(EXIT_PROBLEMS)


@click.command()
@root_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@as_of_option
@color_option
def status(root: Path, fmt: str, as_of: str | None, color: str) -> None:
    """The launch board in the terminal: each initiative, its stage and readiness for the next."""
    portfolio = load_or_exit(root, as_of)
    if portfolio.unusable:
        click.echo(REPORTER_BY_NAME["text"]().render(portfolio), err=True)
        sys.exit(EXIT_UNUSABLE)
    if fmt == "json":
        body = [portfolio.states[i.id].as_dict() | {"title": i.title, "risk": i.risk, "owners": i.owners} for i in portfolio.initiatives]
        click.echo(json.dumps({"as_of": portfolio.as_of, "initiatives": body}, indent=2, ensure_ascii=False).replace("##[", "#\\u0023["))
        return
    colour = use_color(color, sys.stdout.isatty())
    click.echo(render_status(portfolio, color=colour), color=colour)
    if portfolio.errors:
        count = len(portfolio.errors)
        click.echo(f"\n{count} error{'' if count == 1 else 's'}: run `launchboard check` for details", err=True)


COMMANDS: list[click.Command] = [check, status]
