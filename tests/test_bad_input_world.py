"""Bad input, classes 2, 5 and 6 in the offline world: AWS's error, then the world still works.

Every case makes one bad call, checks the error code (and the message where AWS's wording
is recorded), then makes the follow-up call that used to fail (an execution runs, is
described, listed, and its logs arrive).
"""

from __future__ import annotations

import gc
import json
import threading
import weakref

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import article
from labkit.errors import LabkitError

pytestmark = pytest.mark.timeout(60)

ROLE_ARN = "arn:aws:iam::123456789012:role/r"
GOOD = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})


@pytest.fixture(scope="module")
def world():
    with labkit.offline(seed=14) as w:
        iam, logs, sfn = w.client("iam"), w.client("logs"), w.client("stepfunctions")
        role = article.create_role(iam)
        group = article.create_log_group(logs)
        machine = article.create_state_machine(sfn, role, group)
        w.test_role, w.test_machine = role, machine  # type: ignore[attr-defined]
        yield w


def follow_up(world) -> None:
    """The world answers as before: a new execution runs, is described, listed and logged."""
    sfn, logs = world.client("stepfunctions"), world.client("logs")
    arn = sfn.start_execution(stateMachineArn=world.test_machine, input='{"ok": 1}')["executionArn"]
    assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    assert any(
        e["executionArn"] == arn
        for e in sfn.list_executions(stateMachineArn=world.test_machine)["executions"]
    )
    assert sfn.get_execution_history(executionArn=arn)["events"][0]["type"] == "ExecutionStarted"
    assert any(arn in e["message"] for e in article.log_events(logs, arn))


def code_of(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def _machine(**state) -> str:
    body = {"Type": "Pass", "End": True, **state}
    return json.dumps({"StartAt": "A", "States": {"A": body, "B": {"Type": "Succeed"}}})


def _task(**extra) -> str:
    body = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True, **extra}
    return json.dumps({"StartAt": "A", "States": {"A": body, "B": {"Type": "Succeed"}}})


BAD_DEFINITIONS = {
    "Type list": (_machine(Type=["Pass"]), "/States/A/Type"),
    "Next list": (
        json.dumps(
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Pass", "Next": ["B"]}, "B": {"Type": "Succeed"}},
            }
        ),
        "/States/A/Next",
    ),
    "StartAt list": (
        json.dumps({"StartAt": ["A"], "States": {"A": {"Type": "Succeed"}}}),
        "/StartAt",
    ),
    "Default list": (
        json.dumps(
            {
                "StartAt": "A",
                "States": {
                    "A": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "B"}],
                        "Default": ["B"],
                    },
                    "B": {"Type": "Succeed"},
                },
            }
        ),
        "/States/A/Default",
    ),
    "Catch Next list": (
        _task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": ["B"]}]),
        "/States/A/Catch[0]/Next",
    ),
    "Seconds -5": (_machine(Type="Wait", Seconds=-5), "/States/A/Seconds"),
    "Seconds [1]": (_machine(Type="Wait", Seconds=[1]), "/States/A/Seconds"),
    "Timestamp not a date": (_machine(Type="Wait", Timestamp="tomorrow"), "/States/A/Timestamp"),
    "Timestamp month 13": (
        _machine(Type="Wait", Timestamp="2026-13-01T00:00:00Z"),
        "/States/A/Timestamp",
    ),
    "Timestamp lower-case t": (
        _machine(Type="Wait", Timestamp="2026-01-01t00:00:00Z"),
        "/States/A/Timestamp",
    ),
    "Resource list": (_task(Resource=["arn:aws:states:::lambda:invoke"]), "/States/A/Resource"),
    "ErrorEquals object": (
        _task(Retry=[{"ErrorEquals": {"a": 1}}]),
        "/States/A/Retry[0]/ErrorEquals",
    ),
    "MaxAttempts -1": (
        _task(Retry=[{"ErrorEquals": ["X"], "MaxAttempts": -1}]),
        "/States/A/Retry[0]/MaxAttempts",
    ),
    "BackoffRate 0.5": (
        _task(Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.5}]),
        "/States/A/Retry[0]/BackoffRate",
    ),
    "QueryLanguage list (state)": (_machine(QueryLanguage=["JSONata"]), "/States/A/QueryLanguage"),
    "QueryLanguage list (top)": (
        json.dumps(
            {"QueryLanguage": ["JSONata"], "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}
        ),
        "/QueryLanguage",
    ),
    "Retry not a list": (_task(Retry={"ErrorEquals": ["X"]}), "/States/A/Retry"),
    "Choices entry not an object": (
        json.dumps(
            {
                "StartAt": "A",
                "States": {"A": {"Type": "Choice", "Choices": ["B"]}, "B": {"Type": "Succeed"}},
            }
        ),
        "/States/A/Choices[0]",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_DEFINITIONS))
