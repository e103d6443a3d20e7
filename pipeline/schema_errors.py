"""Turn jsonschema's errors into located, readable problems.

`str(ValidationError)` dumps the whole schema and instance; a maintainer needs one line
that names the field, says what was expected and, where it helps, how to fix it.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pipeline.model import JsonPath, Position, Problem, SourceDoc

if TYPE_CHECKING:
    from jsonschema import ValidationError

_FORMAT_NAMES = {
    "date": "date (YYYY-MM-DD)",
    "date-time": "date-time with a UTC offset (e.g. 2021-06-24T09:00:00-07:00)",
    "uri": "absolute URL",
    "email": "email address",
}
_JSON_TYPES = {"string": "a string", "integer": "a whole number", "number": "a number",
               "boolean": "true or false", "array": "a list", "object": "a mapping", "null": "nothing"}
_YAML11_BOOLEANS = {"yes", "no", "y", "n", "on", "off"}
_PATTERN_MESSAGES = {
    "^[^\\n]*$": "must be a single line",
    "^[^\\n<>]*$": "must be one line of plain text, without < or >",
}


def describe_value(value: Any) -> str:
    """Give a short description of a YAML value, for 'got ...' in messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {_short(value)}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return "a mapping"


def _short(text: str, limit: int = 60) -> str:
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return json.dumps(shown, ensure_ascii=False)


def as_clause(text: str) -> str:
    """Give a schema title or description as part of a sentence: "Person id" -> "person id"."""
    text = text.strip().rstrip(".")
    if len(text) > 1 and (text[1].islower() or text[1] == " "):
        text = text[0].lower() + text[1:]
    return text


def _example_hint(schema: dict[str, Any]) -> str | None:
    examples = schema.get("examples")
    if not examples:
        return None
    first = examples[0]
    return f"for example {_short(first) if isinstance(first, str) else json.dumps(first)}"


def _problem(doc: SourceDoc, path: JsonPath, message: str, hint: str | None,
             where: Position | None = None) -> Problem:
    position = where or doc.position(path)
    return Problem(doc.file, position.line, position.column, path, message, hint)


def translate(doc: SourceDoc, error: ValidationError) -> Iterator[Problem]:
    """Yield the problems one schema error stands for (several for a list of unknown keys)."""
    path: JsonPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    keyword = error.validator
    value = error.instance
    if "propertyNames" in error.relative_schema_path or "propertyNames" in error.absolute_schema_path:
        key_path = (*path, value)
        hint = _example_hint(schema)
        message = f"{_short(str(value))} is not a valid id: use lowercase letters, digits and single hyphens"
        yield _problem(doc, key_path, message, hint, doc.key_position(key_path))
    elif keyword == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(set(value) - set(allowed)):
            key_path = (*path, key)
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed fields: {', '.join(allowed)}"
            yield _problem(doc, key_path, f"unknown field {key!r}", hint, doc.key_position(key_path))
    elif keyword == "required":
        for key in error.validator_value:
            if key not in value:
                yield _problem(doc, (*path, key), f"missing required field {key!r}",
                               _required_hint(schema, key), doc.position(path))
    elif keyword in ("oneOf", "anyOf"):
        yield from _translate_alternatives(doc, error, path, schema)
    else:
        message, hint = _message(keyword, error.validator_value, value, schema)
        yield _problem(doc, path, message, hint)


def _required_hint(schema: dict[str, Any], key: str) -> str | None:
    field_schema = schema.get("properties", {}).get(key, {})
    description = field_schema.get("description")
    return as_clause(description.split(". ")[0]) if isinstance(description, str) else None


