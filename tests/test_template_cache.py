"""The signed cache of compiled site templates (cache.TemplateCache).

Entries are code, so the tests are about trust first: an entry signed with anyone else's
key (one committed by a pull request, say) is never run; then about staleness: an edited
template is compiled again, and the site is the same with and without the cache.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
from pathlib import Path

import jinja2
import pytest

import generator.core.cache as cache_module
from generator.core.cache import FOLDER
from generator.core.pipeline import load_portfolio
from generator.site.render import PACKAGE_TEMPLATES, render_site
from tests.kit import AS_OF
from tests.site_helpers import REPO


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The sample records with their own templates, and the records' cache folder in use."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-of-the-user"))
    monkeypatch.delenv("LAUNCHBOARD_NO_CACHE", raising=False)
    cache_module._secret.cache_clear()
    root = tmp_path / "repo"
    shutil.copytree(REPO / "decisions", root / "decisions")
    shutil.copytree(PACKAGE_TEMPLATES, root / "templates" / "site")
    (root / FOLDER).mkdir()
    yield root
    cache_module._secret.cache_clear()


def _render(root: Path, compiled: list[str] | None = None) -> dict:
    portfolio = load_portfolio(root, AS_OF)
    original = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):
        if compiled is not None:
            compiled.append(name)
        return original(self, source, name, filename, raw, defer_init)

    jinja2.Environment.compile = counting  # type: ignore[method-assign]
    try:
        return render_site(portfolio, templates_dir=root / "templates" / "site", schemas_dir=REPO / "schemas").files
    finally:
        jinja2.Environment.compile = original  # type: ignore[method-assign]


def _entries(root: Path) -> list[Path]:
    return sorted((root / FOLDER / "templates").iterdir())


def test_a_second_build_runs_the_compiled_templates_from_the_cache(repo: Path) -> None:
    first: list[str] = []
    site = _render(repo, first)
    assert "initiative.md.j2" in first and _entries(repo)
    second: list[str] = []
    assert _render(repo, second) == site
    assert second == []  # nothing compiled again


def test_without_the_records_cache_there_is_no_template_cache(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LAUNCHBOARD_NO_CACHE", "1")
    _render(repo)
    assert not (repo / FOLDER / "templates").exists()


def test_an_edited_template_is_compiled_again(repo: Path) -> None:
    _render(repo)
    template = repo / "templates" / "site" / "contribute.md.j2"
    template.write_text(template.read_text(encoding="utf-8") + "\nEdited after caching.\n", encoding="utf-8")
    compiled: list[str] = []
    site = _render(repo, compiled)
    assert compiled == ["contribute.md.j2"]
    assert "Edited after caching." in site["contribute.md"]


def _forge(root: Path, entry: Path, key: bytes) -> None:
    """Make ENTRY hold compiled code that writes a marker file when it runs, signed with KEY."""
    marker = root / "forged-code-ran"
    env = jinja2.Environment()
    evil = env.compile(f"{{{{ cycler.__init__.__globals__.__builtins__.open({str(marker)!r}, 'w').write('x') }}}}", "contribute.md.j2")
    # Jinja checks the entry against the real template's checksum: a forger can read the source.
    source = (root / "templates" / "site" / "contribute.md.j2").read_text(encoding="utf-8")
    bucket = jinja2.bccache.Bucket(env, "key", hashlib.sha1(source.encode("utf-8")).hexdigest())
    bucket.code = evil
    payload = bucket.bytecode_to_string()
    name = entry.name
    mac = hmac.new(key, b"template\0" + name.encode() + payload, hashlib.sha256).digest()
    entry.write_bytes(mac + payload)


def test_code_signed_by_anyone_else_never_runs(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pull request can commit .launchboard-cache/templates/: its entries are not signed
    with this user's key, so Jinja is never handed their code."""
    compiled: list[str] = []
    clean = _render(repo, compiled)
    entries = _entries(repo)
    assert len(entries) == len(set(compiled))
    for entry in entries:
        _forge(repo, entry, b"the attacker's own key".ljust(32, b"!"))
    assert _render(repo) == clean
    assert not (repo / "forged-code-ran").exists()
    # The forgery is real: signed with this user's key, the same entries do run.
    for entry in entries:
        _forge(repo, entry, cache_module._secret())
    _render(repo)
    assert (repo / "forged-code-ran").exists()


def test_a_link_in_place_of_the_folder_is_not_written_through(repo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (repo / FOLDER / "templates").symlink_to(elsewhere, target_is_directory=True)
    _render(repo)
    assert list(elsewhere.iterdir()) == []


_PRECOMPILE = """
import json, sys
from pathlib import Path
import jinja2
from generator.core.pipeline import load_portfolio
from generator.site.render import precompile_templates, render_site
root = Path(sys.argv[1])
compiled = []
original = jinja2.Environment.compile
def counting(self, source, name=None, *args, **kwargs):
    compiled.append(name)
    return original(self, source, name, *args, **kwargs)
jinja2.Environment.compile = counting
precompile_templates(root / "templates" / "site", root)()
forked = list(compiled)
entries = len(list((root / ".launchboard-cache" / "templates").iterdir()))
render_site(load_portfolio(root, sys.argv[2]), templates_dir=root / "templates" / "site", schemas_dir=root / "schemas")
print(json.dumps({"in_this_process": forked, "entries": entries, "render_compiled": compiled[len(forked):]}))
"""


def test_a_first_build_compiles_the_templates_in_a_second_process(repo: Path) -> None:
    """precompile_templates (the plugin calls it before loading the records) fills the
    cache from a forked process; the render after it compiles nothing. Run in a process of
    its own: forking needs one thread, and other tests' servers may be running here."""
    import json
    import os
    import subprocess
    import sys

    shutil.copytree(REPO / "schemas", repo / "schemas")
    env = dict(os.environ, LAUNCHBOARD_JOBS="2", PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", _PRECOMPILE, str(repo), AS_OF], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["in_this_process"] == []  # compiled in the forked process
    assert seen["entries"] >= 10
    assert seen["render_compiled"] == []


def test_nothing_to_precompile_without_the_cache_or_when_it_is_full(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator.site import render

    monkeypatch.setenv("LAUNCHBOARD_JOBS", "2")
    started: list[int] = []
    real_pool = render.forked_pool
    monkeypatch.setattr(render, "forked_pool", lambda n: started.append(n) or real_pool(n))
    monkeypatch.setattr(render, "second_process_pays", lambda: True)
    _render(repo)  # fills the cache in this process
    render.precompile_templates(repo / "templates" / "site", repo)()
    monkeypatch.setenv("LAUNCHBOARD_NO_CACHE", "1")
    render.precompile_templates(repo / "templates" / "site", repo)()
    assert started == []
