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

How the picture reads: every history event is a tick at its true time. Events that happen
within milliseconds of each other draw as one clump, so every clump carries its count in
words ("12 events" above the history lane, "12 delivered" or "12 dropped" under the logs
lane): each of the 20 events is counted, and the table keeps the exact times. Colours are the Okabe–Ito palette
(colour-blind safe) on a white figure, so the PNG reads the same on JupyterLab's light and
dark themes. ``timeline([...])`` draws several runs on one shared x-axis. Titles and
legend words are in :data:`WORDS` (one place to translate).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

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

#: Figure size in inches: readable at a notebook's width (~1000 px at 100 dpi).
FIGSIZE = (10.0, 3.8)
COLUMNS = ["event_id", "type", "t_event_s", "status", "t_delivered_s", "latency_ms"]

_MARGINS = {"left": 0.15, "right": 0.98, "top": 0.88, "bottom": 0.30}
# lane y positions (top to bottom)
_Y_STATES, _Y_HISTORY, _Y_LOGS = 2.0, 1.0, 0.0
#: Okabe & Ito (2008) colour-blind-safe palette; grey for what the level does not log.
_COLOURS = {
    "history": "#000000",
    "delivered": "#0072B2",  # blue
    "not logged": "#8C8C8C",
    "dropped": "#D55E00",  # vermillion
    "link": "#666666",
    "state": "#009E73",  # bluish green
    "status": "#CC79A7",  # reddish purple
}
#: Every word the figure shows (translate here).
WORDS = {
    "delivered": "{delivered} of {logged} events delivered",
    "dropped-paren": " ({dropped} dropped)",
    "reason": ": {reason}",
    "not-logged": "0 of {events} events logged at level {level}",
    "title": "{delivered}/{logged} delivered",
    "title-dropped": "{delivered}/{logged} delivered, {dropped} dropped",
    "title-not-logged": "nothing logged at level {level} (0/{events})",
    "title-phase": "{phase} — {title}",
    "count-logged": "{count} events",
    "count-not-logged": "{count} not logged",
    "count-delivered": "{count} delivered",
    "count-dropped": "{count} dropped",
    "status": "execution {status}",
    "lane-states": "States",
    "lane-history": "Execution history",
    "lane-logs": "CloudWatch Logs",
    "x-label": "seconds since ExecutionStarted",
    "legend-history": "history event (logged)",
    "legend-not-logged": "not logged at this level",
    "legend-delivered": "log event delivered",
    "legend-link": "delivery (arrow: event → log)",
    "legend-dropped": "dropped (never arrives)",
    "legend-status": "execution ends",
}
#: Execution status from the history's last event [DOC] GetExecutionHistory event types.
_END_STATUS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionAborted": "ABORTED",
    "ExecutionTimedOut": "TIMED_OUT",
}


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
            figure, (axis,) = _new_figure()
            _add_legend(figure)
            _render(self, axis)
            object.__setattr__(self, "drawn", figure)
        return self.drawn

    def __str__(self) -> str:
        return self.verdict

    def __repr__(self) -> str:
        return f"<Timeline: {self.verdict}>"

    def png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes."""
        return _png(self.figure, dpi)

    def _repr_png_(self) -> bytes:
        return self.png()


def _png(figure: Any, dpi: int) -> bytes:
    buf = io.BytesIO()
    # light compression: encoding is a large share of a Run's time at level 6 (PIL default)
    figure.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _png_rgb(figure: Any, dpi: int) -> bytes:
    """Render on the figure's own Agg canvas and encode RGB (no alpha: a quarter less to
    compress, the figure is opaque anyway)."""
    from PIL import Image

    figure.set_dpi(dpi)
    figure.canvas.draw()
    rgba = figure.canvas.buffer_rgba()
    image = Image.frombuffer("RGBA", (rgba.shape[1], rgba.shape[0]), rgba, "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.convert("RGB").save(buf, format="png", compress_level=1)
    return buf.getvalue()


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


def short_title(summary: Mapping[str, Any], *, level: str = "ALL", phase: str | None = None) -> str:
    """The figure's title: the phase, then the count, e.g. ``"Phase 2 — 0/20 delivered, 20 dropped"``."""
    if summary["logged"] == 0:
        title = WORDS["title-not-logged"].format(level=level.upper(), events=summary["events"])
    elif summary["dropped"]:
        title = WORDS["title-dropped"].format(**summary)
    else:
        title = WORDS["title"].format(**summary)
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


