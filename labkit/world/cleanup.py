"""Clean-up of a real-AWS run from its ledger: idempotent, ownership-checked, never stopping.

Each pending ledger key (:func:`labkit.ledger.pending`, latest first) is undone in turn.
Before any delete the resource is looked up again (:func:`owner`): it must exist in this
account and Region and carry the tag ``labkit:run=<run id>`` (roles, log groups, state
machines, IAM policies; an execution belongs to a state machine that does; an inline or
attached role policy to a role that does). Anything else is left alone and recorded as
``not-owned``, so a ledger edited by hand cannot make clean-up delete other people's
resources (rule 1 of :mod:`labkit.world.guard`). A lab log group's entries in shared
resource policies are removed by read-compare-write (:mod:`labkit.world.policy_entries`).

Every step is tried up to ``restore_attempts`` times; every failure is recorded
(``delete-failed``) and clean-up goes on with the next key, so one dropped connection
never stops the rest. A KeyboardInterrupt during clean-up is recorded, clean-up finishes,
and the interrupt is raised again at the end.
"""

from __future__ import annotations

import time
from typing import Any

from labkit.ledger import Pending
from labkit.safety import group_of, log_group_arn
from labkit.world import policy_entries as pe
from labkit.world.lab_operations import record_created
from labkit.world.ownership import _gone, owner


def cleanup(world: Any) -> list[str]:
    """Undo everything pending in the ledger; idempotent. Returns the keys still pending."""
    led = world.ledger
    todo = led.pending()
    if not todo:
        return []
    led.record("cleanup-started")
    interrupted: BaseException | None = None
    attempts = max(1, world.settings.restore_attempts)
    for item in todo:
        for attempt in range(1, attempts + 1):
            try:
                undo(world, item)
                break
            except KeyboardInterrupt as exc:  # finish the clean-up, then re-raise
                interrupted = exc
                led.record(
                    "delete-failed", key=item.key, error="KeyboardInterrupt", attempt=attempt
                )
            except Exception as exc:  # noqa: BLE001 - keep going; the ledger says what failed
                led.record("delete-failed", key=item.key, error=world.safe(exc), attempt=attempt)
                if attempt < attempts:
                    time.sleep(world.settings.restore_backoff * attempt)
        else:
            if item.event.get("kind") == "lab-entries":
                _record_remedy(world, item)
    leftovers = [p.key for p in led.pending()]
    led.record("cleanup-finished", leftovers=leftovers)
    if leftovers:
        world._out(
            "labkit: clean-up left "
            + ", ".join(leftovers)
            + f"; run labkit.world.real.resume_cleanup({str(led.path)!r}) to finish it"
        )
    if interrupted is not None:
        raise interrupted
    return leftovers


def _record_remedy(world: Any, item: Pending) -> None:
    group = str(item.event.get("id"))
    names = []
    try:
        names = [
            p["policyName"]
            for p in pe.read_resource_policies(world.raw("logs"))
            if pe.named_groups(p.get("policyDocument"), [group])
        ]
    except Exception:  # noqa: BLE001 - the remedy then names the usual policy
        names = ["AWSLogDeliveryWrite20150319"]
    for name in names or ["AWSLogDeliveryWrite20150319"]:
        world.ledger.record(
            "edit-failed",
            key=item.key,
            policy=name,
            error="clean-up could not remove the lab's entry",
            attempts=world.settings.restore_attempts,
            how=pe.remedy(world.region, name, [group], world.aws_profile),
        )


def undo(world: Any, item: Pending) -> None:
    """Undo one pending key (after checking it is this run's)."""
    entry = item.event
    led = world.ledger
    service, kind, ident = entry.get("service"), entry.get("kind"), entry.get("id")
    if not (isinstance(kind, str) and isinstance(ident, str) and isinstance(service, str)):
        led.record("not-owned", key=item.key, reason="the ledger entry is malformed")
        return
    if not item.key.startswith(f"{service}:{kind}:"):
        led.record("not-owned", key=item.key, reason="the ledger entry does not match its key")
        return
    key_id = item.key.split(":", 2)[2]
    if ident != key_id and kind not in {"state-machine", "execution", "policy"}:
        # the key was written with the intent, before the request: it names what was created
        led.record("note", text=f"{item.key}: the entry says {ident!r}; clean-up follows the key")
        ident = key_id
    state = owner(world, kind, ident)
    if state == "gone" and not item.resolved and kind != "lab-entries":
        for attempt in range(1, world.settings.lookup_attempts):
            time.sleep(world.settings.lookup_delay * attempt)  # it may still be on its way
            state = owner(world, kind, ident)
            if state != "gone":
                break
    if state == "gone":
        if not item.resolved and kind != "lab-entries":
            led.record("not-created", key=item.key, reason="a lookup at clean-up found nothing")
        else:
            led.record("deleted", key=item.key, operation="cleanup", already_gone=True)
        return
    if state != "ours":
        led.record("not-owned", key=item.key, reason=f"{ident} {state}")
        return
    if not item.resolved and kind != "lab-entries":
        record_created(led, item.key, kind, ident, entry.get("operation"), via="lookup")
    if kind == "lab-entries":
        _remove_entries(world, item, ident)
        return
    operation = _delete(world, kind, ident)
    led.record("deleted", key=item.key, operation=operation, already_gone=operation == "none")


