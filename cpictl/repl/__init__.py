"""Layer 4: the interactive REPL — the only importer of prompt_toolkit.

Split like pgcli, without its god object:

    lines        words of a line (shell-like; a bracketed YAML value is one word; open brackets continue)
    suggest      pure: text before the cursor → kinds of suggestion
    completer    kinds of suggestion → prompt_toolkit completions (live IDs from `live_ids`, cached per journal)
    metacommands registry of `:commands` (data feeding dispatch, :help and completion); handlers in meta_*.py
    state        target with sticky settings, session store, last call, history of calls
    calls        a typed call: words → request → run (spinner, live stderr) → rendered like `cpictl call`
    prompts      `METHOD` alone: ask for each parameter;  editor: `:edit` in $EDITOR;  save: session → recipe
    dispatch     `handle_line`: one line → meta-command or call, errors as one line
    loop         the prompt loop (or a pipe), history, toolbar

`run_repl` is what `cpictl repl` calls; `make_context` and `handle_line` let benchmarks and tests drive it
in-process.
"""

from cpictl.repl.dispatch import handle_line
from cpictl.repl.loop import make_context, run_repl

__all__ = ["handle_line", "make_context", "run_repl"]
