"""The article's experiment as names and small boto3 steps, usable on any world.

The experiment: a Step Functions state machine logs to CloudWatch Logs (phase 1);
the resource policy ``AWSLogDeliveryWrite20150319`` is deleted and the role made an
administrator: executions still succeed but no logs arrive (phase 2); the policy is
put back and logs arrive again (phase 3). Every function takes plain boto3 clients,
so the same steps run on ``labkit.offline()`` and ``labkit.aws()``: there the names below
are read in the lab's namespace (``labkit-LookingIntoLogging``, see :mod:`labkit.world.real`)
and the functions take the real names from AWS's responses (ARNs, listed groups).

The role's log-delivery policy is the one the Step Functions Developer Guide documents
(2022 edition, nine actions on ``*``) [DOC]
https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html .
The machine is the console's Hello World (v2, JSONPath) [secondary] public copies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from labkit.i18n import N_, Messages, _, ngettext
from labkit.iam.examples import SFN_LOGGING_ACTIONS_2022

if TYPE_CHECKING:
    import pandas as pd

STATE_MACHINE_NAME = "LookingIntoLogging"
LOG_GROUP_NAME = "/aws/vendedlogs/states/LookingIntoLogging-Logs"
ROLE_NAME = "StepFunctions-LookingIntoLogging-role"
ROLE_PATH = "/service-role/"
ROLE_POLICY_NAME = "CloudWatchLogsDeliveryFullAccessPolicy"
RESOURCE_POLICY_NAME = "AWSLogDeliveryWrite20150319"
ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "states.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}

#: The nine actions of the 2022 Developer Guide, on "*" [DOC] (the article's era).
LOG_DELIVERY_ACTIONS = SFN_LOGGING_ACTIONS_2022
ROLE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": list(LOG_DELIVERY_ACTIONS), "Resource": "*"}],
}


#: The words of the tables lessons build from the experiment's runs: keys stay in the code,
#: ``LABELS[key]`` is the heading in the current language (``"log messages"`` -> "로그 메시지").
LABELS = Messages(
    {
        "seconds": N_("seconds"),
        "status": N_("status"),
        "history events": N_("history events"),
        "log messages": N_("log messages"),
    }
)

#: The three phases' short names, in the order of the experiment.
PHASES = Messages(
    {
        "1": N_("1: policy"),
        "2": N_("2: no policy, admin role"),
        "3": N_("3: policy again"),
    }
)


def phases(*executions: str) -> dict[str, str]:
    """The runs of the three phases keyed by each phase's short name in the current language.

    >>> phases("run1", "run2", "run3")  # doctest: +NORMALIZE_WHITESPACE
    {'1: policy': 'run1', '2: no policy, admin role': 'run2', '3: policy again': 'run3'}
    """
    if len(executions) > len(PHASES):
        raise TypeError(f"phases() takes at most {len(PHASES)} executions")
    return {PHASES[str(n)]: arn for n, arn in enumerate(executions, start=1)}


def phase_table(rows: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """One row per phase, one column per measure: ``{phase: {"status": ..., "history events":
    ..., "log messages": ...}}`` as a table whose headings (:data:`LABELS`) are in the current
    language; keys that are not in :data:`LABELS` are shown as they are."""
    import pandas as pd

    table = pd.DataFrame.from_dict(dict(rows), orient="index")
    return table.rename(columns={k: LABELS[k] for k in table.columns if k in LABELS})


def policy_size(document: str, *, last: bool = False) -> str:
    """How big a resource policy is: its characters and its first statement's ``Resource``
    entries, e.g. ``"5018 characters, 44 Resource entries"``; with ``last``, also the last
    entry. The classic account-level policy is limited to 5,120 characters [DOC]
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html ."""
    resources = json.loads(document)["Statement"][0]["Resource"]
    if isinstance(resources, str):
        resources = [resources]
    chars, entries = len(document), len(resources)
    if last and resources:
        return ngettext(
            "{chars} characters, {entries} Resource entry; the last: {last}",
            "{chars} characters, {entries} Resource entries; the last: {last}",
            entries,
        ).format(chars=chars, entries=entries, last=resources[-1])
    return ngettext(
        "{chars} characters, {entries} Resource entry",
        "{chars} characters, {entries} Resource entries",
        entries,
    ).format(chars=chars, entries=entries)


def definition() -> str:
    """The console's Hello World v2 definition (JSON text)."""
    from labkit.engine.templates import HELLO_WORLD_V2

    return HELLO_WORLD_V2


