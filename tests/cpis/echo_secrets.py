#!/usr/bin/env python3
"""A CPI that echoes every secret it was given, in every encoding `tests/secret_echoes.py` knows, everywhere it can:
stderr, its log, its result (`info`, `set_vm_metadata` echo them inside the result), and an error message
(`has_vm`). It also logs its whole request and its environment, as careless CPIs do.

Secrets it finds: every context value but director_uuid and request_id, every value under a key with `password` in
it (or named `bootstrap`: a token, secret by its shape) anywhere in the arguments, and the variables in ENV_SECRETS.
With the embedded registry (CPICTL_REGISTRY_URL set), create_vm PUTs settings holding the secrets, and every call
appends the registry's password to $ECHO_SECRETS_SIDE_FILE (outside anything cpictl writes), for the test to know.
Cloud IDs are plain (`vm-<pid>`, `disk-<pid>`): a journal must keep IDs as they are.
"""

import base64
import json
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import Request, urlopen

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.secret_echoes import echoes  # found through the line above

ENV_SECRETS = ("OS_PASSWORD", "DB_PASSWORD", "AWS_SECRET_ACCESS_KEY", "CPICTL_REGISTRY_PASSWORD")


def found_secrets(request: dict) -> list[str]:
    found = [value for key, value in request.get("context", {}).items()
             if key not in ("director_uuid", "request_id") and isinstance(value, str)]

    def walk(value, key=""):
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name)
        elif isinstance(value, list):
            for item in value:
                walk(item, key)
        elif isinstance(value, str) and ("password" in key or key == "bootstrap"):
            found.append(value)

    walk(request.get("arguments"))
    return found + [os.environ[name] for name in ENV_SECRETS if os.environ.get(name)]


def put_settings(vm_cid: str, secrets: list[str]) -> None:
    url = urlsplit(os.environ["CPICTL_REGISTRY_URL"])
    auth = base64.b64encode(f"{url.username}:{url.password}".encode()).decode()
    settings = {"agent_id": "agent-1", "vm": {"name": vm_cid}, "env": {"bosh": {"password": secrets[0]}},
                "networks": {}, "disks": {"system": "/dev/sda", "persistent": {}}, "echo": secrets}
    urlopen(Request(f"http://{url.hostname}:{url.port}/instances/{vm_cid}/settings", method="PUT",
                    data=json.dumps(settings).encode(), headers={"Authorization": "Basic " + auth})).read()


def main() -> None:
    raw = sys.stdin.read()
    request = json.loads(raw)
    method = request["method"]
    secrets = found_secrets(request)
    side = os.environ.get("ECHO_SECRETS_SIDE_FILE")
    if side and os.environ.get("CPICTL_REGISTRY_PASSWORD"):
        with open(side, "a") as file:
            file.write(os.environ["CPICTL_REGISTRY_PASSWORD"] + "\n")
    lines = [f"{name}: {form}" for secret in secrets for name, form in echoes(secret).items()]
    environment = json.dumps({name: value for name, value in os.environ.items()
                              if name in (*ENV_SECRETS, "REGION", "CPICTL_REGISTRY_URL")}, sort_keys=True)
    for line in [f"request: {raw}", f"environment: {environment}", *lines]:
        sys.stderr.write(line + "\n")
    log = "\n".join([f"request: {raw}", f"environment: {environment}", *lines])
    pid = os.getpid()
    result: object = None
    error = None
    if method == "info":
        result = {"api_version": 2, "stemcell_formats": ["raw"], "echo": lines}
    elif method == "create_vm":
        if os.environ.get("CPICTL_REGISTRY_URL"):
            put_settings(f"vm-{pid}", secrets)
        networks = request["arguments"][3]
        result = [f"vm-{pid}", networks] if request.get("api_version", 1) >= 2 else f"vm-{pid}"
    elif method == "create_disk":
        result = f"disk-{pid}"
    elif method == "set_vm_metadata":
        result = {"echo": lines, **{line: "as a key" for line in lines[:3]}}
    elif method == "has_vm":
        error = {"type": "Bosh::Clouds::CloudError", "message": "cannot reach the IaaS: " + "; ".join(lines),
                 "ok_to_retry": False}
    json.dump({"result": result, "error": error, "log": log}, sys.stdout)


main()
