"""labkit.exercises: lesson 05's policy exercise is checked the way AWS would decide it."""

from __future__ import annotations

import copy
import re

import pytest

from labkit.exercises import check_delivery_policy
from labkit.iam.examples import delivery_policy

ACCT, REGION = "123456789012", "us-east-1"
GROUP = "/aws/vendedlogs/states/LookingIntoLogging-Logs"
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCT}:log-group:{GROUP}"
SOLUTION = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "StepFunctionsLogsForOneGroup",
            "Effect": "Allow",
            "Principal": {"Service": "delivery.logs.amazonaws.com"},
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{GROUP_ARN}:log-stream:*",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": ACCT},
                "ArnLike": {"aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCT}:*"},
            },
        }
    ],
}


def check(policy):
    return check_delivery_policy(policy, account=ACCT, region=REGION, log_group=GROUP)


def _with(**changes):
    doc = copy.deepcopy(SOLUTION)
    doc["Statement"][0].update(changes)
    return doc


def test_the_solution_and_aws_own_statement_pass():
    result = check(SOLUTION)
    assert result.passed and bool(result) and str(result).startswith("✓ Your policy does the job")
    assert check(delivery_policy(REGION, ACCT, GROUP)).passed


@pytest.mark.parametrize(
    ("doc", "failing"),
    [
        (_with(Principal={"Service": "states.amazonaws.com"}), {"create", "put", "principal", "lint:delivery-principal"}),
        (_with(Action=["logs:PutLogEvents"]), {"create", "lint:put-without-create"}),
        (_with(Resource=GROUP_ARN), {"create", "put", "lint:log-group-without-stream"}),
        (_with(Resource=f"arn:aws:logs:{REGION}:{ACCT}:log-group:*"), {"other-group"}),
        (_with(Condition={}), {"confused-deputy"}),
        (_with(Principal="*"), {"principal"}),
    ],
    ids=["wrong-principal", "put-only", "group-not-streams", "all-groups", "no-conditions", "anyone"],
)  # fmt: skip
def test_each_mistake_fails_its_own_check(doc, failing):
    result = check(doc)
    assert not result.passed
    assert {c.name for c in result.checks if not c.ok} == failing


def test_messages_are_short_and_html_has_marks():
    result = check(_with(Principal={"Service": "states.amazonaws.com"}))
    create = next(c for c in result.checks if c.name == "create")
    assert create.message == (
        "The delivery service may not create this group's log streams "
        "(the policy names the wrong principal)."
    )
    page = result._repr_html_()
    assert (
        "✗" in page
        and "var(--jp-error-color1" in page
        and "arn:" not in re.sub("<[^>]+>", "", page)
    )


def test_malformed_document_is_one_failed_check_not_a_traceback():
    result = check("{nope")
    (only,) = result.checks
    assert not only.ok and only.message.startswith(
        "AWS would reject this document: MalformedPolicyDocument"
    )
