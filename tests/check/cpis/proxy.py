"""The reference CPI behind rewrites a test chooses with CHECK_PROXY (see README.md)."""
import json
import os
import subprocess
import sys
import time

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
done = subprocess.run([sys.executable, "-m", "cpictl.refcpi"], input=raw, capture_output=True)
sys.stderr.buffer.write(done.stderr)
try:
    answer = json.loads(done.stdout)
except ValueError:
    sys.stdout.buffer.write(done.stdout)
    sys.exit(done.returncode)
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
sys.exit(done.returncode)
