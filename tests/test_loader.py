"""The loader against every kind of bad input issue 2 names, and the inputs it must accept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.core.loader import MAX_FILE_BYTES, RecordError, load_document, parse_yaml
from tests.kit import Repo, codes

GOOD = "id: x\ndate: 2026-01-31\nquoted: '2026-01-31'\nflag: yes\nswitch: on\nreal: true\nnothing: ~\ntime: 1:30\ncount: 7\n"


def test_scalars_keep_their_written_form() -> None:
    data, _, _ = parse_yaml(GOOD)
    assert data == {"id": "x", "date": "2026-01-31", "quoted": "2026-01-31", "flag": "yes", "switch": "on",
                    "real": True, "nothing": None, "time": "1:30", "count": 7}


def test_positions_of_values_and_keys() -> None:
    _, values, keys = parse_yaml("a:\n  - x: 1\n    y: [2, 3]\n")
    assert values[("a", 0, "y", 1)] == (3, 12)
    assert keys[("a", 0, "y")] == (3, 5)


@pytest.mark.parametrize(
    "text, code, line",
    [
        ("a: &x 1\nb: *x\n", "LB004", 1),
        ("a: 1\nb: *x\n", "LB004", 2),
        ("a: !!python/object/apply:os.system [ls]\n", "LB004", 1),
        ("base: {a: 1}\nother:\n  <<: {b: 2}\n", "LB004", 3),
        ("a: 1\nb: 2\na: 3\n", "LB003", 3),
        ("1: one\n", "LB007", 1),
        ("? [a, b]\n: c\n", "LB007", 1),
        ("a:\n\tb: 1\n", "LB002", 2),
        ("a: [1, 2\n", "LB002", 2),
        ("a: 1\n---\nb: 2\n", "LB002", 2),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "LB005", 1),
        ("[" * 40000, "LB002", 1),
        ("a: b\x07c\n", "LB001", 1),
    ],
)
def test_refused_yaml(text: str, code: str, line: int) -> None:
    with pytest.raises(RecordError) as caught:
        parse_yaml(text)
    assert (caught.value.code, caught.value.line) == (code, line)


def test_block_nesting_is_bounded() -> None:
    text = "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n"
    with pytest.raises(RecordError) as caught:
        parse_yaml(text)
    assert caught.value.code == "LB005"


def test_tab_indentation_is_named() -> None:
    with pytest.raises(RecordError) as caught:
        parse_yaml("a:\n\tb: 1\n")
    assert "tab" in caught.value.message


def test_syntax_error_message_does_not_echo_the_line() -> None:
    with pytest.raises(RecordError) as caught:
        parse_yaml("title: ok\n::error::pwned: [\n")
    assert "pwned" not in caught.value.message


def _load(tmp_path: Path, content: bytes, name: str = "r.yaml"):
    path = tmp_path / name
    path.write_bytes(content)
    return load_document(path, tmp_path)


def test_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    document = _load(tmp_path, b"\xef\xbb\xbfa: 1\r\nb: 2026-01-01\r\n")
    assert document.data == {"a": 1, "b": "2026-01-01"}
    assert document.locate(("b",)).line == 2


@pytest.mark.parametrize(
    "content, fragment, line",
    [
        (b"a: caf\xe9\n", "not valid UTF-8", 1),
        (b"a: 1\nb: \xff\n", "not valid UTF-8", 2),
        ("a: 1\n".encode("utf-16"), "UTF-16", 1),
        (b"", "empty", 1),
        (b"# only a comment\n\n", "empty", 1),
        (b"- a\n- b\n", "a list", 1),
        (b"just text\n", "a single value", 1),
    ],
)
def test_unusable_files(tmp_path: Path, content: bytes, fragment: str, line: int) -> None:
    with pytest.raises(RecordError) as caught:
        _load(tmp_path, content)
    assert fragment in caught.value.message and caught.value.line == line


def test_oversized_file(tmp_path: Path) -> None:
    with pytest.raises(RecordError) as caught:
        _load(tmp_path, b"a: " + b"x" * (MAX_FILE_BYTES + 1) + b"\n")
    assert caught.value.code == "LB001" and "bytes" in caught.value.message


def test_symlink_out_of_the_repository(tmp_path: Path) -> None:
    outside = tmp_path / "secret.yaml"
    outside.write_text("a: 1\n")
    root = tmp_path / "repo"
    root.mkdir()
    os.symlink(outside, root / "r.yaml")
    with pytest.raises(RecordError) as caught:
        load_document(root / "r.yaml", root)
    assert "outside the repository" in caught.value.message


def test_one_broken_file_does_not_hide_the_others(tmp_path: Path) -> None:
    repo = Repo.valid(tmp_path)
    repo.write("decisions/support-assistant/adr/0002-broken.yaml", "number: [\n")
    repo.write("decisions/support-assistant/checklists/on-call.yaml", b"checklist: on-call\nitems: \xff\n")
    repo.edit("decisions/support-assistant/initiative.yaml", lambda d: d.update(risk="extreme"))
    found = codes(repo.check())
    assert {"LB002", "LB001", "LB100"} <= set(found)
