"""Run a parsed definition to its end in virtual time and return AWS's event history.

One loop runs the next state by name (``_Run.machine``); one method wraps every
state in its Entered/Exited events (``_Run.state``); one ``History`` numbers the
events. Parallel branches and Map iterations run at once in virtual time, each a
greenlet that the Parallel or Map state resumes in the order their waits end
(``strands``); branch events always chain back to their
``ParallelStateStarted``/``MapIterationStarted``. Nothing sleeps and no thread starts:
Wait states, retry intervals and slow handlers move the virtual clock.

Event order and previousEventId rules follow moto 5.2.5's interpreter (ported from
LocalStack, whose tests are recorded against AWS) [secondary], checked against a
real Hello World history (turbot/steampipe-plugin-aws PR #873) [ISSUE]:
Entered events point at the previous state's Exited event; ``…Succeeded`` events of
Parallel/Map do not move the cursor, so their Exited event points at the same event.

The parts live in their own modules: Retry/Catch in ``recovery.py``, Choice in
``choice.py``, Task in ``tasks.py``, Parallel and inline Map in ``fanout.py``, Distributed
Map in ``distributed_map.py``, JSONata fields in ``query.py``, runtime causes in
``runtime_errors.py``. This module runs Pass, Succeed, Fail and Wait, wraps every state
in its events, and records how a state failed:

* a failure Step Functions raises itself gets the prefix "An error occurred while
  executing the state 'NAME' (entered at the event id #N). " [AWS-REC issue 13 #1];
* a JSONata failure is an ``EvaluationFailed`` event (``error``, ``cause``,
  ``location``, ``state``) before the state fails [AWS-REC issue 13 #2];
* a state aborted because a sibling branch failed records ``TaskStateAborted``,
  ``WaitStateAborted``, ``MapStateAborted`` or ``ParallelStateAborted`` [AWS-REC issue 13
  #12; the event list is the Developer Guide's log-level table, DOC]; so does a Task whose
  ``TaskFailed`` ends a Parallel branch [AWS-REC floci-io/floci, see ``fanout``];
* the first state's ``input`` is the execution input exactly as submitted
  (``'["Hello", "World"]'`` keeps its spaces) [AWS-REC issue 13 #10];
* ``$$.State.RetryCount`` exists only in Task states; in Express executions
  ``$$.Execution.Name`` is the second-to-last part of the execution ARN [AWS-REC issue 13 #8];
* anything unexpected inside a state fails it with ``States.Runtime`` rather than
  escaping as a Python exception [INFER: the engine's contract, issue 13].

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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from labkit.clock import VirtualClock
from labkit.engine import choice, distributed_map, fanout, query, strands, tasks
from labkit.engine.errors import Aborted, PathMissing, StateFailure, StatesError
from labkit.engine.history import History, HistoryFull, TimedOut
from labkit.engine.parse import Definition
from labkit.engine.paths import (
    Env,
    compile_lookup,
    compile_path,
    compile_reference,
    dumps,
    put_result,
    select,
)
from labkit.engine.recovery import TERMINAL_ERRORS
from labkit.engine.runtime_errors import seconds_invalid, state_prefix, wait_path_missing
from labkit.engine.states import Choice, Fail, Map, Parallel, Pass, State, Succeed, Task, Wait
from labkit.engine.tasks import MAX_PAYLOAD_BYTES, Slow, lambda_error_cause

HISTORY_LIMIT_CAUSE = "The execution reached the maximum number of history events ({})."
_ABORTED = {
    "Task": "TaskStateAborted",
    "Wait": "WaitStateAborted",
    "Map": "MapStateAborted",
    "Parallel": "ParallelStateAborted",
}


@dataclass(frozen=True)
class ExecutionResult:
    """How an execution ended, and its full history (boto3 ``get_execution_history`` items).

    ``map_runs`` holds the Distributed Map runs it started (``distributed_map.MapRun``).
    """

    status: str
    output: str | None
    error: str | None
    cause: str | None
    start: datetime
    stop: datetime
    events: tuple[dict, ...]
    map_runs: tuple = field(default=(), compare=False)

    def __repr__(self) -> str:
        seconds = (self.stop - self.start).total_seconds()
        return f"<Execution {self.status} {len(self.events)} events, {seconds:g} s virtual>"


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Run:
    """The mutable state of one execution (private; ``run`` is the public entry)."""

    def __init__(
        self,
        history: History,
        rng: random.Random,
        handlers: Mapping[str, Callable],
        context: dict,
        region: str,
        first_input: str | None = None,
    ) -> None:
        self.h = history
        self.rng = rng
        self.handlers = dict(handlers)
        self.context = context
        self.region = region
        self.first_input = first_input
        self.map_runs: list[Any] = []

    # --- helpers -------------------------------------------------------------------------

    def ctx(self, state: State, extra: dict | None = None) -> dict:
        ctx = dict(self.context)
        ctx["State"] = {"EnteredTime": _iso(self.h.clock.now()), "Name": state.name}
        if isinstance(state, Task):
            ctx["State"]["RetryCount"] = 0
        if extra:
            ctx.update(extra)
        return ctx

    def env(self, data: Any, ctx: dict, scope: dict) -> Env:
        return Env(data, ctx, scope, self.rng)

    def sel(self, path: str | None, data: Any, field_name: str, ctx: dict, scope: dict) -> Any:
        """InputPath/OutputPath/ItemsPath on ``data`` (``$`` needs no lookup)."""
        if path == "$":
            return data
        return select(path, data, field=field_name, env=self.env(data, ctx, scope))

    def ata(self, value: Any, states: dict, scope: dict, location: str = "") -> Any:
        return query.evaluate_field(
            value, location, states, scope, now=self.h.clock.now(), rng=self.rng
        )

    def assign(
        self,
        st: State,
        template: Any,
        data: Any,
        states: dict,
        ctx: dict,
        scope: dict,
        location: str = "Assign",
    ) -> dict:
        if template is None:
            return {}
        if st.language == "JSONPath":
            return dict(template(self.env(data, ctx, scope)))
        return dict(self.ata(template, states, scope, location))

    def note_failure(self, st: State, exc: StatesError, cur: list) -> None:
        """Prefix a Step Functions cause with the state; record a JSONata EvaluationFailed."""
        if exc.stateful and not exc.prefixed and exc.cause is not None:
            exc.cause = state_prefix(st.name, cur[1]) + exc.cause
            exc.prefixed = True
        if exc.location and not exc.recorded:
            exc.recorded = True
            details = {"error": exc.error, "cause": exc.cause, "location": exc.location}
            cur[0] = self.h.add("EvaluationFailed", cur[0], {**details, "state": st.name})

    # --- machine and state loop ----------------------------------------------------------

    def machine(self, machine: Any, data: Any, cursor: int, scope: dict) -> tuple[Any, int]:
        name = machine.start_at
        while True:
            data, name, cursor = self.state(machine.states[name], data, cursor, scope)
            if name is None:
                return data, cursor

    def state(self, st: State, data: Any, prev: int, scope: dict) -> tuple[Any, str | None, int]:
        text = self.first_input if self.first_input is not None else dumps(data)
        self.first_input = None
        entered = self.h.add(
            st.entered, prev, {"name": st.name, "input": text, "inputDetails": {"truncated": False}}
        )
        # [the event to point at next, the Entered event, a …StateSucceeded event if any]
        cur = [entered, entered, None]
        ctx = self.ctx(st)
        try:
            output, nxt, assigned = _BODIES[type(st)](self, st, data, cur, ctx, scope)
            text = dumps(output)
            if len(text.encode()) > MAX_PAYLOAD_BYTES:
                raise StatesError(
                    "States.DataLimitExceeded",
                    f"The state/task '{st.name}' returned a result with a size exceeding "
                    "the maximum number of bytes service limit.",
                    stateful=False,
                )
        except StatesError as exc:
            self.note_failure(st, exc, cur)
            if (
                exc.task_failed
                and exc.error not in TERMINAL_ERRORS
                and strands.current_kind(self.h) == "branch"
            ):
                # the Parallel aborts the branch its task failed in [AWS-REC floci]
                self.h.add("TaskStateAborted", cur[0])
            raise StateFailure(exc.error, exc.cause, cur[0]) from None
        except Aborted as exc:
            aborted_event = _ABORTED.get(st.type)
            exc.cursor = self.h.add(aborted_event, cur[0]) if aborted_event else cur[0]
            raise
        except (StateFailure, HistoryFull, TimedOut):
            raise
        except Exception as exc:  # never a Python traceback out of the engine [INFER]
            failure = StatesError("States.Runtime", f"{type(exc).__name__}: {exc}")
            self.note_failure(st, failure, cur)
            raise StateFailure(failure.error, failure.cause, cur[0]) from None
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
        # Each body names its successor: ``Next``, a Choice rule's, or a Catch's ``Next``,
        # which wins over ``End`` (the state is left for the catcher) [AWS-REC issue 13 #5].
        return output, nxt, exited

    # --- state bodies: each returns (output, next state, assigned variables) -------------

    def finish(self, st: Any, raw: Any, result: Any, ctx: dict, scope: dict) -> tuple[Any, dict]:
        """ResultSelector, ResultPath, Assign and OutputPath (JSONPath) or Assign/Output (JSONata)."""
        if st.language == "JSONata":
            states = {"input": raw, "result": result, "context": ctx}
            assigned = self.assign(st, st.assign, result, states, ctx, scope)
            output = (
                self.ata(st.output, states, scope, "Output") if st.output is not None else result
            )
            return output, assigned
        selector = getattr(st, "result_selector", None)
        if selector is not None:
            result = selector(self.env(result, ctx, scope))
        assigned = self.assign(st, st.assign, result, {}, ctx, scope)
        output = put_result(raw, getattr(st, "result_path", "$"), result)
        return self.sel(st.output_path, output, "OutputPath", ctx, scope), assigned

    def arguments(self, st: Any, data: Any, ctx: dict, scope: dict) -> Any:
        """A Task's parameters or a Parallel's branch input: InputPath + Parameters, or Arguments."""
        if st.language == "JSONata":
            if st.arguments is None:
                return data
            return self.ata(st.arguments, {"input": data, "context": ctx}, scope, "Arguments")
        effective = self.sel(st.input_path, data, "InputPath", ctx, scope)
        if getattr(st, "parameters", None) is not None:
            effective = st.parameters(self.env(effective, ctx, scope))
        return effective

    def pass_(self, st: Pass, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.language == "JSONata":
            out, assigned = self.finish(st, data, data, ctx, scope)
            return out, st.next, assigned
        effective = self.sel(st.input_path, data, "InputPath", ctx, scope)
        if st.parameters is not None:
            effective = st.parameters(self.env(effective, ctx, scope))
        result = st.result if st.has_result else effective
        out, assigned = self.finish(st, data, result, ctx, scope)
        return out, st.next, assigned

    def succeed(self, st: Succeed, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.language == "JSONata":
            out, _, assigned = self.ata_out(st, data, ctx, scope)
            return out, None, assigned
        env = self.env(data, ctx, scope)
        effective = select(st.input_path, data, field="InputPath", env=env)
        return select(st.output_path, effective, field="OutputPath", env=env), None, {}

    def ata_out(self, st: State, data: Any, ctx: dict, scope: dict) -> tuple:
        states = {"input": data, "context": ctx}
        assigned = self.assign(st, st.assign, data, states, ctx, scope)
        out = self.ata(st.output, states, scope, "Output") if st.output is not None else data
        return out, st.next, assigned

    def fail(self, st: Fail, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.language == "JSONata":
            states = {"input": data, "context": ctx}
            error = self.ata(st.error, states, scope, "Error")
            cause = self.ata(st.cause, states, scope, "Cause")
        else:
            env = self.env(data, ctx, scope)
            error = (
                compile_reference(st.error_path, "ErrorPath")(env) if st.error_path else st.error
            )
            cause = (
                compile_reference(st.cause_path, "CausePath")(env) if st.cause_path else st.cause
            )
        raise StateFailure(error, cause, cur[0])

    def wait(self, st: Wait, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.language == "JSONata":
            states = {"input": data, "context": ctx}
            seconds = self.ata(st.seconds, states, scope, "Seconds")
            stamp = self.ata(st.timestamp, states, scope, "Timestamp")
            source = st.seconds
        else:
            data = self.sel(st.input_path, data, "InputPath", ctx, scope)
            env = self.env(data, ctx, scope)
            seconds = self._wait_path("SecondsPath", st.seconds_path, data, env, st.seconds)
            stamp = self._wait_path("TimestampPath", st.timestamp_path, data, env, st.timestamp)
            source = st.seconds_path
        if seconds is not None:
            if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 0:
                field_name = "SecondsPath" if st.seconds_path else "Seconds"
                raise StatesError(
                    "States.Runtime", seconds_invalid(field_name, str(source), seconds)
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
            return self.ata_out(st, data, ctx, scope)
        assigned = self.assign(st, st.assign, data, {}, ctx, scope)
        out = self.sel(st.output_path, data, "OutputPath", ctx, scope)
        return out, st.next, assigned

    def map(self, st: Map, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
        if st.mode == "DISTRIBUTED":
            return distributed_map.distributed(self, st, data, cur, ctx, scope)
        return fanout.map_state(self, st, data, cur, ctx, scope)

    def run_child(
        self,
        machine: Any,
        language: str,
        input_text: str,
        execution_arn: str,
        state_machine_arn: str,
        start: datetime,
        express: bool,
    ) -> ExecutionResult:
        """Run a Distributed Map's child execution of ``machine`` (its own history)."""
        return run(
            Definition("", machine, language),
            input_text,
            execution_arn=execution_arn,
            state_machine_arn=state_machine_arn,
            role_arn=self.context["Execution"]["RoleArn"],
            start=start,
            handlers=self.handlers,
            rng=random.Random(self.rng.getrandbits(64)),
            max_events=10**9 if express else self.h.max_events,
            timeout_seconds=300 if express else None,
        )

    @staticmethod
    def _wait_path(field_name: str, path: str | None, data: Any, env: Env, literal: Any) -> Any:
        if not path:
            return literal
        try:
            return compile_lookup(path)(data, env)
        except PathMissing:
            raise StatesError("States.Runtime", wait_path_missing(field_name, path)) from None


