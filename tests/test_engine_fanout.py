"""Parallel branches and inline Map iterations run at once in virtual time (``strands``).

Sources of the expected behaviour:

* [DOC] the Parallel state runs its branches "as concurrently as possible" and ends when
  every branch has (https://states-language.net/#parallel-state); an inline Map supports
  "up to 40 concurrent iterations", fewer with ``MaxConcurrency``
  (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html); if an
  iteration fails, the Map state fails and its iterations stop (same page);
* [AWS-REC issue 13 #12] a failing branch aborts a sibling still running with
  ``TaskStateAborted``/``WaitStateAborted``;
* [INFER] the order of same-instant events (a strand's instant events stay together; ties
  go to the lower branch or item index) and where ``MapIterationAborted`` points.

Timestamps are virtual and seeded (1-9 ms per event), so the offsets below are exact and
the same on every run; they would change if the interleaving or the clock model did.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from labkit.engine import Slow, parse_definition, run

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FN = "arn:aws:lambda:us-east-1:123456789012:function:work"


def go(definition, input_text="{}", **kw):
    return run(
        parse_definition(json.dumps(definition)),
        input_text,
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:m:e",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
        role_arn="arn:aws:iam::123456789012:role/r",
        start=START,
        **kw,
    )


def timeline(result):
    """(id, previousEventId, type, milliseconds since the execution started) per event."""
    return [
        (e["id"], e["previousEventId"], e["type"], round((e["timestamp"] - START).total_seconds() * 1000))
        for e in result.events
    ]  # fmt: skip


def wait(seconds, next_state=None):
    return {"Type": "Wait", "Seconds": seconds, **({"Next": next_state} if next_state else {"End": True})}  # fmt: skip


def parallel(*branches, **fields):
    return {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": list(branches), **fields}}}  # fmt: skip


def only(name, state):
    return {"StartAt": name, "States": {name: state}}


def test_two_branches_that_each_wait_10_s_take_10_s_not_20():
    """[DOC] branches run at once: the Parallel ends after its slowest branch. labkit took
    20 s here (the branches ran one after the other); the events now interleave by time."""
    result = go(parallel(only("A", wait(10)), only("B", wait(10))))
    assert timeline(result) == [
        (1, 0, "ExecutionStarted", 0),
        (2, 0, "ParallelStateEntered", 8),
        (3, 2, "ParallelStateStarted", 15),
        (4, 3, "WaitStateEntered", 19),  # A
        (5, 3, "WaitStateEntered", 22),  # B
        (6, 4, "WaitStateExited", 10024),  # A: 10 s after it entered, plus one event step
        (7, 5, "WaitStateExited", 10028),  # B
        (8, 7, "ParallelStateSucceeded", 10036),
        (9, 7, "ParallelStateExited", 10039),
        (10, 9, "ExecutionSucceeded", 10039),
    ]
    assert json.loads(result.output) == [{}, {}]
    again = go(parallel(only("A", wait(10)), only("B", wait(10))))
    assert again.events == result.events  # reproducible, event for event


def test_the_slowest_branch_ends_the_parallel_whatever_its_place():
    """[DOC] a 3 s branch defined after a 12 s one finishes first; the output keeps the
    branches' order; nested Parallel states share the one timeline."""
    inner = only(
        "Q",
        {"Type": "Parallel", "End": True, "Branches": [only("I1", wait(2)), only("I2", wait(12))]},
    )
    result = go(parallel(inner, only("Short", wait(3))), '{"k": 1}')
    exits = [(e["stateExitedEventDetails"]["name"], ms) for (_i, _p, t, ms), e in zip(timeline(result), result.events, strict=True) if t.endswith("StateExited")]  # fmt: skip
    assert [name for name, _ms in exits] == ["I1", "Short", "I2", "Q", "P"]
    assert [ms // 1000 for _name, ms in exits] == [2, 3, 12, 12, 12]
    assert json.loads(result.output) == [[{"k": 1}, {"k": 1}], {"k": 1}]
    assert (result.stop - START).total_seconds() < 12.1


def test_the_execution_timeout_ends_branches_that_wait_at_once():
    """[DOC] TimeoutSeconds ends the execution at its deadline, whichever branch waits."""
    machine = {"TimeoutSeconds": 5, **parallel(only("A", wait(30)), only("B", wait(60)))}
    result = go(machine)
    assert result.status == "TIMED_OUT"
    assert (result.stop - START).total_seconds() == 5
    assert [e["type"] for e in result.events][-1] == "ExecutionTimedOut"


def test_a_sibling_aborted_at_the_failure_time_never_calls_its_later_task():
    """[AWS-REC issue 13 #12] the sibling waiting 10 s is aborted when the other branch
    fails at 1 s: its Task after the Wait never runs, so its handler is never called
    (labkit used to call it and then cut its events out of the history)."""
    calls = []
    slow = {"StartAt": "W", "States": {"W": wait(10, "T"), "T": {"Type": "Task", "Resource": FN, "End": True}}}  # fmt: skip
    failing = {"StartAt": "F", "States": {"F": wait(1, "Boom"), "Boom": {"Type": "Fail", "Error": "E"}}}  # fmt: skip
    result = go(parallel(slow, failing), handlers={FN: lambda p: calls.append(p) or "late"})
    assert calls == []
    assert timeline(result) == [
        (1, 0, "ExecutionStarted", 0),
        (2, 0, "ParallelStateEntered", 8),
        (3, 2, "ParallelStateStarted", 15),
        (4, 3, "WaitStateEntered", 19),
        (5, 3, "WaitStateEntered", 22),
        (6, 5, "WaitStateExited", 1027),
        (7, 6, "FailStateEntered", 1031),
        (8, 4, "WaitStateAborted", 1039),  # at the failure, not after its 10 s
        (9, 7, "ParallelStateFailed", 1042),
        (10, 9, "ExecutionFailed", 1042),
    ]


def test_map_runs_max_concurrency_iterations_at_once():
    """[DOC] MaxConcurrency 2: items 0 and 1 start together; item 2 starts when item 1's
    slot frees at 5 s, from that iteration's last event [secondary: moto/LocalStack's slot
    chain], and ends at 15 s, not at 25 s as one after another."""
    proc = {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}}
    machine = {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 2, "ItemProcessor": proc, "End": True}}}  # fmt: skip
    result = go(machine, json.dumps([{"s": 10}, {"s": 5}, {"s": 10}]))
    assert timeline(result) == [
        (1, 0, "ExecutionStarted", 0),
        (2, 0, "MapStateEntered", 8),
        (3, 2, "MapStateStarted", 15),
        (4, 3, "MapIterationStarted", 19),
        (5, 4, "WaitStateEntered", 22),
        (6, 3, "MapIterationStarted", 27),
        (7, 6, "WaitStateEntered", 31),
        (8, 7, "WaitStateExited", 5039),
        (9, 8, "MapIterationSucceeded", 5042),
        (10, 8, "MapIterationStarted", 5047),  # item 2, in item 1's slot
        (11, 10, "WaitStateEntered", 5053),
        (12, 5, "WaitStateExited", 10031),
        (13, 12, "MapIterationSucceeded", 10036),
        (14, 11, "WaitStateExited", 15056),
        (15, 14, "MapIterationSucceeded", 15063),
        (16, 15, "MapStateSucceeded", 15069),
        (17, 15, "MapStateExited", 15072),
        (18, 17, "ExecutionSucceeded", 15072),
    ]
    details = [e["mapIterationStartedEventDetails"]["index"] for e in result.events if e["type"] == "MapIterationStarted"]  # fmt: skip
    assert details == [0, 1, 2]


