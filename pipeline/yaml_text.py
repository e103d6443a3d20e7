"""YAML text that YAML 1.2 readers read back exactly.

PyYAML's dumper quotes a string only where a YAML 1.1 reader would mistake it. Hugo's
YAML 1.2 reader, like ours, also types strings such as `0e0` or `0o17`, so a slug
`0e0` came back as the number 0. This dumper quotes every string the YAML 1.2 core
schema would not read as that same string, and double-quotes strings holding NEL or
U+2028/U+2029, which libyaml folds into spaces when they are written raw.
"""

from __future__ import annotations

from typing import Any

import yaml

from pipeline.load import resolve_plain_scalar

_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_FOLDED = ("\x85", "\u2028", "\u2029")


class TextDumper(_Base):  # type: ignore[misc, valid-type]
    """libyaml's emitter with the quoting rule above."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    typed = resolve_plain_scalar(text)
    needs_quotes = not isinstance(typed, str) or typed != text or any(ch in text for ch in _FOLDED)
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style='"' if needs_quotes else None)


TextDumper.add_representer(str, _represent_text)


def dump_yaml(value: Any, **options: Any) -> str:
    """Give `value` as block YAML, Unicode kept, keys in the order given."""
    settings = {"allow_unicode": True, "sort_keys": False, "default_flow_style": False, **options}
    return str(yaml.dump(value, Dumper=TextDumper, **settings))
