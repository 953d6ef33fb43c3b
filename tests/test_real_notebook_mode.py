"""Lesson 01's code, unchanged, on ``labkit.aws()`` against a moto server on loopback.

The lessons switch worlds with ``LABKIT_MODE=aws`` and no other edit: the guarded
clients read the article's plain names in the lab namespace (``labkit-...``) and answer
phase 2's ``delete_resource_policy`` on the shared ``AWSLogDeliveryWrite20150319`` by
removing only the lab's entry. The server holds another team's entry in that policy.

moto (5.2.5) never delivers Step Functions logs and never changes resource policies at
CreateStateMachine, so Step Functions' own append of the lab's entry is played by an
admin client, as AWS makes it [DOC] CloudWatch Logs User Guide, "Logging that requires
additional permissions". AWS managed policies (AdministratorAccess, phase 2) are loaded
only when ``MOTO_IAM_LOAD_MANAGED_POLICIES=true`` at the server's reset (moto settings).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_real_world import (  # the shared-account fixtures of the real-world tests
    OTHER_GROUP,
    REGION,
    ROUTE53,
    SHARED,
    account,  # noqa: F401 - fixture
    aws_appends_lab_entry,
    inventory,
    open_world,
    server,  # noqa: F401 - fixture
)

import labkit
from labkit import article
from labkit.safety import is_lab_name

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "01_the_article.ipynb"
SHARED_NAME = "AWSLogDeliveryWrite20150319"


@pytest.fixture
def shared(monkeypatch, request):
    """The shared account of the real-world tests, with AWS managed policies loaded."""
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    return request.getfixturevalue("account")


def _resources(policy: str) -> list[str]:
    return [r for s in json.loads(policy)["Statement"] for r in s["Resource"]]


def _entry(group: str) -> str:
    return f"arn:aws:logs:{REGION}:123456789012:log-group:{group}:log-stream:*"


def _tags(admin, group: str, role: str, machine: str) -> list[dict[str, str]]:
    iam, logs, sfn = admin.client("iam"), admin.client("logs"), admin.client("stepfunctions")
    return [
        logs.list_tags_log_group(logGroupName=group)["tags"],
        {t["Key"]: t["Value"] for t in iam.list_role_tags(RoleName=role)["Tags"]},
        {t["key"]: t["value"] for t in sfn.list_tags_for_resource(resourceArn=machine)["tags"]},
    ]


def test_lesson_01_cells_run_unchanged_on_a_shared_account(shared, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd

    from labkit.timeline import timeline

    monkeypatch.setenv("LABKIT_MODE", "aws")
    assert labkit.connect.__module__ == "labkit.world"  # the lessons' switch
    before = inventory(shared)
    printed: list[str] = []

    # ---- the cells of notebooks/01_the_article.ipynb, in order (world opened faster)
    world = open_world(out=printed.append)  # the lesson: labkit.connect(profile="article-2020")
    iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
    role_name = article.role_name(world)
    assert role_name == article.ROLE_NAME  # a real account has no console-era name

    def history(arn):
        events = pd.DataFrame(article.history(sfn, arn))
        seconds = article.LABELS["seconds"]
        events[seconds] = (events["timestamp"] - events["timestamp"].iloc[0]).dt.total_seconds()
        return events[["id", "previousEventId", "type", seconds]]

    def messages(arn):
        rows = [e["record"] for e in article.log_events(logs, arn)]
        return pd.DataFrame(rows, columns=["id", "type", "previous_event_id", "redrive_count"])

    def draw(arn, phase):
        return timeline(article.history(sfn, arn), article.log_events(logs, arn), phase=phase)

    role_arn = article.create_role(iam, role_name)
    log_group_arn = article.create_log_group(logs)
    logs.describe_resource_policies()["resourcePolicies"]
    machine_arn = article.create_state_machine(sfn, role_arn, log_group_arn, level="ALL")
    sfn.describe_state_machine(stateMachineArn=machine_arn)["loggingConfiguration"]

    lab_group = log_group_arn.split(":log-group:")[1].removesuffix(":*")
    aws_appends_lab_entry(shared, world, lab_group)  # what Step Functions does on AWS

    policies = logs.describe_resource_policies()["resourcePolicies"]
    original_policy = article.resource_policy(logs)
    with labkit.offline() as today:  # today's documented shape, beside the article's
        t_iam, t_logs, t_sfn = (today.client(n) for n in ("iam", "logs", "stepfunctions"))
        article.create_state_machine(
            t_sfn, article.create_role(t_iam), article.create_log_group(t_logs)
        )
        assert "aws:SourceAccount" in article.resource_policy(t_logs)
    run1 = article.start_execution(sfn, machine_arn, name="phase-1")
    world.settle()
    assert sfn.describe_execution(executionArn=run1)["status"] == "SUCCEEDED"
    history(run1)
    messages(run1)
    tl1 = draw(run1, 1)

    logs.delete_resource_policy(policyName="AWSLogDeliveryWrite20150319")
    after_delete = {
        p["policyName"]: p["policyDocument"]
        for p in logs.describe_resource_policies()["resourcePolicies"]
    }
    iam.attach_role_policy(RoleName=role_name, PolicyArn=article.ADMIN_POLICY_ARN)
    assert article.role_policies(iam, role_name) == [
        article.ROLE_POLICY_NAME,
        "AdministratorAccess",
    ]

    run2 = article.start_execution(sfn, machine_arn, name="phase-2")
    world.settle()
    assert sfn.describe_execution(executionArn=run2)["status"] == "SUCCEEDED"
    history(run2).tail(3)
    messages(run2)
    dropped = world.deliveries().query("execution_arn == @run2")
    dropped[["event_id", "event_type", "status", "decision"]].head(3)
    tl2 = draw(run2, 2)

    logs.put_resource_policy(
        policyName="AWSLogDeliveryWrite20150319", policyDocument=original_policy
    )
    after_put = {
        p["policyName"]: p["policyDocument"]
        for p in logs.describe_resource_policies()["resourcePolicies"]
    }
    run3 = article.start_execution(sfn, machine_arn, name="phase-3")
    world.settle()
    history(run3).tail(3)
    messages(run3).head()
    tl3 = draw(run3, 3)
    assert [tl.title for tl in timeline([tl1, tl2, tl3]).timelines][0].startswith("Phase 1")
    runs = article.phases(run1, run2, run3)
    compared = article.phase_table(
        {
            phase: {
                "status": sfn.describe_execution(executionArn=arn)["status"],
                "history events": len(history(arn)),
                "log messages": len(messages(arn)),
            }
            for phase, arn in runs.items()
        }
    )
    assert list(compared.index) == ["1: policy", "2: no policy, admin role", "3: policy again"]
    assert compared["status"].tolist() == ["SUCCEEDED"] * 3
    during = inventory(shared)
    tags = _tags(shared, lab_group, "labkit-StepFunctions-LookingIntoLogging-role", machine_arn)
    world.close()
    # ---- end of the lesson's cells

    entries = world.ledger.entries()
    assert not [e for e in entries if e["event"] == "refused"]

    # every created resource is in the lab namespace, tagged, and in the ledger
    assert lab_group == "/aws/vendedlogs/states/labkit-LookingIntoLogging-Logs"
    assert role_arn.endswith(":role/service-role/labkit-StepFunctions-LookingIntoLogging-role")
    assert machine_arn.endswith(":stateMachine:labkit-LookingIntoLogging")
    new = {
        "groups": set(during["groups"]) - set(before["groups"]),
        "roles": set(during["roles"]) - set(before["roles"]),
        "machines": set(during["machines"]) - set(before["machines"]),
    }
    assert new == {
        "groups": {lab_group},
        "roles": {"labkit-StepFunctions-LookingIntoLogging-role"},
        "machines": {"labkit-LookingIntoLogging"},
    }
    assert all(is_lab_name(n) for names in new.values() for n in names)
    created = {e["id"] for e in entries if e["event"] == "created"}
    assert {lab_group, "labkit-StepFunctions-LookingIntoLogging-role", machine_arn} <= created
    assert {run1, run2, run3} <= created
    assert (
        "labkit-StepFunctions-LookingIntoLogging-role|arn:aws:iam::aws:policy/AdministratorAccess"
        in created
    )
    assert tags == [{"labkit:lab": "true", "labkit:run": world.run_id}] * 3
    text = "\n".join(printed)
    for base, lab in [
        (article.ROLE_NAME, "labkit-StepFunctions-LookingIntoLogging-role"),
        (article.LOG_GROUP_NAME, lab_group),
        (article.STATE_MACHINE_NAME, "labkit-LookingIntoLogging"),
    ]:
        assert f"labkit: {base} is {lab} in this account (the lab's namespace)" in text
        assert text.count(f"labkit: {base} is ") == 1  # said once

    # phase 1: the lab's entry was appended to the other team's policy
    assert [p["policyName"] for p in policies if p["policyName"] == SHARED_NAME]
    assert _resources(original_policy) == [_entry(OTHER_GROUP), _entry(lab_group)]
    # phase 2: only the lab's entry went; the other team's entry and Route 53's policy stayed
    assert _resources(after_delete[SHARED_NAME]) == [_entry(OTHER_GROUP)]
    assert after_delete["Route53QueryLogs"] == ROUTE53
    assert (
        f"labkit: {SHARED_NAME} is shared with 1 other log group or entry ({OTHER_GROUP}): "
        f"removed only the lab's entry for {lab_group}; nothing else in it is changed"
    ) in printed
    # phase 3: the learner's own document went back in
    assert after_put[SHARED_NAME] == original_policy

    # clean-up: nothing of the lab's is left; the shared policy, which nobody else changed,
    # has its exact bytes back (the lab removed its entry and wrote the text it had read)
    after = inventory(shared)
    assert after == before
    assert after["policies"][SHARED_NAME] == SHARED
    assert entries[-1]["event"] == "cleanup-finished" and entries[-1]["leftovers"] == []


def test_phase_three_putting_back_an_unchanged_policy_writes_nothing(shared):
    """On an endpoint that never appends the lab's entry, the learner's put-back changes
    nothing of the lab's: nothing is written, and the policy keeps its bytes."""
    with open_world() as world:
        logs = world.client("logs")
        article.create_log_group(logs)
        original_policy = article.resource_policy(logs)
        assert original_policy == SHARED
        logs.delete_resource_policy(policyName="AWSLogDeliveryWrite20150319")
        logs.put_resource_policy(
            policyName="AWSLogDeliveryWrite20150319", policyDocument=original_policy
        )
        edits = [e for e in world.ledger.entries() if e["event"] == "entries-edited"]
        assert edits and edits[-1]["action"] == "none: the lab's entries are already there"
    assert inventory(shared)["policies"][SHARED_NAME] == SHARED


