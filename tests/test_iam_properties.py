"""Property tests (hypothesis) for the evaluation rules that must hold for every input.

* "An explicit deny overrides an explicit allow" and "A Deny anywhere wins"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html);
* allows only add: adding an Allow statement never turns Allowed into a denial (same page);
* malformed documents raise PolicyError, never another exception.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labkit.iam import Outcome, Policy, PolicyError, Request, RequestError, evaluate

ACCT = "123456789012"
SVC = "delivery.logs.amazonaws.com"
ROLE = f"arn:aws:iam::{ACCT}:role/R"
USER = f"arn:aws:iam::{ACCT}:user/U"
GROUP = f"arn:aws:logs:us-east-1:{ACCT}:log-group:G"
STREAM = GROUP + ":log-stream:s"

ACTIONS = [
    "logs:PutLogEvents",
    "logs:CreateLogStream",
    "states:StartExecution",
    "logs:*",
    "*",
    "logs:Put*",
    "LOGS:putlogevents",
    "logs:Put?ogEvents",
    "s3:GetObject",
]
RESOURCES = [
    "*",
    STREAM,
    GROUP,
    GROUP + ":*",
    "arn:aws:logs:*:*:log-group:G:log-stream:*",
    "arn:aws:logs:us-east-1:${aws:SourceAccount}:*",
    "arn:aws:logs:us-east-1:999999999999:*",
]
PRINCIPALS = [
    "*",
    {"Service": SVC},
    {"Service": "states.amazonaws.com"},
    {"AWS": ROLE},
    {"AWS": ACCT},
    {"AWS": USER},
    {"AWS": "*"},
]
CONDITIONS = [
    {"StringEquals": {"aws:SourceAccount": ACCT}},
    {"StringNotEquals": {"aws:SourceAccount": [ACCT, "1"]}},
    {"ArnLike": {"aws:SourceArn": f"arn:aws:logs:us-east-1:{ACCT}:*"}},
    {"StringLikeIfExists": {"aws:SourceArn": "arn:*"}},
    {"Null": {"aws:SourceArn": "true"}},
    {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}},
    {"ForAllValues:StringLike": {"aws:TagKeys": "a*"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
]
CONTEXT_ITEMS = {
    "aws:SourceAccount": st.sampled_from([ACCT, "999999999999"]),
    "aws:SourceArn": st.sampled_from(
        [f"arn:aws:logs:us-east-1:{ACCT}:*", "arn:aws:states:x", "arn:aws:logs:us-east-1:1:y"]
    ),
    "aws:TagKeys": st.lists(st.sampled_from(["a", "b", "ab", "c"]), max_size=3),
    "aws:SecureTransport": st.sampled_from(["true", "false"]),
    "aws:MultiFactorAuthAge": st.sampled_from(["10", "99999"]),
}


def statements(kind, effect=None):
    fields = {
        "Effect": st.sampled_from(["Allow", "Deny"]) if effect is None else st.just(effect),
        "Action": st.sampled_from(ACTIONS)
        | st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=3),
        "Resource": st.sampled_from(RESOURCES)
        | st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=2),
    }
    optional = {"Condition": st.sampled_from(CONDITIONS)}
    if kind == "resource":
        fields["Principal"] = st.sampled_from(PRINCIPALS)
    stmt = st.fixed_dictionaries(fields, optional=optional)
    flip = st.booleans()
    return st.tuples(stmt, flip, flip).map(lambda t: _negate(*t))


def _negate(stmt, not_action, not_resource):
    stmt = dict(stmt)
    if not_action:
        stmt["NotAction"] = stmt.pop("Action")
    if not_resource:
        stmt["NotResource"] = stmt.pop("Resource")
    return stmt


def documents(kind):
    return st.lists(statements(kind), min_size=1, max_size=4).map(
        lambda s: {"Version": "2012-10-17", "Statement": s}
    )


requests = st.builds(
    Request,
    st.sampled_from([SVC, ROLE, USER, "states.amazonaws.com"]),
    st.sampled_from(
        ["logs:PutLogEvents", "logs:CreateLogStream", "states:StartExecution", "s3:GetObject"]
    ),
    st.sampled_from(
        [STREAM, GROUP, "*", "arn:aws:logs:us-east-1:999999999999:log-group:G:log-stream:s"]
    ),
    st.fixed_dictionaries({}, optional=CONTEXT_ITEMS),
)
policy_sets = st.fixed_dictionaries(
    {
        "identity": st.lists(documents("identity"), max_size=2),
        "resource": st.lists(documents("resource"), max_size=2),
        "boundary": st.none() | documents("boundary"),
    }
)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _evaluate(request, docs):
    return evaluate(
        request,
        identity=[Policy.load(d, kind="identity") for d in docs["identity"]],
        resource=[Policy.load(d, kind="resource") for d in docs["resource"]],
        boundary=Policy.load(docs["boundary"], kind="boundary") if docs["boundary"] else None,
    )


def _check_explanation(decision):
    """The explanation agrees with the decision."""
    applied = [s for s in decision.statements if s.applies]
    if decision.outcome is Outcome.EXPLICITLY_DENIED:
        assert decision.decided_by is not None and decision.decided_by.effect == "Deny"
        assert decision.decided_by.applies
    else:
        assert not [s for s in applied if s.effect == "Deny"]
    if decision.outcome is Outcome.ALLOWED and decision.decided_by is not None:
        assert decision.decided_by.applies and decision.decided_by.effect == "Allow"
    assert decision.reason and str(decision)


@FAST
@given(requests, policy_sets, st.sampled_from(["identity", "resource", "boundary"]), st.data())
def test_a_matching_deny_anywhere_wins(request, docs, layer, data):
    """A Deny that matches the request, added to any policy of any kind, decides."""
    deny = {"Effect": "Deny", "Action": "*", "Resource": "*"}
    if request.is_service_principal:
        layer = "resource"  # identity policies do not apply to a service principal
    if layer == "resource":
        deny["Principal"] = "*"
    if layer == "boundary" and docs["boundary"] is None:
        docs["boundary"] = {"Version": "2012-10-17", "Statement": []}
    target = docs[layer] if layer != "boundary" else [docs["boundary"]]
    if not target:
        target.append({"Version": "2012-10-17", "Statement": []})
    doc = target[data.draw(st.integers(0, len(target) - 1))]
    doc["Statement"].insert(data.draw(st.integers(0, len(doc["Statement"]))), deny)
    decision = _evaluate(request, docs)
    assert decision.outcome is Outcome.EXPLICITLY_DENIED
    _check_explanation(decision)


@FAST
@given(
    requests,
    policy_sets,
    statements("identity", effect="Allow"),
    st.sampled_from(["identity", "resource", "boundary"]),
    st.data(),
)
def test_adding_an_allow_never_turns_allowed_into_denied(request, docs, extra, layer, data):
    before = _evaluate(request, docs)
    _check_explanation(before)
    if layer == "resource":
        extra = {**extra, "Principal": data.draw(st.sampled_from(PRINCIPALS))}
    target = (
        docs[layer] if layer != "boundary" else ([docs["boundary"]] if docs["boundary"] else [])
    )
    if not target:
        return
    target[data.draw(st.integers(0, len(target) - 1))]["Statement"].append(extra)
    after = _evaluate(request, docs)
    _check_explanation(after)
    if before.allowed:
        assert after.allowed, f"{before}\n---\n{after}"


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(
        [
            "*",
            "Allow",
            "Deny",
            "logs:*",
            "logs:PutLogEvents",
            "2012-10-17",
            "2008-10-17",
            SVC,
            ROLE,
            ACCT,
            "aws:SourceAccount",
            "arn:aws:logs:*:*:*",
            "${aws:SourceAccount}",
            "x",
            "",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "Version",
                    "Statement",
                    "Effect",
                    "Action",
                    "NotAction",
                    "Resource",
                    "NotResource",
                    "Principal",
                    "NotPrincipal",
                    "Condition",
                    "Sid",
                    "AWS",
                    "Service",
                    "StringEquals",
                    "ArnLike",
                    "Null",
                    "ForAnyValue:StringLike",
                    "NumericLessThan",
                    "aws:SourceAccount",
                    "Id",
                    "Bogus",
                ]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=15,
)


@settings(max_examples=150, deadline=None)
@given(json_values, st.sampled_from(["identity", "resource", "boundary"]), requests)
def test_random_documents_evaluate_or_raise_policy_error(doc, kind, request):
    """Any JSON value either loads and evaluates, or raises PolicyError: nothing else escapes."""
    for candidate in (doc, json.dumps(doc)):
        try:
            policy = Policy.load(candidate, kind=kind)
        except PolicyError as exc:
            assert exc.code == "MalformedPolicyDocument" and exc.message
            continue
        args = {"resource": [policy]} if kind == "resource" else {"identity": [policy]}
        if kind == "boundary":
            args = {"boundary": policy}
        try:
            decision = evaluate(request, **args)
        except RequestError:
            continue  # a context value the policy's operator cannot read: the documented error
        assert decision.outcome in Outcome
        _check_explanation(decision)
