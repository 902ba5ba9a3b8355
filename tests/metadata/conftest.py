"""Fixtures for agent-settings tests: the CLI through `main()` (its real error translation), and a stemcell."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cpictl.cli.main import main

NETWORKS = {"default": {"type": "manual", "ip": "10.0.0.10", "netmask": "255.255.255.0", "gateway": "10.0.0.1",
                        "dns": ["10.0.0.2"], "default": ["dns", "gateway"], "cloud_properties": {"subnet": "s-1"}}}
ENVIRONMENT = {"bosh": {"group": "d-dep-web", "groups": ["d", "dep"], "password": "$6$hunter2-hash",
                        "mbus": {"cert": {"ca": "CA-PEM", "certificate": "CERT-PEM", "private_key": "KEY-PEM"}}}}


class Cli:
    """`cpictl ...` in-process; returns (exit code, stdout, stderr)."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys

    def __call__(self, *argv: str) -> tuple[int, str, str]:
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def json(self, *argv: str) -> tuple[int, Any]:
        code, out, err = self(*argv, "-o", "json")
        assert out, err
        return code, json.loads(out)

    def table(self, *argv: str) -> tuple[int, str]:
        code, out, err = self(*argv, "-o", "table")
        return code, out

    def create_vm(self, *options: str, agent_id: str = "agent-1", networks: dict[str, Any] | None = None,
                  environment: dict[str, Any] | None = None) -> str:
        code, doc = self.json("call", "create_vm", agent_id, "${stemcell}", "{}", json.dumps(networks or NETWORKS),
                              "[]", json.dumps(ENVIRONMENT if environment is None else environment), *options)
        assert code == 0, doc
        result = doc["response"]["result"]
        return result[0] if isinstance(result, list) else result

    def create_disk(self) -> str:
        code, doc = self.json("call", "create_disk", "1024", "{}", "${vm}")
        assert code == 0, doc
        return str(doc["response"]["result"])


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("COLUMNS", "200")  # table tests read whole lines; rich wraps at the terminal width
    return Cli(capsys)


@pytest.fixture
def stemcell(cli: Cli, tmp_path: Path) -> str:
    image = tmp_path / "image"
    image.write_bytes(b"stemcell image")
    code, doc = cli.json("call", "create_stemcell", str(image), "{}")
    assert code == 0, doc
    return str(doc["response"]["result"])
