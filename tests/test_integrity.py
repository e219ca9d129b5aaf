"""Output integrity: the same records give the same bytes, failures leave the old output, and
no command changes a record that exists.

* Reproducible: two `launchboard render --out` and two `launchboard build` runs of the sample
  records are byte-identical with SOURCE_DATE_EPOCH set, even from different folders, with
  different hash seeds, time zones, locales, file modification times and directory orders.
* Atomic: a build or render that fails (an unusable policy, a strict failure, a disk that
  fills mid-write) leaves the previous output exactly as it was, and no temporary folder behind.
* Append-only: check, status, new, render, build, diff, codeowners and import are run on a
  copy of the sample repository; every file that existed before is byte-identical afterwards,
  and the only new files are the ones each command exists to write.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.site_helpers import SAMPLE_EPOCH, make_root, site_env

AS_OF = "2026-11-29"
TIMEOUT = 300


def tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` (symlinks as their target), by POSIX path, as a SHA-256."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel == ".git" or rel.startswith(".git/"):
            continue
        if path.is_symlink():
            out[rel] = "link:" + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def lb(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    environment = site_env()
    environment.update(env)
    result = subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=environment,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result


def copy_reversed(src: Path, dst: Path) -> None:
    """Copy a tree creating entries in reverse order (so directory listing order differs) with fresh mtimes."""
    dst.mkdir(parents=True)
    for entry in sorted(src.iterdir(), reverse=True):
        target = dst / entry.name
        if entry.is_dir():
            copy_reversed(entry, target)
        else:
            shutil.copyfile(entry, target)
            os.utime(target, (1_000_000_000, 1_000_000_000))


def differing(a: dict[str, str], b: dict[str, str]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


# --------------------------------------------------------------------------- reproducible


@pytest.fixture(scope="module")
def two_roots(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("repro")
    first = make_root(base / "first")
    second = base / "elsewhere" / "second-checkout"
    second.parent.mkdir()
    make_root(base / "staging")
    copy_reversed(base / "staging", second)
    return first, second


VARIANTS = [
    {"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C.UTF-8"},
    {"PYTHONHASHSEED": "4242", "TZ": "Pacific/Kiritimati", "LC_ALL": "C"},
]


def test_render_is_byte_identical(two_roots, tmp_path: Path) -> None:
    outputs = []
    for root, env in zip(two_roots, VARIANTS):
        out = tmp_path / f"out-{len(outputs)}"
        result = lb("render", str(root), "--out", str(out), cwd=root, **env)
        assert result.returncode == 0, result.stderr
        outputs.append(tree(out))
        time.sleep(1.1)  # a timestamp with seconds would now differ
    assert len(outputs[0]) > 20
    assert differing(*outputs) == []


def test_site_build_is_byte_identical(two_roots, tmp_path: Path) -> None:
    outputs = []
    for root, env in zip(two_roots, VARIANTS):
        site = tmp_path / f"site-{len(outputs)}"
        result = lb("build", str(root), "-d", str(site), cwd=root, **env)
        assert result.returncode == 0, result.stderr[-3000:]
        outputs.append(tree(site))
        time.sleep(1.1)
    assert "search/search_index.json" in outputs[0] and "sitemap.xml.gz" in outputs[0]
    assert differing(*outputs) == []


def test_source_date_epoch_is_today(two_roots, tmp_path: Path) -> None:
    """"Today" comes from SOURCE_DATE_EPOCH: a later epoch changes what the feeds say."""
    root = two_roots[0]
    later = str(int(SAMPLE_EPOCH) + 400 * 86400)
    a, b = tmp_path / "a", tmp_path / "b"
    assert lb("render", str(root), "--out", str(a), cwd=root).returncode == 0
    assert lb("render", str(root), "--out", str(b), cwd=root, SOURCE_DATE_EPOCH=later).returncode == 0
    assert differing(tree(a), tree(b)) != []


def test_render_output_names_no_absolute_path(two_roots, tmp_path: Path) -> None:
    root = two_roots[1]
    out = tmp_path / "out"
    assert lb("render", str(root), "--out", str(out), cwd=root).returncode == 0
    for path in out.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert str(root).encode() not in data and str(tmp_path).encode() not in data, path


# --------------------------------------------------------------------------- atomic


@pytest.fixture
def built(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    root = make_root(tmp_path / "repo")
    site = tmp_path / "public"
    result = lb("build", str(root), "-d", str(site), cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    return root, site, tree(site)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_failed_build_leaves_the_previous_site(built) -> None:
    root, site, before = built
    (root / "decisions" / "policy.yaml").write_text("stages: [proposed, pilot\n", encoding="utf-8")
    result = lb("build", str(root), "-d", str(site), cwd=root)
    assert result.returncode == 1
    assert "unchanged" in result.stderr
    assert tree(site) == before
    assert leftovers(site.parent) == []


def test_strict_build_failure_leaves_the_previous_site(built) -> None:
    root, site, before = built
    checklist = root / "decisions" / "support-assistant" / "checklists" / "security-review.yaml"
    checklist.write_text(checklist.read_text(encoding="utf-8").replace("status: done", "status: todo", 1), encoding="utf-8")
    result = lb("build", str(root), "-d", str(site), "--strict", cwd=root)
    assert result.returncode == 1
    assert tree(site) == before
    assert leftovers(site.parent) == []


def test_failed_render_leaves_the_previous_output(tmp_path: Path) -> None:
    root = make_root(tmp_path / "repo")
    out = tmp_path / "pages"
    assert lb("render", str(root), "--out", str(out), cwd=root).returncode == 0
    before = tree(out)
    (root / "decisions" / "policy.yaml").write_bytes(b"\xff\xfe not utf-8")
    result = lb("render", str(root), "--out", str(out), cwd=root)
    assert result.returncode == 2
    assert tree(out) == before
    assert leftovers(out.parent) == []


def test_render_interrupted_mid_write_leaves_the_previous_output(tmp_path: Path, monkeypatch) -> None:
    """The disk fills after ten pages: the exception surfaces, the old pages stay, nothing is left over."""
    from generator.cli import main

    root = make_root(tmp_path / "repo")
    out = tmp_path / "pages"
    env = {"SOURCE_DATE_EPOCH": SAMPLE_EPOCH}
    first = CliRunner().invoke(main, ["render", str(root), "--out", str(out)], env=env)
    assert first.exit_code == 0, first.output
    (root / "decisions" / "support-assistant" / "initiative.yaml").write_text(
        (root / "decisions" / "support-assistant" / "initiative.yaml").read_text(encoding="utf-8")
        .replace("title: Customer support assistant", "title: Renamed assistant"), encoding="utf-8")
    before = tree(out)
    writes = {"n": 0}
    real_write_text = Path.write_text

    def filling_disk(self, *args, **kwargs):
        writes["n"] += 1
        if writes["n"] > 10:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", filling_disk)
    second = CliRunner().invoke(main, ["render", str(root), "--out", str(out)], env=env)
    monkeypatch.undo()
    assert second.exit_code != 0 and writes["n"] > 10
    assert tree(out) == before
    assert leftovers(out.parent) == []


@pytest.mark.parametrize("command", ["render", "build"])
@pytest.mark.parametrize("where", ["root", "decisions"])
def test_output_folder_cannot_replace_the_records(tmp_path: Path, command: str, where: str) -> None:
    root = make_root(tmp_path / "repo")
    before = tree(root / "decisions")
    out = root if where == "root" else root / "decisions"
    flag = "--out" if command == "render" else "-d"
    result = lb(command, str(root), flag, str(out), cwd=tmp_path)
    assert tree(root / "decisions") == before
    assert result.returncode == 2


# --------------------------------------------------------------------------- append-only

ADR_MARKDOWN = """\
# Use a reranker after retrieval

