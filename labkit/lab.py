"""The policy lab: toggle the resource policy and the role, run, and see what is delivered.

AWS facts the lab lets a learner test (each shown by the world, not asserted here):

* Step Functions' logs are written by ``delivery.logs.amazonaws.com``, authorised only by the
  CloudWatch Logs resource policy (``AWSLogDeliveryWrite20150319``). [DOC]
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html
* The execution role's log-delivery permissions are checked when the state machine is
  created or updated with logging, failing with ``AccessDeniedException`` "The state machine
  IAM Role is not authorized to access the Log Destination". [ISSUE]
  qiita.com/tmiki/items/1ad26ca38f8b68e00df1; role list [DOC]
  https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
* Changing the log level or ``includeExecutionData`` is an ``UpdateStateMachine`` call
  (``loggingConfiguration``). [DOC] Step Functions API Reference, UpdateStateMachine.

Every change goes through plain boto3 on ``world.client(...)``, so the lab runs unchanged
on the offline world and on a real account. A change AWS rejects is undone (the previous
policies are put back) and AWS's error code and message are shown in the panel.

Widgets follow the nbval-safe rules: outputs are replaced with ``Output.outputs = ()`` and
``append_display_data``/``append_stdout`` (never ``with out:``, never ``clear_output``), and
construction is deterministic so the panel's ``text/plain`` repr is stable.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from botocore.exceptions import ClientError

from labkit import variants
from labkit.timeline import Timeline, timeline
from labkit.widget_repr import widget_bundle

__all__ = ["PolicyLab", "LabResult", "PREDICTIONS", "APPLY_OPTIONS"]

#: The "predict first" choices, and how each is judged against a result.
PREDICTIONS = (
    ("All logged events arrive", "all"),
    ("Some arrive, some are dropped", "some"),
    ("None arrive", "none"),
    ("AWS rejects the change", "error"),
)
APPLY_OPTIONS = (
    ("now, on the existing machine", "now"),
    ("by updating the state machine", "update"),
)
LEVEL_OPTIONS = ("ALL", "ERROR", "FATAL", "OFF")
_STYLE = {"description_width": "initial"}


@dataclass(frozen=True)
class LabResult:
    """What one Run did: the verdict line and the numbers, decision and picture behind it."""

    verdict: str
    delivered: int = 0
    logged: int = 0
    dropped: int = 0
    decision: Any = None  # labkit.iam.Decision of the first dropped event, if any
    error: str | None = None  # "Code: message" of a change AWS rejected
    timeline: Timeline | None = None
    execution_arn: str | None = None
    prediction: str | None = None
    prediction_correct: bool | None = None

    @property
    def outcome(self) -> str:
        """``"all"``, ``"some"``, ``"none"`` (delivered vs logged) or ``"error"``."""
        if self.error is not None:
            return "error"
        if self.delivered == self.logged:
            return "all" if self.logged else "none"
        return "none" if self.delivered == 0 else "some"

    def __str__(self) -> str:
        return self.verdict


def _error_text(error: ClientError) -> str:
    info = error.response.get("Error", {})
    return f"{info.get('Code', 'Error')}: {info.get('Message', '')}"


def _article_machine(world) -> str:
    """Create the article's role, log group and machine (Hello World v2, logging ALL); its ARN."""
    from labkit import article

    role_arn = article.create_role(world.client("iam"))
    log_group_arn = article.create_log_group(world.client("logs"))
    return article.create_state_machine(world.client("stepfunctions"), role_arn, log_group_arn)


