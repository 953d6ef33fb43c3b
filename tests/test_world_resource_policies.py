"""CloudWatch Logs resource policies through boto3 (both profiles) and log-delivery set-up."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import article
from labkit.world import log_setup


def policy(resource: str = "*", principal: object = None) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": principal or {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": resource,
                }
            ],
        }
    )


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]


@pytest.fixture
def world():
    with labkit.offline(seed=7) as w:
        yield w


def test_put_describe_delete(world) -> None:
    logs = world.client("logs")
    put = logs.put_resource_policy(policyName="p", policyDocument=policy())["resourcePolicy"]
    assert put["policyName"] == "p" and put["policyDocument"] == policy()
    assert put["lastUpdatedTime"] == world.clock.now_ms()  # virtual time
    assert "policyScope" not in put  # classic shape
    listed = logs.describe_resource_policies()["resourcePolicies"]
    assert [p["policyName"] for p in listed] == ["p"]
    logs.delete_resource_policy(policyName="p")
    assert logs.describe_resource_policies()["resourcePolicies"] == []
    with pytest.raises(ClientError) as info:
        logs.delete_resource_policy(policyName="p")
    assert error(info) == ("ResourceNotFoundException", "Policy with name [p] does not exist")


@pytest.mark.parametrize(
    "document",
    ["not json", "[]", json.dumps({"Version": "2012-10-17", "Statement": []})],
)
def test_bad_documents_are_refused_and_nothing_stored(world, document: str) -> None:
    logs = world.client("logs")
    with pytest.raises(ClientError) as info:
        logs.put_resource_policy(policyName="p", policyDocument=document)
    assert error(info) == ("InvalidParameterException", "Could not convert to persistable policy")
    assert logs.describe_resource_policies()["resourcePolicies"] == []


def test_invalid_principal_value_is_refused(world) -> None:
    """The recorded refusal is a service name under "AWS" (issue 13 #16); account ids and
    ARNs are accepted (tests/test_world_recorded.py)."""
    logs = world.client("logs")
    with pytest.raises(ClientError) as info:
        logs.put_resource_policy(
            policyName="p",
            policyDocument=policy(principal={"AWS": "delivery.logs.amazonaws.com"}),
        )
    assert error(info) == ("InvalidParameterException", "Could not convert to persistable policy")


def test_size_limits_per_profile() -> None:
    padded = policy(
        resource=[f"arn:aws:logs:us-east-1:123456789012:log-group:g{i:04d}:*" for i in range(120)]
    )
    assert 5120 < len(padded) < 51_200
    with labkit.offline(profile="classic") as w:
        with pytest.raises(ClientError) as info:
            w.client("logs").put_resource_policy(policyName="big", policyDocument=padded)
        code, message = error(info)
        assert code == "InvalidParameterException" and "5120" in message
        assert w.client("logs").describe_resource_policies()["resourcePolicies"] == []
    with labkit.offline(profile="current") as w:
        w.client("logs").put_resource_policy(policyName="big", policyDocument=padded)
        too_big = policy(resource=["x" * 60_000])
        with pytest.raises(ClientError) as info:
            w.client("logs").put_resource_policy(policyName="bigger", policyDocument=too_big)
        assert "51200" in error(info)[1]


def test_eleventh_account_policy_is_refused(world) -> None:
    logs = world.client("logs")
    for i in range(10):
        logs.put_resource_policy(policyName=f"p{i}", policyDocument=policy())
    logs.put_resource_policy(policyName="p3", policyDocument=policy("arn:x"))  # update is fine
    with pytest.raises(ClientError) as info:
        logs.put_resource_policy(policyName="p10", policyDocument=policy())
    assert error(info) == ("LimitExceededException", "Resource limit exceeded.")
    assert len(logs.describe_resource_policies()["resourcePolicies"]) == 10


def test_current_profile_log_group_policy_shape() -> None:
    with labkit.offline(profile="current") as w:
        logs = w.client("logs")
        logs.create_log_group(logGroupName="g")
        arn = f"arn:aws:logs:us-east-1:{w.account_id}:log-group:g"
        out = logs.put_resource_policy(policyName="gp", policyDocument=policy(), resourceArn=arn)
        assert out["resourcePolicy"]["policyScope"] == "RESOURCE"
        assert out["resourcePolicy"]["resourceArn"] == arn
        assert out["revisionId"] == out["resourcePolicy"]["revisionId"]
        assert logs.describe_resource_policies()["resourcePolicies"] == []  # ACCOUNT by default
        scoped = logs.describe_resource_policies(policyScope="RESOURCE", resourceArn=arn)
        assert [p["policyName"] for p in scoped["resourcePolicies"]] == ["gp"]
        with pytest.raises(ClientError) as info:
            logs.put_resource_policy(
                policyName="x", policyDocument=policy(), resourceArn=arn.replace(":g", ":missing")
            )
        assert error(info)[0] == "ResourceNotFoundException"


# -- set-up acting as the role ------------------------------------------------------


def role_with(world, name: str, document: dict | None) -> str:
    iam = world.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(article.TRUST_POLICY))[
        "Role"
    ]["Arn"]
    if document is not None:
        iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(document))
    return arn


def allow(*actions: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
    }


def setup(world, group: str, role_arn: str) -> None:
    world.set_up_delivery(world.region, world.account_id, group, role_arn)


def test_setup_creates_then_appends_the_documented_statement(world) -> None:
    logs = world.client("logs")
    role = role_with(world, "r", article.ROLE_POLICY)
    for group in ("a", "b"):
        logs.create_log_group(logGroupName=group)
        setup(world, group, role)
    doc = json.loads(article.resource_policy(logs))
    [statement] = doc["Statement"]
    assert statement["Sid"] == "AWSLogDeliveryWrite20150319"
    assert statement["Principal"] == {"Service": ["delivery.logs.amazonaws.com"]}
    assert statement["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]
    assert statement["Resource"] == [
        f"arn:aws:logs:us-east-1:{world.account_id}:log-group:{g}:log-stream:*" for g in ("a", "b")
    ]
    assert statement["Condition"]["ArnLike"] == {
        "aws:SourceArn": [f"arn:aws:logs:us-east-1:{world.account_id}:*"]
    }
    streams = logs.describe_log_streams(logGroupName="a")["logStreams"]
    assert [s["logStreamName"] for s in streams] == [log_setup.VALIDATION_STREAM]


def test_only_create_log_delivery_needed_once_covered(world) -> None:
    logs = world.client("logs")
    logs.create_log_group(logGroupName="a")
    setup(world, "a", role_with(world, "full", article.ROLE_POLICY))
    before = article.resource_policy(logs)
    setup(world, "a", role_with(world, "small", allow("logs:CreateLogDelivery")))
    assert article.resource_policy(logs) == before


@pytest.mark.parametrize(
    "document",
    [
        None,
        allow("logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"),
        allow("logs:CreateLogDelivery"),
    ],
)
def test_role_without_permissions_is_denied_and_nothing_changes(world, document) -> None:
    logs = world.client("logs")
    logs.create_log_group(logGroupName="a")
    with pytest.raises(labkit.LabkitError) as info:
        setup(world, "a", role_with(world, "r", document))
    assert info.value.code == "AccessDeniedException"
    assert info.value.message == log_setup.ACCESS_DENIED
    assert logs.describe_resource_policies()["resourcePolicies"] == []
    assert logs.describe_log_streams(logGroupName="a")["logStreams"] == []


def test_boundary_without_logs_denies(world) -> None:
    iam = world.client("iam")
    role = role_with(world, "r", article.ROLE_POLICY)
    boundary = iam.create_policy(PolicyName="b", PolicyDocument=json.dumps(allow("s3:*")))[
        "Policy"
    ]["Arn"]
    iam.put_role_permissions_boundary(RoleName="r", PermissionsBoundary=boundary)
    world.client("logs").create_log_group(logGroupName="a")
    with pytest.raises(labkit.LabkitError) as info:
        setup(world, "a", role)
    assert info.value.code == "AccessDeniedException"


def test_classic_vended_wildcard_near_the_limit_then_size_message() -> None:
    with labkit.offline(vended_threshold=1500) as world:
        logs = world.client("logs")
        role = role_with(world, "r", article.ROLE_POLICY)

        def add(name: str) -> None:
            logs.create_log_group(logGroupName=name)
            setup(world, name, role)

        add("/aws/vendedlogs/states/early")  # far from the limit: its own entry
        assert "log-group:/aws/vendedlogs/states/early:log-stream:*" in article.resource_policy(
            logs
        )
        i = 0
        while len(article.resource_policy(logs)) <= 1500:
            add(f"/app/group-number-{i:03d}")
            i += 1
        add("/aws/vendedlogs/states/x")  # approaching the limit: the wildcard instead
        doc = article.resource_policy(logs)
        wildcard = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:/aws/vendedlogs/*"
        assert wildcard in doc and "states/x:log-stream" not in doc
        add("/aws/vendedlogs/states/y")  # covered by the wildcard: unchanged
        assert article.resource_policy(logs) == doc
        with pytest.raises(labkit.LabkitError) as info:
            for j in range(100):
                add(f"/app/more-{j:03d}")
        assert info.value.code == "InvalidLoggingConfiguration"
        assert info.value.message == log_setup.SIZE_EXCEEDED
        assert len(article.resource_policy(logs)) <= 5120


def test_current_profile_creates_a_log_group_policy() -> None:
    with labkit.offline(profile="current") as world:
        logs = world.client("logs")
        logs.create_log_group(logGroupName="a")
        setup(world, "a", role_with(world, "r", article.ROLE_POLICY))
        assert logs.describe_resource_policies()["resourcePolicies"] == []
        arn = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:a"
        [p] = logs.describe_resource_policies(policyScope="RESOURCE", resourceArn=arn)[
            "resourcePolicies"
        ]
        assert p["policyScope"] == "RESOURCE" and "log-group:a:log-stream:*" in p["policyDocument"]


def test_current_profile_honours_an_account_wildcard() -> None:
    with labkit.offline(profile="current") as world:
        logs = world.client("logs")
        wildcard = f"arn:aws:logs:us-east-1:{world.account_id}:log-group:/aws/vendedlogs/*"
        logs.put_resource_policy(
            policyName="AWSLogDeliveryWrite20150319", policyDocument=policy(wildcard)
        )
        logs.create_log_group(logGroupName="/aws/vendedlogs/states/z")
        setup(world, "/aws/vendedlogs/states/z", role_with(world, "r", article.ROLE_POLICY))
        assert logs.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"] == []
