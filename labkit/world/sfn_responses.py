"""How the offline world's Step Functions answers show machines and executions.

Field names and shapes follow the API model (``botocore/data/stepfunctions/2016-11-23/
service-2.json``) [DOC]: DescribeStateMachine and DescribeStateMachineForExecution share
the machine's fields (the latter with the definition, role and logging the execution
started with); DescribeExecution, StartSyncExecution and ListExecutions share the
execution's outcome fields. GetExecutionHistory pages with ``nextToken`` and, with
``includeExecutionData=False``, leaves out the events' data fields [DOC].
"""

from __future__ import annotations

from typing import Any

from labkit.world import delivery
from labkit.world.sfn_records import Execution, Machine, api_error


def machine_fields(
    m: Machine, *, definition: str, role_arn: str, logging: dict[str, Any]
) -> dict[str, Any]:
    """The fields DescribeStateMachine and DescribeStateMachineForExecution share."""
    out: dict[str, Any] = {
        "stateMachineArn": m.arn,
        "name": m.name,
        "definition": definition,
        "roleArn": role_arn,
        "loggingConfiguration": logging,
        "tracingConfiguration": {"enabled": False},
    }
    if m.revision_id:
        out["revisionId"] = m.revision_id
    return out


def outcome(e: Execution) -> dict[str, Any]:
    """``output``/``outputDetails`` or ``error``/``cause``, as far as the execution has them."""
    out: dict[str, Any] = {}
    if e.output is not None:
        out["output"] = e.output
        out["outputDetails"] = {"included": True}
    if e.error is not None:
        out["error"] = e.error
    if e.cause is not None:
        out["cause"] = e.cause
    return out


def wanted(e: Execution, p: dict[str, Any]) -> bool:
    return not p.get("statusFilter") or e.status == p["statusFilter"]


def list_item(e: Execution) -> dict[str, Any]:
    item: dict[str, Any] = {
        "executionArn": e.arn,
        "stateMachineArn": e.machine.arn,
        "name": e.name,
        "status": e.status,
        "startDate": e.start,
    }
    if e.stop is not None:
        item["stopDate"] = e.stop
    if "mapRunArn" in e.extra:
        item["mapRunArn"] = e.extra["mapRunArn"]
    return item


def page_start(token: Any, total: int) -> int:
    """The index a ``nextToken`` of this world's own making stands for.

    Any other token is ``InvalidToken`` "The provided token is not valid." [DOC] (API
    reference, GetExecutionHistory errors); AWS's tokens are opaque, labkit's are the
    decimal index of the next event [INFER].
    """
    if token is None or token == "":
        return 0
    if isinstance(token, str) and token.isascii() and token.isdigit() and int(token) <= total:
        return int(token)
    raise api_error("InvalidToken", "The provided token is not valid.")


def strip_event(event: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            value = {k: v for k, v in value.items() if k not in delivery.DATA_KEYS}
        out[key] = value
    return out


__all__ = ["list_item", "machine_fields", "outcome", "page_start", "strip_event", "wanted"]