class PolicyLab:
    """An ipywidgets panel over one state machine in ``world`` (offline or real).

    Args:
        world: a labkit world (``labkit.connect()``).
        state_machine_arn: the machine to experiment on; default: the article's machine,
            created with :mod:`labkit.article`.

    >>> lab = PolicyLab(labkit.offline())                       # doctest: +SKIP
    >>> lab.set(resource_policy="none", role="AdministratorAccess")
    >>> print(lab.run())                                        # doctest: +SKIP
    0 of 20 events delivered: no resource policy statement allows ...
    """

    def __init__(self, world, *, state_machine_arn: str | None = None) -> None:
        self.world = world
        self.sfn = world.client("stepfunctions")
        self.logs = world.client("logs")
        self.iam = world.client("iam")
        self.state_machine_arn = state_machine_arn or _article_machine(world)
        machine = self.sfn.describe_state_machine(stateMachineArn=self.state_machine_arn)
        self.role_name = machine["roleArn"].rsplit("/", 1)[-1]
        logging = machine.get("loggingConfiguration") or {}
        destinations = logging.get("destinations") or []
        if not destinations:
            raise ValueError("the lab needs a state machine that logs to a CloudWatch Logs group")
        arn = destinations[0]["cloudWatchLogsLogGroup"]["logGroupArn"]
        self.log_group_arn = arn[:-2] if arn.endswith(":*") else arn
        parts = self.log_group_arn.split(":")
        self.region, self.account = parts[3], parts[4]
        self.log_group = self.log_group_arn.split(":log-group:", 1)[1]
        self.results: list[LabResult] = []
        self._build(
            level=logging.get("level", "ALL"), data=bool(logging.get("includeExecutionData"))
        )

    # ------------------------------------------------------------------ widgets

    def _build(self, *, level: str, data: bool) -> None:
        ctx = self._context()
        rp = [(v.label, v.key) for v in variants.RESOURCE_POLICY_VARIANTS]
        role = [(v.label, v.key) for v in variants.ROLE_VARIANTS]
        wide = widgets.Layout(width="420px")
        self.resource_policy = widgets.Dropdown(
            options=rp,
            value="auto-created",
            description="Resource policy",
            style=_STYLE,
            layout=wide,
        )
        self.role = widgets.Dropdown(
            options=role,
            value="log-delivery",
            description="Role policies",
            style=_STYLE,
            layout=wide,
        )
        self.level = widgets.Dropdown(
            options=list(LEVEL_OPTIONS), value=level, description="Log level", style=_STYLE
        )
        self.include_execution_data = widgets.Checkbox(
            value=data, description="includeExecutionData", indent=False
        )
        self.apply = widgets.RadioButtons(
            options=list(APPLY_OPTIONS), value="now", description="Apply change", style=_STYLE
        )
        editor = widgets.Layout(width="100%", height="180px")
        auto = json.dumps(variants.resource_policy("auto-created", **ctx), indent=2)
        documented = variants.role_policies("log-delivery").inline[variants.INLINE_POLICY_NAME]
        self.resource_policy_json = widgets.Textarea(
            value=auto, description="Custom resource policy", style=_STYLE, layout=editor
        )
        self.role_json = widgets.Textarea(
            value=json.dumps(documented, indent=2),
            description="Custom role policy",
            style=_STYLE,
            layout=editor,
        )
        self.predict = widgets.RadioButtons(
            options=list(PREDICTIONS), value=None, description="Predict first:", style=_STYLE
        )
        self.button = widgets.Button(description="Run", button_style="primary", icon="play")
        self.verdict = widgets.HTML(value="<i>Choose, predict, then press Run.</i>")
        self.figure = widgets.Output()
        self.explanation = widgets.HTML(value="")
        self.button.on_click(lambda _b: self.run())
        self.panel = widgets.VBox(
            [
                widgets.HBox([widgets.VBox([self.resource_policy, self.role]), widgets.VBox([self.level, self.include_execution_data])]),
                self.apply,
                widgets.Accordion(children=[widgets.VBox([self.resource_policy_json, self.role_json])], titles=("Custom JSON editors",)),
                self.predict,
                self.button,
                self.verdict,
                self.figure,
                self.explanation,
            ]
        )  # fmt: skip

    def _repr_mimebundle_(self, **kwargs):
        text = (
            "PolicyLab panel: choose a resource policy and a role variant, predict, press Run, "
            "and read the verdict, timeline and explanation"
        )
        return widget_bundle(self.panel._repr_mimebundle_(**kwargs), text)

    def __repr__(self) -> str:
        return f"<PolicyLab {self.state_machine_arn.rsplit(':', 1)[-1]} -> {self.log_group}>"

    def _context(self) -> dict[str, str]:
        return {
            "account": self.account,
            "region": self.region,
            "log_group": self.log_group,
            "state_machine_arn": self.state_machine_arn,
        }

    # ------------------------------------------------------------------ programmatic API

    def set(
        self,
        *,
        resource_policy: str | None = None,
        role: str | None = None,
        level: str | None = None,
        include_execution_data: bool | None = None,
        apply: str | None = None,
        resource_policy_json: str | None = None,
        role_json: str | None = None,
        predict: str | None = None,
    ) -> PolicyLab:
        """Set widget values from code (as a learner would click them); nothing is applied yet."""
        if resource_policy is not None:
            self.resource_policy.value = variants.variant("resource", resource_policy).key
        if role is not None:
            self.role.value = variants.variant("role", role).key
        if level is not None:
            self.level.value = level.upper()
        if include_execution_data is not None:
            self.include_execution_data.value = bool(include_execution_data)
        if apply is not None:
            self.apply.value = apply
        if resource_policy_json is not None:
            self.resource_policy_json.value = resource_policy_json
        if role_json is not None:
            self.role_json.value = role_json
        if predict is not None:
            self.predict.value = predict
        return self

    def run(self) -> LabResult:
        """Apply the chosen settings, run one execution, and show what was delivered."""
        prediction = self.predict.value
        try:
            self._apply()
        except ClientError as error:
            result = LabResult(
                verdict=f"Change rejected: {_error_text(error)}. The previous settings are kept.",
                error=_error_text(error),
            )
        else:
            result = self._run_once()
        if prediction is not None:
            result = _judge(result, prediction)
        self._show(result)
        self.results.append(result)
        self.predict.value = None  # ask again before the next run
        return result

    # ------------------------------------------------------------------ applying changes

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
        return policies[0] if policies else None

    def _apply(self) -> None:
        before = self._snapshot()
        try:
            self._apply_role(before)
            self._apply_resource_policy(before)
            self._apply_logging()
        except ClientError:
            self._restore(before)
            raise

    def _apply_role(self, before: Mapping[str, Any]) -> None:
        key = self.role.value
        custom = self.role_json.value if key == "custom" else None
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
            text = doc if isinstance(doc, str) else json.dumps(doc)
            self.iam.put_role_policy(RoleName=self.role_name, PolicyName=name, PolicyDocument=text)
        for arn in managed:
            if arn not in before["managed"]:
                self.iam.attach_role_policy(RoleName=self.role_name, PolicyArn=arn)

    def _apply_resource_policy(self, before: Mapping[str, Any]) -> None:
        key = self.resource_policy.value
        if key == "custom":
            document: str | None = self.resource_policy_json.value
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
            self.logs.put_resource_policy(
                policyName=group["policyName"],
                policyDocument=document,
                resourceArn=self.log_group_arn,
            )
        else:
            self.logs.put_resource_policy(
                policyName=variants.DELIVERY_POLICY_NAME, policyDocument=document
            )

    def _apply_logging(self) -> None:
        machine = self.sfn.describe_state_machine(stateMachineArn=self.state_machine_arn)
        current = machine.get("loggingConfiguration") or {}
        wanted = {
            "level": self.level.value,
            "includeExecutionData": bool(self.include_execution_data.value),
            "destinations": [
                {"cloudWatchLogsLogGroup": {"logGroupArn": f"{self.log_group_arn}:*"}}
            ],
        }
        unchanged = (
            current.get("level") == wanted["level"]
            and bool(current.get("includeExecutionData")) == wanted["includeExecutionData"]
        )
        if self.apply.value == "update" or not unchanged:
            # a level change is itself an UpdateStateMachine, which re-runs log-delivery set-up
            self.sfn.update_state_machine(
                stateMachineArn=self.state_machine_arn, loggingConfiguration=wanted
            )

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

    # ------------------------------------------------------------------ running

    def _run_once(self) -> LabResult:
        started = self.sfn.start_execution(stateMachineArn=self.state_machine_arn, input="{}")
        execution_arn = started["executionArn"]
        self.world.settle()
        history = _history(self.sfn, execution_arn)
        start_ms = int(history[0]["timestamp"].timestamp() * 1000) if history else None
        log_events = _log_events(self.logs, self.log_group, start_ms)
        decision, reason = self._decision(execution_arn)
        tl = timeline(
            history,
            log_events,
            level=self.level.value,
            execution_arn=execution_arn,
            include_execution_data=bool(self.include_execution_data.value),
            reason=reason,
        )
        s = tl.summary
        return LabResult(
            verdict=tl.verdict,
            delivered=s["delivered"],
            logged=s["logged"],
            dropped=s["dropped"],
            decision=decision,
            timeline=tl,
            execution_arn=execution_arn,
        )

    def _decision(self, execution_arn: str) -> tuple[Any, str | None]:
        """The IAM decision and one-line reason of this execution's first dropped event."""
        frame = self.world.deliveries()
        if frame is None or len(frame) == 0:
            return None, None
        rows = frame[(frame["execution_arn"] == execution_arn) & (frame["status"] == "dropped")]
        if len(rows) == 0:
            return None, None
        first = rows.sort_values("event_id").iloc[0]
        reason = first.get("reason")
        return first.get("explanation"), (str(reason) if reason else None)

    # ------------------------------------------------------------------ showing

    def _show(self, result: LabResult) -> None:
        colour = "#b00020" if result.error or result.dropped else "#1b5e20"
        line = f'<b style="color:{colour}">{html.escape(result.verdict)}</b>'
        if result.prediction_correct is not None:
            mark = (
                "\u2713 as you predicted"
                if result.prediction_correct
                else "\u2717 not what you predicted"
            )
            line += f"<br><i>{mark}</i>"
        self.verdict.value = line
        self.figure.outputs = ()
        if result.timeline is not None:
            self.figure.outputs = (_display_output(result.timeline),)
        self.explanation.value = _explain_html(result)


