"""The reference CPI behind rewrites a test chooses with CHECK_PROXY (see README.md)."""
import io
import json
import os
import sys
import time

from cpictl.refcpi.service import handle_request

BACKTRACE = "\n/var/vcap/packages/cpi/lib/cloud.rb:42:in `delete_vm'\n/var/vcap/packages/cpi/bin/cpi:12:in `<main>'"

raw = sys.stdin.buffer.read()
modes = [mode for mode in os.environ.get("CHECK_PROXY", "").split(",") if mode]
try:
    method = json.loads(raw).get("method")
except (ValueError, AttributeError):
    method = None
for mode in modes:
    if mode.startswith("block:"):
        _, blocked, marker = mode.split(":", 2)
        if method == blocked and not os.path.exists(marker):
            with open(marker, "w") as handle:
                handle.write(str(os.getpid()))
            while True:  # until the check's Ctrl-C kills our process group
                time.sleep(1)
stderr = io.StringIO()
reply = handle_request(raw, os.environ, None, stderr)  # the reference CPI's own code, in this process
sys.stderr.write(stderr.getvalue())
answer = reply.response
if "null-formats" in modes and method == "info":
    answer["result"]["stemcell_formats"] = None
if "quirks" in modes:
    if answer.get("error") is None:
        answer["result"] = {"detach_disk": 1, "reboot_vm": "", "delete_disk": []}.get(method, answer["result"])
    else:
        answer["error"]["message"] += BACKTRACE
    sys.stderr.write(answer["log"])
    answer["log"] = ""
sys.stdout.write(json.dumps(answer))
