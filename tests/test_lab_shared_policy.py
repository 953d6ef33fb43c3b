"""The policy lab on a log group covered by a shared account-level resource policy.

Classic era (``dry_run_profile="classic"``): the lab's log group is one ``Resource`` entry of
the account's shared ``AWSLogDeliveryWrite20150319``, and in real-AWS mode the guard lets the
lab edit only that entry. So a variant that changes the statement around it cannot take
effect: the panel says so inside the widget before the Run, the verdict says the Run did not
test it, and a prediction is not judged. The 2026 era (``"current"``: the group's own
log-group-level policy) and the offline world apply every variant, as before.
"""

from __future__ import annotations

import json
import re

import pytest

import labkit
from labkit import variants
from labkit.i18n import using_language
from labkit.lab import PolicyLab
from labkit.lab_world import SHARED_POLICY_VARIANTS

#: Every variant that changes the statement (principal, action, effect, resource, condition).
STATEMENT_VARIANTS = [
    v.key
    for v in variants.RESOURCE_POLICY_VARIANTS
    if v.key not in SHARED_POLICY_VARIANTS and v.key != "custom"
]
OTHER_TEAM_GROUP = "API-Gateway-Execution-Logs_abc/prod"


def dry_run(profile: str, tmp_path):
    return labkit.aws(
        dry_run=True,
        dry_run_profile=profile,
        progress=False,
        out=lambda _line: None,
        ledger_path=tmp_path / f"{profile}.jsonl",
    )


@pytest.fixture(scope="module")
def classic(tmp_path_factory):
    """One classic-era dry-run lab: runs of variants it cannot apply leave the world as is."""
    world = dry_run("classic", tmp_path_factory.mktemp("classic"))
    try:
        yield PolicyLab(world)
    finally:
        world.close()


@pytest.fixture
def current(tmp_path):
    world = dry_run("current", tmp_path)
    try:
        yield PolicyLab(world)
    finally:
        world.close()


