"""The table view of one call: request, outcome, violations, result, cloud IDs, log, stderr, exit and timing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cpictl.protocol.catalogue import get_method
from cpictl.protocol.redaction import Redactor
from cpictl.protocol.violations import Violation
from cpictl.render.call_line import masked_call_line
from cpictl.render.console import FittedText, IndentedText
from cpictl.render.detail import NORMAL, Detail
from cpictl.render.terminal_text import displayed_id, one_line, visible_controls
from cpictl.render.values import (
    Pieces,
    flat_mapping_pieces,
    flow_pieces,
    inline_pieces,
    is_flat,
    is_inline,
    joined_lines,
    styled,
    value_renderable,
)
from cpictl.session import CallOutcome, Target

#: How far back in stderr the log's lines are looked for, to say both once (a Ruby CPI's logger writes to both).
SAME_LINES = 200
#: Lines of the log and of stderr the default view shows; `--print log`/`-v` show them whole.
LOG_LINES_SHOWN = 8
STDERR_LINES_SHOWN = 6
PART_CHARS_SHOWN = 800  # ten rows at 80 columns: a log on one 50 MB line is cut by characters too
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
    # no header row: the method's title line above says what these are, and two lines less fit one screen
    table = Table(box=None, show_header=False, show_edge=False, padding=(0, 1))
    table.add_column("parameter", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for position, value in enumerate(arguments):
        name = names[position] if position < len(names) else f"#{position} (extra)"
        # containers in flow style: a networks mapping takes two rows instead of seven (`-v` shows the request)
        table.add_row(name, styled(*flow_pieces(value)) if isinstance(value, (dict, list)) and value
                      else value_renderable(value, depth=1))
    return table


def outcome_line(outcome: CallOutcome, mask: Callable[[str], str] = str, facts: Pieces | None = None) -> RenderableType:
    """The verdict on one line with `facts` (duration, exit, request_id) after it; a CPI error's message and what
    BOSH does with it beneath, indented as one block."""
    first, rest = _outcome_parts(outcome, mask)
    head = styled(*first, *(facts or []))
    if not rest:
        return head
    return Group(head, Padding(styled(*rest), (0, 0, 0, 2)))


def _outcome_parts(outcome: CallOutcome, mask: Callable[[str], str]) -> tuple[Pieces, Pieces]:
    status = outcome.status
    if outcome.journal_error and not outcome.failure and not any(
            v.severity == "error" for v in outcome.violations):
        return [("⚠ the CPI answered, but its cloud IDs could not be journalled (see below)", "bold red")], []
    if status == "ok":
        return [("✔ ok", "bold green")], []
    error = outcome.decoded.error if outcome.decoded else None
    if status == "cpi-error" and error is not None:
        retry = "ok_to_retry" if error.ok_to_retry else "not retriable"
        rest: Pieces = [mask(error.message)]
        reaction = caller_reaction(error.type, outcome.request.method)
        if reaction:
            rest.append((f"\nBOSH: {reaction}", "italic"))
        return [("✖ CPI error ", "bold red"), (mask(error.type), "bold"), (f"  ({retry})", "dim")], rest
    if outcome.failure and outcome.run is None and outcome.negotiation is not None:
        return [("⚠ not sent: ", "bold red"), outcome.failure], []  # the caller refuses this CPI (its info)
    if outcome.failure:
        return [("⚠ CPI misbehaved: ", "bold red"), outcome.failure], []
    return [("⚠ CPI misbehaved: the response breaks the contract", "bold red")], []


def caller_reaction(type_name: str, method: str | None = None) -> str | None:
    """What the director and create-env do with this error type from this method (contract §4)."""
    from cpictl.protocol.errors import DIRECTOR_KNOWN_TYPES, lookup_error_type, reaction_on

    error_type = lookup_error_type(type_name)
    if error_type is not None and error_type.name == type_name:
        return reaction_on(error_type, method)
    if type_name not in DIRECTOR_KNOWN_TYPES:
        return f"the director reports \"Unknown CPI error '{type_name}'\""
    return None


def verdicts_grid(violations: list[Violation]) -> Table | None:
    """The contract check's verdicts: a mark, then the code, the message and what each caller does, wrapping under
    the code (a three-column table left the message a third of the width and tripled its lines)."""
    if not violations:
        return None
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column(overflow="fold")
    for violation in violations:
        mark = "✖" if violation.severity == "error" else "⚠"
        text = Text.assemble((violation.code, f"bold {SEVERITY_STYLE[violation.severity]}"), " ")
        grid.add_row(Text(mark, style=SEVERITY_STYLE[violation.severity]), text.append_text(violation_text(violation)))
    return grid


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
    """How the process went, on the verdict's line: duration, a non-zero exit or a signal, the request_id."""
    run = outcome.run
    parts: Pieces = []
    if run is not None:
        parts.append((f"   {run.duration_s * 1000:.0f} ms", "dim"))
        if run.signal is not None or run.exit_code:
            exit_text = f"signal {run.signal}" if run.signal is not None else f"exit {run.exit_code}"
            parts += [("   ", ""), (exit_text, "bold")]
    if outcome.request_id:
        parts.append((f"   {outcome.request_id}", "dim"))
    return parts


