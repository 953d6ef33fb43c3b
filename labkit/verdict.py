"""The verdict of one lab run: one short line that makes the point, and the evidence folded under it.

The first line says, in at most about 100 characters, the execution's status, how many of
the logged events were delivered, and the cause in words a beginner reads. Each cause has
its own words (:data:`CAUSES`), so "no policy" and "wrong principal" never read the same.
The request ARN, the deciding statement and the per-statement reasons are plain bullets
folded away under it ("Principal ✗: states.amazonaws.com is not delivery.logs.amazonaws.com").

The cause is read off the IAM decision the world made for the delivery service, with the
IAM User Guide's rule that a statement applies only when principal, action, resource and
every condition match, and that an explicit Deny wins [DOC]
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html .
When no Allow statement applies, the cause is the first element that fails in the Allow
statement that came closest (fewest failing elements), checked in the order principal,
action, resource, condition: a labkit teaching choice, not an AWS message (AWS records no
reason for a dropped delivery; delivery is "best-effort" [DOC]
https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html).

User-facing words live in the tables at the top of this module (one place to translate).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from labkit.i18n import N_, Messages, _

__all__ = ["Verdict", "CAUSES", "cause_of", "statement_bullets", "decision_bullets"]

# --------------------------------------------------------------------------- words (translate here)

#: cause key -> the words after "N of M events delivered: " (short, distinct, for beginners).
CAUSES = Messages(
    {
        "delivered": "",
        "not-logged": "",
        "no-policy": N_("no resource policy lets the log service write"),
        "wrong-principal": N_("the policy names the wrong principal"),
        "explicit-deny": N_("an explicit Deny in the resource policy"),
        "other-log-group": N_("the policy covers another log group"),
        "other-region": N_("the policy names another region"),
        "group-not-streams": N_("the policy names the group, not its streams"),
        "condition": N_("a condition in the policy is not met"),
        "wrong-action": N_("the policy does not allow {action}"),
        "no-log-group": N_("the log group does not exist"),
        "rejected": "",
        "unknown": N_("AWS does not say why (try labkit.doctor)"),
    }
)

WORDS = Messages(
    {
        "status": N_("Execution {status}"),
        "status-unknown": N_("Execution ran"),
        "delivered": N_("{delivered} of {logged} events delivered"),
        "delivered-cause": N_("{delivered} of {logged} events delivered: {cause}"),
        "not-logged": N_("nothing is logged at level {level} ({events} events)"),
        "rejected": N_("Change rejected by AWS ({code}); nothing was changed"),
        "role-not-consulted": N_(
            "The role's policies ({role}) allow logs:PutLogEvents, but the role was not "
            "consulted: only the log group's resource policy authorises delivery."
        ),
        "details": N_("Why: the request, the deciding statement, each statement"),
        "teaching": N_("The point"),
        "request": N_("Request: {principal} → {action} on {resource}"),
        "decided-by": N_("Decided by: {label} ({effect}) in {policy}"),
        "decided-none": N_("Decided by: no statement applies, so the request is implicitly denied"),
        "no-statements": N_("No resource policy statement exists for this log group."),
        "statement": N_("{label} ({effect}) in {policy}: {applies}"),
        "applies": N_("applies"),
        "not-applies": N_("does not apply"),
        "principal-ok": N_("Principal ✓: {value}"),
        "principal-bad": N_("Principal ✗: {patterns} is not {value}"),
        "action-ok": N_("Action ✓: {value}"),
        "action-bad": N_("Action ✗: {value} is not in {patterns}"),
        "resource-ok": N_("Resource ✓: matches {hit}"),
        "resource-bad": N_("Resource ✗: {reason}"),
        "condition-ok": N_("Condition ✓: {reason}"),
        "condition-bad": N_("Condition ✗: {reason}"),
        "message": N_("AWS says: {message}"),
        "rejected-document": N_(
            "The document AWS rejected (copy it back into the editor to fix it):"
        ),
        "aws-changed": N_("AWS changed this by itself: {change}"),
        "note": N_("{note}"),
    }
)

# CSS: JupyterLab theme variables with fallbacks for other front ends (nbviewer, GitHub).
_GOOD = "var(--jp-success-color1, #1b7a3a)"
_BAD = "var(--jp-error-color1, #c62828)"
_MUTED = "var(--jp-ui-font-color2, #616161)"
_BORDER = "var(--jp-border-color2, #d0d0d0)"
_ASIDE = "var(--jp-layout-color2, #f2f2f2)"


# --------------------------------------------------------------------------- the object


@dataclass(frozen=True)
class Verdict:
    """What one run showed: the headline, a note, the teaching point and folded evidence.

    ``str(verdict)`` is the headline; ``_repr_html_`` shows it with the evidence folded in a
    ``<details>`` element, styled with JupyterLab's theme variables (light and dark themes).
    """

    status: str | None  # the execution's status (SUCCEEDED, FAILED, ...), None if not run
    delivered: int = 0
    logged: int = 0
    events: int = 0
    level: str = "ALL"
    cause: str = "delivered"  # a key of CAUSES
    action: str | None = None  # the request's action (for "wrong-action")
    error_code: str | None = None
    error_message: str | None = None
    notes: tuple[str, ...] = ()  # shown under the headline, not folded (role not consulted, ...)
    details: tuple[str | tuple[str, tuple[str, ...]], ...] = ()  # folded bullets (with children)
    teaching_point: str | None = None

    @property
    def ok(self) -> bool:
        """Whether every logged event arrived and no change was rejected."""
        return self.error_code is None and self.delivered == self.logged

    @property
    def headline(self) -> str:
        """The first line: status, delivered of logged, and the cause in a beginner's words."""
        if self.error_code is not None:
            return WORDS["rejected"].format(code=self.error_code)
        status = (
            WORDS["status"].format(status=self.status) if self.status else WORDS["status-unknown"]
        )
        if self.logged == 0:
            body = WORDS["not-logged"].format(level=self.level, events=self.events)
        elif self.delivered == self.logged or not CAUSES.get(self.cause):
            body = WORDS["delivered"].format(delivered=self.delivered, logged=self.logged)
        else:
            cause = CAUSES[self.cause].format(action=self.action or _("the action"))
            body = WORDS["delivered-cause"].format(
                delivered=self.delivered, logged=self.logged, cause=cause
            )
        return f"{status} · {body}"

    def __str__(self) -> str:
        return self.headline

    def __repr__(self) -> str:
        return f"<Verdict: {self.headline}>"

    def __getitem__(self, index):  # code written when the verdict was a plain string
        return self.headline[index]

    def text(self) -> str:
        """Headline, notes, teaching point and the evidence as indented plain text."""
        lines = [self.headline]
        if self.error_message:
            lines.append(WORDS["message"].format(message=self.error_message))
        lines += list(self.notes)
        if self.teaching_point:
            lines.append(f"{WORDS['teaching']}: {self.teaching_point}")
        for item in self.details:
            if isinstance(item, tuple):
                lines.append(f"  - {item[0]}")
                lines += [f"      - {child}" for child in item[1]]
            else:
                lines.append(f"  - {item}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = _GOOD if self.ok else _BAD
        head = f'<div style="font-weight:bold;color:{colour}">{html.escape(self.headline)}</div>'
        extra = []
        if self.error_message:
            extra.append(WORDS["message"].format(message=self.error_message))
        extra += self.notes
        body = "".join(f"<div>{html.escape(line)}</div>" for line in extra)
        folded = ""
        if self.details:
            folded = (
                f'<details style="margin-top:0.3em"><summary style="color:{_MUTED};cursor:pointer">'
                f"{html.escape(WORDS['details'])}</summary>{_bullets_html(self.details)}</details>"
            )
        main = f'<div style="flex:1 1 24em;min-width:16em">{head}{body}{folded}</div>'
        aside = ""
        if self.teaching_point:
            aside = (
                f'<div style="flex:0 1 18em;padding:0.4em 0.6em;border-left:3px solid {_BORDER};'
                f'background:{_ASIDE}"><div style="color:{_MUTED};font-size:0.9em">'
                f"{html.escape(WORDS['teaching'])}</div>{html.escape(self.teaching_point)}</div>"
            )
        return (
            '<div class="labkit-verdict" style="display:flex;flex-wrap:wrap;gap:0.8em;'
            f'align-items:flex-start;white-space:normal;line-height:1.4">{main}{aside}</div>'
        )


def _bullets_html(items: Sequence[Any]) -> str:
    out = []
    for item in items:
        if isinstance(item, tuple):
            text, children = item
            out.append(f"<li>{html.escape(text)}{_bullets_html(children)}</li>")
        else:
            out.append(f"<li>{html.escape(item)}</li>")
    return f'<ul style="margin:0.2em 0;padding-left:1.4em">{"".join(out)}</ul>'


# --------------------------------------------------------------------------- causes


def _plain_principal(pattern: str) -> str:
    """``Service:states.amazonaws.com`` -> ``states.amazonaws.com``."""
    return pattern.split(":", 1)[1] if pattern.split(":", 1)[0] in {"Service", "AWS"} else pattern


def cause_of(decision: Any) -> str:
    """The cause key (see :data:`CAUSES`) of a denied delivery decision (``labkit.iam.Decision``)."""
    from labkit.iam import Outcome

    if decision is None:
        return "unknown"
    if decision.allowed:
        return "delivered"
    if decision.outcome is Outcome.EXPLICITLY_DENIED:
        return "explicit-deny"
    allows = [s for s in decision.statements if s.effect == "Allow"]
    if not allows:
        return "no-policy"

    def failures(s) -> int:
        elements = [s.action, s.resource, s.principal, *s.conditions]
        return sum(1 for e in elements if e is not None and not e.matched)

    best = min(allows, key=failures)  # the first closest, in policy order
    if best.principal is not None and not best.principal.matched:
        return "wrong-principal"
    if not best.action.matched:
        return "wrong-action"
    if not best.resource.matched:
        reason = best.resource.reason
        if reason.startswith("region "):
            return "other-region"
        if "names its log streams" in reason or _group_not_streams(best.resource):
            return "group-not-streams"
        return "other-log-group"
    return "condition"


def _group_not_streams(match: Any) -> bool:
    return any(
        ":log-group:" in p and ":log-stream:" not in p and not p.endswith("*")
        for p in match.patterns
    )


def statement_bullets(result: Any) -> tuple[str, tuple[str, ...]]:
    """One statement as a bullet with one child bullet per element (✓ or ✗ and why)."""
    head = WORDS["statement"].format(
        label=result.label,
        effect=result.effect,
        policy=result.policy,
        applies=WORDS["applies"] if result.applies else WORDS["not-applies"],
    )
    children = []
    p = result.principal
    if p is not None:
        if p.matched:
            children.append(WORDS["principal-ok"].format(value=p.value))
        else:
            shown = ", ".join(_plain_principal(x) for x in p.patterns) or _("(none)")
            children.append(WORDS["principal-bad"].format(patterns=shown, value=p.value))
    a = result.action
    if a.matched:
        children.append(WORDS["action-ok"].format(value=a.value))
    else:
        children.append(WORDS["action-bad"].format(value=a.value, patterns=", ".join(a.patterns)))
    r = result.resource
    children.append(
        WORDS["resource-ok"].format(hit=r.hit or _("(any)"))
        if r.matched
        else WORDS["resource-bad"].format(reason=r.reason)
    )
    for c in result.conditions:
        key = "condition-ok" if c.matched else "condition-bad"
        children.append(WORDS[key].format(reason=c.reason))
    return head, tuple(children)


def decision_bullets(decision: Any) -> tuple[Any, ...]:
    """The folded evidence of one decision: request, deciding statement, each statement."""
    r = decision.request
    out: list[Any] = [
        WORDS["request"].format(principal=r.principal, action=r.action, resource=r.resource)
    ]
    decided = decision.decided_by
    if decided is not None:
        out.append(
            WORDS["decided-by"].format(
                label=decided.label, effect=decided.effect, policy=decided.policy
            )
        )
    else:
        out.append(WORDS["decided-none"])
    if not decision.statements:
        out.append(WORDS["no-statements"])
    out += [statement_bullets(s) for s in decision.statements]
    return tuple(out)
