"""`-o yaml` (and the REPL's `:set output yaml`): YAML that holds only what JSON can, whatever a CPI put in the
document, and never an exception. Both edges, `cli` and `repl`, print it: so it lives here, below them.

PyYAML's safe dumper refuses what it does not know (it raises on a marker) and writes NaN as `.nan`. Here a
`BigNumber` is an integer (or float) scalar of its exact digits, NaN and Infinity (markers or floats) are `null`
as in `-o json`, an `Elided` is its note, and any other object is its `str()`. A string of several lines is a
block scalar (`|`) wherever YAML allows one, so a log or a certificate reads as its lines. PyYAML escapes lone
surrogates and control characters itself (`"\\uD800"`, `"\\e"`). Imported only when YAML is asked for: `yaml`
costs start-up.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from cpictl.protocol.json_markers import KEPT_DEPTH, BigNumber, Elided, NonFinite
from cpictl.protocol.strict_json import bounded, strict_dumps


class _StrictDumper(yaml.SafeDumper):
    """A SafeDumper that represents cpictl's markers and writes no NaN."""


def _big_number(dumper: yaml.SafeDumper, value: BigNumber) -> yaml.Node:
    tag = "tag:yaml.org,2002:int" if value.is_integer else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, value.text)


def _float(dumper: yaml.SafeDumper, value: float) -> yaml.Node:
    return dumper.represent_float(value) if math.isfinite(value) else dumper.represent_none(None)


def _as_text(dumper: yaml.SafeDumper, value: Any) -> yaml.Node:
    return _text(dumper, str(value))


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    """A string with a line break as a block scalar (`|`), so a log or a certificate reads as its lines. PyYAML's
    emitter keeps the block style only where it round-trips (it picks the chomping and indentation indicators
    itself) and falls back to a quoted scalar otherwise: trailing spaces on a line, control characters, a
    string that is a mapping key. A NEL (U+0085) is a line break to YAML that PyYAML writes raw in single-quoted and
    block scalars, where it reads back as a space: such a string is double-quoted, which escapes it (`\\N`)."""
    if "\x85" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_str(value)


_StrictDumper.add_representer(BigNumber, _big_number)
_StrictDumper.add_representer(NonFinite, lambda dumper, value: dumper.represent_none(None))
_StrictDumper.add_representer(Elided, _as_text)
_StrictDumper.add_representer(float, _float)
_StrictDumper.add_multi_representer(dict, lambda dumper, value: dumper.represent_dict(value))
_StrictDumper.add_multi_representer(list, lambda dumper, value: dumper.represent_list(value))
_StrictDumper.add_multi_representer(tuple, lambda dumper, value: dumper.represent_list(list(value)))
_StrictDumper.add_representer(str, _text)
_StrictDumper.add_multi_representer(str, lambda dumper, value: _text(dumper, str(value)))
_StrictDumper.add_multi_representer(object, _as_text)


def strict_yaml(document: Any, *, ascii_only: bool = False) -> str:
    """`document` as block YAML (module docstring)."""
    options: dict[str, Any] = {"sort_keys": False, "allow_unicode": not ascii_only, "width": 120}
    try:
        return str(yaml.dump(document, Dumper=_StrictDumper, **options))
    except (yaml.YAMLError, RecursionError, TypeError, ValueError):
        # nesting too deep for PyYAML's recursive representer, or a value it cannot take: cut the nesting and try
        # again, and if even that fails, write the strict JSON text (JSON is YAML)
        try:
            return str(yaml.dump(bounded(document, KEPT_DEPTH // 2), Dumper=_StrictDumper, **options))
        except (yaml.YAMLError, RecursionError, TypeError, ValueError):
            return strict_dumps(document, indent=2, ensure_ascii=ascii_only) + "\n"
