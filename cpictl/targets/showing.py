"""One named target as a document to show (`cpictl target show`): its settings as the file gives them, the
paths resolved as the CPI will get them, and every secret masked unless asked.

What is masked, and why a value shared by a YAML alias is masked at every place it appears, is
`secret_places`'s to say; a value that is only a `${env.NAME}` reference is shown as written, so the document
says where the secret comes from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cpictl.targets.config import NamedTarget

_SETTINGS = ("description", "as", "env_mode", "timeout", "api_version", "preferred_api_version", "negotiate",
             "stemcell_api_version", "director_uuid", "cwd", "packages_dir", "jobs_dir", "env", "context",
             "registry", "secrets")
_PATHS = ("cwd", "packages_dir", "jobs_dir")


def target_document(named: NamedTarget, *, show_secrets: bool = False, is_default: bool = False) -> dict[str, Any]:
    from cpictl.targets.config import resolve_path
    from cpictl.targets.secret_places import shown_argv, shown_setting

    entry = named.entry
    written = entry.model_dump(by_alias=True, exclude_unset=True)
    if entry.registry is not None:  # with its defaults: the place the registry listens on
        written["registry"] = entry.registry.model_dump()
    document: dict[str, Any] = {"name": named.name, "defined": named.location(), "default": is_default}
    document["cpi"] = named.argv() if show_secrets else shown_argv(named)
    for key in _SETTINGS:
        if not _included(key, written):
            continue
        value = written[key]
        shown = value if show_secrets else shown_setting(named, key, value)
        if key in _PATHS and shown == value:
            shown = resolve_path(value, named.loaded.directory)
        document[key] = shown
    return _ordered(document)


def _included(key: str, written: dict[str, Any]) -> bool:
    """Whether the document shows setting `key`: written, and (but for a null version, which says "not sent")
    not empty."""
    if key not in written:
        return False
    if key in ("description", "registry", *_PATHS):
        return written[key] is not None
    if key in ("env", "context", "secrets"):
        return bool(written[key])
    return True


def _ordered(document: dict[str, Any]) -> dict[str, Any]:
    """The order the document has always had: description before the argv."""
    order = ("name", "defined", "default", "description", "cpi")
    return {**{key: document[key] for key in order if key in document},
            **{key: value for key, value in document.items() if key not in order}}
