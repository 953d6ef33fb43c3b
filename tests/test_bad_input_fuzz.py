"""Bad input: a hypothesis fuzz of definitions, execution inputs, API parameters, policies and
CLI arguments. Each case must end in AWS's error type or a correct result, and the world
must answer the next call as before.

Outcomes are counted per class (``tried``, ``clean`` = error or result as specified,
``crash`` = any other exception). A case that never ends is stopped by pytest-timeout: the
test fails, so a hang can never pass. ``LABKIT_FUZZ_EXAMPLES`` raises the number of cases
(default 150 per class); run with ``-s`` to see the counts.
"""

from __future__ import annotations

import copy
import json
import os
from collections import Counter
from datetime import UTC, datetime

import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labkit
from labkit.__main__ import main as cli_main
from labkit.engine import InvalidDefinition, check_execution_input, parse_definition, run
from labkit.errors import LabkitError
from labkit.iam import Policy, PolicyError

EXAMPLES = int(os.environ.get("LABKIT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
pytestmark = pytest.mark.timeout(600)

COUNTS: dict[str, Counter] = {}
ROLE = "arn:aws:iam::123456789012:role/r"


def tally(kind: str, outcome: str) -> None:
    COUNTS.setdefault(kind, Counter())[outcome] += 1


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    total = Counter()
    for kind, counts in sorted(COUNTS.items()):
        total.update(counts)
        print(f"\nfuzz {kind}: {dict(counts)}")
    print(f"fuzz total: {dict(total)}")


# -- strategies ------------------------------------------------------------------------------

WORDS = st.sampled_from(
    ["A", "B", "Pass", "Task", "Wait", "Choice", "Map", "Parallel", "Succeed", "Fail", "$", "$.x",
     "$var", "$$.Execution.Id", "{% $states.input %}", "{% 1 + %}", "States.ALL", "JSONata",
     "JSONPath", "2026-01-01T00:00:00Z", "\ud800", "😀", "", "arn:aws:states:::lambda:invoke"]
)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | WORDS
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=6) | WORDS, inner, max_size=3)
    ),
    max_leaves=8,
)

BASES = [
    {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Result": {"x": 1}, "Next": "B"},
            "B": {"Type": "Succeed"},
        },
    },
    {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Wait", "Seconds": 3, "Next": "B"},
            "B": {"Type": "Fail", "Error": "E", "Cause": "c"},
        },
    },
    {
        "StartAt": "A",
        "States": {
            "A": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                "Retry": [
                    {
                        "ErrorEquals": ["States.ALL"],
                        "MaxAttempts": 2,
                        "IntervalSeconds": 1,
                        "BackoffRate": 2.0,
                    }
                ],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "B", "ResultPath": "$.error"}],
                "End": True,
            },
            "B": {"Type": "Pass", "End": True},
        },
    },
    {
        "StartAt": "C",
        "States": {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.x", "NumericGreaterThan": 1, "Next": "B"}],
                "Default": "D",
            },
            "B": {"Type": "Succeed"},
            "D": {"Type": "Pass", "End": True},
        },
    },
    {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 2,
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    },
    {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}],
                "End": True,
            }
        },
    },
    {
        "QueryLanguage": "JSONata",
        "StartAt": "J",
        "States": {
            "J": {
                "Type": "Pass",
                "Output": "{% $states.input %}",
                "Assign": {"v": "{% 1 %}"},
                "End": True,
            }
        },
    },
]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


@st.composite
def definitions(draw) -> str:
    doc = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 2))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(SCALARS | JSON)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(max_size=6) | WORDS)] = draw(JSON)
    try:
        return json.dumps(doc)
    except (TypeError, ValueError):
        return "{}"


@st.composite
def execution_inputs(draw) -> str:
    kind = draw(st.sampled_from(["json", "text", "deep", "constant"]))
    if kind == "json":
        return json.dumps(draw(JSON))
    if kind == "deep":
        depth = draw(st.integers(1, 3000))
        return "[" * depth + "]" * depth
    if kind == "constant":
        return draw(
            st.sampled_from(
                ["NaN", "Infinity", "-Infinity", '{"a": NaN}', '"\\ud800"', '"\\udfff x"', "", " "]
            )
        )
    return draw(st.text(max_size=20))


