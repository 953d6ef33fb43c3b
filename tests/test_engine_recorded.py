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
from datetime import UTC, datetime, timedelta

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


# --- 7. Fail without Error ----------------------------------------------------------------


def test_fail_without_error_records_empty_execution_failed_details():
    """[ISSUE 13 #7]: AWS records ``executionFailedEventDetails: {}``; labkit recorded
    ``{"error": ""}`` when the Fail state sat in a Parallel branch or a Map iteration."""
    fail = {"StartAt": "F", "States": {"F": {"Type": "Fail"}}}
    top = go({"StartAt": "F", "States": {"F": {"Type": "Fail"}}})
    in_branch = go(
        {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [fail], "End": True}}}
    )
    in_map = go(
        {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemProcessor": fail, "End": True}}},
        "[1]",
    )
    for result in (top, in_branch, in_map):
        assert result.status == "FAILED" and (result.error, result.cause) == (None, None)
        assert result.events[-1]["executionFailedEventDetails"] == {}


# --- 1. Runtime-error causes --------------------------------------------------------------

PREFIX = "An error occurred while executing the state '{}' (entered at the event id #{}). "


def test_seconds_path_missing_is_the_recorded_cause():
    """[ISSUE 13 #1], verbatim: a Wait whose SecondsPath selects nothing."""
    machine = {
        "StartAt": "WaitState",
        "States": {
            "WaitState": {"Type": "Wait", "SecondsPath": "$.input.waitSeconds", "End": True}
        },
    }
    result = go(machine, '{"input": {}}')
    assert (result.error, result.cause) == (
        "States.Runtime",
        "An error occurred while executing the state 'WaitState' (entered at the event id #2). "
        "The SecondsPath parameter does not reference an input value: $.input.waitSeconds",
    )
    assert types_of(result) == ["ExecutionStarted", "WaitStateEntered", "ExecutionFailed"]


def test_input_output_items_paths_render_the_path_as_jayway_does():
    """[ISSUE 13 #1] (InputPath, OutputPath, ItemsPath); wording from AWS transcripts:
    "Invalid path '$.Payload' : No results for path: $['Payload']"; nested steps render
    one bracket each (labkit wrote ``$['input.waitSeconds']``)."""
    cases = [
        ({"Type": "Pass", "InputPath": "$.a.b", "End": True}, "$.a.b", "$['a']['b']"),
        ({"Type": "Pass", "OutputPath": "$.Payload", "End": True}, "$.Payload", "$['Payload']"),
        (
            {"Type": "Map", "ItemsPath": "$.list[0].items", "End": True,
             "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}},
            "$.list[0].items",
            "$['list'][0]['items']",
        ),
    ]  # fmt: skip
    for state, path, jayway in cases:
        result = go({"StartAt": "S", "States": {"S": state}}, '{"a": {}, "list": [{}]}')
        assert (result.error, result.cause) == (
            "States.Runtime",
            PREFIX.format("S", 2) + f"Invalid path '{path}' : No results for path: {jayway}",
        )


def test_parameters_and_result_selector_name_the_field_and_the_input():
    """[ISSUE 13 #1] (Parameters, ResultSelector); wording and the compact input as in the
    AWS console transcript "The JSONPath '$.application.address' specified for the field
    'address.$' could not be found in the input '{"flagged":false}'" (AWS workshop) and
    floci-io/floci's ``parallelOwnFailureIsAttributedToTheParallelAfterItsBranchesSucceeded``."""
    params = go(
        {"StartAt": "Check Address", "States": {"Check Address": {
            "Type": "Pass", "Parameters": {"address.$": "$.application.address"}, "End": True}}},
        '{"flagged": false}',
    )  # fmt: skip
    assert params.cause == PREFIX.format("Check Address", 2) + (
        "The JSONPath '$.application.address' specified for the field 'address.$' could not "
        "be found in the input '{\"flagged\":false}'"
    )
    branch = {"StartAt": "Ok", "States": {"Ok": {"Type": "Pass", "End": True}}}
    selector = go(
        {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [branch],
                                          "ResultSelector": {"m.$": "$.nope"}, "End": True}}},
        '{"x":"a"}',
    )  # fmt: skip
    assert types_of(selector) == [
        "ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "PassStateEntered",
        "PassStateExited", "ParallelStateSucceeded", "ExecutionFailed",
    ]  # fmt: skip
    assert [e["previousEventId"] for e in selector.events] == [0, 0, 2, 3, 4, 5, 6]
    assert selector.cause == PREFIX.format("P", 2) + (
        "The JSONPath '$.nope' specified for the field 'm.$' could not be found in the input "
        '\'[{"x":"a"}]\''
    )


