"""labkit.doctor on the offline world: each way the article's logs can go missing, and the
healthy case, checked against what the offline world actually delivers.

The delivery question is AWS's [DOC] CloudWatch Logs User Guide: may
``delivery.logs.amazonaws.com`` do logs:CreateLogStream and logs:PutLogEvents on the
stream, under the log group's resource policies (account-level and group-level)?
"""

from __future__ import annotations

import contextlib
import json

import pytest

import labkit
from labkit import article
from labkit.doctor import EXIT_CODES, doctor

ACCOUNT, REGION = "123456789012", "us-east-1"
GROUP = article.LOG_GROUP_NAME
STREAMS = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{GROUP}:log-stream:*"


def statement(**changes) -> dict:
    base = {
        "Sid": "AWSLogDeliveryWrite20150319",
        "Effect": "Allow",
        "Principal": {"Service": ["delivery.logs.amazonaws.com"]},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [STREAMS],
        "Condition": {
            "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
            "ArnLike": {"aws:SourceArn": [f"arn:aws:logs:{REGION}:{ACCOUNT}:*"]},
        },
    }
    return {**base, **changes}


def lab(world, *, level: str = "ALL") -> str:
    iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
    role = article.create_role(iam)
    group_arn = article.create_log_group(logs)
    return article.create_state_machine(sfn, role, group_arn, level=level)


def replace_policy(world, *statements: dict) -> None:
    logs = world.client("logs")
    with contextlib.suppress(logs.exceptions.ResourceNotFoundException):
        logs.delete_resource_policy(policyName=article.RESOURCE_POLICY_NAME)
    if statements:
        doc = {"Version": "2012-10-17", "Statement": list(statements)}
        logs.put_resource_policy(
            policyName=article.RESOURCE_POLICY_NAME, policyDocument=json.dumps(doc)
        )


def delivered(world, machine: str) -> set[str]:
    article.start_execution(world.client("stepfunctions"), machine, name="check")
    world.settle()
    return set(world.deliveries()["status"])


def test_healthy_machine_delivers():
    with labkit.offline() as world:
        machine = lab(world)
        report = doctor(world, machine)
        assert report.delivers and report.exit_code == 0
        assert report.level == "ALL" and report.include_execution_data is True
        assert report.log_group == GROUP and report.fix is None
        assert "WILL be delivered" in str(report) and "with execution data" in str(report)
        assert all(d.allowed for d in report.decisions)
        assert delivered(world, machine) == {"delivered"}  # the world agrees


