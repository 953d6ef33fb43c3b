"""The one ``labkit:`` line added to an AWS or network error the learner sees (rule 6 of
:mod:`labkit.world.guard`): the original exception stays as it is, with a PEP 678 note."""

from __future__ import annotations

from labkit.world.policy_entries import error_code

_THROTTLED = {
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
}


def hint(exc: BaseException, where: str, resolved: str | None = None, *, write: bool = True) -> str:
    """The one ``labkit:`` line added to an error the learner sees (rule 6)."""
    from botocore.exceptions import (
        ConnectionClosedError,
        EndpointConnectionError,
        NoCredentialsError,
        ReadTimeoutError,
    )

    code = error_code(exc)
    status = (
        (getattr(exc, "response", None) or {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
    )
    after = f" {resolved}" if resolved else ""
    if isinstance(exc, ConnectionClosedError | ReadTimeoutError) and not write:
        return (
            f"labkit: no response from AWS to {where} (the connection dropped or timed out); "
            "it only reads, so nothing changed: run the cell again."
        )
    if isinstance(exc, ConnectionClosedError | ReadTimeoutError):
        return (
            f"labkit: no response from AWS to {where} (the connection dropped or timed out); "
            f"it may or may not have been carried out.{after} Run the cell again; "
            "clean-up covers both cases."
        )
    if isinstance(exc, EndpointConnectionError):
        return f"labkit: cannot reach AWS for {where}; check the network.{after}"
    if isinstance(exc, NoCredentialsError):
        return "labkit: no AWS credentials: log in again (aws sso login) or set AWS_PROFILE."
    if code in _THROTTLED:
        return (
            f"labkit: AWS is throttling {where}; wait a few seconds and run the cell again.{after}"
        )
    if isinstance(status, int) and status >= 500:
        return (
            f"labkit: AWS failed internally on {where} (HTTP {status}); run the cell again.{after}"
        )
    if code in {"AccessDenied", "AccessDeniedException"}:
        return f"labkit: your credentials may not call {where} in this account.{after}"
    return f"labkit: {where} failed with {code}.{after}"


def add_hint(exc: BaseException, line: str) -> None:
    """Add ``line`` to ``exc`` once (the learner sees it under the original traceback)."""
    if not any(str(n).startswith("labkit:") for n in getattr(exc, "__notes__", [])):
        exc.add_note(line)
