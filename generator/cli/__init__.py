"""The command line: parses options and wires the core's parts together, nothing more.

Commands live beside this file by area (check.py, site.py, authoring.py) and
are imported only when invoked, so `launchboard check` in a pre-commit hook does not pay
for the site's Markdown and HTML libraries at start-up.
"""

from __future__ import annotations

import importlib

import click

from generator import __version__

# command name -> "module:attribute"; a module's COMMANDS list is the source of truth,
# this table only says where to find each name without importing every module.
LAZY_COMMANDS: dict[str, str] = {
    "check": "generator.cli.check:check",
    "status": "generator.cli.check:status",
    "build": "generator.cli.site:build",
    "serve": "generator.cli.site:serve",
    "render": "generator.cli.site:render",
    "new": "generator.cli.authoring:new",
    "diff": "generator.cli.authoring:diff",
    "codeowners": "generator.cli.authoring:codeowners",
    "import": "generator.cli.authoring:import_",
    "ingest": "generator.cli.ingest:ingest",
    "controls": "generator.cli.controls:controls",
    "export": "generator.cli.export:export",
    "history": "generator.cli.history:history",
    "hub": "generator.cli.hub:hub",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module on first use (click's lazy-loading pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module_name, attribute = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module_name), attribute)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="launchboard")
def main() -> None:
    """Launchboard: check, publish and author LLM initiative governance records.

    Records live in ROOT/decisions (ROOT defaults to the current folder).
    """
