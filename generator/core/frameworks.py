"""Control frameworks: the packs (shipped and a repository's own) and the `controls:` lists
that name their controls.

A pack is a YAML record (schemas/framework.schema.json): a framework's id, title, version,
source, licence and its controls' ids and short titles. Launchboard ships packs in
generator/core/frameworks/ (each with its source recorded in the file and in SOURCES.md
beside it); a team adds its own as decisions/frameworks/<framework>.yaml.

Policy items say which controls they provide evidence towards with
`controls: [framework:control-id, ...]`. check_controls() judges one such list wherever it
sits (a checklist item today; any record that grows a `controls` list can call it), so
every entry is checked the same way and located at its list element.
"""

from __future__ import annotations

import functools
from pathlib import Path
from generator.core.loader import Document, Path_, clean_text, normalise_id, parse_document
from generator.core.model import Control, Framework, Location, Policy, Problem, Severity

SHIPPED_DIR = Path(__file__).resolve().parent / "frameworks"
FRAMEWORKS_DIR = "decisions/frameworks"


def build_framework(document: Document, *, shipped: bool = False) -> Framework:
    """A schema-valid pack document as a Framework."""
    data = document.data
    return Framework(
        id=data["framework"],
        title=data["title"],
        version=str(data["version"]),
        source=data["source"],
        licence=data["licence"],
        controls=[Control(c["id"], c["title"]) for c in data["controls"]],
        file=document.file,
        shipped=shipped,
        description=str(data.get("description") or ""),
    )


@functools.lru_cache(maxsize=1)
def shipped_documents() -> tuple[Document, ...]:
    """The packs shipped with Launchboard, parsed once per process (tests validate them)."""
    documents = []
    for path in sorted(SHIPPED_DIR.glob("*.yaml")):
        documents.append(parse_document(f"launchboard:frameworks/{path.name}", path.read_text(encoding="utf-8")))
    return tuple(documents)


def shipped_frameworks() -> dict[str, Framework]:
    return {f.id: f for f in (build_framework(doc, shipped=True) for doc in shipped_documents())}


def pack_stem(file: str) -> str:
    return file.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def load_frameworks(documents: list[Document]) -> tuple[dict[str, Framework], list[Problem]]:
    """Every known pack by id (shipped first, then the repository's valid ones) and what is
    wrong with the repository's: an id that is not the file name, one that a shipped pack
    already has, a control id given twice. A pack with such an error is still loaded, so
    the policy's references to it are judged against what it says."""
    known = shipped_frameworks()
    problems: list[Problem] = []
    for document in documents:
        framework = build_framework(document)
        stem = pack_stem(document.file)
        if framework.id != stem:
            problems.append(_error(document.locate(("framework",)), "LB184",
                                   f"framework {clean_text(framework.id, 64)!r} must equal the file name {clean_text(stem, 64)!r}; make them agree"))
            continue
        if framework.id in known:
            other = "a pack shipped with Launchboard" if known[framework.id].shipped else known[framework.id].file
            problems.append(_error(document.locate(("framework",)), "LB184",
                                   f"framework {framework.id!r} is already {other}; give this pack another id"))
            continue
        seen: dict[str, str] = {}
        for index, control in enumerate(framework.controls):
            key = normalise_id(control.id)
            if key in seen:
                problems.append(_error(document.locate(("controls", index, "id")), "LB184",
                                       f"control {clean_text(control.id, 64)!r} repeats {clean_text(seen[key], 64)!r}; ids must be unique"))
            else:
                seen[key] = control.id
        known[framework.id] = framework
    return known, problems


def split_ref(ref: str) -> tuple[str, str]:
    """("owasp-llm-2025", "LLM01") from "owasp-llm-2025:LLM01" (the schema guarantees the colon)."""
    framework, _, control = ref.partition(":")
    return framework, control


