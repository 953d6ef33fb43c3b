"""End-to-end checks, through genuine boto3 clients, of the AWS facts the offline world models.

Each test names the fact and its evidence tag; the sources are cited in the docstrings of
the modules that model them (``labkit.world.*``, ``labkit.engine.*``).
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import article
from labkit.engine.templates import FAIL_MACHINE, HELLO_WORLD_V2
from labkit.world import delivery

PASS_ONLY = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


def setup(world, *, group: str = article.LOG_GROUP_NAME):
    iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
    role = article.create_role(iam)
    logs.create_log_group(logGroupName=group)
    arn = f"arn:aws:logs:{world.region}:{world.account_id}:log-group:{group}:*"
    return iam, logs, sfn, role, arn


def config(arn: str, level: str = "ALL", data: bool = True) -> dict:
    return article.logging_configuration(arn, level=level, include_execution_data=data)


def error(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def messages(logs, group: str = article.LOG_GROUP_NAME) -> list[dict]:
    events = logs.filter_log_events(logGroupName=group)["events"]
    return [json.loads(e["message"]) for e in events]


def run_one(world, sfn, machine: str, name: str, input_text: str = "{}") -> str:
    arn = sfn.start_execution(stateMachineArn=machine, name=name, input=input_text)["executionArn"]
    world.settle()
    return arn


# -- §1.1 levels ---------------------------------------------------------------------


def test_level_table_rows_exactly() -> None:
    """[DOC] the 2022 level table, row by row; MapRun* at ERROR is [INFER]."""
    fatal = {"ExecutionAborted", "ExecutionFailed", "ExecutionTimedOut"}
    error_only = {
        "FailStateEntered", "LambdaFunctionFailed", "LambdaFunctionScheduleFailed",
        "LambdaFunctionStartFailed", "LambdaFunctionTimedOut", "MapIterationAborted",
        "MapIterationFailed", "MapStateAborted", "MapStateFailed", "ParallelStateAborted",
        "ParallelStateFailed", "TaskFailed", "TaskStartFailed", "TaskStateAborted",
        "TaskSubmitFailed", "TaskTimedOut", "WaitStateAborted", "MapRunAborted", "MapRunFailed",
    }  # fmt: skip
    all_only = {
        "ChoiceStateEntered", "ChoiceStateExited", "ExecutionStarted", "ExecutionSucceeded",
        "LambdaFunctionScheduled", "LambdaFunctionStarted", "LambdaFunctionSucceeded",
        "MapIterationStarted", "MapIterationSucceeded", "MapStateEntered", "MapStateExited",
        "MapStateStarted", "MapStateSucceeded", "ParallelStateEntered", "ParallelStateExited",
        "ParallelStateStarted", "ParallelStateSucceeded", "PassStateEntered", "PassStateExited",
        "SucceedStateEntered", "SucceedStateExited", "TaskScheduled", "TaskStarted",
        "TaskStateEntered", "TaskStateExited", "TaskSubmitted", "TaskSucceeded",
        "WaitStateEntered", "WaitStateExited",
    }  # fmt: skip
    assert fatal == delivery.FATAL_EVENTS
    assert fatal | error_only == delivery.ERROR_EVENTS
    for kind in fatal | error_only | all_only:
        assert delivery.is_logged(kind, "ALL")
        assert not delivery.is_logged(kind, "OFF")
        assert delivery.is_logged(kind, "ERROR") is (kind in fatal | error_only)
        assert delivery.is_logged(kind, "FATAL") is (kind in fatal)


@pytest.mark.parametrize(
    ("level", "definition", "expected"),
    [
        ("ERROR", PASS_ONLY, []),
        ("FATAL", PASS_ONLY, []),
        ("ERROR", FAIL_MACHINE, [("FailStateEntered", "3"), ("ExecutionFailed", "4")]),
        ("FATAL", FAIL_MACHINE, [("ExecutionFailed", "4")]),
        ("ERROR", HELLO_WORLD_V2, []),
        ("FATAL", HELLO_WORLD_V2, []),
    ],
)
def test_partial_levels_log_failures_only_and_keep_ids(level, definition, expected) -> None:
    """[AWS-REC] LocalStack test_partial_log_levels; ids are not renumbered [AWS-REC]."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="M", definition=definition, roleArn=role, loggingConfiguration=config(arn, level)
        )["stateMachineArn"]
        run_one(world, sfn, machine, "e")
        got = [(m["type"], m["id"]) for m in messages(logs)]
        if definition == FAIL_MACHINE:  # FAIL_MACHINE is Pass then Fail: ids 1-4
            history = sfn.get_execution_history(
                executionArn=f"{machine.replace('stateMachine', 'execution')}:e"
            )["events"]
            ids = {e["type"]: str(e["id"]) for e in history}
            expected = [(t, ids[t]) for t, _ in expected]
        assert got == expected


