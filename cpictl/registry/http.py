"""The HTTP side of the embedded registry (server.py): a quiet threading server on 127.0.0.1 and a
request handler that passes each request to the registry's `answer`, or its `refuse` for a request it cannot take.

Order of checks, so that no client can make the registry read or hold more than it allows:
1. Connections: at most MAX_CONNECTIONS at once. One more is answered 503 at once by the accepting thread (no
   thread is started for it) and closed.
2. Credentials, from the headers alone: a request without the right ones is answered 401 and closed without a
   byte of its body read, however large or endless that body is.
3. Framing: a Content-Length that is not a number, or broken chunk framing, gets 400.
4. Size: a body over MAX_BODY_BYTES gets 413, after being read and thrown away (up to DISCARD_LIMIT_BYTES) so the
   client has finished sending and can read the answer; a larger one is refused unread.
5. Memory: the bodies being read at one time hold at most MAX_BUFFERED_BYTES between them; a body that does not fit
   gets 503 with `Retry-After` (what a client does after a busy answer), read and thrown away as in 4, never held.
Every socket times out after CONNECTION_TIMEOUT seconds without progress, so a client that stops sending frees its
connection; request lines and headers are bounded by the standard library (lines of 64 KiB, 100 fields).

Bodies come with a Content-Length or chunked (`Transfer-Encoding: chunked`, what Go's and Ruby's HTTP clients send
for a body of unknown length). Nothing is printed: the server's request log and its error traces are silenced,
since cpictl's output is its own.
"""

from __future__ import annotations

import json
import socket
import threading
from typing import Any

MAX_BODY_BYTES = 16 * 1024 * 1024
#: A body over MAX_BODY_BYTES is read and thrown away up to this size before the 413: a client still sending when
#: the answer comes would see a broken connection instead of the answer. A larger one is refused unread.
DISCARD_LIMIT_BYTES = 4 * MAX_BODY_BYTES
#: Connections served at once; a CPI makes one at a time, a few in parallel at most.
MAX_CONNECTIONS = 16
#: Bytes of request bodies held at once by all connections together (four bodies of the largest size).
MAX_BUFFERED_BYTES = 4 * MAX_BODY_BYTES
#: Seconds a connection may wait for the client's next bytes.
CONNECTION_TIMEOUT = 30.0

TOO_MANY_CONNECTIONS = f"too many connections at once (the limit is {MAX_CONNECTIONS})"
TOO_MANY_BYTES = f"too many bytes held at once (the limit is {MAX_BUFFERED_BYTES // (1024 * 1024)} MiB)"


class ByteBudget:
    """The bytes of request bodies all connections may hold together; `take` is all or nothing."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._lock = threading.Lock()

    def take(self, count: int) -> bool:
        with self._lock:
            if self.held + count > self.limit:
                return False
            self.held += count
            return True

    def give(self, count: int) -> None:
        with self._lock:
            self.held -= count


def _busy_answer(reason: str) -> bytes:
    body = json.dumps({"status": "busy", "reason": reason}).encode()
    return (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
            b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))


def server_class(registry: Any) -> type:
    """A server class bound to `registry` (an EmbeddedRegistry), counting its connections and the bytes they hold."""
    from http.server import ThreadingHTTPServer  # here: only a wanted registry pays for the import

    class QuietServer(ThreadingHTTPServer):
        daemon_threads = True
        request_queue_size = MAX_CONNECTIONS

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            self.open_connections = 0  # how many are being served now
            self._count_lock = threading.Lock()
            self.budget = ByteBudget(MAX_BUFFERED_BYTES)
            super().__init__(*args, **kwargs)

        def process_request(self, request: Any, client_address: Any) -> None:
            with self._count_lock:
                admitted = self.open_connections < MAX_CONNECTIONS
                self.open_connections += admitted
            if not admitted:
                self._refuse_connection(request)
                return
            try:
                super().process_request(request, client_address)  # starts the connection's thread
            except BaseException:  # no thread to free the slot: free it here
                self._release()
                self.shutdown_request(request)
                raise

        def process_request_thread(self, request: Any, client_address: Any) -> None:
            try:
                super().process_request_thread(request, client_address)
            finally:
                self._release()

        def _release(self) -> None:
            with self._count_lock:
                self.open_connections -= 1

        def _refuse_connection(self, request: socket.socket) -> None:
            """503 from the accepting thread, without reading the request: a few bytes that fit the socket's
            buffer, so it cannot block. What the client already sent is drained (only what is there), so that
            closing does not reset the connection before the client reads the answer."""
            registry.refuse("-", "-", 503, note=TOO_MANY_CONNECTIONS)
            try:
                request.settimeout(1.0)
                request.sendall(_busy_answer(TOO_MANY_CONNECTIONS))
                request.setblocking(False)
                request.recv(1 << 16)
            except OSError:
                pass
            self.shutdown_request(request)

        def handle_error(self, request: Any, client_address: Any) -> None:
            """Silenced: the default prints a traceback (a client that hung up mid-request) to stderr."""

    return QuietServer


def handler_class(registry: Any) -> type:
    """A handler class bound to `registry` (an EmbeddedRegistry: `authorized`, `answer` and `refuse`)."""
    from http.server import BaseHTTPRequestHandler

    class RegistryHandler(BaseHTTPRequestHandler):
        server_version = "cpictl-registry"
        timeout = CONNECTION_TIMEOUT

        def log_message(self, format: str, *args: Any) -> None:
            """Silenced: the default writes every request to stderr, and cpictl's output is its own."""

        def _serve(self) -> None:
            self.close_connection = True  # one request per connection (HTTP/1.0): nothing is left to read
            if not registry.authorized(self.headers.get("Authorization")):
                registry.refuse(self.command, self.path, 401)
                self._reply(401, {"status": "unauthorized"})
                return
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self._serve_chunked()
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                self._refuse(400, {"status": "bad_request"})
            elif length > MAX_BODY_BYTES:
                self._discard(length)
                self._refuse(413, {"status": "too_large"}, length)
            elif not self.server.budget.take(length):
                self._discard(length)
                self._refuse(503, {"status": "busy", "reason": TOO_MANY_BYTES}, length, TOO_MANY_BYTES)
            else:
                try:
                    body = self.rfile.read(length) if length > 0 else None
                    self._answer(body)
                finally:
                    self.server.budget.give(length)

        def _serve_chunked(self) -> None:
            held = [0]  # what this body has taken from the budget so far
            try:
                body = read_chunked(self.rfile, MAX_BODY_BYTES, budget=self.server.budget, held=held)
            except BodyTooLarge as error:  # read and dropped up to DISCARD_LIMIT_BYTES, as a Content-Length body is
                self._refuse(413, {"status": "too_large"}, error.size)
            except OverBudget as error:  # read and dropped too, without holding it
                self._refuse(503, {"status": "busy", "reason": TOO_MANY_BYTES}, error.size, TOO_MANY_BYTES)
            except ValueError:
                self._refuse(400, {"status": "bad_request"})
            else:
                self._answer(body or None)
            finally:
                self.server.budget.give(held[0])

        def _answer(self, body: bytes | None) -> None:
            status, document = registry.answer(self.command, self.path, body)
            self._reply(status, document)

        def _refuse(self, status: int, document: Any, size: int | None = None, note: str | None = None) -> None:
            registry.refuse(self.command, self.path, status, size, note=note)
            self._reply(status, document)

        def _discard(self, length: int) -> None:
            """Read and drop a body the registry will not keep (64 KiB at a time: nothing is held), so the client
            has finished sending when the 413 or 503 comes. One too large even for that is left unread: the answer
            still goes out, then the connection closes, and a client still sending may miss it."""
            if length > DISCARD_LIMIT_BYTES:
                return
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    return
                length -= len(chunk)

        def _reply(self, status: int, document: Any) -> None:
            data = json.dumps(document).encode("utf-8")
            self.send_response(status)
            if status == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="BOSH Registry"')
            if status == 503:
                self.send_header("Retry-After", "1")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PUT = do_DELETE = do_POST = do_PATCH = _serve

    return RegistryHandler


