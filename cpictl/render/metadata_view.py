"""Agent settings as rich renderables: the version matrix, expected settings, what a CPI wrote beside what it
should have written (with its mistakes), and the panel after a settings-changing call.

Secrets are masked by `Redactor.agent_settings` unless `show_secrets`; placeholders (`<chosen by the CPI: …>`)
are shown dim, as what they are: not a value cpictl expects, but a slot any value fills. Every text a CPI chose
(keys, network names, disk CIDs, the VM CID, mistake messages that quote them) goes through `visible_controls`
before layout, as `cpi_text`, and never into a cell as a plain string, which rich would read as markup.

Longer than most modules on purpose: the views share one field model (`FIELDS`, `field_value` and the value
texts), and the panel, the comparison and the expected view must show a field the same way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from cpictl.protocol.redaction import Redactor
from cpictl.protocol.settings_check import UNKNOWN_PREFIX, ExpectedSettings, SettingsMistake, is_placeholder
from cpictl.render.fit import ByWidth, FirstThatFits
from cpictl.render.terminal_text import one_line, visible_controls
from cpictl.render.values import inline_text, value_renderable

if TYPE_CHECKING:
    from cpictl.metadata import SettingsReport
    from cpictl.session import CallOutcome, Target
    from cpictl.store import CloudIdStore

MISSING: Any = object()
FIELDS = ("agent_id", "vm.name", "networks", "disks.system", "disks.ephemeral", "disks.persistent", "env.bosh",
          "env (other keys)", "mbus", "ntp", "blobstore")
PLACEMENT_LABEL = {"user-metadata": "full settings in user-metadata (registry-less)",
                   "registry": "registry entry + bootstrap user-metadata"}


def cpi_text(value: Any, style: str = "") -> Text:
    """Text a CPI chose, its terminal controls made visible (`\\x1b`), never read as markup."""
    return Text(visible_controls(str(value)), style=style)


def _yes_no(value: bool) -> Text:
    return Text("yes", style="bold") if value else Text("no", style="dim")


MATRIX_TITLE = "where a CPI writes agent settings, by director, CPI and stemcell api_version"
MATRIX_COLUMNS = ("director", "CPI", "stemcell", "update registry", "full settings in user-metadata")


def render_matrix(rows: Sequence[dict[str, Any]]) -> RenderableType:
    """The eight director/CPI/stemcell rows of contract §5.6: a table where its headers fit on one line (80
    columns and wider), else a block per row (`label: value` lines), so no header is ever cut."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, title=MATRIX_TITLE, title_justify="left")
    for column in MATRIX_COLUMNS:
        table.add_column(column, justify="center", no_wrap=True)
    cells = [(str(row["director"]), str(row["cpi"]), str(row["stemcell"]), _yes_no(row["registry"]),
              _yes_no(row["full_settings_in_metadata"])) for row in rows]
    for row_cells in cells:
        table.add_row(*row_cells)
    note = Text("The CPI decides per call: request api_version ≥ 2 and context.vm.stemcell.api_version ≥ 2 ⇒ "
                "registry-less. Contract version = min(director, CPI).", style="dim")
    return Group(FirstThatFits(table, ByWidth(lambda width: _matrix_stacked(cells, width))), note)


def _matrix_stacked(cells: Sequence[tuple[str, str, str, Text, Text]], width: int) -> Text:
    """Per row: `director: 1  CPI: 2  stemcell: 1` (a pair moves to the next line whole when the line is full),
    then `update registry: …` and `full settings in user-metadata: …` indented beneath."""
    text = Text(MATRIX_TITLE, style="italic")
    versions, answers = MATRIX_COLUMNS[:3], MATRIX_COLUMNS[3:]
    for director, cpi, stemcell, registry, full in cells:
        line = Text()
        text.append("\n\n")
        for label, value in zip(versions, (director, cpi, stemcell), strict=True):
            pair = Text.assemble((f"{label}: ", "dim"), (value, "bold"))
            if line and line.cell_len + 2 + pair.cell_len > width:
                text.append_text(line).append("\n")
                line = Text()
            line.append("  " if line else "").append_text(pair)
        text.append_text(line)
        for label, answer in zip(answers, (registry, full), strict=True):
            text.append("\n  ").append(f"{label}: ", style="dim").append_text(answer)
    return text


