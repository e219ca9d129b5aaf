"""Watching decisions/ under `mkdocs serve` at a cost that stays small at portfolio scale.

MkDocs's server watches every path with one watchdog PollingObserver. Its snapshot of
decisions/ at 1,000 initiatives is 12,000 entries and about 0.2 s of Python, taken every
0.5 s, and while a rebuild runs those snapshots compete with it for the interpreter: the
same rebuild took 2.3 to 3.0 s under the server and 1.8 s without it.

So the plugin routes the watch of decisions/ (and only it) to a TreePoller:

- one `os.scandir` walk compares each entry's (path, inode, size, mtime, ctime) with the
  previous walk: about a quarter of the snapshot's cost, and every edit, creation,
  deletion, rename or replacement under decisions/ changes at least one of them;
- it rests between walks for a few times what a walk took, so it uses a small share of a
  core however large the portfolio;
- where the system reports file events (inotify on Linux, through watchdog's native
  observer), an event only cuts the rest short: the walk that follows still decides what
  changed, so a lost or missing event costs at most one rest, never a rebuild;
- it pauses while the plugin builds and compares with its last walk afterwards, so a
  change made during a build starts the next one, as MkDocs's own watcher would;
- on a difference it dispatches a file event to the very handler MkDocs made for the path,
  so what follows (waiting for edits to settle, rebuilding, reloading browsers) is MkDocs's.

Everything else MkDocs watches (docs_dir, mkdocs.yml, templates/, schemas/) stays with its
own observer. If the server does not have the shape this relies on (MkDocs 1.6's
`LiveReloadServer.observer` and `watch`), the plugin leaves decisions/ to MkDocs.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from watchdog.events import FileModifiedEvent

log = logging.getLogger("mkdocs.plugins.launchboard")

MIN_REST = 0.5  # seconds between walks, at least
REST_PER_WALK = 5  # and at least this many times what the last walk took
MIN_GAP = 0.05  # between walks that file events asked for


Entry = tuple[str, int, int, int, int]


def tree_state(top: str) -> list[Entry]:
    """Every entry under TOP (folders included, links not followed), with what changes
    when it does; in a fixed order, so two walks of the same tree compare equal."""
    entries: list[Entry] = []
    folders = [top]
    while folders:
        folder = folders.pop()
        try:
            listing = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue  # removed while walking: the parent's own entry shows the change
        for entry in listing:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            entries.append((entry.path, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
    return entries


def first_difference(before: list[Entry], after: list[Entry]) -> str | None:
    """The deepest path that differs between two walks (None when they are the same): the
    file that changed rather than the folder whose listing it changed."""
    if before == after:
        return None
    paths = {entry[0] for entry in set(before).symmetric_difference(after)}
    return max(paths, key=lambda path: (path.count(os.sep), path))


class TreePoller:
    """Polls one folder and calls `handler.dispatch(event)` when anything under it changes."""

    def __init__(self, path: str, handler: Any) -> None:
        self.path = path
        self.handler = handler
        self._stop = threading.Event()
        self._wake = threading.Event()  # a file event arrived: walk now
        self._idle = threading.Event()  # clear while a build runs
        self._idle.set()
        self._native: Any = None
        self._state = tree_state(path)
        self._walk_seconds = 0.0
        self._thread = threading.Thread(target=self._run, name=f"launchboard-watch {path}", daemon=True)

    def start(self, events: bool = True) -> None:
        """Start polling; with `events`, also listen for the system's file events."""
        if events:
            self._native = _native_events(self.path, self._wake.set)
        self._thread.start()

    @property
    def hears_events(self) -> bool:
        return self._native is not None

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._idle.set()
        if self._native is not None:
            self._native.stop()

    def join(self, timeout: float | None = None) -> None:
        if self._native is not None:
            self._native.join(timeout)
        if self._thread.is_alive():
            self._thread.join(timeout)

    def building(self, busy: bool) -> None:
        """The plugin says a build started (True) or ended (False)."""
        (self._idle.clear if busy else self._idle.set)()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(max(MIN_REST, REST_PER_WALK * self._walk_seconds))
            self._idle.wait()
            if self._stop.is_set():
                return
            self._wake.clear()
            try:
                self.poll()
            except Exception:  # noqa: BLE001 - a dead watcher would stop every rebuild silently
                log.exception("launchboard: watching %s failed once; watching on", self.path)
            self._stop.wait(MIN_GAP)  # a burst of events (a checkout) is walked a few times, not thousands

    def poll(self) -> bool:
        """Walk once; dispatch an event if the tree changed since the last walk."""
        start = time.perf_counter()
        state = tree_state(self.path)
        self._walk_seconds = time.perf_counter() - start
        changed = first_difference(self._state, state)
        self._state = state
        if changed is None:
            return False
        self.handler.dispatch(FileModifiedEvent(changed))
        return True


