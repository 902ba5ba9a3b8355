"""`config_edit`: `target add|remove` change only the entry concerned; the comments and layout around it stay."""

from __future__ import annotations

import pytest

from cpictl.targets.config_edit import add_target, remove_target

ADDED = [
    pytest.param("targets: {aws: {cpi: [/x], as: director}}  # prod\n# after\n",
                 "targets: {aws: {cpi: [/x], as: director}, new: {cpi: /bin/true}}  # prod\n# after\n",
                 id="one-line flow targets"),
    pytest.param("targets: {\n  aws: {cpi: [/x], as: director},  # prod\n  gcp: {cpi: /y}  # gcp\n}  # after\n",
                 "targets: {\n  aws: {cpi: [/x], as: director},  # prod\n  gcp: {cpi: /y},  # gcp\n"
                 "  new: {cpi: /bin/true}\n}  # after\n", id="multi-line flow targets"),
    pytest.param("targets:\n  aws: {cpi: [/x], as: director}  # prod\n# end\n",
                 "targets:\n  aws: {cpi: [/x], as: director}  # prod\n  new:\n    cpi: /bin/true\n# end\n",
                 id="block targets, flow entry"),
    pytest.param("targets: {}  # none yet\n# end\n", "targets:  # none yet\n  new:\n    cpi: /bin/true\n# end\n",
                 id="empty flow targets"),
]


@pytest.mark.parametrize(("before", "after"), ADDED)
def test_add_keeps_comments_where_they_were(before, after):
    assert add_target(before, "new", {"cpi": "/bin/true"}) == after


@pytest.mark.parametrize(("before", "after"), [
    pytest.param("targets:\n  aws: {cpi: [/x], as: director}  # prod\n  b: {cpi: /y}\n",
                 "targets:\n  aws: {cpi: /bin/true}  # prod\n  b: {cpi: /y}\n", id="flow entry"),
    pytest.param("targets: {\n  aws: {cpi: [/x]},  # prod\n  b: {cpi: /y}\n}\n",
                 "targets: {\n  aws: {cpi: /bin/true},  # prod\n  b: {cpi: /y}\n}\n", id="flow targets"),
    pytest.param("targets:\n  aws:   # prod\n    cpi: /x\n  b: {cpi: /y}\n",
                 "targets:\n  aws:   # prod\n    cpi: /bin/true\n  b: {cpi: /y}\n", id="block entry"),
])
def test_replacing_a_target_keeps_its_style_and_comment(before, after):
    assert add_target(before, "aws", {"cpi": "/bin/true"}) == after


@pytest.mark.parametrize(("before", "name", "after"), [
    pytest.param("targets: {a: {cpi: /x}, b: {cpi: /y}, c: {cpi: /z}}  # c\n", "b",
                 "targets: {a: {cpi: /x}, c: {cpi: /z}}  # c\n", id="middle"),
    pytest.param("targets: {a: {cpi: /x}, b: {cpi: /y}, c: {cpi: /z}}  # c\n", "c",
                 "targets: {a: {cpi: /x}, b: {cpi: /y}}  # c\n", id="last"),
    pytest.param("targets: {\n  a: {cpi: /x},  # prod\n  b: {cpi: /y}  # b\n}  # after\n", "b",
                 "targets: {\n  a: {cpi: /x}  # prod\n}  # after\n", id="last on a line of its own"),
    pytest.param("targets: {\n  a: {cpi: /x},  # prod, or not\n  b: {cpi: /y}  # b\n}  # after\n", "a",
                 "targets: {\n  b: {cpi: /y}  # b\n}  # after\n", id="first on a line of its own"),
])
def test_removing_from_a_flow_mapping_keeps_the_rest_as_written(before, name, after):
    assert remove_target(before, name) == after
