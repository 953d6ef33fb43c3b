"""Execution history next to delivered log events: what happened, what was logged, what arrived.

AWS facts modelled:

* Step Functions logs an execution's history events to CloudWatch Logs, filtered by the
  state machine's log level (``ALL``, ``ERROR``, ``FATAL``, ``OFF``); each log message is
  one JSON object whose top-level scalars are strings (``"id": "3"``) and which keeps the
  history event's ``id`` and ``execution_arn``. Executions share streams, so one run is
  found by its ``execution_arn``. [DOC]
  https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html,
  https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html; message shape
  [AWS-REC] (LocalStack ``tests/aws/services/stepfunctions/v2/logs/test_logs.py``).
* Delivery is "on a best-effort basis. The completeness and timeliness of log entries are
  not guaranteed." [DOC] (cw-logs.html). A history event logged at the level but missing
  from the log group is therefore *dropped*; one below the level is *not logged*.

The function takes plain boto3 data from any world (offline or a real account):
``get_execution_history()["events"]`` and ``filter_log_events()["events"]``. It returns
the picture and the table behind it. Drawing is hand-written on matplotlib (the stock
"timing diagram" and "timeline" gallery idioms); no charting library adds swimlanes
with latency links, and one module keeps the nbval-relevant repr under our control.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from labkit.world.delivery import ERROR_EVENTS, FATAL_EVENTS, LEVELS

__all__ = ["Timeline", "timeline", "timeline_table", "summarize", "verdict", "logged_types"]

#: Figure size in inches: readable at a notebook's width (~1000 px at 100 dpi).
FIGSIZE = (10.0, 3.6)
COLUMNS = ["event_id", "type", "t_event_s", "status", "t_delivered_s", "latency_ms"]

_MARGINS = {"left": 0.14, "right": 0.80, "top": 0.83, "bottom": 0.15}
# lane y positions (top to bottom)
_Y_STATES, _Y_HISTORY, _Y_LOGS = 2.0, 1.0, 0.0
_COLOURS = {
    "delivered": "tab:blue",
    "not logged": "0.75",
    "dropped": "tab:red",
    "link": "0.55",
    "state": "tab:green",
}


@dataclass(frozen=True)
class Timeline:
    """The picture (``figure``), the table behind it (``table``) and the numbers (``summary``).

    ``str(tl)`` is the one-line verdict; the repr is stable (no addresses, no times), so a
    notebook cell ending in ``tl`` is checkable by nbval, and ``_repr_png_`` shows the figure.
    """

    figure: Any = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    summary: dict = field(repr=False)
    verdict: str = ""

    def __str__(self) -> str:
        return self.verdict

    def __repr__(self) -> str:
        return f"<Timeline: {self.verdict}>"

    def png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes."""
        buf = io.BytesIO()
        # light compression: encoding is a large share of a Run's time at level 6 (PIL default)
        self.figure.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
        return buf.getvalue()

    def _repr_png_(self) -> bytes:
        return self.png()


# --------------------------------------------------------------------------- levels


class _All(frozenset):
    """Every event type (ALL logs everything)."""

    def __contains__(self, item: object) -> bool:
        return True


def logged_types(level: str):
    """The event types Step Functions logs at ``level`` (a container supporting ``in``).

    The sets are :mod:`labkit.world.delivery`'s (one copy). AWS's table: FATAL logs
    ExecutionAborted/Failed/TimedOut; ERROR adds the failure events; ALL logs everything;
    OFF nothing. [DOC]
    https://docs.aws.amazon.com/step-functions/latest/dg/cloudwatch-log-level.html
    (MapRunAborted/MapRunFailed at ERROR: [INFER] from LocalStack ``logging.py``).
    """
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    return {"ALL": _All(), "ERROR": ERROR_EVENTS, "FATAL": FATAL_EVENTS, "OFF": frozenset()}[level]


# --------------------------------------------------------------------------- data


