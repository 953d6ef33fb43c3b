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
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from labkit.engine.errors import StatesError
from labkit.engine.history import TimedOut
from labkit.engine.paths import dumps

if TYPE_CHECKING:
    from labkit.engine.execution import _Run
    from labkit.engine.states import Task

_FALSE = {"truncated": False}


def _handler(run: _Run, name: str) -> Callable | None:
    if name in run.handlers:
        return run.handlers[name]
    bare = name.split(":function:")[-1].split(":")[0]
    return run.handlers.get(bare)


def _call(run: _Run, st: Task, handler: Callable, payload: Any) -> tuple[str, Any]:
    """Run the handler; return ("ok"|"error"|"timeout", value) after moving virtual time."""
    from labkit.engine.execution import Slow, lambda_error_cause, seeded_uuid

    try:
        value = handler(json.loads(dumps(payload)))
    except Exception as exc:  # a handler's own failure is the lesson's data
        return "error", (type(exc).__name__, lambda_error_cause(exc, seeded_uuid(run.rng)))
    seconds = 0.0
    if isinstance(value, Slow):
        seconds, value = value.seconds, value.value
    if st.timeout_seconds is not None and seconds > st.timeout_seconds:
        run.h.sleep(st.timeout_seconds)
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


def invoke(run: _Run, st: Task, params: Any, cur: list) -> Any:
    """Record the task's events around one attempt; return its result or raise StatesError."""
    if st.resource.startswith("arn:aws:lambda:") and ":function:" in st.resource:
        return _lambda_function(run, st, params, cur)
    if st.resource.startswith(_INVOKE):
        return _service(run, st, params, cur, "lambda", "invoke")
    tail = st.resource.split(":::")[-1] if ":::" in st.resource else st.resource
    service, _, action = tail.partition(":")
    return _service(run, st, params, cur, service, action or tail)


_INVOKE = "arn:aws:states:::lambda:invoke"


def _service(run: _Run, st: Task, params: Any, cur: list, rtype: str, resource: str) -> Any:
    h = run.h
    scheduled: dict[str, Any] = {
        "resourceType": rtype,
        "resource": resource,
        "region": run.region,
        "parameters": dumps(params),
    }
    if st.timeout_seconds is not None:
        scheduled["timeoutInSeconds"] = st.timeout_seconds
    cur[0] = h.add("TaskScheduled", cur[0], scheduled)
    cur[0] = h.add("TaskStarted", cur[0], {"resourceType": rtype, "resource": resource})
    base = {"resourceType": rtype, "resource": resource}
    if rtype == "lambda":
        name = params.get("FunctionName", "") if isinstance(params, dict) else ""
        handler = _handler(run, name)
        payload = params.get("Payload") if isinstance(params, dict) else None
    else:
        handler, name, payload = run.handlers.get(st.resource), st.resource, params
    if handler is None:
        error, cause = _not_found(run, rtype, name)
        cur[0] = h.add("TaskFailed", cur[0], {**base, "error": error, "cause": cause})
        raise StatesError(error, cause)
    outcome, value = _call(run, st, handler, payload)
    if outcome == "timeout":
        cur[0] = h.add("TaskTimedOut", cur[0], {**base, "error": "States.Timeout"})
        raise StatesError("States.Timeout", None)
    if outcome == "error":
        error, cause = value
        cur[0] = h.add("TaskFailed", cur[0], {**base, "error": error, "cause": cause})
        raise StatesError(error, cause)
    result = _invoke_response(run, value) if rtype == "lambda" else value
    _check_size(st, result)
    cur[0] = h.add(
        "TaskSucceeded", cur[0], {**base, "output": dumps(result), "outputDetails": _FALSE}
    )
    return result


def _lambda_function(run: _Run, st: Task, params: Any, cur: list) -> Any:
    h = run.h
    scheduled: dict[str, Any] = {
        "resource": st.resource,
        "input": dumps(params),
        "inputDetails": _FALSE,
    }
    if st.timeout_seconds is not None:
        scheduled["timeoutInSeconds"] = st.timeout_seconds
    cur[0] = h.add("LambdaFunctionScheduled", cur[0], scheduled)
    handler = _handler(run, st.resource)
    cur[0] = h.add("LambdaFunctionStarted", cur[0])
    if handler is None:
        error, cause = _not_found(run, "lambda", st.resource)
        cur[0] = h.add("LambdaFunctionFailed", cur[0], {"error": error, "cause": cause})
        raise StatesError(error, cause)
    outcome, value = _call(run, st, handler, params)
    if outcome == "timeout":
        cur[0] = h.add("LambdaFunctionTimedOut", cur[0], {"error": "States.Timeout"})
        raise StatesError("States.Timeout", None)
    if outcome == "error":
        error, cause = value
        cur[0] = h.add("LambdaFunctionFailed", cur[0], {"error": error, "cause": cause})
        raise StatesError(error, cause)
    _check_size(st, value)
    cur[0] = h.add(
        "LambdaFunctionSucceeded", cur[0], {"output": json.dumps(value), "outputDetails": _FALSE}
    )
    return value


def _check_size(st: Task, value: Any) -> None:
    from labkit.engine.execution import MAX_PAYLOAD_BYTES

    if len(dumps(value).encode()) > MAX_PAYLOAD_BYTES:
        raise StatesError(
            "States.DataLimitExceeded",
            f"The state/task '{st.resource}' returned a result with a size exceeding the "
            "maximum number of bytes service limit.",
        )


def _not_found(run: _Run, rtype: str, name: str) -> tuple[str, str]:
    from labkit.engine.execution import seeded_uuid

    if rtype != "lambda":
        return "States.Runtime", f"No handler is registered for the Task resource '{name}'"
    return (
        "Lambda.ResourceNotFoundException",
        f"Function not found: {name} (Service: AWSLambda; Status Code: 404; Error Code: "
        f"ResourceNotFoundException; Request ID: {seeded_uuid(run.rng)}; Proxy: null)",
    )


def _invoke_response(run: _Run, payload: Any) -> dict:
    """Lambda Invoke's response as the lambda:invoke integration returns it [DOC; headers INFER]."""
    from labkit.engine.execution import http_date, seeded_uuid

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


__all__ = ["invoke", "TimedOut"]
