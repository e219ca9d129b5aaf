"""What many test files share: the in-process CLI runner and the sample site, built once.

`run` is a plain function (import it: `from tests.conftest import run`), not a fixture, so a
test calls it exactly as it called its file's own copy. `sample_site` is a fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator.cli import main
from tests.site_helpers import REPO, mkdocs_build


def run(*args: object, env: dict[str, str] | None = None) -> Result:
    """`launchboard ARGS...` in this process. Exceptions propagate (catch_exceptions=False),
    so a crash shows its traceback instead of passing as a non-zero exit code. Paths are
    passed as text, as a shell would."""
    return CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample repository's site from a real, strict `mkdocs build`, built once per test
    run (once per pytest-xdist worker). Tests only read it; one that edits records builds
    its own copy with `site_helpers.make_root`."""
    out = tmp_path_factory.mktemp("sample") / "site"
    result = mkdocs_build(REPO / "mkdocs.yml", out, strict=True)
    assert result.returncode == 0, result.stderr
    return out
