"""Fixtures for the reference CPI: an in-process driver that checks every response against the contract."""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest

from cpictl.protocol.codec import decode_response
from cpictl.refcpi.service import Reply, handle_request

VENV_BIN = Path(sys.executable).parent
DIRECTOR_UUID = "9d2f1c3e-0000-4000-8000-000000000001"
NETWORKS = {"default": {"type": "manual", "ip": "10.0.0.10", "netmask": "255.255.255.0", "gateway": "10.0.0.1",
                        "dns": ["10.0.0.2"], "default": ["dns", "gateway"], "cloud_properties": {"subnet": "s-1"}}}
KNOWN_SUCCESS_WARNINGS: dict[str, set[str]] = {}  # the reference CPI keeps the contract: no warnings at all


def build_request(method: str, arguments: list[Any], api_version: int | None = 2, stemcell: int | None = None,
                  context: dict[str, Any] | None = None) -> bytes:
    ctx: dict[str, Any] = {"director_uuid": DIRECTOR_UUID, "request_id": "cpi-123456", **(context or {})}
    if stemcell is not None:
        ctx["vm"] = {"stemcell": {"api_version": stemcell}}
    request: dict[str, Any] = {"method": method, "arguments": arguments, "context": ctx}
    if api_version is not None:
        request["api_version"] = api_version
    return json.dumps(request).encode()


def check_contract(reply: Reply, method: str | None, api_version: int | None) -> None:
    """Success responses must have no violation at all; error responses no error-severity violation."""
    assert reply.exit_code == 0
    decoded = decode_response(reply.stdout_bytes(), method=method, api_version=api_version)
    assert decoded.document is not None, reply
    codes = {v.code for v in decoded.violations}
    if decoded.document["error"] is None:
        allowed = KNOWN_SUCCESS_WARNINGS.get(method or "", set())
        if method == "info" and decoded.result.get("api_version") == 1:  # a faithful v1 CPI: today's director
            allowed = allowed | {"info.api-version-too-old"}  # refuses it, create-env speaks v1 with it
        assert codes <= allowed, decoded.violations
    else:
        assert not [v for v in decoded.violations if v.severity == "error"], decoded.violations
    assert isinstance(decoded.document["log"], str)


class RefCpi:
    """Drives `handle_request` in-process against one state directory. Test modules reach the helpers through
    this class (fixture `cpi`), since importing a conftest by name is ambiguous across test directories."""

    NETWORKS = NETWORKS
    build_request = staticmethod(build_request)
    check_contract = staticmethod(check_contract)

    def __init__(self, state_dir: Path, env: dict[str, str]) -> None:
        self.state_dir = state_dir
        self.env = env
        self.stderr = io.StringIO()

    def raw(self, request: bytes, env: dict[str, str] | None = None) -> Reply:
        return handle_request(request, {**self.env, **(env or {})}, str(self.state_dir), self.stderr)

    def reply(self, method: str, *arguments: Any, api_version: int | None = 2, stemcell: int | None = None,
              env: dict[str, str] | None = None, context: dict[str, Any] | None = None) -> Reply:
        reply = self.raw(build_request(method, list(arguments), api_version, stemcell, context), env)
        if reply.fault is None:
            check_contract(reply, method, api_version)
        return reply

    def ok(self, method: str, *arguments: Any, **options: Any) -> Any:
        response = self.reply(method, *arguments, **options).response
        assert response is not None
        assert response["error"] is None, response["error"]
        return response["result"]

    def error(self, method: str, *arguments: Any, **options: Any) -> dict[str, Any]:
        response = self.reply(method, *arguments, **options).response
        assert response is not None
        assert response["error"] is not None, f"expected an error, got result {response['result']!r}"
        assert response["result"] is None
        return dict(response["error"])

    def state(self) -> dict[str, Any]:
        return json.loads((self.state_dir / "state.json").read_text())

    # Shortcuts for the resources most tests need.
    def stemcell(self, tmp_path: Path, **options: Any) -> str:
        image = tmp_path / "image"
        image.write_bytes(b"stemcell image")
        cid: str = self.ok("create_stemcell", str(image), {"name": "refcpi-stemcell"}, **options)
        return cid

    def vm(self, stemcell_cid: str, api_version: int = 2, stemcell: int = 2, networks: dict[str, Any] | None = None,
           disk_cids: list[str] | None = None, env: dict[str, Any] | None = None) -> str:
        result = self.ok("create_vm", "agent-1", stemcell_cid, {"instance_type": "ref.small"}, networks or NETWORKS,
                         disk_cids or [], env or {"bosh": {"group": "d-dep-web"}}, api_version=api_version,
                         stemcell=stemcell)
        return result[0] if api_version >= 2 else result

    def disk(self, size: int = 1024, cloud_properties: dict[str, Any] | None = None) -> str:
        cid: str = self.ok("create_disk", size, cloud_properties or {}, None)
        return cid


@pytest.fixture
def cpi_env() -> dict[str, str]:
    """A minimal environment, like the director's (PATH, HOME) plus a seed for reproducible IDs."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
            "CPICTL_REFCPI_SEED": "tests"}


@pytest.fixture
def cpi(tmp_path: Path, cpi_env: dict[str, str]) -> RefCpi:
    return RefCpi(tmp_path / "refcpi-state", cpi_env)


@pytest.fixture
def stemcell(cpi: RefCpi, tmp_path: Path) -> str:
    return cpi.stemcell(tmp_path)
