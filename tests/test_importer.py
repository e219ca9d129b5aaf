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
from tests.conftest import run
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
    """Everything but the approach match, which depends on what the team decided, and the
    TODO text of the initiative the import scaffolds around the records (LB316)."""
    return [f"{p.location} {p.code} {p.message}" for p in repo.check().problems
            if p.initiative == "legacy" and p.code != "LB130"
            and not (p.code == "LB316" and p.location.file.endswith("/initiative.yaml"))]


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


# --------------------------------------------------------------------------- shapes found in real folders
# Each fixture below is written for this file, in the shape of a record a real ADR folder holds.


def import_folder(repo: Repo, folder: Path, files: dict[str, str], *extra: str):
    write_dir(folder, files)
    result = CliRunner().invoke(
        main, ["import", "adr", str(folder), "legacy", "--as-of", AS_OF, "--root", str(repo.root), *extra],
        catch_exceptions=False)
    assert result.exit_code == 0, result.output + result.stderr
    return result


def adr(repo: Repo, name: str) -> dict:
    matches = sorted((repo.root / "decisions" / "legacy" / "adr").glob(f"{name}*.yaml"))
    assert len(matches) == 1, matches
    return read(repo, matches[0].relative_to(repo.root).as_posix())


def test_a_record_numbered_zero_follows_the_highest_and_keeps_its_links(repo: Repo, tmp_path: Path) -> None:
    first = ("---\nstatus: accepted\ndate: 2022-04-01\n---\n# Keep decisions in Markdown\n\n"
             "## Context and Problem Statement\n\nWe lose track of why things are as they are.\n\n"
             "## Considered Options\n\n* Markdown files\n* A wiki\n\n## Decision Outcome\n\n"
             "Chosen option: \"Markdown files\", because they live next to the code.\n")
    later = ("---\nstatus: accepted\ndate: 2023-02-01\n---\n# Keep decisions in YAML\n\n"
             "## Context and Problem Statement\n\nCI cannot check Markdown.\n\n"
             "## Considered Options\n\n* YAML files\n* Markdown files\n\n## Decision Outcome\n\n"
             "Chosen option: \"YAML files\", because a schema can check them.\n\n"
             "## More Information\n\nSupersedes [ADR-0000](0000-keep-decisions-in-markdown.md)\n")
    result = import_folder(repo, tmp_path / "adr", {
        "0000-keep-decisions-in-markdown.md": first,
        "0001-name-files-with-dashes.md": "# Name files with dashes\n\n## Context\n\nSpaces break links.\n",
        "0002-keep-decisions-in-yaml.md": later,
    })
    zero = adr(repo, "0003-keep-decisions-in-markdown")  # after the highest, 2; the others keep theirs
    assert (zero["number"], zero["title"], zero["date"]) == (3, "Keep decisions in Markdown", "2022-04-01")
    assert zero["status"] == "superseded"
    assert adr(repo, "0001-name-files-with-dashes")["number"] == 1
    yaml_record = adr(repo, "0002-keep-decisions-in-yaml")
    assert yaml_record["supersedes"] == [3] and yaml_record["status"] == "accepted"
    assert ("0000-keep-decisions-in-markdown.md: number 0 is not allowed (decisions are numbered from 1): "
            "imported as 3, after the highest") in result.stderr
    assert structural_problems(repo) == []


OPTIONS_AS_SUBSECTIONS = """\
# 7. Send reminders from a queue

Date: 2024-06-03

## Status

Accepted

## Context

Reminders are late when the nightly job overruns.

## Options

### Option 1: Keep the nightly cron job

Run the reminder script at 02:00 as today.

**Pros**:
- Nothing to build
- Operators know it

**Cons**:
- Late when the job overruns
  - and it overruns every month end
- One failure delays every reminder

### Option 2: Publish each reminder to a queue (Chosen)

A worker sends each reminder when it falls due.

**Pros**:
- On time
- One failure delays one reminder

**Cons**:
- A queue to run

## Decision

We publish reminders to the queue from June.

## Consequences

### Positive

- Reminders arrive on time

### Negative

- The platform team runs one more queue
"""


