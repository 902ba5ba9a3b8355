"""Targets: which CPI to run and how, as the director or `bosh create-env` would run it.

- `target`: the `Target` a call runs against (executable, environment, versions, context, caller profile);
- `profiles`: the two callers' request forms (`director`, `create-env`): what `info` carries, how the api_version
  is negotiated and capped, which context and environment every request gets;
- `negotiation`, `negotiator`: the negotiated api_version of a target, cached per session beside the journal;
- `layers`: a target built from layers of settings (flags, `--target`, a recipe's `target:`, the config's
  `default:`, built-in defaults), each overriding the ones below;
- `shell_line`: a call to a target as one line of shell (`call --dry-run`, `trace export --shell`);
- named targets: `config_files` (where; no YAML or pydantic until a file exists), `config_schema` (the format),
  `config_reader` (one file, checked, problems at file:line:column, worded by `config_problems`), `config` (the
  files merged, a target as a layer), `config_edit` (`target add|remove|use`; `flow_edit` for `{…}` mappings),
  `adding`, `showing`, `secret_places` (what a view masks, and values an alias shares with a secret), `secrets`
  (a target's own secret keys) and `doctor` (`cpictl target doctor`).
"""
