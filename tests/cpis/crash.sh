#!/bin/sh
# Dies by SIGKILL without a byte of output, like a CPI killed by the OOM killer.
cat >/dev/null
kill -9 $$
