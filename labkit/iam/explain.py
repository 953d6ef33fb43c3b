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

from labkit.i18n import N_, _
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
        if self.applies:
            text = _("{label} ({effect}) in {policy}: applies: {reason}")
        else:
            text = _("{label} ({effect}) in {policy}: does not apply: {reason}")
        return text.format(
            label=self.label, effect=self.effect, policy=self.policy, reason=self.reason
        )


_UNNAMED = {
    "identity": N_("identity policy {position}"),
    "resource": N_("resource policy {position}"),
    "boundary": N_("boundary policy {position}"),
}


def policy_display(policy: Policy, kind: str, position: int) -> str:
    """``policy NAME``, else ``resource policy 2`` (1-based)."""
    if policy.name:
        return _("policy {name}").format(name=policy.name)
    unnamed = _UNNAMED.get(kind)
    if unnamed is None:
        return f"{kind} policy {position}"
    return _(unnamed).format(position=position)


def _short(items: Sequence[str], limit: int = 3) -> str:
    shown = ", ".join(items[:limit])
    return f"[{shown}{', …' if len(items) > limit else ''}]"


def _arn_parts(text: str) -> list[str]:
    return text.split(":", 5)


#: names of the ARN's parts, in English (shown with ``_``)
_SEGMENTS = ("arn", N_("partition"), N_("service"), N_("region"), N_("account"), N_("resource"))


def resource_mismatch(pattern: str, value: str) -> str:
    """A short reason why a resource pattern does not match (the first differing ARN part)."""
    from labkit.iam.match import RESOURCE, compile_tokens
    from labkit.iam.variables import tokenize

    pp, vp = _arn_parts(pattern), _arn_parts(value)
    if len(pp) == 6 and len(vp) == 6:
        for i in range(1, 5):
            seg = compile_tokens(tokenize(pp[i], variables=False), RESOURCE)
            if not seg.matches(vp[i]):
                return _("{part} {value!r} is not {pattern!r}").format(
                    part=_(_SEGMENTS[i]), value=vp[i], pattern=pp[i]
                )
        pres, vres = pp[5], vp[5]
        if pres.startswith("log-group:") and vres.startswith("log-group:"):
            pgroup = pres.split(":")[1]
            vgroup = vres.split(":")[1]
            seg = compile_tokens(tokenize(pgroup, variables=False), RESOURCE)
            if not seg.matches(vgroup) and not pgroup.endswith("*"):
                if pgroup.lower() == vgroup.lower():
                    return _(
                        "log group {group!r} differs from {pattern!r} only in case "
                        "(resources are case-sensitive)"
                    ).format(group=vgroup, pattern=pgroup)
                return _("pattern names another log group ({group})").format(group=pgroup)
            if ":log-stream:" in pres and ":log-stream:" not in vres:
                return _("the request names a log group; the pattern names its log streams")
    return _("{value} does not match {pattern}").format(value=value, pattern=pattern)


def _action_match(st: Statement, request: Request) -> Match:
    hit = st.action_pattern_hit(request.action_lower)
    negated = st.action_element == "NotAction"
    matched = (hit is not None) != negated
    if negated:
        reason = (
            _("{action} is excluded by NotAction {pattern}").format(
                action=request.action, pattern=hit
            )
            if hit
            else _("{action} is not in NotAction {patterns}").format(
                action=request.action, patterns=_short(st.actions)
            )
        )
    else:
        reason = (
            _("{action} matches {pattern}").format(action=request.action, pattern=hit)
            if hit
            else _("{action} is not in {patterns}").format(
                action=request.action, patterns=_short(st.actions)
            )
        )
    return Match(st.action_element, st.actions, request.action, matched, hit, reason)


def _resource_match(st: Statement, request: Request) -> Match:
    value = request.resource
    if st.resource_element is None:
        return Match(
            "Resource", (), value, True, None, _("no Resource element: the policy's resource")
        )
    hit, resolved = st.resource_pattern_hit(value, request.values)
    negated = st.resource_element == "NotResource"
    matched = (hit is not None) != negated
    shown = tuple(r if r is not None else p for r, p in zip(resolved, st.resources, strict=True))
    unresolved = [p for r, p in zip(resolved, st.resources, strict=True) if r is None]
    if hit is not None:
        if negated:
            reason = _("excluded by NotResource {pattern}").format(pattern=hit)
        else:
            reason = _("matches {pattern}").format(pattern=hit)
    elif negated:
        reason = _("not in NotResource")
    elif len(shown) == 1 and not unresolved:
        reason = resource_mismatch(shown[0], value)
    else:
        reason = _("{value} matches none of {patterns}").format(
            value=value, patterns=_short(list(shown))
        )
    if unresolved and hit is None:
        reason += _("; variable in {pattern} could not be resolved").format(pattern=unresolved[0])
    return Match(st.resource_element, shown, value, matched, hit, reason)


