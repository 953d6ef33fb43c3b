"""How a timeline looks: three lanes, counts in words, arrows, the status marker and a legend.

:mod:`labkit.timeline` computes what happened to each event (the table and the numbers);
this module draws it with matplotlib. Hand-written on the stock "timing diagram" and
"timeline" gallery idioms: no charting library adds swimlanes with latency arrows, and
keeping the drawing here keeps the nbval-relevant reprs under our control.

How the picture reads: every history event is a tick at its true time. Events that happen
within milliseconds of each other draw as one clump, so every clump carries its count in
words ("12 events" above the history lane, "12 delivered" or "12 dropped" under the logs
lane): each event is counted, and the table keeps the exact times. Arrows (with heads) go
from each history event to its delivered log event. A dashed line marks the end of the
execution with its status. Colours are the Okabe–Ito palette (colour-blind safe) on a
white figure, so the PNG reads the same on JupyterLab's light and dark themes.

:class:`Canvas` redraws one reused figure (the lab's Run button) and :func:`legend_html`
gives its legend as HTML. Words are in :data:`WORDS` (one place to translate).
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from labkit.fonts import figure_language
from labkit.i18n import N_, Messages

__all__ = [
    "Canvas",
    "legend_html",
    "render",
    "draw",
    "new_figure",
    "add_legend",
    "set_xlim",
    "png",
    "WORDS",
    "FIGSIZE",
    "END_STATUS",
]

#: Figure size in inches: readable at a notebook's width (~1000 px at 100 dpi).
FIGSIZE = (10.0, 3.8)

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
#: Every word the figure shows, in the figure's language: Korean only when a font can draw it.
WORDS = Messages(
    language=figure_language,
    table={
        "count-logged": N_("{count} events"),
        "count-not-logged": N_("{count} not logged"),
        "count-delivered": N_("{count} delivered"),
        "count-dropped": N_("{count} dropped"),
        "status": N_("execution {status}"),
        "lane-states": N_("States"),
        "lane-history": N_("Execution history"),
        "lane-logs": "CloudWatch Logs",  # a name: not translated
        "x-label": N_("seconds since ExecutionStarted"),
        "legend-history": N_("history event (logged)"),
        "legend-not-logged": N_("not logged at this level"),
        "legend-delivered": N_("log event delivered"),
        "legend-link": N_("delivery (arrow: event → log)"),
        "legend-dropped": N_("dropped (never arrives)"),
        "legend-status": N_("execution ends"),
    },
)
#: Execution status from the history's last event [DOC] GetExecutionHistory event types.
END_STATUS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionAborted": "ABORTED",
    "ExecutionTimedOut": "TIMED_OUT",
}


def png(figure: Any, dpi: int) -> bytes:
    buf = io.BytesIO()
    # light compression: encoding is a large share of a Run's time at level 6 (PIL default)
    figure.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def png_rgb(figure: Any, dpi: int) -> bytes:
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


def _clusters(times: list[float], window: float) -> list[list[float]]:
    """Runs of sorted times no more than ``window`` apart (drawn as one clump of ticks)."""
    groups: list[list[float]] = []
    for t in sorted(times):
        if groups and t - groups[-1][-1] <= window:
            groups[-1].append(t)
        else:
            groups.append([t])
    return groups


def _count_labels(ax, counts, width: float, window: float) -> None:
    """One label per clump of ticks, in words ("12 dropped"), so every event is counted.

    ``counts`` holds ``(times, y, text, colour, text keywords)`` per kind of tick. Labels are
    measured as drawn (``get_window_extent``) and never overlap: neighbouring clumps of one
    kind whose labels would touch share one label ("8 + 12 delivered"), and a label that
    still meets another kind's in its row moves one line further from the lane.
    """
    ax.set_xlim(-0.02 * width, 1.03 * width)  # the limits set_xlim gives: measure in them
    placed: list[Any] = []
    moved = False
    for times, y, text, colour, kw in counts:
        row: list[tuple[list[list[float]], Any]] = []
        for cluster in _clusters(list(times), window):
            clumps = [cluster]
            label = _count_label(ax, clumps, y, text, colour, width, kw)
            while row and _overlap(row[-1][1], label):
                before, previous = row.pop()
                previous.remove()
                label.remove()
                clumps = before + clumps
                label = _count_label(ax, clumps, y, text, colour, width, kw)
            row.append((clumps, label))
        for _, label in row:
            moved = _clear_of(ax, label, placed) or moved
            placed.append(label)
    if moved:  # a label moved a line away: make room for it inside the axes
        _fit_ylim(ax, placed)


def _count_label(ax, clumps, y: float, text: str, colour: str, width: float, kw: dict):
    """The label of one or more neighbouring clumps: their counts joined by " + "."""
    first, last = clumps[0][0], clumps[-1][-1]
    x, ha = (first + last) / 2, "center"
    if x > 0.9 * width:  # keep labels at the edges inside the axes
        x, ha = last, "right"
    elif x < 0.05 * width:
        x, ha = first, "left"
    count = " + ".join(str(len(c)) for c in clumps)
    return ax.text(x, y, text.format(count=count), ha=ha, fontsize=9, color=colour,
                   bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6}, **kw)  # fmt: skip


def _overlap(a, b, pad: float = 3.0) -> bool:
    """Whether two texts' drawn boxes (with ``pad`` pixels around) overlap."""
    return a.get_window_extent().padded(pad).overlaps(b.get_window_extent())


