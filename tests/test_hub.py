"""`launchboard hub`: many repositories, one board, on three real local git repositories.

alpha and beta are ordinary governance repositories (beta's policy is weaker than the hub's
baseline); hostile has script in a title, a symlinked checklist, a templates/ page, a
mkdocs.yml whose hooks would run code, and a submodule. Every commit has a fixed date.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.hub import sources as core
from tests.site_helpers import check_links, scan_site
from tests.kit import AS_OF, POLICY, Repo

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(root: Path, *args: str, day: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="T", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="T",
               GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
    if day:
        env["GIT_AUTHOR_DATE"] = env["GIT_COMMITTER_DATE"] = f"{day}T12:00:00Z"
    return subprocess.run(["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True).stdout


def commit(root: Path, day: str, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message, day=day)
    return git(root, "rev-parse", "HEAD").strip()


def source_repo(root: Path, day: str = "2026-11-20") -> Repo:
    root.mkdir(parents=True)
    repo = Repo.valid(root)
    git(root, "init", "-q", "-b", "main")
    commit(root, day, "records")
    return repo


def hostile_repo(root: Path, marker: Path) -> Repo:
    """Everything a hostile source could try, committed."""
    root.mkdir(parents=True)
    repo = Repo.valid(root)
    repo.edit("decisions/support-assistant/initiative.yaml",
              lambda d: d.update(title="<script>alert('hub')</script><img src=x onerror=alert(2)>"))
    on_call = repo.path("decisions/support-assistant/checklists/on-call.yaml")
    on_call.unlink()
    os.symlink("../../../../../../etc/passwd", on_call)
    repo.write("templates/site/board.md.j2", "{{ ''.__class__.__mro__ }}<script>alert('template')</script>\n")
    repo.write("hooks.py", f"open({str(marker)!r}, 'w').write('ran')\n")
    repo.write("mkdocs.yml", f"site_name: x\nhooks: [hooks.py]\nmarkdown_extensions:\n"
                             f"  - !!python/object/apply:os.system ['touch {marker}']\n")
    repo.write(".gitmodules", '[submodule "vendored"]\n\tpath = decisions/vendored\n\turl = ../alpha\n')
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "update-index", "--add", "--cacheinfo", f"160000,{'a' * 40},decisions/vendored")  # a submodule entry
    git(root, "commit", "-q", "-m", "hostile records", day="2026-11-21")
    assert "160000" in git(root, "ls-tree", "HEAD", "decisions/")
    return repo


HUB_TEXT = """\
# The platform team's hub: every team's governance records, one board.
sources:
  - {name: alpha, repo: ../alpha, ref: main}   # payments
  - name: beta
    repo: ../beta
    ref: main
    commit: "0000000000000000000000000000000000000000"
  # the red team's repository
  - name: hostile
    repo: ../hostile
    ref: main
