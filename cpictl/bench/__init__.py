"""Layer 2: `cpictl bench` — load a CPI as the director does, many calls at once, and measure it. Nothing here
prints.

Modules: `samples` (what one call or recipe iteration came to, and the thread-safe tally of them) · `iterations`
(one method call, or one run of a recipe, through `CallSession` like any call) · `load` (the worker threads: how
many iterations, for how long, how they stop) · `stats` (percentiles, histogram, counts: pure functions) ·
`report` (the summary and its `-o json` document) · `teardown` (deleting what the bench created, through
`cpictl.cleanup`).

The rule kept throughout: every call goes through `cpictl.session.CallSession`, so its arguments are validated,
its answer is judged, and each cloud ID it creates is in the journal (fsync) before the bench counts the call.
"""
