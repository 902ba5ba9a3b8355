"""The HTTP side of the embedded registry (registry_server.py): a quiet threading server on 127.0.0.1 and a
request handler that passes each request to the registry's `answer`, or its `refuse` for a request it cannot take.

Bodies come with a Content-Length or chunked (`Transfer-Encoding: chunked`, what Go's and Ruby's HTTP clients send
for a body of unknown length). Size rules: a body over 16 MiB gets 413 after being read and thrown away (up to
64 MiB) so the client can read the answer; a Content-Length that is not a number, or broken chunk framing, gets
400. Nothing is printed: the server's request log and its
error traces are silenced, since cpictl's output is its own.
"""

from __future__ import annotations

import json
from typing import Any

MAX_BODY_BYTES = 16 * 1024 * 1024
#: A body over MAX_BODY_BYTES is read and thrown away up to this size before the 413: a client still sending when
#: the answer comes would see a broken connection instead of the answer. A larger one is refused unread.
DISCARD_LIMIT_BYTES = 4 * MAX_BODY_BYTES


def server_class() -> type:
    from http.server import ThreadingHTTPServer  # here: only a wanted registry pays for the import

    class QuietServer(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request: Any, client_address: Any) -> None:
            """Silenced: the default prints a traceback (a client that hung up mid-request) to stderr."""

    return QuietServer


def handler_class(registry: Any) -> type:
    """A handler class bound to `registry` (an EmbeddedRegistry: `answer` and `refuse`)."""
    from http.server import BaseHTTPRequestHandler

    class RegistryHandler(BaseHTTPRequestHandler):
        server_version = "cpictl-registry"

        def log_message(self, format: str, *args: Any) -> None:
            """Silenced: the default writes every request to stderr, and cpictl's output is its own."""

        def _serve(self) -> None:
            body = None
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                self._serve_chunked()
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                registry.refuse(self.command, self.path, 400)
                self._reply(400, {"status": "bad_request"})
                return
            if length > MAX_BODY_BYTES:
                registry.refuse(self.command, self.path, 413, length)
                self._discard(length)
                self._reply(413, {"status": "too_large"})
                return
            if length > 0:
                body = self.rfile.read(length)
            status, document = registry.answer(self.command, self.path, self.headers.get("Authorization"), body)
            self._reply(status, document)

        def _serve_chunked(self) -> None:
            try:
                body = read_chunked(self.rfile, MAX_BODY_BYTES)
            except BodyTooLarge as error:  # read and dropped up to DISCARD_LIMIT_BYTES, as a Content-Length body is
                registry.refuse(self.command, self.path, 413, error.size)
                self._reply(413, {"status": "too_large"})
                return
            except ValueError:
                registry.refuse(self.command, self.path, 400)
                self._reply(400, {"status": "bad_request"})
                return
            status, document = registry.answer(self.command, self.path, self.headers.get("Authorization"),
                                               body or None)
            self._reply(status, document)

        def _discard(self, length: int) -> None:
            """Read and drop a body too large to keep, so the client has finished sending when the 413 comes. One
            too large even for that is left unread: the answer still goes out, then the connection closes (as after
            every answer: HTTP/1.0), and a client still sending may miss it."""
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


def read_chunked(stream: Any, limit: int, discard_limit: int = DISCARD_LIMIT_BYTES) -> bytes:
    """The body of a chunked request (RFC 9112 §7.1) read from `stream`; trailer fields are read and dropped.

    ValueError for broken framing (a size that is not hex or over 16 digits, a chunk cut short, no CRLF after
    it). A body over `limit` is read to its end and dropped, so the client has finished sending when the 413 comes
    (as for a Content-Length body), then BodyTooLarge; past `discard_limit` reading stops at once."""
    parts: list[bytes] = []
    size = 0
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
        if size > limit:  # too large: read on and drop what comes
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
    return b"".join(parts)


def _skip(stream: Any, count: int) -> None:
    while count > 0:
        data = stream.read(min(count, 1 << 16))
        if not data:
            raise ValueError("chunk cut short")
        count -= len(data)
