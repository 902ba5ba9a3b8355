"""Cloud IDs that look like real ones (`vm-<uuid4>`, `disk-<uuid4>`, …), random or reproducible.

Without a seed the bytes come from `os.urandom`; with `CPICTL_REFCPI_SEED` they are a SHA-256 of the seed and a
counter kept in state.json, so the same sequence of calls gives the same IDs (tests, golden output). We format
the UUID ourselves instead of importing `uuid`, and import `hashlib` (~4 ms, OpenSSL) only when seeded.
"""

from __future__ import annotations

import os
from typing import Any


def format_uuid4(raw: bytes) -> str:
    """16 bytes → an RFC 4122 version-4 UUID string (version and variant bits forced)."""
    data = bytearray(raw[:16])
    data[6] = (data[6] & 0x0F) | 0x40
    data[8] = (data[8] & 0x3F) | 0x80
    text = data.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


class IdSource:
    """Hands out random bytes and IDs for one call; seeded sources advance `state["id_counter"]`."""

    def __init__(self, state: dict[str, Any], seed: str | None) -> None:
        self._state = state
        self._seed = seed

    def token(self, size: int = 16) -> bytes:
        if self._seed is None:
            return os.urandom(size)
        import hashlib  # only seeded runs pay for OpenSSL

        counter = int(self._state.get("id_counter", 0)) + 1
        self._state["id_counter"] = counter
        return hashlib.sha256(f"{self._seed}:{counter}".encode()).digest()[:size]

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{format_uuid4(self.token(16))}"

    def mac_address(self) -> str:
        """A locally administered unicast MAC (first octet 0x0a), as IaaS NICs get."""
        return ":".join(f"{octet:02x}" for octet in b"\x0a" + self.token(5))
