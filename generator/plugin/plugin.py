"""The MkDocs plugin: runs the core, hands the renderer's files to MkDocs, sanitises pages.

Thin on purpose (README, "The site": MkDocs 1.x is in maintenance): everything it adds comes from
`render.render_site`, which `launchboard render --out DIR` also writes as plain files.

Dirty rebuilds (`mkdocs serve --dirty`, `launchboard serve`): MkDocs rebuilds only the files
whose `File.is_modified()` is true, and a generated file always says it is. The plugin keeps,
per mkdocs.yml and site_dir, what the previous successful build of this process produced
(`_BuildState`) and tells MkDocs a generated file is modified only when its content differs
from that build's. Anything every page embeds (the navigation, every page's front matter —
titles feed the navigation and the footer, tags feed the tags page —, mkdocs.yml, the set of
files, a theme `custom_dir`, pages of docs_dir) goes into one site signature: when it changes,
every page is rebuilt. Pages a dirty build skips get their previous titles back, so the
navigation of the pages it does rebuild is right, and the search index and tags.json keep the
skipped pages' entries from the previous build. The search entries of the pages made from
the records are written from the records every build (site/search_index.py): Material's
search plugin is told not to parse those pages. `mkdocs build` and plain `serve` never ask
`is_modified()` about pages, so their output is unaffected.

Under `mkdocs serve` the plugin also keeps two memos (it defines on_startup, so MkDocs keeps
this object across rebuilds): pipeline.LoadMemo skips judging initiative folders whose files
did not change, render.RenderMemo skips rendering their pages. Both are keyed by content.
It watches decisions/ itself (watcher.py: a cheaper walk than MkDocs's snapshots, woken by
file events, resting while a build runs) and freezes what the first build left for the
garbage collector (on_serve).

Generated pages never meet Python-Markdown: their `render` is site/pagehtml.py's, which
converts the templates' CommonMark with cmark-gfm, cleans it with nh3 once and sets what
MkDocs's converter would have (content, table of contents, title, anchors). Pages of docs_dir
keep MkDocs's path with every extension mkdocs.yml lists. Large builds use the second core:
the renderer forks a process for half the initiatives.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import logging
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import jinja2.bccache
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

from generator.site import markdown_safety as ms
from generator.plugin.config import LaunchboardConfig
from generator.core.pipeline import LoadMemo, UsageError, load_portfolio
from generator.cli.reference import command_helps
from generator.core.safe_paths import RefusedOutput, output_path
from generator.site.render import CSS_PATH, JS_PATH, WORKER_SHIM_PATH, RenderedSite, RenderMemo, move_file, precompile_templates, render_site, write_file
from generator.site.render import _schemas  # the field reference's tables, for its search entries
from generator.site import search_index
from generator.site import pagehtml
from generator.site.trends import load_trends
from generator.plugin.watcher import TreePoller, watch_with_poller
from generator.site.second_writer import BUILD_LOGGERS, TEMPLATE as WRITTEN_ELSEWHERE, SecondWriter

log = logging.getLogger("mkdocs.plugins.launchboard")
# MkDocs's build logger, and ProperDocs's (its drop-in fork logs under its own name)
_BUILD_LOGS = [logging.getLogger(f"{name}.commands.build") for name in BUILD_LOGGERS]


class _DirtyBuildIsOurs(logging.Filter):
    """Drops MkDocs' "dirty build ... inaccurate navigation" warning under `serve --dirty`.

    The generated pages are rewritten whenever their content or the site's navigation
    signature changes (tests/test_serve_incremental.py), so the warning, printed on every
    start and every rebuild, would only teach users to ignore warnings.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


_PLUGIN_DIRTY_BUILD = _DirtyBuildIsOurs()

# The second page writer's share of the record pages: a little over half, since MkDocs's own
# process also writes the portfolio pages and copies the theme's files (at 1,000 initiatives
# with half each, the second writer finished 1.5 s before MkDocs).
SECOND_WRITER_SHARE = 0.53


def _share(items: list, fraction: float) -> list:
    """About FRACTION of ITEMS, spread evenly through them (each page kind, each initiative)."""
    return [item for i, item in enumerate(items) if int((i + 1) * fraction) > int(i * fraction)]


class _NotConvertedYet(str):
    """A generated page's content until it is converted, as it is written (`_defer`): an empty
    text that is one object, so the plugin knows nothing has been put in its place."""


_CONVERTED_WHEN_WRITTEN = _NotConvertedYet("")


class _Packed(bytes):
    """A generated page's Markdown as render_site keeps it for `mkdocs build` (`_pack`): zlib."""


class _Spilled(str):
    """A generated file render_site wrote to the build's spill folder (`_pack`) instead of keeping it."""


class _PackedPage(File):
    """A generated page whose content is `_Packed`: MkDocs reads it decompressed."""

    @property  # type: ignore[override]
    def content_string(self) -> str:
        content = self._content
        if isinstance(content, _Packed):
            return zlib.decompress(content).decode("utf-8")
        return File.content_string.fget(self)  # type: ignore[attr-defined]

    @property  # type: ignore[override]
    def content_bytes(self) -> bytes:
        content = self._content
        if isinstance(content, _Packed):
            return zlib.decompress(content)
        return File.content_bytes.fget(self)  # type: ignore[attr-defined]
