"""Retry and Catch, shared by Task, Parallel and Map states.

Facts modelled (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
[DOC] unless tagged):

* ``States.ALL`` matches every error except ``States.Runtime`` and
  ``States.DataLimitExceeded``, which are never retried or caught; ``States.TaskFailed``
  matches every error except those and ``States.Timeout``;
* the retry interval is ``IntervalSeconds * BackoffRate ** n``, capped by
  ``MaxDelaySeconds``, drawn uniformly below it with ``JitterStrategy: FULL``;
* when the retries run out, the first matching catcher's ``Next`` runs, even from a state
  with ``End: true`` [AWS-REC issue 13 #5];
* a catcher whose JSONata ``Output`` (or ``Assign``) fails records its ``EvaluationFailed``
  pointing at the event before the state's first ``…StateFailed``, then a second
  ``ParallelStateFailed``/``MapStateFailed``, and the execution fails with the catcher's
  error (``States.QueryEvaluationError``, the state's prefix, location ``Catch[i]/Output/…``)
  [AWS-REC floci-io/floci ``catchClauseOutputFailureIsRecordedFromBeforeTheStateFailedEvent``,
  read off AWS]; no other catcher or retrier handles it [AWS-REC, same]; a Task has no
  ``…StateFailed`` event, so its EvaluationFailed follows TaskFailed [INFER];
* a Map or Parallel state writes its ``MapStateFailed``/``ParallelStateFailed`` once,
  when the failure is final, not before every retry; it points at the failure inside the
  iteration or branch [AWS-REC issue 13 #6; floci-io/floci, read off AWS];
* ``$$.State.RetryCount`` counts the retries of a Task state [DOC]; only Task states have
  it [AWS-REC issue 13 #8].
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from labkit.engine.errors import StatesError
from labkit.engine.paths import put_result
from labkit.engine.states import Catcher, Retrier, State

#: Not retried or caught by States.ALL [DOC]
TERMINAL_ERRORS = frozenset({"States.Runtime", "States.DataLimitExceeded"})


def matches(names: tuple[str, ...], error: str | None) -> bool:
    """Whether an ``ErrorEquals`` list matches ``error``."""
    for name in names:
        if name == error:
            return True
        if name == "States.ALL" and error not in TERMINAL_ERRORS:
            return True
        if name == "States.TaskFailed" and error not in TERMINAL_ERRORS | {"States.Timeout"}:
            return True
    return False


def guarded(
    run: Any, st: Any, data: Any, cur: list, ctx: dict, scope: dict, attempt: Callable[[], Any]
) -> tuple:
    """Run ``attempt`` under the state's Retry and Catch; return (output, next, assigned)."""
    counts = [0] * len(st.retry)
    while True:
        try:
            cur[2] = None
            result = attempt()
            try:
                out, assigned = run.finish(st, data, result, ctx, scope)
            except StatesError:
                # after ParallelStateSucceeded/MapStateSucceeded, a failing ResultSelector,
                # ResultPath or OutputPath points at that event [AWS-REC floci-io/floci]
                cur[0] = cur[2] or cur[0]
                raise
            return out, st.next, assigned
        except StatesError as exc:
            run.note_failure(st, exc, cur)
            if exc.error in TERMINAL_ERRORS:
                raise
            delay = retry_delay(run, st.retry, counts, exc.error)
            if delay is not None:
                if "RetryCount" in ctx["State"]:
                    ctx["State"]["RetryCount"] += 1
                run.h.sleep(delay)
                continue
            stood, failed_event = cur[0], exc.event
            if exc.event:
                cur[0] = run.h.add(exc.event, cur[0])
                exc.event = None
            for i, catcher in enumerate(st.catch):
                if matches(catcher.error_equals, exc.error):
                    try:
                        return caught(run, st, i, catcher, data, exc, ctx, scope)
                    except StatesError as again:
                        cur[0] = stood  # its EvaluationFailed points before the first …Failed
                        run.note_failure(st, again, cur)
                        if failed_event:  # and the state fails a second time
                            cur[0] = run.h.add(failed_event, cur[0])
                        raise again from None
            raise


def retry_delay(
    run: Any, retriers: tuple[Retrier, ...], counts: list[int], error: str | None
) -> float | None:
    """Seconds until the next attempt, or None when no retrier applies any more."""
    for i, retrier in enumerate(retriers):
        if matches(retrier.error_equals, error):
            if counts[i] >= retrier.max_attempts:
                return None
            delay = retrier.interval_seconds * retrier.backoff_rate ** counts[i]
            if retrier.max_delay_seconds is not None:
                delay = min(delay, retrier.max_delay_seconds)
            if retrier.jitter == "FULL":
                delay = run.rng.uniform(0, delay)
            counts[i] += 1
            return delay
    return None


def caught(
    run: Any,
    st: State,
    index: int,
    catcher: Catcher,
    data: Any,
    exc: StatesError,
    ctx: dict,
    scope: dict,
) -> tuple:
    """The catcher's output and ``Next``; a Fail without ``Error`` has no ``Error`` key [INFER]."""
    error_output: dict[str, Any] = {}
    if exc.error is not None:
        error_output["Error"] = exc.error
    error_output["Cause"] = exc.cause or ""
    if st.language == "JSONata":
        states = {"input": data, "errorOutput": error_output, "context": ctx}
        where = f"Catch[{index}]"
        assigned = run.assign(
            st, catcher.assign, error_output, states, ctx, scope, f"{where}/Assign"
        )
        out = (
            run.ata(catcher.output, states, scope, f"{where}/Output")
            if catcher.output is not None
            else error_output
        )
        return out, catcher.next, assigned
    assigned = run.assign(st, catcher.assign, error_output, {}, ctx, scope)
    return put_result(data, catcher.result_path, error_output), catcher.next, assigned


__all__ = ["TERMINAL_ERRORS", "caught", "guarded", "matches", "retry_delay"]
