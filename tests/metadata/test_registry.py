"""The embedded registry: the real registry's HTTP answers, capture to disk, and `call --registry` end to end."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import Request, urlopen

import pytest

from cpictl.metadata.registry_log import captured_entry, registry_log_path
from cpictl.registry.server import embedded_registry
from cpictl.session import Target, reference_cpi_argv
from cpictl.store import CloudIdStore, default_journal_path


def send(registry, method: str, path: str, body: bytes | None = None, auth: str | None = "right"):
    headers = {}
    if auth == "right":
        token = base64.b64encode(f"{registry.username}:{registry.password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    elif auth is not None:
        headers["Authorization"] = auth
    try:
        with urlopen(Request(registry.endpoint + path, data=body, method=method, headers=headers), timeout=5) as r:
            return r.status, json.loads(r.read()), dict(r.headers)
    except HTTPError as error:
        return error.code, json.loads(error.read()), dict(error.headers)


def test_answers_like_the_bosh_registry_and_records_every_request(tmp_path: Path) -> None:
    journal = tmp_path / "s.jsonl"
    with embedded_registry(journal) as registry:
        path = "/instances/vm-1/settings"
        assert send(registry, "GET", path)[:2] == (404, {"status": "not_found"})
        assert send(registry, "PUT", path, b'{"agent_id": "a-1"}')[:2] == (200, {"status": "ok"})
        status, document, _ = send(registry, "GET", path)
        assert status == 200 and json.loads(document["settings"]) == {"agent_id": "a-1"}
        status, _, headers = send(registry, "GET", path, auth=None)
        assert status == 401 and headers["WWW-Authenticate"].startswith("Basic")
        assert send(registry, "PUT", path, b"{}", auth="Basic d3Jvbmc6d3Jvbmc=")[0] == 401
        assert send(registry, "DELETE", path)[0] == 200
        assert send(registry, "DELETE", path)[0] == 404
        events = registry.events_since(0)
        assert [(e.method, e.status) for e in events] == [("GET", 404), ("PUT", 200), ("GET", 200), ("GET", 401),
                                                          ("PUT", 401), ("DELETE", 200), ("DELETE", 404)]
        assert events[1].settings() == {"agent_id": "a-1"} and events[4].body is None  # refused bodies are not kept
        assert registry.events_since(5) == events[5:]
    lines = [json.loads(line) for line in registry_log_path(journal).read_text().splitlines()]
    assert registry_log_path(journal).stat().st_mode & 0o777 == 0o600
    # the answered requests, between the lines that say when this registry was there; the refused ones counted in
    # one line, written with the next answered request
    assert [line.get("event") or line["method"] for line in lines] == [
        "started", "GET", "PUT", "GET", "refused", "DELETE", "DELETE", "stopped"]
    assert lines[4]["counts"] == {"401": 2}
    assert [(r["method"], r["status"], r["body"]) for r in lines[4]["requests"]] == [("GET", 401, None),
                                                                                    ("PUT", 401, None)]
    assert {line["registry"] for line in lines} == {registry.username}
    assert captured_entry(journal, "vm-1").body is None  # deleted


def test_a_later_registry_starts_from_the_capture(tmp_path: Path) -> None:
    journal = tmp_path / "s.jsonl"
    with embedded_registry(journal) as first:
        send(first, "PUT", "/instances/vm-9/settings", b'{"agent_id": "a-9"}')
    with embedded_registry(journal) as second:
        assert second.password != first.password
        status, document, _ = send(second, "GET", "/instances/vm-9/settings")
        assert status == 200 and json.loads(document["settings"]) == {"agent_id": "a-9"}


def test_attach_hands_the_url_to_the_cpi_and_keeps_the_target_env() -> None:
    target = Target(argv=reference_cpi_argv(), director_uuid="u", env={"KEEP": "1"})
    with embedded_registry() as registry:
        env = registry.attach(target).env
        assert env["KEEP"] == "1"
        assert env["CPICTL_REFCPI_REGISTRY_URL"] == env["CPICTL_REGISTRY_URL"] == registry.url
        assert registry.url == f"http://{registry.username}:{registry.password}@127.0.0.1:{registry.port}"
        assert env["CPICTL_REGISTRY_ENDPOINT"] == registry.endpoint
    assert target.env == {"KEEP": "1"}


NETWORKS = '{default: {type: manual, ip: 10.0.0.20, netmask: 255.255.255.0, dns: [10.0.0.2], default: [dns, gateway]}}'


def test_call_registry_captures_the_put_and_metadata_show_reads_it(cli, stemcell) -> None:
    code, out = cli.table("call", "create_vm", "agent-r", "${stemcell}", "{}", NETWORKS, "[]",
                          '{bosh: {password: "$6$registry-secret"}}', "--api-version", "1", "--registry", "-v")
    assert code == 0, out
    vm_cid = CloudIdStore(default_journal_path()).replay().latest("vm").cid
    assert re.search(rf"PUT\s+/instances/{vm_cid}/settings\s+200\s+agent_id agent-r", out), out
    assert "registry http://127.0.0.1:" in out
    assert "registry-secret" not in out
    assert f"agent settings of {vm_cid} (registry entry)" in out
    entry = captured_entry(default_journal_path(), vm_cid)
    assert entry is not None and entry.settings()["agent_id"] == "agent-r"

    code, report = cli.json("metadata", "show")  # a later process: only the capture file knows the entry
    assert code == 0, report
    assert report["vm_cid"] == vm_cid and report["mistakes"] == []
    assert report["actual"]["placement"] == "registry"
    assert report["actual"]["registry"]["agent_id"] == "agent-r"
    assert report["actual"]["registry"]["env"]["bosh"]["password"] == "<redacted>"
    assert "registry.jsonl" in report["actual"]["registry_source"]
    assert "<redacted>@127.0.0.1" in report["actual"]["user_metadata"]["registry"]["endpoint"]


def test_registry_mode_disks_after_attach_and_detach(cli, stemcell) -> None:
    vm_cid = cli.create_vm("--api-version", "1", "--registry")
    disk = cli.create_disk()
    code, doc = cli.json("call", "attach_disk", vm_cid, disk, "--api-version", "1", "--registry")
    assert code == 0, doc
    code, report = cli.json("metadata", "show", vm_cid)
    assert code == 0, report["mistakes"]
    assert list(report["actual"]["registry"]["disks"]["persistent"]) == [disk]
    code, doc = cli.json("call", "detach_disk", vm_cid, disk, "--api-version", "1", "--registry")
    assert code == 0, doc
    code, report = cli.json("metadata", "show", vm_cid)
    assert code == 0, report["mistakes"]
    assert report["actual"]["registry"]["disks"]["persistent"] == {}


def test_json_output_keeps_its_keys_and_dry_run_refuses_a_registry(cli) -> None:
    code, doc = cli.json("call", "info", "--registry")
    assert code == 0
    assert set(doc) == {"request", "response", "exit_code", "signal", "duration_s", "stderr", "violations",
                        "cloud_ids", "negotiation"}
    code, _, err = cli("call", "info", "--registry", "--dry-run")
    assert code == 2 and "--registry" in err


@pytest.mark.parametrize("command", [("metadata", "show"), ("metadata", "expected")])
def test_an_empty_session_is_a_usage_error(cli, command) -> None:
    code, _, err = cli(*command)
    assert code == 2 and "no live VM" in err


REGISTRY_CPI = """
import base64, json, os, sys
from urllib.parse import urlsplit
from urllib.request import Request, urlopen
request = json.loads(sys.stdin.read())
url = urlsplit(os.environ["CPICTL_REGISTRY_URL"])
auth = base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
settings = {"agent_id": "not-" + request["arguments"][0], "vm": {"name": "vm-s"}, "networks": request["arguments"][3],
            "disks": {"system": "/dev/sda", "ephemeral": "/dev/sdb", "persistent": {}}, "env": {},
            "mbus": "nats://x", "ntp": [], "blobstore": {"provider": "local", "options": {}}}
