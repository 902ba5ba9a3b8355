#!/usr/bin/env python3
"""A careless CPI that echoes every value it was given, in every encoding `tests/secret_echoes.py` knows.

Every string and number in its request's arguments and context is written to stderr and to its log, one line per
encoding (`<path> <form>: <echo>`), after the raw request itself; so are the user name and password of every URL
(as a client library splits them) and the variables ECHO_ENV names (a comma-separated list of names). It cannot tell
a secret from any other value, so what cpictl must keep readable is echoed too.

Results: `info` answers api_version 2 and an `echo` list of its lines; create_stemcell, create_vm (v2: with its
networks, as given) and create_disk answer plain IDs (`<kind>-<pid>`); has_vm and set_vm_metadata fail with a
CloudError whose message holds every line; the rest answer null.
"""

import json
import os
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.secret_echoes import echoes  # found through the line above


def leaves(value, path):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, f"{path}[{index}]")
    elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
        yield path, str(value)
        if isinstance(value, str) and "://" in value and "@" in value:
            url = urlsplit(value)
            for part in ("username", "password"):
                if getattr(url, part):
                    yield f"{path}#{part}", unquote(getattr(url, part))


def main() -> None:
    raw = sys.stdin.read()
    request = json.loads(raw)
    method = request["method"]
    values = list(leaves(request.get("arguments"), "arguments"))
    values += list(leaves(request.get("context"), "context"))
    values += [(f"env.{name}", os.environ[name]) for name in os.environ.get("ECHO_ENV", "").split(",")
               if os.environ.get(name)]
    lines = [f"request: {raw}"] + [f"{path} {form}: {echo}" for path, value in values
                                   for form, echo in echoes(value).items()]
    for line in lines:
        sys.stderr.write(line + "\n")
    pid = os.getpid()
    result = None
    error = None
    if method == "info":
        result = {"api_version": 2, "stemcell_formats": ["raw"], "echo": lines}
    elif method in ("create_stemcell", "create_disk"):
        result = f"{method.split('_')[1]}-{pid}"
    elif method == "create_vm":
        result = [f"vm-{pid}", request["arguments"][3]] if request.get("api_version", 1) >= 2 else f"vm-{pid}"
    elif method in ("has_vm", "set_vm_metadata"):
        error = {"type": "Bosh::Clouds::CloudError", "message": "cannot reach the IaaS: " + "; ".join(lines),
                 "ok_to_retry": False}
    json.dump({"result": result, "error": error, "log": "\n".join(lines)}, sys.stdout)


main()