def test_choice_variable_missing_is_the_condition_path_cause():
    """[ISSUE 13 #1] (Choice ``Variable``); wording as AWS reports quote it: "Invalid path
    '$.processing_type': The choice state's condition path references an invalid value."."""
    machine = {
        "StartAt": "IsDataset",
        "States": {
            "IsDataset": {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.processing_type", "StringEquals": "dataset", "Next": "D"}
                ],
                "Default": "D",
            },
            "D": {"Type": "Succeed"},
        },
    }
    result = go(machine, '{"is_reanalysis": true}')
    assert (result.error, result.cause) == (
        "States.Runtime",
        PREFIX.format("IsDataset", 2)
        + "Invalid path '$.processing_type': The choice state's condition path references an "
        "invalid value.",
    )


def test_runtime_errors_in_branches_and_iterations_end_the_execution_at_once():
    """floci-io/floci (read off AWS): a States.Runtime inside a branch or an iteration
    leaves no ParallelStateFailed / MapIterationFailed; the cause names the inner state and
    its entered event; an intrinsic's missing argument names the whole expression."""
    fast = {
        "StartAt": "Fast",
        "States": {"Fast": {"Type": "Pass", "Parameters": {"m.$": "$.nope"}, "End": True}},
    }
    parallel = go(
        {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [fast], "End": True}}},
        '{"x":"a"}',
    )
    assert types_of(parallel) == [
        "ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "PassStateEntered", "ExecutionFailed",
    ]  # fmt: skip
    assert [e["previousEventId"] for e in parallel.events] == [0, 0, 2, 3, 4]
    assert parallel.cause == PREFIX.format("Fast", 4) + (
        "The JSONPath '$.nope' specified for the field 'm.$' could not be found in the input '{\"x\":\"a\"}'"
    )
    mapped = go(
        {"StartAt": "M", "States": {"M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                                          "ItemProcessor": fast, "End": True}}},
        '{"items":[1,2]}',
    )  # fmt: skip
    assert types_of(mapped)[-2:] == ["PassStateEntered", "ExecutionFailed"]
    assert mapped.cause.endswith("could not be found in the input '1'")
    pick = go(
        {"StartAt": "Pick", "States": {"Pick": {"Type": "Pass", "End": True,
         "Parameters": {"v.$": "States.Format('{}', States.Format('{}', $.nope))"}}}},
        '{"other":1}',
    )  # fmt: skip
    assert (pick.error, pick.cause) == (
        "States.Runtime",
        PREFIX.format("Pick", 2)
        + "The function 'States.Format('{}', States.Format('{}', $.nope))' had the following "
        "error: The JsonPath argument for the field '$.nope' could not be found in the input "
        "'{\"other\":1}'",
    )


# --- 10. Input text -----------------------------------------------------------------------


def test_first_state_gets_the_execution_input_exactly_as_given():
    """[ISSUE 13 #10]: AWS hands the first state the input as submitted:
    ``'["Hello", "World"]'`` keeps its spaces; later states get compact JSON."""
    machine = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}},
    }
    result = go(machine, '["Hello", "World"]')
    assert result.events[0]["executionStartedEventDetails"]["input"] == '["Hello", "World"]'
    assert result.events[1]["stateEnteredEventDetails"]["input"] == '["Hello", "World"]'
    assert result.events[3]["stateEnteredEventDetails"]["input"] == '["Hello","World"]'


# --- 2. JSONata failures ------------------------------------------------------------------


def test_jsonata_undefined_output_fails_with_evaluation_failed_first():
    """[ISSUE 13 #2]: ``"Output": "{% $doesNotExist %}"`` fails (labkit output ``null``), and
    AWS records ``EvaluationFailed`` (``States.QueryEvaluationError``, location, state)
    before ``ExecutionFailed``; cause wording from floci-io/floci (read off AWS)."""
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "Undef",
        "States": {"Undef": {"Type": "Pass", "Output": "{% $doesNotExist %}", "End": True}},
    }
    result = go(machine)
    assert types_of(result) == [
        "ExecutionStarted", "PassStateEntered", "EvaluationFailed", "ExecutionFailed",
    ]  # fmt: skip
    cause = PREFIX.format("Undef", 2) + (
        "The JSONata expression '$doesNotExist' specified for the field 'Output' returned "
        "nothing (undefined)."
    )
    assert result.events[2]["evaluationFailedEventDetails"] == {
        "error": "States.QueryEvaluationError",
        "cause": cause,
        "location": "Output",
        "state": "Undef",
    }
    assert result.events[3]["executionFailedEventDetails"] == {
        "error": "States.QueryEvaluationError",
        "cause": cause,
    }
    assert [e["previousEventId"] for e in result.events] == [0, 0, 2, 3]
    kept = go(
        {
            **machine,
            "States": {"Undef": {"Type": "Pass", "Output": {"v": "{% null %}"}, "End": True}},
        }
    )
    assert json.loads(kept.output) == {"v": None}  # JSONata null is a value


