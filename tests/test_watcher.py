"""Watching decisions/ under `mkdocs serve` (generator/plugin/watcher.py).

The unit tests drive a TreePoller's walks by hand; the last tests run the real
`launchboard serve` and read the served pages over HTTP after editing the records.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from generator.plugin.watcher import SplitObserver, TreePoller, first_difference, tree_state, watch_with_poller
from tests.site_helpers import make_root, site_env


class Events:
    """A stand-in for the handler MkDocs gives its observer: records what it is sent."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.arrived = threading.Event()

    def dispatch(self, event) -> None:
        assert not event.is_directory  # MkDocs ignores directory events
        self.paths.append(event.src_path)
        self.arrived.set()


def _tree(tmp_path: Path) -> Path:
    top = tmp_path / "decisions"
    (top / "alpha" / "adr").mkdir(parents=True)
    (top / "alpha" / "initiative.yaml").write_text("id: alpha\n")
    (top / "alpha" / "adr" / "0001-x.yaml").write_text("title: x\n")
    (top / "policy.yaml").write_text("stages: []\n")
    return top


def _later(path: Path) -> None:
    """Move a file's times on, as an edit a moment later would (the clock may be coarse)."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))


CHANGES = {
    "edit, same size": lambda top: ((top / "alpha/initiative.yaml").write_text("id: omega\n"), _later(top / "alpha/initiative.yaml")),
    "edit, other size": lambda top: (top / "alpha/adr/0001-x.yaml").write_text("title: longer\n"),
    "new file deep down": lambda top: (top / "alpha/adr/0002-y.yaml").write_text("title: y\n"),
    "new empty folder": lambda top: (top / "beta").mkdir(),
    "file removed": lambda top: (top / "alpha/adr/0001-x.yaml").unlink(),
    "folder removed": lambda top: shutil.rmtree(top / "alpha"),
    "renamed": lambda top: (top / "alpha/adr/0001-x.yaml").rename(top / "alpha/adr/0001-z.yaml"),
    "replaced by a copy": lambda top: (
        shutil.copy2(top / "policy.yaml", top / "policy.new"), os.replace(top / "policy.new", top / "policy.yaml")),
    "became a link": lambda top: ((top / "policy.yaml").unlink(), os.symlink("alpha/initiative.yaml", top / "policy.yaml")),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_under_the_tree_is_reported(tmp_path: Path, change: str) -> None:
    top = _tree(tmp_path)
    events = Events()
    poller = TreePoller(str(top), events)
    assert poller.poll() is False and events.paths == []  # nothing changed yet
    CHANGES[change](top)
    assert poller.poll() is True
    assert len(events.paths) == 1 and events.paths[0].startswith(str(top))
    assert poller.poll() is False  # reported once, not on every walk after


def test_walks_of_the_same_tree_compare_equal_and_differences_name_a_path(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    before = tree_state(str(top))
    assert tree_state(str(top)) == before
    assert first_difference(before, before) is None
    (top / "alpha" / "zz.txt").write_text("x")
    after = tree_state(str(top))
    assert first_difference(before, after) == str(top / "alpha" / "zz.txt")
    assert first_difference(after, before) == str(top / "alpha" / "zz.txt")


def test_the_poller_rests_while_a_build_runs_and_reports_what_changed_during_it(tmp_path: Path, monkeypatch) -> None:
    import generator.plugin.watcher as watcher

    monkeypatch.setattr(watcher, "MIN_REST", 0.01)
    top = _tree(tmp_path)
    events = Events()
    poller = TreePoller(str(top), events)
    poller.building(True)
    poller.start()
    try:
        (top / "alpha" / "adr" / "0002-y.yaml").write_text("title: y\n")  # an edit during the build
        assert not events.arrived.wait(0.5)  # no walk while building
        poller.building(False)
        assert events.arrived.wait(10)  # the first walk after the build sees it
        assert events.paths == [str(top / "alpha" / "adr" / "0002-y.yaml")]
    finally:
        poller.stop()
        poller.join(10)
    assert not poller._thread.is_alive()


def test_a_file_event_cuts_the_rest_short(tmp_path: Path, monkeypatch) -> None:
    """Where the system reports file events, an edit is walked at once, not after the rest."""
    import generator.plugin.watcher as watcher

    monkeypatch.setattr(watcher, "MIN_REST", 120.0)
    top = _tree(tmp_path)
    events = Events()
    poller = TreePoller(str(top), events)
    poller.start()
    try:
        if not poller.hears_events:
            pytest.skip("no native file events here (watchdog would poll)")
        time.sleep(0.2)  # the native observer is listening
        (top / "alpha" / "adr" / "0003-z.yaml").write_text("title: z\n")
        assert events.arrived.wait(10)
        assert events.paths == [str(top / "alpha" / "adr" / "0003-z.yaml")]
    finally:
        poller.stop()
        poller.join(10)


def test_without_file_events_the_walks_alone_find_the_change(tmp_path: Path, monkeypatch) -> None:
    import generator.plugin.watcher as watcher

    monkeypatch.setattr(watcher, "MIN_REST", 0.05)
    top = _tree(tmp_path)
    events = Events()
    poller = TreePoller(str(top), events)
    poller.start(events=False)
    try:
        assert not poller.hears_events
        (top / "policy.yaml").write_text("stages: [a]\n")
        assert events.arrived.wait(10)
    finally:
        poller.stop()
        poller.join(10)


class FakeObserver:
    def __init__(self) -> None:
        self.scheduled: list[str] = []
        self.calls: list[str] = []

    def schedule(self, handler, path, recursive=True):
        self.scheduled.append(path)
        return ("watch", path)

    def unschedule(self, watch) -> None:
        self.calls.append(f"unschedule {watch[1]}")

    def start(self) -> None:
        self.calls.append("start")

    def stop(self) -> None:
        self.calls.append("stop")

    def join(self, timeout=None) -> None:
        self.calls.append("join")


def test_the_split_observer_sends_only_decisions_to_the_poller(tmp_path: Path) -> None:
    top = _tree(tmp_path)
    inner = FakeObserver()
    split = SplitObserver(inner, str(top))
    assert split.schedule(Events(), str(tmp_path / "docs")) == ("watch", str(tmp_path / "docs"))
    watch = split.schedule(Events(), str(top))
    assert split.poller is not None and inner.scheduled == [str(tmp_path / "docs")]
    split.start()
    split.stop()
    split.join(10)
    assert inner.calls == ["start", "stop", "join"]
    assert not split.poller._thread.is_alive()
    split.unschedule(watch)
    assert split.poller is None and inner.calls[-1] == "join"  # the poller's watch is not MkDocs's


def test_mkdocs_live_reload_server_watches_decisions_through_the_poller(tmp_path: Path) -> None:
    """With MkDocs's real server: the poller gets the server's own handler, and an edit it
    sees asks the server for a rebuild exactly as MkDocs's observer would."""
    from mkdocs.livereload import LiveReloadServer

    top = _tree(tmp_path)
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    try:
        poller = watch_with_poller(server, str(top))
        assert poller is not None and isinstance(server.observer, SplitObserver)
        server.watch(str(top))  # mkdocs.yml's `watch:` may list it too: still one watcher
        server.watch(str(tmp_path))  # anything else stays with MkDocs's own observer
        assert {e.watch.path for e in server.observer.emitters} == {str(tmp_path)}
        (top / "policy.yaml").write_text("stages: [one]\n")
        assert poller.poll() is True
        with server._rebuild_cond:  # MkDocs's flag for "something changed": set by its own handler
            assert server._want_rebuild is True
    finally:
        server.observer.stop()
        server.server_close()


