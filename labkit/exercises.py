"""Checkers for the lessons' "write it yourself" exercises: is the learner's answer right?

Each ``check_*`` function takes the learner's answer (``...`` until they write one) and
returns a :class:`Check`: ``correct``, one sentence saying why, and details. It shows as a
green or red block in a notebook, and never raises for a wrong answer: a malformed policy
is answered with the error AWS would give. The checks decide with the same machinery the
lessons teach, never by comparing text with a model answer:

* policies are evaluated by ``labkit.iam.evaluate`` for the request the delivery service
  makes: ``delivery.logs.amazonaws.com`` calling ``logs:CreateLogStream`` and
  ``logs:PutLogEvents`` on ``arn:aws:logs:REGION:ACCOUNT:log-group:NAME:log-stream:*``,
  with ``aws:SourceAccount`` and ``aws:SourceArn`` as condition keys [DOC]
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html
  (the ``aws:SourceArn`` value is labkit's inference, as in ``labkit.world.authorize``);
* the role's set-up permissions are the Step Functions guide's list [DOC]
  https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html (``article.LOG_DELIVERY_ACTIONS``);
* a ``loggingConfiguration`` follows the Step Functions API reference [DOC]
  (``LoggingConfiguration``; ``CloudWatchLogsLogGroup.logGroupArn`` "must end with ``:*``").
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labkit.errors import LabkitError
from labkit.i18n import _, ngettext
from labkit.iam import Outcome, Policy, Request, evaluate
from labkit.iam.examples import SFN_LOGGING_ACTIONS

__all__ = [
    "Check",
    "check_delivery_policy",
    "check_lab_policy",
    "check_role_policy",
    "check_logging_configuration",
    "check_least_privilege_policy",
    "check_stream_resource",
]

DELIVERY = "delivery.logs.amazonaws.com"
DELIVERY_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
OTHER_ACCOUNT = "111122223333"  # AWS's documentation example account
LEVELS = ("ALL", "ERROR", "FATAL", "OFF")
#: What setting up log delivery checks on the role: the guide's list without
#: ``logs:PutLogEvents``, which the role never uses (``labkit.iam.examples``).
SETUP_ACTIONS = SFN_LOGGING_ACTIONS


@dataclass(frozen=True)
class Check:
    """The verdict on one answer: right or not, why, and what was tried."""

    exercise: str
    correct: bool
    message: str
    details: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        head = (_("\u2713 Right: ") if self.correct else _("\u2717 Not yet: ")) + self.message
        return "\n".join([head, *(f"  - {line}" for line in self.details)])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = "#1b5e20" if self.correct else "#b00020"
        mark = _("\u2713 Right") if self.correct else _("\u2717 Not yet")
        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.details)
        return (
            f'<div class="labkit-check" style="border-left:4px solid {colour};padding-left:8px">'
            f'<b style="color:{colour}">{mark}:</b> {html.escape(self.message)}'
            f"{f'<ul>{items}</ul>' if items else ''}</div>"
        )


def _unanswered(exercise: str, answer: Any) -> Check | None:
    if answer is ... or answer is None:
        return Check(exercise, False, _("no answer yet: replace `...` with yours and run again."))
    return None


def _group_parts(log_group_arn: str) -> tuple[str, str, str, str]:
    """(region, account, group name, group ARN without ``:*``) of a log group ARN."""
    arn = log_group_arn.removesuffix(":*")
    parts = arn.split(":", 6)
    if len(parts) != 7 or parts[:3] != ["arn", "aws", "logs"] or parts[5] != "log-group":
        raise LabkitError(f"not a log group ARN: {log_group_arn!r}")
    return parts[3], parts[4], parts[6], arn


def _load(exercise: str, document: Any, kind: str) -> Policy | Check:
    if isinstance(document, Mapping):
        document = json.dumps(document)
    if not isinstance(document, str):
        return Check(
            exercise,
            False,
            _("a policy is a dict or a JSON string, not {type}.").format(
                type=type(document).__name__
            ),
        )
    try:
        return Policy.load(document, kind=kind, name="answer")
    except LabkitError as err:  # PolicyError carries AWS's code and message
        return Check(exercise, False, _("AWS would reject this policy: {error}").format(error=err))


def _delivery_request(group_arn: str, action: str, *, account: str) -> Request:
    """The delivery service's request on behalf of ``account`` (the source) [DOC]/[INFER]."""
    stream = f"{group_arn}:log-stream:states/exercise/0000"
    parts = group_arn.split(":", 6)
    parts[4] = account
    context = {"aws:SourceAccount": account, "aws:SourceArn": ":".join(parts)}
    return Request(DELIVERY, action, stream, context)