def test_wait_with_bad_seconds_path_logs_only_execution_failed_at_error() -> None:
    """[AWS-REC] LocalStack: a Wait with a bad SecondsPath -> only ExecutionFailed at ERROR."""
    definition = json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "SecondsPath": "$.nope", "End": True}}}
    )
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="W", definition=definition, roleArn=role, loggingConfiguration=config(arn, "ERROR")
        )["stateMachineArn"]
        run_one(world, sfn, machine, "e")
        assert [m["type"] for m in messages(logs)] == ["ExecutionFailed"]


# -- §1.2 includeExecutionData ---------------------------------------------------------


@pytest.mark.parametrize("data", [True, False])
def test_include_execution_data_table(data: bool) -> None:
    """[AWS-REC] LocalStack test_logs.py::test_base, the table's keys exactly."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="P",
            definition=PASS_ONLY,
            roleArn=role,
            loggingConfiguration=config(arn, "ALL", data),
        )["stateMachineArn"]
        run_one(world, sfn, machine, "e")
        keys = {m["type"]: sorted(m["details"]) for m in messages(logs)}
    if data:
        assert keys == {
            "ExecutionStarted": ["input", "inputDetails", "roleArn"],
            "PassStateEntered": ["input", "inputDetails", "name"],
            "PassStateExited": ["name", "output", "outputDetails"],
            "ExecutionSucceeded": ["output", "outputDetails"],
        }
    else:
        assert keys == {
            "ExecutionStarted": ["roleArn"],
            "PassStateEntered": ["name"],
            "PassStateExited": ["name"],
            "ExecutionSucceeded": [],
        }


def test_include_execution_data_false_keeps_error_and_cause() -> None:
    """[AWS-REC] ExecutionFailed keeps error and cause; FailStateEntered keeps name."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="F", definition=FAIL_MACHINE, roleArn=role,
            loggingConfiguration=config(arn, "ALL", False),
        )["stateMachineArn"]  # fmt: skip
        run_one(world, sfn, machine, "e")
        found = {m["type"]: m["details"] for m in messages(logs)}
    assert sorted(found["ExecutionFailed"]) == ["cause", "error"]
    assert sorted(found["FailStateEntered"]) == ["name"]


def test_task_events_without_execution_data_keep_resource_drop_payloads() -> None:
    """[INFER] Task events were not recorded: parameters/output dropped, resource kept."""
    task = {
        "timestamp": None,
        "type": "TaskScheduled",
        "id": 3,
        "previousEventId": 2,
        "taskScheduledEventDetails": {
            "resourceType": "lambda",
            "resource": "invoke",
            "region": "us-east-1",
            "parameters": '{"FunctionName":"f"}',
        },
    }
    assert delivery.log_details(
        task["taskScheduledEventDetails"], include_execution_data=False
    ) == {
        "resourceType": "lambda",
        "resource": "invoke",
        "region": "us-east-1",
    }
    succeeded = {"resourceType": "lambda", "resource": "invoke", "output": "{}",
                 "outputDetails": {"truncated": False}}  # fmt: skip
    assert delivery.log_details(succeeded, include_execution_data=False) == {
        "resourceType": "lambda",
        "resource": "invoke",
    }


# -- §1.2/§1.3 defaults and echo --------------------------------------------------------


def test_defaults_and_echo_through_describe_state_machine() -> None:
    """[AWS-REC] LocalStack test_incomplete_logging_configuration; OFF + destination echoed."""
    with labkit.offline() as world:
        _, _, sfn, role, arn = setup(world)
        for name, sent, described in [
            ("a", {}, {"includeExecutionData": False, "level": "OFF"}),
            ("b", {"destinations": []},
             {"includeExecutionData": False, "level": "OFF", "destinations": []}),
            ("c", {"level": "OFF", "destinations": config(arn)["destinations"]},
             {"includeExecutionData": False, "level": "OFF",
              "destinations": config(arn)["destinations"]}),
        ]:  # fmt: skip
            machine = sfn.create_state_machine(
                name=name, definition=PASS_ONLY, roleArn=role, loggingConfiguration=sent
            )["stateMachineArn"]
            got = sfn.describe_state_machine(stateMachineArn=machine)["loggingConfiguration"]
            assert got == described
        plain = sfn.create_state_machine(name="d", definition=PASS_ONLY, roleArn=role)
        got = sfn.describe_state_machine(stateMachineArn=plain["stateMachineArn"])
        assert got["loggingConfiguration"] == {"includeExecutionData": False, "level": "OFF"}


