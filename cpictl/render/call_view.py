"""The table view of one call: request, outcome, violations, result, cloud IDs, log, stderr, exit and timing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cpictl.protocol.catalogue import get_method
from cpictl.protocol.redaction import Redactor
from cpictl.protocol.violations import Violation
from cpictl.render.console import FittedText
from cpictl.render.detail import Detail
from cpictl.render.terminal_text import displayed_id, one_line, visible_controls
from cpictl.render.values import Pieces, indented_value, joined_lines, styled, value_renderable
from cpictl.session import CallOutcome, Target

LOG_LINES = 40
STDERR_LINES = 12
SEVERITY_STYLE = {"error": "bold red", "warning": "yellow"}
REACTION_STYLE = {"ignores": "green", "fails": "red", "misreads": "red", "crashes": "bold red",
                  "refuses-all-calls": "bold red"}
PLURAL = {"ignores": "ignore", "fails": "fail", "misreads": "misread", "crashes": "crash",
          "refuses-all-calls": "refuse all calls"}
#: Noise lines a table shows; `-o json` carries up to `violations.NOISE_LINES_KEPT`.
NOISE_LINES_SHOWN = 5


def target_pieces(target: Target) -> Pieces:
    """Who is being called; the bundled reference CPI says loudly that it is not a cloud."""
    if target.is_reference:
        return [("target ", "dim"), ("bundled reference CPI", "bold yellow"),
                (" (local simulation, not a cloud)", "yellow")]
    return [("target ", "dim"), (target.display, "bold")]


def target_line(target: Target) -> Text:
    return styled(*target_pieces(target))


def request_title(method: str, api_version: Any, stemcell_api_version: Any, negotiation: Any = None,
                  caller: str = "director", *, brief: bool = False) -> Pieces:
    """`→ create_vm   api_version 3 (negotiated: the CPI reports 3, the director prefers 3 → 3)   stemcell …`;
    the caller named when it is not the director, the default. `brief`: only "(negotiated)", for views where
    the rule was said before (a recipe's steps)."""
    version = "omitted" if api_version is None else str(api_version)
    stemcell = "not sent" if stemcell_api_version is None else str(stemcell_api_version)
    pieces: Pieces = [("→ ", "bold blue"), (method, "bold")]
    if caller != "director":
        pieces.append((f"   as {caller}", "bold"))
    if negotiation is not None and negotiation.refusal is not None:
        return pieces  # no versions: nothing was sent (the warning below says why)
    pieces.append((f"   api_version {version}", "dim"))
    if negotiation is not None and negotiation.how:
        pieces.append((" (negotiated)" if brief else f" (negotiated: {negotiation.how})", "dim"))
    pieces.append((f"   stemcell api_version {stemcell}", "dim"))
    return pieces


def request_table(method: str, arguments: list[Any]) -> Table | None:
    """Arguments by parameter name, as the catalogue names them."""
    if not arguments:
        return None
    spec = get_method(method)
    names = [p.name for p in spec.params] if spec else []
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1))
    table.add_column("parameter", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for position, value in enumerate(arguments):
        name = names[position] if position < len(names) else f"#{position} (extra)"
        table.add_row(name, value_renderable(value, depth=1))
    return table


def outcome_line(outcome: CallOutcome, mask: Callable[[str], str] = str) -> Pieces:
    status = outcome.status
    if outcome.journal_error and not outcome.failure and not any(
            v.severity == "error" for v in outcome.violations):
        return [("⚠ the CPI answered, but its cloud IDs could not be journalled (see below)", "bold red")]
    if status == "ok":
        return [("✔ ok", "bold green")]
    error = outcome.decoded.error if outcome.decoded else None
    if status == "cpi-error" and error is not None:
        retry = "ok_to_retry" if error.ok_to_retry else "not retriable"
        line: Pieces = [("✖ CPI error ", "bold red"), (mask(error.type), "bold"), (f"  ({retry})\n  ", "dim"),
                        mask(error.message)]
        reaction = caller_reaction(error.type, outcome.request.method)
        if reaction:
            line.append((f"\n  BOSH: {reaction}", "italic"))
        return line
    if outcome.failure and outcome.run is None and outcome.negotiation is not None:
        return [("⚠ not sent: ", "bold red"), outcome.failure]  # the caller refuses this CPI (its info)
    if outcome.failure:
        return [("⚠ CPI misbehaved: ", "bold red"), outcome.failure]
    return [("⚠ CPI misbehaved: the response breaks the contract", "bold red")]


def caller_reaction(type_name: str, method: str | None = None) -> str | None:
    """What the director and create-env do with this error type from this method (contract §4)."""
    from cpictl.protocol.errors import DIRECTOR_KNOWN_TYPES, lookup_error_type, reaction_on

    error_type = lookup_error_type(type_name)
    if error_type is not None and error_type.name == type_name:
        return reaction_on(error_type, method)
    if type_name not in DIRECTOR_KNOWN_TYPES:
        return f"the director reports \"Unknown CPI error '{type_name}'\""
    return None


def violations_table(violations: list[Violation]) -> Table | None:
    if not violations:
        return None
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, title="contract check", title_justify="left")
    table.add_column("severity", no_wrap=True)
    table.add_column("code", no_wrap=True)
    table.add_column("what it means", overflow="fold")
    for violation in violations:
        table.add_row(Text(violation.severity, style=SEVERITY_STYLE[violation.severity]), violation.code,
                      violation_text(violation))
    return table


