"""The reference CPI's state directory: one lock, atomic JSON files, and a read-only view for the rest of cpictl.

Every call is its own process (contract §1) and callers run calls in parallel, so all state is on disk and every
read-modify-write happens under an exclusive `fcntl.flock` on `state.lock`. We use flock directly rather than the
`filelock` package because importing `filelock` costs ~50 ms, which alone would break the start-up budget of one
`info` round trip ≤ 5× `python3 -c pass`. Files are written as temp + fsync + `os.replace`, so a reader (or a
killed process) never sees half a file. Files are created 0600 and directories 0700: agent settings hold secrets.
The layout is described in the package docstring (`cpictl/refcpi/__init__.py`).
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from cpictl.refcpi.failures import cpi_error

STATE_FILE = "state.json"
LOCK_FILE = "state.lock"
USER_METADATA_DIR = "user-metadata"
REGISTRY_DIR = "registry"
FAULTS_DIR = "faults"
FORMAT = 1
COLLECTIONS = ("stemcells", "vms", "disks", "snapshots", "networks")


def empty_state() -> dict[str, Any]:
    state: dict[str, Any] = {"format": FORMAT, "id_counter": 0, "allocations": {"dynamic_ip": 0, "network": 0}}
    state.update({name: {} for name in COLLECTIONS})
    return state


def _safe_name(name: str) -> bool:
    """Cloud IDs become file names; refuse anything that could leave its directory."""
    return bool(name) and "/" not in name and "\0" not in name and not name.startswith(".")


def read_json_file(path: str) -> Any:
    """A JSON file's content, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None


def read_vm_settings(state_dir: str, vm_cid: str) -> dict[str, Any]:
    """What a VM's agent would read: `{"user_metadata": …, "registry": …}`, each None when absent.

    Read-only and lock-free (files are replaced atomically). `registry` is None for registry-less VMs and when the
    settings were sent to an HTTP registry (`CPICTL_REFCPI_REGISTRY_URL`) instead of the local store.
    """
    if not _safe_name(vm_cid):
        return {"user_metadata": None, "registry": None}
    return {
        "user_metadata": read_json_file(os.path.join(state_dir, USER_METADATA_DIR, vm_cid + ".json")),
        "registry": read_json_file(os.path.join(state_dir, REGISTRY_DIR, vm_cid + ".json")),
    }


def read_state(state_dir: str) -> dict[str, Any]:
    """The resources the CPI holds (stemcells, vms, disks, snapshots, networks), read without locking."""
    return read_json_file(os.path.join(state_dir, STATE_FILE)) or empty_state()


class StateStore:
    """One state directory. Mutating methods must run inside `locked()` (or `transaction()`, which takes it)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def path(self, *parts: str) -> str:
        return os.path.join(self.directory, *parts)

    def _ensure_dir(self, path: str) -> None:
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise cpi_error(f"cannot create state directory {path}: {exc}") from None

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the directory's exclusive lock (blocking: concurrent calls queue, none is lost)."""
        self._ensure_dir(self.directory)
        fd = os.open(self.path(LOCK_FILE), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock

    @contextmanager
    def transaction(self) -> Iterator[dict[str, Any]]:
        """Lock, load state.json, hand it out, and write it back if the block changed it and did not raise."""
        with self.locked():
            before = self._load_text()
            state = self._parse(before) if before else empty_state()
            yield state
            after = _dump(state)
            if after != before:
                self.write_text(STATE_FILE, after)

    def _load_text(self) -> str:
        try:
            with open(self.path(STATE_FILE), encoding="utf-8") as handle:
                return handle.read()
        except FileNotFoundError:
            return ""

    def _parse(self, text: str) -> dict[str, Any]:
        try:
            state = json.loads(text)
        except ValueError as exc:
            raise cpi_error(f"state file {self.path(STATE_FILE)} is not valid JSON: {exc}") from None
        if not isinstance(state, dict) or state.get("format") != FORMAT:
            raise cpi_error(f"state file {self.path(STATE_FILE)} is not a format-{FORMAT} refcpi state")
        return state

    def write_text(self, relative: str, text: str) -> None:
        """Atomically replace a file: write a temp file next to it, fsync, rename over the old one."""
        target = self.path(relative)
        self._ensure_dir(os.path.dirname(target))
        temp = f"{target}.{os.getpid()}.tmp"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)

    def write_json(self, relative: str, document: Any) -> None:
        self.write_text(relative, _dump(document))

    def read_json(self, relative: str) -> Any:
        return read_json_file(self.path(relative))

    def remove(self, relative: str) -> None:
        with suppress(FileNotFoundError):
            os.unlink(self.path(relative))

    def bump_counter(self, name: str) -> int:
        """Add one to `faults/<name>.count` and return the new value (hold the lock)."""
        relative = os.path.join(FAULTS_DIR, name + ".count")
        try:
            with open(self.path(relative), encoding="utf-8") as handle:
                count = int(handle.read().strip() or 0)
        except (FileNotFoundError, ValueError):
            count = 0
        self.write_text(relative, f"{count + 1}\n")
        return count + 1


def _dump(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def user_metadata_file(vm_cid: str) -> str:
    return os.path.join(USER_METADATA_DIR, vm_cid + ".json")


def registry_file(vm_cid: str) -> str:
    return os.path.join(REGISTRY_DIR, vm_cid + ".json")
