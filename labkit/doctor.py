"""``labkit doctor``: will this state machine's logs reach CloudWatch Logs, and if not, why?

Read-only. It reads, with plain boto3 calls that change nothing:

* the machine's ``loggingConfiguration`` (``DescribeStateMachine``);
* the log group (``DescribeLogGroups``) and a stream name (``DescribeLogStreams``);
* the account-level and log-group-level CloudWatch Logs resource policies
  (``DescribeResourcePolicies``, with ``policyScope``/``resourceArn`` where the endpoint
  supports them [DOC] API model ``logs/2014-03-28``);
* the execution role's policies and permissions boundary (``GetRole``,
  ``ListAttachedRolePolicies``, ``GetPolicy``, ``GetPolicyVersion``, ``ListRolePolicies``,
  ``GetRolePolicy``).

Then it asks ``labkit.iam`` the question AWS asks at delivery time: may
``delivery.logs.amazonaws.com`` do ``logs:CreateLogStream`` and ``logs:PutLogEvents`` on
``...:log-group:NAME:log-stream:states/<machine>/...`` with the source context the
delivery service supplies? Only the resource policies answer it; the role is consulted
only for re-running the log-delivery set-up (``UpdateStateMachine``), which needs
``logs:CreateLogDelivery`` and, to create or extend the resource policy,
``logs:PutResourcePolicy``, ``logs:DescribeResourcePolicies``, ``logs:DescribeLogGroups``
[DOC] https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html and
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html .
A log group must be in the machine's Region [INFER: Step Functions takes the group's ARN,
but CloudWatch Logs vended delivery is regional].

This module holds the diagnosis, its report and the command line; the reading lives in
``labkit.doctor_reading`` and the meaning of a failed read in ``labkit.doctor_failures``
(their public names are importable from here too).

Usage::

    python -m labkit doctor --state-machine ARN [--profile P] [--region R]

Exit codes:

==  ==========================================================================
0   logs will be delivered
1   logs will not be delivered: the resource policies do not allow the delivery service
2   bad command line
3   unknown state machine ARN (no such machine, or not a state machine ARN)
4   logging is OFF for this state machine
5   the log group is in another Region (or account) than the state machine
6   AWS credentials are missing, expired or rejected
7   the log group does not exist
8   the caller may not read what the doctor needs (AccessDenied)
9   any other failure (endpoint unreachable, unexpected error)
==  ==========================================================================
"""

from __future__ import annotations

import argparse
import json
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from labkit.doctor_failures import aws_error_code, classify
from labkit.doctor_reading import read_role, stream_name
from labkit.i18n import N_, _
from labkit.safety import arn_name, parse_arn

EXIT_CODES = {
    "delivers": 0,
    "not-delivered": 1,
    "usage": 2,
    "unknown-state-machine": 3,
    "logging-off": 4,
    "log-group-elsewhere": 5,
    "credentials": 6,
    "log-group-missing": 7,
    "access-denied": 8,
    "error": 9,
}

#: status -> meaning, in English (``_(EXIT_MEANINGS[s])`` in the current language)
EXIT_MEANINGS = {
    "delivers": N_("logs will be delivered"),
    "not-delivered": N_("logs will not be delivered: the resource policies do not allow it"),
    "usage": N_("bad command line"),
    "unknown-state-machine": N_("unknown state machine ARN"),
    "logging-off": N_("logging is OFF for this state machine"),
    "log-group-elsewhere": N_("the log group is in another Region (or account)"),
    "credentials": N_("AWS credentials are missing, expired or rejected"),
    "log-group-missing": N_("the log group does not exist"),
    "access-denied": N_("the caller may not read what the doctor needs"),
    "error": N_("any other failure (endpoint unreachable, unexpected error)"),
}
_VERDICTS = {"delivers", "not-delivered", "logging-off", "log-group-elsewhere", "log-group-missing"}

DELIVERY_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")
SETUP_ERROR = (
    "AccessDeniedException: The state machine IAM Role is not authorized to access the Log "
    "Destination"
)

#: severity -> its label in a report, in English (shown with ``_``)
_SEVERITY_WORDS = {
    "ok": N_("ok"),
    "info": N_("info"),
    "warning": N_("warning"),
    "problem": N_("problem"),
}


@dataclass(frozen=True)
class Finding:
    """One observation: ``severity`` is ``ok``, ``info``, ``warning`` or ``problem``."""

    severity: str
    message: str
    decision: Any = None  # a labkit.iam.Decision when an evaluation backs the finding

    def __str__(self) -> str:
        return f"[{_(_SEVERITY_WORDS.get(self.severity, self.severity))}] {self.message}"