def text_of(value: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", value))


def assert_names_reason_and_remedy(text: str) -> None:
    for words in (
        "shared account-level resource policy AWSLogDeliveryWrite20150319",
        "the classic era",
        "belongs to the whole account",
        "edits only its own entry",
        "run it offline",
        "its own log-group-level policy (the 2026 era)",
        "in an account and Region where AWS supports them",
    ):
        assert words in text


@pytest.mark.parametrize("key", STATEMENT_VARIANTS)
def test_classic_says_before_the_run_that_the_variant_cannot_take_effect(classic, key):
    label = variants.variant("resource", key).label
    classic.set(resource_policy=key)
    notice = text_of(classic.notice.value)
    assert notice.startswith(f"⚠ “{label}” cannot take effect here:")
    assert_names_reason_and_remedy(notice)
    assert notice.count(". ") == 0  # one sentence
    classic.set(resource_policy="auto-created")
    assert classic.notice.value == ""


@pytest.mark.parametrize("key", STATEMENT_VARIANTS)
def test_classic_run_does_not_claim_the_variant_was_tested(classic, key):
    label = variants.variant("resource", key).label
    result = classic.set(resource_policy=key, predict="none").run()
    assert result.not_applied == key
    assert result.world.resource_policy == "auto-created"  # the shared policy is as it was
    assert (result.delivered, result.logged) == (20, 20)  # what truly happened
    text = result.verdict.text()
    assert (
        f"Not tested: “{label}” was not applied and the resource policy was left as it is" in text
    )
    assert_names_reason_and_remedy(text)
    shown = text_of(classic.verdict.value)
    assert f"Not tested: “{label}”" in shown
    # the learner predicted "none" for a variant that was never applied: not judged either way
    assert result.prediction == "none" and result.prediction_correct is None
    assert "Your prediction “None of the logged events arrive” is not judged" in shown
    assert "✗" not in shown and "✓ You predicted" not in shown


def test_classic_custom_json_cannot_take_effect_either(classic):
    document = variants.resource_policy("wrong-principal", **classic._context())
    classic.set(resource_policy="custom", resource_policy_json=json.dumps(document))
    assert "“custom JSON” cannot take effect here" in text_of(classic.notice.value)
    result = classic.run()
    assert result.not_applied == "custom" and result.world.resource_policy == "auto-created"
    assert result.delivered == result.logged == 20


def test_classic_variants_that_only_add_or_remove_the_lab_entry_apply_as_before(tmp_path):
    world = dry_run("classic", tmp_path)
    try:
        lab = PolicyLab(world)
        assert lab.notice.value == ""
        gone = lab.set(resource_policy="none", predict="none").run()
        assert lab.notice.value == "" and gone.not_applied is None
        assert gone.delivered == 0 and gone.verdict.cause == "no-policy"
        assert gone.prediction_correct is True and "Not tested" not in gone.verdict.text()
        back = lab.set(resource_policy="auto-created", predict="none").run()
        assert back.not_applied is None and back.world.resource_policy == "auto-created"
        assert back.delivered == back.logged == 20 and back.prediction_correct is False
    finally:
        world.close()


def test_classic_message_is_translated(classic):
    with using_language("ko"):
        classic.set(resource_policy="wrong-principal")
        notice = text_of(classic.notice.value)
    classic.set(resource_policy="auto-created")
    assert "여기서 적용될 수 없습니다" in notice and "AWSLogDeliveryWrite20150319" in notice
    assert "잘못된 보안 주체" in notice  # the variant's own label, in Korean too


@pytest.mark.parametrize(
    ("key", "cause"),
    [
        ("wrong-principal", "wrong-principal"),
        ("source-account-wrong", "condition"),
        ("explicit-deny", "explicit-deny"),
    ],
)
def test_current_era_applies_the_variant_and_says_nothing_extra(current, key, cause):
    current.set(resource_policy=key, predict="none")
    assert current.notice.value == ""
    result = current.run()
    assert result.not_applied is None and result.world.resource_policy == key
    assert result.delivered == 0 and result.verdict.cause == cause
    assert result.prediction_correct is True
    assert "Not tested" not in result.verdict.text()


def test_real_mode_judges_a_missing_create_log_stream_when_put_is_allowed(current):
    # real AWS gives no reason; PutLogEvents is allowed, so the drop is the new stream's
    # CreateLogStream (the offline world's own decision says the same)
    result = current.set(resource_policy="put-only").run()
    assert result.delivered == 0 and result.verdict.cause == "wrong-action"
    assert "the policy does not allow logs:CreateLogStream" in result.verdict.headline


def test_current_era_after_none_puts_the_group_policy_back_at_the_group_level(current):
    assert current.set(resource_policy="none").run().delivered == 0
    result = current.set(resource_policy="vendedlogs-wildcard").run()
    assert result.not_applied is None and result.world.resource_policy == "vendedlogs-wildcard"
    assert result.delivered == result.logged == 20
    own = current.world.raw("logs").describe_resource_policies(
        policyScope="RESOURCE", resourceArn=current.log_group_arn
    )["resourcePolicies"]
    assert [json.loads(p["policyDocument"]) for p in own] == [
        variants.resource_policy("vendedlogs-wildcard", **current._context())
    ]


@pytest.mark.parametrize("profile", ["classic", "current"])
def test_offline_applies_every_variant_without_the_message(profile):
    with labkit.offline(profile=profile) as world:
        lab = PolicyLab(world)
        assert lab.notice is None  # offline, the panel is as it always was
        result = lab.set(resource_policy="wrong-principal").run()
    assert result.not_applied is None and result.verdict.cause == "wrong-principal"
    assert result.delivered == 0 and "Not tested" not in result.verdict.text()


def test_shared_policy_with_another_team_shows_only_the_lab_entry(tmp_path):
    # A real classic account: AWS wrote the lab's entry into the account's one statement
    # (Sid "AWSLogDeliveryWrite", no Condition [ISSUE] serverless-step-functions#334), next
    # to another team's log group.
    from labkit import article

    world = dry_run("classic", tmp_path)
    try:
        arn = article.create_state_machine(
            world.client("stepfunctions"),
            article.create_role(world.client("iam")),
            article.create_log_group(world.client("logs")),
        )
        group_arn = (
            world.client("stepfunctions")
            .describe_state_machine(stateMachineArn=arn)["loggingConfiguration"]["destinations"][0][
                "cloudWatchLogsLogGroup"
            ]["logGroupArn"]
            .removesuffix(":*")
        )
        other = group_arn.split(":log-group:")[0] + f":log-group:{OTHER_TEAM_GROUP}"
        shared = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AWSLogDeliveryWrite",
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": [f"{other}:log-stream:*", f"{group_arn}:log-stream:*"],
                }
            ],
        }
        raw = world.raw("logs")
        raw.put_resource_policy(
            policyName=variants.DELIVERY_POLICY_NAME, policyDocument=json.dumps(shared)
        )
        lab = PolicyLab(world, state_machine_arn=arn)
        assert lab.resource_policy.value == "auto-created" and lab.notice.value == ""
        assert OTHER_TEAM_GROUP not in lab.resource_policy_json.value  # not the lab's to show
        result = lab.set(resource_policy="source-account-wrong").run()
        assert result.not_applied == "source-account-wrong"
        assert result.world.resource_policy == "auto-created" and result.delivered == 20

        def live() -> dict:
            found = raw.describe_resource_policies()["resourcePolicies"]
            return json.loads(
                next(
                    p["policyDocument"]
                    for p in found
                    if p["policyName"] == variants.DELIVERY_POLICY_NAME
                )
            )

        assert live() == shared  # nothing of the other team's, nor the lab's, was rewritten
        assert lab.set(resource_policy="none").run().world.resource_policy == "none"
        assert live()["Statement"][0]["Resource"] == [f"{other}:log-stream:*"]
        back = lab.set(resource_policy="auto-created").run()
        assert back.world.resource_policy == "auto-created" and back.delivered == 20
        assert live() == shared  # the lab's entry is back in AWS's statement, nothing added
    finally:
        world.close()