def _ms(instant: datetime) -> int:
    return int(round(instant.timestamp() * 1000))


def _parse_message(event: Mapping[str, Any]) -> dict[str, Any] | None:
    """The AWS log JSON of one CloudWatch log event, or None if it is not a Step Functions message."""
    try:
        message = json.loads(event.get("message", ""))
    except (TypeError, ValueError):
        return None
    if not isinstance(message, dict) or "id" not in message or "type" not in message:
        return None
    return message


def _pick_execution(
    history: list[Mapping[str, Any]], messages: list[tuple[dict, dict]]
) -> str | None:
    """The execution ARN whose log messages match the history best (by id, type and time)."""
    keys = {(str(e["id"]), e["type"], _ms(e["timestamp"])) for e in history}
    score: dict[str, int] = {}
    for message, _event in messages:
        arn = message.get("execution_arn")
        if arn is None:
            continue
        key = (str(message["id"]), message["type"], int(message.get("event_timestamp", -1)))
        score[arn] = score.get(arn, 0) + (key in keys)
    if not score:
        return None
    return max(sorted(score), key=lambda arn: score[arn])


def timeline_table(
    history: Iterable[Mapping[str, Any]],
    log_events: Iterable[Mapping[str, Any]],
    *,
    level: str = "ALL",
    execution_arn: str | None = None,
) -> pd.DataFrame:
    """One row per history event: when it happened, whether it was delivered, and how late.

    ``status`` is ``"delivered"`` (a log message with the same execution ARN and id exists),
    ``"dropped"`` (logged at ``level`` but absent) or ``"not logged"`` (below ``level``).
    Times are seconds since ``ExecutionStarted``; the delivered time is the log event's
    ``ingestionTime`` when present (when CloudWatch Logs received it), else its ``timestamp``.
    """
    history = sorted(history, key=lambda e: int(e["id"]))
    wanted = logged_types(level)
    messages = [(m, e) for e in log_events if (m := _parse_message(e)) is not None]
    if execution_arn is None:
        execution_arn = _pick_execution(history, messages)
    by_id: dict[int, Mapping[str, Any]] = {}
    for message, event in messages:
        if execution_arn is not None and message.get("execution_arn") != execution_arn:
            continue
        by_id.setdefault(int(message["id"]), event)

    start = next(
        (e for e in history if e["type"] == "ExecutionStarted"), history[0] if history else None
    )
    start_ms = _ms(start["timestamp"]) if start is not None else 0
    rows = []
    for event in history:
        event_ms = _ms(event["timestamp"])
        delivered = by_id.get(int(event["id"]))
        if event["type"] not in wanted:
            status = "not logged"
        elif delivered is None:
            status = "dropped"
        else:
            status = "delivered"
        t_delivered = latency = None
        if status == "delivered":
            arrived_ms = int(
                delivered.get("ingestionTime") or delivered.get("timestamp") or event_ms
            )
            t_delivered = (arrived_ms - start_ms) / 1000
            latency = arrived_ms - event_ms
        rows.append(
            {
                "event_id": int(event["id"]),
                "type": event["type"],
                "t_event_s": (event_ms - start_ms) / 1000,
                "status": status,
                "t_delivered_s": t_delivered,
                "latency_ms": latency,
            }
        )
    table = pd.DataFrame(rows, columns=COLUMNS)
    table["t_delivered_s"] = table["t_delivered_s"].astype("Float64")
    table["latency_ms"] = table["latency_ms"].astype("Int64")
    return table


def summarize(table: pd.DataFrame) -> dict[str, Any]:
    """Counts behind the verdict: events, logged, delivered, dropped, not logged, max latency."""
    status = table["status"]
    latency = table["latency_ms"].dropna()
    return {
        "events": int(len(table)),
        "logged": int((status != "not logged").sum()),
        "delivered": int((status == "delivered").sum()),
        "dropped": int((status == "dropped").sum()),
        "not_logged": int((status == "not logged").sum()),
        "max_latency_ms": int(latency.max()) if len(latency) else None,
    }


