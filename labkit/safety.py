"""Pure safety rules for running the lab on a real, shared AWS account.

The account-level CloudWatch Logs resource policy ``AWSLogDeliveryWrite20150319`` is
shared: CloudWatch Logs appends one ``...:log-group:NAME:log-stream:*`` entry per log
group that any service (Step Functions, API Gateway, MSK, ...) delivers to, and never
removes them [DOC] https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html
[ISSUE] serverless-operations/serverless-step-functions#334, anomalyco/sst#125. Deleting
it, as the reference experiment does, silently stops other teams' logs. So:

* the lab names everything with a prefix and only ever mutates lab-named resources
  (:func:`is_lab_name`, :func:`lab_name`);
* a policy may be deleted only when every log group it covers is the lab's
  (:func:`coverage`, :func:`foreign_coverage`); otherwise the lab removes just its own
  resource entry (:func:`without_group`, :func:`without_groups`);
* since 2026 CloudWatch Logs creates one log-group-level policy per group instead
  (``PutResourcePolicy`` ``resourceArn``; API model ``logs/2014-03-28/service-2.json``)
  [DOC]; deleting the lab's own group-level policy is always safe.

Cost, stated up front (:data:`COST_NOTE`), is an estimate [INFER] from
https://aws.amazon.com/step-functions/pricing/ (Standard workflows: $0.025 per 1,000
state transitions) and https://aws.amazon.com/cloudwatch/pricing/ (vended logs
ingestion from $0.50 per GB). A lab run makes a few executions of about 10 transitions
and writes a few kilobytes of logs: well under $0.01.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from labkit.errors import LabkitError
from labkit.i18n import N_, _

DEFAULT_PREFIX = "labkit-"
TAG_LAB = "labkit:lab"
TAG_RUN = "labkit:run"
#: "Up to 10 CloudWatch Logs resource policies per Region per account" [DOC] CWL-UG;
#: the 11th -> LimitExceededException "Resource limit exceeded." [ISSUE] aws/aws-cdk#22307.
MAX_ACCOUNT_POLICIES = 10
SHARED_POLICY_NAME = "AWSLogDeliveryWrite20150319"

#: The cost note in English (marked for the catalog); ``COST_NOTE`` reads it in the current
#: language (a module ``__getattr__``, PEP 562), as does :func:`cost_note`.
COST_NOTE_EN = N_(
    "Cost (estimate, [INFER] from https://aws.amazon.com/step-functions/pricing/ and "
    "https://aws.amazon.com/cloudwatch/pricing/): Step Functions Standard "
    "$0.025 per 1,000 state transitions; vended logs ingestion about $0.50 per GB. "
    "One lab run is a few executions of ~10 transitions and a few KB of logs: "
    "well under $0.01."
)


def cost_note() -> str:
    """What a lab run costs, in the current language (the figures are AWS's, in USD)."""
    return _(COST_NOTE_EN)


def __getattr__(name: str) -> str:
    if name == "COST_NOTE":
        return cost_note()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class SafetyError(LabkitError):
    """The lab refused to do something that could harm resources it does not own."""

    code = "LabkitSafety"


# ---------------------------------------------------------------- names and tags


def _last_segment(name: str) -> str:
    return name.rstrip("/").rsplit("/", 1)[-1]


def is_lab_name(name: str, prefix: str = DEFAULT_PREFIX) -> bool:
    """Whether ``name`` (a role, machine or log group name; last ``/`` segment) is the lab's."""
    return bool(prefix) and _last_segment(name).startswith(prefix)


def lab_name(base: str, prefix: str = DEFAULT_PREFIX) -> str:
    """``base`` with the lab prefix on its last path segment.

    >>> lab_name("/aws/vendedlogs/states/LookingIntoLogging-Logs")
    '/aws/vendedlogs/states/labkit-LookingIntoLogging-Logs'
    """
    if is_lab_name(base, prefix):
        return base
    head, sep, last = base.rpartition("/")
    return f"{head}{sep}{prefix}{last}"


def lab_tags(run_id: str) -> dict[str, str]:
    """The tags every lab resource carries."""
    return {TAG_LAB: "true", TAG_RUN: run_id}


# ---------------------------------------------------------------- ARNs

_ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):(?P<service>[^:]+):(?P<region>[^:]*):(?P<account>[^:]*):(?P<rest>.*)$"
)


def parse_arn(arn: str) -> dict[str, str] | None:
    """``{partition, service, region, account, rest}`` of an ARN, else ``None``."""
    match = _ARN.match(arn or "")
    return match.groupdict() if match else None


def arn_name(arn: str) -> str:
    """The resource name in a role, state machine, execution or log-group ARN."""
    parts = parse_arn(arn)
    if parts is None:
        return arn
    rest = parts["rest"]
    if parts["service"] == "iam":
        return rest.split("/")[-1]
    if parts["service"] == "states":
        bits = rest.split(":")
        return bits[1] if len(bits) > 1 else rest  # stateMachine:NAME / execution:SM:NAME
    if parts["service"] == "logs" and rest.startswith("log-group:"):
        return rest[len("log-group:") :].split(":")[0]
    return rest