def _stemcell_api_version(context: Any) -> Any:
    """context.vm.stemcell.api_version, or None — also when a --raw document shaped any level otherwise."""
    vm = context.get("vm") if isinstance(context, dict) else None
    stemcell = vm.get("stemcell") if isinstance(vm, dict) else None
    return stemcell.get("api_version") if isinstance(stemcell, dict) else None


def render_call(outcome: CallOutcome, target: Target, *, full_log: bool = False, show_secrets: bool = False,
                in_sequence: bool = False, detail: Detail | None = None,
                redactor: Redactor | None = None) -> RenderableType:
    """The whole call as one renderable, secrets masked unless asked otherwise, at the `detail` asked for (the
    default: what fits one screen). `in_sequence`: one call of many under a heading that names the target (a
    recipe's steps, the REPL with its toolbar): the target line is left out and the negotiation rule, said by the
    first, is only named. `full_log` is the older `--full-log`: the log whole. `redactor`: one that already knows
    the secrets of other calls (a recipe run's), so a secret one step sent is hidden where a later step echoes it."""
    detail = detail or NORMAL
    if full_log and not detail.whole("log"):
        detail = Detail(detail.level, detail.chosen, detail.uncut | {"log"})
    if detail.quiet:
        return masked_call_line(outcome, show_secrets=show_secrets)
    view = _CallView(outcome, target, detail, show_secrets, redactor)
    parts = view.parts(in_sequence)
    return _merge_text(parts) if parts else Text("")