def verdict(summary: Mapping[str, Any], *, level: str = "ALL", reason: str | None = None) -> str:
    """The one-line takeaway, e.g. ``"20 of 20 events delivered"``.

    ``reason`` (for example an IAM decision's one-line reason) is appended when events were
    dropped. At a level that logs none of the events the line says so.
    """
    logged, delivered = summary["logged"], summary["delivered"]
    if logged == 0:
        return f"0 of {summary['events']} events logged at level {level.upper()}"
    text = f"{delivered} of {logged} events delivered"
    if summary["dropped"]:
        text += f": {reason}" if reason else f" ({summary['dropped']} dropped)"
    return text


# --------------------------------------------------------------------------- drawing


def _headline(text: str, width: int = 120) -> str:
    """One title line: the verdict up to the resource ARN, which the verdict itself spells out.

    Glyphs are most of a figure's rendering time, and a two-line title with an ARN was two
    thirds of them; the full verdict stays in ``str(timeline)`` and the lab's verdict line.
    """
    return textwrap.shorten(text.split(" on arn:", 1)[0], width=width, placeholder=" …")


def _state_spans(history: list[Mapping[str, Any]], start_ms: int) -> list[tuple[str, float, float]]:
    """(name, start s, duration s) for each state, pairing *StateEntered with *StateExited by name."""
    open_: dict[str, list[float]] = {}
    spans = []
    for event in history:
        t = (_ms(event["timestamp"]) - start_ms) / 1000
        entered = event.get("stateEnteredEventDetails")
        exited = event.get("stateExitedEventDetails")
        if entered:
            open_.setdefault(entered.get("name", "?"), []).append(t)
        elif exited and open_.get(exited.get("name", "?")):
            begun = open_[exited["name"]].pop()
            spans.append((exited["name"], begun, t - begun))
    return spans


