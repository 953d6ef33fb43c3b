"""The article's phases 2 and 3 on a shared account: only the lab's own entries change.

The article deletes ``AWSLogDeliveryWrite20150319`` (phase 2) and puts it back (phase 3).
On a shared account that would stop, then rewrite, other teams' delivery. Here (rule 2 of
:mod:`labkit.world.guard`):

* a guarded ``logs.delete_resource_policy(policyName=N)`` removes only the ``Resource``
  entries naming this run's log groups from ``N`` (and, under the 2026 behaviour, deletes
  those groups' own log-group-level policies), prints one notice and answers as a
  successful delete. A policy left with nothing but the lab's entries is deleted; a
  wildcard entry granting the lab's group is refused (no safe way to remove only the
  lab's access);
* a guarded ``logs.put_resource_policy(policyName=N, policyDocument=D)`` applies only the
  lab's part of ``D`` to the live ``N``: the lab's entries ``D`` has are put back, the
  lab's entries ``D`` lacks are removed; everything else stays as it is now (another team
  may have changed it since ``D`` was read). A put that changes nothing of the lab's but
  something of someone else's is refused;
* :func:`remove_lab_statement` / :func:`restore_lab_statement` do the same for one group.

Every edit is a read-compare-write (:func:`labkit.world.policy_entries.edit_account_policy`)
recorded in the ledger with the text read and the text written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from labkit.safety import SafetyError, foreign_coverage, group_of, log_group_arn
from labkit.world import policy_entries as pe
from labkit.world.hints import add_hint, hint


def empty_answer(run_id: str, **fields: Any) -> dict[str, Any]:
    """A successful response the lab gives itself (``DeleteResourcePolicy`` has no output
    [DOC] API model ``logs``)."""
    meta = {"RequestId": f"labkit-{run_id}", "HTTPStatusCode": 200, "HTTPHeaders": {}}
    return {**fields, "ResponseMetadata": {**meta, "RetryAttempts": 0}}


def not_found(op: str, name: str) -> Exception:
    """CloudWatch Logs' error for a policy that does not exist (message as moto 5.2.5
    gives it; AWS's exact text is [INFER])."""
    from botocore.exceptions import ClientError

    return ClientError(
        {
            "Error": {
                "Code": "ResourceNotFoundException",
                "Message": f"Policy with name [{name}] does not exist",
            },
            "ResponseMetadata": {"HTTPStatusCode": 400},
        },
        op,
    )


def delete_policy(guard: Any, params: dict[str, Any]) -> Any:
    """Phase 2 on a shared account: remove only the lab's part of what a policy grants."""
    w = guard.world
    resource_arn = params.get("resourceArn")
    if resource_arn:
        if not guard.owns("log-group", str(resource_arn)):
            guard.refuse(
                "logs.DeleteResourcePolicy",
                f"refusing logs.DeleteResourcePolicy on {resource_arn}: not a log group of this run",
            )
        removed = pe.delete_group_policy(w.raw("logs"), str(resource_arn))
        if removed is None:
            raise not_found("DeleteResourcePolicy", str(params.get("policyName")))
        w.ledger.record("note", text=f"phase 2: deleted the policy of {resource_arn}")
        w.removed_group_policies.append(removed)
        return empty_answer(w.run_id)
    name = str(params.get("policyName", ""))
    logs = w.raw("logs")
    live = pe.find(pe.read_resource_policies(logs), name)
    changes = []
    for group in guard.groups():
        changes += remove_entries(w, group, policy_name=name, live=live)
    guard.instead.setdefault(name, []).extend(c for c in changes if c["scope"] == "RESOURCE")
    if live is None and not changes:
        raise not_found("DeleteResourcePolicy", name)
    mine = ", ".join(dict.fromkeys(c["group"] for c in changes)) or "none"
    if live is None:
        text = (
            f"{name} is not an account-level policy here: deleted the lab's "
            f"log-group-level policies instead ({mine}); they are put back with {name}"
        )
    else:
        foreign = foreign_coverage(live.get("policyDocument", "{}"), w.prefix)
        n = len(foreign)
        account = [c for c in changes if c["scope"] == "ACCOUNT"]
        if not foreign:
            what = "it covered only the lab's log groups, so it was deleted"
        elif account:
            what = f"removed only the lab's entry for {mine}"
        else:
            what = "it has no entry of the lab's, so it is left unchanged"
        shown = ", ".join(foreign[:3]) + (", ..." if n > 3 else "")
        text = (
            f"{name} is shared with {n} other log group{'s' if n != 1 else ''} or "
            f"entr{'ies' if n != 1 else 'y'} ({shown}): {what}; nothing else in it is changed"
            if foreign
            else f"{name}: {what}"
        )
    w.ledger.record("note", text=f"phase 2: {text}")
    w._out(f"labkit: {text}")
    return empty_answer(w.run_id)


