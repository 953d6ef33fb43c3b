"""labkit.lab.PolicyLab on the offline world: what each variant delivers, and errors in the panel.

Each case is one of the lesson's claims: delivery is authorised by the CloudWatch Logs
resource policy only [DOC] CloudWatch Logs User Guide, AWS-logs-infrastructure-CWL.html;
the role is checked at CreateStateMachine/UpdateStateMachine [ISSUE] qiita tmiki.
"""

from __future__ import annotations

import base64
import json

import pytest

import labkit
from labkit.lab import PREDICTIONS, LabResult, PolicyLab
from labkit.verdict import Verdict


@pytest.fixture
def lab():
    world = labkit.offline()
    try:
        yield PolicyLab(world)
    finally:
        world.close()


def _state(lab: PolicyLab) -> tuple:
    machine = lab.sfn.describe_state_machine(stateMachineArn=lab.state_machine_arn)
    return lab._snapshot(), machine["loggingConfiguration"]


def test_auto_created_delivers_everything(lab):
    result = lab.run()
    assert isinstance(result, LabResult) and result.error is None
    assert result.logged > 0 and result.delivered == result.logged and result.dropped == 0
    assert isinstance(result.verdict, Verdict) and result.status == "SUCCEEDED"
    assert str(result.verdict) == "Execution SUCCEEDED · 20 of 20 events delivered"
    assert html_text(lab.verdict.value).count(str(result.verdict)) == 1
    (shown,) = lab.figure.outputs
    assert "image/png" in shown["data"] and shown["data"]["text/plain"] == repr(result.timeline)
    # a browser renders image/png only as base64 text; raw bytes arrive as "[object Object]"
    png = shown["data"]["image/png"]
    assert isinstance(png, str) and base64.b64decode(png).startswith(b"\x89PNG\r\n\x1a\n")
    assert "log event delivered" in lab.legend.value  # the legend is HTML under the picture


def test_no_resource_policy_verdict_is_short_and_folds_the_evidence(lab):
    result = lab.set(resource_policy="none").run()
    assert result.delivered == 0 and result.dropped == result.logged > 0
    headline = str(result.verdict)
    assert headline == (
        "Execution SUCCEEDED · 0 of 20 events delivered: no resource policy lets the log service write"
    )
    assert len(headline) <= 100 and "arn:" not in headline
    assert result.verdict.cause == "no-policy"
    assert result.decision is not None and not result.decision.allowed
    # the ARN and the deciding statement are folded away under the headline, as bullets
    page = lab.verdict.value
    assert "<details" in page and "arn:aws:logs:" in page.split("<details", 1)[1]
    assert "Decided by: no statement applies" in page
    assert "True" not in html_text(page) and "False" not in html_text(page)
    # the variant's teaching point shows beside the verdict
    assert "whatever the role allows" in html_text(page)
    assert "var(--jp-" in page  # theme colours, readable on light and dark themes


def test_phase_2_says_the_role_was_not_consulted(lab):
    result = lab.set(resource_policy="none", role="AdministratorAccess").run()
    text = result.verdict.text()
    assert "the role was not consulted" in text
    assert "Even an administrator role does not make logs arrive." in result.verdict.teaching_point
    # a role without log permissions: no such claim
    other = lab.set(resource_policy="none", role="none").run()
    assert "not consulted" not in other.verdict.text()


@pytest.mark.parametrize(
    ("variant", "cause", "words"),
    [
        ("wrong-principal", "wrong-principal", "the policy names the wrong principal"),
        ("explicit-deny", "explicit-deny", "an explicit Deny in the resource policy"),
        ("other-log-group", "other-log-group", "the policy covers another log group"),
        ("source-account-wrong", "condition", "a condition in the policy is not met"),
        ("source-arn-state-machine", "condition", "a condition in the policy is not met"),
    ],
)
def test_each_cause_has_its_own_words(lab, variant, cause, words):
    result = lab.set(resource_policy=variant).run()
    assert result.verdict.cause == cause
    assert str(result.verdict).endswith(words) and len(str(result.verdict)) <= 100


def test_wrong_principal_bullet_names_both_principals(lab):
    result = lab.set(resource_policy="wrong-principal").run()
    assert (
        "Principal ✗: states.amazonaws.com is not delivery.logs.amazonaws.com"
        in result.verdict.text()
    )


def test_wrong_action_on_a_new_stream(lab):
    # only PutLogEvents: a new log group's first delivery must create its stream
    logs = lab.logs
    logs.delete_log_group(logGroupName=lab.log_group)
    logs.create_log_group(logGroupName=lab.log_group)
    result = lab.set(resource_policy="put-only").run()
    assert result.delivered == 0 and result.verdict.cause == "wrong-action"
    assert str(result.verdict).endswith("the policy does not allow logs:CreateLogStream")


