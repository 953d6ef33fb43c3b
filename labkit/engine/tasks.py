"""Task states backed by local Python handlers, recording AWS's task events.

Three resource shapes (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html,
https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html) [DOC]:

* ``arn:aws:states:::lambda:invoke``: TaskScheduled → TaskStarted → TaskSucceeded |
  TaskFailed | TaskTimedOut, details ``resourceType: lambda``, ``resource: invoke``;
* ``arn:aws:lambda:REGION:ACCOUNT:function:NAME``: LambdaFunctionScheduled →
  LambdaFunctionStarted → LambdaFunctionSucceeded | LambdaFunctionFailed | LambdaFunctionTimedOut;
* any other resource with a handler registered under its exact string: the generic
  ``arn:aws:states:::SERVICE:ACTION`` Task events.

A function without a handler fails as Lambda's Invoke does for an unknown function,
``Lambda.ResourceNotFoundException`` (the cause format follows moto/LocalStack's
AWS-recorded ``(Service: AWSLambda; Status Code: 404; …)`` suffix) [secondary].

What the function sees and returns [AWS-REC issue 13 #11]:

* a ``Payload`` that is a string holding JSON (``"0"``) reaches the function parsed (the
  string is the request body Lambda parses); a string that is not JSON is passed as the
  string [INFER];
* a handler returning ``bytes`` succeeds: the bytes are the response body, parsed as JSON
  when they are JSON, else kept as text [INFER for non-JSON bytes];
* stack traces name the deployed file, ``/var/task/handler.py`` (frames of the handler's
  own module); frames of other modules keep their file name under ``/var/task/`` [INFER].

``TimeoutSeconds`` may be a JSONata expression or come from ``TimeoutSecondsPath`` (a
path or a ``$variable``); it must resolve to a positive integer [DOC; AWS-REC issue 13 #3,
#13], else the state fails with ``States.Runtime`` [INFER wording].
"""

from __future__ import annotations

import json
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from labkit.engine.errors import PathMissing, StatesError
from labkit.engine.history import TimedOut
from labkit.engine.paths import compile_lookup, dumps
from labkit.engine.recovery import guarded
from labkit.engine.runtime_errors import seconds_invalid, wait_path_missing

if TYPE_CHECKING:
    import random

    from labkit.engine.execution import _Run
    from labkit.engine.states import Task

_FALSE = {"truncated": False}
#: Payload quota: 262,144 bytes of UTF-8 for any state or execution input/output [DOC]
MAX_PAYLOAD_BYTES = 262_144


@dataclass(frozen=True)
class Slow:
    """Return this from a handler to make the task take ``seconds`` of virtual time."""

    seconds: float
    value: Any = None