def put_policy(guard: Any, send: Callable, params: dict[str, Any]) -> Any:
    """Phase 3 (or any put): apply only the lab's part of the document to the live policy."""
    w = guard.world
    where = "logs.PutResourcePolicy"
    document = str(params.get("policyDocument", ""))
    resource_arn = params.get("resourceArn")
    logs = w.raw("logs")
    if resource_arn:
        group = group_of(str(resource_arn)) or ""
        if not guard.owns("log-group", group):
            guard.refuse(where, f"refusing {where} on {resource_arn}: not a log group of this run")
        current = pe.find(pe.read_resource_policies(logs, resource_arn=str(resource_arn)), None)
        if current is not None and current.get("revisionId"):
            params.setdefault("expectedRevisionId", current["revisionId"])
        w.expect_entries(group)
        return send("PutResourcePolicy", params)
    name = str(params.get("policyName", ""))
    owned = guard.groups()
    live = pe.find(pe.read_resource_policies(logs), name)
    before = None if live is None else live.get("policyDocument")
    wanted = pe.named_groups(document, owned)
    stale = [g for g in pe.named_groups(before, owned) if g not in wanted]
    others_doc = pe.strip(document, owned) if _is_json(document) else document
    others_live = pe.strip(before, owned) if before is not None else None
    differs = not pe.same(others_doc, others_live)
    if not wanted and not stale and differs:
        guard.refuse(
            where,
            f"refusing to write resource policy {name!r}: the change is not the lab's "
            "(the lab changes only its own entries in shared policies; use "
            "labkit.world.real.restore_lab_statement(world, LOG_GROUP) to put back the "
            "lab's entry)",
        )
    for group in wanted:
        w.expect_entries(group)
    result = pe.edit_account_policy(
        logs,
        name,
        remove=stale,
        put_back=wanted,
        template=document,
        candidates=w.texts(name),
        attempts=w.settings.restore_attempts,
        backoff=w.settings.restore_backoff,
    )
    w.record_edit(name, wanted or stale, result)
    if differs and (wanted or stale):
        text = (
            f"{name}: {result['action']}; the rest of it is kept as it is now "
            "(someone else's version differs from the document given)"
        )
        w.ledger.record("note", text=f"phase 3: {text}")
        w._out(f"labkit: {text}")
    for change in guard.instead.pop(name, []):
        put_group_policy(w, change)
    written = result["after"]
    return empty_answer(
        w.run_id,
        resourcePolicy={
            "policyName": name,
            "policyDocument": written if written is not None else document,
            "lastUpdatedTime": int(datetime.now(UTC).timestamp() * 1000),
        },
    )


