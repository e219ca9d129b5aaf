"""Cleaning generated pages' HTML with nh3, on the second core while MkDocs converts the rest.

The plugin cleans every generated page in `on_page_content` (markdown_safety.sanitize_page).
In a full build of a large portfolio that is a second or two of nh3, which holds the GIL, so
threads cannot overlap it. A `PageSanitiser` forks one worker before MkDocs reads the pages,
hands it each page's HTML as MkDocs produces it, and collects the clean HTML before any page
is written or indexed (`collect`, from the plugin's on_env). The main process keeps
converting Markdown meanwhile.

Nothing unclean can slip through: a submitted page's content is empty until `collect` puts
the clean HTML in, a page the worker could not clean is cleaned in this process, and the
plugin cleans in place any generated page that reaches on_page_context without having been
cleaned.
"""

from __future__ import annotations

from concurrent.futures import Future

from generator.site import markdown_safety as ms
from generator.core.processes import forked_pool, second_process_pays

# Below this many pages to clean, starting a process costs about what it saves.
PARALLEL_MIN_PAGES = 300


class PageSanitiser:
    def __init__(self, pages: int) -> None:
        self._pool = None
        self._pending: dict[str, tuple[Future, str]] = {}
        if pages >= PARALLEL_MIN_PAGES:
            self._pool = _start_worker()

    @property
    def parallel(self) -> bool:
        return self._pool is not None

    def submit(self, key: str, html: str) -> bool:
        """Hand a page to the worker; False when there is none (clean it yourself)."""
        if self._pool is None:
            return False
        try:
            self._pending[key] = (self._pool.submit(ms.sanitize_page, html), html)
        except RuntimeError:  # the worker died: this page, and the rest, are cleaned here
            self.close()
            return False
        return True

    def collect(self) -> dict[str, str]:
        """Every submitted page's clean HTML, by key; then the worker stops."""
        clean: dict[str, str] = {}
        for key, (future, html) in self._pending.items():
            try:
                clean[key] = future.result()
            except Exception:  # a broken worker: nh3 here gives the same answer
                clean[key] = ms.sanitize_page(html)
        self._pending.clear()
        self.close()
        return clean

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _start_worker():
    """A one-process pool, forked now (before MkDocs reads the pages), or None where forking is
    not safe (processes.may_fork), would not pay, or is not possible."""
    from concurrent.futures.process import BrokenProcessPool

    if not second_process_pays():
        return None
    pool = forked_pool(1)
    try:
        pool.submit(int).result()  # fork the worker now, while this process has one thread
    except (OSError, BrokenProcessPool):
        pool.shutdown(wait=False, cancel_futures=True)
        return None
    return pool
