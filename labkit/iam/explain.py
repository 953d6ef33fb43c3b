"""Explanations: why each statement applied or not, as data, text, a table and HTML.

What is explained follows the IAM User Guide's evaluation steps
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html) [DOC]:
a statement applies when its action, resource, principal (resource-based policies) and every
condition match. Statements are named by Sid, else by 1-based position; policies by name,
else by kind and position.

Explanations are built only when asked for (``Decision.statements``), with the same matching
functions the evaluation used, so that evaluating stays fast and the two cannot disagree.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from labkit.iam.conditions import Condition
from labkit.iam.errors import RequestError
from labkit.iam.match import PrincipalMatch

if TYPE_CHECKING:
    import pandas

    from labkit.iam.document import Policy, Statement
    from labkit.iam.request import Request


@dataclass(frozen=True)
class Match:
    """One element (Action, Resource, Principal) compared with the request."""

    element: str  # "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal"
    patterns: tuple[str, ...]  # as written (resources after variable substitution)
    value: str  # the request's value
    matched: bool  # whether the element lets the statement apply
    hit: str | None  # the listed pattern that matched the value, if any
    reason: str


@dataclass(frozen=True)
class ConditionResult:
    """One condition key under one operator, evaluated."""

    operator: str
    key: str
    values: tuple[str, ...]  # policy values after variable substitution
    context_values: tuple[str, ...] | None  # None: key missing from the request context
    matched: bool
    reason: str


@dataclass(frozen=True)
class StatementResult:
    """One statement of one policy, and whether (and why not) it applied to the request."""

    policy: str  # display name of the policy
    kind: str  # identity | resource | boundary
    index: int  # 1-based position in the policy
    sid: str | None
    effect: str  # Allow | Deny
    applies: bool
    action: Match
    resource: Match
    principal: Match | None  # None for identity policies and boundaries
    principal_match: PrincipalMatch | None
    conditions: tuple[ConditionResult, ...]
    reason: str  # one line: "applies" or the first reasons it does not

    @property
    def label(self) -> str:
        """The statement's Sid, else ``#index``."""
        return self.sid if self.sid else f"#{self.index}"

    def __str__(self) -> str:
        verdict = "applies" if self.applies else "does not apply"
        return f"{self.label} ({self.effect}) in {self.policy}: {verdict}: {self.reason}"


def policy_display(policy: Policy, kind: str, position: int) -> str:
    """``policy NAME``, else ``resource policy 2`` (1-based)."""
    return f"policy {policy.name}" if policy.name else f"{kind} policy {position}"


