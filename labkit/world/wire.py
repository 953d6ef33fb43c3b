"""The AWS JSON wire protocol, just enough for the operations labkit answers itself.

Step Functions (``X-Amz-Target: AWSStepFunctions.<Op>``, JSON 1.0) and CloudWatch Logs
(``Logs_20140328.<Op>``, JSON 1.1) speak this protocol [DOC] botocore's service models.
An error is a JSON body ``{"__type": CODE, "message": TEXT}`` with HTTP 400, from which
botocore raises ``ClientError`` with ``Error.Code``/``Error.Message``, as against AWS.
Timestamps travel as epoch seconds (botocore parses them back into datetimes).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from botocore.awsrequest import AWSResponse
from moto.core.botocore_stubber import MockRawResponse

from labkit.clock import to_ms


def operation(request: Any) -> tuple[str, str] | None:
    """``(target prefix, operation name)`` of a JSON-protocol request, else ``None``."""
    target = request.headers.get("X-Amz-Target")
    if not target:
        return None
    if isinstance(target, bytes):
        target = target.decode()
    prefix, _, op = target.partition(".")
    return prefix, op


def body(request: Any) -> dict[str, Any]:
    """The decoded JSON body of a request (``{}`` when empty)."""
    raw = request.body
    if raw is None:
        return {}
    if hasattr(raw, "read"):
        raw = raw.read()
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    return json.loads(raw) if raw else {}


def unencodable_field(request: Any) -> str | None:
    """The first top-level parameter of a JSON request holding a lone UTF-16 surrogate.

    botocore sends such a string as a ``\\udXXX`` escape; decoded, it cannot be encoded
    as UTF-8 again, so storing it would break every later response that echoes it.
    """
    try:
        params = body(request)
    except ValueError:
        return None
    if not isinstance(params, dict):
        return None
    for key, value in params.items():
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            return key
        except (RecursionError, ValueError):
            continue
    return None


#: parameters whose operation answers a lone surrogate with its own error (InvalidExecutionInput,
#: InvalidDefinition, InvalidName); any other JSON parameter with one gets ValidationException
_OWN_UNICODE_CHECKS = {
    ("StartExecution", "input"),
    ("StartExecution", "name"),
    ("CreateStateMachine", "definition"),
    ("CreateStateMachine", "name"),
    ("UpdateStateMachine", "definition"),
}


def refuse_invalid_unicode(request: Any, op: str) -> AWSResponse | None:
    """A ``ValidationException`` for a parameter holding a lone surrogate, else ``None``.

    [INFER: AWS's message for invalid Unicode in a JSON request is not recorded; the wording
    follows its "1 validation error detected" constraint messages.]
    """
    bad = unencodable_field(request)
    if bad is None or (op, bad) in _OWN_UNICODE_CHECKS:
        return None
    return error(
        request,
        "ValidationException",
        f"1 validation error detected: Value at '{bad}' failed to satisfy "
        "constraint: Member must contain only valid Unicode characters",
    )


def epoch(instant: datetime) -> float:
    """Epoch seconds with milliseconds, as AWS JSON APIs send timestamps."""
    return to_ms(instant) / 1000


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return epoch(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def respond(request: Any, payload: dict[str, Any], status: int = 200) -> AWSResponse:
    """An ``AWSResponse`` carrying ``payload`` as the JSON body."""
    text = json.dumps(payload, default=_default)
    headers = {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "labkit"}
    return AWSResponse(request.url, status, headers, MockRawResponse(text))  # type: ignore[arg-type]


def error(request: Any, code: str, message: str, status: int = 400) -> AWSResponse:
    """An AWS JSON error response that botocore turns into ``ClientError(code, message)``.

    A lone surrogate echoed from the request is written as ``\\udXXX`` text, so the
    message can be printed on any terminal."""
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return respond(request, {"__type": code, "message": message}, status)
