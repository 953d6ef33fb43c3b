"""Invalid definitions and execution inputs get AWS's error codes and messages."""

from __future__ import annotations

import json

import pytest

from labkit.engine import InvalidDefinition, check_execution_input, parse_definition
from labkit.engine.templates import FAIL_MACHINE, HELLO_WORLD_V1, HELLO_WORLD_V2, HELLO_WORLD_V3
from labkit.errors import LabkitError


def refuse(definition) -> InvalidDefinition:
    text = definition if isinstance(definition, str) else json.dumps(definition)
    with pytest.raises(InvalidDefinition) as info:
        parse_definition(text)
    error = info.value
    assert error.code == "InvalidDefinition"
    assert error.message.startswith(
        "Invalid State Machine Definition: '"
    ) and error.message.endswith("'")
    return error


def test_templates_parse():
    for text in (HELLO_WORLD_V1, HELLO_WORLD_V2, HELLO_WORLD_V3, FAIL_MACHINE):
        definition = parse_definition(text)
        assert definition.start_at in definition.states
    assert parse_definition(HELLO_WORLD_V3).query_language == "JSONata"


def test_unknown_next_target_is_missing_transition_target():
    error = refuse(
        {
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Next": "NOPE"}, "B": {"Type": "Succeed"}},
        }
    )
    assert error.message == (
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: NOPE "
        'at /States/A/Next, MISSING_TRANSITION_TARGET: State "B" is not reachable. at /States/B\''
    )


def test_dangling_default_and_catch_targets_say_next():
    error = refuse(
        {
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "T"}],
                    "Default": "X",
                },
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "End": True,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Y"}],
                },
            },
        }
    )
    assert "Missing 'Next' target: X at /States/C/Default" in error.message
    assert "Missing 'Next' target: Y at /States/T/Catch[0]/Next" in error.message


def test_loop_without_terminal_state_is_missing_end_state():
    error = refuse(
        {
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}},
        }
    )
    assert error.message == (
        "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no "
        "terminal state at null'"
    )


def test_state_without_next_or_end_names_the_state():
    error = refuse({"StartAt": "A", "States": {"A": {"Type": "Pass"}}})
    assert error.diagnostics[0][0] == "SCHEMA_VALIDATION_FAILED"
    assert error.diagnostics[0][2] == "/States/A"
    assert "Next" in error.diagnostics[0][1] and "End" in error.diagnostics[0][1]


def test_bad_jsonpath_is_schema_validation_failed_at_the_field():
    error = refuse(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "InputPath": "$.a[", "End": True}}}
    )
    assert (
        "SCHEMA_VALIDATION_FAILED: The value for the field 'InputPath' must be a valid JSONPath at "
        "/States/A/InputPath" in error.message
    )
    error = refuse(
        {
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Parameters": {"x.$": "nope"}, "End": True}},
        }
    )
    assert "The value for the field 'x.$' must be a valid JSONPath" in error.message


def test_unknown_state_type_and_missing_fields():
    error = refuse({"StartAt": "A", "States": {"A": {"Type": "Paas", "End": True}}})
    assert error.diagnostics[0][2] == "/States/A/Type" and "Paas" not in error.diagnostics[0][1]
    error = refuse({"States": {"A": {"Type": "Succeed"}}})
    assert "These fields are required: [StartAt] at /" in error.message
    assert "These fields are required: [StartAt, States]" in refuse({}).message


def test_unsupported_fields_and_wrong_query_language_fields():
    error = refuse(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "TimeoutSeconds": 3, "End": True}}}
    )
    assert "Field 'TimeoutSeconds' is not supported at /States/A" in error.message
    error = refuse({"StartAt": "A", "States": {"A": {"Type": "Pass", "Output": {}, "End": True}}})
    assert (
        "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the "
        "'JSONata' QueryLanguage"
    ) in error.message


def test_invalid_jsonata_expression():
    error = refuse(
        {
            "QueryLanguage": "JSONata",
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Output": "{% 1 + %}", "End": True}},
        }
    )
    assert error.diagnostics[0][0] == "INVALID_JSONATA_EXPRESSION"
    assert error.diagnostics[0][2] == "/States/A/Output"


def test_several_problems_are_joined_and_nested_states_are_checked():
    error = refuse(
        {
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "End": True,
                    "Branches": [
                        {
                            "StartAt": "X",
                            "States": {
                                "X": {"Type": "Pass", "Next": "Gone"},
                                "Y": {"Type": "Succeed"},
                            },
                        }
                    ],
                }
            },
        }
    )
    assert [d[0] for d in error.diagnostics] == [
        "MISSING_TRANSITION_TARGET",
        "MISSING_TRANSITION_TARGET",
    ]
    assert "/States/P/Branches[0]/States/X/Next" in error.message


@pytest.mark.parametrize(
    "text", ["", "not json", "{", "[1, 2]", '"x"', "null", '{"StartAt": 1, "States": []}']
)
def test_garbage_never_crashes_and_always_has_a_code(text):
    error = refuse(text)
    assert error.diagnostics and all(code for code, _, _ in error.diagnostics)


def test_not_json_is_invalid_json_description():
    assert refuse("{not json").diagnostics[0][0] == "INVALID_JSON_DESCRIPTION"


def test_check_execution_input():
    check_execution_input('{"a": 1}')
    with pytest.raises(LabkitError) as info:
        check_execution_input("{oops")
    assert info.value.code == "InvalidExecutionInput"
    assert info.value.message.startswith("Invalid State Machine Execution Input: '")
    with pytest.raises(LabkitError) as info:
        check_execution_input(json.dumps({"s": "é" * 140_000}))  # > 262,144 UTF-8 bytes
    assert info.value.code == "ValidationException"
    assert "262144" in info.value.message
    check_execution_input(json.dumps({"s": "x" * 262_000}))


def test_definition_is_frozen_and_reusable():
    definition = parse_definition(HELLO_WORLD_V2)
    with pytest.raises(AttributeError):
        definition.text = "{}"
    assert repr(definition) == "<Definition JSONPath 7 states, StartAt 'Pass'>"


def test_run_refuses_input_that_is_not_json():
    from datetime import UTC, datetime

    from labkit.engine import run

    with pytest.raises(LabkitError) as info:
        run(
            parse_definition(HELLO_WORLD_V2),
            "{nope",
            execution_arn="arn:aws:states:us-east-1:1:execution:m:e",
            state_machine_arn="arn:aws:states:us-east-1:1:stateMachine:m",
            role_arn="arn:aws:iam::1:role/r",
            start=datetime(2026, 11, 2, tzinfo=UTC),
        )
    assert info.value.code == "InvalidExecutionInput"