class _CallView:
    """The parts of one call's view, each shown whole or cut as the detail asks."""

    def __init__(self, outcome: CallOutcome, target: Target, detail: Detail, show_secrets: bool,
                 redactor: Redactor | None = None) -> None:
        self.outcome, self.target, self.detail, self.show_secrets = outcome, target, detail, show_secrets
        self.redactor = redactor or Redactor()
        self.mask: Callable[[str], str] = (lambda text: text) if show_secrets else self.redactor.text
        self.request = outcome.request.as_dict() if show_secrets else self.redactor.request(
            outcome.request.as_dict())
        self.picked = detail.chosen is not None  # --print: only the parts named, with a heading when several

    def parts(self, in_sequence: bool) -> list[Pieces | RenderableType]:
        outcome, detail = self.outcome, self.detail
        parts: list[Pieces | RenderableType] = []
        if not self.picked:
            title = request_title(outcome.request.method, outcome.request.api_version,
                                  _stemcell_api_version(outcome.request.context), outcome.negotiation,
                                  self.target.caller, brief=in_sequence)
            parts += [title] if in_sequence else [target_pieces(self.target), title]
        sections: list[tuple[str, list[Pieces | RenderableType]]] = []
        if detail.shows("request"):
            sections.append(("request", self.request_part()))
        if detail.shows("arguments") and not (detail.verbose and not self.picked):
            sections.append(("arguments", self.arguments_part()))  # -v shows them once, in the request
        if not self.picked:
            sections.append(("", [outcome_line(outcome, self.mask, footer(outcome))]))
        if detail.shows("checks"):
            sections.append(("checks", self.checks_part()))
        if detail.shows("result"):
            sections.append(("result", self.result_part()))
        if detail.shows("ids"):
            sections.append(("ids", self.ids_part()))
        if outcome.journal_error:
            sections.append(("", [Panel(Text(outcome.journal_error, style="bold red"), title="journal",
                                        title_align="left", border_style="red")]))
        sections += self.log_and_stderr_parts()
        headed = self.picked and sum(1 for name, shown in sections if name and shown) > 1
        for name, shown in sections:
            if headed and shown and name:
                parts.append([(name, "bold underline")])
            parts += shown
        return parts

    # -- each part ---------------------------------------------------------------------------------------------------

    def request_part(self) -> list[Pieces | RenderableType]:
        """The request as sent (masked; compact, as cpictl writes it on the CPI's stdin), and the process it went
        to: argv, cwd, environment."""
        from cpictl.protocol.strict_json import strict_dumps

        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row("stdin", Text(visible_controls(strict_dumps(self.request, separators=(",", ":")))))
        for label, value in _process_rows(self.target, self.show_secrets):
            grid.add_row(label, value)
        return [grid]

    def arguments_part(self) -> list[Pieces | RenderableType]:
        shown = self.request.get("arguments")  # a --raw document may have none, or an object
        table = request_table(self.outcome.request.method, shown if isinstance(shown, list) else [])
        return [table] if table is not None else []

    def checks_part(self) -> list[Pieces | RenderableType]:
        violations = self.outcome.violations
        table = verdicts_grid(violations if self.show_secrets else self.redactor.violations(violations))
        return [table] if table is not None else []

    def result_is_id(self) -> bool:
        """A result that is the ID the call created (create_disk, a v1 create_vm) is said once, with the IDs."""
        response = self.outcome.response
        return (response is not None and response.get("error") is None and isinstance(response["result"], str)
                and response["result"] in {cid for _, cid in self.outcome.changes.created})

    def result_part(self) -> list[Pieces | RenderableType]:
        response = self.outcome.response
        if response is None:
            return []
        if response.get("error") is not None:
            # the default view said the error on the verdict's line; picked alone, it is what came back
            return [outcome_line(self.outcome, self.mask)] if self.picked else []
        if self.result_is_id() and self.detail.shows("ids"):
            return []
        result = response["result"] if self.show_secrets else self.redactor.result(self.outcome.request.method,
                                                                                 response["result"])
        shown = _created_ids_on_one_line(result, self.outcome)
        if not self.picked and not self.detail.verbose:
            compact = _compact_result(shown, self.outcome.request.method, self.request.get("arguments"),
                                      {displayed_id(cid): str(kind) for kind, cid in self.outcome.changes.created}
                                      if self.detail.shows("ids") else {})
            if compact is not None:
                return compact
        if is_inline(shown) and self.picked:
            return [inline_pieces(shown)]
        if self.picked:
            return [value_renderable(shown, depth=1)]
        if is_inline(shown):  # a short result stays on one line with its label
            return [[("result ", "bold"), *inline_pieces(shown)]]
        if isinstance(shown, dict) and shown and is_flat(shown):  # text, merged with its neighbours: cheap to lay out
            return [[("result", "bold")], flat_mapping_pieces(shown, 2)]
        return [[("result", "bold")], Padding(value_renderable(shown, depth=1), (0, 0, 0, 2))]

    def ids_part(self) -> list[Pieces | RenderableType]:
        ids = cloud_ids_text(self.outcome)
        if ids is None:
            return []
        if self.result_is_id() and not self.picked:
            ids.append("  (the result)", style="dim")
        return [ids]

    def log_and_stderr_parts(self) -> list[tuple[str, list[Pieces | RenderableType]]]:
        """The log once. A Ruby CPI's logger writes each line to both the log and stderr (with a time stamp): the
        log is shown and stderr only named. Stderr shows on its own when it says something the log does not, or
        the call failed; cut to a few lines unless the part is asked for whole."""
        outcome, detail = self.outcome, self.detail
        response = outcome.response
        log = response.get("log") if response else None
        log = log if isinstance(log, str) else ""
        run = outcome.run
        stderr = run.stderr_tail.decode("utf-8", errors="replace") if run is not None else ""
        same = bool(log.strip()) and _log_among(log, stderr)
        failed = outcome.status != "ok"
        both = self.picked or detail.verbose or not same
        # said once when they say the same: the log's plain words, or after a failure stderr's stamped lines
        show_log = detail.shows("log") and bool(log.strip()) and (both or not failed)
        show_stderr = detail.shows("stderr") and bool(stderr.strip()) and (both or failed)
        sections: list[tuple[str, list[Pieces | RenderableType]]] = []
        if show_log:
            note = " · stderr has them too, time-stamped" if same and not show_stderr else ""
            sections.append(("log", self.text_part("log", log, LOG_LINES_SHOWN, detail.whole("log"), note)))
        if show_stderr:
            note = " · the log's lines are among these" if same and not show_log else ""
            sections.append(("stderr", self.stderr_part(stderr, detail.whole("stderr"), note)))
        return sections

    def text_part(self, name: str, text: str, limit: int, whole: bool, note: str = "",
                  style: str = "") -> list[Pieces | RenderableType]:
        """`name (N lines)` and the lines, the last `limit` unless whole, with how to see the rest."""
        text = self.mask(text).replace("\r\n", "\n").rstrip("\n")  # a CRLF is a line break, not a CR to show
        lines = text.count("\n") + 1
        if whole:
            body = tail_text(text, None, "-o json has all of it", style, max_chars=MAX_FULL_LOG_CHARS)
        elif lines > limit:  # the end of a log says most (how the call ended); the rest is one flag away
            # split only the end: splitting 50 MB into lines to keep a few would cost more than the call
            shown = "\n".join(text[-(MAX_SHOWN_CHARS * 2):].splitlines()[-limit:])
            body = Text.assemble((f"… {lines - limit:,} more lines: --print {name}\n", "dim italic"),
                                 tail_text(shown, None, f"--print {name}", style, max_chars=PART_CHARS_SHOWN))
        else:
            body = tail_text(text, None, f"--print {name}", style, max_chars=PART_CHARS_SHOWN)
        heading: Pieces = [(name, "bold"), (f" · {lines} line{'' if lines == 1 else 's'}{note}", "dim")]
        if self.picked:
            return [body]
        return [heading, IndentedText(body)]

    def stderr_part(self, stderr: str, whole: bool, note: str = "") -> list[Pieces | RenderableType]:
        run = self.outcome.run
        assert run is not None
        kept_bytes = len(run.stderr_tail)
        if run.stderr_bytes > kept_bytes:  # only the tail was kept: how many lines the CPI wrote is not known
            size = f"{kept_bytes >> 20} MiB" if kept_bytes % (1 << 20) == 0 else f"{kept_bytes:,} bytes"
            kept = (f"the CPI wrote {run.stderr_bytes:,} bytes of stderr; the last {size} "
                    f"{'was' if size.endswith('MiB') else 'were'} kept")
            body = tail_text(self.mask(stderr), None if whole else STDERR_LINES_SHOWN,
                             f"-o json has the kept {size}", "dim",
                             max_chars=MAX_FULL_LOG_CHARS if whole else PART_CHARS_SHOWN, kept=kept)
            if self.picked:
                return [body]
            return [[("stderr", "bold")], IndentedText(body)]
        return self.text_part("stderr", stderr, STDERR_LINES_SHOWN, whole, note, style="dim")


