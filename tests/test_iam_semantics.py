"""Operator families, policy variables, principals and how policy kinds combine.

Sources (IAM User Guide) [DOC]:
COND  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
SET   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
VARS  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
PRIN  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
RES   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
BASIC https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html
BOUND https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
CROSS https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
"""

from __future__ import annotations

import pytest

from labkit.iam import Outcome, Policy, Request, evaluate

ACCT = "123456789012"
ROLE = f"arn:aws:iam::{ACCT}:role/R"
USER = f"arn:aws:iam::{ACCT}:user/U"
SESSION = f"arn:aws:sts::{ACCT}:assumed-role/R/s1"
SVC = "delivery.logs.amazonaws.com"
GROUP = f"arn:aws:logs:us-east-1:{ACCT}:log-group:G"


def _cond_holds(operator, keys, context, version="2012-10-17"):
    doc = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {operator: keys},
            }
        ]
    }
    if version:
        doc["Version"] = version
    policy = Policy.load(doc, kind="identity")
    return evaluate(Request(ROLE, "s3:GetObject", "*", context), identity=[policy]).allowed


# fmt: off
OPERATOR_CASES = [
    # String family (COND "String condition operators")
    ("StringEqualsIgnoreCase", {"aws:PrincipalTag/team": "Logs"}, {"aws:PrincipalTag/team": "LOGS"}, True),
    ("StringNotEqualsIgnoreCase", {"aws:PrincipalTag/team": "Logs"}, {"aws:PrincipalTag/team": "LOGS"}, False),
    ("StringLike", {"s3:prefix": "home/*"}, {"s3:prefix": "home/a/b"}, True),
    ("StringLike", {"s3:prefix": "home/?"}, {"s3:prefix": "home/ab"}, False),
    ("StringLike", {"s3:prefix": "a.b"}, {"s3:prefix": "axb"}, False),  # '.' is literal
    ("StringNotLike", {"s3:prefix": ["a*", "b*"]}, {"s3:prefix": "c"}, True),
    ("StringNotLike", {"s3:prefix": ["a*", "b*"]}, {"s3:prefix": "b1"}, False),
    # Numeric
    ("NumericLessThan", {"aws:MultiFactorAuthAge": "3600"}, {"aws:MultiFactorAuthAge": "100"}, True),
    ("NumericLessThan", {"aws:MultiFactorAuthAge": "3600"}, {"aws:MultiFactorAuthAge": "3600"}, False),
    ("NumericLessThanEquals", {"aws:MultiFactorAuthAge": 3600}, {"aws:MultiFactorAuthAge": "3600"}, True),
    ("NumericGreaterThan", {"s3:max-keys": "10"}, {"s3:max-keys": "10.5"}, True),
    ("NumericGreaterThanEquals", {"s3:max-keys": "10"}, {"s3:max-keys": "9"}, False),
    ("NumericEquals", {"s3:max-keys": "10"}, {"s3:max-keys": "10.0"}, True),
    ("NumericNotEquals", {"s3:max-keys": ["1", "2"]}, {"s3:max-keys": "3"}, True),
    # Date: ISO 8601 and epoch seconds
    ("DateGreaterThan", {"aws:CurrentTime": "2026-01-01T00:00:00Z"}, {"aws:CurrentTime": "2026-11-28T12:00:00Z"}, True),
    ("DateLessThan", {"aws:CurrentTime": "2026-01-01T00:00:00Z"}, {"aws:CurrentTime": "2026-11-28T12:00:00Z"}, False),
    ("DateEquals", {"aws:EpochTime": "1767225600"}, {"aws:EpochTime": "2026-01-01T00:00:00Z"}, True),
    ("DateLessThanEquals", {"aws:CurrentTime": "2026-01-01"}, {"aws:CurrentTime": "2026-01-01T00:00:00+00:00"}, True),
    ("DateNotEquals", {"aws:CurrentTime": "2026-01-01T00:00:00Z"}, {"aws:CurrentTime": "2026-01-02T00:00:00Z"}, True),
    ("DateGreaterThanEquals", {"aws:CurrentTime": "2026-01-01T00:00:00Z"}, {}, False),
    # Bool / Binary
    ("Bool", {"aws:SecureTransport": False}, {"aws:SecureTransport": "false"}, True),
    ("Bool", {"aws:SecureTransport": "true"}, {"aws:SecureTransport": "False"}, False),
    ("BinaryEquals", {"aws:Key": "QmluYXJ5"}, {"aws:Key": "QmluYXJ5"}, True),
    # IP
    ("IpAddress", {"aws:SourceIp": "203.0.113.0/24"}, {"aws:SourceIp": "203.0.113.7"}, True),
    ("IpAddress", {"aws:SourceIp": "203.0.113.0/24"}, {"aws:SourceIp": "198.51.100.1"}, False),
    ("NotIpAddress", {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}, {"aws:SourceIp": "2001:db8::1"}, False),
    ("NotIpAddress", {"aws:SourceIp": "203.0.113.0/24"}, {}, True),
    # ARN family (six components, case-sensitive)
    ("ArnEquals", {"aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:*"}, {"aws:SourceArn": "arn:aws:logs:us-east-1:123456789012:log-group:a:b"}, True),
    ("ArnLike", {"aws:SourceArn": "arn:aws:logs:*:123456789012:*"}, {"aws:SourceArn": "arn:aws:logs:eu-west-1:123456789012:x"}, True),
    ("ArnLike", {"aws:SourceArn": "arn:aws:logs:*:123456789012:*"}, {"aws:SourceArn": "arn:aws:logs:eu-west-1"}, False),
    ("ArnNotEquals", {"aws:SourceArn": "arn:aws:states:*:*:*"}, {"aws:SourceArn": "arn:aws:logs:us-east-1:1:x"}, True),
    ("ArnNotLike", {"aws:SourceArn": "arn:aws:logs:*:*:*"}, {"aws:SourceArn": "arn:aws:logs:us-east-1:1:x"}, False),
    # Null
    ("Null", {"aws:SourceArn": "false"}, {"aws:SourceArn": "arn:aws:logs:us-east-1:1:x"}, True),
    ("Null", {"aws:SourceArn": "false"}, {}, False),
    ("Null", {"aws:SourceArn": "true"}, {"aws:SourceArn": "arn:aws:logs:us-east-1:1:x"}, False),
    # IfExists with a present key behaves like the operator
    ("StringEqualsIfExists", {"aws:SourceAccount": "1"}, {"aws:SourceAccount": "2"}, False),
    ("ArnLikeIfExists", {"aws:SourceArn": "arn:aws:logs:*:*:*"}, {}, True),
    # Set qualifiers (SET)
    ("ForAnyValue:StringEquals", {"aws:TagKeys": ["a", "b"]}, {"aws:TagKeys": ["x", "b"]}, True),
    ("ForAnyValue:StringEquals", {"aws:TagKeys": ["a", "b"]}, {"aws:TagKeys": ["x", "y"]}, False),
    ("ForAllValues:StringEquals", {"aws:TagKeys": ["a", "b"]}, {"aws:TagKeys": ["a", "b"]}, True),
    ("ForAllValues:StringEquals", {"aws:TagKeys": ["a", "b"]}, {"aws:TagKeys": ["a", "c"]}, False),
    ("ForAllValues:StringEquals", {"aws:TagKeys": ["a"]}, {"aws:TagKeys": []}, True),
    ("ForAnyValue:StringEquals", {"aws:TagKeys": ["a"]}, {"aws:TagKeys": []}, False),
    ("ForAnyValue:StringNotEquals", {"aws:TagKeys": ["a"]}, {"aws:TagKeys": ["a", "z"]}, True),
    ("ForAllValues:StringNotLike", {"aws:TagKeys": ["a*"]}, {"aws:TagKeys": ["b", "c"]}, True),
    ("ForAnyValue:StringEqualsIfExists", {"aws:TagKeys": ["a"]}, {}, True),
    # a multi-valued context key without a qualifier: any value may match (OR)
    ("StringEquals", {"aws:TagKeys": "a"}, {"aws:TagKeys": ["z", "a"]}, True),
]
# fmt: on