def run_task(run: _Run, st: Task, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
    """The Task state's body: arguments and timeout are worked out anew for each attempt
    (a JSONata ``Arguments`` failure is one ``EvaluationFailed`` per attempt [AWS-REC
    floci-io/floci])."""

    def attempt() -> Any:
        params = run.arguments(st, data, ctx, scope)
        timeout = task_timeout(run, st, data, ctx, scope)
        return invoke(run, st, params, cur, timeout)

    return guarded(run, st, data, cur, ctx, scope, attempt)


def task_timeout(run: _Run, st: Task, data: Any, ctx: dict, scope: dict) -> int | None:
    """The task's timeout in seconds, from TimeoutSeconds (number or JSONata) or its Path."""
    value: Any = st.timeout_seconds
    where, source = "TimeoutSeconds", st.timeout_seconds
    if st.timeout_seconds_path:
        where, source = "TimeoutSecondsPath", st.timeout_seconds_path
        try:
            value = compile_lookup(st.timeout_seconds_path)(data, run.env(data, ctx, scope))
        except PathMissing:
            raise StatesError(
                "States.Runtime", wait_path_missing(where, st.timeout_seconds_path)
            ) from None
    elif isinstance(value, str):
        value = run.ata(value, {"input": data, "context": ctx}, scope, "TimeoutSeconds")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise StatesError("States.Runtime", seconds_invalid(where, str(source), value))
    return value


def _handler(run: _Run, name: str) -> Callable | None:
    if name in run.handlers:
        return run.handlers[name]
    bare = name.split(":function:")[-1].split(":")[0]
    return run.handlers.get(bare)


def _call(run: _Run, timeout: int | None, handler: Callable, payload: Any) -> tuple[str, Any]:
    """Run the handler; return ("ok"|"error"|"timeout", value) after moving virtual time."""
    try:
        value = handler(json.loads(dumps(payload)))
    except Exception as exc:  # a handler's own failure is the lesson's data
        return "error", (
            type(exc).__name__,
            lambda_error_cause(exc, seeded_uuid(run.rng), handler),
        )
    seconds = 0.0
    if isinstance(value, Slow):
        seconds, value = value.seconds, value.value
    if isinstance(value, bytes | bytearray):
        value = _response_body(bytes(value))
    if timeout is not None and seconds > timeout:
        run.h.sleep(timeout)
        return "timeout", None
    if seconds:
        run.h.sleep(seconds)
    try:
        dumps(value)
    except (TypeError, ValueError):
        return "error", (
            "Runtime.MarshalError",
            f"Unable to marshal response: {value!r} is not JSON serializable",
        )
    return "ok", value


def _response_body(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def _request_body(payload: Any) -> Any:
    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError:
            return payload
    return payload


def invoke(run: _Run, st: Task, params: Any, cur: list, timeout: int | None = None) -> Any:
    """Record the task's events around one attempt; return its result or raise StatesError."""
    if st.resource.startswith("arn:aws:lambda:") and ":function:" in st.resource:
        return _lambda_function(run, st, params, cur, timeout)
    if st.resource.startswith(_INVOKE):
        return _service(run, st, params, cur, "lambda", "invoke", timeout)
    tail = st.resource.split(":::")[-1] if ":::" in st.resource else st.resource
    service, _, action = tail.partition(":")
    return _service(run, st, params, cur, service, action or tail, timeout)


_INVOKE = "arn:aws:states:::lambda:invoke"


def _service(
    run: _Run,
    st: Task,
    params: Any,
    cur: list,
    rtype: str,
    resource: str,
    timeout: int | None,
) -> Any:
    h = run.h
    scheduled: dict[str, Any] = {
        "resourceType": rtype,
        "resource": resource,
        "region": run.region,
        "parameters": dumps(params),
    }
    if timeout is not None:
        scheduled["timeoutInSeconds"] = timeout
    cur[0] = h.add("TaskScheduled", cur[0], scheduled)
    cur[0] = h.add("TaskStarted", cur[0], {"resourceType": rtype, "resource": resource})
    base = {"resourceType": rtype, "resource": resource}
    if rtype == "lambda":
        name = params.get("FunctionName", "") if isinstance(params, dict) else ""
        handler = _handler(run, name)
        payload = _request_body(params.get("Payload")) if isinstance(params, dict) else None
    else:
        handler, name, payload = run.handlers.get(st.resource), st.resource, params
    if handler is None:
        error, cause = _not_found(run, rtype, name)
        cur[0] = h.add("TaskFailed", cur[0], {**base, "error": error, "cause": cause})
        raise StatesError(error, cause, stateful=False, task_failed=True)
    outcome, value = _call(run, timeout, handler, payload)
    if outcome == "timeout":
        cur[0] = h.add("TaskTimedOut", cur[0], {**base, "error": "States.Timeout"})
        raise StatesError("States.Timeout", None, stateful=False)
    if outcome == "error":
        error, cause = value
        cur[0] = h.add("TaskFailed", cur[0], {**base, "error": error, "cause": cause})
        raise StatesError(error, cause, stateful=False, task_failed=True)
    result = _invoke_response(run, value) if rtype == "lambda" else value
    _check_size(st, result)
    cur[0] = h.add(
        "TaskSucceeded", cur[0], {**base, "output": dumps(result), "outputDetails": _FALSE}
    )
    return result


def _lambda_function(run: _Run, st: Task, params: Any, cur: list, timeout: int | None) -> Any:
    h = run.h
    scheduled: dict[str, Any] = {
        "resource": st.resource,
        "input": dumps(params),
        "inputDetails": _FALSE,
    }
    if timeout is not None:
        scheduled["timeoutInSeconds"] = timeout
    cur[0] = h.add("LambdaFunctionScheduled", cur[0], scheduled)
    handler = _handler(run, st.resource)
    cur[0] = h.add("LambdaFunctionStarted", cur[0])
    if handler is None:
        error, cause = _not_found(run, "lambda", st.resource)
        cur[0] = h.add("LambdaFunctionFailed", cur[0], {"error": error, "cause": cause})
        raise StatesError(error, cause, stateful=False, task_failed=True)
    outcome, value = _call(run, timeout, handler, params)
    if outcome == "timeout":
        cur[0] = h.add("LambdaFunctionTimedOut", cur[0], {"error": "States.Timeout"})
        raise StatesError("States.Timeout", None, stateful=False)
    if outcome == "error":
        error, cause = value
        cur[0] = h.add("LambdaFunctionFailed", cur[0], {"error": error, "cause": cause})
        raise StatesError(error, cause, stateful=False, task_failed=True)
    _check_size(st, value)
    cur[0] = h.add(
        "LambdaFunctionSucceeded", cur[0], {"output": json.dumps(value), "outputDetails": _FALSE}
    )
    return value


def _check_size(st: Task, value: Any) -> None:
    if len(dumps(value).encode()) > MAX_PAYLOAD_BYTES:
        raise StatesError(
            "States.DataLimitExceeded",
            f"The state/task '{st.resource}' returned a result with a size exceeding the "
            "maximum number of bytes service limit.",
            stateful=False,
        )


def _not_found(run: _Run, rtype: str, name: str) -> tuple[str, str]:
    if rtype != "lambda":
        return "States.Runtime", f"No handler is registered for the Task resource '{name}'"
    return (
        "Lambda.ResourceNotFoundException",
        f"Function not found: {name} (Service: AWSLambda; Status Code: 404; Error Code: "
        f"ResourceNotFoundException; Request ID: {seeded_uuid(run.rng)}; Proxy: null)",
    )


def _invoke_response(run: _Run, payload: Any) -> dict:
    """Lambda Invoke's response as the lambda:invoke integration returns it [DOC; headers INFER]."""
    request_id = seeded_uuid(run.rng)
    trace = f"Root=1-{run.rng.getrandbits(32):08x}-{run.rng.getrandbits(96):024x};Sampled=0"
    headers = {
        "Connection": "keep-alive",
        "Content-Length": str(len(json.dumps(payload).encode())),
        "Content-Type": "application/json",
        "Date": http_date(run.h.clock.now()),
        "X-Amz-Executed-Version": "$LATEST",
        "x-amzn-Remapped-Content-Length": "0",
        "x-amzn-RequestId": request_id,
        "X-Amzn-Trace-Id": trace,
    }
    return {
        "ExecutedVersion": "$LATEST",
        "Payload": payload,
        "SdkHttpMetadata": {
            "AllHttpHeaders": {k: [v] for k, v in headers.items()},
            "HttpHeaders": headers,
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
        "StatusCode": 200,
    }


def lambda_error_cause(exc: BaseException, request_id: str, handler: Any = None) -> str:
    """The error payload Lambda's Python runtime returns for an unhandled exception [DOC].

    Frames of the handler's own file are named ``/var/task/handler.py`` [AWS-REC issue 13
    #11]; other frames ``/var/task/<file>`` [INFER].
    """
    own = getattr(getattr(handler, "__code__", None), "co_filename", None)
    frames = traceback.extract_tb(exc.__traceback__)[1:]
    stack = []
    for f in frames:
        path = (
            "/var/task/handler.py"
            if f.filename == own
            else f"/var/task/{f.filename.rsplit('/', 1)[-1]}"
        )
        stack.append(f'  File "{path}", line {f.lineno}, in {f.name}\n    {f.line}\n')
    return json.dumps(
        {
            "errorMessage": str(exc),
            "errorType": type(exc).__name__,
            "requestId": request_id,
            "stackTrace": stack,
        }
    )


def seeded_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def http_date(instant: datetime) -> str:
    return format_datetime(instant.astimezone(UTC), usegmt=True)


__all__ = ["MAX_PAYLOAD_BYTES", "Slow", "TimedOut", "invoke", "lambda_error_cause", "run_task"]
