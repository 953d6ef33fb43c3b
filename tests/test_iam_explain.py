"""Explanations: which statement decided, and why every other statement did not apply.

Rule explained: a statement applies when action, resource, principal and every condition
match (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
"""

from __future__ import annotations

import copy

from labkit.iam import Outcome, Policy, PrincipalMatch, Request, evaluate
from labkit.iam.examples import delivery_policy

ACCT, REGION = "123456789012", "us-west-2"
SVC = "delivery.logs.amazonaws.com"
LG = "/aws/vendedlogs/states/LookingIntoLogging-Logs"
STREAM = f"arn:aws:logs:{REGION}:{ACCT}:log-group:{LG}:log-stream:s"
GOOD = {"aws:SourceAccount": ACCT, "aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCT}:*"}
RP = Policy.load(
    delivery_policy(REGION, ACCT, LG), kind="resource", name="AWSLogDeliveryWrite20150319"
)


def test_allowed_reason_names_statement_and_policy():
    d = evaluate(Request(SVC, "logs:PutLogEvents", STREAM, GOOD), resource=[RP])
    assert (
        d.reason == "allowed by AWSLogDeliveryWrite20150319 in policy AWSLogDeliveryWrite20150319"
    )
    assert d.decided_by.sid == "AWSLogDeliveryWrite20150319" and d.decided_by.applies
    assert d.decided_by.action.hit == "logs:PutLogEvents"
    assert d.decided_by.resource.hit.endswith(":log-stream:*")
    assert d.decided_by.principal_match is PrincipalMatch.EXACT
    assert (
        str(d)
        .splitlines()[0]
        .startswith("Allowed: delivery.logs.amazonaws.com -> logs:PutLogEvents")
    )


def test_implicit_deny_reason_and_failing_condition_key_operator_values():
    wrong = {"aws:SourceAccount": "999999999999", "aws:SourceArn": GOOD["aws:SourceArn"]}
    d = evaluate(Request(SVC, "logs:CreateLogStream", STREAM, wrong), resource=[RP])
    assert d.outcome is Outcome.IMPLICITLY_DENIED
    assert d.reason == (
        f"no resource policy statement allows {SVC} to logs:CreateLogStream on {STREAM}"
    )
    (st,) = d.statements
    assert not st.applies and st.action.matched and st.resource.matched and st.principal.matched
    failed = [c for c in st.conditions if not c.matched]
    assert [(c.operator, c.key) for c in failed] == [("StringEquals", "aws:SourceAccount")]
    assert failed[0].context_values == ("999999999999",) and failed[0].values == (ACCT,)
    text = str(d)
    assert "aws:SourceAccount" in text and "999999999999" in text and ACCT in text
    assert "StringEquals" in text


def test_missing_key_explained_with_its_rule():
    d = evaluate(Request(SVC, "logs:PutLogEvents", STREAM), resource=[RP])
    c = d.statements[0].conditions[0]
    assert c.context_values is None and not c.matched
    assert "not in the request context" in c.reason and "missing key" in c.reason


def test_resource_mismatch_reasons():
    other = STREAM.replace("LookingIntoLogging-Logs", "Other")
    upper = STREAM.replace("LookingIntoLogging-Logs", "LOOKINGINTOLOGGING-LOGS")
    group = f"arn:aws:logs:{REGION}:{ACCT}:log-group:{LG}"
    region = STREAM.replace(REGION, "eu-west-1")
    reasons = {
        name: evaluate(Request(SVC, "logs:PutLogEvents", res, GOOD), resource=[RP])
        .statements[0]
        .resource.reason
        for name, res in (("other", other), ("upper", upper), ("group", group), ("region", region))
    }
    assert "another log group" in reasons["other"]
    assert "only in case" in reasons["upper"]
    assert "log streams" in reasons["group"]
    assert "region" in reasons["region"] and "eu-west-1" in reasons["region"]


def test_principal_and_action_mismatch_in_text():
    d = evaluate(
        Request("states.amazonaws.com", "logs:DeleteLogGroup", STREAM, GOOD), resource=[RP]
    )
    st = d.statements[0]
    assert not st.principal.matched and "states.amazonaws.com" in st.principal.reason
    assert not st.action.matched and "logs:DeleteLogGroup" in st.action.reason
    assert "principal no" in str(d) and "action no" in str(d)


