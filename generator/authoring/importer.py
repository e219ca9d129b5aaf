"""Import Markdown decision records (MADR 2.x-4.x, adr-tools/Nygard) as Launchboard decisions.

The originals are only read. Each record becomes `decisions/<initiative>/adr/NNNN-slug.yaml`;
what has a Launchboard field is mapped to it (title, status, date, deciders, context, options
with pros and cons, outcome, consequences, supersession), what has none is kept under
`x-imported` and reported as a note, so nothing is lost silently. Markdown stays Markdown:
the (md) fields take it as it was written.

Where a folder does not say something the MADR way, the import reads what it can and says
what it did rather than guess: a record numbered 0 is numbered after the highest; links
resolve by file name (date-named log4brains files); a choice that cannot be read becomes an
`undecided` placeholder on a proposed record; prose consequences are filed by their wording.
README's "Migrating existing decision records" lists every such rule.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.authoring import scaffold
from generator.authoring.scaffold import HANDLE_RE, PlannedFile, ScaffoldError, slugify

MAX_SOURCE_BYTES = 1_000_000
MAX_OPTIONS = 10  # the schema's maxItems for options
SKIPPED_NAMES = {"readme.md", "index.md", "template.md", "adr-template.md", "toc.md"}
STATUS_WORDS = {
    "proposed": "proposed", "draft": "proposed", "pending": "proposed", "open": "proposed",
    "proposal": "proposed", "suggested": "proposed", "wip": "proposed", "review": "proposed",
    "accepted": "accepted", "approved": "accepted", "agreed": "accepted", "done": "accepted",
    "adopted": "accepted", "implemented": "accepted", "decided": "accepted",
    "rejected": "rejected", "declined": "rejected", "abandoned": "rejected", "withdrawn": "rejected",
    "cancelled": "rejected", "canceled": "rejected",
    "deprecated": "deprecated", "obsolete": "deprecated", "retired": "deprecated",
    "depreciated": "deprecated", "deprected": "deprecated", "outdated": "deprecated", "archived": "deprecated",
    "superseded": "superseded", "replaced": "superseded", "superseeded": "superseded", "superceded": "superseded",
}
# Statuses of more than one word, looked up before the first word alone: a decision paused or
# still being worked on is not in force, so it is imported as proposed (and the output says so).
STATUS_PHRASES = {
    "on hold": "proposed", "in progress": "proposed", "work in progress": "proposed",
    "under review": "proposed", "in review": "proposed", "under discussion": "proposed",
    "postponed": "proposed", "deferred": "proposed", "paused": "proposed", "parked": "proposed",
}
_SUPERSEDED_WORDS = {"superseded", "superseeded", "superceded"}
# Which approach an option's words suggest; the first match wins, the fallback is no-llm.
# Only terms of the trade count: "retrieve the latest row" or "a prompt reply" is ordinary English.
APPROACH_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hybrid", re.compile(r"\bhybrid\b", re.I)),
    ("fine-tune", re.compile(r"fine[- ]?tun|\bLoRA\b|\btrain(?:ing)? (?:a|our|the)? ?model", re.I)),
    ("rag", re.compile(r"\bRAG\b|retrieval[- ]augment|vector (?:store|index|database|db|search)|\bembeddings?\b"
                       r"|semantic search", re.I)),
    ("prompt", re.compile(r"\bprompts?\b(?! (?:response|reply|replies|answer|payment|action|delivery))|prompting"
                          r"|prompt engineering|few[- ]shot|zero[- ]shot|\bLLMs?\b|\bGPT|\bmodel API\b", re.I)),
    ("buy", re.compile(r"\bbuy\b|vendor|off[- ]the[- ]shelf|\bSaaS\b|third[- ]party product", re.I)),
)
_NUMBERED_FILE = re.compile(r"(\d{1,4})[-_ ].*\.md\Z", re.I)
_DATED_FILE = re.compile(r"((?:19|20)\d{2})(\d{2})(\d{2})[-_]")  # log4brains: 20201016-slug.md
# A title's "ADR-12:" or "12." prefix. Matched at the start only, after the heading marks and
# trailing hashes were stripped with str methods: no pattern spans a run of spaces twice, so a
# long run costs linear time (the former single pattern backtracked cubically on one).
_TITLE_PREFIX = re.compile(r"(?:ADR[- ]?)?(\d{1,4})[.:)]?[ \t]+(?=\S)", re.I)
_META_LINE = re.compile(r"(?:[*-]\s+)?(status|date|deciders|decision-makers|decision makers|consulted|informed|technical story)\s*:\s*(.*)\Z", re.I)
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)\)")
_CHOSEN = re.compile(r'chosen option\s*:?\s*(?:"([^"]+)"|\u201c([^\u201d]+)\u201d|`([^`]+)`|\*\*([^*]+)\*\*|([^,.\n]+))\s*[,.]?\s*(.*)', re.I | re.S)
_BULLET = re.compile(r" ?[*+-]\s+(.*)")  # top level only; nested bullets continue their parent
_GOOD = re.compile(r"(?:good|pro|positive|\+)\s*[,:]?\s*(?:because\s+)?(.*)", re.I | re.S)
_BAD = re.compile(r"(?:bad|con|negative|-)\s*[,:]?\s*(?:because\s+)?(.*)", re.I | re.S)
_NEUTRAL = re.compile(r"neutral\s*[,:]?\s*(?:because\s+)?(.*)", re.I | re.S)


class ImportError_(Exception):  # noqa: N801 - ImportError is Python's own
    """The import cannot run at all (no such initiative, nothing to import, targets exist). Exit 2."""


@dataclass
class Note:
    source: str  # the Markdown file, as given
    message: str


@dataclass
class ParsedRecord:
    source: str
    number: int | None
    title: str
    status: str
    date: str
    deciders: list[str]
    context: str
    options: list[dict[str, Any]]
    chosen: str
    rationale: str
    positive: list[str]
    negative: list[str]
    supersedes_refs: list["Ref"]  # as written in the source: linked file or number
    superseded_by_refs: list["Ref"]
    extra: dict[str, Any] = field(default_factory=dict)  # becomes x-imported
    notes: list[str] = field(default_factory=list)


@dataclass
class ImportResult:
    planned: list[PlannedFile]
    notes: list[Note]


# --------------------------------------------------------------------------- Markdown reading


def _front_matter(text: str) -> tuple[dict[str, Any], str, list[str]]:
    """YAML front matter (MADR 3+) without anchors, aliases or tags; and the rest of the text."""
    if not text.startswith("---\n"):
        return {}, text, []
    end = text.find("\n---", 4)
    if end < 0:
        return {}, text, ["front matter has no closing '---'; read as Markdown"]
    block, rest = text[4:end], text[end + 4 :].split("\n", 1)[-1] if "\n" in text[end + 4 :] else ""
    try:
        for event in yaml.parse(block, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) or (
                getattr(event, "tag", None) and not getattr(event, "implicit", (True,))[0]
            ):
                return {}, rest, ["front matter uses YAML anchors, aliases or tags; ignored"]
        data = yaml.load(block, Loader=yaml.BaseLoader)  # every scalar stays a string
    except (yaml.YAMLError, RecursionError):
        return {}, rest, ["front matter is not valid YAML; ignored"]
    if not isinstance(data, dict):
        return {}, rest, ["front matter is not a mapping; ignored"]
    return {str(k).lower(): v for k, v in data.items()}, rest, []


def _sections(body: str) -> tuple[str, list[str], list[tuple[str, str]]]:
    """The H1 title, the lines before the first H2, and (H2 heading, text) in order."""
    title = ""
    preamble: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    fence = False
    for line in body.split("\n"):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and not title and line.startswith("# "):
            title = line.strip()
            continue
        if not fence and line.startswith("## "):
            sections.append((line[3:].strip().strip("#").strip(), []))
            continue
        (sections[-1][1] if sections else preamble).append(line)
    return title, preamble, [(h, "\n".join(lines).strip()) for h, lines in sections]


def _subsections(text: str) -> tuple[str, list[tuple[str, str]]]:
    lead: list[str] = []
    subs: list[tuple[str, list[str]]] = []
    for line in text.split("\n"):
        if line.startswith("### "):
            subs.append((line[4:].strip().strip("#").strip(), []))
        else:
            (subs[-1][1] if subs else lead).append(line)
    return "\n".join(lead).strip(), [(h, "\n".join(b).strip()) for h, b in subs]


def _bullets(text: str) -> tuple[list[str], str]:
    """Bullet items (continuation lines joined) and the text that is not a bullet."""
    items: list[str] = []
    other: list[str] = []
    for line in text.split("\n"):
        match = _BULLET.fullmatch(line)
        if match:
            items.append(match.group(1).strip())
        elif items and line.startswith(("  ", "\t")) and line.strip():
            items[-1] += " " + line.strip()
        else:
            other.append(line)
    return [i for i in items if i], "\n".join(other).strip()


@dataclass(frozen=True)
class Ref:
    """A record named in a supersession link: by its file name when linked, else by number."""

    file: str | None  # the linked file's name without .md, lower case
    number: int | None  # a number written in the link (never a date: 20201016 is no decision 2020)


_STANDALONE_NUMBER = re.compile(r"(?<![\d.])(\d{1,4})(?![\d])")
_DATED_STEM = re.compile(r"(?<![\w-])((?:19|20)\d{6}-[a-z0-9][a-z0-9-]*)", re.I)


def _link_ref(text: str, target: str) -> Ref | None:
    name = target.split("#", 1)[0].rsplit("/", 1)[-1]
    stem = re.sub(r"\.(?:md|markdown)\Z", "", name, flags=re.I)
    file = stem.lower() if stem != name else None
    match = re.match(r"(\d{1,4})[-_.]", stem)
    if match is None and not _DATED_FILE.match(stem):
        match = re.search(r"(?:ADR[- ]?|#)?" + _STANDALONE_NUMBER.pattern, text, re.I)
    number = int(match.group(1)) if match else None
    return Ref(file, number) if file or number is not None else None


def _references(text: str, verb: str) -> list[Ref]:
    """The records linked after "Supersedes" / "Superseded by" in `text`."""
    found: list[Ref] = []
    for line in text.split("\n"):
        stripped = _BULLET.sub(r"\1", line).strip()
        if not re.match(rf"(?:status\s*:\s*)?{verb}\b", stripped, re.I):
            continue
        links = _LINK.findall(stripped)
        if links:
            found += [r for r in (_link_ref(t, u) for t, u in links) if r is not None]
        else:
            rest = re.split(verb, stripped, maxsplit=1, flags=re.I)[-1]
            found += [Ref(m.lower(), None) for m in _DATED_STEM.findall(rest)]
            rest = re.sub(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,4}", "", _DATED_STEM.sub("", rest))  # dates name no record
            found += [Ref(None, int(n)) for n in _STANDALONE_NUMBER.findall(rest)]
    return found


def _status(raw: str) -> tuple[str, str | None]:
    """The mapped status and, when the word was not one of Launchboard's, a note."""
    words = re.findall(r"[a-z]+", _LINK.sub(r"\1", raw).lower())
    if not words:
        return "proposed", "no status found; set to proposed"
    if _SUPERSEDED_WORDS & set(words):
        return "superseded", None
    phrase = " ".join(words)
    for said, mapped in STATUS_PHRASES.items():
        if phrase == said or phrase.startswith(said + " "):
            return mapped, f"status {raw.strip()!r} mapped to {mapped} (not in force yet); check it"
    word = words[0]
    if word in STATUS_WORDS:
        mapped = STATUS_WORDS[word]
        return mapped, None if mapped == word else f"status {raw.strip()!r} mapped to {mapped}"
    return "proposed", f"status {raw.strip()!r} has no Launchboard equivalent; set to proposed"