def test_bad_definition_is_schema_validation_failed(world, case: str) -> None:
    text, where = BAD_DEFINITIONS[case]
    sfn = world.client("stepfunctions")
    code, message = code_of(
        lambda: sfn.create_state_machine(name="bad", definition=text, roleArn=world.test_role)
    )
    assert code == "InvalidDefinition"
    assert message.startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: ")
    assert message.endswith(f" at {where}'")
    follow_up(world)


@pytest.mark.parametrize(
    "case,text,diagnostic",
    [
        (
            "over 1 MiB",
            json.dumps({"Comment": "x" * 1_048_576, "StartAt": "A", "States": {}}),
            "SCHEMA_VALIDATION_FAILED",
        ),
        ("100k-deep", "[" * 100_000 + "]" * 100_000, "INVALID_JSON_DESCRIPTION"),
        ("NaN", '{"StartAt": NaN}', "INVALID_JSON_DESCRIPTION"),
        ("not JSON", "{", "INVALID_JSON_DESCRIPTION"),
        ("lone surrogate", _machine(Comment="\ud800"), "INVALID_JSON_DESCRIPTION"),
    ],
)
def test_malformed_definition_text(world, case: str, text: str, diagnostic: str) -> None:
    sfn = world.client("stepfunctions")
    code, message = code_of(
        lambda: sfn.create_state_machine(name="bad", definition=text, roleArn=world.test_role)
    )
    assert code == "InvalidDefinition" and f"'{diagnostic}: " in message
    code, _ = code_of(
        lambda: sfn.update_state_machine(stateMachineArn=world.test_machine, definition=text)
    )
    assert code == "InvalidDefinition"
    follow_up(world)


@pytest.mark.parametrize(
    "case,text,code",
    [
        ("lone surrogate", '"\ud800"', "InvalidExecutionInput"),
        ("escaped lone surrogate", '"\\udc00"', "InvalidExecutionInput"),
        ("NaN", "NaN", "InvalidExecutionInput"),
        ("Infinity inside", '{"a": -Infinity}', "InvalidExecutionInput"),
        ("131k-deep (262,144 bytes)", "[" * 131_072 + "]" * 131_072, "InvalidExecutionInput"),
        ("not JSON", "{", "InvalidExecutionInput"),
        ("over 256 KiB", json.dumps("x" * 262_144), "ValidationException"),
    ],
)
def test_bad_execution_input(world, case: str, text: str, code: str) -> None:
    sfn = world.client("stepfunctions")
    got, message = code_of(
        lambda: sfn.start_execution(stateMachineArn=world.test_machine, input=text)
    )
    assert got == code
    if code == "InvalidExecutionInput":
        assert message.startswith("Invalid State Machine Execution Input: '")
    follow_up(world)


@pytest.mark.parametrize("token", ["abc", "-5", "1e3", "99999", "\u0661"])
def test_bad_next_token_is_invalid_token(world, token: str) -> None:
    sfn = world.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=world.test_machine)["executionArn"]
    code, message = code_of(lambda: sfn.get_execution_history(executionArn=arn, nextToken=token))
    assert (code, message) == ("InvalidToken", "The provided token is not valid.")
    page = sfn.get_execution_history(executionArn=arn, maxResults=2)
    rest = sfn.get_execution_history(executionArn=arn, nextToken=page["nextToken"])
    assert len(page["events"]) == 2 and rest["events"][0]["id"] == 3
    follow_up(world)


def test_lone_surrogates_in_names_and_other_parameters(world) -> None:
    sfn, logs = world.client("stepfunctions"), world.client("logs")
    code, message = code_of(
        lambda: sfn.start_execution(stateMachineArn=world.test_machine, name="x\ud800")
    )
    assert code == "InvalidName" and message == "Invalid Name: 'x\\ud800'"  # printable
    code, _ = code_of(
        lambda: sfn.create_state_machine(name="\udfff", definition=GOOD, roleArn=world.test_role)
    )
    assert code == "InvalidName"
    code, _ = code_of(lambda: logs.create_log_group(logGroupName="g\ud800"))
    assert code == "ValidationException"
    code, _ = code_of(lambda: logs.put_resource_policy(policyName="p\ud800", policyDocument="{}"))
    assert code == "ValidationException"
    follow_up(world)


@pytest.mark.timeout(30)
def test_a_215_character_wildcard_resource_policy_does_not_hang_delivery() -> None:
    with labkit.offline(seed=3) as w:
        iam, logs, sfn = w.client("iam"), w.client("logs"), w.client("stepfunctions")
        machine = article.create_state_machine(
            sfn, article.create_role(iam), article.create_log_group(logs)
        )
        pattern = "arn:aws:logs:us-east-1:123456789012:log-group:" + "*a" * 80 + "b"
        assert len(pattern) > 200
        doc = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": pattern,
                }
            ],
        }
        logs.put_resource_policy(policyName="wild", policyDocument=json.dumps(doc))
        arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
        assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"