def violation_text(violation: Violation) -> Text:
    """The message, the noise lines themselves (the first few, with a count), and what each caller does."""
    text = Text(visible_controls(violation.message))
    noise = violation.noise
    if noise is not None:
        for line in noise.lines[:NOISE_LINES_SHOWN]:
            text.append("\n│ ", style="dim").append(one_line(line), style="yellow")
        if noise.count > NOISE_LINES_SHOWN:
            text.append(f"\n│ … {noise.count - NOISE_LINES_SHOWN:,} more line(s) (-o json has the first "
                        f"{len(noise.lines):,})", style="dim")
    if violation.director == violation.create_env:  # one line for both, the verb in the plural
        reactions = [("both callers", violation.director, PLURAL[violation.director.does])]
    else:
        reactions = [("director", violation.director, violation.director.does),
                     ("create-env", violation.create_env, violation.create_env.does)]
    for caller, reaction, verb in reactions:
        text.append(f"\n{caller} ", style="dim").append(verb, style=REACTION_STYLE[reaction.does])
        text.append(f": {visible_controls(reaction.why)}", style="dim")
    return text


def cloud_ids_text(outcome: CallOutcome) -> Text | None:
    changes = outcome.changes
    if not (changes.created or changes.deleted or changes.attached or changes.detached):
        return None
    text = Text()
    for kind, cid in changes.created:
        text.append("+ created ", style="green").append(f"{kind} ", style="dim").append(
            displayed_id(cid) + "\n", style="bold")
    for kind, cid in changes.deleted:
        text.append("- deleted ", style="red").append(f"{kind} ", style="dim").append(
            displayed_id(cid) + "\n", style="bold")
    if changes.attached:
        vm, disk = map(displayed_id, changes.attached)
        text.append(f"⇄ attached disk {disk} to vm {vm}\n", style="cyan")
    if changes.detached:
        vm, disk = map(displayed_id, changes.detached)
        text.append(f"⇄ detached disk {disk} from vm {vm}\n", style="cyan")
    text.rstrip()
    return text


def _created_ids_on_one_line(result: Any, outcome: CallOutcome) -> Any:
    """The result with the cloud ID it created shown as `one_line` shows IDs everywhere: a newline or tab in the
    ID must not split its row of the result table (other strings keep their lines: a certificate reads better)."""
    created = {cid for _, cid in outcome.changes.created}
    if isinstance(result, list) and result and isinstance(result[0], str) and result[0] in created:
        return [displayed_id(result[0]), *result[1:]]
    return result


MAX_SHOWN_CHARS = 8_000  # a 50 MB log on one line must not take the terminal (or rich's layout) hostage
MAX_FULL_LOG_CHARS = 1_000_000  # --full-log: everything a terminal can take; -o json has every byte


