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
  (``loggingConfiguration``). [DOC] Step Functions API Reference, UpdateStateMachine. So
  "Apply now" (no update) never changes them: the panel says so and shows the level in force.
* An update with logging re-runs log-delivery set-up, which may put the resource policy
  back [DOC that set-up creates it; INFER that an update does so again]: the panel names such
  changes AWS made by itself.
* A log group covered by the shared account-level policy ``AWSLogDeliveryWrite20150319``
  (the classic era) shares one statement with other log groups; a log group with its own
  log-group-level policy (the 2026 era) does not [DOC] CloudWatch Logs User Guide. On a real
  account the lab edits only its own entry of a shared policy, so a variant that changes the
  statement itself is not applied there: the panel says so before the Run, the verdict says
  the Run did not test it, and a prediction is not judged (:meth:`LabWorld.applies`).

Every change goes through plain boto3 on ``world.client(...)``, so the lab runs unchanged
on the offline world and on a real account. A change AWS rejects is undone (the previous
policies are put back) and AWS's error code and message are shown in the panel. After every
Run the controls are set from the world as it is (read back with boto3), so the panel never
shows a setting the world does not have.

Widgets follow the nbval-safe rules: outputs are replaced with ``Output.outputs = (...)``
(never ``with out:``, never ``clear_output``), and construction is deterministic so the
panel's ``text/plain`` repr is stable. User-facing words are in :data:`TEXT` and
:data:`PREDICTIONS` (one place to translate); the verdict's words are in
:mod:`labkit.verdict`.
"""

from __future__ import annotations

import base64
import html
import json
from dataclasses import dataclass, field, replace
from typing import Any

import ipywidgets as widgets
from botocore.exceptions import BotoCoreError, ClientError, ParamValidationError

from labkit import variants
from labkit.i18n import N_, Messages, _
from labkit.lab_world import Choice, LabWorld, WorldState
from labkit.timeline import Timeline, timeline
from labkit.timeline_figure import Canvas, legend_html
from labkit.verdict import WORDS, Verdict, cause_of, decision_bullets
from labkit.widget_repr import widget_bundle

__all__ = ["PolicyLab", "LabResult", "WorldState", "PREDICTIONS", "APPLY_OPTIONS", "TEXT"]

#: The optional "predict first" choices, and the outcome each names (see LabResult.outcome).
#: Labels are English (marked for the catalog); the panel shows them in the current language.
PREDICTIONS = (
    (N_("All logged events arrive"), "all"),
    (N_("Some arrive, some are dropped"), "some"),
    (N_("None of the logged events arrive"), "none"),
    (N_("Nothing is logged at this level"), "not-logged"),
    (N_("The change is rejected"), "error"),
)
APPLY_OPTIONS = (
    (N_("now, on the existing machine (no UpdateStateMachine)"), "now"),
    (N_("by updating the state machine (UpdateStateMachine)"), "update"),
)
LEVEL_OPTIONS = ("ALL", "ERROR", "FATAL", "OFF")
_STYLE = {"description_width": "initial"}
#: Radio groups as wide as their longest choice: at ipywidgets' fixed 300 px a choice wraps,
#: and wrapped lines of fixed-height radio items draw over each other in JupyterLab.
_RADIO_LAYOUT = {"width": "auto", "max_width": "100%"}

#: Every sentence the panel shows (besides the verdict's own words): translate here.
TEXT = Messages(
    {
        "start": N_("Choose, predict if you like, then press Run."),
        "predicted-right": N_("✓ You predicted “{choice}”, and that is what happened."),
        "predicted-wrong": N_("✗ You predicted “{choice}”; what happened: “{actual}”."),
        "no-prediction": N_(
            "No prediction this time (it is optional, and predicting first helps)."
        ),
        "rejected-role": N_(
            "Creating or updating a state machine with logging checks the role's log-delivery "
            "permissions. The same message has also been reported when the resource policy, "
            "not the role, was at fault."
        ),
        "rejected-other": N_(
            "AWS checks a document when it is put; a rejected change changes nothing."
        ),
        "judged-locally": N_(
            "AWS does not say why an event was not delivered: labkit judged the cause from the "
            "resource policies it read (an inference)."
        ),
        "panel-error": N_("The lab could not finish this Run: {error}"),
        "not-applicable": N_(
            "“{variant}” cannot take effect here: this log group is covered by the shared "
            "account-level resource policy {policy} (the classic era), which belongs to the "
            "whole account, so the lab edits only its own entry in it and cannot change the "
            "statement's principal, actions, resources or conditions; to try this variant, run "
            "it offline, or use a log group with its own log-group-level policy (the 2026 era) "
            "in an account and Region where AWS supports them."
        ),
        "not-applied": N_(
            "Not tested: “{variant}” was not applied and the resource policy was left as it "
            "is, because this log group is covered by the shared account-level resource policy "
            "{policy} (the classic era), which belongs to the whole account, and the lab edits "
            "only its own entry in it; to try this variant, run it offline, or use a log group "
            "with its own log-group-level policy (the 2026 era) in an account and Region where "
            "AWS supports them."
        ),
        "not-judged": N_(
            "Your prediction “{choice}” is not judged: the variant you chose was not applied."
        ),
        "resource-policy": N_("Resource policy"),
        "role-policies": N_("Role policies"),
        "log-level": N_("Log level"),
        "apply-change": N_("Apply change"),
        "custom-resource-policy": N_("Custom resource policy"),
        "custom-role-policy": N_("Custom role policy"),
        "custom-editors": N_("Custom JSON editors"),
        "predict": N_("Predict (optional):"),
        "run": N_("Run"),
        "panel": N_(
            "PolicyLab panel: choose a resource policy and a role variant, predict, press Run, "
            "and read the verdict, timeline and explanation"
        ),
    }
)


@dataclass(frozen=True)
class LabResult:
    """What one Run did: the verdict and the numbers, decision, picture and world behind it."""

    verdict: Verdict
    delivered: int = 0
    logged: int = 0
    dropped: int = 0
    decision: Any = None  # labkit.iam.Decision of the first dropped event, if any
    error: str | None = None  # "Code: message" of a change AWS rejected
    timeline: Timeline | None = None
    execution_arn: str | None = None
    status: str | None = None  # the execution's status (DescribeExecution)
    prediction: str | None = None
    prediction_correct: bool | None = None  # None: no prediction, or nothing tested
    aws_changes: tuple[str, ...] = ()  # changes AWS made by itself during this Run
    #: the resource-policy variant chosen but not applied (a shared account-level policy)
    not_applied: str | None = None
    world: WorldState | None = field(default=None, repr=False)

    @property
    def outcome(self) -> str:
        """``"error"``, ``"not-logged"``, ``"all"``, ``"none"`` or ``"some"``."""
        if self.error is not None:
            return "error"
        if self.logged == 0:
            return "not-logged"
        if self.delivered == self.logged:
            return "all"
        return "none" if self.delivered == 0 else "some"

    def __str__(self) -> str:
        return str(self.verdict)

    def __repr__(self) -> str:
        return f"<LabResult: {self.verdict.headline}>"

    def _repr_html_(self) -> str:
        return self.verdict._repr_html_()


def _error_parts(error: Exception) -> tuple[str, str]:
    """(AWS error code, message) of a rejected call, without a traceback."""
    if isinstance(error, ClientError):
        info = error.response.get("Error", {})
        return str(info.get("Code", "Error")), str(info.get("Message", ""))
    if isinstance(error, ParamValidationError):  # botocore checks parameters before sending
        return "ValidationException", str(error).split(":", 1)[-1].strip()
    return type(error).__name__, str(error)


def _article_machine(world) -> str:
    """Create the article's role, log group and machine (Hello World v2, logging ALL); its ARN."""
    from labkit import article

    role_arn = article.create_role(world.client("iam"))
    log_group_arn = article.create_log_group(world.client("logs"))
    return article.create_state_machine(world.client("stepfunctions"), role_arn, log_group_arn)