def test_jsonata_failures_in_map_items_iterations_and_retried_tasks():
    """floci-io/floci (read off AWS): Items failing -> EvaluationFailed then MapStateFailed;
    an iteration's failure -> MapIterationFailed and MapStateFailed pointing at it; a Task's
    Arguments failing is one EvaluationFailed per attempt."""
    undef = {
        "StartAt": "Undef",
        "States": {
            "Undef": {"Type": "Pass", "Output": {"v": "{% $states.input.missing %}"}, "End": True}
        },
    }
    items = go({"QueryLanguage": "JSONata", "StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "Items": "{% $states.input.missing %}", "ItemProcessor": undef, "End": True}}}, '{"x":"a"}')  # fmt: skip
    assert chain(items)[1:] == [
        (2, 0, "MapStateEntered"), (3, 2, "EvaluationFailed"), (4, 3, "MapStateFailed"),
        (5, 4, "ExecutionFailed"),
    ]  # fmt: skip
    assert items.events[2]["evaluationFailedEventDetails"]["location"] == "Items"
    iteration = go({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "Items": "{% $states.input.items %}", "MaxConcurrency": 1, "ItemProcessor": undef,
        "End": True}}}, '{"items":[1,2]}')  # fmt: skip
    assert types_of(iteration) == [
        "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapIterationStarted",
        "PassStateEntered", "EvaluationFailed", "MapIterationFailed", "MapStateFailed", "ExecutionFailed",
    ]  # fmt: skip
    assert [e["previousEventId"] for e in iteration.events] == [0, 0, 2, 3, 4, 5, 6, 6, 8]
    assert iteration.events[5]["evaluationFailedEventDetails"]["location"] == "Output/v"
    assert iteration.cause == PREFIX.format("Undef", 5) + (
        "The JSONata expression '$states.input.missing' specified for the field 'Output/v' "
        "returned nothing (undefined)."
    )
    task = go({"QueryLanguage": "JSONata", "StartAt": "Send", "States": {"Send": {
        "Type": "Task", "Resource": FN, "Arguments": {"MessageBody": "{% $states.input.missing %}"},
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}], "End": True}}},
        '{"x":"a"}', handlers={FN: lambda p: p})  # fmt: skip
    assert chain(task) == [
        (1, 0, "ExecutionStarted"), (2, 0, "TaskStateEntered"), (3, 2, "EvaluationFailed"),
        (4, 3, "EvaluationFailed"), (5, 4, "ExecutionFailed"),
    ]  # fmt: skip
    assert task.events[3]["evaluationFailedEventDetails"]["location"] == "Arguments/MessageBody"


# --- 13. Crashes --------------------------------------------------------------------------


