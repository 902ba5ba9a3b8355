"""The embedded BOSH registry: an HTTP endpoint for CPIs in registry mode (contract §8.2), recording what they do.

`with embedded_registry(journal) as registry:` starts a registry on 127.0.0.1 (a random port) in a daemon thread,
with HTTP basic auth and random credentials; `registry.attach(target)` hands its URL to the CPI through the
target's environment; `registry.events_since(mark)` lists the requests it answered since `registry.mark()`.

It speaks what the Ruby registry client expects: `PUT /instances/<id>/settings` stores the body as sent (200
`{"status":"ok"}`), `GET` answers `{"settings": "<json string>", "status": "ok"}` or 404, `DELETE` removes the entry
(404 when absent), a request without the right credentials gets 401, a body over 16 MiB gets 413 (read and discarded
first, up to 64 MiB, so the client can read the answer), a Content-Length that is not a number gets 400. Every
request, answered or refused, is an event; with a journal it is also appended to the capture file beside it
(`cpictl.metadata.registry_log`) *before* the answer goes out, so when the CPI's call returns its registry writes are
on disk, and a later process (`cpictl metadata show`, the next `call --registry`) sees them. The registry starts
from that file's content, and writes a `started` and a `stopped` line around its life: a CPI that never reached it
left nothing else to show that it was there.

Environment given to the CPI: `CPICTL_REFCPI_REGISTRY_URL` (what the reference CPI reads) and `CPICTL_REGISTRY_URL`,
both `http://user:password@127.0.0.1:PORT`, plus `CPICTL_REGISTRY_ENDPOINT`, `CPICTL_REGISTRY_USER` and
`CPICTL_REGISTRY_PASSWORD`, the three fields of a real CPI's `registry` config, for a `bin/cpi` wrapper that
templates its config file. (No `BOSH_*` name: BOSH defines none for this, and a made-up one would look official.)
Nothing here prints: the server's request log is silenced.
"""

from __future__ import annotations

import base64
import dataclasses
import hmac
import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from cpictl.metadata.registry_log import (
    append_entries,
    body_problem,
    current_entries,
    decode_settings_body,
    read_entries,
    registry_log_path,
)
from cpictl.protocol.redaction import register_secret
from cpictl.registry_http import handler_class, server_class

if TYPE_CHECKING:
    from cpictl.session import Target

REFCPI_URL_ENV = "CPICTL_REFCPI_REGISTRY_URL"
URL_ENV = "CPICTL_REGISTRY_URL"
_SETTINGS_PATH = re.compile(r"^/instances/(?P<id>[^/]+)/settings/?$")


@dataclass(frozen=True)
class RegistryEvent:
    """One request the registry answered or refused. `body` is a stored PUT's body as sent (the settings JSON,
    decoded as UTF-8, `utf8` False when it was not), else None; `body_bytes` the size of the body sent, if any."""

    number: int
    time: str
    method: str
    path: str
    instance: str | None
    status: int
    body: str | None = None
    body_bytes: int | None = None
    utf8: bool = True

    def settings(self) -> Any:
        """A PUT's settings decoded; the raw text when not JSON; None for other requests."""
        return decode_settings_body(self.body)

    def body_problem(self) -> str | None:
        """"not JSON" or "not UTF-8 text" when a stored body cannot be settings at all; else None."""
        return body_problem(self.body, self.utf8)

    def as_entry(self) -> dict[str, Any]:
        entry = {"time": self.time, "method": self.method, "path": self.path, "instance": self.instance,
                 "status": self.status, "body": self.body, "body_bytes": self.body_bytes}
        return entry if self.utf8 else {**entry, "utf8": False}


class RegistryUnavailable(Exception):
    """The embedded registry could not be started (no port to bind on 127.0.0.1): a message, never a traceback."""


