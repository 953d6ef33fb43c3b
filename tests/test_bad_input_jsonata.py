"""Bad input, class 4: runaway JSONata fails the state with States.QueryEvaluationError.

The bounds (labkit.engine.jsonata_bounds) are lowered in most tests so they trip fast;
no test asserts a duration: pytest-timeout only stops a test that would hang.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import labkit
from labkit.engine import jsonata_bounds, parse_definition, run

pytestmark = pytest.mark.timeout(60)

ARN = "arn:aws:states:us-east-1:123456789012:execution:m:e"
SM = "arn:aws:states:us-east-1:123456789012:stateMachine:m"
ROLE = "arn:aws:iam::123456789012:role/r"
TEXT = {"s": "a" * 30 + "!"}


def machine(expr: str, *, catch: bool = False) -> str:
    state: dict = {"Type": "Pass", "Output": expr, "End": True}
    states: dict = {"A": state}
    if catch:
        state["Type"] = "Task"
        state["Resource"] = "arn:aws:lambda:us-east-1:123456789012:function:f"
        state["Catch"] = [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Caught"}]
        states["Caught"] = {"Type": "Pass", "Output": "{% $states.input %}", "End": True}
    return json.dumps({"QueryLanguage": "JSONata", "StartAt": "A", "States": states})


def go(expr: str, *, catch: bool = False):
    return run(
        parse_definition(machine(expr, catch=catch)),
        json.dumps(TEXT),
        execution_arn=ARN,
        state_machine_arn=SM,
        role_arn=ROLE,
        start=datetime(2026, 1, 1, tzinfo=UTC),
        handlers={"arn:aws:lambda:us-east-1:123456789012:function:f": lambda payload: payload},
    )


@pytest.fixture
def tight(monkeypatch):
    monkeypatch.setattr(jsonata_bounds, "MAX_STEPS", 20_000)
    monkeypatch.setattr(jsonata_bounds, "TIMEOUT_S", 30.0)  # tests of the watchdog lower it
    monkeypatch.setattr(jsonata_bounds, "REGEX_TIMEOUT_S", 0.2)


def assert_runaway(result, words: str) -> None:
    assert result.status == "FAILED"
    assert result.error == "States.QueryEvaluationError"
    assert words in result.cause and "[INFER]" in result.cause


def test_endless_recursion_is_stopped_by_the_step_bound(tight) -> None:
    assert_runaway(go("{% ($f := function($n){ $f($n + 1) }; $f(1)) %}"), "20,000 evaluation steps")


def test_deep_recursion_is_stopped_by_the_depth_bound(tight) -> None:
    result = go("{% ($f := function($n){ $n > 0 and $f($n - 1) }; $f(100000)) %}")
    assert_runaway(result, "deeper than 1,000")


def test_a_long_builtin_loop_is_stopped_by_the_watchdog(tight, monkeypatch) -> None:
    monkeypatch.setattr(jsonata_bounds, "TIMEOUT_S", 0.5)
    assert_runaway(go("{% $sum([1..10000000]) %}"), "longer than 0.5 s")


def test_a_backtracking_regex_is_stopped(tight) -> None:
    assert_runaway(go("{% $match($states.input.s, /(a|aa)+b/) %}"), "regular expression")


def test_the_issue_regex_now_decides_correctly() -> None:
    """``/(a+)+b/`` ran > 60 s on ``re``; the regex library decides it (no match) at once.

    No match is JSONata's *undefined*, and an ``Output`` that evaluates to undefined fails
    the state as AWS records (issue 13 #2), so the run ends with that error, not a bound.
    """
    result = go("{% $match($states.input.s, /(a+)+b/) %}")
    assert result.status == "FAILED" and result.error == "States.QueryEvaluationError"
    assert "labkit stopped" not in result.cause
    found = go("{% $count($match('aaab', /(a+)+b/)) %}")
    assert found.status == "SUCCEEDED" and json.loads(found.output) == 1


def test_default_bounds_stop_endless_recursion() -> None:
    """Which default bound trips first depends on the machine's speed: either is correct."""
    result = go("{% ($f := function($n){ $f($n + 1) }; $f(1)) %}")
    assert_runaway(result, "labkit stopped the JSONata expression")
    assert "100,000 evaluation steps" in result.cause or "longer than 10 s" in result.cause


def test_runaway_is_catchable_and_later_expressions_still_work(tight, monkeypatch) -> None:
    monkeypatch.setattr(jsonata_bounds, "TIMEOUT_S", 0.5)
    caught = go("{% ($f := function($n){ $f($n + 1) }; $f(1)) %}", catch=True)
    assert caught.status == "SUCCEEDED"
    assert json.loads(caught.output)["Error"] == "States.QueryEvaluationError"
    for _ in range(3):  # no stray asynchronous exception survives a tripped watchdog
        assert_runaway(go("{% $sum([1..10000000]) %}"), "longer than")
        ok = go("{% $sum([1..1000].($ * 2)) %}")
        assert ok.status == "SUCCEEDED" and json.loads(ok.output) == 1001000


def test_ordinary_expressions_are_untouched() -> None:
    result = go("{% $join($map([1,2,3], function($v){ $string($v * 2) }), ',') %}")
    assert json.loads(result.output) == "2,4,6"
    result = go("{% $replace('abcabc', /b(c)/, 'X$1') %}")
    assert json.loads(result.output) == "aXcaXc"


def test_offline_world_fails_the_execution_and_stays_usable(tight) -> None:
    with labkit.offline(seed=4) as world:
        sfn = world.client("stepfunctions")
        bad = sfn.create_state_machine(
            name="bad",
            definition=machine("{% ($f := function($n){ $f($n + 1) }; $f(1)) %}"),
            roleArn=ROLE,
        )["stateMachineArn"]
        good = sfn.create_state_machine(
            name="good", definition=machine("{% $states.input.s %}"), roleArn=ROLE
        )["stateMachineArn"]
        arn = sfn.start_execution(stateMachineArn=bad, input=json.dumps(TEXT))["executionArn"]
        failed = sfn.describe_execution(executionArn=arn)
        assert (failed["status"], failed["error"]) == ("FAILED", "States.QueryEvaluationError")
        arn = sfn.start_execution(stateMachineArn=good, input=json.dumps(TEXT))["executionArn"]
        assert json.loads(sfn.describe_execution(executionArn=arn)["output"]) == TEXT["s"]
