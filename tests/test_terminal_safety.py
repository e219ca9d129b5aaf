"""Record text never drives a terminal or a CI runner, in any output format.

A record can carry escape sequences (YAML's "\\e", "\\a", "\\r" escapes), workflow-command
look-alikes (`::error::`, `##[group]`) and line breaks in values, keys and file names. Whatever
Launchboard prints must show them, not run them:

* no raw control character (ESC, BEL, CR, C1, bidi overrides) from a record reaches text output;
* no line starts with `::` unless it is an annotation Launchboard wrote itself, judged the way
  GitHub's runner reads a log: lines split at CR as well as LF, leading whitespace stripped;
* `##[` appears nowhere; `--format github` escapes `%`, CR and LF in data, and `:` and `,`
  too in properties;
* a record cannot forge a problem line: the text report has exactly one line per problem.

Each output is produced by the real command (`python -m generator`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest

from tests.test_hostile import ADR, AS_OF, BASE, INIT, SEC, launchboard, make_repo, no_traceback

# --------------------------------------------------------------------------- judging output

_CLICK_SGR = re.compile(r"\x1b\[[0-9;]*m")  # click.style's own colours (only with --color always)
_RAW_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_RUNNER_LINES = re.compile(r"\r\n|\r|\n")  # .NET ReadLine, as the Actions runner reads a log
_ANNOTATION = re.compile(r"::(error|warning) file=[^:,\r\n]*,line=\d+,col=\d+,title=[^:,\r\n]*::")
_PROBLEM_LINE = re.compile(r"^\S.*:\d+:\d+: (error|warning) LB\d{3} ")


def decoded(raw: bytes) -> str:
    return raw.decode("utf-8")  # strict: output is always valid UTF-8


def raw_controls(text: str, colour: bool = False) -> list[str]:
    if colour:
        text = _CLICK_SGR.sub("", text)
    return sorted({f"U+{ord(c):04X}" for c in _RAW_CONTROL.findall(text)})


def runner_commands(text: str, github: bool = False) -> list[str]:
    """Lines GitHub's runner would take as workflow commands, other than our own annotations."""
    found = []
    for line in _RUNNER_LINES.split(text):
        stripped = line.lstrip()
        if stripped.startswith("::") and not (github and _ANNOTATION.match(line)):
            found.append(line[:120])
    return found


def assert_inert(text: str, *, github: bool = False, colour: bool = False, controls: bool = True) -> None:
    assert runner_commands(text, github) == []
    assert "##[" not in text
    if controls:
        assert raw_controls(text, colour) == []


# --------------------------------------------------------------------------- hostile repositories


def _initiative(root: Path, folder: str, **replace: str) -> Path:
    """A proposed-stage copy of the base initiative in decisions/<folder>/, lines replaced."""
    target = root / "decisions" / folder
    target.mkdir(parents=True)
    lines = (BASE / INIT).read_text(encoding="utf-8").splitlines()
    lines[0] = f"id: {json.dumps(folder)}"
    lines = [ln for ln in lines if "stage: pilot" not in ln and "stage: canary, date" not in ln]
    lines = ["stage: proposed" if ln == "stage: canary" else ln for ln in lines]
    text = "\n".join(lines) + "\n"
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    (target / "initiative.yaml").write_text(text, encoding="utf-8")
    return target


PAYLOAD = r"\e[2J\e]0;owned\a\r::error::forged ##[group]g\x9b31m\u202eevil"


def build_hostile(root: Path) -> None:
    """Problems whose messages echo record text through every path that can: values, keys, ids."""
    _initiative(root, "stage-echo", **{"stage: proposed": f'stage: "{PAYLOAD}"'})
    _initiative(root, "key-echo", **{"risk: high": f'risk: high\n"{PAYLOAD} 100%": x'})
    _initiative(root, "key-at-line-start", **{"risk: high": 'risk: high\n"::error::starts-the-message": x'})
    folder = _initiative(root, "option-echo")
    (folder / "adr").mkdir()
    decision = (BASE / ADR).read_text(encoding="utf-8").replace("  chosen: rag", f'  chosen: "{PAYLOAD}"')
    (folder / "adr" / "0001-rag-over-fine-tuning.yaml").write_text(decision, encoding="utf-8")
    folder = _initiative(root, "item-echo")
    (folder / "checklists").mkdir()
    checklist = (BASE / SEC).read_text(encoding="utf-8").replace("  pen-test:\n", f'  "{PAYLOAD}":\n    status: todo\n  pen-test:\n')
    (folder / "checklists" / "security-review.yaml").write_text(checklist, encoding="utf-8")
    # accepted records whose text is printed by `status --format json` and `check --format json`
    _initiative(root, "title-echo", **{"title: Customer support assistant": f'title: "{PAYLOAD}\\n::warning::t"'})


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("terminal"))
    build_hostile(root)
    return root