def test_phase_three_keeps_another_team_s_change(shared):
    """Another team changes the shared policy between phase 2 and phase 3: the learner's
    put-back of the saved document adds only the lab's entry; their change survives."""
    with open_world() as world:
        iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
        role_arn = article.create_role(iam)
        group_arn = article.create_log_group(logs)
        article.create_state_machine(sfn, role_arn, group_arn)
        lab_group = group_arn.split(":log-group:")[1].removesuffix(":*")
        aws_appends_lab_entry(shared, world, lab_group)
        original_policy = article.resource_policy(logs)
        logs.delete_resource_policy(policyName=SHARED_NAME)
        theirs = json.loads(inventory(shared)["policies"][SHARED_NAME])
        theirs["Statement"][0]["Condition"] = {
            "StringEquals": {"aws:SourceAccount": "123456789012"}
        }
        theirs_text = json.dumps(theirs, indent=3)
        shared.client("logs").put_resource_policy(
            policyName=SHARED_NAME, policyDocument=theirs_text
        )
        logs.put_resource_policy(policyName=SHARED_NAME, policyDocument=original_policy)
        now = json.loads(inventory(shared)["policies"][SHARED_NAME])
        assert now["Statement"][0]["Condition"] == theirs["Statement"][0]["Condition"]
        assert _resources(json.dumps(now)) == [_entry(OTHER_GROUP), _entry(lab_group)]
    # clean-up removed the lab's entry and gave back their exact bytes
    assert inventory(shared)["policies"][SHARED_NAME] == theirs_text


