#!/bin/sh
# A healthy CPI answering `info`: reads the whole request, prints one valid response, exits 0.
cat >/dev/null
printf '%s' '{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'