BROKEN = {
    "no policy": (),
    "wrong principal": (statement(Principal={"Service": ["states.amazonaws.com"]}),),
    "wrong account condition": (
        statement(Condition={"StringEquals": {"aws:SourceAccount": ["999999999999"]}}),
    ),
    "SourceArn names the state machine": (
        statement(
            Condition={
                "ArnLike": {
                    "aws:SourceArn": [
                        f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:LookingIntoLogging"
                    ]
                }
            }
        ),
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_policy_is_diagnosed_with_the_evaluator_reason_and_a_fix(case):
    with labkit.offline() as world:
        machine = lab(world)
        replace_policy(world, *BROKEN[case])
        report = doctor(world, machine)
        assert not report.delivers
        assert (
            report.status == "not-delivered"
            and report.exit_code == EXIT_CODES["not-delivered"] == 1
        )
        denied = [d for d in report.decisions if not d.allowed]
        assert denied and all(d.outcome.value == "ImplicitlyDenied" for d in denied)
        assert denied[0].reason in str(report)  # the evaluator's own words
        fix = json.loads(report.fix)
        assert fix["Principal"] == {"Service": ["delivery.logs.amazonaws.com"]}
        assert fix["Resource"] == [STREAMS]
        assert delivered(world, machine) == {"dropped"}  # the world agrees: nothing arrives
        # and the proposed fix does make delivery work
        replace_policy(world, fix)
        assert doctor(world, machine).delivers


def test_explicit_deny_names_the_statement_to_remove():
    deny = {
        "Sid": "NoWrites",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "logs:PutLogEvents",
        "Resource": "*",
    }
    with labkit.offline() as world:
        machine = lab(world)
        replace_policy(world, statement(), deny)
        report = doctor(world, machine)
        assert not report.delivers and report.fix is None
        assert "NoWrites" in report.fix_how
        assert any(d.outcome.value == "ExplicitlyDenied" for d in report.decisions)


def test_level_off():
    with labkit.offline() as world:
        machine = lab(world, level="OFF")
        report = doctor(world, machine)
        assert not report.delivers and report.status == "logging-off" and report.exit_code == 4
        assert report.level == "OFF" and "logging is OFF" in report.headline


def test_level_error_delivers_without_execution_data_only_errors():
    with labkit.offline() as world:
        iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
        role = article.create_role(iam)
        group_arn = article.create_log_group(logs)
        config = article.logging_configuration(
            group_arn, level="ERROR", include_execution_data=False
        )
        machine = sfn.create_state_machine(
            name="m", definition=article.definition(), roleArn=role, loggingConfiguration=config
        )["stateMachineArn"]
        report = doctor(world, machine)
        assert (
            report.delivers and report.level == "ERROR" and report.include_execution_data is False
        )
        assert "without execution data" in report.headline


def test_missing_log_group():
    with labkit.offline() as world:
        machine = lab(world)
        world.client("logs").delete_log_group(logGroupName=GROUP)
        report = doctor(world, machine)
        assert report.status == "log-group-missing" and report.exit_code == 7


def test_unknown_state_machine():
    with labkit.offline() as world:
        arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:Nope"
        report = doctor(world, arn)
        assert report.status == "unknown-state-machine" and report.exit_code == 3
        assert "StateMachineDoesNotExist" in report.headline
        assert doctor(world, "not-an-arn").status == "unknown-state-machine"


def test_role_without_set_up_permissions_is_a_warning_not_a_delivery_failure():
    with labkit.offline() as world:
        machine = lab(world)
        world.client("iam").delete_role_policy(
            RoleName=article.ROLE_NAME, PolicyName=article.ROLE_POLICY_NAME
        )
        report = doctor(world, machine)
        assert report.delivers  # the role plays no part in delivery [ISSUE]
        warning = [f for f in report.findings if f.severity == "warning"]
        assert warning and "logs:CreateLogDelivery" in warning[0].message
        assert "not authorized to access the Log Destination" in warning[0].message


def test_admin_role_does_not_fix_a_missing_policy():
    with labkit.offline() as world:
        machine = lab(world)
        article.attach_admin(world.client("iam"))
        replace_policy(world)
        report = doctor(world, machine)
        assert not report.delivers
        assert any("does not help" in f.message for f in report.findings)


def test_current_profile_reads_log_group_level_policy():
    with labkit.offline(profile="current") as world:
        machine = lab(world)
        report = doctor(world, machine)
        assert report.delivers
        assert "log-group-level" in str(report)
        saved = article.delete_resource_policy(world.client("logs"))
        assert saved is not None and "resourceArn" in saved
        assert not doctor(world, machine).delivers


def test_package_level_doctor_works_after_the_submodule_is_imported():
    import labkit.doctor  # rebinds the package attribute to the module

    with labkit.offline() as world:
        machine = lab(world)
        report = labkit.doctor(world, machine)
        assert report.delivers and isinstance(report, labkit.doctor.DoctorReport)


def test_permissions_boundary_without_logs_blocks_set_up():
    boundary = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"}],
    }
    with labkit.offline() as world:
        machine = lab(world)
        iam = world.client("iam")
        arn = iam.create_policy(PolicyName="StatesOnly", PolicyDocument=json.dumps(boundary))[
            "Policy"
        ]["Arn"]
        iam.put_role_permissions_boundary(RoleName=article.ROLE_NAME, PermissionsBoundary=arn)
        report = doctor(world, machine)
        assert report.delivers  # delivery does not involve the role
        (warning,) = [f for f in report.findings if f.severity == "warning"]
        assert "logs:CreateLogDelivery" in warning.message
        assert "boundary" in warning.decision.reason.lower()