def test_log_group_arn_echoed_exactly_as_sent() -> None:
    """[AWS-REC] the ARN comes back as sent (here: a different but valid spelling of a group)."""
    with labkit.offline() as world:
        _, _, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        got = sfn.describe_state_machine(stateMachineArn=machine)["loggingConfiguration"]
        assert got["destinations"][0]["cloudWatchLogsLogGroup"]["logGroupArn"] == arn
        assert got["level"] == "ALL" and got["includeExecutionData"] is True


# -- §1.3 errors -------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 2])
def test_exactly_one_destination_error_is_http_400(count: int) -> None:
    """[AWS-REC] InvalidLoggingConfiguration, HTTP 400, exact text; nothing stored."""
    with labkit.offline() as world:
        _, _, sfn, role, arn = setup(world)
        sent = {"level": "ALL", "destinations": config(arn)["destinations"] * count}
        with pytest.raises(ClientError) as info:
            sfn.create_state_machine(
                name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=sent
            )
        assert error(info) == (
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: Must specify exactly one Log Destination.",
            400,
        )
        assert "CreateStateMachine operation: Invalid Logging" in str(info.value)
        assert sfn.list_state_machines()["stateMachines"] == []


def test_log_destination_not_found() -> None:
    """[AWS-REC] a missing group -> 'Log Destination not found.'"""
    with labkit.offline() as world:
        _, _, sfn, role, arn = setup(world)
        missing = arn.replace("LookingIntoLogging-Logs", "Nope")
        with pytest.raises(ClientError) as info:
            sfn.create_state_machine(
                name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(missing)
            )
        assert error(info) == (
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: Log Destination not found.",
            400,
        )


def test_update_adding_a_second_destination_fails_and_others_succeed() -> None:
    """[AWS-REC] LocalStack test_update_logging_configuration."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        logs.create_log_group(logGroupName="/aws/vendedlogs/states/second")
        other = arn.replace("LookingIntoLogging-Logs", "second")
        machine = sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        for step in (config(arn, "FATAL"), config(arn, "FATAL"), config(arn, "FATAL", False)):
            sfn.update_state_machine(stateMachineArn=machine, loggingConfiguration=step)
            got = sfn.describe_state_machine(stateMachineArn=machine)["loggingConfiguration"]
            assert got == step
        two = config(arn, "FATAL", False)
        two["destinations"] += config(other)["destinations"]
        with pytest.raises(ClientError) as info:
            sfn.update_state_machine(stateMachineArn=machine, loggingConfiguration=two)
        assert error(info) == (
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: Must specify exactly one Log Destination.",
            400,
        )
        assert "UpdateStateMachine operation" in str(info.value)
        got = sfn.describe_state_machine(stateMachineArn=machine)["loggingConfiguration"]
        assert got == config(arn, "FATAL", False)  # unchanged


def test_names_rule_for_logging_is_advice_only() -> None:
    """[DOC] 'To enable logging with CloudWatch Logs, the name should only contain 0-9,
    A-Z, a-z, - and _.' No rejection is recorded, so labkit accepts other legal names
    [INFER]; names with AWS's forbidden characters (here a space) are InvalidName [DOC]."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="a.b", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        run_one(world, sfn, machine, "run.1")
        assert {m["type"] for m in messages(logs)} >= {"ExecutionStarted"}
        with pytest.raises(ClientError) as info:
            sfn.create_state_machine(
                name="hello world", definition=PASS_ONLY, roleArn=role,
                loggingConfiguration=config(arn),
            )  # fmt: skip
        assert error(info) == ("InvalidName", "Invalid Name: 'hello world'", 400)
        assert len(sfn.list_state_machines()["stateMachines"]) == 1


# -- §2 messages -----------------------------------------------------------------------


def test_message_format_and_stream_through_the_world() -> None:
    """[AWS-REC][ISSUE] key order, string scalars, escaped payloads, CloudWatch timestamp
    = event_timestamp, redrive_count "0"; execution_arn of a Standard run."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="m", definition=HELLO_WORLD_V2, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        execution = run_one(world, sfn, machine, "e")
        events = logs.filter_log_events(logGroupName=article.LOG_GROUP_NAME)["events"]
        history = sfn.get_execution_history(executionArn=execution)["events"]
    assert len(events) == 20
    for event, past in zip(events, history, strict=True):
        record = json.loads(event["message"])
        assert list(record) == list(delivery.MESSAGE_KEYS)
        assert record["id"] == str(past["id"])
        assert record["previous_event_id"] == str(past["previousEventId"])
        assert record["event_timestamp"] == str(event["timestamp"])
        assert record["execution_arn"] == execution
        assert record["redrive_count"] == "0"
        assert all(isinstance(record[k], str) for k in record if k != "details")
    first = json.loads(events[0]["message"])
    assert first["details"]["input"] == "{}" and first["details"]["inputDetails"] == {
        "truncated": False
    }
    assert execution.endswith(":execution:m:e")


def test_express_execution_arn_in_logs() -> None:
    """[AWS-REC] Express logs carry ...:express:SM:NAME:UUID; [DOC] no GetExecutionHistory."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="x", definition=PASS_ONLY, roleArn=role, type="EXPRESS",
            loggingConfiguration=config(arn),
        )["stateMachineArn"]  # fmt: skip
        execution = run_one(world, sfn, machine, "e")
        prefix = f"arn:aws:states:us-east-1:{world.account_id}:express:x:e:"
        assert execution.startswith(prefix) and len(execution) > len(prefix)
        assert {m["execution_arn"] for m in messages(logs)} == {execution}
        with pytest.raises(ClientError) as info:
            sfn.get_execution_history(executionArn=execution)
        assert error(info) == (
            "InvalidArn",
            "Invalid Arn: 'Resource type not valid in this context: express'",
            400,
        )
        with pytest.raises(ClientError) as info:
            sfn.list_executions(stateMachineArn=machine)
        assert error(info) == (
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
            400,
        )