@pytest.mark.parametrize("operator, keys, context, expected", OPERATOR_CASES)
def test_operator_families(operator, keys, context, expected):
    """COND/SET: each operator family, IfExists and the set qualifiers."""
    assert _cond_holds(operator, keys, context) is expected


def test_operators_and_keys_are_anded():
    """COND: several operators AND; several keys under one operator AND."""
    keys = {"aws:SourceAccount": "1", "aws:SourceArn": "arn:aws:logs:r:1:*"}
    assert _cond_holds(
        "StringLike", keys, {"aws:SourceAccount": "1", "aws:SourceArn": "arn:aws:logs:r:1:x"}
    )
    assert not _cond_holds("StringLike", keys, {"aws:SourceAccount": "1"})


# --- policy variables -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pattern, context, resource, expected",
    [
        ("arn:aws:s3:::b/${aws:username}/*", {"aws:username": "ana"}, "arn:aws:s3:::b/ana/x", True),
        (
            "arn:aws:s3:::b/${aws:username}/*",
            {"aws:username": "ana"},
            "arn:aws:s3:::b/bob/x",
            False,
        ),
        ("arn:aws:s3:::b/${aws:username}/*", {}, "arn:aws:s3:::b/ana/x", False),  # unresolved
        ("arn:aws:s3:::b/${aws:username, 'guest'}/*", {}, "arn:aws:s3:::b/guest/x", True),
        ("arn:aws:s3:::b/${*}", {}, "arn:aws:s3:::b/*", True),  # ${*} is a literal *
        ("arn:aws:s3:::b/${*}", {}, "arn:aws:s3:::b/anything", False),
        ("arn:aws:s3:::b/${?}", {}, "arn:aws:s3:::b/?", True),
        ("arn:aws:s3:::b/${$}x", {}, "arn:aws:s3:::b/$x", True),
        (
            "arn:aws:s3:::b/${aws:username}",
            {"aws:username": "a*"},
            "arn:aws:s3:::b/abc",
            False,
        ),  # value is literal
        (
            "arn:aws:s3:::b/${aws:TagKeys}",
            {"aws:TagKeys": ["a", "b"]},
            "arn:aws:s3:::b/a",
            False,
        ),  # multi-valued
    ],
)
def test_policy_variables_in_resource(pattern, context, resource, expected):
    """VARS: ${key}, defaults, escapes; an unresolvable variable makes the value not match."""
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": pattern}],
    }
    policy = Policy.load(doc, kind="identity")
    assert (
        evaluate(Request(ROLE, "s3:GetObject", resource, context), identity=[policy]).allowed
        is expected
    )


