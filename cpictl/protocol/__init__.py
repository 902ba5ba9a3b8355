"""Layer 0: the CPI contract as data and pure functions over bytes (sans-IO).

Everything here is importable by the bundled reference CPI, so it uses the standard library only and does no I/O:
the catalogue of methods (`catalogue`), result shapes (`shapes`), error types (`errors`), the request/response codec
with its contract check (`codec`) and the agent-settings rules (`agent_settings`). A CPI's JSON is decoded by
`json_decoding` (no answer makes it raise: nesting, big numbers and NaN become `json_markers`), judged by
`parser_verdicts` (what the director's and create-env's parsers would do) and written back by `strict_json`.
"""
