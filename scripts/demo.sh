#!/usr/bin/env bash
# `make demo`: walk the bundled reference CPI through create_vm / attach_disk by hand with `cpictl call`.
# Everything lives in a throw-away directory, so the demo never touches your own sessions.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
export XDG_STATE_HOME="$demo/state" XDG_CONFIG_HOME="$demo/config" CPICTL_REFCPI_DIR="$demo/refcpi"
export CPICTL_SESSION=demo
cpictl=.venv/bin/cpictl
printf 'stemcell image' > "$demo/image.tgz"

step() { printf '\n\033[1;36m$ cpictl %s\033[0m\n' "$*"; "$cpictl" "$@" -o table || true; }

step call info
step call create_stemcell "$demo/image.tgz" '{}'
step call create_vm agent-demo-1 '${stemcell}' '{instance_type: small}' '{default: {type: dynamic}}'
step call create_disk 1024 '{}' '${vm}'
step call attach_disk '${vm}' '${disk}'
step call get_disks '${vm}'
step call detach_disk '${vm}' '${disk}'
step call delete_disk '${disk}'
step call delete_vm '${vm}'
step call delete_stemcell '${stemcell}'