def test_rejected_change_headline_and_causes_are_distinct():
    from labkit.verdict import CAUSES

    words = [w for w in CAUSES.values() if w]
    assert len(words) == len(set(words))
    rejected = Verdict(status=None, error_code="AccessDeniedException", error_message="m")
    assert str(rejected).startswith("Change rejected by AWS (AccessDeniedException)")


@pytest.mark.parametrize(
    "variant",
    [
        "wrong-principal",
        "source-account-wrong",
        "source-arn-state-machine",
        "other-log-group",
        "put-only",
        "explicit-deny",
    ],
)
def test_broken_resource_policies_deliver_nothing(lab, variant):
    result = lab.set(resource_policy=variant).run()
    assert result.error is None
    assert result.delivered == 0 and result.logged > 0, result.verdict


@pytest.mark.parametrize("variant", ["vendedlogs-wildcard", "source-account"])
def test_working_variants_deliver(lab, variant):
    result = lab.set(resource_policy=variant).run()
    assert result.delivered == result.logged > 0, result.verdict


def test_administrator_role_without_resource_policy_delivers_nothing(lab):
    result = lab.set(resource_policy="none", role="AdministratorAccess").run()
    assert result.error is None and result.delivered == 0 and result.logged > 0
    attached = lab.iam.list_attached_role_policies(RoleName=lab.role_name)["AttachedPolicies"]
    assert [p["PolicyArn"] for p in attached] == ["arn:aws:iam::aws:policy/AdministratorAccess"]


def test_role_without_policies_still_delivers_on_existing_machine(lab):
    result = lab.set(role="none", apply="now").run()
    assert result.error is None and result.delivered == result.logged > 0


def test_update_with_role_none_is_rejected_and_world_unchanged(lab):
    before = _state(lab)
    result = lab.set(role="none", resource_policy="none", apply="update").run()
    assert result.error.startswith("AccessDeniedException: ")
    assert (
        "The state machine IAM Role is not authorized to access the Log Destination" in result.error
    )
    assert "AccessDeniedException" in lab.verdict.value and lab.figure.outputs == ()
    assert _state(lab) == before
    # the learner's choices stay in the widgets, to be fixed; the world still delivers
    assert (
        lab.set(role="log-delivery", resource_policy="auto-created", apply="now").run().dropped == 0
    )


def test_update_with_documented_role_recreates_missing_policy(lab):
    result = lab.set(resource_policy="none", role="log-delivery", apply="update").run()
    assert result.error is None and result.delivered == result.logged > 0
    names = [p["policyName"] for p in lab.logs.describe_resource_policies()["resourcePolicies"]]
    assert "AWSLogDeliveryWrite20150319" in names


def test_level_change_is_an_update(lab):
    result = lab.set(level="ERROR", apply="update").run()
    assert result.logged == 0 and result.outcome == "not-logged"
    assert (
        str(result.verdict) == "Execution SUCCEEDED · nothing is logged at level ERROR (20 events)"
    )
    machine = lab.sfn.describe_state_machine(stateMachineArn=lab.state_machine_arn)
    assert machine["loggingConfiguration"]["level"] == "ERROR"
    assert lab.level.value == "ERROR"


def test_level_change_under_apply_now_is_not_applied_and_says_so(lab):
    result = lab.set(level="ERROR", apply="now").run()
    machine = lab.sfn.describe_state_machine(stateMachineArn=lab.state_machine_arn)
    assert machine["loggingConfiguration"]["level"] == "ALL"
    assert result.delivered == result.logged == 20
    assert "The log level stays ALL" in result.verdict.text()
    assert lab.level.value == "ALL"  # the control shows the level in force


def test_panel_resyncs_to_the_world_and_names_aws_changes(lab):
    result = lab.set(resource_policy="none", role="article", apply="update").run()
    # UpdateStateMachine re-ran set-up, which put the policy back: the panel says so ...
    assert result.aws_changes == (
        "UpdateStateMachine re-ran log-delivery set-up, and AWS created the resource policy "
        "AWSLogDeliveryWrite20150319.",
    )
    assert result.aws_changes[0] in html_text(lab.verdict.value)
    # ... and the dropdown shows the world, not the "none" that was chosen
    assert (
        lab.resource_policy.value == "auto-created"
        and result.world.resource_policy == "auto-created"
    )
    assert "auto-created" in html_text(lab.explanation.value)
    assert result.delivered == result.logged == 20


def test_controls_start_from_the_world(lab):
    state = lab.world_state()
    assert (lab.resource_policy.value, lab.role.value) == ("auto-created", "article")
    assert lab.level.value == state.level == "ALL"
    assert lab.include_execution_data.value is state.include_execution_data