def check_controls(
    document: Document,
    path: Path_,
    refs: list[str],
    frameworks: dict[str, Framework],
    listed: list[str],
    broken: set[str] = frozenset(),  # type: ignore[assignment]
    owner: str = "",
) -> list[Problem]:
    """The problems of one `controls:` list at PATH in DOCUMENT, each at its list element.

    frameworks: every known pack; listed: the packs the policy's `frameworks` names (an
    entry must name one of them); broken: ids of the repository's packs that failed to load
    (their own errors are reported, so an entry naming one is not also "unknown");
    owner: what the list belongs to, for the message (e.g. "security-review/threat-model").
    """
    problems: list[Problem] = []
    prefix = f"{owner}: " if owner else ""
    for index, ref in enumerate(refs):
        where = document.locate(tuple(path) + (index,))
        framework_id, control_id = split_ref(ref)
        framework = frameworks.get(framework_id)
        if framework is None:
            if framework_id in broken:
                continue
            problems.append(_error(where, "LB180",
                                   f"{prefix}{clean_text(ref, 130)}: unknown framework {clean_text(framework_id, 64)!r} "
                                   f"(known: {', '.join(sorted(frameworks)) or 'none'}; a team's own goes in {FRAMEWORKS_DIR}/<id>.yaml)"))
            continue
        if framework.control(control_id) is None:
            problems.append(_error(where, "LB181",
                                   f"{prefix}{clean_text(ref, 130)}: {framework_id} has no control {clean_text(control_id, 64)!r}"
                                   f"{_nearest(framework, control_id)}"))
            continue
        if framework_id not in listed:
            problems.append(_error(where, "LB183",
                                   f"{prefix}{clean_text(ref, 130)}: add {framework_id} to the policy's `frameworks` list to map items to it"))
    return problems


def _nearest(framework: Framework, control_id: str) -> str:
    """A hint for a mistyped id: the pack's ids that share its first characters."""
    head = control_id[:3].casefold()
    near = [c.id for c in framework.controls if c.id.casefold().startswith(head)][:5]
    return f"; did you mean {', '.join(near)}?" if near else f" (see its {len(framework.controls)} controls on the site)"


def check_policy_controls(document: Document, policy: Policy, frameworks: dict[str, Framework], broken: set[str]) -> list[Problem]:
    """The policy's `frameworks` list and the `controls` of every checklist item and runbook topic.

    LB182: `frameworks` names a pack that does not exist; LB180/181/183: an item's entry
    (check_controls); LB315 (warning): a listed pack that no item maps to."""
    problems: list[Problem] = []
    for index, framework_id in enumerate(policy.frameworks):
        if framework_id not in frameworks and framework_id not in broken:
            problems.append(_error(document.locate(("frameworks", index)), "LB182",
                                   f"frameworks: {clean_text(framework_id, 64)!r} is not a known pack "
                                   f"(known: {', '.join(sorted(frameworks)) or 'none'}; a team's own goes in {FRAMEWORKS_DIR}/{clean_text(framework_id, 64)}.yaml)"))
    mapped: set[str] = set()
    for checklist_id, spec in policy.checklists.items():
        for index, item in enumerate(spec.items):
            if not item.controls:
                continue
            mapped.update(split_ref(ref)[0] for ref in item.controls)
            problems += check_controls(document, ("checklists", checklist_id, "items", index, "controls"), item.controls,
                                       frameworks, policy.frameworks, broken, f"{checklist_id}/{item.id}")
    # Runbook topics map to controls too (a rehearsed rollback is evidence for deactivation
    # controls); located by their place in the document's list, which may repeat an id.
    topics = ((document.data.get("runbooks") or {}).get("topics") or []) if isinstance(document.data, dict) else []
    for index, topic in enumerate(topics):
        refs = list(topic.get("controls") or [])
        if refs:
            mapped.update(split_ref(ref)[0] for ref in refs)
            problems += check_controls(document, ("runbooks", "topics", index, "controls"), refs,
                                       frameworks, policy.frameworks, broken, f"runbooks/{topic.get('id')}")
    for index, framework_id in enumerate(policy.frameworks):
        if framework_id in frameworks and framework_id not in mapped:
            problems.append(Problem(document.locate(("frameworks", index)), Severity.WARNING, "LB315",
                                    f"frameworks: no checklist item or runbook topic maps to {framework_id}; add `controls: [{framework_id}:<id>]` "
                                    "to the items that satisfy its controls, or remove it from the list"))
    return problems


def _error(location: Location, code: str, message: str) -> Problem:
    return Problem(location, Severity.ERROR, code, message)

