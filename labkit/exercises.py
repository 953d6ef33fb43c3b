"""Checks for the lessons' exercises: the learner writes, labkit says what holds and what not.

Lesson 05 asks for a least-privilege CloudWatch Logs resource policy for one log group.
:func:`check_delivery_policy` checks a learner's policy the way AWS would decide the
requests that matter, with :mod:`labkit.iam` (the evaluator and lint the lessons already
use), and returns a :class:`CheckResult` whose bullets say, in a beginner's words, what is
right and what to fix. It never prints the solution.

What "right" means, with sources:

* delivery works: ``delivery.logs.amazonaws.com`` may ``logs:CreateLogStream`` and
  ``logs:PutLogEvents`` on ``…:log-group:NAME:log-stream:*`` [DOC]
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html ,
  with the request context the delivery service supplies (``aws:SourceAccount`` and a
  CloudWatch Logs ``aws:SourceArn`` [INFER], see ``labkit.world.authorize``);
* least privilege: another log group's streams are not covered, another account's delivery
  (the confused deputy) is refused, and no other principal is allowed [DOC]
  https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html ;
* no classic mistake that :func:`labkit.iam.lint` knows.

Self-contained on purpose (one module, pure functions, no widgets): the exercise mechanism
that shows exercises, hidden solutions and checks can call it. Words are in :data:`WORDS`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Check", "CheckResult", "check_delivery_policy", "WORDS"]

DELIVERY = "delivery.logs.amazonaws.com"
OTHER_ACCOUNT = "111122223333"
OTHER_GROUP = "/aws/vendedlogs/states/SomeoneElses-Logs"

#: Every sentence of the checks (translate here).
WORDS = {
    "title-pass": "✓ Your policy does the job, and no more.",
    "title-fail": "✗ Not yet: {count} check(s) to fix.",
    "malformed": "AWS would reject this document: {error}",
    "create-ok": "The delivery service may create this group's log streams.",
    "create-bad": "The delivery service may not create this group's log streams ({why}).",
    "put-ok": "The delivery service may write log events to this group's streams.",
    "put-bad": "The delivery service may not write log events to this group's streams ({why}).",
    "other-group-ok": "Another log group's streams are not covered.",
    "other-group-bad": "Another log group's streams are covered too: name only this group.",
    "deputy-ok": "Delivery on behalf of another account is refused (no confused deputy).",
    "deputy-bad": (
        "Delivery on behalf of another account is allowed: add an aws:SourceAccount "
        "condition (and aws:SourceArn)."
    ),
    "principal-ok": "No other principal may write here.",
    "principal-bad": "{principal} may write here too: allow only {delivery}.",
    "lint-ok": "No classic mistake found.",
    "lint-bad": "{code}: {message}",
}


@dataclass(frozen=True)
class Check:
    """One check: its name, whether it holds, and the sentence that says so."""

    name: str
    ok: bool
    message: str


@dataclass(frozen=True)
class CheckResult:
    """All checks of one exercise; ``passed`` when every one holds."""

    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def title(self) -> str:
        failed = sum(not c.ok for c in self.checks)
        return WORDS["title-pass"] if self.passed else WORDS["title-fail"].format(count=failed)

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [self.title]
        lines += [f"  {'✓' if c.ok else '✗'} {c.message}" for c in self.checks]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        good, bad = "var(--jp-success-color1, #1b7a3a)", "var(--jp-error-color1, #c62828)"
        items = "".join(
            f'<li><span style="color:{good if c.ok else bad};font-weight:bold">'
            f"{'✓' if c.ok else '✗'}</span> {html.escape(c.message)}</li>"
            for c in self.checks
        )
        colour = good if self.passed else bad
        return (
            f'<div style="white-space:normal;line-height:1.45"><div style="color:{colour};'
            f'font-weight:bold">{html.escape(self.title)}</div>'
            f'<ul style="list-style:none;padding-left:0.5em">{items}</ul></div>'
        )


def check_delivery_policy(
    policy: str | Mapping[str, Any], *, account: str, region: str, log_group: str
) -> CheckResult:
    """Check a learner's resource policy for delivering Step Functions logs to ``log_group``.

    >>> from labkit.iam.examples import delivery_policy
    >>> check_delivery_policy(delivery_policy("us-east-1", "123456789012", "G"),
    ...     account="123456789012", region="us-east-1", log_group="G").passed
    True
    """
    from labkit.iam import Policy, PolicyError, Request, evaluate, lint
    from labkit.verdict import CAUSES, cause_of

    try:
        loaded = Policy.load(policy, kind="resource", name="yours")
    except PolicyError as error:
        return CheckResult((Check("document", False, WORDS["malformed"].format(error=error)),))
    group_arn = f"arn:aws:logs:{region}:{account}:log-group:{log_group}"
    stream = f"{group_arn}:log-stream:states/exercise/2026-11-02-09-00/0a1b2c3d"
    context = {"aws:SourceAccount": account, "aws:SourceArn": group_arn}

    def decide(principal: str, action: str, resource: str, ctx: Mapping[str, str]) -> Any:
        return evaluate(Request(principal, action, resource, dict(ctx)), resource=[loaded])

    checks = []
    for action, key in (("logs:CreateLogStream", "create"), ("logs:PutLogEvents", "put")):
        decision = decide(DELIVERY, action, stream, context)
        message = (
            WORDS[f"{key}-ok"]
            if decision.allowed
            else WORDS[f"{key}-bad"].format(why=CAUSES[cause_of(decision)].format(action=action))
        )
        checks.append(Check(key, decision.allowed, message))
    other_group = f"arn:aws:logs:{region}:{account}:log-group:{OTHER_GROUP}"
    other = decide(
        DELIVERY,
        "logs:PutLogEvents",
        f"{other_group}:log-stream:x",
        {"aws:SourceAccount": account, "aws:SourceArn": other_group},
    )
    checks.append(
        Check(
            "other-group",
            not other.allowed,
            WORDS["other-group-bad" if other.allowed else "other-group-ok"],
        )
    )
    deputy = decide(
        DELIVERY,
        "logs:PutLogEvents",
        stream,
        {
            "aws:SourceAccount": OTHER_ACCOUNT,
            "aws:SourceArn": f"arn:aws:logs:{region}:{OTHER_ACCOUNT}:log-group:{log_group}",
        },
    )
    checks.append(
        Check(
            "confused-deputy",
            not deputy.allowed,
            WORDS["deputy-bad" if deputy.allowed else "deputy-ok"],
        )
    )
    intruders = [
        p
        for p in ("states.amazonaws.com", f"arn:aws:iam::{account}:role/AnyRole")
        if decide(p, "logs:PutLogEvents", stream, context).allowed
    ]
    checks.append(
        Check(
            "principal",
            not intruders,
            WORDS["principal-bad"].format(principal=intruders[0], delivery=DELIVERY)
            if intruders
            else WORDS["principal-ok"],
        )
    )
    warnings = lint(loaded)
    if warnings:
        checks += [
            Check(f"lint:{w.code}", False, WORDS["lint-bad"].format(code=w.code, message=w.message))
            for w in warnings
        ]
    else:
        checks.append(Check("lint", True, WORDS["lint-ok"]))
    return CheckResult(tuple(checks))