@dataclass(frozen=True)
class DoctorReport:
    """The diagnosis for one state machine; ``str()`` reads as a short report."""

    state_machine_arn: str
    status: str
    delivers: bool
    level: str | None = None
    include_execution_data: bool | None = None
    log_group: str | None = None
    findings: tuple[Finding, ...] = ()
    fix: str | None = None  # the policy statement to add, as JSON
    fix_how: str | None = None  # one line saying where to add it
    decisions: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def exit_code(self) -> int:
        """The CLI exit code for this report (see the module docstring)."""
        return EXIT_CODES[self.status]

    @property
    def headline(self) -> str:
        """One line: the verdict."""
        if self.delivers:
            if self.include_execution_data:
                text = _("logs WILL be delivered to {group} at level {level}, with execution data")
            else:
                text = _(
                    "logs WILL be delivered to {group} at level {level}, without execution data"
                )
            return text.format(group=self.log_group, level=self.level)
        problems = [f.message for f in self.findings if f.severity == "problem"]
        first = problems[0] if problems else _(EXIT_MEANINGS[self.status])
        if self.status in _VERDICTS:
            return _("logs will NOT be delivered: {reason}").format(reason=first)
        return _("cannot diagnose: {reason}").format(reason=first)

    def __str__(self) -> str:
        lines = [f"labkit doctor: {self.state_machine_arn}", f"  {self.headline}"]
        if self.findings:
            lines.append(_("findings:"))
            lines += [f"  {f}" for f in self.findings]
        if self.fix:
            lines.append(_("fix: {how}").format(how=self.fix_how))
            lines += ["  " + line for line in self.fix.splitlines()]
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython shows the report
        p.text(str(self))


def fix_statement(region: str, account: str, group: str) -> dict[str, Any]:
    """The statement CloudWatch Logs itself creates for a log group [DOC] CWL-UG (its
    documented shape: ``labkit.world.log_setup.delivery_statement``)."""
    from labkit.world import log_setup

    resource = log_setup.group_resource(region, account, group)
    return log_setup.delivery_statement(region, account, [resource])


# ---------------------------------------------------------------- the diagnosis


def doctor(world: Any, state_machine_arn: str) -> DoctorReport:
    """Diagnose log delivery for ``state_machine_arn`` using ``world.client(...)`` read calls.

    Works on ``labkit.offline()`` and ``labkit.aws()`` worlds and on anything with a
    ``client(name, region_name=...)`` method returning boto3 clients.
    """
    try:
        return _diagnose(world, state_machine_arn)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a one-line finding
        status, line = classify(exc)
        return DoctorReport(state_machine_arn, status, False, findings=(Finding("problem", line),))


