"""Histories and causes as AWS records them (issue 13), one test per recorded behaviour.

Each test names where its expected values come from:

* [ISSUE 13] the AWS-recorded examples quoted in issue 13 (an outside replay of several
  hundred executions recorded against real AWS: definitions, inputs, GetExecutionHistory
  answers and delivered log messages);
* [floci] ``floci-io/floci`` tests whose docstrings say the shapes were "read off real
  Step Functions in us-east-1" (``AslExecutorBranchHistoryEventsTest``,
  ``StepFunctionsIntrinsicMissingArgumentIntegrationTest``) [secondary: an emulator's
  tests quoting AWS];
* [LocalStack] LocalStack's AWS-validated interpreter (snapshot-tested) [secondary];
* [DOC] the Step Functions Developer Guide.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from labkit.engine import parse_definition, run

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
FN = "arn:aws:lambda:us-east-1:123456789012:function:work"


def go(definition, input_text="{}", **kw):
    if isinstance(definition, dict):
        definition = json.dumps(definition)
    kw.setdefault("execution_arn", "arn:aws:states:us-east-1:123456789012:execution:m:e")
    return run(
        parse_definition(definition),
        input_text,
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
        role_arn="arn:aws:iam::123456789012:role/r",
        start=START,
        **kw,
    )


def types_of(result):
    return [e["type"] for e in result.events]


def chain(result):
    return [(e["id"], e["previousEventId"], e["type"]) for e in result.events]


def boom(payload):
    raise ValueError("boom")


# --- 5. Catch after retries ---------------------------------------------------------------


def test_catch_after_retries_moves_to_the_catcher_even_from_an_end_state():
    """[ISSUE 13 #5]: when the retries run out AWS moves to the catcher's state; labkit
    used to end the execution as succeeded, two events (the catcher's) early."""
    machine = {
        "StartAt": "T",
        "States": {
            "T": {
                "Type": "Task",
                "Resource": FN,
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "Result": "handled", "End": True},
        },
    }
    result = go(machine, handlers={FN: boom})
    assert result.status == "SUCCEEDED" and json.loads(result.output) == "handled"
    assert types_of(result)[-5:] == [
        "LambdaFunctionFailed",
        "TaskStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert types_of(result).count("LambdaFunctionFailed") == 3  # first try + 2 retries
    assert result.events[-3]["stateEnteredEventDetails"]["name"] == "Caught"
