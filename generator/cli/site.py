"""Site commands: `build` and `serve` run MkDocs; `render` writes the generated pages to a folder.

cli.py registers everything in COMMANDS.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click

from generator.site.markdown_safety import UnsafePath

COMMANDS: list[click.Command] = []

from generator.cli.options import as_of_option, root_argument  # noqa: E402


def _as_of_env(env: dict[str, str], as_of: str | None) -> dict[str, str]:
    """--as-of for MkDocs: the plugin reads LAUNCHBOARD_AS_OF, which wins over mkdocs.yml's as_of.

    The date is checked here, so a bad one stops the command (exit 2) before MkDocs starts."""
    if as_of is not None:
        from generator.core.pipeline import UsageError, resolve_as_of

        try:
            env["LAUNCHBOARD_AS_OF"] = resolve_as_of(as_of).isoformat()
        except UsageError as err:
            click.echo(f"launchboard: {err}", err=True)
            sys.exit(2)
    return env


def mkdocs_env() -> dict[str, str]:
    """The environment for MkDocs: Material's end-of-life notice silenced (README, "Running it in CI")."""
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"
    return env


def _config(root: Path, config_file: Path | None) -> Path:
    config = config_file or root / "mkdocs.yml"
    if not config.is_file():
        click.echo(f"launchboard: {config} not found; the site needs a mkdocs.yml (`check` does not)", err=True)
        sys.exit(2)
    return config


def _site_dir(config: Path, site_dir: Path | None) -> Path:
    if site_dir is not None:
        return site_dir  # as named: core/safe_paths.output_path normalises it and shows it as given
    import yaml

    try:
        # mkdocs.yml may use !ENV and !relative tags: read only the plain site_dir key.
        text = config.read_text(encoding="utf-8")
        value = next(
            (yaml.safe_load(line.split(":", 1)[1]) for line in text.splitlines() if line.startswith("site_dir:")),
            None,
        )
    except (OSError, yaml.YAMLError):
        value = None
    return (config.parent / (value if isinstance(value, str) and value else "site")).absolute()


def _checked_output(root: Path, out: Path, label: str, replace_unmarked: bool = False) -> Path:
    """The output folder to replace, normalised (core/safe_paths.py); exit 2 naming why when
    it is, is inside or holds the records, the trusted layer or .git, or a link leads it away."""
    from generator.core.safe_paths import RefusedOutput, output_path

    try:
        return output_path(root, out, label=label, folder=True, replace_unmarked=replace_unmarked)
    except RefusedOutput as refused:
        click.echo(f"launchboard: {refused}", err=True)
        sys.exit(2)


@click.command()
@root_argument
@click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), help="mkdocs.yml to use (default: ROOT/mkdocs.yml).")
@click.option("-d", "--site-dir", type=click.Path(file_okay=False, path_type=Path), help="Where the site goes (default: mkdocs.yml's site_dir).")
@click.option("--strict", is_flag=True, help="Fail on any MkDocs warning, including check errors in the records.")
@click.option("--offline", is_flag=True,
              help="A site to open from the file system (page.html links, search without a server); "
                   "publish the default build, whose URLs are page/ folders.")
