"""Running machines in virtual time: data flow, Retry/Catch, timeouts, limits, determinism."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from labkit.engine import Slow, parse_definition, run
from labkit.engine.templates import FAIL_MACHINE, HELLO_WORLD_V1, HELLO_WORLD_V2, HELLO_WORLD_V3

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FN = "arn:aws:lambda:us-east-1:123456789012:function:work"


def go(definition, input_text="{}", **kw):
    if isinstance(definition, dict):
        definition = json.dumps(definition)
    return run(
        parse_definition(definition),
        input_text,
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:m:e",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
        role_arn="arn:aws:iam::123456789012:role/r",
        start=START,
        **kw,
    )


def one(state: dict, **extra) -> dict:
    return {"StartAt": "S", "States": {"S": {**state, **extra}}}


def types_of(result):
    return [e["type"] for e in result.events]


def test_hello_world_v2_waits_three_virtual_seconds_and_is_reproducible():
    first, second = go(HELLO_WORLD_V2), go(HELLO_WORLD_V2)
    assert first.status == "SUCCEEDED" and len(first.events) == 20
    assert json.loads(first.output) == [{"IsHelloWorldExample": True}] * 2
    entered, exited = first.events[7], first.events[8]
    assert (entered["type"], exited["type"]) == ("WaitStateEntered", "WaitStateExited")
    assert exited["timestamp"] - entered["timestamp"] >= timedelta(seconds=3)
    assert first.events == second.events
    assert first.events[0]["timestamp"] == START
    assert go(HELLO_WORLD_V2, rng=random.Random(7)).events != first.events  # seed matters


def test_hello_world_v1_branches_on_its_input():
    assert go(HELLO_WORLD_V1, '{"IsHelloWorldExample": true}').status == "SUCCEEDED"
    no = go(HELLO_WORLD_V1, '{"IsHelloWorldExample": false}')
    assert (no.status, no.error, no.cause) == ("FAILED", None, "Not Hello World")
    assert no.events[-1]["executionFailedEventDetails"] == {"cause": "Not Hello World"}


def test_hello_world_v3_runs_jsonata_with_variables_and_virtual_now():
    result = go(HELLO_WORLD_V3)
    assert result.status == "SUCCEEDED" and len(result.events) == 20
    summary = json.loads(result.output)["Summary"]
    assert "11/02" in summary and "3 checkpoints" in summary
    exited = result.events[2]["stateExitedEventDetails"]
    assert exited["assignedVariables"] == {"CheckpointCount": "0"}
    assert exited["assignedVariablesDetails"] == {"truncated": False}
    assert go(HELLO_WORLD_V3).events == result.events


def test_fail_machine_ends_with_fail_state_entered_then_execution_failed():
    result = go(FAIL_MACHINE)
    assert types_of(result)[-2:] == ["FailStateEntered", "ExecutionFailed"]
    assert result.events[-1]["previousEventId"] == result.events[-2]["id"]
    assert result.error == "LessonError"


def test_fail_state_error_path_and_cause_path():
    result = go(
        one({"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('bad {}', $.n)"}),
        '{"e": "E1", "n": 3}',
    )
    assert (result.error, result.cause) == ("E1", "bad 3")


def test_jsonpath_data_flow_parameters_result_selector_result_path_output_path():
    machine = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Pass",
                "InputPath": "$.in",
                "Parameters": {
                    "greeting.$": "States.Format('Hello, {}!', $.name)",
                    "parsed.$": "States.StringToJson($.raw)",
                    "text.$": "States.JsonToString($.obj)",
                    "arr.$": "States.Array(1, $.name)",
                    "len.$": "States.ArrayLength($.list)",
                    "sum.$": "States.MathAdd($.n, 5)",
                    "id.$": "States.UUID()",
                    "exec.$": "$$.Execution.Name",
                },
                "ResultPath": "$.out",
                "OutputPath": "$.out",
                "End": True,
            }
        },
    }
    data = {"in": {"name": "Ada", "raw": '{"a":1}', "obj": {"b": 2}, "list": [1, 2, 3], "n": 1}}
    out = json.loads(go(machine, json.dumps(data)).output)
    assert (
        out["greeting"] == "Hello, Ada!" and out["parsed"] == {"a": 1} and out["text"] == '{"b":2}'
    )
    assert out["arr"] == [1, "Ada"] and out["len"] == 3 and out["sum"] == 6 and out["exec"] == "e"
    assert out["id"] == json.loads(go(machine, json.dumps(data)).output)["id"]  # seeded


def test_missing_input_path_fails_with_states_runtime():
    result = go(one({"Type": "Pass", "InputPath": "$.nope", "End": True}))
    assert result.error == "States.Runtime"
    assert result.cause == (  # AWS prefixes the state and its entered event (issue 13 #1)
        "An error occurred while executing the state 'S' (entered at the event id #2). "
        "Invalid path '$.nope' : No results for path: $['nope']"
    )
    assert types_of(result) == ["ExecutionStarted", "PassStateEntered", "ExecutionFailed"]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.s", "StringEquals": "abc"}, True),
        ({"Variable": "$.s", "StringLessThan": "abd"}, True),
        ({"Variable": "$.s", "StringGreaterThanEquals": "abd"}, False),
        ({"Variable": "$.s", "StringMatches": "a*c"}, True),
        ({"Variable": "$.s", "StringEqualsPath": "$.t"}, False),
        ({"Variable": "$.n", "NumericGreaterThan": 1}, True),
        ({"Variable": "$.n", "NumericLessThanEqualsPath": "$.m"}, True),
        ({"Variable": "$.n", "StringEquals": "2"}, False),
        ({"Variable": "$.b", "BooleanEquals": False}, True),
        ({"Variable": "$.ts", "TimestampGreaterThan": "2026-01-01T00:00:00Z"}, True),
        ({"Variable": "$.ts", "TimestampEqualsPath": "$.ts"}, True),
        ({"Variable": "$.z", "IsNull": True}, True),
        ({"Variable": "$.missing", "IsPresent": False}, True),
        ({"Variable": "$.n", "IsNumeric": True}, True),
        ({"Variable": "$.s", "IsString": True}, True),
        ({"Variable": "$.b", "IsBoolean": True}, True),
        ({"Variable": "$.ts", "IsTimestamp": True}, True),
        (
            {
                "And": [
                    {"Variable": "$.n", "NumericEquals": 2},
                    {"Not": {"Variable": "$.b", "BooleanEquals": True}},
                ]
            },
            True,
        ),
        (
            {
                "Or": [
                    {"Variable": "$.n", "NumericEquals": 3},
                    {"Variable": "$.s", "StringEquals": "x"},
                ]
            },
            False,
        ),
    ],
)
def test_choice_operators(rule, expected):
    machine = {
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail", "Error": "No"},
        },
    }
    data = {
        "s": "abc",
        "t": "abd",
        "n": 2,
        "m": 2,
        "b": False,
        "z": None,
        "ts": "2026-11-02T09:00:00Z",
    }
    assert (go(machine, json.dumps(data)).status == "SUCCEEDED") is expected


def test_choice_without_match_or_default_fails_and_bad_variable_is_runtime_error():
    machine = {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "D"}],
            },
            "D": {"Type": "Succeed"},
        },
    }
    assert go(machine, '{"x": 2}').error == "States.Runtime"  # not NoChoiceMatched: recorded
    assert go(machine, "{}").error == "States.Runtime"


@pytest.mark.parametrize(
    ("wait", "input_text", "seconds"),
    [
        ({"Seconds": 10}, "{}", 10),
        ({"SecondsPath": "$.s"}, '{"s": 42}', 42),
        ({"Timestamp": "2026-11-02T10:00:00Z"}, "{}", 3600),
        ({"TimestampPath": "$.t"}, '{"t": "2026-11-02T09:30:00Z"}', 1800),
        ({"Timestamp": "2020-01-01T00:00:00Z"}, "{}", 0),
    ],
)
def test_wait_variants_advance_virtual_time_only(wait, input_text, seconds):
    result = go(one({"Type": "Wait", **wait, "End": True}), input_text)
    waited = (result.events[2]["timestamp"] - result.events[1]["timestamp"]).total_seconds()
    # a Timestamp waits until that instant, so the state's own entry delay (ms) is not added
    assert seconds - 0.01 <= waited < seconds + 0.1


class Flaky(Exception):
    pass


def flaky(times):
    calls = []

    def handler(payload):
        calls.append(payload)
        if len(calls) <= times:
            raise Flaky("try again")
        return {"ok": len(calls)}

    return handler, calls


RETRY = {"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3}


def test_lambda_invoke_retries_with_backoff_in_virtual_time():
    handler, calls = flaky(2)
    machine = one(
        {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "work", "Payload.$": "$"},
            "Retry": [RETRY],
            "End": True,
        }
    )
    result = go(machine, '{"job": 1}', handlers={"work": handler})
    assert result.status == "SUCCEEDED" and len(calls) == 3
    output = json.loads(result.output)
    assert output["Payload"] == {"ok": 3} and output["StatusCode"] == 200
    assert (
        output["ExecutedVersion"] == "$LATEST"
        and output["SdkHttpMetadata"]["HttpStatusCode"] == 200
    )
    failed = [e for e in result.events if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failed] == ["Flaky", "Flaky"]
    cause = json.loads(failed[0]["taskFailedEventDetails"]["cause"])
    assert cause["errorType"] == "Flaky" and cause["errorMessage"] == "try again"
    assert set(cause) == {"errorMessage", "errorType", "requestId", "stackTrace"}
    scheduled = [e for e in result.events if e["type"] == "TaskScheduled"]
    gaps = [
        (b["timestamp"] - a["timestamp"]).total_seconds()
        for a, b in zip(failed, scheduled[1:], strict=True)
    ]
    assert 2 <= gaps[0] < 2.1 and 6 <= gaps[1] < 6.1  # 2 s, then 2 * 3 s
    assert scheduled[1]["previousEventId"] == failed[0]["id"]


def test_plain_lambda_arn_failure_is_caught_with_result_path():
    handler, _ = flaky(10)
    machine = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": FN,
                "Retry": [{**RETRY, "MaxAttempts": 1}],
                "Catch": [
                    {
                        "ErrorEquals": ["States.TaskFailed"],
                        "ResultPath": "$.error",
                        "Next": "Handled",
                    }
                ],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    result = go(machine, '{"job": 1}', handlers={FN: handler})
    assert result.status == "SUCCEEDED"
    assert types_of(result)[2:6] == [
        "LambdaFunctionScheduled",
        "LambdaFunctionStarted",
        "LambdaFunctionFailed",
        "LambdaFunctionScheduled",
    ]
    out = json.loads(result.output)
    assert out["job"] == 1 and out["error"]["Error"] == "Flaky"
    assert json.loads(out["error"]["Cause"])["errorType"] == "Flaky"
    exited = next(e for e in result.events if e["type"] == "TaskStateExited")
    assert result.events[exited["previousEventId"] - 1]["type"] == "LambdaFunctionFailed"


def test_jitter_is_seeded():
    handler, _ = flaky(2)
    machine = one(
        {
            "Type": "Task",
            "Resource": FN,
            "End": True,
            "Retry": [
                {"ErrorEquals": ["States.ALL"], "JitterStrategy": "FULL", "MaxDelaySeconds": 5}
            ],
        }
    )
    runs = [go(machine, handlers={FN: flaky(2)[0]}, rng=random.Random(3)) for _ in range(2)]
    assert runs[0].events == runs[1].events and handler


def test_task_timeout_and_missing_function():
    slow = one({"Type": "Task", "Resource": FN, "TimeoutSeconds": 5, "End": True})
    result = go(slow, handlers={FN: lambda p: Slow(60, p)})
    assert result.error == "States.Timeout"
    assert result.events[-2]["type"] == "LambdaFunctionTimedOut"
    assert go(slow, handlers={FN: lambda p: Slow(1, p)}).status == "SUCCEEDED"
    missing = go(
        one(
            {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "ghost"},
                "End": True,
            }
        )
    )
    assert missing.error == "Lambda.ResourceNotFoundException"


def test_execution_timeout_seconds_ends_in_execution_timed_out():
    machine = {"TimeoutSeconds": 5, **one({"Type": "Wait", "Seconds": 60, "End": True})}
    result = go(machine)
    assert (result.status, types_of(result)[-1]) == ("TIMED_OUT", "ExecutionTimedOut")
    assert result.stop - result.start == timedelta(seconds=5)
    assert (
        go(one({"Type": "Wait", "Seconds": 60, "End": True}), timeout_seconds=1).status
        == "TIMED_OUT"
    )


def test_service_cap_does_not_lengthen_a_shorter_machine_timeout():
    """The service's cap (Express 5 min, Standard 1 year [DOC]) and the machine's own
    ``TimeoutSeconds`` both apply: the earlier one ends the execution."""
    machine = {"TimeoutSeconds": 5, **one({"Type": "Wait", "Seconds": 60, "End": True})}
    result = go(machine, timeout_seconds=300)
    assert result.status == "TIMED_OUT"
    assert result.stop - result.start == timedelta(seconds=5)
    capped = go(one({"Type": "Wait", "Seconds": 600, "End": True}), timeout_seconds=300)
    assert (capped.status, capped.stop - capped.start) == ("TIMED_OUT", timedelta(seconds=300))


def test_history_limit_makes_event_25000_execution_failed():
    machine = one(
        {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            "End": True,
        }
    )
    result = go(machine, json.dumps(list(range(7000))))
    last = result.events[-1]
    assert len(result.events) == 25000 and last["id"] == 25000 and last["previousEventId"] == 24999
    assert last["executionFailedEventDetails"] == {
        "error": "States.Runtime",
        "cause": "The execution reached the maximum number of history events (25000).",
    }
    assert go(machine, json.dumps(list(range(3))), max_events=10).events[-1]["id"] == 10


def test_payload_over_256_kib_fails_with_data_limit_exceeded():
    machine = one(
        {"Type": "Pass", "Parameters": {"big.$": "States.Format('{}{}', $.s, $.s)"}, "End": True}
    )
    result = go(machine, json.dumps({"s": "x" * 140_000}))
    assert result.error == "States.DataLimitExceeded"
    assert result.cause == (
        "The state/task 'S' returned a result with a size exceeding the maximum "
        "number of bytes service limit."
    )


def test_map_item_selector_and_parallel_outputs():
    machine = one(
        {
            "Type": "Map",
            "ItemsPath": "$.xs",
            "MaxConcurrency": 2,
            "ItemSelector": {"i.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value", "k.$": "$.k"},
            "Iterator": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            "End": True,
        }
    )
    result = go(machine, '{"xs": ["a", "b", "c"], "k": 9}')
    assert json.loads(result.output) == [
        {"i": 0, "v": "a", "k": 9},
        {"i": 1, "v": "b", "k": 9},
        {"i": 2, "v": "c", "k": 9},
    ]
    started = [e for e in result.events if e["type"] == "MapIterationStarted"]
    assert [e["previousEventId"] for e in started[:2]] == [3, 3]  # two workers start together


def test_failure_inside_parallel_branch_is_caught():
    machine = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "F",
                        "States": {"F": {"Type": "Fail", "Error": "Inner", "Cause": "c"}},
                    }
                ],
                "Catch": [{"ErrorEquals": ["Inner"], "Next": "Ok"}],
                "End": True,
            },
            "Ok": {"Type": "Pass", "End": True},
        },
    }
    result = go(machine)
    assert result.status == "SUCCEEDED" and "ParallelStateFailed" in types_of(result)
    assert json.loads(result.output) == {"Error": "Inner", "Cause": "c"}


def test_jsonata_arguments_output_assign_condition_and_states_context():
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": FN,
                "Arguments": {"n": "{% $states.input.n * 2 %}"},
                "Assign": {"seen": "{% $states.result.n %}"},
                "Output": {
                    "r": "{% $states.result.n %}",
                    "exec": "{% $states.context.Execution.Name %}",
                },
                "Next": "C",
            },
            "C": {
                "Type": "Choice",
                "Choices": [{"Condition": "{% $seen > 5 %}", "Next": "Big"}],
                "Default": "Small",
            },
            "Big": {"Type": "Succeed", "Output": "{% $states.input.r & ' big' %}"},
            "Small": {"Type": "Fail", "Error": "{% 'Small' & $string($seen) %}"},
        },
    }
    handlers = {FN: lambda payload: {"n": payload["n"] + 1}}
    assert json.loads(go(machine, '{"n": 3}', handlers=handlers).output) == "7 big"
    assert go(machine, '{"n": 1}', handlers=handlers).error == "Small3"


def test_jsonata_error_is_query_evaluation_error_and_catchable():
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": FN,
                "Output": "{% $number('x') %}",
                "End": True,
                "Catch": [
                    {
                        "ErrorEquals": ["States.QueryEvaluationError"],
                        "Next": "C",
                        "Output": "{% $states.errorOutput.Error %}",
                    }
                ],
            },
            "C": {"Type": "Pass", "End": True},
        },
    }
    result = go(machine, handlers={FN: lambda p: p})
    assert json.loads(result.output) == "States.QueryEvaluationError"


def test_events_have_boto3_shapes():
    for event in go(HELLO_WORLD_V2).events:
        assert set(event) - {"timestamp", "type", "id", "previousEventId"} <= {
            k for k in event if k.endswith("EventDetails")
        }
        assert event["timestamp"].tzinfo is not None
    details = go(HELLO_WORLD_V2).events[0]["executionStartedEventDetails"]
    assert details == {
        "input": "{}",
        "inputDetails": {"truncated": False},
        "roleArn": "arn:aws:iam::123456789012:role/r",
    }
