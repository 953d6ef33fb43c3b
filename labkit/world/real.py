"""The lab on a learner's own AWS account: the offline world's interface, safely.

``labkit.aws(profile, region)`` returns a :class:`RealWorld` whose ``client(name)`` is a
genuine boto3 client of ``boto3.Session(profile_name=profile, region_name=region)``.
Any AWS-compatible endpoint works through botocore's own ``AWS_ENDPOINT_URL`` (and
``AWS_ENDPOINT_URL_<SERVICE>``) [DOC]
https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html .

Safety (the account is shared; see :mod:`labkit.safety`) is enforced with botocore event
handlers on the world's clients, so notebook code stays plain boto3:

* ``before-parameter-build``: reads the call's names in the lab namespace (below);
  refuses any write the lab does not need, and any write through an ARN that is not the
  lab's; adds the tags ``labkit:lab=true`` and ``labkit:run=<id>`` to every create; saves
  the original text of a CloudWatch Logs resource policy to the ledger before
  ``PutResourcePolicy``/``DeleteResourcePolicy``, and before
  ``CreateStateMachine``/``UpdateStateMachine`` with logging (Step Functions then changes
  the resource policy on the lab's behalf [DOC] CloudWatch Logs User Guide, "Logging that
  requires additional permissions"); refuses a put that would stop delivery to log groups
  that are not the lab's.
* ``before-call``: answers a ``DeleteResourcePolicy`` the lab carried out safely itself
  (below) with DeleteResourcePolicy's normal, empty response; botocore's
  ``_make_api_call`` sends nothing when a ``before-call`` handler returns
  ``(http_response, parsed)``.
* ``after-call``: records each successful create in the ledger (:mod:`labkit.ledger`).

The lab namespace, so lesson code runs unchanged (``LABKIT_MODE=aws``): every name a lab
call creates or writes to is read as ``<prefix><name>`` on its last ``/`` segment, e.g.
``StepFunctions-LookingIntoLogging-role`` -> ``labkit-StepFunctions-LookingIntoLogging-role``
and ``/aws/vendedlogs/states/LookingIntoLogging-Logs`` ->
``/aws/vendedlogs/states/labkit-LookingIntoLogging-Logs`` (the ``/aws/vendedlogs/`` prefix is
kept so CloudWatch Logs' size-saving wildcard applies as for the article's own name; this is
also :func:`labkit.safety.is_lab_name`'s rule). The parameters: IAM ``RoleName``, the
``PolicyName`` of ``CreatePolicy``; CloudWatch Logs ``logGroupName``/``logGroupNamePrefix``/
``logGroupIdentifier``; Step Functions ``CreateStateMachine`` ``name`` and the log group in
``loggingConfiguration``. A *read* uses the lab's name only when this run created it, so
reads of anything else (``labkit.doctor``) see the account as it is. Not mapped: names
already prefixed, ARNs (the lab's come back prefixed from its creates), IAM inline policy
names (they live in the lab's role) and resource policy names
(``AWSLogDeliveryWrite20150319`` is AWS's). Each mapping is printed and noted in the ledger
the first time. ``world.name(base)`` (also ``client.labkit_name(base)``) gives the same name.

Phase 2 on a shared account: ``logs.delete_resource_policy(policyName=N)`` on an
account-level policy that also covers other log groups (or services) would stop their
logs. The guarded client removes only the lab's ``Resource`` entries from ``N`` (and,
under the 2026 behaviour, the lab groups' own log-group-level policies), prints one
notice, notes it in the ledger and answers as a successful delete; a wildcard in ``N``
granting the lab's group is refused (no safe way to remove only the lab's access). A
policy covering only lab groups is really deleted. Either way the original is saved
first and restored byte for byte at clean-up. Phase 3's ``put_resource_policy(N, ...)``
with a document that still covers the others is sent; it also puts back the
log-group-level policies phase 2 removed, and putting back the saved pre-lab original is
recorded as that policy's restore.

Clean-up (:meth:`RealWorld.cleanup`, also on ``close()``, ``with`` exit, ``atexit`` and
after a KeyboardInterrupt in a notebook cell) reads only the ledger: it deletes what the
lab created, latest first, and puts every saved policy back byte for byte, with retries.

Real AWS has no audit of delivery decisions: :meth:`RealWorld.deliveries` infers each
event's fate by matching ``GetExecutionHistory`` against the log events actually
delivered (execution ARN + event id); ``decision`` and ``explanation`` are ``None``.
Use :func:`labkit.doctor` for the why.
"""

from __future__ import annotations

import atexit
import copy
import json
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from labkit import ledger as ledger_mod
from labkit.errors import LabkitError
from labkit.i18n import _
from labkit.safety import (
    DEFAULT_PREFIX,
    MAX_ACCOUNT_POLICIES,
    SHARED_POLICY_NAME,
    SafetyError,
    added_foreign,
    arn_name,
    cost_note,
    coverage,
    covers_group,
    dropped_coverage,
    foreign_coverage,
    group_of,
    is_lab_name,
    lab_name,
    lab_tags,
    log_group_arn,
    redact,
    without_group,
)
from labkit.world.delivery import DELIVERY_COLUMNS

COLUMNS = list(DELIVERY_COLUMNS)

NO_AUDIT = "real AWS exposes no audit of delivery decisions: inferred from the log events"

READ_ONLY = ("Describe", "Get", "List", "Filter", "Test", "Validate", "Simulate", "Search")

# (service, operation) -> (parameter naming the target, how to read the lab name from it)
_WRITES: dict[tuple[str, str], str] = {
    ("iam", "CreateRole"): "RoleName",
    ("iam", "DeleteRole"): "RoleName",
    ("iam", "PutRolePolicy"): "RoleName",
    ("iam", "DeleteRolePolicy"): "RoleName",
    ("iam", "AttachRolePolicy"): "RoleName",
    ("iam", "DetachRolePolicy"): "RoleName",
    ("iam", "PutRolePermissionsBoundary"): "RoleName",
    ("iam", "DeleteRolePermissionsBoundary"): "RoleName",
    ("iam", "UpdateAssumeRolePolicy"): "RoleName",
    ("iam", "TagRole"): "RoleName",
    ("iam", "CreatePolicy"): "PolicyName",
    ("iam", "DeletePolicy"): "PolicyArn",
    ("iam", "CreatePolicyVersion"): "PolicyArn",
    ("iam", "DeletePolicyVersion"): "PolicyArn",
    ("logs", "CreateLogGroup"): "logGroupName",
    ("logs", "DeleteLogGroup"): "logGroupName",
    ("logs", "CreateLogStream"): "logGroupName",
    ("logs", "DeleteLogStream"): "logGroupName",
    ("logs", "PutLogEvents"): "logGroupName",
    ("logs", "PutRetentionPolicy"): "logGroupName",
    ("logs", "DeleteRetentionPolicy"): "logGroupName",
    ("logs", "TagResource"): "resourceArn",
    ("stepfunctions", "CreateStateMachine"): "name",
    ("stepfunctions", "UpdateStateMachine"): "stateMachineArn",
    ("stepfunctions", "DeleteStateMachine"): "stateMachineArn",
    ("stepfunctions", "StartExecution"): "stateMachineArn",
    ("stepfunctions", "StopExecution"): "executionArn",
    ("stepfunctions", "TagResource"): "resourceArn",
    ("logs", "PutResourcePolicy"): "",  # guarded by coverage, see _guard_policy_write
    ("logs", "DeleteResourcePolicy"): "",
}