def check(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = launchboard("check", str(root), "--as-of", AS_OF, *args, env=env)
    no_traceback(result)
    return result


# --------------------------------------------------------------------------- every format


def test_the_payload_reaches_the_report(hostile: Path) -> None:
    """Otherwise the tests below prove nothing: each hostile record causes its problem."""
    problems = json.loads(check(hostile, "--format", "json").stdout)["problems"]
    folders = {p["file"].split("/")[1] for p in problems}
    assert {"stage-echo", "key-echo", "key-at-line-start", "option-echo", "item-echo"} <= folders
    text = decoded(check(hostile).stdout)
    assert "\\x1b[2J" in text and "\\x0d" in text  # shown, escaped


@pytest.mark.parametrize("colour", ["never", "always"])
def test_text_report(hostile: Path, colour: str) -> None:
    result = check(hostile, "--color", colour)
    assert result.returncode == 1
    text = decoded(result.stdout)
    assert_inert(text, colour=colour == "always")


def test_text_report_has_one_line_per_problem(hostile: Path) -> None:
    problems = json.loads(check(hostile, "--format", "json").stdout)["problems"]
    lines = [ln for ln in decoded(check(hostile).stdout).split("\n") if _PROBLEM_LINE.match(ln)]
    assert len(lines) == len(problems)
    others = [ln for ln in decoded(check(hostile).stdout).split("\n") if ln and not _PROBLEM_LINE.match(ln)]
    assert len(others) == 1 and others[0].startswith("✗ ")  # the summary


def test_github_annotations(hostile: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    result = check(hostile, "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    text = decoded(result.stdout)
    assert_inert(text, github=True)
    annotations = [ln for ln in text.split("\n") if ln.startswith("::")]
    assert len(annotations) == len(json.loads(check(hostile, "--format", "json").stdout)["problems"])
    assert all(_ANNOTATION.match(ln) for ln in annotations)
    assert "100%25: unknown field" in text  # % in data
    step = summary.read_text(encoding="utf-8")
    assert "| `decisions/stage-echo/initiative.yaml:" in step  # the location as code (tests/test_gfm.py renders it)
    assert_inert(step)


def test_json_report(hostile: Path) -> None:
    result = check(hostile, "--format", "json")
    text = decoded(result.stdout)
    assert_inert(text, controls=False)
    assert raw_controls(text.replace("\u202e", "").replace("\x9b", "")) == []  # json.dumps escapes C0
    report = json.loads(text)
    assert any("##[group]" in p["message"] or "#\u2024#[group]" in p["message"] for p in report["problems"])


def test_junit_report(hostile: Path) -> None:
    result = check(hostile, "--format", "junit")
    text = decoded(result.stdout)
    assert_inert(text)
    etree.fromstring(result.stdout)  # well-formed XML


def test_status_board(hostile: Path) -> None:
    for args in ([], ["--format", "json"], ["--color", "always"]):
        result = launchboard("status", str(hostile), "--as-of", AS_OF, *args)
        no_traceback(result)
        text = decoded(result.stdout) + decoded(result.stderr)
        assert_inert(text, colour="always" in args, controls="json" not in args)


def test_status_json_keeps_record_text_as_data(hostile: Path) -> None:
    """JSON escapes control characters; the title reads back exactly as the record has it."""
    result = launchboard("status", str(hostile), "--as-of", AS_OF, "--format", "json")
    titles = {i["id"]: i["title"] for i in json.loads(result.stdout)["initiatives"]}
    assert titles["title-echo"].startswith("\x1b[2J\x1b]0;owned\x07\r::error::forged ##[group]g")
    assert "\x1b" not in decoded(result.stdout)


# --------------------------------------------------------------------------- github escaping


def test_github_properties_escape_percent_colon_and_comma(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _initiative(root, "a,b:c%d")  # an invalid folder name, reported at its own path
    text = decoded(check(root, "--format", "github").stdout)
    assert "file=decisions/a%2Cb%3Ac%25d/initiative.yaml,line=1,col=1," in text
    assert_inert(text, github=True)


def test_github_data_escapes_line_breaks(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _initiative(root, "newline-key", **{"risk: high": 'risk: high\n"a\\nb\\r\\nc%": x'})
    text = decoded(check(root, "--format", "github").stdout)
    line = next(ln for ln in text.split("\n") if "newline-key" in ln and "unknown field" in ln)
    # the key's line breaks are shown escaped (\x0a) before the data escaping, which still
    # turns every % into %25
    assert "a\\x0ab\\x0d\\x0ac%25" in line
    assert_inert(text, github=True)


# --------------------------------------------------------------------------- known bugs


def test_a_newline_in_a_key_cannot_forge_a_problem_line(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    forged = "decisions/support-assistant/initiative.yaml:1:1: error LB201 forged"
    _initiative(root, "newline-key", **{"risk: high": f'risk: high\n"x\\n{forged}": 1'})
    text = decoded(check(root).stdout)
    assert not any(ln.startswith(forged) for ln in text.split("\n"))


def _folder(root: Path, name: bytes) -> None:
    folder = os.path.join(os.fsencode(root), b"decisions", name)
    os.makedirs(folder)
    with open(os.path.join(folder, b"initiative.yaml"), "wb") as fh:
        fh.write(b"id: x\n")


def test_a_carriage_return_in_a_folder_name_is_no_workflow_command(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _folder(root, b"x\r::error title=forged::pwned")
    text = decoded(check(root).stdout)
    assert runner_commands(text) == []


def test_control_characters_in_a_folder_name_are_shown_not_sent(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _folder(root, b"\x1b]0;owned\x07\x1b[2J")
    text = decoded(check(root, "--color", "always").stdout)
    assert raw_controls(text, colour=True) == []


def test_junit_stays_well_formed_with_a_control_character_in_a_folder_name(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _folder(root, b"a\x07b")
    etree.fromstring(check(root, "--format", "junit").stdout)


def test_output_is_utf8_with_a_folder_name_that_is_not(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _folder(root, b"caf\xe9")
    for fmt in ("json", "junit", "text"):
        decoded(check(root, "--format", fmt).stdout)


def _git(root: Path, *args: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "safe.directory=*", *args],
                   cwd=root, env=env, check=True, capture_output=True)


def test_diff_shows_escape_sequences_in_titles_as_text(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    _git(root, "init", "-q")
    _git(root, "add", "-A")
    _git(root, "commit", "-qm", "base")
    text = (root / INIT).read_text(encoding="utf-8")
    (root / INIT).write_text(text.replace("title: Customer support assistant", 'title: "\\ec\\e]0;owned\\a assistant"'), encoding="utf-8")
    (root / INIT).write_text((root / INIT).read_text().replace("stage: canary", "stage: ga")
                             .replace("  - {stage: canary, date: 2026-10-20}", "  - {stage: canary, date: 2026-10-20}\n  - {stage: ga, date: 2026-11-20}"))
    result = launchboard("diff", "HEAD", str(root), "--as-of", AS_OF)
    no_traceback(result)
    text = decoded(result.stdout)
    assert "owned" in text  # the title is in the summary
    assert_inert(text)


def test_site_build_log_carries_no_workflow_command(tmp_path: Path) -> None:
    from tests.site_helpers import make_root, site_env

    root = make_root(tmp_path / "site-repo", decisions=False)
    shutil.copytree(BASE / "decisions", root / "decisions")
    _folder(root, b"x\r::error title=forged::pwned")
    result = subprocess.run([sys.executable, "-m", "generator", "build", str(root)], cwd=root, env=site_env(),
                            capture_output=True, timeout=120)
    no_traceback(result)
    assert runner_commands(decoded(result.stdout) + decoded(result.stderr)) == []
