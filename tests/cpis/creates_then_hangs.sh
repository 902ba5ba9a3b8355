#!/bin/sh
# Makes something in its "cloud" and then hangs before answering with its ID: the disk exists, and only a timeout
# ends the call. With CREATED_IN set, the something is a file there (a test can see it was made).
cat >/dev/null
if [ -n "$CREATED_IN" ]; then : > "$CREATED_IN/disk-made-before-the-hang"; fi
echo "creates_then_hangs: created disk-made-before-the-hang, now hanging" >&2
exec sleep 60
