"""Step 1 of the pipeline: find the record files and parse them safely, keeping positions.

Record text is untrusted, so YAML is read from libyaml's event stream (not a loader):
one iterative pass builds plain data and a map of where each value and key sits, and
refuses what a record never needs and an attacker would use: tags (`!!python/...`),
anchors and aliases (alias bombs), merge keys, duplicate and non-string keys, deep
nesting (libyaml's own composer recurses and crashes near 40,000 levels).

Scalars follow a conservative subset of YAML 1.2's core schema: only `true`/`false` are
booleans, dates and `yes`/`no`/`on`/`off` stay the strings they were written as.
"""

from __future__ import annotations

import bisect
import errno
import math
import os
import re
import stat
import sys
import unicodedata
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from generator.core import kinds
from generator.core.model import Location, Problem, Severity

try:  # libyaml when present; the pure-Python parser yields the same events
    from yaml._yaml import CParser as _Parser  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser as _BaseParser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, _BaseParser):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            _BaseParser.__init__(self)


MAX_FILE_BYTES = 1024 * 1024  # a record is a few KB; 1 MiB leaves room for years of metrics
MAX_DEPTH = 32  # records nest at most ~6 levels
MAX_MESSAGE_CHARS = 300
MAX_NUMBER_CHARS = 40  # longer numerals stay strings and fail the schema's number type

Path_ = tuple[Any, ...]  # a path into a document: keys and list indexes