def _draw(table: pd.DataFrame, spans, title: str, ax=None):
    """Three lanes drawn with a handful of collections (fast to render, fixed margins)."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.lines import Line2D

    if ax is None:
        fig, ax = plt.subplots(figsize=FIGSIZE)
        # fixed margins instead of constrained layout: the layout never changes (three lanes,
        # legend on the right, one title line) and rendering is several times faster
        fig.subplots_adjust(**_MARGINS)
        plt.close(fig)  # shown explicitly (display(tl) / Output.append_display_data(tl))
    else:
        fig = ax.figure

    ends = [0.0, *table["t_event_s"].tolist(), *table["t_delivered_s"].dropna().tolist()]
    width = max(ends) or 1.0
    bar_h = 0.5
    if spans:
        ax.broken_barh(
            [(s, max(d, width * 0.004)) for _, s, d in spans],
            (_Y_STATES - bar_h / 2, bar_h),
            facecolors=_COLOURS["state"],
            alpha=0.55,
            edgecolor="white",
        )
        for name, s, d in spans:
            if d >= width * 0.12:  # label only bars wide enough to hold a name
                ax.text(s + d / 2, _Y_STATES, name, ha="center", va="center", fontsize=8)

    t_event = table["t_event_s"].to_numpy(dtype=float)
    logged = (table["status"] != "not logged").to_numpy()
    delivered = (table["status"] == "delivered").to_numpy()
    t_arrived = table["t_delivered_s"].to_numpy(dtype=float, na_value=float("nan"))[delivered]
    h = 0.2
    ax.vlines(t_event[logged], _Y_HISTORY - h, _Y_HISTORY + h, color="black", lw=1.2)
    ax.vlines(
        t_event[~logged], _Y_HISTORY - h, _Y_HISTORY + h, color=_COLOURS["not logged"], lw=1.2
    )
    ax.vlines(t_arrived, _Y_LOGS - h, _Y_LOGS + h, color=_COLOURS["delivered"], lw=1.6)
    links = [
        ((x0, _Y_HISTORY - h), (x1, _Y_LOGS + h))
        for x0, x1 in zip(t_event[delivered], t_arrived, strict=True)
    ]
    ax.add_collection(LineCollection(links, colors=_COLOURS["link"], linewidths=0.7))
    dropped = table.loc[table["status"] == "dropped", "t_event_s"].value_counts()
    if len(dropped):
        ax.plot(
            dropped.index,
            [_Y_LOGS] * len(dropped),
            ls="",
            marker="x",
            ms=8,
            mew=2,
            color=_COLOURS["dropped"],
        )
    for x, count in dropped.items():
        if count > 1:  # several events at one instant share a cross
            ax.text(
                x,
                _Y_LOGS - 0.3,
                f"×{count}",
                ha="center",
                va="top",
                fontsize=8,
                color=_COLOURS["dropped"],
            )

    ax.set_yticks(
        [_Y_STATES, _Y_HISTORY, _Y_LOGS], ["States", "Execution history", "CloudWatch Logs"]
    )
    ax.set_ylim(-0.6, 2.6)
    ax.set_xlim(-0.03 * width, width * 1.03)
    ax.set_xlabel("seconds since ExecutionStarted")
    ax.grid(axis="x", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    handles = [
        Line2D([], [], color="black", marker="|", ls="", ms=10, label="history event"),
        Line2D(
            [],
            [],
            color=_COLOURS["not logged"],
            marker="|",
            ls="",
            ms=10,
            label="not logged at level",
        ),
        Line2D(
            [],
            [],
            color=_COLOURS["delivered"],
            marker="|",
            ls="",
            ms=10,
            label="delivered log event",
        ),
        Line2D([], [], color=_COLOURS["link"], lw=1, label="delivery latency"),
        Line2D([], [], color=_COLOURS["dropped"], marker="x", ls="", ms=7, mew=2, label="dropped"),
    ]
    ax.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False
    )
    ax.set_title(title, loc="left", fontsize=11)
    return fig


def timeline(
    history: Iterable[Mapping[str, Any]],
    log_events: Iterable[Mapping[str, Any]],
    *,
    level: str = "ALL",
    execution_arn: str | None = None,
    include_execution_data: bool = True,
    title: str | None = None,
    reason: str | None = None,
    ax=None,
) -> Timeline:
    """Draw one execution's history against its delivered log events.

    Args:
        history: ``stepfunctions.get_execution_history(executionArn=...)["events"]``.
        log_events: ``logs.filter_log_events(logGroupName=...)["events"]`` (any streams;
            messages of other executions are ignored).
        level: the state machine's ``loggingConfiguration.level``, deciding which event
            types count as logged (AWS's level table).
        execution_arn: the execution to match; if None, the ARN whose messages match the
            history's ids and times best.
        include_execution_data: the ``includeExecutionData`` flag, noted in the summary.
        title: the figure title; default the verdict.
        reason: appended to the verdict when events were dropped (e.g. an IAM decision reason).
        ax: draw into this Axes instead of a new figure.

    Returns:
        A :class:`Timeline` with ``figure``, ``table``, ``summary`` and ``verdict``.

    >>> tl = timeline(history, log_events)          # doctest: +SKIP
    >>> print(tl)                                   # doctest: +SKIP
    20 of 20 events delivered
    """
    history = sorted(history, key=lambda e: int(e["id"]))
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    table = timeline_table(history, log_events, level=level, execution_arn=execution_arn)
    summary = summarize(table)
    summary.update(level=level, include_execution_data=bool(include_execution_data))
    line = verdict(summary, level=level, reason=reason)
    start = next(
        (e for e in history if e["type"] == "ExecutionStarted"), history[0] if history else None
    )
    spans = _state_spans(history, _ms(start["timestamp"])) if start is not None else []
    figure = _draw(table, spans, title if title is not None else _headline(line), ax=ax)
    return Timeline(figure=figure, table=table, summary=summary, verdict=line)