def _decisions(policy: Policy, group_arn: str, *, account: str):
    return {
        action: evaluate(_delivery_request(group_arn, action, account=account), resource=[policy])
        for action in DELIVERY_ACTIONS
    }


def _delivery_details(decisions) -> list[str]:
    return [f"{action}: {d.outcome.value} ({d.reason})" for action, d in decisions.items()]


def check_delivery_policy(answer: Any, log_group_arn: str) -> Check:
    """Does the resource policy ``answer`` let the delivery service write to the log group?"""
    name = "delivery-policy"
    if (empty := _unanswered(name, answer)) is not None:
        return empty
    _region, account, _group, group_arn = _group_parts(log_group_arn)
    policy = _load(name, answer, "resource")
    if isinstance(policy, Check):
        return policy
    decisions = _decisions(policy, group_arn, account=account)
    details = _delivery_details(decisions)
    denied = [a for a, d in decisions.items() if d.outcome is not Outcome.ALLOWED]
    if denied:
        return Check(
            name,
            False,
            _("{principal} may not call {actions} on this group's streams.").format(
                principal=DELIVERY, actions=", ".join(denied)
            ),
            tuple(details),
        )
    return Check(
        name,
        True,
        _("{principal} may create this group's log streams and put events.").format(
            principal=DELIVERY
        ),
        tuple(details),
    )


def check_least_privilege_policy(answer: Any, log_group_arn: str) -> Check:
    """Delivery allowed for this group from this account only: not another account, not another group."""
    name = "least-privilege-policy"
    first = check_delivery_policy(answer, log_group_arn)
    if not first.correct:
        return Check(name, False, first.message, first.details)
    _region, account, group, group_arn = _group_parts(log_group_arn)
    policy = _load(name, answer, "resource")
    assert isinstance(policy, Policy)
    problems = []
    deputy = _decisions(policy, group_arn, account=OTHER_ACCOUNT)
    if any(d.outcome is Outcome.ALLOWED for d in deputy.values()):
        problems.append(
            _(
                "a request on behalf of account {account} (a confused deputy) is allowed: "
                "add an aws:SourceAccount condition"
            ).format(account=OTHER_ACCOUNT)
        )
    other_group = group_arn.replace(f":log-group:{group}", f":log-group:{group}-other")
    other = _decisions(policy, other_group, account=account)
    if any(d.outcome is Outcome.ALLOWED for d in other.values()):
        problems.append(
            _("another log group ({group}) is covered too: name only this group").format(
                group=f"{group}-other"
            )
        )
    if problems:
        return Check(
            name,
            False,
            _("delivery works, but the policy allows more than it needs."),
            tuple(problems),
        )
    return Check(
        name,
        True,
        _("delivery works for this group, from your account only."),
        (
            *first.details,
            _("account {account}: denied").format(account=OTHER_ACCOUNT),
            _("{group}: denied").format(group=f"{group}-other"),
        ),
    )


def check_lab_policy(answer: Any, lab: Any) -> Check:
    """Run ``answer`` as the PolicyLab's custom resource policy: all events delivered, no deputy."""
    name = "lab-policy"
    if (empty := _unanswered(name, answer)) is not None:
        return empty
    document = answer if isinstance(answer, str) else json.dumps(answer)
    result = lab.set(
        resource_policy="custom", resource_policy_json=document, role="log-delivery", apply="now"
    ).run()
    if result.error is not None:
        return Check(
            name, False, _("the lab could not use it: {verdict}").format(verdict=result.verdict)
        )
    if result.logged == 0 or result.delivered < result.logged:
        return Check(
            name,
            False,
            _("in the lab, {delivered} of {logged} events were delivered.").format(
                delivered=result.delivered, logged=result.logged
            ),
        )
    strict = check_least_privilege_policy(answer, lab.log_group_arn)
    if not strict.correct:
        return Check(
            name,
            False,
            _("all {logged} events arrived, but {problem}").format(
                logged=result.logged, problem=strict.message
            ),
            strict.details,
        )
    return Check(
        name,
        True,
        _(
            "in the lab all {logged} events arrived, and no other account or group is covered."
        ).format(logged=result.logged),
    )


