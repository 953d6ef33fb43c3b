"""The offline world's answers that issue 13 found missing or different from AWS.

Sources are named per test: [ISSUE 13] the AWS-recorded examples quoted in issue 13;
[DOC] AWS documentation; [INFER] labkit's own modelling, said so.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import article

PASS_ONLY = json.dumps(
    {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"hi": 1}, "End": True}}}
)


def setup(world):
    iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
    role = article.create_role(iam)
    arn = article.create_log_group(logs)
    return logs, sfn, role, arn


def code(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


# --- 14. StartSyncExecution ---------------------------------------------------------------


def test_start_sync_execution_runs_express_machines_and_logs_them():
    """[ISSUE 13 #14] StartSyncExecution was missing; [DOC] API reference: Express only,
    the answer carries status, output and billingDetails."""
    with labkit.offline() as world:
        logs, sfn, role, arn = setup(world)
        express = sfn.create_state_machine(
            name="sync", definition=PASS_ONLY, roleArn=role, type="EXPRESS",
            loggingConfiguration=article.logging_configuration(arn),
        )["stateMachineArn"]  # fmt: skip
        answer = sfn.start_sync_execution(stateMachineArn=express, name="now", input='{"a": 1}')
        assert answer["status"] == "SUCCEEDED"
        assert json.loads(answer["output"]) == {"hi": 1}
        assert answer["executionArn"].startswith(
            f"arn:aws:states:us-east-1:{world.account_id}:express:sync:now:"
        )
        assert answer["input"] == '{"a": 1}' and answer["stopDate"] >= answer["startDate"]
        assert answer["billingDetails"]["billedMemoryUsedInMB"] == 64
        assert answer["billingDetails"]["billedDurationInMilliseconds"] % 100 == 0
        records = [
            json.loads(m["message"])
            for m in logs.filter_log_events(logGroupName=article.LOG_GROUP_NAME)["events"]
        ]
        records = [r for r in records if r.get("execution_arn") == answer["executionArn"]]
        assert [r["type"] for r in records] == [
            "ExecutionStarted", "PassStateEntered", "PassStateExited", "ExecutionSucceeded",
        ]  # fmt: skip
        failing = sfn.create_state_machine(
            name="sync-fail", roleArn=role, type="EXPRESS",
            definition=json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "c"}}}),
        )["stateMachineArn"]  # fmt: skip
        failed = sfn.start_sync_execution(stateMachineArn=failing)
        assert (failed["status"], failed["error"], failed["cause"]) == ("FAILED", "E", "c")
        standard = sfn.create_state_machine(name="std", definition=PASS_ONLY, roleArn=role)[
            "stateMachineArn"
        ]
        with pytest.raises(ClientError) as info:
            sfn.start_sync_execution(stateMachineArn=standard)
        assert code(info) == (
            "StateMachineTypeNotSupported",
            "This operation is not supported by this type of state machine",
        )


# --- 15. /aws/vendedlogs/ when the classic policy is full ---------------------------------


def test_full_classic_policy_still_takes_a_vendedlogs_group():
    """[ISSUE 13 #15]: the size error says "We suggest prefixing your CloudWatch log group
    name with /aws/vendedlogs/states/", and projects fixed their deployments that way; once
    the 5,120 characters were full, labkit failed the prefixed group with the same error.
    labkit now keeps room for the ``/aws/vendedlogs/*`` entry [INFER: the reservation]."""
    from labkit.world import log_setup

    with labkit.offline() as world:
        logs, sfn, role, _ = setup(world)
        sizes = []

        def add(name: str, machine: str) -> None:
            logs.create_log_group(logGroupName=name)
            arn = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:{name}:*"
            sfn.create_state_machine(
                name=machine, definition=PASS_ONLY, roleArn=role,
                loggingConfiguration=article.logging_configuration(arn),
            )  # fmt: skip

        # fill with long names, then with the shortest ones, as close to the limit as fits
        for name in ("plain-group-name-number-{}-" + "x" * 40, "g{}"):
            with pytest.raises(ClientError) as info:
                for i in range(500):
                    add(name.format(i), "m-" + name.format(i)[:60])
                    sizes.append(len(article.resource_policy(logs)))
            assert code(info) == ("InvalidLoggingConfiguration", log_setup.SIZE_EXCEEDED)
        before = article.resource_policy(logs)
        wildcard = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:/aws/vendedlogs/*"
        room = log_setup.wildcard_room("us-east-1", world.account_id)
        assert wildcard not in before and 5120 - room - 70 < len(before) <= 5120 - room
        add("/aws/vendedlogs/states/after-the-limit", "vended")  # AWS's advice works
        after = article.resource_policy(logs)
        assert wildcard in json.loads(after)["Statement"][0]["Resource"] and len(after) <= 5120
        add("/aws/vendedlogs/states/another", "vended-2")  # covered by the wildcard
        assert article.resource_policy(logs) == after


# --- 16. PutResourcePolicy principals ------------------------------------------------------


def _doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(principal, resource, element="Principal", effect="Allow"):
    return {
        "Effect": effect,
        element: principal,
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": resource,
    }


def test_put_resource_policy_accepts_aws_principals_and_evaluates_them_as_aws_does():
    """[ISSUE 13 #16] The API reference says these policies "only apply when operations are
    invoked by AWS service principals"; other principals are accepted and not enforced.
    Recorded refusal: a service name under "AWS" -> "Could not convert to persistable
    policy". Evaluation of the accepted shapes for the delivery service is [INFER]."""
    with labkit.offline() as world:
        logs, sfn, role, arn = setup(world)
        stream = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:{article.LOG_GROUP_NAME}:log-stream:*"
        for principal in (
            {"AWS": world.account_id},
            {"AWS": f"arn:aws:iam::{world.account_id}:root"},
            {"AWS": f"arn:aws:iam::{world.account_id}:role/x"},
            "*",
        ):
            logs.put_resource_policy(policyName="p", policyDocument=_doc(_allow(principal, stream)))
        logs.put_resource_policy(
            policyName="np",
            policyDocument=_doc(_allow({"AWS": world.account_id}, stream, "NotPrincipal", "Deny")),
        )
        with pytest.raises(ClientError) as info:
            logs.put_resource_policy(
                policyName="bad",
                policyDocument=_doc(_allow({"AWS": "delivery.logs.amazonaws.com"}, stream)),
            )
        assert code(info) == (
            "InvalidParameterException",
            "Could not convert to persistable policy",
        )
        assert {p["policyName"] for p in logs.describe_resource_policies()["resourcePolicies"]} == {
            "p",
            "np",
        }

    def delivered(*documents) -> int:
        with labkit.offline() as world:
            logs, sfn, role, arn = setup(world)
            machine = sfn.create_state_machine(
                name="m", definition=PASS_ONLY, roleArn=role, loggingConfiguration=article.logging_configuration(arn)
            )["stateMachineArn"]  # fmt: skip
            logs.delete_resource_policy(policyName=article.RESOURCE_POLICY_NAME)
            for i, document in enumerate(documents):
                logs.put_resource_policy(
                    policyName=f"p{i}", policyDocument=document.replace("ACCOUNT", world.account_id)
                )
            sfn.start_execution(stateMachineArn=machine, name="e")
            return len(article.log_events(logs))

    stream = "arn:aws:logs:us-east-1:ACCOUNT:log-group:*"
    assert delivered(_doc(_allow({"AWS": "ACCOUNT"}, stream))) == 0  # not the delivery service
    assert delivered(_doc(_allow("*", stream))) == 4  # "*" names every principal
    service = _doc(_allow({"Service": "delivery.logs.amazonaws.com"}, stream))
    assert delivered(service) == 4
    assert delivered(service, _doc(_allow({"AWS": "ACCOUNT"}, stream, "NotPrincipal", "Deny"))) == 0


# --- 17. The article's own recording --------------------------------------------------------

ARTICLE_2020 = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"AWSLogDeliveryWrite","Effect":"Allow",'
    '"Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":["logs:CreateLogStream",'
    '"logs:PutLogEvents"],"Resource":"arn:aws:logs:us-west-2:ACCOUNT:log-group:'
    '/aws/vendedlogs/states/LookingIntoLogging-Logs:log-stream:*"}]}'
)


def test_article_2020_profile_reproduces_the_recorded_policy_byte_for_byte():
    """[ISSUE 13 #17] The article (December 2020, us-west-2) printed the auto-created policy
    as ``ARTICLE_2020`` (Sid AWSLogDeliveryWrite, principal and resource as strings, no
    Condition), with a console-created role named like StepFunctions-HelloWorld-role-4fabec35.
    Today's documented shape stays labkit.offline()'s default."""
    import re

    with labkit.offline(profile="article-2020") as world:
        assert world.region == "us-west-2"
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        name = article.role_name(world)
        assert re.fullmatch(r"StepFunctions-HelloWorld-role-[0-9a-f]{8}", name)
        role = article.create_role(iam, name)
        machine = article.create_state_machine(sfn, role, article.create_log_group(logs))
        assert article.resource_policy(logs) == ARTICLE_2020.replace("ACCOUNT", world.account_id)
        # the three phases still hold in the article's era
        article.start_execution(sfn, machine, name="phase-1")
        assert len(article.log_events(logs)) == 20
        saved = article.delete_resource_policy(logs)
        article.attach_admin(iam, name)
        article.start_execution(sfn, machine, name="phase-2")
        assert len(
            article.log_events(logs)
        ) == 20 and "AdministratorAccess" in article.role_policies(iam, name)
        article.put_resource_policy(logs, saved)
        article.start_execution(sfn, machine, name="phase-3")
        assert len(article.log_events(logs)) == 40
        # a second group turns Resource into a list [INFER]
        logs.create_log_group(logGroupName="/aws/vendedlogs/states/second")
        arn = f"arn:aws:logs:us-west-2:{world.account_id}:log-group:/aws/vendedlogs/states/second:*"
        article.create_state_machine(sfn, role, arn, name="second")
        resources = json.loads(article.resource_policy(logs))["Statement"][0]["Resource"]
        assert isinstance(resources, list) and len(resources) == 2
    with labkit.offline() as world:  # the default: today's documented shape
        assert world.region == "us-east-1" and article.role_name(world) == article.ROLE_NAME
        logs, sfn, role, arn = setup(world)
        article.create_state_machine(sfn, role, arn)
        statement = json.loads(article.resource_policy(logs))["Statement"][0]
        assert statement["Sid"] == "AWSLogDeliveryWrite20150319" and "Condition" in statement
        assert statement["Principal"] == {"Service": ["delivery.logs.amazonaws.com"]}


def test_connect_takes_the_offline_era_and_a_real_account_ignores_it(monkeypatch, capsys):
    """Lesson code ``labkit.connect(profile="article-2020")`` must run unchanged on a real
    account, where ``profile`` would otherwise name an AWS CLI profile."""
    import labkit.world.real as real
    from labkit.world import connect

    monkeypatch.delenv("LABKIT_MODE", raising=False)
    with connect(profile="article-2020") as world:
        assert world.profile == "article-2020" and world.region == "us-west-2"
    seen = {}
    monkeypatch.setattr(real, "aws", lambda **kw: seen.update(kw) or "real world")
    monkeypatch.setenv("LABKIT_MODE", "aws")
    assert connect(profile="article-2020", region="eu-west-1") == "real world"
    assert seen == {"region": "eu-west-1"}
    assert "offline era" in capsys.readouterr().out
    connect(profile="my-cli-profile")
    assert seen["profile"] == "my-cli-profile"


# --- 4. Distributed Map -------------------------------------------------------------------

PROCESSOR = {
    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
    "StartAt": "Double",
    "States": {
        "Double": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, $.n)"}, "End": True}
    },
}


def test_distributed_map_runs_child_executions_and_answers_map_run_calls():
    """[ISSUE 13 #4]: AWS records MapRunStarted (mapRunArn) then MapRunSucceeded/Failed; the
    iterations run as child executions, not inline; DescribeMapRun/ListMapRuns answer.
    previousEventIds as floci-io/floci read them off AWS: [0, 0, 2, 3, 4, 5, 4, 7]."""
    machine_def = json.dumps(
        {"StartAt": "Fan", "States": {"Fan": {"Type": "Map", "ItemsPath": "$.items", "Label": "doubler",
                                              "ItemProcessor": PROCESSOR, "End": True}}}
    )  # fmt: skip
    with labkit.offline() as world:
        logs, sfn, role, arn = setup(world)
        machine = sfn.create_state_machine(
            name="fan", definition=machine_def, roleArn=role,
            loggingConfiguration=article.logging_configuration(arn),
        )["stateMachineArn"]  # fmt: skip
        execution = sfn.start_execution(
            stateMachineArn=machine, name="e", input='{"items": [{"n": 1}, {"n": 2}, {"n": 3}]}'
        )["executionArn"]
        described = sfn.describe_execution(executionArn=execution)
        assert described["status"] == "SUCCEEDED"
        assert json.loads(described["output"]) == [{"n": 2}, {"n": 4}, {"n": 6}]
        events = sfn.get_execution_history(executionArn=execution)["events"]
        assert [e["type"] for e in events] == [
            "ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
            "MapRunSucceeded", "MapStateSucceeded", "MapStateExited", "ExecutionSucceeded",
        ]  # fmt: skip
        assert [e["previousEventId"] for e in events] == [0, 0, 2, 3, 4, 5, 4, 7]
        map_run = events[3]["mapRunStartedEventDetails"]["mapRunArn"]
        prefix = f"arn:aws:states:us-east-1:{world.account_id}:mapRun:fan/doubler:"
        assert map_run.startswith(prefix)
        runs = sfn.list_map_runs(executionArn=execution)["mapRuns"]
        assert [(r["mapRunArn"], r["executionArn"]) for r in runs] == [(map_run, execution)]
        assert (
            runs[0]["stateMachineArn"]
            == f"arn:aws:states:us-east-1:{world.account_id}:stateMachine:fan/doubler"
        )
        info = sfn.describe_map_run(mapRunArn=map_run)
        assert info["status"] == "SUCCEEDED" and info["executionArn"] == execution
        assert info["itemCounts"]["succeeded"] == 3 and info["itemCounts"]["total"] == 3
        assert info["executionCounts"] == info["itemCounts"]
        children = sfn.list_executions(mapRunArn=map_run)["executions"]
        assert len(children) == 3 and all(c["mapRunArn"] == map_run for c in children)
        child = children[0]["executionArn"]
        assert child.startswith(
            f"arn:aws:states:us-east-1:{world.account_id}:execution:fan/doubler:"
        )
        assert sfn.describe_execution(executionArn=child)["mapRunArn"] == map_run
        child_history = [e["type"] for e in sfn.get_execution_history(executionArn=child)["events"]]
        assert child_history == [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]
        assert [
            e["stateMachineArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]
        ] == [machine]
        with pytest.raises(ClientError) as missing:
            sfn.describe_map_run(mapRunArn=prefix + "00000000-0000-4000-8000-000000000000")
        assert code(missing)[0] == "ResourceNotFound"


def test_distributed_map_fails_past_the_tolerated_failures():
    """[DOC] ToleratedFailureCount/Percentage; MapRunFailed then MapStateFailed; the error
    name States.ExceedToleratedFailureThreshold is AWS's [DOC], its cause [INFER]."""
    failing = {**PROCESSOR, "StartAt": "Check", "States": {
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Bad"}], "Default": "Ok"},
        "Bad": {"Type": "Fail", "Error": "TooBig"}, "Ok": {"Type": "Succeed"}}}  # fmt: skip

    def fan(extra: dict) -> tuple[dict, list]:
        definition = json.dumps(
            {
                "StartAt": "Fan",
                "States": {"Fan": {"Type": "Map", "ItemProcessor": failing, "End": True, **extra}},
            }
        )
        with labkit.offline() as world:
            logs, sfn, role, arn = setup(world)
            machine = sfn.create_state_machine(name="fan", definition=definition, roleArn=role)[
                "stateMachineArn"
            ]
            execution = sfn.start_execution(
                stateMachineArn=machine, name="e", input='[{"n": 1}, {"n": 2}, {"n": 3}]'
            )["executionArn"]
            described = sfn.describe_execution(executionArn=execution)
            events = sfn.get_execution_history(executionArn=execution)["events"]
            run = sfn.describe_map_run(
                mapRunArn=sfn.list_map_runs(executionArn=execution)["mapRuns"][0]["mapRunArn"]
            )
        return described, [e["type"] for e in events] + [run["status"], run["itemCounts"]["failed"]]

    described, seen = fan({})
    assert (
        described["status"] == "FAILED"
        and described["error"] == "States.ExceedToleratedFailureThreshold"
    )
    assert seen[-6:] == [
        "MapRunStarted",
        "MapRunFailed",
        "MapStateFailed",
        "ExecutionFailed",
        "FAILED",
        2,
    ]
    described, seen = fan({"ToleratedFailureCount": 2})
    assert described["status"] == "SUCCEEDED" and seen[-2:] == ["SUCCEEDED", 2]
    described, seen = fan({"ToleratedFailurePercentage": 50})
    assert described["status"] == "FAILED"  # 2 of 3 is 66.7 %
