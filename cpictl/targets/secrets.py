"""A named target's extra `secrets:` keys: names whose values cpictl masks besides those its rules already know.

`cpictl.protocol.redaction` decides by key (`secret_key`: password, token, private_key …) which values of a request
are secrets, and hunts the values it learns, and the process's registered secrets, in everything a CPI prints. A
target's `secrets: [tenant, OS_PROJECT_ID]` adds names its rules do not know: they join `secret_key`'s rules for the
whole process (`register_secret_key_names`), so a value under one is masked in a call's own arguments too, and the
values under them in the target's own environment and context are registered as process secrets
(`register_secret`), so they are masked wherever they appear — in the request view, in the CPI's log and stderr,
in reports and the journal — and `is_secret` masks them in `cpictl target show`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def is_secret(key: object, extra: Iterable[str] = ()) -> bool:
    """Whether `key` names a secret: by the built-in rules, or because it is one of `extra` (any case)."""
    from cpictl.protocol.redaction import secret_key

    wanted = {name.lower() for name in extra}
    return secret_key(key) or str(key).lower() in wanted


def values_under(document: Any, keys: Iterable[str]) -> list[Any]:
    """Every value under one of `keys` (any case), at any depth of `document`."""
    wanted = {name.lower() for name in keys}
    found: list[Any] = []

    def walk(value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                if str(key).lower() in wanted:
                    found.append(item)
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    return found


def _scalars(value: Any) -> Iterable[str]:
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _scalars(item)
    elif isinstance(value, list):
        for item in value:
            yield from _scalars(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)


def register_secret_keys(keys: Iterable[str], env: Mapping[str, str], context: Mapping[str, Any]) -> None:
    """Hunt, in this whole process, the values the target's environment and context hold under `keys`."""
    from cpictl.protocol.redaction import register_secret, register_secret_key_names

    keys = list(keys)
    register_secret_key_names(keys)
    for value in values_under({"env": dict(env), "context": dict(context)}, keys):
        for text in _scalars(value):
            register_secret(text, numeric=text.isdigit())


def mask_env(env: Mapping[str, str], extra: Iterable[str] = ()) -> dict[str, str]:
    """`redaction.mask_secret_env`, and the variables named in a target's `secrets:` masked too."""
    from cpictl.protocol.redaction import MASK, mask_secret_env

    wanted = {name.lower() for name in extra}
    return {name: MASK if name.lower() in wanted and value else masked
            for (name, value), masked in zip(env.items(), mask_secret_env(dict(env)).values(), strict=True)}
