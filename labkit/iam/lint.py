"""Warnings (not errors) for the classic policy mistakes of the log-delivery lesson.

Each warning has a stable ``code``, a ``message`` that says how to fix it, and ``where``
(statement label). Facts behind them [DOC unless marked]:

* CloudWatch Logs vended delivery is written by ``delivery.logs.amazonaws.com`` under the log
  group's resource policy, whose auto-created statement allows ``logs:CreateLogStream`` and
  ``logs:PutLogEvents`` on ``...:log-group:NAME:log-stream:*``
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html);
* both actions authorise against the **log-stream** resource type
  (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html);
* the log-delivery set-up actions (``logs:CreateLogDelivery`` ...) have no resource types, so the
  execution role needs them on ``"*"``
  (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html);
* AWS recommends ``aws:SourceAccount``/``aws:SourceArn`` against the confused deputy; for vended
  logs the source ARN is a CloudWatch Logs ARN, not the state machine's [INFER].
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labkit.errors import LabkitError
from labkit.i18n import N_, Messages, _, ngettext
from labkit.iam.document import Policy, Statement
from labkit.iam.examples import SFN_LOGGING_ACTIONS
from labkit.iam.match import arn_segments

DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
WRITE_ACTIONS = ("logs:createlogstream", "logs:putlogevents")
SETUP_ACTIONS = tuple(a.lower() for a in SFN_LOGGING_ACTIONS)


@dataclass(frozen=True)
class LintWarning:
    """One warning: ``code`` (stable), ``message`` (what to change), ``where`` (statement)."""

    code: str
    message: str
    where: str

    def __str__(self) -> str:
        return f"{self.code} ({self.where}): {self.message}"

    def _repr_html_(self) -> str:
        return LintWarnings([self])._repr_html_()


#: Words of the warnings' table and list, read in the current language.
WORDS = Messages(
    {
        "none": N_("No lint warnings."),
        "code": N_("Warning"),
        "where": N_("Where"),
        "message": N_("What to change"),
    }
)


class LintWarnings(list):
    """The warnings of one :func:`lint` call: a list that shows as a table, not a raw repr.

    ``repr`` and ``str`` are bullets (one warning per line); ``_repr_html_`` is a table that
    wraps long messages, for notebooks.
    """

    def __repr__(self) -> str:
        if not self:
            return WORDS["none"]
        count = len(self)
        lines = [
            ngettext("{count} lint warning:", "{count} lint warnings:", count).format(count=count)
        ]
        lines += [f"  - {w.code} ({w.where}): {w.message}" for w in self]
        return "\n".join(lines)

    __str__ = __repr__

    def _repr_html_(self) -> str:
        if not self:
            return f"<p>{html.escape(WORDS['none'])}</p>"
        head = "".join(
            f'<th style="text-align:left">{html.escape(WORDS[k])}</th>'
            for k in ("code", "where", "message")
        )
        rows = "".join(
            f'<tr><td style="text-align:left;white-space:nowrap"><code>{html.escape(w.code)}</code></td>'
            f'<td style="text-align:left;white-space:nowrap">{html.escape(w.where)}</td>'
            f'<td style="text-align:left;white-space:normal">{html.escape(w.message)}</td></tr>'
            for w in self
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _where(st: Statement) -> str:
    return _("statement {label}").format(label=st.label)


def _allows(st: Statement, action: str) -> bool:
    return st.effect == "Allow" and st.action_applies(action)


def lint(
    doc_or_policy: str | Mapping[str, Any] | Policy, *, kind: str | None = None
) -> LintWarnings:
    """Warnings for a policy (loaded first; a malformed document raises ``PolicyError``).

    >>> [w.code for w in lint({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    ...     "Principal": "*", "Action": "logs:PutLogEvents", "Resource": "*"}]}, kind="resource")]
    ['put-without-create', 'public-principal']
    """
    if isinstance(doc_or_policy, Policy):
        policy = (
            doc_or_policy
            if kind in (None, doc_or_policy.kind)
            else Policy.load(
                doc_or_policy,
                kind=kind,  # type: ignore[arg-type]
            )
        )
    elif kind is None:
        raise LabkitError("lint needs kind='identity', 'resource' or 'boundary' for a document")
    else:
        policy = Policy.load(doc_or_policy, kind=kind)  # type: ignore[arg-type]
    out = LintWarnings()
    writes = policy.kind == "resource"
    for st in policy.statements:
        grants_write = any(_allows(st, a) for a in WRITE_ACTIONS)
        spec = st.principal
        if writes and grants_write and spec is not None and spec.element == "Principal":
            wrong = [
                v
                for t, v in spec.entries
                if (t == "Service" and v == "states.amazonaws.com")
                or (t == "AWS" and ":role/" in v)
            ]
            if wrong:
                out.append(
                    LintWarning(
                        "delivery-principal",
                        _(
                            "{principal} is not who writes vended logs: CloudWatch Logs "
                            'delivery writes them. Use "Principal": {{"Service": "{service}"}}.'
                        ).format(principal=wrong[0], service=DELIVERY_SERVICE),
                        _where(st),
                    )
                )
        if grants_write and st.resource_element == "Resource":
            for r in st.resources:
                if ":log-group:" in r and ":log-stream:" not in r and not r.endswith("*"):
                    out.append(
                        LintWarning(
                            "log-group-without-stream",
                            _(
                                "{arn} names a log group, but logs:CreateLogStream and "
                                "logs:PutLogEvents authorise against log streams: "
                                "use {arn}:log-stream:*"
                            ).format(arn=r),
                            _where(st),
                        )
                    )
        if (
            spec is not None
            and st.effect == "Allow"
            and spec.element == "Principal"
            and spec.everyone
            and not st.conditions
        ):
            out.append(
                LintWarning(
                    "public-principal",
                    _(
                        'Principal "*" with no Condition lets anyone use this grant: name the '
                        "service principal and add aws:SourceAccount / aws:SourceArn conditions."
                    ),
                    _where(st),
                )
            )
        for c in st.conditions:
            if c.key_lower == "aws:sourcearn" and any(":states:" in v for v in c.values):
                out.append(
                    LintWarning(
                        "source-arn-state-machine",
                        _(
                            "aws:SourceArn {arn} names Step Functions, but log delivery "
                            "reports a CloudWatch Logs ARN: use arn:aws:logs:REGION:ACCOUNT:*."
                        ).format(arn=c.values[0]),
                        _where(st),
                    )
                )
            if c.operator.family == "arn":
                for v in c.values:
                    if "${" not in v and arn_segments(v) < 6:
                        out.append(
                            LintWarning(
                                "arn-pattern-segments",
                                _(
                                    "{operator} pattern {pattern!r} has fewer than six "
                                    "colon-separated parts, so it never matches an ARN: "
                                    "end it with :* for each missing part."
                                ).format(operator=c.operator.text, pattern=v),
                                _where(st),
                            )
                        )
        if (
            policy.kind in ("identity", "boundary")
            and st.resource_element == "Resource"
            and "*" not in st.resources
        ):
            setup = [a for a in SETUP_ACTIONS if _allows(st, a)]
            if setup:
                out.append(
                    LintWarning(
                        "delivery-actions-not-star",
                        _(
                            "{count} log-delivery set-up action(s) (e.g. {action}) are "
                            "granted on a specific resource, but they have no resource types: "
                            'grant them on "Resource": "*".'
                        ).format(count=len(setup), action=setup[0]),
                        _where(st),
                    )
                )
        if policy.version == "2008-10-17" and (
            any("${" in r for r in st.resources)
            or any("${" in v for c in st.conditions for v in c.values)
        ):
            out.append(
                LintWarning(
                    "variables-ignored",
                    _(
                        "this policy has no Version 2012-10-17, so ${{...}} is literal text, "
                        'not a policy variable: add "Version": "2012-10-17".'
                    ).format(),
                    _where(st),
                )
            )
    put = [st for st in policy.statements if _allows(st, "logs:putlogevents")]
    create = [st for st in policy.statements if _allows(st, "logs:createlogstream")]
    if put and not create:
        out.insert(
            0,
            LintWarning(
                "put-without-create",
                _(
                    "logs:PutLogEvents is allowed but logs:CreateLogStream is not: delivery "
                    "cannot create its log stream. Allow both actions."
                ),
                _where(put[0]),
            ),
        )
    return out
