"""The REPL reads `name=value` words as `cpictl call` does: a name close to a parameter's is refused."""

from __future__ import annotations

from tests.repl.conftest import Repl
from tests.repl.test_dispatch import single_error


def test_a_mistyped_name_is_one_error_line_and_nothing_is_created(repl: Repl) -> None:
    error = single_error(repl.run("create_disk sise=3 {}"))
    assert "unknown parameter 'sise' (did you mean 'size'?)" in error
    assert repl.live("disk") == []
    assert "✔ ok" in repl.run("create_disk size=3 cloud_properties={}")
