"""Loading and validating policy documents.

Rules: IAM JSON policy element reference
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html and the
grammar https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html [DOC];
IAM's error type MalformedPolicyDocument and its messages as recorded [AWS-REC / ISSUE].
"""

from __future__ import annotations

import json

import pytest

from labkit.errors import LabkitError
from labkit.iam import Policy, PolicyError, Request, RequestError, evaluate

ALLOW = {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
SVC = {"Service": "delivery.logs.amazonaws.com"}


def _load(statement_or_doc, kind="identity"):
    doc = statement_or_doc
    if not {"Version", "Statement"} & set(doc):
        doc = {"Version": "2012-10-17", "Statement": [statement_or_doc]}
    return Policy.load(doc, kind=kind)


def test_loads_json_text_and_single_statement_object():
    """Grammar: Statement may be one object; elements may be a string or a list."""
    text = json.dumps({"Version": "2012-10-17", "Statement": ALLOW})
    policy = Policy.load(text, kind="identity", name="p")
    assert policy.name == "p" and policy.version == "2012-10-17"
    (st,) = policy.statements
    assert st.actions == ("logs:PutLogEvents",) and st.resources == ("*",)
    assert st.index == 1 and st.label == "#1"
    assert policy.size == len(text)


def test_version_defaults_to_2008():
    """Version element: without Version, AWS uses 2008-10-17 (no policy variables)."""
    assert Policy.load({"Statement": [ALLOW]}, kind="identity").version == "2008-10-17"


def test_loading_a_policy_again_returns_it():
    policy = _load(ALLOW)
    assert Policy.load(policy, kind="identity") is policy


# (document or statement, kind, expected message, fragment of where, fragment of detail)
# fmt: off
INVALID = [
    ("{not json", "identity", "Syntax errors in policy.", "document", "not valid JSON"),
    ({"Version": "2012-10-17", "Statement": [ALLOW], "Foo": 1}, "identity", "Syntax errors in policy.", "key Foo", "unknown top-level key"),
    ({**ALLOW, "Resources": "*"}, "identity", "Syntax errors in policy.", "statement 1, key Resources", "unknown statement key"),
    ({"Action": "logs:PutLogEvents", "Resource": "*"}, "identity", "Syntax errors in policy.", "key Effect", "Effect is missing"),
    ({**ALLOW, "Effect": "Maybe"}, "identity", "Syntax errors in policy.", "key Effect", "Allow or Deny"),
    ({**ALLOW, "NotAction": "logs:*"}, "identity", "Syntax errors in policy.", "key NotAction", "not both"),
    ({**ALLOW, "NotResource": "*"}, "identity", "Syntax errors in policy.", "key NotResource", "not both"),
    ({"Effect": "Allow", "Resource": "*"}, "identity", "Policy statement must contain actions.", "key Action", "Action"),
    ({"Effect": "Allow", "Action": "logs:PutLogEvents"}, "identity", "Policy statement must contain resources.", "key Resource", "Resource"),
    ({**ALLOW, "Action": "PutLogEvents"}, "identity", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", "key Action", "service prefix"),
    ({**ALLOW, "Action": "logs:Put:LogEvents"}, "identity", "Actions/Condition can contain only one colon.", "key Action", ""),
    ({**ALLOW, "Action": []}, "identity", "Syntax errors in policy.", "key Action", "non-empty"),
    ({**ALLOW, "Principal": SVC}, "identity", "Policy document should not specify a principal.", "key Principal", "resource-based"),
    ({**ALLOW, "Principal": SVC}, "boundary", "Policy document should not specify a principal.", "key Principal", ""),
    (ALLOW, "resource", "Missing required field Principal", "key Principal", "Principal"),
    ({**ALLOW, "Principal": {"AWS": "arn:aws:iam::*:role/x"}}, "resource", "Invalid principal in policy", "key Principal", "wildcard"),
    ({**ALLOW, "Principal": {"Robot": "x"}}, "resource", "Invalid principal in policy", "key Principal", "Robot"),
    ({**ALLOW, "Principal": "someone"}, "resource", "Invalid principal in policy", "key Principal", ""),
    ({**ALLOW, "Condition": {"StringEqualz": {"aws:SourceAccount": "1"}}}, "identity", "Syntax errors in policy.", "Condition.StringEqualz", "unknown condition operator"),
    ({**ALLOW, "Condition": {"NullIfExists": {"aws:SourceArn": "true"}}}, "identity", "Syntax errors in policy.", "Condition.NullIfExists", "unknown"),
    ({**ALLOW, "Condition": {"StringEquals": {"SourceAccount": "1"}}}, "identity", "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.", "SourceAccount", "prefix"),
    ({**ALLOW, "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "soon"}}}, "identity", "Syntax errors in policy.", "aws:MultiFactorAuthAge", "not a number"),
    ({**ALLOW, "Condition": {"DateGreaterThan": {"aws:CurrentTime": "tomorrow"}}}, "identity", "Syntax errors in policy.", "aws:CurrentTime", "ISO 8601"),
    ({**ALLOW, "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}}}, "identity", "Syntax errors in policy.", "aws:SourceIp", "IP address"),
    ({**ALLOW, "Condition": {"StringEquals": {"aws:SourceAccount": []}}}, "identity", "Syntax errors in policy.", "aws:SourceAccount", "non-empty"),
    ({**ALLOW, "Condition": {"StringEquals": {"aws:SourceAccount": {"a": 1}}}}, "identity", "Syntax errors in policy.", "aws:SourceAccount", ""),
    ({"Version": "2012-10-17", "Statement": [{**ALLOW, "Sid": "A"}, {**ALLOW, "Sid": "A"}]}, "identity", "Statement IDs (SID) in a single policy must be unique.", "statement 2", "twice"),
    ({"Version": "2013-01-01", "Statement": [ALLOW]}, "identity", "Syntax errors in policy.", "key Version", "2012-10-17"),
    ({"Version": "2012-10-17"}, "identity", "Syntax errors in policy.", "key Statement", "missing"),
    ({"Version": "2012-10-17", "Statement": []}, "identity", "Syntax errors in policy.", "key Statement", "non-empty"),
    ({"Version": "2012-10-17", "Statement": ["x"]}, "identity", "Syntax errors in policy.", "statement 1", "object"),
    ("[1, 2]", "identity", "Syntax errors in policy.", "document", "JSON object"),
]
# fmt: on


@pytest.mark.parametrize("doc, kind, message, where, detail", INVALID)
def test_invalid_documents_raise_one_clear_policy_error(doc, kind, message, where, detail):
    """Each malformed document gives MalformedPolicyDocument with IAM's message, and names the
    statement and key at fault."""
    with pytest.raises(PolicyError) as info:
        _load(doc, kind) if isinstance(doc, dict) else Policy.load(doc, kind=kind)
    err = info.value
    assert err.code == "MalformedPolicyDocument"
    assert err.message == message
    assert where in err.where
    assert detail in err.detail
    assert isinstance(err, ValueError) and isinstance(err, LabkitError)
    assert err.code in str(err) and err.where in str(err)


def test_error_names_the_sid_when_there_is_one():
    with pytest.raises(PolicyError) as info:
        _load({**ALLOW, "Sid": "WriteLogs", "Effect": "allowed"})
    assert "statement 1 (Sid 'WriteLogs')" in info.value.where


def test_lowercase_effect_is_malformed_as_iam_documents():
    """ "The Effect value is case sensitive" [DOC]; moto's syntax pass lower-cases it, but its
    semantic pass (``_legacy_parse_statement``) compares case-sensitively too."""
    with pytest.raises(PolicyError) as info:
        _load({**ALLOW, "Effect": "allow"})
    assert info.value.code == "MalformedPolicyDocument" and "case-sensitive" in info.value.detail
    assert _load(ALLOW).statements[0].effect == "Allow"  # the loader still works afterwards


def test_resource_policy_may_omit_resource():
    """A resource-based policy statement without Resource applies to its own resource."""
    policy = _load({"Effect": "Allow", "Principal": SVC, "Action": "logs:PutLogEvents"}, "resource")
    request = Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", "arn:aws:logs:r:1:x")
    assert evaluate(request, resource=[policy]).allowed


def test_bad_kind_and_bad_type():
    with pytest.raises(LabkitError):
        Policy.load({"Statement": [ALLOW]}, kind="session")
    with pytest.raises(PolicyError):
        Policy.load(42, kind="identity")


# --- bad requests -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "principal, action, resource, context, fragment",
    [
        ("delivery.logs.amazonaws.com", "PutLogEvents", "*", {}, "service:Action"),
        ("delivery.logs.amazonaws.com", "logs:Put*", "*", {}, "no wildcards"),
        ("delivery.logs.amazonaws.com", "logs:PutLogEvents", "", {}, "resource"),
        ("someone", "logs:PutLogEvents", "*", {}, "principal"),
        ("arn:aws:iam::123456789012:group/G", "logs:PutLogEvents", "*", {}, "principal"),
        (
            "delivery.logs.amazonaws.com",
            "logs:PutLogEvents",
            "*",
            {"aws:SecureTransport": True},
            "strings",
        ),
        ("delivery.logs.amazonaws.com", "logs:PutLogEvents", "*", {"aws:Count": 3}, "strings"),
        (
            "delivery.logs.amazonaws.com",
            "logs:PutLogEvents",
            "*",
            {"SourceAccount": "1"},
            "condition key",
        ),
        ("delivery.logs.amazonaws.com", "logs:PutLogEvents", "*", [("a:b", "c")], "mapping"),
    ],
)
def test_malformed_requests_raise_request_error(principal, action, resource, context, fragment):
    """Malformed requests raise RequestError (InvalidInput), never a traceback from internals."""
    with pytest.raises(RequestError) as info:
        Request(principal, action, resource, context)
    assert info.value.code == "InvalidInput"
    assert fragment in info.value.message


def test_context_value_of_wrong_form_for_operator_is_an_error_not_a_mismatch():
    """A context value a numeric operator cannot read is reported, not silently a non-match."""
    policy = _load({**ALLOW, "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}})
    request = Request(
        "arn:aws:iam::123456789012:role/R",
        "logs:PutLogEvents",
        "*",
        {"aws:MultiFactorAuthAge": "x"},
    )
    with pytest.raises(RequestError, match="aws:MultiFactorAuthAge"):
        evaluate(request, identity=[policy])


def test_evaluate_rejects_wrong_policy_kinds():
    identity = _load(ALLOW)
    request = Request("arn:aws:iam::123456789012:role/R", "logs:PutLogEvents", "*")
    with pytest.raises(LabkitError, match="kind='resource'"):
        evaluate(request, resource=[identity])
    with pytest.raises(LabkitError, match="Policy.load"):
        evaluate(request, identity=[{"Statement": []}])
    with pytest.raises(LabkitError):
        evaluate("not a request", identity=[identity])
