"""The embedded registry's refusals (a body too large, a malformed request) and bodies that cannot be agent
settings: each is answered so the client can read it, recorded, and said plainly in the views."""

from __future__ import annotations

import base64
import http.client
import json
from pathlib import Path

import pytest
from rich.console import Console

from cpictl.metadata.registry_log import registry_log_path
from cpictl.registry.http import MAX_BODY_BYTES
from cpictl.registry.server import embedded_registry
from cpictl.render.registry_view import render_registry_events
from tests.conftest import write_cpi
from tests.metadata.test_registry import send


def shown(renderable) -> str:
    console = Console(width=200, record=True, no_color=True)
    console.print(renderable)
    return console.export_text()


def capture_lines(journal: Path) -> list[dict]:
    return [json.loads(line) for line in registry_log_path(journal).read_text().splitlines()]


def test_a_body_over_the_limit_gets_a_413_the_client_can_read_and_is_recorded(tmp_path) -> None:
    journal = tmp_path / "s.jsonl"
    with embedded_registry(journal) as registry:
        status, document, _ = send(registry, "PUT", "/instances/vm-1/settings", b"x" * (MAX_BODY_BYTES + 1))
        assert (status, document) == (413, {"status": "too_large"})
        assert send(registry, "GET", "/instances/vm-1/settings")[0] == 404  # nothing was stored
        events = registry.events_since(0)
        assert [(e.method, e.instance, e.status) for e in events] == [("PUT", "vm-1", 413), ("GET", "vm-1", 404)]
        view = shown(render_registry_events(events, registry.endpoint))
    assert f"refused: body too large ({MAX_BODY_BYTES + 1} bytes); the limit is 16 MiB" in view
    [refused] = [line for line in capture_lines(journal) if line.get("event") == "refused"]
    assert refused["counts"] == {"413": 1}
    assert [(r["status"], r["body"], r["body_bytes"]) for r in refused["requests"]] == [(413, None,
                                                                                         MAX_BODY_BYTES + 1)]


def authorization(registry) -> str:
    return "Basic " + base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()


def raw_request(registry, headers: dict[str, str], body: bytes = b"") -> int:
    """A PUT with headers urllib would not send (and the right credentials); returns the status answered."""
    connection = http.client.HTTPConnection("127.0.0.1", registry.port, timeout=5)
    try:
        connection.putrequest("PUT", "/instances/vm-2/settings")
        connection.putheader("Authorization", authorization(registry))
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body or None)
        return connection.getresponse().status
    finally:
        connection.close()


def test_refusals_before_the_body_is_read_are_recorded_too(tmp_path) -> None:
    journal = tmp_path / "s.jsonl"
    with embedded_registry(journal) as registry:
        assert raw_request(registry, {"Content-Length": "lots"}) == 400
        # far over the limit, more than is worth reading: refused unread, still answered and recorded
        assert raw_request(registry, {"Content-Length": str(1 << 40)}, b"{}") == 413
        events = registry.events_since(0)
        assert [(e.method, e.instance, e.status) for e in events] == [("PUT", "vm-2", 400), ("PUT", "vm-2", 413)]
        view = shown(render_registry_events(events, registry.endpoint))
    assert "refused: malformed request (a Content-Length that is not a number, or broken chunked framing)" in view
    assert f"refused: body too large ({1 << 40} bytes)" in view
    [refused] = [line for line in capture_lines(journal) if line.get("event") == "refused"]
    assert refused["counts"] == {"400": 1, "413": 1}  # one line for both, not one each
    assert [r["status"] for r in refused["requests"]] == [400, 413]
    assert not [line for line in capture_lines(journal) if "status" in line]


def chunked_put(registry, chunks: list[bytes], *, framing: bytes | None = None) -> int:
    """A PUT whose body is sent chunked, as a client that does not know the length up front sends it; `framing`
    replaces the encoded body with raw bytes (to break it)."""
    connection = http.client.HTTPConnection("127.0.0.1", registry.port, timeout=5)
    try:
        connection.putrequest("PUT", "/instances/vm-4/settings")
        connection.putheader("Authorization", authorization(registry))
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        if framing is None:
            framing = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"
        connection.send(framing)
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_chunked_put_is_stored_whole(tmp_path) -> None:
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        assert chunked_put(registry, [b'{"agent_id": ', b'"a-4", "vm": {"name": "vm-4"}}']) == 200
        status, document, _ = send(registry, "GET", "/instances/vm-4/settings")
        assert status == 200
        assert json.loads(document["settings"]) == {"agent_id": "a-4", "vm": {"name": "vm-4"}}