class EmbeddedRegistry:
    """One running registry. Use `embedded_registry()`; `start`/`close` are for callers that manage it by hand."""

    def __init__(self, journal: Path | str | None = None) -> None:
        self.capture_path = registry_log_path(journal) if journal is not None else None
        self.username = "registry-" + secrets.token_hex(4)
        self.password = secrets.token_urlsafe(18)
        register_secret(self.password)  # a CPI may print its registry URL: the password must not show
        self._authorization = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        self._lock = threading.Lock()
        self._entries: dict[str, str] = {}
        self._events: list[RegistryEvent] = []
        self.persist_errors: list[str] = []  # capture lines that could not be written (the registry still answers)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------------------------

    def start(self) -> EmbeddedRegistry:
        if self.capture_path is not None:
            captured = current_entries(read_entries(self.capture_path))
            self._entries = {name: entry.body for name, entry in captured.items() if entry.body is not None}
        try:
            self._server = server_class()(("127.0.0.1", 0), handler_class(self))
        except OSError as error:
            raise RegistryUnavailable(f"cannot start the embedded registry on 127.0.0.1: "
                                      f"{error.strerror or error}") from error
        self._persist({"event": "started", "time": _now(), "pid": os.getpid(), "endpoint": self.endpoint})
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="cpictl-registry", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            self._persist({"event": "stopped", "time": _now()})

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the embedded registry is not running")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """The URL without credentials (safe to show)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The URL with credentials, as a CPI's registry config takes it."""
        return f"http://{self.username}:{self.password}@127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        return {REFCPI_URL_ENV: self.url, URL_ENV: self.url, "CPICTL_REGISTRY_ENDPOINT": self.endpoint,
                "CPICTL_REGISTRY_USER": self.username, "CPICTL_REGISTRY_PASSWORD": self.password}

    def attach(self, target: Target) -> Target:
        """The target with the registry's URL and credentials added to the CPI's environment."""
        return dataclasses.replace(target, env={**target.env, **self.environment()})

    # -- what happened ------------------------------------------------------------------------------------------

    def mark(self) -> int:
        """A position in the event list, for `events_since` after the next call."""
        with self._lock:
            return len(self._events)

    def events_since(self, mark: int = 0) -> list[RegistryEvent]:
        with self._lock:
            return list(self._events[mark:])

    def settings_text(self, instance: str) -> str | None:
        with self._lock:
            return self._entries.get(instance)

    # -- answering ----------------------------------------------------------------------------------------------

    def answer(self, method: str, raw_path: str, authorization: str | None, body: bytes | None) -> tuple[int, Any]:
        """Decide the answer to one request and record it; returns (status, JSON document)."""
        path, instance = _parse_path(raw_path)
        text, utf8 = _decoded(body) if body is not None and method == "PUT" else (None, True)
        with self._lock:
            status, document = self._decide(method, instance, authorization, text)
            # Only a stored PUT keeps its body: what an unauthorised client sent is not ours to keep.
            stored = method == "PUT" and status == 200
            self._record(method, path, instance, status, text if stored else None,
                         len(body) if body is not None else None, utf8 or not stored)
        return status, document

    def refuse(self, method: str, raw_path: str, status: int, body_bytes: int | None = None) -> None:
        """Record a request refused before it was read (400 malformed, 413 too large); the caller answers it."""
        path, instance = _parse_path(raw_path)
        with self._lock:
            self._record(method, path, instance, status, None, body_bytes, True)

    def _record(self, method: str, path: str, instance: str | None, status: int, body: str | None,
                body_bytes: int | None, utf8: bool) -> None:
        event = RegistryEvent(len(self._events) + 1, _now(), method, path, instance, status, body, body_bytes, utf8)
        self._events.append(event)
        self._persist(event.as_entry())

    def _decide(self, method: str, instance: str | None, authorization: str | None,
                text: str | None) -> tuple[int, Any]:
        if not hmac.compare_digest((authorization or "").encode(), self._authorization.encode()):
            return 401, {"status": "unauthorized"}
        if instance is None:
            return 404, {"status": "not_found"}
        if method == "PUT":
            self._entries[instance] = text or ""
            return 200, {"status": "ok"}
        if method == "GET":
            if instance not in self._entries:
                return 404, {"status": "not_found"}
            return 200, {"settings": self._entries[instance], "status": "ok"}
        if method == "DELETE":
            if self._entries.pop(instance, None) is None:
                return 404, {"status": "not_found"}
            return 200, {"status": "ok"}
        return 405, {"status": "method_not_allowed"}

    def _persist(self, entry: dict[str, Any]) -> None:
        if self.capture_path is None:
            return
        try:
            append_entries(self.capture_path, [{**entry, "registry": self.username}])
        except Exception as error:  # StoreError or OSError: keep answering; the caller may warn
            self.persist_errors.append(f"cannot write {self.capture_path}: {error}")


@contextmanager
def embedded_registry(journal: Path | str | None = None) -> Iterator[EmbeddedRegistry]:
    """A running registry for the duration of the block; `journal` places its capture file (None: memory only)."""
    registry = EmbeddedRegistry(journal).start()
    try:
        yield registry
    finally:
        registry.close()


def _parse_path(raw_path: str) -> tuple[str, str | None]:
    """The path without its query, and the instance id when it is `/instances/<id>/settings`."""
    path = urlsplit(raw_path).path
    match = _SETTINGS_PATH.match(path)
    return path, unquote(match["id"]) if match else None


def _decoded(body: bytes) -> tuple[str, bool]:
    """A body as text, and whether it was UTF-8 (if not, it is kept with replacement characters, and said so)."""
    try:
        return body.decode("utf-8"), True
    except UnicodeDecodeError:
        return body.decode("utf-8", errors="replace"), False


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
