"""Condition operators, ``...IfExists`` and the ``ForAnyValue:``/``ForAllValues:`` qualifiers.

AWS facts modelled (IAM User Guide [DOC]):

* Operators, keys and values: operators AND, keys within one operator AND, values of one key
  OR; for negated operators (``StringNotEquals``, ``ArnNotLike``, ``NotIpAddress`` ...) the
  values are NOR. Key names are case-insensitive; ``StringEquals`` values are case-sensitive.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html
* Missing keys: a condition on a missing key is false, except negated operators (true),
  ``...IfExists`` (true), ``Null`` (tests presence), ``ForAllValues:`` (true when missing or
  empty); ``ForAnyValue:`` is false when missing.
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
* ``Date*`` values are ISO 8601 or epoch seconds; ``IpAddress`` takes CIDR blocks; ``Bool``
  compares ``true``/``false``; ``ArnLike``/``ArnEquals`` compare six components (see
  :mod:`labkit.iam.match`).

An unknown operator is rejected when the policy is loaded (``Syntax errors in policy.``),
never treated as true or as "no match". A context value of the wrong form for its operator
(``NumericLessThan`` on ``"abc"``) raises :class:`RequestError` rather than silently failing.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from labkit.i18n import _
from labkit.iam.errors import SYNTAX, PolicyError, RequestError
from labkit.iam.match import ARN, PLAIN, compile_tokens
from labkit.iam.variables import Token, has_variables, literal_text, resolve, tokenize

# base operator -> (family, negated, comparison)
_BASE: dict[str, tuple[str, bool, str]] = {
    "StringEquals": ("string", False, "eq"),
    "StringNotEquals": ("string", True, "eq"),
    "StringEqualsIgnoreCase": ("string", False, "ieq"),
    "StringNotEqualsIgnoreCase": ("string", True, "ieq"),
    "StringLike": ("string", False, "like"),
    "StringNotLike": ("string", True, "like"),
    "NumericEquals": ("numeric", False, "eq"),
    "NumericNotEquals": ("numeric", True, "eq"),
    "NumericLessThan": ("numeric", False, "lt"),
    "NumericLessThanEquals": ("numeric", False, "le"),
    "NumericGreaterThan": ("numeric", False, "gt"),
    "NumericGreaterThanEquals": ("numeric", False, "ge"),
    "DateEquals": ("date", False, "eq"),
    "DateNotEquals": ("date", True, "eq"),
    "DateLessThan": ("date", False, "lt"),
    "DateLessThanEquals": ("date", False, "le"),
    "DateGreaterThan": ("date", False, "gt"),
    "DateGreaterThanEquals": ("date", False, "ge"),
    "Bool": ("bool", False, "eq"),
    "BinaryEquals": ("binary", False, "eq"),
    "IpAddress": ("ip", False, "in"),
    "NotIpAddress": ("ip", True, "in"),
    "ArnEquals": ("arn", False, "like"),
    "ArnLike": ("arn", False, "like"),
    "ArnNotEquals": ("arn", True, "like"),
    "ArnNotLike": ("arn", True, "like"),
    "Null": ("null", False, "null"),
}
OPERATORS = tuple(_BASE)
FOR_ANY, FOR_ALL = "ForAnyValue", "ForAllValues"
_KEY_RE = re.compile(r"^[A-Za-z0-9.\-_]+:[^\s]+$")

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
}


@dataclass(frozen=True, slots=True)
class Operator:
    """A parsed condition operator such as ``ForAnyValue:StringLikeIfExists``."""

    text: str
    base: str
    family: str
    negated: bool
    if_exists: bool
    qualifier: str | None
    comparison: str


def parse_operator(text: str) -> Operator | None:
    """Parse an operator name (case-sensitive [INFER]); ``None`` when it is not an IAM operator."""
    qualifier = None
    rest = text
    for prefix in (FOR_ANY, FOR_ALL):
        if rest.startswith(prefix + ":"):
            qualifier, rest = prefix, rest[len(prefix) + 1 :]
            break
    if_exists = rest.endswith("IfExists")
    if if_exists:
        rest = rest[: -len("IfExists")]
    spec = _BASE.get(rest)
    if spec is None or (rest == "Null" and (if_exists or qualifier)):
        return None
    family, negated, comparison = spec
    return Operator(text, rest, family, negated, if_exists, qualifier, comparison)


def parse_number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def parse_date(text: str) -> float | None:
    """ISO 8601 (naive means UTC) or epoch seconds, as epoch seconds."""
    text = text.strip()
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return float(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _value_ok(family: str, text: str) -> bool:
    if family == "numeric":
        return parse_number(text) is not None
    if family == "date":
        return parse_date(text) is not None
    if family in ("bool", "null"):
        return text.lower() in ("true", "false")
    if family == "ip":
        return parse_network(text) is not None
    return True


_FAMILY_WORD = {
    "numeric": "a number",
    "date": "an ISO 8601 date or epoch seconds",
    "bool": "true or false",
    "null": "true or false",
    "ip": "an IP address or CIDR block",
}


@dataclass(frozen=True, slots=True)
class _Prepared:
    """Policy values ready for comparison."""

    values: tuple[str, ...]
    test: Callable[[str], bool]  # one context value against all policy values (positive sense)


@dataclass(frozen=True)
class Condition:
    """One ``operator: {key: values}`` entry of a statement's ``Condition`` block."""

    operator: Operator
    key: str
    values: tuple[str, ...]
    tokens: tuple[tuple[Token, ...], ...] = field(repr=False)
    key_lower: str = field(repr=False, default="")
    _static: _Prepared | None = field(repr=False, default=None, compare=False)

    def prepared(self, context: Mapping[str, tuple[str, ...]]) -> _Prepared:
        """Policy values after variable substitution; unresolvable values are dropped [INFER]."""
        if self._static is not None:
            return self._static
        resolved = []
        for toks in self.tokens:
            r = resolve(toks, context)
            if r is not None:
                resolved.append(r)
        return _prepare(self.operator, tuple(resolved), self.key)

    _holds: Callable[[Mapping[str, tuple[str, ...]]], bool] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_holds", self._build_holds())

    def holds(self, context: Mapping[str, tuple[str, ...]]) -> bool:
        """Whether the condition is true for this request context (lower-cased keys)."""
        return self._holds(context)

    def _build_holds(self) -> Callable[[Mapping[str, tuple[str, ...]]], bool]:
        """The condition's semantics as one closure specialised for its operator (hot path).

        Missing key: false, except negated operators and ``IfExists`` (true), ``ForAllValues``
        (true), ``ForAnyValue`` (false unless ``IfExists``); ``Null`` tests absence. Present:
        OR over context and policy values, NOR for negated operators; ``ForAnyValue`` needs
        one context value to satisfy the operator, ``ForAllValues`` every one.
        """
        op = self.operator
        key = self.key_lower
        if op.family == "null":
            expect_absent = frozenset(v.lower() == "true" for v in self.values)

            def null(context: Mapping[str, tuple[str, ...]]) -> bool:
                return (not context.get(key)) in expect_absent

            return null
        if op.qualifier == FOR_ALL:
            missing = True
        elif op.qualifier == FOR_ANY:
            missing = op.if_exists
        else:
            missing = op.if_exists or op.negated
        static = self._static
        prepared = self.prepared
        negated = op.negated

        if op.qualifier is None:

            def single(context: Mapping[str, tuple[str, ...]]) -> bool:
                found = context.get(key)
                if not found:
                    return missing
                test = static.test if static is not None else prepared(context).test
                for v in found:
                    if test(v):
                        return not negated
                return negated

            return single
        if op.qualifier == FOR_ANY:

            def for_any(context: Mapping[str, tuple[str, ...]]) -> bool:
                found = context.get(key)
                if not found:
                    return missing
                test = static.test if static is not None else prepared(context).test
                return any(test(v) != negated for v in found)

            return for_any

        def for_all(context: Mapping[str, tuple[str, ...]]) -> bool:
            found = context.get(key)
            if not found:
                return missing
            test = static.test if static is not None else prepared(context).test
            return all(test(v) != negated for v in found)

        return for_all

    def missing_rule(self) -> str:
        """Why a missing key gives the result it gives (for explanations)."""
        op = self.operator
        if op.family == "null":
            return _("Null tests whether the key is present")
        if op.qualifier == FOR_ALL:
            return _("ForAllValues is true for a missing key")
        if op.qualifier == FOR_ANY:
            return (
                _("…IfExists is true for a missing key")
                if op.if_exists
                else _("ForAnyValue is false for a missing key")
            )
        if op.if_exists:
            return _("…IfExists is true for a missing key")
        if op.negated:
            return _("a negated operator is true for a missing key")
        return _("a missing key makes the condition false")


