"""Where a config file's secrets sit, and every value of the file as a view of a target may show it.

A view of a target (`cpictl target list|show`, every output format; the REPL's `:target`; completion) masks a value
by where it is used:
- every `context` value but the director's own keys (as the director masks cpi-config properties);
- the environment's secret values (`redaction.mask_secret_env`: by name, and URL credentials);
- the registry password;
- values under the target's own `secrets:` keys, at any depth of its environment, context and registry.
A value that is only a `${env.NAME}` reference holds no secret: it is shown, so the view says where one comes from.

A place is not enough on its own: YAML anchors and aliases write one value at several places (`note: &pw hunter2`
… `context: {password: *pw}`, or the reverse), so a secret anchored under an innocent key, or aliased under one,
would show in clear there. The source map gives an alias its anchor's span, so `FileSecrets.shown` masks a value
wherever it appears when its span lies inside the span of a secret place of any target of the same file
(anchors do not cross files; a span inside another is a part of that value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cpictl.recipes.positions import DataPath, SourceMap, Span

if TYPE_CHECKING:
    from cpictl.targets.config import LoadedFile, NamedTarget
    from cpictl.targets.config_schema import TargetEntry

_REFERENCE = re.compile(r"\$\{env\.[A-Za-z_][A-Za-z0-9_]*\}")


def is_reference(value: Any) -> bool:
    """A value that is only a `${env.NAME}` reference (it names a secret's source, it holds none)."""
    return isinstance(value, str) and _REFERENCE.fullmatch(value) is not None


@dataclass
class FileSecrets:
    """The secret places of one config file: what each shows, and their spans."""

    source: SourceMap
    #: data path of a secret place → what a view shows there (the mask, or a URL with its credentials masked)
    masks: dict[DataPath, Any]
    spans: list[Span]

    def shown(self, value: Any, path: DataPath) -> Any:
        """`value`, written at `path` of the file, as a view shows it."""
        if path in self.masks:
            return self.masks[path]
        if is_reference(value):
            return value
        span = self.source.values.get(path)
        if span is not None and any(_within(span, secret) for secret in self.spans):
            from cpictl.protocol.redaction import MASK

            return MASK
        if isinstance(value, dict):
            return {key: self.shown(item, (*path, key)) for key, item in value.items()}
        if isinstance(value, list):
            return [self.shown(item, (*path, index)) for index, item in enumerate(value)]
        return value


def _within(inner: Span, outer: Span) -> bool:
    return ((outer.line, outer.column) <= (inner.line, inner.column)
            and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column))


_BY_FILE: dict[int, tuple[LoadedFile, FileSecrets]] = {}


def file_secrets(loaded: LoadedFile) -> FileSecrets:
    """The secret places of every target of `loaded` (worked out once per file read)."""
    cached = _BY_FILE.get(id(loaded))
    if cached is not None and cached[0] is loaded:
        return cached[1]
    masks: dict[DataPath, Any] = {}
    for name, entry in loaded.model.targets.items():
        masks.update(_secret_places(("targets", name), entry))
    spans = [span for span in (loaded.source.values.get(path) for path in masks) if span is not None]
    secrets = FileSecrets(loaded.source, masks, spans)
    _BY_FILE[id(loaded)] = (loaded, secrets)
    return secrets


def _secret_places(at: DataPath, entry: TargetEntry) -> dict[DataPath, Any]:
    """The secret places of one target (see the module docstring) and what each shows."""
    from cpictl.protocol.redaction import MASK, mask_secret_env
    from cpictl.targets.config import CONTEXT_PUBLIC_KEYS

    places: dict[DataPath, Any] = {}
    extra = {name.lower() for name in entry.secrets}
    masked_env = mask_secret_env(dict(entry.env))
    for name, value in entry.env.items():
        if is_reference(value):
            continue
        if name.lower() in extra and value:
            places[(*at, "env", name)] = MASK
        elif masked_env[name] != value:
            places[(*at, "env", name)] = masked_env[name]
    for key, value in entry.context.items():
        if key not in CONTEXT_PUBLIC_KEYS and not is_reference(value):
            places[(*at, "context", key)] = MASK
    registry = entry.registry.model_dump() if entry.registry is not None else {}
    if registry and not is_reference(registry["password"]):
        places[(*at, "registry", "password")] = MASK
    if extra:
        for part, values in (("env", entry.env), ("context", entry.context), ("registry", registry)):
            _under_extra(values, (*at, part), extra, places)
    return places


def _under_extra(value: Any, path: DataPath, extra: set[str], places: dict[DataPath, Any]) -> None:
    from cpictl.protocol.redaction import MASK

    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower() in extra and not is_reference(item):
                places.setdefault((*path, key), MASK)
            else:
                _under_extra(item, (*path, key), extra, places)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _under_extra(item, (*path, index), extra, places)


def shown_setting(named: NamedTarget, key: str, value: Any) -> Any:
    """A target's setting `key` (as written in the file: `env`, `description` …) as a view shows it."""
    return file_secrets(named.loaded).shown(value, ("targets", named.name, key))


def shown_argv(named: NamedTarget) -> list[str]:
    """The target's argv, paths resolved, a word that is a secret elsewhere in the file masked."""
    secrets = file_secrets(named.loaded)
    at: DataPath = ("targets", named.name, "cpi")
    single = isinstance(named.entry.cpi, str)
    return [secrets.shown(word, at if single else (*at, index)) for index, word in enumerate(named.argv())]