class BodyTooLarge(Exception):
    """A chunked body grew past the limit; `size` is how much had been announced when reading stopped."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class OverBudget(Exception):
    """A chunked body that would make the bodies held at once exceed MAX_BUFFERED_BYTES; `size` as above."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_chunked(stream: Any, limit: int, discard_limit: int = DISCARD_LIMIT_BYTES, *,
                 budget: ByteBudget | None = None, held: list[int] | None = None) -> bytes:
    """The body of a chunked request (RFC 9112 §7.1) read from `stream`; trailer fields are read and dropped.

    ValueError for broken framing (a size that is not hex or over 16 digits, a chunk cut short, no CRLF after
    it). A body over `limit` is read to its end and dropped, so the client has finished sending when the 413 comes
    (as for a Content-Length body), then BodyTooLarge; past `discard_limit` reading stops at once. With a
    `budget`, each chunk is taken from it before it is read and `held[0]` says how much was taken (the caller gives
    it back); once a chunk does not fit, what was taken is given back and the rest is read and dropped as for a
    body too large, then OverBudget."""
    parts: list[bytes] = []
    size = 0
    held = held if held is not None else [0]
    over_budget = False
    while True:
        line = stream.readline(1024)
        if not line.endswith(b"\n"):
            raise ValueError("chunk size line cut short")
        digits = line.split(b";", 1)[0].strip()  # chunk extensions are ignored
        if not digits or len(digits) > 16 or digits.lstrip(b"0123456789abcdefABCDEF"):
            raise ValueError("chunk size is not a hexadecimal number")
        chunk_size = int(digits, 16)
        if chunk_size == 0:
            break
        size += chunk_size
        if size > discard_limit:
            raise BodyTooLarge(size)
        if budget is not None and not over_budget and size <= limit and not budget.take(chunk_size):
            over_budget = True
            budget.give(held[0])
            held[0] = 0
        elif budget is not None and not over_budget and size <= limit:
            held[0] += chunk_size
        if size > limit or over_budget:  # refused: read on and drop what comes
            parts.clear()
            _skip(stream, chunk_size)
        else:
            data = stream.read(chunk_size)
            if len(data) != chunk_size:
                raise ValueError("chunk cut short")
            parts.append(data)
        if stream.readline(3) not in (b"\r\n", b"\n"):
            raise ValueError("no line end after a chunk")
    while True:  # trailer fields, up to the empty line that ends the request
        line = stream.readline(8192)
        if line in (b"\r\n", b"\n", b""):
            break
    if size > limit:
        raise BodyTooLarge(size)
    if over_budget:
        raise OverBudget(size)
    return b"".join(parts)


def _skip(stream: Any, count: int) -> None:
    while count > 0:
        data = stream.read(min(count, 1 << 16))
        if not data:
            raise ValueError("chunk cut short")
        count -= len(data)