def test_executions_share_a_stream_and_the_validation_stream_exists() -> None:
    """[AWS-REC] three runs -> 12 events (ids 1-4 three times) in one stream; set-up
    creates log_stream_created_by_aws_to_validate_log_delivery_subscriptions."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        for name in ("a", "b", "c"):
            run_one(world, sfn, machine, name)
        streams = [
            s["logStreamName"]
            for s in logs.describe_log_streams(logGroupName=article.LOG_GROUP_NAME)["logStreams"]
        ]
        found = logs.filter_log_events(logGroupName=article.LOG_GROUP_NAME)["events"]
    assert "log_stream_created_by_aws_to_validate_log_delivery_subscriptions" in streams
    used = {e["logStreamName"] for e in found}
    assert len(used) == 1 and next(iter(used)).startswith("states/m/")
    (stream,) = used  # [DOC] stream names: 1-512 characters, no ':' or '*'
    assert 1 <= len(stream) <= 512 and not set(stream) & {":", "*"}
    assert sorted(json.loads(e["message"])["id"] for e in found) == sorted(["1", "2", "3", "4"] * 3)


# -- §3.3 role error -------------------------------------------------------------------


def test_role_without_log_delivery_permissions_exact_error() -> None:
    """[ISSUE] AccessDeniedException, HTTP 400, exact text; nothing stored."""
    with labkit.offline() as world:
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        role = iam.create_role(
            RoleName="bare", AssumeRolePolicyDocument=json.dumps(article.TRUST_POLICY)
        )["Role"]["Arn"]
        logs.create_log_group(logGroupName=article.LOG_GROUP_NAME)
        arn = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:{article.LOG_GROUP_NAME}:*"
        with pytest.raises(ClientError) as info:
            sfn.create_state_machine(
                name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
            )
        assert error(info) == (
            "AccessDeniedException",
            "The state machine IAM Role is not authorized to access the Log Destination",
            400,
        )
        assert sfn.list_state_machines()["stateMachines"] == []
        assert logs.describe_resource_policies()["resourcePolicies"] == []


def test_update_state_machine_checks_the_role_too() -> None:
    """[ISSUE] qiita tmiki: checked at CreateStateMachine and UpdateStateMachine; a failed
    update leaves the machine as it was."""
    with labkit.offline() as world:
        iam, logs, sfn, role, arn = setup(world)
        bare = iam.create_role(
            RoleName="bare", AssumeRolePolicyDocument=json.dumps(article.TRUST_POLICY)
        )["Role"]["Arn"]
        machine = sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        with pytest.raises(ClientError) as info:
            sfn.update_state_machine(stateMachineArn=machine, roleArn=bare)
        assert error(info) == (
            "AccessDeniedException",
            "The state machine IAM Role is not authorized to access the Log Destination",
            400,
        )
        assert sfn.describe_state_machine(stateMachineArn=machine)["roleArn"] == role


# -- §4 resource policies --------------------------------------------------------------


def test_policy_entries_outlive_the_machine() -> None:
    """[ISSUE] serverless-step-functions#334, sst#125: entries are never removed."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        before = logs.describe_resource_policies()["resourcePolicies"]
        sfn.delete_state_machine(stateMachineArn=machine)
        assert logs.describe_resource_policies()["resourcePolicies"] == before


