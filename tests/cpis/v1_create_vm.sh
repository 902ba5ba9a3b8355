#!/bin/sh
# Answers create_vm like a v1 CPI, with a bare string result; a v2 caller expects [vm_cid, networks].
cat >/dev/null
printf '%s' '{"result":"vm-123","error":null,"log":""}'
