"""Pure safety rules: lab names, which log groups a resource policy covers, removing only
the lab's entry [DOC] CloudWatch Logs User Guide (one ``...:log-group:NAME:log-stream:*``
entry per group in the shared ``AWSLogDeliveryWrite20150319``)."""

from __future__ import annotations

import json

import pytest

from labkit.safety import (
    SafetyError,
    arn_name,
    coverage,
    dropped_coverage,
    foreign_coverage,
    is_lab_name,
    lab_name,
    redact,
    without_group,
)

A = "arn:aws:logs:us-east-1:123456789012:log-group"
LAB = "/aws/vendedlogs/states/labkit-Looking-Logs"
OTHER = "/aws/vendedlogs/states/Other-Logs"


def policy(*resources, extra_statement=None) -> str:
    stmts = [
        {
            "Sid": "AWSLogDeliveryWrite",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": list(resources),
        }
    ]
    if extra_statement:
        stmts.append(extra_statement)
    return json.dumps({"Version": "2012-10-17", "Statement": stmts})


def test_lab_names():
    assert lab_name("/aws/vendedlogs/states/LookingIntoLogging-Logs") == (
        "/aws/vendedlogs/states/labkit-LookingIntoLogging-Logs"
    )
    assert lab_name("Role") == "labkit-Role" and lab_name("labkit-Role") == "labkit-Role"
    assert is_lab_name(LAB) and not is_lab_name(OTHER) and not is_lab_name("x-labkit-y")
    assert not is_lab_name("labkit-x", prefix="")


def test_arn_names():
    assert arn_name("arn:aws:iam::123456789012:role/service-role/labkit-R") == "labkit-R"
    assert arn_name("arn:aws:states:us-east-1:123456789012:stateMachine:labkit-M") == "labkit-M"
    assert arn_name("arn:aws:states:us-east-1:123456789012:execution:labkit-M:run") == "labkit-M"
    assert arn_name(f"{A}:{LAB}:*") == LAB


def test_coverage_separates_exact_groups_from_patterns():
    doc = policy(f"{A}:{LAB}:log-stream:*", f"{A}:{OTHER}:log-stream:*", f"{A}:/aws/vendedlogs/*")
    cov = coverage(doc)
    assert cov.groups == (LAB, OTHER)
    assert cov.patterns == (f"{A}:/aws/vendedlogs/*",)
    assert foreign_coverage(doc) == [OTHER, f"{A}:/aws/vendedlogs/*"]
    assert foreign_coverage(policy(f"{A}:{LAB}:log-stream:*")) == []
    assert coverage(policy("*")).patterns == ("*",)


def test_without_group_keeps_everything_else():
    route53 = {
        "Sid": "R53",
        "Effect": "Allow",
        "Principal": {"Service": "route53.amazonaws.com"},
        "Action": "logs:PutLogEvents",
        "Resource": f"{A}:/aws/route53/*",
    }
    doc = policy(f"{A}:{OTHER}:log-stream:*", f"{A}:{LAB}:log-stream:*", extra_statement=route53)
    out = json.loads(without_group(doc, LAB))
    assert out["Statement"][0]["Resource"] == [f"{A}:{OTHER}:log-stream:*"]
    assert out["Statement"][1] == route53
    assert without_group(policy(f"{A}:{LAB}:log-stream:*"), LAB) is None


def test_dropped_coverage_detects_an_overwrite_that_hurts_others():
    before = policy(f"{A}:{OTHER}:log-stream:*", f"{A}:{LAB}:log-stream:*")
    assert dropped_coverage(before, policy(f"{A}:{LAB}:log-stream:*")) == [OTHER]
    assert dropped_coverage(before, policy(f"{A}:{OTHER}:log-stream:*")) == []
    assert dropped_coverage(None, "{}") == []


def test_unparsable_policy_is_a_safety_error():
    with pytest.raises(SafetyError):
        coverage("not json")


def test_redact():
    assert redact("key=abcd1234 token=zz", ["abcd1234", None, ""]) == "key=**** token=zz"