def test_jsonata_timeout_seconds_and_function_items_fail_as_aws_does():
    """[ISSUE 13 #13]: a JSONata ``TimeoutSeconds`` raised ``TypeError: '>' not supported
    between 'float' and 'str'``; a JSONata ``Items`` evaluating to a function raised
    ``TypeError: Object of type Symbol is not JSON serializable``. AWS runs the first and
    fails the second as a state failure (States.QueryEvaluationError)."""
    timed = {"QueryLanguage": "JSONata", "StartAt": "T", "States": {"T": {
        "Type": "Task", "Resource": FN, "TimeoutSeconds": "{% $states.input.limit %}", "End": True}}}  # fmt: skip
    from labkit.engine import Slow

    ok = go(timed, '{"limit": 5}', handlers={FN: lambda p: "done"})
    assert ok.status == "SUCCEEDED"
    assert ok.events[2]["lambdaFunctionScheduledEventDetails"]["timeoutInSeconds"] == 5
    slow = go(timed, '{"limit": 5}', handlers={FN: lambda p: Slow(9, "late")})
    assert (slow.status, slow.error) == ("FAILED", "States.Timeout")
    assert "LambdaFunctionTimedOut" in types_of(slow)
    function_items = go({"QueryLanguage": "JSONata", "StartAt": "M", "States": {"M": {
        "Type": "Map", "Items": "{% function($x){$x} %}", "End": True,
        "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}}}})  # fmt: skip
    assert (function_items.status, function_items.error) == (
        "FAILED",
        "States.QueryEvaluationError",
    )
    assert types_of(function_items)[-3:] == [
        "EvaluationFailed",
        "MapStateFailed",
        "ExecutionFailed",
    ]


# --- 9. Intrinsic functions ---------------------------------------------------------------


def test_intrinsics_format_objects_as_java_round_math_add_and_parse_empty_json():
    """[ISSUE 13 #9]: ``States.Format`` renders objects and arrays as Java does
    (``{Arg1=1, Arg2=[]}``), ``States.MathAdd(1.49, 1.5)`` is 3, ``States.StringToJson("")``
    is null."""
    machine = {
        "StartAt": "S",
        "States": {
            "S": {
                "Type": "Pass",
                "Parameters": {
                    "text.$": "States.Format('{}', $.obj)",
                    "list.$": "States.Format('{} and {}', $.list, $.nothing)",
                    "sum.$": "States.MathAdd(1.49, 1.5)",
                    "parsed.$": "States.StringToJson($.empty)",
                },
                "End": True,
            }
        },
    }
    data = {
        "obj": {"Arg1": 1, "Arg2": []},
        "list": ["a", {"b": True}],
        "nothing": None,
        "empty": "",
    }
    out = json.loads(go(machine, json.dumps(data)).output)
    assert out == {
        "text": "{Arg1=1, Arg2=[]}",
        "list": "[a, {b=true}] and null",
        "sum": 3,
        "parsed": None,
    }


# --- 11. Lambda ---------------------------------------------------------------------------


def test_lambda_string_payload_bytes_result_and_var_task_stack_trace():
    """[ISSUE 13 #11]: a JSON string Payload (``"0"``) reaches the function parsed; a
    handler returning bytes succeeds; stack traces name ``/var/task/handler.py``."""
    seen = []

    def handler(event):
        seen.append(event)
        return b'{"ok": true}'

    invoke = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "work", "Payload": "0"},
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }
    result = go(invoke, handlers={"work": handler})
    assert seen == [0] and result.status == "SUCCEEDED"
    assert json.loads(result.output) == {"ok": True}

    def failing(event):
        raise KeyError("missing")

    failed = go(invoke, handlers={"work": failing})
    cause = json.loads(failed.cause)
    assert cause["errorType"] == "KeyError"
    assert cause["stackTrace"][0].startswith('  File "/var/task/handler.py", line ')
    assert "in failing" in cause["stackTrace"][0]


# --- 12. Wait and Parallel ----------------------------------------------------------------


def test_seconds_path_with_fraction_or_negative_fails_at_run_time():
    """[ISSUE 13 #12]: SecondsPath resolving to 1.5 or -1 fails at run time (labkit waited);
    wording from LocalStack's AWS-validated interpreter [secondary]."""
    machine = {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.s", "End": True}}}
    half = go(machine, '{"s": 1.5}')
    negative = go(machine, '{"s": -1}')
    assert (half.error, negative.error) == ("States.Runtime", "States.Runtime")
    assert half.cause == PREFIX.format("W", 2) + (
        "The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"
    )
    assert negative.cause == PREFIX.format("W", 2) + (
        "The SecondsPath parameter references a negative value: $.s == -1"
    )
    assert go(machine, '{"s": 2}').status == "SUCCEEDED"


def test_failing_parallel_branch_aborts_its_running_sibling_task():
    """[ISSUE 13 #12]: a failing branch aborts its running siblings with TaskStateAborted."""
    from labkit.engine import Slow

    machine = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "End": True,
                "Branches": [
                    {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "MyError", "Cause": "my cause"}}},
                    {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": FN, "End": True}}},
                ],
            }
        },
    }  # fmt: skip
    result = go(machine, handlers={FN: lambda p: Slow(60, "late")})
    assert types_of(result) == [
        "ExecutionStarted", "ParallelStateEntered", "ParallelStateStarted", "FailStateEntered",
        "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted", "TaskStateAborted",
        "ParallelStateFailed", "ExecutionFailed",
    ]  # fmt: skip
    aborted = result.events[7]
    assert aborted["previousEventId"] == 7 and "taskStateAbortedEventDetails" not in aborted
    assert result.events[8]["previousEventId"] == 4  # ParallelStateFailed: the failing branch
    assert result.events[-1]["executionFailedEventDetails"] == {
        "error": "MyError",
        "cause": "my cause",
    }
    assert (result.stop - START).total_seconds() < 60


