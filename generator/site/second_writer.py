"""A second process writes some of the pages: the theme's template is most of a page's cost.

MkDocs renders the theme's `main.html` for one page after another in one process; at 1,000
initiatives that is ~7,000 pages and the largest part of a build. Once every page is read
(`on_env`), `SecondWriter.start` forks once: the child renders the pages it is given into
site_dir with MkDocs's own `_build_page` (the same code, so the same bytes) and exits; the
parent gives those pages an empty template, which MkDocs does not write. `wait` (call it in
`on_post_build` and `on_build_error`) says whether the child wrote all its pages, and how many
warnings it logged: the child's log goes to the same stderr, but `mkdocs build --strict` counts
warnings in the parent, so the caller logs one warning for them and strict still fails.

Give the child only pages whose `on_page_context` work stays in that page: the child's changes
to plugin state never reach the parent (Material's search index, for one: hand it pages its
search skips). Used by the Launchboard plugin and the hub's hooks; only where
`processes.second_process_pays()` (Linux, one thread, two CPUs) and MkDocs has `_build_page`.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from generator.core.processes import second_process_pays

TEMPLATE = "launchboard-rendered-elsewhere.html"  # the parent's template for the child's pages
# MkDocs's build logger, and ProperDocs's (its drop-in fork logs under its own name)
BUILD_LOGGERS = ("mkdocs", "properdocs")
_SKIPPED = "Page skipped: '"  # how MkDocs logs a page whose template gave nothing
_log = logging.getLogger("mkdocs.plugins.launchboard")


class _Counter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


class _QuietSkips(logging.Filter):
    """Drops MkDocs's "Page skipped ... empty output" line for the pages the child writes: one
    per page, thousands in a large build, and each of them is written."""

    def __init__(self, uris: frozenset[str]) -> None:
        super().__init__()
        self.uris = uris

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith(_SKIPPED) and message[len(_SKIPPED):].split("'", 1)[0] in self.uris)


@dataclass
class SecondWriter:
    pid: int | None = None
    uris: frozenset[str] = frozenset()
    _report: int | None = None  # the read end of the pipe the child writes its warning count to
    failure: str = ""  # how the last child ended, when it did not finish
    _quiet: list[tuple[logging.Logger, logging.Filter]] = field(default_factory=list)

    def start(self, pages: list[Any], *, config: Any, files: Any, nav: Any, env: Any) -> bool:
        """Fork a process that writes PAGES; False (nothing forked) where that does not pay."""
        if not pages or self.pid is not None or not second_process_pays():
            return False
        try:  # MkDocs 1.6's own page writer; without it, MkDocs writes every page itself
            from mkdocs.commands.build import _build_page
        except ImportError:
            return False
        import jinja2

        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({TEMPLATE: ""}), env.loader])
        read_end, write_end = os.pipe()
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError:  # no process to be had: MkDocs writes every page itself
            os.close(read_end)
            os.close(write_end)
            return False
        if pid == 0:  # the child: its pages, then out, never back into MkDocs
            status = 1
            try:
                os.close(read_end)
                counter = _Counter()
                for name in BUILD_LOGGERS:
                    logging.getLogger(name).addHandler(counter)
                started = time.perf_counter()
                _write(pages, config, files, nav, env, _build_page)
                _log.debug("launchboard: the second page writer wrote %d pages in %.1f s", len(pages), time.perf_counter() - started)
                os.write(write_end, str(counter.count).encode())
                status = 0
            except BaseException as error:  # noqa: BLE001 - said here, since MkDocs leaves it to its caller
                from mkdocs.exceptions import BuildError

                if isinstance(error, BuildError):
                    _log.error("launchboard: the second page writer stopped: %s", error)
                else:
                    _log.error("launchboard: the second page writer stopped", exc_info=error)
            finally:
                sys.stderr.flush()
                os._exit(status)
        os.close(write_end)
        self.pid, self._report = pid, read_end
        self.uris = frozenset(page.file.src_uri for page in pages)
        for page in pages:
            page.meta["template"] = TEMPLATE  # an empty page: MkDocs writes nothing for it
        quiet = _QuietSkips(self.uris)
        for name in BUILD_LOGGERS:
            build_log = logging.getLogger(f"{name}.commands.build")
            build_log.addFilter(quiet)
            self._quiet.append((build_log, quiet))
        return True

    def wait(self) -> tuple[bool, int]:
        """Whether the child (if any) wrote every page it was given, and the warnings it logged
        (`failure` then says how it ended)."""
        for build_log, quiet in self._quiet:
            build_log.removeFilter(quiet)
        self._quiet = []
        if self.pid is None:
            return True, 0
        started = time.perf_counter()
        _, status = os.waitpid(self.pid, 0)
        _log.debug("launchboard: waited %.1f s for the second page writer", time.perf_counter() - started)
        assert self._report is not None
        with os.fdopen(self._report, "rb") as report:
            text = report.read().decode("ascii", "replace")
        self.pid = self._report = None
        code = os.waitstatus_to_exitcode(status)
        done = code == 0
        self.failure = "" if done else (f"killed by signal {-code}" if code < 0 else f"exit status {code}")
        return done, int(text) if done and text.isdigit() else 0


def _write(pages: list[Any], config: Any, files: Any, nav: Any, env: Any, build_page: Any) -> None:
    """What MkDocs's build does for each page after on_env (mkdocs/commands/build.py)."""
    from mkdocs.structure.files import InclusionLevel

    doc_files = files.documentation_pages(inclusion=InclusionLevel.is_included)
    for page in pages:
        build_page(page, config, doc_files, nav, env, excluded=page.file.inclusion.is_excluded())