class PolicyLab(LabWorld):
    """An ipywidgets panel over one state machine in ``world`` (offline or real).

    Args:
        world: a labkit world (``labkit.connect()``).
        state_machine_arn: the machine to experiment on; default: the article's machine,
            created with :mod:`labkit.article`.

    >>> lab = PolicyLab(labkit.offline())                       # doctest: +SKIP
    >>> lab.set(resource_policy="none", role="AdministratorAccess")
    >>> print(lab.run())                                        # doctest: +SKIP
    Execution SUCCEEDED · 0 of 20 events delivered: no resource policy lets the log service write
    """

    def __init__(self, world, *, state_machine_arn: str | None = None) -> None:
        super().__init__(world, state_machine_arn or _article_machine(world))
        self.results: list[LabResult] = []
        self._canvas: Canvas | None = None
        self._build()
        self._sync(self.world_state())

    # ------------------------------------------------------------------ widgets

    def _build(self) -> None:
        rp = [(v.label, v.key) for v in variants.RESOURCE_POLICY_VARIANTS]
        role = [(v.label, v.key) for v in variants.ROLE_VARIANTS]
        wide = widgets.Layout(width="420px")
        self.resource_policy = widgets.Dropdown(
            options=rp, value="auto-created", description=TEXT["resource-policy"], style=_STYLE,
            layout=wide,
        )  # fmt: skip
        self.role = widgets.Dropdown(
            options=role,
            value="article",
            description=TEXT["role-policies"],
            style=_STYLE,
            layout=wide,
        )
        self.level = widgets.Dropdown(
            options=list(LEVEL_OPTIONS), value="ALL", description=TEXT["log-level"], style=_STYLE
        )
        self.include_execution_data = widgets.Checkbox(
            value=False, description="includeExecutionData", indent=False
        )
        self.apply = widgets.RadioButtons(
            options=[(_(label), key) for label, key in APPLY_OPTIONS],
            value="now",
            description=TEXT["apply-change"],
            style=_STYLE,
            layout=widgets.Layout(**_RADIO_LAYOUT),
        )
        editor = widgets.Layout(width="100%", height="180px")
        self.resource_policy_json = widgets.Textarea(
            value="", description=TEXT["custom-resource-policy"], style=_STYLE, layout=editor
        )
        self.role_json = widgets.Textarea(
            value="", description=TEXT["custom-role-policy"], style=_STYLE, layout=editor
        )
        self.predict = widgets.RadioButtons(
            options=[(_(label), key) for label, key in PREDICTIONS],
            value=None,
            description=TEXT["predict"],
            style=_STYLE,
            layout=widgets.Layout(**_RADIO_LAYOUT),
        )
        self.button = widgets.Button(description=TEXT["run"], button_style="primary", icon="play")
        # Why a chosen variant cannot take effect here: only a world in real-AWS mode can hold
        # the lab's group in a shared policy (offline, the panel stays as it always was).
        real = getattr(self.world, "mode", "offline") == "aws"
        self.notice = widgets.HTML(value="") if real else None
        if self.notice is not None:
            self.resource_policy.observe(lambda _change: self._show_notice(), names="value")
        self.verdict = widgets.HTML(value=f"<i>{html.escape(TEXT['start'])}</i>")
        self.figure = widgets.Output()
        self.legend = widgets.HTML(value="")
        self.explanation = widgets.HTML(value="")
        self.button.on_click(lambda _b: self._on_click())
        self.panel = widgets.VBox(
            [
                widgets.HBox([widgets.VBox([self.resource_policy, self.role]), widgets.VBox([self.level, self.include_execution_data])]),
                *([self.notice] if self.notice is not None else []),
                self.apply,
                widgets.Accordion(children=[widgets.VBox([self.resource_policy_json, self.role_json])], titles=(TEXT["custom-editors"],)),
                self.predict,
                self.button,
                self.verdict,
                self.figure,
                self.legend,
                self.explanation,
            ]
        )  # fmt: skip

    def _repr_mimebundle_(self, **kwargs):
        return widget_bundle(self.panel._repr_mimebundle_(**kwargs), TEXT["panel"])

    def __repr__(self) -> str:
        return f"<PolicyLab {self.state_machine_arn.rsplit(':', 1)[-1]} -> {self.log_group}>"

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
            choices = [key for _, key in PREDICTIONS]
            if predict not in choices:
                raise ValueError(f"predict must be one of {choices}, not {predict!r}")
            self.predict.value = predict
        return self

    def run(self) -> LabResult:
        """Apply the chosen settings, run one execution, and show what was delivered."""
        prediction = self.predict.value
        chosen = self.resource_policy.value
        not_applied = None if self.applies(chosen) else chosen
        notes = [self._not_applied_text("not-applied", chosen)] if not_applied else []
        rejected_document = self._custom_text()
        try:
            aws_changes = self._apply(self._choice(), notes)
        except (ClientError, BotoCoreError) as error:
            code, message = _error_parts(error)
            point = (
                TEXT["rejected-role"] if code == "AccessDeniedException" else TEXT["rejected-other"]
            )
            details = (
                ((WORDS["rejected-document"], rejected_document),) if rejected_document else ()
            )
            verdict = Verdict(
                status=None, error_code=code, error_message=message, teaching_point=point,
                details=details, notes=tuple(notes),
            )  # fmt: skip
            result = LabResult(verdict=verdict, error=f"{code}: {message}")
        else:
            result = self._run_once(notes, aws_changes)
        state = result.world or self.world_state()
        result = replace(result, world=state, not_applied=not_applied)
        if prediction is not None:
            judged = None if not_applied else result.outcome == prediction
            result = replace(result, prediction=prediction, prediction_correct=judged)
        self._sync(state)
        self._show(result)
        self.results.append(result)
        self.predict.value = None  # ask again before the next run
        return result

    def _on_click(self) -> None:
        """The Run button: like :meth:`run`, with any failure shown inside the widget."""
        try:
            self.run()
        except Exception as error:  # noqa: BLE001 - a widget must not print a traceback
            code, message = _error_parts(error)
            text = TEXT["panel-error"].format(error=f"{code}: {message}")
            self.verdict.value = (
                f'<div style="color:var(--jp-error-color1, #c62828);white-space:normal">'
                f"{html.escape(text)}</div>"
            )

    def _choice(self) -> Choice:
        return Choice(
            resource_policy=self.resource_policy.value,
            role=self.role.value,
            level=self.level.value,
            include_execution_data=bool(self.include_execution_data.value),
            apply=self.apply.value,
            resource_policy_json=self.resource_policy_json.value,
            role_json=self.role_json.value,
        )

    def _custom_text(self) -> tuple[str, ...] | None:
        """The custom documents about to be put (shown again if AWS rejects them)."""
        texts = []
        if self.resource_policy.value == "custom":
            texts.append(self.resource_policy_json.value)
        if self.role.value == "custom":
            texts.append(self.role_json.value)
        return tuple(texts) or None

    def _sync(self, state: WorldState) -> None:
        """Set every control from the world, so the panel shows what is, not what was asked."""
        self.resource_policy.value = state.resource_policy
        self.role.value = state.role
        self.level.value = state.level
        self.include_execution_data.value = state.include_execution_data
        doc = state.resource_document
        self.resource_policy_json.value = _pretty(doc) if doc is not None else ""
        if state.inline:
            self.role_json.value = _pretty(next(iter(state.inline.values())))
        else:
            documented = variants.role_policies("log-delivery").inline
            self.role_json.value = _pretty(documented[variants.INLINE_POLICY_NAME])
        self._show_notice()

    def _not_applied_text(self, key: str, resource_policy: str) -> str:
        label = variants.variant("resource", resource_policy).label
        return TEXT[key].format(variant=label, policy=variants.DELIVERY_POLICY_NAME)

    def _show_notice(self) -> None:
        """Say, before the Run, when the chosen resource-policy variant cannot take effect."""
        if self.notice is None:
            return
        chosen = self.resource_policy.value
        if self.applies(chosen):
            self.notice.value = ""
            return
        text = self._not_applied_text("not-applicable", chosen)
        self.notice.value = (
            f'<div class="labkit-not-applicable" style="color:var(--jp-warn-color1, #b45309);'
            f'white-space:normal">⚠ {html.escape(text)}</div>'
        )

    # ------------------------------------------------------------------ applying changes

    # ------------------------------------------------------------------ running

    def _run_once(self, notes: list[str], aws_changes: tuple[str, ...]) -> LabResult:
        state = self.world_state()  # what is in force for this execution
        started = self.sfn.start_execution(stateMachineArn=self.state_machine_arn, input="{}")
        execution_arn = started["executionArn"]
        self.world.settle()
        history = _history(self.sfn, execution_arn)
        status = self.sfn.describe_execution(executionArn=execution_arn)["status"]
        start_ms = int(history[0]["timestamp"].timestamp() * 1000) if history else None
        log_events = _log_events(self.logs, self.log_group, start_ms)
        level = state.level
        tl = timeline(
            history,
            log_events,
            level=level,
            execution_arn=execution_arn,
            include_execution_data=state.include_execution_data,
            status=status,
        )
        s = tl.summary
        decision = cause = None
        if s["dropped"]:
            decision, reason = self._decision(execution_arn)
            if decision is None and reason and "does not exist" in reason:
                cause = "no-log-group"
            elif decision is None:
                decision = self._local_decision()
                if decision is not None:
                    notes.append(TEXT["judged-locally"])
            cause = cause or cause_of(decision)
            if decision is not None and self._role_could_write(state, decision.request.resource):
                role = variants.variant("role", state.role).label
                notes.insert(0, WORDS["role-not-consulted"].format(role=role))
        verdict = Verdict(
            status=status,
            delivered=s["delivered"],
            logged=s["logged"],
            events=s["events"],
            level=level,
            cause=cause or "delivered",
            action=decision.request.action if decision is not None else None,
            notes=(*aws_changes, *notes),
            details=decision_bullets(decision) if decision is not None else (),
            teaching_point=_teaching_point(state.resource_policy, state.role),
        )
        return LabResult(
            verdict=verdict,
            delivered=s["delivered"],
            logged=s["logged"],
            dropped=s["dropped"],
            decision=decision,
            timeline=tl,
            execution_arn=execution_arn,
            status=status,
            aws_changes=aws_changes,
            world=state,
        )

    # ------------------------------------------------------------------ showing

    def _show(self, result: LabResult) -> None:
        parts = [result.verdict._repr_html_()]
        if result.prediction is not None:
            labels = {key: _(label) for label, key in PREDICTIONS}
            if result.prediction_correct is None:
                key = "not-judged"
            else:
                key = "predicted-right" if result.prediction_correct else "predicted-wrong"
            line = TEXT[key].format(choice=labels[result.prediction], actual=labels[result.outcome])
        else:
            line = TEXT["no-prediction"]
        parts.append(
            f'<div style="color:var(--jp-ui-font-color2, #616161);white-space:normal">'
            f"<i>{html.escape(line)}</i></div>"
        )
        self.verdict.value = "".join(parts)
        self.figure.outputs = ()
        if result.timeline is not None:
            if self._canvas is None:
                self._canvas = Canvas()
            png = self._canvas.png(result.timeline)
            self.figure.outputs = (_display_output(result.timeline, png),)
        self.legend.value = legend_html() if result.timeline is not None else ""
        self.explanation.value = result.world._repr_html_() if result.world else ""