"""


@pytest.fixture()
def world(tmp_path: Path) -> dict:
    marker = tmp_path / "PWNED"
    alpha = source_repo(tmp_path / "alpha")
    beta = source_repo(tmp_path / "beta", day="2026-11-22")
    beta.edit("decisions/policy.yaml", lambda d: d.update(waiver_max_days=365))
    commit(beta.root, "2026-11-23", "longer waivers")
    hostile = hostile_repo(tmp_path / "hostile", marker)
    hub = tmp_path / "hub"
    hub.mkdir()
    (hub / "hub.yaml").write_text(HUB_TEXT)
    Repo(hub).write("decisions/policy.yaml", POLICY)
    return {"hub": hub, "alpha": alpha, "beta": beta, "hostile": hostile, "marker": marker}


def run(*args: str):
    return CliRunner().invoke(main, ["hub", *args])


def head(repo: Repo) -> str:
    return git(repo.root, "rev-parse", "HEAD").strip()


# --------------------------------------------------------------------------- hub.yaml


@pytest.mark.parametrize("repo", ["ext::sh -c touch% /tmp/x", "file:///etc", "-oProxyCommand=touch x", "http://example.com/r.git",
                                  "ssh://-oProxyCommand=x/r", "git@-oProxy:r", "host:path", "fd::3"])
def test_a_repository_that_is_not_https_ssh_or_a_local_path_is_refused_where_it_is_written(tmp_path, repo):
    (tmp_path / "hub.yaml").write_text(f"sources:\n  - name: a\n    repo: {json.dumps(repo)}\n    ref: main\n")
    result = run("check", str(tmp_path))
    assert result.exit_code == 2
    assert "hub.yaml:3:11: sources[0].repo: " in result.output
    assert "is not an allowed repository" in result.output


@pytest.mark.parametrize("repo", ["https://git.example.com/payments/governance.git", "ssh://git@git.example.com:22/p/g.git",
                                  "git@github.com:org/governance.git", "../search-governance", "/srv/git/g", "local-folder"])
def test_allowed_repositories_load(tmp_path, repo):
    (tmp_path / "hub.yaml").write_text(f"sources:\n  - {{name: a, repo: {json.dumps(repo)}, ref: main}}\n")
    assert core.load_hub(tmp_path).sources[0].repo == repo


def test_hub_yaml_errors_are_located(tmp_path):
    (tmp_path / "hub.yaml").write_text("sources:\n  - {name: a, repo: ../a, ref: main}\n  - {name: a, repo: ../b, ref: main, "
                                       "commit: xyz}\n  - {name: Bad--Name, repo: ../c}\n")
    with pytest.raises(core.HubError) as err:
        core.load_hub(tmp_path)
    text = str(err.value)
    assert "hub.yaml:3:46: sources[1].commit: 'xyz' is not a full commit id" in text
    assert "hub.yaml:4:12: sources[2].name: 'Bad--Name' is not a source name" in text
    assert "hub.yaml:4:5: sources[2]: 'ref' is a required property" in text


def test_a_commit_that_reads_as_a_number_must_be_quoted(tmp_path):
    (tmp_path / "hub.yaml").write_text("sources:\n  - {name: a, repo: ../a, ref: main, commit: " + "1" * 40 + "}\n")
    with pytest.raises(core.HubError, match=r"hub.yaml:2:46: sources\[0\].commit: reads as a number: quote the commit id"):
        core.load_hub(tmp_path)
    assert core.set_commits("sources:\n  - {name: a, repo: ../a, ref: main}\n", {0: "1" * 40}).endswith(f'commit: "{"1" * 40}"}}\n')


def test_duplicate_names_and_a_missing_or_linked_hub_yaml_are_refused(tmp_path):
    (tmp_path / "hub.yaml").write_text("sources:\n  - {name: a, repo: ../a, ref: main}\n  - {name: a, repo: ../b, ref: main}\n")
    with pytest.raises(core.HubError, match=r"hub.yaml:3:12: sources\[1\].name: 'a' is already the name of sources\[0\]"):
        core.load_hub(tmp_path)
    other = tmp_path / "elsewhere"
    other.mkdir()
    result = run("lock", str(other))
    assert result.exit_code == 2 and "no hub.yaml" in result.output
    os.symlink(tmp_path / "hub.yaml", other / "hub.yaml")
    result = run("lock", str(other))
    assert result.exit_code == 2 and "hub.yaml" in result.output and "link" in result.output


# --------------------------------------------------------------------------- lock


def test_lock_pins_each_ref_and_keeps_the_rest_of_hub_yaml_byte_for_byte(world):
    hub = world["hub"]
    result = run("lock", str(hub))
    assert result.exit_code == 0, result.output
    a, b, h = head(world["alpha"]), head(world["beta"]), head(world["hostile"])
    expected = (HUB_TEXT.replace("ref: main}   # payments", f"ref: main, commit: {a}}}   # payments")
                .replace('"' + "0" * 40 + '"', b)
                .replace("    repo: ../hostile\n    ref: main\n", f"    repo: ../hostile\n    ref: main\n    commit: {h}\n"))
    assert (hub / "hub.yaml").read_text() == expected
    for name in ("alpha", "beta", "hostile"):  # bare caches holding the pin, nothing checked out
        bare = hub / ".launchboard-cache" / "hub" / f"{name}.git"
        assert (bare / "HEAD").is_file() and not (bare / "decisions").exists()
    git(hub, "init", "-q", "-b", "main")  # the hub as a repository: the cache is never part of it
    assert git(hub, "status", "--porcelain", "--untracked-files=all").split() == ["??", "decisions/policy.yaml", "??", "hub.yaml"]
    assert "beta: 000000000000 -> " + b[:12] in result.output
    again = run("lock", str(hub))
    assert again.exit_code == 0 and "alpha: unchanged" in again.output
    assert (hub / "hub.yaml").read_text() == expected


def test_a_later_commit_changes_nothing_until_the_next_lock(world):
    hub, alpha = world["hub"], world["alpha"]
    assert run("lock", str(hub)).exit_code == 0
    pinned = head(alpha)
    alpha.edit("decisions/support-assistant/initiative.yaml", lambda d: d.update(title="Renamed after the pin"))
    later = commit(alpha.root, "2026-11-25", "rename")
    first = json.loads(run("check", str(hub), "--format", "json", "--as-of", AS_OF).output)["sources"][0]
    assert first["commit"] == pinned and first["date"] == "2026-11-20"
    assert core.load_hub(hub).sources[0].commit == pinned
    assert run("lock", str(hub)).exit_code == 0
    assert core.load_hub(hub).sources[0].commit == later
    second = json.loads(run("check", str(hub), "--format", "json", "--as-of", AS_OF).output)["sources"][0]
    assert second["commit"] == later and second["date"] == "2026-11-25"


def test_a_pin_that_did_not_move_is_read_from_the_cache_without_fetching(world):
    hub = world["hub"]
    assert run("lock", str(hub)).exit_code == 0
    shutil.move(world["alpha"].root, world["alpha"].root.with_name("gone"))  # the remote is unreachable now
    result = run("check", str(hub), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1  # the hostile source fails; alpha was read from the cache
    assert json.loads(result.output)["sources"][0]["ok"] is True


def test_lock_writes_nothing_when_a_source_cannot_be_reached(world):
    hub = world["hub"]
    before = (hub / "hub.yaml").read_bytes()
    shutil.rmtree(world["beta"].root)
    result = run("lock", str(hub))
    assert result.exit_code == 2
    assert "source beta: cannot reach ../beta" in result.output
    assert (hub / "hub.yaml").read_bytes() == before


# --------------------------------------------------------------------------- check


def test_check_reports_every_source_under_its_own_policy_with_drift_against_the_baseline(world):
    hub = world["hub"]
    assert run("lock", str(hub)).exit_code == 0
    result = run("check", str(hub), "--format", "json", "--as-of", AS_OF)
    assert result.exit_code == 1, result.output
    sources = json.loads(result.output)["sources"]
    assert [s["name"] for s in sources] == ["alpha", "beta", "hostile"]
    assert all(set(s) == {"name", "commit", "date", "ok", "errors", "warnings", "initiatives", "policy_drift"} for s in sources)
    alpha, beta, hostile = sources
    assert alpha["ok"] and alpha["errors"] == [] and alpha["initiatives"] == 1 and alpha["policy_drift"] == []
    assert alpha["commit"] == head(world["alpha"]) and alpha["date"] == "2026-11-20"
    assert beta["ok"] and beta["date"] == "2026-11-23"
    assert beta["policy_drift"] == [{"checklist": "", "item": "", "change": "waiver_max_days", "baseline": "90", "source": "365"}]
    # The hostile source's symlinked checklist is refused and reported against it.
    assert not hostile["ok"]
    link = [e for e in hostile["errors"] if e["file"] == "decisions/support-assistant/checklists/on-call.yaml"]
    assert link and link[0]["code"] == "LB212" and "link" in link[0]["message"]
    assert not world["marker"].exists()


def test_check_text_names_sources_problems_and_drift(world):
    hub = world["hub"]
    assert run("lock", str(hub)).exit_code == 0
    result = run("check", str(hub), "--as-of", AS_OF)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith(f"alpha @ {head(world['alpha'])[:12]} (2026-11-20): ok; 1 initiatives, 0 errors")
    assert any("policy drift policy: waiver_max_days (baseline 90, here 365)" in line for line in lines)
    assert any(line.startswith("hostile @") and "fails its gates" in line for line in lines)
    assert any("decisions/support-assistant/checklists/on-call.yaml:1:1: error LB212" in line for line in lines)


def test_an_unlocked_or_unreadable_source_exits_2_naming_it(world):
    hub = world["hub"]
    result = run("check", str(hub))
    assert result.exit_code == 2 and "source alpha: has no commit: run `launchboard hub lock` first" in result.output
    assert run("lock", str(hub)).exit_code == 0
    shutil.rmtree(hub / ".launchboard-cache")
    offline = run("check", str(hub), "--no-fetch")
    assert offline.exit_code == 2 and "source alpha: commit" in offline.output and "--no-fetch" in offline.output
    shutil.rmtree(world["beta"].root)
    gone = run("check", str(hub))
    assert gone.exit_code == 2 and "source beta: cannot fetch ../beta" in gone.output


def test_a_source_pinned_to_a_commit_it_does_not_hold_exits_2(world):
    hub = world["hub"]
    text = HUB_TEXT.replace("ref: main}", "ref: main, commit: '" + "1" * 40 + "'}")
    (hub / "hub.yaml").write_text(text)
    result = run("check", str(hub))
    assert result.exit_code == 2 and "source alpha: cannot fetch ../alpha (main)" in result.output
    assert "not our ref 1111111111111111111111111111111111111111" in result.output


def test_nothing_from_the_hostile_source_runs_during_lock_and_check(world):
    hub = world["hub"]
    assert run("lock", str(hub)).exit_code == 0
    assert run("check", str(hub)).exit_code == 1
    assert not world["marker"].exists()
    assert not (hub / "templates").exists() and not (hub / "mkdocs.yml").exists()


def test_a_pin_older_than_the_branch_is_marked_stale(world):
    hub, alpha = world["hub"], world["alpha"]
    pinned = head(alpha)
    alpha.edit("decisions/support-assistant/initiative.yaml", lambda d: d.update(title="Renamed on the branch"))
    tip = commit(alpha.root, "2026-11-26", "rename")
    (hub / "hub.yaml").write_text(f"sources:\n  - {{name: alpha, repo: ../alpha, ref: main, commit: {pinned}}}\n")
    result = run("check", str(hub), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert f"alpha @ {pinned[:12]} (2026-11-20): ok; 1 initiatives, 0 errors, 0 warnings, behind its branch ({tip[:12]}, 2026-11-26)" \
        in result.output
    (result,) = core.check(core.load_hub(hub), AS_OF)
    assert result.stale and result.commit == pinned and result.tip == tip


def test_a_linked_cache_folder_is_refused(world, tmp_path):
    hub = world["hub"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, hub / ".launchboard-cache")
    result = run("lock", str(hub))
    assert result.exit_code == 2 and ".launchboard-cache is a link" in result.output
    assert list(elsewhere.iterdir()) == []


def test_a_pin_judged_once_is_not_judged_again_and_a_forged_verdict_is_not_read(world, monkeypatch):
    hub = world["hub"]
    assert run("lock", str(hub)).exit_code == 0
    first = run("check", str(hub), "--format", "json", "--as-of", AS_OF)
    entries = sorted((hub / ".launchboard-cache" / "hub-verdicts").rglob("*"))
    assert len([e for e in entries if e.is_file() and e.name != ".gitignore"]) == 3

    def never(*args):
        raise AssertionError("a cached pin was read again")

    monkeypatch.setattr(core, "read_at", never)
    second = run("check", str(hub), "--format", "json", "--as-of", AS_OF)
    assert second.exit_code == first.exit_code == 1 and second.output == first.output
    # A verdict written by someone without the key (a hub pull request committing the cache) is ignored.
    for entry in entries:
        if entry.is_file() and entry.name != ".gitignore":
            entry.write_bytes(b"\0" * 32 + entry.read_bytes()[32:])
    monkeypatch.undo()
    third = run("check", str(hub), "--format", "json", "--as-of", AS_OF)
    assert third.output == first.output
    assert run("check", str(hub), "--format", "json", "--as-of", "2026-11-30", "--no-cache").exit_code == 1


def test_a_source_whose_objects_git_would_refuse_is_not_fetched(world):
    """fsck on fetch: a .gitmodules whose `update` runs a command never reaches the cache."""
    hostile = world["hostile"]
    hostile.write(".gitmodules", f'[submodule "vendored"]\n\tpath = decisions/vendored\n\turl = ../alpha\n'
                                 f"\tupdate = !touch {world['marker']}\n")
    commit(hostile.root, "2026-11-24", "a submodule that runs a command")
    result = run("lock", str(world["hub"]))
    assert result.exit_code == 2 and "source hostile: cannot fetch ../hostile (main)" in result.output
    assert "gitmodulesUpdate" in result.output
    assert not world["marker"].exists()


def test_a_pinned_commit_without_decisions_exits_2_naming_its_source_also_from_a_worker(world, monkeypatch):
    alpha, beta = world["alpha"], world["beta"]
    shutil.rmtree(alpha.path("decisions"))
    empty = commit(alpha.root, "2026-11-27", "records moved away")
    hub = world["hub"]
    (hub / "hub.yaml").write_text(f"sources:\n  - {{name: beta, repo: ../beta, ref: main, commit: {head(beta)}}}\n"
                                  f"  - {{name: alpha, repo: ../alpha, ref: main, commit: {empty}}}\n")
    for jobs in ("2", "1"):  # judged in forked workers, then in this process
        monkeypatch.setenv("LAUNCHBOARD_JOBS", jobs)
        result = run("check", str(hub), "--no-cache")
        assert result.exit_code == 2, result.output
        assert f"source alpha: commit {empty} has no decisions/ folder" in result.output


def test_the_hub_schema_is_draft_2020_12_described_and_closed():
    import jsonschema_rs
    from jsonschema import Draft202012Validator

    schema = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "hub.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    jsonschema_rs.validator_for(schema, validate_formats=True)
    entry = schema["properties"]["sources"]["items"]
    for obj in (schema, entry):
        assert obj["additionalProperties"] is False and set(obj["patternProperties"]) == {"^x-"}
        assert all(prop.get("description") for prop in obj["properties"].values())


# --------------------------------------------------------------------------- build


def _site_text(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def broken_links(site: Path) -> list[str]:
    """Every link and anchor of the hub's site that does not resolve (site_helpers.check_links)."""
    return check_links(site).broken