def _display_output(timeline: Any) -> dict[str, Any]:
    """A display_data output for an Output widget, with the PNG base64-encoded.

    ``Output.append_display_data`` keeps ``_repr_png_``'s raw bytes, which the widget comm
    sends as a binary buffer: a browser then shows "[object Object]" instead of the picture.
    The notebook format stores ``image/png`` as base64 text, which every front end renders.
    """
    return {
        "output_type": "display_data",
        "data": {
            "image/png": base64.b64encode(timeline.png()).decode("ascii"),
            "text/plain": repr(timeline),
        },
        "metadata": {},
    }


def _judge(result: LabResult, prediction: str) -> LabResult:
    from dataclasses import replace

    return replace(result, prediction=prediction, prediction_correct=result.outcome == prediction)


def _explain_html(result: LabResult) -> str:
    if result.error is not None:
        return (
            "<p>AWS answered with the error above, so the lab put the previous policies back. "
            "Creating or updating a state machine with logging checks the role's log-delivery "
            "permissions; the same message also appears when the resource policy cannot be updated.</p>"
        )
    decision = result.decision
    if decision is None:
        return ""
    if hasattr(decision, "_repr_html_"):
        return decision._repr_html_()
    return f"<pre>{html.escape(str(decision))}</pre>"


def _history(sfn, execution_arn: str) -> list[dict]:
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    return [event for page in pages for event in page["events"]]


def _log_events(logs, log_group: str, start_ms: int | None) -> list[dict]:
    kwargs: dict[str, Any] = {"logGroupName": log_group}
    if start_ms is not None:
        kwargs["startTime"] = start_ms
    pages = logs.get_paginator("filter_log_events").paginate(**kwargs)
    return [event for page in pages for event in page["events"]]
