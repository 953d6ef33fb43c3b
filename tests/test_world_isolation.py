"""Two worlds at once share nothing; a closed world leaves nothing in moto; time is virtual."""

from __future__ import annotations

import pytest
from moto.backends import get_backend
from moto.core.utils import utcnow

import labkit
from labkit.world.moto_store import SERVICES


def test_two_worlds_same_account_disjoint_state() -> None:
    with labkit.offline(seed=1) as a, labkit.offline(seed=2) as b:
        assert a.account_id == b.account_id
        a.client("logs").create_log_group(logGroupName="only-in-a")
        b.client("iam").create_role(RoleName="only-in-b", AssumeRolePolicyDocument="{}")
        a.client("logs").put_resource_policy(
            policyName="pa",
            policyDocument='{"Statement":[{"Effect":"Allow","Principal":{"Service":"x.amazonaws.com"},'
            '"Action":"logs:PutLogEvents","Resource":"*"}]}',
        )
        assert [g["logGroupName"] for g in a.client("logs").describe_log_groups()["logGroups"]] == [
            "only-in-a"
        ]
        assert b.client("logs").describe_log_groups()["logGroups"] == []
        assert [r["RoleName"] for r in b.client("iam").list_roles()["Roles"]] == ["only-in-b"]
        assert a.client("iam").list_roles()["Roles"] == []
        assert b.client("logs").describe_resource_policies()["resourcePolicies"] == []
    for service in SERVICES:
        backend_dict = get_backend(service)
        assert not a.moto.holds(backend_dict) and not b.moto.holds(backend_dict)


def test_nothing_left_patched_after_exit() -> None:
    """Leaving the block restores moto's globals exactly, whatever other code had put there."""
    import moto.logs.models as logs_models

    before = {service: dict(get_backend(service)) for service in SERVICES}
    with labkit.offline() as world:
        world.client("logs").create_log_group(logGroupName="g")
        world.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    assert logs_models.utcnow is utcnow
    for service in SERVICES:
        after = dict(get_backend(service))
        assert after.keys() == before[service].keys()
        assert all(after[k] is before[service][k] for k in after)
    # Another test's mock_aws may have used the same account id: it must not see this world's group.
    global_logs = dict.get(dict(get_backend("logs")), world.account_id) or {}
    regional = dict.get(global_logs, world.region)
    assert regional is None or "g" not in regional.groups


def test_moto_timestamps_come_from_the_virtual_clock() -> None:
    with labkit.offline(seed=5) as world:
        logs = world.client("logs")
        logs.create_log_group(logGroupName="g")
        [group] = logs.describe_log_groups()["logGroups"]
        assert group["creationTime"] == world.clock.now_ms()
        role = world.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]
        assert role["CreateDate"] == world.clock.now()


def test_same_seed_same_identifiers() -> None:
    ids = []
    for _ in range(2):
        with labkit.offline(seed=9) as world:
            ids.append(
                world.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")[
                    "Role"
                ]["RoleId"]
            )
    assert ids[0] == ids[1]


def test_closed_world_refuses_calls() -> None:
    world = labkit.offline()
    logs = world.client("logs")
    world.close()
    try:
        logs.describe_log_groups()
    except labkit.LabkitError as exc:
        assert "closed" in exc.message
    else:
        raise AssertionError("a closed world answered")


def test_managed_policy_attaches_by_arn() -> None:
    with labkit.offline() as world:
        iam = world.client("iam")
        iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
        iam.attach_role_policy(
            RoleName="r", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        )
        attached = iam.list_attached_role_policies(RoleName="r")["AttachedPolicies"]
        assert attached == [
            {
                "PolicyName": "AdministratorAccess",
                "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess",
            }
        ]
        assert world.client("sts").get_caller_identity()["Account"] == world.account_id


def test_connect_picks_offline_by_default(monkeypatch) -> None:
    monkeypatch.delenv("LABKIT_MODE", raising=False)
    with labkit.connect(seed=3) as world:
        assert world.mode == "offline" and world.seed == 3
    monkeypatch.setenv("LABKIT_MODE", "elsewhere")
    try:
        labkit.connect()
    except labkit.LabkitError as exc:
        assert "LABKIT_MODE" in exc.message
    else:
        raise AssertionError("an unknown mode was accepted")


def test_offline_clients_ignore_a_configured_endpoint(monkeypatch) -> None:
    """AWS_ENDPOINT_URL points real-mode clients at, say, a moto server; offline ones stay offline."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    with labkit.offline() as world:
        iam = world.client("iam")
        iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
        assert [r["RoleName"] for r in iam.list_roles()["Roles"]] == ["r"]
        assert world.client("logs").describe_log_groups()["logGroups"] == []


def test_offline_clients_refuse_an_explicit_endpoint() -> None:
    with labkit.offline() as world, pytest.raises(labkit.LabkitError, match="endpoint_url"):
        world.client("logs", endpoint_url="http://127.0.0.1:9")


def test_offline_clients_accept_aws_own_endpoint() -> None:
    with labkit.offline() as world:
        logs = world.client("logs", endpoint_url="https://logs.us-east-1.amazonaws.com")
        assert logs.describe_log_groups()["logGroups"] == []


_MANAGED_TEXT_CHECK = r"""
import os, sys
import labkit
from labkit.world import moto_store  # noqa: F401  (drops moto's managed-policy text)
import moto.iam.models as iam_models

assert iam_models.aws_managed_policies_data == "", "text still held"
assert "moto.iam.aws_managed_policies" not in sys.modules
with labkit.offline() as world:  # the world's own vendored AdministratorAccess
    iam = world.client("iam")
    arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    assert iam.get_policy(PolicyArn=arn)["Policy"]["PolicyName"] == "AdministratorAccess"
# moto asked for every AWS managed policy afterwards (a moto server in this process) gets them
os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
import boto3
from moto import mock_aws
with mock_aws():
    client = boto3.client("iam", region_name="us-east-1")
    listed = client.list_policies(Scope="AWS", MaxItems=1000)
    assert len(listed["Policies"]) == 1000 and listed["IsTruncated"]  # 1,500+ of them
    got = client.get_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")["Policy"]
    assert got["PolicyName"] == "ReadOnlyAccess"
print("ok")
"""


def test_moto_managed_policy_text_is_dropped_and_loaded_again_when_moto_wants_it() -> None:
    """5 MB no offline world reads is let go (labkit.world.moto_trim), without breaking moto."""
    import subprocess
    import sys

    env = {
        k: v for k, v in __import__("os").environ.items() if k != "MOTO_IAM_LOAD_MANAGED_POLICIES"
    }
    done = subprocess.run(
        [sys.executable, "-c", _MANAGED_TEXT_CHECK], capture_output=True, text=True, env=env,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
