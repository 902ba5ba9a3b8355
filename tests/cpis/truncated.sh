#!/bin/sh
# Stops halfway through its JSON response.
cat >/dev/null
printf '%s' '{"result":{"api_version":2,"stemcell_fo'