def tail_text(text: str, limit: int | None, what: str, style: str = "", max_chars: int = MAX_SHOWN_CHARS, *,
              kept: str | None = None) -> Text:
    """The end of a text — at most `limit` lines and `max_chars` characters — saying what was left out.

    `kept` says that `text` is itself only the kept end of a longer text ("the CPI wrote … bytes of stderr; the
    last 1 MiB was kept"). Its lines are then not all the lines there were, so the note says which part of the
    kept end is shown instead of counting what was left out."""
    text = visible_controls(text)
    notes, shown = [], ""
    if limit is not None:
        # split only the end: splitting 50 MB into lines to keep 40 of them would cost more than the call
        lines = text[-(max_chars * 2):].splitlines()
        total = text.count("\n") + (0 if text.endswith("\n") else 1)
        if total > limit:
            notes.append(f"{total - limit} earlier line(s)")
            shown = f"its last {limit} lines"
            text = "\n".join(lines[-limit:])
    if len(text) > max_chars:
        notes.append(f"{len(text) - max_chars:,} earlier character(s)")
        shown = f"the last {max_chars:,} characters of {shown}" if shown else f"its last {max_chars:,} characters"
        text = text[-max_chars:]
    if kept is not None:
        shown = f"{shown} are shown" if shown else "all of it is shown"
        return Text.assemble((f"… {kept} and {shown} ({what})\n", "dim italic"), (text.rstrip("\n"), style))
    if notes:
        return Text.assemble((f"… {' and '.join(notes)} not shown ({what})\n", "dim italic"), (text, style))
    return Text(text.rstrip("\n"), style=style)


def footer(outcome: CallOutcome) -> Pieces:
    run = outcome.run
    parts: Pieces = [("request_id ", "dim"), outcome.request_id or "-"]
    if run is not None:
        exit_text = f"signal {run.signal}" if run.signal is not None else f"exit {run.exit_code}"
        parts += ["   ", (exit_text, "bold" if run.exit_code else ""), f"   {run.duration_s * 1000:.0f} ms"]
        if run.stderr_bytes > len(run.stderr_tail):
            parts += ["   ", (f"stderr {run.stderr_bytes:,} bytes in all (the last {len(run.stderr_tail):,} kept)",
                            "dim")]
    return parts


def _stemcell_api_version(context: Any) -> Any:
    """context.vm.stemcell.api_version, or None — also when a --raw document shaped any level otherwise."""
    vm = context.get("vm") if isinstance(context, dict) else None
    stemcell = vm.get("stemcell") if isinstance(vm, dict) else None
    return stemcell.get("api_version") if isinstance(stemcell, dict) else None


