"""What the doctor reads from AWS, with calls that change nothing.

* The execution role's identity policies and permissions boundary (``GetRole``,
  ``ListAttachedRolePolicies``, ``GetPolicy``, ``GetPolicyVersion``, ``ListRolePolicies``,
  ``GetRolePolicy``), as ``labkit.iam.Policy`` objects. IAM returns policy documents
  URL-encoded on the wire [DOC] IAM API reference (GetRolePolicy, GetPolicyVersion);
  an AWS managed policy the endpoint does not know (a moto server) is read from
  ``labkit.iam``'s copies.
* A log stream name of the machine's, for evaluating the delivery request
  (``DescribeLogStreams``).
"""

from __future__ import annotations

import json
import urllib.parse
from datetime import UTC, datetime
from typing import Any

from labkit.doctor_failures import aws_error_code
from labkit.safety import arn_name


def _document(doc: Any) -> Any:
    """IAM returns policy documents URL-encoded on the wire; boto3 usually decodes them."""
    if isinstance(doc, str):
        text = urllib.parse.unquote(doc) if doc.lstrip().startswith("%7B") else doc
        return json.loads(text)
    return doc


def _managed_document(iam: Any, arn: str) -> Any:
    from botocore.exceptions import ClientError

    try:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
        return _document(version["PolicyVersion"]["Document"])
    except ClientError as exc:
        if aws_error_code(exc) != "NoSuchEntity" or ":aws:policy/" not in arn:
            raise
        from labkit.iam import managed_policy  # AWS managed, unknown to this endpoint

        return managed_policy(arn).document


def read_role(iam: Any, role_arn: str) -> tuple[list[Any], Any | None]:
    """The role's identity policies and boundary as ``labkit.iam.Policy`` objects."""
    from labkit.iam import Policy

    name = arn_name(role_arn)
    role = iam.get_role(RoleName=name)["Role"]
    identity = []
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=name):
        for attached in page["AttachedPolicies"]:
            doc = _managed_document(iam, attached["PolicyArn"])
            identity.append(Policy.load(doc, kind="identity", name=attached["PolicyName"]))
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=name):
        for policy_name in page["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=name, PolicyName=policy_name)["PolicyDocument"]
            identity.append(Policy.load(_document(doc), kind="identity", name=policy_name))
    boundary = None
    boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if boundary_arn:
        boundary = Policy.load(
            _managed_document(iam, boundary_arn), kind="boundary", name=arn_name(boundary_arn)
        )
    return identity, boundary


def stream_name(logs: Any, group: str, machine: str) -> str:
    """An existing ``states/<machine>/...`` stream, else one of AWS's shape [ISSUE]."""
    prefix = f"states/{machine}/"
    try:
        streams = logs.describe_log_streams(logGroupName=group, logStreamNamePrefix=prefix)
        for s in streams.get("logStreams", []):
            return s["logStreamName"]
    except Exception:  # noqa: BLE001 - a name of AWS's shape is as good for evaluation
        pass
    return f"{prefix}{datetime.now(UTC):%Y-%m-%d-%H-%M}/00000000"


__all__ = ["read_role", "stream_name"]