_INT = re.compile(r"[-+]?[0-9]+\Z|0o[0-7]+\Z|0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
# C0 (line breaks included: a message is one line), C1, zero-width, bidi and line separators.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")


def clean_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Make untrusted text safe to print: control characters and ANSI escapes shown, not run."""
    if not text.isascii():  # lone surrogates (undecodable file names) cannot be written as UTF-8
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def relative_name(path: Path, root: Path) -> str:
    """PATH relative to ROOT as printable POSIX text, the form every problem and page uses.

    File and folder names come from the pull request too: bytes that are not UTF-8 and
    control characters (a CR could start a CI workflow command) are shown escaped.
    """
    return _printable(path.relative_to(root).as_posix())


@dataclass
class Document:
    """One parsed record: its data and where each value came from.

    Positions may arrive packed (`marks`, see parse_packed) and are then unpacked into
    `values` and `keys` on the first `locate`: most records are never located, and a
    position map costs more to build than the data. The data must not be changed before.
    """

    file: str  # POSIX path relative to ROOT
    data: Any
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict, repr=False)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict, repr=False)
    marks: tuple[array, array] | None = field(default=None, repr=False, compare=False)
    # False when the file's bytes hold no "TODO": no scaffold placeholder to look for (LB178,
    # LB316), so evaluate skips walking the data. True (look) when nobody checked.
    may_hold_todo: bool = field(default=True, repr=False, compare=False)

    def locate(self, path: Path_ = (), *, key: bool = False) -> Location:
        """The location of the value at `path` (its key with key=True), or its nearest parent."""
        if self.marks is not None:
            self.values, self.keys = expand_positions(self.data, *self.marks)
            self.marks = None
        path = tuple(path)
        while True:
            if key and path in self.keys:
                return Location(self.file, *self.keys[path])
            if path in self.values:
                return Location(self.file, *self.values[path])
            if not path:
                return Location(self.file, 1, 1)
            path = path[:-1]

    def last_key(self, path: Path_) -> Location:
        """Where a missing key would go: the last key of the mapping at `path`."""
        path = tuple(path)
        mapping = self.get(path)
        if isinstance(mapping, dict) and mapping:
            return self.locate(path + (list(mapping)[-1],), key=True)
        return self.locate(path)

    def get(self, path: Path_) -> Any:
        node = self.data
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return None
        return node


class RecordError(Exception):
    """A file that cannot become a Document; carries the problem to report."""

    def __init__(self, code: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.column = code, message, line, column


# --------------------------------------------------------------------------- reading


def read_text(path: Path, root: Path) -> str:
    """Read a record as text, refusing links out of ROOT, huge, empty and non-UTF-8 files."""
    return decode_text(read_bytes(path, root))


_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def read_bytes(path: str | Path, root: Path) -> bytes:
    """A record's bytes, refusing links out of ROOT, huge files and anything but a regular
    file (read_text's first half). A plain file costs one open, one fstat and one read."""
    if not _NO_FOLLOW:  # Windows: look before opening
        if os.path.islink(path):
            _check_link(Path(path), root)
        fd = os.open(path, _OPEN_FLAGS)
    else:
        try:
            fd = os.open(path, _OPEN_FLAGS | _NO_FOLLOW)
        except OSError as err:
            if err.errno != errno.ELOOP or not os.path.islink(path):
                raise
            _check_link(Path(path), root)  # replaced by a link since it was listed
            fd = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):  # as reading it would have said
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
            raise RecordError("LB001", "is not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise RecordError("LB001", f"is {info.st_size:,} bytes; records are limited to {MAX_FILE_BYTES:,} bytes")
        chunks = []
        left = MAX_FILE_BYTES + 1  # a file that grows while read is still cut off
        while left > 0:
            chunk = os.read(fd, min(left, max(info.st_size + 1, 65536)))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    data = b"".join(chunks) if len(chunks) != 1 else chunks[0]
    if len(data) > MAX_FILE_BYTES:
        raise RecordError("LB001", f"is over {MAX_FILE_BYTES:,} bytes; records are limited to {MAX_FILE_BYTES:,} bytes")
    return data


def _check_link(path: Path, root: Path) -> None:
    """A record that is a link must lead to a file inside ROOT."""
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a loop raises RuntimeError on 3.11, OSError later
        raise RecordError("LB001", "is a link that leads nowhere (missing target or a loop)") from None
    try:
        target.relative_to(root.resolve())
    except ValueError:
        raise RecordError("LB001", "is a link to a file outside the repository; commit the file itself") from None


def decode_text(raw: bytes) -> str:
    """A record's text from its bytes, refusing empty and non-UTF-8 files (read_text's second half)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise RecordError("LB001", "is UTF-16; save it as UTF-8")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        raise RecordError("LB001", f"is not valid UTF-8 (byte 0x{raw[err.start]:02x}); save it as UTF-8", line, column) from None
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise RecordError("LB001", "is empty; a record is a YAML mapping")
    return text


# --------------------------------------------------------------------------- parsing


_WORDS: dict[str, Any] = {word: None for word in _NULLS} | {w: True for w in _TRUE} | {w: False for w in _FALSE}
_NOT_WORD = object()
_NUMBER_START = frozenset("0123456789+-.")
INTERN_MAX = 64  # short strings (keys, dates, ids, handles, statuses) repeat across records: keep one copy


def _resolve_plain(value: str) -> Any:
    word = _WORDS.get(value, _NOT_WORD)
    if word is not _NOT_WORD:
        return word
    if value[0] not in _NUMBER_START:  # neither pattern below can match: the common case, a word
        return value
    if len(value) > MAX_NUMBER_CHARS:  # no record needs it; int() of 4,300+ digits raises
        return value
    if _INT.match(value):
        return int(value, 0) if value[:2] in ("0o", "0x") else int(value)
    if _FLOAT.match(value):
        number = float(value)
        return number if math.isfinite(number) else value
    return value


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1)


def parse_yaml(text: str) -> tuple[Any, dict[Path_, tuple[int, int]], dict[Path_, tuple[int, int]]]:
    """Parse one YAML document into (data, value positions, key positions), or raise RecordError."""
    data, value_marks, key_marks = parse_packed(text)
    values, keys = expand_positions(data, value_marks, key_marks)
    return data, values, keys


_MARK_SHIFT = 32
_COLUMN_MASK = (1 << _MARK_SHIFT) - 1


def parse_packed(text: str) -> tuple[Any, array, array]:
    """Parse one YAML document into (data, value marks, key marks), or raise RecordError.

    YAML also breaks lines at U+0085, U+2028 and U+2029, which editors and GitHub do not:
    in the rare text holding one, libyaml's marks are moved to the lines people see.
    """
    if "\x85" not in text and "\u2028" not in text and "\u2029" not in text:
        return _parse_packed(text)
    to_visible = _visible_lines(text)
    try:
        root, value_marks, key_marks = _parse_packed(text)
    except RecordError as err:
        _refuse_hidden_line_breaks(text)  # often the cause: a key it moved to a line of its own
        err.line, err.column = to_visible(err.line - 1, err.column - 1, one_based=True)
        raise
    _refuse_hidden_line_breaks(text)
    repack = lambda mark: _pack(*to_visible(mark >> _MARK_SHIFT, mark & _COLUMN_MASK))  # noqa: E731
    return root, array("q", map(repack, value_marks)), array("q", map(repack, key_marks))


_HIDDEN_BREAK = re.compile("[\x85\u2028\u2029]")
_BREAK_NAMES = {"\x85": "U+0085 (NEXT LINE)", "\u2028": "U+2028 (LINE SEPARATOR)", "\u2029": "U+2029 (PARAGRAPH SEPARATOR)"}


def _refuse_hidden_line_breaks(text: str) -> None:
    """LB010 for U+0085, U+2028 or U+2029 outside a quoted scalar.

    YAML breaks the line there and git, GitHub and editors do not: `note: x<U+2028>status: done`
    is one line in a reviewed diff and two keys to the loader. Inside '...' or "..." the
    character is only text (and stays in the value)."""
    quoted: list[tuple[int, int]] = []
    parsed = len(text)  # how far the events go: a syntax error ends them, and quotes after it are unknown
    parser: Any = _Parser(text)
    try:
        while True:
            event = parser.get_event()
            if isinstance(event, yaml.ScalarEvent) and event.style in ("'", '"'):
                quoted.append((event.start_mark.index, event.end_mark.index))
            elif isinstance(event, yaml.StreamEndEvent):
                break
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
        parsed = mark.index if mark is not None else 0
    finally:
        dispose = getattr(parser, "dispose", None)
        if dispose:
            dispose()
    starts = [start for start, _ in quoted]
    for match in _HIDDEN_BREAK.finditer(text):
        index = match.start()
        if index >= parsed:
            break
        inside = bisect.bisect_right(starts, index) - 1
        if inside >= 0 and index < quoted[inside][1]:
            continue
        line = len(_VISIBLE_BREAK.findall(text, 0, index)) + 1
        column = index - max(text.rfind("\n", 0, index), text.rfind("\r", 0, index))
        raise RecordError(
            "LB010",
            f"holds {_BREAK_NAMES[match.group()]} outside a quoted string: YAML breaks the line there but git and "
            "GitHub show one line, so a reviewed diff could hide a key; remove it, or quote the text that holds it",
            line, column,
        )


_YAML_BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")
_VISIBLE_BREAK = re.compile("\r\n|[\n\r]")


def _pack(line: int, column: int) -> int:
    return line << _MARK_SHIFT | column


def _visible_lines(text: str) -> Any:
    """(yaml line, column) -> (line, column) as an editor counts them; 0-based unless one_based."""
    yaml_starts = [0] + [m.end() for m in _YAML_BREAK.finditer(text)]
    visible_starts = [0] + [m.end() for m in _VISIBLE_BREAK.finditer(text)]

    def convert(line: int, column: int, one_based: bool = False) -> tuple[int, int]:
        index = yaml_starts[min(line, len(yaml_starts) - 1)] + column
        visible = bisect.bisect_right(visible_starts, index) - 1
        return (visible + 1, index - visible_starts[visible] + 1) if one_based else (visible, index - visible_starts[visible])

    return convert


def _parse_packed(text: str) -> tuple[Any, array, array]:
    """Parse one YAML document into (data, value marks, key marks), or raise RecordError.

    The one pass behind parse_yaml, with positions packed instead of mapped: a mark is
    `line << 32 | column` (0-based) in an array, one per node in document order (which is
    the data's depth-first order: mappings keep their keys' order) and one per mapping key.
    expand_positions turns them into the maps; building those for every record cost more
    than parsing it, and most records are never located.
    """
    parser: Any = None
    value_marks = array("q")
    key_marks = array("q")
    add_value, add_key = value_marks.append, key_marks.append
    intern, words = sys.intern, _WORDS.get
    scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
    # Each open container: [container, is a list, pending key (mappings), key mark]; top is stack[-1]
    stack: list[list[Any]] = []
    top: list[Any] | None = None
    root: Any = None
    documents = 0
    try:
        parser = _Parser(text)
        get_event = parser.get_event
        while True:
            event = get_event()
            kind = type(event)
            if kind is scalar_event:  # the common event, kept short: the same steps as below
                if event.anchor is not None or (event.tag is not None and event.tag != "!"):
                    _refuse_properties(event)
                mark = event.start_mark
                value = event.value
                if event.implicit[0]:
                    word = words(value, _NOT_WORD)
                    if word is not _NOT_WORD:
                        value = word
                    elif value[0] in _NUMBER_START:
                        value = _resolve_plain(value)
                if type(value) is str and len(value) <= INTERN_MAX:
                    value = intern(value)
                position = mark.line << _MARK_SHIFT | mark.column
                if top is None:
                    root = value
                    add_value(position)
                elif top[1]:
                    top[0].append(value)
                    add_value(position)
                elif top[2] is _NO_KEY:  # this scalar is a key
                    if event.implicit[0] and event.value == "<<":
                        raise RecordError("LB004", "merge keys (<<) are not allowed in records; write the keys out", *_pos(mark))
                    if not isinstance(value, str):
                        raise RecordError("LB007", f"key {clean_text(event.value, 60)!s} is not a string; quote it", *_pos(mark))
                    if value in top[0]:
                        raise RecordError("LB003", f"duplicate key {clean_text(repr(value), 70)}; each key may appear once", *_pos(mark))
                    top[2], top[3] = value, position
                else:
                    top[0][top[2]] = value
                    add_key(top[3])
                    add_value(position)
                    top[2] = _NO_KEY
            elif kind is mapping_start or kind is sequence_start:
                if event.anchor is not None or (event.tag is not None and event.tag != "!"):
                    _refuse_properties(event)
                mark = event.start_mark
                if len(stack) >= MAX_DEPTH:
                    raise RecordError("LB005", f"nesting is deeper than {MAX_DEPTH} levels", *_pos(mark))
                container: Any = {} if kind is mapping_start else []
                position = mark.line << _MARK_SHIFT | mark.column
                if top is None:
                    root = container
                    add_value(position)
                elif top[1]:
                    top[0].append(container)
                    add_value(position)
                elif top[2] is _NO_KEY:
                    raise RecordError("LB007", "mapping keys must be plain strings, not collections", *_pos(mark))
                else:
                    top[0][top[2]] = container
                    add_key(top[3])
                    add_value(position)
                    top[2] = _NO_KEY
                top = [container, kind is sequence_start, _NO_KEY, 0]
                stack.append(top)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop()
                top = stack[-1] if stack else None
            elif kind is yaml.AliasEvent:
                raise RecordError("LB004", "aliases (*name) are not allowed in records; write the value out", *_pos(event.start_mark))
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise RecordError("LB002", "holds more than one YAML document; keep one record per file", *_pos(event.start_mark))
            elif kind is yaml.StreamEndEvent:
                break
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        # Never echo str(err): its snippet reprints the offending line verbatim.
        reason = clean_text(" ".join(filter(None, [err.context, err.problem])) or "invalid YAML", 200)
        line, column = _pos(mark) if mark is not None else (1, 1)
        if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
            reason += " (a tab: YAML indents with spaces only)"
        raise RecordError("LB002", f"YAML syntax error: {reason}", line, column) from None
    except yaml.reader.ReaderError as err:
        line = text.count("\n", 0, err.position) + 1
        column = err.position - (text.rfind("\n", 0, err.position) + 1) + 1
        raise RecordError("LB001", f"contains the control character 0x{err.character:02x}, which YAML does not allow"
                          if isinstance(err.character, int) else "contains a character YAML does not allow", line, column) from None
    except yaml.YAMLError as err:  # pragma: no cover - other libyaml failures
        raise RecordError("LB002", f"YAML error: {clean_text(type(err).__name__)}") from None
    except RecursionError:  # pragma: no cover - the pure-Python scanner on pathological input
        raise RecordError("LB005", "nesting is too deep to parse") from None
    finally:
        dispose = getattr(parser, "dispose", None) if parser is not None else None
        if dispose:
            dispose()
    return root, value_marks, key_marks


def expand_positions(data: Any, value_marks: array, key_marks: array) -> tuple[dict[Path_, tuple[int, int]], dict[Path_, tuple[int, int]]]:
    """parse_packed's marks as parse_yaml's maps: path -> (line, column), 1-based."""
    values: dict[Path_, tuple[int, int]] = {}
    keys: dict[Path_, tuple[int, int]] = {}
    next_value, next_key = iter(value_marks).__next__, iter(key_marks).__next__
    if not value_marks:
        return values, keys
    # Depth-first, in the order parse_packed met the nodes (a key just before its value);
    # depth is bounded by MAX_DEPTH.
    todo: list[tuple[Path_, Any, bool]] = [((), data, False)]
    try:
        while todo:
            path, node, keyed = todo.pop()
            if keyed:
                mark = next_key()
                keys[path] = ((mark >> _MARK_SHIFT) + 1, (mark & _COLUMN_MASK) + 1)
            mark = next_value()
            values[path] = ((mark >> _MARK_SHIFT) + 1, (mark & _COLUMN_MASK) + 1)
            if type(node) is dict:
                todo.extend(reversed([(path + (key,), child, True) for key, child in node.items()]))
            elif type(node) is list:
                todo.extend(reversed([(path + (index,), child, False) for index, child in enumerate(node)]))
    except StopIteration:  # the data no longer matches its marks: locate() falls back to parents
        pass
    return values, keys


_NO_KEY = object()


def _refuse_properties(event: Any) -> None:
    """Raise for an anchor or a tag on a node: records never need them (see the module docstring)."""
    if event.anchor is not None:
        raise RecordError("LB004", "anchors (&name) are not allowed in records; write the value out", *_pos(event.start_mark))
    raise RecordError("LB004", f"YAML tags such as {clean_text(event.tag, 60)} are not allowed in records", *_pos(event.start_mark))


def load_document(path: Path, root: Path) -> Document:
    """Read and parse one record file; raise RecordError with a located message on failure."""
    return parse_document(relative_name(path, root), read_text(path, root))


def parse_document(file: str, text: str) -> Document:
    """A record's Document from its text (load_document after reading); raise RecordError."""
    data, value_marks, key_marks = parse_packed(text)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "empty" if data is None else "a single value"
        raise RecordError("LB006", f"is {kind}; a record must be a YAML mapping of keys to values")
    return Document(file, data, marks=(value_marks, key_marks))


# --------------------------------------------------------------------------- discovery


RECORD_KINDS = kinds.NAMES  # declared in core/kinds.py
FRAMEWORKS_FOLDER = "frameworks"  # decisions/frameworks/: a team's own control packs, not an initiative


@dataclass(frozen=True)
class RecordFile:
    path: str  # where to read it: ROOT/decisions/...
    file: str  # POSIX, relative to ROOT
    kind: str  # one of RECORD_KINDS
    initiative: str | None  # the folder name for records inside an initiative


ID = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


def is_id(value: str) -> bool:
    """Kebab-case, at most 64 characters; fullmatch, so no trailing newline slips through."""
    return ID.fullmatch(value) is not None


def normalise_id(value: str) -> str:
    """The form two ids are compared in: case and Unicode form must not make two ids one."""
    if value.isascii():
        return value.lower()  # NFKC leaves ASCII as it is, and casefold is lower there
    return unicodedata.normalize("NFKC", value).casefold()


class Layout(NamedTuple):
    """What discover found under ROOT/decisions."""

    files: list[RecordFile]  # the records, sorted by path
    problems: list[Problem]  # what is not where a record belongs (LB001, LB008, LB116)
    naming: list[Problem]  # names that collide by case or Unicode form (LB115), folder names that are not ids (LB110)


def discover(root: Path) -> Layout:
    """List the record files under ROOT/decisions and what is wrong with the layout.

    One listing of each folder serves both, with string paths: at 1,000 initiatives this
    runs on every `mkdocs serve` rebuild."""
    layout = Layout([], [], [])
    decisions = os.path.join(root, "decisions")

    def stray(rel: str, message: str, initiative: str | None = None, code: str = "LB008") -> None:
        layout.problems.append(Problem(Location(_printable(rel)), Severity.ERROR, code, message, initiative))

    if not os.path.isdir(decisions):
        return layout
    if os.path.islink(decisions) and not Path(decisions).resolve().is_relative_to(root.resolve()):
        stray("decisions", "is a link to a folder outside the repository; the records must live in it", code="LB001")
        return layout
    if os.path.islink(decisions):  # inside: still, the CODEOWNERS rules match decisions/, not where it leads
        stray("decisions", "is a link: the CODEOWNERS rules for checklists match decisions/*/checklists/, not the "
                           "folder it leads to, so approvals there would need no owner's review; commit the folder itself", code="LB212")
        return layout
    listing = _listing(decisions)
    layout.naming.extend(_collisions(listing, "decisions", None))
    for entry in listing:
        rel = "decisions/" + entry.name
        if entry.is_symlink() and entry.is_dir():
            stray(rel, "is a link to a folder; Launchboard does not follow folder links", code="LB001")
        elif entry.is_file(follow_symlinks=True) or entry.is_symlink():
            if entry.name == "policy.yaml":
                layout.files.append(RecordFile(entry.path, "decisions/policy.yaml", "policy", None))
            elif _is_yaml(entry.name):
                stray(rel, "is not a record: only policy.yaml sits at the top of decisions/; initiatives live in decisions/<id>/")
        elif entry.is_dir() and entry.name == FRAMEWORKS_FOLDER:
            _discover_frameworks(entry, rel, layout, stray)
        elif entry.is_dir():
            _discover_initiative(entry, rel, layout, stray)
    return layout


def _discover_frameworks(folder: os.DirEntry, rel: str, layout: Layout, stray: Any) -> None:
    """decisions/frameworks/<framework>.yaml: control packs, loaded beside the policy."""
    listing = _listing(folder.path)
    layout.naming.extend(_collisions(listing, rel, None))
    for entry in listing:
        path = rel + "/" + entry.name
        if entry.is_dir(follow_symlinks=False):
            if _holds_yaml(entry.path):
                stray(path, "is a folder inside frameworks/; framework packs sit directly in decisions/frameworks/")
        elif not _is_yaml(entry.name):
            continue
        elif entry.name.startswith("."):
            stray(path, "hidden record files are skipped by the site; remove the leading dot")
        elif not entry.name.endswith((".yaml", ".yml")):
            stray(path, "record file names end in lower-case .yaml; rename it")
        elif entry.is_symlink():
            stray(path, "is a link: CODEOWNERS covers the link, not the file it leads to, so the pack (what the "
                        "policy's controls mean) could change without review; commit the pack itself", code="LB212")
        else:
            layout.files.append(RecordFile(entry.path, _printable(path), "framework", None))


def _listing(folder: str) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted(entries, key=lambda e: e.name)


def _printable(rel: str) -> str:
    """relative_name for a path that is already relative and POSIX."""
    if rel.isascii() and rel.isprintable() and len(rel) <= 4096:
        return rel  # what the general case below returns for it, without the work
    return clean_text(rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"), 4096)


def _collisions(listing: list[os.DirEntry], folder_rel: str, initiative: str | None) -> list[Problem]:
    """Names in one folder that differ only by case or Unicode form collide on macOS and Windows."""
    problems = []
    seen: dict[str, str] = {}
    for entry in listing:
        name = entry.name
        key = normalise_id(name)
        if key in seen:
            problems.append(Problem(Location(_printable(f"{folder_rel}/{name}")), Severity.ERROR, "LB115",
                                    f"{name!r} and {seen[key]!r} differ only by case or Unicode form; rename one",
                                    initiative if initiative is not None else _printable(name)))
        else:
            seen[key] = name
    return problems


def _is_yaml(name: str) -> bool:
    return name.lower().endswith((".yaml", ".yml"))


def _holds_yaml(folder: str, limit: int = 2000) -> bool:
    """Whether FOLDER holds a YAML file anywhere below it (bounded: a hostile tree stays cheap)."""
    seen = 0
    for _, _, names in os.walk(folder):
        if any(_is_yaml(name) for name in names):
            return True
        seen += len(names) + 1
        if seen > limit:
            return False
    return False


# The folders of an initiative that hold records, and the kind of record each holds (from
# core/kinds.py); every one is discovered by the same rules (names, links, strays).
RECORD_FOLDERS = kinds.INITIATIVE_FOLDERS


def _discover_initiative(folder: os.DirEntry, rel: str, layout: Layout, stray: Any) -> None:
    """The records of one initiative folder; anything YAML that would be skipped is reported (LB008)."""
    initiative = _printable(folder.name)
    initiative_file = os.path.join(folder.path, "initiative.yaml")
    if os.path.lexists(initiative_file):
        layout.files.append(RecordFile(initiative_file, _printable(rel + "/initiative.yaml"), "initiative", initiative))
        if not is_id(folder.name) and os.path.exists(initiative_file):
            # The folder name is the initiative's id and its site path.
            layout.naming.append(Problem(
                Location(_printable(rel + "/initiative.yaml")), Severity.ERROR, "LB110",
                f"folder name {clean_text(folder.name, 64)!r} is not a valid id: use lowercase letters, digits and hyphens",
                initiative))
    else:
        stray(rel, f"folder {clean_text(initiative, 80)!r} has no initiative.yaml; add one or remove the folder", initiative, "LB116")
    listing = _listing(folder.path)
    layout.naming.extend(_collisions(listing, rel, initiative))
    for entry in listing:
        path = rel + "/" + entry.name
        if entry.name == "initiative.yaml":
            continue
        if entry.name in RECORD_FOLDERS and entry.is_dir(follow_symlinks=False):
            records = _listing(entry.path)
            layout.naming.extend(_collisions(records, path, initiative))
            layout.files.extend(_discover_records(records, path, entry.name, initiative, stray))
        elif entry.name in RECORD_FOLDERS:
            stray(path, f"{entry.name} must be a folder of records (a link or a file is not read)", initiative)
            if entry.is_dir():  # a link to a folder: not read, but its names still collide elsewhere
                layout.naming.extend(_collisions(_listing(entry.path), path, initiative))
        elif entry.is_dir(follow_symlinks=False):
            if _holds_yaml(entry.path):
                stray(path, "holds YAML files Launchboard does not read: records go in adr/ (decisions), checklists/ and runbooks/", initiative)
        elif _is_yaml(entry.name):
            stray(path, "is not a record: an initiative folder holds initiative.yaml, adr/, checklists/ and runbooks/", initiative)


# A checklist's approvals are real only if its owners must review every change to it: the
# CODEOWNERS rules `launchboard codeowners` writes match `checklists/<id>.yaml` itself, so a
# file under another name, or a link whose target lives elsewhere, is refused, not counted.
_UNCOVERED_CHECKLIST = {
    False: "checklist files are named <checklist-id>.yaml: the CODEOWNERS rules from `launchboard codeowners` "
           "cover no other name, so no owner would review it; rename it to .yaml",
    True: "is a link: CODEOWNERS covers the link, not the file it leads to, so its approvals could change "
          "without an owner's review; commit the checklist itself",
}


_UNCOVERED_RUNBOOK_LINK = ("is a link: CODEOWNERS covers the link, not the file it leads to, so its exercises "
                           "could change without the runbook owners' review; commit the runbook itself")


def _discover_records(listing: list[os.DirEntry], folder_rel: str, folder_name: str, initiative: str, stray: Any) -> list[RecordFile]:
    kind = RECORD_FOLDERS[folder_name]
    found: list[RecordFile] = []
    for record in listing:
        rel = folder_rel + "/" + record.name
        if record.is_dir(follow_symlinks=False):
            if _is_yaml(record.name):
                stray(rel, "is a folder where a record file was expected", initiative)
            elif _holds_yaml(record.path):
                stray(rel, f"is a folder inside {folder_name}/; records sit directly in {folder_name}/", initiative)
        elif not _is_yaml(record.name):
            continue
        elif record.name.startswith("."):
            stray(rel, "hidden record files are skipped by the site; remove the leading dot", initiative)
        elif not record.name.endswith((".yaml", ".yml")):
            stray(rel, "record file names end in lower-case .yaml; rename it", initiative)
        elif kind == "checklist" and (record.name.endswith(".yml") or record.is_symlink()):
            stray(rel, _UNCOVERED_CHECKLIST[record.is_symlink()], initiative, "LB212")
        elif kind == "runbook" and record.is_symlink():  # its exercises gate a stage, like approvals
            stray(rel, _UNCOVERED_RUNBOOK_LINK, initiative, "LB212")
        elif kind == "runbook" and record.name.endswith(".yml"):  # one name a runbook: its page, alerts, diff
            stray(rel, "runbook files are named <runbook-id>.yaml, one file a runbook (a .yml beside the .yaml would "
                       "count for the gate but not for its page, its alerts or the diff); rename it", initiative)
        else:
            found.append(RecordFile(record.path, _printable(rel), kind, initiative))
    return found