def test_options_written_as_subsections_with_pros_and_cons_groups(repo: Repo, tmp_path: Path) -> None:
    import_folder(repo, tmp_path / "adr", {"0007-send-reminders-from-a-queue.md": OPTIONS_AS_SUBSECTIONS},
                  "--decider", "@carol")
    record = adr(repo, "0007-")
    assert (record["title"], record["status"], record["date"]) == ("Send reminders from a queue", "accepted", "2024-06-03")
    cron, queue = record["options"]
    assert [cron["id"], queue["id"]] == ["keep-the-nightly-cron-job", "publish-each-reminder-to-a-queue"]
    assert cron["summary"] == "Run the reminder script at 02:00 as today."
    assert cron["pros"] == ["Nothing to build", "Operators know it"]
    assert cron["cons"] == ["Late when the job overruns - and it overruns every month end",
                            "One failure delays every reminder"]
    assert queue["pros"] == ["On time", "One failure delays one reminder"] and queue["cons"] == ["A queue to run"]
    assert record["outcome"]["chosen"] == "publish-each-reminder-to-a-queue"  # from "(Chosen)" in its heading
    assert record["outcome"]["rationale"] == "We publish reminders to the queue from June."
    assert record["consequences"] == {"positive": ["Reminders arrive on time"],
                                      "negative": ["The platform team runs one more queue"]}
    assert structural_problems(repo) == []


def test_more_options_than_a_decision_may_list_keep_the_chosen_one(repo: Repo, tmp_path: Path) -> None:
    names = [f"Colour scheme {chr(65 + n)}" for n in range(12)]
    text = ("# Pick a colour scheme\n\n* Status: accepted\n* Date: 2024-01-02\n\n## Context and Problem Statement\n\n"
            "Pick one.\n\n## Considered Options\n\n" + "".join(f"* {n}\n" for n in names)
            + "\n## Decision Outcome\n\nChosen option: \"Colour scheme L\", because it is legible.\n")
    result = import_folder(repo, tmp_path / "adr", {"0004-pick-a-colour-scheme.md": text})
    record = adr(repo, "0004-")
    ids = [o["id"] for o in record["options"]]
    assert len(ids) == 10 and record["outcome"]["chosen"] == "colour-scheme-l" and "colour-scheme-l" in ids
    assert record["x-imported"]["options-beyond-10"] == ["Colour scheme J", "Colour scheme K"]
    assert "12 options, more than the 10 a decision may list" in result.stderr
    assert structural_problems(repo) == []


def test_date_named_records_keep_their_supersession_links(repo: Repo, tmp_path: Path) -> None:
    older = ("# Store sessions in cookies\n\n- Status: superseded by [20210915-store-sessions-in-redis]"
             "(20210915-store-sessions-in-redis.md)\n- Date: 2021-03-02\n\n## Context and Problem Statement\n\n"
             "Sessions must survive a restart.\n\n## Considered Options\n\n- Cookies\n- Redis\n\n"
             "## Decision Outcome\n\nChosen option: \"Cookies\", because there is nothing to run.\n")
    newer = ("# Store sessions in Redis\n\n- Status: accepted\n- Date: 2021-09-15\n\n"
             "## Context and Problem Statement\n\nCookies grew past 4 KB.\n\n## Considered Options\n\n"
             "- Redis\n- Cookies\n\n## Decision Outcome\n\nChosen option: \"Redis\", because sessions outgrew cookies.\n\n"
             "## Links\n\n- Supersedes [20210302-store-sessions-in-cookies](20210302-store-sessions-in-cookies.md)\n")
    result = import_folder(repo, tmp_path / "adr", {
        "20210302-store-sessions-in-cookies.md": older, "20210915-store-sessions-in-redis.md": newer,
        "index.md": "# Decision log\n"}, "--decider", "@carol")
    old, new = adr(repo, "0001-store-sessions-in-cookies"), adr(repo, "0002-store-sessions-in-redis")
    assert (old["date"], new["date"]) == ("2021-03-02", "2021-09-15")
    assert old["status"] == "superseded"  # not deprecated: the link to the newer record was followed
    assert new["supersedes"] == [1] and new["status"] == "accepted"
    assert "2021," not in result.stderr and "link dropped" not in result.stderr
    assert structural_problems(repo) == []


NYGARD_PROSE = """\
# 3. Write the tool as shell scripts

Date: 2019-05-20

## Status

Accepted

## Context

The tool must run wherever git runs.

## Decision

We will write it in portable shell.

## Consequences

Records stay plain text, so they can be written by hand in any editor.

Windows users will have to install a Unix shell first.
"""


