"""Errors of ``labkit.iam``.

::

    LabkitError (labkit.errors)
    ├── PolicyError     a policy document is malformed; ``.where`` names the statement and key
    └── RequestError    a request or its context cannot be evaluated (bad action, bad value)

``PolicyError.code`` is IAM's error type ``MalformedPolicyDocument`` and ``.message`` IAM's own
wording where it is recorded (for example "Syntax errors in policy.", "Policy document should
not specify a principal." [ISSUE hashicorp/terraform #13449], "Missing required field
Principal" [ISSUE aws-amplify/docs #2586]). Services other than IAM answer with their own
type (CloudWatch Logs ``PutResourcePolicy`` uses ``InvalidParameterException``
[INFER from the logs API model's error list]); callers re-map ``.code`` and keep ``.detail``.
``.detail`` is labkit's precise explanation, which AWS does not give.
"""

from __future__ import annotations

from labkit.errors import LabkitError

MALFORMED = "MalformedPolicyDocument"
SYNTAX = "Syntax errors in policy."


class PolicyError(LabkitError, ValueError):
    """A policy document is malformed; ``.where`` names the statement and key."""

    def __init__(
        self,
        message: str = SYNTAX,
        *,
        detail: str = "",
        where: str = "",
        code: str = MALFORMED,
    ) -> None:
        super().__init__(message, code=code)
        self.detail = detail
        self.where = where

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        extra = "; ".join(part for part in (self.where, self.detail) if part)
        return f"{text} ({extra})" if extra else text


class RequestError(LabkitError, ValueError):
    """A request (principal, action, resource or context value) cannot be evaluated.

    ``.code`` is ``InvalidInput``, the type IAM's policy simulator uses for bad input
    (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html) [DOC].
    """

    code = "InvalidInput"
