"""labkit.iam's public names are pinned: changing them is a deliberate, visible act."""

from __future__ import annotations

import labkit.iam

CONTRACT = {
    "Policy",
    "PolicyError",
    "Request",
    "Outcome",
    "Decision",
    "StatementResult",
    "evaluate",
    "managed_policy",
    "ManagedPolicy",
    "MANAGED_POLICY_NAMES",
    "lint",
    "LintWarning",
}


def test_all_is_sorted_and_complete():
    names = labkit.iam.__all__
    assert names == sorted(names)
    assert set(names) >= CONTRACT
    for name in names:
        assert getattr(labkit.iam, name) is not None


def test_outcome_values_are_awss_words():
    assert [o.value for o in labkit.iam.Outcome] == [
        "Allowed",
        "ExplicitlyDenied",
        "ImplicitlyDenied",
    ]


def test_policy_error_is_a_labkit_error_and_value_error():
    from labkit.errors import LabkitError

    assert issubclass(labkit.iam.PolicyError, LabkitError)
    assert issubclass(labkit.iam.PolicyError, ValueError)


def test_requests_are_hashable_values():
    """Requests can key caches: equal requests hash alike, list contexts included."""
    from labkit.iam import Request

    a = Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", "*", {"aws:TagKeys": ["a"]})
    b = Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", "*", {"aws:TagKeys": ["a"]})
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