# The lab namespace: parameters holding a name the lab reads as ``<prefix><name>``.
# IAM inline policy names (PutRolePolicy) live inside the lab's role and stay as given;
# CloudWatch Logs resource policy names are AWS's (AWSLogDeliveryWrite20150319) and stay too.
_NAME_PARAMS: dict[str, tuple[str, ...]] = {
    "iam": ("RoleName",),
    "logs": ("logGroupName", "logGroupNamePrefix", "logGroupIdentifier"),
}
_CREATE_NAMES: dict[tuple[str, str], str] = {
    ("iam", "CreatePolicy"): "PolicyName",
    ("stepfunctions", "CreateStateMachine"): "name",
}

# after-call: operation -> (event, kind, how to get the id from (params, parsed))
_CREATES: dict[tuple[str, str], tuple[str, Callable[[dict, dict], str]]] = {
    ("iam", "CreateRole"): ("role", lambda p, r: p["RoleName"]),
    ("iam", "PutRolePolicy"): ("role-policy", lambda p, r: f"{p['RoleName']}/{p['PolicyName']}"),
    ("iam", "AttachRolePolicy"): (
        "attached-policy",
        lambda p, r: f"{p['RoleName']}|{p['PolicyArn']}",
    ),
    ("iam", "PutRolePermissionsBoundary"): ("role-boundary", lambda p, r: p["RoleName"]),
    ("iam", "CreatePolicy"): ("policy", lambda p, r: r["Policy"]["Arn"]),
    ("logs", "CreateLogGroup"): ("log-group", lambda p, r: p["logGroupName"]),
    ("stepfunctions", "CreateStateMachine"): ("state-machine", lambda p, r: r["stateMachineArn"]),
    ("stepfunctions", "StartExecution"): ("execution", lambda p, r: r["executionArn"]),
}
_DELETES: dict[tuple[str, str], tuple[str, Callable[[dict], str]]] = {
    ("iam", "DeleteRole"): ("role", lambda p: p["RoleName"]),
    ("iam", "DeleteRolePolicy"): ("role-policy", lambda p: f"{p['RoleName']}/{p['PolicyName']}"),
    ("iam", "DetachRolePolicy"): ("attached-policy", lambda p: f"{p['RoleName']}|{p['PolicyArn']}"),
    ("iam", "DeleteRolePermissionsBoundary"): ("role-boundary", lambda p: p["RoleName"]),
    ("iam", "DeletePolicy"): ("policy", lambda p: p["PolicyArn"]),
    ("logs", "DeleteLogGroup"): ("log-group", lambda p: p["logGroupName"]),
    ("stepfunctions", "DeleteStateMachine"): ("state-machine", lambda p: p["stateMachineArn"]),
    ("stepfunctions", "StopExecution"): ("execution", lambda p: p["executionArn"]),
}

_GONE = {
    "NoSuchEntity",
    "ResourceNotFoundException",
    "StateMachineDoesNotExist",
    "ExecutionDoesNotExist",
}


def _code(exc: BaseException) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", "")) or type(exc).__name__


# ---------------------------------------------------------------- resource policies (read-only)


def read_resource_policies(logs: Any, *, resource_arn: str | None = None) -> list[dict[str, Any]]:
    """The account-level policies, or the log-group-level ones for ``resource_arn``.

    ``DescribeResourcePolicies`` takes ``policyScope`` (``ACCOUNT`` default, ``RESOURCE``)
    and ``resourceArn`` since 2026 [DOC] API model ``logs/2014-03-28``. Endpoints that
    predate it (and moto 5.2.5, which ignores both) return account policies without a
    ``policyScope`` field: those never count as log-group-level.
    """
    from botocore.exceptions import ClientError, ParamValidationError

    kwargs: dict[str, Any] = {}
    if resource_arn:
        kwargs = {"policyScope": "RESOURCE", "resourceArn": resource_arn.removesuffix(":*")}
    items: list[dict[str, Any]] = []
    token = None
    while True:
        try:
            page = logs.describe_resource_policies(
                **kwargs, **({"nextToken": token} if token else {})
            )
        except (ParamValidationError, ClientError) as exc:
            if resource_arn and (
                isinstance(exc, ParamValidationError)
                or _code(exc) in {"InvalidParameterException", "ValidationException"}
            ):
                return []  # the endpoint has no log-group-level policies
            raise
        items.extend(page.get("resourcePolicies", []))
        new = page.get("nextToken")
        if not new or new == token:
            break
        token = new
    if resource_arn:
        want = resource_arn.removesuffix(":*")
        return [
            p
            for p in items
            if p.get("policyScope") == "RESOURCE"
            and str(p.get("resourceArn", want)).removesuffix(":*") == want
        ]
    return [p for p in items if p.get("policyScope", "ACCOUNT") == "ACCOUNT"]


def _find(policies: list[dict[str, Any]], name: str | None) -> dict[str, Any] | None:
    for p in policies:
        if name is None or p.get("policyName") == name:
            return p
    return None


# ---------------------------------------------------------------- the world


@dataclass
class _Settings:
    poll_interval: float = 2.0
    quiet_seconds: float = 10.0
    restore_attempts: int = 3
    restore_backoff: float = 1.0
    progress: bool = True


@dataclass
class _LogEvent:
    timestamp: int
    ingestion_time: int | None
    group: str
    stream: str


@dataclass
class _State:
    executions: list[str] = field(default_factory=list)
    log_events: dict[tuple[str, int], _LogEvent] = field(default_factory=dict)
    removed: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    lab_names: set[str] = field(default_factory=set)  # names this run created
    lab_groups: list[str] = field(default_factory=list)  # log groups this run created
    mapped: set[tuple[str, str]] = field(default_factory=set)  # (base, lab name) announced
    # account policy name -> what a DeleteResourcePolicy on it removed instead (phase 2)
    instead: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