def _slow_and_failing(slow_first, slow_branch=None):
    """A Parallel whose "slow" branch waits 10 s then runs a Task, and whose other branch
    fails after 1 s (its Task times out, ``States.Timeout``)."""
    slow = slow_branch or {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 10, "Next": "T"},
            "T": {"Type": "Task", "Resource": FN, "End": True},
        },
    }
    fast = {
        "StartAt": "F",
        "States": {"F": {"Type": "Task", "Resource": FN + "-f", "TimeoutSeconds": 1, "End": True}},
    }
    branches = [slow, fast] if slow_first else [fast, slow]
    return {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": branches}}}  # fmt: skip


def _per_branch(result):
    """Each branch's (type, previous type) pairs, keyed by its first event's type: an event
    belongs to the branch of the event it points at (branches interleave in time)."""
    by_id = {e["id"]: e for e in result.events}
    started = next(e["id"] for e in result.events if e["type"] == "ParallelStateStarted")
    branches, branch_of = {}, {}
    for e in result.events:
        if e["id"] <= started or e["type"] in ("ParallelStateFailed", "ExecutionFailed"):
            continue
        if e["previousEventId"] == started:
            branches[e["type"]] = branch_of[e["id"]] = [(e["type"], "started")]
        else:
            branch_of[e["id"]] = branch = branch_of[e["previousEventId"]]
            branch.append((e["type"], by_id[e["previousEventId"]]["type"]))
    return branches


def test_failing_parallel_branch_aborts_a_slower_sibling_defined_before_it():
    """[ISSUE 13 #12]: branches run at once in AWS, so a sibling still running when another
    branch fails is aborted whatever its place in ``Branches``: its Wait records
    WaitStateAborted at the failure time (1 s into the Parallel), and no event of it lies
    past it. The branches' events interleave by time, as the two branches ran at once
    (labkit used to record them one branch after the other)."""
    from labkit.engine import Slow

    handlers = {FN: lambda p: "late", FN + "-f": lambda p: Slow(60, "never")}
    result = go(_slow_and_failing(slow_first=True), handlers=handlers)
    assert chain(result) == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "ParallelStateEntered"),
        (3, 2, "ParallelStateStarted"),
        (4, 3, "WaitStateEntered"),
        (5, 3, "TaskStateEntered"),
        (6, 5, "LambdaFunctionScheduled"),
        (7, 6, "LambdaFunctionStarted"),
        (8, 7, "LambdaFunctionTimedOut"),
        (9, 4, "WaitStateAborted"),
        (10, 8, "ParallelStateFailed"),
        (11, 10, "ExecutionFailed"),
    ]
    assert "waitStateAbortedEventDetails" not in result.events[8]
    started, failed = result.events[2]["timestamp"], result.events[7]["timestamp"]
    began = result.events[6]["timestamp"]  # LambdaFunctionStarted: the 1 s timeout runs
    assert failed - began >= timedelta(seconds=1)
    aborted = result.events[8]["timestamp"]
    assert timedelta(0) < aborted - failed <= timedelta(milliseconds=20)
    assert aborted - started < timedelta(seconds=2)  # the 10 s Wait was cut short
    assert (result.error, result.status) == ("States.Timeout", "FAILED")
    assert (result.stop - START).total_seconds() < 3
    stamps = [e["timestamp"] for e in result.events]
    assert stamps == sorted(stamps)


def test_failing_parallel_branch_aborts_siblings_whatever_their_order():
    """[ISSUE 13 #12]: the same branches in either order record the same events per branch,
    the same error, and nearly the same duration; a nested Parallel in the aborted branch
    records TaskStateAborted then ParallelStateAborted (pointing at its ParallelStateStarted,
    as a live abort does [INFER])."""
    from labkit.engine import Slow

    handlers = {FN: lambda p: Slow(60, "late"), FN + "-f": lambda p: Slow(60, "never")}
    nested = {"StartAt": "Q", "States": {"Q": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN, "End": True}}},
    ]}}}  # fmt: skip
    for slow_branch in (None, nested):
        first = go(_slow_and_failing(True, slow_branch), handlers=handlers)
        second = go(_slow_and_failing(False, slow_branch), handlers=handlers)
        assert _per_branch(first) == _per_branch(second)
        assert (first.error, first.cause) == (second.error, second.cause)
        assert abs((first.stop - second.stop).total_seconds()) < 0.1
    assert _per_branch(first)["ParallelStateEntered"] == [
        ("ParallelStateEntered", "started"),
        ("ParallelStateStarted", "ParallelStateEntered"),
        ("PassStateEntered", "ParallelStateStarted"),
        ("PassStateExited", "PassStateEntered"),
        ("TaskStateEntered", "ParallelStateStarted"),
        ("LambdaFunctionScheduled", "TaskStateEntered"),
        ("LambdaFunctionStarted", "LambdaFunctionScheduled"),
        ("TaskStateAborted", "LambdaFunctionStarted"),
        ("ParallelStateAborted", "ParallelStateStarted"),
    ]