def role_name(world: Any) -> str:
    """The execution role's name in ``world``: its era's (``world.role_name``, e.g. the
    console-style ``StepFunctions-HelloWorld-role-…`` of ``profile="article-2020"``), else
    ``ROLE_NAME``."""
    return getattr(world, "role_name", None) or ROLE_NAME


def create_role(iam: Any, name: str = ROLE_NAME) -> str:
    """Create the execution role with its log-delivery policy; return the role ARN."""
    role = iam.create_role(
        RoleName=name,
        Path=ROLE_PATH,
        AssumeRolePolicyDocument=json.dumps(TRUST_POLICY),
    )["Role"]
    iam.put_role_policy(
        RoleName=name, PolicyName=ROLE_POLICY_NAME, PolicyDocument=json.dumps(ROLE_POLICY)
    )
    return role["Arn"]


def create_log_group(logs: Any) -> str:
    """Create the log group; return the ARN Step Functions wants (ending in ``:*``)."""
    logs.create_log_group(logGroupName=LOG_GROUP_NAME)
    group = _article_group(logs)
    if group is None:  # not listed yet: CloudWatch Logs lists new groups at once in practice
        raise LookupError(f"log group {LOG_GROUP_NAME} not found after creating it")
    return group["arn"]


def _article_group(logs: Any) -> dict[str, Any] | None:
    """The article's log group as ``DescribeLogGroups`` lists it, or ``None``.

    The name comes from the response, not the constant: a prefix query lists every group
    whose name starts with the prefix as sent, so the group named exactly by it is the
    shortest listed. On ``labkit.aws()`` the prefix is sent in the lab's namespace
    (``/aws/vendedlogs/states/labkit-LookingIntoLogging-Logs``), and so is the group.
    """
    groups = logs.describe_log_groups(logGroupNamePrefix=LOG_GROUP_NAME)["logGroups"]
    last = LOG_GROUP_NAME.rsplit("/", 1)[-1]
    named = [g for g in groups if g["logGroupName"].rsplit("/", 1)[-1].endswith(last)]
    return min(named, key=lambda g: len(g["logGroupName"]), default=None)


def logging_configuration(
    log_group_arn: str, *, level: str = "ALL", include_execution_data: bool = True
) -> dict[str, Any]:
    """A ``loggingConfiguration`` with one CloudWatch Logs destination."""
    return {
        "level": level,
        "includeExecutionData": include_execution_data,
        "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": log_group_arn}}],
    }


def create_state_machine(
    sfn: Any,
    role_arn: str,
    log_group_arn: str,
    *,
    level: str = "ALL",
    name: str = STATE_MACHINE_NAME,
) -> str:
    """Create the Hello World machine logging at ``level``; return its ARN."""
    return sfn.create_state_machine(
        name=name,
        definition=definition(),
        roleArn=role_arn,
        type="STANDARD",
        loggingConfiguration=logging_configuration(log_group_arn, level=level),
    )["stateMachineArn"]


def start_execution(sfn: Any, machine_arn: str, *, name: str | None = None) -> str:
    """Start one execution with input ``{}``; return its ARN."""
    kwargs: dict[str, Any] = {"stateMachineArn": machine_arn, "input": "{}"}
    if name is not None:
        kwargs["name"] = name
    return sfn.start_execution(**kwargs)["executionArn"]


def history(sfn: Any, execution_arn: str) -> list[dict[str, Any]]:
    """Every history event of an execution, oldest first."""
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    return [event for page in pages for event in page["events"]]


def log_events(logs: Any, execution_arn: str | None = None) -> list[dict[str, Any]]:
    """Log events in the article's group, parsed, optionally only one execution's.

    Filters client-side on ``execution_arn``, as the console's link does, because JSON
    filter patterns are not supported offline (moto returns everything for them).
    """
    pages = logs.get_paginator("filter_log_events").paginate(logGroupName=LOG_GROUP_NAME)
    out = []
    for page in pages:
        for event in page["events"]:
            try:
                record = json.loads(event["message"])
            except ValueError:
                continue
            if execution_arn is None or record.get("execution_arn") == execution_arn:
                out.append({**event, "record": record})
    return out