_NO_TOC = get_toc([])


@dataclass
class _BuildState:
    """What one successful build wrote, for the next dirty build in the same process."""

    signature: str  # the site-wide inputs every page depends on
    hashes: dict[str, str]  # generated file src_uri -> content digest
    titles: dict[str, str | None] = field(default_factory=dict)  # page src_uri -> title
    search: list | None = None  # the search index entries Material made itself (not the records')
    tags_json: bytes | None = None  # material tags export
    tag_links: dict[str, list | None] = field(default_factory=dict)  # page src_uri -> its material tag links


# Keyed by (mkdocs.yml path, site_dir): MkDocs keeps one instance of this plugin per process
# (it has on_startup), and that instance may build several sites, in tests for example.
_STATE: dict[tuple[str, str], _BuildState] = {}


def _digest(content: str | bytes) -> str:
    return hashlib.blake2b(content.encode("utf-8") if isinstance(content, str) else content, digest_size=16).hexdigest()


def _same(kept: object, content: str | bytes) -> bool:
    """The very object, or an equal one (a page rendered again to the same text: a memcmp)."""
    return kept is content or (type(kept) is type(content) and kept == content)


def _front_matter(content: str) -> str:
    """The YAML front matter block of a generated page ('' if none), as text."""
    if not content.startswith("---"):
        return ""
    end = content.find("\n---", 3)
    return content[: end + 4] if end != -1 else content


def _nav_shape(items) -> list:
    shape = []
    for item in items:
        file = getattr(item, "file", None)
        if file is not None:  # a page: its own title only if mkdocs.yml's nav gave one
            shape.append(["page", file.src_uri, item.__dict__.get("title")])
        elif getattr(item, "children", None) is not None:
            shape.append(["section", item.title, _nav_shape(item.children)])
        else:
            shape.append(["link", getattr(item, "title", None), getattr(item, "url", None)])
    return shape


def _tree_stamp(folder: str | None) -> list:
    """Names, sizes and mtimes under a folder (a theme custom_dir): cheap change detection."""
    out: list = []
    if not folder or not os.path.isdir(folder):
        return out
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                st = os.stat(path)
            except OSError:
                continue
            out.append([os.path.relpath(path, folder), st.st_size, st.st_mtime_ns])
    return out


def _docs_prefix(docs_dir: str, root: Path) -> str | None:
    """docs_dir relative to ROOT (POSIX; "" when it is ROOT), or None outside it: result files
    under it are copied into the site, so a measurement's source can link to them."""
    try:
        relative = Path(docs_dir).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None
    return "" if relative == "." else relative


def _nothing() -> None:
    pass


def _always(value: bool):
    return lambda: value


def _clean(text: str) -> str:
    from generator.exports.report import neutralise

    return neutralise(ms.plain(text))


class _MemoryBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory from one build to the next (serve only)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # dropped by Jinja if the source's checksum differs

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