def test_sibling_with_nothing_running_at_the_failure_time_is_not_aborted():
    """[INFER] A sibling that finished (or never waited) before the failure time has nothing
    left to abort: its events stay whatever its place in ``Branches``."""
    from labkit.engine import Slow

    quick = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 0, "Next": "A"}, "A": {"Type": "Pass", "End": True}}}  # fmt: skip
    handlers = {FN + "-f": lambda p: Slow(60, "never")}
    for slow_first in (True, False):
        result = go(_slow_and_failing(slow_first, quick), handlers=handlers)
        types = types_of(result)
        assert "WaitStateExited" in types and "PassStateExited" in types
        assert not any(t.endswith("Aborted") for t in types)
        assert result.error == "States.Timeout"


# --- 8. Context object --------------------------------------------------------------------


def test_context_retry_count_only_in_tasks_execution_input_path_and_express_name():
    """[ISSUE 13 #8]: ``State.RetryCount`` exists only in Task states; ``InputPath:
    "$$.Execution.Input"`` is valid; in Express executions ``$$.Execution.Name`` is the
    second-to-last part of the execution ARN."""
    in_pass = go(
        {
            "StartAt": "S",
            "States": {
                "S": {"Type": "Pass", "Parameters": {"r.$": "$$.State.RetryCount"}, "End": True}
            },
        }
    )
    assert in_pass.error == "States.Runtime" and "'$$.State.RetryCount'" in in_pass.cause
    in_task = go(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": FN, "Parameters": {"r.$": "$$.State.RetryCount"}, "End": True}}},
        handlers={FN: lambda p: p},
    )  # fmt: skip
    assert json.loads(in_task.output) == {"r": 0}
    machine = {
        "StartAt": "S",
        "States": {"S": {"Type": "Pass", "InputPath": "$$.Execution.Input", "Parameters": {"name.$": "$$.Execution.Name", "in.$": "$"}, "End": True}},
    }  # fmt: skip
    express = (
        "arn:aws:states:us-east-1:123456789012:express:m:run-7:0a1b2c3d-1111-4222-8333-444455556666"
    )
    out = json.loads(go(machine, '{"k": 1}', execution_arn=express).output)
    assert out == {"name": "run-7", "in": {"k": 1}}
    assert json.loads(go(machine, '{"k": 1}').output)["name"] == "e"


# --- 6. Map with Retry --------------------------------------------------------------------


def test_map_with_retry_writes_one_map_state_failed_at_the_end():
    """[ISSUE 13 #6]: one ``MapStateFailed`` at the end, pointing at the iteration's failure
    (labkit wrote one before every retry); the same for Parallel (floci-io/floci,
    ``retriedParallelStartsAgainAndFailsOnceItsRetryIsUsedUp``)."""
    boom = {
        "StartAt": "Boom",
        "States": {"Boom": {"Type": "Fail", "Error": "MyError", "Cause": "my cause"}},
    }
    retry = [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}]
    mapped = go(
        {
            "StartAt": "M",
            "States": {"M": {"Type": "Map", "ItemProcessor": boom, "Retry": retry, "End": True}},
        },
        "[1]",
    )
    assert chain(mapped) == [
        (1, 0, "ExecutionStarted"), (2, 0, "MapStateEntered"), (3, 2, "MapStateStarted"),
        (4, 3, "MapIterationStarted"), (5, 4, "FailStateEntered"), (6, 5, "MapIterationFailed"),
        (7, 5, "MapStateStarted"), (8, 7, "MapIterationStarted"), (9, 8, "FailStateEntered"),
        (10, 9, "MapIterationFailed"), (11, 9, "MapStateFailed"), (12, 11, "ExecutionFailed"),
    ]  # fmt: skip
    parallel = go(
        {
            "StartAt": "P",
            "States": {"P": {"Type": "Parallel", "Branches": [boom], "Retry": retry, "End": True}},
        },
        '{"x":"a"}',
    )
    assert chain(parallel) == [
        (1, 0, "ExecutionStarted"), (2, 0, "ParallelStateEntered"), (3, 2, "ParallelStateStarted"),
        (4, 3, "FailStateEntered"), (5, 4, "ParallelStateStarted"), (6, 5, "FailStateEntered"),
        (7, 6, "ParallelStateFailed"), (8, 7, "ExecutionFailed"),
    ]  # fmt: skip