def _translate_alternatives(doc: SourceDoc, error: ValidationError, path: JsonPath,
                            schema: dict[str, Any]) -> Iterator[Problem]:
    """Report the branch the value was evidently meant for, else what any branch expects."""
    by_branch: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        by_branch.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    # A branch whose very first complaint is the value's type was not the one meant.
    meant = [
        errors for errors in by_branch.values()
        if not any(e.validator == "type" and not e.relative_path for e in errors)
    ]
    # Among those, one that lacks a key it requires (`id`, `name`) was not meant either,
    # when another has every key it requires.
    complete = [errors for errors in meant
                if not any(e.validator == "required" and not e.relative_path for e in errors)]
    if len(meant) > 1 and len(complete) == 1:
        meant = complete
    if len(meant) == 1 and len(by_branch) > 1:
        for sub in meant[0]:
            yield from translate(doc, sub)
        return
    branches = error.validator_value
    formats = [b["format"] for b in branches if isinstance(b, dict) and isinstance(b.get("format"), str)]
    if formats and len(formats) == len(branches):
        names = " or ".join(_FORMAT_NAMES.get(f, f).split(" (")[0] for f in formats)
        yield _problem(doc, path, f"{_short(str(error.instance))} is not a valid {names}",
                       _example_hint(schema))
        return
    title = as_clause(schema.get("title", "value"))
    description = schema.get("description")
    hint = f"expected {as_clause(description)}" if description else None
    yield _problem(doc, path, f"{describe_value(error.instance)} is not a valid {title}", hint)


def _first_repeat(items: list[Any]) -> Any:
    seen: list[Any] = []
    for item in items:
        if item in seen:
            return item
        seen.append(item)
    return None


def _message(keyword: str, expected: Any, value: Any, schema: dict[str, Any]) -> tuple[str, str | None]:
    """Give message and hint for a single-keyword failure."""
    title = as_clause(str(schema.get("title", "value")))
    if keyword == "type":
        types = [expected] if isinstance(expected, str) else expected
        wanted = " or ".join(_JSON_TYPES.get(t, t) for t in types)
        hint = None
        if expected == "string" and not isinstance(value, (list, dict)):
            hint = "YAML read this as a non-text value; put it in quotes to keep it as text"
        elif expected == "boolean" and isinstance(value, str) and value.lower() in _YAML11_BOOLEANS:
            hint = f"{value!r} is a boolean only in old YAML 1.1; write true or false"
        return f"expected {wanted}, got {describe_value(value)}", hint
    if keyword == "enum":
        allowed = [str(v) for v in expected]
        close = difflib.get_close_matches(str(value), allowed, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return f"{_short(str(value))} is not an allowed {title}", f"{hint}allowed: {', '.join(allowed)}"
    if keyword == "pattern":
        known = _PATTERN_MESSAGES.get(expected)
        if known:
            return known, None
        description = schema.get("description")
        rule = as_clause(description.split(". ")[0]) if isinstance(description, str) else None
        hint = "; ".join(part for part in (rule, _example_hint(schema)) if part)
        return f"{_short(str(value))} is not a valid {title}", hint or None
    if keyword == "format":
        return f"{_short(str(value))} is not a valid {_FORMAT_NAMES.get(expected, expected)}", None
    if keyword == "minLength":
        if expected <= 1:
            return "must not be empty", None
        return f"is {len(value)} characters long; at least {expected} needed", None
    if keyword == "maxLength":
        return f"is {len(value):,} characters long; at most {expected:,} allowed", None
    if keyword == "minItems":
        return f"needs at least {expected} item{'s' if expected != 1 else ''}", None
    if keyword in ("maxItems", "maxProperties"):
        hint = "split the recap into a series" if title == "talks" else None
        return f"has {len(value):,} entries; at most {expected:,} allowed", hint
    if keyword == "uniqueItems":
        return f"lists {_short(str(_first_repeat(value)))} more than once", None
    if keyword == "minimum":
        return f"{value} is less than the minimum, {expected}", None
    if keyword == "maximum":
        return f"{value} is more than the maximum, {expected}", None
    return f"does not satisfy the schema rule {keyword!r}", schema.get("description")
