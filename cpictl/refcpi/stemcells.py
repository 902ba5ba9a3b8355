"""Stemcell methods: create_stemcell and delete_stemcell.

The image must exist on local disk, as the director hands the CPI the path of the extracted stemcell image. The
stemcell.MF cloud_properties and, from api_version 3, the director's `env.tags` are kept on the record. Deleting a
missing stemcell answers StemcellNotFound, the type `bosh delete-env` skips over.
"""

from __future__ import annotations

import os

from cpictl.protocol.shapes import json_type_name
from cpictl.refcpi.call import Call
from cpictl.refcpi.failures import CpiFailure, cloud_error


def create_stemcell(call: Call) -> str:
    image_path, cloud_properties, *rest = call.arguments
    env = rest[0] if rest else {}
    if not os.path.exists(image_path):
        raise cloud_error(f"Cannot find stemcell image '{image_path}'")
    tags = env.get("tags", {})
    if not isinstance(tags, dict):
        raise cloud_error(f"create_stemcell env.tags must be an object, got {json_type_name(tags)}")
    stemcell_cid = call.ids.new_id("stemcell")
    call.state["stemcells"][stemcell_cid] = {"image_path": os.path.abspath(image_path),
                                             "cloud_properties": cloud_properties, "tags": tags}
    return stemcell_cid


def delete_stemcell(call: Call) -> None:
    (stemcell_cid,) = call.arguments
    if stemcell_cid not in call.state["stemcells"]:
        raise CpiFailure("StemcellNotFound", f"Stemcell '{stemcell_cid}' not found")
    del call.state["stemcells"][stemcell_cid]
