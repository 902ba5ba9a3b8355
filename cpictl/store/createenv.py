"""Read a `bosh create-env` state file into cloud IDs to import, refusing the records create-env itself trips on.

The state file (`--state`, default `<manifest>-state.json`) holds `director_id`, `installation_id`,
`current_vm_cid`, `current_stemcell_id`, `current_disk_id`, `disks [{id, cid, size, cloud_properties}]` and
`stemcells [{id, name, version, api_version, cid}]`. `current_*_id` name create-env's own record IDs, not CIDs.

Rules: bad input (missing, not a regular file, beyond the input limits of `cpictl.input_limits`, not JSON, not an
object) is a StoreError with the file name, and its line:column where there is one; a doubtful record (empty CID,
`{}`, duplicate) is skipped with a warning saying what create-env would have done with it.
This module only reads; `CloudIdStore.import_create_env_state` writes the journal lines.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cpictl.input_limits import MAX_DEPTH, InputLimitError, json_value, read_regular_file
from cpictl.protocol.kinds import CloudIdKind
from cpictl.protocol.redaction import Redactor
from cpictl.store.errors import StoreError

_STATE_KEYS = ("director_id", "installation_id", "current_vm_cid", "current_stemcell_id", "current_disk_id",
               "disks", "stemcells")


@dataclass
class ImportItem:
    """One cloud ID found in the state file and the journal fields to record with it."""

    kind: CloudIdKind
    cid: str
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class CreateEnvState:
    source: Path
    director_uuid: str | None = None
    installation_id: str | None = None
    items: list[ImportItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    """What an import did: IDs recorded, IDs the session already tracked, and records refused."""

    source: Path
    director_uuid: str | None = None
    imported: list[tuple[CloudIdKind, str]] = field(default_factory=list)
    already_tracked: list[tuple[CloudIdKind, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"source": str(self.source), "director_uuid": self.director_uuid,
                "imported": [{"kind": k.value, "cid": c} for k, c in self.imported],
                "already_tracked": [{"kind": k.value, "cid": c} for k, c in self.already_tracked],
                "warnings": list(self.warnings)}


def load_state_file(path: Path) -> dict[str, Any]:
    """The decoded state file, or a StoreError that says why it cannot be used."""
    try:
        raw = read_regular_file(path)  # not a FIFO or /dev/zero, nothing beyond MAX_INPUT_BYTES
    except FileNotFoundError:
        raise StoreError(f"create-env state file {path} does not exist") from None
    except OSError as error:
        raise StoreError(f"cannot read create-env state file {path}: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line, column = _line_column(raw, error.start)
        raise StoreError(f"cannot read create-env state file {path}: not UTF-8 (byte 0x{raw[error.start]:02x} at "
                         f"line {line} column {column})") from None
    try:
        data = json_value(text)
    except InputLimitError as error:  # nested too deep: create-env writes a handful of levels
        line, column = _line_column(text, _too_deep_at(text))
        raise StoreError(f"{path}:{line}:{column}: {error}; is it a create-env state file?") from None
    except ValueError as error:
        where = f"{path}:{error.lineno}:{error.colno}" if isinstance(error, json.JSONDecodeError) else str(path)
        message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        raise StoreError(f"{where}: not JSON ({message}); is it a create-env state file?") from None
    if not isinstance(data, dict):
        raise StoreError(f"{path} is not a create-env state file: expected a JSON object, found {_json_type(data)}")
    if not any(key in data for key in _STATE_KEYS):
        raise StoreError(f"{path} is not a create-env state file: it has none of the keys {', '.join(_STATE_KEYS)}")
    return data


_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')


def _too_deep_at(text: str) -> int:
    """The offset of the first bracket nested deeper than MAX_DEPTH (the error path only: a loop in Python, but it
    stops there)."""
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return match.start()
        elif char in "]}":
            depth -= 1
    return len(text)


def _line_column(raw: bytes | str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset` (columns count characters, as JSON parsers report them)."""
    before = raw[:offset]
    if isinstance(before, bytes):
        before = before.decode("utf-8", "replace")
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def read_create_env_state(path: Path) -> CreateEnvState:
    """Parse a state file into items to import and warnings about what was refused."""
    data = load_state_file(path)
    state = CreateEnvState(source=Path(path))
    state.director_uuid = _text(data, "director_id")
    if state.director_uuid is None:
        state.warnings.append("director_id is missing or empty; context.director_uuid will not be pre-set")
    state.installation_id = _text(data, "installation_id")
    stemcells = _stemcells(data, state)
    vm_cid = _current_vm(data, state, stemcells)
    _disks(data, state, vm_cid)
    return state