class RealWorld:
    """A real AWS account seen through the offline world's interface (``mode == "aws"``)."""

    mode = "aws"

    def __init__(
        self,
        session: Any,
        *,
        account_id: str,
        region: str,
        ledger: ledger_mod.Ledger,
        prefix: str = DEFAULT_PREFIX,
        profile: str | None = None,
        dry_run: bool = False,
        backing: Any = None,
        settings: _Settings | None = None,
        out: Callable[[str], None] = print,
    ) -> None:
        self._session = session
        self.account_id = account_id
        self.region = region
        self.aws_profile = profile
        # The offline worlds' behaviour profile: AWS today creates log-group-level
        # resource policies for new deliveries [DOC] CWL-UG (2026).
        self.profile = "current"
        self.prefix = prefix
        self.dry_run = dry_run
        self.ledger = ledger
        self.run_id = ledger.run_id
        self.seed = None
        self.clock = None
        self._backing = backing  # the offline world answering a dry run
        self._settings = settings or _Settings()
        self._out = out
        self._clients: dict[tuple[str, bool, str], Any] = {}
        self._state = _State()
        self._lock = threading.RLock()
        self._closed = False
        self._secrets = _secrets(session)
        atexit.register(self._atexit)
        self._ipython_hook = _install_interrupt_hook(self)

    # -------------------------------------------------------------- presentation

    def __repr__(self) -> str:
        kind = "dry run" if self.dry_run else "aws"
        return (
            f"<RealWorld {kind} account {self.account_id} {self.region} "
            f"prefix {self.prefix!r} run {self.run_id}>"
        )

    def name(self, base: str) -> str:
        """The lab's name for ``base`` (the prefix on its last path segment)."""
        return lab_name(base, self.prefix)

    # -------------------------------------------------------------- clients

    def client(self, name: str, **kwargs: Any) -> Any:
        """A boto3 client whose writes are checked, tagged and recorded in the ledger."""
        return self._client(name, guarded=True, **kwargs)

    def cleanup_client(self, name: str, **kwargs: Any) -> Any:
        """The unguarded client clean-up uses (its calls are recorded by clean-up itself)."""
        return self._client(name, guarded=False, **kwargs)

    def _client(self, name: str, *, guarded: bool, **kwargs: Any) -> Any:
        region = kwargs.pop("region_name", None) or self.region
        key = (name, guarded, region)
        with self._lock:
            if key in self._clients and not kwargs:
                return self._clients[key]
            if self._backing is not None:
                # AWS's own endpoint, whatever AWS_ENDPOINT_URL says: the offline world
                # answers every request before it is sent, and routes on the host name.
                kwargs.setdefault("endpoint_url", _aws_endpoint(name, region))
                client = self._backing.client(name, region_name=region, **kwargs)
            else:
                client = self._session.client(name, region_name=region, **kwargs)
            events = client.meta.events
            service = client.meta.service_model.service_name
            tag = f"labkit-{id(self)}-{guarded}"
            if guarded:
                client.labkit_name = self.name  # lets shared lesson code name lab resources
                events.register(
                    "before-parameter-build",
                    lambda params, model, context, **_: self._before(
                        service, model.name, params, context
                    ),
                    unique_id=f"{tag}-before",
                )
                events.register(
                    "before-call",
                    lambda context, **_: context.pop("labkit_answer", None),
                    unique_id=f"{tag}-answer",
                )
                events.register(
                    "after-call",
                    lambda http_response, parsed, model, context, **_: self._after(
                        service, model.name, http_response, parsed, context
                    ),
                    unique_id=f"{tag}-after",
                )
            if self.dry_run:  # after the guard: print the call as it would be sent
                events.register(
                    "before-parameter-build", self._print_call, unique_id=f"{tag}-print"
                )
            if not kwargs or self._backing is not None:
                self._clients[key] = client
            return client

    def _print_call(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        shown = json.dumps(params, default=str, sort_keys=True)
        self._out(f"DRY RUN  {service}.{model.name}({shown})")

    # -------------------------------------------------------------- guards

    def _refuse(self, operation: str, reason: str) -> None:
        self.ledger.record("refused", operation=operation, reason=reason)
        raise SafetyError(reason)

    def _before(
        self, service: str, op: str, params: dict[str, Any], context: dict[str, Any]
    ) -> None:
        read = op.startswith(READ_ONLY) or (service, op) == ("sts", "GetCallerIdentity")
        self._namespace(service, op, params, write=not read)
        context["labkit_params"] = copy.deepcopy(params)
        if read:
            return
        target = _WRITES.get((service, op))
        where = f"{service}.{op}"
        if target is None:
            self._refuse(where, f"labkit real mode does not send {where}: the lab does not need it")
        if target:
            value = str(params.get(target, ""))
            if not is_lab_name(arn_name(value) if value.startswith("arn:") else value, self.prefix):
                self._refuse(
                    where,
                    f"refusing {where} on {value!r}: labkit only changes resources whose name "
                    f"starts with {self.prefix!r} (use world.name({arn_name(value)!r}))",
                )
        self._add_tags(service, op, params)
        if (service, op) in {("logs", "PutResourcePolicy"), ("logs", "DeleteResourcePolicy")}:
            self._guard_policy_write(op, params, context)
        if (service, op) in {
            ("stepfunctions", "CreateStateMachine"),
            ("stepfunctions", "UpdateStateMachine"),
        }:
            self._snapshot_for_logging(params)

    # -------------------------------------------------------------- the lab namespace

    def _namespace(self, service: str, op: str, params: dict[str, Any], *, write: bool) -> None:
        """Read the names of a call in the lab namespace ``<prefix><name>`` (see module doc).

        A write always addresses the lab's name; a read does when this run created that
        name, so reads of other resources (``labkit.doctor``) see the account as it is.
        Names already prefixed, ARNs and AWS-owned names are left alone.
        """
        keys = list(_NAME_PARAMS.get(service, ()))
        if (service, op) in _CREATE_NAMES:
            keys.append(_CREATE_NAMES[(service, op)])
        for key in keys:
            value = params.get(key)
            if not isinstance(value, str) or not value or value.startswith("arn:"):
                continue
            if value.endswith("/") or is_lab_name(value, self.prefix):
                continue
            mapped = self.name(value)
            if write or self._created(mapped, prefix=key == "logGroupNamePrefix"):
                params[key] = mapped
                self._announce(value, mapped)
        config = params.get("loggingConfiguration")
        if write and isinstance(config, dict):
            for dest in config.get("destinations") or ():
                group = (dest or {}).get("cloudWatchLogsLogGroup") or {}
                arn = group.get("logGroupArn")
                if (
                    isinstance(arn, str)
                    and group_of(arn)
                    and not is_lab_name(group_of(arn), self.prefix)
                ):
                    name = group_of(arn)
                    mapped = self.name(name)
                    group["logGroupArn"] = arn.replace(
                        f":log-group:{name}", f":log-group:{mapped}", 1
                    )
                    self._announce(name, mapped)

    def _created(self, name: str, *, prefix: bool = False) -> bool:
        names = self._state.lab_names
        return any(n.startswith(name) for n in names) if prefix else name in names

    def _announce(self, base: str, mapped: str) -> None:
        if (base, mapped) in self._state.mapped:
            return
        self._state.mapped.add((base, mapped))
        text = f"{base} is {mapped} in this account (the lab's namespace)"
        self.ledger.record("note", text=text)
        self._out(f"labkit: {text}")

    def _add_tags(self, service: str, op: str, params: dict[str, Any]) -> None:
        tags = lab_tags(self.run_id)
        if (service, op) in {("iam", "CreateRole"), ("iam", "CreatePolicy")}:
            have = {t.get("Key") for t in params.get("Tags", [])}
            params["Tags"] = list(params.get("Tags", [])) + [
                {"Key": k, "Value": v} for k, v in tags.items() if k not in have
            ]
        elif (service, op) == ("logs", "CreateLogGroup"):
            params["tags"] = {**tags, **dict(params.get("tags", {}))}
        elif (service, op) == ("stepfunctions", "CreateStateMachine"):
            have = {t.get("key") for t in params.get("tags", [])}
            params["tags"] = list(params.get("tags", [])) + [
                {"key": k, "value": v} for k, v in tags.items() if k not in have
            ]

    def _save_policy(
        self, scope: str, name: str, resource_arn: str | None, current: dict | None
    ) -> None:
        key = ledger_mod.policy_key(scope, "*" if scope == "RESOURCE" else name, resource_arn)
        if any(p.key == key for p in self.ledger.pending()):
            return  # the original is already saved; this is the lab's own intermediate state
        self.ledger.record(
            "policy-saved",
            key=key,
            scope=scope,
            name=name if current is None else current.get("policyName", name),
            resource_arn=resource_arn,
            existed=current is not None,
            document=None if current is None else current.get("policyDocument"),
            revision_id=None if current is None else current.get("revisionId"),
        )

    def _guard_policy_write(self, op: str, params: dict[str, Any], context: dict) -> None:
        logs = self.cleanup_client("logs")
        name = str(params.get("policyName", ""))
        resource_arn = params.get("resourceArn")
        where = f"logs.{op}"
        try:
            if resource_arn:
                current = _find(read_resource_policies(logs, resource_arn=resource_arn), None)
                scope = "RESOURCE"
            else:
                current = _find(read_resource_policies(logs), name)
                scope = "ACCOUNT"
        except Exception as exc:  # noqa: BLE001 - any failure to read means: do not write
            self._refuse(
                where, f"refusing {where}: cannot read the current policy first ({_code(exc)})"
            )
            return
        if resource_arn and not is_lab_name(arn_name(str(resource_arn)), self.prefix):
            self._refuse(where, f"refusing {where} on {resource_arn}: not a lab log group")
        if op == "DeleteResourcePolicy" and not resource_arn:
            foreign = (
                foreign_coverage(current.get("policyDocument", ""), self.prefix) if current else []
            )
            if current is None or foreign:
                if current is not None:
                    self._save_policy(scope, name, None, current)
                if self._delete_instead(name, current, foreign):
                    context["labkit_answer"] = _empty_answer(self.run_id)
                return
        if op == "PutResourcePolicy" and current is not None:
            try:
                dropped = dropped_coverage(
                    current.get("policyDocument"), params.get("policyDocument", "{}"), self.prefix
                )
            except SafetyError:
                dropped = []  # unparsable new document: CloudWatch Logs itself rejects it
            if dropped:
                self._refuse(
                    where,
                    f"refusing to overwrite resource policy {name!r}: the new document no longer "
                    f"covers {', '.join(dropped)}, which is not the lab's. Use "
                    "labkit.world.real.restore_lab_statement(world, LOG_GROUP) to put back "
                    "only the lab's entry",
                )
        self._save_policy(scope, name, resource_arn, current)

    def _delete_instead(self, name: str, current: dict | None, foreign: list[str]) -> bool:
        """Phase 2 on a shared account: remove only the lab's part of what ``name`` grants.

        Deleting an account-level policy that also covers other log groups (or services)
        would stop their logs, so the lab removes only its own ``Resource`` entries from it
        and, under the 2026 behaviour, its own groups' log-group-level policies (what the
        article's delete stands for there). Returns whether the delete is answered here
        (``False``: nothing of the lab's and no such policy, so AWS gives its own error).
        """
        groups = [g for g in coverage(current["policyDocument"]).groups] if current else []
        groups = [g for g in groups if is_lab_name(g, self.prefix)]
        groups += [g for g in self._state.lab_groups if g not in groups]
        changes: list[dict[str, Any]] = []
        for group in groups:
            changes += _remove_lab_entries(self, group, policy_name=name)
        self._state.instead.setdefault(name, []).extend(changes)
        if current is None and not changes:
            return False
        mine = ", ".join(dict.fromkeys(c["group"] for c in changes)) or "none"
        if current is None:
            text = (
                f"{name} is not an account-level policy here: deleted the lab's "
                f"log-group-level policies instead ({mine}); they are put back with {name}"
            )
        else:
            n = len(foreign)
            shown = ", ".join(foreign[:3]) + (", ..." if n > 3 else "")
            what = (
                f"removed only the lab's entry for {mine}"
                if changes
                else "it has no entry of the lab's, so it is left unchanged"
            )
            text = (
                f"{name} is shared with {n} other log group{'s' if n != 1 else ''} or "
                f"entr{'ies' if n != 1 else 'y'} ({shown}): {what}; the original is restored "
                "at clean-up"
            )
        self.ledger.record("note", text=f"phase 2: {text}")
        self._out(f"labkit: {text}")
        return True

    def _after_put_back(self, name: str, params: Mapping[str, Any]) -> None:
        """After the lab puts account policy ``name`` back (phase 3).

        Re-puts the log-group-level policies a phase-2 delete of ``name`` removed, and
        records a restore when the document put back is the saved pre-lab original.
        """
        logs = self.cleanup_client("logs")
        for change in self._state.instead.pop(name, []):
            if change["scope"] == "RESOURCE":
                logs.put_resource_policy(
                    policyName=change["name"],
                    policyDocument=change["before"],
                    resourceArn=change["resource_arn"],
                )
                self.ledger.record(
                    "note", text=f"phase 3: put back the lab's policy for {change['group']}"
                )
        key = ledger_mod.policy_key("ACCOUNT", name, None)
        for item in self.ledger.pending():
            original = item.event.get("document") if item.event.get("existed") else None
            if (
                item.key == key
                and original is not None
                and original == params.get("policyDocument")
            ):
                self.ledger.record(
                    "restored", key=key, action="put back by the lab (the original)", attempts=1
                )

    def _snapshot_for_logging(self, params: dict[str, Any]) -> None:
        config = params.get("loggingConfiguration") or {}
        if config.get("level", "OFF") == "OFF":
            return
        logs = self.cleanup_client("logs")
        try:
            account = read_resource_policies(logs)
        except Exception as exc:  # noqa: BLE001
            self._refuse(
                "stepfunctions.CreateStateMachine",
                f"refusing to enable logging: cannot read resource policies first ({_code(exc)})",
            )
            return
        for p in account:
            self._save_policy("ACCOUNT", p["policyName"], None, p)
        if _find(account, SHARED_POLICY_NAME) is None:
            self._save_policy("ACCOUNT", SHARED_POLICY_NAME, None, None)
        for dest in config.get("destinations") or ():
            arn = ((dest or {}).get("cloudWatchLogsLogGroup") or {}).get("logGroupArn")
            if arn and is_lab_name(arn_name(arn), self.prefix):
                group_arn = str(arn).removesuffix(":*")
                current = _find(read_resource_policies(logs, resource_arn=group_arn), None)
                self._save_policy("RESOURCE", "*", group_arn, current)

    def _after(
        self, service: str, op: str, http: Any, parsed: Mapping[str, Any], context: dict
    ) -> None:
        if getattr(http, "status_code", 200) >= 300 or "Error" in (parsed or {}):
            return
        params = context.get("labkit_params", {})
        if (service, op) in _CREATES:
            kind, ident = _CREATES[(service, op)]
            value = ident(params, dict(parsed))
            self.ledger.record(
                "created",
                key=ledger_mod.resource_key(service, kind, value),
                service=service,
                kind=kind,
                id=value,
                operation=op,
            )
            if kind == "execution":
                self._state.executions.append(value)
            elif kind in {"role", "log-group", "state-machine", "policy"}:
                self._state.lab_names.add(arn_name(value))
                if kind == "log-group" and value not in self._state.lab_groups:
                    self._state.lab_groups.append(value)
        elif (service, op) == ("logs", "PutResourcePolicy") and not params.get("resourceArn"):
            self._after_put_back(str(params.get("policyName", "")), params)
        elif (service, op) in _DELETES:
            kind, ident = _DELETES[(service, op)]
            value = ident(params)
            self.ledger.record(
                "deleted",
                key=ledger_mod.resource_key(service, kind, value),
                operation=op,
                already_gone=False,
            )

    # -------------------------------------------------------------- settle / deliveries

    def settle(
        self, timeout: float = 120.0, *, poll: float | None = None, quiet: float | None = None
    ) -> None:
        """Wait for this world's executions to end, then for their log events to arrive.

        Polls ``DescribeExecution`` until no execution is ``RUNNING``, then
        ``FilterLogEvents`` on each machine's log group until every event its level logs
        has arrived, nothing new arrived for ``quiet`` seconds, or ``timeout`` passed.
        Delivery is "best-effort": "The completeness and timeliness of log entries are
        not guaranteed" [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html .
        """
        from tqdm.auto import tqdm

        poll = self._settings.poll_interval if poll is None else poll
        quiet = self._settings.quiet_seconds if quiet is None else quiet
        deadline = time.monotonic() + timeout
        sfn = self.client("stepfunctions")
        running = list(dict.fromkeys(self._state.executions))
        with tqdm(
            total=len(running), desc="executions", disable=not self._settings.progress, leave=False
        ) as bar:
            while running and time.monotonic() < deadline:
                still = []
                for arn in running:
                    if sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
                        still.append(arn)
                    else:
                        bar.update(1)
                running = still
                if running:
                    time.sleep(poll)
        if running:
            self._out(f"labkit: {len(running)} execution(s) still RUNNING after {timeout:g} s")
        expected = self._expected()
        total = sum(len(v) for v in expected.values())
        with tqdm(
            total=total, desc="log events", disable=not self._settings.progress, leave=False
        ) as bar:
            last_change = time.monotonic()
            while True:
                before = len(self._state.log_events)
                self._read_logs(expected)
                found = sum(
                    1 for keys in expected.values() for k in keys if k in self._state.log_events
                )
                bar.n = found
                bar.refresh()
                if len(self._state.log_events) != before:
                    last_change = time.monotonic()
                now = time.monotonic()
                if found >= total or now >= deadline or now - last_change >= quiet:
                    break
                time.sleep(poll)

    def _machines(self) -> dict[str, dict[str, Any]]:
        """execution ARN -> {level, include, group, history} for this world's executions."""
        sfn = self.client("stepfunctions")
        from labkit.world.logging_config import destination_arn, parse_log_group_arn

        out = {}
        for arn in dict.fromkeys(self._state.executions):
            machine = sfn.describe_state_machine_for_execution(executionArn=arn)
            config = machine.get("loggingConfiguration") or {}
            dest = destination_arn(config)
            parts = parse_log_group_arn(dest) if dest else None
            history: list[dict[str, Any]] = []
            for page in sfn.get_paginator("get_execution_history").paginate(executionArn=arn):
                history.extend(page["events"])
            out[arn] = {
                "level": config.get("level", "OFF"),
                "include": bool(config.get("includeExecutionData", False)),
                "group": parts["name"] if parts else None,
                "history": history,
            }
        return out

    def _expected(self) -> dict[str, set[tuple[str, int]]]:
        from labkit.world.delivery import is_logged

        expected: dict[str, set[tuple[str, int]]] = {}
        for arn, info in self._machines().items():
            if info["group"] is None:
                continue
            keys = {
                (arn, int(e["id"])) for e in info["history"] if is_logged(e["type"], info["level"])
            }
            expected.setdefault(info["group"], set()).update(keys)
        return expected

    def _read_logs(self, expected: Mapping[str, Any]) -> None:
        from botocore.exceptions import ClientError

        logs = self.client("logs")
        for group in expected:
            try:
                pages = logs.get_paginator("filter_log_events").paginate(logGroupName=group)
                for page in pages:
                    for event in page.get("events", []):
                        self._note_log_event(group, event)
            except ClientError as exc:
                if _code(exc) != "ResourceNotFoundException":
                    raise

    def _note_log_event(self, group: str, event: Mapping[str, Any]) -> None:
        try:
            record = json.loads(event.get("message", ""))
            key = (str(record["execution_arn"]), int(record["id"]))
        except (ValueError, KeyError, TypeError):
            return  # e.g. the validation stream's message
        self._state.log_events.setdefault(
            key,
            _LogEvent(
                timestamp=int(event.get("timestamp", 0)),
                ingestion_time=event.get("ingestionTime"),
                group=group,
                stream=str(event.get("logStreamName", "")),
            ),
        )

    def deliveries(self):
        """One row per history event of this world's executions (offline columns).

        ``status``: ``delivered`` (its log event was found), ``not logged`` (the level
        excludes it) or ``dropped`` (expected, not found in the log group by now: real AWS
        does not say whether it is late or lost). ``decision``/``explanation`` are ``None``.
        """
        import pandas as pd

        from labkit.world.delivery import is_logged, level_reason

        machines = self._machines()
        self._read_logs({m["group"]: None for m in machines.values() if m["group"]})
        rows = []
        for arn, info in machines.items():
            for e in info["history"]:
                key = (arn, int(e["id"]))
                seen = self._state.log_events.get(key)
                event_time = e["timestamp"]
                if seen is not None:
                    at_ms = seen.ingestion_time or seen.timestamp
                    delivered_at = datetime.fromtimestamp(at_ms / 1000, UTC)
                    status, reason = "delivered", f"found in {seen.stream} ({NO_AUDIT})"
                    latency = int(at_ms - int(event_time.timestamp() * 1000))
                    group, stream = seen.group, seen.stream
                elif not is_logged(e["type"], info["level"]):
                    status, reason = "not logged", level_reason(e["type"], info["level"])
                    delivered_at, latency, group, stream = pd.NaT, None, info["group"], None
                else:
                    status = "dropped"
                    reason = (
                        f"no log event for it in {info['group']} yet; {NO_AUDIT}; "
                        "run labkit.doctor(world, state_machine_arn) for the cause"
                    )
                    delivered_at, latency, group, stream = pd.NaT, None, info["group"], None
                rows.append(
                    {
                        "execution_arn": arn,
                        "event_id": int(e["id"]),
                        "event_type": e["type"],
                        "event_time": event_time,
                        "status": status,
                        "delivered_at": delivered_at,
                        "latency_ms": latency,
                        "log_group": group,
                        "log_stream": stream,
                        "decision": None,
                        "reason": reason,
                        "explanation": None,
                    }
                )
        frame = pd.DataFrame(rows, columns=COLUMNS)
        frame["event_id"] = frame["event_id"].astype("int64")
        frame["event_time"] = pd.to_datetime(frame["event_time"], utc=True)
        frame["delivered_at"] = pd.to_datetime(frame["delivered_at"], utc=True)
        frame["latency_ms"] = frame["latency_ms"].astype("Int64")
        return frame

    def register_lambda(self, name: str, handler: Any) -> None:
        """Offline only: real AWS runs real Lambda functions."""
        raise LabkitError(
            "register_lambda is offline only: on real AWS, Task states call real Lambda functions"
        )

    # -------------------------------------------------------------- clean-up

    def cleanup(self) -> list[str]:
        """Undo everything the ledger says this run did; idempotent. Returns leftover keys."""
        with self._lock:
            todo = self.ledger.pending()
            if not todo:
                return []
            self.ledger.record("cleanup-started")
            interrupted: BaseException | None = None
            for item in todo:
                try:
                    self._undo(item)
                except KeyboardInterrupt as exc:  # finish the clean-up, then re-raise
                    interrupted = exc
                    self.ledger.record(
                        "note", text=f"KeyboardInterrupt during clean-up of {item.key}"
                    )
                except Exception as exc:  # noqa: BLE001 - keep going; the ledger says what failed
                    self.ledger.record("delete-failed", key=item.key, error=self._safe(exc))
            leftovers = [p.key for p in self.ledger.pending()]
            self.ledger.record("cleanup-finished", leftovers=leftovers)
            if leftovers:
                self._out(
                    "labkit: clean-up left " + ", ".join(leftovers) + f"; see {self.ledger.path}"
                )
            if interrupted is not None:
                raise interrupted
            return leftovers

    def _safe(self, exc: BaseException) -> str:
        return redact(f"{_code(exc)}: {exc}", self._secrets)

    def _gone(self, key: str) -> None:
        self.ledger.record("deleted", key=key, operation="cleanup", already_gone=True)

    def _undo(self, item: ledger_mod.Pending) -> None:
        from botocore.exceptions import ClientError

        entry = item.event
        if entry["event"] == "policy-saved":
            self._restore(entry)
            return
        service, kind, ident = entry["service"], entry["kind"], entry["id"]
        client = self.cleanup_client(service)
        calls: list[tuple[str, dict[str, Any]]] = []
        if kind == "execution":
            try:
                status = client.describe_execution(executionArn=ident)["status"]
            except ClientError as exc:
                if _code(exc) in _GONE:
                    self._gone(item.key)
                    return
                raise
            if status == "RUNNING":
                calls = [("stop_execution", {"executionArn": ident})]
        elif kind == "state-machine":
            calls = [("delete_state_machine", {"stateMachineArn": ident})]
        elif kind == "log-group":
            calls = [("delete_log_group", {"logGroupName": ident})]
        elif kind == "attached-policy":
            role, arn = ident.split("|", 1)
            calls = [("detach_role_policy", {"RoleName": role, "PolicyArn": arn})]
        elif kind == "role-policy":
            role, name = ident.split("/", 1)
            calls = [("delete_role_policy", {"RoleName": role, "PolicyName": name})]
        elif kind == "role-boundary":
            calls = [("delete_role_permissions_boundary", {"RoleName": ident})]
        elif kind == "role":
            calls = [("delete_role", {"RoleName": ident})]
        elif kind == "policy":
            try:
                versions = client.list_policy_versions(PolicyArn=ident)["Versions"]
            except ClientError as exc:
                if _code(exc) in _GONE:
                    self._gone(item.key)
                    return
                raise
            calls = [
                ("delete_policy_version", {"PolicyArn": ident, "VersionId": v["VersionId"]})
                for v in versions
                if not v.get("IsDefaultVersion")
            ] + [("delete_policy", {"PolicyArn": ident})]
        gone = False
        for method, kwargs in calls:
            try:
                getattr(client, method)(**kwargs)
            except ClientError as exc:
                if _code(exc) not in _GONE:
                    raise
                gone = True
        self.ledger.record(
            "deleted", key=item.key, operation=calls[-1][0] if calls else "none", already_gone=gone
        )

    def _restore(self, saved: Mapping[str, Any]) -> None:
        """Put a saved policy back byte for byte (or remove what the lab's run added)."""
        logs = self.cleanup_client("logs")
        key, scope, name = saved["key"], saved["scope"], saved["name"]
        resource_arn, original = saved.get("resource_arn"), saved.get("document")
        attempts, last_error = 0, ""
        settings = self._settings
        while attempts < settings.restore_attempts:
            attempts += 1
            try:
                if scope == "RESOURCE":
                    current = _find(read_resource_policies(logs, resource_arn=resource_arn), None)
                else:
                    current = _find(read_resource_policies(logs), name)
                now = None if current is None else current.get("policyDocument")
                extra = {"resourceArn": resource_arn} if resource_arn else {}
                if current is not None and current.get("revisionId") and resource_arn:
                    extra["expectedRevisionId"] = current["revisionId"]
                if saved.get("existed"):
                    if now == original:
                        action = "unchanged"
                    else:
                        if now is not None:
                            foreign = added_foreign(original, now, self.prefix)
                            if foreign:
                                self.ledger.record(
                                    "restore-failed",
                                    key=key,
                                    attempts=attempts,
                                    error="someone else changed it during the lab (it now also covers "
                                    + ", ".join(foreign)
                                    + "); not overwritten",
                                    document=original,
                                    current=now,
                                    how=_how(self.region, name, original, resource_arn),
                                )
                                return
                        logs.put_resource_policy(
                            policyName=current["policyName"] if current else name,
                            policyDocument=original,
                            **extra,
                        )
                        action = "put"
                    check = (
                        _find(read_resource_policies(logs, resource_arn=resource_arn), None)
                        if scope == "RESOURCE"
                        else _find(read_resource_policies(logs), name)
                    )
                    if check is None or check.get("policyDocument") != original:
                        raise LabkitError("read-back differs from the saved original")
                else:
                    if now is None:
                        action = "unchanged"
                    else:
                        foreign = foreign_coverage(now, self.prefix)
                        if foreign:  # trim the lab's groups; keep what others added
                            trimmed: str | None = now
                            for group in coverage(now).groups:
                                if trimmed is not None and is_lab_name(group, self.prefix):
                                    trimmed = without_group(trimmed, group)
                            if trimmed is None:
                                logs.delete_resource_policy(
                                    policyName=current["policyName"], **extra
                                )
                            elif trimmed != now:
                                logs.put_resource_policy(
                                    policyName=current["policyName"],
                                    policyDocument=trimmed,
                                    **extra,
                                )
                            action = "trimmed (it now covers other log groups too)"
                        else:
                            logs.delete_resource_policy(policyName=current["policyName"], **extra)
                            action = "delete"
                self.ledger.record("restored", key=key, action=action, attempts=attempts)
                return
            except Exception as exc:  # noqa: BLE001 - retried, then recorded for a human
                last_error = self._safe(exc)
                if attempts < settings.restore_attempts:
                    time.sleep(settings.restore_backoff * attempts)
        self.ledger.record(
            "restore-failed",
            key=key,
            attempts=attempts,
            error=last_error,
            document=original,
            how=_how(self.region, name, original, resource_arn)
            if saved.get("existed")
            else f"delete the policy {name!r} if it only covers lab log groups",
        )

    # -------------------------------------------------------------- lifecycle

    @contextmanager
    def phase(self, where: str) -> Iterator[None]:
        """Run a block; on any error or KeyboardInterrupt, record it and clean up."""
        try:
            yield
        except BaseException as exc:
            self.ledger.record("error", where=where, error=self._safe(exc))
            self.cleanup()
            raise

    def close(self) -> None:
        """Clean up and stop listening for interrupts; safe to call twice."""
        if self._closed:
            return
        try:
            self.cleanup()
        finally:
            self._closed = True
            atexit.unregister(self._atexit)
            _remove_interrupt_hook(self._ipython_hook)
            if self._backing is not None:
                self._backing.close()

    def _atexit(self) -> None:
        with suppress(BaseException):  # the ledger already says what is left
            self.close()

    def __enter__(self) -> RealWorld:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None:
            self.ledger.record("error", where="with block", error=self._safe(exc))
        self.close()


def _empty_answer(run_id: str) -> tuple[Any, dict[str, Any]]:
    """An ``(http_response, parsed)`` pair for botocore's ``before-call``: the call succeeded
    with an empty output (DeleteResourcePolicy returns none [DOC] API model ``logs``)."""
    from botocore.awsrequest import AWSResponse

    meta = {
        "RequestId": f"labkit-{run_id}",
        "HTTPStatusCode": 200,
        "HTTPHeaders": {},
        "RetryAttempts": 0,
    }
    return AWSResponse("", 200, {}, None), {"ResponseMetadata": meta}


def _aws_endpoint(service: str, region: str) -> str:
    if service == "iam":
        return "https://iam.amazonaws.com"
    prefix = {"stepfunctions": "states"}.get(service, service)
    return f"https://{prefix}.{region}.amazonaws.com"


def _how(region: str, name: str, document: str | None, resource_arn: str | None) -> str:
    cmd = ["aws", "logs", "put-resource-policy", "--region", region, "--policy-name", name]
    if resource_arn:
        cmd += ["--resource-arn", resource_arn]
    cmd += ["--policy-document", document or "{}"]
    return shlex.join(cmd)


def _secrets(session: Any) -> list[str]:
    try:
        creds = session.get_credentials() if session is not None else None
        frozen = creds.get_frozen_credentials() if creds else None
    except Exception:  # noqa: BLE001
        return []
    return [s for s in (getattr(frozen, "secret_key", None), getattr(frozen, "token", None)) if s]


def _install_interrupt_hook(world: RealWorld) -> Any:
    """In IPython, clean up after a cell ends with KeyboardInterrupt."""
    ipython = sys.modules.get("IPython")
    shell = (
        ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    )
    if shell is None:
        return None

    def hook(result: Any) -> None:
        if isinstance(getattr(result, "error_in_exec", None), KeyboardInterrupt):
            world.ledger.record("error", where="notebook cell", error="KeyboardInterrupt")
            world._out("labkit: interrupted; cleaning up what the lab created ...")
            world.cleanup()

    shell.events.register("post_run_cell", hook)
    return (shell, hook)


def _remove_interrupt_hook(handle: Any) -> None:
    if handle is not None:
        shell, hook = handle
        with suppress(ValueError):
            shell.events.unregister("post_run_cell", hook)


# ---------------------------------------------------------------- phase 2, safely


def remove_lab_statement(world: RealWorld, log_group_name: str) -> list[dict[str, Any]]:
    """Stop delivery to the lab's log group only: the article's phase 2, safe on a shared account.

    Deletes the lab group's own log-group-level policy (2026 behaviour), and removes only the
    ``Resource`` entries naming the lab group from account-level policies (classic
    ``AWSLogDeliveryWrite20150319``). Refuses, changing nothing, when a wildcard entry
    (``/aws/vendedlogs/*``) also grants the lab group: removing it would stop other groups.
    Returns what was changed (also kept for :func:`restore_lab_statement`).
    A guarded ``logs.delete_resource_policy(policyName=...)`` does the same for that policy.
    """
    changes = _remove_lab_entries(world, log_group_name)
    if changes:
        world._state.removed.setdefault(log_group_name, []).extend(changes)
    world.ledger.record(
        "note",
        text=f"phase 2: removed the lab's entries for {log_group_name}: "
        + (", ".join(c["name"] for c in changes) or "none found"),
    )
    return changes


def _remove_lab_entries(
    world: RealWorld, log_group_name: str, *, policy_name: str | None = None
) -> list[dict[str, Any]]:
    """Remove what grants delivery to one lab group (optionally only in account policy
    ``policy_name``); refuse when a wildcard there also grants it (see above)."""
    if not is_lab_name(log_group_name, world.prefix):
        raise SafetyError(f"{log_group_name!r} is not a lab log group (prefix {world.prefix!r})")
    logs = world.client("logs")
    group_arn = log_group_arn(world.region, world.account_id, log_group_name)
    account = [
        p
        for p in read_resource_policies(logs)
        if policy_name is None or p.get("policyName") == policy_name
    ]
    stream = f"{group_arn}:log-stream:states/x"
    wild = [
        f"{p['policyName']}: {pattern}"
        for p in account
        for pattern in coverage(p.get("policyDocument", "{}")).patterns
        if _glob(pattern, stream)
    ]
    if wild:
        raise SafetyError(
            "cannot remove only the lab's access: "
            + "; ".join(wild)
            + " also covers other log groups. Phase 2 is not safe on this account; use the offline world"
        )
    changes: list[dict[str, Any]] = []
    for p in read_resource_policies(logs, resource_arn=group_arn):
        extra = {"expectedRevisionId": p["revisionId"]} if p.get("revisionId") else {}
        logs.delete_resource_policy(policyName=p["policyName"], resourceArn=group_arn, **extra)
        changes.append(
            {
                "scope": "RESOURCE",
                "name": p["policyName"],
                "group": log_group_name,
                "resource_arn": group_arn,
                "before": p["policyDocument"],
                "after": None,
            }
        )
    for p in account:
        doc = p.get("policyDocument", "{}")
        if not covers_group(doc, log_group_name):
            continue
        new = without_group(doc, log_group_name)
        if new is None:
            logs.delete_resource_policy(policyName=p["policyName"])
        else:
            logs.put_resource_policy(policyName=p["policyName"], policyDocument=new)
        changes.append(
            {
                "scope": "ACCOUNT",
                "name": p["policyName"],
                "group": log_group_name,
                "resource_arn": None,
                "before": doc,
                "after": new,
            }
        )
    return changes


def restore_lab_statement(world: RealWorld, log_group_name: str) -> list[dict[str, Any]]:
    """Undo :func:`remove_lab_statement`: the article's phase 3 (the guards still apply)."""
    logs = world.client("logs")
    changes = world._state.removed.pop(log_group_name, [])
    for c in changes:
        extra = {"resourceArn": c["resource_arn"]} if c["resource_arn"] else {}
        logs.put_resource_policy(policyName=c["name"], policyDocument=c["before"], **extra)
    world.ledger.record("note", text=f"phase 3: put back the lab's entries for {log_group_name}")
    return changes


def _glob(pattern: str, value: str) -> bool:
    from labkit.glob import simple

    return simple(pattern).matches(value)


# ---------------------------------------------------------------- opening a world


def _probe_document(region: str, account: str, group: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "LabkitWriteProbe",
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{log_group_arn(region, account, group)}:log-stream:*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ],
        }
    )