def test_phase_two_delete_of_a_lab_only_policy_is_sent(shared):
    """A policy covering only the lab's group is really deleted, then restored at clean-up."""
    admin_logs = shared.client("logs")
    admin_logs.delete_resource_policy(policyName=SHARED_NAME)
    with open_world() as world:
        logs = world.client("logs")
        arn = article.create_log_group(logs)
        group = arn.split(":log-group:")[1].removesuffix(":*")
        lab_only = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "delivery.logs.amazonaws.com"},
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": [_entry(group)],
                    }
                ],
            }
        )
        logs.put_resource_policy(policyName=SHARED_NAME, policyDocument=lab_only)
        logs.delete_resource_policy(policyName=SHARED_NAME)
        names = [
            p["policyName"] for p in admin_logs.describe_resource_policies()["resourcePolicies"]
        ]
        assert SHARED_NAME not in names
    assert SHARED_NAME not in inventory(shared)["policies"]  # it did not exist before the lab


def test_phase_two_refuses_when_the_shared_policy_grants_the_lab_by_wildcard(shared):
    wildcard = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"arn:aws:logs:{REGION}:123456789012:log-group:/aws/vendedlogs/*",
                }
            ],
        }
    )
    shared.client("logs").put_resource_policy(policyName=SHARED_NAME, policyDocument=wildcard)
    from labkit.safety import SafetyError

    with open_world() as world:
        logs = world.client("logs")
        article.create_log_group(logs)
        with pytest.raises(SafetyError, match="also covers other log groups"):
            logs.delete_resource_policy(policyName=SHARED_NAME)
    assert inventory(shared)["policies"][SHARED_NAME] == wildcard


