"""pytest set-up for the lesson notebooks (strict nbval).

Every kernel that runs a lesson, under nbval or ``scripts/regenerate_notebooks.py``,
gets the same environment, so stored outputs are reproducible:

* ``LABKIT_MODE=offline``: the simulated world with its virtual clock and seeds;
* fake AWS credentials and ``us-east-1``, as moto recommends, so botocore never looks
  for real ones (https://docs.getmoto.org/en/latest/docs/getting_started.html);
* ``PYTHONHASHSEED=0`` and ``TZ=UTC``: set order and local time do not vary;
* no ``MPLBACKEND`` override, so the kernel uses the inline backend.
"""

from __future__ import annotations

import os

KERNEL_ENV = {
    "LABKIT_MODE": "offline",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "PYTHONHASHSEED": "0",
    "TZ": "UTC",
}
UNSET = ("MPLBACKEND", "AWS_PROFILE")


def apply_kernel_env(environ: dict[str, str] | os._Environ = os.environ) -> None:
    """Set the lesson kernels' environment in ``environ`` (inherited by kernels started later)."""
    for name in UNSET:
        environ.pop(name, None)
    environ.update(KERNEL_ENV)


def pytest_configure(config) -> None:
    # Kernels start after configuration, in nbval's per-notebook set-up, and inherit this.
    apply_kernel_env()
