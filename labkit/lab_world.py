"""What the policy lab reads and changes in the world: policies, role, logging level.

Every call is plain boto3 on ``world.client(...)``, so the same code runs on the offline
world and on a real account. AWS facts (sources in :mod:`labkit.lab`):

* Changing the log level or ``includeExecutionData`` is an ``UpdateStateMachine`` call
  [DOC] Step Functions API Reference, so "apply now" (no update) leaves them as they are,
  and says so.
* An update with logging re-runs log-delivery set-up, which may write the resource policy
  [DOC that set-up creates it; INFER that an update does so again]: such changes are named
  (:func:`_implicit_changes`).
* A change AWS rejects is undone: the previous policies are put back (:meth:`LabWorld._restore`).
* Real AWS records no reason for a dropped delivery; :meth:`LabWorld._local_decision` judges
  it from the policies read back [INFER].
* Two eras of the resource policy that authorises delivery [DOC] CloudWatch Logs User Guide,
  "Logging that requires additional permissions": the classic one shared account-level policy
  ``AWSLogDeliveryWrite20150319`` with one ``Resource`` entry per log group, and (since about
  March 2026) one log-group-level policy per log group, unless an account-level wildcard
  already covers the group. In real-AWS mode the guard edits only the lab's own entry of a
  shared account-level policy (:mod:`labkit.world.policy_entries`), so there the lab can only
  put its entry there or take it away: a variant that changes the statement around it
  (principal, action, effect, resource, condition) is not applied, and the lab says so
  (:meth:`LabWorld.applies`). A log group with its own policy takes every variant.

User-facing words are in :data:`TEXT` (one place to translate).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from labkit import variants
from labkit.i18n import N_, Messages, _
from labkit.world import policy_entries

__all__ = ["LabWorld", "WorldState", "Choice", "TEXT", "SHARED_POLICY_VARIANTS"]

#: The resource-policy variants the lab can apply in a shared account-level policy, where the
#: real-AWS guard edits only the lab's own entry: the entry there, or the entry gone.
SHARED_POLICY_VARIANTS = frozenset({"auto-created", "none"})

#: The words of the world's state and of the changes AWS makes by itself (translate here).
TEXT = Messages(
    {
        "level-not-applied": N_(
            "The log level stays {level} and includeExecutionData stays {data}: changing them is an "
            "UpdateStateMachine call, and “now” makes none. Choose “by updating the state "
            "machine” to change them."
        ),
        "aws-created": N_("UpdateStateMachine re-ran log-delivery set-up, and AWS created {what}."),
        "aws-rewrote": N_("UpdateStateMachine re-ran log-delivery set-up, and AWS rewrote {what}."),
        "aws-deleted": N_("UpdateStateMachine re-ran log-delivery set-up, and AWS deleted {what}."),
        "account-policy": N_("the resource policy {name}"),
        "group-policy": N_("the log group's resource policy {name}"),
        "world-title": N_(
            "The world now (read back after the Run; the controls above show the same)"
        ),
        "world-resource": N_("Resource policy"),
        "world-role": N_("Role policies"),
        "world-level": N_("Log level"),
        "world-data": "includeExecutionData",  # a name: not translated,
    }
)


@dataclass(frozen=True)
class Choice:
    """What the learner asked for (the panel's controls at the moment of a Run)."""

    resource_policy: str
    role: str
    level: str
    include_execution_data: bool
    apply: str  # "now" | "update"
    resource_policy_json: str = ""
    role_json: str = ""


@dataclass(frozen=True)
class WorldState:
    """The settings the lab can change, as the world has them (read back with boto3)."""

    resource_policy: str  # a variant key, "custom" or "none"
    resource_document: str | None
    role: str  # a role variant key or "custom"
    managed_arns: tuple[str, ...]
    inline: Mapping[str, Any]
    level: str
    include_execution_data: bool

    def rows(self) -> list[tuple[str, str]]:
        """(setting, value) pairs, in words."""
        role = variants.variant("role", self.role).label
        if self.role == "custom":
            names = [a.rsplit("/", 1)[-1] for a in self.managed_arns] + list(self.inline)
            role += f" ({', '.join(names) or _('none')})"
        return [
            (TEXT["world-resource"], variants.variant("resource", self.resource_policy).label),
            (TEXT["world-role"], role),
            (TEXT["world-level"], self.level),
            (TEXT["world-data"], str(self.include_execution_data).lower()),
        ]

    def __str__(self) -> str:
        return "; ".join(f"{k}: {v}" for k, v in self.rows())

    def _repr_html_(self) -> str:
        cells = "".join(
            f'<tr><td style="padding:0 1em 0 0;color:var(--jp-ui-font-color2, #616161)">'
            f"{html.escape(k)}</td><td>{html.escape(v)}</td></tr>"
            for k, v in self.rows()
        )
        return (
            f'<div style="white-space:normal"><div style="font-size:0.9em;'
            f'color:var(--jp-ui-font-color2, #616161)">{html.escape(TEXT["world-title"])}</div>'
            f"<table>{cells}</table></div>"
        )


class LabWorld:
    """The settings the lab controls on one state machine, read and changed with plain boto3.

    Args:
        world: a labkit world (offline or real).
        state_machine_arn: a machine that logs to a CloudWatch Logs group.
    """

    def __init__(self, world, state_machine_arn: str) -> None:
        self.world = world
        self.sfn = world.client("stepfunctions")
        self.logs = world.client("logs")
        self.iam = world.client("iam")
        self.state_machine_arn = state_machine_arn
        machine = self.sfn.describe_state_machine(stateMachineArn=state_machine_arn)
        self.role_arn = machine["roleArn"]
        self.role_name = self.role_arn.rsplit("/", 1)[-1]
        logging = machine.get("loggingConfiguration") or {}
        destinations = logging.get("destinations") or []
        if not destinations:
            raise ValueError("the lab needs a state machine that logs to a CloudWatch Logs group")
        arn = destinations[0]["cloudWatchLogsLogGroup"]["logGroupArn"]
        self.log_group_arn = arn[:-2] if arn.endswith(":*") else arn
        parts = self.log_group_arn.split(":")
        self.region, self.account = parts[3], parts[4]
        self.log_group = self.log_group_arn.split(":log-group:", 1)[1]
        self._managed_documents: dict[str, dict] = {}
        # The name of the lab group's own log-group-level policy (2026 era), once seen: the
        # lab puts a deleted one back at the log-group level, never into a shared policy.
        self._group_policy_name: str | None = None
        # The lab's entry as AWS wrote it into a shared account-level policy at set-up (read
        # on the first look at the world).
        self._set_up_entry: str | None = None
        self._looked = False

    @property
    def shared_policy(self) -> bool:
        """Whether the lab's log group is authorised by a shared account-level policy in which
        the world lets the lab edit only its own entry (real-AWS mode, classic era)."""
        return getattr(self.world, "mode", "offline") == "aws" and self._group_policy_name is None

    def applies(self, resource_policy: str) -> bool:
        """Whether the world can apply resource-policy variant ``resource_policy`` here: always
        offline and on a log group with its own policy; in a shared account-level policy only
        the variants that put the lab's entry there or take it away."""
        return not self.shared_policy or resource_policy in SHARED_POLICY_VARIANTS

    def _context(self) -> dict[str, str]:
        return {
            "account": self.account,
            "region": self.region,
            "log_group": self.log_group,
            "state_machine_arn": self.state_machine_arn,
        }

    def world_state(self) -> WorldState:
        """The resource policy, role policies, level and includeExecutionData, as they are."""
        snap = self._snapshot()
        machine = self.sfn.describe_state_machine(stateMachineArn=self.state_machine_arn)
        logging = machine.get("loggingConfiguration") or {}
        document = self._lab_document(snap)
        return WorldState(
            resource_policy=self._classify(document),
            resource_document=document,
            role=variants.classify_role(snap["managed"], snap["inline"]),
            managed_arns=tuple(snap["managed"]),
            inline=dict(snap["inline"]),
            level=logging.get("level", "OFF"),
            include_execution_data=bool(logging.get("includeExecutionData")),
        )

    def _lab_document(self, snap: Mapping[str, Any]) -> str | None:
        """The policy the lab manages: the group's own policy, else the account-level one (in
        real-AWS mode only the lab's entries of it: the rest belongs to the account)."""
        if snap["group"] is not None:
            return snap["group"]["policyDocument"]
        document = snap["resource"].get(variants.DELIVERY_POLICY_NAME)
        if document is None or not self.shared_policy:
            return document
        return policy_entries.only(document, [self.log_group])

    def _classify(self, document: str | None) -> str:
        """The variant key of the lab's policy; in a shared account-level policy, the lab's
        entry as AWS wrote it at set-up counts as "auto-created" (real accounts have their
        own Sid and no Condition there [ISSUE] serverless-step-functions#334)."""
        key = variants.classify_resource_policy(document, **self._context())
        first, self._looked = not self._looked, True
        if self.shared_policy and key == "custom" and document is not None:
            if first:
                self._set_up_entry = document
            if self._set_up_entry is not None and policy_entries.same(document, self._set_up_entry):
                return "auto-created"
        return key

    def _snapshot(self) -> dict[str, Any]:
        """The policies the lab may change, to put back if AWS rejects a change."""
        policies = self.logs.describe_resource_policies().get("resourcePolicies", [])
        attached = self.iam.list_attached_role_policies(RoleName=self.role_name)["AttachedPolicies"]
        inline = {
            name: self.iam.get_role_policy(RoleName=self.role_name, PolicyName=name)[
                "PolicyDocument"
            ]
            for name in self.iam.list_role_policies(RoleName=self.role_name)["PolicyNames"]
        }
        return {
            "resource": {
                p["policyName"]: p["policyDocument"] for p in policies if "resourceArn" not in p
            },
            "group": self._group_policy(),
            "managed": tuple(p["PolicyArn"] for p in attached),
            "inline": inline,
        }

    def _group_policy(self) -> dict | None:
        """The log group's own policy (profile "current": one per log group), if any."""
        if getattr(self.world, "profile", "current") != "current":
            return None
        found = self.logs.describe_resource_policies(
            policyScope="RESOURCE", resourceArn=self.log_group_arn
        )
        policies = found.get("resourcePolicies", [])
        if policies:
            self._group_policy_name = policies[0]["policyName"]
        return policies[0] if policies else None

    def _apply(self, choice: Choice, notes: list[str]) -> tuple[str, ...]:
        """Make the chosen changes; return the changes AWS made by itself (named in words)."""
        before = self._snapshot()
        try:
            self._apply_role(choice, before)
            self._apply_resource_policy(choice, before)
            return self._apply_logging(choice, notes)
        except (ClientError, BotoCoreError):
            self._restore(before)
            raise

    def _apply_role(self, choice: Choice, before: Mapping[str, Any]) -> None:
        key = choice.role
        custom = choice.role_json if key == "custom" else None
        if key == "custom":
            setup = variants.RoleSetup(inline={variants.INLINE_POLICY_NAME: custom})
        else:
            setup = variants.role_policies(key, **self._context())
        self._set_role(before, setup.managed_arns, dict(setup.inline))

    def _set_role(self, before: Mapping[str, Any], managed, inline: Mapping[str, Any]) -> None:
        for arn in before["managed"]:
            if arn not in managed:
                self.iam.detach_role_policy(RoleName=self.role_name, PolicyArn=arn)
        for name in before["inline"]:
            if name not in inline:
                self.iam.delete_role_policy(RoleName=self.role_name, PolicyName=name)
        for name, doc in inline.items():
            if _same_document(before["inline"].get(name), doc):
                continue  # already so: no call (a Run with unchanged settings stays quick)
            text = doc if isinstance(doc, str) else json.dumps(doc)
            self.iam.put_role_policy(RoleName=self.role_name, PolicyName=name, PolicyDocument=text)
        for arn in managed:
            if arn not in before["managed"]:
                self.iam.attach_role_policy(RoleName=self.role_name, PolicyArn=arn)

    def _apply_resource_policy(self, choice: Choice, before: Mapping[str, Any]) -> None:
        key = choice.resource_policy
        if not self.applies(key):
            return  # the shared policy is left as it is; the panel says why (see applies)
        if key == "custom":
            document: str | None = choice.resource_policy_json
        elif key == "auto-created" and self.shared_policy and self._set_up_entry is not None:
            document = self._set_up_entry  # back into AWS's own statement, as AWS wrote it
        else:
            doc = variants.resource_policy(key, **self._context())
            document = None if doc is None else json.dumps(doc)
        group = before["group"]
        if document is None:
            if group is not None:
                self.logs.delete_resource_policy(
                    policyName=group["policyName"], resourceArn=self.log_group_arn
                )
            if variants.DELIVERY_POLICY_NAME in before["resource"]:
                self.logs.delete_resource_policy(policyName=variants.DELIVERY_POLICY_NAME)
        elif group is not None:
            if _same_document(group["policyDocument"], document):
                return
            self.logs.put_resource_policy(
                policyName=group["policyName"],
                policyDocument=document,
                resourceArn=self.log_group_arn,
            )
        elif self._group_policy_name is not None:  # 2026 era, after "none": the group's own again
            self.logs.put_resource_policy(
                policyName=self._group_policy_name,
                policyDocument=document,
                resourceArn=self.log_group_arn,
            )
        elif not _same_document(before["resource"].get(variants.DELIVERY_POLICY_NAME), document):
            self.logs.put_resource_policy(
                policyName=variants.DELIVERY_POLICY_NAME, policyDocument=document
            )

    def _apply_logging(self, choice: Choice, notes: list[str]) -> tuple[str, ...]:
        machine = self.sfn.describe_state_machine(stateMachineArn=self.state_machine_arn)
        current = machine.get("loggingConfiguration") or {}
        wanted = {
            "level": choice.level,
            "includeExecutionData": bool(choice.include_execution_data),
            "destinations": [
                {"cloudWatchLogsLogGroup": {"logGroupArn": f"{self.log_group_arn}:*"}}
            ],
        }
        unchanged = (
            current.get("level") == wanted["level"]
            and bool(current.get("includeExecutionData")) == wanted["includeExecutionData"]
        )
        if choice.apply != "update":
            if not unchanged:  # a level change is an UpdateStateMachine: not under "now"
                notes.append(
                    TEXT["level-not-applied"].format(
                        level=current.get("level", "OFF"),
                        data=str(bool(current.get("includeExecutionData"))).lower(),
                    )
                )
            return ()
        written = self._snapshot()
        self.sfn.update_state_machine(
            stateMachineArn=self.state_machine_arn, loggingConfiguration=wanted
        )
        return _implicit_changes(written, self._snapshot())

    def _restore(self, before: Mapping[str, Any]) -> None:
        """Put the role's and the log group's policies back as they were."""
        now = self._snapshot()
        self._set_role(now, before["managed"], before["inline"])
        for name in now["resource"]:
            if name not in before["resource"]:
                self.logs.delete_resource_policy(policyName=name)
        for name, document in before["resource"].items():
            if now["resource"].get(name) != document:
                self.logs.put_resource_policy(policyName=name, policyDocument=document)
        group, old = now["group"], before["group"]
        if old is not None and (group is None or group["policyDocument"] != old["policyDocument"]):
            self.logs.put_resource_policy(
                policyName=old["policyName"],
                policyDocument=old["policyDocument"],
                resourceArn=self.log_group_arn,
            )
        elif old is None and group is not None:
            self.logs.delete_resource_policy(
                policyName=group["policyName"], resourceArn=self.log_group_arn
            )

    def _decision(self, execution_arn: str) -> tuple[Any, str | None]:
        """The world's IAM decision and reason for this execution's first dropped event."""
        frame = self.world.deliveries()
        if frame is None or len(frame) == 0:
            return None, None
        rows = frame[(frame["execution_arn"] == execution_arn) & (frame["status"] == "dropped")]
        if len(rows) == 0:
            return None, None
        first = rows.sort_values("event_id").iloc[0]
        reason = first.get("reason")
        return first.get("explanation"), (str(reason) if reason else None)

    def _local_decision(self) -> Any:
        """labkit's own judgement of delivery under the policies read back (real AWS says
        nothing): the delivery service's PutLogEvents on a stream of this group, or, when that
        is allowed yet events were dropped, its CreateLogStream (a new stream needs it) [INFER]."""
        from labkit.world import authorize

        snap = self._snapshot()
        documents = list(snap["resource"].items())
        if snap["group"] is not None:
            documents.append((snap["group"]["policyName"], snap["group"]["policyDocument"]))
        policies = authorize.load_resource_policies(documents)
        resource = (
            f"{self.log_group_arn}:log-stream:states/{self.state_machine_arn.rsplit(':', 1)[-1]}"
        )
        context = authorize.delivery_context(self.region, self.account, self.log_group)
        decision = None
        for action in ("logs:PutLogEvents", "logs:CreateLogStream"):
            decision = authorize.delivery_decision(
                policies, action=action, resource=resource, context=context
            )
            if not decision.allowed:
                break
        return decision

    def _role_could_write(self, state: WorldState, resource: str) -> bool:
        """Whether the role's own policies allow logs:PutLogEvents on ``resource`` (they are not
        consulted at delivery; this only lets the verdict say so)."""
        from labkit.iam import Policy, PolicyError, Request, evaluate

        documents = [self._managed_document(arn) for arn in state.managed_arns]
        documents += list(state.inline.values())
        policies = []
        for doc in documents:
            try:
                policies.append(Policy.load(doc, kind="identity"))
            except PolicyError:
                continue
        request = Request(self.role_arn, "logs:PutLogEvents", resource)
        return bool(policies) and evaluate(request, identity=policies).allowed

    def _managed_document(self, arn: str) -> Any:
        if arn not in self._managed_documents:
            version = self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            found = self.iam.get_policy_version(PolicyArn=arn, VersionId=version)
            self._managed_documents[arn] = found["PolicyVersion"]["Document"]
        return self._managed_documents[arn]


def _same_document(old: Any, new: Any) -> bool:
    """Whether two policy documents (text or parsed) are the same JSON; False if either is
    missing or malformed (a malformed one is always sent, so AWS's error shows)."""
    if old is None or new is None:
        return False
    try:
        a = json.loads(old) if isinstance(old, str) else old
        b = json.loads(new) if isinstance(new, str) else new
    except ValueError:
        return False
    return a == b


def _implicit_changes(written: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """Resource-policy changes between what the lab wrote and what is there after an update."""
    out = []
    for name in sorted(set(written["resource"]) | set(after["resource"])):
        old, new = written["resource"].get(name), after["resource"].get(name)
        what = TEXT["account-policy"].format(name=name)
        if old is None and new is not None:
            out.append(TEXT["aws-created"].format(what=what))
        elif old is not None and new is None:
            out.append(TEXT["aws-deleted"].format(what=what))
        elif old != new:
            out.append(TEXT["aws-rewrote"].format(what=what))
    old, new = written["group"], after["group"]
    if old != new:
        name = (new or old)["policyName"]
        what = TEXT["group-policy"].format(name=name)
        key = "aws-created" if old is None else "aws-deleted" if new is None else "aws-rewrote"
        if old is None or new is None or old["policyDocument"] != new["policyDocument"]:
            out.append(TEXT[key].format(what=what))
    return tuple(out)
