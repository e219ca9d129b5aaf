"""Step 2: validate each parsed record against its JSON Schema in schemas/.

The schemas are the one statement of shape. Validation runs in two passes because
pure-Python jsonschema costs more than parsing: jsonschema-rs answers "valid?" in
microseconds, and only a document that fails is walked again by jsonschema for errors
that can be explained and located (rule code LB100).
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import jsonschema_rs

from generator.core import kinds
from generator.core.loader import Document, clean_text
from generator.core.model import Problem, Severity
from generator.core.resources import resource_dir

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

KINDS = kinds.NAMES  # declared in core/kinds.py
# Kinds added after the first release: a fork whose schemas/ predates one uses this
# installation's copy of that schema rather than failing to start.
ADDED_KINDS = kinds.ADDED_LATER


def _kind_file(schema_dir: Path, kind: str) -> Path:
    path = schema_dir / f"{kind}.schema.json"
    if kind in ADDED_KINDS and not path.is_file():
        return resource_dir("schemas") / f"{kind}.schema.json"
    return path


def schema_path(kind: str, root: Path | None = None) -> Path:
    return resource_dir("schemas", root) / f"{kind}.schema.json"


class SchemaError(Exception):
    """A schema Launchboard cannot use (unreadable, invalid, or referring outside schemas/): exit 2."""


class SchemaSet:
    """The record schemas, compiled once and reused for every document.

    jsonschema (the detailed pass) is imported and compiled only when a document fails
    the fast pass: a clean check never pays for it.
    """

    def __init__(self, schema_dir: Path) -> None:
        self.schema_dir = schema_dir
        try:
            self.schemas: dict[str, dict[str, Any]] = {
                kind: json.loads(_kind_file(schema_dir, kind).read_text(encoding="utf-8")) for kind in KINDS
            }
        except (OSError, ValueError) as err:
            raise SchemaError(f"cannot read the schemas in {schema_dir}: {err}") from None
        by_id = {schema.get("$id"): schema for schema in self.schemas.values()}

        def local_only(uri: str) -> Any:
            # Nothing is fetched at check time: a $ref resolves to schemas/ or fails.
            if uri in by_id:
                return by_id[uri]
            raise SchemaError(f"a schema refers to {uri}, which is not in schemas/; Launchboard never fetches schemas")

        try:
            self._fast = {
                kind: jsonschema_rs.validator_for(schema, validate_formats=True, retriever=local_only)
                for kind, schema in self.schemas.items()
            }
        except jsonschema_rs.ValidationError as err:
            reason = str(err).splitlines()[0] if str(err) else "invalid schema"
            raise SchemaError(f"cannot use the schemas in {schema_dir}: {clean_text(reason, 300)}") from None
        self._detailed: dict[str, Draft202012Validator] | None = None
        # What the schemas say, not when their files changed: part of the LoadMemo's key.
        self.digest = hashlib.blake2b(json.dumps(self.schemas, sort_keys=True).encode("utf-8"), digest_size=20).hexdigest()

    def _detailed_validator(self, kind: str) -> Draft202012Validator:
        if self._detailed is None:
            from jsonschema import Draft202012Validator
            from referencing import Registry, Resource
            from referencing.jsonschema import DRAFT202012

            # Only the local schemas resolve; jsonschema would otherwise fetch remote $refs.
            registry: Registry = Registry().with_resources(
                (schema.get("$id", f"urn:launchboard:{name}"), Resource.from_contents(schema, default_specification=DRAFT202012))
                for name, schema in self.schemas.items()
            )
            self._detailed = {
                name: Draft202012Validator(schema, registry=registry, format_checker=Draft202012Validator.FORMAT_CHECKER)
                for name, schema in self.schemas.items()
            }
        return self._detailed[kind]

    def validate(self, document: Document, kind: str, initiative: str | None = None) -> list[Problem]:
        """Problems with `document` against the schema of `kind`; [] when it is valid."""
        fast = self._fast[kind]
        if fast.is_valid(document.data):
            return []
        errors = self._detailed_validator(kind).iter_errors(_bounded(document.data, self.schemas[kind]))
        problems: list[Problem] = []
        seen: set[tuple] = set()
        for error in errors:
            if len(problems) >= MAX_PROBLEMS_PER_FILE:
                return problems + [_not_listed(error, errors, document, initiative)]
            for problem in _explain(error, document, initiative):
                if (problem.location, problem.message) not in seen:
                    seen.add((problem.location, problem.message))
                    problems.append(problem)
        if not problems:  # invalid must never read as valid: say so where the first error is
            return _fallback(fast, document, initiative)
        return problems


def _fallback(fast: Any, document: Document, initiative: str | None) -> list[Problem]:
    """One located LB100 from the fast validator's first error, for a document the detailed
    pass could not explain (the fast validator is stricter on some formats): a document the
    schema rejects always carries a problem."""
    first = next(iter(fast.iter_errors(document.data)), None)
    message = clean_text(getattr(first, "message", "does not match the schema"), 200)
    path = tuple(getattr(first, "instance_path", ()) or ())
    return [Problem(document.locate(path), Severity.ERROR, "LB100", f"{_field(path)}: {message}", initiative)]


def _not_listed(first: ValidationError, rest: Iterator[ValidationError], document: Document, initiative: str | None) -> Problem:
    """One LB011 in place of the schema errors past the cap, at the first of them.

    The rest are counted, never explained or kept, and only up to MAX_COUNTED: a 1 MiB file of
    malformed values holds a hundred thousand errors, and each costs jsonschema tens of
    microseconds to find (asking the fast validator instead builds all of them at once, in
    hundreds of megabytes).
    """
    counted = 1 + sum(1 for _ in islice(rest, MAX_COUNTED))
    more = f"over {MAX_COUNTED:,}" if counted > MAX_COUNTED else f"{counted:,}"
    return Problem(document.locate(tuple(first.absolute_path)), Severity.ERROR, "LB011",
                   f"{more} more schema errors in this file are not listed; fix the ones above first", initiative)


MAX_PROBLEMS_PER_FILE = 100  # listed per file; the rest are counted in one LB011
MAX_COUNTED = 5_000  # errors counted past the listed ones (about half a second), then "over 5,000"


def _bounded(data: Any, schema: dict[str, Any]) -> Any:
    """DATA with every list or mapping longer than its schema's maxItems/maxProperties cut to limit + 1.

    jsonschema's uniqueItems is quadratic on unhashable items and every error is a Python
    object: a hostile list of thousands of mappings would take minutes. The cut keeps the
    size error itself ("at most N entries") while the rest of the walk stays small. It follows
    the schema alongside the data (properties, patternProperties, additionalProperties,
    items), once, instead of asking the fast validator for every error first: that list is
    built whole, and for a file of many bad values it is most of the memory a check takes.
    Limits under anyOf/oneOf/allOf or behind a $ref are not cut here (today's schemas put none
    there); the detailed pass still reports them.
    """
    if not isinstance(schema, dict):
        return data
    if isinstance(data, list):
        limit = schema.get("maxItems")
        if isinstance(limit, int) and len(data) > limit:
            data = data[: limit + 1]
        items = schema.get("items")
        if isinstance(items, dict):
            children = [_bounded(item, items) for item in data]
            if any(new is not old for new, old in zip(children, data)):
                data = children  # copied only where something below was cut
        return data
    if isinstance(data, dict):
        limit = schema.get("maxProperties")
        if isinstance(limit, int) and len(data) > limit:
            data = dict(list(data.items())[: limit + 1])
        values = {key: _bounded(value, _property_schema(schema, key)) for key, value in data.items()}
        if any(values[key] is not value for key, value in data.items()):
            data = values
        return data
    return data


def _property_schema(schema: dict[str, Any], key: Any) -> Any:
    """The subschema that applies to KEY of a mapping, or None."""
    properties = schema.get("properties")
    if isinstance(properties, dict) and key in properties:
        return properties[key]
    patterns = schema.get("patternProperties")
    if isinstance(patterns, dict) and isinstance(key, str):
        for pattern, subschema in patterns.items():
            try:
                if re.search(pattern, key):
                    return subschema
            except re.error:
                return None
    return schema.get("additionalProperties")


@lru_cache(maxsize=4)
def _schema_set(schema_dir: str, stamp: tuple[float, ...]) -> SchemaSet:
    return SchemaSet(Path(schema_dir))


def schema_set(root: Path | None = None) -> SchemaSet:
    """The compiled schemas for ROOT, rebuilt when a schema file changes (mkdocs serve)."""
    directory = resource_dir("schemas", root)
    stamp = tuple(_kind_file(directory, kind).stat().st_mtime for kind in KINDS)
    return _schema_set(str(directory), stamp)


# --------------------------------------------------------------------------- messages


def _field(path: Iterable[Any]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return clean_text(text or "record", 120)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _show(value: Any) -> str:
    if isinstance(value, str):  # repr escapes line breaks; clean_text whatever repr leaves
        return clean_text(repr(value if len(value) <= 60 else value[:59] + "…"), 90)
    if isinstance(value, (dict, list)):
        return _json_type(value)
    return clean_text(json.dumps(value), 60)


def _explain(error: ValidationError, document: Document, initiative: str | None) -> list[Problem]:
    from jsonschema.exceptions import best_match

    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    validator = error.validator
    if validator in ("anyOf", "oneOf") and error.context:
        descriptions = [s.get("description") for s in error.validator_value if isinstance(s, dict)]
        deeper = best_match(error.context)
        if deeper is not None and len(deeper.absolute_path) > len(error.absolute_path):
            return _explain(deeper, document, initiative)
        if all(descriptions):
            message = f"must be one of: {'; or '.join(descriptions)}"
        else:
            return _explain(deeper, document, initiative) if deeper is not None else []
        return [Problem(document.locate(path), Severity.ERROR, "LB100", f"{_field(path)}: {message}", initiative)]
    if validator == "required":
        missing = [name for name in error.validator_value if isinstance(error.instance, dict) and name not in error.instance]
        return [
            Problem(document.last_key(path), Severity.ERROR, "LB100", f"{_field(path + (name,))}: required field is missing", initiative)
            for name in missing
        ]
    if validator in ("additionalProperties", "unevaluatedProperties") and error.validator_value is False and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        # An x- key is an extension only where the schema says so (patternProperties "^x-");
        # elsewhere (a policy item's `when`, for one) it is as unknown as any other key.
        extensions_allowed = any(p in ("^x-", "^x-.*", "^x-.*$") for p in patterns)
        extras = [key for key in error.instance if key not in allowed and not (extensions_allowed and key.startswith("x-"))]
        hint = f"; allowed: {', '.join(allowed)}" if allowed and len(allowed) <= 15 else ""
        advice = " (use an x- prefix for extensions)" if extensions_allowed else " (no extension keys here)"
        return [
            Problem(
                document.locate(path + (key,), key=True),
                Severity.ERROR,
                "LB100",
                f"{_field(path + (key,))}: unknown field{advice}{hint}",
                initiative,
            )
            for key in extras
        ]
    message = _message(validator, error.validator_value, error.instance, schema)
    if _is_key_error(error):  # the instance is a key of the mapping at `path`: point at that key
        return [Problem(document.locate(path + (error.instance,), key=True), Severity.ERROR, "LB100", f"{_field(path)}: {message}", initiative)]
    return [Problem(document.locate(path), Severity.ERROR, "LB100", f"{_field(path)}: {message}", initiative)]


def _is_key_error(error: ValidationError) -> bool:
    """True for an error raised by `propertyNames`: jsonschema reports it at the mapping, with the key as instance."""
    schema_path = list(error.relative_schema_path)
    return len(schema_path) >= 2 and schema_path[-2] == "propertyNames" and isinstance(error.instance, str)


def _message(validator: str, expected: Any, value: Any, schema: dict[str, Any]) -> str:
    if validator == "type":
        wanted = expected if isinstance(expected, list) else [expected]
        return f"must be {' or '.join(_TYPE_NAMES.get(t, t) for t in wanted)}, not {_json_type(value)}"
    if validator == "enum":
        return f"must be one of {', '.join(str(v) for v in expected)}; got {_show(value)}"
    if validator == "const":
        return f"must be {_show(expected)}; got {_show(value)}"
    if validator == "format":
        example = {"date": " (YYYY-MM-DD, a real date)", "uri": " (e.g. https://example.com/page)"}.get(expected, "")
        return f"{_show(value)} is not a valid {expected}{example}"
    if validator == "pattern":
        hint = schema.get("x-pattern-hint") or schema.get("description", "")
        return f"{_show(value)} is not in the expected form" + (f" ({clean_text(hint, 120)})" if hint else "")
    if validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than", "exclusiveMaximum": "less than"}[validator]
        return f"must be {word} {expected}; got {_show(value)}"
    if validator in ("minLength", "maxLength"):
        return f"must be {'at least' if validator == 'minLength' else 'at most'} {expected} characters long"
    if validator in ("minItems", "maxItems"):
        return f"must have {'at least' if validator == 'minItems' else 'at most'} {expected} entries"
    if validator in ("minProperties", "maxProperties"):
        return f"must have {'at least' if validator == 'minProperties' else 'at most'} {expected} keys"
    if validator == "propertyNames":
        return "has a key that is not in the expected form"
    if validator == "uniqueItems":
        return "must not repeat entries"
    return f"does not match the schema ({validator})"


_TYPE_NAMES = {
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "empty",
}
