"""calculate_vm_cloud_properties: map a desired size to the smallest instance type that fits (contract §6).

Like the AWS CPI, the answer is `{"instance_type": …, "ephemeral_disk": {"size": MB}}`, and a size no instance
type can meet is a CloudError.
"""

from __future__ import annotations

from typing import Any

from cpictl.refcpi.call import Call
from cpictl.refcpi.failures import cloud_error

# (name, cpus, RAM in MiB), smallest first: the first one that fits wins.
INSTANCE_TYPES: tuple[tuple[str, int, int], ...] = (
    ("ref.nano", 1, 512),
    ("ref.small", 1, 2048),
    ("ref.medium", 2, 4096),
    ("ref.large", 4, 8192),
    ("ref.xlarge", 8, 16384),
    ("ref.2xlarge", 16, 32768),
    ("ref.4xlarge", 32, 65536),
)
MAX_EPHEMERAL_DISK_MB = 16 * 1024 * 1024  # 16 TiB, the largest volume common IaaSes offer
SIZE_KEYS = ("cpu", "ram", "ephemeral_disk_size")


def calculate_vm_cloud_properties(call: Call) -> dict[str, Any]:
    (desired,) = call.arguments
    missing = [key for key in SIZE_KEYS if key not in desired]
    if missing:
        raise cloud_error("Missing VM cloud properties: " + ", ".join(f"'{key}'" for key in missing))
    for key in SIZE_KEYS:
        value = desired[key]
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise cloud_error(f"VM cloud property '{key}' must be a positive integer, got {value!r}")
    cpu, ram, disk = desired["cpu"], desired["ram"], desired["ephemeral_disk_size"]
    fitting = [name for name, cpus, mib in INSTANCE_TYPES if cpus >= cpu and mib >= ram]
    if not fitting:
        largest = INSTANCE_TYPES[-1]
        raise cloud_error(f"Unable to meet requested VM requirements: {cpu} CPU, {ram} MiB RAM; the largest "
                          f"instance type {largest[0]} has {largest[1]} CPU, {largest[2]} MiB RAM")
    if disk > MAX_EPHEMERAL_DISK_MB:
        raise cloud_error(f"Unable to meet requested VM requirements: ephemeral disk of {disk} MB exceeds the "
                          f"maximum of {MAX_EPHEMERAL_DISK_MB} MB")
    return {"instance_type": fitting[0], "ephemeral_disk": {"size": disk}}
