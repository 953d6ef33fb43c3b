"""Drop what moto keeps in memory but an offline world never reads.

moto bundles the text of every AWS managed IAM policy (1,500+, about 4.7 MB of JSON) in
``moto/iam/aws_managed_policies.py`` and ``moto.iam.models`` imports it at load time, so
every kernel that imports moto's IAM holds it (5.2 MB resident, measured with
``benchmarks/bench_learner_memory.py``). moto reads the text only in
``IAMBackend._init_aws_policies``, and only when its ``iam.load_aws_managed_policies``
setting is on; it is off by default and never on for an offline world, which installs
its own vendored copies of the few managed policies the lessons use
(``labkit.world.roles.install_managed_policies``).

:func:`forget_managed_policy_text` lets the text go and wraps ``_init_aws_policies`` so
that a moto backend created with the setting on (a moto server in the same process,
say) still gets every policy: the module is imported afresh from disk at that moment.
Pinned to moto 5.2.5, like ``labkit.world.moto_store``; ``tests/test_world_isolation.py``
checks both paths.
"""

from __future__ import annotations

import functools
import importlib
import sys
from typing import Any

import moto.iam.models as _iam_models

TEXT_MODULE = "moto.iam.aws_managed_policies"
#: What ``moto.iam.models.aws_managed_policies_data`` holds while the text is not loaded.
NOT_LOADED = ""


def _text_on_demand(init_aws_policies: Any) -> Any:
    @functools.wraps(init_aws_policies)
    def wrapper(self: Any) -> Any:
        if _iam_models.aws_managed_policies_data == NOT_LOADED and (
            _iam_models.load_iam_aws_managed_policies()
        ):
            _iam_models.aws_managed_policies_data = importlib.import_module(
                TEXT_MODULE
            ).aws_managed_policies_data
        return init_aws_policies(self)

    wrapper.labkit_on_demand = True  # type: ignore[attr-defined]
    return wrapper


def forget_managed_policy_text() -> bool:
    """Release moto's managed-policy text unless moto is set to load it; True if released."""
    if _iam_models.load_iam_aws_managed_policies():
        return False
    backend = _iam_models.IAMBackend
    if not getattr(backend._init_aws_policies, "labkit_on_demand", False):
        backend._init_aws_policies = _text_on_demand(backend._init_aws_policies)
    _iam_models.aws_managed_policies_data = NOT_LOADED
    sys.modules.pop(TEXT_MODULE, None)
    package = sys.modules.get("moto.iam")
    if package is not None and hasattr(package, "aws_managed_policies"):
        delattr(package, "aws_managed_policies")
    return True
