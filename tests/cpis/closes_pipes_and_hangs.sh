#!/bin/sh
# Closes stdout and stderr at once (EOF for the caller) and then never exits: only a timeout ends this call.
cat >/dev/null
exec >&- 2>&-
sleep 60