def _clusters(times: list[float], window: float) -> list[list[float]]:
    """Runs of sorted times no more than ``window`` apart (drawn as one clump of ticks)."""
    groups: list[list[float]] = []
    for t in sorted(times):
        if groups and t - groups[-1][-1] <= window:
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def _count_labels(ax, times, y: float, text: str, colour: str, window: float, **kw) -> None:
    """One label per clump of ticks, in words ("12 dropped"), so every event is counted."""
    width = window / 0.02
    for cluster in _clusters(list(times), window):
        x, ha = (cluster[0] + cluster[-1]) / 2, "center"
        if x > 0.9 * width:  # keep labels at the edges inside the axes
            x, ha = cluster[-1], "right"
        elif x < 0.05 * width:
            x, ha = cluster[0], "left"
        ax.text(x, y, text.format(count=len(cluster)), ha=ha, fontsize=9, color=colour,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6}, **kw)  # fmt: skip


def _legend_handles():
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrow

    c = _COLOURS
    tick = {"marker": "|", "ls": "", "ms": 12, "mew": 2}
    return [
        Line2D([], [], color=c["history"], label=WORDS["legend-history"], **tick),
        Line2D([], [], color=c["not logged"], label=WORDS["legend-not-logged"], **tick),
        Line2D([], [], color=c["delivered"], label=WORDS["legend-delivered"], **tick),
        FancyArrow(0, 0, 1, 0, color=c["link"], label=WORDS["legend-link"]),
        Line2D([], [], color=c["dropped"], marker="x", ls="", ms=8, mew=2,
               label=WORDS["legend-dropped"]),
        Line2D([], [], color=c["status"], ls="--", lw=1.5, label=WORDS["legend-status"]),
    ]  # fmt: skip


def _new_figure(rows: int = 1):
    import matplotlib.pyplot as plt

    if rows == 1:
        fig, ax = plt.subplots(figsize=FIGSIZE)
        # fixed margins instead of constrained layout: the layout never changes (three lanes,
        # a legend under the axes, one short title) and rendering is several times faster
        fig.subplots_adjust(**_MARGINS)
        axes = [ax]
    else:
        height = 2.5 * rows + 1.2
        fig, axes = plt.subplots(rows, 1, figsize=(FIGSIZE[0], height), sharex=True)
        fig.subplots_adjust(
            left=_MARGINS["left"], right=_MARGINS["right"], top=1 - 0.45 / height,
            bottom=1.15 / height, hspace=0.45,
        )  # fmt: skip
        axes = list(axes)
    plt.close(fig)  # shown explicitly (display(tl) / Output.append_display_data(tl))
    return fig, axes


def _legend_arrow(legend, orig_handle, xdescent, ydescent, width, height, fontsize):
    from matplotlib.patches import FancyArrow

    return FancyArrow(
        -xdescent, height / 2 - ydescent, width, 0, length_includes_head=True,
        width=height * 0.08, head_width=height * 0.6, head_length=height * 0.6,
    )  # fmt: skip


#: (symbol, colour key, legend word key) of the HTML legend, in the figure's order.
_HTML_LEGEND = (
    ("┃", "history", "legend-history"),
    ("┃", "not logged", "legend-not-logged"),
    ("┃", "delivered", "legend-delivered"),
    ("⟶", "link", "legend-link"),
    ("✕", "dropped", "legend-dropped"),
    ("┆", "status", "legend-status"),
)


