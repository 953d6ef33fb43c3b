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
the table behind the picture and the numbers; the picture itself is drawn, when first
asked for, by :mod:`labkit.timeline_figure`. ``timeline([...])`` draws several runs on one
shared x-axis. The verdict and title words are in :data:`WORDS` (one place to translate).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from labkit import timeline_figure as fig_
from labkit.fonts import figure_language
from labkit.i18n import N_, Messages, using_language
from labkit.timeline_figure import Canvas, legend_html  # noqa: F401 - re-exported
from labkit.world.delivery import ERROR_EVENTS, FATAL_EVENTS, LEVELS

__all__ = [
    "Timeline",
    "TimelineGroup",
    "timeline",
    "timeline_table",
    "summarize",
    "verdict",
    "short_title",
    "logged_types",
    "WORDS",
]

COLUMNS = ["event_id", "type", "t_event_s", "status", "t_delivered_s", "latency_ms"]
#: The verdict and title words (English, read in the current language; titles in the figure's);
#: the figure's words are in labkit.timeline_figure.
WORDS = Messages(
    {
        "delivered": N_("{delivered} of {logged} events delivered"),
        "dropped-paren": N_(" ({dropped} dropped)"),
        "reason": N_(": {reason}"),
        "not-logged": N_("0 of {events} events logged at level {level}"),
        "title": N_("{delivered}/{logged} delivered"),
        "title-dropped": N_("{delivered}/{logged} delivered, {dropped} dropped"),
        "title-not-logged": N_("nothing logged at level {level} (0/{events})"),
        "title-phase": N_("{phase} — {title}"),
        "phase": N_("Phase {phase}"),
    }
)


