"""labkit's own errors.

AWS-facing failures are never raised from here: the offline and real worlds
answer with botocore's ``ClientError`` carrying AWS's error code and message, so
the same ``except`` clause works in both worlds. This module holds only the
errors for misusing labkit itself and for malformed input to its pure helpers::

    LabkitError                 misuse of labkit (bad argument, wrong state)
    ├── PolicyError             a policy document is malformed (labkit.iam)
    └── InvalidDefinition       an Amazon States Language definition is invalid (labkit.engine)

Each error that mirrors an AWS error carries ``code`` (AWS's error type, for
example ``MalformedPolicyDocument``) and ``message`` (AWS's wording).
"""

from __future__ import annotations


class LabkitError(Exception):
    """labkit was used in a way it does not support; the message says how to fix it."""

    code: str = "LabkitError"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"