put = Request(f"http://{url.hostname}:{url.port}/instances/vm-s/settings", data=json.dumps(settings).encode(),
              method="PUT", headers={"Authorization": "Basic " + auth})
urlopen(put).read()
json.dump({"result": "vm-s", "error": None, "log": ""}, sys.stdout)
"""


def test_any_cpi_can_use_the_generic_url_and_show_judges_what_was_captured(cli, tmp_path) -> None:
    from tests.conftest import write_cpi

    script = str(write_cpi(tmp_path / "registry_cpi.py", REGISTRY_CPI))
    code, doc = cli.json("call", "create_vm", "agent-s", "sc", "{}", "{n: {type: dynamic}}", "--cpi", script,
                         "--api-version", "1", "--registry")
    assert code == 3, doc  # the call itself says the CPI wrote its settings wrong, as `metadata show` does
    assert [v["code"] for v in doc["violations"]] == ["settings.agent_id.wrong"]
    code, report = cli.json("metadata", "show", "vm-s", "--cpi", script)
    assert code == 3
    assert report["actual"]["user_metadata_source"] is None  # another CPI's user-metadata is not readable
    assert [m["code"] for m in report["mistakes"]] == ["agent_id.wrong"]


def test_a_cpi_printing_its_registry_credentials_never_shows_the_password(cli, tmp_path) -> None:
    from tests.conftest import write_cpi

    cpi = write_cpi(tmp_path / "chatty.py", """
import json, os, sys
sys.stdin.read()
sys.stderr.write("registry url is " + os.environ["CPICTL_REGISTRY_URL"] + "\\n")
json.dump({"result": {"api_version": 2, "stemcell_formats": ["raw"]}, "error": None,
           "log": "password is " + os.environ["CPICTL_REGISTRY_PASSWORD"]}, sys.stdout)
""")
    for view in (cli.table, cli.json):
        code, out = view("call", "info", "--cpi", str(cpi), "--registry")
        assert code == 0, out
        shown = out if isinstance(out, str) else json.dumps(out)
        assert "registry url is http://registry-" in shown and "@127.0.0.1:" in shown
        assert re.search(r"registry-[0-9a-f]+:<redacted>@127\.0\.0\.1", shown), shown
        assert "password is <redacted>" in shown


def test_a_registry_that_cannot_bind_a_port_is_a_clear_error(cli, monkeypatch) -> None:
    import errno

    import cpictl.registry.server as registry_server

    def no_port(*args, **kwargs):
        raise OSError(errno.EADDRINUSE, "Address already in use")

    monkeypatch.setattr(registry_server, "server_class", lambda registry: no_port)
    code, _, err = cli("call", "info", "--registry")
    assert code == 2
    assert "cannot start the embedded registry on 127.0.0.1: Address already in use" in err
    assert "internal error" not in err
