"""The Choice state: its body, JSONPath rules and their comparison operators.

Operators and their typing follow https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html
[DOC]: a comparison whose value has the wrong type is simply false; timestamps are
RFC 3339 strings; ``StringMatches`` supports ``*`` as a wildcard, ``\\*`` and ``\\\\`` as escapes.
"""

from __future__ import annotations

import operator
from datetime import datetime
from functools import lru_cache
from typing import Any

from labkit.engine.errors import PathMissing, StatesError
from labkit.engine.paths import compile_lookup, compile_reference, dumps, select
from labkit.engine.runtime_errors import choice_path_invalid
from labkit.glob import Glob, simple

_ORDER = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "GreaterThan": operator.gt,
    "LessThanEquals": operator.le,
    "GreaterThanEquals": operator.ge,
}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def timestamp(value: Any) -> datetime | None:
    """The aware datetime of an RFC 3339 string, or None."""
    if not isinstance(value, str) or "T" not in value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


@lru_cache(maxsize=512)
def _glob(pattern: str) -> Glob:
    """StringMatches: ``*`` matches anything, ``\\`` escapes [DOC]; linear time (labkit.glob)."""
    return simple(pattern, question=False, escapes=True)


def compare(op: str, value: Any, expected: Any) -> bool:
    """Evaluate one operator such as ``NumericLessThan`` or ``IsString``."""
    if op == "IsNull":
        return (value is None) == expected
    if op == "IsNumeric":
        return _number(value) == expected
    if op == "IsString":
        return isinstance(value, str) == expected
    if op == "IsBoolean":
        return isinstance(value, bool) == expected
    if op == "IsTimestamp":
        return (timestamp(value) is not None) == expected
    if op == "BooleanEquals":
        return isinstance(value, bool) and value == expected
    if op == "StringMatches":
        return isinstance(value, str) and _glob(expected).matches(value)
    for prefix in ("String", "Numeric", "Timestamp"):
        if op.startswith(prefix):
            fn = _ORDER[op[len(prefix) :]]
            if prefix == "String":
                return isinstance(value, str) and isinstance(expected, str) and fn(value, expected)
            if prefix == "Numeric":
                return _number(value) and _number(expected) and fn(value, expected)
            left, right = timestamp(value), timestamp(expected)
            return left is not None and right is not None and fn(left, right)
    raise ValueError(op)


# --- the Choice state ---------------------------------------------------------------------

#: AWS's cause when no rule matches and there is no Default (after the state's prefix)
NO_NEXT_STATE = "Failed to transition out of the state. The state does not point to a next state."


def run_choice(run: Any, st: Any, data: Any, cur: list, ctx: dict, scope: dict) -> tuple:
    """A Choice state's body: the first matching rule's ``Next``, else ``Default``.

    No match and no ``Default`` fails the execution with ``States.Runtime`` and the cause
    "Failed to transition out of the state. The state does not point to a next state."
    after the state's prefix [AWS-REC floci-io/floci ``AslExecutorBranchHistoryEventsTest``
    ``choiceWithNoMatchingRuleAndNoDefaultFailsAsAwsDoes``, read off real Step Functions;
    the Choice page says only that the state machine "throws an error due to a failure to
    transition out of the state", DOC https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html ];
    the predefined error names still include ``States.NoChoiceMatched`` for this case [DOC,
    the ASL specification's appendix A https://states-language.net/spec.html#appendix-a and
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html ], a
    name the service did not record, so labkit follows the recording. Being ``States.Runtime``, no
    Retry or Catch can handle it [DOC: States.ALL does not match States.Runtime]. A rule whose
    ``Variable`` selects nothing fails with ``States.Runtime`` and "Invalid path '$.x': The
    choice state's condition path references an invalid value." [AWS-REC] (see
    ``runtime_errors``); ``Variable`` may name a workflow variable (``$name``) [AWS-REC
    issue 13 #3]. A JSONata ``Condition`` must evaluate to a boolean [DOC].
    """
    ata = st.language == "JSONata"
    states = {"input": data, "context": ctx}
    env = run.env(data, ctx, scope)
    effective = data if ata else select(st.input_path, data, field="InputPath", env=env)
    env = env if ata else run.env(effective, ctx, scope)
    for i, rule in enumerate(st.choices):
        if ata:
            verdict = run.ata(rule["Condition"], states, scope, f"Choices[{i}]/Condition")
            if not isinstance(verdict, bool):
                raise StatesError(
                    "States.QueryEvaluationError",
                    f"The Condition field evaluated to a non-boolean value: {dumps(verdict)}",
                    location=f"Choices[{i}]/Condition",
                )
        else:
            verdict = test(rule, env)
        if verdict:
            assigned = run.assign(st, rule.get("Assign"), effective, states, ctx, scope)
            if ata:
                out = (
                    run.ata(rule["Output"], states, scope, f"Choices[{i}]/Output")
                    if "Output" in rule
                    else data
                )
            else:
                out = select(st.output_path, effective, field="OutputPath", env=env)
            return out, rule["Next"], assigned
    if st.default is None:
        raise StatesError("States.Runtime", NO_NEXT_STATE)
    if ata:
        out, _, assigned = run.ata_out(st, data, ctx, scope)
        return out, st.default, assigned
    assigned = run.assign(st, st.assign, effective, {}, ctx, scope)
    return select(st.output_path, effective, field="OutputPath", env=env), st.default, assigned


def test(rule: dict, env: Any) -> bool:
    """Evaluate a JSONPath choice rule against ``env.input``."""
    if "And" in rule:
        return all(test(r, env) for r in rule["And"])
    if "Or" in rule:
        return any(test(r, env) for r in rule["Or"])
    if "Not" in rule:
        return not test(rule["Not"], env)
    try:
        value = compile_lookup(rule["Variable"])(env.input, env)
        present = True
    except PathMissing:
        value, present = None, False
    for op, expected in rule.items():
        if op in ("Variable", "Next", "Assign", "Comment"):
            continue
        if op == "IsPresent":
            return present == expected
        if not present:
            raise StatesError("States.Runtime", choice_path_invalid(rule["Variable"]))
        if op.endswith("Path"):
            expected = compile_reference(expected, op)(env)
            op = op[:-4]
        return compare(op, value, expected)
    return False