def test_policy_variables_in_condition_values_and_key_case():
    """VARS: variables in condition values; variable key names are case-insensitive."""
    keys = {"aws:SourceArn": "arn:aws:logs:us-east-1:${AWS:SourceAccount}:*"}
    good = {"aws:SourceAccount": ACCT, "aws:SourceArn": f"arn:aws:logs:us-east-1:{ACCT}:x"}
    assert _cond_holds("ArnLike", keys, good)
    assert not _cond_holds("ArnLike", keys, {**good, "aws:SourceAccount": "999999999999"})
    # under 2008-10-17 the variable is literal text
    assert not _cond_holds("ArnLike", keys, good, version=None)


# --- resources --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pattern, resource, expected",
    [
        ("arn:aws:logs:us-east-1:*:log-group:G", GROUP, True),
        (
            "arn:aws:logs:us-east-1:1234*5:log-group:G",
            GROUP,
            False,
        ),  # * inside a segment stays there
        ("arn:aws:logs:us-east-1:*", GROUP, True),  # trailing * runs past colons
        ("arn:aws:logs:*:123456789012:log-group:G:*", GROUP + ":log-stream:s", True),
        ("arn:aws:logs:us-east-1:123456789012:log-group:g", GROUP, False),  # case-sensitive
        ("arn:aws:logs:us-east-1:12345678901?:log-group:G", GROUP, True),
        ("arn:aws:logs:us-east-1:123456789012:log-group:[G]", GROUP, False),  # [ is literal
    ],
)
def test_resource_globs(pattern, resource, expected):
    """RES: case-sensitive globs within segments; a segment-final * may cross colons."""
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": pattern}],
    }
    policy = Policy.load(doc, kind="identity")
    assert (
        evaluate(Request(ROLE, "logs:PutLogEvents", resource), identity=[policy]).allowed
        is expected
    )


