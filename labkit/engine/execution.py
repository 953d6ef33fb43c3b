"""Run a parsed definition to its end in virtual time and return AWS's event history.

One loop runs the next state by name (``_Run.machine``); one method wraps every
state in its Entered/Exited events (``_Run.state``); one ``History`` numbers the
events. Parallel branches and Map iterations run one after another, which is one
of the interleavings AWS may record (branch events always chain back to their
``ParallelStateStarted``/``MapIterationStarted``). Nothing sleeps and no thread
starts: Wait states, retry intervals and slow handlers move the virtual clock.

Event order and previousEventId rules follow moto 5.2.5's interpreter (ported from
LocalStack, whose tests are recorded against AWS) [secondary], checked against a
real Hello World history (turbot/steampipe-plugin-aws PR #873) [ISSUE]:
Entered events point at the previous state's Exited event; ``…Succeeded`` events of
Parallel/Map do not move the cursor, so their Exited event points at the same event.

Task semantics:

* ``arn:aws:states:::lambda:invoke`` records TaskScheduled/TaskStarted/TaskSucceeded
  with ``resourceType`` ``lambda`` and ``resource`` ``invoke``; its result wraps the
  handler's return value as Lambda's Invoke response does (``ExecutedVersion``,
  ``Payload``, ``SdkHttpMetadata``, ``SdkResponseMetadata``, ``StatusCode``), following
  the example output in
  https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html [DOC]
  (header values are [INFER], seeded).
* a Lambda function ARN records LambdaFunctionScheduled/Started/Succeeded and its
  result is the handler's return value [DOC].
* a handler that raises fails the task with the exception class name as the error
  (Lambda's ``errorType``) and the JSON error payload Lambda's Python runtime returns
  (``errorMessage``, ``errorType``, ``requestId``, ``stackTrace``) as the cause [DOC,
  https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html]; the
  serialisation (Python ``json.dumps`` defaults) is [INFER].
* a handler may return ``Slow(seconds, value)`` to take virtual time; past the state's
  ``TimeoutSeconds`` the task fails with ``States.Timeout`` [DOC].

JSON strings written by Step Functions itself (state input/output, task parameters)
are compact; labkit assumes the same for TaskScheduled ``parameters`` and
LambdaFunctionScheduled ``input`` [INFER] (moto writes them with spaces), and keeps
``ExecutionStarted.input`` exactly as submitted [INFER].
"""

from __future__ import annotations

import json
import random
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from labkit.clock import VirtualClock
from labkit.engine import jsonata
from labkit.engine.errors import StatesError
from labkit.engine.history import History, HistoryFull, TimedOut
from labkit.engine.parse import Definition
from labkit.engine.paths import Env, compile_path, compile_reference, dumps, put_result, select
from labkit.engine.states import (
    Catcher,
    Choice,
    Fail,
    Machine,
    Map,
    Parallel,
    Pass,
    Retrier,
    State,
    Succeed,
    Task,
    Wait,
)

#: Payload quota: 262,144 bytes of UTF-8 for any state or execution input/output [DOC]
MAX_PAYLOAD_BYTES = 262_144
#: Not retried or caught by States.ALL
#: (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html) [DOC]
TERMINAL_ERRORS = frozenset({"States.Runtime", "States.DataLimitExceeded"})
HISTORY_LIMIT_CAUSE = "The execution reached the maximum number of history events ({})."
_LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"


@dataclass(frozen=True)
class Slow:
    """Return this from a handler to make the task take ``seconds`` of virtual time."""

    seconds: float
    value: Any = None


@dataclass(frozen=True)
class ExecutionResult:
    """How an execution ended, and its full history (boto3 ``get_execution_history`` items)."""

    status: str
    output: str | None
    error: str | None
    cause: str | None
    start: datetime
    stop: datetime
    events: tuple[dict, ...]

    def __repr__(self) -> str:
        seconds = (self.stop - self.start).total_seconds()
        return f"<Execution {self.status} {len(self.events)} events, {seconds:g} s virtual>"