def _open_session(profile: str | None, region: str | None) -> tuple[Any, str, str]:
    import boto3
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        NoCredentialsError,
        ProfileNotFound,
    )

    try:
        session = boto3.Session(profile_name=profile, region_name=region)
    except ProfileNotFound:
        raise SafetyError(f"AWS profile {profile!r} not found in your AWS config") from None
    if not session.region_name:
        raise SafetyError("no AWS region: pass region=... or set AWS_REGION")
    try:
        creds = session.get_credentials()
    except BotoCoreError as exc:
        raise SafetyError(f"cannot load AWS credentials: {type(exc).__name__}") from None
    if creds is None:
        raise SafetyError(
            "no AWS credentials found: configure a profile (aws configure / aws sso login) "
            "or use the offline world (LABKIT_MODE=offline)"
        )
    try:
        ident = session.client("sts").get_caller_identity()
    except NoCredentialsError:
        raise SafetyError("no AWS credentials found") from None
    except ClientError as exc:
        raise SafetyError(
            f"AWS rejected the credentials ({_code(exc)}): they may be expired; log in again"
        ) from None
    except BotoCoreError as exc:
        raise SafetyError(f"cannot reach AWS STS: {type(exc).__name__}") from None
    return session, str(ident["Account"]), session.region_name


