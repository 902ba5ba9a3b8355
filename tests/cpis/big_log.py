#!/usr/bin/env python3
"""Answers with a 50 MiB `log` string (optional argv[1]: MiB), like a CPI that dumps a huge debug trace."""

import sys

mib = int(sys.argv[1]) if len(sys.argv) > 1 else 50
sys.stdin.buffer.read()
out = sys.stdout.buffer
out.write(b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":"')
out.write(b"x" * (mib * 1024 * 1024))
out.write(b'"}')
out.flush()
