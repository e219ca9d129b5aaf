"""`launchboard import adr`: MADR (with and without front matter) and adr-tools/Nygard records."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.authoring import importer
from generator.cli import main
from generator.core.loader import load_document
from tests.kit import AS_OF, Repo

MADR3 = """\
---
status: accepted
date: 2024-03-18
deciders: "@alice, Bob Example"
consulted: Security team
informed: everyone
---
# Retrieve from the help centre instead of fine-tuning

## Context and Problem Statement

Answers must cite the current article. Articles change daily.

## Decision Drivers

* Freshness of knowledge
* Cost of labelled data

## Considered Options

* Retrieval-augmented generation over the help centre
* Fine-tune a model on past tickets
* Long prompt with the top articles pasted in

## Decision Outcome

Chosen option: "Retrieval-augmented generation over the help centre", because it stays current without retraining.

### Consequences

* Good, because answers cite the current article.
* Bad, because we operate a vector index.

### Confirmation

The evaluation suite checks citations weekly.

## Pros and Cons of the Options

### Retrieval-augmented generation over the help centre

Embed the articles and retrieve the top five per question.

* Good, because fresh
* Neutral, because latency is similar
* Bad, because an index to run

### Fine-tune a model on past tickets

* Good, because fast at inference
* Bad, because stale after a week

## More Information

Revisit when the corpus passes a million articles.
"""

MADR2 = """\
# Use a managed vector database

* Status: superseded by [ADR-0004](0004-self-host-pgvector.md)
* Deciders: @alice, @org/platform
* Date: 2023-05-02

Technical Story: PLAT-1234

## Context and Problem Statement

We need somewhere to keep embeddings.

## Considered Options

* Managed vector database from a vendor
* pgvector in our PostgreSQL

## Decision Outcome

Chosen option: "Managed vector database from a vendor", because we have no one to run it.

### Positive Consequences

* Nothing to operate

### Negative Consequences

* Per-query cost

## Links

* Superseded by [ADR-0004](0004-self-host-pgvector.md)
"""

MADR2_NEWER = """\
# Self-host pgvector

* Status: accepted
* Deciders: @org/platform
* Date: 2024-01-10

## Context and Problem Statement

The vendor bill grew tenfold.

## Considered Options

* pgvector in our PostgreSQL
* Stay with the vendor

## Decision Outcome

Chosen option: "pgvector in our PostgreSQL", because the platform team now runs PostgreSQL anyway.
"""

NYGARD_1 = """\
# 1. Record architecture decisions

Date: 2016-02-12

## Status

Accepted

Superseded by [2. Record decisions as YAML](0002-record-decisions-as-yaml.md)

## Context

We need to record the architectural decisions made on this project.

## Decision

We will use Architecture Decision Records, as described by Michael Nygard.

## Consequences

See Michael Nygard's article, linked above. For a lightweight ADR toolset, see Nat Pryce's adr-tools.
"""

NYGARD_2 = """\
# 2. Record decisions as YAML

Date: 2016-03-01

## Status

Accepted

Supersedes [1. Record architecture decisions](0001-record-architecture-decisions.md)

## Context

Markdown records cannot be checked by CI.

## Decision

We will keep decisions as YAML checked by a schema, and prompt an LLM to draft them.

## Consequences

