"""A CPI that implements `info` and nothing else: NotImplemented, as the contract says, to every other request."""
import json
import sys

raw = sys.stdin.buffer.read()
try:
    method = json.loads(raw).get("method")
except (ValueError, AttributeError):
    method = None
if method == "info":
    answer = {"result": {"api_version": 2, "stemcell_formats": ["raw"]}, "error": None, "log": ""}
else:
    answer = {"result": None, "error": {"type": "Bosh::Clouds::NotImplemented",
                                        "message": f"'{method}' is not implemented", "ok_to_retry": False}, "log": ""}
sys.stdout.write(json.dumps(answer))
