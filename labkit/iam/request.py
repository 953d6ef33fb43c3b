"""The request context: who (principal) wants to do what (action) to which resource, and the
condition keys that come with it.

AWS fact modelled [DOC]: before evaluating policies AWS builds a request context of
principal, action, resource and condition keys; every context value is a string or a list of
strings, and key names are case-insensitive
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from labkit.iam.errors import RequestError
from labkit.iam.match import PrincipalRef, classify_principal

_ACTION_RE = re.compile(r"^[A-Za-z0-9\-.]+:[A-Za-z0-9\-_]+$")


@dataclass(frozen=True)
class Request:
    """One request to authorise.

    Args:
        principal: a service principal (``delivery.logs.amazonaws.com``), an IAM ARN
            (``arn:aws:iam::123456789012:role/R``, ``:user/U``, ``:root``, an STS
            ``assumed-role`` session) or a 12-digit account id (the account's root).
        action: ``service:Action`` without wildcards, e.g. ``logs:PutLogEvents``.
        resource: the resource ARN, or ``*`` for actions without resource types.
        context: condition keys to values (a string or a list of strings).

    Raises:
        RequestError: when any part is not of these forms.

    >>> Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", "*").service
    'logs'
    """

    principal: str
    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    principal_ref: PrincipalRef = field(init=False, repr=False, compare=False)
    action_lower: str = field(init=False, repr=False, compare=False)
    values: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.principal, str) or not self.principal:
            raise RequestError(f"principal must be a non-empty string, not {self.principal!r}")
        ref = classify_principal(self.principal)
        if ref is None:
            raise RequestError(
                f"principal {self.principal!r} is not a service principal "
                "(name.amazonaws.com), an IAM user/role/root ARN, an assumed-role ARN "
                "or a 12-digit account id"
            )
        if not isinstance(self.action, str) or not _ACTION_RE.match(self.action):
            raise RequestError(
                f"action {self.action!r} must look like service:Action, e.g. logs:PutLogEvents "
                "(no wildcards in a request)"
            )
        if not isinstance(self.resource, str) or not self.resource:
            raise RequestError(f"resource must be an ARN or '*', not {self.resource!r}")
        if not isinstance(self.context, Mapping):
            raise RequestError("context must be a mapping of condition keys to values")
        values: dict[str, tuple[str, ...]] = {}
        for key, value in self.context.items():
            if not isinstance(key, str) or ":" not in key:
                raise RequestError(
                    f"context key {key!r} must be a condition key such as aws:SourceAccount"
                )
            if isinstance(value, str):
                values[key.lower()] = (value,)
            elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
                values[key.lower()] = tuple(value)
            else:
                raise RequestError(
                    f"context key {key} has value {value!r}; context values are strings "
                    "or lists of strings (write true/false and numbers as strings)"
                )
        object.__setattr__(self, "principal_ref", ref)
        object.__setattr__(self, "action_lower", self.action.lower())
        object.__setattr__(self, "values", MappingProxyType(values))

    def __hash__(self) -> int:
        return hash(
            (self.principal, self.action, self.resource, tuple(sorted(self.values.items())))
        )

    @property
    def service(self) -> str:
        """The action's service prefix, lower-cased."""
        return self.action_lower.split(":", 1)[0]

    @property
    def is_service_principal(self) -> bool:
        return self.principal_ref.kind == "service"
