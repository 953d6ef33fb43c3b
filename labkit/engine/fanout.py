"""Parallel and inline Map states: branches and iterations, their events and failures.

labkit runs branches and iterations one after another in virtual time, one of the
interleavings AWS may record; branch events chain back to ``ParallelStateStarted`` and
iteration events to ``MapIterationStarted`` [secondary] moto/LocalStack, checked against
a real Hello World history (turbot/steampipe-plugin-aws PR #873) [ISSUE].

Failures, as AWS records them:

* a branch or iteration that fails with a catchable error ends the state with one
  ``ParallelStateFailed``/``MapStateFailed`` when no retry remains (``recovery.guarded``);
  a failed iteration also records ``MapIterationFailed``; both point at the failure
  inside [AWS-REC issue 13 #6; floci-io/floci, read off AWS];
* ``States.Runtime`` inside a branch or iteration ends the execution at once: no
  ``…Failed`` event of the Parallel or Map [AWS-REC floci-io/floci];
* a failing branch aborts its running siblings: a sibling still in a Task when the
  failure happens records ``TaskStateAborted`` (``WaitStateAborted`` in a Wait …) and runs
  no further [AWS-REC issue 13 #12]. Which siblings are still running is modelled
  [INFER]: siblings defined before the failing branch have finished (they ran first);
  those after it run until as much virtual time has passed as the failing branch took,
  and are aborted at their next wait;
* a Fail state without ``Error`` passes no error up: ``ExecutionFailed`` details stay
  ``{}`` [AWS-REC issue 13 #7].

JSONata ``Items`` and ``MaxConcurrency`` are evaluated when the state runs [AWS-REC issue
13 #3, #13]; a Map with ``ProcessorConfig.Mode: DISTRIBUTED`` runs as a Map Run of child
executions (``distributed_map``).
"""

from __future__ import annotations

import json
from typing import Any

from labkit.engine.errors import Aborted, StateFailure, StatesError
from labkit.engine.paths import dumps, select
from labkit.engine.query import require_list
from labkit.engine.recovery import TERMINAL_ERRORS, guarded
from labkit.engine.states import Map, Parallel


def parallel(run: Any, st: Parallel, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
    """The Parallel state's body."""

    def attempt() -> list:
        try:
            branch_input = run.arguments(st, data, ctx, scope)
        except StatesError as exc:
            exc.event = exc.event or "ParallelStateFailed"
            raise
        started = run.h.add("ParallelStateStarted", cur[0])
        cur[0] = started
        text = dumps(branch_input)
        results, lasts = [], []
        failure: StateFailure | None = None
        budget = None
        for branch in st.branches:
            began = run.h.clock.now()
            try:
                if failure is None:
                    out, last = run.machine(branch, json.loads(text), started, dict(scope))
                else:
                    with run.h.abort_after(budget):
                        out, last = run.machine(branch, json.loads(text), started, dict(scope))
            except StateFailure as f:
                if f.error in TERMINAL_ERRORS:
                    raise
                if failure is None:
                    failure, budget = f, run.h.clock.now() - began
                continue
            except Aborted:
                continue
            results.append(out)
            lasts.append(last)
        if failure is not None:
            cur[0] = failure.cursor
            raise StatesError(
                failure.error, failure.cause, event="ParallelStateFailed", stateful=False
            )
        cur[0] = max(lasts, default=started)
        cur[2] = run.h.add("ParallelStateSucceeded", cur[0])
        return results

    return guarded(run, st, data, cur, ctx, scope, attempt)


def map_state(run: Any, st: Map, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
    """The inline Map state's body (``execution`` sends distributed Maps to ``distributed_map``)."""

    def attempt() -> list:
        effective, items, workers = map_inputs(run, st, data, ctx, scope)
        started = run.h.add("MapStateStarted", cur[0], {"length": len(items)})
        cur[0] = started
        cursors, finals = [started] * workers, [started] * workers
        results = []
        for index, item in enumerate(items):
            w = index % workers
            item_ctx = {**ctx, "Map": {"Item": {"Index": index, "Value": item}}}
            value = item_input(run, st, effective, item, item_ctx, scope)
            detail = {"name": st.name, "index": index}
            began = run.h.add("MapIterationStarted", cursors[w], detail)
            try:
                out, last = run.machine(st.processor, value, began, dict(scope))
            except StateFailure as failure:
                if failure.error in TERMINAL_ERRORS:
                    raise
                run.h.add("MapIterationFailed", failure.cursor, detail)
                cur[0] = failure.cursor
                raise StatesError(
                    failure.error, failure.cause, event="MapStateFailed", stateful=False
                ) from None
            finals[w] = run.h.add("MapIterationSucceeded", last, detail)
            cursors[w] = last
            results.append(out)
        cur[0] = max(finals)
        cur[2] = run.h.add("MapStateSucceeded", cur[0])
        return results

    return guarded(run, st, data, cur, ctx, scope, attempt)


def map_inputs(run: Any, st: Map, data: Any, ctx: dict, scope: dict) -> tuple[Any, list, int]:
    """The Map's effective input, its items and how many run at once."""
    try:
        if st.language == "JSONata":
            states = {"input": data, "context": ctx}
            effective = data
            if st.items is None:
                items = data
            else:
                items = require_list(run.ata(st.items, states, scope, "Items"), st.items, "Items")
            limit = st.max_concurrency
            if isinstance(limit, str):
                limit = run.ata(limit, states, scope, "MaxConcurrency")
        else:
            env = run.env(data, ctx, scope)
            effective = select(st.input_path, data, field="InputPath", env=env)
            items = select(
                st.items_path, effective, field="ItemsPath", env=run.env(effective, ctx, scope)
            )
            limit = st.max_concurrency
            path = st.options.get("MaxConcurrencyPath")
            if path:
                limit = select(path, effective, field="MaxConcurrencyPath", env=env)
    except StatesError as exc:
        exc.event = exc.event or "MapStateFailed"
        raise
    if not isinstance(items, list):
        raise StatesError(
            "States.Runtime", f"Map state input must be an array but was: {dumps(items)}"
        )
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise StatesError(
            "States.Runtime", f"MaxConcurrency must be a non-negative integer: {dumps(limit)}"
        )  # [INFER] wording
    workers = max(1, min(limit or len(items), len(items)))
    return effective, items, workers


def item_input(run: Any, st: Map, effective: Any, item: Any, ctx: dict, scope: dict) -> Any:
    """One iteration's input: the item, or the ItemSelector's result."""
    if st.item_selector is None:
        return item
    if st.language == "JSONata":
        return run.ata(
            st.item_selector, {"input": effective, "context": ctx}, scope, "ItemSelector"
        )
    return st.item_selector(run.env(effective, ctx, scope))


__all__ = ["item_input", "map_inputs", "map_state", "parallel"]
