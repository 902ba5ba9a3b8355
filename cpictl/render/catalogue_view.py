"""`cpictl methods` and `cpictl describe`: the catalogue as tables, with an example request per method."""

from __future__ import annotations

import json
import re
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from cpictl.protocol.catalogue import METHODS, MethodSpec
from cpictl.protocol.codec import Request, build_context, encode_request
from cpictl.protocol.errors import lookup_error_type, reaction_on
from cpictl.render.fit import COLUMN_GAP, ByWidth, fold_at_breaks, widest


def methods_table() -> RenderableType:
    """Every method with its parameters (one per line) and results, laid out for the width it is shown at."""
    return ByWidth(_methods_at)


RESULT_MIN = 24  # below this a result column folds its words mid-way: show v1 and v2/v3 in one column instead
METHOD_MAX, PARAMS_MAX = 20, 26  # the narrow table's method and parameter columns (longer names fold at `_`)


def _methods_at(width: int) -> RenderableType:
    """Wide: a column per result (v1, v2/v3). Narrow (80 columns): one result column that names the versions
    only where they differ, the method folded at `_` and long parameter labels wrapped at their space. Narrower
    still, where even one result column of RESULT_MIN would not fit: a block per method (`_methods_stacked`)."""
    rows = [(spec, [_param_label(p.name, p.type_label, p.required, p.since_api) for p in spec.params])
            for spec in METHODS.values()]
    method_w = widest((spec.name for spec, _ in rows), len("method"))
    params_w = widest((label for _, labels in rows for label in labels), len("parameters"))
    wide = width - method_w - params_w - 3 * COLUMN_GAP >= 2 * RESULT_MIN
    if not wide:
        method_w, params_w = min(method_w, METHOD_MAX), min(params_w, PARAMS_MAX)
        if width - method_w - params_w - 2 * COLUMN_GAP < RESULT_MIN:
            return _methods_stacked(rows, width)
    table = Table(box=box.SIMPLE_HEAD, title="CPI methods", title_justify="left", show_edge=False, pad_edge=False,
                  padding=(0, 1), leading=1)
    table.add_column("method", width=method_w, overflow="fold")
    table.add_column("parameters", width=params_w, overflow="fold")
    if wide:
        table.add_column("result v1", overflow="fold", ratio=1)
        table.add_column("result v2/v3", overflow="fold", ratio=1)
    else:
        table.add_column("result", overflow="fold", min_width=RESULT_MIN)
    for spec, labels in rows:
        name = Text(fold_at_breaks(spec.name, method_w), style=_name_style(spec))
        params = "\n".join(labels) or "—"
        v1, v2 = spec.result_v1.describe(), _result_v2(spec)
        if wide:
            table.add_row(name, params, v1, v2)
        elif v1 == v2:
            table.add_row(name, params, v1)
        else:
            table.add_row(name, params, Text.assemble(("v1: ", "dim"), v1, ("\nv2/v3: ", "dim"), v2))
    return table


def _name_style(spec: MethodSpec) -> str:
    return "dim" if spec.deprecated else "bold"


STACKED_INDENT = 2
RESULT_ROOM = 16  # a result's continuation lines hang under its first word when that leaves this many cells


def _methods_stacked(rows: list[tuple[MethodSpec, list[str]]], width: int) -> Text:
    """A block per method: its name (whole; folded at `_` only if wider than the screen) and its parameters
    packed after it, two blanks apart, then `→ v1: …` and `→ v2/v3: …` (one `→ …` where they agree). Nothing is
    dropped and a parameter label or a result word moves to the next line whole rather than splitting."""
    text = Text("CPI methods", style="italic")
    for spec, labels in rows:
        text.append("\n\n")
        name = fold_at_breaks(spec.name, width)
        text.append(name, style=_name_style(spec))
        column = cell_len(name.splitlines()[-1])
        for label in labels or ["—"]:
            column = _place(text, label, column, width, STACKED_INDENT, gap=2)
        v1, v2 = spec.result_v1.describe(), _result_v2(spec)
        for version, result in [("", v1)] if v1 == v2 else [("v1: ", v1), ("v2/v3: ", v2)]:
            text.append("\n" + " " * STACKED_INDENT + "→ ", style="dim")
            text.append(version, style="dim")
            column = STACKED_INDENT + 2 + len(version)
            indent = column if width - column >= RESULT_ROOM else STACKED_INDENT + 2
            for position, word in enumerate(result.split(" ")):
                column = _place(text, word, column, width, indent, gap=1 if position else 0)
    return text


def _place(text: Text, piece: str, column: int, width: int, indent: int, gap: int) -> int:
    """Append `piece` `gap` blanks after the current line's `column` cells if it fits there, else on new lines
    `indent` cells in (folded at `_`, `-`, `/`, `.` or a space only if wider than such a line); the new column."""
    if column + gap + cell_len(piece) <= width:
        text.append(" " * gap + piece)
        return column + gap + cell_len(piece)
    lines = fold_at_breaks(piece, max(width - indent, 1)).split("\n")
    for line in lines:
        text.append("\n" + " " * indent + line)
    return indent + cell_len(lines[-1])


def _param_label(name: str, type_label: str, required: bool, since_api: int) -> str:
    label = f"{name}: {type_label}"
    if since_api > 1:
        label += f" (v{since_api}+)"
    return label if required else f"[{label}]"


