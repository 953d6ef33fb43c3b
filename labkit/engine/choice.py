"""Choice-rule comparison operators for JSONPath Choice states.

Operators and their typing follow https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html
[DOC]: a comparison whose value has the wrong type is simply false; timestamps are
RFC 3339 strings; ``StringMatches`` supports ``*`` as a wildcard, ``\\*`` and ``\\\\`` as escapes.
"""

from __future__ import annotations

import operator
from datetime import datetime
from functools import lru_cache
from typing import Any

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