def aws(
    profile: str | None = None,
    region: str | None = None,
    *,
    dry_run: bool = False,
    ledger_path: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    poll_interval: float = 2.0,
    quiet_seconds: float = 10.0,
    restore_attempts: int = 3,
    restore_backoff: float = 1.0,
    progress: bool = True,
    out: Callable[[str], None] = print,
) -> RealWorld:
    """Open the lab on a real AWS account (or a dry run of it).

    Refuses to start, with a one-line reason, when credentials are missing or rejected,
    when ``logs:DescribeResourcePolicies`` fails, when the account already has 10
    account-level resource policies [DOC] CWL-UG quota, or when a lab-owned probe policy
    cannot be put and deleted (then the lab could not restore what it changes).

    ``dry_run=True`` sends nothing to AWS: every call is printed and answered by the
    offline simulation instead.
    """
    settings = _Settings(poll_interval, quiet_seconds, restore_attempts, restore_backoff, progress)
    if not prefix:
        raise SafetyError("the lab prefix must not be empty")
    if dry_run:
        from labkit.world.offline import offline

        backing = offline(region=region or "us-east-1")
        led = ledger_mod.Ledger(ledger_path)
        world = RealWorld(
            None,
            account_id=backing.account_id,
            region=backing.region,
            ledger=led,
            prefix=prefix,
            profile=profile,
            dry_run=True,
            backing=backing,
            settings=settings,
            out=out,
        )
        led.record(
            "run-started",
            account=world.account_id,
            region=world.region,
            prefix=prefix,
            profile=profile,
            dry_run=True,
        )
        out(
            _(
                "DRY RUN: nothing is sent to AWS; each call is printed and answered by the "
                "offline simulation."
            )
        )
        out(cost_note())
        return world
    session, account, region_name = _open_session(profile, region)
    led = ledger_mod.Ledger(ledger_path)
    world = RealWorld(
        session,
        account_id=account,
        region=region_name,
        ledger=led,
        prefix=prefix,
        profile=profile,
        settings=settings,
        out=out,
    )
    led.record(
        "run-started",
        account=account,
        region=region_name,
        prefix=prefix,
        profile=profile,
        dry_run=False,
    )
    try:
        _preflight(world)
    except BaseException as exc:
        led.record(
            "refused",
            operation="start",
            reason=world._safe(exc) if not isinstance(exc, SafetyError) else exc.message,
        )
        world.close()
        if isinstance(exc, SafetyError):
            raise
        raise SafetyError(f"pre-flight check failed: {world._safe(exc)}") from None
    out(
        _(
            "labkit on AWS account {account} in {region}: creates only {prefix}* resources, "
            "tagged labkit:lab=true; ledger {ledger}"
        ).format(account=account, region=region_name, prefix=prefix, ledger=led.path)
    )
    out(cost_note())
    return world


