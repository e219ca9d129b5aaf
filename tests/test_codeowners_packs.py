"""Issue 19: the framework packs always get the policy's owners in CODEOWNERS.

A pack in decisions/frameworks/ says what the policy's `controls:` mean, so whoever reviews
the policy must review it. `launchboard codeowners` finds the policy's owners by GitHub's own
rule (the last matching rule wins, whatever its pattern) and writes `/decisions/frameworks/`
for them; `codeowners --check` fails, and `check` warns (LB307), while any pack, or a pack a
pull request could add, is owned by anyone else or by no one. Each test runs the real command.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.core import codeowners
from tests.conftest import run
from tests.kit import AS_OF, Repo

FILE = ".github/CODEOWNERS"
PACK = "decisions/frameworks/internal-ai-standard.yaml"
PACK_DOC = {"framework": "internal-ai-standard", "title": "Internal AI standard", "version": "1",
            "source": "https://wiki.example.com/ai-standard", "licence": "internal",
            "controls": [{"id": "IAS-1", "title": "Human review of outputs"}]}


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo.valid(tmp_path / "repo")
    repo.write(PACK, PACK_DOC)
    return repo


def block(repo: Repo) -> list[str]:
    lines = repo.path(FILE).read_text().splitlines()
    return lines[lines.index(codeowners.BEGIN) + 1 : lines.index(codeowners.END)]


def lb307(repo: Repo) -> list[str]:
    result = run("check", str(repo.root), "--as-of", AS_OF)
    return [line for line in result.output.splitlines() if "LB307" in line and "framework packs" in line]


@pytest.mark.parametrize(("policy_rule", "packs_owned"), [
    ("/decisions/*.yaml @org/platform-council", False),  # the shape issue 19 found: no rule for the packs
    ("decisions/policy.yaml @org/platform-council", False),
    ("/decisions/policy.yaml @org/platform-council", False),
    ("/decisions/*.y*ml @org/platform-council", False),
    ("* @org/platform-council", True),  # these own the packs already; the block still names them
    ("/decisions/ @org/platform-council", True),
])
def test_the_packs_get_the_policys_owners_whatever_the_rule_that_owns_the_policy(repo: Repo, policy_rule: str,
                                                                                  packs_owned: bool) -> None:
    repo.write(FILE, f"{policy_rule}\n/.github/ @org/platform-council\n")
    before = run("codeowners", str(repo.root), "--check")
    assert before.exit_code == 1
    assert (f"{PACK} (no owner)" in before.output) is not packs_owned
    assert bool(lb307(repo)) is not packs_owned

    written = run("codeowners", str(repo.root))
    assert written.exit_code == 0 and "framework packs" not in written.output
    assert block(repo)[-1] == "/decisions/frameworks/ @org/platform-council"
    after = run("codeowners", str(repo.root), "--check")
    assert after.exit_code == 0, after.output
    assert lb307(repo) == []


def test_a_block_written_before_the_policy_had_an_owner_is_stale(repo: Repo) -> None:
    """The block exists but has no packs rule (written when no rule named the policy):
    --check fails until `codeowners` adds it."""
    repo.write(FILE, "/.github/ @org/platform-council\n")
    assert run("codeowners", str(repo.root)).exit_code == 0
    assert not any(rule.startswith("/decisions/frameworks/") for rule in block(repo))
    repo.write(FILE, "/decisions/*.yaml @org/platform-council\n" + repo.path(FILE).read_text())
    stale = run("codeowners", str(repo.root), "--check")
    assert stale.exit_code == 1 and "out of date" in stale.output and f"{PACK} (no owner)" in stale.output
    assert run("codeowners", str(repo.root)).exit_code == 0
    assert block(repo)[-1] == "/decisions/frameworks/ @org/platform-council"
    assert run("codeowners", str(repo.root), "--check").exit_code == 0


def test_the_last_rule_that_matches_the_policy_names_the_owners(repo: Repo) -> None:
    repo.write(FILE, "/decisions/policy.yaml @org/old-council\n/decisions/*.yaml @org/platform-council @lead\n"
                     "/.github/ @org/platform-council\n")
    assert run("codeowners", str(repo.root)).exit_code == 0
    assert block(repo)[-1] == "/decisions/frameworks/ @org/platform-council @lead"
    assert run("codeowners", str(repo.root), "--check").exit_code == 0


def test_a_policy_without_an_owner_leaves_the_packs_none_and_check_says_so(repo: Repo) -> None:
    """No rule gives the policy an owner: there is no one to name, so no packs rule is
    written (an empty rule would strip owners), and both commands say why."""
    repo.write(FILE, "/.github/ @org/platform-council\n")
    written = run("codeowners", str(repo.root))
    assert written.exit_code == 0
    assert "warning: .github/CODEOWNERS gives decisions/policy.yaml no owner, so the framework packs have none" in written.output
    assert not any(rule.startswith("/decisions/frameworks/") for rule in block(repo))
    checked = run("codeowners", str(repo.root), "--check")
    assert checked.exit_code == 1 and f"{PACK} (no owner)" in checked.output
    assert any("gives decisions/policy.yaml no owner" in line for line in lb307(repo))


@pytest.mark.parametrize(("rule", "owners"), [
    (f"/{PACK} @mallory", "@mallory"),                                 # one pack taken
    ("/decisions/frameworks/ @org/platform-council @mallory", "@org/platform-council @mallory"),  # one owner too many
    ("/decisions/*/ @org/everyone", "@org/everyone"),                    # a broad rule below the block
    (f"/{PACK}", "no owner"),                                            # a rule with no owners un-owns it
])
def test_a_rule_below_the_block_that_takes_a_pack_fails_the_check(repo: Repo, rule: str, owners: str) -> None:
    repo.write(FILE, "/decisions/policy.yaml @org/platform-council\n/.github/ @org/platform-council\n")
    assert run("codeowners", str(repo.root)).exit_code == 0
    repo.write(FILE, repo.path(FILE).read_text() + rule + "\n")
    checked = run("codeowners", str(repo.root), "--check")
    assert checked.exit_code == 1
    assert f"{PACK} ({owners})" in checked.output
    assert any(f"{PACK} ({owners})" in line for line in lb307(repo))


def test_a_rule_below_the_block_that_matches_a_new_pack_fails_the_check(repo: Repo) -> None:
    repo.write(FILE, "/decisions/policy.yaml @org/platform-council\n/.github/ @org/platform-council\n")
    assert run("codeowners", str(repo.root)).exit_code == 0
    repo.write(FILE, repo.path(FILE).read_text() + "/decisions/frameworks/*.yml @mallory\n")
    checked = run("codeowners", str(repo.root), "--check")
    assert checked.exit_code == 1
    assert "a pack added to decisions/frameworks/ (@mallory)" in checked.output
    assert PACK not in checked.output  # the .yaml pack is still the council's


def test_a_rule_above_the_block_cannot_take_the_packs(repo: Repo) -> None:
    """The block's rule comes later, so it wins: a hand-written rule above it changes nothing."""
    repo.write(FILE, "/decisions/frameworks/ @mallory\n/decisions/policy.yaml @org/platform-council\n"
                     "/.github/ @org/platform-council\n")
    assert run("codeowners", str(repo.root)).exit_code == 0
    assert run("codeowners", str(repo.root), "--check").exit_code == 0
    assert lb307(repo) == []


def test_packs_owned_by_some_of_the_policys_owners_pass(repo: Repo) -> None:
    """Fewer reviewers is not a way round the policy's review: each one may review the policy."""
    repo.write(FILE, "/decisions/policy.yaml @org/platform-council @lead\n/.github/ @org/platform-council\n")
    assert run("codeowners", str(repo.root)).exit_code == 0
    repo.write(FILE, repo.path(FILE).read_text() + f"/{PACK} @lead\n")
    checked = run("codeowners", str(repo.root), "--check")
    assert checked.exit_code == 0, checked.output
    assert lb307(repo) == []