def test_explicit_deny_decided_by_deny_statement():
    doc = delivery_policy(REGION, ACCT, LG)
    doc["Statement"].append(
        {
            "Sid": "DenyPut",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "logs:PutLogEvents",
            "Resource": "*",
        }
    )
    d = evaluate(
        Request(SVC, "logs:PutLogEvents", STREAM, GOOD),
        resource=[Policy.load(doc, kind="resource", name="P")],
    )
    assert d.outcome is Outcome.EXPLICITLY_DENIED
    assert d.decided_by.sid == "DenyPut"
    assert d.reason == "explicitly denied by DenyPut in policy P"
    assert [s.applies for s in d.statements] == [True, True]
    assert "=> policy P DenyPut Deny: applies (decided)" in str(d)


def test_unnamed_policies_and_statements_use_positions():
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "states:*", "Resource": "*"},
            {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
        ],
    }
    p = Policy.load(doc, kind="identity")
    d = evaluate(
        Request("arn:aws:iam::123456789012:role/R", "logs:PutLogEvents", "*"), identity=[p, p]
    )
    assert d.reason == "allowed by statement #2 in identity policy 1"
    assert [s.label for s in d.statements] == ["#1", "#2", "#1", "#2"]
    assert [s.policy for s in d.statements] == ["identity policy 1"] * 2 + ["identity policy 2"] * 2


def test_to_frame_has_a_row_per_statement():
    doc = copy.deepcopy(delivery_policy(REGION, ACCT, LG))
    doc["Statement"].append(
        {
            "Sid": "Other",
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "logs:*",
            "Resource": "*",
        }
    )
    d = evaluate(
        Request(SVC, "logs:PutLogEvents", STREAM, GOOD),
        resource=[Policy.load(doc, kind="resource", name="P")],
    )
    frame = d.to_frame()
    assert list(frame.columns) == [
        "policy",
        "kind",
        "statement",
        "effect",
        "applies",
        "decided",
        "principal",
        "action",
        "resource",
        "conditions",
        "reason",
    ]
    assert list(frame["statement"]) == ["AWSLogDeliveryWrite20150319", "Other"]
    assert list(frame["applies"]) == [True, False]
    assert list(frame["decided"]) == [True, False]
    assert frame.loc[1, "principal"] == "no"


def test_html_view_escapes_and_contains_table():
    d = evaluate(Request(SVC, "logs:PutLogEvents", STREAM), resource=[RP])
    page = d._repr_html_()
    assert page.startswith("<div>") and "<table" in page and "ImplicitlyDenied" in page


def test_variables_shown_after_substitution():
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "logs:*",
                "Resource": "arn:aws:logs:us-west-2:${aws:SourceAccount}:log-group:X",
            }
        ],
    }
    p = Policy.load(doc, kind="identity")
    d = evaluate(
        Request(
            "arn:aws:iam::123456789012:role/R",
            "logs:PutLogEvents",
            "arn:aws:logs:us-west-2:123456789012:log-group:Y",
            {"aws:SourceAccount": ACCT},
        ),
        identity=[p],
    )
    assert d.statements[0].resource.patterns == ("arn:aws:logs:us-west-2:123456789012:log-group:X",)
    unresolved = evaluate(
        Request("arn:aws:iam::123456789012:role/R", "logs:PutLogEvents", "*"), identity=[p]
    )
    assert "could not be resolved" in unresolved.statements[0].resource.reason


def test_repr_and_bool():
    d = evaluate(Request(SVC, "logs:PutLogEvents", STREAM, GOOD), resource=[RP])
    assert repr(d).startswith("<Decision Allowed: ") and bool(d) and d.value == "Allowed"


def test_html_view_has_one_header_row_marks_and_a_wrapping_reason():
    d = evaluate(Request(SVC, "logs:PutLogEvents", STREAM), resource=[RP])
    page = d._repr_html_()
    assert page.count("<thead>") == 1 and page.count("<tr>") == 1 + len(d.statements)
    assert "True" not in page and "False" not in page and ("✓" in page or "✗" in page)
    assert "white-space:normal" in page
    empty = evaluate(Request(SVC, "logs:PutLogEvents", STREAM), resource=[])._repr_html_()
    assert "<table" not in empty and "No statement to evaluate" in empty
