"""Traces: every call kept, masked, as one JSON line — what was sent, what came back, and what the callers make of it.

- `trace_file`: the append-only trace file (`<journal>.trace.jsonl` beside a session's journal, or any file a
  recorder or an import writes), numbered entries, locked appends, a streaming reader that survives torn lines;
- `entries`: the entry of one call, made from its outcome (the `-o json` document, masked, plus where and when);
- `reading`: finding entries (from the file's end for the last few), filtering them, how each call ended;
- `rebuild`: an entry turned back into a `CallOutcome` and `Target`, for the call view;
- `masked`: the values a trace holds as `<redacted>`, their names, and filling them from `--var` or a prompt;
- `export`: a call as a shell one-liner, a request document or a recipe;
- `replay`: a traced call sent again through `CallSession`; `compare`: two calls compared as a CPI author reads
  them (cloud IDs, request IDs, time stamps and durations aside).

The journal stays the one source of truth for cloud IDs: an entry holds the exchange, and the IDs a call changed
are read from its request and response by the catalogue when shown, never stored twice.
"""