def test_malformed_custom_json_shows_aws_error_and_keeps_state(lab):
    before = _state(lab)
    result = lab.set(
        resource_policy="custom", resource_policy_json='{"Version": "2012-10-17", '
    ).run()
    assert result.error is not None and ":" in result.error and result.timeline is None
    assert html_text(lab.verdict.value).startswith("Change rejected by AWS (")
    assert "Traceback" not in lab.verdict.value
    assert _state(lab) == before
    # the panel shows the world again; the rejected text is kept in the folded details
    assert lab.resource_policy.value == "auto-created"
    assert '{"Version": "2012-10-17", ' in result.verdict.text()


def test_malformed_role_json_shows_malformed_policy_document(lab):
    before = _state(lab)
    result = lab.set(role="custom", role_json="{nope").run()
    assert result.error.startswith("MalformedPolicyDocument")
    assert _state(lab) == before


def test_too_large_policy_rejected(lab):
    before = _state(lab)
    big = {"Version": "2012-10-17", "Statement": [{"Sid": "x" * 6000, "Effect": "Allow", "Principal": {"Service": "delivery.logs.amazonaws.com"}, "Action": "logs:PutLogEvents", "Resource": "*"}]}  # fmt: skip
    result = lab.set(resource_policy="custom", resource_policy_json=json.dumps(big)).run()
    assert result.error is not None
    assert _state(lab) == before


def test_prediction_is_judged_and_reset(lab):
    result = lab.set(resource_policy="none", predict="none").run()
    assert result.prediction == "none" and result.prediction_correct is True
    assert lab.predict.value is None and "and that is what happened" in lab.verdict.value
    wrong = lab.set(resource_policy="auto-created", predict="error").run()
    assert wrong.prediction_correct is False
    assert "what happened: “All logged events arrive”" in lab.verdict.value


def test_predictions_are_optional_and_each_choice_is_judged(lab):
    unpredicted = lab.run()
    assert unpredicted.prediction is None and unpredicted.prediction_correct is None
    assert "No prediction this time" in lab.verdict.value
    assert {key for _, key in PREDICTIONS} == {"all", "some", "none", "not-logged", "error"}
    at_error = lab.set(level="ERROR", apply="update", predict="not-logged").run()
    assert at_error.prediction_correct is True
    rejected = lab.set(role="none", apply="update", predict="error").run()
    assert rejected.error is not None and rejected.prediction_correct is True
    assert [r.prediction for r in lab.results] == [None, "not-logged", "error"]
    with pytest.raises(ValueError, match="predict must be one of"):
        lab.set(predict="maybe")


def test_button_errors_show_inside_the_widget(lab, monkeypatch):
    def broken():
        raise RuntimeError("the connection dropped")

    monkeypatch.setattr(lab.world, "settle", broken)
    lab.button.click()  # no exception escapes the widget
    assert "the connection dropped" in lab.verdict.value and "Traceback" not in lab.verdict.value


def test_button_click_runs(lab):
    lab.resource_policy.value = "none"
    lab.button.click()
    assert lab.results[-1].delivered == 0
    assert "0 of 20 events delivered" in lab.verdict.value


def test_widgets_and_repr_are_deterministic():
    reprs = []
    for _ in range(2):
        with labkit.offline() as world:
            reprs.append(repr(PolicyLab(world).panel))
    assert reprs[0] == reprs[1]
    assert "description='Resource policy'" in reprs[0] and "('none', 'none')" in reprs[0]
    assert "('auto-created', 'auto-created')" in reprs[0] and "description='Run'" in reprs[0]


def html_text(value: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", value)


def test_real_world_code_path_judges_the_cause_from_the_policies(tmp_path):
    # labkit.aws(dry_run=True): the real world's code answered offline; real AWS gives no
    # reason for a dropped event, so the lab judges it from the policies it reads back.
    # The 2026 era: the lab group has its own log-group-level policy, which the guard lets
    # the lab rewrite whole (in a shared account-level policy it edits only its own entries).
    world = labkit.aws(
        dry_run=True,
        dry_run_profile="current",
        progress=False,
        out=lambda _line: None,
        ledger_path=tmp_path / "l.jsonl",
    )
    try:
        lab = PolicyLab(world)
        result = lab.set(resource_policy="wrong-principal").run()
        assert result.delivered == 0 and result.verdict.cause == "wrong-principal"
        assert "labkit judged the cause" in result.verdict.text()
    finally:
        world.close()


def test_reprs_are_one_short_line(lab):
    result = lab.run()
    assert repr(result) == "<LabResult: Execution SUCCEEDED · 20 of 20 events delivered>"
    assert repr(result.verdict) == "<Verdict: Execution SUCCEEDED · 20 of 20 events delivered>"
    assert result.verdict[:19] == "Execution SUCCEEDED"  # slicing still works (lesson 07)