# --------------------------------------------------------------------------- the real server


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return f"HTTP {err.code}"


def _wait_for(url: str, needle: str, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    page = ""
    while time.monotonic() < deadline:
        page = _get(url)
        if needle in page:
            return page
        time.sleep(0.2)
    raise AssertionError(f"{url} never showed {needle!r}; last page:\n{page[:2000]}")


@pytest.fixture
def served(tmp_path: Path):
    """`launchboard serve` (dirty rebuilds, as by default) on a copy of the sample records."""
    root = make_root(tmp_path / "repo")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", str(root), "-a", f"127.0.0.1:{port}"],
        env=site_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    log: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            log.append(line)
            if "Serving on" in line:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(180):
            raise AssertionError("launchboard serve did not start:\n" + "".join(log[-30:]))
        yield root, f"http://127.0.0.1:{port}/", log
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(10)


def test_serve_shows_an_edited_record_and_a_new_stray_file(served) -> None:
    root, base, log = served
    assert any("decisions" in line and "Watching paths" in line for line in log)
    page_url = base + "initiatives/support-assistant/"
    assert "Reworded by the watcher test" not in _wait_for(page_url, "support-assistant")
    record = root / "decisions" / "support-assistant" / "initiative.yaml"
    text = record.read_text(encoding="utf-8")
    changed = re.sub(r"^(summary: [|>]-?\n  )", r"\1Reworded by the watcher test. ", text, count=1, flags=re.M)
    assert changed != text
    record.write_text(changed, encoding="utf-8")
    _wait_for(page_url, "Reworded by the watcher test")
    # A YAML file where no record belongs is reported on its initiative's page.
    (root / "decisions" / "support-assistant" / "stray-notes.yaml").write_text("x: 1\n", encoding="utf-8")
    _wait_for(page_url, "stray-notes.yaml")


def test_serve_still_rebuilds_on_a_template_change(served) -> None:
    """templates/ stays with MkDocs's own observer."""
    root, base, _ = served
    template = root / "templates" / "site" / "board.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\n\nTemplate edited by the watcher test.\n", encoding="utf-8")
    _wait_for(base, "Template edited by the watcher test.")


def test_a_failing_walk_does_not_end_the_watching(tmp_path: Path, monkeypatch) -> None:
    import generator.plugin.watcher as watcher

    monkeypatch.setattr(watcher, "MIN_REST", 0.01)
    top = _tree(tmp_path)
    events = Events()
    poller = TreePoller(str(top), events)
    real = watcher.tree_state
    failures = []

    def flaky(path: str):
        if not failures:
            failures.append(path)
            raise OSError("the disk went away for a moment")
        return real(path)

    monkeypatch.setattr(watcher, "tree_state", flaky)
    poller.start(events=False)
    try:
        (top / "policy.yaml").write_text("stages: [b]\n")
        assert events.arrived.wait(10)
        assert failures
    finally:
        poller.stop()
        poller.join(10)
