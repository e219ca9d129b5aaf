"""The hostile corpus's base repository (tests/hostile/base/) is the kit's valid repository
(tests/kit.py) on disk, so a fix to one cannot leave the other behind.

The base stays a folder of files because the corpus expects exact line and column numbers in
it; it differs from the kit only by the policy's `runbooks:` (topics required from ga, so
runbook cases exercise the record rules, not the gate)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.kit import Repo

BASE = Path(__file__).resolve().parent / "hostile" / "base"
BASE_ONLY = {"decisions/policy.yaml": {"runbooks"}}  # what the base adds to the kit, by file


def data(path: Path) -> Any:
    """A record as plain data: dates as the strings the kit writes."""
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def records(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.yaml"))


def test_the_base_has_the_kits_records(tmp_path: Path) -> None:
    assert records(BASE) == records(Repo.valid(tmp_path).root)


@pytest.mark.parametrize("rel", records(BASE))
def test_each_base_record_is_the_kits_plus_only_what_it_documents(tmp_path: Path, rel: str) -> None:
    base, kit = data(BASE / rel), data(Repo.valid(tmp_path).path(rel))
    extra = BASE_ONLY.get(rel, set())
    assert extra <= set(base), f"{rel}: the base no longer has {extra - set(base)}; update BASE_ONLY and the README"
    assert {k: v for k, v in base.items() if k not in extra} == kit, rel
