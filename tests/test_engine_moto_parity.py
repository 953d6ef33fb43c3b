"""labkit's engine and moto's interpreter record the same history for the JSONPath lessons.

moto 5.2.5's interpreter is LocalStack's, whose tests are recorded against AWS. Both
run each machine; the histories must match event for event: type, id,
previousEventId, detail keys and payloads (timestamps differ by design).

Where moto differs from AWS, AWS wins, and only that field is compared loosely:

* ``ExecutionStarted.input``, ``TaskScheduled.parameters``, ``LambdaFunctionScheduled.input``:
  moto re-serialises with spaces; compared as parsed JSON (labkit keeps the submitted
  input and writes compact JSON as Step Functions does for state data) [INFER].
* the first state's ``stateEnteredEventDetails.input``: AWS hands the first state the
  execution input exactly as submitted (``'["Hello", "World"]'`` keeps its spaces)
  [AWS-REC issue 13 #10]; moto re-serialises it; compared as parsed JSON.
* ``TaskSucceeded.output`` of ``lambda:invoke``: moto returns only ``StatusCode`` and
  the input as ``Payload``; AWS's response also has ``ExecutedVersion``,
  ``SdkHttpMetadata`` and ``SdkResponseMetadata``
  (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html) [DOC], so
  only ``Payload`` and ``StatusCode`` are compared (the handler echoes its input).
* Parallel branches run on moto's threads, so its interleaving varies; labkit runs them
  at once in virtual time, in a fixed order (``labkit.engine.strands``), which for these
  machines is the order of the branches. moto is re-run until it records that order.
"""

from __future__ import annotations

import json
import logging
import time
import types
from datetime import UTC, datetime

import pytest

from labkit.engine import parse_definition, run
from labkit.engine.templates import FAIL_MACHINE, HELLO_WORLD_V1, HELLO_WORLD_V2

boto3 = pytest.importorskip("boto3")
moto = pytest.importorskip("moto")

ROLE = "arn:aws:iam::123456789012:role/r"
FN = "arn:aws:lambda:us-east-1:123456789012:function:echo"

LAMBDA_INVOKE = json.dumps(
    {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": FN, "Payload.$": "$"},
                "ResultSelector": {"echo.$": "$.Payload"},
                "ResultPath": "$.result",
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "Next": "Done",
            },
            "Caught": {"Type": "Pass", "End": True},
            "Done": {"Type": "Succeed"},
        },
    }
)
LAMBDA_ARN = json.dumps(
    {
        "StartAt": "Call",
        "States": {"Call": {"Type": "Task", "Resource": FN, "OutputPath": "$.items", "End": True}},
    }
)
MAP = json.dumps(
    {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 1,
                "ItemSelector": {"value.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Double",
                    "States": {
                        "Double": {
                            "Type": "Pass",
                            "Parameters": {"n.$": "States.MathAdd($.value, $.value)"},
                            "End": True,
                        }
                    },
                },
                "ResultPath": "$.doubled",
                "End": True,
            }
        },
    }
)
PARALLEL = json.dumps(
    {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "ResultSelector": {"first.$": "$[0]", "second.$": "$[1]"},
                "Next": "Check",
                "Branches": [
                    {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": True}}},
                    {
                        "StartAt": "B",
                        "States": {
                            "B": {"Type": "Wait", "Seconds": 1, "Next": "C"},
                            "C": {"Type": "Pass", "InputPath": "$.items", "End": True},
                        },
                    },
                ],
            },
            "Check": {
                "Type": "Choice",
                "Choices": [
                    {
                        "And": [
                            {"Variable": "$.first", "StringEquals": "a"},
                            {"Variable": "$.second[0]", "NumericEquals": 1},
                        ],
                        "Next": "Yes",
                    }
                ],
                "Default": "No",
            },
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail", "Error": "Unexpected"},
        },
    }
)