def _is_json(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except (TypeError, ValueError):
        return False


def remove_entries(
    world: Any, group: str, *, policy_name: str | None = None, live: Mapping | None = None
) -> list[dict[str, Any]]:
    """Stop delivery to one of the lab's log groups only (the article's phase 2, safely).

    Deletes the group's own log-group-level policy (2026 behaviour), and removes only the
    ``Resource`` entries naming the group from account-level policies (classic), each by
    read-compare-write. Refuses, changing nothing, when a wildcard entry
    (``/aws/vendedlogs/*``) also grants the group: removing it would stop other groups.
    """
    if not world.guard.owns("log-group", group):
        raise SafetyError(f"{group!r} is not a log group created by this run of the lab")
    logs = world.raw("logs")
    group_arn = log_group_arn(world.region, world.account_id, group, world.partition)
    account = pe.read_resource_policies(logs)
    if policy_name is not None:
        account = [p for p in account if p.get("policyName") == policy_name]
    wild = [
        f"{p['policyName']}: {w}"
        for p in account
        for w in pe.wildcards_covering(p.get("policyDocument", "{}"), group_arn)
    ]
    if wild:
        raise SafetyError(
            "cannot remove only the lab's access: "
            + "; ".join(wild)
            + " also covers other log groups. Phase 2 is not safe on this account; use the offline world"
        )
    changes: list[dict[str, Any]] = []
    removed = pe.delete_group_policy(logs, group_arn)
    if removed is not None:
        world.ledger.record(
            "entries-edited",
            key=f"logs:lab-entries:{group}",
            policy=removed["policyName"],
            scope="RESOURCE",
            action="deleted the lab group's own policy",
            before=None,
            after=None,
            attempts=1,
        )
        changes.append(
            {
                "scope": "RESOURCE",
                "name": removed["policyName"],
                "group": group,
                "resource_arn": group_arn,
                "before": removed["policyDocument"],
                "after": None,
            }
        )
    for p in account:
        if group not in pe.named_groups(p.get("policyDocument"), [group]):
            continue
        result = pe.edit_account_policy(
            logs,
            p["policyName"],
            remove=[group],
            candidates=world.texts(p["policyName"]),
            attempts=world.settings.restore_attempts,
            backoff=world.settings.restore_backoff,
        )
        world.record_edit(p["policyName"], [group], result)
        changes.append(
            {
                "scope": "ACCOUNT",
                "name": p["policyName"],
                "group": group,
                "resource_arn": None,
                "before": result["before"],
                "after": result["after"],
            }
        )
    return changes


def put_group_policy(world: Any, change: Mapping[str, Any]) -> None:
    """Put back a log-group-level policy of the lab's group (``expectedRevisionId`` when the
    group has one again)."""
    logs = world.raw("logs")
    arn = str(change["resource_arn"])
    current = pe.find(pe.read_resource_policies(logs, resource_arn=arn), None)
    extra = (
        {"expectedRevisionId": current["revisionId"]}
        if current and current.get("revisionId")
        else {}
    )
    logs.put_resource_policy(
        policyName=change["name"], policyDocument=change["before"], resourceArn=arn, **extra
    )
    world.ledger.record("note", text=f"phase 3: put back the lab's policy for {change['group']}")


# ---------------------------------------------------------------- phase 2 and 3, safely


def remove_lab_statement(world: Any, log_group_name: str) -> list[dict[str, Any]]:
    """Stop delivery to the lab's log group only: the article's phase 2, safe on a shared account.

    Deletes the lab group's own log-group-level policy (2026 behaviour), and removes only the
    ``Resource`` entries naming the lab group from account-level policies (classic
    ``AWSLogDeliveryWrite20150319``), by read-compare-write. Refuses, changing nothing, when
    a wildcard entry (``/aws/vendedlogs/*``) also grants the lab group. Returns what was
    changed (also kept for :func:`restore_lab_statement`).
    """
    group = world.name(log_group_name)
    try:
        changes = remove_entries(world, group)
    except BaseException as exc:
        if not isinstance(exc, SafetyError | KeyboardInterrupt | SystemExit):
            add_hint(exc, hint(exc, "remove_lab_statement"))
        raise
    world._state.removed.setdefault(group, []).extend(changes)
    world.ledger.record(
        "note",
        text=f"phase 2: removed the lab's entries for {group}: "
        + (", ".join(c["name"] for c in changes) or "none found"),
    )
    return changes


def restore_lab_statement(world: Any, log_group_name: str) -> list[dict[str, Any]]:
    """Undo :func:`remove_lab_statement`: the article's phase 3, the lab's entries only."""
    group = world.name(log_group_name)
    changes = world._state.removed.pop(group, [])
    logs = world.raw("logs")
    try:
        for c in changes:
            if c["scope"] == "RESOURCE":
                put_group_policy(world, c)
                continue
            result = pe.edit_account_policy(
                logs,
                c["name"],
                put_back=[group],
                template=c["before"],
                candidates=world.texts(c["name"]),
                attempts=world.settings.restore_attempts,
                backoff=world.settings.restore_backoff,
            )
            world.record_edit(c["name"], [group], result)
    except BaseException as exc:
        if not isinstance(exc, SafetyError | KeyboardInterrupt | SystemExit):
            add_hint(exc, hint(exc, "restore_lab_statement"))
        raise
    world.ledger.record("note", text=f"phase 3: put back the lab's entries for {group}")
    return changes
