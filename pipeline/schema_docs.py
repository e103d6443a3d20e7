"""Write the field reference (Markdown) from the schemas' titles, descriptions and examples.

Generated, never hand-written, so the documentation cannot disagree with the validator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pipeline.validate import SCHEMA_NAMES, schema_path


def _ref_name(schema: dict[str, Any]) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Give the schema a `$ref` points at, with the referring schema's own words on top."""
    name = _ref_name(schema)
    if name is None:
        return schema
    target = root["definitions"][name]
    return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}


def _type_text(schema: dict[str, Any], root: dict[str, Any]) -> str:
    name = _ref_name(schema)
    resolved = _resolve(schema, root)
    if "oneOf" in resolved:
        return " or ".join(_type_text(branch, root) for branch in resolved["oneOf"])
    kind = resolved.get("type", "any")
    if kind == "array":
        return f"list of {_type_text(resolved.get('items', {}), root)}"
    if kind == "object" and name:
        title = root["definitions"][name].get("title", name)
        return f"[{title}](#{_anchor(title)})"
    if kind == "object" and "properties" in resolved:
        title = resolved.get("title", "object")
        return f"[{title}](#{_anchor(title)})"
    if "enum" in resolved:
        return " | ".join(f"`{value}`" for value in resolved["enum"])
    if "format" in resolved:
        return f"{kind} ({resolved['format']})"
    return str(kind)


def _anchor(title: str) -> str:
    return "-".join(title.lower().replace("(", "").replace(")", "").split())


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _example(schema: dict[str, Any]) -> str:
    examples = schema.get("examples")
    if not examples:
        return ""
    return f"`{json.dumps(examples[0], ensure_ascii=False)}`"


def _limits(schema: dict[str, Any]) -> str:
    """Say the field's size limits, which the validator enforces, so authors see them first."""
    limits = []
    if "maxLength" in schema:
        limits.append(f"At most {schema['maxLength']:,} characters.")
    if "maxItems" in schema:
        limits.append(f"At most {schema['maxItems']:,} items.")
    return " ".join(limits)


def _object_table(schema: dict[str, Any], root: dict[str, Any]) -> Iterator[str]:
    required = set(schema.get("required", ()))
    yield "| Field | Type | Required | Description | Example |"
    yield "| --- | --- | --- | --- | --- |"
    for key, prop in schema.get("properties", {}).items():
        resolved = _resolve(prop, root)
        description = f"**{resolved.get('title', key)}.** {resolved.get('description', '')}"
        if _limits(resolved):
            description += f" {_limits(resolved)}"
        yield (f"| `{key}` | {_cell(_type_text(prop, root))} | {'yes' if key in required else ''} "
               f"| {_cell(description)} | {_cell(_example(resolved))} |")


def _document(name: str) -> Iterator[str]:
    root = json.loads(schema_path(name).read_text(encoding="utf-8"))
    yield f"## {root['title']}"
    yield ""
    yield f"`schema/{name}.schema.json`. {root['description']}"
    yield ""
    if "properties" in root:
        yield from _object_table(root, root)
        yield ""
    if isinstance(root.get("additionalProperties"), dict):
        person = _resolve(root["additionalProperties"], root)
        yield f"Each key is a {root['propertyNames']['title'].lower()}; each value is a {person['title']}:"
        yield ""
    inline = [p for p in root.get("properties", {}).values() if "properties" in p]
    for definition in [*inline, *root.get("definitions", {}).values()]:
        if definition.get("type") != "object" or "properties" not in definition:
            continue
        yield f"### {definition['title']}"
        yield ""
        yield definition["description"]
        yield ""
        yield from _object_table(definition, root)
        yield ""


def schema_reference() -> str:
    """Give the whole field reference as Markdown text."""
    lines = [
        "# Recap source field reference",
        "",
        "Generated from `schema/` by `invoke schema-docs`; do not edit by hand.",
        "",
    ]
    for name in SCHEMA_NAMES:
        lines.extend(_document(name))
    return "\n".join(lines).rstrip() + "\n"
