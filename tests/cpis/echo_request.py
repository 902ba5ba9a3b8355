#!/usr/bin/env python3
"""Answers with what it received: the request (parsed, or as text if not JSON), argv, cwd and environment.

Logs two lines to stderr, so tests can see both streams and check exactly what a CPI would be given.
"""

import json
import os
import sys

raw = sys.stdin.buffer.read()
sys.stderr.write(f"echo_request: received {len(raw)} bytes\n")
try:
    request = json.loads(raw)
except ValueError:
    request = raw.decode("utf-8", errors="replace")
result = {"request": request, "argv": sys.argv[1:], "cwd": os.getcwd(), "env": dict(os.environ)}
json.dump({"result": result, "error": None, "log": "echo_request: answered\n"}, sys.stdout)
sys.stderr.write("echo_request: done\n")