# --- principals -------------------------------------------------------------------------------
def _rp(principal, effect="Allow", element="Principal"):
    return Policy.load(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": effect, element: principal, "Action": "logs:*", "Resource": "*"}
            ],
        },
        kind="resource",
    )


@pytest.mark.parametrize(
    "principal, who, expected",
    [
        ("*", SVC, Outcome.ALLOWED),
        ({"AWS": "*"}, SVC, Outcome.ALLOWED),  # PRIN: {"AWS": "*"} is the same as "*"
        ({"Service": [SVC, "states.amazonaws.com"]}, SVC, Outcome.ALLOWED),
        ({"Service": "states.amazonaws.com"}, SVC, Outcome.IMPLICITLY_DENIED),
        ({"AWS": ROLE}, ROLE, Outcome.ALLOWED),
        ({"AWS": USER}, USER, Outcome.ALLOWED),
        ({"AWS": ROLE}, SESSION, Outcome.ALLOWED),  # a role ARN covers its sessions
        ({"AWS": USER}, ROLE, Outcome.IMPLICITLY_DENIED),
        # an account principal needs the identity's own allow as well (same account)
        ({"AWS": ACCT}, ROLE, Outcome.IMPLICITLY_DENIED),
        ({"AWS": f"arn:aws:iam::{ACCT}:root"}, USER, Outcome.IMPLICITLY_DENIED),
        ({"AWS": ACCT}, ACCT, Outcome.ALLOWED),
    ],
)
def test_principal_forms(principal, who, expected):
    """PRIN: *, account, root, role/user ARNs and service principals (exact, no partial wildcards)."""
    decision = evaluate(Request(who, "logs:PutLogEvents", GROUP), resource=[_rp(principal)])
    assert decision.outcome is expected, str(decision)


def test_not_principal():
    """PRIN: NotPrincipal applies to everyone except the listed principals."""
    deny_others = _rp({"Service": SVC}, effect="Deny", element="NotPrincipal")
    allow_all = _rp("*")
    svc = evaluate(Request(SVC, "logs:PutLogEvents", GROUP), resource=[allow_all, deny_others])
    other = evaluate(
        Request("states.amazonaws.com", "logs:PutLogEvents", GROUP),
        resource=[allow_all, deny_others],
    )
    assert svc.outcome is Outcome.ALLOWED
    assert other.outcome is Outcome.EXPLICITLY_DENIED


def test_account_principal_plus_identity_allow():
    """PRIN: with an account principal the identity-based allow completes the grant."""
    identity = Policy.load(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
        },
        kind="identity",
    )
    decision = evaluate(
        Request(ROLE, "logs:PutLogEvents", GROUP),
        identity=[identity],
        resource=[_rp({"AWS": ACCT})],
    )
    assert decision.allowed


# --- combining policy kinds -------------------------------------------------------------------
ALLOW_LOGS = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}],
}
ALLOW_STATES = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "states:*", "Resource": "*"}],
}


def test_resource_policies_are_a_union():
    """BASIC: several resource policies count together; a Deny in any of them wins."""
    empty = _rp({"Service": "states.amazonaws.com"})
    allow = _rp({"Service": SVC})
    deny = _rp("*", effect="Deny")
    req = Request(SVC, "logs:PutLogEvents", GROUP)
    assert evaluate(req, resource=[empty, allow]).allowed
    assert evaluate(req, resource=[empty]).outcome is Outcome.IMPLICITLY_DENIED
    assert evaluate(req, resource=[empty, allow, deny]).outcome is Outcome.EXPLICITLY_DENIED


def test_service_principal_ignores_identity_policies():
    """BASIC: identity policies attach to IAM identities, not to a service principal."""
    identity = Policy.load(ALLOW_LOGS, kind="identity")
    decision = evaluate(Request(SVC, "logs:PutLogEvents", GROUP), identity=[identity])
    assert decision.outcome is Outcome.IMPLICITLY_DENIED
    assert decision.notes and "service principal" in decision.notes[0]
    assert "no resource policy" in decision.reason