def _stemcells(data: dict[str, Any], state: CreateEnvState) -> dict[str, ImportItem]:
    """Stemcell items by create-env record id (the VM needs the current one's api_version)."""
    by_id: dict[str, ImportItem] = {}
    for record in _records(data, "stemcells", CloudIdKind.STEMCELL, state, "delete_stemcell (bosh #2625)"):
        item = ImportItem(CloudIdKind.STEMCELL, record["cid"], {"method": "create_stemcell"})
        if isinstance(record.get("api_version"), int) and not isinstance(record.get("api_version"), bool):
            item.fields["stemcell_api_version"] = record["api_version"]
        for key in ("name", "version"):
            if record.get(key) is not None:
                item.fields[key] = record[key]
        _remember_record_id(record, item, by_id)
        state.items.append(item)
    current = data.get("current_stemcell_id")
    if by_id and not current:
        state.warnings.append("current_stemcell_id is empty although stemcells are listed; create-env's next deploy "
                              "would treat them all as unused and delete them (bosh-cli #731)")
    elif current and current not in by_id:
        state.warnings.append(f"current_stemcell_id {current!r} matches no entry of stemcells")
    return by_id


def _current_vm(data: dict[str, Any], state: CreateEnvState, stemcells: dict[str, ImportItem]) -> str | None:
    vm_cid = data.get("current_vm_cid")
    if vm_cid is None or vm_cid == "":
        return None  # no VM: create-env has not deployed, or deleted it
    if not isinstance(vm_cid, str):
        state.warnings.append(f"current_vm_cid is {_json_type(vm_cid)}, not a string; skipped")
        return None
    item = ImportItem(CloudIdKind.VM, vm_cid, {"method": "create_vm"})
    stemcell = stemcells.get(str(data.get("current_stemcell_id") or ""))
    if stemcell is not None:
        if "stemcell_api_version" in stemcell.fields:  # create-env sends it in context.vm.stemcell
            item.fields["stemcell_api_version"] = stemcell.fields["stemcell_api_version"]
        item.fields["stemcell_cid"] = stemcell.cid
    state.items.append(item)
    return vm_cid


def _disks(data: dict[str, Any], state: CreateEnvState, vm_cid: str | None) -> None:
    current = data.get("current_disk_id")
    found_current = False
    for record in _records(data, "disks", CloudIdKind.DISK, state, "delete_disk"):
        item = ImportItem(CloudIdKind.DISK, record["cid"], {"method": "create_disk"})
        if record.get("size") is not None:
            item.fields["size"] = record["size"]
        if record.get("cloud_properties") is not None:  # the journal keeps no secrets: masked as in a request
            item.fields["cloud_properties"] = Redactor().arguments(
                "create_disk", [None, record["cloud_properties"], None])[1]
        if current and record.get("id") == current:
            found_current = True
            if vm_cid:
                item.fields["attached_to"] = vm_cid
        _remember_record_id(record, item, {})
        state.items.append(item)
    if current and not found_current:
        state.warnings.append(f"current_disk_id {current!r} matches no entry of disks; the current disk is unknown")


def _records(data: dict[str, Any], key: str, kind: CloudIdKind, state: CreateEnvState,
             deleter: str) -> list[dict[str, Any]]:
    """The usable records of a list key; each refused one becomes a warning saying why it matters."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        state.warnings.append(f"{key} is {_json_type(value)}, not a list; skipped")
        return []
    usable: list[dict[str, Any]] = []
    seen = {item.cid for item in state.items if item.kind is kind}
    for index, record in enumerate(value):
        where = f"{key}[{index}]"
        if record == {}:
            state.warnings.append(f"{where} is an empty record {{}} — skipped; create-env would pass an empty CID "
                                  f"to {deleter}")
        elif not isinstance(record, dict):
            state.warnings.append(f"{where} is {_json_type(record)}, not an object — skipped")
        elif "cid" not in record or record["cid"] in ("", None):
            state.warnings.append(f"{where} has an empty or missing cid — skipped; create-env would pass an empty "
                                  f"CID to {deleter}")
        elif not isinstance(record["cid"], str):
            state.warnings.append(f"{where} has a cid that is {_json_type(record['cid'])}, not a string — skipped")
        elif not record["cid"].strip():
            state.warnings.append(f"{where} has a blank cid {record['cid']!r} — skipped; no IaaS names a resource "
                                  f"so, and create-env would pass it to {deleter}")
        elif record["cid"] in seen:
            state.warnings.append(f"{where} repeats cid {record['cid']!r} — skipped")
        else:
            seen.add(record["cid"])
            usable.append(record)
    return usable


def _remember_record_id(record: dict[str, Any], item: ImportItem, by_id: dict[str, ImportItem]) -> None:
    if isinstance(record.get("id"), str) and record["id"]:
        item.fields["create_env_id"] = record["id"]
        by_id[record["id"]] = item


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
             float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
