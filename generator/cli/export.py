"""`launchboard export`: the records in formats other tools read (CycloneDX 1.6)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

import click

from generator.cli.check import EXIT_UNUSABLE, as_of_option, load_or_exit, root_argument
from generator.core.loader import clean_text
from generator.exports.report import REPORTER_BY_NAME, neutralise


@click.group()
def export() -> None:
    """Export the portfolio for other tools."""


def write_atomically(out: Path, text: str) -> None:
    """Write OUT whole or not at all: a temporary file beside it, renamed over it.

    OUT must not be a symbolic link (writing "through" it could land anywhere on the
    runner); os.replace would replace a link that appears later, never follow it.
    """
    if out.is_symlink():
        _refuse(f"{out} is a symbolic link; refusing to write through it")
    if out.is_dir():
        _refuse(f"{out} is a folder; name a file")
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)  # judged safe already (core/safe_paths.output_path)
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _refuse(message: str) -> NoReturn:
    click.echo(f"launchboard: {clean_text(message, 400)}", err=True)
    sys.exit(EXIT_UNUSABLE)


@export.command()
@root_argument
@click.option("--initiative", metavar="ID", help="Export one initiative (default: all).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the BOM to this file (default: standard output).")
@as_of_option
def cyclonedx(root: Path, initiative: str | None, out: Path | None, as_of: str | None) -> None:
    """A CycloneDX 1.6 JSON BOM: one component per initiative, and declarations whose
    attestations map each item its stage requires to a claim with its evidence
    (approver, date, expiry). The same records and --as-of give the same bytes.

    Exit 2 for an unknown initiative, an unusable policy, or an --out that is, is inside or
    holds the records, the trusted layer or .git, or that a link would carry elsewhere.
    """
    from generator.core.safe_paths import RefusedOutput, output_path
    from generator.exports.cyclonedx import UnknownInitiative, bom_json

    if out is not None:
        try:  # never onto the records, the trusted layer or .git, nor through a link (core/safe_paths.py)
            out = output_path(root, out)
        except RefusedOutput as refused:
            _refuse(str(refused))
    portfolio = load_or_exit(root, as_of)
    if portfolio.unusable:
        click.echo(REPORTER_BY_NAME["text"]().render(portfolio), err=True)
        sys.exit(EXIT_UNUSABLE)
    try:
        text = bom_json(portfolio, initiative)
    except UnknownInitiative:
        known = ", ".join(i.id for i in portfolio.initiatives[:20]) or "none"
        click.echo(f"launchboard: no initiative {neutralise(clean_text(str(initiative), 64))!r} (known: {known})", err=True)
        sys.exit(EXIT_UNUSABLE)
    if portfolio.errors:
        click.echo(f"launchboard: {len(portfolio.errors)} check error{'' if len(portfolio.errors) == 1 else 's'}; the BOM records the items as they stand "
                   "(run `launchboard check` for details)", err=True)
    if out is None:
        click.echo(text, nl=False)
        return
    write_atomically(out, text)
    click.echo(f"Wrote {out}", err=True)


COMMANDS: list[click.Command] = [export]
