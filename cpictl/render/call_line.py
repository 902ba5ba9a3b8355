"""A call in one line — the quiet view (`-q`) of `call`, `repl`, `trace show` and a recipe's finished steps:
outcome, method, the cloud IDs it created, deleted, attached or detached (whole: an ID is never cut), duration
and how many verdicts the contract check gave."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text

from cpictl.render.terminal_text import displayed_id, one_line
from cpictl.session import CallOutcome

FAILURE_CHARS = 120  # a misbehaviour's first words; the full view has the rest
MESSAGE_CHARS = 80  # a CPI error message's first words


def outcome_mark(outcome: CallOutcome) -> tuple[str, str]:
    """The mark and its style: ✔ ok, ✖ the CPI answered an error, ⚠ it misbehaved."""
    return {"ok": ("✔", "bold green"), "cpi-error": ("✖", "bold red")}.get(outcome.status, ("⚠", "bold red"))


def outcome_words(outcome: CallOutcome, mask: Callable[[str], str] = str) -> str:
    """`ok`, the error's type, or what went wrong, in a few words."""
    if outcome.status == "ok":
        return "ok"
    error = outcome.decoded.error if outcome.decoded else None
    if outcome.status == "cpi-error" and error is not None:
        message = one_line(mask(error.message))
        if len(message) > MESSAGE_CHARS:
            message = message[:MESSAGE_CHARS - 1] + "…"
        return f"{mask(error.type)}: {message}" + ("" if error.ok_to_retry else " (not retriable)")
    if outcome.failure and outcome.run is None and outcome.negotiation is not None:
        return "not sent: the caller refuses this CPI"
    if outcome.failure:
        words = one_line(mask(outcome.failure))
        return words if len(words) <= FAILURE_CHARS else words[:FAILURE_CHARS - 1] + "…"
    if outcome.journal_error:
        return "its cloud IDs could not be journalled"
    return "the response breaks the contract"


def id_changes(outcome: CallOutcome) -> Text:
    """`+ vm vm-1  - disk disk-2  ⇄ disk-2 → vm-1`, IDs whole."""
    text, changes = Text(), outcome.changes
    for sign, style, pairs in (("+", "green", changes.created), ("-", "red", changes.deleted)):
        for kind, cid in pairs:
            text.append("  ").append(f"{sign} {kind} ", style=style).append(displayed_id(cid), style="bold")
    for relation, arrow in ((changes.attached, "→"), (changes.detached, "↛")):
        if relation:
            vm, disk = map(displayed_id, relation)
            text.append("  ").append(f"⇄ {disk} {arrow} {vm}", style="cyan")
    return text


def verdict_count(outcome: CallOutcome, settings_mistakes: int = 0) -> Text:
    """How many verdicts the contract check gave (and the agent-settings check: its mistakes are errors)."""
    errors = sum(v.severity == "error" for v in outcome.violations) + settings_mistakes
    count = len(outcome.violations) + settings_mistakes
    words = f"{count} verdict{'' if count == 1 else 's'}"
    if errors:
        words += f" ({errors} error{'' if errors == 1 else 's'})"
    return Text(words, style="bold red" if errors else ("yellow" if count else "dim"))


def masked_call_line(outcome: CallOutcome, *, show_secrets: bool = False, label: str | None = None,
                     settings_mistakes: int = 0) -> Text:
    """`call_line` with secrets masked as the full view masks them: the redactor first learns the request's
    secrets, so a CPI's error that echoes a password is masked in the one line too."""
    if show_secrets:
        return call_line(outcome, label=label, settings_mistakes=settings_mistakes)
    from cpictl.protocol.redaction import Redactor

    redactor = Redactor()
    redactor.request(outcome.request.as_dict())
    return call_line(outcome, redactor.text, label=label, settings_mistakes=settings_mistakes)


def call_line(outcome: CallOutcome, mask: Callable[[str], str] = str, *, label: str | None = None,
              settings_mistakes: int = 0, judged: tuple[str, str, Text] | None = None,
              verdicts: bool = True) -> Text:
    """`✔ create_vm  + vm vm-1  74 ms  0 verdicts`; `label` (a recipe step's name) goes before the method.

    A recipe step is judged by its expectations, not by the answer alone: `judged` is (mark, style, words) to show
    instead of the call's own (`✔ … VMNotFound as expected`, `✖ … 1 expectation failed`; no words: ✔ says it),
    and a step that lists its warnings beneath leaves out the count (`verdicts=False`)."""
    mark, style = outcome_mark(outcome) if judged is None else judged[:2]
    text = Text.assemble((f"{mark} ", style))
    if label is not None and label != outcome.request.method:
        text.append(one_line(label), style="bold").append(f" ({outcome.request.method})", style="dim")
    else:
        text.append(outcome.request.method, style="bold")
    if judged is not None:
        if judged[2].plain:
            text.append("  ").append_text(judged[2])
    elif outcome.status != "ok":  # ✔ says ok
        text.append("  ").append(outcome_words(outcome, mask), style=style)
    text.append_text(id_changes(outcome))
    if outcome.run is not None:
        text.append(f"  {outcome.run.duration_s * 1000:.0f} ms", style="dim")
    if verdicts:
        text.append("  ").append_text(verdict_count(outcome, settings_mistakes))
    return text