# -- one settings document, field by field ------------------------------------------------------------------------

def field_value(document: Any, name: str) -> Any:
    if not isinstance(document, dict):
        return MISSING
    if name == "env (other keys)":
        env = document.get("env")
        rest = {k: v for k, v in env.items() if k != "bosh"} if isinstance(env, dict) else MISSING
        return rest if rest else MISSING  # an unknown env shows once, on the env.bosh row
    value: Any = document
    for part in name.split("."):
        if is_placeholder(value):
            return value  # `<unknown: environment …>` stands for everything below it
        if not isinstance(value, dict) or part not in value:
            return MISSING
        value = value[part]
    return value


NETWORK_KEYS = ("type", "ip", "mac", "default")


def networks_table(networks: Any) -> RenderableType:
    """A table of networks where it fits; where it does not (a panel at 80 columns), each network stacked: its
    name on a line of its own, then its type, ip, mac and default. An IP, a MAC or a name is never cut."""
    if not isinstance(networks, dict) or not networks:
        return value_renderable(networks, depth=1)
    table = Table(box=box.SIMPLE, show_edge=False, padding=(0, 1), pad_edge=False)
    for column in ("name", *NETWORK_KEYS):
        table.add_column(column, no_wrap=True, style="bold" if column == "name" else "")
    for name, network in networks.items():
        if not isinstance(network, dict):
            table.add_row(cpi_text(name), value_renderable(network, depth=2), "", "", "")
            continue
        cells = [network.get(key) for key in ("type", "ip", "mac")]
        default = network.get("default")
        table.add_row(cpi_text(name), *(Text("") if cell is None else value_text(cell) for cell in cells),
                      cpi_text(", ".join(map(str, default))) if isinstance(default, list) else Text(""))
    return FirstThatFits(table, ByWidth(lambda width: networks_stacked(networks, width)))


def networks_text(networks: Any) -> RenderableType:
    """Networks stacked, other keys named (for the two narrow columns of a comparison)."""
    if not isinstance(networks, dict) or not networks:
        return value_text(networks)
    return ByWidth(lambda width: networks_stacked(networks, width, others=True))


def networks_stacked(networks: dict[str, Any], width: int, *, others: bool = False) -> Text:
    """Each network's name on its own line, then `type … ip … mac … default …` packed into indented lines of at
    most `width` cells, never splitting a key from its value unless one pair alone is wider than a line."""
    text = Text(overflow="fold")
    for name, network in networks.items():
        if text:
            text.append("\n")
        text.append_text(cpi_text(name, "bold"))
        if not isinstance(network, dict):
            text.append("\n  ").append_text(_scalar_or_list(network))
            continue
        pairs = [Text.assemble((f"{key} ", "dim"), _network_value(network[key]))
                 for key in NETWORK_KEYS if key in network]
        rest = [key for key in network if key not in NETWORK_KEYS]
        if others and rest:
            pairs.append(cpi_text(f"(+ {', '.join(map(str, rest))})", "dim"))
        line = Text("  ")
        for pair in pairs:
            if line.cell_len > 2 and line.cell_len + 2 + pair.cell_len > width:
                text.append("\n").append_text(line)
                line = Text("  ")
            elif line.cell_len > 2:
                line.append("  ")
            line.append_text(pair)
        if line.cell_len > 2:
            text.append("\n").append_text(line)
    return text


def _network_value(value: Any) -> Text:
    return cpi_text(value, "dim italic") if is_placeholder(value) else _scalar_or_list(value)


def value_text(value: Any) -> RenderableType:
    """A value, a placeholder (dim italic) or a missing one (—)."""
    if value is MISSING:
        return Text("— (missing)", style="red")
    if isinstance(value, dict) and value:
        return compact_text(value)
    if is_placeholder(value):
        return cpi_text(value, "dim italic")
    return value_renderable(value, depth=1)


def compact_text(value: dict[str, Any], indent: int = 0) -> Text:
    """An object as `key: value` lines, nested objects indented: denser than nested tables for settings."""
    text = Text()
    for key, item in value.items():
        if text:
            text.append("\n")
        text.append(" " * indent).append_text(cpi_text(f"{key}:", "bold"))
        if isinstance(item, dict) and item:
            text.append("\n").append_text(compact_text(item, indent + 2))
        elif is_placeholder(item):
            text.append(" ").append_text(cpi_text(item, "dim italic"))
        elif isinstance(item, list) and any(isinstance(element, (dict, list)) for element in item):
            text.append(" ").append_text(cpi_text(json.dumps(item, ensure_ascii=False), "green"))
        else:
            text.append(" ").append_text(_scalar_or_list(item))
    return text


