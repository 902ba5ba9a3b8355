"""One named target as a document to show (`cpictl target show`): its settings as the file gives them, the
paths resolved as the CPI will get them, and every secret masked unless asked.

Masked: every `context` value but the director's own keys (as the director masks cpi-config properties), the
environment's secret values (`redaction.mask_secret_env`: by name, and URL credentials), the registry password,
and values under the target's own `secrets:` keys. A value that is only a `${env.NAME}` reference holds no secret
and is shown as written, so the document says where the secret comes from.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cpictl.targets.config import NamedTarget

_REFERENCE = re.compile(r"\$\{env\.[A-Za-z_][A-Za-z0-9_]*\}")


def _reference(value: Any) -> bool:
    return isinstance(value, str) and _REFERENCE.fullmatch(value) is not None


def target_document(named: NamedTarget, *, show_secrets: bool = False, is_default: bool = False) -> dict[str, Any]:
    from cpictl.protocol.redaction import MASK, mask_secret_env
    from cpictl.targets.config import CONTEXT_PUBLIC_KEYS, resolve_path

    entry = named.entry
    written = entry.model_dump(by_alias=True, exclude_unset=True)
    document: dict[str, Any] = {"name": named.name, "defined": named.location(), "default": is_default}
    if entry.description is not None:
        document["description"] = entry.description
    document["cpi"] = named.argv()
    for key in ("as", "env_mode", "timeout", "api_version", "preferred_api_version", "negotiate",
                "stemcell_api_version", "director_uuid"):
        if key in written:
            document[key] = written[key]
    for key in ("cwd", "packages_dir", "jobs_dir"):
        if written.get(key) is not None:
            document[key] = resolve_path(written[key], named.loaded.directory)
    extra = entry.secrets
    if entry.env:
        env = dict(entry.env)
        if not show_secrets:
            masked = mask_secret_env(env)
            env = {name: value if _reference(value) else MASK if name.lower() in {s.lower() for s in extra}
                   else masked[name] for name, value in env.items()}
        document["env"] = env
    if entry.context:
        document["context"] = entry.context if show_secrets else {
            key: value if key in CONTEXT_PUBLIC_KEYS or _reference(value) else MASK
            for key, value in entry.context.items()}
    if entry.registry is not None:
        registry = entry.registry.model_dump()
        if not show_secrets and not _reference(registry["password"]):
            registry["password"] = MASK
        document["registry"] = registry
    if extra:
        document["secrets"] = list(extra)
    if not show_secrets:
        document = _masked_extra(document, extra)
    return document


def _masked_extra(document: dict[str, Any], extra: list[str]) -> dict[str, Any]:
    """Values under the target's own `secrets:` keys anywhere else (inside a context value, say)."""
    from cpictl.protocol.redaction import MASK

    wanted = {name.lower() for name in extra}

    def walk(value: Any, top: bool) -> Any:
        if isinstance(value, dict):
            return {key: (MASK if not top and str(key).lower() in wanted and not _reference(item)
                          else walk(item, False)) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, False) for item in value]
        return value

    return walk(document, True) if wanted else document