def methods_document() -> list[dict[str, Any]]:
    """`cpictl methods -o json`: every method with its named parameters and results."""
    return [{
        "name": spec.name,
        "summary": spec.summary,
        "parameters": [{"name": p.name, "type": p.type, "kind": str(p.kind) if p.kind else None,
                        "required": p.required, "since_api_version": p.since_api, "help": p.help,
                        "example": p.example} for p in spec.params],
        "result": {"v1": spec.result_v1.describe(), "v2": _result_v2(spec)},
        "creates": str(spec.creates.kind) if spec.creates else None,
        "deletes": str(spec.deletes) if spec.deletes else None,
        "stemcell_api_version_in_context": spec.stemcell_context,
        "deprecated": spec.deprecated,
        "errors": [_error_document(name, spec.name) for name in spec.errors],
    } for spec in METHODS.values()]


def _error_document(name: str, method: str | None = None) -> dict[str, Any]:
    error_type = lookup_error_type(name)
    if error_type is None:
        return {"type": name}
    return {"type": error_type.name, "meaning": error_type.meaning, "callers": reaction_on(error_type, method),
            "ok_to_retry": error_type.retriable}


def example_request(spec: MethodSpec, api_version: int = 2) -> str:
    """The request as the director sends it; `info` goes without api_version, as the director negotiates."""
    arguments = [p.example for p in spec.params_for(api_version)]
    context = build_context("6f1c2d3e-director-uuid", "cpi-482913", spec.name, 2)
    sent_version = None if spec.name == "info" else api_version
    return encode_request(Request(spec.name, arguments, context, sent_version)).decode()


def _result_v2(spec: MethodSpec) -> str:
    """A legacy method is not part of api_version 2 or 3: saying a result shape there would mislead."""
    return "— (not part of api_version 2 and 3)" if spec.deprecated else spec.result_v2.describe()


def describe_method(spec: MethodSpec) -> RenderableType:
    params = Table(box=box.SIMPLE_HEAD, title="parameters (positional)", title_justify="left", show_edge=False)
    for column in ("#", "name", "type", "help", "example"):
        params.add_column(column, overflow="fold", no_wrap=column in ("#", "name"))
    for position, p in enumerate(spec.params):
        help_text = p.help + ("" if p.required else f" (default {json.dumps(p.default)})")
        if p.since_api > 1:
            help_text += f" — only at api_version ≥ {p.since_api}"
        params.add_row(str(position), p.name, p.type_label, help_text, json.dumps(p.example))
    results = Table(box=box.SIMPLE_HEAD, title="result", title_justify="left", show_edge=False)
    results.add_column("api_version")
    results.add_column("shape", overflow="fold")
    results.add_row("1", spec.result_v1.describe())
    results.add_row("2, 3", _result_v2(spec))
    parts: list[RenderableType] = [Text.assemble((spec.name, "bold"), "  ", spec.summary)]
    if spec.deprecated:
        parts.append(Text("legacy: today's director does not call it", style="yellow"))
    parts += [params if spec.params else Text("no parameters", style="dim"), results]
    facts = []
    if spec.creates:
        facts.append(f"creates a {spec.creates.kind} cloud ID")
    if spec.deletes:
        facts.append(f"deletes the {spec.deletes} in argument 0")
    if spec.stemcell_context:
        facts.append("the director sends context.vm.stemcell.api_version")
    if facts:
        parts.append(Text("; ".join(facts), style="cyan"))
    if spec.notes:
        parts.append(Text(spec.notes, style="italic"))
    if spec.errors:
        errors = Table(box=box.SIMPLE_HEAD, title="typical errors", title_justify="left", show_edge=False)
        errors.add_column("type", no_wrap=True)
        errors.add_column("how callers treat it", overflow="fold")
        for name in spec.errors:
            error_type = lookup_error_type(name)
            errors.add_row(error_type.name if error_type else name,
                           reaction_on(error_type, spec.name) if error_type else "")
        parts.append(errors)
    parts.append(Text("example request (stdin):", style="bold"))
    return Group(*parts)


def describe_example(spec: MethodSpec) -> RenderableType:
    """The example request alone, on as many lines as the width needs (`json_lines`): each line fits, so no
    terminal wraps one mid-word, and a copy of all of them is still the request's JSON. The caller prints it with
    soft wrapping: a string longer than a whole line stays whole (the terminal may wrap it; rich would cut it)."""
    text = example_request(spec)
    return ByWidth(lambda width: Syntax("\n".join(json_lines(text, width)), "json", word_wrap=False,
                                        background_color="default"))


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^"{}\[\],:\s]+')
CONTINUATION = "  "


def json_lines(compact: str, width: int) -> list[str]:
    """Compact JSON on lines of at most `width` cells, broken only between tokens — after a `,`; where a run of
    tokens up to one is longer than a line, also after `{` or `[`, then after a key's `:` — never inside a string,
    where a line break would make the JSON invalid. Continuation lines are indented (JSON whitespace). One line
    when it fits."""
    if cell_len(compact) <= width:
        return [compact]
    room = max(width - len(CONTINUATION), 1)
    lines = [""]
    for piece in _pieces(_JSON_TOKEN.findall(compact), 0, room):
        if lines[-1].strip() and cell_len(lines[-1]) + cell_len(piece) > width:
            lines.append(CONTINUATION)
        lines[-1] += piece
    return lines


_BREAK_AFTER = ({","}, {"{", "["}, {":"})  # where a line may end, the preferred first


def _pieces(tokens: list[str], level: int, room: int) -> list[str]:
    """The runs of tokens that end where a line may end at `level`; a run longer than `room` is split at the
    next level."""
    runs: list[list[str]] = [[]]
    for token in tokens:
        runs[-1].append(token)
        if token in _BREAK_AFTER[level]:
            runs.append([])
    pieces: list[str] = []
    for run in filter(None, runs):
        text = "".join(run)
        deeper = level + 1 < len(_BREAK_AFTER) and cell_len(text) > room
        pieces += _pieces(run, level + 1, room) if deeper else [text]
    return pieces