def test_update_with_logging_puts_a_deleted_statement_back() -> None:
    """[INFER] an UpdateStateMachine with logging re-runs set-up, which re-creates the
    policy (here: a no-op update; unverified on AWS)."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        logs.delete_resource_policy(policyName="AWSLogDeliveryWrite20150319")
        sfn.update_state_machine(stateMachineArn=machine, loggingConfiguration=config(arn))
        (policy,) = logs.describe_resource_policies()["resourcePolicies"]
        assert policy["policyName"] == "AWSLogDeliveryWrite20150319"


def test_auto_created_policy_is_the_documented_statement_exactly() -> None:
    """[DOC] CloudWatch Logs User Guide: the AWSLogDeliveryWrite20150319 statement."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )
        (policy,) = logs.describe_resource_policies()["resourcePolicies"]
    acct = world.account_id
    assert policy["policyName"] == "AWSLogDeliveryWrite20150319"
    assert json.loads(policy["policyDocument"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSLogDeliveryWrite20150319",
                "Effect": "Allow",
                "Principal": {"Service": ["delivery.logs.amazonaws.com"]},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [
                    f"arn:aws:logs:us-east-1:{acct}:log-group:{article.LOG_GROUP_NAME}:log-stream:*"
                ],
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": [acct]},
                    "ArnLike": {"aws:SourceArn": [f"arn:aws:logs:us-east-1:{acct}:*"]},
                },
            }
        ],
    }


def test_existing_policy_without_the_statement_gets_it_appended() -> None:
    """[DOC] 'If a policy exists without this statement ... that statement is appended'."""
    other = {
        "Sid": "Other",
        "Effect": "Allow",
        "Principal": {"Service": "es.amazonaws.com"},
        "Action": "logs:PutLogEvents",
        "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:es:*",
    }
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        logs.put_resource_policy(
            policyName="AWSLogDeliveryWrite20150319",
            policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [other]}),
        )
        sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )
        (policy,) = logs.describe_resource_policies()["resourcePolicies"]
    statements = json.loads(policy["policyDocument"])["Statement"]
    assert statements[0] == other
    assert [s["Sid"] for s in statements] == ["Other", "AWSLogDeliveryWrite20150319"]


def test_classic_eleventh_policy_is_limit_exceeded() -> None:
    """[ISSUE] aws/aws-cdk#22307: LimitExceededException 'Resource limit exceeded.'"""
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "es.amazonaws.com"},
                    "Action": "logs:PutLogEvents",
                    "Resource": "*",
                }
            ],
        }
    )
    with labkit.offline() as world:
        logs = world.client("logs")
        for i in range(10):
            logs.put_resource_policy(policyName=f"p{i}", policyDocument=doc)
        with pytest.raises(ClientError) as info:
            logs.put_resource_policy(policyName="p10", policyDocument=doc)
        assert error(info) == ("LimitExceededException", "Resource limit exceeded.", 400)
        logs.put_resource_policy(policyName="p3", policyDocument=doc)  # same name updates
        assert len(logs.describe_resource_policies()["resourcePolicies"]) == 10


