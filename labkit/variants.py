"""The policy lab's choices as plain data: resource-policy variants and role variants.

Each variant is a :class:`Variant` (key, dropdown label, one-line description, the
teaching point, and whether delivery is expected). :func:`resource_policy` builds the
CloudWatch Logs resource policy document of a variant; :func:`role_policies` builds the
state machine role's policies (AWS managed policy ARNs plus inline documents).

AWS facts modelled (see each builder):

* The auto-created statement ``AWSLogDeliveryWrite20150319`` lets
  ``delivery.logs.amazonaws.com`` call ``logs:CreateLogStream`` and ``logs:PutLogEvents``
  on ``…:log-group:NAME:log-stream:*``, with ``aws:SourceAccount``/``aws:SourceArn``
  conditions. [DOC]
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html
* Near the 5,120-character limit the policy is widened to ``/aws/vendedlogs/*``. [DOC] same
  page; stored form ``arn:aws:logs:R:A:log-group:/aws/vendedlogs/*`` [ISSUE] anomalyco/sst#125.
* The execution role needs the log-delivery actions on ``"Resource": "*"`` only at
  CreateStateMachine/UpdateStateMachine time. [DOC]
  https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html (current 10-action list,
  quoted in terraform-aws-modules/terraform-aws-step-functions#76).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labkit.i18n import N_, _
from labkit.iam.examples import SFN_LOGGING_ACTIONS_CURRENT
from labkit.world import log_setup
from labkit.world.authorize import DELIVERY_PRINCIPAL, log_group_arn

__all__ = [
    "Variant",
    "RoleSetup",
    "RESOURCE_POLICY_VARIANTS",
    "ROLE_VARIANTS",
    "DELIVERY_POLICY_NAME",
    "LOG_DELIVERY_ACTIONS",
    "resource_policy",
    "role_policies",
    "log_group_arn",
    "classify_resource_policy",
    "classify_role",
    "variant",
]

#: The name AWS gives the account-level policy it creates. [ISSUE] serverless-step-functions#334
DELIVERY_POLICY_NAME = log_setup.POLICY_NAME
#: An account id that is not the lab's: used by the "wrong account" condition.
OTHER_ACCOUNT = "111122223333"
OTHER_LOG_GROUP = "/aws/vendedlogs/states/SomeOtherMachine-Logs"
INLINE_POLICY_NAME = "LabRolePolicy"

#: The documented role permissions for log delivery (the current 10-action list).
LOG_DELIVERY_ACTIONS = SFN_LOGGING_ACTIONS_CURRENT


@dataclass(frozen=True)
class Variant:
    """One choice in the lab: what it is, and what it teaches.

    The words are stored in English (marked for the catalog); :attr:`label`,
    :attr:`description` and :attr:`teaching_point` read them in the current language.
    """

    key: str
    english_label: str
    english_description: str
    english_teaching_point: str
    delivers: bool | None  # expected on an existing machine; None: depends (custom)

    @property
    def label(self) -> str:
        return _(self.english_label)

    @property
    def description(self) -> str:
        return _(self.english_description)

    @property
    def teaching_point(self) -> str:
        return _(self.english_teaching_point)


@dataclass(frozen=True)
class RoleSetup:
    """The role's policies: AWS managed policy ARNs to attach, inline documents by name."""

    managed_arns: tuple[str, ...] = ()
    inline: Mapping[str, dict] = field(default_factory=dict)


