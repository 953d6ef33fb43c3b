"""The request matrix (R1-R25), condition vectors (C1-C16) and statement rows (S1-S5).

Each case cites the documented rule it checks. Sources (IAM User Guide):
EVAL  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
ACT   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
RES   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
PRIN  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
COND  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
MULTI https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
VARS  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
VER   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
CWL   https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html
SAR   https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
Rows marked "oracle" were also cross-checked against @cloud-copilot/iam-simulate 0.1.173.
"""

from __future__ import annotations

import copy

import pytest

from labkit.iam import Outcome, Policy, PolicyError, Request, evaluate
from labkit.iam.examples import delivery_policy, sfn_logging_policy

ACCT, REGION = "123456789012", "us-west-2"
SVC = "delivery.logs.amazonaws.com"
LG = "/aws/vendedlogs/states/LookingIntoLogging-Logs"
STREAM = f"arn:aws:logs:{REGION}:{ACCT}:log-group:{LG}:log-stream:states/LookingIntoLogging/2026-11-28/abc"
OTHER = f"arn:aws:logs:{REGION}:{ACCT}:log-group:/aws/vendedlogs/states/Other:log-stream:s1"
LG_ARN = f"arn:aws:logs:{REGION}:{ACCT}:log-group:{LG}"
ROLE = f"arn:aws:iam::{ACCT}:role/StepFunctions-LookingIntoLogging-role"

RP = delivery_policy(REGION, ACCT, LG)
RPD = copy.deepcopy(RP)
RPD["Statement"].append(
    {
        "Sid": "DenyPut",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "logs:PutLogEvents",
        "Resource": "*",
    }
)
RP5 = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": SVC},
            "Action": "logs:PutLogEvents",
            "Resource": "*",
            "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:logs:us-west-2:*"}},
        }
    ],
}
GOOD = {"aws:SourceAccount": ACCT, "aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCT}:*"}
GOOD2 = {
    "aws:SourceAccount": ACCT,
    "aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCT}:delivery-source:x",
}
WRONG = {
    "aws:SourceAccount": "999999999999",
    "aws:SourceArn": f"arn:aws:logs:{REGION}:999999999999:*",
}
XARN = {"aws:SourceAccount": ACCT, "aws:SourceArn": "arn:aws:logs:us-west-2:999999999999:x"}


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


ADMIN = _doc({"Effect": "Allow", "Action": "*", "Resource": "*"})
SFN_LOGGING = sfn_logging_policy()
NOTACTION_DENY = _doc(
    {"Effect": "Allow", "Action": "*", "Resource": "*"},
    {"Effect": "Deny", "NotAction": "logs:*", "Resource": "*"},
)
TWO_ALLOW = _doc(
    {
        "Effect": "Allow",
        "Action": "logs:PutLogEvents",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}},
    },
    {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
)
QMARK = _doc({"Effect": "Allow", "Action": "logs:Put?ogEvents", "Resource": "*"})

A, E, I = Outcome.ALLOWED, Outcome.EXPLICITLY_DENIED, Outcome.IMPLICITLY_DENIED  # noqa: E741
UPPER_STREAM = STREAM.replace("LookingIntoLogging-Logs", "LOOKINGINTOLOGGING-LOGS")