class _Failure(Exception):
    """A state failed; ``cursor`` is the event the next history event must point at."""

    def __init__(self, error: str | None, cause: str | None, cursor: int) -> None:
        super().__init__(error)
        self.error, self.cause, self.cursor = error, cause, cursor


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _matches(names: tuple[str, ...], error: str) -> bool:
    for name in names:
        if name == error:
            return True
        if name == "States.ALL" and error not in TERMINAL_ERRORS:
            return True
        if name == "States.TaskFailed" and error not in TERMINAL_ERRORS | {"States.Timeout"}:
            return True
    return False


class _Run:
    """The mutable state of one execution (private; ``run`` is the public entry)."""

    def __init__(
        self,
        history: History,
        rng: random.Random,
        handlers: Mapping[str, Callable],
        context: dict,
        region: str,
    ) -> None:
        self.h = history
        self.rng = rng
        self.handlers = dict(handlers)
        self.context = context
        self.region = region

    # --- helpers -------------------------------------------------------------------------

    def ctx(self, state: State, extra: dict | None = None) -> dict:
        ctx = dict(self.context)
        ctx["State"] = {
            "EnteredTime": _iso(self.h.clock.now()),
            "Name": state.name,
            "RetryCount": 0,
        }
        if extra:
            ctx.update(extra)
        return ctx

    def env(self, data: Any, ctx: dict, scope: dict) -> Env:
        return Env(data, ctx, scope, self.rng)

    def ata(self, value: Any, states: dict, scope: dict) -> Any:
        return jsonata.evaluate(value, states, scope, now=self.h.clock.now(), rng=self.rng)

    def assign(
        self, st: State, template: Any, data: Any, states: dict, ctx: dict, scope: dict
    ) -> dict:
        if template is None:
            return {}
        if st.language == "JSONPath":
            return dict(template(self.env(data, ctx, scope)))
        return dict(self.ata(template, states, scope))

    # --- machine and state loop ----------------------------------------------------------

    def machine(self, machine: Machine, data: Any, cursor: int, scope: dict) -> tuple[Any, int]:
        name = machine.start_at
        while True:
            data, name, cursor = self.state(machine.states[name], data, cursor, scope)
            if name is None:
                return data, cursor

    def state(self, st: State, data: Any, prev: int, scope: dict) -> tuple[Any, str | None, int]:
        entered = self.h.add(
            st.entered,
            prev,
            {"name": st.name, "input": dumps(data), "inputDetails": {"truncated": False}},
        )
        cur = [entered]
        ctx = self.ctx(st)
        try:
            output, nxt, assigned = _BODIES[type(st)](self, st, data, cur, ctx, scope)
            text = dumps(output)
            if len(text.encode()) > MAX_PAYLOAD_BYTES:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"The state/task '{st.name}' returned a result with a size exceeding "
                    "the maximum number of bytes service limit.",
                )
        except StatesError as exc:
            raise _Failure(exc.error, exc.cause, cur[0]) from None
        scope.update(assigned)
        details: dict[str, Any] = {
            "name": st.name,
            "output": text,
            "outputDetails": {"truncated": False},
        }
        if assigned:
            details["assignedVariables"] = {k: dumps(v) for k, v in assigned.items()}
            details["assignedVariablesDetails"] = {"truncated": False}
        exited = self.h.add(st.exited or "", cur[0], details)
        return output, (None if st.end or isinstance(st, Succeed) else nxt), exited

    # --- state bodies: each returns (output, next state, assigned variables) -------------

    def finish(
        self, st: Any, raw: Any, effective: Any, result: Any, ctx: dict, scope: dict
    ) -> tuple[Any, dict]:
        """ResultSelector, ResultPath, Assign and OutputPath (JSONPath) or Assign/Output (JSONata)."""
        if st.language == "JSONata":
            states = {"input": raw, "result": result, "context": ctx}
            assigned = self.assign(st, st.assign, result, states, ctx, scope)
            output = self.ata(st.output, states, scope) if st.output is not None else result
            return output, assigned
        selector = getattr(st, "result_selector", None)
        if selector is not None:
            result = selector(self.env(result, ctx, scope))
        assigned = self.assign(st, st.assign, result, {}, ctx, scope)
        output = put_result(raw, getattr(st, "result_path", "$"), result)
        return select(st.output_path, output, field="OutputPath"), assigned

    def pass_(self, st: Pass, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.language == "JSONata":
            out, assigned = self.finish(st, data, data, data, ctx, scope)
            return out, st.next, assigned
        effective = select(st.input_path, data, field="InputPath")
        if st.parameters is not None:
            effective = st.parameters(self.env(effective, ctx, scope))
        result = st.result if st.has_result else effective
        out, assigned = self.finish(st, data, effective, result, ctx, scope)
        return out, st.next, assigned

    def succeed(self, st: Succeed, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.language == "JSONata":
            out, _, assigned = self._ata_out(st, data, ctx, scope)
            return out, None, assigned
        effective = select(st.input_path, data, field="InputPath")
        return select(st.output_path, effective, field="OutputPath"), None, {}

    def _ata_out(self, st: State, data: Any, ctx: dict, scope: dict) -> tuple:
        states = {"input": data, "context": ctx}
        assigned = self.assign(st, st.assign, data, states, ctx, scope)
        out = self.ata(st.output, states, scope) if st.output is not None else data
        return out, st.next, assigned

    def fail(self, st: Fail, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.language == "JSONata":
            states = {"input": data, "context": ctx}
            error, cause = self.ata(st.error, states, scope), self.ata(st.cause, states, scope)
        else:
            env = self.env(data, ctx, scope)
            error = (
                compile_reference(st.error_path, "ErrorPath")(env) if st.error_path else st.error
            )
            cause = (
                compile_reference(st.cause_path, "CausePath")(env) if st.cause_path else st.cause
            )
        raise _Failure(error, cause, cur[0])

    def wait(self, st: Wait, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.language == "JSONata":
            states = {"input": data, "context": ctx}
            seconds = self.ata(st.seconds, states, scope)
            stamp = self.ata(st.timestamp, states, scope)
        else:
            data_in = select(st.input_path, data, field="InputPath")
            seconds = (
                select(st.seconds_path, data_in, field="SecondsPath")
                if st.seconds_path
                else st.seconds
            )
            stamp = (
                select(st.timestamp_path, data_in, field="TimestampPath")
                if st.timestamp_path
                else st.timestamp
            )
            data = data_in
        if seconds is not None:
            if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                raise StatesError(
                    "States.Runtime",
                    f"The SecondsPath parameter does not reference a valid number: {seconds!r}"
                    if st.seconds_path
                    else f"Invalid Seconds value: {seconds!r}",
                )
            self.h.sleep(seconds)
        elif stamp is not None:
            try:
                until = datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
                if until.tzinfo is None:
                    raise ValueError(stamp)
            except ValueError:
                raise StatesError(
                    "States.Runtime",
                    "The TimestampPath parameter does not reference a valid "
                    f"ISO-8601 extended offset date-time format string: {stamp}",
                ) from None
            delta = (until - self.h.clock.now()).total_seconds()
            if delta > 0:
                self.h.sleep(delta)
        if st.language == "JSONata":
            return self._ata_out(st, data, ctx, scope)
        assigned = self.assign(st, st.assign, data, {}, ctx, scope)
        return select(st.output_path, data, field="OutputPath"), st.next, assigned

    def choice(self, st: Choice, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        ata = st.language == "JSONata"
        states = {"input": data, "context": ctx}
        effective = data if ata else select(st.input_path, data, field="InputPath")
        for rule in st.choices:
            if ata:
                verdict = self.ata(rule["Condition"], states, scope)
                if not isinstance(verdict, bool):
                    raise StatesError(
                        "States.QueryEvaluationError",
                        f"The Condition field evaluated to a non-boolean value: {dumps(verdict)}",
                    )
            else:
                verdict = self.test(rule, effective, ctx, scope)
            if verdict:
                assigned = self.assign(st, rule.get("Assign"), effective, states, ctx, scope)
                if ata:
                    out = self.ata(rule["Output"], states, scope) if "Output" in rule else data
                else:
                    out = select(st.output_path, effective, field="OutputPath")
                return out, rule["Next"], assigned
        if st.default is None:
            raise StatesError("States.NoChoiceMatched", "No Matches!")
        if ata:
            out, _, assigned = self._ata_out(st, data, ctx, scope)
            return out, st.default, assigned
        assigned = self.assign(st, st.assign, effective, {}, ctx, scope)
        return select(st.output_path, effective, field="OutputPath"), st.default, assigned

    def test(self, rule: dict, data: Any, ctx: dict, scope: dict) -> bool:
        if "And" in rule:
            return all(self.test(r, data, ctx, scope) for r in rule["And"])
        if "Or" in rule:
            return any(self.test(r, data, ctx, scope) for r in rule["Or"])
        if "Not" in rule:
            return not self.test(rule["Not"], data, ctx, scope)
        from labkit.engine.choice import compare

        env = self.env(data, ctx, scope)
        try:
            value = compile_reference(rule["Variable"], "Variable")(env)
            present = True
        except StatesError:
            value, present = None, False
        for op, expected in rule.items():
            if op in ("Variable", "Next", "Assign", "Comment"):
                continue
            if op == "IsPresent":
                return present == expected
            if not present:
                raise StatesError(
                    "States.Runtime",
                    f"Invalid path '{rule['Variable']}': The choice state's "
                    "condition path references an invalid value.",
                )
            if op.endswith("Path"):
                expected = compile_reference(expected, op)(env)
                op = op[:-4]
            return compare(op, value, expected)
        return False

    # --- Task, Parallel, Map share Retry and Catch ---------------------------------------

    def guarded(
        self, st: Any, data: Any, cur: list, ctx: dict, scope: dict, attempt: Callable[[], Any]
    ) -> tuple:
        counts = [0] * len(st.retry)
        while True:
            try:
                result = attempt()
                out, assigned = self.finish(st, data, None, result, ctx, scope)
                return out, st.next, assigned
            except StatesError as exc:
                if exc.error in TERMINAL_ERRORS:
                    raise
                delay = self.retry_delay(st.retry, counts, exc.error)
                if delay is not None:
                    ctx["State"]["RetryCount"] += 1
                    self.h.sleep(delay)
                    continue
                for catcher in st.catch:
                    if _matches(catcher.error_equals, exc.error):
                        return self.caught(st, catcher, data, exc, ctx, scope)
                raise

    def retry_delay(
        self, retriers: tuple[Retrier, ...], counts: list[int], error: str
    ) -> float | None:
        for i, retrier in enumerate(retriers):
            if _matches(retrier.error_equals, error):
                if counts[i] >= retrier.max_attempts:
                    return None
                delay = retrier.interval_seconds * retrier.backoff_rate ** counts[i]
                if retrier.max_delay_seconds is not None:
                    delay = min(delay, retrier.max_delay_seconds)
                if retrier.jitter == "FULL":
                    delay = self.rng.uniform(0, delay)
                counts[i] += 1
                return delay
        return None

    def caught(
        self, st: State, catcher: Catcher, data: Any, exc: StatesError, ctx: dict, scope: dict
    ) -> tuple:
        error_output = {"Error": exc.error, "Cause": exc.cause or ""}
        if st.language == "JSONata":
            states = {"input": data, "errorOutput": error_output, "context": ctx}
            assigned = self.assign(st, catcher.assign, error_output, states, ctx, scope)
            out = (
                self.ata(catcher.output, states, scope)
                if catcher.output is not None
                else error_output
            )
            return out, catcher.next, assigned
        assigned = self.assign(st, catcher.assign, error_output, {}, ctx, scope)
        return put_result(data, catcher.result_path, error_output), catcher.next, assigned

    def arguments(self, st: Any, data: Any, ctx: dict, scope: dict) -> Any:
        if st.language == "JSONata":
            if st.arguments is None:
                return data
            return self.ata(st.arguments, {"input": data, "context": ctx}, scope)
        effective = select(st.input_path, data, field="InputPath")
        if getattr(st, "parameters", None) is not None:
            effective = st.parameters(self.env(effective, ctx, scope))
        return effective

    def task(self, st: Task, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        params = self.arguments(st, data, ctx, scope)
        from labkit.engine.tasks import invoke

        return self.guarded(st, data, cur, ctx, scope, lambda: invoke(self, st, params, cur))

    def parallel(self, st: Parallel, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        branch_input = self.arguments(st, data, ctx, scope)

        def attempt() -> list:
            started = self.h.add("ParallelStateStarted", cur[0])
            cur[0] = started
            results, lasts = [], []
            for branch in st.branches:
                try:
                    out, last = self.machine(
                        branch, json.loads(dumps(branch_input)), started, dict(scope)
                    )
                except _Failure as failure:
                    cur[0] = self.h.add("ParallelStateFailed", failure.cursor)
                    raise StatesError(failure.error or "", failure.cause) from None
                results.append(out)
                lasts.append(last)
            cur[0] = max(lasts, default=started)
            self.h.add("ParallelStateSucceeded", cur[0])
            return results

        return self.guarded(st, data, cur, ctx, scope, attempt)

    def map(self, st: Map, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.language == "JSONata":
            states = {"input": data, "context": ctx}
            effective = data
            items = self.ata(st.items, states, scope) if st.items is not None else data
        else:
            effective = select(st.input_path, data, field="InputPath")
            items = select(st.items_path, effective, field="ItemsPath")
        if not isinstance(items, list):
            raise StatesError(
                "States.Runtime", f"Map state input must be an array but was: {dumps(items)}"
            )

        def attempt() -> list:
            started = self.h.add("MapStateStarted", cur[0], {"length": len(items)})
            cur[0] = started
            workers = max(1, min(st.max_concurrency or len(items), len(items)))
            cursors, finals = [started] * workers, [started] * workers
            results = []
            for index, item in enumerate(items):
                w = index % workers
                item_ctx = {**ctx, "Map": {"Item": {"Index": index, "Value": item}}}
                value = self.item_input(st, effective, item, item_ctx, scope)
                detail = {"name": st.name, "index": index}
                began = self.h.add("MapIterationStarted", cursors[w], detail)
                try:
                    out, last = self.machine(st.processor, value, began, dict(scope))
                except _Failure as failure:
                    failed = self.h.add("MapIterationFailed", failure.cursor, detail)
                    cur[0] = self.h.add("MapStateFailed", failed)
                    raise StatesError(failure.error or "", failure.cause) from None
                finals[w] = self.h.add("MapIterationSucceeded", last, detail)
                cursors[w] = last
                results.append(out)
            cur[0] = max(finals)
            self.h.add("MapStateSucceeded", cur[0])
            return results

        return self.guarded(st, data, cur, ctx, scope, attempt)

    def item_input(self, st: Map, effective: Any, item: Any, ctx: dict, scope: dict) -> Any:
        if st.item_selector is None:
            return item
        if st.language == "JSONata":
            return self.ata(st.item_selector, {"input": effective, "context": ctx}, scope)
        return st.item_selector(self.env(effective, ctx, scope))


_BODIES: dict[type, Callable] = {
    Pass: _Run.pass_,
    Task: _Run.task,
    Choice: _Run.choice,
    Wait: _Run.wait,
    Succeed: _Run.succeed,
    Fail: _Run.fail,
    Parallel: _Run.parallel,
    Map: _Run.map,
}


def run(
    definition: Definition,
    input_text: str,
    *,
    execution_arn: str,
    state_machine_arn: str,
    role_arn: str,
    start: datetime,
    handlers: Mapping[str, Callable[[Any], Any]] | None = None,
    rng: random.Random | None = None,
    max_events: int = 25000,
    timeout_seconds: int | None = None,
) -> ExecutionResult:
    """Run ``definition`` on ``input_text`` in virtual time; never sleeps, never raises for ASL failures.

    ``timeout_seconds`` is the service's cap on the execution (Express 5 minutes, Standard
    1 year [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/limits-overview.html );
    the definition's ``TimeoutSeconds`` also applies, whichever ends first.

    ``handlers`` maps a Lambda function name or ARN (or any Task resource string) to a
    Python callable; ``rng`` drives everything random (event spacing, UUIDs, jitter).
    """
    from labkit.engine import check_execution_input

    check_execution_input(input_text)  # raises InvalidExecutionInput, as StartExecution does
    data = json.loads(input_text)
    rng = rng if rng is not None else random.Random(0)
    clock = VirtualClock(start)
    # The service's cap and the machine's TimeoutSeconds both apply; the earlier wins.
    limits = [t for t in (timeout_seconds, definition.timeout_seconds) if t is not None]
    timeout = min(limits) if limits else None
    deadline = None
    if timeout is not None:
        from datetime import timedelta

        deadline = clock.now() + timedelta(seconds=timeout)
    history = History(clock, rng, max_events, deadline)
    parts = execution_arn.split(":")
    context = {
        "Execution": {
            "Id": execution_arn,
            "Input": data,
            "Name": parts[-1],
            "RoleArn": role_arn,
            "StartTime": _iso(start),
            "RedriveCount": 0,
        },
        "StateMachine": {"Id": state_machine_arn, "Name": state_machine_arn.split(":")[-1]},
    }
    runner = _Run(
        history, rng, handlers or {}, context, parts[3] if len(parts) > 3 else "us-east-1"
    )
    history.add(
        "ExecutionStarted",
        0,
        {"input": input_text, "inputDetails": {"truncated": False}, "roleArn": role_arn},
    )
    status, output, error, cause = "SUCCEEDED", None, None, None
    try:
        result, cursor = runner.machine(
            definition.machine, json.loads(input_text), 0, {}
        )  # a fresh copy
        output = dumps(result)
        history.add(
            "ExecutionSucceeded", cursor, {"output": output, "outputDetails": {"truncated": False}}
        )
    except _Failure as failure:
        status, error, cause = "FAILED", failure.error, failure.cause
        details = {k: v for k, v in (("error", error), ("cause", cause)) if v is not None}
        history.add("ExecutionFailed", failure.cursor, details)
    except HistoryFull:
        status, error, cause = "FAILED", "States.Runtime", HISTORY_LIMIT_CAUSE.format(max_events)
        history.add("ExecutionFailed", history.last_id, {"error": error, "cause": cause})
    except TimedOut:
        status, error = "TIMED_OUT", "States.Timeout"
        history.add("ExecutionTimedOut", history.last_id, {})
    events = tuple(history.events)
    return ExecutionResult(status, output, error, cause, start, clock.now(), events)


def lambda_error_cause(exc: BaseException, request_id: str) -> str:
    """The error payload Lambda's Python runtime returns for an unhandled exception [DOC]."""
    frames = traceback.extract_tb(exc.__traceback__)[1:]
    stack = [
        f'  File "{f.filename.rsplit("/", 1)[-1]}", line {f.lineno}, in {f.name}\n    {f.line}\n'
        for f in frames
    ]
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


__all__ = ["ExecutionResult", "Slow", "run", "compile_path"]