RESOURCE_POLICY_VARIANTS: tuple[Variant, ...] = (
    Variant("auto-created", N_("auto-created"),
            N_("The statement AWS creates at set-up: delivery.logs.amazonaws.com may CreateLogStream "
            "and PutLogEvents on this group's streams."),
            N_("This one statement is what authorises delivery."), True),
    Variant("none", N_("none"),
            N_("No resource policy at all (the article's phase 2)."),
            N_("Executions still succeed, but no log event arrives, whatever the role allows."), False),
    Variant("vendedlogs-wildcard", N_("/aws/vendedlogs/* wildcard"),
            N_("One statement for every group under /aws/vendedlogs/ (what AWS switches to near the "
            "5,120-character limit)."),
            N_("A wildcard resource covers this group too: delivery works."), True),
    Variant("other-log-group", N_("another log group"),
            N_("The auto-created statement, but for a different log group."),
            N_("The Resource must name this group's log streams."), False),
    Variant("wrong-principal", N_("wrong principal (states.amazonaws.com)"),
            N_("The statement names states.amazonaws.com instead of delivery.logs.amazonaws.com."),
            N_("Step Functions does not write the logs; the log-delivery service does."), False),
    Variant("put-only", N_("only PutLogEvents"),
            N_("The statement allows logs:PutLogEvents but not logs:CreateLogStream."),
            N_("Enough while the log stream exists; a new stream needs logs:CreateLogStream."), None),
    Variant("explicit-deny", N_("an explicit Deny"),
            N_("The auto-created Allow plus a Deny of logs:PutLogEvents for the delivery service."),
            N_("An explicit Deny wins over any Allow."), False),
    Variant("source-account", N_("confused-deputy: right account"),
            N_("Allow only when aws:SourceAccount is this account."),
            N_("Confused-deputy conditions that match still allow delivery."), True),
    Variant("source-account-wrong", N_("confused-deputy: wrong account"),
            N_("Allow only when aws:SourceAccount is 111122223333."),
            N_("A condition that does not match leaves an implicit deny."), False),
    Variant("source-arn-state-machine", N_("confused-deputy: SourceArn = state machine"),
            N_("Allow only when aws:SourceArn is the state machine's ARN."),
            N_("For vended logs the source ARN is a logs ARN, not the state machine's [INFER]."), False),
    Variant("custom", N_("custom JSON"),
            N_("Your own policy document, from the editor."),
            N_("Write the least-privilege statement yourself."), None),
)  # fmt: skip

ROLE_VARIANTS: tuple[Variant, ...] = (
    Variant("article", N_("the article's log-delivery policy"),
            N_("The role the article creates: 9 logs:* set-up actions (the 2022 list) on Resource \"*\"."),
            N_("Enough for set-up; delivery itself still needs the resource policy."), True),
    Variant("none", N_("none"),
            N_("A role that Step Functions can assume, with no permissions."),
            N_("Delivery to an existing machine continues; only set-up (an update) fails."), True),
    Variant("AWSStepFunctionsFullAccess", "AWSStepFunctionsFullAccess",  # a name: not translated
            N_("The AWS managed policy for Step Functions (states:*, no logs:* actions)."),
            N_("Step Functions permissions are not log-delivery permissions."), True),
    Variant("log-delivery", N_("documented log-delivery policy"),
            N_("The 10 logs:* actions the Step Functions guide documents, on Resource \"*\"."),
            N_("Enough for set-up; delivery itself still needs the resource policy."), True),
    Variant("AdministratorAccess", "AdministratorAccess",  # a name: not translated
            N_("Every action on every resource (the article's phase 2)."),
            N_("Even an administrator role does not make logs arrive."), True),
    Variant("CloudWatchLogsFullAccess", "CloudWatchLogsFullAccess",  # a name: not translated
            N_("The AWS managed policy allowing logs:*."),
            N_("logs:* on the role is irrelevant at delivery time."), True),
    Variant("deny-logs", N_("explicit Deny on logs:*"),
            N_("The documented log-delivery policy plus a Deny of logs:*."),
            N_("The Deny breaks set-up (an update fails), not delivery."), True),
    Variant("custom", N_("custom JSON"),
            N_("Your own inline role policy, from the editor."),
            N_("Find the minimal set-up permissions."), True),
)  # fmt: skip

_MANAGED = {
    "AWSStepFunctionsFullAccess": "arn:aws:iam::aws:policy/AWSStepFunctionsFullAccess",
    "AdministratorAccess": "arn:aws:iam::aws:policy/AdministratorAccess",
    "CloudWatchLogsFullAccess": "arn:aws:iam::aws:policy/CloudWatchLogsFullAccess",
}


def variant(kind: str, key: str) -> Variant:
    """The :class:`Variant` named ``key`` among ``kind`` ("resource" or "role")."""
    table = RESOURCE_POLICY_VARIANTS if kind == "resource" else ROLE_VARIANTS
    for v in table:
        if key in (v.key, v.english_label, v.label):
            return v
    raise ValueError(f"unknown {kind} variant {key!r}; choose one of {[v.key for v in table]}")