def legend_html() -> str:
    """The figure's legend as HTML, on the figure's own white card (so it reads on light and
    dark themes alike and matches the PNG's colours); used beside :class:`Canvas` pictures."""
    import html

    items = "".join(
        f'<span style="margin-right:1.4em;white-space:nowrap"><b style="color:{_COLOURS[c]}">'
        f"{symbol}</b> {html.escape(WORDS[w])}</span>"
        for symbol, c, w in _HTML_LEGEND
    )
    return (
        '<div class="labkit-legend" style="background:#ffffff;color:#000000;padding:0.2em 0.8em;'
        f'font-size:0.9em;line-height:1.6;white-space:normal">{items}</div>'
    )


class Canvas:
    """One reusable figure for repeated pictures (the lab's Run button): no figure to build
    per picture and no legend to render (show :func:`legend_html` beside it). Drawing on a
    reused figure is what brings a Run click under 100 ms."""

    FIGSIZE = (8.0, 2.6)  # 800 x 260 px: a third fewer pixels to draw and encode

    def __init__(self) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        # a Figure with its own Agg canvas, outside pyplot: savefig then reuses one renderer,
        # so text layouts are cached between pictures instead of rebuilt on a new canvas
        self.figure = Figure(figsize=self.FIGSIZE)
        FigureCanvasAgg(self.figure)
        self.ax = self.figure.subplots()
        self.figure.subplots_adjust(left=0.17, right=0.98, top=0.9, bottom=0.17)
        self._drawn: list[Any] = []

    def png(self, tl: Timeline, dpi: int = 100) -> bytes:
        """``tl`` drawn on this figure, as PNG bytes."""
        for artist in self._drawn:  # the previous picture's data; axes, ticks and labels stay
            artist.remove()
        before = set(self.ax.get_children())
        _render(tl, self.ax)
        self._drawn = [a for a in self.ax.get_children() if a not in before]
        return _png_rgb(self.figure, dpi)


def _add_legend(fig) -> None:
    from matplotlib.legend_handler import HandlerPatch
    from matplotlib.patches import FancyArrow

    fig.legend(
        handles=_legend_handles(), loc="lower center", ncols=3, fontsize=9.5, frameon=False,
        bbox_to_anchor=(0.5, 0.0), handlelength=2.2, columnspacing=1.6,
        handler_map={FancyArrow: HandlerPatch(patch_func=_legend_arrow)},
    )  # fmt: skip