def _scalar_or_list(value: Any) -> Text:
    return Text("{}", style="dim") if isinstance(value, dict) else inline_text(value)


def persistent_text(persistent: Any) -> Text:
    if not isinstance(persistent, dict):
        shown = value_text(persistent)
        return shown if isinstance(shown, Text) else cpi_text(json.dumps(persistent, ensure_ascii=False))
    if not persistent:
        return Text("{}", style="dim")
    text = Text()
    for cid, hint in persistent.items():
        if text:
            text.append("\n")
        text.append_text(cpi_text(one_line(cid), "bold")).append(" → ")
        hint_text = value_text(hint)
        text.append_text(hint_text if isinstance(hint_text, Text) else cpi_text(json.dumps(hint, ensure_ascii=False)))
    return text


def field_renderable(document: Any, name: str, *, narrow: bool = False) -> RenderableType:
    value = field_value(document, name)
    if value is MISSING:
        if name == "env (other keys)":
            return Text("")
        top_missing = field_value(document, name.split(".")[0]) is MISSING
        return value_text(MISSING) if top_missing else Text("—", style="dim")
    if name == "networks":
        return networks_text(value) if narrow else networks_table(value)
    if name == "disks.persistent":
        return persistent_text(value)
    return value_text(value)


def settings_table(document: Any, title: str | None = None) -> Table:
    """One (already masked) settings document as `field | value` rows."""
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, show_header=False, title=title, title_justify="left",
                  padding=(0, 1))
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("value", overflow="fold")
    for name in FIELDS:
        if name == "env (other keys)" and field_value(document, name) is MISSING:
            continue
        table.add_row(name, field_renderable(document, name))
    return table


def mistakes_renderable(mistakes: Sequence[SettingsMistake]) -> RenderableType:
    if not mistakes:
        return Text("✔ the settings are where the contract puts them, with what create_vm asked for",
                    style="bold green")
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, title=f"✖ {len(mistakes)} mistake(s)",
                  title_justify="left", title_style="bold red")
    table.add_column("code", no_wrap=True, style="red")
    table.add_column("what is wrong", overflow="fold")
    for mistake in mistakes:  # messages quote what the CPI sent: agent_ids, instance ids, paths
        table.add_row(cpi_text(mistake.code), cpi_text(mistake.message))
    return table


def _masked(redactor: Redactor | None, document: Any) -> Any:
    return document if redactor is None or document is None else redactor.agent_settings(document)


def _versions(expected: ExpectedSettings) -> tuple[str, str]:
    """The request's api_version and stemcell api_version the expectation was made for, in words."""
    return ("omitted" if expected.api_version is None else str(expected.api_version),
            "not sent" if expected.stemcell_api_version is None else str(expected.stemcell_api_version))


def _placement_line(expected: ExpectedSettings) -> Text:
    api, stemcell = _versions(expected)
    return Text.assemble(("placement ", "dim"), (PLACEMENT_LABEL[expected.placement], "bold"),
                         (f"   api_version {api}   stemcell api_version {stemcell}", "dim"))


# -- expected, and expected beside actual ---------------------------------------------------------------------------

def render_expected(expected: ExpectedSettings, source: str, *, show_secrets: bool = False) -> RenderableType:
    """What a correct CPI writes (`cpictl metadata expected`)."""
    redactor = None if show_secrets else Redactor()
    parts: list[RenderableType] = [Text.assemble(("from ", "dim"), cpi_text(source)), _placement_line(expected)]
    where = "user-metadata" if expected.placement == "user-metadata" else (
        f"registry {expected.registry_path or '/instances/<vm_cid>/settings'}")
    parts.append(settings_table(_masked(redactor, expected.settings), title=f"full agent settings → {where}"))
    if expected.bootstrap is not None:
        parts.append(Panel(compact_text(_masked(redactor, expected.bootstrap)), title="bootstrap user-metadata",
                           title_align="left", expand=False))
    parts.append(Text("dim values are the CPI's to choose: any value of the right type is correct", style="dim"))
    return Group(*parts)