def test_nygard_prose_consequences_reach_the_record(repo: Repo, tmp_path: Path) -> None:
    result = import_folder(repo, tmp_path / "adr", {"0003-write-the-tool-as-shell-scripts.md": NYGARD_PROSE},
                           "--decider", "@carol")
    record = adr(repo, "0003-")
    assert record["consequences"] == {
        "positive": ["Records stay plain text, so they can be written by hand in any editor."],
        "negative": ["Windows users will have to install a Unix shell first."],
    }
    assert "consequences" not in record["x-imported"]
    assert "2 consequence(s) not marked good or bad: filed by their wording as 1 positive and 1 negative" in result.stderr
    assert structural_problems(repo) == []


def madr2_without_chosen_line(outcome: str) -> str:
    return ("# Report errors as values\n\n- Status: accepted\n- Date: 2023-08-14\n\n"
            "## Context and Problem Statement\n\nThrown errors carry no type.\n\n## Considered Options\n\n"
            "- keep throwing exceptions as the language intends\n- return a Result value from the neverthrow library\n\n"
            f"## Decision Outcome\n\n{outcome}\n")


def test_a_choice_that_cannot_be_read_is_not_guessed(repo: Repo, tmp_path: Path) -> None:
    result = import_folder(repo, tmp_path / "adr", {
        # names neither option: nothing to read
        "0001-report-errors.md": madr2_without_chosen_line("We will look at this again next quarter."),
        # names one option, but to say no to it
        "0002-report-errors.md": madr2_without_chosen_line("We do not adopt neverthrow for now."),
        # names one option, and no other: read, with a note to check it
        "0003-report-errors.md": madr2_without_chosen_line(
            "We introduce neverthrow as a dependency of the core and use it in new code."),
    }, "--decider", "@carol")
    for number in ("0001", "0002"):
        record = adr(repo, f"{number}-")
        assert record["status"] == "proposed"  # was accepted: an acceptance of nothing readable
        assert record["outcome"]["chosen"] == "undecided"
        assert [o["id"] for o in record["options"]][-1] == "undecided"
        assert record["options"][-1]["summary"].startswith("Placeholder written by the import")
    assert "0001-report-errors.md: the chosen option cannot be read" in result.stderr
    inferred = adr(repo, "0003-")
    assert inferred["status"] == "accepted"
    assert inferred["outcome"]["chosen"] == "return-a-result-value-from-the-neverthrow-library"
    assert "0003-report-errors.md: no 'Chosen option' line; outcome.chosen is" in result.stderr
    assert structural_problems(repo) == []


def test_alternatives_considered_are_the_options_not_chosen(repo: Repo, tmp_path: Path) -> None:
    text = ("# 9. Expire cached answers after a day\n\nDate: 2025-02-10\n\n## Status\n\nAccepted\n\n## Context\n\n"
            "Stale answers confuse customers.\n\n## Decision\n\n### 1. A time to live\n\nEvery entry expires after 24 hours.\n\n"
            "## Alternatives Considered\n\n### Expire on every content change\n\nRejected: changes arrive in bursts.\n\n"
            "### Never cache\n\nRejected: too slow.\n")
    import_folder(repo, tmp_path / "adr", {"0009-expire-cached-answers.md": text}, "--decider", "@carol")
    record = adr(repo, "0009-")
    assert [o["id"] for o in record["options"]] == [
        "expire-cached-answers-after-a-day", "expire-on-every-content-change", "never-cache"]
    assert record["outcome"]["chosen"] == "expire-cached-answers-after-a-day"
    assert record["status"] == "accepted"
    assert structural_problems(repo) == []


def test_madr_2_context_paragraphs_statuses_dates_and_approaches(repo: Repo, tmp_path: Path) -> None:
    paused = ("# Retrieve invoices nightly\n\n* Status: on hold\n* Date: 2018-11\n\n"
              "Finance needs last month's invoices each morning.\nThe export is slow.\n\n"
              "We want the numbers before the stand-up.\n\n## Considered Options\n\n"
              "* Retrieve invoices from the archive at night\n* Retrieval-augmented generation over the invoices\n\n"
              "## Decision Outcome\n\nChosen option: \"Retrieve invoices from the archive at night\", because it is simple.\n")
    misspelt = ("# Use the old report\n\n* Status: Depreciated\n* Date: 2017-02-03\n\n## Context and Problem Statement\n\n"
                "Reports.\n\n## Decision Outcome\n\nChosen option: \"Old report\", because it exists.\n")
    result = import_folder(repo, tmp_path / "adr", {"0001-retrieve-invoices.md": paused, "0002-old-report.md": misspelt},
                           "--decider", "@carol")
    record = adr(repo, "0001-")
    assert record["context"] == ("Finance needs last month's invoices each morning.\nThe export is slow.\n\n"
                                 "We want the numbers before the stand-up.\n")
    assert record["status"] == "proposed"
    assert "status 'on hold' mapped to proposed" in result.stderr
    assert record["date"] == "2018-11-01"
    assert "date '2018-11' names a month only; set to its first day, 2018-11-01" in result.stderr
    # "retrieve" is ordinary English; retrieval-augmented generation is RAG
    assert [o["approach"] for o in record["options"]] == ["no-llm", "rag"]
    old = adr(repo, "0002-")
    assert old["status"] == "deprecated"
    assert "status 'Depreciated' mapped to deprecated" in result.stderr
    assert structural_problems(repo) == []