def _glob_tests(tokens_list: tuple[tuple[Token, ...], ...], mode: str) -> Callable[[str], bool]:
    globs = [compile_tokens(t, mode) for t in tokens_list]
    if len(globs) == 1:
        return globs[0].matches
    return lambda v: any(g.matches(v) for g in globs)


def _checked(key: str, op: Operator, parse: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse_context(v: str) -> Any:
        parsed = parse(v)
        if parsed is None:
            raise RequestError(
                f"context key {key} has value {v!r}, but {op.text} needs {_FAMILY_WORD[op.family]}"
            )
        return parsed

    return parse_context


def _prepare(op: Operator, tokens_list: tuple[tuple[Token, ...], ...], key: str) -> _Prepared:
    values = tuple(literal_text(t) for t in tokens_list)
    family, comparison = op.family, op.comparison
    if family == "string" and comparison == "like":
        return _Prepared(values, _glob_tests(tokens_list, PLAIN))
    if family == "arn":
        return _Prepared(values, _glob_tests(tokens_list, ARN))
    # literal families: the text of the resolved tokens, wildcards included, is literal
    if family in ("string", "binary") and comparison == "eq":
        members = frozenset(values)
        return _Prepared(values, members.__contains__)
    if comparison == "ieq":
        folded = frozenset(v.casefold() for v in values)
        return _Prepared(values, lambda v: v.casefold() in folded)
    if family == "bool":
        lowered = frozenset(v.lower() for v in values)
        return _Prepared(values, lambda v: v.lower() in lowered)
    if family == "ip":
        nets = [n for n in map(parse_network, values) if n is not None]
        addr = _checked(key, op, _parse_address)
        return _Prepared(values, lambda v: any(addr(v) in n for n in nets))
    parse = parse_number if family == "numeric" else parse_date
    bounds = [b for b in map(parse, values) if b is not None]
    cmp = _CMP[comparison]
    conv = _checked(key, op, parse)
    return _Prepared(values, lambda v: any(cmp(conv(v), b) for b in bounds))


def _parse_address(text: str) -> Any:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _value_text(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def parse_condition_block(block: Any, *, variables: bool, where: str) -> tuple[Condition, ...]:
    """Parse a statement's ``Condition`` element; raise :class:`PolicyError` when malformed."""
    if not isinstance(block, Mapping):
        raise PolicyError(detail="Condition must be an object", where=f"{where}, key Condition")
    out: list[Condition] = []
    for op_text, keys in block.items():
        at = f"{where}, key Condition.{op_text}"
        op = parse_operator(str(op_text))
        if op is None:
            raise PolicyError(
                SYNTAX,
                detail=f"unknown condition operator {op_text!r}",
                where=at,
            )
        if not isinstance(keys, Mapping) or not keys:
            raise PolicyError(detail=f"{op_text} must map condition keys to values", where=at)
        for key, raw in keys.items():
            key_at = f"{at}.{key}"
            if not isinstance(key, str) or not _KEY_RE.match(key):
                raise PolicyError(
                    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
                    detail=f"condition key {key!r} has no service prefix such as aws:",
                    where=key_at,
                )
            items = raw if isinstance(raw, list) else [raw]
            texts = [_value_text(v) for v in items]
            if not texts or any(t is None for t in texts):
                raise PolicyError(
                    detail="condition values must be a string, number, boolean or a non-empty list of them",
                    where=key_at,
                )
            tokens_list = tuple(tokenize(t, variables=variables) for t in texts if t is not None)
            static = not any(has_variables(t) for t in tokens_list)
            for toks in tokens_list:
                text = literal_text(toks)
                if not has_variables(toks) and not _value_ok(op.family, text):
                    raise PolicyError(
                        detail=f"{op_text} value {text!r} is not {_FAMILY_WORD[op.family]}",
                        where=key_at,
                    )
            values = tuple(literal_text(t) for t in tokens_list)
            prepared = _prepare(op, tokens_list, key) if static and op.family != "null" else None
            out.append(Condition(op, key, values, tokens_list, key.lower(), prepared))
    return tuple(out)
