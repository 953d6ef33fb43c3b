"""Lint warnings for the lesson's classic mistakes (warnings, never errors).

Facts: vended logs are written by delivery.logs.amazonaws.com under the resource policy, on
log streams (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html,
https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html);
the log-delivery set-up actions need Resource "*"
(https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).
"""

from __future__ import annotations

import pytest

from labkit.errors import LabkitError
from labkit.iam import LintWarning, Policy, PolicyError, lint
from labkit.iam.examples import delivery_policy, sfn_logging_policy

ACCT, REGION, LG = "123456789012", "us-east-1", "/aws/vendedlogs/states/M-Logs"


def _codes(doc, kind="resource"):
    return [w.code for w in lint(doc, kind=kind)]


def _delivery(**changes):
    doc = delivery_policy(REGION, ACCT, LG)
    doc["Statement"][0].update(changes)
    return doc


def test_documented_policies_are_clean():
    assert lint(delivery_policy(REGION, ACCT, LG), kind="resource") == []
    assert lint(sfn_logging_policy(), kind="identity") == []


@pytest.mark.parametrize(
    "principal",
    [{"Service": "states.amazonaws.com"}, {"AWS": f"arn:aws:iam::{ACCT}:role/StepFunctions-role"}],
)
def test_wrong_principal_for_delivery(principal):
    warnings = lint(_delivery(Principal=principal), kind="resource")
    assert [w.code for w in warnings] == ["delivery-principal"]
    assert "delivery.logs.amazonaws.com" in warnings[0].message
    assert warnings[0].where == "statement AWSLogDeliveryWrite20150319"


def test_log_group_without_log_stream():
    group = f"arn:aws:logs:{REGION}:{ACCT}:log-group:{LG}"
    warnings = lint(_delivery(Resource=[group]), kind="resource")
    assert [w.code for w in warnings] == ["log-group-without-stream"]
    assert f"{group}:log-stream:*" in warnings[0].message
    # a trailing wildcard reaches the streams: no warning
    assert _codes(_delivery(Resource=[group + ":*"])) == []


def test_put_without_create():
    warnings = lint(_delivery(Action="logs:PutLogEvents"), kind="resource")
    assert [w.code for w in warnings] == ["put-without-create"]
    assert "logs:CreateLogStream" in warnings[0].message


def test_public_principal_without_conditions():
    doc = _delivery(Principal="*")
    del doc["Statement"][0]["Condition"]
    assert _codes(doc) == ["public-principal"]
    assert _codes(_delivery(Principal="*")) == []  # conditions present


def test_source_arn_naming_the_state_machine():
    cond = {"ArnLike": {"aws:SourceArn": f"arn:aws:states:{REGION}:{ACCT}:stateMachine:M"}}
    warnings = lint(_delivery(Condition=cond), kind="resource")
    assert [w.code for w in warnings] == ["source-arn-state-machine"]
    assert "arn:aws:logs:REGION:ACCOUNT:*" in warnings[0].message


def test_delivery_actions_on_a_specific_resource():
    doc = sfn_logging_policy()
    doc["Statement"][0]["Resource"] = f"arn:aws:logs:{REGION}:{ACCT}:log-group:{LG}:*"
    warnings = lint(doc, kind="identity")
    assert [w.code for w in warnings] == ["delivery-actions-not-star"]
    assert '"Resource": "*"' in warnings[0].message
    wildcard = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "logs:*", "Resource": f"arn:aws:logs:{REGION}:{ACCT}:*"}
        ],
    }
    assert _codes(wildcard, "identity") == ["delivery-actions-not-star"]


def test_variables_without_version_and_short_arn_patterns():
    doc = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*"}
        ]
    }
    assert _codes(doc, "identity") == ["variables-ignored"]
    short = _delivery(Condition={"ArnLike": {"aws:SourceArn": f"arn:aws:logs:{REGION}:*"}})
    assert _codes(short) == ["arn-pattern-segments"]


def test_lint_takes_a_loaded_policy_and_reports_malformed_documents():
    policy = Policy.load(_delivery(Action="logs:PutLogEvents"), kind="resource")
    assert all(isinstance(w, LintWarning) for w in lint(policy))
    assert str(lint(policy)[0]).startswith(
        "put-without-create (statement AWSLogDeliveryWrite20150319): "
    )
    with pytest.raises(PolicyError):
        lint({"Statement": []}, kind="resource")
    with pytest.raises(LabkitError):
        lint(delivery_policy(REGION, ACCT, LG))  # a document needs its kind


def test_warnings_show_as_bullets_and_a_table_not_a_raw_repr():
    from labkit.iam.lint import LintWarnings

    warnings = lint(_delivery(Principal={"Service": "states.amazonaws.com"}), kind="resource")
    assert isinstance(warnings, LintWarnings) and warnings == list(warnings)
    text = repr(warnings)
    assert "LintWarning(" not in text and text.startswith(
        "1 lint warning:\n  - delivery-principal ("
    )
    assert str(warnings) == text
    page = warnings._repr_html_()
    assert page.startswith("<table>") and "<th" in page and "delivery-principal" in page
    assert "white-space:normal" in page
    assert repr(lint(delivery_policy(REGION, ACCT, LG), kind="resource")) == "No lint warnings."
