"""Scaffolds: new records written from templates/scaffold/, pre-filled from the policy.

Every file starts with a `# yaml-language-server: $schema=...` line, so editors with the YAML
language server validate and autocomplete it. A scaffold never replaces a file: each one is
opened with mode "x", and every target is checked before anything is written, so a refused
command leaves the tree as it was.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment

from generator.core.safe_paths import outside_repository
from generator.core.model import Policy
from generator.core.resources import resource_dir

# The schemas' id and handle patterns, matched with fullmatch (a `$` would accept a trailing newline).
ID_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
ID_MAX = 64
HANDLE_RE = re.compile(r"@[A-Za-z0-9][A-Za-z0-9-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?")
TITLE_MAX = 200
APPROACHES = ("prompt", "rag", "fine-tune", "hybrid")
RISKS = ("low", "medium", "high")
DECISION_FILE_RE = re.compile(r"(\d{4})-[^/]*\.ya?ml")
# The options a new decision weighs: the three ways of using a model the approach guide compares.
DEFAULT_OPTIONS = ("prompt", "rag", "fine-tune")
PLACEHOLDER_SCORE = 3



class ScaffoldError(Exception):
    """The request cannot be carried out (bad id, unknown checklist, file exists). Exit 2."""


@dataclass(frozen=True)
class PlannedFile:
    """A file a scaffold (or an import) is about to create: POSIX path relative to ROOT."""

    path: str
    content: str


# --------------------------------------------------------------------------- small helpers


def today(as_of: str | None = None) -> str:
    """"Today" as the README defines it: --as-of, else SOURCE_DATE_EPOCH, else the current date."""
    from generator.core.pipeline import UsageError, resolve_as_of

    try:
        return resolve_as_of(as_of).isoformat()
    except UsageError as exc:
        raise ScaffoldError(str(exc)) from exc


def check_id(value: str, what: str = "id") -> str:
    """A kebab-case id that is safe as a folder or file name, or ScaffoldError."""
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise ScaffoldError(
            f"{what} {value!r} is not a valid id: use lower-case letters, digits and hyphens "
            f"(kebab-case, at most {ID_MAX} characters, no leading or trailing hyphen), e.g. support-assistant"
        )
    return value


def check_handle(value: str) -> str:
    if not HANDLE_RE.fullmatch(value or ""):
        raise ScaffoldError(f"owner {value!r} is not a handle such as @alice or @org/team")
    return value


def slugify(text: str, max_length: int = 50) -> str:
    """A file-name slug from a title: ASCII, lower case, words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    if not slug and words:
        slug = words[0][:max_length]
    return slug or "decision"


def yaml_str(value: object) -> str:
    """A YAML double-quoted scalar for any text: JSON string syntax, which YAML reads the same.

    Line and paragraph separators are escaped as well, so no value can start a new line.
    """
    text = json.dumps(str(value), ensure_ascii=False)
    for char in ("\u0085", "\u2028", "\u2029"):
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def ident(value: object) -> str:
    """An id as a plain scalar when it is kebab-case (the usual case), else quoted."""
    text = str(value)
    return text if ID_RE.fullmatch(text) else yaml_str(text)


def comment(value: object) -> str:
    """Text safe inside a YAML comment: one line, control characters dropped."""
    text = " ".join(str(value).split())
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")


def _environment(root: Path) -> SandboxedEnvironment:
    # A platform team may override a scaffold in ROOT/templates/scaffold/.
    shipped = resource_dir("templates") / "scaffold"
    loaders = []
    local = root / "templates" / "scaffold"
    if local.is_dir() and local.resolve() != shipped.resolve():
        loaders.append(FileSystemLoader(str(local)))
    loaders.append(FileSystemLoader(str(shipped)))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # YAML, not HTML: values go through the `yaml` filter instead
    )
    env.filters["yaml"] = yaml_str
    env.filters["comment"] = comment
    env.filters["ident"] = ident
    return env


def _render(root: Path, template: str, **context: object) -> str:
    return _environment(root).get_template(template).render(**context)


def _initiative_dir(root: Path, initiative: str) -> Path:
    check_id(initiative, "initiative")
    decisions = (root / "decisions").resolve()
    folder = (decisions / initiative).resolve()
    if folder.parent != decisions:
        raise ScaffoldError(f"initiative {initiative!r} leads outside decisions/")
    return folder


