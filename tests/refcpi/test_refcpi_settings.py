"""Agent settings: user-metadata vs registry by the director/CPI/stemcell matrix, disk hints, the HTTP registry."""

from __future__ import annotations

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from cpictl.protocol.agent_settings import FULL_SETTINGS_KEYS, negotiated_version, version_matrix
from cpictl.refcpi import read_vm_settings

ENVIRONMENT = {"bosh": {"group": "d-dep-web", "password": "$6$secret"}}


@pytest.mark.parametrize("row", version_matrix(), ids=lambda r: f"dir{r['director']}-cpi{r['cpi']}-sc{r['stemcell']}")
def test_version_matrix_places_settings_like_a_real_cpi(cpi, stemcell, row: dict[str, Any]) -> None:
    env = {"CPICTL_REFCPI_API_VERSION": str(row["cpi"])}
    reported = cpi.ok("info", api_version=None, env=env)["api_version"]
    api_version = negotiated_version(row["director"], reported)
    result = cpi.ok("create_vm", "agent-7", stemcell, {}, cpi.NETWORKS, [], ENVIRONMENT, api_version=api_version,
                    stemcell=row["stemcell"], env=env)
    vm_cid = result[0] if api_version >= 2 else result
    assert isinstance(result, list) == (api_version >= 2)
    settings = read_vm_settings(str(cpi.state_dir), vm_cid)
    if row["full_settings_in_metadata"]:
        assert settings["registry"] is None
        assert set(settings["user_metadata"]) == set(FULL_SETTINGS_KEYS)
        assert settings["user_metadata"]["agent_id"] == "agent-7"
    else:
        assert set(settings["registry"]) == set(FULL_SETTINGS_KEYS)
        assert settings["registry"]["agent_id"] == "agent-7"
        assert set(settings["user_metadata"]) == {"registry", "server", "dns", "networks"}
        assert settings["user_metadata"]["registry"]["endpoint"].startswith("file://")
        assert settings["user_metadata"]["server"] == {"name": vm_cid}
        assert settings["user_metadata"]["dns"] == {"nameserver": ["10.0.0.2"]}
    assert cpi.state()["vms"][vm_cid]["settings_mode"] == ("user-metadata" if row["full_settings_in_metadata"]
                                                           else "registry")


def test_full_settings_content(cpi, stemcell) -> None:
    env = {"CPICTL_REFCPI_MBUS": "nats://user:pw@10.0.0.6:4222", "CPICTL_REFCPI_NTP": "ntp1, ntp2",
           "CPICTL_REFCPI_BLOBSTORE": '{"provider": "s3", "options": {"bucket_name": "b"}}'}
    vm_cid, networks = cpi.ok("create_vm", "agent-1", stemcell, {}, cpi.NETWORKS, [], ENVIRONMENT, stemcell=2,
                              env=env)
    settings = read_vm_settings(str(cpi.state_dir), vm_cid)["user_metadata"]
    assert settings == {
        "agent_id": "agent-1", "vm": {"name": vm_cid}, "networks": networks,
        "disks": {"system": "/dev/sda", "ephemeral": "/dev/sdb", "persistent": {}},
        "env": ENVIRONMENT, "mbus": "nats://user:pw@10.0.0.6:4222", "ntp": ["ntp1", "ntp2"],
        "blobstore": {"provider": "s3", "options": {"bucket_name": "b"}},
    }


def test_default_settings_values(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell)
    settings = read_vm_settings(str(cpi.state_dir), vm_cid)["user_metadata"]
    assert settings["mbus"] == "nats://nats.bosh-internal:4222"
    assert settings["blobstore"]["provider"] == "dav"
    assert settings["ntp"]


def test_bad_blobstore_setting_is_a_cpi_error(cpi, stemcell) -> None:
    error = cpi.error("create_vm", "a", stemcell, {}, cpi.NETWORKS, [], {}, stemcell=2,
                      env={"CPICTL_REFCPI_BLOBSTORE": "{nope"})
    assert error["type"] == "Bosh::Clouds::CpiError"
    assert "CPICTL_REFCPI_BLOBSTORE is not valid JSON" in error["message"]


def test_registry_mode_attach_and_detach_update_persistent_disks(cpi, stemcell) -> None:
    vm_cid = cpi.vm(stemcell, api_version=2, stemcell=1)
    disk = cpi.disk()
    hint = cpi.ok("attach_disk", vm_cid, disk, stemcell=1)
    assert hint == {"path": "/dev/sdc"}
    settings = read_vm_settings(str(cpi.state_dir), vm_cid)
    assert settings["registry"]["disks"]["persistent"] == {disk: {"path": "/dev/sdc"}}
    cpi.ok("detach_disk", vm_cid, disk, stemcell=1)
    assert read_vm_settings(str(cpi.state_dir), vm_cid)["registry"]["disks"]["persistent"] == {}
    cpi.ok("delete_vm", vm_cid, stemcell=1)
    assert read_vm_settings(str(cpi.state_dir), vm_cid) == {"user_metadata": None, "registry": None}


