"""What makes `check` fast must never change its answer: the content cache and the pool.

The cache (generator/core/cache.py) keeps what parsing and validation found per initiative
folder, keyed by the bytes of its files, the schemas and the code; the pool spreads the
folders over processes. Each test compares against the answer computed with neither.
No test here times anything: speed is measured by bench/run.py.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

import generator.core.cache as cache_module
import generator.core.pipeline as pipeline
import generator.core.processes as processes
from generator.core.cache import FOLDER
from generator.core.model import Portfolio
from generator.core.pipeline import load_portfolio
from tests.kit import AS_OF, Repo, codes


@pytest.fixture(autouse=True)
def private_key_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Keep the cache's HMAC key out of the real home directory."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg")))
    monkeypatch.delenv("LAUNCHBOARD_NO_CACHE", raising=False)
    monkeypatch.delenv("LAUNCHBOARD_JOBS", raising=False)
    cache_module._secret.cache_clear()
    yield
    cache_module._secret.cache_clear()


def answer(portfolio: Portfolio) -> dict:
    """Everything a reader of the portfolio can see, as plain data."""
    return {
        "problems": [p.as_dict() for p in portfolio.problems],
        "states": {key: state.as_dict() for key, state in portfolio.states.items()},
        "initiatives": [repr(initiative) for initiative in portfolio.initiatives],
        "unusable": portfolio.unusable,
    }


def entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / FOLDER).glob("*/*") if not p.name.startswith("."))


def set_status(repo: Repo, item: str, status: str) -> None:
    repo.edit("decisions/support-assistant/checklists/security-review.yaml",
              lambda data: data["items"][item].update(status=status))


def test_a_changed_record_gets_a_new_verdict(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path)
    clean = load_portfolio(repo.root, AS_OF, cache=True)
    assert "LB201" not in codes(clean)
    assert entries(repo.root), "the first run fills the cache"
    assert answer(load_portfolio(repo.root, AS_OF, cache=True)) == answer(clean)  # from the cache

    set_status(repo, "threat-model", "todo")
    changed = load_portfolio(repo.root, AS_OF, cache=True)
    assert "LB201" in codes(changed)
    assert answer(changed) == answer(load_portfolio(repo.root, AS_OF, cache=False))

    set_status(repo, "threat-model", "done")  # back to the first bytes: the first answer again
    assert answer(load_portfolio(repo.root, AS_OF, cache=True)) == answer(clean)


def test_a_record_that_breaks_is_reported_after_a_cached_run(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path)
    load_portfolio(repo.root, AS_OF, cache=True)
    repo.write("decisions/support-assistant/checklists/on-call.yaml", "checklist: on-call\nitems: [\n")
    broken = load_portfolio(repo.root, AS_OF, cache=True)
    assert "LB002" in codes(broken)
    assert answer(broken) == answer(load_portfolio(repo.root, AS_OF, cache=False))


def test_a_schema_change_is_a_new_answer(tmp_path: Path) -> None:
    """The schemas are part of every key: tightening one re-validates every record."""
    repo = Repo.valid(tmp_path)
    shutil.copytree(Path(pipeline.__file__).resolve().parents[2] / "schemas", repo.root / "schemas")
    assert "LB100" not in codes(load_portfolio(repo.root, AS_OF, cache=True))
    schema_file = repo.root / "schemas" / "initiative.schema.json"
    schema = json.loads(schema_file.read_text())
    schema["properties"]["title"]["maxLength"] = 5
    schema_file.write_text(json.dumps(schema))
    tightened = load_portfolio(repo.root, AS_OF, cache=True)
    assert "LB100" in codes(tightened)
    assert answer(tightened) == answer(load_portfolio(repo.root, AS_OF, cache=False))


def test_the_cache_keeps_only_what_the_last_run_used(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path)
    load_portfolio(repo.root, AS_OF, cache=True)
    before = entries(repo.root)
    set_status(repo, "threat-model", "in-progress")
    load_portfolio(repo.root, AS_OF, cache=True)
    after = entries(repo.root)
    assert len(after) == len(before)
    assert after != before
    assert (repo.root / FOLDER / ".gitignore").read_text().splitlines()[-1] == "*"


def test_forged_or_corrupt_entries_are_never_believed(tmp_path: Path) -> None:
    """The cache folder sits in a repository that takes pull requests: an entry written by
    anyone without the local key (a committed one, say) must be ignored, not loaded."""
    repo = Repo.valid(tmp_path)
    set_status(repo, "threat-model", "todo")
    truth = answer(load_portfolio(repo.root, AS_OF, cache=True))
    clean_entry = None
    other = Repo.valid(tmp_path / "other")  # the same folder without the problem
    load_portfolio(other.root, AS_OF, cache=True)
    for path in entries(other.root):
        clean_entry = path.read_bytes()[32:]
    assert clean_entry is not None
    for forged in (b"\0" * 32 + clean_entry, b"garbage", b""):
        for path in entries(repo.root):
            path.write_bytes(forged)
        assert answer(load_portfolio(repo.root, AS_OF, cache=True)) == truth


def test_a_linked_cache_folder_is_not_followed(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path / "repo")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, repo.root / FOLDER)
    expected = answer(load_portfolio(repo.root, AS_OF, cache=False))
    assert answer(load_portfolio(repo.root, AS_OF, cache=True)) == expected
    assert list(elsewhere.iterdir()) == []


def test_the_environment_turns_it_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = Repo.valid(tmp_path)
    monkeypatch.setenv("LAUNCHBOARD_NO_CACHE", "1")
    load_portfolio(repo.root, AS_OF, cache=True)
    assert not (repo.root / FOLDER).exists()


def test_a_small_repository_is_not_cached_by_default(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path)
    load_portfolio(repo.root, AS_OF)
    assert not (repo.root / FOLDER).exists()


# --------------------------------------------------------------------------- many initiatives


def portfolio_of(root: Path, count: int) -> Repo:
    """`count` copies of the kit's initiative, a few of them broken in different ways."""
    repo = Repo.valid(root)
    source = repo.root / "decisions" / "support-assistant"
    for index in range(count):
        name = f"initiative-{index:03d}"
        shutil.copytree(source, repo.root / "decisions" / name)
        repo.edit(f"decisions/{name}/initiative.yaml", lambda data, name=name: data.update(id=name))
    repo.write("decisions/initiative-001/checklists/on-call.yaml", "checklist: on-call\nitems: {runbook: [\n")
    repo.edit("decisions/initiative-002/initiative.yaml", lambda data: data.update(risk="extreme"))
    repo.edit("decisions/initiative-003/initiative.yaml", lambda data: data.update(id="someone-else"))
    repo.write("decisions/initiative-004/initiative.yaml", "- not a mapping\n")
    return repo