def render_call(outcome: CallOutcome, target: Target, *, full_log: bool = False, show_secrets: bool = False,
                in_sequence: bool = False, detail: Detail | None = None,
                redactor: Redactor | None = None) -> RenderableType:
    """The whole call as one renderable, secrets masked unless asked otherwise. `in_sequence`: one call of many
    under a heading that names the target (a recipe's steps, the REPL with its toolbar): the target line is left
    out and the negotiation rule, said by the first, is only named. `redactor`: one that already knows the
    secrets of other calls (a recipe run's), so a secret one step sent is hidden where a later step echoes it."""
    if detail is not None and detail.whole("log"):
        full_log = True
    redactor = redactor or Redactor()
    request = outcome.request.as_dict() if show_secrets else redactor.request(outcome.request.as_dict())
    mask = (lambda text: text) if show_secrets else redactor.text
    stemcell = _stemcell_api_version(outcome.request.context)
    method = outcome.request.method
    title = request_title(method, outcome.request.api_version, stemcell, outcome.negotiation, target.caller,
                          brief=in_sequence)
    parts: list[Pieces | RenderableType] = [title] if in_sequence else [target_pieces(target), title]
    shown = request.get("arguments")  # a --raw document may have none, or an object: -o json shows it as sent
    arguments = request_table(method, shown if isinstance(shown, list) else [])
    if arguments is not None:
        parts.append(arguments)
    parts.append(outcome_line(outcome, mask))
    table = violations_table(outcome.violations if show_secrets else redactor.violations(outcome.violations))
    if table is not None:
        parts.append(table)
    response = outcome.response
    # a result that is the ID it created (create_disk, a v1 create_vm) is said once, in the cloud IDs panel
    result_is_id = (response is not None and response.get("error") is None and isinstance(response["result"], str)
                    and response["result"] in {cid for _, cid in outcome.changes.created})
    if response is not None and response.get("error") is None and not result_is_id:
        result = response["result"] if show_secrets else redactor.result(outcome.request.method, response["result"])
        parts.append([("result", "bold underline")])
        # a flat result stays text, so it merges with its neighbours
        parts.append(indented_value(_created_ids_on_one_line(result, outcome)))
    ids = cloud_ids_text(outcome)
    if ids is not None:
        parts.append(Panel(ids, title="result · cloud IDs" if result_is_id else "cloud IDs", title_align="left",
                           expand=False, border_style="green"))
    if outcome.journal_error:
        parts.append(Panel(Text(outcome.journal_error, style="bold red"), title="journal", title_align="left",
                           border_style="red"))
    log = response.get("log") if response else None
    stderr_text = outcome.run.stderr_tail.decode("utf-8", errors="replace") if outcome.run is not None else ""
    log_in_stderr = not full_log and isinstance(log, str) and _log_among(log, stderr_text)
    if isinstance(log, str) and log.strip() and not log_in_stderr:
        shown_log = (tail_text(mask(log), None, "-o json has all of it", max_chars=MAX_FULL_LOG_CHARS) if full_log
                     else tail_text(mask(log), LOG_LINES, "--full-log shows more"))
        parts.append(Panel(shown_log, title="log", title_align="left", border_style="dim"))
    if outcome.run is not None and outcome.run.stderr_tail.strip():
        run, kept_bytes = outcome.run, len(outcome.run.stderr_tail)
        stderr = run.stderr_tail.decode("utf-8", errors="replace")
        if run.stderr_bytes > kept_bytes:  # only the tail was kept: how many lines the CPI wrote is not known
            size = f"{kept_bytes >> 20} MiB" if kept_bytes % (1 << 20) == 0 else f"{kept_bytes:,} bytes"
            kept = (f"the CPI wrote {run.stderr_bytes:,} bytes of stderr; the last {size} "
                    f"{'was' if size.endswith('MiB') else 'were'} kept")
            shown_stderr = tail_text(mask(stderr), STDERR_LINES, f"-o json has the kept {size}", "dim", kept=kept)
        else:
            shown_stderr = tail_text(mask(stderr), STDERR_LINES, "-o json has all of it", "dim")
        title = "stderr (tail) · the log's lines are among these" if log_in_stderr else "stderr (tail)"
        parts.append(Panel(shown_stderr, title=title, title_align="left", border_style="dim"))
    parts.append(footer(outcome))
    return _merge_text(parts)


def _log_among(log: str, stderr: str) -> bool:
    """Whether every line of the response's `log` stands in the stderr lines the view shows: a Ruby CPI's logger
    writes each message to both (stderr with a time stamp and level before it), and the view then shows them once,
    in the stderr panel, whose title says so. `--full-log` shows the log whatever."""
    wanted = [line.strip() for line in log.splitlines() if line.strip()]
    shown = stderr.splitlines()[-STDERR_LINES:]
    return bool(wanted) and len(wanted) <= len(shown) and all(any(line in row for row in shown) for line in wanted)


def _merge_text(parts: list[Pieces | RenderableType]) -> RenderableType:
    """Runs of text (pieces or Text) become one Text: rich lays out one renderable far faster than many, and this
    view is on the path of every call (see `make bench`)."""
    merged: list[RenderableType] = []
    run: list[Pieces | Text] = []
    for part in parts:
        if isinstance(part, (list, Text)):
            run.append(part)
            continue
        if run:
            merged.append(FittedText(_one_text(run)))
            run = []
        merged.append(part)
    if run:
        merged.append(FittedText(_one_text(run)))
    return merged[0] if len(merged) == 1 else Group(*merged)


def _one_text(run: list[Pieces | Text]) -> Text:
    """The lines of a run as one Text; all pieces (the common case) make it in one go."""
    if any(isinstance(line, Text) for line in run):
        return joined_lines([line if isinstance(line, Text) else styled(*line) for line in run])
    pieces: Pieces = []
    for line in run:
        if isinstance(line, list):  # all are, as checked above
            pieces += ["\n", *line] if pieces else line
    return styled(*pieces)
