#!/bin/sh
# Hangs for good: a background grandchild holds stdout/stderr for 60 s and the CPI itself never exits.
# Only a timeout (which kills the whole process group) ends this call.
cat >/dev/null
echo "hang_grandchild: started" >&2
sleep 60 &
sleep 60