def spy_on_pool(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record each pooled run that completed (rather than falling back to one process)."""
    runs: list[bool] = []
    real = pipeline._check_folders_with_pool

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        runs.append(True)
        return result

    monkeypatch.setattr(pipeline, "_check_folders_with_pool", spy)
    return runs


@pytest.mark.parametrize("use_cache, threads", [(False, 1), (True, 1), (True, 2)])
def test_the_pool_gives_the_same_portfolio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_cache: bool, threads: int) -> None:
    """One thread: forked workers; more (as in `mkdocs serve`): no pool, never a fork."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the pool forks, on Linux only")
    repo = portfolio_of(tmp_path, 24)
    monkeypatch.setattr(processes.threading, "active_count", lambda: threads)
    monkeypatch.setenv("LAUNCHBOARD_JOBS", "1")
    alone = load_portfolio(repo.root, AS_OF, cache=False)
    assert {"LB002", "LB100", "LB110", "LB006"} <= set(codes(alone))
    monkeypatch.setenv("LAUNCHBOARD_JOBS", "2")
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 0)
    monkeypatch.setattr(pipeline, "TASK_MAX_FOLDERS", 4)
    pooled_runs = spy_on_pool(monkeypatch)
    seen: list[tuple[int, int]] = []
    pooled = load_portfolio(repo.root, AS_OF, lambda done, total: seen.append((done, total)), cache=use_cache)
    assert pooled_runs == ([True] if threads == 1 else []), "the pool runs only where forking is safe"
    assert answer(pooled) == answer(alone)
    assert [done for done, _ in seen] == list(range(1, seen[-1][1] + 1))  # every file counted once
    if use_cache:  # and again from the cache the workers filled
        assert answer(load_portfolio(repo.root, AS_OF, cache=True)) == answer(alone)


def test_an_unusable_policy_still_lists_every_problem_with_the_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the pool forks, on Linux only")
    repo = portfolio_of(tmp_path, 12)
    repo.write("decisions/policy.yaml", "stages: [a\n")
    monkeypatch.setenv("LAUNCHBOARD_JOBS", "1")
    alone = load_portfolio(repo.root, AS_OF, cache=False)
    monkeypatch.setenv("LAUNCHBOARD_JOBS", "2")
    monkeypatch.setattr(pipeline, "POOL_MIN_FILES", 0)
    pooled_runs = spy_on_pool(monkeypatch)
    pooled = load_portfolio(repo.root, AS_OF, cache=True)
    assert pooled_runs == [True]
    assert pooled.unusable and answer(pooled) == answer(alone)
    assert {"LB002", "LB100", "LB006"} <= set(codes(pooled))


def _answer_in_a_daemon(root: str, queue) -> None:  # noqa: ANN001 - a multiprocessing.Queue
    pipeline.POOL_MIN_FILES = 0
    os.environ["LAUNCHBOARD_JOBS"] = "2"
    queue.put(answer(load_portfolio(Path(root), AS_OF, cache=False)))


def test_a_daemonic_process_checks_without_a_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A multiprocessing worker may not have children: it checks in one process."""
    import multiprocessing

    if not sys.platform.startswith("linux"):
        pytest.skip("forks the daemon")
    repo = portfolio_of(tmp_path, 12)
    monkeypatch.setenv("LAUNCHBOARD_JOBS", "1")
    alone = answer(load_portfolio(repo.root, AS_OF, cache=False))
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    daemon = context.Process(target=_answer_in_a_daemon, args=(str(repo.root), queue), daemon=True)
    daemon.start()
    try:
        assert queue.get(timeout=60) == alone
    finally:
        daemon.join(timeout=60)
    assert daemon.exitcode == 0
