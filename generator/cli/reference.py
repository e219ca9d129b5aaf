"""The command-line reference page, taken from the commands' own `--help`, so it cannot drift.

Every command and subcommand of `launchboard`, in the order `launchboard --help` lists them,
with the help text click prints for it at a fixed width (so the page does not depend on the
terminal of whoever builds the site).
"""

from __future__ import annotations

from dataclasses import dataclass

import click

WIDTH = 80  # click's own default width, so the page is what a terminal shows


@dataclass(frozen=True)
class CommandHelp:
    name: str  # "launchboard new initiative"
    text: str  # what `launchboard new initiative --help` prints


def _help(command: click.Command, name: str, parent: click.Context | None) -> tuple[click.Context, str]:
    # click formats a terminal of WIDTH columns at WIDTH - 2; a given terminal_width is used as is
    settings = {"terminal_width": WIDTH - 2, "max_content_width": WIDTH, **command.context_settings}
    ctx = click.Context(command, info_name=name.rsplit(" ", 1)[-1], parent=parent, **settings)
    return ctx, command.get_help(ctx)


def command_helps() -> list[CommandHelp]:
    """`launchboard --help`, then each command's, then each subcommand's, depth first."""
    from generator.cli import main

    root_ctx, root_text = _help(main, "launchboard", None)
    found = [CommandHelp("launchboard", root_text)]

    def walk(group: click.Group, ctx: click.Context, prefix: str) -> None:
        for sub in group.list_commands(ctx):
            command = group.get_command(ctx, sub)
            if command is None or command.hidden:
                continue
            sub_ctx, text = _help(command, f"{prefix} {sub}", ctx)
            found.append(CommandHelp(f"{prefix} {sub}", text))
            if isinstance(command, click.Group):
                walk(command, sub_ctx, f"{prefix} {sub}")

    walk(main, root_ctx, "launchboard")
    return found
