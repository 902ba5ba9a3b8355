"""The embedded registry's limits: credentials before any body is read, a cap on connections and on the bytes held
at once, and refused requests counted rather than written (and fsynced) one line each.

Nothing here waits on timing: a test holds connections open by sending a request's head without its body, and waits
(with a generous deadline) until the registry says it is serving them before it goes on."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

import cpictl.registry.http as registry_http
import cpictl.registry.server as registry_server
from cpictl.metadata.registry_log import registry_log_path
from cpictl.registry.http import MAX_CONNECTIONS, TOO_MANY_BYTES, TOO_MANY_CONNECTIONS
from cpictl.registry.server import embedded_registry
from cpictl.render.registry_view import render_registry_events
from tests.metadata.test_registry_refusals import shown


def authorization(registry) -> str:
    return "Basic " + base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def head(registry, length: int | str, *, auth: bool = True, chunked: bool = False,
         path: str = "/instances/vm-1/settings") -> bytes:
    lines = [f"PUT {path} HTTP/1.1", "Host: 127.0.0.1"]
    if auth:
        lines.append(f"Authorization: {authorization(registry)}")
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def answer_of(connection: socket.socket) -> tuple[int, dict]:
    """The status and JSON document the registry answered on a raw connection."""
    connection.settimeout(20)
    response = http.client.HTTPResponse(connection)
    response.begin()
    return response.status, json.loads(response.read())


@contextmanager
def held_open(registry, count: int, length: int = 10) -> Iterator[list[socket.socket]]:
    """`count` authorised PUTs whose body never comes: each keeps a connection (and its body's bytes) busy."""
    before = registry.open_connections
    connections = [socket.create_connection(("127.0.0.1", registry.port), timeout=20) for _ in range(count)]
    try:
        for connection in connections:
            connection.sendall(head(registry, length))
        wait_for(lambda: registry.open_connections == before + count, f"{count} connections being served")
        yield connections
    finally:
        for connection in connections:
            connection.close()


def put(registry, body: bytes, path: str = "/instances/vm-1/settings", *, auth: bool = True) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", registry.port, timeout=20)
    try:
        connection.request("PUT", path, body, {"Authorization": authorization(registry)} if auth else {})
        return connection.getresponse().status
    finally:
        connection.close()


def capture(journal) -> list[dict]:
    return [json.loads(line) for line in registry_log_path(journal).read_text().splitlines()]


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_request_without_credentials_is_refused_before_its_body_is_read(tmp_path, framing) -> None:
    # A gigabyte announced, a few bytes sent, the rest never: a registry that read the body first would wait for
    # it (and hold it), and this answer would never come.
    with embedded_registry(tmp_path / "s.jsonl") as registry, \
            socket.create_connection(("127.0.0.1", registry.port), timeout=20) as connection:
        connection.sendall(head(registry, 1 << 30, auth=False, chunked=framing == "chunked"))
        connection.sendall(b"40000000\r\n" + b"x" * 1000 if framing == "chunked" else b"x" * 1000)
        status, document = answer_of(connection)
        assert (status, document) == (401, {"status": "unauthorized"})
        [event] = registry.events_since(0)
        assert (event.method, event.status, event.refused, event.body) == ("PUT", 401, True, None)
        assert registry._server.budget.held == 0  # nothing of it was ever taken in


def test_the_right_credentials_are_still_needed_when_the_body_is_small(tmp_path) -> None:
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        assert put(registry, b'{"agent_id": "a-1"}', auth=False) == 401
        assert registry.settings_text("vm-1") is None
        assert put(registry, b'{"agent_id": "a-1"}') == 200
        assert registry.settings_text("vm-1") == '{"agent_id": "a-1"}'


def test_connections_beyond_the_cap_get_a_503_and_no_thread(tmp_path) -> None:
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        threads_before = threading.active_count()
        with held_open(registry, MAX_CONNECTIONS) as held:
            for _ in range(5):
                with socket.create_connection(("127.0.0.1", registry.port), timeout=20) as extra:
                    extra.sendall(head(registry, 2) + b"{}")
                    assert answer_of(extra) == (503, {"status": "busy", "reason": TOO_MANY_CONNECTIONS})
            # none started for the five (threads of earlier tests may end meanwhile: at most, not exactly)
            assert threading.active_count() <= threads_before + MAX_CONNECTIONS
            held[0].sendall(b'{"a": "1"}')  # one held request completes: its connection is freed
            assert answer_of(held[0])[0] == 200
            wait_for(lambda: registry.open_connections == MAX_CONNECTIONS - 1, "a connection to be freed")
            assert put(registry, b'{"agent_id": "a-2"}') == 200
        refusals = [event for event in registry.events_since(0) if event.refused]
        assert [(e.status, e.count, e.note) for e in refusals] == [(503, 5, TOO_MANY_CONNECTIONS)]
        view = shown(render_registry_events(registry.events_since(0), registry.endpoint))
    assert f"refused: {TOO_MANY_CONNECTIONS} (×5)" in view


def test_bodies_beyond_the_bytes_held_at_once_get_a_503_unread(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(registry_http, "MAX_BUFFERED_BYTES", 1 << 20)
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        with held_open(registry, 1, length=600_000) as [first]:
            wait_for(lambda: registry._server.budget.held == 600_000, "the first body's bytes to be taken")
            # read and dropped (the client can read the answer), never held
            assert put(registry, b"x" * 600_000, "/instances/vm-2/settings") == 503
            with socket.create_connection(("127.0.0.1", registry.port), timeout=20) as chunked:
                chunked.sendall(head(registry, 0, chunked=True) + b"%x\r\n%s\r\n0\r\n\r\n" % (600_000, b"y" * 600_000))
                assert answer_of(chunked) == (503, {"status": "busy", "reason": TOO_MANY_BYTES})
            assert registry._server.budget.held == 600_000  # only the first body's
            first.sendall(b"{}" + b" " * (600_000 - 2))
            assert answer_of(first)[0] == 200
        wait_for(lambda: registry._server.budget.held == 0, "the bytes to be given back")
        assert put(registry, b"{}" + b" " * 599_998, "/instances/vm-2/settings") == 200  # room again
        refusals = [(e.method, e.status, e.note) for e in registry.events_since(0) if e.refused]
    assert refusals == [("PUT", 503, TOO_MANY_BYTES)] * 2


def test_a_flood_of_refused_requests_is_one_event_and_one_capture_line(tmp_path) -> None:
    journal = tmp_path / "s.jsonl"
    with embedded_registry(journal) as registry:
        for _ in range(200):
            assert put(registry, b"{}", auth=False) == 401
        assert [line.get("event") for line in capture(journal)] == ["started"]  # nothing written per refusal
        [event] = registry.events_since(0)  # looking writes the count, once
        assert (event.status, event.count) == (401, 200) and registry.refused[401] == 200
        assert put(registry, b'{"agent_id": "a-1"}') == 200
    lines = capture(journal)
    assert [line.get("event") or line["method"] for line in lines] == ["started", "refused", "PUT", "stopped"]
    assert lines[1]["counts"] == {"401": 200} and len(lines[1]["requests"]) == 1


def test_refusals_past_the_listed_ones_are_counted_in_one_more_event(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(registry_server, "MAX_REFUSED_ROWS", 5)
    journal = tmp_path / "s.jsonl"
    with embedded_registry(journal) as registry:
        for number in range(12):  # each to its own path: nothing to fold into the row before
            assert put(registry, b"{}", f"/instances/vm-{number}/settings", auth=False) == 401
        events = registry.events_since(0)
        assert [e.path for e in events[:5]] == [f"/instances/vm-{n}/settings" for n in range(5)]
        assert (len(events), events[5].count, events[5].note) == (6, 7, registry_server.OVERFLOW_NOTE)
    [refused] = [line for line in capture(journal) if line.get("event") == "refused"]
    assert refused["counts"] == {"401": 12} and len(refused["requests"]) == registry_server.REFUSED_SAMPLES


def test_settings_beyond_what_the_registry_keeps_get_a_507(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(registry_server, "MAX_STORED_BYTES", 1000)
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        assert put(registry, b'{"agent_id": "a-1", "pad": "' + b"x" * 600 + b'"}') == 200
        assert put(registry, b'{"agent_id": "a-2", "pad": "' + b"x" * 600 + b'"}', "/instances/vm-2/settings") == 507
        assert registry.settings_text("vm-2") is None
        view = shown(render_registry_events(registry.events_since(0), registry.endpoint))
    assert "refused: the registry holds" in view


def test_a_secret_a_client_put_in_the_path_is_not_shown(tmp_path) -> None:
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        assert put(registry, b"{}", f"/instances/{registry.password}/settings", auth=False) == 401
        view = shown(render_registry_events(registry.events_since(0), registry.endpoint))
    assert registry.password not in view and "/instances/<redacted>/settings" in view
