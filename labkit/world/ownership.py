"""Whose is it? Looking a resource up before the lab deletes it (rule 1 of :mod:`labkit.world.guard`).

A ledger names what a run created, but a ledger is a file anyone can edit, and a lost
response leaves only an intent. So before clean-up deletes anything, and after a create
whose response was lost, the resource is looked up in AWS: it must be in this account and
Region and carry the tag ``labkit:run=<run id>`` (roles, log groups, state machines and
IAM policies are tagged when the lab creates them). An execution belongs to the state
machine in its ARN; an inline or attached role policy to its role.
"""

from __future__ import annotations

from typing import Any

from labkit.safety import TAG_RUN, is_lab_name, parse_arn
from labkit.world import policy_entries as pe

#: error codes meaning "it is not there"
GONE = {
    "NoSuchEntity",
    "ResourceNotFoundException",
    "ResourceNotFound",
    "StateMachineDoesNotExist",
    "ExecutionDoesNotExist",
}


def _gone(exc: BaseException) -> bool:
    return pe.error_code(exc) in GONE


def owner(world: Any, kind: str, ident: str) -> str:
    """``"ours"``, ``"gone"`` or why not ours, for one resource of a ledger entry."""
    from botocore.exceptions import ClientError

    run = world.run_id
    try:
        if kind in {"role-policy", "attached-policy", "role-boundary"}:
            role = ident.split("|", 1)[0].split("/", 1)[0]
            return owner(world, "role", role)
        if kind == "role":
            tags = world.raw("iam").list_role_tags(RoleName=ident)["Tags"]
            found = {t["Key"]: t["Value"] for t in tags}
        elif kind == "log-group":
            if not is_lab_name(ident, world.prefix):
                return f"is not in the lab's namespace ({world.prefix!r})"
            found = world.raw("logs").list_tags_log_group(logGroupName=ident).get("tags", {})
        elif kind == "state-machine":
            why = _foreign_arn(world, ident, "states")
            if why:
                return why
            found = _machine_tags(world, ident)
        elif kind == "execution":
            why = _foreign_arn(world, ident, "states")
            if why:
                return why
            parts = parse_arn(ident) or {}
            bits = str(parts.get("rest", "")).split(":")
            machine = (
                ident.rsplit(":execution:", 1)[0]
                + f":stateMachine:{bits[1] if len(bits) > 1 else ''}"
            )
            return owner(world, "state-machine", machine)
        elif kind == "policy":
            why = _foreign_arn(world, ident, "iam")
            if why:
                return why
            tags = world.raw("iam").list_policy_tags(PolicyArn=ident)["Tags"]
            found = {t["Key"]: t["Value"] for t in tags}
        elif kind == "probe-policy":
            return "ours" if ident == f"{world.prefix}probe-{run}" else "is not this run's probe"
        elif kind == "lab-entries":
            if not is_lab_name(ident, world.prefix):
                return f"is not in the lab's namespace ({world.prefix!r})"
            state = owner(world, "log-group", ident)
            return "ours" if state in {"ours", "gone"} else state
        else:
            return f"is of an unknown kind {kind!r}"
    except ClientError as exc:
        if _gone(exc):
            return "gone"
        raise
    if found.get(TAG_RUN) == run:
        return "ours"
    return f"is not tagged {TAG_RUN}={run} (tags: {found.get(TAG_RUN, 'none')})"


def _machine_tags(world: Any, arn: str) -> dict[str, str]:
    from botocore.exceptions import ClientError

    sfn = world.raw("stepfunctions")
    try:
        tags = sfn.list_tags_for_resource(resourceArn=arn)["tags"]
    except ClientError as exc:
        if not (world.dry_run and pe.error_code(exc) == "UnknownOperationException"):
            raise
        # the offline world of a dry run keeps no Step Functions tags: existence + name
        sfn.describe_state_machine(stateMachineArn=arn)
        return {TAG_RUN: world.run_id} if is_lab_name(arn.rsplit(":", 1)[-1], world.prefix) else {}
    return {t["key"]: t["value"] for t in tags}


def _foreign_arn(world: Any, arn: str, service: str) -> str | None:
    parts = parse_arn(arn)
    if parts is None or parts["service"] != service:
        return f"is not a {service} ARN"
    if parts["account"] != world.account_id:
        return f"is in account {parts['account']}, not {world.account_id}"
    if parts["region"] and parts["region"] != world.region:
        return f"is in Region {parts['region']}, not {world.region}"
    return None
