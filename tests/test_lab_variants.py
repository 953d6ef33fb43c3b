"""labkit.variants: the lab's policy documents have AWS's documented shapes."""

from __future__ import annotations

import json

import pytest

from labkit.variants import (
    LOG_DELIVERY_ACTIONS,
    RESOURCE_POLICY_VARIANTS,
    ROLE_VARIANTS,
    resource_policy,
    role_policies,
    variant,
)

CTX = {
    "account": "123456789012",
    "region": "us-east-1",
    "log_group": "/aws/vendedlogs/states/LookingIntoLogging-Logs",
    "state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:LookingIntoLogging",
}
STREAMS = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/LookingIntoLogging-Logs:log-stream:*"


def test_auto_created_is_the_documented_statement():
    # CWL-UG AWS-logs-infrastructure-CWL.html: the policy AWS creates automatically [DOC]
    doc = resource_policy("auto-created", **CTX)
    assert doc == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AWSLogDeliveryWrite20150319",
                "Effect": "Allow",
                "Principal": {"Service": ["delivery.logs.amazonaws.com"]},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [STREAMS],
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": ["123456789012"]},
                    "ArnLike": {"aws:SourceArn": ["arn:aws:logs:us-east-1:123456789012:*"]},
                },
            }
        ],
    }


def test_none_is_no_policy():
    assert resource_policy("none", **CTX) is None


@pytest.mark.parametrize(
    ("key", "check"),
    [
        ("vendedlogs-wildcard", lambda s: s["Resource"] == ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/*"]),
        ("other-log-group", lambda s: "LookingIntoLogging" not in s["Resource"][0] and s["Resource"][0].endswith(":log-stream:*")),
        ("wrong-principal", lambda s: s["Principal"] == {"Service": ["states.amazonaws.com"]}),
        ("put-only", lambda s: s["Action"] == ["logs:PutLogEvents"]),
        ("source-account", lambda s: s["Condition"] == {"StringEquals": {"aws:SourceAccount": ["123456789012"]}}),
        ("source-account-wrong", lambda s: s["Condition"]["StringEquals"]["aws:SourceAccount"] != ["123456789012"]),
        ("source-arn-state-machine", lambda s: s["Condition"] == {"ArnLike": {"aws:SourceArn": [CTX["state_machine_arn"]]}}),
    ],
)  # fmt: skip
def test_one_defect_per_variant(key, check):
    statements = resource_policy(key, **CTX)["Statement"]
    assert len(statements) == 1 and check(statements[0])


def test_explicit_deny_adds_a_deny_statement():
    allow, deny = resource_policy("explicit-deny", **CTX)["Statement"]
    assert allow["Effect"] == "Allow" and deny["Effect"] == "Deny"
    assert deny["Principal"] == {"Service": ["delivery.logs.amazonaws.com"]}


def test_custom_is_parsed_and_malformed_json_raises():
    text = json.dumps(resource_policy("auto-created", **CTX))
    assert resource_policy("custom", custom=text, **CTX) == json.loads(text)
    with pytest.raises(json.JSONDecodeError):
        resource_policy("custom", custom="{not json", **CTX)


def test_documents_serialise_within_classic_limit():
    for v in RESOURCE_POLICY_VARIANTS:
        if v.key in ("none", "custom"):
            continue
        assert len(json.dumps(resource_policy(v.key, **CTX))) < 5120  # CWL-UG 5,120 chars [DOC]


def test_role_variants():
    assert role_policies("none") == role_policies("none", **CTX)
    assert role_policies("none").managed_arns == () and not role_policies("none").inline
    assert role_policies("AdministratorAccess").managed_arns == (
        "arn:aws:iam::aws:policy/AdministratorAccess",
    )
    assert role_policies("CloudWatchLogsFullAccess").managed_arns == (
        "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
    )
    (doc,) = role_policies("log-delivery").inline.values()
    (statement,) = doc["Statement"]
    assert len(LOG_DELIVERY_ACTIONS) == 10 and "logs:CreateLogStream" in statement["Action"]
    assert statement["Resource"] == "*"
    (deny_doc,) = role_policies("deny-logs").inline.values()
    assert deny_doc["Statement"][-1] == {
        "Sid": "DenyLogs",
        "Effect": "Deny",
        "Action": "logs:*",
        "Resource": "*",
    }


def test_variants_have_labels_descriptions_and_points():
    labels = [v.label for v in RESOURCE_POLICY_VARIANTS]
    assert "auto-created" in labels and "none" in labels
    for v in (*RESOURCE_POLICY_VARIANTS, *ROLE_VARIANTS):
        assert v.description and v.teaching_point and "\n" not in v.description
    assert variant("resource", "none").delivers is False
    with pytest.raises(ValueError, match="unknown role variant"):
        role_policies("PowerUserAccess")
