"""Contract violations: what a CPI did wrong, how bad it is, and what BOSH would do about it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Violation:
    """One breach of the contract. `error` means BOSH would fail the call; `warning` means it would cope."""

    code: str
    severity: Severity
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


def has_errors(violations: list[Violation]) -> bool:
    return any(v.severity == "error" for v in violations)
