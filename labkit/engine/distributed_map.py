"""Distributed Map: a Map Run of child workflow executions instead of inline iterations.

A Map whose ``ItemProcessor.ProcessorConfig.Mode`` is ``DISTRIBUTED`` starts a *Map Run*;
each item runs as its own child execution of the processor, not inline in the parent's
history [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html ;
[AWS-REC issue 13 #4]. Facts modelled:

* parent history: ``MapStateEntered`` → ``MapStateStarted`` → ``MapRunStarted`` (details
  ``mapRunArn``) → ``MapRunSucceeded`` | ``MapRunFailed`` (``error``, ``cause``) →
  ``MapStateSucceeded`` | ``MapStateFailed`` → ``MapStateExited``; no iteration events. The
  parent chain stays at ``MapRunStarted``: ``MapStateExited`` points at it, past both
  Succeeded events [AWS-REC issue 13 #4; previousEventIds from floci-io/floci
  ``distributedMapNamesItsRunAndPublishesNoItemEvents``, read off AWS];
* ARNs [DOC] (DescribeMapRun, the Map Run examples): the Map Run is
  ``arn:aws:states:R:A:mapRun:MACHINE/LABEL:UUID``; its state machine
  ``arn:aws:states:R:A:stateMachine:MACHINE/LABEL``; STANDARD children are
  ``arn:aws:states:R:A:execution:MACHINE/LABEL:NAME``, EXPRESS ones
  ``…:express:MACHINE/LABEL:NAME:UUID``. ``LABEL`` is the state's ``Label``, else its name
  [INFER]; child names are UUIDs drawn from the seed [INFER];
* the Map Run fails when failed children exceed ``ToleratedFailureCount`` or
  ``ToleratedFailurePercentage`` (each may come from a ``…Path``, a ``$variable`` too); with
  neither, any failure fails it [DOC]. The error is ``States.ExceedToleratedFailureThreshold``
  [DOC, error names]; the cause wording is [INFER];
* children run on at most ``MaxConcurrency`` workers (default: all at once, up to 10,000
  [DOC]), in virtual time, each starting when a worker frees up; the Map's output is
  the children's outputs in item order (a tolerated failure contributes its
  ``{"Error", "Cause"}`` [INFER]);
* a child sees ``$$.Execution`` of its own execution and ``$$.StateMachine`` of the Map
  Run's state machine [INFER from the ARNs above].
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labkit.engine.errors import StatesError
from labkit.engine.fanout import item_input, map_inputs
from labkit.engine.map_config import execution_type
from labkit.engine.paths import dumps, select
from labkit.engine.recovery import guarded
from labkit.engine.states import Map

MAX_CHILDREN_AT_ONCE = 10_000
THRESHOLD_ERROR = "States.ExceedToleratedFailureThreshold"
THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"  # [INFER]


@dataclass(frozen=True)
class ChildExecution:
    """One item's child workflow execution."""

    arn: str
    name: str
    input: str
    result: Any  # labkit.engine.ExecutionResult


@dataclass(frozen=True)
class MapRun:
    """A Map Run as DescribeMapRun describes it, with its children."""

    arn: str
    state_machine_arn: str
    execution_arn: str
    label: str
    execution_type: str
    processor_definition: str
    start: datetime
    stop: datetime
    status: str
    max_concurrency: int
    tolerated_failure_count: int
    tolerated_failure_percentage: float
    children: tuple[ChildExecution, ...] = field(default=())

    def counts(self) -> dict[str, int]:
        """``itemCounts`` / ``executionCounts``: every child has finished [DOC shape]."""
        statuses = [c.result.status for c in self.children]
        return {
            "pending": 0,
            "running": 0,
            "succeeded": statuses.count("SUCCEEDED"),
            "failed": statuses.count("FAILED"),
            "timedOut": statuses.count("TIMED_OUT"),
            "aborted": statuses.count("ABORTED"),
            "total": len(statuses),
            "resultsWritten": 0,
            "failuresNotRedrivable": 0,
            "pendingRedrive": 0,
        }


def _uuid(run: Any) -> str:
    return str(uuid.UUID(int=run.rng.getrandbits(128), version=4))


