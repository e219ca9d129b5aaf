"""`launchboard hub lock|check|build`: many governance repositories, one board (core/hub.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from generator.cli.check import EXIT_PROBLEMS, EXIT_UNUSABLE, as_of_option, color_option
from generator.hub import sources as core
from generator.core.loader import clean_text
from generator.core.pipeline import UsageError
from generator.exports.report import neutralise, use_color

hub_argument = click.argument("hub_root", metavar="[HUB]", default=".", type=click.Path(file_okay=False, path_type=Path))


def _text(value: object, limit: int = 300) -> str:
    return neutralise(clean_text(str(value), limit))


def _fail(err: Exception) -> None:
    """Exit 2 with the located message: hub.yaml unusable, or a source unreadable (named)."""
    for line in str(err).splitlines() or [""]:
        click.echo(f"launchboard: {_text(line)}", err=True)
    sys.exit(EXIT_UNUSABLE)


def _load(hub_root: Path) -> core.Hub:
    try:
        return core.load_hub(hub_root)
    except core.HubError as err:
        _fail(err)
        raise  # unreachable


@click.group()
def hub() -> None:
    """Many repositories, one board: pin, check and build a site across every source in HUB/hub.yaml.

    HUB (default: the current folder) holds hub.yaml, and optionally decisions/policy.yaml,
    the organisation's baseline policy each source is compared with.
    """


@hub.command()
@hub_argument
def lock(hub_root: Path) -> None:
    """Pin every source to the commit its ref names now, and fetch it into the hub's cache.

    Only the commit: fields of hub.yaml change; the rest stays byte for byte. Nothing is
    written unless every source could be resolved and fetched.
    """
    hub_ = _load(hub_root)
    try:
        pins = core.lock(hub_)
    except (core.SourceError, core.HubError) as err:
        _fail(err)
        return
    for name, old, new in pins:
        moved = "unchanged" if old == new else f"{(old or 'unpinned')[:12]} -> {new[:12]}"
        click.echo(f"{_text(name, 40)}: {moved}")


no_fetch_option = click.option("--no-fetch", is_flag=True, help="Use only the hub's cache of fetched sources; fail (exit 2) for a pin it does not hold.")


@hub.command()
@hub_argument
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@no_fetch_option
@as_of_option
@color_option
@click.option("--no-cache", is_flag=True, help="Judge every source again instead of reusing the signed verdicts in HUB/.launchboard-cache/hub-verdicts.")
def check(hub_root: Path, fmt: str, no_fetch: bool, as_of: str | None, color: str, no_cache: bool) -> None:
    """Check every source's records at its pinned commit, under its own policy.

    Exit 0 when every source passes its own gates, 1 when one does not, 2 when hub.yaml or
    a source cannot be read (the source is named). With a baseline policy in the hub, each
    source's weaker settings are listed as policy drift (reported, not a failure).
    """
    hub_ = _load(hub_root)
    try:
        results = core.check(hub_, as_of, no_fetch=no_fetch, cache=not no_cache)
    except (core.SourceError, core.HubError, UsageError) as err:
        _fail(err)
        return
    if fmt == "json":
        body = {"sources": [r.as_dict() for r in results]}
        click.echo(json.dumps(body, indent=2, ensure_ascii=False).replace("##[", "#\\u0023["))
    else:
        colour = use_color(color, sys.stdout.isatty())
        click.echo(render_text(results, colour), color=colour)
    if any(not r.ok for r in results):
        sys.exit(EXIT_PROBLEMS)


def render_text(results: list[core.SourceResult], color: bool = False) -> str:
    red, green, yellow, reset = ("\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[0m") if color else ("", "", "", "")
    lines = []
    for r in results:
        verdict = f"{green}ok{reset}" if r.ok else f"{red}fails its gates{reset}"
        stale = f", {yellow}behind its branch ({(r.tip or '')[:12]}, {r.tip_date}){reset}" if r.stale else ""
        lines.append(f"{_text(r.name, 40)} @ {r.commit[:12]} ({r.date}): {verdict}; {r.initiatives} initiatives, "
                     f"{len(r.errors)} errors, {len(r.warnings)} warnings{stale}")
        for problem in sorted(r.errors + r.warnings, key=lambda p: (p["file"], p["line"], p["column"])):
            lines.append(f"  {_text(core.problem_line(problem), 600)}")
        for drift in r.policy_drift:
            subject = "/".join(p for p in (drift["checklist"], drift["item"]) if p) or "policy"
            lines.append(f"  {yellow}policy drift{reset} {_text(subject, 120)}: {_text(drift['change'], 60)} "
                         f"(baseline {_text(drift['baseline'] or '-', 120)}, here {_text(drift['source'] or '-', 120)})")
    return "\n".join(lines)


@hub.command()
@hub_argument
@click.option("-d", "--site-dir", type=click.Path(file_okay=False, path_type=Path), help="Where the site goes (default: HUB/site).")
@click.option("--offline", is_flag=True, help="A site to open from the file system (page.html links), as `launchboard build --offline`.")
@no_fetch_option
@as_of_option
def build(hub_root: Path, site_dir: Path | None, offline: bool, no_fetch: bool, as_of: str | None) -> None:
    """One site across every source: a board with a source column and filter (ids as
    source/id), and each source's pages as its own site shows them (readiness, checklists,
    decisions, runbooks, on call) under sources/NAME/, with its pin, date, staleness,
    problems and policy drift.

    Every source is checked first, as `hub check` does; a source that cannot be read stops the
    build with exit 2 and the previous site stays as it was. Sources failing their own gates
    are shown as such (the build still succeeds).
    """
    from generator.cli.site import _checked_output
    from generator.core.pipeline import resolve_as_of
    from generator.hub.site import build_hub

    hub_ = _load(hub_root)
    target = _checked_output(hub_root, site_dir if site_dir is not None else hub_root / "site", "--site-dir",
                             replace_unmarked=site_dir is None)
    try:
        day = resolve_as_of(as_of)
        results = core.check(hub_, day, no_fetch=no_fetch)
        baseline = (hub_root / core.DECISIONS / "policy.yaml").is_file()
        build_hub(hub_, results, day, baseline, target, offline)
    except (core.SourceError, core.HubError, UsageError) as err:
        _fail(err)
        return
    except RuntimeError as err:
        click.echo(f"launchboard: the build failed ({_text(err)}); {target} is unchanged", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"Site built in {target}")


COMMANDS: list[click.Command] = [hub]
