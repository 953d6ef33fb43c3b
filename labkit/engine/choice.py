"""Choice-rule comparison operators for JSONPath Choice states.

Operators and their typing follow https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html
[DOC]: a comparison whose value has the wrong type is simply false; timestamps are
RFC 3339 strings; ``StringMatches`` supports ``*`` as a wildcard, ``\\*`` and ``\\\\`` as escapes.
"""

from __future__ import annotations

import operator
import re
from datetime import datetime
from functools import lru_cache
from typing import Any

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
def _glob(pattern: str) -> re.Pattern[str]:
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out += re.escape(pattern[i + 1])
            i += 2
            continue
        out += ".*" if c == "*" else re.escape(c)
        i += 1
    return re.compile(out + r"\Z", re.S)


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
        return isinstance(value, str) and bool(_glob(expected).match(value))
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