# --- 3. Variables -------------------------------------------------------------------------


def test_variables_in_path_fields_and_jsonata_max_concurrency_are_accepted_and_run():
    """[ISSUE 13 #3]: AWS accepts ``$var`` in InputPath, OutputPath, ItemsPath, Choice
    ``Variable``, SecondsPath, TimeoutSecondsPath and the ToleratedFailure…Path fields, and
    a JSONata ``MaxConcurrency``; labkit rejected them as InvalidDefinition."""
    one_item = {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}
    machine = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"cfg": {"wait": 2, "limit": 5, "items": [1, 2]}, "flag": True}, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$flag", "BooleanEquals": True, "Next": "W"}], "Default": "Bad"},
            "Bad": {"Type": "Fail", "Error": "Bad"},
            "W": {"Type": "Wait", "SecondsPath": "$cfg.wait", "Next": "T"},
            "T": {"Type": "Task", "Resource": FN, "TimeoutSecondsPath": "$cfg.limit", "InputPath": "$cfg", "Next": "M"},
            "M": {"Type": "Map", "ItemsPath": "$cfg.items", "ItemProcessor": one_item, "OutputPath": "$cfg", "End": True},
        },
    }  # fmt: skip
    result = go(machine, handlers={FN: lambda p: p})
    assert result.status == "SUCCEEDED", result.cause
    assert json.loads(result.output) == {"wait": 2, "limit": 5, "items": [1, 2]}
    scheduled = next(e for e in result.events if e["type"] == "LambdaFunctionScheduled")
    assert scheduled["lambdaFunctionScheduledEventDetails"]["timeoutInSeconds"] == 5
    waited = [e for e in result.events if e["type"].startswith("WaitState")]
    assert (waited[1]["timestamp"] - waited[0]["timestamp"]).total_seconds() >= 2
    tolerated = {
        "StartAt": "D",
        "States": {"D": {"Type": "Map", "ToleratedFailureCountPath": "$n", "ToleratedFailurePercentagePath": "$p",
                         "ItemProcessor": {**one_item, "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}},
                         "End": True}},
    }  # fmt: skip
    parse_definition(json.dumps(tolerated))
    concurrency = {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {"M": {"Type": "Map", "Items": "{% [1, 2, 3] %}", "MaxConcurrency": "{% 1 + 1 %}", "ItemProcessor": one_item, "End": True}},
    }  # fmt: skip
    ran = go(concurrency)
    assert ran.status == "SUCCEEDED" and json.loads(ran.output) == [1, 2, 3]


# --- floci-io/floci AslExecutorBranchHistoryEventsTest (read off real Step Functions) -----


def test_choice_without_match_or_default_fails_with_states_runtime():
    """[floci] ``choiceWithNoMatchingRuleAndNoDefaultFailsAsAwsDoes``: AWS records
    ``States.Runtime`` with "Failed to transition out of the state…", not the
    ``States.NoChoiceMatched`` the error-handling page lists [DOC]; being States.Runtime, a
    Catch on States.ALL does not catch it inside a Parallel either."""
    machine = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "StringEquals": "never", "Next": "Done"}]},
        "Done": {"Type": "Pass", "End": True},
    }}  # fmt: skip
    result = go(machine, '{"x":"a"}')
    assert chain(result) == [
        (1, 0, "ExecutionStarted"), (2, 0, "ChoiceStateEntered"), (3, 2, "ExecutionFailed"),
    ]  # fmt: skip
    assert result.events[2]["executionFailedEventDetails"] == {
        "error": "States.Runtime",
        "cause": PREFIX.format("C", 2)
        + "Failed to transition out of the state. The state does not point to a next state.",
    }
    caught = go(
        {"StartAt": "P", "States": {
            "P": {"Type": "Parallel", "Branches": [machine], "End": True,
                  "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]},
            "Handled": {"Type": "Pass", "End": True}}},
        '{"x":"a"}',
    )  # fmt: skip
    assert types_of(caught)[-1] == "ExecutionFailed" and caught.error == "States.Runtime"
    assert "ParallelStateFailed" not in types_of(caught)


def test_uncaught_task_failure_in_a_branch_records_task_state_aborted():
    """[floci] ``taskFailureEndingABranchIsRecordedAsAbortedAndPassesItsCauseThrough``:
    TaskFailed (7), then TaskStateAborted (8, pointing at 7); ParallelStateFailed points at
    TaskFailed too (7), and the Parallel's Catch gets the task's error and cause. A Catch
    on the Task itself (``catchInsideABranchTakesItsNextEvenOnAnEndState``) leaves no
    TaskStateAborted, and neither does a task failing outside a Parallel."""
    send = "arn:aws:states:::sqs:sendMessage"

    def missing_queue(params):
        raise type("SQS.QueueDoesNotExistException", (Exception,), {})("The specified queue does not exist.")  # fmt: skip

    task = {"Type": "Task", "Resource": send, "Parameters": {"MessageBody": "hi"}, "End": True}
    machine = {"StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [{"StartAt": "Send", "States": {"Send": task}}],
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}], "End": True},
        "Handled": {"Type": "Pass", "End": True},
    }}  # fmt: skip
    result = go(machine, '{"x":"a"}', handlers={send: missing_queue})
    assert chain(result) == [
        (1, 0, "ExecutionStarted"), (2, 0, "ParallelStateEntered"), (3, 2, "ParallelStateStarted"),
        (4, 3, "TaskStateEntered"), (5, 4, "TaskScheduled"), (6, 5, "TaskStarted"),
        (7, 6, "TaskFailed"), (8, 7, "TaskStateAborted"), (9, 7, "ParallelStateFailed"),
        (10, 9, "ParallelStateExited"), (11, 10, "PassStateEntered"), (12, 11, "PassStateExited"),
        (13, 12, "ExecutionSucceeded"),
    ]  # fmt: skip
    assert "taskStateAbortedEventDetails" not in result.events[7]
    stamps = [e["timestamp"] for e in result.events]
    assert stamps == sorted(stamps) and stamps[7] > stamps[6]
    error = result.events[6]["taskFailedEventDetails"]["error"]
    assert json.loads(result.output) == {"Error": error, "Cause": result.events[6]["taskFailedEventDetails"]["cause"]}  # fmt: skip
    own_catch = {**task, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover"}]}
    recovered = go(
        {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
            {"StartAt": "Send", "States": {"Send": own_catch, "Recover": {"Type": "Pass", "Result": {"recovered": True}, "End": True}}},
        ]}}},
        handlers={send: missing_queue},
    )  # fmt: skip
    assert "TaskStateAborted" not in types_of(recovered)
    assert json.loads(recovered.output) == [{"recovered": True}]
    alone = go({"StartAt": "Send", "States": {"Send": task}}, handlers={send: missing_queue})
    assert types_of(alone)[-2:] == ["TaskFailed", "ExecutionFailed"]


