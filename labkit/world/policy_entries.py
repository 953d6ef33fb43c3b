"""The lab's own entries in shared CloudWatch Logs resource policies, edited in place.

An account-level resource policy such as ``AWSLogDeliveryWrite20150319`` is shared:
CloudWatch Logs appends one ``...:log-group:NAME:log-stream:*`` entry per log group that
any service delivers to [DOC] CloudWatch Logs User Guide, "Logging that requires
additional permissions". Other teams and services change it at any time. So the lab never
puts back a copy it saved earlier (that would undo their changes): every change is a
read-compare-write of the lab's *own* entries only:

1. read the live document;
2. apply the lab's change to it (remove the entries naming this run's log groups, or add
   them back as the learner's document has them); nothing else is touched;
3. write it (nothing at all when the live document already is as wanted: "no entry of
   the lab's" is recorded, not written);
4. read it back and check the lab's entries are as wanted; otherwise start again.

When the result means the same as a text the lab has already seen (the policy before the
lab's entry was added, or as another team last wrote it), that exact text is written, so
a policy nobody else touched gets its bytes back. Log-group-level policies (2026) belong
to one log group; the lab edits only those of its own groups, always with
``expectedRevisionId`` ("Required when resourceArn is provided to prevent concurrent
modifications" [DOC] API model ``logs/2014-03-28``), so a concurrent change makes AWS
refuse the lab's write instead of losing the other change.

Limit, stated honestly: account-level ``PutResourcePolicy`` has no conditional write
[DOC] (``expectedRevisionId`` is for ``resourceArn``). Between the lab's last read and its
write (milliseconds) another party's change can still be overwritten; nothing in the API
can prevent or detect that.
"""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from labkit.safety import SafetyError, coverage, group_of, without_groups

# ---------------------------------------------------------------- reading


def error_code(exc: BaseException) -> str:
    """AWS's error code of ``exc``, or its type name (network errors carry no response)."""
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        code = (response.get("Error") or {}).get("Code")
        if code:
            return str(code)
    return type(exc).__name__


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
                or error_code(exc) in {"InvalidParameterException", "ValidationException"}
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


def find(policies: list[dict[str, Any]], name: str | None) -> dict[str, Any] | None:
    """The policy called ``name`` (any, when ``None``)."""
    for p in policies:
        if name is None or p.get("policyName") == name:
            return p
    return None


# ---------------------------------------------------------------- documents


def _load(text: str | Mapping[str, Any] | None) -> Any:
    if text is None or isinstance(text, Mapping):
        return text
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def same(a: str | Mapping[str, Any] | None, b: str | Mapping[str, Any] | None) -> bool:
    """Whether two policy documents mean the same (equal JSON values)."""
    return _load(a) == _load(b)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def named_groups(document: str | Mapping[str, Any] | None, groups: Iterable[str]) -> list[str]:
    """Which of ``groups`` the document names in an exact ``Resource`` entry."""
    if document is None:
        return []
    try:
        have = set(coverage(document).groups)
    except SafetyError:
        return []
    return [g for g in dict.fromkeys(groups) if g in have]


def strip(document: str | Mapping[str, Any], groups: Iterable[str]) -> str | None:
    """The document without any ``Resource`` entry naming one of ``groups``
    (:func:`labkit.safety.without_groups`: every other statement and entry is kept)."""
    return without_groups(document, groups)


def only(document: str | Mapping[str, Any], groups: Iterable[str]) -> str | None:
    """The document with only the ``Resource`` entries naming ``groups`` (the lab's part)."""
    doc = _load(document)
    want = set(groups)
    kept = []
    for stmt in _list(doc.get("Statement")):
        if not isinstance(stmt, Mapping):
            continue
        mine = [r for r in _list(stmt.get("Resource")) if group_of(str(r)) in want]
        if mine:
            kept.append({**stmt, "Resource": mine})
    if not kept:
        return None
    return json.dumps({**doc, "Statement": kept})


def add(
    live: str | Mapping[str, Any], template: str | Mapping[str, Any], groups: Iterable[str]
) -> str:
    """``live`` with the entries of ``template`` that name ``groups`` added back.

    Each entry goes into the live statement that matches its template statement in all
    but ``Resource`` (AWS appends to its statement the same way); if none matches, the
    template statement is appended with only the lab's entries.
    """
    doc = _load(live)
    statements = [dict(s) if isinstance(s, Mapping) else s for s in _list(doc.get("Statement"))]
    lab = _load(only(template, groups)) or {"Statement": []}
    for stmt in lab["Statement"]:
        rest = {k: v for k, v in stmt.items() if k != "Resource"}
        target = next(
            (
                s
                for s in statements
                if isinstance(s, dict)
                and {k: v for k, v in s.items() if k != "Resource"} == rest
                and "Resource" in s
            ),
            None,
        )
        if target is None:
            statements.append(stmt)
            continue
        resources = _list(target["Resource"])
        resources += [r for r in stmt["Resource"] if r not in resources]
        target["Resource"] = resources
    return json.dumps({**doc, "Statement": statements})