# -- engine: definitions and inputs ----------------------------------------------------------


def _run(definition, text: str):
    return run(
        definition,
        text,
        execution_arn="arn:aws:states:us-east-1:123456789012:execution:m:e",
        state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:m",
        role_arn=ROLE,
        start=datetime(2026, 1, 1, tzinfo=UTC),
        handlers={"arn:aws:lambda:us-east-1:123456789012:function:f": lambda p: p},
        max_events=500,
    )


@FUZZ
@given(text=definitions(), data=st.data())
def test_fuzz_definitions_parse_or_invalid_definition_and_run(text: str, data) -> None:
    try:
        definition = parse_definition(text)
    except InvalidDefinition as exc:
        assert exc.message.startswith("Invalid State Machine Definition: '")
        tally("definitions", "clean (InvalidDefinition)")
        return
    except Exception:
        tally("definitions", "crash")
        raise
    try:
        result = _run(definition, json.dumps(data.draw(JSON)))
    except LabkitError as exc:  # the input, not the definition: as StartExecution answers
        assert exc.code == "InvalidExecutionInput"
        tally("definitions", "clean (input rejected)")
        return
    except Exception:
        tally("definitions", "crash")
        raise
    assert result.status in ("SUCCEEDED", "FAILED", "TIMED_OUT")
    json.dumps(list(result.events), default=str).encode("utf-8")  # printable, storable
    tally("definitions", "clean (ran)")


@FUZZ
@given(text=execution_inputs())
def test_fuzz_execution_input_is_checked_like_start_execution(text: str) -> None:
    try:
        check_execution_input(text)
    except LabkitError as exc:
        assert exc.code in ("InvalidExecutionInput", "ValidationException")
        tally("execution input", "clean (rejected)")
        return
    except Exception:
        tally("execution input", "crash")
        raise
    definition = parse_definition(json.dumps(BASES[0]))
    result = _run(definition, text)
    assert result.status == "SUCCEEDED"
    tally("execution input", "clean (ran)")


POLICY_BASE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:G:log-stream:*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        }
    ],
}


@st.composite
def policies(draw) -> object:
    kind = draw(st.sampled_from(["mutated", "json", "text"]))
    if kind == "text":
        return draw(execution_inputs())
    if kind == "json":
        return draw(JSON)
    doc = copy.deepcopy(POLICY_BASE)
    for _ in range(draw(st.integers(0, 2))):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = draw(
            JSON | st.sampled_from(["allow", "Deny", "*", "logs:*", "${aws:x}"])
        )
    return doc


@FUZZ
@given(doc=policies(), kind=st.sampled_from(["identity", "resource"]))
def test_fuzz_policies_load_or_policy_error(doc, kind: str) -> None:
    try:
        policy = Policy.load(doc, kind=kind)  # type: ignore[arg-type]
    except PolicyError as exc:
        assert exc.code == "MalformedPolicyDocument"
        tally("policies", "clean (MalformedPolicyDocument)")
        return
    except Exception:
        tally("policies", "crash")
        raise
    again = Policy.load(policy.text, kind=kind)  # type: ignore[arg-type]
    assert again.document == policy.document and len(again.statements) == len(policy.statements)
    tally("policies", "clean (loaded)")


# -- offline world: API parameters ----------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    with labkit.offline(seed=99) as w:
        sfn = w.client("stepfunctions")
        w.fuzz_machine = sfn.create_state_machine(  # type: ignore[attr-defined]
            name="fuzz", definition=json.dumps(BASES[0]), roleArn=ROLE
        )["stateMachineArn"]
        w.fuzz_execution = sfn.start_execution(stateMachineArn=w.fuzz_machine)["executionArn"]  # type: ignore[attr-defined]
        yield w


AWS_CODES = {
    "InvalidDefinition",
    "InvalidExecutionInput",
    "ValidationException",
    "InvalidName",
    "InvalidArn",
    "InvalidToken",
    "StateMachineAlreadyExists",
    "ExecutionAlreadyExists",
    "ExecutionDoesNotExist",
    "StateMachineDoesNotExist",
    "InvalidLoggingConfiguration",
}


