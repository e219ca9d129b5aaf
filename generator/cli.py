"""The command line: parses options and wires the core's parts together, nothing more.

Commands for each area live beside it (cli_site.py, cli_authoring.py) and register here.
"""

from __future__ import annotations

import click

from generator import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="launchboard")
def main() -> None:
    """Launchboard: check, publish and author LLM initiative governance records."""


def _register() -> None:
    from generator import cli_check, cli_site, cli_authoring

    for module in (cli_check, cli_site, cli_authoring):
        for command in module.COMMANDS:
            main.add_command(command)


_register()