def log_group_arn(region: str, account: str, name: str, partition: str = "aws") -> str:
    """``arn:aws:logs:REGION:ACCOUNT:log-group:NAME`` (no ``:*``), as ``resourceArn`` takes it."""
    return f"arn:{partition}:logs:{region}:{account}:log-group:{name}"


# ---------------------------------------------------------------- policy coverage


@dataclass(frozen=True)
class Coverage:
    """Which log groups a resource policy's statements reach.

    ``groups``: exact log group names named in ``Resource`` entries; ``patterns``: entries
    whose group part has a wildcard (``/aws/vendedlogs/*``) or that are ``*``, or a
    ``NotResource``: they may reach any group.
    """

    groups: tuple[str, ...]
    patterns: tuple[str, ...]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _statements(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [s for s in _as_list(doc.get("Statement")) if isinstance(s, Mapping)]


def _parse(document: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(document, Mapping):
        return dict(document)
    try:
        doc = json.loads(document)
    except (TypeError, ValueError) as exc:
        raise SafetyError(f"resource policy is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise SafetyError("resource policy is not a JSON object")
    return doc


def group_of(resource: str) -> str | None:
    """The log group name in a ``...:log-group:NAME[:...]`` resource entry, else ``None``."""
    parts = parse_arn(resource)
    if not parts or parts["service"] != "logs" or not parts["rest"].startswith("log-group:"):
        return None
    return parts["rest"][len("log-group:") :].split(":")[0]


def coverage(document: str | Mapping[str, Any]) -> Coverage:
    """The log groups a policy covers (see :class:`Coverage`)."""
    groups: list[str] = []
    patterns: list[str] = []
    for stmt in _statements(_parse(document)):
        if "NotResource" in stmt:
            patterns.extend(str(r) for r in _as_list(stmt["NotResource"]) or ["NotResource"])
        for res in _as_list(stmt.get("Resource")):
            res = str(res)
            group = group_of(res)
            if (
                group is None
                or any(c in group for c in "*?")
                or any(c in res.split(":log-group:")[0] for c in "*?")
            ):
                patterns.append(res)
            elif group not in groups:
                groups.append(group)
    return Coverage(tuple(groups), tuple(patterns))


def foreign_coverage(document: str | Mapping[str, Any], prefix: str = DEFAULT_PREFIX) -> list[str]:
    """Entries of a policy that reach log groups other than the lab's (empty: lab-only)."""
    cov = coverage(document)
    return [g for g in cov.groups if not is_lab_name(g, prefix)] + list(cov.patterns)


def covers_group(document: str | Mapping[str, Any], group: str) -> bool:
    """Whether the policy names ``group`` exactly in some ``Resource`` entry."""
    return group in coverage(document).groups


def without_group(document: str | Mapping[str, Any], group: str) -> str | None:
    """The policy with every ``Resource`` entry naming ``group`` removed (:func:`without_groups`)."""
    return without_groups(document, (group,))


def without_groups(document: str | Mapping[str, Any], groups: Iterable[str]) -> str | None:
    """The policy without any ``Resource`` entry naming one of ``groups``.

    A statement left without resources is dropped; ``None`` when no statement is left.
    Every other statement, condition and entry is kept as it is (even a statement that is
    not a JSON object: it is someone else's to fix).
    """
    doc = _parse(document)
    drop = set(groups)
    kept = []
    for stmt in _as_list(doc.get("Statement")):
        if isinstance(stmt, Mapping) and "Resource" in stmt:
            resources = _as_list(stmt["Resource"])
            left = [r for r in resources if group_of(str(r)) not in drop]
            if len(left) != len(resources):
                if not left:
                    continue
                stmt = {**stmt, "Resource": left if isinstance(stmt["Resource"], list) else left[0]}
        kept.append(stmt)
    if not kept:
        return None
    return json.dumps({**doc, "Statement": kept})


def dropped_coverage(
    before: str | Mapping[str, Any] | None,
    after: str | Mapping[str, Any],
    prefix: str = DEFAULT_PREFIX,
) -> list[str]:
    """Foreign entries the ``before`` policy covered and ``after`` no longer does."""
    if before is None:
        return []
    after_cov = coverage(after)
    now = set(after_cov.groups) | set(after_cov.patterns)
    return [e for e in foreign_coverage(before, prefix) if e not in now]


def added_foreign(
    original: str | Mapping[str, Any] | None,
    current: str | Mapping[str, Any],
    prefix: str = DEFAULT_PREFIX,
) -> list[str]:
    """Foreign entries in ``current`` that ``original`` did not have (someone else's change)."""
    orig = set(foreign_coverage(original, prefix)) if original is not None else set()
    return [e for e in foreign_coverage(current, prefix) if e not in orig]


# ---------------------------------------------------------------- secrets


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced by ``****``."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "****")
    return text