def _diagnose(world: Any, arn: str) -> DoctorReport:
    from labkit.world import authorize
    from labkit.world.logging_config import destination_arn, parse_log_group_arn
    from labkit.world.policy_entries import read_resource_policies

    parts = parse_arn(arn)
    if not parts or parts["service"] != "states" or not parts["rest"].startswith("stateMachine:"):
        return DoctorReport(
            arn,
            "unknown-state-machine",
            False,
            findings=(Finding("problem", _("not a state machine ARN: {arn!r}").format(arn=arn)),),
        )
    region, machine = parts["region"], arn_name(arn)
    sfn = world.client("stepfunctions", region_name=region)
    described = sfn.describe_state_machine(stateMachineArn=arn)
    config = described.get("loggingConfiguration") or {}
    level = config.get("level", "OFF")
    include = bool(config.get("includeExecutionData", False))
    findings: list[Finding] = []
    base = {"level": level, "include_execution_data": include}

    if level == "OFF":
        return DoctorReport(
            arn,
            "logging-off",
            False,
            **base,
            findings=(
                Finding(
                    "problem",
                    _("logging is OFF: Step Functions sends no event to CloudWatch Logs [DOC]"),
                ),
            ),
            fix_how=_(
                "enable logging: update_state_machine(stateMachineArn=..., "
                "loggingConfiguration={{'level': 'ALL', 'includeExecutionData': True, "
                "'destinations': [{{'cloudWatchLogsLogGroup': {{'logGroupArn': "
                "'arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*'}}}}]}})"
            ).format(),
        )
    dest = destination_arn(config)
    group_parts = parse_log_group_arn(dest) or (parse_log_group_arn(dest + ":*") if dest else None)
    if group_parts is None:
        return DoctorReport(
            arn,
            "not-delivered",
            False,
            **base,
            findings=(
                Finding(
                    "problem",
                    _("level {level} but no usable destination: {destination!r}").format(
                        level=level, destination=dest
                    ),
                ),
            ),
        )
    group, g_region, g_account = group_parts["name"], group_parts["region"], group_parts["account"]
    base["log_group"] = group
    if g_region != region or g_account != parts["account"]:
        if g_region != region:
            where = _("Region {region}").format(region=g_region)
        else:
            where = _("account {account}").format(account=g_account)
        return DoctorReport(
            arn,
            "log-group-elsewhere",
            False,
            **base,
            findings=(
                Finding(
                    "problem",
                    _(
                        "the log group {group} is in {where}, the state machine in "
                        "{region} / {account}: use a log group in the machine's Region and account"
                    ).format(group=group, where=where, region=region, account=parts["account"]),
                ),
            ),
        )

    logs = world.client("logs", region_name=region)
    groups = logs.describe_log_groups(logGroupNamePrefix=group).get("logGroups", [])
    if not any(g.get("logGroupName") == group for g in groups):
        return DoctorReport(
            arn,
            "log-group-missing",
            False,
            **base,
            findings=(
                Finding(
                    "problem",
                    _(
                        "the log group {group} does not exist in {region}; executions still "
                        "succeed and their events are lost [AWS-REC]"
                    ).format(group=group, region=region),
                ),
            ),
            fix_how=_("create it: logs.create_log_group(logGroupName={group!r})").format(
                group=group
            ),
        )
    if include:
        configured = _("level {level}, with execution data, to {group}")
    else:
        configured = _("level {level}, without execution data, to {group}")
    findings.append(Finding("ok", configured.format(level=level, group=group)))

    group_arn = authorize.log_group_arn(region, g_account, group)
    raw = [(p, N_("account-level")) for p in read_resource_policies(logs)]
    raw += [
        (p, N_("log-group-level")) for p in read_resource_policies(logs, resource_arn=group_arn)
    ]
    from labkit.iam import Policy, PolicyError

    policies = []
    for p, scope in raw:
        try:
            policies.append(
                Policy.load(p.get("policyDocument", ""), kind="resource", name=p["policyName"])
            )
        except PolicyError as exc:
            findings.append(
                Finding(
                    "warning",
                    _("{scope} policy {name} is unreadable: {error}").format(
                        scope=_(scope), name=p["policyName"], error=exc
                    ),
                )
            )
    if not raw:
        findings.append(
            Finding("info", _("no CloudWatch Logs resource policy exists in this Region"))
        )
    else:
        names = ", ".join(f"{p['policyName']} ({_(scope)})" for p, scope in raw)
        findings.append(Finding("info", _("resource policies read: {names}").format(names=names)))

    stream = stream_name(logs, group, machine)
    resource = authorize.stream_arn(region, g_account, group, stream)
    context = authorize.delivery_context(region, g_account, group)
    decisions = tuple(
        authorize.delivery_decision(policies, action=a, resource=resource, context=context)
        for a in DELIVERY_ACTIONS
    )
    delivers = all(d.allowed for d in decisions)
    for d in decisions:
        sev = "ok" if d.allowed else "problem"
        findings.append(
            Finding(
                sev,
                _("{action} as delivery.logs.amazonaws.com: {reason}").format(
                    action=d.request.action, reason=d.reason
                ),
                d,
            )
        )

    fix = fix_how = None
    if not delivers:
        denied = [d for d in decisions if not d.allowed]
        explicit = [d for d in denied if d.outcome.value == "ExplicitlyDenied" and d.decided_by]
        if explicit:
            by = explicit[0].decided_by
            fix_how = _("remove the Deny statement that decides it: {statement}").format(
                statement=by
            )
        else:
            fix = json.dumps(fix_statement(region, g_account, group), indent=2)
            fix_how = _(
                "add this statement to a CloudWatch Logs resource policy (classic: the "
                "account-level AWSLogDeliveryWrite20150319; since 2026: a policy on {arn} "
                "via put_resource_policy(resourceArn=...))"
            ).format(arn=group_arn)

    role_arn = described.get("roleArn")
    if role_arn:
        findings += _role_findings(world, region, role_arn, delivers)

    return DoctorReport(
        arn,
        "delivers" if delivers else "not-delivered",
        delivers,
        **base,
        findings=tuple(findings),
        fix=fix,
        fix_how=fix_how,
        decisions=decisions,
    )