def _date(raw: str) -> tuple[str | None, str | None]:
    """The ISO date and, when only a month was given, a note: the first of that month is used."""
    raw = raw.strip().strip("\"'").strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date().isoformat(), None
        except ValueError:
            continue
    match = re.match(r"(\d{4}-\d{2}-\d{2})", raw)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1)).isoformat(), None
        except ValueError:
            return None, None
    for fmt in ("%Y-%m", "%Y/%m", "%B %Y", "%b %Y"):
        try:
            day = dt.datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
        return day, f"date {raw!r} names a month only; set to its first day, {day}"
    return None, None


def _people(raw: Any) -> tuple[list[str], list[str]]:
    """Handles, and the names that are not handles (kept and reported)."""
    if isinstance(raw, list):
        parts = [str(p) for p in raw]
    else:
        parts = re.split(r",|;|\band\b", str(raw or ""))
    handles, names = [], []
    for part in (p.strip().strip("\"'") for p in parts):
        if not part:
            continue
        (handles if HANDLE_RE.fullmatch(part) else names).append(part)
    return list(dict.fromkeys(handles)), names


def _approach(text: str) -> tuple[str, bool]:
    for approach, pattern in APPROACH_HINTS:
        if pattern.search(text):
            return approach, True
    return "no-llm", False