@pytest.mark.parametrize("framing", [b"zz\r\n{}\r\n0\r\n\r\n", b"5\r\n{}\r\n0\r\n\r\n"],
                         ids=["size-not-hex", "chunk-cut-short"])
def test_a_chunked_put_with_broken_framing_is_refused_and_recorded(tmp_path, framing) -> None:
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        assert chunked_put(registry, [], framing=framing) == 400
        assert [(e.method, e.status) for e in registry.events_since(0)] == [("PUT", 400)]
        assert send(registry, "GET", "/instances/vm-4/settings")[0] == 404


def test_a_chunked_put_over_the_limit_is_read_to_its_end_and_gets_a_413(tmp_path) -> None:
    # the whole body is sent before the answer is read: an answer before the end would break the client's pipe
    chunks = [b"x" * (1 << 20)] * 16 + [b"x"]
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        assert chunked_put(registry, chunks) == 413
        assert [(e.status, e.body_bytes) for e in registry.events_since(0)] == [(413, MAX_BODY_BYTES + 1)]
        assert send(registry, "GET", "/instances/vm-4/settings")[0] == 404


def test_a_chunk_size_of_absurd_length_is_malformed_not_a_size(tmp_path) -> None:
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        assert chunked_put(registry, [], framing=b"f" * 1000 + b"\r\n") == 400


@pytest.mark.parametrize(("body", "summary"), [
    (b'{"vm": {"name": "vm-3"}, "networks": {"n": {}}}', "no agent_id  networks n"),
    (b'{"agent_id": null}', "agent_id null"),
    (b'{"settings": "{\\"agent_id\\": \\"a-3\\"}", "status": "ok"}', "a {settings: …} wrapper, not the settings"),
    (b"agent_id=a-3", "not JSON (12 bytes)"),
    (b"\xff\xfe\x00\x01settings", "not UTF-8 text (12 bytes)"),
    (b'"{\\"agent_id\\": \\"a-3\\"}"', "a JSON string, not a JSON object"),
], ids=["no-agent-id", "null-agent-id", "wrapper", "not-json", "binary", "json-string"])
def test_the_registry_view_says_what_a_put_body_is(tmp_path, body, summary) -> None:
    with embedded_registry(tmp_path / "s.jsonl") as registry:
        assert send(registry, "PUT", "/instances/vm-3/settings", body)[0] == 200
        view = shown(render_registry_events(registry.events_since(0), registry.endpoint))
    row = next(line for line in view.splitlines() if "/instances/vm-3/settings" in line)
    assert summary in row, row
    if summary != "agent_id null":
        assert "agent_id null" not in row


BAD_BODY_CPI = """
import base64, json, os, sys
from urllib.parse import urlsplit
from urllib.request import Request, urlopen
request = json.loads(sys.stdin.read())
url = urlsplit(os.environ["CPICTL_REGISTRY_URL"])
auth = "Basic " + base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
urlopen(Request(f"http://{url.hostname}:{url.port}/instances/vm-b/settings", data=BODY, method="PUT",
                headers={"Authorization": auth})).read()
json.dump({"result": "vm-b", "error": None, "log": ""}, sys.stdout)
"""


@pytest.mark.parametrize(("body", "what"), [(b"agent_id=a-b", "not JSON (12 bytes)"),
                                            (b"\x80\x81agent", "not UTF-8 text (7 bytes)")], ids=["text", "binary"])
def test_show_says_a_registry_entry_is_not_json_rather_than_a_string(cli, tmp_path, body, what) -> None:
    cpi = write_cpi(tmp_path / "bad_body.py", f"BODY = {body!r}\n" + BAD_BODY_CPI)
    code, doc = cli.json("call", "create_vm", "a-b", "sc", "{}", "{n: {type: dynamic}}", "--cpi", str(cpi),
                         "--api-version", "1", "--registry")
    assert code == 3, doc
    code, report = cli.json("metadata", "show", "vm-b")  # a later process: from the capture file
    assert code == 3
    messages = [m["message"] for m in report["mistakes"] if m["code"] == "settings.not-an-object"]
    assert messages == [f"the registry entry is {what}: the agent cannot read settings from it"]
    assert "a string" not in json.dumps(report["mistakes"])