def check_role_policy(
    answer: Any,
    actions: Iterable[str] = SETUP_ACTIONS,
    role_arn: str = "arn:aws:iam::123456789012:role/exercise",
) -> Check:
    """Does the identity policy ``answer`` allow every action in ``actions`` (on ``*``)?

    Allowing ``logs:PutLogEvents`` as well is not wrong, but a detail says it is never used.
    """
    name = "role-policy"
    if (empty := _unanswered(name, answer)) is not None:
        return empty
    policy = _load(name, answer, "identity")
    if isinstance(policy, Check):
        return policy
    missing = [
        action
        for action in actions
        if evaluate(Request(role_arn, action, "*"), identity=[policy]).outcome
        is not Outcome.ALLOWED
    ]
    if missing:
        return Check(
            name,
            False,
            _("the role still may not call {count} of them.").format(count=len(missing)),
            tuple(missing),
        )
    extra = ()
    if (
        evaluate(Request(role_arn, "logs:PutLogEvents", "*"), identity=[policy]).outcome
        is Outcome.ALLOWED
    ):
        extra = (
            _(
                "it also allows logs:PutLogEvents, which the role never uses: "
                "delivery.logs.amazonaws.com writes the logs"
            ),
        )
    return Check(
        name, True, _("the role may call every action that setting up log delivery checks."), extra
    )


def check_logging_configuration(
    answer: Any, log_group_arn: str, *, level: str, include_execution_data: bool
) -> Check:
    """Is ``answer`` a valid ``loggingConfiguration`` with this level, data flag and group?"""
    name = "logging-configuration"
    if (empty := _unanswered(name, answer)) is not None:
        return empty
    if not isinstance(answer, Mapping):
        return Check(
            name,
            False,
            _("a loggingConfiguration is a dict, not {type}.").format(type=type(answer).__name__),
        )
    problems = []
    unknown = sorted(set(answer) - {"level", "includeExecutionData", "destinations"})
    if unknown:
        problems.append(
            _("unknown keys {keys} (boto3 would refuse them: ParamValidationError)").format(
                keys=unknown
            )
        )
    if answer.get("level") not in LEVELS:
        problems.append(
            _("level must be one of {levels}, not {level!r}").format(
                levels=", ".join(LEVELS), level=answer.get("level")
            )
        )
    elif answer["level"] != level:
        problems.append(_("level {level} is not the one asked for").format(level=answer["level"]))
    if answer.get("includeExecutionData") is not include_execution_data:
        problems.append(
            _("includeExecutionData should be {value}").format(value=include_execution_data)
        )
    destinations = answer.get("destinations")
    want = log_group_arn.removesuffix(":*") + ":*"
    if not isinstance(destinations, list) or len(destinations) != 1:
        problems.append(_("destinations must be a list of exactly one destination"))
    else:
        group = (
            (destinations[0] or {}).get("cloudWatchLogsLogGroup", {})
            if isinstance(destinations[0], Mapping)
            else {}
        )
        arn = group.get("logGroupArn") if isinstance(group, Mapping) else None
        if not isinstance(arn, str):
            problems.append(
                _(
                    'the destination is {{"cloudWatchLogsLogGroup": {{"logGroupArn": ...}}}}'
                ).format()
            )
        elif not arn.endswith(":*"):
            problems.append(
                "InvalidLoggingConfiguration: " + _("the logGroupArn must end with ':*'")
            )
        elif arn != want:
            problems.append(_("the logGroupArn names another group: {arn}").format(arn=arn))
    if problems:
        return Check(
            name,
            False,
            ngettext("{count} thing to fix.", "{count} things to fix.", len(problems)).format(
                count=len(problems)
            ),
            tuple(problems),
        )
    return Check(
        name,
        True,
        _("level {level}, includeExecutionData {value}, to {arn}.").format(
            level=level, value=include_execution_data, arn=want
        ),
    )


def check_stream_resource(answer: Any, log_group_arn: str) -> Check:
    """Does the Resource ``answer`` cover this group's log streams and no other group's?"""
    name = "stream-resource"
    if (empty := _unanswered(name, answer)) is not None:
        return empty
    if not isinstance(answer, str):
        return Check(
            name,
            False,
            _("a Resource is an ARN string, not {type}.").format(type=type(answer).__name__),
        )
    _region, account, group, group_arn = _group_parts(log_group_arn)
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": DELIVERY},
        "Action": list(DELIVERY_ACTIONS),
        "Resource": answer,
    }
    policy = _load(name, {"Version": "2012-10-17", "Statement": [statement]}, "resource")
    if isinstance(policy, Check):
        return policy
    own = _decisions(policy, group_arn, account=account)
    if any(d.outcome is not Outcome.ALLOWED for d in own.values()):
        return Check(
            name,
            False,
            _("it does not cover the streams of {group}.").format(group=group),
            tuple(_delivery_details(own)),
        )
    other_group = group_arn.replace(f":log-group:{group}", f":log-group:{group}-other")
    other = _decisions(policy, other_group, account=account)
    if any(d.outcome is Outcome.ALLOWED for d in other.values()):
        return Check(
            name,
            False,
            _("it also covers another group ({group}): too broad.").format(group=f"{group}-other"),
        )
    return Check(
        name, True, _("it covers every stream of {group} and nothing else.").format(group=group)
    )
