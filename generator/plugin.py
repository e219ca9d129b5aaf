"""The MkDocs plugin: runs the core, hands the renderer's files to MkDocs, sanitises pages.

Thin on purpose (DESIGN.md, Platform notes): everything it adds comes from
`render.render_site`, which `launchboard render --out DIR` also writes as plain files.
"""

from __future__ import annotations

import logging
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from generator import markdown_safety as ms
from generator.plugin_config import LaunchboardConfig
from generator.render import CSS_PATH, RenderedSite, render_site

log = logging.getLogger("mkdocs.plugins.launchboard")


def _clean(text: str) -> str:
    from generator.report import neutralise

    return neutralise(ms.plain(text))


class LaunchboardPlugin(BasePlugin[LaunchboardConfig]):
    def __init__(self) -> None:
        self.site: RenderedSite | None = None
        self.generated: set[str] = set()
        self.root: Path | None = None

    def _path(self, config: MkDocsConfig, value: str) -> Path:
        base = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        return (base / value).resolve()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return None
        from generator.pipeline import UsageError, load_portfolio

        self.root = self._path(config, self.config.root)
        try:
            portfolio = load_portfolio(self.root, self.config.as_of)
        except UsageError as err:
            raise PluginError(f"launchboard: {_clean(str(err))}") from None
        if portfolio.unusable:
            for p in portfolio.errors:
                log.error("%s: %s %s", _clean(str(p.location)), p.code, _clean(p.message))
            raise PluginError("launchboard: the policy cannot be used; run `launchboard check`")
        self._report(portfolio.problems)
        self.site = render_site(
            portfolio,
            templates_dir=self._path(config, self.config.templates),
            schemas_dir=self._path(config, self.config.schemas),
            group_size=max(1, self.config.nav_group_size),
            site_name=config.site_name,
        )
        for skipped in self.site.skipped:
            log.warning("launchboard: %r is not a safe page name; its pages are not published", _clean(skipped))
        if self.config.nav and config.nav is None:
            config.nav = self.site.nav
        if CSS_PATH not in config.extra_css:
            config.extra_css.append(CSS_PATH)
        return config

    def _report(self, problems: list) -> None:
        level = self.config.fail_on
        from generator.report import printable

        for p in map(printable, sorted(problems, key=lambda p: p.sort_key())):
            loud = (p.is_error and level in ("error", "warning")) or (not p.is_error and level == "warning")
            (log.warning if loud else log.info)(
                "%s: %s %s %s", _clean(str(p.location)), p.severity.value, p.code, _clean(p.message)
            )

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if self.site is None:
            return files
        self.generated = set()
        for path, content in self.site.files.items():
            if files.get_file_from_path(path) is not None:
                log.info("launchboard: %s in docs_dir replaces the generated page", path)
                continue
            # Decision pages are reached from their initiative, not the navigation.
            inclusion = InclusionLevel.NOT_IN_NAV if "/decisions/" in path else InclusionLevel.UNDEFINED
            files.append(File.generated(config, path, content=content, inclusion=inclusion))
            if path in self.site.pages:
                self.generated.add(path)
        return files

    @event_priority(-100)  # after other plugins, so nothing is added once the page is clean
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        if page.file.src_uri in self.generated:
            return ms.sanitize_page(html)
        return html

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        if self.root is None:
            return server
        watched = {str(Path(w).resolve()) for w in config.watch}
        for folder in (self.root / "decisions", self._path(config, self.config.templates), self._path(config, self.config.schemas)):
            if folder.is_dir() and str(folder) not in watched:
                server.watch(str(folder))
        return server
