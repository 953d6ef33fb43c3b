"""AWS managed policies shipped with labkit, with their versions
(https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from labkit.errors import LabkitError
from labkit.iam import MANAGED_POLICY_NAMES, Request, evaluate, managed_policy

ROLE = "arn:aws:iam::123456789012:role/StepFunctions-LookingIntoLogging-role"


def test_required_policies_are_shipped():
    required = {
        "AdministratorAccess",
        "PowerUserAccess",
        "CloudWatchLogsFullAccess",
        "CloudWatchLogsReadOnlyAccess",
        "AWSStepFunctionsFullAccess",
        "AWSStepFunctionsReadOnlyAccess",
    }
    assert required <= set(MANAGED_POLICY_NAMES)
    data = json.loads(
        resources.files("labkit.iam.managed").joinpath("aws_managed_policies.json").read_text()
    )
    assert set(data["policies"]) == set(MANAGED_POLICY_NAMES)
    for entry in data["policies"].values():
        assert {"name", "arn", "DefaultVersionId", "UpdateDate", "Document", "source"} <= set(entry)
        assert "moto" in entry["source"]


def test_administrator_access_v1():
    mp = managed_policy("AdministratorAccess")
    assert mp.arn == "arn:aws:iam::aws:policy/AdministratorAccess"
    assert mp.version_id == "v1" and mp.update_date.startswith("2015-02-06")
    assert mp.document["Statement"] == [{"Action": "*", "Effect": "Allow", "Resource": "*"}]
    assert managed_policy(mp.arn) == mp


def test_step_functions_full_access_has_no_log_delivery():
    """AWSStepFunctionsFullAccess grants states:* only: the role still lacks logs:CreateLogDelivery."""
    policy = managed_policy("AWSStepFunctionsFullAccess").policy()
    assert evaluate(Request(ROLE, "states:StartExecution", "*"), identity=[policy]).allowed
    d = evaluate(Request(ROLE, "logs:CreateLogDelivery", "*"), identity=[policy])
    assert not d.allowed and "AWSStepFunctionsFullAccess" in str(d)


def test_power_user_excludes_iam_but_allows_logs():
    policy = managed_policy("PowerUserAccess").policy()
    assert evaluate(Request(ROLE, "logs:CreateLogDelivery", "*"), identity=[policy]).allowed
    assert not evaluate(Request(ROLE, "iam:CreateUser", "*"), identity=[policy]).allowed
    assert evaluate(Request(ROLE, "iam:ListRoles", "*"), identity=[policy]).allowed


def test_every_shipped_policy_loads():
    for name in MANAGED_POLICY_NAMES:
        assert managed_policy(name).policy().name == name


def test_returned_documents_are_copies():
    managed_policy("AdministratorAccess").document["Statement"].clear()
    assert managed_policy("AdministratorAccess").document["Statement"]


def test_unknown_policy():
    with pytest.raises(LabkitError) as info:
        managed_policy("CloudWatchLogsDeliveryFullAccessPolicy")
    assert info.value.code == "NoSuchEntity"
    with pytest.raises(LabkitError):
        managed_policy("arn:aws:iam::123456789012:policy/AdministratorAccess")


def test_refresh_reproduces_the_shipped_file():
    """The maintainer script extracts exactly the shipped data from the installed moto."""
    from labkit.iam.managed import refresh

    shipped = json.loads(refresh.OUTPUT.read_text())
    fresh = refresh.extract()
    assert {k: v["Document"] for k, v in fresh["policies"].items()} == {
        k: v["Document"] for k, v in shipped["policies"].items()
    }
