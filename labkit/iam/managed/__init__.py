"""AWS managed policies used by the lessons, shipped as data with their version noted.

The documents are AWS-authored; labkit's copy is extracted from moto's bundled set by
:mod:`labkit.iam.managed.refresh` (see ``source`` in each entry). AWS lists managed policies and
their versions in the "AWS Managed Policy Reference Guide"
(https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html) [DOC].
Note: ``AWSStepFunctionsFullAccess`` grants only ``states:*``, nothing for log delivery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from labkit.errors import LabkitError
from labkit.iam.document import Policy

_FILE = "aws_managed_policies.json"


@dataclass(frozen=True)
class ManagedPolicy:
    """One AWS managed policy: its default version's document and dates."""

    name: str
    arn: str
    version_id: str
    update_date: str
    document: dict[str, Any]
    source: str = ""

    def policy(self, kind: str = "identity") -> Policy:
        """The document loaded as a :class:`Policy` (``identity`` or ``boundary``)."""
        return Policy.load(self.document, kind=kind, name=self.name)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"<ManagedPolicy {self.name} {self.version_id}, updated {self.update_date[:10]}>"


@cache
def _data() -> dict[str, dict[str, Any]]:
    text = resources.files(__name__).joinpath(_FILE).read_text(encoding="utf-8")
    return json.loads(text)["policies"]


MANAGED_POLICY_NAMES: tuple[str, ...] = (
    "AWSStepFunctionsConsoleFullAccess",
    "AWSStepFunctionsFullAccess",
    "AWSStepFunctionsReadOnlyAccess",
    "AdministratorAccess",
    "CloudWatchLogsFullAccess",
    "CloudWatchLogsReadOnlyAccess",
    "PowerUserAccess",
)


def managed_policy(name_or_arn: str) -> ManagedPolicy:
    """An AWS managed policy by name (``AdministratorAccess``) or ARN
    (``arn:aws:iam::aws:policy/AdministratorAccess``).

    Raises:
        LabkitError: ``NoSuchEntity`` when labkit does not ship that policy.

    >>> managed_policy("AdministratorAccess").version_id
    'v1'
    """
    if not isinstance(name_or_arn, str):
        raise LabkitError(f"a managed policy name or ARN is a string, not {name_or_arn!r}")
    name = name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn
    entry = _data().get(name)
    if entry is None or (name_or_arn.startswith("arn:") and entry["arn"] != name_or_arn):
        raise LabkitError(
            f"Policy {name_or_arn} does not exist or is not attachable. "
            f"labkit ships: {', '.join(MANAGED_POLICY_NAMES)}",
            code="NoSuchEntity",
        )
    return ManagedPolicy(
        entry["name"],
        entry["arn"],
        entry["DefaultVersionId"],
        entry["UpdateDate"],
        json.loads(json.dumps(entry["Document"])),
        entry.get("source", ""),
    )