def comparison_table(expected: Any, found: Any, found_label: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1))
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("expected", overflow="fold", ratio=1)
    table.add_column(found_label, overflow="fold", ratio=1)
    for name in FIELDS:
        other_env = (field_value(expected, name), field_value(found, name))
        if name == "env (other keys)" and other_env == (MISSING, MISSING):
            continue
        table.add_row(name, field_renderable(expected, name, narrow=True), field_renderable(found, name, narrow=True))
    return table


def render_report(report: SettingsReport, *, show_secrets: bool = False, verbose: bool = False) -> RenderableType:
    """`cpictl metadata show`: the verdict first, then the fields cpictl can judge, expected beside found; what the
    CPI was free to choose, compactly; `verbose`: where each document was read, and every field beside what the
    contract asks of it (the placeholders too)."""
    redactor = None if show_secrets else Redactor()
    expected, actual = report.expected.expected, report.actual
    found_where = "no registry entry" if _nothing_in_registry(actual) else actual.placement
    parts: list[RenderableType] = [
        mistakes_renderable(report.mistakes),
        Text.assemble(("vm ", "dim"), cpi_text(one_line(report.vm_cid), "bold"), ("   found ", "dim"),
                      (found_where, "bold"), *(_sources(actual) if verbose else [])),
        _expected_line(expected, report.expected.source if verbose else None),
    ]
    if actual.registry is not None:
        found, label = actual.registry, "registry entry"
    elif actual.full_in_user_metadata:
        found, label = actual.user_metadata, "user-metadata"
    else:
        found, label = None, "found"
    if found is not None:
        want, got = _masked(redactor, expected.settings), _masked(redactor, found)
        if verbose:
            parts.append(comparison_table(want, got, label))
        else:
            parts.extend(_judged_fields(want, got, label))
    if actual.user_metadata is not None and not actual.full_in_user_metadata:
        parts.append(Panel(_bootstrap_text(_masked(redactor, actual.user_metadata)),
                           title="bootstrap user-metadata", title_align="left", expand=False))
    attached = attached_text(report, redactor)
    if attached is not None:
        parts.append(attached)
    return Group(*parts)


def _expected_line(expected: ExpectedSettings, source: str | None) -> Text:
    api, stemcell = _versions(expected)
    where = {"user-metadata": "full settings in user-metadata", "registry": "registry entry + bootstrap"}
    line = Text.assemble(("expected ", "dim"), (where[expected.placement], "bold"),
                         (f": api_version {api}, stemcell api_version {stemcell}", "dim"))
    if source is not None:
        line.append_text(Text.assemble(("\n  from ", "dim"), cpi_text(source)))
    return line


def _judged_fields(expected: Any, found: Any, found_label: str) -> list[RenderableType]:
    """The default view's fields: those with a value to expect, expected beside found; the others — the CPI's to
    choose (any value is right), or what cpictl cannot know (saying why) — with what was found alone, since there
    is nothing to set beside it. The mistakes table above already says what is wrong."""
    compared = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1))
    compared.add_column("field", style="bold", no_wrap=True)
    compared.add_column("expected", overflow="fold", ratio=1)
    compared.add_column(found_label, overflow="fold", ratio=1)
    alone = Table(box=None, show_header=False, show_edge=False, padding=(0, 1), title="not compared: the CPI's "
                  "to choose, or not known here", title_justify="left", title_style="dim")
    alone.add_column("field", style="bold", no_wrap=True)
    alone.add_column("value", overflow="fold")
    for name in FIELDS:
        want = field_value(expected, name)
        if name == "env (other keys)" and (want, field_value(found, name)) == (MISSING, MISSING):
            continue
        if not is_placeholder(want):
            compared.add_row(name, field_renderable(expected, name, narrow=True),
                             field_renderable(found, name, narrow=True))
            continue
        value = field_renderable(found, name, narrow=True)
        if want.startswith(UNKNOWN_PREFIX):  # say why nothing is expected: "the session journal does not keep it"
            value = Group(value, cpi_text(f"(not known: {want[len(UNKNOWN_PREFIX):-1]})", "dim"))
        alone.add_row(name, value)
    return [compared, alone] if alone.row_count else [compared]