@pytest.mark.slow
def test_notebook_01_runs_unchanged_with_labkit_mode_aws(shared, monkeypatch, tmp_path):
    """The stored lesson, executed in a kernel with LABKIT_MODE=aws and AWS_ENDPOINT_URL."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("LABKIT_MODE", "aws")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    before = inventory(shared)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = "\n".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "stream"
    )
    assert "labkit on AWS account 123456789012" in outputs
    assert f"{SHARED_NAME} is shared with 1 other log group or entry" in outputs
    assert inventory(shared) == before  # the last cell's world.close() cleaned up
    ledgers = list((tmp_path / "ledger").glob("*"))
    assert ledgers


def test_phase_two_and_three_under_the_current_behaviour(tmp_path):
    """Log-group-level policies (2026): the lesson's delete removes the lab group's own
    policy, its put-back puts it back, clean-up leaves nothing. moto ignores ``resourceArn``,
    so the real world's guarded clients are answered by an offline world in that profile."""
    from labkit import ledger as ledger_mod
    from labkit.world import real
    from labkit.world.offline import offline

    backing = offline(profile="current")
    printed: list[str] = []
    world = real.RealWorld(
        None,
        account_id=backing.account_id,
        region=backing.region,
        ledger=ledger_mod.Ledger(str(tmp_path / "ledger.jsonl")),
        dry_run=True,
        backing=backing,
        out=printed.append,
    )
    iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
    role_arn = article.create_role(iam)
    log_group_arn = article.create_log_group(logs)
    article.create_state_machine(sfn, role_arn, log_group_arn, level="ALL")
    group_arn = log_group_arn.removesuffix(":*")

    def scoped():
        found = logs.describe_resource_policies(policyScope="RESOURCE", resourceArn=group_arn)
        return [p["policyDocument"] for p in found["resourcePolicies"]]

    (original_policy,) = scoped()
    assert article.resource_policy(logs) == original_policy
    logs.delete_resource_policy(policyName="AWSLogDeliveryWrite20150319")
    assert scoped() == []
    assert any("deleted the lab's log-group-level policies instead" in line for line in printed)
    logs.put_resource_policy(
        policyName="AWSLogDeliveryWrite20150319", policyDocument=original_policy
    )
    assert scoped() == [original_policy]
    assert world.cleanup() == []
    admin = backing.client("logs")
    assert admin.describe_resource_policies()["resourcePolicies"] == []
    left = admin.describe_resource_policies(policyScope="RESOURCE", resourceArn=group_arn)
    assert left["resourcePolicies"] == []
    assert admin.describe_log_groups()["logGroups"] == []
    world.close()
