"""Targets: which CPI to run and how, as the director or `bosh create-env` would run it.

- `target`: the `Target` a call runs against (executable, environment, versions, context, caller profile);
- `profiles`: the two callers' request forms (`director`, `create-env`): what `info` carries, how the api_version
  is negotiated and capped, which context and environment every request gets;
- `negotiation`: the negotiated api_version of a target, cached per session beside the journal.
"""