LOOSE_JSON = {
    ("ExecutionStarted", "input"),
    ("TaskScheduled", "parameters"),
    ("LambdaFunctionScheduled", "input"),
}


@pytest.fixture(scope="module")
def sfn():
    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    from moto import mock_aws
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    def scaled_wait(self, env, wait_seconds):  # moto-notes: Wait sleeps in real time
        if wait_seconds > 0:
            env.program_state_event.wait(wait_seconds * 0.01)

    original = wait_function.WaitFunction._wait_interval, retrier_decl.time
    wait_function.WaitFunction._wait_interval = scaled_wait
    retrier_decl.time = types.SimpleNamespace(sleep=lambda s: time.sleep(s * 0.01))
    with mock_aws(
        config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
    ):
        yield boto3.client("stepfunctions", region_name="us-east-1")
    wait_function.WaitFunction._wait_interval, retrier_decl.time = original


def moto_history(sfn, definition: str, input_text: str, name: str) -> tuple[dict, list[dict]]:
    arn = sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)[
        "stateMachineArn"
    ]
    execution = sfn.start_execution(stateMachineArn=arn, name="run-1", input=input_text)[
        "executionArn"
    ]
    for _ in range(2000):
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.005)
    events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
    sfn.delete_state_machine(stateMachineArn=arn)
    return described, events


def labkit_result(definition: str, input_text: str, name: str):
    return run(
        parse_definition(definition),
        input_text,
        execution_arn=f"arn:aws:states:us-east-1:123456789012:execution:{name}:run-1",
        state_machine_arn=f"arn:aws:states:us-east-1:123456789012:stateMachine:{name}",
        role_arn=ROLE,
        start=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        handlers={"echo": lambda payload: payload},
    )


def comparable(event: dict) -> dict:
    out = {k: v for k, v in event.items() if k != "timestamp"}
    for key, details in out.items():
        if not key.endswith("EventDetails"):
            continue
        details = dict(details)
        for field in list(details):
            first_state_input = event["id"] == 2 and key == "stateEnteredEventDetails"
            if (event["type"], field) in LOOSE_JSON or (first_state_input and field == "input"):
                details[field] = json.loads(details[field])
        if event["type"] == "TaskSucceeded" and details.get("resource") == "invoke":
            output = json.loads(details["output"])
            details["output"] = {k: output[k] for k in ("Payload", "StatusCode")}
        out[key] = details
    return out


CASES = {
    "hello-v1-yes": (HELLO_WORLD_V1, '{"IsHelloWorldExample": true}'),
    "hello-v1-no": (HELLO_WORLD_V1, '{"IsHelloWorldExample": false}'),
    "hello-v2": (HELLO_WORLD_V2, "{}"),
    "fail-machine": (FAIL_MACHINE, '{"lesson": 1}'),
    "lambda-invoke": (LAMBDA_INVOKE, '{"order": 7, "items": [1, 2]}'),
    "lambda-arn": (LAMBDA_ARN, '{"items": [1, 2]}'),
    "map": (MAP, '{"items": [1, 2, 3]}'),
    "parallel": (PARALLEL, '{"items": [1, 2]}'),
}


@pytest.mark.parametrize("name", list(CASES))
def test_history_matches_moto_event_for_event(sfn, name):
    definition, input_text = CASES[name]
    ours = labkit_result(definition, input_text, name)
    expected = [comparable(e) for e in ours.events]
    for _attempt in range(10):  # moto's branch threads may interleave differently
        described, events = moto_history(sfn, definition, input_text, name)
        theirs = [comparable(e) for e in events]
        if theirs == expected:
            break
    assert [(e["id"], e["previousEventId"], e["type"]) for e in theirs] == [
        (e["id"], e["previousEventId"], e["type"]) for e in expected
    ]
    assert theirs == expected
    assert described["status"] == ours.status
    assert described.get("error") == ours.error and described.get("cause") == ours.cause
    if ours.output is not None:
        assert json.loads(described["output"]) == json.loads(ours.output)
