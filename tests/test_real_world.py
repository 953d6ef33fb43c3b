"""labkit.aws() against a moto server on loopback: the real-mode code path, without the internet.

The server stands in for a shared AWS account that already holds other people's things:
an account-level ``AWSLogDeliveryWrite20150319`` covering another team's log group, a
Route 53 query-logging policy, another role, log group and state machine. moto's logs
backend never delivers Step Functions logs and ignores ``policyScope``/``resourceArn``
(moto 5.2.5), so Step Functions' own change to the resource policy is played by a plain
admin client, as AWS would make it [DOC] CloudWatch Logs User Guide.
"""

from __future__ import annotations

import json
import logging
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

from labkit import ledger as ledger_mod
from labkit.safety import SafetyError
from labkit.world import real

ACCOUNT, REGION = "123456789012", "us-east-1"
SECRET = "fakeSecretKeyThatMustNeverBePrinted42"
OTHER_GROUP = "/aws/vendedlogs/states/Other-Team-Logs"
# Odd spacing and key order on purpose: restoring must give back these exact bytes.
SHARED = (
    '{\n    "Version": "2012-10-17",\n    "Statement": [ {"Sid":"AWSLogDeliveryWrite", "Effect":"Allow",'
    '"Principal":{"Service":"delivery.logs.amazonaws.com"},"Action":["logs:CreateLogStream","logs:PutLogEvents"],'
    f'"Resource":["arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{OTHER_GROUP}:log-stream:*"]}} ]\n}}'
)
ROUTE53 = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Route53LogsToCloudWatchLogs",
                "Effect": "Allow",
                "Principal": {"Service": ["route53.amazonaws.com"]},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/route53/*",
            }
        ],
    },
    indent=1,
)
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)
SETUP_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                "Resource": "*",
            }
        ],
    }
)
ADMIN = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)
PASS = json.dumps(
    {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": True}, "End": True}}}
)


@pytest.fixture(scope="module")
def server():
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    srv = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    srv.start()
    host, port = srv.get_host_and_port()
    yield f"http://{host}:{port}"
    srv.stop()


def _post(url: str, body: dict | None = None) -> None:
    data = json.dumps(body or {}).encode()
    urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST")).read()


@pytest.fixture
def account(server, monkeypatch, tmp_path):
    """A fresh 'shared account' on the server, with other people's resources in it."""
    _post(f"{server}/moto-api/reset")
    _post(f"{server}/moto-api/config", {"stepfunctions": {"execute_state_machine": True}})
    for key, value in {
        "AWS_ENDPOINT_URL": server,
        "AWS_ACCESS_KEY_ID": "AKIDLABKITTEST",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_MAX_ATTEMPTS": "1",
        "LABKIT_LEDGER_DIR": str(tmp_path / "ledger"),
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(key, raising=False)
    admin = boto3.Session(region_name=REGION)
    logs, iam, sfn = admin.client("logs"), admin.client("iam"), admin.client("stepfunctions")
    logs.put_resource_policy(policyName="AWSLogDeliveryWrite20150319", policyDocument=SHARED)
    logs.put_resource_policy(policyName="Route53QueryLogs", policyDocument=ROUTE53)
    logs.create_log_group(logGroupName=OTHER_GROUP)
    role = iam.create_role(RoleName="OtherTeamRole", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    # moto loads no AWS managed policies by default (loading them costs seconds per reset):
    # a customer-managed stand-in for AdministratorAccess, owned by someone else.
    iam.create_policy(PolicyName="TeamAdministratorAccess", PolicyDocument=ADMIN)
    sfn.create_state_machine(name="OtherTeamMachine", definition=PASS, roleArn=role)
    return admin


def inventory(admin) -> dict:
    """Everything in the account that the lab could have touched."""
    logs, iam, sfn = admin.client("logs"), admin.client("iam"), admin.client("stepfunctions")
    roles = {}
    for r in iam.list_roles()["Roles"]:
        name = r["RoleName"]
        roles[name] = (
            sorted(
                p["PolicyArn"]
                for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
            ),
            sorted(iam.list_role_policies(RoleName=name)["PolicyNames"]),
        )
    return {
        "policies": {
            p["policyName"]: p["policyDocument"]
            for p in logs.describe_resource_policies()["resourcePolicies"]
        },
        "groups": sorted(g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]),
        "roles": roles,
        "machines": sorted(m["name"] for m in sfn.list_state_machines()["stateMachines"]),
        "customer_policies": sorted(
            p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]
        ),
    }


def open_world(**kw):
    kw.setdefault("poll_interval", 0.02)
    kw.setdefault("quiet_seconds", 0.1)
    kw.setdefault("restore_backoff", 0.0)
    kw.setdefault("progress", False)
    kw.setdefault("out", lambda line: None)
    return real.aws(**kw)


def aws_appends_lab_entry(admin, world, group: str) -> None:
    """What CloudWatch Logs does at CreateStateMachine: append the group to the shared policy [DOC]."""
    logs = admin.client("logs")
    current = next(
        p
        for p in logs.describe_resource_policies()["resourcePolicies"]
        if p["policyName"] == "AWSLogDeliveryWrite20150319"
    )
    doc = json.loads(current["policyDocument"])
    doc["Statement"][0]["Resource"].append(
        f"arn:aws:logs:{REGION}:{world.account_id}:log-group:{group}:log-stream:*"
    )
    logs.put_resource_policy(
        policyName="AWSLogDeliveryWrite20150319", policyDocument=json.dumps(doc)
    )


def run_lab(
    world, admin, *, fail_in: str | None = None, error: BaseException | None = None
) -> dict:
    """The article's three phases with plain boto3 on the world's clients."""
    iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
    role = world.name("StepFunctions-LookingIntoLogging-role")
    group = world.name("/aws/vendedlogs/states/LookingIntoLogging-Logs")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=role, PolicyName="log-delivery", PolicyDocument=SETUP_POLICY)
    logs.create_log_group(logGroupName=group)
    group_arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
    machine = sfn.create_state_machine(
        name=world.name("LookingIntoLogging"),
        definition=PASS,
        roleArn=role_arn,
        loggingConfiguration={
            "level": "ALL",
            "includeExecutionData": True,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": group_arn}}],
        },
    )["stateMachineArn"]
    aws_appends_lab_entry(admin, world, group)
    sfn.start_execution(stateMachineArn=machine, name="phase-1")
    if fail_in == "phase 2":
        raise error
    real.remove_lab_statement(world, group)
    iam.attach_role_policy(
        RoleName=role, PolicyArn=f"arn:aws:iam::{ACCOUNT}:policy/TeamAdministratorAccess"
    )
    sfn.start_execution(stateMachineArn=machine, name="phase-2")
    if fail_in == "phase 3":
        raise error
    real.restore_lab_statement(world, group)
    sfn.start_execution(stateMachineArn=machine, name="phase-3")
    world.settle(timeout=10)
    return {"machine": machine, "group": group, "role": role}


def events(world) -> list[str]:
    return [e["event"] for e in world.ledger.entries()]


# ---------------------------------------------------------------- endpoint and identity


def test_clients_use_aws_endpoint_url_from_botocore(account, server):
    with open_world() as world:
        logs = world.client("logs")
        assert logs.meta.endpoint_url == server
        logs.create_log_group(logGroupName=world.name("/aws/vendedlogs/states/x"))
        seen = [
            g["logGroupName"] for g in account.client("logs").describe_log_groups()["logGroups"]
        ]
        assert "/aws/vendedlogs/states/labkit-x" in seen  # it went to the moto server
        assert world.mode == "aws" and world.account_id == ACCOUNT and world.region == REGION
        assert world.profile == "current"  # AWS's behaviour today, as offline profiles name it
        assert logs.labkit_name("/aws/vendedlogs/states/x") == "/aws/vendedlogs/states/labkit-x"


# ---------------------------------------------------------------- the full lab and clean-up


def test_full_lab_leaves_nothing_and_gives_untouched_policies_their_bytes_back(account):
    before = inventory(account)
    with open_world() as world:
        names = run_lab(world, account)
        during = inventory(account)
        assert names["group"] in during["groups"] and names["role"] in during["roles"]
        rows = world.deliveries()
        assert (
            len(rows) == 12
        )  # three runs of ExecutionStarted, PassStateEntered/Exited, ExecutionSucceeded
        assert set(rows["status"]) == {"dropped"}  # moto delivers nothing
        assert rows["decision"].isna().all()
    after = inventory(account)
    assert after == before
    assert after["policies"]["AWSLogDeliveryWrite20150319"] == SHARED
    assert after["policies"]["Route53QueryLogs"] == ROUTE53
    entries = ledger_mod.read(world.ledger.path)
    assert entries[-1]["event"] == "cleanup-finished" and entries[-1]["leftovers"] == []
    text = world.ledger.explain()
    group = names["group"]
    assert f"about to create logs:lab-entries:{group}" in text  # written before the create
    assert (
        f"removed the lab's entries for {group} in resource policy AWSLogDeliveryWrite20150319"
        in text
    )
    assert (
        f"put back the lab's entries for {group} in resource policy AWSLogDeliveryWrite20150319"
        in text
    )
    assert (
        "about to create iam:role:labkit-StepFunctions-LookingIntoLogging-role (CreateRole)" in text
    )
    assert "deleted iam:role:labkit-StepFunctions-LookingIntoLogging-role" in text
    assert "deleted iam:policy:arn:aws:iam::123456789012:policy/labkit-boundary-" in text


def test_cleanup_is_idempotent_and_reverse_ordered(account):
    world = open_world()
    run_lab(world, account)
    first = world.cleanup()
    n = len(world.ledger.entries())
    assert first == [] and world.cleanup() == []
    assert len(world.ledger.entries()) == n  # nothing left to do, nothing recorded
    deleted = [
        e["key"]
        for e in world.ledger.entries()
        if e["event"] == "deleted" and e["operation"] != "DeleteResourcePolicy"
    ]
    kinds = [k.split(":")[1] for k in deleted]
    # latest first: executions, the machine, then the log group, then the role's policies, the role
    assert kinds.index("state-machine") < kinds.index("log-group") < kinds.index("role")
    assert kinds.index("attached-policy") < kinds.index("role")
    world.close()


def test_created_resources_carry_prefix_and_tags(account):
    with open_world() as world:
        names = run_lab(world, account)
        iam, logs, sfn = (
            account.client("iam"),
            account.client("logs"),
            account.client("stepfunctions"),
        )
        role_tags = {
            t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=names["role"])["Tags"]
        }
        group_tags = logs.list_tags_log_group(logGroupName=names["group"])["tags"]
        machine_tags = {
            t["key"]: t["value"]
            for t in sfn.list_tags_for_resource(resourceArn=names["machine"])["tags"]
        }
        for tags in (role_tags, group_tags, machine_tags):
            assert tags["labkit:lab"] == "true" and tags["labkit:run"] == world.run_id
        created = [e["id"] for e in world.ledger.entries() if e["event"] == "created"]
        assert created and all("labkit-" in c for c in created)


# ---------------------------------------------------------------- fault injection


@pytest.mark.parametrize("fail_in", ["phase 2", "phase 3"])
def test_exception_mid_phase_cleans_up(account, fail_in):
    before = inventory(account)
    with pytest.raises(RuntimeError, match="boom"), open_world() as world:
        run_lab(world, account, fail_in=fail_in, error=RuntimeError("boom"))
    assert inventory(account) == before
    entries = world.ledger.entries()
    errors = [e for e in entries if e["event"] == "error"]
    assert errors and "boom" in errors[0]["error"]
    assert entries[-1]["event"] == "cleanup-finished" and entries[-1]["leftovers"] == []


def test_keyboard_interrupt_mid_phase_cleans_up(account):
    before = inventory(account)
    world = open_world()
    with pytest.raises(KeyboardInterrupt), world.phase("phase 2"):
        run_lab(world, account, fail_in="phase 2", error=KeyboardInterrupt())
    assert inventory(account) == before
    assert [e for e in world.ledger.entries() if e["event"] == "error"][0]["where"] == "phase 2"
    assert "the lab was interrupted in phase 2: KeyboardInterrupt" in world.ledger.explain()
    world.close()


def _fail_puts(world, times: int):
    """Make the next ``times`` PutResourcePolicy calls of the lab fail, as a throttled API would."""
    calls = {"n": 0}

    def handler(model, **_):
        if model.name == "PutResourcePolicy" and calls["n"] < times:
            calls["n"] += 1
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                "PutResourcePolicy",
            )

    world.raw("logs").meta.events.register("before-call", handler)
    return calls


def test_a_failed_edit_of_the_shared_policy_is_retried(account):
    world = open_world(restore_attempts=3)
    run_lab(world, account)
    calls = _fail_puts(world, times=1)
    assert world.cleanup() == []
    assert calls["n"] == 1
    edits = [
        e
        for e in world.ledger.entries()
        if e["event"] == "entries-edited" and e["policy"] == "AWSLogDeliveryWrite20150319"
    ]
    assert edits[-1]["attempts"] == 2 and "ThrottlingException" in edits[-1]["errors"][0]
    assert inventory(account)["policies"]["AWSLogDeliveryWrite20150319"] == SHARED
    world.close()


def test_an_edit_that_keeps_failing_gives_a_remedy_that_removes_only_the_lab_entry(account):
    world = open_world(restore_attempts=2)
    names = run_lab(world, account)
    _fail_puts(world, times=4)
    leftovers = world.cleanup()
    key = ledger_mod.entries_key(names["group"])
    assert leftovers == [key]
    failed = [e for e in world.ledger.entries() if e["event"] == "edit-failed"][0]
    assert failed["policy"] == "AWSLogDeliveryWrite20150319"
    assert "remove_by_hand" in failed["how"] and names["group"] in failed["how"]
    assert SHARED not in failed["how"]  # never "put this copy back"
    assert "remove only the lab's entry by hand" in world.ledger.explain()
    assert world.cleanup() == []  # the next clean-up (handler exhausted) finishes the job
    assert inventory(account)["policies"]["AWSLogDeliveryWrite20150319"] == SHARED
    world.close()


def test_the_remedy_command_removes_only_the_lab_entry(account):
    from labkit.world import policy_entries

    logs = account.client("logs")
    lab = "/aws/vendedlogs/states/labkit-x"
    doc = json.loads(SHARED)
    doc["Statement"][0]["Resource"].append(
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{lab}:log-stream:*"
    )
    logs.put_resource_policy(
        policyName="AWSLogDeliveryWrite20150319", policyDocument=json.dumps(doc)
    )
    command = policy_entries.remedy(REGION, "AWSLogDeliveryWrite20150319", [lab])
    assert command.startswith("python -c ")
    policy_entries.remove_by_hand("AWSLogDeliveryWrite20150319", [lab], region=REGION)
    now = json.loads(inventory(account)["policies"]["AWSLogDeliveryWrite20150319"])
    assert now["Statement"][0]["Resource"] == [
        f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{OTHER_GROUP}:log-stream:*"
    ]


def test_resume_cleanup_from_ledger_file(account):
    before = inventory(account)
    world = open_world()
    with pytest.raises(RuntimeError):
        run_lab(world, account, fail_in="phase 3", error=RuntimeError("kernel died"))
    world._closed = True  # as if the process died: no close(), no atexit
    import atexit

    atexit.unregister(world._atexit)
    assert inventory(account) != before
    assert real.resume_cleanup(str(world.ledger.path), out=lambda line: None) == []
    assert inventory(account) == before


# ---------------------------------------------------------------- guards


def test_deleting_a_policy_covering_other_log_groups_keeps_it(account):
    printed = []
    with open_world(out=printed.append) as world:
        answer = world.client("logs").delete_resource_policy(
            policyName="AWSLogDeliveryWrite20150319"
        )
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert inventory(account)["policies"]["AWSLogDeliveryWrite20150319"] == SHARED
        assert not any(e["event"] == "refused" for e in world.ledger.entries())
    notice = [line for line in printed if "is shared with" in line]
    assert notice == [
        "labkit: AWSLogDeliveryWrite20150319 is shared with 1 other log group or entry "
        f"({OTHER_GROUP}): it has no entry of the lab's, so it is left unchanged; "
        "nothing else in it is changed"
    ]
    assert notice[0].removeprefix("labkit: ") in world.ledger.explain()


def test_deleting_a_policy_that_does_not_exist_is_aws_s_own_error(account):
    with open_world() as world, pytest.raises(ClientError) as info:
        world.client("logs").delete_resource_policy(policyName="NoSuchPolicy")
    assert info.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_refuses_to_overwrite_a_policy_dropping_other_log_groups(account):
    lab_only = json.dumps({"Version": "2012-10-17", "Statement": []})
    with open_world() as world, pytest.raises(SafetyError, match="the change is not the lab's"):
        world.client("logs").put_resource_policy(
            policyName="AWSLogDeliveryWrite20150319", policyDocument=lab_only
        )
    assert inventory(account)["policies"]["AWSLogDeliveryWrite20150319"] == SHARED


@pytest.mark.parametrize(
    ("service", "call", "kwargs"),
    [
        (
            "stepfunctions",
            "delete_state_machine",
            {"stateMachineArn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:OtherTeamMachine"},
        ),
        ("iam", "create_user", {"UserName": "labkit-someone"}),
        (
            "logs",
            "put_resource_policy",
            {
                "policyName": "x",
                "policyDocument": ROUTE53,
                "resourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{OTHER_GROUP}",
            },
        ),
    ],
)
def test_refuses_writes_outside_the_lab(account, service, call, kwargs):
    before = inventory(account)
    with open_world() as world, pytest.raises(SafetyError, match="refusing|does not send"):
        getattr(world.client(service), call)(**kwargs)
    assert inventory(account) == before


@pytest.mark.parametrize(
    ("service", "call", "kwargs"),
    [
        (
            "iam",
            "attach_role_policy",
            {
                "RoleName": "OtherTeamRole",
                "PolicyArn": f"arn:aws:iam::{ACCOUNT}:policy/TeamAdministratorAccess",
            },
        ),
        ("logs", "delete_log_group", {"logGroupName": OTHER_GROUP}),
    ],
)
def test_writes_by_name_address_the_lab_namespace_and_need_ownership(
    account, service, call, kwargs
):
    """Another team's name, written to, is read as the lab's; the lab did not create that
    name in this run, so the guard refuses before anything is sent."""
    before = inventory(account)
    with open_world() as world, pytest.raises(SafetyError, match="did not create it"):
        getattr(world.client(service), call)(**kwargs)
    name = next(iter(kwargs.values()))
    lab = name.replace("OtherTeamRole", "labkit-OtherTeamRole").replace("Other-", "labkit-Other-")
    assert f"{name} is {lab} in this account" in world.ledger.explain()
    assert inventory(account) == before


def test_a_lab_name_this_run_did_not_create_is_not_the_lab_s(account):
    """Names are not ownership: another run's (or a team's) labkit-* resources are refused."""
    admin = account.client("logs")
    admin.create_log_group(logGroupName="/aws/vendedlogs/states/labkit-from-another-run")
    before = inventory(account)
    with open_world() as world:
        with pytest.raises(SafetyError, match="did not create it"):
            world.client("logs").delete_log_group(
                logGroupName="/aws/vendedlogs/states/labkit-from-another-run"
            )
        with pytest.raises(SafetyError, match="not created by this run"):
            world.client("stepfunctions").create_state_machine(
                name="m", definition=PASS, roleArn=f"arn:aws:iam::{ACCOUNT}:role/OtherTeamRole"
            )
    assert inventory(account) == before


def test_a_create_by_a_plain_name_lands_in_the_lab_namespace(account):
    before = inventory(account)
    printed = []
    with open_world(out=printed.append) as world:
        logs = world.client("logs")
        logs.create_log_group(logGroupName="/aws/vendedlogs/states/NoPrefix")
        lab = "/aws/vendedlogs/states/labkit-NoPrefix"
        assert lab in inventory(account)["groups"]
        assert "/aws/vendedlogs/states/NoPrefix" not in inventory(account)["groups"]
        # a read of the name the lab created sees the lab's group; other names are as they are
        listed = logs.describe_log_groups(logGroupNamePrefix="/aws/vendedlogs/states/NoPrefix")
        assert [g["logGroupName"] for g in listed["logGroups"]] == [lab]
        others = logs.describe_log_groups(logGroupNamePrefix=OTHER_GROUP)["logGroups"]
        assert [g["logGroupName"] for g in others] == [OTHER_GROUP]
    assert (
        printed.count(
            f"labkit: /aws/vendedlogs/states/NoPrefix is {lab} in this account (the lab's namespace)"
        )
        == 1
    )
    assert inventory(account) == before


def test_phase_two_refuses_when_a_wildcard_covers_other_groups(account):
    wildcard = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/*",
                }
            ],
        }
    )
    account.client("logs").put_resource_policy(
        policyName="AWSLogDeliveryWrite20150319", policyDocument=wildcard
    )
    with open_world() as world:
        group = world.name("/aws/vendedlogs/states/LookingIntoLogging-Logs")
        world.client("logs").create_log_group(logGroupName=group)
        with pytest.raises(SafetyError, match="also covers other log groups"):
            real.remove_lab_statement(world, group)
    assert inventory(account)["policies"]["AWSLogDeliveryWrite20150319"] == wildcard


def test_phase_two_removes_only_the_lab_entry(account):
    with open_world() as world:
        group = world.name("/aws/vendedlogs/states/LookingIntoLogging-Logs")
        logs = world.client("logs")
        logs.create_log_group(logGroupName=group)
        arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
        role = world.client("iam").create_role(
            RoleName=world.name("r"), AssumeRolePolicyDocument=TRUST
        )["Role"]["Arn"]
        world.client("stepfunctions").create_state_machine(
            name=world.name("m"),
            definition=PASS,
            roleArn=role,
            loggingConfiguration={
                "level": "ALL",
                "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": arn}}],
            },
        )
        aws_appends_lab_entry(account, world, group)  # Step Functions' set-up, done by AWS
        changes = real.remove_lab_statement(world, group)
        now = inventory(account)["policies"]
        assert [c["name"] for c in changes] == ["AWSLogDeliveryWrite20150319"]
        remaining = json.loads(now["AWSLogDeliveryWrite20150319"])["Statement"][0]["Resource"]
        assert remaining == [
            f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{OTHER_GROUP}:log-stream:*"
        ]
        assert now["Route53QueryLogs"] == ROUTE53
    assert inventory(account)["policies"]["AWSLogDeliveryWrite20150319"] == SHARED


# ---------------------------------------------------------------- refusing to start


def test_refuses_to_start_without_credentials(account, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(SafetyError, match="no AWS credentials"):
        open_world()


def test_refuses_to_start_with_ten_account_policies(account):
    logs = account.client("logs")
    for i in range(8):  # the two shared ones + 8 = 10
        logs.put_resource_policy(policyName=f"team-{i}", policyDocument=ROUTE53)
    with pytest.raises(SafetyError, match="already has 10 account-level"):
        open_world()


def test_refuses_to_start_when_policies_cannot_be_read(account, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", "http://127.0.0.1:9")  # nothing listens
    with pytest.raises(SafetyError, match="cannot read CloudWatch Logs resource policies"):
        open_world()


def test_refuses_to_start_when_policies_cannot_be_restored(account, monkeypatch):
    opened = real._open_session

    def denying(profile, region):
        session, acct, reg = opened(profile, region)

        def deny(model, **_):
            if model.name == "PutResourcePolicy":
                raise ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}},
                    "PutResourcePolicy",
                )

        session.events.register("before-call.cloudwatch-logs", deny)
        return session, acct, reg

    monkeypatch.setattr(real, "_open_session", denying)
    before = inventory(account)
    with pytest.raises(SafetyError, match="could not undo"):
        open_world()
    assert inventory(account) == before


# ---------------------------------------------------------------- secrets, cost, deliveries


def test_credentials_are_never_printed(account, capsys):
    printed = []
    world = open_world(out=printed.append)
    text = "\n".join(printed) + repr(world) + str(world)
    assert "$0.025 per 1,000" in text and "$0.50 per GB" in text  # the cost, up front
    run_lab(world, account)
    world.close()
    captured = capsys.readouterr()
    assert SECRET not in text + captured.out + captured.err
    assert SECRET not in world.ledger.path.read_text()


def test_rejected_credentials_message_has_no_secret(account, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
    with pytest.raises(SafetyError) as info:
        open_world()
    assert SECRET not in str(info.value)


def test_deliveries_matches_history_with_delivered_log_events(account):
    from labkit.world.delivery import log_message

    with open_world() as world:
        names = run_lab(world, account)
        sfn, logs = account.client("stepfunctions"), account.client("logs")
        arn = names["machine"].replace(":stateMachine:", ":execution:") + ":phase-1"
        history = sfn.get_execution_history(executionArn=arn)["events"]
        stream = "states/labkit-LookingIntoLogging/2026-11-28-10-00/0a1b2c3d"
        logs.create_log_stream(logGroupName=names["group"], logStreamName=stream)
        delivered = history[:2]  # as if delivery.logs.amazonaws.com wrote the first two
        logs.put_log_events(
            logGroupName=names["group"],
            logStreamName=stream,
            logEvents=[
                {
                    "timestamp": int(e["timestamp"].timestamp() * 1000),
                    "message": log_message(e, execution_arn=arn, include_execution_data=True),
                }
                for e in delivered
            ],
        )
        rows = world.deliveries()
        mine = rows[rows["execution_arn"] == arn].sort_values("event_id")
        assert list(mine["status"]) == ["delivered", "delivered", "dropped", "dropped"]
        assert list(mine["log_stream"])[:2] == [stream, stream]
        assert (mine["latency_ms"].iloc[:2] >= 0).all() and mine["latency_ms"].isna().sum() == 2
        assert (
            str(rows["delivered_at"].dtype).startswith("datetime64")
            and rows["event_id"].dtype == "int64"
        )
        from labkit.world.offline import DELIVERY_COLUMNS

        assert list(rows.columns) == list(DELIVERY_COLUMNS)


def test_events_not_logged_at_level_error(account):
    with open_world() as world:
        iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
        role = iam.create_role(RoleName=world.name("r"), AssumeRolePolicyDocument=TRUST)["Role"][
            "Arn"
        ]
        group = world.name("/aws/vendedlogs/states/err")
        logs.create_log_group(logGroupName=group)
        arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
        machine = sfn.create_state_machine(
            name=world.name("err"),
            definition=PASS,
            roleArn=role,
            loggingConfiguration={
                "level": "ERROR",
                "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": arn}}],
            },
        )["stateMachineArn"]
        sfn.start_execution(stateMachineArn=machine, name="ok")
        world.settle(timeout=10)
        rows = world.deliveries()
        assert set(rows["status"]) == {"not logged"}
        assert "not logged at level ERROR" in rows["reason"].iloc[0]


def test_dry_run_sends_nothing(account):
    before = inventory(account)
    printed = []
    with real.aws(dry_run=True, out=printed.append, progress=False) as world:
        iam, logs = world.client("iam"), world.client("logs")
        iam.create_role(RoleName=world.name("role"), AssumeRolePolicyDocument=TRUST)
        logs.create_log_group(logGroupName=world.name("/aws/vendedlogs/states/dry"))
    assert inventory(account) == before
    text = "\n".join(printed)
    assert text.startswith("DRY RUN")
    assert "DRY RUN  iam.CreateRole(" in text and "DRY RUN  logs.CreateLogGroup(" in text
    assert "DRY RUN  logs.DeleteLogGroup(" in text  # clean-up's calls are printed too


def test_doctor_reads_a_real_world(account):
    from labkit.doctor import doctor

    with open_world() as world:
        iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
        role = iam.create_role(RoleName=world.name("r"), AssumeRolePolicyDocument=TRUST)["Role"][
            "Arn"
        ]
        group = world.name("/aws/vendedlogs/states/doc")
        logs.create_log_group(logGroupName=group)
        arn = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["arn"]
        machine = sfn.create_state_machine(
            name=world.name("doc"),
            definition=PASS,
            roleArn=role,
            loggingConfiguration={
                "level": "ALL",
                "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": arn}}],
            },
        )["stateMachineArn"]
        assert doctor(world, machine).status == "not-delivered"
        aws_appends_lab_entry(account, world, group)
        assert doctor(world, machine).delivers
        real.remove_lab_statement(world, group)
        assert not doctor(world, machine).delivers
        real.restore_lab_statement(world, group)
        assert doctor(world, machine).delivers
    assert inventory(account)["policies"]["AWSLogDeliveryWrite20150319"] == SHARED


def test_keyboard_interrupt_in_a_notebook_cell_cleans_up(account, monkeypatch):
    import sys
    import types

    class Events:
        def __init__(self):
            self.hooks = []

        def register(self, name, fn):
            self.hooks.append(fn)

        def unregister(self, name, fn):
            self.hooks.remove(fn)

    shell = types.SimpleNamespace(events=Events())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    before = inventory(account)
    world = open_world()
    world.client("logs").create_log_group(logGroupName=world.name("/aws/vendedlogs/states/cell"))
    (hook,) = shell.events.hooks
    hook(types.SimpleNamespace(error_in_exec=ValueError("a typo")))  # ordinary errors: keep going
    assert inventory(account) != before
    hook(types.SimpleNamespace(error_in_exec=KeyboardInterrupt()))
    assert inventory(account) == before
    assert "the lab was interrupted in notebook cell: KeyboardInterrupt" in world.ledger.explain()
    world.close()
    assert shell.events.hooks == []