def _preflight(world: RealWorld) -> None:
    logs = world.cleanup_client("logs")
    try:
        account = read_resource_policies(logs)
    except Exception as exc:  # noqa: BLE001
        raise SafetyError(
            "cannot read CloudWatch Logs resource policies (logs:DescribeResourcePolicies: "
            f"{_code(exc)}); the lab must read them to restore them"
        ) from None
    if len(account) >= MAX_ACCOUNT_POLICIES:
        raise SafetyError(
            f"this account already has {len(account)} account-level CloudWatch Logs resource "
            f"policies in {world.region} (the quota is {MAX_ACCOUNT_POLICIES}); the lab could "
            "break log delivery set-up for others. Use another region or the offline world"
        )
    probe = f"{world.prefix}probe-{world.run_id}"
    guarded = world.client("logs")
    try:
        guarded.put_resource_policy(
            policyName=probe, policyDocument=_probe_document(world.region, world.account_id, probe)
        )
        guarded.delete_resource_policy(policyName=probe)
    except SafetyError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise SafetyError(
            "cannot write CloudWatch Logs resource policies (logs:PutResourcePolicy/"
            f"DeleteResourcePolicy: {_code(exc)}); the lab could not restore what it changes"
        ) from None
    world.ledger.record(
        "restored",
        key=ledger_mod.policy_key("ACCOUNT", probe, None),
        action="probe deleted",
        attempts=1,
    )


def resume_cleanup(
    ledger_path: str, *, profile: str | None = None, out: Callable[[str], None] = print
) -> list[str]:
    """Finish the clean-up of an earlier run from its ledger file (e.g. after a crash)."""
    entries = ledger_mod.read(ledger_path)
    start = next((e for e in entries if e.get("event") == "run-started"), None)
    if start is None:
        raise LabkitError(f"{ledger_path} is not a labkit ledger")
    if start.get("dry_run"):
        raise LabkitError("that ledger is from a dry run: nothing was created on AWS")
    session, account, region = _open_session(profile or start.get("profile"), start.get("region"))
    if account != start.get("account"):
        raise SafetyError(
            f"the ledger is for account {start.get('account')}, these credentials are for {account}"
        )
    led = ledger_mod.Ledger(ledger_path, run_id=start.get("run"))
    world = RealWorld(
        session,
        account_id=account,
        region=region,
        ledger=led,
        prefix=start.get("prefix", DEFAULT_PREFIX),
        out=out,
    )
    try:
        return world.cleanup()
    finally:
        world.close()