def _clear_of(ax, label, others) -> bool:
    """Move ``label`` away from its lane, a line at a time, until it meets none of ``others``;
    whether it moved."""
    direction = 1.0 if label.get_va() == "bottom" else -1.0
    for moves in range(len(others) + 1):
        if not any(_overlap(other, label) for other in others):
            return moves > 0
        step = direction * (label.get_window_extent().height + 2.0)
        x, y = ax.transData.transform(label.get_position())
        label.set_position(ax.transData.inverted().transform((x, y + step)))
    return True


def _fit_ylim(ax, labels, rounds: int = 3) -> None:
    """Widen the y-limits until every label's box lies inside the axes (labels keep their
    data positions; their height in data units changes with the limits, hence rounds)."""
    for _ in range(rounds):
        inside = ax.get_window_extent()
        low = min(label.get_window_extent().y0 for label in labels) - 2.0
        high = max(label.get_window_extent().y1 for label in labels) + 2.0
        if low >= inside.y0 and high <= inside.y1:
            return
        to_data = ax.transData.inverted()
        bottom, top = ax.get_ylim()
        ax.set_ylim(min(bottom, to_data.transform((0, low))[1]),
                    max(top, to_data.transform((0, high))[1]))  # fmt: skip


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


def new_figure(rows: int = 1):
    """A figure with its own Agg canvas, outside pyplot (so never shown twice, and pyplot
    is not imported). The canvas keeps one renderer, which measuring the labels
    (``get_window_extent``) reuses: a figure pyplot has closed has no canvas of its own,
    and matplotlib then renders the whole figure once per measurement to get a renderer,
    which cost a learner's kernel 36 MB at its peak for lesson 01's three-run figure
    (``benchmarks/bench_learner_memory.py``) and most of the drawing time."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if rows == 1:
        fig = Figure(figsize=FIGSIZE)
        FigureCanvasAgg(fig)
        ax = fig.subplots()
        # fixed margins instead of constrained layout: the layout never changes (three lanes,
        # a legend under the axes, one short title) and rendering is several times faster
        fig.subplots_adjust(**_MARGINS)
        axes = [ax]
    else:
        height = 2.5 * rows + 1.2
        fig = Figure(figsize=(FIGSIZE[0], height))
        FigureCanvasAgg(fig)
        axes = list(fig.subplots(rows, 1, sharex=True))
        fig.subplots_adjust(
            left=_MARGINS["left"], right=_MARGINS["right"], top=1 - 0.45 / height,
            bottom=1.15 / height, hspace=0.45,
        )  # fmt: skip
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

    def png(self, tl: Any, dpi: int = 100) -> bytes:
        """``tl`` drawn on this figure, as PNG bytes."""
        for artist in self._drawn:  # the previous picture's data; axes, ticks and labels stay
            artist.remove()
        before = set(self.ax.get_children())
        render(tl, self.ax)
        self._drawn = [a for a in self.ax.get_children() if a not in before]
        return png_rgb(self.figure, dpi)


def add_legend(fig) -> None:
    from matplotlib.legend_handler import HandlerPatch
    from matplotlib.patches import FancyArrow

    fig.legend(
        handles=_legend_handles(), loc="lower center", ncols=3, fontsize=9.5, frameon=False,
        bbox_to_anchor=(0.5, 0.0), handlelength=2.2, columnspacing=1.6,
        handler_map={FancyArrow: HandlerPatch(patch_func=_legend_arrow)},
    )  # fmt: skip


def draw(table: pd.DataFrame, spans, title: str, ax, *, status: str | None, width: float):
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
    counts: list[tuple] = []  # clump labels, placed once the axes' limits are known
    if logged.any():
        counts.append((t_event[logged], _Y_HISTORY + h + 0.04, WORDS["count-logged"],
                       c["history"], above))  # fmt: skip
    if (~logged).any():
        counts.append((t_event[~logged], _Y_HISTORY - h - 0.04, WORDS["count-not-logged"],
                       "#595959", {"va": "top"}))  # fmt: skip
    if delivered.any():
        x0 = t_event[delivered]
        y0, y1 = _Y_HISTORY - h - 0.02, _Y_LOGS + h + 0.02
        ax.quiver(
            x0, [y0] * len(x0), t_arrived - x0, [y1 - y0] * len(x0),
            angles="xy", scale_units="xy", scale=1, color=c["link"], width=0.0012,
            headwidth=5, headlength=6, headaxislength=5.5,
        )  # fmt: skip
        counts.append((t_arrived, _Y_LOGS - h - 0.06, WORDS["count-delivered"],
                       c["delivered"], below))  # fmt: skip
    if dropped.any():
        t_dropped = t_event[dropped]
        ax.plot(t_dropped, [_Y_LOGS] * len(t_dropped), ls="", marker="x", ms=8, mew=2,
                color=c["dropped"])  # fmt: skip
        counts.append((t_dropped, _Y_LOGS - h - 0.06, WORDS["count-dropped"], c["dropped"],
                       below))  # fmt: skip
    if status is not None and len(table):
        end = table.loc[table["type"].isin(END_STATUS), "t_event_s"]
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
    _count_labels(ax, counts, width, window)
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


def set_xlim(axes, right: float) -> None:
    right = right or 1.0
    for ax in axes:
        ax.set_xlim(-0.02 * right, right * 1.03)


def render(tl: Any, ax, width: float | None = None) -> float:
    """Draw a :class:`labkit.timeline.Timeline` into ``ax`` with its x-limits; the right end
    of what was drawn."""
    if width is None:
        t = tl.table
        width = float(max([0.0, *t["t_event_s"].tolist(), *t["t_delivered_s"].dropna().tolist()]))
    right = draw(tl.table, tl.spans, tl.title, ax, status=tl.status, width=width)
    set_xlim([ax], right)
    return right