# id, principal, action, resource, context, kind, policy, expected, rule
# fmt: off
MATRIX = [
    ("R1", SVC, "logs:PutLogEvents", STREAM, GOOD, "resource", RP, A, "oracle; CWL auto-created policy allows delivery"),
    ("R2", SVC, "logs:CreateLogStream", STREAM, GOOD2, "resource", RP, A, "oracle; COND ArnLike * in the sixth component"),
    ("R3", SVC, "logs:PutLogEvents", OTHER, GOOD, "resource", RP, I, "oracle; RES another log group is not listed"),
    ("R4", SVC, "logs:PutLogEvents", STREAM, WRONG, "resource", RP, I, "oracle; COND StringEquals aws:SourceAccount fails"),
    ("R5", SVC, "logs:PutLogEvents", STREAM, {}, "resource", RP, I, "oracle; COND missing key makes the condition false"),
    ("R6", "states.amazonaws.com", "logs:PutLogEvents", STREAM, GOOD, "resource", RP, I, "oracle; PRIN Service names one service exactly"),
    ("R7", SVC, "logs:PutLogEvents", STREAM, GOOD, "resource", RPD, E, "oracle; EVAL explicit deny overrides allow"),
    ("R8", SVC, "logs:PutLogEvents", UPPER_STREAM, GOOD, "resource", RP, I, "oracle; RES resource ARNs are case-sensitive"),
    ("R9", SVC, "logs:CreateLogStream", LG_ARN, GOOD, "resource", RP, I, "SAR CreateLogStream authorises on log-stream; RES pattern names streams"),
    ("R10", SVC, "logs:DeleteLogGroup", STREAM, GOOD, "resource", RP, I, "ACT action not listed"),
    ("R11", SVC, "LOGS:putlogevents", STREAM, GOOD, "resource", RP, A, "ACT action names are case-insensitive"),
    ("R12", SVC, "logs:PutLogEvents", STREAM, XARN, "resource", RP, I, "COND ArnLike compares the account component"),
    ("R13", SVC, "logs:PutLogEvents", STREAM, {"aws:SourceArn": "arn:aws:logs:us-west-2:123456789012:x"}, "resource", RP5, I, "[INFER] COND ArnLike needs six components; a 5-part pattern never matches"),
    ("R14", ROLE, "logs:CreateLogDelivery", "*", {}, "identity", ADMIN, A, "oracle; EVAL identity Allow * on *"),
    ("R15", ROLE, "states:StartExecution", "*", {}, "identity", ADMIN, A, "oracle; ACT * matches every action"),
    ("R16", ROLE, "logs:PutResourcePolicy", "*", {}, "identity", ADMIN, A, "ACT * matches every action"),
    ("R17", ROLE, "logs:CreateLogDelivery", "*", {}, "identity", SFN_LOGGING, A, "oracle; action listed on *"),
    ("R18", ROLE, "logs:PutResourcePolicy", "*", {}, "identity", SFN_LOGGING, A, "action listed on *"),
    ("R19", ROLE, "states:StartExecution", "*", {}, "identity", SFN_LOGGING, I, "oracle; EVAL no Allow means implicit deny"),
    ("R20", ROLE, "logs:CreateLogDelivery", "*", {}, "identity", None, I, "oracle; EVAL no policy, implicit deny"),
    ("R21", ROLE, "states:StartExecution", "*", {}, "identity", None, I, "oracle; EVAL no policy, implicit deny"),
    ("R22", ROLE, "logs:CreateLogDelivery", "*", {}, "identity", NOTACTION_DENY, A, "ACT NotAction logs:* does not cover logs actions"),
    ("R23", ROLE, "states:StartExecution", "*", {}, "identity", NOTACTION_DENY, E, "ACT NotAction matches everything else; EVAL deny wins"),
    ("R24", ROLE, "logs:PutLogEvents", STREAM, GOOD, "identity", TWO_ALLOW, A, "EVAL a failed Allow condition means not applicable, not Deny"),
    ("R25", ROLE, "logs:PutLogEvents", "*", {}, "identity", QMARK, A, "ACT ? matches one character"),
]
# fmt: on


@pytest.mark.parametrize("case", MATRIX, ids=[row[0] for row in MATRIX])
def test_request_matrix(case):
    """iam-evaluation request matrix; the rule each row checks is in its last field."""
    _id, principal, action, resource, context, kind, doc, expected, _rule = case
    policies = [] if doc is None else [Policy.load(doc, kind=kind, name=_id)]
    request = Request(principal, action, resource, context)
    decision = evaluate(
        request,
        identity=policies if kind == "identity" else (),
        resource=policies if kind == "resource" else (),
    )
    assert decision.outcome is expected, str(decision)
    assert decision.allowed is (expected is A)
    # the explanation agrees with the fast decision
    applied = [s for s in decision.statements if s.applies]
    if expected is A:
        assert decision.decided_by is not None and decision.decided_by.applies
        assert decision.decided_by.effect == "Allow"
    elif expected is E:
        assert decision.decided_by is not None and decision.decided_by.effect == "Deny"
    else:
        assert decision.decided_by is None
        assert not [s for s in applied if s.effect == "Deny"]


