"""The options every command shares, defined once so each spells and explains them alike.

ROOT is the last positional argument of every command that takes one (`check [ROOT]`,
`new initiative ID [ROOT]`, `ingest FILE [ROOT]`); `--as-of DATE` means the same "today"
everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

AS_OF_HELP = '"Today" as YYYY-MM-DD (default: SOURCE_DATE_EPOCH, else the current date).'

as_of_option = click.option("--as-of", metavar="DATE", help=AS_OF_HELP)

root_argument = click.argument("root", default=".", type=click.Path(file_okay=False, path_type=Path))


def root_last(command: Callable) -> Callable:
    """[ROOT] as the last positional argument, plus the old `--root DIR` spelling, hidden.

    `new`, `import` and `ingest` took `--root DIR` until 0.2; it still works for one
    release. The command receives one `root`: the two spellings may not disagree.
    """
    command = click.option("--root", "root_option", hidden=True, default=None,
                           type=click.Path(file_okay=False, path_type=Path))(command)
    command = click.argument("root", required=False, default=None,
                             type=click.Path(file_okay=False, path_type=Path))(command)
    return command


def pick_root(root: Path | None, root_option: Path | None) -> Path:
    """ROOT from the positional argument or the hidden --root; both at once must agree."""
    if root is not None and root_option is not None and root != root_option:
        raise click.UsageError(f"ROOT {root} and --root {root_option} disagree: give ROOT once")
    return root or root_option or Path(".")
