"""The `launchboard` plugin's options, validated by MkDocs itself (mkdocs-material style)."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class LaunchboardConfig(Config):
    enabled = c.Type(bool, default=True)
    # The governance repository (the folder holding decisions/), relative to mkdocs.yml.
    root = c.Type(str, default=".")
    # Page templates; anything missing falls back to Launchboard's own.
    templates = c.Type(str, default="templates/site")
    # JSON Schemas for the field reference page.
    schemas = c.Type(str, default="schemas")
    # "Today" as YYYY-MM-DD; default: SOURCE_DATE_EPOCH, else the current date.
    # LAUNCHBOARD_AS_OF (set by `launchboard build --as-of`) takes precedence.
    as_of = c.Optional(c.Type(str))
    # Build the navigation (board, guides, initiatives in groups); off keeps mkdocs.yml's nav.
    nav = c.Type(bool, default=True)
    # Initiatives per navigation group: bounds the navigation every page embeds.
    nav_group_size = c.Type(int, default=50)
    # Which problems from the core are logged as warnings, so `mkdocs build --strict` fails.
    fail_on = c.Choice(("error", "warning", "never"), default="error")
    # A site that works opened from the file system (file://): page.html URLs instead of
    # page/ folders, search without a web worker. Off for a served site, whose URLs stay.
    offline = c.Type(bool, default=False)
    # The Trends page and each initiative's readiness over time, from the git history
    # (`launchboard history`); off leaves both out and never runs git.
    history = c.Type(bool, default=True)