* Status: accepted
* Deciders: @alice
* Date: 2026-05-04

## Context and Problem Statement

The first five retrieved articles are often not the best five.

## Considered Options

* Cross-encoder reranker
* Larger top-k

## Decision Outcome

Chosen option: "Cross-encoder reranker", because it improves precision at five.
"""


def _git(root: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "safe.directory=*", *args],
                   cwd=root, env=env, check=True, capture_output=True)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    root = make_root(tmp_path / "repo")
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "sample")
    return root


def test_no_command_modifies_an_existing_record(sample: Path, tmp_path: Path) -> None:
    root = sample
    before = tree(root)
    records = {k for k in before if k.startswith("decisions/")}
    assert len(records) > 40
    source = tmp_path / "adr-source"
    source.mkdir()
    (source / "0001-use-a-reranker.md").write_text(ADR_MARKDOWN, encoding="utf-8")
    source_before = tree(source)
    summary = tmp_path / "step-summary.md"

    runs = [
        (["check", ".", "--as-of", AS_OF], (0, 1)),
        (["check", ".", "--as-of", AS_OF, "--strict", "--format", "json"], (0, 1)),
        (["check", ".", "--as-of", AS_OF, "--format", "github"], (0, 1)),
        (["check", ".", "--as-of", AS_OF, "--format", "junit"], (0, 1)),
        (["status", ".", "--as-of", AS_OF], (0,)),
        (["status", ".", "--as-of", AS_OF, "--format", "json"], (0,)),
        (["new", "initiative", "doc-search", "--owner", "@alice", "--no-checklists", "--as-of", AS_OF], (0,)),
        (["new", "checklist", "doc-search", "security-review"], (0,)),
        (["new", "decision", "doc-search", "Search with keywords first", "--as-of", AS_OF], (0,)),
        (["new", "decision", "support-assistant", "Add a second reranker", "--as-of", AS_OF], (0,)),
        # refusals: each would overwrite something, so each writes nothing
        (["new", "initiative", "support-assistant", "--as-of", AS_OF], (2,)),
        (["new", "checklist", "support-assistant", "security-review"], (2,)),
        (["new", "checklist", "doc-search", "security-review"], (2,)),
        (["import", "adr", str(source), "support-assistant", "--as-of", AS_OF], (2,)),
        (["import", "adr", str(source), "support-assistant", "--renumber", "--as-of", AS_OF], (0,)),
        (["import", "adr", str(source), "support-assistant", "--renumber", "--dry-run", "--as-of", AS_OF], (0,)),
        (["render", ".", "--out", "rendered"], (0,)),
        (["build", ".", "-d", str(tmp_path / "site")], (0,)),
        (["diff", "HEAD", ".", "--as-of", AS_OF], (0,)),
        (["diff", "HEAD", ".", "--as-of", AS_OF, "--format", "json"], (0,)),
        (["codeowners", "."], (0,)),
        # the block is up to date, but the sample copy's CODEOWNERS owns none of its trusted layer
        (["codeowners", ".", "--check"], (1,)),
        (["controls", ".", "--as-of", AS_OF], (0,)),
        (["controls", "owasp-llm-2025", ".", "--as-of", AS_OF, "--format", "json"], (0,)),
        (["export", "cyclonedx", ".", "--as-of", AS_OF, "--out", str(tmp_path / "bom.json")], (0,)),
        (["export", "cyclonedx", ".", "--as-of", AS_OF, "--initiative", "no-such-initiative"], (2,)),
    ]
    for args, exits in runs:
        result = lb(*args, cwd=root, GITHUB_STEP_SUMMARY=str(summary))
        assert result.returncode in exits, (args, result.returncode, result.stdout[-1500:], result.stderr[-1500:])

    after = tree(root)
    assert {k: after.get(k) for k in before} == before, differing(before, {k: after.get(k) for k in before})
    assert tree(source) == source_before
    new = sorted(set(after) - set(before))
    allowed = ("decisions/doc-search/", "rendered/", ".github/CODEOWNERS")
    unexpected = [
        n for n in new
        if not n.startswith(allowed)
        and not (n.startswith("decisions/support-assistant/adr/") and n.endswith(".yaml"))
    ]
    assert unexpected == []
    new_decisions = [n for n in new if n.startswith("decisions/support-assistant/adr/")]
    assert len(new_decisions) == 2  # one from `new decision`, one imported
    assert {"decisions/doc-search/initiative.yaml", "decisions/doc-search/checklists/security-review.yaml"} <= set(new)


def test_status_of_a_read_only_repository(sample: Path) -> None:
    """check and status only read: they work on a tree nobody may write to."""
    if os.geteuid() == 0:
        pytest.skip("root ignores file permissions")
    for path in [sample, *sample.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode & ~0o222)
    try:
        assert lb("check", ".", "--as-of", AS_OF, cwd=sample).returncode in (0, 1)
        assert lb("status", ".", "--as-of", AS_OF, cwd=sample).returncode == 0
    finally:
        for path in [sample, *sample.rglob("*")]:
            if not path.is_symlink():
                path.chmod(path.stat().st_mode | 0o200)


# --------------------------------------------------------------------------- the content cache


def _cache_entries(root: Path) -> dict[str, Path]:
    folder = root / ".launchboard-cache"
    return {p.name: p for p in folder.glob("*/*") if p.is_file() and not p.name.startswith(".")}


def test_a_committed_cache_cannot_vouch_for_a_broken_record(tmp_path: Path, monkeypatch) -> None:
    """ROOT/.launchboard-cache can arrive in a pull request. An entry forged for the broken
    record's exact key (keys depend only on content) is honoured by the forger's own key and
    ignored by everyone else's: the check still finds the problem."""
    import hashlib as _hashlib
    import hmac

    from generator.core import cache
    from generator.core.pipeline import load_portfolio
    from tests.test_hostile import BASE, INIT, make_repo

    def check(root: Path, who: str) -> list[str]:
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / who))
        monkeypatch.delenv("LAUNCHBOARD_NO_CACHE", raising=False)
        cache._secret.cache_clear()
        return sorted(p.code for p in load_portfolio(root, AS_OF, cache=True).problems)

    good = make_repo(tmp_path / "good")
    assert check(good, "attacker") == []
    broken = make_repo(tmp_path / "broken")
    (broken / INIT).write_text((BASE / INIT).read_text().replace("risk: high", "risk: extreme"), encoding="utf-8")
    scratch = tmp_path / "scratch"
    shutil.copytree(broken, scratch)
    assert check(scratch, "attacker") == ["LB100"]

    good_entries, broken_entries = _cache_entries(good), _cache_entries(scratch)
    (good_key,) = set(good_entries) - set(broken_entries)  # the initiative folder's entry
    (broken_key,) = set(broken_entries) - set(good_entries)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "attacker"))
    cache._secret.cache_clear()
    payload = good_entries[good_key].read_bytes()[32:]
    forged = hmac.new(cache._secret(), broken_key.encode() + payload, _hashlib.sha256).digest() + payload
    shutil.copytree(scratch / ".launchboard-cache", broken / ".launchboard-cache")
    target = broken / broken_entries[broken_key].relative_to(scratch)
    target.write_bytes(forged)

    assert check(broken, "attacker") == []  # the forgery works for the key that signed it...
    target.write_bytes(forged)
    assert check(broken, "victim") == ["LB100"]  # ...and for nobody else