def test_lower_case_effect_in_a_resource_policy_is_rejected(world) -> None:
    logs = world.client("logs")
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "allow", "Principal": "*", "Action": "logs:PutLogEvents", "Resource": "*"}
        ],
    }
    code, _ = code_of(
        lambda: logs.put_resource_policy(policyName="lc", policyDocument=json.dumps(doc))
    )
    assert code == "InvalidParameterException"
    assert all(
        p["policyName"] != "lc" for p in logs.describe_resource_policies()["resourcePolicies"]
    )
    follow_up(world)


def test_deep_policy_document_is_rejected(world) -> None:
    logs = world.client("logs")
    text = '{"Statement": ' + "[" * 50_000 + "]" * 50_000 + "}"
    code, _ = code_of(lambda: logs.put_resource_policy(policyName="deep", policyDocument=text))
    assert code in ("InvalidParameterException", "LimitExceededException")
    follow_up(world)


# -- class 5: isolation ---------------------------------------------------------------------


def test_offline_clients_ignore_an_enclosing_mock_aws() -> None:
    from moto import mock_aws

    with labkit.offline(seed=5) as w:
        iam, logs, sfn = w.client("iam"), w.client("logs"), w.client("stepfunctions")
        role = article.create_role(iam)
        group_arn = article.create_log_group(logs)
        with mock_aws():
            inside = w.client("stepfunctions")
            for client in (sfn, inside):
                code, _ = code_of(
                    lambda c=client: c.create_state_machine(name="m", definition="{", roleArn=role)
                )
                assert code == "InvalidDefinition"
            bare = group_arn[:-2] if group_arn.endswith(":*") else group_arn
            code, _ = code_of(
                lambda: sfn.create_state_machine(
                    name="m",
                    definition=GOOD,
                    roleArn=role,
                    loggingConfiguration={
                        "level": "ALL",
                        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": bare}}],
                    },
                )
            )
            assert code == "InvalidLoggingConfiguration"
            assert [r["Arn"] for r in w.client("iam").list_roles()["Roles"]] == [role]
            # and the mock_aws world does not see this one
            import boto3

            plain = boto3.client("iam", region_name="us-east-1")
            assert plain.list_roles()["Roles"] == []


def test_a_world_opened_inside_mock_aws_is_still_its_own() -> None:
    from moto import mock_aws

    with mock_aws(), labkit.offline(seed=6) as w:
        sfn = w.client("stepfunctions")
        code, _ = code_of(
            lambda: sfn.create_state_machine(name="m", definition="{", roleArn=ROLE_ARN)
        )
        assert code == "InvalidDefinition"
        arn = sfn.create_state_machine(name="m", definition=GOOD, roleArn=ROLE_ARN)[
            "stateMachineArn"
        ]
        run = sfn.start_execution(stateMachineArn=arn)["executionArn"]
        assert sfn.describe_execution(executionArn=run)["status"] == "SUCCEEDED"
        import boto3

        assert (
            boto3.client("stepfunctions", region_name="us-east-1").list_state_machines()[
                "stateMachines"
            ]
            == []
        )


def test_close_while_other_threads_call_gives_them_world_closed() -> None:
    w = labkit.offline(seed=9)
    sfn = w.client("stepfunctions")
    machine = sfn.create_state_machine(
        name="m", definition=GOOD, roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    arns = [sfn.start_execution(stateMachineArn=machine)["executionArn"] for _ in range(5)]
    errors: list[BaseException] = []
    started = threading.Barrier(5)

    def use() -> None:
        client = w.client("stepfunctions")
        started.wait()
        for _ in range(200):
            try:
                for arn in arns:
                    client.describe_execution(executionArn=arn)
                client.list_executions(stateMachineArn=machine)
            except LabkitError as exc:
                assert "closed" in str(exc)
                return
            except BaseException as exc:  # noqa: BLE001 - the test reports any other error
                errors.append(exc)
                return

    threads = [threading.Thread(target=use) for _ in range(4)]
    for t in threads:
        t.start()
    started.wait()
    w.close()
    for t in threads:
        t.join(30)
    assert not errors, errors
    with pytest.raises(LabkitError, match="closed"):
        sfn.list_state_machines()
    with pytest.raises(LabkitError, match="closed"):
        w.client("stepfunctions")


# -- class 6: memory ------------------------------------------------------------------------


def test_moto_keeps_no_per_event_registry_and_closed_worlds_are_released() -> None:
    from moto.logs.models import LogEvent, LogGroup

    before = (len(LogEvent.instances_tracked), len(LogGroup.instances_tracked))
    w = labkit.offline(seed=11)
    iam, logs, sfn = w.client("iam"), w.client("logs"), w.client("stepfunctions")
    machine = article.create_state_machine(
        sfn, article.create_role(iam), article.create_log_group(logs)
    )
    for _ in range(5):
        arn = sfn.start_execution(stateMachineArn=machine)["executionArn"]
    assert article.log_events(logs, arn)  # events were delivered into moto
    assert (len(LogEvent.instances_tracked), len(LogGroup.instances_tracked)) == before
    backend = weakref.ref(w.moto.backend("logs", w.region))
    w.close()
    del iam, logs, sfn, w
    gc.collect()
    assert backend() is None  # nothing keeps a closed world's moto state alive
