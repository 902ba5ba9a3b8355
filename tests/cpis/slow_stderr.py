#!/usr/bin/env python3
"""Logs a stderr line every 0.2 s for about 1 s, then answers: for live log streaming.

Optional argv[1]: a handshake file. After the first line, waits (up to 5 s) for that file to exist and reports in
its result whether it appeared. A caller that streams lines live can create it on seeing line 1; one that only
delivers lines after exit cannot, which makes the streaming test independent of timing.
"""

import json
import os
import sys
import time

sys.stdin.buffer.read()
handshake = sys.argv[1] if len(sys.argv) > 1 else None
seen = None
for number in range(1, 6):
    sys.stderr.write(f"slow_stderr: line {number}\n")
    sys.stderr.flush()
    if number == 1 and handshake is not None:
        give_up = time.monotonic() + 5
        while not os.path.exists(handshake) and time.monotonic() < give_up:
            time.sleep(0.01)
        seen = os.path.exists(handshake)
    time.sleep(0.2)
json.dump({"result": {"handshake_seen": seen}, "error": None, "log": ""}, sys.stdout)
