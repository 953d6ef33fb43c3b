"""The AWS writes real-AWS mode sends for the lessons, and the resource each one addresses.

Tables the guard (:mod:`labkit.world.guard`) reads: which operations only read
(:data:`READ_ONLY`), which create (:data:`CREATES`) or delete (:data:`DELETES`) a
resource, and on which parameter every allowed write names its target (:data:`TARGETS`);
then the identifier a create or delete addresses, before and after AWS answers, the
``labkit:run`` tags every create carries (rule 1: ownership is recorded, then tagged), and
the write-ahead entries of a create in the ledger (rule 3; fields: :mod:`labkit.ledger`).
Identifiers follow the ARN formats of the IAM, CloudWatch Logs and Step Functions API
references [DOC]; an execution started without a name gets a UUID, as AWS would [DOC].
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from labkit.ledger import resource_key
from labkit.safety import lab_tags

READ_ONLY = ("Describe", "Get", "List", "Filter", "Test", "Validate", "Simulate", "Search")

#: (service, operation) -> (kind, id from the request before it is sent)
CREATES: dict[tuple[str, str], str] = {
    ("iam", "CreateRole"): "role",
    ("iam", "PutRolePolicy"): "role-policy",
    ("iam", "AttachRolePolicy"): "attached-policy",
    ("iam", "CreatePolicy"): "policy",
    ("logs", "CreateLogGroup"): "log-group",
    ("stepfunctions", "CreateStateMachine"): "state-machine",
    ("stepfunctions", "StartExecution"): "execution",
}
#: (service, operation) -> kind of the resource it deletes (recorded as ``deleted``)
DELETES: dict[tuple[str, str], str] = {
    ("iam", "DeleteRole"): "role",
    ("iam", "DeleteRolePolicy"): "role-policy",
    ("iam", "DetachRolePolicy"): "attached-policy",
    ("iam", "DeletePolicy"): "policy",
    ("logs", "DeleteLogGroup"): "log-group",
    ("stepfunctions", "DeleteStateMachine"): "state-machine",
    ("stepfunctions", "StopExecution"): "execution",
}
#: other writes the lessons make, on a target this run owns: (service, op) -> (param, kind)
TARGETS: dict[tuple[str, str], tuple[str, str]] = {
    ("iam", "CreateRole"): ("RoleName", "new"),
    ("iam", "DeleteRole"): ("RoleName", "role"),
    ("iam", "PutRolePolicy"): ("RoleName", "role"),
    ("iam", "DeleteRolePolicy"): ("RoleName", "role"),
    ("iam", "AttachRolePolicy"): ("RoleName", "role"),
    ("iam", "DetachRolePolicy"): ("RoleName", "role"),
    ("iam", "UpdateAssumeRolePolicy"): ("RoleName", "role"),
    ("iam", "CreatePolicy"): ("PolicyName", "new"),
    ("iam", "DeletePolicy"): ("PolicyArn", "policy"),
    ("iam", "CreatePolicyVersion"): ("PolicyArn", "policy"),
    ("iam", "DeletePolicyVersion"): ("PolicyArn", "policy"),
    ("logs", "CreateLogGroup"): ("logGroupName", "new"),
    ("logs", "DeleteLogGroup"): ("logGroupName", "log-group"),
    ("logs", "CreateLogStream"): ("logGroupName", "log-group"),
    ("logs", "DeleteLogStream"): ("logGroupName", "log-group"),
    ("logs", "PutLogEvents"): ("logGroupName", "log-group"),
    ("logs", "PutRetentionPolicy"): ("logGroupName", "log-group"),
    ("logs", "DeleteRetentionPolicy"): ("logGroupName", "log-group"),
    ("stepfunctions", "CreateStateMachine"): ("name", "new"),
    ("stepfunctions", "UpdateStateMachine"): ("stateMachineArn", "state-machine"),
    ("stepfunctions", "DeleteStateMachine"): ("stateMachineArn", "state-machine"),
    ("stepfunctions", "StartExecution"): ("stateMachineArn", "state-machine"),
    ("stepfunctions", "StartSyncExecution"): ("stateMachineArn", "state-machine"),
    ("stepfunctions", "StopExecution"): ("executionArn", "execution"),
    ("logs", "PutResourcePolicy"): ("", "policy-entries"),
    ("logs", "DeleteResourcePolicy"): ("", "policy-entries"),
}

# The lab namespace: parameters holding a name the lab reads as ``<prefix><name>``.
NAME_PARAMS: dict[str, tuple[str, ...]] = {
    "iam": ("RoleName",),
    "logs": ("logGroupName", "logGroupNamePrefix", "logGroupIdentifier"),
}
CREATE_NAMES = {
    ("iam", "CreatePolicy"): "PolicyName",
    ("stepfunctions", "CreateStateMachine"): "name",
}
EXISTS = {"EntityAlreadyExists", "ResourceAlreadyExistsException", "StateMachineAlreadyExists"}


def prepare_create(world: Any, service: str, op: str, params: dict[str, Any]) -> None:
    """Tags on every create; the boundary on every role; a name on every execution."""
    tags = lab_tags(world.run_id)
    if (service, op) in {("iam", "CreateRole"), ("iam", "CreatePolicy")}:
        have = {t.get("Key") for t in params.get("Tags", [])}
        params["Tags"] = list(params.get("Tags", [])) + [
            {"Key": k, "Value": v} for k, v in tags.items() if k not in have
        ]
    if (service, op) == ("iam", "CreateRole"):
        params["PermissionsBoundary"] = world.boundary_arn()
    elif (service, op) == ("logs", "CreateLogGroup"):
        params["tags"] = {**dict(params.get("tags", {})), **tags}
    elif (service, op) == ("stepfunctions", "CreateStateMachine"):
        have = {t.get("key") for t in params.get("tags", [])}
        params["tags"] = list(params.get("tags", [])) + [
            {"key": k, "value": v} for k, v in tags.items() if k not in have
        ]
    elif (service, op) == ("stepfunctions", "StartExecution"):
        params.setdefault("name", str(uuid.uuid4()))  # as AWS would; lets a lookup find it


def create_id(world: Any, service: str, op: str, params: Mapping[str, Any]) -> str:
    """The identifier of what a create addresses, before it is sent (the ledger's intent)."""
    if (service, op) == ("iam", "PutRolePolicy"):
        return f"{params['RoleName']}/{params['PolicyName']}"
    if (service, op) == ("iam", "AttachRolePolicy"):
        return f"{params['RoleName']}|{params['PolicyArn']}"
    if (service, op) == ("iam", "CreatePolicy"):
        path = params.get("Path") or "/"
        return f"arn:{world.partition}:iam::{world.account_id}:policy{path}{params['PolicyName']}"
    if (service, op) == ("stepfunctions", "CreateStateMachine"):
        return f"arn:{world.partition}:states:{world.region}:{world.account_id}:stateMachine:{params['name']}"
    if (service, op) == ("stepfunctions", "StartExecution"):
        machine = str(params["stateMachineArn"])
        return f"{machine.replace(':stateMachine:', ':execution:', 1)}:{params['name']}"
    return str(params.get({"iam": "RoleName", "logs": "logGroupName"}[service]))


def response_id(service: str, op: str, params: Mapping, response: Mapping) -> str | None:
    """The identifier AWS's answer gives, where it may differ from :func:`create_id`'s."""
    if (service, op) == ("iam", "CreatePolicy"):
        return (response.get("Policy") or {}).get("Arn")
    if (service, op) == ("stepfunctions", "CreateStateMachine"):
        return response.get("stateMachineArn")
    if (service, op) == ("stepfunctions", "StartExecution"):
        return response.get("executionArn")
    return None


def delete_id(service: str, op: str, params: Mapping) -> str:
    """The identifier of what a delete addresses."""
    if (service, op) == ("iam", "DeleteRolePolicy"):
        return f"{params['RoleName']}/{params['PolicyName']}"
    if (service, op) == ("iam", "DetachRolePolicy"):
        return f"{params['RoleName']}|{params['PolicyArn']}"
    param, _ = TARGETS[(service, op)]
    return str(params[param])


def record_intent(ledger: Any, service: str, kind: str, ident: str, operation: str) -> str:
    """Write ``intent`` before a create is sent (rule 3); return the resource's ledger key."""
    key = resource_key(service, kind, ident)
    ledger.record("intent", key=key, service=service, kind=kind, id=ident, operation=operation)
    return key


def record_created(
    ledger: Any, key: str, kind: str, ident: Any, operation: Any, *, via: str
) -> None:
    """Write the ``created`` outcome of ``key`` (``via``: response, lookup or answered)."""
    service = key.split(":", 1)[0]
    ledger.record(
        "created", key=key, service=service, kind=kind, id=ident, operation=operation, via=via
    )


__all__ = [
    "CREATES",
    "CREATE_NAMES",
    "DELETES",
    "EXISTS",
    "NAME_PARAMS",
    "READ_ONLY",
    "TARGETS",
    "create_id",
    "delete_id",
    "prepare_create",
    "record_created",
    "record_intent",
    "response_id",
]
