#!/bin/sh
# Answers and exits at once, but leaves a background grandchild holding stdout/stderr for 60 s.
# The director would wait for EOF for as long as the grandchild lives (contract §10).
cat >/dev/null
echo "hang_grandchild_parent_exits: leaving a child behind" >&2
sleep 60 &
printf '%s' '{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'
exit 0