_CHOSEN_MARK = re.compile(r"\s*[(\[]\s*(?:chosen|selected|accepted|decided|preferred)\s*[)\]]\s*\Z", re.I)
_OPTION_LABEL = re.compile(r"(?i:option|alternative|approach)\s+(?:\d+|[A-Za-z])\s*[:.)\u2013\u2014-]\s*(?=\S)"
                           r"|(?:\d{1,2}|[A-Z])[.):]\s+(?=\S)")  # "Option 2:", "2.", "B)"
# A line that opens a group of arguments inside an option: "**Pros**:", "Cons:", "#### Advantages".
_ARGUMENT_LABEL = re.compile(
    r"(?:#{3,6}[ \t]*)?[*_]{0,2}(pros|cons|advantages|disadvantages|benefits|drawbacks|good|bad|neutral)"
    r"[*_]{0,2}[ \t]*:?[ \t]*[*_]{0,2}[ \t]*:?", re.I)
_GROUP_OF = {"pros": "pros", "advantages": "pros", "benefits": "pros", "good": "pros",
             "cons": "cons", "disadvantages": "cons", "drawbacks": "cons", "bad": "cons", "neutral": "neutral"}


def _option_name(raw: str) -> str:
    """An option's name from a bullet or heading: links, emphasis, "Option 2:" and "(Chosen)" removed."""
    name = " ".join(_LINK.sub(r"\1", raw).split())  # one space between words: the patterns below stay linear
    name = re.sub(r"[*_`]", "", name).strip()
    name = _CHOSEN_MARK.sub("", name).strip()
    name = _OPTION_LABEL.sub("", name, count=1).strip() if _OPTION_LABEL.match(name) else name
    return re.split(r"\s+[-\u2013\u2014:]\s+", name, maxsplit=1)[0].strip() or name


def _arguments(content: str) -> tuple[str, list[str], list[str], list[str]]:
    """An option's description: summary prose, pros, cons and neutral arguments.

    Bullets count by their group label ("**Pros**:", "#### Cons") when there is one, else by
    their own wording ("Good, because ..."); a bullet that says neither is neutral.
    """
    groups: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in content.split("\n"):
        label = _ARGUMENT_LABEL.fullmatch(line.strip())
        if label:
            groups.append((_GROUP_OF[label.group(1).lower()], []))
        else:
            groups[-1][1].append(line)
    summary: list[str] = []
    pros: list[str] = []
    cons: list[str] = []
    neutral: list[str] = []
    for group, lines in groups:
        items, prose = _bullets("\n".join(lines))
        if prose:
            summary.append(prose)
        for item in items:
            if group is not None:
                {"pros": pros, "cons": cons, "neutral": neutral}[group].append(item)
            elif (m := _NEUTRAL.fullmatch(item)) and item.lower().startswith("neutral"):
                neutral.append(m.group(1).strip())
            elif re.match(r"(good|pro)\b", item, re.I):
                pros.append(_GOOD.fullmatch(item).group(1).strip() or item)
            elif re.match(r"(bad|con)\b", item, re.I):
                cons.append(_BAD.fullmatch(item).group(1).strip() or item)
            else:
                neutral.append(item)
    return "\n\n".join(summary), pros, cons, neutral