def test_printed_values_cannot_drive_the_terminal(repo: Repo, tmp_path: Path) -> None:
    text = ('---\nstatus: accepted\ndate: 2024-01-01\ndeciders: "Eve\\e]0;owned\\a\\e[2J, @alice"\n'
            'consulted: "\\e[31mred"\n---\n'
            "# Title with \x1b[5mblink\n\n## Context and Problem Statement\n\nx \x1b]8;;http://evil\x07link\n")
    folder = tmp_path / "adr\x1b[1m"
    result = import_folder(repo, folder, {"0001-escape.md": text})
    dry = CliRunner().invoke(
        main, ["import", "adr", str(folder), "legacy", "--renumber", "--dry-run", "--root", str(repo.root)])
    assert dry.exit_code == 0, dry.stderr
    for output in (result.stdout, result.stderr, dry.stdout, dry.stderr):
        assert "\x1b" not in output and "\x07" not in output
    assert "deciders Eve\\x1b]0, owned\\x07\\x1b[2J are not @handles" in result.stderr  # shown, not sent
    assert "adr\\x1b[1m" in result.stderr
    assert adr(repo, "0001-")["x-imported"]["deciders"] == ["Eve\x1b]0", "owned\x07\x1b[2J"]  # the record keeps it


def test_a_long_run_of_spaces_in_a_title_is_read_in_linear_time(repo: Repo, tmp_path: Path) -> None:
    # The former title pattern backtracked cubically: 2,400 spaces took 17 s. The timeout only
    # guards against a hang; the assertions are on what was read.
    spaces = " " * 30_000
    folder = tmp_path / "adr"
    write_dir(folder, {
        "0001-spaced.md": f"# 12.{spaces}Spaced{spaces}out{spaces}##{spaces}\n\n## Context\n\nx\n",
        "0002-options.md": (f"# Options\n\n## Options\n\n### Option 1:{spaces}Wide{spaces}(chosen){spaces}\n\n"
                            f"**Pros**{spaces}:{spaces}\n- roomy\n"),
        "0003-bullets.md": f"# Bullets\n\n## Considered Options\n\n*{spaces}a{spaces}-{spaces}b\n* c\n",
    })
    done = subprocess.run(
        [sys.executable, "-m", "generator", "import", "adr", str(folder), "legacy", "--decider", "@carol",
         "--as-of", AS_OF], cwd=repo.root, capture_output=True, text=True, check=False, timeout=120,
        env=dict(os.environ, NO_COLOR="1"),
    )
    assert done.returncode == 0, done.stderr
    spaced = adr(repo, "0001-")
    assert (spaced["number"], spaced["title"]) == (1, "Spaced out")
    options = adr(repo, "0002-")
    assert options["outcome"]["chosen"] == "wide"
    assert options["options"][0]["pros"] == ["roomy"]
    assert [o["id"] for o in adr(repo, "0003-")["options"]][:2] == ["a", "c"]
    assert structural_problems(repo) == []


def test_headings_that_group_option_bullets_are_not_options(repo: Repo, tmp_path: Path) -> None:
    text = ("# Store and index uploads\n\n- Status: accepted\n- Date: 2022-05-06\n\n## Context and Problem Statement\n\n"
            "Uploads must be found again.\n\n## Considered Options\n\n### Storage\n\n- object storage\n- shared disk\n\n"
            "### Index\n\n- full-text engine\n- database column\n\n## Decision Outcome\n\n"
            "Chosen option: \"object storage\", because it scales without us.\n")
    import_folder(repo, tmp_path / "adr", {"0005-store-uploads.md": text}, "--decider", "@carol")
    record = adr(repo, "0005-")
    assert [o["id"] for o in record["options"]] == ["object-storage", "shared-disk", "full-text-engine", "database-column"]
    assert record["outcome"]["chosen"] == "object-storage"
    assert structural_problems(repo) == []