def _native_events(path: str, wake: Any) -> Any:
    """watchdog's native observer on PATH calling `wake()` on any event; None where there is
    none (watchdog would fall back to polling) or it cannot start (too few inotify watches)."""
    try:
        from watchdog import events as ev
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver
    except ImportError:  # pragma: no cover - watchdog comes with MkDocs
        return None
    if issubclass(Observer, PollingObserver):
        return None

    class Wake(FileSystemEventHandler):
        def on_any_event(self, event: Any) -> None:
            wake()

    # Changes only: with opens and reads in the mask, the build's own reading of 9,000
    # records would send 18,000 events through this thread while it runs.
    changes = [ev.FileModifiedEvent, ev.FileCreatedEvent, ev.FileDeletedEvent, ev.FileMovedEvent, ev.FileClosedEvent,
               ev.DirCreatedEvent, ev.DirDeletedEvent, ev.DirMovedEvent]
    observer = Observer()
    try:
        observer.schedule(Wake(), path, recursive=True, event_filter=changes)  # watchdog >= 4
        observer.start()
    except Exception:  # noqa: BLE001 - any failure (an older watchdog too) leaves the walks alone in charge
        try:
            observer.stop()
        except Exception:  # noqa: BLE001
            pass
        return None
    return observer


class _Watch:
    """What `schedule` returns for a path a TreePoller watches."""

    def __init__(self, poller: TreePoller) -> None:
        self.poller = poller
        self.path = poller.path


class SplitObserver:
    """Stands in for the server's observer: one path goes to a TreePoller, every other
    call goes to MkDocs's own observer."""

    def __init__(self, observer: Any, path: str) -> None:
        self._observer = observer
        self._path = os.path.abspath(path)
        self.poller: TreePoller | None = None

    def schedule(self, handler: Any, path: str, recursive: bool = True, **kwargs: Any) -> Any:
        if os.path.abspath(path) == self._path and recursive and self.poller is None:
            self.poller = TreePoller(self._path, handler)
            return _Watch(self.poller)
        return self._observer.schedule(handler, path, recursive=recursive, **kwargs)

    def unschedule(self, watch: Any) -> None:
        if isinstance(watch, _Watch):
            watch.poller.stop()
            if self.poller is watch.poller:
                self.poller = None
            return
        self._observer.unschedule(watch)

    def start(self) -> None:
        if self.poller is not None:
            self.poller.start()
        self._observer.start()

    def stop(self) -> None:
        if self.poller is not None:
            self.poller.stop()
        self._observer.stop()

    def join(self, timeout: float | None = None) -> None:
        if self.poller is not None:
            self.poller.join(timeout)
        self._observer.join(timeout)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._observer, name)


def watch_with_poller(server: Any, path: str) -> TreePoller | None:
    """Have SERVER watch PATH through a TreePoller; None (and an ordinary watch) when the
    server is not shaped as expected."""
    observer = getattr(server, "observer", None)
    if observer is None or not callable(getattr(observer, "schedule", None)) or not callable(getattr(server, "watch", None)):
        server.watch(path)
        return None
    split = observer if isinstance(observer, SplitObserver) else SplitObserver(observer, path)
    server.observer = split
    server.watch(path)
    return split.poller