def _teaching_point(resource_key: str, role_key: str) -> str:
    """The chosen variants' teaching points (the role's only when it is not the default)."""
    points = [variants.variant("resource", resource_key).teaching_point]
    if role_key not in ("article", "log-delivery"):
        points.append(variants.variant("role", role_key).teaching_point)
    return " ".join(points)


def _pretty(document: Any) -> str:
    try:
        parsed = json.loads(document) if isinstance(document, str) else document
    except ValueError:
        return str(document)
    return json.dumps(parsed, indent=2)


def _display_output(timeline: Any, png: bytes) -> dict[str, Any]:
    """A display_data output for an Output widget, with the PNG base64-encoded.

    ``Output.append_display_data`` keeps ``_repr_png_``'s raw bytes, which the widget comm
    sends as a binary buffer: a browser then shows "[object Object]" instead of the picture.
    The notebook format stores ``image/png`` as base64 text, which every front end renders.
    """
    return {
        "output_type": "display_data",
        "data": {
            "image/png": base64.b64encode(png).decode("ascii"),
            "text/plain": repr(timeline),
        },
        "metadata": {},
    }


def _history(sfn, execution_arn: str) -> list[dict]:
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    return [event for page in pages for event in page["events"]]


def _log_events(logs, log_group: str, start_ms: int | None) -> list[dict]:
    kwargs: dict[str, Any] = {"logGroupName": log_group}
    if start_ms is not None:
        kwargs["startTime"] = start_ms
    pages = logs.get_paginator("filter_log_events").paginate(**kwargs)
    return [event for page in pages for event in page["events"]]
