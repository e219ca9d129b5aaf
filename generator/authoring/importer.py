"""Import Markdown decision records (MADR 2.x-4.x, adr-tools/Nygard) as Launchboard decisions.

The originals are only read. Each record becomes `decisions/<initiative>/adr/NNNN-slug.yaml`;
what has a Launchboard field is mapped to it (title, status, date, deciders, context, options
with pros and cons, outcome, consequences, supersession), what has none is kept under
`x-imported` and reported as a note, so nothing is lost silently. Markdown stays Markdown:
the (md) fields take it as it was written.
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
SKIPPED_NAMES = {"readme.md", "index.md", "template.md", "adr-template.md", "toc.md"}
STATUS_WORDS = {
    "proposed": "proposed", "draft": "proposed", "pending": "proposed", "open": "proposed",
    "accepted": "accepted", "approved": "accepted", "agreed": "accepted", "done": "accepted",
    "rejected": "rejected", "declined": "rejected",
    "deprecated": "deprecated", "obsolete": "deprecated", "retired": "deprecated",
    "superseded": "superseded", "replaced": "superseded",
}
# Which approach an option's words suggest; the first match wins, the fallback is no-llm.
APPROACH_HINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("hybrid", re.compile(r"\bhybrid\b", re.I)),
    ("fine-tune", re.compile(r"fine[- ]?tun|\bLoRA\b|\btrain(?:ing)? (?:a|our|the)? ?model", re.I)),
    ("rag", re.compile(r"\bRAG\b|retriev|vector (?:store|index|database|db)|embedding|semantic search", re.I)),
    ("prompt", re.compile(r"prompt|few[- ]shot|zero[- ]shot|\bLLM\b|\bGPT|\bmodel API\b", re.I)),
    ("buy", re.compile(r"\bbuy\b|vendor|off[- ]the[- ]shelf|\bSaaS\b|third[- ]party product", re.I)),
)
_NUMBERED_FILE = re.compile(r"(\d{1,4})[-_ ].*\.md\Z", re.I)
_TITLE = re.compile(r"#\s+(?:ADR[- ]?)?(?:(\d{1,4})[.:)]?\s+)?(.+?)\s*#*\s*\Z", re.I)
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
    supersedes_refs: list[int]  # numbers as written in the source
    superseded_by_refs: list[int]
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


def _link_number(text: str, target: str) -> int | None:
    name = target.rsplit("/", 1)[-1]
    match = re.match(r"(\d{1,4})[-_.]", name) or re.search(r"(?:ADR[- ]?)?(\d{1,4})", text, re.I)
    return int(match.group(1)) if match else None


def _references(text: str, verb: str) -> list[int]:
    """Numbers of the records linked after "Supersedes" / "Superseded by" in `text`."""
    found = []
    for line in text.split("\n"):
        stripped = _BULLET.sub(r"\1", line).strip()
        if not re.match(rf"{verb}\b", stripped, re.I):
            continue
        links = _LINK.findall(stripped)
        if links:
            found += [n for n in (_link_number(t, u) for t, u in links) if n is not None]
        else:
            found += [int(n) for n in re.findall(r"(?:ADR[- ]?|#)?(\d{1,4})", stripped[len(verb):])]
    return found


def _status(raw: str) -> tuple[str, str | None]:
    """The mapped status and, when the word was not one of Launchboard's, a note."""
    words = re.findall(r"[a-z]+", raw.lower())
    if not words:
        return "proposed", "no status found; set to proposed"
    if "superseded" in words:
        return "superseded", None
    word = words[0]
    if word in STATUS_WORDS:
        mapped = STATUS_WORDS[word]
        return mapped, None if mapped == word else f"status {raw.strip()!r} mapped to {mapped}"
    return "proposed", f"status {raw.strip()!r} has no Launchboard equivalent; set to proposed"


def _date(raw: str) -> str | None:
    raw = raw.strip().strip("\"'")
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y"):
        try:
            return dt.datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    match = re.match(r"(\d{4}-\d{2}-\d{2})", raw)
    if match:
        try:
            return dt.date.fromisoformat(match.group(1)).isoformat()
        except ValueError:
            return None
    return None


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


