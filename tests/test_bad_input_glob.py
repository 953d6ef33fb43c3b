"""Bad input, class 1: wildcard patterns decide in linear time, and as a reference matcher does.

The reference is the textbook translation to a Python regex (``*`` -> ``.*`` or ``[^:]*``),
run only on small patterns where its backtracking stays cheap. Speed is not timed here
(benchmarks/bench_iam.py prints it); the bound is checked by counting the matcher's steps,
and pytest-timeout stops a test that would hang as the old regex did.
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.engine.choice import compare
from labkit.glob import simple
from labkit.iam import Outcome, Policy, Request, evaluate
from labkit.iam.match import ARN, PLAIN, RESOURCE, any_of, compile_tokens
from labkit.iam.variables import tokenize

ALPHABET = "ab:*?/"


def _reference(pattern: str, mode: str) -> re.Pattern | None:
    """The old regex translation, used only as an oracle on small inputs."""

    def part(text: str, star: str, one: str) -> str:
        return "".join(star if c == "*" else one if c == "?" else re.escape(c) for c in text)

    if mode == PLAIN:
        return re.compile(part(pattern, ".*", "."), re.S)
    if mode == RESOURCE:
        out = []
        for i, c in enumerate(pattern):
            if c == "*":
                last = i + 1 == len(pattern) or pattern[i + 1] == ":"
                out.append(".*" if last else "[^:]*")
            else:
                out.append("[^:]" if c == "?" else re.escape(c))
        return re.compile("".join(out), re.S)
    parts = pattern.split(":", 5)
    if len(parts) != 6:
        return None
    pieces = [part(p, "[^:]*", "[^:]") for p in parts[:5]] + [part(parts[5], ".*", ".")]
    return re.compile(":".join(pieces), re.S)


@settings(max_examples=600, deadline=None)
@given(
    pattern=st.text(ALPHABET, max_size=10),
    value=st.text("ab:/", max_size=12),
    mode=st.sampled_from([PLAIN, RESOURCE, ARN]),
)
def test_glob_agrees_with_the_reference_regex(pattern: str, value: str, mode: str) -> None:
    glob = compile_tokens(tokenize(pattern, variables=False), mode)
    ref = _reference(pattern, mode)
    expected = ref is not None and ref.fullmatch(value) is not None
    assert glob.matches(value) == expected


@settings(max_examples=300, deadline=None)
@given(
    patterns=st.lists(st.text(ALPHABET, max_size=8), min_size=1, max_size=5),
    value=st.text("ab:/", max_size=10),
)
def test_a_list_of_patterns_matches_when_one_does(patterns: list[str], value: str) -> None:
    """The statement-level matcher (exact set, prefix tuple, the rest) agrees with the oracle."""
    combined = any_of([compile_tokens(tokenize(p, variables=False), RESOURCE) for p in patterns])
    expected = any(_reference(p, RESOURCE).fullmatch(value) for p in patterns)
    assert combined.matches(value) == expected


@settings(max_examples=300, deadline=None)
@given(pattern=st.text("ab*\\", max_size=10), value=st.text("ab*\\", max_size=10))
def test_string_matches_agrees_with_the_reference(pattern: str, value: str) -> None:
    out, i = "", 0
    while i < len(pattern):
        if pattern[i] == "\\" and i + 1 < len(pattern):
            out, i = out + re.escape(pattern[i + 1]), i + 2
            continue
        out, i = out + (".*" if pattern[i] == "*" else re.escape(pattern[i])), i + 1
    expected = re.fullmatch(out, value, re.S) is not None
    assert compare("StringMatches", value, pattern) == expected


def test_the_issue_pattern_decides_in_one_step_per_character() -> None:
    pattern = "arn:aws:logs:us-east-1:1:log-group:" + "*a" * 9 + "b"
    value = "arn:aws:logs:us-east-1:1:log-group:" + "a" * 60
    glob = compile_tokens(tokenize(pattern, variables=False), RESOURCE)
    assert glob.matches(value) is False
    assert glob.steps <= len(value)  # never more than one step per character: no backtracking
    assert glob.matches(value[:-1] + "b") is True


@pytest.mark.timeout(10)
@pytest.mark.parametrize("mode", [PLAIN, RESOURCE, ARN])
def test_a_200_wildcard_pattern_is_decided_within_len_value_steps(mode: str) -> None:
    pattern = "arn:aws:logs:us-east-1:123456789012:log-group:" + "*a" * 200 + "b"
    value = "arn:aws:logs:us-east-1:123456789012:log-group:" + "a" * 400
    glob = compile_tokens(tokenize(pattern, variables=False), mode)
    assert glob.matches(value) is False
    assert glob.steps <= len(value)
    assert glob.matches(value + "b") is True
    assert glob.steps <= len(value) + 1


@pytest.mark.timeout(20)
def test_policy_with_many_wildcards_evaluates_and_string_like_arn_like_too() -> None:
    many = "*a" * 200 + "b"
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "logs:" + many,
                "Resource": "arn:aws:logs:us-east-1:123456789012:log-group:" + many,
                "Condition": {
                    "StringLike": {"aws:SourceAccount": many},
                    "ArnLike": {"aws:SourceArn": "arn:aws:logs:*:*:" + many},
                },
            }
        ],
    }
    policy = Policy.load(json.dumps(doc), kind="identity")

    def request(tail: str) -> Request:
        return Request(
            principal="arn:aws:iam::123456789012:role/r",
            action="logs:" + "a" * 300 + tail,
            resource="arn:aws:logs:us-east-1:123456789012:log-group:" + "a" * 300 + tail,
            context={
                "aws:SourceAccount": "a" * 300 + tail,
                "aws:SourceArn": "arn:aws:logs:x:y:" + "a" * 300 + tail,
            },
        )

    assert evaluate(request("b"), identity=[policy]).outcome is Outcome.ALLOWED
    assert evaluate(request("c"), identity=[policy]).outcome is Outcome.IMPLICITLY_DENIED


def test_literal_regex_characters_are_literal() -> None:
    assert simple("a.b").matches("a.b") and not simple("a.b").matches("axb")
    assert simple("[ab]").matches("[ab]") and not simple("[ab]").matches("a")
    assert simple("a?c").matches("abc") and not simple("a?c", question=False).matches("abc")
