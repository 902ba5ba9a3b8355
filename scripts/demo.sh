#!/usr/bin/env bash
# `make demo`: the main job against the bundled reference CPI — one call by hand, then the create_vm / attach_disk
# walkthrough recipe, then the session's cloud IDs. Everything lives in a throw-away directory, so the demo never
# touches your own sessions.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
export XDG_STATE_HOME="$demo/state" XDG_CONFIG_HOME="$demo/config" CPICTL_REFCPI_DIR="$demo/refcpi"
export CPICTL_SESSION=demo
cpictl=.venv/bin/cpictl

say() { printf '\n\033[1;36m$ cpictl %s\033[0m\n' "$*"; }

say call info
"$cpictl" call info -o table
say run recipes/walkthrough.yml --verbose
"$cpictl" run recipes/walkthrough.yml --verbose
say ids --all
"$cpictl" ids --all -o table