def _compact_result(result: Any, method: str, arguments: Any,
                    created: dict[str, str]) -> list[Pieces | RenderableType] | None:
    """A list result as `[i] value` rows, containers in flow style; create_vm's networks said against the networks
    it was asked for (a v2 CPI echoes them back, adding what it chose: a MAC, a dynamic IP). None: the usual view."""
    if not isinstance(result, list) or not result or len(result) > 20:
        return None
    grid = Table.grid(padding=(0, 2), pad_edge=False)
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")
    asked = arguments[3] if method == "create_vm" and isinstance(arguments, list) and len(arguments) > 3 else None
    for position, item in enumerate(result):
        if position == 1 and isinstance(asked, dict) and isinstance(item, dict) and set(item) == set(asked):
            added = {name: {key: value for key, value in network.items()
                            if not isinstance(asked[name], dict) or asked[name].get(key) != value}
                     for name, network in item.items() if isinstance(network, dict)}
            added = {name: keys for name, keys in added.items() if keys}
            pieces: Pieces = [("the networks as asked", "dim")]
            if added:
                pieces += [(", and ", "dim"), *flow_pieces(added)]
        elif isinstance(item, str) and item in created:
            pieces = [(f"the new {created[item]} ID (below)", "dim")]
        else:
            pieces = flow_pieces(item) if isinstance(item, (dict, list)) else inline_pieces(item)
        grid.add_row(f"[{position}]", styled(*pieces))
    return [[("result", "bold")], Padding(grid, (0, 0, 0, 2))]


def _process_rows(target: Target, show_secrets: bool) -> list[tuple[str, Text]]:
    """argv, cwd and the environment the CPI runs with (secrets masked), for `-v`/`--print request`."""
    argv = getattr(target, "argv", None)
    if not argv:
        return []
    import shlex

    rows = [("argv", Text(visible_controls(shlex.join(argv))))]
    if getattr(target, "cwd", None):
        rows.append(("cwd", Text(visible_controls(str(target.cwd)))))
    env = target.child_environment()
    if not show_secrets:
        from cpictl.targets.secrets import mask_env

        env = mask_env(env, target.secrets)
    lines = Text(f"({target.env_mode})", style="dim")
    for name in sorted(env):
        lines.append(f"\n{name}=", style="dim").append(visible_controls(env[name]))
    rows.append(("env", lines))
    return rows


def _log_among(log: str, stderr: str) -> bool:
    """Whether every line of the response's `log` stands in stderr's last `SAME_LINES` lines: a Ruby CPI's logger
    writes each message to both (stderr with a time stamp and level before it), and the view then says them once
    (`log_and_stderr_parts`)."""
    if log.count("\n") > SAME_LINES:  # more lines than are looked through: not split at all
        return False
    wanted = [line.strip() for line in log.splitlines() if line.strip()]
    shown = stderr[-(SAME_LINES * 1000):].splitlines()[-SAME_LINES:]
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
