"""Layer 0: the CPI contract as data and pure functions over bytes (sans-IO).

Everything here is importable by the bundled reference CPI, so it uses the standard library only and does no I/O:
the catalogue of methods (`catalogue`), result shapes (`shapes`), error types (`errors`), the request/response codec
with its contract check (`codec`) and the agent-settings rules (`agent_settings`).
"""