def _call(client: Any, method: str, **kwargs: Any) -> bool:
    """Call; ``False`` when AWS says it is already gone."""
    from botocore.exceptions import ClientError

    try:
        getattr(client, method)(**kwargs)
    except ClientError as exc:
        if _gone(exc):
            return False
        raise
    return True


def _delete(world: Any, kind: str, ident: str) -> str:
    if kind == "execution":
        sfn = world.raw("stepfunctions")
        from botocore.exceptions import ClientError

        try:
            status = sfn.describe_execution(executionArn=ident)["status"]
        except ClientError as exc:
            if _gone(exc):
                return "none"
            raise
        if status == "RUNNING":
            _call(sfn, "stop_execution", executionArn=ident)
            return "StopExecution"
        return "none (it had ended)"
    if kind == "state-machine":
        from botocore.exceptions import ClientError

        sfn = world.raw("stepfunctions")
        try:
            for page in sfn.get_paginator("list_executions").paginate(
                stateMachineArn=ident, statusFilter="RUNNING"
            ):
                for execution in page.get("executions", []):
                    _call(sfn, "stop_execution", executionArn=execution["executionArn"])
        except ClientError as exc:
            if _gone(exc):
                return "none"
            raise
        return (
            "DeleteStateMachine"
            if _call(sfn, "delete_state_machine", stateMachineArn=ident)
            else "none"
        )
    if kind == "log-group":
        logs = world.raw("logs")
        arn = log_group_arn(world.region, world.account_id, ident, world.partition)
        pe.delete_group_policy(logs, arn)
        return "DeleteLogGroup" if _call(logs, "delete_log_group", logGroupName=ident) else "none"
    iam = world.raw("iam")
    if kind == "attached-policy":
        role, arn = ident.split("|", 1)
        return (
            "DetachRolePolicy"
            if _call(iam, "detach_role_policy", RoleName=role, PolicyArn=arn)
            else "none"
        )
    if kind == "role-policy":
        role, name = ident.split("/", 1)
        return (
            "DeleteRolePolicy"
            if _call(iam, "delete_role_policy", RoleName=role, PolicyName=name)
            else "none"
        )
    if kind == "role":
        # whatever is on the lab's own role goes with it (a lost AttachRolePolicy response
        # must not leave a role that cannot be deleted)
        for p in iam.list_attached_role_policies(RoleName=ident)["AttachedPolicies"]:
            _call(iam, "detach_role_policy", RoleName=ident, PolicyArn=p["PolicyArn"])
        for name in iam.list_role_policies(RoleName=ident)["PolicyNames"]:
            _call(iam, "delete_role_policy", RoleName=ident, PolicyName=name)
        return "DeleteRole" if _call(iam, "delete_role", RoleName=ident) else "none"
    if kind == "policy":
        from botocore.exceptions import ClientError

        try:
            versions = iam.list_policy_versions(PolicyArn=ident)["Versions"]
        except ClientError as exc:
            if _gone(exc):
                return "none"
            raise
        for v in versions:
            if not v.get("IsDefaultVersion"):
                _call(iam, "delete_policy_version", PolicyArn=ident, VersionId=v["VersionId"])
        return "DeletePolicy" if _call(iam, "delete_policy", PolicyArn=ident) else "none"
    if kind == "probe-policy":
        logs = world.raw("logs")
        return (
            "DeleteResourcePolicy"
            if _call(logs, "delete_resource_policy", policyName=ident)
            else "none"
        )
    raise ValueError(f"cannot undo {kind}")


def _remove_entries(world: Any, item: Pending, group: str) -> None:
    """Remove the entries naming ``group`` from every policy (read-compare-write)."""
    logs = world.raw("logs")
    done = []
    group_arn = log_group_arn(world.region, world.account_id, group, world.partition)
    removed = pe.delete_group_policy(logs, group_arn)
    if removed is not None:
        done.append(f"deleted the group's own policy {removed['policyName']}")
    for p in pe.read_resource_policies(logs):
        name = p["policyName"]
        if not pe.named_groups(p.get("policyDocument"), [group]):
            continue
        result = pe.edit_account_policy(
            logs,
            name,
            remove=[group],
            candidates=world.texts(name),
            attempts=world.settings.restore_attempts,
            backoff=world.settings.restore_backoff,
        )
        world.record_edit(name, [group], result)
        done.append(f"{name}: {result['action']}")
    world.ledger.record("entries-removed", key=item.key, policies=done)


__all__ = ["cleanup", "owner", "undo", "group_of"]