def _option_name(raw: str) -> str:
    """An option's name from a bullet or heading: links and emphasis removed."""
    name = _LINK.sub(r"\1", raw)
    name = re.sub(r"[*_`]", "", name).strip()
    return re.split(r"\s+[-\u2013\u2014:]\s+", name, maxsplit=1)[0].strip() or name


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
        match = _TITLE.fullmatch(title_line)
        if match:
            title = match.group(2).strip()
            if number is None and match.group(1):
                number = int(match.group(1))
    title = _LINK.sub(r"\1", title) or meta.get("title", "") or Path(source).stem
    if len(title) > scaffold.TITLE_MAX:
        notes.append(f"title shortened to {scaffold.TITLE_MAX} characters")
        title = title[: scaffold.TITLE_MAX - 1].rstrip() + "\u2026"

    # Metadata: front matter (MADR 3+), "* Status:" bullets (MADR 2), "Date:" lines (Nygard).
    for line in preamble:
        match = _META_LINE.fullmatch(line.strip())
        if match:
            meta.setdefault(match.group(1).lower().replace(" ", "-"), match.group(2).strip())
    leftover_preamble = "\n".join(l for l in preamble if l.strip() and not _META_LINE.fullmatch(l.strip())).strip()

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
    date = _date(raw_date) if raw_date else None
    if raw_date and not date:
        notes.append(f"date {raw_date!r} is not a date; set to the import date")
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

    # Options: "Considered Options" bullets, detailed under "Pros and Cons of the Options".
    options: list[dict[str, Any]] = []

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

    considered = take("considered options", "options considered", "options")
    if considered:
        items, _ = _bullets(considered)
        for item in items:
            option_for(_option_name(item))
    pros_cons = take("pros and cons of the options", "pros and cons")
    if pros_cons:
        _, subs = _subsections(pros_cons)
        for heading, content in subs:
            option = option_for(_option_name(heading))
            items, prose = _bullets(content)
            if prose:
                option["summary"] = prose
            for item in items:
                if (m := _NEUTRAL.fullmatch(item)) and item.lower().startswith("neutral"):
                    option.setdefault("neutral", []).append(m.group(1).strip())
                elif re.match(r"(good|pro)\b", item, re.I):
                    option["pros"].append(_GOOD.fullmatch(item).group(1).strip() or item)
                elif re.match(r"(bad|con)\b", item, re.I):
                    option["cons"].append(_BAD.fullmatch(item).group(1).strip() or item)
                else:
                    option.setdefault("neutral", []).append(item)

    positive: list[str] = []
    negative: list[str] = []
    chosen = ""
    rationale = ""
    outcome = take("decision outcome", "decision", "outcome")
    if outcome is not None:
        lead, subs = _subsections(outcome)
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
        for heading, content in subs:
            key = heading.lower()
            if key in ("positive consequences", "positive"):
                positive += [i for i in _bullets(content)[0]] or [content]
            elif key in ("negative consequences", "negative"):
                negative += [i for i in _bullets(content)[0]] or [content]
            elif key == "consequences":
                rest = _classify_consequences(content, positive, negative)
                if rest:
                    extra["consequences"] = "\n".join(rest)
                    notes.append("consequences not marked good or bad; kept under x-imported.consequences")
            else:
                extra[slugify(heading, 40)] = content
                notes.append(f"'{heading}' has no Launchboard field; kept under x-imported.{slugify(heading, 40)}")
    consequences = take("consequences")
    if consequences:
        rest = _classify_consequences(consequences, positive, negative)
        if rest:
            extra["consequences"] = "\n\n".join(rest)
            notes.append("consequences not split into positive and negative; kept under x-imported.consequences")

    if not chosen:
        if options:
            notes.append("no 'Chosen option' found; outcome.chosen set to the first option")
            chosen = options[0]["id"]
        else:
            # Nygard records state one decision: it becomes the single, chosen option.
            option = option_for(title)
            chosen = option["id"]
            notes.append(f"no options listed; the decision itself became option {chosen!r}")
    for option in options:
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


def _decision_document(record: ParsedRecord, number: int, supersedes: list[int], deciders: list[str], today: str) -> dict[str, Any]:
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

    # Numbers: as written (file name or title); records without one follow the highest.
    taken: dict[int, ParsedRecord] = {}
    for record in records:
        if record.number is not None and record.number in taken:
            record.notes.append(f"number {record.number} is also used by {taken[record.number].source}; renumbered")
            record.number = None
        elif record.number is not None:
            taken[record.number] = record
    highest = max(taken, default=0)
    for record in records:
        if record.number is None:
            highest += 1
            record.number = highest
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

    # Supersession: Launchboard records it on the newer decision only.
    supersedes: dict[int, list[int]] = {r.number: [] for r in records}
    for record in records:
        for old in record.supersedes_refs:
            if old in numbers and old not in supersedes[record.number]:
                supersedes[record.number].append(old)
            elif old not in numbers:
                record.notes.append(f"supersedes {old}, which is not among the imported records; link dropped")
        for newer in record.superseded_by_refs:
            if newer in supersedes and record.number not in supersedes[newer]:
                supersedes[newer].append(record.number)
            elif newer not in supersedes:
                record.notes.append(f"superseded by {newer}, which is not among the imported records; link dropped")
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
