"""labkit: see, toggle and predict who writes AWS Step Functions logs into CloudWatch Logs.

The state machine's IAM role does not write its logs. The log-delivery service
``delivery.logs.amazonaws.com`` does, authorised only by the CloudWatch Logs
resource policy. labkit gives notebooks a world to talk plain boto3 to:

* ``labkit.offline()``: a simulated account, offline and deterministic (default);
* ``labkit.aws()``: a real account, opt-in, touching only what the lab creates;
* ``labkit.connect()``: whichever of the two ``LABKIT_MODE`` names.

Heavy modules (boto3, moto, pandas, matplotlib) load lazily, on first use. Inside
IPython, importing labkit shows AWS errors as ``Code: message``
(``labkit.notebook_errors``) and makes the kernel give freed memory back to the
operating system promptly (``labkit.allocator``).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it (loaded on first access)
_LAZY = {
    "offline": "labkit.world.offline",
    "aws": "labkit.world.real",
    "connect": "labkit.world",
    "doctor": "labkit.doctor",
    "timeline": "labkit.timeline",
    "LabkitError": "labkit.errors",
}

__all__ = sorted([*_LAZY, "__version__"])


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'labkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__


def _prepare_notebook_kernel() -> None:
    import sys

    if "IPython" in sys.modules:  # only where IPython already runs: never import it here
        from labkit.allocator import return_freed_memory_promptly
        from labkit.notebook_errors import show_aws_errors_briefly

        show_aws_errors_briefly()
        return_freed_memory_promptly()


_prepare_notebook_kernel()