def _document(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _load_custom(custom: str | Mapping[str, Any] | None) -> dict:
    if custom is None:
        raise ValueError("the custom variant needs custom= (a JSON string or a dict)")
    return json.loads(custom) if isinstance(custom, str) else dict(custom)


def resource_policy(
    key: str,
    *,
    account: str,
    region: str,
    log_group: str,
    state_machine_arn: str | None = None,
    custom: str | Mapping[str, Any] | None = None,
) -> dict | None:
    """The CloudWatch Logs resource policy document of variant ``key`` (None: no policy).

    ``custom`` is parsed for the ``"custom"`` variant (``json.JSONDecodeError`` if malformed;
    the lab sends the raw text to ``PutResourcePolicy`` instead, so AWS's error shows).
    """
    key = variant("resource", key).key
    if key == "none":
        return None
    if key == "custom":
        return _load_custom(custom)
    streams = log_setup.group_resource(region, account, log_group)
    # the statement AWS creates at set-up; the other variants change one part of it
    statement = log_setup.delivery_statement(region, account, [streams])
    source_conditions = statement.pop("Condition")
    if key == "auto-created":
        statement["Condition"] = source_conditions
    elif key == "vendedlogs-wildcard":
        statement["Resource"] = [log_group_arn(region, account, "/aws/vendedlogs/*")]
    elif key == "other-log-group":
        statement["Resource"] = [log_setup.group_resource(region, account, OTHER_LOG_GROUP)]
    elif key == "wrong-principal":
        statement["Principal"] = {"Service": ["states.amazonaws.com"]}
    elif key == "put-only":
        statement["Action"] = ["logs:PutLogEvents"]
    elif key == "explicit-deny":
        deny = {
            "Sid": "DenyDelivery",
            "Effect": "Deny",
            "Principal": {"Service": [DELIVERY_PRINCIPAL]},
            "Action": ["logs:PutLogEvents"],
            "Resource": [streams],
        }
        return _document(statement, deny)
    elif key == "source-account":
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": [account]}}
    elif key == "source-account-wrong":
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": [OTHER_ACCOUNT]}}
    elif key == "source-arn-state-machine":
        if state_machine_arn is None:
            raise ValueError("the SourceArn variant needs state_machine_arn=")
        statement["Condition"] = {"ArnLike": {"aws:SourceArn": [state_machine_arn]}}
    return _document(statement)


def role_policies(
    key: str, *, custom: str | Mapping[str, Any] | None = None, **_context: Any
) -> RoleSetup:
    """The role's policies for variant ``key``: managed ARNs to attach and inline documents.

    Extra keyword arguments (``account``, ``region``, ``log_group``) are accepted for symmetry
    with :func:`resource_policy`; the documented role policy uses ``"Resource": "*"`` because
    these actions "don't support Resource types defined by Amazon CloudWatch Logs" [DOC]
    (cited in aws/aws-cdk PR #27310).
    """
    key = variant("role", key).key
    log_delivery = {
        "Sid": "LogDelivery",
        "Effect": "Allow",
        "Action": list(LOG_DELIVERY_ACTIONS),
        "Resource": "*",
    }
    if key == "none":
        return RoleSetup()
    if key == "article":
        from labkit import article

        return RoleSetup(inline={article.ROLE_POLICY_NAME: dict(article.ROLE_POLICY)})
    if key in _MANAGED:
        return RoleSetup(managed_arns=(_MANAGED[key],))
    if key == "log-delivery":
        return RoleSetup(inline={INLINE_POLICY_NAME: _document(log_delivery)})
    if key == "deny-logs":
        deny = {"Sid": "DenyLogs", "Effect": "Deny", "Action": "logs:*", "Resource": "*"}
        return RoleSetup(inline={INLINE_POLICY_NAME: _document(log_delivery, deny)})
    return RoleSetup(inline={INLINE_POLICY_NAME: _load_custom(custom)})


def _parsed(document: str | Mapping[str, Any] | None) -> Any:
    if document is None or not isinstance(document, str):
        return document
    try:
        return json.loads(document)
    except ValueError:
        return document


def classify_resource_policy(document: str | Mapping[str, Any] | None, **context: Any) -> str:
    """The key of the variant whose document equals ``document`` ("custom" if none does).

    ``context`` is :func:`resource_policy`'s (account, region, log_group, state_machine_arn).
    """
    found = _parsed(document)
    if found is None:
        return "none"
    for v in RESOURCE_POLICY_VARIANTS:
        if v.key in ("none", "custom"):
            continue
        if resource_policy(v.key, **context) == found:
            return v.key
    return "custom"


def classify_role(managed_arns: Sequence[str], inline: Mapping[str, Any]) -> str:
    """The key of the role variant with exactly these managed ARNs and inline documents."""
    managed = tuple(sorted(managed_arns))
    documents = {name: _parsed(doc) for name, doc in inline.items()}
    for v in ROLE_VARIANTS:
        if v.key == "custom":
            continue
        setup = role_policies(v.key)
        if tuple(sorted(setup.managed_arns)) == managed and dict(setup.inline) == documents:
            return v.key
    return "custom"