def test_inline_map_runs_at_most_40_iterations_at_once():
    """[DOC] "up to 40 concurrent iterations": 41 one-second items without MaxConcurrency
    take two seconds, the 41st starting when the first slot frees."""
    proc = {"StartAt": "W", "States": {"W": wait(1)}}
    machine = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": proc, "End": True}}}  # fmt: skip
    result = go(machine, json.dumps(list(range(41))))
    starts = [e for e in result.events if e["type"] == "MapIterationStarted"]
    assert all((e["timestamp"] - START).total_seconds() < 1 for e in starts[:40])
    assert 1 < (starts[40]["timestamp"] - START).total_seconds() < 2
    assert 2 < (result.stop - START).total_seconds() < 3
    assert result.status == "SUCCEEDED" and json.loads(result.output) == list(range(41))


PROCESSOR = {"StartAt": "W", "States": {
    "W": {"Type": "Wait", "SecondsPath": "$.s", "Next": "C"},
    "C": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "IsPresent": True, "Next": "Boom"}], "Default": "Ok"},
    "Boom": {"Type": "Fail", "Error": "ItemError", "Cause": "item 1"},
    "Ok": {"Type": "Pass", "End": True},
}}  # fmt: skip


def test_a_failing_map_iteration_aborts_the_iterations_in_flight():
    """[DOC state-map-inline: the Map fails and its iterations stop] item 1 fails at 1 s:
    items 0 and 2, still in their 10 s Waits, record WaitStateAborted then
    MapIterationAborted (pointing at it [INFER]); item 3, waiting for a slot
    (MaxConcurrency 3), never starts; MapStateFailed points at the failure, as
    MapIterationFailed does [AWS-REC floci-io/floci]. labkit used to run item 0 to its end
    first and never start items 2 and 3."""
    machine = {"StartAt": "M", "States": {"M": {"Type": "Map", "MaxConcurrency": 3, "ItemProcessor": PROCESSOR, "End": True}}}  # fmt: skip
    items = [{"s": 10}, {"s": 1, "fail": 1}, {"s": 10}, {"s": 1}]
    result = go(machine, json.dumps(items))
    assert timeline(result) == [
        (1, 0, "ExecutionStarted", 0),
        (2, 0, "MapStateEntered", 8),
        (3, 2, "MapStateStarted", 15),
        (4, 3, "MapIterationStarted", 19),
        (5, 4, "WaitStateEntered", 22),
        (6, 3, "MapIterationStarted", 27),
        (7, 6, "WaitStateEntered", 31),
        (8, 3, "MapIterationStarted", 39),
        (9, 8, "WaitStateEntered", 42),
        (10, 7, "WaitStateExited", 1036),
        (11, 10, "ChoiceStateEntered", 1042),
        (12, 11, "ChoiceStateExited", 1051),
        (13, 12, "FailStateEntered", 1056),
        (14, 13, "MapIterationFailed", 1059),
        (15, 5, "WaitStateAborted", 1066),
        (16, 15, "MapIterationAborted", 1072),
        (17, 9, "WaitStateAborted", 1075),
        (18, 17, "MapIterationAborted", 1084),
        (19, 13, "MapStateFailed", 1093),
        (20, 19, "ExecutionFailed", 1093),
    ]
    indices = [e.get("mapIterationAbortedEventDetails", {}).get("index") for e in result.events]
    assert [i for i in indices if i is not None] == [0, 2]
    assert (result.error, result.cause) == ("ItemError", "item 1")


