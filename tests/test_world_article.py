"""The article end to end through boto3, determinism, role independence, Express, bad input."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import article
from labkit.engine.templates import FAIL_MACHINE, HELLO_WORLD_V2


def build(world, level: str = "ALL"):
    iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
    role = article.create_role(iam)
    group = article.create_log_group(logs)
    machine = article.create_state_machine(sfn, role, group, level=level)
    return iam, logs, sfn, machine


def code(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def test_article_three_phases() -> None:
    with labkit.offline(seed=0) as world:
        iam, logs, sfn, machine = build(world)
        assert article.resource_policy(logs) is not None  # created by Step Functions set-up

        first = article.start_execution(sfn, machine, name="one")
        world.settle()
        assert sfn.describe_execution(executionArn=first)["status"] == "SUCCEEDED"
        assert len(article.history(sfn, first)) == 20
        assert len(article.log_events(logs, first)) == 20

        document = article.delete_resource_policy(logs)
        article.attach_admin(iam)
        second = article.start_execution(sfn, machine, name="two")
        world.settle()
        assert sfn.describe_execution(executionArn=second)["status"] == "SUCCEEDED"
        assert len(article.history(sfn, second)) == 20
        assert article.log_events(logs, second) == []
        dropped = world.deliveries().query("execution_arn == @second")
        assert set(dropped.status) == {"dropped"}
        assert set(dropped.decision) == {"ImplicitlyDenied"}

        article.put_resource_policy(logs, document)
        third = article.start_execution(sfn, machine, name="three")
        world.settle()
        assert len(article.log_events(logs, third)) == 20


def test_logged_events_keep_ids_and_follow_level() -> None:
    with labkit.offline(seed=2) as world:
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        role, group = article.create_role(iam), article.create_log_group(logs)
        failing = sfn.create_state_machine(
            name="Fails",
            definition=FAIL_MACHINE,
            roleArn=role,
            loggingConfiguration=article.logging_configuration(group, level="ERROR"),
        )["stateMachineArn"]
        run = article.start_execution(sfn, failing, name="f")
        world.settle()
        history = article.history(sfn, run)
        logged = [e["record"] for e in article.log_events(logs, run)]
        expected = [e for e in history if e["type"] in ("FailStateEntered", "ExecutionFailed")]
        assert [r["id"] for r in logged] == [str(e["id"]) for e in expected]
        rows = world.deliveries().query("execution_arn == @run")
        assert set(rows[rows.status == "not logged"].event_type) == {
            e["type"] for e in history if e not in expected
        }


def test_same_seed_byte_identical_histories_and_logs() -> None:
    outputs = []
    for _ in range(2):
        with labkit.offline(seed=11) as world:
            _, logs, sfn, machine = build(world)
            run = article.start_execution(sfn, machine)  # nameless: seeded UUID
            world.settle()
            history = sfn.get_execution_history(executionArn=run)["events"]
            events = logs.filter_log_events(logGroupName=article.LOG_GROUP_NAME)["events"]
            streams = logs.describe_log_streams(logGroupName=article.LOG_GROUP_NAME)["logStreams"]
            frame = world.deliveries().drop(columns=["explanation"])
            outputs.append((run, repr(history), repr(events), repr(streams), frame.to_csv()))
    assert outputs[0] == outputs[1]
    with labkit.offline(seed=12) as world:
        _, _, sfn, machine = build(world)
        assert article.start_execution(sfn, machine) != outputs[0][0]


def test_delivery_depends_on_the_resource_policy_never_on_the_role() -> None:
    """Once the machine exists, only the resource policy changes the delivery decision."""
    results = {}
    for policy_present in (True, False):
        for role_state in ("documented", "none", "admin", "deny-all"):
            with labkit.offline(seed=4) as world:
                iam, logs, sfn, machine = build(world)
                document = article.resource_policy(logs)
                if not policy_present:
                    logs.delete_resource_policy(policyName=article.RESOURCE_POLICY_NAME)
                if role_state in ("none", "deny-all"):
                    iam.delete_role_policy(
                        RoleName=article.ROLE_NAME, PolicyName=article.ROLE_POLICY_NAME
                    )
                if role_state == "admin":
                    article.attach_admin(iam)
                if role_state == "deny-all":
                    deny = {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
                    }
                    iam.put_role_policy(
                        RoleName=article.ROLE_NAME,
                        PolicyName="deny",
                        PolicyDocument=json.dumps(deny),
                    )
                run = article.start_execution(sfn, machine, name="r")
                world.settle()
                rows = world.deliveries()
                results[(policy_present, role_state)] = (
                    tuple(rows.status),
                    tuple(rows.decision),
                    len(article.log_events(logs, run)),
                )
                assert document is not None
    for policy_present in (True, False):
        outcomes = {
            results[(policy_present, r)] for r in ("documented", "none", "admin", "deny-all")
        }
        assert len(outcomes) == 1
    assert results[(True, "none")][2] == 20 and results[(False, "admin")][2] == 0


def test_account_wildcard_with_deny_and_wrong_source_arn() -> None:
    with labkit.offline(seed=5) as world:
        _, logs, sfn, machine = build(world)
        doc = json.loads(article.resource_policy(logs))
        doc["Statement"][0]["Condition"]["ArnLike"]["aws:SourceArn"] = [
            f"arn:aws:states:us-east-1:{world.account_id}:*"
        ]
        article.put_resource_policy(logs, json.dumps(doc))
        run = article.start_execution(sfn, machine, name="states-arn")
        world.settle()
        assert article.log_events(logs, run) == []
        assert sfn.describe_execution(executionArn=run)["status"] == "SUCCEEDED"


def test_logging_captured_at_start_and_validation_errors_leave_world_unchanged() -> None:
    with labkit.offline(seed=6) as world:
        _, logs, sfn, machine = build(world, level="OFF")
        run = article.start_execution(sfn, machine, name="before")
        group = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:{article.LOG_GROUP_NAME}:*"
        sfn.update_state_machine(
            stateMachineArn=machine, loggingConfiguration=article.logging_configuration(group)
        )
        world.settle()
        assert article.log_events(logs, run) == []  # config captured at start: OFF
        before = sfn.describe_state_machine(stateMachineArn=machine)
        bad = [
            ({"loggingConfiguration": {"level": "ALL"}}, "InvalidLoggingConfiguration"),
            (
                {
                    "loggingConfiguration": article.logging_configuration(
                        group.replace("Logs:*", "Nope:*")
                    )
                },
                "InvalidLoggingConfiguration",
            ),
            ({"definition": "{not json"}, "InvalidDefinition"),
            ({"roleArn": "bogus"}, "InvalidArn"),
        ]
        for change, expected in bad:
            with pytest.raises(ClientError) as info:
                sfn.update_state_machine(stateMachineArn=machine, **change)
            assert code(info)[0] == expected
        assert sfn.describe_state_machine(stateMachineArn=machine) == before


def test_create_errors() -> None:
    with labkit.offline(seed=8) as world:
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        role, group = article.create_role(iam), article.create_log_group(logs)
        with pytest.raises(ClientError) as info:
            sfn.create_state_machine(
                name="x",
                definition=HELLO_WORLD_V2,
                roleArn=role,
                loggingConfiguration={"level": "ALL", "destinations": []},
            )
        assert code(info) == (
            "InvalidLoggingConfiguration",
            "Invalid Logging Configuration: Must specify exactly one Log Destination.",
        )
        bare = iam.create_role(RoleName="bare", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        with pytest.raises(ClientError) as info:
            sfn.create_state_machine(
                name="x",
                definition=HELLO_WORLD_V2,
                roleArn=bare,
                loggingConfiguration=article.logging_configuration(group),
            )
        assert code(info) == (
            "AccessDeniedException",
            "The state machine IAM Role is not authorized to access the Log Destination",
        )
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        with pytest.raises(ClientError) as info:
            sfn.create_state_machine(name="bad name", definition=HELLO_WORLD_V2, roleArn=role)
        assert code(info) == ("InvalidName", "Invalid Name: 'bad name'")
        assert sfn.list_state_machines()["stateMachines"] == []
        assert logs.describe_resource_policies()["resourcePolicies"] == []
        with pytest.raises(ClientError) as info:
            sfn.describe_execution(
                executionArn=f"arn:aws:states:us-east-1:{world.account_id}:execution:x:y"
            )
        assert code(info)[0] == "ExecutionDoesNotExist"
        with pytest.raises(ClientError) as info:
            sfn.describe_state_machine(stateMachineArn="arn:aws:states:nope")
        assert code(info) == ("InvalidArn", "Invalid arn: 'arn:aws:states:nope'")


def test_express_logs_are_its_only_history() -> None:
    with labkit.offline(seed=9) as world:
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        role, group = article.create_role(iam), article.create_log_group(logs)
        machine = sfn.create_state_machine(
            name="Fast",
            definition=HELLO_WORLD_V2,
            roleArn=role,
            type="EXPRESS",
            loggingConfiguration=article.logging_configuration(group),
        )["stateMachineArn"]
        run = article.start_execution(sfn, machine, name="e1")
        assert ":express:Fast:e1:" in run
        world.settle()
        for call in (sfn.get_execution_history, sfn.describe_execution):
            with pytest.raises(ClientError) as info:
                call(executionArn=run)
            assert code(info) == (
                "InvalidArn",
                "Invalid Arn: 'Resource type not valid in this context: express'",
            )
        with pytest.raises(ClientError) as info:
            sfn.list_executions(stateMachineArn=machine)
        assert code(info)[0] == "StateMachineTypeNotSupported"
        records = [e["record"] for e in article.log_events(logs, run)]
        assert records[-1]["type"] == "ExecutionSucceeded" and len(records) == 20


def test_auto_settle_off_keeps_running_until_settle() -> None:
    with labkit.offline(seed=1, auto_settle=False) as world:
        _, _, sfn, machine = build(world)
        run = article.start_execution(sfn, machine, name="slow")
        assert sfn.describe_execution(executionArn=run)["status"] == "RUNNING"
        world.settle()
        assert sfn.describe_execution(executionArn=run)["status"] == "SUCCEEDED"
        start = sfn.describe_execution(executionArn=run)["startDate"]
        history = article.history(sfn, run)
        assert history[0]["timestamp"] == start
        assert world.clock.now() >= history[-1]["timestamp"]


def test_streams_shared_by_executions() -> None:
    with labkit.offline(seed=3) as world:
        _, logs, sfn, machine = build(world)
        runs = [article.start_execution(sfn, machine, name=f"r{i}") for i in range(3)]
        world.settle()
        streams = [
            s["logStreamName"]
            for s in logs.describe_log_streams(logGroupName=article.LOG_GROUP_NAME)["logStreams"]
            if s["logStreamName"].startswith("states/")
        ]
        assert len(streams) == 1 and streams[0].startswith("states/LookingIntoLogging/")
        assert all(len(article.log_events(logs, r)) == 20 for r in runs)


def test_describe_state_machine_for_execution_reports_what_the_execution_started_with() -> None:
    """[DOC] the execution keeps the definition, role and logging captured at its start."""
    with labkit.offline(seed=3) as world:
        iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
        role_arn = article.create_role(iam)
        group_arn = article.create_log_group(logs)
        machine = article.create_state_machine(sfn, role_arn, group_arn, level="ALL")
        run = article.start_execution(sfn, machine, name="before-update")
        sfn.update_state_machine(
            stateMachineArn=machine,
            loggingConfiguration=article.logging_configuration(group_arn, level="ERROR"),
        )
        started_with = sfn.describe_state_machine_for_execution(executionArn=run)
        assert started_with["stateMachineArn"] == machine
        assert started_with["loggingConfiguration"]["level"] == "ALL"
        assert (
            sfn.describe_state_machine(stateMachineArn=machine)["loggingConfiguration"]["level"]
            == "ERROR"
        )
        with pytest.raises(ClientError) as err:
            sfn.describe_state_machine_for_execution(
                executionArn=run.replace("before-update", "nope")
            )
        assert err.value.response["Error"]["Code"] == "ExecutionDoesNotExist"


def test_put_resource_policy_principals_as_aws_answers_them() -> None:
    """Lesson 05: accounts and "*" are accepted; a service name under "AWS" is refused with
    AWS's own code and message (hashicorp/terraform-provider-aws#32260), nothing stored."""
    with labkit.offline(seed=0) as world:
        logs = world.client("logs")
        stream = f"arn:aws:logs:{world.region}:{world.account_id}:log-group:g:log-stream:*"
        default = article.delivery_policy(stream)
        assert default["Statement"][0]["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
        accepted = {"AWS": world.account_id}
        assert (
            article.try_put_resource_policy(
                logs, "account", article.delivery_policy(stream, accepted)
            )
            == "accepted"
        )
        assert (
            article.try_put_resource_policy(
                logs, "everyone", json.dumps(article.delivery_policy(stream, "*"))
            )
            == "accepted"
        )
        refused = article.delivery_policy(stream, {"AWS": "delivery.logs.amazonaws.com"})
        answer = article.try_put_resource_policy(logs, "service-under-AWS", refused)
        assert (
            answer == "refused: InvalidParameterException - Could not convert to persistable policy"
        )
        names = [p["policyName"] for p in logs.describe_resource_policies()["resourcePolicies"]]
        assert names == ["account", "everyone"]
