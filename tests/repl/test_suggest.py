"""`suggest`: what kind of thing goes at the cursor, from the text alone."""

from __future__ import annotations

import pytest

from cpictl.repl.metacommands import default_registry
from cpictl.repl.suggest import (
    Choice,
    CloudIdOf,
    ContextKey,
    FilePath,
    MetaName,
    MethodName,
    ParamName,
    ReferenceName,
    suggest,
)

META = default_registry().completion_kinds()


def kinds(text: str, api_version: int | None = 2) -> list[object]:
    return suggest(text, api_version=api_version, meta_args=META)


@pytest.mark.parametrize("text, expected", [
    ("", [MethodName(""), MetaName("")]),
    ("del", [MethodName("del")]),
    (":sa", [MetaName("sa")]),
    ("delete_vm ", [CloudIdOf("", "vm")]),  # a VM slot: VM IDs only, no parameter names
    ("delete_vm vm-", [CloudIdOf("vm-", "vm"), ParamName("vm-", "delete_vm")]),
    ("attach_disk vm-1 ", [CloudIdOf("", "disk", "attach", "vm-1")]),  # the disk of a relation knows its VM
    ("detach_disk vm-1 d", [CloudIdOf("d", "disk", "detach", "vm-1"), ParamName("d", "detach_disk", ("vm_cid",))]),
    ("detach_disk disk_cid=", [CloudIdOf("", "disk", "detach", None)]),
    ("detach_disk vm_cid=${vm} disk_cid=", [CloudIdOf("", "disk", "detach", "${vm}")]),
    ("attach_disk ", [CloudIdOf("", "vm")]),
    ("delete_snapshot ", [CloudIdOf("", "snapshot")]),
    ("create_disk 1024 {} ", [CloudIdOf("", "vm")]),
    ("create_disk ", [ParamName("", "create_disk")]),  # an integer slot: parameter names
    ("create_disk size=1 vm_", [ParamName("vm_", "create_disk", ("size",))]),
    ("create_disk vm_cid=v", [CloudIdOf("v", "vm")]),
    ("create_stemcell ", [FilePath("")]),  # a path parameter: files, not parameter names
    ("create_stemcell ./assets/im", [FilePath("./assets/im"), ParamName("./assets/im", "create_stemcell")]),
    ("create_stemcell image_path=~/i", [FilePath("~/i")]),
    ("create_vm a b {} {} [disk-1, d", [CloudIdOf("d", "disk")]),  # items of disk_cids
    ("create_vm a b {} {x: ", []),  # inside a YAML value: nothing to offer
    ("create_vm a ${st", [ReferenceName("st")]),
    ("has_disk x${", [ReferenceName("")]),
    ("delete_vm a ", []),  # no more parameters
    ("no_such_method ", []),
    (":run rec", [FilePath("rec", (".yml", ".yaml"))]),  # recipes only
    (":save ", [FilePath("")]),
    (":help sa", [MetaName("sa", colon=False)]),
    (":describe cr", [MethodName("cr")]),
    (":edit ", [MethodName("")]),
    (":set ", [Choice("", ("api_version", "stemcell_api_version", "timeout", "as", "preferred_api_version",
                           "output", "detail"))]),
    (":set api_version ", [Choice("", ("auto", "1", "2", "3", "none"))]),
    (":set as ", [Choice("", ("director", "create-env"))]),
    (":context -", [ContextKey("-")]),
    (":again ", [Choice("", ("edit",))]),
    (":cpi /bin/x --flag ", [FilePath("")]),
    (":quit ", []),
])
def test_suggestions(text: str, expected: list[object]) -> None:
    assert kinds(text) == expected


def test_slots_follow_the_api_version() -> None:
    # create_stemcell's third parameter (env) exists only from api_version 3 on
    assert kinds("create_stemcell /img {} ", api_version=2) == []
    assert kinds("create_stemcell /img {} ", api_version=3) == [ParamName("", "create_stemcell",
                                                                          ("image_path", "cloud_properties"))]


def test_nothing_is_offered_inside_a_quoted_word() -> None:
    # the completion would replace the text without its quote and leave the quote open
    assert kinds("delete_vm 'vm-") == []
    assert kinds("delete_vm vm\\ 1") == []