def _schema_line(target: str, kind: str) -> str:
    """The editor line for a file at POSIX path `target` (relative to ROOT)."""
    depth = target.count("/")
    return f"# yaml-language-server: $schema={'../' * depth}schemas/{kind}.schema.json"


def _require_policy(policy: Policy | None) -> Policy:
    if policy is None:
        raise ScaffoldError("decisions/policy.yaml is missing or unusable: run `launchboard check` first")
    return policy


# --------------------------------------------------------------------------- planning


def plan_checklist(root: Path, policy: Policy | None, initiative: str, checklist: str) -> PlannedFile:
    policy = _require_policy(policy)
    _initiative_dir(root, initiative)
    check_id(checklist, "checklist")
    spec = policy.checklists.get(checklist)
    if spec is None:
        known = ", ".join(sorted(policy.checklists)) or "none"
        raise ScaffoldError(f"checklist {checklist!r} is not defined by the policy (known: {known})")
    target = f"decisions/{initiative}/checklists/{checklist}.yaml"
    items = []
    for item in spec.items:
        conditions = "; ".join(f"{key} is {' or '.join(values)}" for key, values in item.when.items())
        items.append(
            {
                "id": item.id,
                "title": item.title,
                "required_from": item.required_from,
                "when": conditions,
                "allow_na": item.allow_na,
            }
        )
    content = _render(
        root,
        "checklist.yaml.j2",
        schema_line=_schema_line(target, "checklist"),
        checklist=spec.id,
        title=spec.title,
        owners=list(spec.owners),
        items=items,
    )
    return PlannedFile(target, content)


def plan_initiative(
    root: Path,
    policy: Policy | None,
    initiative: str,
    *,
    title: str | None = None,
    owners: list[str] | tuple[str, ...] = (),
    risk: str = "medium",
    approach: str = "prompt",
    as_of: str | None = None,
    with_checklists: bool = True,
) -> list[PlannedFile]:
    policy = _require_policy(policy)
    folder = _initiative_dir(root, initiative)
    if folder.exists():
        raise ScaffoldError(f"decisions/{initiative}/ already exists; choose another id")
    owners = [check_handle(o) for o in owners] or ["@org/TODO-team"]
    if risk not in RISKS:
        raise ScaffoldError(f"risk must be one of {', '.join(RISKS)}")
    if approach not in APPROACHES:
        raise ScaffoldError(f"approach must be one of {', '.join(APPROACHES)}")
    if not policy.stages:
        raise ScaffoldError("the policy defines no stages")
    if title is not None and not 0 < len(" ".join(title.split())) <= TITLE_MAX:
        raise ScaffoldError(f"a title has 1 to {TITLE_MAX} characters")
    target = f"decisions/{initiative}/initiative.yaml"
    content = _render(
        root,
        "initiative.yaml.j2",
        schema_line=_schema_line(target, "initiative"),
        id=initiative,
        title=" ".join(title.split()) if title else initiative.replace("-", " ").capitalize(),
        owners=owners,
        risk=risk,
        approach=approach,
        approaches=APPROACHES,
        stage=policy.stages[0],
        date=today(as_of),
    )
    planned = [PlannedFile(target, content)]
    if with_checklists:
        planned += [plan_checklist(root, policy, initiative, c) for c in sorted(policy.checklists)]
    return planned


def next_decision_number(root: Path, initiative: str) -> int:
    adr = _initiative_dir(root, initiative) / "adr"
    numbers = [0]
    if adr.is_dir():
        for path in adr.iterdir():
            match = DECISION_FILE_RE.fullmatch(path.name)
            if match:
                numbers.append(int(match.group(1)))
    return max(numbers) + 1