def test_a_failing_iteration_aborts_a_nested_parallel_and_its_task():
    """[AWS-REC issue 13 #12, one level down, INFER] an iteration running a Parallel whose
    branch waits on a Task records TaskStateAborted, ParallelStateAborted, then
    MapIterationAborted pointing at it."""
    slow_task = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN, "End": True}}}
    proc = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Boom"}], "Default": "P"},
        "Boom": {"Type": "Fail", "Error": "ItemError"},
        "P": {"Type": "Parallel", "Branches": [slow_task], "End": True},
    }}  # fmt: skip
    machine = {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": proc, "End": True}}}  # fmt: skip
    result = go(machine, "[0, 1]", handlers={FN: lambda p: Slow(60, "late")})
    by_id = {e["id"]: e for e in result.events}
    tail = [(e["type"], by_id[e["previousEventId"]]["type"]) for e in result.events if e["type"].endswith(("Aborted", "Failed"))]  # fmt: skip
    assert tail == [
        ("MapIterationFailed", "FailStateEntered"),
        ("TaskStateAborted", "LambdaFunctionStarted"),
        ("ParallelStateAborted", "ParallelStateStarted"),
        ("MapIterationAborted", "ParallelStateAborted"),
        ("MapStateFailed", "FailStateEntered"),
        ("ExecutionFailed", "MapStateFailed"),
    ]
    assert (result.stop - START).total_seconds() < 1


def test_a_caught_map_failure_moves_on_after_the_aborts():
    """[DOC] the Map's Catch runs once its iterations have stopped."""
    machine = {"StartAt": "M", "States": {
        "M": {"Type": "Map", "ItemProcessor": PROCESSOR, "Catch": [{"ErrorEquals": ["ItemError"], "Next": "Handled"}], "End": True},
        "Handled": {"Type": "Pass", "End": True},
    }}  # fmt: skip
    result = go(machine, json.dumps([{"s": 10}, {"s": 1, "fail": 1}]))
    types = [e["type"] for e in result.events]
    assert types[-7:] == [
        "WaitStateAborted", "MapIterationAborted", "MapStateFailed", "MapStateExited",
        "PassStateEntered", "PassStateExited", "ExecutionSucceeded",
    ]  # fmt: skip
    assert result.status == "SUCCEEDED"
    assert json.loads(result.output) == {"Error": "ItemError", "Cause": "item 1"}


def test_a_distributed_map_in_a_branch_runs_beside_its_sibling():
    """[DOC] a Distributed Map waits for its child executions like any state: in a branch,
    its 3 s children and a 5 s sibling end the Parallel after 5 s, not 8 s."""
    children = {"StartAt": "D1", "States": {"D1": wait(3)}, "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}}  # fmt: skip
    dmap = only(
        "D", {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": children, "End": True}
    )
    result = go(parallel(dmap, only("S", wait(5))), '{"items": [1, 2]}')
    assert result.status == "SUCCEEDED" and json.loads(result.output) == [[1, 2], {"items": [1, 2]}]
    assert 5 < (result.stop - START).total_seconds() < 5.2
    succeeded = next(e for e in result.events if e["type"] == "MapRunSucceeded")
    assert 3 < (succeeded["timestamp"] - START).total_seconds() < 3.2