def _principal_match(st: Statement, request: Request) -> tuple[Match, PrincipalMatch]:
    spec = st.principal
    if spec is None:  # identity policies and boundaries have no principal element
        return Match(
            "Principal", (), request.principal, True, None, _("implied")
        ), PrincipalMatch.EXACT
    found, entry = spec.listed(request.principal_ref)
    shown = tuple("*" if t == "*" else f"{t}:{v}" for t, v in spec.entries)
    effective = st.principal_match(request.principal_ref)
    who = request.principal
    if spec.element == "NotPrincipal":
        reason = (
            _("{who} is excluded by NotPrincipal {entry}").format(who=who, entry=entry)
            if found.matched
            else _("{who} is not in NotPrincipal").format(who=who)
        )
    elif found is PrincipalMatch.NONE:
        reason = _("{who} is not {entries}").format(who=who, entries=_short(list(shown)))
    elif found is PrincipalMatch.ACCOUNT:
        reason = _(
            "{entry} names the whole account: the identity's own policies must also allow"
        ).format(entry=entry)
    elif found is PrincipalMatch.ANY:
        reason = _("Principal * is everyone")
    else:
        reason = _("{who} matches {entry}").format(who=who, entry=entry)
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
        reason = _("{key} is not in the request context: {state} ({rule})").format(
            key=c.key, state=state, rule=c.missing_rule()
        )
        return ConditionResult(op, c.key, values, None, matched, reason)
    shown = found[0] if len(found) == 1 else list(found)
    if c.operator.family == "null":
        reason = _("{key} is present, so Null {values} is {state}").format(
            key=c.key, values=list(values), state=str(matched).lower()
        )
    elif matched:
        reason = _("{key} = {value} satisfies {operator} {values}").format(
            key=c.key, value=shown, operator=op, values=list(values)
        )
    else:
        reason = _("{key} = {value} fails {operator} {values}").format(
            key=c.key, value=shown, operator=op, values=list(values)
        )
    if len(values) < len(c.values):
        reason += _(" (a policy variable could not be resolved)")
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
        reason = _("applies")
        if pmatch is PrincipalMatch.ACCOUNT:
            reason = _("applies (account-level principal: needs an identity-based allow too)")
    else:
        why = []
        if principal is not None and not principal.matched:
            why.append(_("principal: {reason}").format(reason=principal.reason))
        if not action.matched:
            why.append(_("action: {reason}").format(reason=action.reason))
        if not resource.matched:
            why.append(_("resource: {reason}").format(reason=resource.reason))
        why += [
            _("condition {operator}: {reason}").format(operator=c.operator, reason=c.reason)
            for c in conditions
            if not c.matched
        ]
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
    """A table cell: ``yes``, ``no`` or ``-`` (data, the same in every language)."""
    return "-" if match is None else "yes" if match.matched else "no"


def _said_yes(match: Match | None) -> str:
    """``_yes`` in the current language, for text."""
    return "-" if match is None else _("yes") if match.matched else _("no")


def statement_line(result: StatementResult, decided: bool) -> str:
    """One readable line (plus failed-condition lines) for ``str(decision)``."""
    mark = "=>" if decided else "  "
    head = f"{mark} {result.policy} {result.label} {result.effect}: "
    if result.applies:
        return head + (_("applies (decided)") if decided else _("applies"))
    parts = []
    if result.principal is not None:
        parts.append(_("principal {answer}").format(answer=_said_yes(result.principal)))
    parts.append(_("action {answer}").format(answer=_said_yes(result.action)))
    res = _("resource {answer}").format(answer=_said_yes(result.resource))
    if not result.resource.matched:
        res += f" ({result.resource.reason})"
    parts.append(res)
    if result.principal is not None and not result.principal.matched:
        parts[0] += f" ({result.principal.reason})"
    if not result.action.matched:
        parts[-2] += f" ({result.action.reason})"
    lines = [head + _("not applied: {parts}").format(parts=", ".join(parts))]
    for c in result.conditions:
        if not c.matched:
            lines.append(
                "     "
                + _("condition {operator} failed: {reason}").format(
                    operator=c.operator, reason=c.reason
                )
            )
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


#: Column headings of the HTML table (translate here); the data columns are FRAME_COLUMNS.
HTML_HEADINGS = {
    "policy": "Policy",
    "statement": "Statement",
    "effect": "Effect",
    "applies": "Applies",
    "decided": "Decided",
    "principal": "Principal",
    "action": "Action",
    "resource": "Resource",
    "conditions": "Conditions",
    "reason": "Why",
}
NO_STATEMENTS = "No statement to evaluate: no policy of this kind was given."


def _mark(value: object) -> str:
    """✓ / ✗ for booleans and yes/no, "" for a missing value (never a raw True/False)."""
    if value is True or value == "yes":
        return "✓"
    if value is False or value == "no":
        return "✗"
    return "" if value in ("-", None) else str(value)


def to_html(title: str, reason: str, frame: pandas.DataFrame) -> str:
    """A decision as HTML: title, reason, then one row per statement with ✓/✗ marks.

    Hand-built rather than ``DataFrame.to_html``: one header row, marks instead of raw
    booleans, and a reason column that wraps instead of being cut off.
    """
    intro = f"<p><strong>{html.escape(title)}</strong><br>{html.escape(reason)}</p>"
    if frame.empty:
        return f"<div>{intro}<p>{html.escape(NO_STATEMENTS)}</p></div>"
    marked = {"applies", "decided", "principal", "action", "resource"}
    head = "".join(
        f'<th style="text-align:left">{html.escape(HTML_HEADINGS[c])}</th>' for c in HTML_HEADINGS
    )
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for column in HTML_HEADINGS:
            value = record[column]
            if column == "conditions":
                value = str(value).replace(": yes", ": ✓").replace(": no", ": ✗")
                value = "" if value == "-" else value
            text = _mark(value) if column in marked else str(value)
            wrap = "normal" if column in ("reason", "conditions") else "nowrap"
            cells.append(f'<td style="text-align:left;white-space:{wrap}">{html.escape(text)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    return f"<div>{intro}{table}</div>"