@dataclass(frozen=True)
class Timeline:
    """The picture (``figure``), the table behind it (``table``) and the numbers (``summary``).

    ``str(tl)`` is the one-line verdict; the repr is stable (no addresses, no times), so a
    notebook cell ending in ``tl`` is checkable by nbval, and ``_repr_png_`` shows the figure.
    The figure is drawn when first asked for (``tl.figure``, ``tl.png()``), so code that
    needs only the table pays nothing for it.
    """

    drawn: Any = field(repr=False, compare=False)  # the figure, once drawn (None before)
    table: pd.DataFrame = field(repr=False)
    summary: dict = field(repr=False)
    verdict: str = ""
    title: str = ""  # the short figure title ("Phase 2 — 0/20 delivered, 20 dropped")
    spans: tuple = field(default=(), repr=False)  # (state name, start s, duration s)
    status: str | None = None  # the execution's status, if it ended

    @property
    def figure(self) -> Any:
        """The matplotlib figure: three lanes, a short title and a legend under the axes."""
        if self.drawn is None:
            figure, (axis,) = fig_.new_figure()
            fig_.add_legend(figure)
            fig_.render(self, axis)
            object.__setattr__(self, "drawn", figure)
        return self.drawn

    def __str__(self) -> str:
        return self.verdict

    def __repr__(self) -> str:
        return f"<Timeline: {self.verdict}>"

    def png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes."""
        return fig_.png(self.figure, dpi)

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
        return WORDS["not-logged"].format(events=summary["events"], level=level.upper())
    text = WORDS["delivered"].format(delivered=delivered, logged=logged)
    if summary["dropped"]:
        text += (
            WORDS["reason"].format(reason=reason)
            if reason
            else WORDS["dropped-paren"].format(dropped=summary["dropped"])
        )
    return text


def short_title(
    summary: Mapping[str, Any], *, level: str = "ALL", phase: str | int | None = None
) -> str:
    """The figure's title: the phase, then the count, e.g. ``"Phase 2 — 0/20 delivered, 20 dropped"``.

    A ``phase`` number is written as labkit's own "Phase N" (translated, so a Korean figure
    reads "단계 2"); a string is used as given.

    In the figure's language (:func:`labkit.fonts.figure_language`): English when no installed
    font can draw the current language's script.
    """
    with using_language(figure_language()):
        return _short_title(summary, level=level, phase=phase)


def _short_title(summary: Mapping[str, Any], *, level: str, phase: str | int | None) -> str:
    if summary["logged"] == 0:
        title = WORDS["title-not-logged"].format(level=level.upper(), events=summary["events"])
    elif summary["dropped"]:
        title = WORDS["title-dropped"].format(**summary)
    else:
        title = WORDS["title"].format(**summary)
    if isinstance(phase, int) and not isinstance(phase, bool):
        phase = WORDS["phase"].format(phase=phase)
    return WORDS["title-phase"].format(phase=phase, title=title) if phase else title


# --------------------------------------------------------------------------- drawing


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


@dataclass(frozen=True)
class _Prepared:
    table: pd.DataFrame
    summary: dict
    spans: list
    status: str | None
    verdict: str
    title: str


def _prepare(
    history: Iterable[Mapping[str, Any]],
    log_events: Iterable[Mapping[str, Any]],
    *,
    level: str = "ALL",
    execution_arn: str | None = None,
    include_execution_data: bool = True,
    title: str | None = None,
    phase: str | int | None = None,
    reason: str | None = None,
    status: str | None = None,
) -> _Prepared:
    history = sorted(history, key=lambda e: int(e["id"]))
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    table = timeline_table(history, log_events, level=level, execution_arn=execution_arn)
    summary = summarize(table)
    summary.update(level=level, include_execution_data=bool(include_execution_data))
    start = next(
        (e for e in history if e["type"] == "ExecutionStarted"), history[0] if history else None
    )
    spans = _state_spans(history, _ms(start["timestamp"])) if start is not None else []
    if status is None and history:
        status = fig_.END_STATUS.get(history[-1]["type"])
    summary["status"] = status
    line = verdict(summary, level=level, reason=reason)
    head = title if title is not None else short_title(summary, level=level, phase=phase)
    return _Prepared(table, summary, spans, status, line, head)


def _width(prepared: _Prepared) -> float:
    t = prepared.table
    return float(max([0.0, *t["t_event_s"].tolist(), *t["t_delivered_s"].dropna().tolist()]))


def timeline(
    history: Iterable[Mapping[str, Any]] | Iterable[Any],
    log_events: Iterable[Mapping[str, Any]] | None = None,
    *,
    level: str = "ALL",
    execution_arn: str | None = None,
    include_execution_data: bool = True,
    title: str | None = None,
    phase: str | int | None = None,
    reason: str | None = None,
    status: str | None = None,
    ax=None,
) -> Timeline | TimelineGroup:
    """Draw one execution's history against its delivered log events (or several runs).

    Args:
        history: ``stepfunctions.get_execution_history(executionArn=...)["events"]``; or,
            with no ``log_events``, a list of runs to draw on one shared x-axis: each a
            :class:`Timeline`, a ``(history, log_events)`` pair, or a mapping of this
            function's keyword arguments (``history``, ``log_events``, ``phase``, ...).
        log_events: ``logs.filter_log_events(logGroupName=...)["events"]`` (any streams;
            messages of other executions are ignored).
        level: the state machine's ``loggingConfiguration.level``, deciding which event
            types count as logged (AWS's level table).
        execution_arn: the execution to match; if None, the ARN whose messages match the
            history's ids and times best.
        include_execution_data: the ``includeExecutionData`` flag, noted in the summary.
        title: the figure title; default :func:`short_title` (``phase``, then the count).
        phase: a short name put before the count in the title ("Phase 2"); a number
            ``2`` is written as labkit's own "Phase 2", in the figure's language.
        reason: appended to the verdict (``str(tl)``) when events were dropped.
        status: the execution's status (DescribeExecution); default from the last event.
        ax: draw into this Axes instead of a new figure (no legend is added).

    Returns:
        A :class:`Timeline` with ``figure``, ``table``, ``summary`` and ``verdict``; for a
        list of runs a :class:`TimelineGroup`.

    >>> tl = timeline(history, log_events, phase="Phase 1")     # doctest: +SKIP
    >>> tl.title                                                # doctest: +SKIP
    'Phase 1 — 20/20 delivered'
    """
    if log_events is None:
        return _timeline_group(list(history))
    p = _prepare(
        history, log_events, level=level, execution_arn=execution_arn,
        include_execution_data=include_execution_data, title=title, phase=phase,
        reason=reason, status=status,
    )  # fmt: skip
    tl = Timeline(
        drawn=None, table=p.table, summary=p.summary, verdict=p.verdict, title=p.title,
        spans=tuple(p.spans), status=p.status,
    )  # fmt: skip
    if ax is not None:  # draw now, into the caller's axes
        fig_.render(tl, ax)
        object.__setattr__(tl, "drawn", ax.figure)
    return tl


@dataclass(frozen=True)
class TimelineGroup:
    """Several runs drawn one above the other on one shared x-axis (``timeline([...])``).

    ``table`` stacks the runs' tables with a ``run`` column (1-based); ``timelines`` holds
    each run's :class:`Timeline` (their ``figure`` is this group's figure).
    """

    figure: Any = field(repr=False)
    timelines: tuple[Timeline, ...] = field(repr=False)

    @property
    def table(self) -> pd.DataFrame:
        frames = [tl.table.assign(run=i) for i, tl in enumerate(self.timelines, start=1)]
        return pd.concat(frames, ignore_index=True)

    def __repr__(self) -> str:
        return f"<TimelineGroup: {' | '.join(tl.title for tl in self.timelines)}>"

    def __str__(self) -> str:
        return "\n".join(tl.title for tl in self.timelines)

    def png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes."""
        return fig_.png(self.figure, dpi)

    def _repr_png_(self) -> bytes:
        return self.png()


def _timeline_group(runs: list[Any]) -> TimelineGroup:
    if not runs:
        raise ValueError("timeline([...]) needs at least one run")
    prepared = []
    for run in runs:
        if isinstance(run, Timeline):
            prepared.append(
                _Prepared(run.table, run.summary, list(run.spans), run.status, run.verdict,
                          run.title)
            )  # fmt: skip
        elif isinstance(run, Mapping):
            kwargs = dict(run)
            prepared.append(_prepare(kwargs.pop("history"), kwargs.pop("log_events"), **kwargs))
        else:
            history, log_events = run
            prepared.append(_prepare(history, log_events))
    figure, axes = fig_.new_figure(len(prepared))
    width = max(_width(p) for p in prepared)
    right = max(
        fig_.draw(p.table, p.spans, p.title, ax, status=p.status, width=width)
        for p, ax in zip(prepared, axes, strict=True)
    )
    fig_.set_xlim(axes, right)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    fig_.add_legend(figure)
    timelines = tuple(
        Timeline(
            drawn=figure,
            table=p.table,
            summary=p.summary,
            verdict=p.verdict,
            title=p.title,
            spans=tuple(p.spans),
            status=p.status,
        )  # fmt: skip
        for p in prepared
    )
    return TimelineGroup(figure=figure, timelines=timelines)
