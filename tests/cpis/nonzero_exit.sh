#!/bin/sh
# A valid response followed by exit 1: the director uses the result, `bosh create-env` calls it an error.
cat >/dev/null
printf '%s' '{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'
exit 1