@FUZZ
@given(
    op=st.sampled_from(["create", "start", "history"]),
    definition=definitions(),
    text=execution_inputs(),
    name=st.text(max_size=12) | WORDS,
    token=st.none() | st.text(max_size=6) | st.integers(-5, 50).map(str),
)
def test_fuzz_world_api_gives_aws_errors_and_stays_usable(
    world, op, definition, text, name, token
) -> None:
    sfn = world.client("stepfunctions")
    try:
        if op == "create":
            sfn.create_state_machine(name=name or "x", definition=definition, roleArn=ROLE)
        elif op == "start":
            sfn.start_execution(stateMachineArn=world.fuzz_machine, input=text, name=name or "n")
        else:
            sfn.get_execution_history(
                executionArn=world.fuzz_execution, **({"nextToken": token} if token else {})
            )
    except ClientError as exc:
        assert exc.response["Error"]["Code"] in AWS_CODES, exc.response["Error"]
        tally("world API", "clean (AWS error)")
    except Exception:
        tally("world API", "crash")
        raise
    else:
        tally("world API", "clean (accepted)")
    # the world answers as before
    assert sfn.describe_execution(executionArn=world.fuzz_execution)["status"] == "SUCCEEDED"
    assert sfn.list_executions(stateMachineArn=world.fuzz_machine)["executions"]


# -- command line ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def policy_files(tmp_path_factory) -> list[str]:
    root = tmp_path_factory.mktemp("policies")
    contents = {
        "ok.json": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            }
        ).encode(),
        "latin1.json": b'{"Statement": "\xe9"}',
        "deep.json": b"[" * 5000 + b"]" * 5000,
        "nan.json": b'{"Statement": NaN}',
        "surrogate.json": b'{"Id": "\\ud800", "Statement": []}',
        "empty.json": b"",
    }
    for name, data in contents.items():
        (root / name).write_bytes(data)
    return [str(root / n) for n in contents] + [str(root / "missing.json"), str(root)]


OPTIONS = ["--policy", "--kind", "--identity", "--managed", "--boundary", "--principal", "--action",
           "--resource", "--context", "--lint", "--state-machine", "--region", "--bogus", "-h"]  # fmt: skip


@FUZZ
@given(data=st.data())
def test_fuzz_cli_arguments_exit_with_one_line(policy_files, data, capsys, monkeypatch) -> None:
    for key in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    command = data.draw(st.sampled_from([["policy", "explain"], ["doctor"], ["policy"], []]))
    values = st.sampled_from(policy_files) | st.text(max_size=10) | WORDS | st.sampled_from(
        [ROLE, "logs:PutLogEvents", "*", "resource", "identity", "AdministratorAccess", "k=v",
         "arn:aws:states:us-east-1:123456789012:stateMachine:m", "\udcff\udcfe"]
    )  # fmt: skip
    args = list(command)
    if data.draw(st.booleans()):  # mostly well-formed, with fuzzed values
        if command == ["doctor"]:
            args += ["--state-machine", data.draw(values)]
        else:
            args = ["policy", "explain", "--policy", data.draw(st.sampled_from(policy_files)),
                    "--kind", data.draw(st.sampled_from(["resource", "identity"])),
                    "--principal", data.draw(values), "--action", data.draw(values),
                    "--resource", data.draw(values)]  # fmt: skip
    for _ in range(data.draw(st.integers(0, 6))):
        args.append(data.draw(st.sampled_from(OPTIONS) | values))
    capsys.readouterr()
    try:
        status = cli_main(args)
    except Exception:
        tally("CLI", "crash")
        raise
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if status == 2:
        assert len(err.strip().splitlines()) == 1, err
    if args[:1] == ["policy"] and status == 3:  # policy explain's exit 3 is a labkit defect
        tally("CLI", "crash")
        raise AssertionError(f"internal error for {args!r}: {err}")
    assert status in range(10)
    tally("CLI", f"clean (exit {status})")


def test_fuzz_counts_have_no_crashes() -> None:
    """Runs last in this module: every class was tried and nothing crashed."""
    assert all(c["crash"] == 0 for c in COUNTS.values()), COUNTS
    if len(COUNTS) == 5:
        assert all(sum(c.values()) >= EXAMPLES for c in COUNTS.values())
