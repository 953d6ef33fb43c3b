"""What went wrong while the doctor read AWS: an exception -> the doctor's status and one line.

The statuses are the keys of ``labkit.doctor.EXIT_CODES``. Credential problems are told
apart from permission problems by AWS's error codes [DOC] botocore's exceptions and the
AWS error codes of STS, IAM and the service APIs (``ExpiredToken``,
``UnrecognizedClientException``, ``AccessDenied``, ...); the lines are plain English
(AWS's own words stay English in every language).
"""

from __future__ import annotations

_CREDENTIAL_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "RequestExpired",
}
_DENIED_CODES = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "403"}


def aws_error_code(exc: BaseException) -> str:
    """AWS's error code of ``exc`` ("" when it carries no AWS answer)."""
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", "")) or ""


def classify(exc: BaseException) -> tuple[str, str]:
    """``(status, one line)`` for an exception raised while reading AWS."""
    from botocore.exceptions import (
        ClientError,
        EndpointConnectionError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
        ProfileNotFound,
        TokenRetrievalError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return "credentials", "no AWS credentials found (configure a profile or log in again)"
    if isinstance(exc, ProfileNotFound):
        return "credentials", f"AWS profile not found: {exc.kwargs.get('profile')!r}"
    if isinstance(exc, TokenRetrievalError):
        return "credentials", "the SSO session has expired: run `aws sso login` again"
    if isinstance(exc, NoRegionError):
        return "error", "no AWS region: pass --region"
    if isinstance(exc, EndpointConnectionError):
        return "error", f"cannot reach the endpoint: {exc.kwargs.get('endpoint_url')}"
    if isinstance(exc, ClientError):
        code = aws_error_code(exc)
        op = getattr(exc, "operation_name", "")
        if code in _CREDENTIAL_CODES:
            return "credentials", f"AWS rejected the credentials ({code}): they may be expired"
        if code in {"StateMachineDoesNotExist", "InvalidArn"}:
            return "unknown-state-machine", f"{code}: {exc.response['Error'].get('Message', '')}"
        if code in _DENIED_CODES:
            return (
                "access-denied",
                f"the caller may not call {op} ({code}); the doctor needs read access",
            )
        return "error", f"{op} failed: {code}"
    return "error", f"unexpected error: {type(exc).__name__}: {exc}"


__all__ = ["aws_error_code", "classify"]