# Wording that marks an unlabelled consequence as a drawback (adr-tools writes consequences as
# prose, good and bad together). Anything else is filed as positive; the output says to check.
_DRAWBACK = re.compile(
    r"\b(?:won't|will not|cannot|can't|can not|unable|no longer|not (?:be|easily|work|support|possible)"
    r"|no automated|harder|more (?:difficult|complex|complicated|work|effort|expensive|code)|difficult"
    r"|complicated|complexity|risks?|costs?|costly|overhead|slower|drawbacks?|downsides?|disadvantages?"
    r"|lose|loses|losing|loss|have to|has to|must|burden|limitations?|however|at the expense"
    r"|breaking|duplicat\w*|regress\w*)\b", re.I)


def _paragraphs(text: str) -> list[str]:
    """Top-level bullets and prose paragraphs, each on one line."""
    items, prose = _bullets(text)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n[ \t]*\n", prose) if p.strip()]
    return paragraphs + items


def _sort_unmarked(items: list[str], positive: list[str], negative: list[str]) -> tuple[int, int]:
    """File unlabelled consequences by their wording; return how many went to each list."""
    counts = [0, 0]
    for item in items:
        drawback = bool(_DRAWBACK.search(item))
        (negative if drawback else positive).append(item)
        counts[drawback] += 1
    return counts[0], counts[1]


_WORD = re.compile(r"[a-z][a-z0-9]{3,}")
_COMMON_WORDS = {"with", "from", "that", "this", "into", "over", "than", "their", "them", "have", "will",
                 "using", "use", "uses", "option", "approach", "based", "each", "only", "more", "less"}
_NEGATION = re.compile(r"\b(?:not|no|never|against|instead of|rather than|reject\w*|drop\w*|n't)\b", re.I)


def _inferred_choice(options: list[dict[str, Any]], text: str) -> dict[str, Any] | None:
    """The one option the decision text names (by a word no other option has), else None.

    Used only when there is no "Chosen option:" line. A sentence naming it with a negation
    ("we do not use X", "instead of X") makes the choice unreadable rather than guessed.
    """
    words_of = {o["id"]: set(_WORD.findall(o["name"].lower())) - _COMMON_WORDS for o in options}
    own_words = {
        o["id"]: words_of[o["id"]] - set().union(*(w for i, w in words_of.items() if i != o["id"])) for o in options
    }
    sentences = [s for s in re.split(r"(?<=[.!?])\s+|\n", _LINK.sub(r"\1", text)) if s.strip()]
    # The first sentence usually states the decision ("Use X in core."); then the whole text.
    for scope in (sentences[:1], sentences):
        named = {i: [s for s in scope if own & set(_WORD.findall(s.lower()))] for i, own in own_words.items()}
        named = {i: hits for i, hits in named.items() if hits}
        if len(named) == 1:
            option_id, hits = next(iter(named.items()))
            if any(_NEGATION.search(s) for s in hits):
                return None
            return next(o for o in options if o["id"] == option_id)
        if named:
            return None
    return None


def _classify_consequences(text: str, positive: list[str], negative: list[str]) -> list[str]:
    """Sort bullets into positive/negative by their "Good/Bad, because" wording; return the rest."""
    items, prose = _bullets(text)
    rest = [prose] if prose else []
    for item in items:
        if _NEUTRAL.match(item):
            rest.append(item)
        elif (m := _GOOD.fullmatch(item)) and re.match(r"(good|pro|positive)\b", item, re.I):
            positive.append(m.group(1).strip() or item)
        elif (m := _BAD.fullmatch(item)) and re.match(r"(bad|con|negative)\b", item, re.I):
            negative.append(m.group(1).strip() or item)
        else:
            rest.append(item)
    return rest


def _title_parts(line: str) -> tuple[int | None, str]:
    """The number and the title of an H1 line ("# 12. Use X", "# ADR-0012: Use X ##")."""
    text = line.lstrip("#").strip().rstrip("#").rstrip()  # str methods: linear on any run of spaces
    match = _TITLE_PREFIX.match(text)
    number = int(match.group(1)) if match else None
    title = text[match.end():] if match else text
    return number, " ".join(title.split())