def _role_findings(world: Any, region: str, role_arn: str, delivers: bool) -> list[Finding]:
    from botocore.exceptions import ClientError

    from labkit.iam import PolicyError
    from labkit.world import authorize

    iam = world.client("iam", region_name=region)
    try:
        identity, boundary = read_role(iam, role_arn)
    except (ClientError, PolicyError) as exc:
        detail = aws_error_code(exc) or str(exc)
        return [
            Finding(
                "warning",
                _("could not read the role {role} ({detail}): set-up not checked").format(
                    role=role_arn, detail=detail
                ),
            )
        ]
    out = []
    create = authorize.role_decision(
        role_arn, authorize.CREATE_DELIVERY, identity=identity, boundary=boundary
    )
    if create.allowed:
        out.append(
            Finding(
                "ok", _("the role may re-run log-delivery set-up (logs:CreateLogDelivery)"), create
            )
        )
    else:
        out.append(
            Finding(
                "warning",
                _(
                    "the role lacks {action} ({reason}): the next "
                    "UpdateStateMachine with logging fails with {error} [ISSUE]"
                ).format(action=authorize.CREATE_DELIVERY, reason=create.reason, error=SETUP_ERROR),
                create,
            )
        )
    missing = [
        a
        for a in authorize.POLICY_SETUP_ACTIONS
        if not authorize.role_decision(role_arn, a, identity=identity, boundary=boundary).allowed
    ]
    if missing:
        out.append(
            Finding(
                "info",
                _(
                    "the role lacks {actions}: it cannot create or extend the resource "
                    "policy at set-up; fine while a policy already grants delivery [DOC]"
                ).format(actions=", ".join(missing)),
            )
        )
    if not delivers:
        put = authorize.role_decision(
            role_arn, "logs:PutLogEvents", identity=identity, boundary=boundary
        )
        if put.allowed:
            out.append(
                Finding(
                    "info",
                    _(
                        "the role itself may call logs:PutLogEvents, but that does not help: "
                        "delivery.logs.amazonaws.com writes the logs, under the resource "
                        "policy only"
                    ),
                )
            )
    return out


# ---------------------------------------------------------------- command line


class _SessionWorld:
    """A read-only stand-in for a world: boto3 clients from one session, nothing else."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def client(self, name: str, **kwargs: Any) -> Any:
        return self._session.client(name, **kwargs)


def _parser() -> argparse.ArgumentParser:
    codes = "\n".join(f"  {EXIT_CODES[s]}  {_(m)}" for s, m in EXIT_MEANINGS.items())
    from labkit.console import OneLineParser

    return OneLineParser(
        prog="python -m labkit doctor",
        description=_("Diagnose whether a state machine's logs reach CloudWatch Logs (read-only)."),
        epilog=_("exit codes:") + "\n" + codes,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m labkit doctor --state-machine ARN [--profile P] [--region R]``."""
    from labkit.console import bad_argument, one_line, safe_streams

    safe_streams()
    argv = list(sys.argv[1:] if argv is None else argv)
    if (problem := bad_argument(argv)) is not None:
        print(f"labkit doctor: {problem}", file=sys.stderr)
        return EXIT_CODES["usage"]
    parser = _parser()
    parser.add_argument(
        "--state-machine", required=True, metavar="ARN", help=_("the state machine's ARN")
    )
    parser.add_argument("--profile", help=_("AWS profile to use"))
    parser.add_argument(
        "--region",
        help=_("AWS Region for the session (the ARN's Region is used for the machine)"),
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) if exc.code in (0, None) else EXIT_CODES["usage"]
    try:
        import boto3

        parts = parse_arn(args.state_machine) or {}
        session = boto3.Session(
            profile_name=args.profile, region_name=args.region or parts.get("region") or None
        )
        report = doctor(_SessionWorld(session), args.state_machine)
    except Exception as exc:  # noqa: BLE001 - one line, no traceback
        status, line = classify(exc)
        print(f"labkit doctor: {one_line(line)}", file=sys.stderr)
        return EXIT_CODES[status]
    if report.status in {"delivers", "not-delivered"}:
        print(report)
    else:
        print(f"labkit doctor: {one_line(report.headline)}", file=sys.stderr)
    return report.exit_code


class _CallableModule(types.ModuleType):
    """``labkit.doctor(world, arn)`` keeps working after ``import labkit.doctor``.

    Importing the submodule rebinds the package attribute ``labkit.doctor`` from the
    function to this module; making the module callable keeps both spellings valid.
    """

    def __call__(self, world: Any, state_machine_arn: str) -> DoctorReport:
        return doctor(world, state_machine_arn)


sys.modules[__name__].__class__ = _CallableModule
