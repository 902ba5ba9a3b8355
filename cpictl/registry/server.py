"""The embedded BOSH registry: an HTTP endpoint for CPIs in registry mode (contract §8.2), recording what they do.

`with embedded_registry(journal) as registry:` starts a registry on 127.0.0.1 (a random port) in a daemon thread,
with HTTP basic auth and random credentials — or, for a target whose `registry:` names them (a registry-mode CPI
reads its registry's endpoint from its own config file), on that host and port with those credentials
(`registry_for(target)`); `registry.attach(target)` hands its URL to the CPI through the
target's environment; `registry.events_since(mark)` lists the requests it answered since `registry.mark()`.

It speaks what the Ruby registry client expects: `PUT /instances/<id>/settings` stores the body as sent (200
`{"status":"ok"}`), `GET` answers `{"settings": "<json string>", "status": "ok"}` or 404, `DELETE` removes the entry
(404 when absent). Refused: a request without the right credentials (401, its body never read), a body over 16 MiB
(413), a Content-Length that is not a number (400), a connection or a body beyond what the registry holds at once
(503; `http` has the limits), a PUT once the registry holds MAX_STORED_BYTES of settings (507).

Every answered request is an event; with a journal it is also appended to the capture file beside it
(`cpictl.metadata.registry_log`) *before* the answer goes out, so when the CPI's call returns its registry writes are
on disk, and a later process (`cpictl metadata show`, the next `call --registry`) sees them. Refused requests are
counted, not written one by one (a client hammering the registry must not cost a fsync each, nor unbounded memory):
identical ones in a row are one event with a `count`, at most MAX_REFUSED_ROWS of them are listed and the rest
counted in one more, and the file gets one `refused` line with the counts by status and the first few requests,
written with the next answered request, when someone next looks (`events_since`), or when the registry stops. The
registry starts from that file's content, and writes a `started` and a `stopped` line around its life: a CPI that
never reached it left nothing else to show that it was there.

Environment given to the CPI: `CPICTL_REFCPI_REGISTRY_URL` (what the reference CPI reads) and `CPICTL_REGISTRY_URL`,
both `http://user:password@127.0.0.1:PORT`, plus `CPICTL_REGISTRY_ENDPOINT`, `CPICTL_REGISTRY_USER` and
`CPICTL_REGISTRY_PASSWORD`, the three fields of a real CPI's `registry` config, for a `bin/cpi` wrapper that
templates its config file. (No `BOSH_*` name: BOSH defines none for this, and a made-up one would look official.)
Nothing here prints: the server's request log is silenced.
"""

from __future__ import annotations

import base64
import dataclasses
import errno
import hmac
import os
import re
import secrets
import threading
from collections import Counter
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
from cpictl.registry.http import handler_class, server_class

if TYPE_CHECKING:
    from cpictl.session import Target
    from cpictl.targets.target import RegistryEndpoint

REFCPI_URL_ENV = "CPICTL_REFCPI_REGISTRY_URL"
URL_ENV = "CPICTL_REGISTRY_URL"
_SETTINGS_PATH = re.compile(r"^/instances/(?P<id>[^/]+)/settings/?$")
#: Settings bytes the registry keeps (its entries and the bodies its events show); a PUT beyond gets 507.
MAX_STORED_BYTES = 256 * 1024 * 1024
#: Refusal events listed one by one in a registry's life; later ones are counted in one more event.
MAX_REFUSED_ROWS = 100
#: Refused requests the capture file's `refused` line names: the first of each kind (method, path, status) since the
#: last such line, with how many of that kind came.
REFUSED_SAMPLES = 10
OVERFLOW_NOTE = "more refused requests, counted but not listed one by one"


@dataclass(frozen=True)
class RegistryEvent:
    """One request the registry answered or refused. `body` is a stored PUT's body as sent (the settings JSON,
    decoded as UTF-8, `utf8` False when it was not), else None; `body_bytes` the size of the body sent, if any.
    A refusal (`refused`) may stand for `count` identical requests in a row; `note` says why, where the status
    alone does not (which limit a 503 met)."""

    number: int
    time: str
    method: str
    path: str
    instance: str | None
    status: int
    body: str | None = None
    body_bytes: int | None = None
    utf8: bool = True
    refused: bool = False
    count: int = 1
    note: str | None = None

    def settings(self) -> Any:
        """A PUT's settings decoded; the raw text when not JSON; None for other requests."""
        return decode_settings_body(self.body)

    def body_problem(self) -> str | None:
        """"not JSON" or "not UTF-8 text" when a stored body cannot be settings at all; else None."""
        return body_problem(self.body, self.utf8)

    def as_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"time": self.time, "method": self.method, "path": self.path,
                                 "instance": self.instance, "status": self.status, "body": self.body,
                                 "body_bytes": self.body_bytes}
        if not self.utf8:
            entry["utf8"] = False
        if self.note is not None:
            entry["note"] = self.note
        return entry