def parse_record(text: str, source: str) -> ParsedRecord:
    """One Markdown decision record, whatever its flavour (MADR 2/3/4, Nygard/adr-tools)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    meta, body, notes = _front_matter(text)
    title_line, preamble, sections = _sections(body)
    extra: dict[str, Any] = {}

    number = None
    file_match = _NUMBERED_FILE.match(Path(source).name)
    if file_match:
        number = int(file_match.group(1))
    title = ""
    if title_line:
        title_number, title = _title_parts(title_line)
        if number is None and title_number is not None:
            number = title_number
    title = _LINK.sub(r"\1", title) or str(meta.get("title", "") or "") or Path(source).stem
    meta.pop("title", None)
    if len(title) > scaffold.TITLE_MAX:
        notes.append(f"title shortened to {scaffold.TITLE_MAX} characters")
        title = title[: scaffold.TITLE_MAX - 1].rstrip() + "\u2026"

    # Metadata: front matter (MADR 3+), "* Status:" bullets (MADR 2), "Date:" lines (Nygard).
    for line in preamble:
        match = _META_LINE.fullmatch(line.strip())
        if match:
            meta.setdefault(match.group(1).lower().replace(" ", "-"), match.group(2).strip())
    # The rest of the preamble is context; its blank lines separate paragraphs, so they stay.
    kept = [l for l in preamble if not _META_LINE.fullmatch(l.strip())]
    leftover_preamble = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", "\n".join(kept)).strip()

    by_name: dict[str, str] = {}
    order: list[str] = []
    for heading, content in sections:
        key = heading.lower()
        if key in by_name:
            by_name[key] += "\n\n" + content
        else:
            by_name[key] = content
            order.append(key)
    used: set[str] = set()

    def take(*names: str) -> str | None:
        for name in names:
            if name in by_name:
                used.add(name)
                return by_name[name]
        return None

    raw_status = str(meta.pop("status", "") or "")
    status_section = take("status")
    supersedes = _references(raw_status, "supersedes")
    superseded_by = _references(raw_status, "superseded by")
    if status_section is not None:
        first = next((l for l in status_section.split("\n") if l.strip()), "")
        raw_status = raw_status or first
        supersedes += _references(status_section, "supersedes")
        superseded_by += _references(status_section, "superseded by")
        if superseded_by or re.search(r"^\s*superseded\b", status_section, re.I | re.M):
            raw_status = "superseded"
        other = [l for l in status_section.split("\n") if l.strip() and l != first
                 and not re.match(r"\s*(supersedes|superseded by)\b", l, re.I)]
        if other:
            extra["status"] = "\n".join(other)
            notes.append("status section has lines other than the status and supersession links; kept under x-imported.status")
    status, note = _status(raw_status)
    if note:
        notes.append(note)

    raw_date = str(meta.pop("date", "") or "")
    if not raw_date and meta.get("created"):
        raw_date = str(meta.pop("created"))
    date, date_note = _date(raw_date) if raw_date else (None, None)
    dated_file = _DATED_FILE.match(Path(source).name)
    if date_note:
        notes.append(date_note)
    elif raw_date and not date:
        notes.append(f"date {raw_date!r} is not a date; set to the import date")
    elif not raw_date and dated_file:
        date, _ = _date("-".join(dated_file.groups()))
        notes.append(f"no date line; {date} taken from the file name" if date else "no date found; set to the import date")
    elif not raw_date:
        notes.append("no date found; set to the import date")

    raw_people = meta.pop("deciders", None) or meta.pop("decision-makers", None) or ""
    deciders, names = _people(raw_people)
    if names:
        extra["deciders"] = names
        notes.append(f"deciders {', '.join(names)} are not @handles; kept under x-imported.deciders")
    for key in ("consulted", "informed"):
        if meta.get(key):
            extra[key] = meta.pop(key)
            notes.append(f"{key} has no Launchboard field; kept under x-imported.{key}")

    context_parts = []
    if leftover_preamble:
        context_parts.append(leftover_preamble)
    story = meta.pop("technical-story", None)
    if story:
        context_parts.append(f"Technical story: {story}")
    context = take("context and problem statement", "context", "context and problem", "problem statement")
    if context:
        context_parts.append(context)
    drivers = take("decision drivers")
    if drivers:
        context_parts.append("Decision drivers:\n\n" + drivers)
    if not context_parts:
        notes.append("no context section; a placeholder was written")
        context_parts.append(f"Imported from {Path(source).name}; the original has no context section.")

    # Options: "Considered Options" bullets, detailed under "Pros and Cons of the Options";
    # or (Nygard variants) one "### Option N: name" subsection per option under "## Options".
    options: list[dict[str, Any]] = []
    marked: list[str] = []  # ids of options whose heading says "(Chosen)"

    def option_for(name: str) -> dict[str, Any]:
        wanted = slugify(name, 60)
        for option in options:
            if option["id"] == wanted or option["name"].lower() == name.lower():
                return option
        option_id, n = wanted, 2
        while any(o["id"] == option_id for o in options):
            option_id, n = f"{wanted[:56]}-{n}", n + 1
        option = {"id": option_id, "name": name, "summary": "", "pros": [], "cons": []}
        options.append(option)
        return option

    def describe(heading: str, content: str) -> None:
        option = option_for(_option_name(heading))
        if _CHOSEN_MARK.search(" ".join(re.sub(r"[*_`]", "", heading).split())):
            marked.append(option["id"])
        summary, pros, cons, neutral = _arguments(content)
        if summary:
            option["summary"] = "\n\n".join(p for p in (option["summary"], summary) if p)
        option["pros"] += pros
        option["cons"] += cons
        if neutral:
            option.setdefault("neutral", []).extend(neutral)

    considered = take("considered options", "options considered", "options")
    alternatives = None if considered is not None else take(
        "alternatives considered", "considered alternatives", "alternatives", "rejected alternatives")
    if alternatives is not None:
        # Nygard-style: "## Decision" states the choice, "## Alternatives Considered" what was not chosen.
        considered = alternatives
    if considered:
        lead, subs = _subsections(considered)
        for item in _bullets(lead)[0]:
            option_for(_option_name(item))
        for heading, content in subs:
            summary, pros, cons, neutral = _arguments(content)
            if neutral and not (summary or pros or cons):
                # Only plain bullets: a group of options under a heading ("### Search index"), not one option.
                for item in neutral:
                    option_for(_option_name(item))
            else:
                describe(heading, content)
    pros_cons = take("pros and cons of the options", "pros and cons")
    if pros_cons:
        _, subs = _subsections(pros_cons)
        for heading, content in subs:
            describe(heading, content)

    positive: list[str] = []
    negative: list[str] = []
    unmarked: list[str] = []
    chosen = ""
    rationale = ""
    decision_text = ""

    def consequence_sections(subs: list[tuple[str, str]], where: str) -> None:
        for heading, content in subs:
            key = heading.lower().strip(" :")
            if key in ("positive consequences", "positive", "pros", "benefits", "good"):
                positive.extend(_bullets(content)[0] or _paragraphs(content))
            elif key in ("negative consequences", "negative", "cons", "drawbacks", "bad"):
                negative.extend(_bullets(content)[0] or _paragraphs(content))
            elif key in ("consequences", "neutral", "neutral consequences"):
                unmarked.extend(_classify_consequences(content, positive, negative))
            else:
                name = slugify(heading, 40)
                extra[name] = content
                notes.append(f"'{heading}' ({where}) has no Launchboard field; kept under x-imported.{name}")

    outcome = take("decision outcome", "decision", "outcome")
    if outcome is not None:
        lead, subs = _subsections(outcome)
        decision_text = lead
        match = _CHOSEN.search(lead)
        if match:
            name = next(g for g in match.groups()[:5] if g)
            rationale = (match.group(6) or "").strip()
            if match.group(5):
                # Unquoted: prefer the longest listed option the sentence starts with ("MADR 3.0.0, because").
                said = lead[match.start(5):]
                known = [o for o in options if said.lower().startswith(o["name"].lower())]
                if known:
                    best = max(known, key=lambda o: len(o["name"]))
                    name = best["name"]
                    rationale = said[len(name):].lstrip(" ,.")
            chosen = option_for(_option_name(name.strip()))["id"]
            rationale = re.sub(r"^because\s+", "", rationale, flags=re.I).strip()
            rationale = rationale[:1].upper() + rationale[1:] if rationale else ""
        else:
            rationale = lead
        consequence_sections(subs, "under the decision")
    consequences = take("consequences")
    if consequences:
        lead, subs = _subsections(consequences)
        unmarked.extend(_classify_consequences(lead, positive, negative))
        consequence_sections(subs, "under consequences")
    unmarked = [p for text in unmarked for p in _paragraphs(text)]
    if unmarked:
        good, bad = _sort_unmarked(unmarked, positive, negative)
        notes.append(
            f"{len(unmarked)} consequence(s) not marked good or bad: filed by their wording as {good} positive "
            f"and {bad} negative; check them"
        )

    chosen_unread = False
    if not chosen and not marked and alternatives is not None and (outcome or "").strip():
        option = option_for(title)
        options.insert(0, options.pop(options.index(option)))
        chosen = option["id"]
        notes.append(f"the decision itself became option {chosen!r}, chosen; the alternatives considered are the other options")
    if not chosen and len(set(marked)) == 1:
        chosen = marked[0]
        notes.append(f"outcome.chosen is {chosen!r}, the option whose heading marks it chosen")
    elif not chosen and options:
        inferred = _inferred_choice(options, decision_text)
        if inferred is not None:
            chosen = inferred["id"]
            notes.append(f"no 'Chosen option' line; outcome.chosen is {chosen!r}, the only option the decision "
                         "text names; check it")
        else:
            chosen_unread = True
            option = option_for("undecided")
            option["summary"] = ("Placeholder written by the import: the original record does not say which "
                                 "option was chosen. Set outcome.chosen to that option and delete this one.")
            chosen = option["id"]
            if status == "accepted":
                status = "proposed"
            notes.append(f"the chosen option cannot be read (no 'Chosen option' line, and the decision text names "
                         f"no single option): outcome.chosen is the placeholder {chosen!r} and the status is {status}; "
                         f"set both by hand")
    elif not chosen:
        # Nygard records state one decision: it becomes the single, chosen option.
        option = option_for(title)
        chosen = option["id"]
        notes.append(f"no options listed; the decision itself became option {chosen!r}")
    if len(options) > MAX_OPTIONS:
        keep_ids = {chosen}  # the chosen option first, then the others in the order written
        for option in options:
            if len(keep_ids) < MAX_OPTIONS:
                keep_ids.add(option["id"])
        keep = [o for o in options if o["id"] in keep_ids]
        dropped = [o for o in options if o["id"] not in keep_ids]
        extra["options-beyond-10"] = [o["name"] for o in dropped]
        notes.append(f"{len(options)} options, more than the {MAX_OPTIONS} a decision may list; "
                     f"{len(dropped)} kept under x-imported.options-beyond-10")
        options[:] = [o for o in options if o in keep]
    for option in options:
        if chosen_unread and option["id"] == chosen:
            option["approach"] = "no-llm"
            continue
        words = [option["name"], option["summary"], *option["pros"], *option["cons"]]
        if option["id"] == chosen:
            words.append(rationale)
        approach, guessed = _approach(" ".join(words))
        option["approach"] = approach
        how = f"guessed {approach!r} from its text" if guessed else "set to 'no-llm' (no LLM approach named)"
        notes.append(f"option {option['id']!r}: approach {how}; check it")
        if option.get("neutral"):
            notes.append(f"option {option['id']!r}: neutral arguments kept under x-imported.neutral-{option['id']}")
            extra[f"neutral-{option['id']}"] = option.pop("neutral")

    for link_section in ("links", "more information", "related decisions"):
        content = take(link_section)
        if content is not None:
            supersedes += _references(content, "supersedes")
            superseded_by += _references(content, "superseded by")
            extra[slugify(link_section, 40)] = content
            notes.append(f"'{link_section}' kept under x-imported.{slugify(link_section, 40)}")
    for key in order:
        if key not in used:
            extra[slugify(key, 40)] = by_name[key]
            notes.append(f"section '{key}' has no Launchboard field; kept under x-imported.{slugify(key, 40)}")
    for key, value in meta.items():
        extra[slugify(str(key), 40)] = value
        notes.append(f"front matter '{key}' has no Launchboard field; kept under x-imported.{slugify(str(key), 40)}")

    return ParsedRecord(
        source=source, number=number, title=title, status=status, date=date or "", deciders=deciders,
        context="\n\n".join(context_parts), options=options, chosen=chosen, rationale=rationale,
        positive=positive, negative=negative, supersedes_refs=list(dict.fromkeys(supersedes)),
        superseded_by_refs=list(dict.fromkeys(superseded_by)), extra=extra, notes=notes,
    )


# --------------------------------------------------------------------------- YAML writing


class _Dumper(yaml.SafeDumper):
    pass


def _str_representer(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    if style and any(line != line.rstrip() for line in value.split("\n")):
        style = None  # trailing spaces cannot be kept in a block scalar: quote instead
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)


# The schema's limits on imported lists and texts: what is over them is cut here and kept whole
# under x-imported, so the record passes `check` and nothing is lost.
ITEM_MAX, SUMMARY_MAX, ARGUMENTS_MAX, CONSEQUENCES_MAX = 1000, 5000, 20, 30


def _fit_text(text: str, limit: int, where: str, record: ParsedRecord) -> str:
    if len(text) <= limit:
        return text
    record.extra[f"full-{where}"] = text
    record.notes.append(f"{where} is longer than {limit} characters: shortened, kept whole under x-imported.full-{where}")
    return text[: limit - 1].rstrip() + "\u2026"


def _fit_list(items: list[str], limit: int, where: str, record: ParsedRecord) -> list[str]:
    fitted = [_fit_text(item, ITEM_MAX, f"{where}-{n + 1}", record) for n, item in enumerate(items)]
    if len(fitted) > limit:
        record.extra[f"more-{where}"] = items[limit:]
        record.notes.append(f"{where}: {len(items)} entries, more than {limit}; the rest kept under x-imported.more-{where}")
    return fitted[:limit]


def _fit_to_schema(record: ParsedRecord) -> None:
    for option in record.options:
        option["summary"] = _fit_text(option["summary"], SUMMARY_MAX, f"summary-{option['id']}", record)
        option["pros"] = _fit_list(option["pros"], ARGUMENTS_MAX, f"pros-{option['id']}", record)
        option["cons"] = _fit_list(option["cons"], ARGUMENTS_MAX, f"cons-{option['id']}", record)
    record.positive = _fit_list(record.positive, CONSEQUENCES_MAX, "positive", record)
    record.negative = _fit_list(record.negative, CONSEQUENCES_MAX, "negative", record)
    record.context = _fit_text(record.context, 20000, "context", record)
    record.rationale = _fit_text(record.rationale, 20000, "rationale", record)


def _decision_document(record: ParsedRecord, number: int, supersedes: list[int], deciders: list[str], today: str) -> dict[str, Any]:
    _fit_to_schema(record)
    options = []
    for option in record.options:
        entry: dict[str, Any] = {"id": option["id"], "approach": option["approach"]}
        summary = option["summary"].strip() or (option["name"] if option["name"] != option["id"] else "")
        if summary:
            entry["summary"] = summary
        if option["pros"]:
            entry["pros"] = option["pros"]
        if option["cons"]:
            entry["cons"] = option["cons"]
        options.append(entry)
    doc: dict[str, Any] = {
        "number": number,
        "title": record.title,
        "status": record.status,
        "date": record.date or today,
        "deciders": deciders,
        "context": record.context.strip() + "\n" if "\n" in record.context.strip() else record.context.strip(),
        "options": options,
        "outcome": {"chosen": record.chosen},
    }
    if record.rationale.strip():
        doc["outcome"]["rationale"] = record.rationale.strip()
    if record.positive or record.negative:
        doc["consequences"] = {k: v for k, v in (("positive", record.positive), ("negative", record.negative)) if v}
    if supersedes:
        doc["supersedes"] = supersedes
    imported = {"source": record.source, **record.extra}
    doc["x-imported"] = imported
    return doc


def render_record(doc: dict[str, Any], target: str, source: str, notes: list[str]) -> str:
    depth = target.count("/")
    header = [
        f"# yaml-language-server: $schema={'../' * depth}schemas/decision.schema.json",
        f"# Imported by `launchboard import adr` from {scaffold.comment(source)}; review before merging.",
    ]
    header += [f"# - {scaffold.comment(n)}" for n in notes]
    body = yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return "\n".join(header) + "\n" + body


# --------------------------------------------------------------------------- the whole folder


def _existing_initiative(root: Path, initiative: str):
    """The initiative as the pipeline reads it, for defaults and hints; None when it cannot load."""
    try:
        from generator.core.pipeline import load_portfolio

        return load_portfolio(root).initiative(initiative)
    except Exception:  # noqa: BLE001 - only defaults and hints depend on it
        return None


def import_directory(source: Path, root: Path, initiative: str, *, as_of: str | None = None,
                     deciders: list[str] | None = None, renumber: bool = False) -> ImportResult:
    """Plan the decision files for every Markdown record in `source`; nothing is written here."""
    try:
        folder = scaffold._initiative_dir(root, initiative)
        today = scaffold.today(as_of)
    except ScaffoldError as exc:
        raise ImportError_(str(exc)) from exc
    if not (folder / "initiative.yaml").is_file():
        raise ImportError_(
            f"decisions/{initiative}/initiative.yaml does not exist: "
            f"create it first with `launchboard new initiative {initiative}`"
        )
    notes: list[Note] = []
    records: list[ParsedRecord] = []
    for path in sorted(source.iterdir()):
        if path.suffix.lower() not in (".md", ".markdown") or not path.is_file():
            continue
        try:
            label = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            label = path.as_posix()
        if path.name.lower() in SKIPPED_NAMES or "template" in path.name.lower():
            notes.append(Note(label, "skipped: not a decision record"))
            continue
        if path.stat().st_size > MAX_SOURCE_BYTES:
            notes.append(Note(label, "skipped: larger than 1 MB"))
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (UnicodeDecodeError, OSError) as exc:
            notes.append(Note(label, f"skipped: cannot be read as UTF-8 ({exc.__class__.__name__})"))
            continue
        records.append(parse_record(text, label))
    if not records:
        raise ImportError_(f"no Markdown decision records found in {source}")

    # Numbers: as written (file name or title); records without one follow the highest. Number 0
    # (MADR's own 0000 record) is not a Launchboard number: that record, too, follows the highest,
    # so every other record keeps the number people know it by; links to it follow it.
    written = [r.number for r in records]
    taken: dict[int, ParsedRecord] = {}
    for record in records:
        if record.number == 0:
            record.number = None
        elif record.number is not None and record.number in taken:
            record.notes.append(f"number {record.number} is also used by {taken[record.number].source}; renumbered")
            record.number = None
        elif record.number is not None:
            taken[record.number] = record
    highest = max(taken, default=0)
    for record, was in zip(records, written):
        if record.number is None:
            highest += 1
            record.number = highest
            if was == 0:
                record.notes.append(f"number 0 is not allowed (decisions are numbered from 1): imported as "
                                    f"{record.number}, after the highest")
            else:
                record.notes.append(f"numbered {record.number}")
    existing = scaffold.next_decision_number(root, initiative) - 1
    offset = 0
    if existing and min(r.number for r in records) <= existing:
        if not renumber:
            raise ImportError_(
                f"{initiative} already has decisions numbered up to {existing}, and the imported numbers start at "
                f"{min(r.number for r in records)}; nothing was written (pass --renumber to number them from {existing + 1})"
            )
        offset = existing
        notes.append(Note(source.as_posix(), f"imported numbers shifted by {offset}: {initiative} already has decisions up to {existing}"))
    numbers = {r.number: r.number + offset for r in records}
    if max(numbers.values()) > 9999:
        raise ImportError_("decision numbers would exceed 9999")

    # Links name a record by its file (log4brains names files by date, 20201016-slug.md, so a
    # file name is the only reliable key) or, unlinked, by the number it was written with.
    by_file = {re.sub(r"\.(?:md|markdown)\Z", "", Path(r.source).name, flags=re.I).lower(): r for r in records}
    by_written: dict[int, ParsedRecord] = {}
    for record, was in zip(records, written):
        if was is not None:
            by_written.setdefault(was, record)

    def resolve(ref: Ref) -> ParsedRecord | None:
        if ref.file is not None and ref.file in by_file:
            return by_file[ref.file]
        return by_written.get(ref.number) if ref.number is not None else None

    def named(ref: Ref) -> str:
        return f"{ref.file}.md" if ref.file else str(ref.number)

    # Supersession: Launchboard records it on the newer decision only.
    supersedes: dict[int, list[int]] = {r.number: [] for r in records}
    for record in records:
        for ref in record.supersedes_refs:
            old = resolve(ref)
            if old is None:
                record.notes.append(f"supersedes {named(ref)}, which is not among the imported records; link dropped")
            elif old is not record and old.number not in supersedes[record.number]:
                supersedes[record.number].append(old.number)
        for ref in record.superseded_by_refs:
            newer = resolve(ref)
            if newer is None:
                record.notes.append(f"superseded by {named(ref)}, which is not among the imported records; link dropped")
            elif newer is not record and record.number not in supersedes[newer.number]:
                supersedes[newer.number].append(record.number)
    for record in records:
        if record.status == "superseded" and not any(record.number in olds for olds in supersedes.values()):
            # Launchboard requires a superseded decision to be named by the one replacing it.
            record.status = "deprecated"
            record.notes.append("superseded by a record that was not imported; status set to deprecated")
    for newer, olds in supersedes.items():
        for old in olds:
            old_record = next(r for r in records if r.number == old)
            if old_record.status != "superseded":
                old_record.notes.append(f"status {old_record.status} changed to superseded: decision {newer} supersedes it")
                old_record.status = "superseded"

    existing_initiative = _existing_initiative(root, initiative)
    fallback = list(deciders or []) or (list(existing_initiative.owners) if existing_initiative else [])
    accepted = [r for r in records if r.status == "accepted"]
    if existing_initiative and accepted:
        latest = max(accepted, key=lambda r: r.number)
        chosen = next((o for o in latest.options if o["id"] == latest.chosen), None)
        if chosen and chosen["approach"] != existing_initiative.approach:
            latest.notes.append(
                f"the initiative's approach is {existing_initiative.approach} but this, the latest accepted "
                f"decision, chose a {chosen['approach']} option: align one with the other (check reports LB130)"
            )
    planned: list[PlannedFile] = []
    for record in sorted(records, key=lambda r: r.number):
        number = numbers[record.number]
        people = record.deciders or fallback
        if not record.deciders:
            record.notes.append(
                f"no @handle among the deciders; set to {', '.join(people)}" if people
                else "no @handle among the deciders; set to @org/TODO-team"
            )
        target = f"decisions/{initiative}/adr/{number:04d}-{slugify(record.title)}.yaml"
        doc = _decision_document(
            record, number, sorted(numbers[o] for o in supersedes[record.number]), people or ["@org/TODO-team"], today
        )
        planned.append(PlannedFile(target, render_record(doc, target, record.source, record.notes)))
        notes += [Note(record.source, n) for n in record.notes]
    return ImportResult(planned, notes)
