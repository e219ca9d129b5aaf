"""Commands of this area; cli.py registers everything in COMMANDS."""

from __future__ import annotations

import click

COMMANDS: list[click.Command] = []
