"""The exercise checkers accept right answers and reject wrong ones, for the right reason."""

from __future__ import annotations

import json

import pytest

from labkit import article
from labkit.exercises import (
    Check,
    check_delivery_policy,
    check_lab_policy,
    check_least_privilege_policy,
    check_logging_configuration,
    check_role_policy,
    check_stream_resource,
)

ACCOUNT, REGION = "123456789012", "us-east-1"
GROUP = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{article.LOG_GROUP_NAME}"


def policy(resource=f"{GROUP}:log-stream:*", principal="delivery.logs.amazonaws.com",
           actions=("logs:CreateLogStream", "logs:PutLogEvents"), condition=None):  # fmt: skip
    statement = {"Effect": "Allow", "Principal": {"Service": principal},
                 "Action": list(actions), "Resource": resource}  # fmt: skip
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


SCOPED = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


@pytest.mark.parametrize("checker", [check_delivery_policy, check_least_privilege_policy,
                                     check_stream_resource])  # fmt: skip
def test_an_unanswered_exercise_says_so(checker):
    result = checker(..., GROUP + ":*")
    assert isinstance(result, Check) and not result
    assert "no answer yet" in str(result)


def test_delivery_policy_right_and_wrong():
    assert check_delivery_policy(policy(), GROUP + ":*").correct
    assert check_delivery_policy(json.dumps(policy()), GROUP).correct  # JSON text too
    wrong_principal = check_delivery_policy(policy(principal="states.amazonaws.com"), GROUP)
    assert not wrong_principal and "may not call" in wrong_principal.message
    only_put = check_delivery_policy(policy(actions=("logs:PutLogEvents",)), GROUP)
    assert not only_put and "logs:CreateLogStream" in only_put.message
    assert not check_delivery_policy(
        policy(resource=GROUP.replace("Logging", "Other") + ":*"), GROUP
    )


def test_a_malformed_policy_gets_aws_error_not_a_traceback():
    result = check_delivery_policy("{not json", GROUP)
    assert not result and "AWS would reject" in result.message
    assert not check_delivery_policy(42, GROUP)


def test_least_privilege_rejects_deputies_and_other_groups():
    assert check_least_privilege_policy(policy(condition=SCOPED), GROUP).correct
    open_to_all = check_least_privilege_policy(policy(), GROUP)
    assert not open_to_all and any("confused deputy" in d for d in open_to_all.details)
    broad = policy(resource=f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*", condition=SCOPED)
    too_broad = check_least_privilege_policy(broad, GROUP)
    assert not too_broad and any("another log group" in d for d in too_broad.details)


def test_role_policy_needs_every_setup_action():
    actions = article.LOG_DELIVERY_ACTIONS  # the guide's nine, logs:PutLogEvents included
    assert check_role_policy(article.ROLE_POLICY, actions).correct
    roomy = check_role_policy(article.ROLE_POLICY)  # default: what set-up checks
    assert roomy.correct and any("never uses" in d for d in roomy.details)
    setup = [a for a in actions if a != "logs:PutLogEvents"]
    lean = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": setup, "Resource": "*"}],
    }
    assert check_role_policy(lean).correct and not check_role_policy(lean).details
    assert not check_role_policy(lean, actions)
    partial = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogDelivery"], "Resource": "*"}]}  # fmt: skip
    result = check_role_policy(partial, actions)
    assert not result and len(result.details) == len(actions) - 1
    denied = {"Version": "2012-10-17", "Statement": [
        *article.ROLE_POLICY["Statement"],
        {"Effect": "Deny", "Action": "logs:PutResourcePolicy", "Resource": "*"}]}  # fmt: skip
    assert not check_role_policy(denied, actions)


def test_logging_configuration_checks_level_data_and_arn():
    good = {"level": "ERROR", "includeExecutionData": False,
            "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": GROUP + ":*"}}]}  # fmt: skip
    assert check_logging_configuration(good, GROUP, level="ERROR", include_execution_data=False)
    assert not check_logging_configuration(good, GROUP, level="ALL", include_execution_data=False)
    no_star = {**good, "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": GROUP}}]}
    result = check_logging_configuration(
        no_star, GROUP, level="ERROR", include_execution_data=False
    )
    assert not result and any("must end with ':*'" in d for d in result.details)
    assert not check_logging_configuration({**good, "level": "DEBUG"}, GROUP, level="ERROR",
                                           include_execution_data=False)  # fmt: skip
    assert not check_logging_configuration({**good, "includeExecutionData": True}, GROUP,
                                           level="ERROR", include_execution_data=False)  # fmt: skip


def test_stream_resource_covers_this_group_only():
    assert check_stream_resource(f"{GROUP}:log-stream:*", GROUP).correct
    assert check_stream_resource(f"{GROUP}:*", GROUP).correct
    assert not check_stream_resource(GROUP, GROUP)  # the group, not its streams
    broad = check_stream_resource(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:*", GROUP)
    assert not broad and "too broad" in broad.message
    assert not check_stream_resource(["not", "a", "string"], GROUP)


def test_a_check_reads_as_text_and_html():
    right, wrong = check_stream_resource(f"{GROUP}:*", GROUP), check_stream_resource(GROUP, GROUP)
    assert str(right).startswith("\u2713 Right") and str(wrong).startswith("\u2717 Not yet")
    assert "labkit-check" in right._repr_html_()


def test_lab_policy_runs_the_answer_in_the_lab():
    import labkit
    from labkit.lab import PolicyLab

    with labkit.offline() as world:
        lab = PolicyLab(world)
        group = lab.log_group_arn
        scoped = {"StringEquals": {"aws:SourceAccount": lab.account}}
        assert check_lab_policy(policy(resource=f"{group}:log-stream:*", condition=scoped), lab)
        unscoped = check_lab_policy(policy(resource=f"{group}:log-stream:*"), lab)
        assert not unscoped and "all" in unscoped.message
        broken = check_lab_policy(policy(resource=f"{group}:log-stream:*",
                                         principal="states.amazonaws.com"), lab)  # fmt: skip
        assert not broken and "delivered" in broken.message