def test_registry_less_user_metadata_is_written_once(cpi, stemcell) -> None:
    # A real IaaS cannot change a running VM's user-data; the agent learns hints from the director instead.
    vm_cid = cpi.vm(stemcell)
    before = read_vm_settings(str(cpi.state_dir), vm_cid)
    disk = cpi.disk()
    cpi.ok("attach_disk", vm_cid, disk, stemcell=2)
    assert read_vm_settings(str(cpi.state_dir), vm_cid) == before
    assert cpi.state()["disks"][disk]["hint"] == {"path": "/dev/sdc"}


def test_read_vm_settings_refuses_path_tricks(cpi) -> None:
    assert read_vm_settings(str(cpi.state_dir), "../state") == {"user_metadata": None, "registry": None}


class _Registry(BaseHTTPRequestHandler):
    """A BOSH registry: PUT/GET/DELETE /instances/<id>/settings with basic auth."""

    entries: dict[str, str]
    requests: list[tuple[str, str, str | None]]

    def _authorised(self) -> bool:
        expected = "Basic " + base64.b64encode(b"admin:p@ss").decode()
        self.requests.append((self.command, self.path, self.headers.get("Authorization")))
        if self.headers.get("Authorization") != expected:
            self.send_response(401)
            self.end_headers()
            return False
        return True

    def _answer(self, code: int, body: bytes = b"") -> None:
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self) -> None:
        if self._authorised():
            self.entries[self.path] = self.rfile.read(int(self.headers["Content-Length"])).decode()
            self._answer(200)

    def do_GET(self) -> None:
        if self._authorised():
            if self.path not in self.entries:
                self._answer(404)
            else:
                self._answer(200, json.dumps({"settings": self.entries[self.path], "status": "ok"}).encode())

    def do_DELETE(self) -> None:
        if self._authorised():
            self._answer(200 if self.entries.pop(self.path, None) is not None else 404)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def registry():
    handler = type("Registry", (_Registry,), {"entries": {}, "requests": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield handler, f"http://admin:p%40ss@127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_http_registry_receives_settings_and_disk_updates(cpi, stemcell, registry) -> None:
    handler, url = registry
    env = {"CPICTL_REFCPI_REGISTRY_URL": url}
    vm_cid = cpi.ok("create_vm", "agent-1", stemcell, {}, cpi.NETWORKS, [], {}, api_version=1, stemcell=1, env=env)
    path = f"/instances/{vm_cid}/settings"
    assert json.loads(handler.entries[path])["agent_id"] == "agent-1"
    local = read_vm_settings(str(cpi.state_dir), vm_cid)
    assert local["registry"] is None, "settings went to the HTTP registry, not the local store"
    assert local["user_metadata"]["registry"] == {"endpoint": url}
    disk = cpi.disk()
    assert cpi.ok("attach_disk", vm_cid, disk, api_version=1, stemcell=1, env=env) is None
    assert json.loads(handler.entries[path])["disks"]["persistent"] == {disk: {"path": "/dev/sdc"}}
    cpi.ok("detach_disk", vm_cid, disk, api_version=1, env=env)
    assert json.loads(handler.entries[path])["disks"]["persistent"] == {}
    cpi.ok("delete_vm", vm_cid, api_version=1, env=env)
    assert path not in handler.entries
    assert [(method, p) for method, p, _ in handler.requests] == [
        ("PUT", path), ("GET", path), ("PUT", path), ("GET", path), ("PUT", path), ("DELETE", path)]
    assert all(auth == "Basic " + base64.b64encode(b"admin:p@ss").decode() for _, _, auth in handler.requests)


def test_http_registry_failures_are_cloud_errors(cpi, stemcell, registry) -> None:
    _, url = registry
    bad_auth = url.replace("p%40ss", "wrong")
    error = cpi.error("create_vm", "a", stemcell, {}, cpi.NETWORKS, [], {}, api_version=1,
                      env={"CPICTL_REFCPI_REGISTRY_URL": bad_auth})
    assert error["type"] == "Bosh::Clouds::CloudError"
    assert "Cannot update settings for" in error["message"] and "got HTTP 401" in error["message"]
    assert cpi.state()["vms"] == {}, "no VM when its settings could not be stored"
    error = cpi.error("create_vm", "a", stemcell, {}, cpi.NETWORKS, [], {}, api_version=1,
                      env={"CPICTL_REFCPI_REGISTRY_URL": "http://127.0.0.1:9"})
    assert "Cannot reach the registry" in error["message"]
    error = cpi.error("create_vm", "a", stemcell, {}, cpi.NETWORKS, [], {}, api_version=1,
                      env={"CPICTL_REFCPI_REGISTRY_URL": "ftp://x"})
    assert error["type"] == "Bosh::Clouds::CpiError"