def _tolerance(
    run: Any, st: Map, data: Any, ctx: dict, scope: dict
) -> tuple[int | None, float | None]:
    opts = st.options
    env = run.env(data, ctx, scope)
    count = opts.get("ToleratedFailureCount")
    pct = opts.get("ToleratedFailurePercentage")
    if opts.get("ToleratedFailureCountPath"):
        count = select(
            opts["ToleratedFailureCountPath"], data, field="ToleratedFailureCountPath", env=env
        )
    if opts.get("ToleratedFailurePercentagePath"):
        pct = select(
            opts["ToleratedFailurePercentagePath"],
            data,
            field="ToleratedFailurePercentagePath",
            env=env,
        )
    if st.language == "JSONata":
        states = {"input": data, "context": ctx}
        if isinstance(count, str):
            count = run.ata(count, states, scope, "ToleratedFailureCount")
        if isinstance(pct, str):
            pct = run.ata(pct, states, scope, "ToleratedFailurePercentage")
    for name, value in (("ToleratedFailureCount", count), ("ToleratedFailurePercentage", pct)):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value < 0
        ):
            raise StatesError(
                "States.Runtime", f"The {name} must be a non-negative number: {dumps(value)}"
            )
    return count, pct


def exceeded(failed: int, total: int, count: int | None, pct: float | None) -> bool:
    """Whether ``failed`` of ``total`` children break the tolerated thresholds [DOC]."""
    if failed == 0:
        return False
    if count is None and pct is None:
        return True
    over_count = count is not None and failed > count
    over_pct = pct is not None and total > 0 and failed * 100 / total > pct
    return over_count or over_pct


def distributed(run: Any, st: Map, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
    """The body of a distributed Map state."""

    def attempt() -> list:
        effective, items, _ = map_inputs(run, st, data, ctx, scope)
        count, pct = _tolerance(run, st, effective, ctx, scope)
        started = run.h.add("MapStateStarted", cur[0], {"length": len(items)})
        parent = run.context
        machine_arn = parent["StateMachine"]["Id"]
        _, _, _, region, account, _, machine = machine_arn.split(":", 6)
        label = st.options.get("Label") or st.name
        run_arn = f"arn:aws:states:{region}:{account}:mapRun:{machine}/{label}:{_uuid(run)}"
        run_machine = f"arn:aws:states:{region}:{account}:stateMachine:{machine}/{label}"
        run_started = run.h.add("MapRunStarted", started, {"mapRunArn": run_arn})
        cur[0] = run_started
        express = execution_type(st.options.get("ItemProcessor")) == "EXPRESS"
        limit = st.max_concurrency if isinstance(st.max_concurrency, int) else 0
        workers = max(1, min(limit or MAX_CHILDREN_AT_ONCE, len(items) or 1))
        free = [run.h.clock.now()] * workers
        children, results, failed = [], [], 0
        for index, item in enumerate(items):
            w = min(range(workers), key=lambda i: free[i])
            item_ctx = {**ctx, "Map": {"Item": {"Index": index, "Value": item}}}
            text = dumps(item_input(run, st, effective, item, item_ctx, scope))
            name = _uuid(run)
            if express:
                arn = f"arn:aws:states:{region}:{account}:express:{machine}/{label}:{name}:{_uuid(run)}"
            else:
                arn = f"arn:aws:states:{region}:{account}:execution:{machine}/{label}:{name}"
            result = run.run_child(
                st.processor, st.language, text, arn, run_machine, free[w], express
            )
            free[w] = result.stop
            children.append(ChildExecution(arn, name, text, result))
            if result.status == "SUCCEEDED":
                results.append(json.loads(result.output))
            else:
                failed += 1
                results.append({"Error": result.error, "Cause": result.cause})
        # the Map waits for its children; in a Parallel branch the siblings run meanwhile
        run.h.sleep_until(max([run.h.clock.now(), *free]))
        status = "FAILED" if exceeded(failed, len(items), count, pct) else "SUCCEEDED"
        run.map_runs.append(
            MapRun(
                run_arn, run_machine, parent["Execution"]["Id"], label,
                "EXPRESS" if express else "STANDARD", json.dumps(st.options.get("ItemProcessor", {})),
                run.h.events[run_started - 1]["timestamp"], run.h.clock.now(), status, limit,
                int(count or 0), float(pct or 0), tuple(children),
            )
        )  # fmt: skip
        if status == "FAILED":
            failed_at = run.h.add(
                "MapRunFailed", run_started, {"error": THRESHOLD_ERROR, "cause": THRESHOLD_CAUSE}
            )
            cur[0] = failed_at
            raise StatesError(
                THRESHOLD_ERROR, THRESHOLD_CAUSE, event="MapStateFailed", stateful=False
            )
        succeeded = run.h.add("MapRunSucceeded", run_started)
        cur[2] = run.h.add("MapStateSucceeded", succeeded)
        return results

    return guarded(run, st, data, cur, ctx, scope, attempt)


__all__ = ["ChildExecution", "MapRun", "distributed", "exceeded"]