_BODIES: dict[type, Callable] = {
    Pass: _Run.pass_,
    Task: tasks.run_task,
    Choice: choice.run_choice,
    Wait: _Run.wait,
    Succeed: _Run.succeed,
    Fail: _Run.fail,
    Parallel: fanout.parallel,
    Map: _Run.map,
}


def execution_name(execution_arn: str) -> str:
    """``$$.Execution.Name``: the last part of a Standard execution ARN, the second-to-last
    of an Express one (``…:express:SM:NAME:UUID``) [AWS-REC issue 13 #8]."""
    parts = execution_arn.split(":")
    if len(parts) > 8 and parts[5] == "express":
        return parts[-2]
    return parts[-1]


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
    deadline = clock.now() + timedelta(seconds=timeout) if timeout is not None else None
    history = History(clock, rng, max_events, deadline)
    parts = execution_arn.split(":")
    context = {
        "Execution": {
            "Id": execution_arn,
            "Input": data,
            "Name": execution_name(execution_arn),
            "RoleArn": role_arn,
            "StartTime": _iso(start),
            "RedriveCount": 0,
        },
        "StateMachine": {"Id": state_machine_arn, "Name": state_machine_arn.split(":")[-1]},
    }
    region = parts[3] if len(parts) > 3 else "us-east-1"
    runner = _Run(history, rng, handlers or {}, context, region, first_input=input_text)
    history.add(
        "ExecutionStarted",
        0,
        {"input": input_text, "inputDetails": {"truncated": False}, "roleArn": role_arn},
    )
    status, output, error, cause = "SUCCEEDED", None, None, None
    try:
        result, cursor = runner.machine(definition.machine, json.loads(input_text), 0, {})
        output = dumps(result)
        history.add(
            "ExecutionSucceeded", cursor, {"output": output, "outputDetails": {"truncated": False}}
        )
    except StateFailure as failure:
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
    return ExecutionResult(
        status, output, error, cause, start, history.clock.now(), events, tuple(runner.map_runs)
    )


__all__ = [
    "ExecutionResult",
    "MAX_PAYLOAD_BYTES",
    "Slow",
    "TERMINAL_ERRORS",
    "compile_path",
    "lambda_error_cause",
    "run",
]
