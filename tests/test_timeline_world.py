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


def _clump_labels(ax, words: tuple[str, ...]):
    return [t for t in ax.texts if t.get_text().endswith(words)]


def _assert_apart(labels) -> None:
    boxes = [t.get_window_extent() for t in labels]
    for i, a in enumerate(boxes):
        for j, b in enumerate(boxes[i + 1 :], start=i + 1):
            assert not a.overlaps(b), (labels[i].get_text(), labels[j].get_text(), a, b)


def test_lesson_01_phase_1_clump_labels_do_not_overlap():
    """Lesson 01's phase 1: 8 events delivered at 4.8 s and 12 at 5.0 s, right at the axis'
    end; their labels were drawn one over the other ("8 de12 delivered")."""
    from labkit.timeline_figure import Canvas

    with labkit.offline(profile="article-2020") as world:
        iam, logs, sfn = (world.client(n) for n in ("iam", "logs", "stepfunctions"))
        role = article.create_role(iam, article.role_name(world))
        machine = article.create_state_machine(sfn, role, article.create_log_group(logs))
        run = article.start_execution(sfn, machine, name="phase-1")
        world.settle()
        tl = timeline(article.history(sfn, run), article.log_events(logs, run), phase="Phase 1")
    arrived = tl.table.groupby("t_delivered_s").size().to_dict()
    assert sorted(arrived.values()) == [8, 12], arrived  # the case: two close clumps
    canvas = Canvas()
    canvas.png(tl)
    for ax in (tl.figure.axes[0], canvas.ax):  # the lesson's figure and the lab's canvas
        ax.figure.canvas.draw()
        labels = _clump_labels(ax, (" events", " delivered"))
        _assert_apart(labels)
        delivered = [t.get_text() for t in labels if t.get_text().endswith(" delivered")]
        assert delivered == ["8 + 12 delivered"]  # every event still counted, in time order
