"""Contract violations: what a CPI did wrong, and what each of its two callers does about it.

Every violation says what the director and `bosh create-env` each *do* with the answer — one of `fails`,
`ignores`, `misreads`, `crashes`, `refuses-all-calls` — with a sentence saying exactly how (quoting the caller's own
message where it has one). Severity is never given by hand: it follows from the two reactions by one rule,
`severity_of`: `error` when either caller does anything but ignore it, `warning` when both cope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

Severity = Literal["error", "warning"]
Does = Literal["fails", "ignores", "misreads", "crashes", "refuses-all-calls"]
DOES: tuple[Does, ...] = ("fails", "ignores", "misreads", "crashes", "refuses-all-calls")
#: The one reaction that means a caller copes with the answer.
COPES: Does = "ignores"
#: How many noise lines a violation keeps (the table view shows fewer; `count` says how many there were).
NOISE_LINES_KEPT = 100


class Reaction:
    """What one caller does with the answer, and a sentence saying exactly what happens.

    A slotted class, not a dataclass: every `cpictl call` imports this module, and each dataclass costs start-up."""

    __slots__ = ("does", "why")

    def __init__(self, does: Does, why: str) -> None:
        self.does: Does = does
        self.why = why

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reaction) and (self.does, self.why) == (other.does, other.why)

    def __hash__(self) -> int:
        return hash((self.does, self.why))

    def __repr__(self) -> str:
        return f"Reaction({self.does!r}, {self.why!r})"

    def as_dict(self) -> dict[str, str]:
        return {"does": self.does, "why": self.why}


def fails(why: str) -> Reaction:
    return Reaction("fails", why)


def ignores(why: str) -> Reaction:
    return Reaction("ignores", why)


def misreads(why: str) -> Reaction:
    return Reaction("misreads", why)


def crashes(why: str) -> Reaction:
    return Reaction("crashes", why)


def refuses_all_calls(why: str) -> Reaction:
    return Reaction("refuses-all-calls", why)


def severity_of(director: Reaction, create_env: Reaction) -> Severity:
    """The house rule: an error when either caller fails, crashes, misreads or refuses all calls."""
    return "warning" if director.does == COPES and create_env.does == COPES else "error"


class Noise:
    """Lines a CPI printed on stdout around its JSON answer: the first `NOISE_LINES_KEPT`, and how many in all."""

    __slots__ = ("count", "lines")

    def __init__(self, lines: tuple[str, ...], count: int) -> None:
        self.lines = lines
        self.count = count

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Noise) and (self.lines, self.count) == (other.lines, other.count)

    def __hash__(self) -> int:
        return hash((self.lines, self.count))

    def __repr__(self) -> str:
        return f"Noise({self.lines!r}, {self.count})"

    def as_dict(self) -> dict[str, Any]:
        return {"lines": list(self.lines), "count": self.count}


@dataclass(frozen=True)
class Violation:
    """One breach of the contract. `message` says what the CPI did, readable on its own; `director` and
    `create_env` what each caller does about it; `severity` follows from those two."""

    code: str
    message: str
    director: Reaction
    create_env: Reaction
    noise: Noise | None = None  # stdout.noise only: the lines themselves

    @property
    def severity(self) -> Severity:
        return severity_of(self.director, self.create_env)

    @property
    def verdict(self) -> str:
        """Both reactions in a few words, for one-line views: `director fails, create-env ignores`."""
        return f"director {self.director.does}, create-env {self.create_env.does}"

    @classmethod
    def from_dict(cls, document: dict[str, Any]) -> Violation:
        """A verdict as `as_dict` wrote it (a trace entry keeps them so), not a new one: its severity still
        follows from its reactions. A reaction the document lacks is read from its severity."""
        fallback: Does = "fails" if document.get("severity") == "error" else "ignores"
        noise = document.get("noise")
        return cls(str(document.get("code", "")), str(document.get("message", "")),
                   director=_reaction_from(document.get("director"), fallback),
                   create_env=_reaction_from(document.get("create_env"), fallback),
                   noise=Noise(tuple(str(line) for line in noise.get("lines") or ()), int(noise.get("count") or 0))
                   if isinstance(noise, dict) else None)

    def as_dict(self) -> dict[str, Any]:
        document: dict[str, Any] = {"code": self.code, "severity": self.severity, "message": self.message,
                                    "director": self.director.as_dict(), "create_env": self.create_env.as_dict()}
        if self.noise is not None:
            document["noise"] = self.noise.as_dict()
        return document


def _reaction_from(document: Any, fallback: Does) -> Reaction:
    does = document.get("does") if isinstance(document, dict) else None
    why = str(document.get("why", "")) if isinstance(document, dict) else "(not recorded)"
    for known in DOES:  # the literal itself, so the type checker sees a `Does`
        if does == known:
            return Reaction(known, why)
    return Reaction(fallback, why)


if TYPE_CHECKING:  # a TypedDict class costs start-up; mypy alone needs it
    from typing import TypedDict

    class Reactions(TypedDict):
        """Both callers' reactions as keyword arguments: `Violation(code, message, **reactions)`."""

        director: Reaction
        create_env: Reaction


def both(reaction: Reaction) -> Reactions:
    """Both callers react alike: `Violation(code, message, **both(fails(…)))`."""
    return {"director": reaction, "create_env": reaction}


def has_errors(violations: list[Violation]) -> bool:
    return any(v.severity == "error" for v in violations)