def test_boundary_limits_identity_allow():
    """BOUND: the effective permissions are the intersection of identity policy and boundary."""
    identity = Policy.load(ALLOW_LOGS, kind="identity")
    boundary = Policy.load(ALLOW_STATES, kind="boundary", name="B")
    decision = evaluate(
        Request(ROLE, "logs:CreateLogDelivery", "*"), identity=[identity], boundary=boundary
    )
    assert decision.outcome is Outcome.IMPLICITLY_DENIED
    assert "permissions boundary" in decision.reason and "B" in decision.reason
    ok = evaluate(
        Request(ROLE, "states:StartExecution", "*"),
        identity=[Policy.load(ALLOW_STATES, kind="identity")],
        boundary=boundary,
    )
    assert ok.allowed


def test_boundary_alone_grants_nothing():
    """BOUND: a boundary sets the maximum; it does not grant."""
    boundary = Policy.load(ALLOW_LOGS, kind="boundary")
    assert not evaluate(Request(ROLE, "logs:PutLogEvents", "*"), boundary=boundary).allowed


def test_resource_grant_to_role_arn_is_limited_by_boundary():
    """BASIC/BOUND: a resource-policy grant naming a role ARN is still limited by the boundary."""
    boundary = Policy.load(ALLOW_STATES, kind="boundary")
    decision = evaluate(
        Request(ROLE, "logs:PutLogEvents", GROUP), resource=[_rp({"AWS": ROLE})], boundary=boundary
    )
    assert decision.outcome is Outcome.IMPLICITLY_DENIED
    assert evaluate(
        Request(ROLE, "logs:PutLogEvents", GROUP), resource=[_rp({"AWS": ROLE})]
    ).allowed


def test_resource_grant_to_user_or_session_is_not_limited_by_boundary():
    """BASIC/BOUND: a grant naming a user or role-session ARN is not limited by the boundary."""
    boundary = Policy.load(ALLOW_STATES, kind="boundary")
    for who in (USER, SESSION):
        decision = evaluate(
            Request(who, "logs:PutLogEvents", GROUP),
            resource=[_rp({"AWS": who})],
            boundary=boundary,
        )
        assert decision.allowed, str(decision)


def test_deny_in_boundary_wins():
    """BASIC: an explicit Deny in any policy, including a boundary, overrides allows."""
    boundary = Policy.load(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "logs:*", "Resource": "*"},
            ],
        },
        kind="boundary",
    )
    decision = evaluate(
        Request(ROLE, "logs:PutLogEvents", "*"),
        identity=[Policy.load(ALLOW_LOGS, kind="identity")],
        boundary=boundary,
    )
    assert decision.outcome is Outcome.EXPLICITLY_DENIED
    assert decision.decided_by.kind == "boundary"


def test_cross_account_needs_both_sides():
    """CROSS: across accounts both the identity policy and the resource policy must allow."""
    other_group = "arn:aws:logs:us-east-1:999999999999:log-group:G"
    identity = Policy.load(ALLOW_LOGS, kind="identity")
    rp = _rp({"AWS": ROLE})
    req = Request(ROLE, "logs:PutLogEvents", other_group)
    assert evaluate(req, identity=[identity], resource=[rp]).allowed
    only_id = evaluate(req, identity=[identity])
    assert not only_id.allowed and "cross-account" in only_id.reason
    assert not evaluate(req, resource=[rp]).allowed


def test_root_user_allowed_unless_denied():
    """EVAL: the root user is implicitly allowed except for explicit denies (SCPs out of scope)."""
    root = f"arn:aws:iam::{ACCT}:root"
    assert evaluate(Request(root, "logs:PutLogEvents", "*")).allowed
    deny = _rp("*", effect="Deny")
    assert (
        evaluate(Request(root, "logs:PutLogEvents", GROUP), resource=[deny]).outcome
        is Outcome.EXPLICITLY_DENIED
    )
