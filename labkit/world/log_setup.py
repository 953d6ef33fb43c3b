"""Log-delivery set-up at CreateStateMachine/UpdateStateMachine, acting as the execution role.

Facts modelled:

* Checked at Create/Update with a level other than OFF [ISSUE]
  qiita.com/tmiki/items/1ad26ca38f8b68e00df1. Failure: ``AccessDeniedException`` (HTTP 400)
  "The state machine IAM Role is not authorized to access the Log Destination" [ISSUE]
  aws/aws-cdk#26432, aws-samples/serverless-patterns PR #102; the same message when the
  resource policy, not the role, is at fault [ISSUE] serverless-operations/serverless-step-functions#334.
* If no resource policy lets the delivery service write the group, and the role may
  ``PutResourcePolicy``/``DescribeResourcePolicies``/``DescribeLogGroups``, AWS creates or
  appends the ``AWSLogDeliveryWrite20150319`` statement [DOC] CloudWatch Logs User Guide
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/logs/AWS-logs-infrastructure-CWL.html .
* Classic: one account-level policy of at most 5,120 characters; near the limit AWS
  "automatically enables ``/aws/vendedlogs/*``" [DOC]; the threshold is undocumented and
  configurable here (``vended_threshold``, [INFER]). A name that no longer fits ->
  ``InvalidLoggingConfiguration`` "Invalid Logging Configuration: The CloudWatch Logs
  Resource Policy size was exceeded. We suggest prefixing your CloudWatch log group name
  with /aws/vendedlogs/states/." [ISSUE] aws/aws-cdk#28900. Projects that hit it fixed
  their deployments by following that advice [AWS-REC issue 13 #15], so a full policy must
  still take the ``/aws/vendedlogs/*`` wildcard: other names may not use the room the
  wildcard entry needs while it is absent. The exact reservation (the characters of one
  more ``Resource`` entry) is [INFER].
* Current (2026): "resource policies are configured at the log group level and have a
  maximum size of 51,200 bytes. If an existing account-level resource policy already
  grants permissions through wildcards, a separate log group level policy would not be
  created." [DOC]. The group-level policy's name is not documented [INFER: the same name].
* Set-up creates the stream ``log_stream_created_by_aws_to_validate_log_delivery_subscriptions``
  [AWS-REC] (LocalStack ``VALIDATION_LOG_STREAM_NAME``).

The statement's shape has two eras (``STATEMENT_SHAPES``):

* ``"documented"`` (today, the default): Sid ``AWSLogDeliveryWrite20150319``, principal
  and resources as lists, ``aws:SourceAccount``/``aws:SourceArn`` conditions, as the
  CloudWatch Logs User Guide prints it [DOC]
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html ;
* ``"2020"``: what the article's experiment printed in December 2020 (us-west-2):
  ``{"Version":"2012-10-17","Statement":[{"Sid":"AWSLogDeliveryWrite","Effect":"Allow",
  "Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":["logs:CreateLogStream",
  "logs:PutLogEvents"],"Resource":"arn:aws:logs:us-west-2:ACCOUNT:log-group:/aws/vendedlogs/
  states/LookingIntoLogging-Logs:log-stream:*"}]}``: Sid ``AWSLogDeliveryWrite``, principal
  and resource as strings, no Condition [AWS-REC issue 13 #17; same shape in 2020 reports,
  serverless-operations/serverless-step-functions#334]. A second group turns ``Resource``
  into a list [INFER; lists of entries are what later reports show, anomalyco/sst#125].

Why the conditions appeared: AWS's cross-service *confused deputy* guidance, which
recommends ``aws:SourceArn``/``aws:SourceAccount`` in resource policies that grant service
principals access [DOC] https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html .
The archived CloudWatch Logs User Guide (``awsdocs/amazon-cloudwatch-logs-user-guide``,
``doc_source/AWS-logs-and-resource-policy.md``) has no policy example and no conditions in
its 2020-06-26 snapshot, and the conditioned policy plus a "Cross-service confused deputy
prevention" section in its 2022-03-25 snapshot [DOC]; the month in between is not known
[INFER: between those snapshots].
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from labkit.errors import LabkitError
from labkit.world import authorize
from labkit.world.resource_policies import (
    MAX_ACCOUNT_POLICIES,
    ResourcePolicyStore,
    document_size,
    size_limit,
)

POLICY_NAME = "AWSLogDeliveryWrite20150319"
#: Sid of the statement AWS wrote in 2020 [AWS-REC issue 13 #17]
SID_2020 = "AWSLogDeliveryWrite"
STATEMENT_SHAPES = ("documented", "2020")
VALIDATION_STREAM = "log_stream_created_by_aws_to_validate_log_delivery_subscriptions"
VENDED_PREFIX = "/aws/vendedlogs/"
ACCESS_DENIED = "The state machine IAM Role is not authorized to access the Log Destination"
SIZE_EXCEEDED = (
    "Invalid Logging Configuration: The CloudWatch Logs Resource Policy size was exceeded. "
    "We suggest prefixing your CloudWatch log group name with /aws/vendedlogs/states/."
)
#: Characters at which the classic policy is "approaching" 5,120 [INFER].
DEFAULT_VENDED_THRESHOLD = 4096


@dataclass(frozen=True)
class SetupResult:
    """What set-up did: ``action`` is "none", "created" or "appended"; ``policy_name``."""

    action: str
    policy_name: str | None = None
    resource_arn: str | None = None


def delivery_statement(
    region: str, account: str, resources: Sequence[str], shape: str = "documented"
) -> dict[str, Any]:
    """The statement AWS creates: the documented shape [DOC] or the 2020 one [AWS-REC]."""
    if shape == "2020":
        return {
            "Sid": SID_2020,
            "Effect": "Allow",
            "Principal": {"Service": authorize.DELIVERY_PRINCIPAL},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": resources[0] if len(resources) == 1 else list(resources),
        }
    return {
        "Sid": POLICY_NAME,
        "Effect": "Allow",
        "Principal": {"Service": [authorize.DELIVERY_PRINCIPAL]},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": list(resources),
        "Condition": {
            "StringEquals": {"aws:SourceAccount": [account]},
            "ArnLike": {"aws:SourceArn": [f"arn:aws:logs:{region}:{account}:*"]},
        },
    }


def group_resource(region: str, account: str, group: str) -> str:
    """One policy ``Resource`` entry: ``...:log-group:NAME:log-stream:*``."""
    return f"{authorize.log_group_arn(region, account, group)}:log-stream:*"


def vended_wildcard(region: str, account: str) -> str:
    """The wildcard AWS stores: ``arn:aws:logs:R:A:log-group:/aws/vendedlogs/*`` [ISSUE] sst#125."""
    return f"arn:aws:logs:{region}:{account}:log-group:{VENDED_PREFIX}*"


def wildcard_room(region: str, account: str) -> int:
    """Characters one more ``Resource`` entry ``,"…/aws/vendedlogs/*"`` takes [INFER]."""
    return len(vended_wildcard(region, account)) + 3


def dump(document: dict[str, Any]) -> str:
    """Compact JSON, as the policy is stored."""
    return json.dumps(document, separators=(",", ":"))


def delivery_covered(store: ResourcePolicyStore, region: str, account: str, group: str) -> bool:
    """Whether the group's policies already let the delivery service create streams and write."""
    policies = authorize.load_resource_policies(
        (p.name, p.document) for p in store.applicable(group)
    )
    resource = authorize.stream_arn(region, account, group, VALIDATION_STREAM)
    context = authorize.delivery_context(region, account, group)
    return all(
        authorize.delivery_decision(policies, action=a, resource=resource, context=context).allowed
        for a in ("logs:CreateLogStream", "logs:PutLogEvents")
    )


def _extended(
    document: dict[str, Any], region: str, account: str, entries: list[str], shape: str
) -> dict:
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    statements = [dict(s) for s in statements or []]
    for statement in statements:
        if statement.get("Sid") in (POLICY_NAME, SID_2020):
            resources = statement.get("Resource", [])
            resources = [resources] if isinstance(resources, str) else list(resources)
            statement["Resource"] = resources + [e for e in entries if e not in resources]
            break
    else:
        statements.append(delivery_statement(region, account, entries, shape))
    return {**document, "Statement": statements}


def _classic(
    store: ResourcePolicyStore, region: str, account: str, group: str, threshold: int, shape: str
) -> SetupResult:
    existing = store.account.get(POLICY_NAME)
    if existing is None:
        if len(store.account) >= MAX_ACCOUNT_POLICIES:
            raise LabkitError(ACCESS_DENIED, code="AccessDeniedException")  # [INFER]
        base: dict[str, Any] = {"Version": "2012-10-17", "Statement": []}
    else:
        base = json.loads(existing.document)
    wildcard = vended_wildcard(region, account)
    document = _extended(base, region, account, [group_resource(region, account, group)], shape)
    text = dump(document)
    limit = size_limit("classic")
    if group.startswith(VENDED_PREFIX):
        if document_size(text, "classic") > threshold:
            document = _extended(base, region, account, [wildcard], shape)
            text = dump(document)
    elif wildcard not in text:
        limit -= wildcard_room(region, account)  # keep room for AWS's advice to work
    if document_size(text, "classic") > limit:
        raise LabkitError(SIZE_EXCEEDED, code="InvalidLoggingConfiguration")
    store.put(POLICY_NAME, text)
    return SetupResult("created" if existing is None else "appended", POLICY_NAME)


def _current(store: ResourcePolicyStore, region: str, account: str, group: str) -> SetupResult:
    existing = store.by_group.get(group)
    base = json.loads(existing.document) if existing else {"Version": "2012-10-17", "Statement": []}
    entry = group_resource(region, account, group)
    text = dump(_extended(base, region, account, [entry], "documented"))
    if document_size(text, "current") > size_limit("current"):
        raise LabkitError(SIZE_EXCEEDED, code="InvalidLoggingConfiguration")
    arn = authorize.log_group_arn(region, account, group)
    name = existing.name if existing else POLICY_NAME
    store.put(name, text, resource_arn=arn, expected_revision_id=None)
    return SetupResult("created" if existing is None else "appended", name, arn)


def set_up_delivery(
    *,
    store: ResourcePolicyStore,
    region: str,
    account: str,
    group: str,
    role_arn: str,
    identity: Sequence[Any],
    boundary: Any | None,
    vended_threshold: int = DEFAULT_VENDED_THRESHOLD,
    create_validation_stream: Callable[[], None] = lambda: None,
    shape: str = "documented",
) -> SetupResult:
    """Do what Step Functions does, as the role, before accepting a logging destination.

    Raises ``LabkitError`` (AccessDeniedException / InvalidLoggingConfiguration) and then
    changes nothing.
    """

    def allowed(action: str) -> bool:
        return authorize.role_decision(
            role_arn, action, identity=identity, boundary=boundary
        ).allowed

    if not allowed(authorize.CREATE_DELIVERY):
        raise LabkitError(ACCESS_DENIED, code="AccessDeniedException")
    if delivery_covered(store, region, account, group):
        result = SetupResult("none")
    else:
        if not all(allowed(a) for a in authorize.POLICY_SETUP_ACTIONS):
            raise LabkitError(ACCESS_DENIED, code="AccessDeniedException")
        if store.profile == "classic":
            result = _classic(store, region, account, group, vended_threshold, shape)
        else:
            result = _current(store, region, account, group)
    create_validation_stream()
    return result