def prefer(text: str | None, candidates: Iterable[str | None]) -> str | None:
    """``text``, or the latest of ``candidates`` that means the same (its exact bytes)."""
    if text is None:
        return None
    for candidate in reversed(list(candidates)):
        if candidate is not None and same(candidate, text):
            return candidate
    return text


def wildcards_covering(document: str, group_arn: str) -> list[str]:
    """Wildcard entries of ``document`` that also grant log group ``group_arn``."""
    from labkit.glob import simple  # linear-time wildcard matching (issue 14)

    stream = f"{group_arn.removesuffix(':*')}:log-stream:states/x"
    return [p for p in coverage(document).patterns if simple(p).matches(stream)]


# ---------------------------------------------------------------- read-compare-write


def edit_account_policy(
    logs: Any,
    name: str,
    *,
    remove: Iterable[str] = (),
    put_back: Iterable[str] = (),
    template: str | None = None,
    candidates: Iterable[str | None] = (),
    attempts: int = 3,
    backoff: float = 0.0,
    seen: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Remove (or put back, as ``template`` has them) the lab's entries in policy ``name``.

    Returns ``{"action", "before", "after", "attempts"}``; ``action`` says what was done
    (``"none: ..."`` when nothing needed writing). Raises the last error after
    ``attempts`` tries. ``seen(text)`` is called with each live text read.
    """
    remove, put_back = list(dict.fromkeys(remove)), list(dict.fromkeys(put_back))
    candidates = list(candidates)
    last: BaseException | None = None
    errors: list[str] = []
    for attempt in range(1, attempts + 1):
        try:
            live = find(read_resource_policies(logs), name)
            before = None if live is None else live.get("policyDocument")
            if before is not None and seen is not None:
                seen(before)
            after, action = _apply(before, remove, put_back, template)
            if after == before or (
                after is not None and before is not None and same(after, before)
            ):
                return {
                    "action": action,
                    "before": before,
                    "after": before,
                    "attempts": attempt,
                    "errors": errors,
                }
            after = prefer(after, [*candidates, template])
            if after is None:
                logs.delete_resource_policy(policyName=name)
            else:
                logs.put_resource_policy(policyName=name, policyDocument=after)
            check = find(read_resource_policies(logs), name)
            now = None if check is None else check.get("policyDocument")
            if named_groups(now, remove) or (
                put_back and set(named_groups(now, put_back)) != set(put_back)
            ):
                raise SafetyError(f"read-back of {name} does not show the lab's change yet")
            return {
                "action": action,
                "before": before,
                "after": after,
                "attempts": attempt,
                "errors": errors,
            }
        except Exception as exc:  # noqa: BLE001 - retried; the caller records the last one
            last = exc
            errors.append(f"{error_code(exc)}: {exc}"[:300])
            if attempt < attempts:
                time.sleep(backoff * attempt)
    assert last is not None
    raise last


def _apply(
    before: str | None, remove: list[str], put_back: list[str], template: str | None
) -> tuple[str | None, str]:
    if before is None:
        if put_back and template is not None:
            lab = only(template, put_back)
            if lab is not None:
                return lab, f"created it with only the lab's entries for {', '.join(put_back)}"
        return None, "none: the policy does not exist (nothing of the lab's in it)"
    present = named_groups(before, remove)
    missing = [g for g in put_back if g not in named_groups(before, put_back)]
    if not present and not missing:
        if remove:
            return before, "none: the live policy has no entry of the lab's"
        return before, "none: the lab's entries are already there"
    after: str | None = before
    done = []
    if present:
        after = strip(before, present)
        done.append(f"removed the lab's entries for {', '.join(present)}")
    if missing and template is not None:
        after = add(after, template, missing) if after is not None else only(template, missing)
        done.append(f"put back the lab's entries for {', '.join(missing)}")
    if after is None:
        done.append("deleted the policy (nothing else was left in it)")
    return after, "; ".join(done)


def delete_group_policy(logs: Any, group_arn: str) -> dict[str, Any] | None:
    """Delete the log-group-level policy of one of the lab's log groups (2026 behaviour),
    with ``expectedRevisionId``; return what was deleted, or ``None`` when there is none."""
    current = find(read_resource_policies(logs, resource_arn=group_arn), None)
    if current is None:
        return None
    extra = {"expectedRevisionId": current["revisionId"]} if current.get("revisionId") else {}
    logs.delete_resource_policy(
        policyName=current["policyName"], resourceArn=group_arn.removesuffix(":*"), **extra
    )
    return current


def remedy(region: str, name: str, groups: Iterable[str], profile: str | None = None) -> str:
    """A command a human can run that removes only the lab's entries from policy ``name``."""
    args = f"{name!r}, {list(groups)!r}, region={region!r}" + (
        f", profile={profile!r}" if profile else ""
    )
    code = f"from labkit.world.policy_entries import remove_by_hand; remove_by_hand({args})"
    return shlex.join(["python", "-c", code])


def remove_by_hand(
    name: str, groups: list[str], *, region: str, profile: str | None = None
) -> dict[str, Any]:
    """Remove only the entries naming ``groups`` from account-level policy ``name``."""
    import boto3

    logs = boto3.Session(profile_name=profile, region_name=region).client("logs")
    return edit_account_policy(logs, name, remove=groups)