class RegistryUnavailable(Exception):
    """The embedded registry could not be started (no port to bind on 127.0.0.1): a message, never a traceback."""


class EmbeddedRegistry:
    """One running registry. Use `embedded_registry()`; `start`/`close` are for callers that manage it by hand."""

    def __init__(self, journal: Path | str | None = None, fixed: RegistryEndpoint | None = None) -> None:
        self.capture_path = registry_log_path(journal) if journal is not None else None
        #: Names this registry's life in the capture file (its lines), whatever its credentials.
        self.run_id = "registry-" + secrets.token_hex(4)
        self.host, self._wanted_port = (fixed.host, fixed.port) if fixed is not None else ("127.0.0.1", 0)
        self.username = fixed.user if fixed is not None else self.run_id
        self.password = fixed.password if fixed is not None else secrets.token_urlsafe(18)
        self.fixed = fixed is not None
        register_secret(self.password)  # a CPI may print its registry URL: the password must not show
        self._authorization = "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        self._lock = threading.Lock()
        self._entries: dict[str, str] = {}
        self._events: list[RegistryEvent] = []
        self._stored_bytes = 0  # of the entries read at start and of every body an event keeps
        self._refused_rows = 0
        self._overflow: int | None = None  # the index of the event that counts refusals past MAX_REFUSED_ROWS
        self.refused: Counter[int] = Counter()  # every refusal of this registry's life, by status
        self._unwritten: Counter[int] = Counter()  # refusals not yet in the capture file, by status
        self._unwritten_samples: list[dict[str, Any]] = []
        self.persist_errors: list[str] = []  # capture lines that could not be written (the registry still answers)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- life cycle ---------------------------------------------------------------------------------------------

    def start(self) -> EmbeddedRegistry:
        if self.capture_path is not None:
            captured = current_entries(read_entries(self.capture_path))
            self._entries = {name: entry.body for name, entry in captured.items() if entry.body is not None}
            self._stored_bytes = sum(len(body) for body in self._entries.values())
        try:
            self._server = server_class(self)((self.host, self._wanted_port), handler_class(self))
        except OSError as error:
            where = f"{self.host}:{self._wanted_port}" if self.fixed else self.host
            hint = (" (the target's registry: port; is another cpictl serving it already?)"
                    if self.fixed and error.errno == errno.EADDRINUSE else "")
            raise RegistryUnavailable(f"cannot start the embedded registry on {where}: "
                                      f"{error.strerror or error}{hint}") from error
        self._persist([{"event": "started", "time": _now(), "pid": os.getpid(), "endpoint": self.endpoint}])
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="cpictl-registry", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
            with self._lock:
                self._persist([*self._refusal_summary(), {"event": "stopped", "time": _now()}])

    @property
    def open_connections(self) -> int:
        """Connections being served right now."""
        return int(self._server.open_connections) if self._server is not None else 0

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the embedded registry is not running")
        return int(self._server.server_address[1])

    @property
    def endpoint(self) -> str:
        """The URL without credentials (safe to show)."""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The URL with credentials, as a CPI's registry config takes it."""
        from urllib.parse import quote

        return f"http://{quote(self.username, safe='')}:{quote(self.password, safe='')}@{self.host}:{self.port}"

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
        """The events since `mark`; refusals not yet in the capture file are written now, in one line, so that
        what a caller reads next from the file (the metadata report) knows of them."""
        with self._lock:
            self._persist(self._refusal_summary())
            return list(self._events[mark:])

    def settings_text(self, instance: str) -> str | None:
        with self._lock:
            return self._entries.get(instance)

    # -- answering ----------------------------------------------------------------------------------------------

    def authorized(self, authorization: str | None) -> bool:
        """Whether an Authorization header carries the registry's credentials (decided before a body is read)."""
        return hmac.compare_digest((authorization or "").encode(), self._authorization.encode())

    def answer(self, method: str, raw_path: str, body: bytes | None) -> tuple[int, Any]:
        """Decide the answer to one authorised request and record it; returns (status, JSON document)."""
        path, instance = _parse_path(raw_path)
        text, utf8 = _decoded(body) if body is not None and method == "PUT" else (None, True)
        size = len(body) if body is not None else None
        with self._lock:
            if method == "PUT" and instance is not None and self._stored_bytes + len(text or "") > MAX_STORED_BYTES:
                note = f"the registry holds {MAX_STORED_BYTES // (1024 * 1024)} MiB of settings already"
                self._refuse(method, path, instance, 507, size, note)
                return 507, {"status": "insufficient_storage"}
            status, document = self._decide(method, instance, text)
            stored = method == "PUT" and status == 200  # only a stored PUT keeps its body
            if stored:
                self._stored_bytes += len(text or "")
            event = RegistryEvent(len(self._events) + 1, _now(), method, path, instance, status,
                                  text if stored else None, size, utf8 or not stored)
            self._events.append(event)
            self._persist([*self._refusal_summary(), event.as_entry()])
        return status, document

    def refuse(self, method: str, raw_path: str, status: int, body_bytes: int | None = None, *,
               note: str | None = None) -> None:
        """Count a request refused before its body was read (401, 400, 413, 503); the caller answers it."""
        path, instance = _parse_path(raw_path)
        with self._lock:
            self._refuse(method, path, instance, status, body_bytes, note)

    def _refuse(self, method: str, path: str, instance: str | None, status: int, body_bytes: int | None,
                note: str | None) -> None:
        event = RegistryEvent(len(self._events) + 1, _now(), method, path, instance, status, None, body_bytes,
                              refused=True, note=note)
        self.refused[status] += 1
        self._unwritten[status] += 1
        kind = {"method": method, "path": path, "status": status}
        sample = next((sample for sample in self._unwritten_samples if kind.items() <= sample.items()), None)
        if sample is not None:
            sample["count"] += 1
        elif len(self._unwritten_samples) < REFUSED_SAMPLES:
            self._unwritten_samples.append({**event.as_entry(), "count": 1})
        last = self._events[-1] if self._events else None
        if last is not None and last.refused and (last.method, last.path, last.status, last.note) == \
                (method, path, status, note):
            self._events[-1] = dataclasses.replace(last, count=last.count + 1)
        elif self._refused_rows < MAX_REFUSED_ROWS:
            self._refused_rows += 1
            self._events.append(event)
        elif self._overflow is None:
            self._overflow = len(self._events)
            self._events.append(dataclasses.replace(event, method="-", path="-", instance=None, body_bytes=None,
                                                    note=OVERFLOW_NOTE))
        else:
            overflow = self._events[self._overflow]
            self._events[self._overflow] = dataclasses.replace(overflow, count=overflow.count + 1)

    def _refusal_summary(self) -> list[dict[str, Any]]:
        """The capture line for the refusals not yet written (none when there were none), and forget them."""
        if not self._unwritten:
            return []
        line = {"event": "refused", "time": _now(), "counts": {str(status): count for status, count in
                                                                sorted(self._unwritten.items())},
                "requests": self._unwritten_samples}
        self._unwritten, self._unwritten_samples = Counter(), []
        return [line]

    def _decide(self, method: str, instance: str | None, text: str | None) -> tuple[int, Any]:
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

    def _persist(self, entries: list[dict[str, Any]]) -> None:
        """Append capture lines, in one write (one fsync)."""
        if self.capture_path is None or not entries:
            return
        try:
            append_entries(self.capture_path, [{**entry, "registry": self.run_id} for entry in entries])
        except Exception as error:  # StoreError or OSError: keep answering; the caller may warn
            self.persist_errors.append(f"cannot write {self.capture_path}: {error}")


@contextmanager
def embedded_registry(journal: Path | str | None = None,
                      fixed: RegistryEndpoint | None = None) -> Iterator[EmbeddedRegistry]:
    """A running registry for the duration of the block; `journal` places its capture file (None: memory only);
    `fixed`: the host, port and credentials a registry-mode CPI's own config names (a target's `registry:`)."""
    registry = EmbeddedRegistry(journal, fixed).start()
    try:
        yield registry
    finally:
        registry.close()


def registry_for(target: Target, journal: Path | str | None = None) -> Any:
    """The embedded registry for `target`: where its `registry:` says, else on 127.0.0.1 at a random port."""
    return embedded_registry(journal, target.registry)


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
