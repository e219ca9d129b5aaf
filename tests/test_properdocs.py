"""The sample site built with ProperDocs, the maintained fork of MkDocs 1.x, instead of MkDocs.

MkDocs 1.6.1 is the last 1.x release. ProperDocs (a test extra, and the `properdocs` extra for
users) installs its own `properdocs` package and command beside mkdocs, reads `mkdocs.yml`, runs
mkdocs-material, and finds the `launchboard` plugin through the `mkdocs.plugins` entry point.
These tests build the sample with `properdocs build` and read the HTML, so the day the project
moves, what changes is known rather than hoped.
"""

from __future__ import annotations

import importlib.util
import itertools
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.site_helpers import REPO, assert_board_lists_the_sample, make_root, scan_site, site_env
from tests.test_site_security import PAYLOADS, _rewrite

pytestmark = pytest.mark.slow  # whole-site builds with a second builder

GENERATOR = re.compile(r'<meta name="generator" content="[^"]*">')


def properdocs_build(config: Path, out: Path, strict: bool = False) -> subprocess.CompletedProcess:
    """A real `properdocs build` from this venv (`python -m properdocs` is its command)."""
    assert importlib.util.find_spec("properdocs") is not None, (
        "ProperDocs is a test extra: pip install -e '.[test]' (scripts/test.py installs it)")
    cmd = [sys.executable, "-m", "properdocs", "build", "-f", str(config), "-d", str(out)]
    if strict:
        cmd.append("--strict")
    return subprocess.run(cmd, cwd=config.parent, env=site_env(LAUNCHBOARD_JOBS="2"),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def properdocs_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample repository's own mkdocs.yml and records, built strictly by ProperDocs."""
    out = tmp_path_factory.mktemp("properdocs") / "site"
    result = properdocs_build(REPO / "mkdocs.yml", out, strict=True)
    assert result.returncode == 0, result.stderr
    return out


def page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_properdocs_built_it_with_material_and_the_launchboard_plugin(properdocs_site):
    board = (properdocs_site / "index.html").read_text(encoding="utf-8")
    generator = GENERATOR.search(board)
    assert generator and f"ProperDocs {version('properdocs')}" in generator.group(0), generator
    assert "mkdocs-material-" in generator.group(0)
    # the plugin is registered for MkDocs only; ProperDocs finds it there
    from properdocs.plugins import get_plugins

    assert get_plugins()["launchboard"].group == "mkdocs.plugins"
    assert (properdocs_site / "api" / "initiatives.json").is_file()  # a file only the plugin writes


def test_board_lists_every_sample_initiative(properdocs_site):
    assert_board_lists_the_sample(properdocs_site)


def test_an_initiative_page_renders(properdocs_site):
    html = page(properdocs_site, "initiatives/contract-summariser")
    assert re.search(r"<h1[^>]*>Contract summariser", html)
    assert "lb-stage--canary" in html
    assert "Blocking the next stage (ga)" in html
    assert "External penetration test" in html
    assert re.search(r'<img[^>]+src="metrics/[a-z0-9-]+\.svg"', html)
    assert list((properdocs_site / "initiatives" / "contract-summariser" / "metrics").glob("*.svg"))
    assert 'href="../../assets/launchboard.css"' in html  # the plugin's stylesheet, added in on_config


def test_properdocs_writes_the_files_mkdocs_writes(properdocs_site, sample_site):
    """A drop-in: the same files, byte for byte, but for the generator tag in each page."""
    def files(site: Path) -> dict[str, bytes]:
        return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}

    ours, theirs = files(properdocs_site), files(sample_site)
    assert sorted(ours) == sorted(theirs)
    differ = []
    for name, data in theirs.items():
        a, b = ours[name], data
        if name.endswith(".html"):
            a, b = (GENERATOR.sub("", x.decode("utf-8")) for x in (a, b))
        if a != b:
            differ.append(name)
    assert differ == []


def test_strict_build_fails_when_check_has_errors(tmp_path):
    """The plugin logs to `mkdocs.*` loggers; ProperDocs counts them for --strict all the same."""
    root = make_root(tmp_path / "repo")
    (root / "decisions" / "support-assistant" / "checklists" / "security-review.yaml").unlink()  # ga's gate fails
    strict = properdocs_build(root / "mkdocs.yml", tmp_path / "strict", strict=True)
    assert strict.returncode != 0
    assert "error LB210" in strict.stderr
    assert "Aborted with" in strict.stdout + strict.stderr  # counted, not merely printed


def test_hostile_record_text_stays_text(tmp_path):
    """Every free-text field of one initiative replaced with markup and script; built by ProperDocs."""
    root = make_root(tmp_path / "repo")
    cycle = itertools.cycle(PAYLOADS)
    for path in sorted((root / "decisions" / "support-assistant").rglob("*.yaml")):
        _rewrite(path, cycle)
    out = tmp_path / "site"
    result = properdocs_build(root / "mkdocs.yml", out)
    assert result.returncode == 0, result.stderr
    assert "&lt;script&gt;alert(1337)&lt;/script&gt;" in page(out, "initiatives/support-assistant")
    assert scan_site(out) == []
