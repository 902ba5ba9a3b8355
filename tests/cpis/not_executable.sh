#!/bin/sh
# A healthy CPI committed without its execute bit (mode 644 on purpose): running it must fail with a clear message.
cat >/dev/null
printf '%s' '{"result":{"api_version":2,"stemcell_formats":["raw"]},"error":null,"log":""}'
