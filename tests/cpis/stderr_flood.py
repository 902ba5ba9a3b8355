#!/usr/bin/env python3
"""Writes 20 MiB of log lines to stderr BEFORE reading its request, then answers.

A caller that writes the whole request before reading stderr deadlocks on this one: we block on a full stdin pipe
while the CPI blocks on a full stderr pipe. Optional argv[1]: MiB to write (default 20).
"""

import json
import sys

mib = int(sys.argv[1]) if len(sys.argv) > 1 else 20
line = b"stderr_flood: " + b"x" * (1024 - len(b"stderr_flood: ") - 1) + b"\n"  # exactly 1 KiB per line
block = line * 64
err = sys.stderr.buffer
for _ in range(mib * 16):
    err.write(block)
err.flush()
request = sys.stdin.buffer.read()
json.dump({"result": {"request_bytes": len(request)}, "error": None, "log": ""}, sys.stdout)