class LaunchboardPlugin(BasePlugin[LaunchboardConfig]):
    def __init__(self) -> None:
        self.site: RenderedSite | None = None
        self.generated: set[str] = set()
        self.root: Path | None = None
        self.key: tuple[str, str] | None = None
        self.hashes: dict[str, str] = {}
        self.signature = ""
        self.full = True  # every page is modified in this build
        self.built: set[str] = set()  # src_uri of the pages MkDocs rendered in this build
        self.skipped_pages = False  # a dirty build left some pages as they were
        self.pages: list[File] = []
        self.tag_links: dict[str, list | None] = {}  # this build's pages' material tag links
        # Under `mkdocs serve` this object lives across rebuilds (it has on_startup), and the
        # memos let a rebuild skip the initiatives whose inputs did not change.
        self.load_memo: LoadMemo | None = None
        self.render_memo: RenderMemo | None = None
        self._digested: dict[str, tuple[str | bytes, str]] = {}  # path -> (content, digest), serve only
        # path -> the File the last build made of it and the inclusion asked for, serve only
        self._files: dict[str, tuple[File, InclusionLevel]] = {}
        self._next_files: dict[str, tuple[File, InclusionLevel]] = {}
        self.read: dict[str, str] = {}  # generated page -> its Markdown as read, before other plugins
        self.cleaned: dict[str, str] = {}  # generated page -> the clean HTML pagehtml gave it this build
        self.files: Files | None = None  # this build's files, for pages converted as they are written
        self.defer = False  # this build converts generated pages as they are written (`_defer`)
        self.deferred: dict[str, bytes] = {}  # generated pages not converted yet -> their Markdown (or _Packed source), compressed
        self.writer = SecondWriter()  # `mkdocs build`: a second process writes half the record pages
        self.nav = None  # this build's navigation, for the second page writer
        self.spill: Path | None = None  # `mkdocs build`: where render_site writes feeds, badges, charts
        self.spilled: list[str] = []  # this build's files render_site wrote there
        self.dirty = False
        self.poller: TreePoller | None = None  # watches decisions/ under serve; rests while we build
        # The search index's entries from the records (search_index.py), the pages they
        # describe (Material does not parse those) and every generated page's URL.
        self.search_entries: list[search_index.Entry] = []
        self.search_pages: set[str] = set()
        self.urls: dict[str, str] = {}
        self.material_entries: list | None = None  # this build's entries Material made itself
        self.search_memo: search_index.EntryMemo | None = None  # under serve, like the memos below
        self.theme_code: _MemoryBytecode | None = None  # under serve: the theme's compiled templates

    def on_startup(self, *, command: str, dirty: bool) -> None:
        serving = command == "serve"
        self.dirty = dirty
        self.load_memo = LoadMemo() if serving else None
        self.render_memo = RenderMemo() if serving else None
        self.search_memo = search_index.EntryMemo() if serving else None
        self.theme_code = _MemoryBytecode() if serving else None
        if serving and dirty:
            for build_log in _BUILD_LOGS:
                build_log.addFilter(_PLUGIN_DIRTY_BUILD)

    @property
    def _incremental(self) -> bool:
        """A later dirty build of this process reads what this build leaves (`_STATE`):
        `mkdocs serve`, or a build started dirty. A plain `mkdocs build` keeps nothing for it."""
        return self.dirty or self.render_memo is not None

    def _freeze(self) -> None:
        """What exists now lives until this build ends: the garbage collector stops walking
        it (a 1,000-initiative build went from 63 to 39 s). Frozen objects are still freed by
        reference counting; a cycle among them (a Page and its File) would stay, so the build's
        end unfreezes them (`_thaw`): a process that builds many sites (`launchboard build`
        in tests, a script) keeps none of them. Not under serve, which freezes once, after the
        first build (on_serve), what its memos keep for every rebuild."""
        if self.render_memo is None:
            gc.freeze()

    def _thaw(self) -> None:
        """The build is over: what _freeze froze may be collected again."""
        if self.render_memo is None:
            gc.unfreeze()

    def on_shutdown(self) -> None:
        self.load_memo = self.render_memo = self.search_memo = self.theme_code = None
        for build_log in _BUILD_LOGS:
            build_log.removeFilter(_PLUGIN_DIRTY_BUILD)
        self.poller = None  # the server stops it with its observer

    def _path(self, config: MkDocsConfig, value: str) -> Path:
        base = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        return (base / value).resolve()

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        self.site = None  # this object may have served an earlier build (see on_startup)
        if self.poller is not None:
            self.poller.building(True)  # until on_post_build or on_build_error
        if not self.config.enabled:
            return None

        self.root = self._path(config, self.config.root)
        try:  # MkDocs empties site_dir after this event: never the records, the trusted layer or .git
            output_path(self.root, config.site_dir, label="site_dir", folder=True, replace_unmarked=True)
        except RefusedOutput as refused:
            raise PluginError(f"launchboard: {_clean(str(refused))}") from None
        templates_dir = self._path(config, self.config.templates)
        # A first build compiles the templates on the other core while the records load
        # (under serve, later builds reuse the render memo's compiled templates).
        first_build = self.render_memo is None or self.render_memo.env is None
        templates_compiled = precompile_templates(templates_dir, self.root) if first_build else _nothing
        try:
            # `launchboard build --as-of` / `serve --as-of` pass their date here, over mkdocs.yml's
            as_of = os.environ.get("LAUNCHBOARD_AS_OF") or self.config.as_of
            portfolio = load_portfolio(self.root, as_of, memo=self.load_memo)
            # The portfolio lives until the build ends: the collector need not walk it again
            # each time the build allocates (at 1,000 initiatives that walking was 2.2 s of
            # the 2.8 s the framework pages' coverage took).
            self._freeze()
        except UsageError as err:
            raise PluginError(f"launchboard: {_clean(str(err))}") from None
        finally:
            templates_compiled()
        if portfolio.unusable:
            for p in portfolio.errors:
                log.error("%s: %s %s", _clean(str(p.location)), p.code, _clean(p.message))
            raise PluginError("launchboard: the policy cannot be used; run `launchboard check`")
        self._report(portfolio.problems)
        self.spill = self._spill_folder(config)
        self.site = render_site(
            portfolio,
            templates_dir=templates_dir,
            schemas_dir=self._path(config, self.config.schemas),
            group_size=max(1, self.config.nav_group_size),
            site_name=config.site_name,
            memo=self.render_memo,
            docs_prefix=_docs_prefix(config["docs_dir"], self.root),
            commands=command_helps(),  # the Command line page: each command's own --help
            trends=load_trends(self.root, portfolio.as_of) if self.config.history else None,
            pack=self if self.spill is not None else None,
        )
        self.search_entries = search_index.entries(portfolio, _schemas(self._path(config, self.config.schemas)), self.search_memo)
        self.search_pages = {e.page for e in self.search_entries}
        for skipped in self.site.skipped:
            log.warning("launchboard: %r is not a safe page name; its pages are not published", _clean(skipped))
        if self.config.nav and config.nav is None:
            config.nav = self.site.nav
        if CSS_PATH not in config.extra_css:
            config.extra_css.append(CSS_PATH)
        if JS_PATH in self.site.files and JS_PATH not in config.extra_javascript:
            config.extra_javascript.append(JS_PATH)
        if self.config.offline:
            self._for_the_file_system(config)
        return config

    @staticmethod
    def _for_the_file_system(config: MkDocsConfig) -> None:
        """What Material's offline plugin does, without its CDN: links to page.html files, and
        the web-worker shim from the site's own assets (on_post_build inlines the index)."""
        config.use_directory_urls = False
        polyfills = config.extra.setdefault("polyfills", [])
        if WORKER_SHIM_PATH not in polyfills:
            polyfills.append(WORKER_SHIM_PATH)

    def _report(self, problems: list) -> None:
        level = self.config.fail_on
        from generator.exports.report import printable

        for p in map(printable, sorted(problems, key=lambda p: p.sort_key())):
            loud = (p.is_error and level in ("error", "warning")) or (not p.is_error and level == "warning")
            (log.warning if loud else log.info)(
                "%s: %s %s %s", _clean(str(p.location)), p.severity.value, p.code, _clean(p.message)
            )

    def _spill_folder(self, config: MkDocsConfig) -> Path | None:
        """`mkdocs build`: a folder beside site_dir for the files render_site writes as it makes
        them (MkDocs empties site_dir after this event; on_env moves them in). Its name is
        fixed, so one an interrupted build left is removed by the next. None under serve and
        dirty builds (they compare contents between builds)."""
        self._drop_spill()
        if self.render_memo is not None or self.dirty:
            return None
        site_dir = os.path.abspath(config.site_dir)
        spill = Path(os.path.dirname(site_dir)) / f".{os.path.basename(site_dir)}.launchboard-spill"
        try:
            if spill.is_dir() and not spill.is_symlink():
                import shutil

                shutil.rmtree(spill)
            spill.mkdir(parents=True)
        except OSError:
            return None
        return spill

    def _move_spill_in(self, config: MkDocsConfig, files: Files) -> None:
        """What render_site wrote to the spill folder goes into site_dir once MkDocs has
        settled which files the site has (after its exclusions and every plugin's on_files):
        each of the folder's entries in one move where all its files are still in the site and
        site_dir has nothing of that name (the usual case), else file by file. Files the site
        no longer has are removed with the folder."""
        import shutil

        assert self.spill is not None
        site_dir = Path(config.site_dir)
        site_dir.mkdir(parents=True, exist_ok=True)
        included = {f.src_uri for f in files if f.abs_src_path == f.abs_dest_path and f.inclusion.is_included()}
        spilled: dict[str, list[str]] = {}
        for path in self.spilled:
            spilled.setdefault(path.split("/", 1)[0], []).append(path)
        for entry, paths in sorted(spilled.items()):
            if all(p in included for p in paths) and not os.path.lexists(site_dir / entry):
                shutil.move(self.spill / entry, site_dir / entry)  # a rename, or a copy across devices
                continue
            for path in paths:
                if path in included:
                    move_file(self.spill, site_dir, path)

    def _drop_spill(self) -> None:
        spill, self.spill = getattr(self, "spill", None), None
        if spill is not None:
            import shutil

            shutil.rmtree(spill, ignore_errors=True)

    def pack(self, path: str, content: str | bytes, page: bool) -> str | bytes:
        """render.Packer: what render_site keeps of an initiative's file in `mkdocs build`
        (asked in the render worker too): a page compressed, anything else written to the
        spill folder now. At 5,000 initiatives their text is about 0.9 GB; compressed pages are
        a tenth of their size."""
        if page and isinstance(content, str):
            return _Packed(zlib.compress(content.encode("utf-8"), 1))
        assert self.spill is not None
        write_file(self.spill, path, content)
        return _Spilled()

    @staticmethod
    def unpack(path: str, kept: str | bytes) -> str:
        """render.Packer: a page's text from what `pack` kept."""
        return zlib.decompress(kept).decode("utf-8") if isinstance(kept, _Packed) else str(kept)

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        if self.site is None:
            return files
        incremental = self._incremental
        self.spilled = []
        self.generated = set()
        self.hashes = {}
        existing = {f.src_uri for f in files}
        serving = self.render_memo is not None
        digested: dict[str, tuple[str | bytes, str]] = {}
        for path, content in self.site.files.items():
            if path in existing:
                log.info("launchboard: %s in docs_dir replaces the generated page", path)
                continue
            # decision and runbook pages are reached from their initiative's page, not the nav
            inclusion = InclusionLevel.NOT_IN_NAV if ("/decisions/" in path or "/runbooks/" in path) else InclusionLevel.UNDEFINED
            # Under serve, most contents are the very objects the render memo gave last time:
            # an unchanged object has the digest it had (a str cannot change).
            if incremental:  # only a later dirty build reads the digests
                known = self._digested.get(path)
                digest = known[1] if known is not None and _same(known[0], content) else _digest(content)
            else:
                digest = ""
            self.hashes[path] = digest
            if serving:
                files.append(self._file(config, path, content, inclusion))
                digested[path] = (content, digest)
            elif isinstance(content, _Spilled) and self.spill is not None:  # written by render_site, moved in at on_env
                files.append(File(path, config.site_dir, config.site_dir, config.use_directory_urls))
                self.spilled.append(path)
            elif isinstance(content, _Packed):
                files.append(_PackedPage.generated(config, path, content=content, inclusion=inclusion))
            else:
                files.append(File.generated(config, path, content=content, inclusion=inclusion))
            if path in self.site.pages:
                self.generated.add(path)
        self._digested = digested
        self._files, self._next_files = self._next_files, {}
        return files

    def _file(self, config: MkDocsConfig, path: str, content: str | bytes, inclusion: InclusionLevel) -> File:
        """Under serve: the previous build's File for PATH when its content is the same (the
        very object, or an equal one) and nothing its URLs depend on changed, else a new one.
        Making 12,000 Files (MkDocs parses each path with pathlib) was a third of a second of
        every rebuild at 1,000 initiatives. The reused File loses its Page (MkDocs makes a new
        one) and gets the inclusion asked for back: MkDocs resolves an undefined one after
        on_files, and comparing with that made each page of the navigation a new File."""
        held = self._files.get(path)
        previous, asked = held if held is not None else (None, None)
        if (previous is not None and _same(getattr(previous, "_content", None), content) and asked == inclusion
                and previous.dest_dir == config.site_dir and previous.use_directory_urls == config.use_directory_urls):
            previous.page = None
            previous.inclusion = inclusion
            file = previous
        else:
            file = File.generated(config, path, content=content, inclusion=inclusion)
        self._next_files[path] = (file, inclusion)
        return file

    # ------------------------------------------------------------------ dirty rebuilds

    def _signature(self, config: MkDocsConfig, files: Files, nav) -> str:
        parts: dict = {"nav": _nav_shape(nav.items), "files": sorted(f.src_uri for f in files)}
        if config.config_file_path and os.path.isfile(config.config_file_path):
            with open(config.config_file_path, "rb") as fh:
                parts["config"] = _digest(fh.read())
        parts["custom_dir"] = _tree_stamp(config.theme.custom_dir)
        assert self.site is not None
        parts["front_matter"] = [
            [path, _front_matter(self.site.files[path])] for path in sorted(self.generated)  # type: ignore[arg-type]
        ]
        parts["docs"] = [
            [f.src_uri, os.path.getmtime(f.abs_src_path)]
            for f in files.documentation_pages()
            if f.src_uri not in self.hashes and f.abs_src_path and os.path.isfile(f.abs_src_path)
        ]
        return _digest(json.dumps(parts, sort_keys=True, default=str))

    def on_nav(self, nav, *, config: MkDocsConfig, files: Files):
        """Decide, before MkDocs reads any page, which files a dirty build must redo."""
        if self.site is None:
            return nav
        self.key = (os.path.abspath(config.config_file_path or ""), os.path.abspath(config.site_dir))
        # Only a later dirty build of this process (serve, `build --dirty`) reads the signature
        incremental = self._incremental
        self.signature = self._signature(config, files, nav) if incremental else ""
        prev = _STATE.get(self.key)
        self.full = not incremental or prev is None or prev.signature != self.signature
        self.built = set()
        self.tag_links = {}
        self.skipped_pages = False
        self.pages = files.documentation_pages()
        self.urls = {f.src_uri: f.url for f in self.pages if f.src_uri in self.generated}
        # `mkdocs serve` builds into a temporary folder of its own that nothing else writes;
        # elsewhere (`build --dirty`) an output deleted since the last build is written again.
        look = self.render_memo is None
        for file in files:
            digest = self.hashes.get(file.src_uri)
            if digest is not None:
                changed = self.full or prev.hashes.get(file.src_uri) != digest or (look and not os.path.isfile(file.abs_dest_path))  # type: ignore[union-attr]
                file.is_modified = _always(changed)  # type: ignore[method-assign]
            elif self.full and file.is_documentation_page():
                file.is_modified = _always(True)  # type: ignore[method-assign]
        self.cleaned = {}
        self.files, self.nav = files, nav
        self.deferred = {}
        self.defer = self.render_memo is None and self._nobody_else_reads_content(config)
        self._freeze()  # the Files and the navigation, which live until the build ends
        return nav

    def _nobody_else_reads_content(self, config: MkDocsConfig) -> bool:
        """Whether no other plugin looks at a generated page's HTML before this one converts it
        as MkDocs writes it (`_clean_context`): `on_page_content` is ours alone, and no
        `on_page_context` runs before ours. Then a page need not be converted when it is read."""
        ours = lambda handler: getattr(handler, "__self__", None) is self  # noqa: E731
        content = config.plugins.events.get("page_content", [])
        context = config.plugins.events.get("page_context", [])
        first_ours = next((i for i, handler in enumerate(context) if ours(handler)), len(context))
        return all(map(ours, content)) and all(map(ours, context[:first_ours]))

    def on_pre_page(self, page: Page, *, config: MkDocsConfig, files: Files) -> Page | None:
        if page.file.src_uri in self.generated:
            page.read_source = functools.partial(self._read_generated, page)  # type: ignore[method-assign]
        return page

    @staticmethod
    def _read_generated(page: Page, config: MkDocsConfig) -> None:
        """MkDocs's `Page.read_source` for a generated page, its front matter read by
        pagehtml.front_matter (the same metadata, a twentieth of the time)."""
        source = config.plugins.on_page_read_source(page=page, config=config)
        if source is None:
            source = page.file.content_string
        page.markdown, page.meta = pagehtml.front_matter(source)

    @event_priority(100)  # before other plugins
    def _note_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        if page.file.src_uri in self.generated:
            self.read[page.file.src_uri] = markdown
        return markdown

    @event_priority(-100)  # after other plugins
    def _render_without_python_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        """A generated page is rendered by pagehtml (see above), unless another plugin wrote
        into its Markdown (material/tags puts its listing's marker, a heading with attr_list
        syntax, into the tags page): then MkDocs's converter reads what that plugin expects."""
        if self.read.pop(page.file.src_uri, None) == markdown:
            later = self.defer and "title" in page.meta  # the navigation needs no title from its HTML
            page.render = functools.partial(self._defer if later else self._render_generated, page)  # type: ignore[method-assign]
        return markdown

    def _defer(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        """`mkdocs build`: a generated page is converted when MkDocs writes it (`_clean_context`),
        then let go (`on_post_page`), so a build never holds every page's HTML at once (at 1,000
        initiatives that was 540 MB); a page another process writes is never converted here."""
        uri = page.file.src_uri
        page.content = _CONVERTED_WHEN_WRITTEN
        # Until then the page is kept compressed (a tenth of its size: at 5,000 initiatives
        # the pages' Markdown is 300 MB), and nowhere else: not in its File, not in the site.
        # A page render_site packed is kept as it was packed (its Markdown is what reading it
        # gives again: no plugin changed it, or it would not be deferred), not compressed twice.
        packed = page.file._content  # type: ignore[attr-defined]
        self.deferred[uri] = packed if isinstance(packed, _Packed) else zlib.compress((page.markdown or "").encode("utf-8"), 1)
        page.markdown = ""
        page.file._content = ""  # type: ignore[attr-defined]
        if self.site is not None:
            self.site.files[uri] = ""

    on_page_markdown = CombinedEvent(_note_markdown, _render_without_python_markdown)

    def _render_generated(self, page: Page, config: MkDocsConfig, files: Files) -> None:
        result = pagehtml.render_page(page, config, files)
        self.cleaned[page.file.src_uri] = result.html
        if self.render_memo is None:
            # `mkdocs build` holds every page until it writes the first: a generated page's
            # Markdown is not needed once converted (serve keeps it: its memos compare it)
            page.markdown = ""
            page.file._content = ""  # type: ignore[attr-defined]
            if self.site is not None:
                self.site.files[page.file.src_uri] = ""

    @event_priority(-100)  # after material/tags (100), which reads the pages' metadata first
    def _restore_titles(self, env, *, config: MkDocsConfig, files: Files):
        """Pages a dirty build did not read have no title: give them the previous build's."""
        # Every page is read and converted: those objects (Pages, their tables of contents)
        # live until the build ends, and the theme renders 7,000 pages at 1,000 initiatives.
        self._freeze()
        prev = _STATE.get(self.key) if self.key else None
        for file in files.documentation_pages():
            page = file.page
            if page is not None and page.markdown is None:
                self.skipped_pages = True
                if prev is not None and file.src_uri in prev.titles:
                    page.title = prev.titles[file.src_uri]  # type: ignore[misc]
        return env

    @event_priority(100)  # before any plugin loads a template
    def _reuse_theme_code(self, env, *, config: MkDocsConfig, files: Files):
        """Under serve: MkDocs makes a new theme environment every build, which compiled the
        theme's templates again each rebuild (0.3 s at 1,000 initiatives): keep their compiled
        code in memory. Jinja checks each against its template's source before using it."""
        if self.theme_code is not None and getattr(env, "bytecode_cache", True) is None:
            env.bytecode_cache = self.theme_code
        return env

    @event_priority(-105)  # after other plugins' on_env: the site's files are settled
    def _move_in_spilled(self, env, *, config: MkDocsConfig, files: Files):
        if self.spill is not None:
            self._move_spill_in(config, files)
        return env

    @event_priority(-110)  # the last of on_env: every page is read, the environment final
    def _start_second_writer(self, env, *, config: MkDocsConfig, files: Files):
        """`mkdocs build`: a second process converts and writes every other page made from the
        records (second_writer.py). Only those: their search entries come from the records,
        so what Material's search would learn of them in that process is not missed."""
        # MkDocs checks links to anchors against the pages this process converted: where that
        # check can fail a build, every page is converted here
        anchors_checked = config.validation.links.anchors >= logging.WARNING
        if self.defer and not self.dirty and self.nav is not None and not anchors_checked:
            pages = [f.page for f in self.pages if f.page is not None and f.src_uri in self.deferred and f.src_uri in self.search_pages]
            theirs = _share(pages, SECOND_WRITER_SHARE)
            if self.writer.start(theirs, config=config, files=files, nav=self.nav, env=env):
                log.debug("launchboard: a second page writer writes %d of %d pages", len(theirs), len(self.pages))
        return env

    on_env = CombinedEvent(_reuse_theme_code, _restore_titles, _move_in_spilled, _start_second_writer)

    @event_priority(-200)  # after other plugins' on_post_page, which may read the page
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str | None:
        if self.defer and page.file.src_uri in self.generated:
            # written: `mkdocs build` needs its HTML no more (anchors are checked from
            # present_anchor_ids, search entries were taken in on_page_context)
            page.content = None
            page.toc = _NO_TOC  # only a page's own template shows its table of contents
            self.cleaned.pop(page.file.src_uri, None)
        return output

    @event_priority(100)  # before material/search indexes the page and the theme renders it
    def _clean_context(self, context, *, page: Page, config: MkDocsConfig, nav):
        uri = page.file.src_uri
        self.built.add(uri)
        if uri in self.generated and uri in self.search_pages:
            # its entries come from the records: Material's search need not parse its HTML
            page.meta["search"] = {**(page.meta.get("search") or {}), "exclude": True}
        if uri in self.deferred:
            if page.meta.get("template") == WRITTEN_ELSEWHERE:
                del self.deferred[uri]  # the second page writer converts and writes it
                return context
            kept = self.deferred.pop(uri)
            text = zlib.decompress(kept).decode("utf-8")
            page.markdown = pagehtml.front_matter(text)[0] if isinstance(kept, _Packed) else text
            assert self.files is not None
            self._render_generated(page, config, self.files)
        if uri in self.generated and page.content is not None and page.content is not self.cleaned.get(uri):
            # Never expected (on_page_content saw to it); a last guard that no generated page
            # is written with HTML nh3 has not cleaned.
            page.content = self.cleaned[uri] = ms.sanitize_page(page.content)
        # material/tags links a page's tags to the tags page's listing, which a dirty build
        # that skips the tags page never fills: give the page the previous build's links.
        # A change of any page's tags changes the site signature (front matter): full build.
        prev = _STATE.get(self.key) if self.key and not self.full else None
        name = self._tags_variable(config)
        if prev is not None and name and name not in context and prev.tag_links.get(uri):
            context[name] = prev.tag_links[uri]
        return context

    @event_priority(-100)  # after material/tags has put the page's tag links in
    def _keep_tag_links(self, context, *, page: Page, config: MkDocsConfig, nav):
        name = self._tags_variable(config)
        if name and self._incremental:  # for the next dirty build
            self.tag_links[page.file.src_uri] = context.get(name)
        return context

    on_page_context = CombinedEvent(_clean_context, _keep_tag_links)

    @staticmethod
    def _tags_config(config: MkDocsConfig):
        """material/tags's settings when it is enabled, else None."""
        cfg = getattr(config.plugins.get("material/tags"), "config", None)
        return cfg if cfg is not None and cfg.get("enabled", True) else None

    @classmethod
    def _tags_variable(cls, config: MkDocsConfig) -> str | None:
        cfg = cls._tags_config(config)
        return cfg.get("tags_name_variable", "tags") if cfg is not None and cfg.get("tags", True) else None

    @event_priority(110)  # first: every page must be written before anything reads the site
    def _wait_for_second_writer(self, *, config: MkDocsConfig) -> None:
        if not self._second_writer_done():
            raise PluginError(f"launchboard: the second page writer failed ({self.writer.failure}; its error is above); the site is incomplete")

    def _second_writer_done(self) -> bool:
        done, warnings = self.writer.wait()
        if warnings:  # --strict counts the warnings of this process only
            log.warning("launchboard: the second page writer logged %d warning(s), above", warnings)
        return done

    @event_priority(100)  # before material/search writes the index
    def _merge_search(self, *, config: MkDocsConfig) -> None:
        """Material's index gets the entries written from the records (search_index.py) and
        their fields' boosts; in a dirty build, also the entries Material made of the pages
        not rebuilt (its own: the record pages' entries are all written every build)."""
        search = self._search(config)
        self.material_entries = None
        if search is None or self.site is None:
            return
        search.search_index_prev = None  # its own merge assumes one page per rebuild
        own = list(search.search_index.entries)
        prev = _STATE.get(self.key) if self.key else None
        if self.skipped_pages and prev is not None and prev.search is not None:
            rebuilt = {f.page.url for f in self.pages if f.page is not None and f.src_uri in self.built}
            current = {f.page.url for f in self.pages if f.page is not None and f.src_uri not in self.search_pages}
            own = [
                entry
                for entry in prev.search
                if (url := str(entry.get("location", "")).split("#", 1)[0]) in current and url not in rebuilt
            ] + own
        for entry in own:  # the pages Material parsed: a few lines each, as the records' are
            if isinstance(entry.get("text"), str):
                entry["text"] = search_index.clip_html(entry["text"])
        self.material_entries = own
        fields = search.search_index.config.setdefault("fields", {})
        for name, boost in search_index.FIELDS.items():
            fields.setdefault(name, {"boost": boost})
        separator = search.search_index.config.get("separator")  # where lunr splits words in the browser
        search.search_index.entries = own + search_index.documents(self.search_entries, self.urls, separator, self.search_memo)

    @event_priority(-100)  # after material/search and material/tags have written their files
    def _save_state(self, *, config: MkDocsConfig) -> None:
        if self.poller is not None:
            self.poller.building(False)
        if self.site is None or self.key is None:
            return
        prev = _STATE.get(self.key)
        tags_path = self._tags_export(config)
        tags_json = None
        if tags_path is not None:
            if self.skipped_pages and prev is not None and prev.tags_json is not None:
                # Only the pages read in this build were mapped; the site signature says no
                # page's tags or title changed, so the previous export is still the whole truth.
                with open(tags_path, "wb") as fh:
                    fh.write(prev.tags_json)
            if os.path.isfile(tags_path):
                with open(tags_path, "rb") as fh:
                    tags_json = fh.read()
        _STATE[self.key] = _BuildState(
            signature=self.signature,
            hashes=dict(self.hashes),
            titles={f.src_uri: f.page.title for f in self.pages if f.page is not None},
            search=self.material_entries,
            tags_json=tags_json,
            tag_links={**(prev.tag_links if prev is not None and not self.full else {}), **self.tag_links},
        )

    @event_priority(-110)  # after material/search has written the index
    def _inline_search_index(self, *, config: MkDocsConfig) -> None:
        """Offline: the index as a script too, which Material's search loads under file://
        (a page opened from a file may not fetch JSON)."""
        if not (self.config.enabled and self.config.offline):
            return
        index = os.path.join(config.site_dir, "search", "search_index.json")
        if os.path.isfile(index):
            with open(index, encoding="utf-8") as fh:
                data = fh.read()
            with open(os.path.join(config.site_dir, "search", "search_index.js"), "w", encoding="utf-8") as fh:
                fh.write(f"var __index = {data}")

    @event_priority(-120)  # the last of the build
    def _end_of_build(self, *, config: MkDocsConfig) -> None:
        self._drop_spill()
        self._thaw()

    on_post_build = CombinedEvent(_wait_for_second_writer, _merge_search, _save_state, _inline_search_index, _end_of_build)

    @staticmethod
    def _search(config: MkDocsConfig):
        for name in ("material/search", "search"):
            plugin = config.plugins.get(name)
            index = getattr(plugin, "search_index", None)
            if index is not None and hasattr(plugin, "search_index_prev") and hasattr(index, "entries"):
                return plugin
        return None

    @classmethod
    def _tags_export(cls, config: MkDocsConfig) -> str | None:
        cfg = cls._tags_config(config)
        if cfg is None or not cfg.get("export", False):
            return None
        return os.path.normpath(os.path.join(config.site_dir, cfg.get("export_file", "tags.json")))

    def on_build_error(self, *, error: Exception) -> None:
        self._second_writer_done()
        self._drop_spill()
        self._thaw()
        if self.poller is not None:
            self.poller.building(False)
        self._files, self._next_files = {}, {}  # nothing of a failed build is reused
        if self.key is not None:
            _STATE.pop(self.key, None)  # the site dir is in an unknown state: rebuild it whole

    @event_priority(-100)  # after other plugins, so nothing is added once the page is clean
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str | None:
        uri = page.file.src_uri
        if uri not in self.generated or html is self.cleaned.get(uri) or html is _CONVERTED_WHEN_WRITTEN:
            return html  # pagehtml cleaned it (or will) and no plugin has changed it since: clean once
        self.cleaned[uri] = clean = ms.sanitize_page(html)
        return clean

    def on_serve(self, server, *, config: MkDocsConfig, builder):
        if self.root is None:
            return server
        # The first build leaves ~500,000 long-lived objects (the memos, MkDocs, the theme):
        # collected once here and frozen, later collections skip them. At 1,000 initiatives a
        # full collection in a rebuild took 0.4 s, 0.05 s after. Frozen objects are still
        # freed by reference counting; only a cycle among them would stay.
        gc.collect()
        gc.freeze()
        watched = {str(Path(w).resolve()) for w in config.watch}
        decisions = self.root / "decisions"
        if decisions.is_dir():  # the big tree: polled by the plugin's cheaper walk (watcher.py)
            self.poller = watch_with_poller(server, str(decisions))
        for folder in (self._path(config, self.config.templates), self._path(config, self.config.schemas)):
            if folder.is_dir() and str(folder) not in watched:
                server.watch(str(folder))
        return server
