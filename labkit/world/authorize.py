"""Who may do what, asked of ``labkit.iam``: the role at set-up, the delivery service at run time.

* Set-up [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html and
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/logs/AWS-logs-infrastructure-CWL.html :
  the execution role needs ``logs:CreateLogDelivery``; to create or extend the resource
  policy it also needs ``logs:PutResourcePolicy``, ``logs:DescribeResourcePolicies`` and
  ``logs:DescribeLogGroups``. These actions have no resource types, so they are asked on
  ``*`` [DOC] Service Authorization Reference.
* Delivery [DOC] CloudWatch Logs User Guide: ``delivery.logs.amazonaws.com`` writes under
  the log group's resource policies only (account-level and group-level are a union);
  ``logs:CreateLogStream`` and ``logs:PutLogEvents`` authorise against the log-stream ARN.
  The delivery service supplies ``aws:SourceAccount`` and an ``arn:aws:logs:...`` ARN as
  ``aws:SourceArn`` [INFER: labkit uses the log group's ARN, which matches AWS's own
  ``ArnLike arn:aws:logs:REGION:ACCOUNT:*`` condition].
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

DELIVERY_PRINCIPAL = "delivery.logs.amazonaws.com"
CREATE_DELIVERY = "logs:CreateLogDelivery"
POLICY_SETUP_ACTIONS = (
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)


def log_group_arn(region: str, account: str, group: str) -> str:
    """``arn:aws:logs:REGION:ACCOUNT:log-group:NAME`` (no ``:*``)."""
    return f"arn:aws:logs:{region}:{account}:log-group:{group}"


def stream_arn(region: str, account: str, group: str, stream: str) -> str:
    """The log-stream ARN that CreateLogStream and PutLogEvents authorise against [DOC]."""
    return f"{log_group_arn(region, account, group)}:log-stream:{stream}"


def delivery_context(region: str, account: str, group: str) -> dict[str, str]:
    """Condition keys the delivery service supplies [DOC] keys, [INFER] SourceArn value."""
    return {
        "aws:SourceAccount": account,
        "aws:SourceArn": log_group_arn(region, account, group),
    }


def load_resource_policies(documents: Iterable[tuple[str, str]]) -> list[Any]:
    """``labkit.iam.Policy`` objects for ``(name, document)`` pairs (unloadable ones skipped)."""
    out = []
    for name, document in documents:
        policy = _load_resource_policy(name, document)
        if policy is not None:  # else check_document refused it at put time
            out.append(policy)
    return out


@lru_cache(maxsize=256)
def _load_resource_policy(name: str, document: str) -> Any:
    """One frozen Policy per (name, text): every delivery's explanation shares it, instead of
    each of thousands of flushes keeping its own parsed copy (issue 14, memory)."""
    from labkit.iam import Policy, PolicyError

    try:
        return Policy.load(document, kind="resource", name=name)
    except PolicyError:
        return None


def delivery_decision(
    policies: Sequence[Any], *, action: str, resource: str, context: Mapping[str, str]
) -> Any:
    """The decision for the delivery service writing ``resource`` under ``policies``.

    Decisions are shared: every flush into the same stream under the same policies asks the
    same question, and each answer is kept by thousands of delivery rows (issue 14, memory).
    """
    from labkit.iam import Request, evaluate

    key = (
        tuple((p.name, p.text) for p in policies),
        action,
        resource,
        tuple(sorted(context.items())),
    )
    found = _DECISIONS.get(key)
    if found is None:
        request = Request(DELIVERY_PRINCIPAL, action, resource, dict(context))
        found = evaluate(request, identity=(), resource=tuple(policies))
        if len(_DECISIONS) >= 1024:
            _DECISIONS.clear()
        _DECISIONS[key] = found
    return found


_DECISIONS: dict[tuple, Any] = {}


def role_decision(
    role_arn: str, action: str, *, identity: Sequence[Any], boundary: Any | None
) -> Any:
    """The decision for the execution role doing ``action`` on ``*``."""
    from labkit.iam import Request, evaluate

    return evaluate(Request(role_arn, action, "*"), identity=tuple(identity), boundary=boundary)
