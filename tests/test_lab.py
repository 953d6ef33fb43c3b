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
from labkit.lab import LabResult, PolicyLab


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
    assert result.verdict == f"{result.logged} of {result.logged} events delivered"
    assert lab.verdict.value.count(result.verdict) == 1
    (shown,) = lab.figure.outputs
    assert "image/png" in shown["data"] and shown["data"]["text/plain"] == repr(result.timeline)
    # a browser renders image/png only as base64 text; raw bytes arrive as "[object Object]"
    png = shown["data"]["image/png"]
    assert isinstance(png, str) and base64.b64decode(png).startswith(b"\x89PNG\r\n\x1a\n")


def test_no_resource_policy_delivers_nothing_and_names_create_log_stream(lab):
    result = lab.set(resource_policy="none").run()
    assert result.delivered == 0 and result.dropped == result.logged > 0
    assert result.verdict.startswith(f"0 of {result.logged} events delivered: ")
    assert (
        "logs:CreateLogStream" in result.verdict and "delivery.logs.amazonaws.com" in result.verdict
    )
    assert result.decision is not None and not result.decision.allowed
    assert lab.explanation.value  # the deciding statement (or its absence) is explained


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
    result = lab.set(level="ERROR").run()
    assert result.logged == 0 and result.verdict.endswith("events logged at level ERROR")
    machine = lab.sfn.describe_state_machine(stateMachineArn=lab.state_machine_arn)
    assert machine["loggingConfiguration"]["level"] == "ERROR"


def test_malformed_custom_json_shows_aws_error_and_keeps_state(lab):
    before = _state(lab)
    result = lab.set(
        resource_policy="custom", resource_policy_json='{"Version": "2012-10-17", '
    ).run()
    assert result.error is not None and ":" in result.error and result.timeline is None
    assert html_text(lab.verdict.value).startswith("Change rejected: ")
    assert "Traceback" not in lab.verdict.value
    assert _state(lab) == before


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
    assert lab.predict.value is None and "as you predicted" in lab.verdict.value
    wrong = lab.set(resource_policy="auto-created", predict="error").run()
    assert wrong.prediction_correct is False


def test_button_click_runs(lab):
    lab.resource_policy.value = "none"
    lab.button.click()
    assert lab.results[-1].delivered == 0
    assert "0 of" in lab.verdict.value


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
