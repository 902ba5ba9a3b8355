#!/bin/sh
# Answers with something that is not JSON at all.
cat >/dev/null
echo '<html><body>502 Bad Gateway</body></html>'