def _short(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return f"[{shown}{', …' if len(items) > limit else ''}]"


def _arn_parts(text: str) -> list[str]:
    return text.split(":", 5)


_SEGMENTS = ("arn", "partition", "service", "region", "account", "resource")


def resource_mismatch(pattern: str, value: str) -> str:
    """A short reason why a resource pattern does not match (the first differing ARN part)."""
    from labkit.iam.match import RESOURCE, compile_tokens
    from labkit.iam.variables import tokenize

    pp, vp = _arn_parts(pattern), _arn_parts(value)
    if len(pp) == 6 and len(vp) == 6:
        for i in range(1, 5):
            seg = compile_tokens(tokenize(pp[i], variables=False), RESOURCE)
            if not seg.matches(vp[i]):
                return f"{_SEGMENTS[i]} {vp[i]!r} is not {pp[i]!r}"
        pres, vres = pp[5], vp[5]
        if pres.startswith("log-group:") and vres.startswith("log-group:"):
            pgroup = pres.split(":")[1]
            vgroup = vres.split(":")[1]
            seg = compile_tokens(tokenize(pgroup, variables=False), RESOURCE)
            if not seg.matches(vgroup) and not pgroup.endswith("*"):
                if pgroup.lower() == vgroup.lower():
                    return (
                        f"log group {vgroup!r} differs from {pgroup!r} only in case "
                        "(resources are case-sensitive)"
                    )
                return f"pattern names another log group ({pgroup})"
            if ":log-stream:" in pres and ":log-stream:" not in vres:
                return "the request names a log group; the pattern names its log streams"
    return f"{value} does not match {pattern}"


def _action_match(st: Statement, request: Request) -> Match:
    hit = st.action_pattern_hit(request.action_lower)
    negated = st.action_element == "NotAction"
    matched = (hit is not None) != negated
    if negated:
        reason = (
            f"{request.action} is excluded by NotAction {hit}"
            if hit
            else f"{request.action} is not in NotAction {_short(st.actions)}"
        )
    else:
        reason = (
            f"{request.action} matches {hit}"
            if hit
            else f"{request.action} is not in {_short(st.actions)}"
        )
    return Match(st.action_element, st.actions, request.action, matched, hit, reason)


def _resource_match(st: Statement, request: Request) -> Match:
    value = request.resource
    if st.resource_element is None:
        return Match(
            "Resource", (), value, True, None, "no Resource element: the policy's resource"
        )
    hit, resolved = st.resource_pattern_hit(value, request.values)
    negated = st.resource_element == "NotResource"
    matched = (hit is not None) != negated
    shown = tuple(r if r is not None else p for r, p in zip(resolved, st.resources, strict=True))
    unresolved = [p for r, p in zip(resolved, st.resources, strict=True) if r is None]
    if hit is not None:
        reason = f"excluded by NotResource {hit}" if negated else f"matches {hit}"
    elif negated:
        reason = "not in NotResource"
    elif len(shown) == 1 and not unresolved:
        reason = resource_mismatch(shown[0], value)
    else:
        reason = f"{value} matches none of {_short(list(shown))}"
    if unresolved and hit is None:
        reason += f"; variable in {unresolved[0]} could not be resolved"
    return Match(st.resource_element, shown, value, matched, hit, reason)


def _principal_match(st: Statement, request: Request) -> tuple[Match, PrincipalMatch]:
    spec = st.principal
    if spec is None:  # identity policies and boundaries have no principal element
        return Match(
            "Principal", (), request.principal, True, None, "implied"
        ), PrincipalMatch.EXACT
    found, entry = spec.listed(request.principal_ref)
    shown = tuple("*" if t == "*" else f"{t}:{v}" for t, v in spec.entries)
    effective = st.principal_match(request.principal_ref)
    who = request.principal
    if spec.element == "NotPrincipal":
        reason = (
            f"{who} is excluded by NotPrincipal {entry}"
            if found.matched
            else f"{who} is not in NotPrincipal"
        )
    elif found is PrincipalMatch.NONE:
        reason = f"{who} is not {_short(list(shown))}"
    elif found is PrincipalMatch.ACCOUNT:
        reason = f"{entry} names the whole account: the identity's own policies must also allow"
    elif found is PrincipalMatch.ANY:
        reason = "Principal * is everyone"
    else:
        reason = f"{who} matches {entry}"
    return Match(spec.element, shown, who, effective.matched, entry, reason), effective


def _condition_result(c: Condition, context: Mapping[str, tuple[str, ...]]) -> ConditionResult:
    found = context.get(c.key_lower)
    op = c.operator.text
    try:
        values = c.prepared(context).values if c.operator.family != "null" else c.values
        matched = c.holds(context)
    except RequestError as exc:
        return ConditionResult(op, c.key, c.values, found, False, exc.message)
    if not found:
        state = "true" if matched else "false"
        reason = f"{c.key} is not in the request context: {state} ({c.missing_rule()})"
        return ConditionResult(op, c.key, values, None, matched, reason)
    shown = found[0] if len(found) == 1 else list(found)
    if c.operator.family == "null":
        reason = f"{c.key} is present, so Null {list(values)} is {str(matched).lower()}"
    elif matched:
        reason = f"{c.key} = {shown!s} satisfies {op} {list(values)}"
    else:
        reason = f"{c.key} = {shown!s} fails {op} {list(values)}"
    if len(values) < len(c.values):
        reason += " (a policy variable could not be resolved)"
    return ConditionResult(op, c.key, values, found, matched, reason)


def explain_statement(
    st: Statement, policy_name: str, kind: str, request: Request
) -> StatementResult:
    """Evaluate one statement element by element, with reasons."""
    action = _action_match(st, request)
    resource = _resource_match(st, request)
    principal, pmatch = (None, None)
    if st.principal is not None:
        principal, pmatch = _principal_match(st, request)
    conditions = tuple(_condition_result(c, request.values) for c in st.conditions)
    applies = (
        action.matched
        and resource.matched
        and (principal is None or principal.matched)
        and all(c.matched for c in conditions)
    )
    if applies:
        reason = "applies"
        if pmatch is PrincipalMatch.ACCOUNT:
            reason += " (account-level principal: needs an identity-based allow too)"
    else:
        why = []
        if principal is not None and not principal.matched:
            why.append(f"principal: {principal.reason}")
        if not action.matched:
            why.append(f"action: {action.reason}")
        if not resource.matched:
            why.append(f"resource: {resource.reason}")
        why += [f"condition {c.operator}: {c.reason}" for c in conditions if not c.matched]
        reason = "; ".join(why)
    return StatementResult(
        policy_name,
        kind,
        st.index,
        st.sid,
        st.effect,
        applies,
        action,
        resource,
        principal,
        pmatch,
        conditions,
        reason,
    )


def _yes(match: Match | None) -> str:
    return "-" if match is None else "yes" if match.matched else "no"


def statement_line(result: StatementResult, decided: bool) -> str:
    """One readable line (plus failed-condition lines) for ``str(decision)``."""
    mark = "=>" if decided else "  "
    head = f"{mark} {result.policy} {result.label} {result.effect}: "
    if result.applies:
        head += "applies"
        if decided:
            head += " (decided)"
        return head
    parts = []
    if result.principal is not None:
        parts.append(f"principal {_yes(result.principal)}")
    parts.append(f"action {_yes(result.action)}")
    res = f"resource {_yes(result.resource)}"
    if not result.resource.matched:
        res += f" ({result.resource.reason})"
    parts.append(res)
    if result.principal is not None and not result.principal.matched:
        parts[0] += f" ({result.principal.reason})"
    if not result.action.matched:
        parts[-2] += f" ({result.action.reason})"
    lines = [head + "not applied: " + ", ".join(parts)]
    for c in result.conditions:
        if not c.matched:
            lines.append(f"     condition {c.operator} failed: {c.reason}")
    return "\n".join(lines)


FRAME_COLUMNS = (
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
)


def to_frame(
    results: Sequence[StatementResult], decided: StatementResult | None
) -> pandas.DataFrame:
    """A row per statement with the columns in :data:`FRAME_COLUMNS`."""
    import pandas as pd

    rows = []
    for r in results:
        conds = "; ".join(
            f"{c.operator} {c.key}: {'yes' if c.matched else 'no'}" for c in r.conditions
        )
        rows.append(
            {
                "policy": r.policy,
                "kind": r.kind,
                "statement": r.label,
                "effect": r.effect,
                "applies": r.applies,
                "decided": r is decided,
                "principal": _yes(r.principal),
                "action": _yes(r.action),
                "resource": _yes(r.resource),
                "conditions": conds or "-",
                "reason": r.reason,
            }
        )
    return pd.DataFrame(rows, columns=list(FRAME_COLUMNS))


def to_html(title: str, reason: str, frame: pandas.DataFrame) -> str:
    table = frame.to_html(index=False, escape=True, border=0)
    return (
        f"<div><p><strong>{html.escape(title)}</strong><br>{html.escape(reason)}</p>{table}</div>"
    )