# --- conditions -------------------------------------------------------------------------------
# id, operator, key->values, context, expected, rule
# fmt: off
CONDITIONS = [
    ("C1", "StringNotLike", {"aws:SourceArn": "arn:*"}, {}, True, "COND negated operators are true for a missing key"),
    ("C2", "StringNotEquals", {"aws:SourceAccount": "1"}, {}, True, "COND negated operator, missing key"),
    ("C3", "ArnNotLike", {"aws:SourceArn": "arn:aws:logs:*:*:*"}, {}, True, "COND negated ARN operator, missing key"),
    ("C4", "StringEquals", {"aws:SourceAccount": "1"}, {}, False, "COND missing key makes a positive condition false"),
    ("C5", "StringEqualsIfExists", {"aws:SourceAccount": "1"}, {}, True, "COND ...IfExists is true for a missing key"),
    ("C6", "StringEquals", {"aws:SourceAccount": ["1", "2"]}, {"aws:SourceAccount": "2"}, True, "MULTI values of one key are OR"),
    ("C7", "StringNotEquals", {"aws:SourceAccount": ["1", "2"]}, {"aws:SourceAccount": "2"}, False, "MULTI negated operators: values are NOR"),
    ("C8", "StringEquals", {"aws:SourceAccount": "abc"}, {"aws:SourceAccount": "ABC"}, False, "COND StringEquals is case-sensitive"),
    ("C9", "StringEquals", {"AWS:SOURCEACCOUNT": "1"}, {"aws:SourceAccount": "1"}, True, "COND condition key names are case-insensitive"),
    ("C10", "ArnLike", {"aws:SourceArn": "arn:aws:logs:us-west-2:1234*"}, {"aws:SourceArn": "arn:aws:logs:us-west-2:123456789012:x"}, False, "COND ArnLike: * stays within one of six components"),
    ("C11", "ArnLike", {"aws:SourceArn": "arn:aws:logs:us-west-2:123456789012:Log*"}, {"aws:SourceArn": "arn:aws:logs:us-west-2:123456789012:log-group:x"}, False, "COND ArnLike is case-sensitive"),
    ("C12", "ForAnyValue:StringLike", {"aws:TagKeys": "a*"}, {}, False, "COND ForAnyValue is false for a missing key"),
    ("C13", "ForAllValues:StringLike", {"aws:TagKeys": "a*"}, {}, True, "COND ForAllValues is true for a missing key"),
    ("C14", "Null", {"aws:SourceArn": "true"}, {}, True, "COND Null true means the key is absent"),
    ("C15", "Bool", {"aws:SecureTransport": "true"}, {"aws:SecureTransport": "true"}, True, "COND Bool compares true/false"),
]
# fmt: on


def _allowed_with(condition: dict, context: dict) -> bool:
    doc = _doc(
        {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*", "Condition": condition}
    )
    policy = Policy.load(doc, kind="identity")
    return evaluate(Request(ROLE, "logs:PutLogEvents", "*", context), identity=[policy]).allowed


@pytest.mark.parametrize("case", CONDITIONS, ids=[c[0] for c in CONDITIONS])
def test_condition_vectors(case):
    """iam-evaluation condition vectors: one Allow statement carrying the condition."""
    _id, op, keys, context, expected, _rule = case
    assert _allowed_with({op: keys}, context) is expected


def test_c16_unknown_operator_rejected_at_load():
    """C16, COND: an unknown operator is rejected when the policy is loaded, never skipped."""
    doc = _doc(
        {
            "Effect": "Allow",
            "Action": "logs:PutLogEvents",
            "Resource": "*",
            "Condition": {"StringEqualz": {"aws:SourceAccount": "1"}},
        }
    )
    with pytest.raises(PolicyError) as info:
        Policy.load(doc, kind="identity")
    assert info.value.code == "MalformedPolicyDocument"
    assert "StringEqualz" in info.value.detail and "statement 1" in info.value.where


# --- statements -------------------------------------------------------------------------------
S_RESOURCE = "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/X:log-stream:s"
S_CONTEXT = {"aws:SourceAccount": "123456789012"}
VAR_RESOURCE = "arn:aws:logs:us-west-2:${aws:SourceAccount}:*"
# fmt: off
STATEMENTS = [
    ("S1", {"Action": "logs:*", "Resource": "arn:aws:logs:us-west-2:*:log-group:/aws/vendedlogs/*"}, "2012-10-17", True, "RES a trailing * runs past colons"),
    ("S2", {"Action": "logs:*", "NotResource": "arn:aws:logs:*:*:log-group:/aws/vendedlogs/*"}, "2012-10-17", False, "RES NotResource excludes the listed resources"),
    ("S3", {"Action": "logs:PutLog?vents", "Resource": "*"}, "2012-10-17", True, "ACT ? wildcard"),
    ("S4", {"Action": "logs:*", "Resource": VAR_RESOURCE}, "2012-10-17", True, "VARS variables resolve in Resource under 2012-10-17"),
    ("S5", {"Action": "logs:*", "Resource": VAR_RESOURCE}, None, False, "VER without Version (2008-10-17) ${...} is literal"),
]
# fmt: on


@pytest.mark.parametrize("case", STATEMENTS, ids=[s[0] for s in STATEMENTS])
def test_statement_rows(case):
    """iam-evaluation statement rows: does one Allow statement apply?"""
    _id, statement, version, expected, _rule = case
    doc = {"Statement": [{"Effect": "Allow", **statement}]}
    if version:
        doc["Version"] = version
    policy = Policy.load(doc, kind="identity")
    request = Request(ROLE, "logs:PutLogEvents", S_RESOURCE, S_CONTEXT)
    decision = evaluate(request, identity=[policy])
    assert decision.allowed is expected
    assert decision.statements[0].applies is expected