* Good, because CI checks every record.
* Bad, because YAML is less pleasant to write.
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo.valid(tmp_path / "gov")
    result = run("new", "initiative", "legacy", "--owner", "@carol", "--no-checklists", "--as-of", AS_OF,
                 "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    return repo


def write_dir(folder: Path, files: dict[str, str]) -> dict[str, tuple[bytes, int]]:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return snapshot(folder)


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def read(repo: Repo, relative: str) -> dict:
    return load_document(repo.path(relative), repo.root).data


def structural_problems(repo: Repo) -> list[str]:
    """Everything but the approach match, which depends on what the team decided."""
    return [f"{p.location} {p.code} {p.message}" for p in repo.check().problems
            if p.initiative == "legacy" and p.code != "LB130"]


def test_madr_3_with_front_matter(repo: Repo, tmp_path: Path) -> None:
    source = tmp_path / "docs" / "decisions"
    before = write_dir(source, {"0007-retrieve-from-help-centre.md": MADR3, "README.md": "# Decisions\n"})
    result = run("import", "adr", str(source), "legacy", "--as-of", AS_OF, "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    path = "decisions/legacy/adr/0007-retrieve-from-the-help-centre-instead-of-fine.yaml"
    assert f"created {path}" in result.output
    data = read(repo, path)
    assert data["number"] == 7
    assert data["title"] == "Retrieve from the help centre instead of fine-tuning"
    assert data["status"] == "accepted"
    assert data["date"] == "2024-03-18"
    assert data["deciders"] == ["@alice"]
    assert "Answers must cite the current article." in data["context"]
    assert "Freshness of knowledge" in data["context"]  # decision drivers kept with the context
    ids = [o["id"] for o in data["options"]]
    assert ids == ["retrieval-augmented-generation-over-the-help-centre", "fine-tune-a-model-on-past-tickets",
                   "long-prompt-with-the-top-articles-pasted-in"]
    assert [o["approach"] for o in data["options"]] == ["rag", "fine-tune", "prompt"]
    rag = data["options"][0]
    assert rag["summary"] == "Embed the articles and retrieve the top five per question."
    assert rag["pros"] == ["fresh"] and rag["cons"] == ["an index to run"]
    assert data["outcome"] == {"chosen": ids[0], "rationale": "It stays current without retraining."}
    assert data["consequences"] == {"positive": ["answers cite the current article."],
                                    "negative": ["we operate a vector index."]}
    extra = data["x-imported"]
    assert extra["deciders"] == ["Bob Example"]
    assert extra["consulted"] == "Security team"
    assert "citations weekly" in extra["confirmation"]
    assert "million articles" in extra["more-information"]
    # what could not be mapped is reported
    output = result.output
    assert "Bob Example are not @handles" in output
    assert "README.md: skipped" in output
    assert "approach guessed 'rag'" in output
    assert "the initiative's approach is prompt but this, the latest accepted decision, chose a rag option" in output
    assert snapshot(source) == before  # the originals are untouched
    assert structural_problems(repo) == []
    text = repo.path(path).read_text()
    assert text.startswith("# yaml-language-server: $schema=../../../schemas/decision.schema.json\n")


def test_madr_2_bullets_and_supersession(repo: Repo, tmp_path: Path) -> None:
    source = tmp_path / "adr"
    write_dir(source, {"0003-use-managed-vector-db.md": MADR2, "0004-self-host-pgvector.md": MADR2_NEWER})
    result = run("import", "adr", str(source), "legacy", "--as-of", AS_OF, "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    old = read(repo, "decisions/legacy/adr/0003-use-a-managed-vector-database.yaml")
    new = read(repo, "decisions/legacy/adr/0004-self-host-pgvector.yaml")
    assert old["status"] == "superseded"
    assert old["deciders"] == ["@alice", "@org/platform"]
    assert old["date"] == "2023-05-02"
    assert "PLAT-1234" in old["context"]
    assert [o["approach"] for o in old["options"]] == ["rag", "no-llm"]  # guessed from "vector database"
    assert old["outcome"]["chosen"] == "managed-vector-database-from-a-vendor"
    assert old["consequences"] == {"positive": ["Nothing to operate"], "negative": ["Per-query cost"]}
    assert new["supersedes"] == [3]
    assert new["status"] == "accepted"
    assert new["outcome"]["chosen"] == "pgvector-in-our-postgresql"
    assert structural_problems(repo) == []


def test_nygard_adr_tools_records(repo: Repo, tmp_path: Path) -> None:
    source = tmp_path / "doc" / "adr"
    before = write_dir(source, {
        "0001-record-architecture-decisions.md": NYGARD_1,
        "0002-record-decisions-as-yaml.md": NYGARD_2,
    })
    result = run("import", "adr", str(source), "legacy", "--decider", "@carol", "--as-of", AS_OF,
                 "--root", str(repo.root))
    assert result.exit_code == 0, result.output
    first = read(repo, "decisions/legacy/adr/0001-record-architecture-decisions.yaml")
    second = read(repo, "decisions/legacy/adr/0002-record-decisions-as-yaml.yaml")
    assert (first["number"], first["title"], first["date"]) == (1, "Record architecture decisions", "2016-02-12")
    assert first["status"] == "superseded"
    assert first["deciders"] == ["@carol"]
    assert first["context"] == "We need to record the architectural decisions made on this project."
    # a Nygard record has no options: the decision becomes the single, chosen one
    assert [o["id"] for o in first["options"]] == ["record-architecture-decisions"]
    assert first["outcome"]["chosen"] == "record-architecture-decisions"
    assert first["outcome"]["rationale"].startswith("We will use Architecture Decision Records")
    # prose that says neither good nor bad is filed by its wording, and the output says so
    assert first["consequences"] == {"positive": [
        "See Michael Nygard's article, linked above. For a lightweight ADR toolset, see Nat Pryce's adr-tools."]}
    assert "1 consequence(s) not marked good or bad: filed by their wording as 1 positive and 0 negative" in result.output
    assert second["supersedes"] == [1]
    assert second["status"] == "accepted"
    assert second["options"][0]["approach"] == "prompt"
    assert second["consequences"] == {"positive": ["CI checks every record."],
                                      "negative": ["YAML is less pleasant to write."]}
    assert "no options listed" in result.output
    assert snapshot(source) == before
    assert structural_problems(repo) == []


def test_never_overwrites_and_refuses_number_clashes(repo: Repo, tmp_path: Path) -> None:
    source = tmp_path / "adr"
    write_dir(source, {"0001-record-architecture-decisions.md": NYGARD_1,
                       "0002-record-decisions-as-yaml.md": NYGARD_2})
    assert run("import", "adr", str(source), "legacy", "--root", str(repo.root), "--as-of", AS_OF).exit_code == 0
    adr = repo.root / "decisions" / "legacy" / "adr"
    written = snapshot(adr)
    again = run("import", "adr", str(source), "legacy", "--root", str(repo.root), "--as-of", AS_OF)
    assert again.exit_code == 2
    assert "--renumber" in again.output
    assert snapshot(adr) == written
    renumbered = run("import", "adr", str(source), "legacy", "--renumber", "--root", str(repo.root), "--as-of", AS_OF)
    assert renumbered.exit_code == 0, renumbered.output
    assert read(repo, "decisions/legacy/adr/0004-record-decisions-as-yaml.yaml")["supersedes"] == [3]
    assert snapshot(adr) | written == snapshot(adr)  # the first two are unchanged


def test_an_existing_target_file_stops_the_whole_import(repo: Repo, tmp_path: Path) -> None:
    source = tmp_path / "adr"
    write_dir(source, {"0005-a.md": "# A\n\n## Context\n\nx\n", "0006-b.md": "# B\n\n## Context\n\ny\n"})
    repo.write("decisions/legacy/adr/0006-b.yaml", "keep me\n")
    result = run("import", "adr", str(source), "legacy", "--root", str(repo.root))
    assert result.exit_code == 2
    assert repo.path("decisions/legacy/adr/0006-b.yaml").read_text() == "keep me\n"
    assert not repo.path("decisions/legacy/adr/0005-a.yaml").exists()


def test_dry_run_writes_nothing(repo: Repo, tmp_path: Path) -> None:
    source = tmp_path / "adr"
    write_dir(source, {"0001-x.md": MADR3})
    result = run("import", "adr", str(source), "legacy", "--dry-run", "--root", str(repo.root))
    assert result.exit_code == 0
    assert "# would create decisions/legacy/adr/0001-" in result.output
    assert not (repo.root / "decisions" / "legacy" / "adr").exists()


def test_unknown_initiative_and_empty_folder(repo: Repo, tmp_path: Path) -> None:
    source = tmp_path / "adr"
    write_dir(source, {"0001-x.md": MADR3})
    assert run("import", "adr", str(source), "nobody", "--root", str(repo.root)).exit_code == 2
    assert run("import", "adr", str(source), "../x", "--root", str(repo.root)).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("import", "adr", str(empty), "legacy", "--root", str(repo.root))
    assert result.exit_code == 2
    assert "no Markdown decision records" in result.output


def test_hostile_front_matter_is_ignored() -> None:
    bomb = "---\na: &a [x, x]\nb: &b [*a, *a]\nstatus: *b\n---\n# T\n\n## Context\n\nc\n"
    record = importer.parse_record(bomb, "0001-t.md")
    assert record.status == "proposed"
    assert any("anchors" in n for n in record.notes)
    tagged = importer.parse_record("---\nstatus: !!python/object:os.system x\n---\n# T\n", "0002-t.md")
    assert any("anchors, aliases or tags" in n for n in tagged.notes)


def test_madr_4_decision_makers_and_status_words() -> None:
    text = "---\nstatus: approved\ndate: 2025-01-05\ndecision-makers: ['@alice', '@bob']\n---\n# Use prompts\n\n## Context and Problem Statement\n\nx\n"
    record = importer.parse_record(text, "0009-use-prompts.md")
    assert (record.number, record.status, record.date, record.deciders) == (9, "accepted", "2025-01-05", ["@alice", "@bob"])
    assert any("mapped to accepted" in n for n in record.notes)


def test_import_as_a_process(repo: Repo, tmp_path: Path) -> None:
    source = tmp_path / "adr"
    write_dir(source, {"0001-record-architecture-decisions.md": NYGARD_1})
    done = subprocess.run(
        [sys.executable, "-m", "generator", "import", "adr", str(source), "legacy", "--as-of", AS_OF],
        cwd=repo.root, capture_output=True, text=True, check=False, env=dict(os.environ, NO_COLOR="1"),
    )
    assert done.returncode == 0, done.stderr
    assert "created decisions/legacy/adr/0001-record-architecture-decisions.yaml" in done.stdout
    assert "superseded by a record that was not imported; status set to deprecated" in done.stderr


def test_output_cannot_carry_workflow_commands(repo: Repo, tmp_path: Path) -> None:
    source = tmp_path / "adr"
    write_dir(source, {"0001-x.md": "# ##[error]title\n\n## Context\n\n::error file=x::pwned\n  ::warning::indented\n"})
    result = run("import", "adr", str(source), "legacy", "--dry-run", "--root", str(repo.root))
    assert result.exit_code == 0
    for line in result.output.splitlines():
        assert not line.lstrip().startswith("::"), line
        assert "##[" not in line, line


def test_unquoted_chosen_option_matches_a_listed_option() -> None:
    text = ("# Pick a format\n\n## Considered Options\n\n* MADR 3.0.0\n* Nygard\n\n"
            "## Decision Outcome\n\nChosen option: MADR 3.0.0, because it is lean.\n")
    record = importer.parse_record(text, "0001-pick.md")
    assert [o["id"] for o in record.options] == ["madr-3-0-0", "nygard"]
    assert record.chosen == "madr-3-0-0"
    assert record.rationale == "It is lean."
