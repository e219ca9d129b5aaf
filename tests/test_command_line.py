"""One command line: ROOT last everywhere, one --as-of, status and controls readable without colour,
a new decision that chooses nothing, and a reference page that is the commands' own --help."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.cli.options import AS_OF_HELP
from generator.cli.reference import WIDTH, command_helps
from tests.first_hour import SAMPLE_DATE, clone

LAUNCHBOARD = str(Path(sys.executable).parent / "launchboard")


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return clone(tmp_path / "repo")


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | {"NO_COLOR": "1"} | (env or {})
    return subprocess.run([LAUNCHBOARD, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120)


def test_new_import_and_ingest_take_root_last_and_still_accept_the_old_root_option(sample: Path, tmp_path: Path) -> None:
    done = run("new", "initiative", "invoice-extractor", str(sample), "--as-of", SAMPLE_DATE, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (sample / "decisions" / "invoice-extractor" / "initiative.yaml").is_file()
    done = run("new", "decision", "invoice-extractor", "Use RAG", "--root", str(sample), "--as-of", SAMPLE_DATE, cwd=tmp_path)
    assert done.returncode == 0, done.stderr  # the hidden alias of 0.1
    done = run("new", "runbook", "invoice-extractor", "rollback", str(sample), "--root", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2 and "disagree" in done.stderr
    done = run("import", "adr", str(sample / "docs" / "adr"), "contract-summariser", str(sample), "--dry-run", cwd=tmp_path)
    assert done.returncode == 0 and "would create decisions/contract-summariser/adr/0003-" in done.stdout, done.stderr
    result = sample / "evals" / "support-assistant" / "2026-11-30-promptfoo.json"
    done = run("ingest", str(result), str(sample), "--initiative", "support-assistant", "--metric", "groundedness",
               "--dry-run", cwd=tmp_path)
    assert done.returncode == 0 and "would append groundedness = 60 on 2026-11-30" in done.stdout, done.stderr
    assert "--root" not in CliRunner().invoke(main, ["ingest", "--help"]).output


def test_as_of_is_one_option_with_one_help_on_every_command() -> None:
    helps = {c.name: c.text for c in command_helps()}
    dated = ["check", "status", "build", "serve", "render", "controls", "ingest", "export cyclonedx",
             "new initiative", "new decision", "new runbook", "import adr"]
    flat_help = " ".join(AS_OF_HELP.split())
    for name in dated:
        text = helps[f"launchboard {name}"]
        assert "--as-of DATE" in text, name
        assert flat_help in " ".join(text.split()), name


def test_build_checks_its_as_of_before_running_mkdocs(sample: Path) -> None:
    done = run("build", str(sample), "--as-of", "2026-13-01")
    assert done.returncode == 2 and "--as-of '2026-13-01' is not a date" in done.stderr
    assert not (sample / "site").exists()


def test_status_marks_a_failing_gate_without_colour_and_counts_in_the_singular(sample: Path) -> None:
    path = sample / "decisions" / "support-assistant" / "initiative.yaml"
    path.write_text(path.read_text().replace("{date: 2026-11-23, value: 96.1}", "{date: 2026-11-23, value: 90.1}"))
    done = run("status", str(sample), "--as-of", SAMPLE_DATE)
    row = next(line for line in done.stdout.splitlines() if line.startswith("support-assistant"))
    assert "34/35 ✗" in row and "\x1b[" not in done.stdout
    assert "\n1 error: run `launchboard check` for details" in done.stderr
    assert all(" ✗" not in line.split("  —")[0] for line in done.stdout.splitlines() if line.startswith("code-review-bot"))


def test_controls_prints_a_summary_and_the_detail_on_request(sample: Path) -> None:
    summary = run("controls", "owasp-llm-2025", str(sample), "--as-of", SAMPLE_DATE)
    detail = run("controls", "owasp-llm-2025", str(sample), "--as-of", SAMPLE_DATE, "--detail")
    assert summary.returncode == detail.returncode == 0
    assert "9/10 controls covered by policy items" in summary.stdout and "gaps (1): LLM04" in summary.stdout
    assert "    support-assistant         8/9" in summary.stdout
    assert "items:" not in summary.stdout and "  LLM01  Prompt Injection" in detail.stdout
    assert len(summary.stdout.splitlines()) < 20 < len(detail.stdout.splitlines())


def test_a_new_decision_chooses_nothing_until_its_author_does(sample: Path) -> None:
    assert run("new", "initiative", "invoice-extractor", str(sample), "--approach", "rag", "--as-of", SAMPLE_DATE).returncode == 0
    assert run("new", "decision", "invoice-extractor", "Use RAG", str(sample), "--as-of", SAMPLE_DATE).returncode == 0
    path = sample / "decisions" / "invoice-extractor" / "adr" / "0001-use-rag.yaml"
    record = yaml.safe_load(path.read_text())
    assert "chosen" not in record["outcome"]
    check = run("check", str(sample), "--as-of", SAMPLE_DATE)
    assert check.returncode == 0 and "LB130" not in check.stdout and "LB152" not in check.stdout
    # accepting it without a choice is an error at the outcome
    path.write_text(path.read_text().replace("status: proposed", "status: accepted"))
    check = run("check", str(sample), "--as-of", SAMPLE_DATE)
    assert check.returncode == 1 and "0001-use-rag.yaml:" in check.stdout and "outcome.chosen: required field is missing" in check.stdout


def test_the_command_line_page_is_each_commands_own_help() -> None:
    """What the site's Command line page prints is what `launchboard CMD --help` prints."""
    helps = command_helps()
    names = [c.name for c in helps]
    assert {"launchboard check", "launchboard new initiative", "launchboard import adr", "launchboard export cyclonedx"} <= set(names)
    for entry in helps:
        argv = entry.name.split()[1:] + ["--help"]
        done = run(*argv, env={"COLUMNS": str(WIDTH)})
        assert done.returncode == 0, entry.name
        assert done.stdout.strip() == entry.text.strip(), entry.name