def plan_decision(
    root: Path,
    policy: Policy | None,
    initiative: str,
    title: str,
    *,
    deciders: list[str] | tuple[str, ...] = (),
    as_of: str | None = None,
) -> PlannedFile:
    policy = _require_policy(policy)
    folder = _initiative_dir(root, initiative)
    if not (folder / "initiative.yaml").is_file():
        raise ScaffoldError(
            f"decisions/{initiative}/initiative.yaml does not exist: "
            f"create it first with `launchboard new initiative {initiative}`"
        )
    title = " ".join((title or "").split())
    if not title:
        raise ScaffoldError("a decision needs a title")
    if len(title) > TITLE_MAX:
        raise ScaffoldError(f"a decision title has at most {TITLE_MAX} characters")
    number = next_decision_number(root, initiative)
    if number > 9999:
        raise ScaffoldError("decision numbers have four digits; this initiative has used them all")
    target = f"decisions/{initiative}/adr/{number:04d}-{slugify(title)}.yaml"
    criteria = list(policy.criteria.values())
    content = _render(
        root,
        "decision.yaml.j2",
        schema_line=_schema_line(target, "decision"),
        number=number,
        title=title,
        date=today(as_of),
        deciders=[check_handle(d) for d in deciders] or ["@org/TODO-team"],
        criteria=criteria,
        options=DEFAULT_OPTIONS,
        score=PLACEHOLDER_SCORE,
    )
    return PlannedFile(target, content)


def plan_runbook(
    root: Path,
    policy: Policy | None,
    initiative: str,
    runbook: str,
    *,
    title: str | None = None,
    contacts: list[str] | tuple[str, ...] = (),
    as_of: str | None = None,
) -> PlannedFile:
    """runbooks/RUNBOOK.yaml with every section; the policy's topics listed, the one named
    like the runbook pre-filled."""
    policy = _require_policy(policy)
    folder = _initiative_dir(root, initiative)
    check_id(runbook, "runbook")
    if not (folder / "initiative.yaml").is_file():
        raise ScaffoldError(
            f"decisions/{initiative}/initiative.yaml does not exist: "
            f"create it first with `launchboard new initiative {initiative}`"
        )
    title = " ".join((title or "").split())
    if len(title) > TITLE_MAX:
        raise ScaffoldError(f"a runbook title has at most {TITLE_MAX} characters")
    topic = policy.runbook_topics.get(runbook)
    target = f"decisions/{initiative}/runbooks/{runbook}.yaml"
    content = _render(
        root,
        "runbook.yaml.j2",
        schema_line=_schema_line(target, "runbook"),
        runbook=runbook,
        initiative=initiative,
        title=title or (topic.title if topic else f"TODO: when to use the {runbook} runbook"),
        topics=[
            {"id": t.id, "title": t.title, "required_from": t.required_from, "exercised": t.exercised,
             "when": "; ".join(f"{key} is {' or '.join(values)}" for key, values in t.when.items())}
            for t in policy.runbook_topics.values()
        ],
        covered=[runbook] if topic else [],
        max_age=policy.exercise_max_age_days,
        alert=f"{initiative}-{runbook}-TODO"[:128],
        contacts=[check_handle(c) for c in contacts] or ["@org/TODO-oncall"],
        date=today(as_of),
    )
    return PlannedFile(target, content)


# --------------------------------------------------------------------------- writing


def _links_on_the_way(root: Path, relative: str) -> str | None:
    """The first link among RELATIVE's folders and file below ROOT, which a write would go through."""
    path = root
    for part in relative.split("/"):
        path = path / part
        if path.is_symlink():
            return path.relative_to(root).as_posix()
    return None


def write(root: Path, planned: list[PlannedFile]) -> list[str]:
    """Create every planned file; refuse (ScaffoldError) before writing if any exists."""
    for p in planned:
        reason = outside_repository(root, p.path)
        if reason:
            raise ScaffoldError(f"refusing to write {p.path}: {reason} (nothing was written)")
    links = [link for link in (_links_on_the_way(root, p.path) for p in planned) if link]
    if links:
        raise ScaffoldError(
            f"refusing to write through the link {links[0]}: a scaffold writes only inside the repository's own folders "
            "(nothing was written)"
        )
    existing = [p.path for p in planned if (root / p.path).exists() or (root / p.path).is_symlink()]
    if existing:
        raise ScaffoldError(
            "refusing to overwrite existing file(s): " + ", ".join(existing) + " (nothing was written)"
        )
    written: list[str] = []
    for p in planned:
        path = root / p.path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8", newline="\n") as fh:
                fh.write(p.content)
        except FileExistsError as exc:  # appeared since the check above
            raise ScaffoldError(f"refusing to overwrite existing file {p.path}") from exc
        written.append(p.path)
    return written
