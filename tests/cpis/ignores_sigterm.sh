#!/bin/sh
# Ignores SIGTERM (so does its child, which inherits the ignored disposition) and hangs: only SIGKILL stops it.
trap '' TERM
cat >/dev/null
echo "ignores_sigterm: waiting" >&2
sleep 60
