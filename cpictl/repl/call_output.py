"""How a finished call is shown in the REPL, as `:set output` and `:set detail` say — the views `cpictl call`
prints with `-o` and `-q`/`-v`, from the same pieces.

* `output table` (the default): the call view (`render_call`) at the detail in force; then the embedded
  registry's requests and, after create_vm/attach_disk/detach_disk, the agent-settings check — one line at
  `normal`, the panel at `verbose`. `detail quiet` is one line a call (`call_line`), the number of settings
  mistakes in it, masked as the call view masks.
* `output json|yaml`: the document `cpictl call -o json|yaml` prints — `outcome_as_dict`, secrets masked, the
  agent-settings mistakes among its verdicts — and nothing else (no panels: they are in the document).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text

from cpictl.render.detail import Detail, parse_level

if TYPE_CHECKING:
    from cpictl.repl.context import ReplContext
    from cpictl.session import CallOutcome, Target

OUTPUTS = ("table", "json", "yaml")
#: The calls after which `cpictl.metadata` checks the agent settings: only these pay for importing it.
SETTINGS_METHODS = ("create_vm", "attach_disk", "detach_disk")


def check_output(word: str) -> str:
    """`table|json|yaml`, or a ValueError naming them."""
    if word not in OUTPUTS:
        raise ValueError(f"expected one of {'|'.join(OUTPUTS)}, got '{word}'")
    return word


def check_detail(word: str) -> Detail:
    """`quiet|normal|verbose` (cpictl.render.detail), or a ValueError naming them."""
    return parse_level(word)


def show_outcome(ctx: ReplContext, outcome: CallOutcome, target: Target, mark: int) -> None:
    """One finished call, as the output settings say; `mark`: the registry's position before the call."""
    state = ctx.state
    if state.output != "table":
        ctx.term.print(Text(call_document_text(ctx, outcome, target)), soft_wrap=True)  # to copy: never wrapped
        return
    report = settings_report(ctx, outcome, target)
    if state.detail.quiet:
        from cpictl.render.call_line import masked_call_line

        ctx.term.print(masked_call_line(outcome, settings_mistakes=len(report.mistakes) if report else 0))
        return
    from cpictl.render.call_view import render_call

    ctx.term.print(render_call(outcome, target, in_sequence=True, detail=state.detail))  # the toolbar names the target
    show_settings(ctx, outcome, target, mark, report)


def show_settings(ctx: ReplContext, outcome: CallOutcome, target: Target, mark: int, report: Any = None, *,
                  panel: bool = False) -> None:
    """What the CPI did to the embedded registry, and the agent settings after calls that change them, at the
    detail in force; `panel`: the whole panel unless quiet (a `:run` step's, as `cpictl run` shows it)."""
    detail = ctx.state.detail
    if detail.quiet:
        return
    registry = ctx.state.registry
    if registry is not None and (detail.verbose or detail.chosen is None):
        from cpictl.render.registry_view import render_registry_events

        events = registry.events_since(mark)
        if events:
            ctx.term.print(render_registry_events(events, registry.endpoint))
    if outcome.request.method not in SETTINGS_METHODS or outcome.status != "ok" or not detail.shows("settings"):
        return
    from cpictl.render.metadata_view import metadata_panel, settings_line

    report = report or settings_report(ctx, outcome, target)
    if report is not None and not (panel or detail.whole("settings")):
        ctx.term.print(settings_line(report, ":set detail verbose"))
        return
    panel = metadata_panel(outcome, target, ctx.state.store, report=report)  # None: the one line why not
    if panel is not None:
        ctx.term.print(panel)


def settings_report(ctx: ReplContext, outcome: CallOutcome, target: Target) -> Any:
    """The agent-settings check after a create_vm/attach_disk/detach_disk that went well, when cpictl can see the
    settings (the reference CPI's, an embedded registry's); else None."""
    if outcome.request.method not in SETTINGS_METHODS or outcome.status != "ok":
        return None
    from cpictl.metadata import report_after_call

    return report_after_call(outcome, target, ctx.state.store)


def call_document(ctx: ReplContext, outcome: CallOutcome, target: Target) -> dict[str, Any]:
    """What `cpictl call -o json` prints for this call: its masked document, the settings mistakes among the
    verdicts (judged against what the agent reads, not by a caller: no caller reactions)."""
    from cpictl.session import outcome_as_dict

    document = outcome_as_dict(outcome)
    report = settings_report(ctx, outcome, target)
    if report is not None and report.mistakes:  # a copy: the masked document is made once per outcome, and shared
        document = {**document, "violations": document["violations"] + [
            {"code": f"settings.{mistake.code}", "severity": "error", "message": mistake.message,
             "director": None, "create_env": None} for mistake in report.mistakes]}
    return document


def call_document_text(ctx: ReplContext, outcome: CallOutcome, target: Target) -> str:
    """The document as JSON (2-space indent) or YAML, strict: whatever a CPI answered, never an exception."""
    document = call_document(ctx, outcome, target)
    if ctx.state.output == "yaml":
        from cpictl.render.yaml_output import strict_yaml

        return strict_yaml(document).rstrip("\n")
    from cpictl.protocol.strict_json import strict_dumps

    return strict_dumps(document, indent=2)

