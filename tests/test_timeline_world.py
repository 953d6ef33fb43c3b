"""labkit.timeline on boto3 data from the offline world agrees with world.deliveries()."""

from __future__ import annotations

import labkit
from labkit import article
from labkit.timeline import timeline


def _run(world):
    sfn, logs = world.client("stepfunctions"), world.client("logs")
    execution = article.start_execution(sfn, MACHINE[world])
    world.settle()
    history = article.history(sfn, execution)
    events = logs.filter_log_events(logGroupName=article.LOG_GROUP_NAME)["events"]
    return execution, history, events


MACHINE: dict = {}


def _world():
    world = labkit.offline()
    role = article.create_role(world.client("iam"))
    group = article.create_log_group(world.client("logs"))
    MACHINE[world] = article.create_state_machine(world.client("stepfunctions"), role, group)
    return world


def test_world_run_matches_deliveries_table():
    with _world() as world:
        first, _, _ = _run(world)
        execution, history, events = _run(world)  # a second run shares the stream
        tl = timeline(history, events, execution_arn=execution)
        truth = world.deliveries()
        truth = truth[truth.execution_arn == execution].sort_values("event_id")
        assert tl.table["event_id"].tolist() == truth["event_id"].tolist()
        assert tl.table["status"].tolist() == truth["status"].tolist()
        assert tl.summary["delivered"] == tl.summary["logged"] == len(history) == 20
        assert (tl.table["latency_ms"] >= 0).all()
        # without an ARN, the matching execution is found among both runs' messages
        assert timeline(history, events).summary["delivered"] == 20
        assert first != execution


def test_world_run_without_resource_policy_drops_everything():
    with _world() as world:
        article.delete_resource_policy(world.client("logs"))
        execution, history, events = _run(world)
        tl = timeline(history, events, execution_arn=execution)
        assert tl.summary["dropped"] == 20 and tl.summary["delivered"] == 0
        truth = world.deliveries()
        assert set(truth[truth.execution_arn == execution]["status"]) == {"dropped"}
