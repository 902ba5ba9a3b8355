#!/usr/bin/env python3
"""Answers and exits, leaving a grandchild in its own session (so killing our process group misses it) that
holds stdout/stderr for 30 s. Prints `escaped_grandchild: pid=N` to stderr so a test can kill it afterwards."""

import os
import sys
import time

sys.stdin.buffer.read()
ready_read, ready_write = os.pipe()
pid = os.fork()
if pid == 0:
    os.setsid()
    os.write(ready_write, b"x")  # out of the group now: the parent may answer and exit
    time.sleep(30)
    os._exit(0)
os.read(ready_read, 1)  # however slow the machine, the grandchild escaped before the caller's linger starts
sys.stderr.write(f"escaped_grandchild: pid={pid}\n")
sys.stderr.flush()
sys.stdout.write('{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}')
sys.stdout.flush()
os._exit(0)
