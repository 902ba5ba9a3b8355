"""Layer 2: `cpictl diff` — the same recipe or traced call run on two sides, and the two runs compared step by step.

`sides` runs one side (a recipe, or one call of a trace) in a session of its own and cleans up after it;
`steps` sets the two runs beside each other, step by step, with the comparison `trace replay` and `trace diff`
use (`cpictl.traces.compare`), told what else a second run cannot repeat (`ignored`). Nothing here prints.
"""