def test_classic_size_error_then_vended_wildcard() -> None:
    """[DOC] 5,120 characters; near the limit /aws/vendedlogs/* is enabled, stored as
    arn:aws:logs:R:A:log-group:/aws/vendedlogs/* [ISSUE] sst#125; a name that no longer
    fits -> the exact InvalidLoggingConfiguration message [ISSUE] aws/aws-cdk#28900."""
    with labkit.offline() as world:
        _, logs, sfn, role, _ = setup(world)
        made = 0
        with pytest.raises(ClientError) as info:
            for i in range(200):
                group = f"plain-group-name-number-{i:03d}-" + "x" * 40
                logs.create_log_group(logGroupName=group)
                arn = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:{group}:*"
                sfn.create_state_machine(
                    name=f"m{i}", definition=PASS_ONLY, roleArn=role,
                    loggingConfiguration=config(arn),
                )  # fmt: skip
                made += 1
        assert error(info) == (
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: The CloudWatch Logs Resource Policy size was "
            "exceeded. We suggest prefixing your CloudWatch log group name with "
            "/aws/vendedlogs/states/.",
            400,
        )
        (policy,) = logs.describe_resource_policies()["resourcePolicies"]
        assert len(policy["policyDocument"]) <= 5120
        assert len(sfn.list_state_machines()["stateMachines"]) == made
        # a vended-logs group still fits: the wildcard covers it
        vended = "/aws/vendedlogs/states/after-the-limit"
        logs.create_log_group(logGroupName=vended)
        arn = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:{vended}:*"
        sfn.create_state_machine(
            name="vended", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )
        (policy,) = logs.describe_resource_policies()["resourcePolicies"]
        resources = json.loads(policy["policyDocument"])["Statement"][0]["Resource"]
        wildcard = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:/aws/vendedlogs/*"
        assert wildcard in resources
        assert len(policy["policyDocument"]) <= 5120


def test_classic_setup_with_ten_other_policies_is_access_denied() -> None:
    """[ISSUE] serverless-step-functions#334 (2020): a full set of resource policies made
    CreateStateMachine fail with the role's AccessDenied message [INFER for today]."""
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "es.amazonaws.com"},
                    "Action": "logs:PutLogEvents",
                    "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:es:*",
                }
            ],
        }
    )
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        for i in range(10):
            logs.put_resource_policy(policyName=f"p{i}", policyDocument=doc)
        with pytest.raises(ClientError) as info:
            sfn.create_state_machine(
                name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
            )
        assert error(info)[:2] == (
            "AccessDeniedException",
            "The state machine IAM Role is not authorized to access the Log Destination",
        )
        assert len(logs.describe_resource_policies()["resourcePolicies"]) == 10
        assert sfn.list_state_machines()["stateMachines"] == []


# -- §4.4 current profile ----------------------------------------------------------------


def test_current_profile_log_group_policy() -> None:
    """[DOC] policyScope RESOURCE, resourceArn, revisionId; DescribeResourcePolicies defaults
    to ACCOUNT; one policy per group [ISSUE] terraform-provider-aws PR #47111."""
    with labkit.offline(profile="current") as world:
        _, logs, sfn, role, arn = setup(world)
        sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )
        assert logs.describe_resource_policies()["resourcePolicies"] == []
        (policy,) = logs.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"]
        group_arn = arn[:-2]
        assert policy["policyScope"] == "RESOURCE"
        assert policy["resourceArn"] == group_arn
        assert policy["revisionId"]


def test_current_profile_one_policy_per_log_group() -> None:
    """[DOC] API model "one per LogGroup resourceARN"; [ISSUE] terraform-provider-aws PR
    #47111 "a log group can have only one policy attached to it"."""
    with labkit.offline(profile="current") as world:
        _, logs, sfn, role, arn = setup(world)
        sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )
        logs.create_log_group(logGroupName="/aws/vendedlogs/states/other")
        sfn.create_state_machine(
            name="n", definition=PASS_ONLY, roleArn=role,
            loggingConfiguration=config(arn.replace("LookingIntoLogging-Logs", "other")),
        )  # fmt: skip
        found = logs.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"]
        assert sorted(p["resourceArn"] for p in found) == sorted(
            [arn[:-2], arn[:-2].replace("LookingIntoLogging-Logs", "other")]
        )
        (mine,) = logs.describe_resource_policies(resourceArn=arn[:-2])["resourcePolicies"]
        statement = json.loads(mine["policyDocument"])["Statement"]
        assert [s["Resource"] for s in statement] == [[arn[:-2] + ":log-stream:*"]]


def test_current_profile_size_limit_is_51200_bytes() -> None:
    """[DOC] policyDocument max 51,200 in the current profile, 5,120 in classic."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": "logs:PutLogEvents",
        "Resource": [],
    }
    big = dict(
        statement, Resource=[f"arn:aws:logs:us-east-1:1:log-group:g{i}:*" for i in range(200)]
    )
    text = json.dumps({"Version": "2012-10-17", "Statement": [big]})
    assert 5120 < len(text) < 51_200
    with labkit.offline(profile="current") as world:
        world.client("logs").put_resource_policy(policyName="big", policyDocument=text)
    with labkit.offline(profile="classic") as world, pytest.raises(ClientError) as info:
        world.client("logs").put_resource_policy(policyName="big", policyDocument=text)
    assert error(info)[0] == "InvalidParameterException"


def test_current_profile_account_wildcard_prevents_a_group_policy() -> None:
    """[DOC] 'If an existing account-level resource policy already grants permissions through
    wildcards, a separate log group level policy would not be created.'"""
    wildcard = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "delivery.logs.amazonaws.com"},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/*",
            }
        ],
    }
    with labkit.offline(profile="current") as world:
        _, logs, sfn, role, arn = setup(world)
        logs.put_resource_policy(policyName="wide", policyDocument=json.dumps(wildcard))
        sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )
        assert logs.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"] == []


# -- §6 missing group or policy at run time ------------------------------------------------


def test_deleted_log_group_leaves_the_execution_normal() -> None:
    """[AWS-REC] LocalStack test_deleted_log_group: the run is unaffected."""
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        logs.delete_log_group(logGroupName=article.LOG_GROUP_NAME)
        execution = run_one(world, sfn, machine, "e")
        assert sfn.describe_execution(executionArn=execution)["status"] == "SUCCEEDED"
        types = [e["type"] for e in sfn.get_execution_history(executionArn=execution)["events"]]
        assert types == [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded"
        ]  # fmt: skip
        assert set(world.deliveries().status) == {"dropped"}


# -- §7 limits ---------------------------------------------------------------------------


def test_execution_input_over_256_kib_is_refused() -> None:
    """[DOC] 262,144 bytes UTF-8 for execution input."""
    with labkit.offline() as world:
        _, _, sfn, role, _ = setup(world)
        machine = sfn.create_state_machine(name="m", definition=PASS_ONLY, roleArn=role)[
            "stateMachineArn"
        ]
        fits = json.dumps({"s": "x" * (262_144 - 9)})
        assert len(fits.encode()) == 262_144
        sfn.start_execution(stateMachineArn=machine, name="ok", input=fits)
        with pytest.raises(ClientError) as info:
            sfn.start_execution(stateMachineArn=machine, name="big", input=fits[:-2] + 'x"}')
        code, message, status = error(info)
        assert (code, status) == ("ValidationException", 400)  # [INFER] generic wording
        assert message.endswith("Member must have length less than or equal to 262144")


def test_standard_execution_times_out_after_one_year() -> None:
    """[DOC] Standard executions run at most 1 year, then fail with States.Timeout."""
    forever = json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 400 * 86400, "End": True}}}
    )
    with labkit.offline() as world:
        _, _, sfn, role, _ = setup(world)
        machine = sfn.create_state_machine(name="m", definition=forever, roleArn=role)[
            "stateMachineArn"
        ]
        execution = run_one(world, sfn, machine, "e")
        found = sfn.describe_execution(executionArn=execution)
        assert found["status"] == "TIMED_OUT"
        assert (found["stopDate"] - found["startDate"]).days == 365
        last = sfn.get_execution_history(executionArn=execution, reverseOrder=True)["events"][0]
        assert last["type"] == "ExecutionTimedOut"


def test_express_runs_at_most_five_minutes() -> None:
    """[DOC] Express executions run at most 5 minutes (States.Timeout)."""
    slow = json.dumps(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}}
    )
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="x", definition=slow, roleArn=role, type="EXPRESS",
            loggingConfiguration=config(arn, "FATAL"),
        )["stateMachineArn"]  # fmt: skip
        run_one(world, sfn, machine, "e")
        (record,) = messages(logs)
        started = world.deliveries().event_time.min()
        assert record["type"] == "ExecutionTimedOut"
        assert int(record["event_timestamp"]) - int(started.timestamp() * 1000) == 300_000


def test_task_history_order_and_previous_ids() -> None:
    """[secondary] floci StepFunctionsExecutionHistoryIntegrationTest: TaskStateEntered ->
    TaskScheduled -> TaskStarted -> TaskSucceeded -> TaskStateExited, previous ids
    0, 2, 3, 4, 5 for ids 2-6."""
    task = json.dumps(
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke",
                    "Parameters": {"FunctionName": "work", "Payload.$": "$"},
                    "End": True,
                }
            },
        }
    )
    with labkit.offline() as world:
        _, logs, sfn, role, arn = setup(world)
        world.register_lambda("work", lambda payload: {"ok": True})
        machine = sfn.create_state_machine(
            name="t", definition=task, roleArn=role, loggingConfiguration=config(arn, "ALL", False)
        )["stateMachineArn"]
        execution = run_one(world, sfn, machine, "e")
        events = sfn.get_execution_history(executionArn=execution)["events"]
        logged = messages(logs)
    assert [(e["id"], e["previousEventId"], e["type"]) for e in events] == [
        (1, 0, "ExecutionStarted"), (2, 0, "TaskStateEntered"), (3, 2, "TaskScheduled"),
        (4, 3, "TaskStarted"), (5, 4, "TaskSucceeded"), (6, 5, "TaskStateExited"),
        (7, 6, "ExecutionSucceeded"),
    ]  # fmt: skip
    scheduled = next(m["details"] for m in logged if m["type"] == "TaskScheduled")
    assert "parameters" not in scheduled and scheduled["resource"] == "invoke"  # [INFER]


# -- §9 Hello World ----------------------------------------------------------------------


V2_REFERENCE = {
    "Comment": "A Hello World example demonstrating various state types of the Amazon States Language. It is composed of flow control states only, so it does not need resources to run.",  # noqa: E501
    "StartAt": "Pass",
    "States": {
        "Pass": {"Comment": "A Pass state passes its input to its output, without performing work. They can also generate static JSON output, or transform JSON input using filters and pass the transformed data to the next state. Pass states are useful when constructing and debugging state machines.", "Type": "Pass", "Result": {"IsHelloWorldExample": True}, "Next": "Hello World example?"},  # noqa: E501
        "Hello World example?": {"Comment": "A Choice state adds branching logic to a state machine. Choice rules can implement many different comparison operators, and rules can be combined using And, Or, and Not", "Type": "Choice", "Choices": [{"Variable": "$.IsHelloWorldExample", "BooleanEquals": True, "Next": "Yes"}, {"Variable": "$.IsHelloWorldExample", "BooleanEquals": False, "Next": "No"}], "Default": "Yes"},  # noqa: E501
        "Yes": {"Type": "Pass", "Next": "Wait 3 sec"},
        "No": {"Type": "Fail", "Cause": "Not Hello World"},
        "Wait 3 sec": {"Comment": "A Wait state delays the state machine from continuing for a specified time.", "Type": "Wait", "Seconds": 3, "Next": "Parallel State"},  # noqa: E501
        "Parallel State": {
            "Comment": "A Parallel state can be used to create parallel branches of execution in your state machine.",  # noqa: E501
            "Type": "Parallel",
            "Next": "Hello World",
            "Branches": [
                {"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "End": True}}},
                {"StartAt": "World", "States": {"World": {"Type": "Pass", "End": True}}},
            ],
        },
        "Hello World": {"Type": "Pass", "End": True},
    },
}  # fmt: skip


def test_hello_world_v2_is_the_reference_asl() -> None:
    """[secondary] two public copies of the console's v2 template."""
    assert json.loads(HELLO_WORLD_V2) == V2_REFERENCE
    assert list(json.loads(HELLO_WORLD_V2)["States"]) == list(V2_REFERENCE["States"])


def test_hello_world_v1_differs_from_v2_only_as_documented() -> None:
    """[secondary] v1 = v2 except the root, Pass and Choice comments and Pass without Result."""
    from labkit.engine.templates import HELLO_WORLD_V1

    v1, v2 = json.loads(HELLO_WORLD_V1), json.loads(HELLO_WORLD_V2)
    assert v1["Comment"] == (
        "A Hello World example demonstrating various state types of the Amazon States Language"
    )
    assert "Result" not in v1["States"]["Pass"]
    assert v1["States"]["Pass"]["Comment"] == (
        "A Pass state passes its input to its output, without performing work. Pass states "
        "are useful when constructing and debugging state machines."
    )
    assert v1["States"]["Hello World example?"]["Comment"].endswith(
        "Choice rules can implement 16 different comparison operators, and can be combined "
        "using And, Or, and Not"
    )
    for name in v2["States"]:
        a, b = dict(v1["States"][name]), dict(v2["States"][name])
        if name in ("Pass", "Hello World example?"):
            a.pop("Comment"), b.pop("Comment")
            b.pop("Result", None)
        assert a == b, name


V2_EVENTS = [
    (1, 0, "ExecutionStarted", None), (2, 0, "PassStateEntered", "Pass"),
    (3, 2, "PassStateExited", "Pass"), (4, 3, "ChoiceStateEntered", "Hello World example?"),
    (5, 4, "ChoiceStateExited", "Hello World example?"), (6, 5, "PassStateEntered", "Yes"),
    (7, 6, "PassStateExited", "Yes"), (8, 7, "WaitStateEntered", "Wait 3 sec"),
    (9, 8, "WaitStateExited", "Wait 3 sec"), (10, 9, "ParallelStateEntered", "Parallel State"),
    (11, 10, "ParallelStateStarted", None), (12, 11, "PassStateEntered", "Hello"),
    (13, 12, "PassStateExited", "Hello"), (14, 11, "PassStateEntered", "World"),
    (15, 14, "PassStateExited", "World"), (16, 15, "ParallelStateSucceeded", None),
    (17, 15, "ParallelStateExited", "Parallel State"), (18, 17, "PassStateEntered", "Hello World"),
    (19, 18, "PassStateExited", "Hello World"), (20, 19, "ExecutionSucceeded", None),
]  # fmt: skip


def test_hello_world_v2_history_is_the_reference_table() -> None:
    """[INFER] corroborated by a real history (turbot/steampipe-plugin-aws PR #873)."""
    with labkit.offline() as world:
        _, _, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="m", definition=HELLO_WORLD_V2, roleArn=role, loggingConfiguration=config(arn)
        )["stateMachineArn"]
        execution = run_one(world, sfn, machine, "e")
        events = sfn.get_execution_history(executionArn=execution, maxResults=1000)["events"]
        output = sfn.describe_execution(executionArn=execution)["output"]

    def name(event):
        details = next((v for k, v in event.items() if k.endswith("EventDetails")), {})
        return details.get("name")

    got = [(e["id"], e["previousEventId"], e["type"], name(e)) for e in events]
    branch = {12, 13, 14, 15}  # interleaving of the branches may vary [INFER]
    assert [g for g in got if g[0] not in branch] == [x for x in V2_EVENTS if x[0] not in branch]
    assert sorted(g[2:] for g in got if g[0] in branch) == sorted(
        x[2:] for x in V2_EVENTS if x[0] in branch
    )
    assert (events[8]["timestamp"] - events[7]["timestamp"]).total_seconds() >= 3
    assert json.loads(output) == [{"IsHelloWorldExample": True}, {"IsHelloWorldExample": True}]
