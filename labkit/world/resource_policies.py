"""CloudWatch Logs resource policies: the store, its checks, and both profiles.

moto stores these policies but never checks their JSON or size and knows nothing
of log-group-level policies (``moto/logs/models.py``), so labkit keeps its own store.

Facts modelled:

* ``policyDocument`` "Length Constraints: Minimum length of 1. Maximum length of 5120"
  (classic) [DOC] https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html ;
  51,200 in the current API model and CloudWatch Logs User Guide [DOC]. The message of
  the oversize error follows AWS's generic request-validation wording [INFER].
* Up to 10 account-level policies per Region; the 11th -> ``LimitExceededException``
  "Resource limit exceeded." [ISSUE] aws/aws-cdk#22307. The same name again updates.
* A document CloudWatch Logs cannot store -> ``InvalidParameterException`` "Could not
  convert to persistable policy" [ISSUE] hashicorp/terraform-provider-aws#32260: recorded
  for an invalid principal value, a service name under ``"AWS"``
  (``{"AWS": "delivery.logs.amazonaws.com"}``) [AWS-REC issue 13 #16]; used here for any
  document that is not JSON or not a valid resource policy [INFER].
* Principals: the current API reference says these policies "only apply when operations
  are invoked by AWS service principals" [DOC]
  https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html ;
  other principals are accepted and not enforced [AWS-REC issue 13 #16]. So account ids,
  IAM ARNs, ``"*"`` and ``NotPrincipal`` statements are stored, and evaluated with IAM's
  rules for the only caller labkit models, the delivery service: an ``{"AWS": …}``
  statement never matches it, ``"*"`` does, and a ``NotPrincipal`` Deny that does not
  name it denies it [INFER: IAM's documented semantics applied to a service principal; no
  recording of those cases].
* Current profile: ``resourceArn`` (a log group), ``policyScope`` ``ACCOUNT | RESOURCE``,
  ``revisionId``, one policy per log group [DOC] API model; [ISSUE]
  hashicorp/terraform-provider-aws PR #47111. The classic profile answers in the
  article-era shape (no ``policyScope``/``revisionId``).
* Deleting a missing policy -> ``ResourceNotFoundException``
  "Policy with name [NAME] does not exist" [secondary] (moto's wording).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from labkit.errors import LabkitError

Profile = Literal["classic", "current"]

MAX_ACCOUNT_POLICIES = 10
CLASSIC_MAX_CHARS = 5120
CURRENT_MAX_BYTES = 51_200
UNPERSISTABLE = "Could not convert to persistable policy"
LOG_GROUP_RESOURCE = re.compile(
    r"^arn:aws[a-z-]*:logs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"log-group:(?P<name>[\.\-_/#A-Za-z0-9]+)(:\*)?$"
)


@dataclass(frozen=True)
class StoredPolicy:
    """One resource policy as CloudWatch Logs stores it."""

    name: str
    document: str
    last_updated_ms: int
    scope: Literal["ACCOUNT", "RESOURCE"] = "ACCOUNT"
    resource_arn: str | None = None
    revision_id: str | None = None

    def to_api(self, profile: Profile) -> dict[str, Any]:
        """The ``ResourcePolicy`` shape DescribeResourcePolicies returns."""
        out: dict[str, Any] = {
            "policyName": self.name,
            "policyDocument": self.document,
            "lastUpdatedTime": self.last_updated_ms,
        }
        if profile == "current":
            out["policyScope"] = self.scope
            if self.resource_arn:
                out["resourceArn"] = self.resource_arn
            if self.revision_id:
                out["revisionId"] = self.revision_id
        return out


def document_size(document: str, profile: Profile) -> int:
    """Characters (classic) or UTF-8 bytes (current) counted against the size limit."""
    return len(document) if profile == "classic" else len(document.encode("utf-8"))


def size_limit(profile: Profile) -> int:
    """5,120 characters (classic) or 51,200 bytes (current) [DOC]."""
    return CLASSIC_MAX_CHARS if profile == "classic" else CURRENT_MAX_BYTES


def check_document(document: str, profile: Profile) -> dict[str, Any]:
    """Parse and check a policy document as PutResourcePolicy does; return it parsed."""
    limit = size_limit(profile)
    if document_size(document, profile) > limit:
        raise LabkitError(
            "1 validation error detected: Value at 'policyDocument' failed to satisfy "
            f"constraint: Member must have length less than or equal to {limit}",
            code="InvalidParameterException",
        )
    try:
        parsed = json.loads(document)
    except ValueError:
        raise LabkitError(UNPERSISTABLE, code="InvalidParameterException") from None
    statements = parsed.get("Statement") if isinstance(parsed, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise LabkitError(UNPERSISTABLE, code="InvalidParameterException")
    if not all(isinstance(statement, dict) for statement in statements):
        raise LabkitError(UNPERSISTABLE, code="InvalidParameterException")
    try:
        from labkit.iam import Policy, PolicyError
    except ImportError:  # evaluator not installed: JSON and shape checks only
        return parsed
    try:
        Policy.load(parsed, kind="resource")
    except PolicyError:
        raise LabkitError(UNPERSISTABLE, code="InvalidParameterException") from None
    return parsed


class ResourcePolicyStore:
    """The account's CloudWatch Logs resource policies in one Region."""

    def __init__(self, profile: Profile, *, now_ms: Callable[[], int], rng: random.Random):
        self.profile: Profile = profile
        self._now_ms = now_ms
        self._rng = rng
        self.account: dict[str, StoredPolicy] = {}
        self.by_group: dict[str, StoredPolicy] = {}  # key: log group name

    def _revision(self) -> str:
        return f"{self._rng.getrandbits(128):032x}"

    def put(
        self,
        name: str,
        document: str,
        *,
        resource_arn: str | None = None,
        expected_revision_id: str | None = None,
        group_exists: Callable[[str], bool] = lambda name: True,
    ) -> StoredPolicy:
        """PutResourcePolicy: check, then create or replace; return the stored policy."""
        if not name:
            raise LabkitError("Policy name must not be empty", code="InvalidParameterException")
        check_document(document, self.profile)
        if resource_arn:
            match = LOG_GROUP_RESOURCE.match(resource_arn)
            if match is None:
                raise LabkitError(
                    f"Invalid resource ARN: {resource_arn}", code="InvalidParameterException"
                )
            group = match["name"]
            if not group_exists(group):
                raise LabkitError(
                    "The specified log group does not exist.", code="ResourceNotFoundException"
                )
            existing = self.by_group.get(group)
            if (
                existing is not None
                and expected_revision_id is not None
                and expected_revision_id != existing.revision_id
            ):
                raise LabkitError(
                    "The expected revision ID does not match the current revision ID.",
                    code="OperationAbortedException",
                )  # [INFER] wording
            policy = StoredPolicy(
                name, document, self._now_ms(), "RESOURCE", resource_arn, self._revision()
            )
            self.by_group[group] = policy
            return policy
        if name not in self.account and len(self.account) >= MAX_ACCOUNT_POLICIES:
            raise LabkitError("Resource limit exceeded.", code="LimitExceededException")
        old = self.account.get(name)
        policy = StoredPolicy(name, document, self._now_ms())
        if old is not None:
            policy = replace(old, document=document, last_updated_ms=self._now_ms())
        self.account[name] = policy
        return policy

    def delete(self, name: str, *, resource_arn: str | None = None) -> None:
        """DeleteResourcePolicy."""
        if resource_arn:
            match = LOG_GROUP_RESOURCE.match(resource_arn)
            group = match["name"] if match else None
            if group is None or group not in self.by_group or self.by_group[group].name != name:
                raise LabkitError(
                    f"Policy with name [{name}] does not exist", code="ResourceNotFoundException"
                )
            del self.by_group[group]
            return
        if name not in self.account:
            raise LabkitError(
                f"Policy with name [{name}] does not exist", code="ResourceNotFoundException"
            )
        del self.account[name]

    def describe(
        self, *, policy_scope: str | None = None, resource_arn: str | None = None
    ) -> list[StoredPolicy]:
        """DescribeResourcePolicies: account policies by default, or one group's."""
        if resource_arn or policy_scope == "RESOURCE":
            if resource_arn:
                match = LOG_GROUP_RESOURCE.match(resource_arn)
                policy = self.by_group.get(match["name"]) if match else None
                return [policy] if policy else []
            return list(self.by_group.values())
        return list(self.account.values())

    def applicable(self, group: str) -> list[StoredPolicy]:
        """Every policy that can authorise writes into ``group``: account + group-level."""
        out = list(self.account.values())
        if group in self.by_group:
            out.append(self.by_group[group])
        return out

    def forget_group(self, group: str) -> None:
        """A deleted log group takes its group-level policy with it [INFER]."""
        self.by_group.pop(group, None)