RUNBOOK = {  # a runbook for alpha's initiative, so its pages include one
    "runbook": "provider-outage", "title": "Model provider outage", "topics": ["provider-outage"], "severity": "sev2",
    "triggers": [{"alert": "llm-provider-5xx-rate"}], "impact": "Agents get no drafted answer.\n",
    "diagnosis": [{"step": "Check the status page", "effect": "read-only"}],
    "mitigation": [{"step": "Fall back to the second provider", "command": "flagctl set model fallback", "effect": "write"}],
    "rollback": {"kill_switch": "flag support-assistant.enabled", "pinned": {"model": "gpt-x-2026-05-01"},
                 "steps": [{"step": "Set the model flag back", "effect": "write"}]},
    "verify": [{"step": "5xx under 1 % for 15 minutes"}],
    "escalation": [{"after_minutes": 0, "contact": "@org/support-oncall"}],
    "exercises": [{"date": "2026-10-20", "kind": "game-day", "outcome": "passed", "evidence": "https://wiki.example.com/gd"}],
}


@pytest.mark.slow
def test_each_source_has_its_own_sites_pages_under_its_own_folder_and_every_link_resolves(world):
    """A source's initiative page as its own site shows it (readiness, checklist rows, its
    decision and runbook), under sources/<name>/, linked from the board, ids as source/id."""
    hub, alpha = world["hub"], world["alpha"]
    alpha.write("decisions/support-assistant/runbooks/provider-outage.yaml", RUNBOOK)
    pinned = commit(alpha.root, "2026-11-24", "a runbook")
    assert run("lock", str(hub)).exit_code == 0
    result = run("build", str(hub), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    site = hub / "site"
    pages = _site_text(site)
    page = pages["sources/alpha/initiatives/support-assistant/index.html"]
    body = page.split("<article", 1)[1]
    assert "<h1" in body and "Customer support assistant</h1>" in body
    # the line the hub adds: source/id, the pin and its date, a link to the source's hub page
    assert (f'<b>alpha/support-assistant</b> · From <a href="../../hub/">alpha</a> at <code>{pinned[:12]}</code> '
            "(2026-11-24)") in body
    assert 'id="readiness"' in body and "current stage <b>canary</b>" in body
    for item in ("security-review--threat-model", "security-review--rag-access-control", "security-review--pen-test",
                 "on-call--pager-rotation"):  # the checklist rows, each with its anchor as on a single site
        assert f'id="item-{item}"' in body, item
    assert 'href="decisions/0001-rag-over-fine-tuning/"' in body and 'href="runbooks/provider-outage/"' in body
    decision = pages["sources/alpha/initiatives/support-assistant/decisions/0001-rag-over-fine-tuning/index.html"]
    assert "Use RAG rather than fine-tuning" in decision and "<b>alpha/support-assistant</b>" in decision
    runbook = pages["sources/alpha/initiatives/support-assistant/runbooks/provider-outage/index.html"]
    assert "flagctl set model fallback" in runbook
    assert "Model provider outage" in pages["sources/alpha/oncall/index.html"]
    assert 'href="sources/alpha/initiatives/support-assistant/">alpha/support-assistant</a>' in pages["index.html"]
    # Launchboard's own reference pages and the tags page are not repeated per source
    for left_out in ("reference", "codes", "formats", "cli", "contribute", "tags", "trends"):
        assert not (site / "sources" / "alpha" / left_out).exists(), left_out
    # each source's files only under its own folder; the hub's own pages beside them
    assert sorted(p.name for p in (site / "sources").iterdir()) == ["alpha", "beta", "hostile"]
    assert {p.name for p in site.iterdir()} <= {"index.html", "404.html", "assets", "search", "sources", "sitemap.xml",
                                                "sitemap.xml.gz", ".launchboard-output"}
    # search: the entries written from each source's records, titled with their source
    docs = json.loads((site / "search" / "search_index.json").read_text())["docs"]
    own = [d for d in docs if d["location"] == "sources/alpha/initiatives/support-assistant/"]
    assert [d["title"] for d in own] == ["alpha · Initiative · Customer support assistant"]
    # `source/id` finds it too: its words (Material's separator splits at -), less those its name holds
    assert "alpha/support" in own[0]["ref"].split() and "assistant" in own[0]["name"].split()
    assert any(d["title"].startswith("hostile · ") and "&lt;script&gt;" in d["title"] for d in docs)
    assert broken_links(site) == []
    assert not world["marker"].exists()


@pytest.mark.slow
def test_the_hub_site_is_the_same_byte_for_byte_however_its_pages_are_made(world, monkeypatch):
    """Sources rendered and pages converted in forked workers, or all in one process, or every
    page converted by MkDocs's hook instead of on a worker's core: the same site."""
    import generator.hub.site as hub_site

    hub = world["hub"]
    assert run("lock", str(hub)).exit_code == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764590400")  # the sitemap's date
    convert = hub_site._convert

    def build(label: str) -> dict:
        assert run("build", str(hub), "--as-of", AS_OF, "-d", str(hub / label)).exit_code == 0
        return {p.relative_to(hub / label): p.read_bytes() for p in sorted((hub / label).rglob("*")) if p.is_file()}

    monkeypatch.setenv("LAUNCHBOARD_JOBS", "2")
    forked = build("forked")
    monkeypatch.setenv("LAUNCHBOARD_JOBS", "1")  # from here the workers' code runs in this process
    assert build("one-process") == forked and len(forked) > 50
    monkeypatch.setattr(hub_site, "_convert", lambda *args: {})
    assert build("converted-by-mkdocs") == forked
    # and the hook does use the workers' conversions (here marked) for the text they were made from
    monkeypatch.setattr(hub_site, "_convert", lambda *args: {k: (d, h + "<p>MARK</p>", *rest) for k, (d, h, *rest)
                                                             in convert(*args).items()})
    marked = build("marked")
    page = Path("sources/alpha/initiatives/support-assistant/index.html")
    assert b"<p>MARK</p>" in marked[page] and b"MARK" not in forked[page]


def test_no_file_is_written_twice_or_outside_its_folder(tmp_path):
    """Every page is created, never overwritten: a source cannot replace the hub's or another
    source's file, and a name that is not a source name never becomes a folder."""
    from generator.hub.site import source_folder, write_pages

    write_pages(tmp_path, {"sources/a/index.md": "# a\n"})
    with pytest.raises(RuntimeError, match="twice"):
        write_pages(tmp_path, {"sources/a/index.md": "# replaced\n"})
    assert (tmp_path / "sources" / "a" / "index.md").read_text() == "# a\n"
    with pytest.raises(RuntimeError, match="outside"):
        write_pages(tmp_path, {"sources/../../escape.md": "x"})
    for name in ("a/b", "..", "a/../b", "A", "", "-a"):
        with pytest.raises(ValueError):
            source_folder(name)
    assert source_folder("payments-eu") == "sources/payments-eu"


@pytest.mark.slow
def test_build_shows_every_source_on_one_board_and_nothing_hostile_becomes_markup(world):
    hub, alpha = world["hub"], world["alpha"]
    older = head(alpha)
    alpha.edit("decisions/support-assistant/initiative.yaml", lambda d: d.update(title="Renamed after the pin"))
    newer = commit(alpha.root, "2026-11-26", "rename")
    assert run("lock", str(hub)).exit_code == 0
    text = (hub / "hub.yaml").read_text().replace(newer, older)  # alpha's pin is behind its branch
    (hub / "hub.yaml").write_text(text)
    result = run("build", str(hub), "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    site = hub / "site"
    pages = _site_text(site)
    board = pages["index.html"]
    for name in ("alpha", "beta", "hostile"):
        assert f'<tr data-source="{name}"><td>{name}</td><td><a href="sources/{name}/initiatives/support-assistant/">' \
               f"{name}/support-assistant</a>" in board
        assert f"sources/{name}/initiatives/support-assistant/index.html" in pages
    assert f"<code>{older[:12]}</code>" in board and "behind its branch (2026-11-26)" in board
    assert "Customer support assistant" in board and "Renamed after the pin" not in board  # read at the pin
    assert "<td>policy waiver_max_days (90 → 365)</td>" in board  # beta's drift, on the board
    # beta's weaker policy is on its page; the hostile source fails its gates and says why.
    beta = pages["sources/beta/hub/index.html"]
    assert "waiver_max_days" in beta and "365" in beta
    hostile = pages["sources/hostile/hub/index.html"]
    assert "fails its own gates" in hostile and "LB212" in hostile
    # ... and on its own initiative page, as its own site would show it
    assert "LB212" in pages["sources/hostile/initiatives/support-assistant/index.html"]
    # The hostile title is text everywhere; its templates/ page and mkdocs.yml were never used.
    for path, html_text in pages.items():
        # no live tag: the hostile text stays text (nh3 writes `=` back as itself inside text)
        assert "<script>alert" not in html_text and "<img src=x" not in html_text, path
        assert "alert('template')" not in html_text and "__mro__" not in html_text, path
    assert "&lt;script&gt;alert(" in pages["sources/hostile/initiatives/support-assistant/index.html"]
    assert "&lt;script&gt;alert(" in pages["sources/hostile/index.html"]  # its own board, a source page too
    # no script (but the hub's own filter script), handler or dangerous URL anywhere
    assert [f for f in scan_site(site, marker="alert") if not f.endswith("assets/hub.js'")] == []
    assert not world["marker"].exists()
    assert (site / ".launchboard-output").is_file() and (site / "assets" / "hub.js").is_file()


@pytest.mark.slow
def test_build_offline_links_pages_and_a_source_that_cannot_be_read_leaves_the_old_site(world):
    hub = world["hub"]
    assert run("lock", str(hub)).exit_code == 0
    assert run("build", str(hub), "--offline", "--as-of", AS_OF).exit_code == 0
    board = (hub / "site" / "index.html").read_text()
    assert 'href="sources/alpha/initiatives/support-assistant/index.html"' in board
    assert broken_links(hub / "site") == []
    before = sorted(p.relative_to(hub / "site") for p in (hub / "site").rglob("*"))
    shutil.rmtree(hub / ".launchboard-cache")
    shutil.rmtree(world["beta"].root)
    failed = run("build", str(hub), "--as-of", AS_OF)
    assert failed.exit_code == 2 and "source beta: cannot fetch ../beta" in failed.output
    assert sorted(p.relative_to(hub / "site") for p in (hub / "site").rglob("*")) == before
    assert [p.name for p in hub.iterdir() if p.name.startswith(".hub-site")] == []


def test_lock_pins_an_annotated_tag_to_its_commit_and_a_missing_ref_exits_2(world):
    hub, beta = world["hub"], world["beta"]
    tagged = head(beta)
    git(beta.root, "tag", "-a", "v1", "-m", "reviewed", day="2026-11-24")
    commit(beta.root, "2026-11-25", "after the tag")
    (hub / "hub.yaml").write_text("sources:\n  - {name: beta, repo: ../beta, ref: v1}\n")
    assert run("lock", str(hub)).exit_code == 0
    assert core.load_hub(hub).sources[0].commit == tagged
    result = json.loads(run("check", str(hub), "--format", "json", "--as-of", AS_OF).output)
    assert result["sources"][0]["commit"] == tagged and result["sources"][0]["ok"]
    (hub / "hub.yaml").write_text("sources:\n  - {name: beta, repo: ../beta, ref: no-such-branch}\n")
    missing = run("lock", str(hub))
    assert missing.exit_code == 2 and "source beta: ../beta has no branch or tag 'no-such-branch'" in missing.output


def test_the_hub_site_sanitises_every_page_as_the_plugin_does(tmp_path):
    """Escaping where source text enters a page is the first layer; nh3 over each page's HTML
    (generator/hub/hooks.py) is the second, as on a single repository's site."""
    from generator.hub.site import build_site, write_pages

    target = tmp_path / "site"
    pages = {"index.md": "# Board\n\n<script>alert(1)</script>\n\n<a href=\"javascript:alert(1)\">x</a>\n",
             "sources/a/hub.md": "# a\n"}
    build_site(target, True, lambda docs: (write_pages(docs, pages), [{"Board": "index.md"}, {"a": "sources/a/hub.md"}])[1])
    html = (target / "index.html").read_text(encoding="utf-8")
    body = html.split('<article', 1)[1].split('</article>', 1)[0]
    assert "alert(1)</script>" not in body and "javascript:" not in body


def test_a_committed_cache_repository_cannot_choose_what_git_runs(world, tmp_path):
    """A hub pull request (or a restored CI cache) can hold `.launchboard-cache/hub/<name>.git`
    as a real folder with its own config: core.sshCommand and url.*.insteadOf would make git run
    a command. The cache's config is rewritten to the plain bare one before git reads it."""
    hub, pwned = world["hub"], tmp_path / "PWN-committed-cache"
    for name in ("alpha", "beta", "hostile"):
        bare = hub / ".launchboard-cache" / "hub" / f"{name}.git"
        (bare / "objects").mkdir(parents=True)
        (bare / "refs").mkdir()
        (bare / "HEAD").write_text("ref: refs/heads/main\n")
        (bare / "config").write_text(
            f"[core]\n\tbare = true\n\tsshCommand = touch {pwned}; false\n"
            f"[url \"ssh://evil.invalid/x\"]\n\tinsteadOf = {world[name].root}\n")
    result = run("lock", str(hub))
    assert not pwned.exists(), result.output
    assert result.exit_code == 0, result.output
    assert "sshCommand" not in (hub / ".launchboard-cache" / "hub" / "alpha.git" / "config").read_text()


def test_a_commit_dated_past_the_year_2999_breaks_nothing(world):
    alpha = world["alpha"]
    assert run("lock", str(world["hub"])).exit_code == 0
    (alpha.root / "NOTES.md").write_text("from the far future\n")
    git(alpha.root, "add", "-A")
    env_day = "@253402300800 +0000"  # 10000-01-01: past what Python's dates hold
    subprocess.run(["git", "-C", str(alpha.root), "commit", "-q", "-m", "future"], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_DATE": env_day, "GIT_COMMITTER_DATE": env_day,
                        "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
                        "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com"})
    result = run("check", str(world["hub"]), "--as-of", AS_OF)
    assert result.exit_code in (0, 1) and "Traceback" not in result.output, result.output
    history = CliRunner().invoke(main, ["history", str(alpha.root), "--as-of", AS_OF])
    assert history.exit_code == 0, history.output


def test_evidence_that_is_a_file_of_the_source_counts_as_in_its_own_check(world):
    alpha = world["alpha"]
    (alpha.root / "docs").mkdir()
    (alpha.root / "docs" / "threat-model.md").write_text("# Threat model\n")
    alpha.edit("decisions/support-assistant/checklists/security-review.yaml",
               lambda d: d["items"]["threat-model"].update(evidence="docs/threat-model.md"))
    commit(alpha.root, "2026-11-24", "evidence in the repository")
    own = CliRunner().invoke(main, ["check", str(alpha.root), "--as-of", AS_OF, "--format", "json"])
    assert run("lock", str(world["hub"])).exit_code == 0
    result = run("check", str(world["hub"]), "--as-of", AS_OF, "--format", "json")
    (source,) = [s for s in json.loads(result.stdout)["sources"] if s["name"] == "alpha"]
    assert "LB213" not in {p["code"] for p in source["errors"]}
    assert source["ok"] == (json.loads(own.stdout)["problems"] == [] or own.exit_code == 0)
