"""The environment of every kernel that runs a lesson, here and under nbval (the root
conftest.py applies it), so stored outputs are reproducible.

LABKIT_MODE=offline (simulated world, virtual clock, seeds); fake AWS credentials and
us-east-1, as moto recommends, so botocore never looks for real ones
(https://docs.getmoto.org/en/latest/docs/getting_started.html); PYTHONHASHSEED=0 and
TZ=UTC so set order and local time do not vary; no MPLBACKEND, so plots are inline.
Korean lessons' kernels run with ``LABKIT_LANG=ko``, so labkit's own words are Korean
and AWS's stay English.
"""

from __future__ import annotations

import os

KERNEL_NAME = "python3"
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
KERNEL_ENV_UNSET = ("MPLBACKEND", "AWS_PROFILE", "LABKIT_LANG", "JPY_SESSION_NAME")


def kernel_env(language: str = "en") -> dict[str, str]:
    """The environment of a kernel running a lesson in ``language``: Korean lessons' kernels
    get ``LABKIT_LANG=ko`` (labkit speaks Korean); English ones no ``LABKIT_LANG`` at all."""
    env = dict(KERNEL_ENV)
    if language != "en":
        env["LABKIT_LANG"] = language
    return env


def apply_kernel_env(environ=os.environ, language: str = "en") -> None:
    """Set the lesson kernels' environment in ``environ`` (kernels started later inherit it)."""
    for name in KERNEL_ENV_UNSET:
        environ.pop(name, None)
    environ.update(kernel_env(language))


__all__ = ["KERNEL_ENV", "KERNEL_ENV_UNSET", "KERNEL_NAME", "apply_kernel_env", "kernel_env"]
