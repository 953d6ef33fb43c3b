"""labkit.timeline on hand-built boto3 data (shapes from AWS's API model and recorded messages).

History items follow ``GetExecutionHistory`` (``timestamp`` datetime, ``type``, int ``id``,
``previousEventId``, ``*EventDetails``); log events follow ``FilterLogEvents``
(``timestamp``, ``ingestionTime`` in epoch ms, ``message`` = Step Functions' log JSON with
string scalars [AWS-REC] LocalStack test_logs.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from labkit.timeline import Timeline, TimelineGroup, logged_types, timeline, timeline_table

START = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)
ARN = "arn:aws:states:us-east-1:123456789012:execution:LookingIntoLogging:run-1"
OTHER = "arn:aws:states:us-east-1:123456789012:execution:LookingIntoLogging:run-2"


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def pass_history(fail: bool = False) -> list[dict]:
    """ExecutionStarted, a Pass state (1 s), a Wait (3 s), then success or a Fail state."""
    t = START
    events = [
        {
            "timestamp": t,
            "type": "ExecutionStarted",
            "id": 1,
            "previousEventId": 0,
            "executionStartedEventDetails": {
                "input": "{}",
                "roleArn": "arn:aws:iam::123456789012:role/r",
            },
        }
    ]
    steps = [
        ("PassStateEntered", "Pass", 0),
        ("PassStateExited", "Pass", 1),
        ("WaitStateEntered", "Wait", 0),
        ("WaitStateExited", "Wait", 3),
    ]
    if fail:
        steps += [("FailStateEntered", "Boom", 0)]
    for i, (typ, name, dt) in enumerate(steps, start=2):
        t = t + timedelta(seconds=dt)
        key = "stateEnteredEventDetails" if typ.endswith("Entered") else "stateExitedEventDetails"
        events.append(
            {"timestamp": t, "type": typ, "id": i, "previousEventId": i - 1, key: {"name": name}}
        )
    last = "ExecutionFailed" if fail else "ExecutionSucceeded"
    events.append(
        {"timestamp": t, "type": last, "id": len(events) + 1, "previousEventId": len(events)}
    )
    return events  # fmt: skip


def log_event(event: dict, *, arn: str = ARN, delay_ms: int = 250) -> dict:
    message = {
        "id": str(event["id"]),
        "type": event["type"],
        "details": {},
        "previous_event_id": str(event["previousEventId"]),
        "event_timestamp": str(_ms(event["timestamp"])),
        "execution_arn": arn,
        "redrive_count": "0",
    }
    return {
        "logStreamName": "states/LookingIntoLogging/2026-11-02-09-00/0a1b2c3d",
        "timestamp": _ms(event["timestamp"]),
        "message": json.dumps(message, separators=(",", ":")),
        "ingestionTime": _ms(event["timestamp"]) + delay_ms,
        "eventId": f"e{event['id']}",
    }


def test_all_delivered_table_and_summary():
    history = pass_history()
    tl = timeline(history, [log_event(e, delay_ms=100 * e["id"]) for e in history])
    assert isinstance(tl, Timeline)
    assert list(tl.table.columns) == [
        "event_id",
        "type",
        "t_event_s",
        "status",
        "t_delivered_s",
        "latency_ms",
    ]
    assert tl.summary["logged"] == 6 and tl.summary["delivered"] == 6 and tl.summary["dropped"] == 0
    assert tl.summary["max_latency_ms"] == 600
    assert str(tl) == "6 of 6 events delivered"
    row = tl.table.set_index("event_id").loc[5]  # WaitStateExited at 4 s, ingested 500 ms later
    assert row["t_event_s"] == 4.0 and row["t_delivered_s"] == 4.5 and row["latency_ms"] == 500


def test_dropped_events_are_marked_and_reason_in_verdict():
    history = pass_history()
    delivered = [log_event(e) for e in history if e["id"] in (1, 2)]
    tl = timeline(history, delivered, reason="no resource policy statement allows it")
    assert tl.summary["delivered"] == 2 and tl.summary["dropped"] == 4
    assert str(tl) == "2 of 6 events delivered: no resource policy statement allows it"
    dropped = tl.table[tl.table.status == "dropped"]
    assert dropped["t_delivered_s"].isna().all() and dropped["latency_ms"].isna().all()
    # a cross for every dropped event on the CloudWatch Logs lane, and each clump counted in words
    ax = tl.figure.axes[0]
    (crosses,) = [ln for ln in ax.lines if ln.get_marker() == "x"]
    assert sorted(crosses.get_xdata()) == [1.0, 1.0, 4.0, 4.0] and set(crosses.get_ydata()) == {0.0}
    texts = [t.get_text() for t in ax.texts]
    assert sorted(t for t in texts if t.endswith("dropped")) == ["2 dropped", "2 dropped"]
    assert not any(t.startswith("×") for t in texts)
    assert tl.title == "2/6 delivered, 4 dropped" and ax.get_title(loc="left") == tl.title


def test_none_delivered_verdict():
    tl = timeline(pass_history(), [])
    assert str(tl).startswith("0 of 6 events delivered")


def test_levels_decide_not_logged_vs_dropped():
    history = pass_history(fail=True)
    # at ERROR: FailStateEntered and ExecutionFailed are logged; the rest are not [DOC]
    only_failed = [log_event(e) for e in history if e["type"] == "ExecutionFailed"]
    tl = timeline(history, only_failed, level="ERROR")
    status = dict(zip(tl.table["type"], tl.table["status"], strict=True))
    assert status["ExecutionFailed"] == "delivered"
    assert status["FailStateEntered"] == "dropped"
    assert status["PassStateEntered"] == "not logged"
    assert tl.summary["logged"] == 2 and tl.summary["not_logged"] == 5
    fatal = timeline(history, only_failed, level="FATAL")
    assert fatal.summary == {**fatal.summary, "logged": 1, "delivered": 1, "dropped": 0}


def test_successful_run_logs_nothing_at_error():
    tl = timeline(pass_history(), [], level="error")
    assert tl.summary["logged"] == 0 and tl.summary["dropped"] == 0
    assert str(tl) == "0 of 6 events logged at level ERROR"


def test_matches_by_execution_arn_not_just_id():
    history = pass_history()
    other_run = [log_event(e, arn=OTHER) for e in history]
    tl = timeline(history, other_run, execution_arn=ARN)
    assert tl.summary["delivered"] == 0 and tl.summary["dropped"] == 6
    # without an ARN, the run whose ids and times match is picked; foreign messages are ignored
    shifted = [{**e, "timestamp": e["timestamp"] + timedelta(minutes=5)} for e in history]
    mixed = [log_event(e) for e in history] + [log_event(e, arn=OTHER) for e in shifted]
    assert timeline(history, mixed).summary["delivered"] == 6
    assert timeline(shifted, mixed).table["latency_ms"].max() == 250


def test_non_step_functions_messages_ignored():
    history = pass_history()
    noise = {"timestamp": 0, "ingestionTime": 0, "message": "Permissions are set correctly"}
    tl = timeline(history, [noise, *(log_event(e) for e in history)])
    assert tl.summary["delivered"] == 6


def test_timestamp_used_when_no_ingestion_time():
    history = pass_history()
    events = [{k: v for k, v in log_event(e).items() if k != "ingestionTime"} for e in history]
    tl = timeline(history, events)
    assert tl.table["latency_ms"].tolist() == [0] * 6


def test_figure_is_outside_pyplot_sized_and_repr_stable():
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    before = plt.get_fignums()
    tl = timeline(pass_history(), [])
    assert tuple(tl.figure.get_size_inches()) == (10.0, 3.8)
    assert plt.get_fignums() == before  # never shown twice by pyplot's inline display
    # its own canvas: label measurements reuse one renderer instead of drawing the figure
    assert type(tl.figure.canvas) is FigureCanvasAgg
    assert tl.figure.canvas.get_renderer() is tl.figure.canvas.get_renderer()
    assert repr(tl) == "<Timeline: 0 of 6 events delivered (6 dropped)>"
    assert tl._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    labels = [t.get_text() for t in tl.figure.axes[0].get_yticklabels()]
    assert labels == ["States", "Execution history", "CloudWatch Logs"]
    assert len(tl.figure.legends) == 1  # under the axes, never over the title


def test_states_drawn_as_durations():
    tl = timeline(pass_history(), [])
    bars = tl.figure.axes[0].collections[0]
    widths = sorted(round(p.get_extents().width) for p in bars.get_paths())
    assert len(widths) == 2  # Pass and Wait


def test_bad_level_rejected():
    with pytest.raises(ValueError, match="level must be one of"):
        timeline(pass_history(), [], level="DEBUG")
    assert "TaskStateEntered" in logged_types("ALL")
    assert "TaskFailed" in logged_types("ERROR") and "TaskFailed" not in logged_types("FATAL")


def test_table_alone_needs_no_figure():
    table = timeline_table(pass_history(), [])
    assert table["status"].eq("dropped").all()


def test_short_title_with_phase_and_status_marker():
    history = pass_history()
    tl = timeline(history, [log_event(e) for e in history], phase="Phase 1")
    ax = tl.figure.axes[0]
    assert tl.title == "Phase 1 — 6/6 delivered" == ax.get_title(loc="left")
    assert tl.status == "SUCCEEDED" and "execution SUCCEEDED" in [t.get_text() for t in ax.texts]
    assert str(tl) == "6 of 6 events delivered"  # the verdict line is unchanged
    failed = timeline(pass_history(fail=True), [], level="ERROR", status="FAILED")
    assert "execution FAILED" in [t.get_text() for t in failed.figure.axes[0].texts]
    nothing = timeline(history, [], level="ERROR")
    assert nothing.title == "nothing logged at level ERROR (0/6)"


def test_every_event_is_counted_in_words():
    history = pass_history()
    tl = timeline(history, [log_event(e) for e in history])
    texts = [t.get_text() for t in tl.figure.axes[0].texts]
    # clumps: ids 1-2 at 0 s, 3-4 at 1 s, 5-6 at 4 s: counted above history, under the logs
    assert sorted(t for t in texts if t.endswith(" events")) == ["2 events"] * 3
    assert sorted(t for t in texts if t.endswith(" delivered")) == ["2 delivered"] * 3


def test_arrows_have_heads_and_palette_is_colour_blind_safe():
    from matplotlib.colors import to_hex
    from matplotlib.quiver import Quiver

    history = pass_history()
    tl = timeline(history, [log_event(e) for e in history[:4]])
    ax = tl.figure.axes[0]
    (arrows,) = [c for c in ax.collections if isinstance(c, Quiver)]
    assert arrows.N == 4  # one arrow, with a head, per delivered event
    (crosses,) = [ln for ln in ax.lines if ln.get_marker() == "x"]
    okabe_ito = {"#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7"}
    assert to_hex(crosses.get_color()) in okabe_ito
    legend = tl.figure.legends[0]
    assert min(t.get_fontsize() for t in legend.get_texts()) >= 9
    assert "delivery (arrow: event → log)" in [t.get_text() for t in legend.get_texts()]


def test_several_runs_share_one_x_axis():
    history = pass_history()
    ok = timeline(history, [log_event(e, delay_ms=9000) for e in history], phase="Phase 1")
    group = timeline(
        [ok, {"history": history, "log_events": [], "phase": "Phase 2"}, (history, [])]
    )
    assert isinstance(group, TimelineGroup) and len(group.figure.axes) == 3
    limits = {ax.get_xlim() for ax in group.figure.axes}
    assert len(limits) == 1 and limits.pop()[1] > 13  # the 9 s latency of run 1 sets the scale
    assert [tl.title for tl in group.timelines] == [
        "Phase 1 — 6/6 delivered",
        "Phase 2 — 0/6 delivered, 6 dropped",
        "0/6 delivered, 6 dropped",
    ]
    assert group.table["run"].tolist() == [1] * 6 + [2] * 6 + [3] * 6
    assert len(group.figure.legends) == 1 and group.png()[:4] == b"\x89PNG"
    assert repr(group).startswith("<TimelineGroup: Phase 1 — 6/6 delivered | ")


def test_canvas_reuses_one_figure_without_leftovers_and_legend_is_html():
    from labkit.timeline import Canvas, legend_html

    history = pass_history()
    ok = timeline(history, [log_event(e) for e in history])
    dropped = timeline(history, [])
    canvas = Canvas()
    first = canvas.png(dropped)
    children = len(canvas.ax.get_children())
    canvas.png(ok)
    again = canvas.png(dropped)
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and again == first  # same picture, same bytes
    assert len(canvas.ax.get_children()) == children  # the previous run's artists are gone
    assert ok.drawn is None  # the Timeline's own figure is drawn only when asked for
    page = legend_html()
    assert "dropped (never arrives)" in page and "#D55E00" in page and "background:#ffffff" in page


def test_clump_labels_of_different_kinds_never_overlap():
    """Dropped events and delivered ones whose labels share the row under the logs lane, and
    neighbouring clumps of one kind: no two drawn labels overlap, and every event is counted."""
    import re

    history = pass_history()  # events at 0, 0, 1, 1, 4, 4 s
    # the first four delivered 3 s late (at 3 s and 4 s), the last two dropped (at 4 s)
    tl = timeline(history, [log_event(e, delay_ms=3000) for e in history[:4]])
    ax = tl.figure.axes[0]
    tl.figure.canvas.draw()
    labels = [t for t in ax.texts if t.get_text().endswith((" delivered", " dropped"))]
    boxes = [t.get_window_extent() for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), [t.get_text() for t in labels]
    inside = ax.get_window_extent()  # a label moved a line down still sits inside the axes
    assert all(inside.y0 <= box.y0 and box.y1 <= inside.y1 for box in boxes)
    counted = {"delivered": 0, "dropped": 0}
    for t in labels:
        numbers, kind = t.get_text().rsplit(" ", 1)
        counted[kind] += sum(int(n) for n in re.findall(r"\d+", numbers))
    assert counted == {"delivered": 4, "dropped": 2}
