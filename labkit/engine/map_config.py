"""How a Map state is configured to run: its processor mode and run-time fields.

* ``ItemProcessor.ProcessorConfig.Mode`` is ``INLINE`` (the default) or ``DISTRIBUTED``;
  a distributed Map also names ``ExecutionType`` (``STANDARD`` | ``EXPRESS``) [DOC]
  https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html ;
* ``MaxConcurrency`` may be a JSONata expression, and the ``…Path`` forms
  (``MaxConcurrencyPath``, ``ToleratedFailureCountPath``, ``ToleratedFailurePercentagePath``)
  may read workflow variables; both are resolved when the state runs [AWS-REC issue 13 #3];
* ``Label`` names the Map Run in its ARN [DOC].
"""

from __future__ import annotations

from typing import Any

from labkit.engine.jsonata import is_expression

#: Map fields kept raw on the parsed state and read at run time
MAP_RUN_OPTIONS = (
    "ItemProcessor",
    "Label",
    "MaxConcurrencyPath",
    "ToleratedFailureCount",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentage",
    "ToleratedFailurePercentagePath",
    "ItemReader",
    "ItemBatcher",
    "ResultWriter",
)


def processor_config(processor: Any) -> dict[str, Any]:
    """The ``ProcessorConfig`` of an ``ItemProcessor`` (``{}`` when absent or malformed)."""
    config = processor.get("ProcessorConfig") if isinstance(processor, dict) else None
    return config if isinstance(config, dict) else {}


def map_mode(processor: Any) -> str:
    """``INLINE`` or ``DISTRIBUTED``."""
    return "DISTRIBUTED" if processor_config(processor).get("Mode") == "DISTRIBUTED" else "INLINE"


def execution_type(processor: Any) -> str:
    """The child executions' type of a distributed Map (``STANDARD`` unless ``EXPRESS``)."""
    return (
        "EXPRESS" if processor_config(processor).get("ExecutionType") == "EXPRESS" else "STANDARD"
    )


def max_concurrency(value: Any) -> Any:
    """An integer, or a JSONata expression kept for run time."""
    if is_expression(value):
        return value
    return int(value)


__all__ = ["MAP_RUN_OPTIONS", "execution_type", "map_mode", "max_concurrency", "processor_config"]