def attached_text(report: SettingsReport, redactor: Redactor | None) -> Text | None:
    """The disks the session attached; registry-less, their hints travel through the director, not user-metadata."""
    if not report.attached:
        return None
    text = Text("attached disks (session journal): ", style="dim")
    hints = report.attached if redactor is None else redactor.agent_settings({"hints": report.attached})["hints"]
    text.append_text(persistent_text(hints))
    if report.expected.expected.placement == "user-metadata":
        text.append("\n  (registry-less: the director hands these to the agent; user-metadata keeps create_vm's "
                    "disks.persistent)", style="dim")
    return text


def _bootstrap_text(document: Any) -> RenderableType:
    return compact_text(document) if isinstance(document, dict) and document else value_renderable(document)


def _nothing_in_registry(actual: Any) -> bool:
    """The embedded registry was there and got nothing, and user-metadata is unreadable: "unknown" undersells it."""
    return bool(actual.placement == "unknown" and actual.registry_known and actual.registry is None)


def _sources(actual: Any) -> list[tuple[str, str]]:
    parts = []
    if actual.user_metadata_known and actual.user_metadata_source:  # a path named after the VM CID
        parts.append((visible_controls(f"\n  user-metadata: {actual.user_metadata_source}"), "dim"))
    elif not actual.user_metadata_known:
        parts.append(("\n  user-metadata: not readable (only the bundled reference CPI's is)", "dim"))
    if actual.registry_known and actual.registry_source:
        parts.append((visible_controls(f"\n  registry: {actual.registry_source}"), "dim"))
    elif not actual.registry_known:
        parts.append(("\n  registry: not visible (run the calls with --registry to capture it)", "dim"))
    return parts


# -- after a call ----------------------------------------------------------------------------------------------------

def shown_settings(report: SettingsReport) -> Any:
    """The settings document the panel shows (unmasked): the registry entry when the registry is where they belong
    and there is one, else the full settings in user-metadata, else the registry's."""
    actual = report.actual
    if report.expected.expected.placement == "registry" and actual.registry is not None:
        return actual.registry
    return actual.user_metadata if actual.full_in_user_metadata else actual.registry


def settings_line(report: SettingsReport, shows_them: str = "--print settings") -> RenderableType:
    """The settings check in one line, for the default view of a call; the mistakes in full when there are any."""
    if report.mistakes:
        return Group(mistakes_renderable(report.mistakes),
                     cpi_text(f"cpictl metadata show {one_line(report.vm_cid)} compares them field by field", "dim"))
    return Text.assemble(("agent settings ", "bold"), ("✔ ", "bold green"),
                         f"as the contract asks ({report.actual.placement})", (f"   {shows_them}", "dim"))


def metadata_panel(outcome: CallOutcome, target: Target, store: CloudIdStore | Path | str | None, *,
                   show_secrets: bool = False, report: Any = None) -> RenderableType | None:
    """The agent settings after a create_vm/attach_disk/detach_disk, when cpictl can see them; for a CPI whose
    user-data cpictl cannot read, the one line that says so (`metadata.not_visible`); else None. `report`: the
    settings report when the caller already made it (it reads the CPI's state)."""
    if report is None:
        from cpictl.metadata import report_after_call

        report = report_after_call(outcome, target, store)
        if report is None:  # a real cloud's user-data: one line on why, and what would show them
            from cpictl.metadata import not_visible_after_call

            line = not_visible_after_call(outcome, target)
            return cpi_text(line, "yellow") if line is not None else None
    if report is None:
        return None
    redactor = None if show_secrets else Redactor()
    actual = report.actual
    document = shown_settings(report)
    where = {"user-metadata": "user-metadata", "registry": "registry entry", "both": "user-metadata AND registry",
             "neither": "nowhere", "unknown": "not visible"}[actual.placement]
    if _nothing_in_registry(actual):
        where = "no registry entry"
    parts: list[RenderableType] = []
    if document is not None:
        parts.append(settings_table(_masked(redactor, document)))
    summary = mistakes_renderable(report.mistakes)
    vm_cid = one_line(report.vm_cid)
    if report.mistakes:
        summary = Group(summary, cpi_text(f"cpictl metadata show {vm_cid} compares them field by field", "dim"))
    parts.append(summary)
    return Panel(Group(*parts), title=cpi_text(f"agent settings of {vm_cid} ({where})"), title_align="left",
                 border_style="red" if report.mistakes else "blue", expand=False)