def _group_arn(logs: Any) -> str | None:
    group = _article_group(logs)
    return None if group is None else group["logGroupArn"]


def saved_policy(logs: Any) -> dict[str, str] | None:
    """The delivery policy covering the article's group: the account-level
    ``AWSLogDeliveryWrite20150319`` (classic), else the group's own policy (2026 model).

    Returns ``{"policyName", "policyDocument"[, "resourceArn"]}`` or ``None``.
    """
    for policy in logs.describe_resource_policies()["resourcePolicies"]:
        if policy["policyName"] == RESOURCE_POLICY_NAME:
            return {"policyName": policy["policyName"], "policyDocument": policy["policyDocument"]}
    group_arn = _group_arn(logs)
    if group_arn is None:
        return None
    scoped = logs.describe_resource_policies(policyScope="RESOURCE", resourceArn=group_arn)
    for policy in scoped["resourcePolicies"]:
        return {
            "policyName": policy["policyName"],
            "policyDocument": policy["policyDocument"],
            "resourceArn": group_arn,
        }
    return None


def delivery_policy(resource: str, principal: Any = None) -> dict[str, Any]:
    """A resource policy of one statement: ``principal`` may call ``logs:CreateLogStream`` and
    ``logs:PutLogEvents`` on ``resource``.

    The default principal is the log-delivery service, ``{"Service":
    "delivery.logs.amazonaws.com"}``: the statement AWS creates, without its conditions [DOC]
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html .
    Lesson 05 passes other principals to see which ones ``PutResourcePolicy`` accepts.
    """
    if principal is None:
        principal = {"Service": "delivery.logs.amazonaws.com"}
    statement = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": resource,
    }
    return {"Version": "2012-10-17", "Statement": [statement]}


def try_put_resource_policy(logs: Any, name: str, document: Any) -> str:
    """Put an account-level resource policy; ``"accepted"``, or AWS's refusal as
    ``"refused: Code - Message"`` (the error code and message only, never a traceback).
    labkit's words are in the current language; AWS's code and message stay English.

    What AWS does with principals: CloudWatch Logs resource policies "only apply when
    operations are invoked by AWS service principals" [DOC]
    https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutResourcePolicy.html ;
    account ids and ARNs are accepted (and not enforced), while a service name under
    ``"AWS"`` is refused with ``InvalidParameterException`` "Could not convert to
    persistable policy" [ISSUE] hashicorp/terraform-provider-aws#32260.
    """
    from botocore.exceptions import ClientError

    text = document if isinstance(document, str) else json.dumps(document)
    try:
        logs.put_resource_policy(policyName=name, policyDocument=text)
    except ClientError as error:
        info = error.response.get("Error", {})
        return _("refused: {code} - {message}").format(
            code=info.get("Code"), message=info.get("Message")
        )
    return _("accepted")


def resource_policy(logs: Any) -> str | None:
    """The document of the delivery policy covering the article's group, or ``None``."""
    saved = saved_policy(logs)
    return saved["policyDocument"] if saved else None


def delete_resource_policy(logs: Any) -> dict[str, str] | None:
    """Phase 2: delete the delivery policy; return it so that it can be put back."""
    saved = saved_policy(logs)
    if saved is not None:
        logs.delete_resource_policy(
            **{k: v for k, v in saved.items() if k in ("policyName", "resourceArn")}
        )
    return saved


def put_resource_policy(logs: Any, saved: dict[str, str] | str) -> None:
    """Phase 3: put the delivery policy back (a saved policy, or an account-level document)."""
    if isinstance(saved, str):
        saved = {"policyName": RESOURCE_POLICY_NAME, "policyDocument": saved}
    logs.put_resource_policy(**saved)


def attach_admin(iam: Any, name: str = ROLE_NAME) -> None:
    """Phase 2: make the role an administrator (it still cannot make logs arrive)."""
    iam.attach_role_policy(RoleName=name, PolicyArn=ADMIN_POLICY_ARN)


def role_policies(iam: Any, name: str = ROLE_NAME) -> list[str]:
    """Names of the role's inline and attached policies."""
    inline = iam.list_role_policies(RoleName=name)["PolicyNames"]
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    return [*inline, *(p["PolicyName"] for p in attached)]