def _draw(table: pd.DataFrame, spans, title: str, ax, *, status: str | None, width: float):
    """Three lanes drawn with a handful of collections (fast to render).

    Ticks stay at their true times; each clump of ticks (events within 2% of the axis) gets
    its count in words above or below the lane, so events that share a time are counted.
    """
    c = _COLOURS
    width = width or 1.0
    window = width * 0.02
    bar_h = 0.5
    if spans:
        ax.broken_barh(
            [(s, max(d, width * 0.004)) for _, s, d in spans],
            (_Y_STATES - bar_h / 2, bar_h),
            facecolors=c["state"], alpha=0.45, edgecolor="white",
        )  # fmt: skip
        for name, s, d in spans:
            if d >= width * 0.12:  # label only bars wide enough to hold a name
                ax.text(s + d / 2, _Y_STATES, name, ha="center", va="center", fontsize=9)

    t_event = table["t_event_s"].to_numpy(dtype=float)
    logged = (table["status"] != "not logged").to_numpy()
    delivered = (table["status"] == "delivered").to_numpy()
    dropped = (table["status"] == "dropped").to_numpy()
    t_arrived = table["t_delivered_s"].to_numpy(dtype=float, na_value=float("nan"))[delivered]
    h = 0.2
    ax.vlines(t_event[logged], _Y_HISTORY - h, _Y_HISTORY + h, color=c["history"], lw=1.4)
    ax.vlines(t_event[~logged], _Y_HISTORY - h, _Y_HISTORY + h, color=c["not logged"], lw=1.4)
    ax.vlines(t_arrived, _Y_LOGS - h, _Y_LOGS + h, color=c["delivered"], lw=1.8)
    above = {"va": "bottom"}
    below = {"va": "top", "fontweight": "bold"}
    if logged.any():
        _count_labels(ax, t_event[logged], _Y_HISTORY + h + 0.04, WORDS["count-logged"],
                      c["history"], window, **above)  # fmt: skip
    if (~logged).any():
        _count_labels(ax, t_event[~logged], _Y_HISTORY - h - 0.04, WORDS["count-not-logged"],
                      "#595959", window, va="top")  # fmt: skip
    if delivered.any():
        x0 = t_event[delivered]
        y0, y1 = _Y_HISTORY - h - 0.02, _Y_LOGS + h + 0.02
        ax.quiver(
            x0, [y0] * len(x0), t_arrived - x0, [y1 - y0] * len(x0),
            angles="xy", scale_units="xy", scale=1, color=c["link"], width=0.0012,
            headwidth=5, headlength=6, headaxislength=5.5,
        )  # fmt: skip
        _count_labels(ax, t_arrived, _Y_LOGS - h - 0.06, WORDS["count-delivered"],
                      c["delivered"], window, **below)  # fmt: skip
    if dropped.any():
        t_dropped = t_event[dropped]
        ax.plot(t_dropped, [_Y_LOGS] * len(t_dropped), ls="", marker="x", ms=8, mew=2,
                color=c["dropped"])  # fmt: skip
        _count_labels(ax, t_dropped, _Y_LOGS - h - 0.06, WORDS["count-dropped"], c["dropped"],
                      window, **below)  # fmt: skip
    if status is not None and len(table):
        end = table.loc[table["type"].isin(_END_STATUS), "t_event_s"]
        x_end = float(end.iloc[-1]) if len(end) else float(t_event.max())
        ax.axvline(x_end, color=c["status"], ls="--", lw=1.5, zorder=0)
        right = x_end > 0.55 * width
        ax.text(
            x_end + (-1 if right else 1) * width * 0.008, _Y_STATES + 0.42,
            WORDS["status"].format(status=status), ha="right" if right else "left",
            va="center", fontsize=9, color="#000000",
        )  # fmt: skip

    ax.set_yticks(
        [_Y_STATES, _Y_HISTORY, _Y_LOGS],
        [WORDS["lane-states"], WORDS["lane-history"], WORDS["lane-logs"]],
        fontsize=9.5,
    )
    ax.set_ylim(-0.75, 2.65)
    ax.xaxis.set_major_locator(_locator())
    ax.set_xlabel(WORDS["x-label"], fontsize=9.5)
    ax.grid(axis="x", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title(title, loc="left", fontsize=11.5)
    return float(max([0.0, *t_event.tolist(), *t_arrived.tolist()]))


def _locator():
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(nbins=7, steps=[1, 2, 2.5, 5, 10])


def _set_xlim(axes, right: float) -> None:
    right = right or 1.0
    for ax in axes:
        ax.set_xlim(-0.02 * right, right * 1.03)


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
    phase: str | None = None,
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
        status = _END_STATUS.get(history[-1]["type"])
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
    phase: str | None = None,
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
        phase: a short name put before the count in the title ("Phase 2").
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
        _render(tl, ax)
        object.__setattr__(tl, "drawn", ax.figure)
    return tl


def _render(tl: Timeline, ax, width: float | None = None) -> float:
    """Draw ``tl`` into ``ax`` with its x-limits; the right end of what was drawn."""
    if width is None:
        t = tl.table
        width = float(max([0.0, *t["t_event_s"].tolist(), *t["t_delivered_s"].dropna().tolist()]))
    right = _draw(tl.table, tl.spans, tl.title, ax, status=tl.status, width=width)
    _set_xlim([ax], right)
    return right


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
        return _png(self.figure, dpi)

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
    figure, axes = _new_figure(len(prepared))
    width = max(_width(p) for p in prepared)
    right = max(
        _draw(p.table, p.spans, p.title, ax, status=p.status, width=width)
        for p, ax in zip(prepared, axes, strict=True)
    )
    _set_xlim(axes, right)
    for ax in axes[:-1]:
        ax.set_xlabel("")
    _add_legend(figure)
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