# --------------------------------------------------------------------------- no network, closed trusted layers

_NO_NETWORK = '''
import os, socket
_log = os.environ["LAUNCHBOARD_TEST_NETWORK_LOG"]
def _refuse(*args, **kwargs):
    with open(_log, "a") as fh:
        fh.write(repr(args[:2]) + "\\n")
    raise OSError("network refused by the test")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
'''


class _Listener:
    """A local TCP port that records every connection: set as the HTTP(S) proxy, it sees requests
    from any client that honours the proxy variables (urllib, requests, Rust's reqwest)."""

    def __init__(self) -> None:
        import socket
        import threading

        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def offline(tmp_path: Path):
    """Environment for a child process in which any network use is refused and recorded."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(_NO_NETWORK, encoding="utf-8")
    log = tmp_path / "network.log"
    listener = _Listener()
    env = {"PYTHONPATH": str(guard), "LAUNCHBOARD_TEST_NETWORK_LOG": str(log), "NO_PROXY": "", "no_proxy": ""}
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env[name] = listener.url

    def attempts() -> list[str]:
        found = log.read_text().splitlines() if log.exists() else []
        return found + [f"{listener.connections} connection(s) to the proxy"] * bool(listener.connections)

    yield env, attempts
    listener.close()


def _extreme(root: Path) -> None:
    """A schema error, so the detailed validator (jsonschema, not only jsonschema-rs) runs too."""
    path = root / "decisions" / "support-assistant" / "initiative.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("risk: high", "risk: extreme", 1), encoding="utf-8")


def test_check_render_and_build_never_touch_the_network(tmp_path: Path, offline) -> None:
    """Offline by construction: no schema fetch, no CDN, no web font, no telemetry."""
    env, attempts = offline
    root = make_root(tmp_path / "repo")
    _extreme(root)
    for args in (["check", ".", "--as-of", AS_OF], ["render", ".", "--out", str(tmp_path / "pages")],
                 ["build", ".", "-d", str(tmp_path / "site")]):
        result = lb(*args, cwd=root, **env)
        assert result.returncode in (0, 1), result.stderr[-2000:]
    assert attempts() == []


def test_a_remote_ref_in_a_schema_is_never_fetched(tmp_path: Path, offline) -> None:
    env, attempts = offline
    root = make_root(tmp_path / "repo")
    _extreme(root)
    schema = root / "schemas" / "initiative.schema.json"
    text = schema.read_text(encoding="utf-8")
    schema.write_text(text.replace('"properties": {', '"properties": {"x-remote": {"$ref": "https://schemas.example.com/remote.json"},', 1),
                      encoding="utf-8")
    result = lb("check", ".", "--as-of", AS_OF, cwd=root, **env)
    assert result.returncode in (1, 2)
    assert attempts() == []


def test_the_trusted_layers_stay_closed() -> None:
    """Record text must never become code: no Jinja template is compiled from data, and the
    shipped mkdocs.yml enables neither mkdocs-macros nor pymdownx.snippets (SECURITY.md)."""
    from tests.site_helpers import REPO

    import re as _re

    for module in sorted((REPO / "generator").rglob("*.py")):
        # (Bucket.bytecode_from_string loads the signed template cache: compiled templates, not data.)
        assert not _re.search(r"(?<!bytecode_)from_string\(", module.read_text(encoding="utf-8")), module
    config = [line.split("#", 1)[0] for line in (REPO / "mkdocs.yml").read_text(encoding="utf-8").splitlines()]
    active = "\n".join(config)
    assert "macros" not in active and "snippets" not in active


# --------------------------------------------------------------------------- nothing lost in the output


def test_every_initiative_keeps_its_own_feed(tmp_path: Path) -> None:
    root = make_root(tmp_path / "repo")
    source, clash = root / "decisions" / "meeting-summariser", root / "decisions" / "initiatives"
    shutil.copytree(source, clash)
    record = clash / "initiative.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("id: meeting-summariser", "id: initiatives"), encoding="utf-8")
    check = lb("check", ".", "--as-of", AS_OF, cwd=root)
    out = tmp_path / "pages"
    assert lb("render", ".", "--out", str(out), cwd=root).returncode == 0
    import json as _json

    index = _json.loads((out / "api" / "initiatives.json").read_text(encoding="utf-8"))
    assert "initiatives" in index and isinstance(index["initiatives"], list)  # the index is the index...
    feeds = [_json.loads(p.read_text(encoding="utf-8")) for p in (out / "api").rglob("*.json")]
    has_own_feed = any(isinstance(f, dict) and f.get("id") == "initiatives" for f in feeds)
    refused = check.returncode == 1 and "initiatives" in check.stdout
    assert has_own_feed or refused  # ...and the initiative has its own feed, or its id is refused