def test_catch_output_failure_records_evaluation_failed_and_a_second_state_failed():
    """[floci] ``catchClauseOutputFailureIsRecordedFromBeforeTheStateFailedEvent``: the
    catcher's EvaluationFailed points at the event before the first ParallelStateFailed
    (4), a second ParallelStateFailed follows it, and the execution fails with the
    catcher's error (labkit failed once, with EvaluationFailed after the first)."""
    machine = {"QueryLanguage": "JSONata", "StartAt": "P", "States": {
        "P": {"Type": "Parallel", "Branches": [
            {"StartAt": "Boom", "States": {"Boom": {"Type": "Fail", "Error": "MyError", "Cause": "my cause"}}}],
            "Catch": [{"ErrorEquals": ["Other"], "Next": "Done"},
                      {"ErrorEquals": ["States.ALL"], "Output": {"v": "{% $states.input.missing %}"}, "Next": "Done"}],
            "End": True},
        "Done": {"Type": "Pass", "End": True},
    }}  # fmt: skip
    result = go(machine, '{"x":"a"}')
    assert chain(result) == [
        (1, 0, "ExecutionStarted"), (2, 0, "ParallelStateEntered"), (3, 2, "ParallelStateStarted"),
        (4, 3, "FailStateEntered"), (5, 4, "ParallelStateFailed"), (6, 4, "EvaluationFailed"),
        (7, 6, "ParallelStateFailed"), (8, 7, "ExecutionFailed"),
    ]  # fmt: skip
    cause = PREFIX.format("P", 2) + (
        "The JSONata expression '$states.input.missing' specified for the field "
        "'Catch[1]/Output/v' returned nothing (undefined)."
    )
    assert result.events[5]["evaluationFailedEventDetails"] == {
        "error": "States.QueryEvaluationError", "cause": cause,
        "location": "Catch[1]/Output/v", "state": "P",
    }  # fmt: skip
    assert result.events[7]["executionFailedEventDetails"] == {
        "error": "States.QueryEvaluationError", "cause": cause,
    }  # fmt: skip
    stamps = [e["timestamp"] for e in result.events]
    assert stamps == sorted(stamps)