@as_of_option
def build(root: Path, config_file: Path | None, site_dir: Path | None, strict: bool, offline: bool, as_of: str | None) -> None:
    """Build the site with MkDocs. The new site replaces the old one only when the build succeeds."""
    from generator.site.render import mark_output, replace_dir

    config = _config(root, config_file)
    label = "--site-dir" if site_dir is not None else f"site_dir in {config.name}"
    target = _checked_output(root, _site_dir(config, site_dir), label, replace_unmarked=site_dir is None)  # mkdocs.yml is trusted
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.building.", dir=target.parent))
    cmd = [sys.executable, "-m", "mkdocs", "build", "-f", str(config.absolute()), "-d", str(tmp)]  # mkdocs runs in ROOT
    if strict:
        cmd.append("--strict")
    try:
        env = _as_of_env(mkdocs_env(), as_of)
        if offline:  # mkdocs.yml reads it: `offline: !ENV [LAUNCHBOARD_OFFLINE, false]`
            env["LAUNCHBOARD_OFFLINE"] = "true"
        result = subprocess.run(cmd, cwd=root, env=env)
        if result.returncode != 0:
            click.echo(f"launchboard: the build failed; {target} is unchanged", err=True)
            sys.exit(1)
        mark_output(tmp)
        replace_dir(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    click.echo(f"Site built in {target}")


@click.command()
@root_argument
@click.option("-f", "--config-file", type=click.Path(dir_okay=False, path_type=Path), help="mkdocs.yml to use (default: ROOT/mkdocs.yml).")
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
@click.option(
    "--dirty/--full",
    default=True,
    show_default=True,
    help="--dirty (the default) rewrites only the pages whose content changed since the previous "
    "rebuild; --full rebuilds every page on every change.",
)
@as_of_option
def serve(root: Path, config_file: Path | None, dev_addr: str, dirty: bool, as_of: str | None) -> None:
    """Serve the site locally; it rebuilds when decisions/, templates/ or schemas/ change.

    \b
    With --dirty (the default) a rebuild still reads every record and renders every
    generated page, but MkDocs rewrites only the pages whose generated content changed:
    the edited initiative's pages and the site-wide pages that show what changed. A
    change to the navigation, to any page's title or tags, or to mkdocs.yml rebuilds
    every page. The search index and tags.json keep the entries of the pages not
    rebuilt. The pages of a removed initiative stay reachable by their address (not
    from the navigation) until the server restarts. Use --full to rebuild everything
    each time, as `launchboard build` does.
    """
    config = _config(root, config_file)
    env = _as_of_env(mkdocs_env(), as_of)
    cmd = [sys.executable, "-m", "mkdocs", "serve", "-f", str(config.absolute()), "-a", dev_addr]  # before chdir
    if dirty:
        cmd.append("--dirty")
    # Become the server rather than wait for it: a SIGTERM to `launchboard serve` (an IDE,
    # a supervisor) then stops MkDocs too instead of orphaning it on the port.
    os.chdir(root)
    os.execve(sys.executable, cmd, env)


@click.command()
@root_argument
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write the pages into (replaced whole).")
@as_of_option
@click.option("--templates", type=click.Path(file_okay=False, path_type=Path), help="Page templates (default: ROOT/templates/site, else Launchboard's).")
def render(root: Path, out: Path, as_of: str | None, templates: Path | None) -> None:
    """Write the generated pages, feeds and badges as files, for builders without the plugin.

    The folder is written beside OUT and renamed into place when complete.
    """
    from generator.cli.check import load_or_exit
    from generator.site.render import render_site, write_site
    from generator.exports.report import neutralise

    out = _checked_output(root, out, "--out")
    portfolio = load_or_exit(root, as_of)
    if portfolio.unusable:
        click.echo("launchboard: the policy cannot be used; run `launchboard check`", err=True)
        sys.exit(2)
    if templates is None and (root / "templates" / "site").is_dir():
        templates = root / "templates" / "site"
    from generator.cli.reference import command_helps
    from generator.site.trends import load_trends

    site = render_site(portfolio, templates_dir=templates, schemas_dir=root / "schemas", commands=command_helps(),
                       trends=load_trends(root, portfolio.as_of))
    try:
        write_site(site, out)
    except UnsafePath as err:
        click.echo(f"launchboard: {err}", err=True)
        sys.exit(2)
    for skipped in site.skipped:
        click.echo(f"launchboard: skipped {neutralise(repr(skipped))}: not a safe page name", err=True)
    click.echo(f"Wrote {len(site.files)} files ({len(site.pages)} pages) to {out}")


COMMANDS.extend([build, serve, render])
