#!/usr/bin/env bash
# `make demo`: cpictl's main job in a few commands against the bundled reference CPI — a call by hand, a VM and a
# disk, a CPI that breaks the contract, the journal, cleanup, and the same lifecycle as a recipe — each with a
# one-line caption saying what it shows. Calls whose point is the flow print one line each (-q). Everything lives
# in a throw-away directory, so the demo never touches your own sessions, and it ends with no live cloud IDs.
set -euo pipefail
cd "$(dirname "$0")/.."
demo=$(mktemp -d)
trap 'rm -rf "$demo"' EXIT
export XDG_STATE_HOME="$demo/state" XDG_CONFIG_HOME="$demo/config" CPICTL_REFCPI_DIR="$demo/refcpi"
export CPICTL_SESSION=demo
cpictl=.venv/bin/cpictl

if [[ -t 1 ]]; then bold=$'\033[1m' cyan=$'\033[36m' dim=$'\033[2m' plain=$'\033[0m'; else bold='' cyan='' dim='' plain=''; fi

caption() { printf '\n%s%s%s\n' "$bold" "$*" "$plain"; }

# A word as you would type it: quoted where the shell would change it ('{}', '${vm}').
typed() {
    if [[ $1 =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}

# Show the command as typed, then run it; a non-zero exit is shown, not fatal (one step misbehaves on purpose).
show() {
    local line='$' word code=0 words=("$@")
    [[ ${words[0]} == env ]] && words=("${words[@]:1}")  # `env NAME=value cpictl …` reads as `NAME=value cpictl …`
    for word in "${words[@]}"; do
        [[ $word == "$cpictl" ]] && word=cpictl
        line+=" $(typed "$word")"
    done
    printf '%s%s%s\n' "$cyan" "$line" "$plain"
    "$@" || code=$?
    if ((code)); then printf '%s(exit %d)%s\n' "$dim" "$code" "$plain"; fi
}

printf '%scpictl demo: the bundled reference CPI (a local simulation, not a cloud), in a throw-away directory%s\n' \
    "$bold" "$plain"

caption "1. One exact request, its answer checked against the contract: what the CPI says it is"
show "$cpictl" call info -o table

caption "2. A stemcell, a VM booted from it and a disk: '\${stemcell}' is the session's latest (-q: a line a call)"
show "$cpictl" call -q create_stemcell recipes/assets/image.tgz '{}'
show "$cpictl" call -q create_vm agent-1 '${stemcell}' '{}' '{default: {type: dynamic}}'
show "$cpictl" call -q create_disk 1024 '{}'

caption "3. A CPI that breaks the contract (a fault injected on purpose): what the director and create-env would do"
show env CPICTL_REFCPI_FAULTS=attach_disk=numeric-lun "$cpictl" call attach_disk '${vm}' '${disk}' \
    --print result,checks

caption "4. Every cloud ID a CPI hands out is journalled before it is shown"
show "$cpictl" ids -o table

caption "5. Cleanup deletes what the session made, in order: the disk is detached first"
show "$cpictl" cleanup --yes -o table

caption "6. The same lifecycle as a recipe, with expectations and its own cleanup in finally:"
show "$cpictl" run recipes/walkthrough.yml -o table

caption "7. Nothing is left behind"
show "$cpictl" ids -o table
