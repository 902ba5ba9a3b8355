#!/usr/bin/env python3
"""A valid JSON response whose `log` string holds bytes that are not UTF-8 (the Ruby gem would have replaced
them); also logs an invalid line to stderr."""

import sys

sys.stdin.buffer.read()
sys.stderr.buffer.write(b"bad_utf8: \xff\xfe not utf-8\n")
sys.stdout.buffer.write(
    b'{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":"caf\xe9 \xff\xfe"}'
)
