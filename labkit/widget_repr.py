"""What a labkit widget shows where no live kernel runs it: a static page, a stored notebook.

An ipywidgets widget displays as ``application/vnd.jupyter.widget-view+json`` (the live
widget, or its stored state on a static page) plus a ``text/plain`` repr, which for a
container is ``VBox(children=(HBox(children=...`` cut at 110 characters: useless to a
reader. :func:`widget_bundle` keeps the live view and replaces the fallbacks with a short
sentence that says what the widget does and where it is live, as text and as HTML
(front ends choose the richest type they can render: the Jupyter messaging spec,
https://jupyter-client.readthedocs.io/en/stable/messaging.html#display-data).
"""

from __future__ import annotations

import html
from typing import Any

from labkit.i18n import N_, _

#: Where every widget is live: the learner edition of the lessons (English; shown translated).
LIVE = N_(
    "Live in the learner edition: open this lesson from notebooks/ in JupyterLab and run the cell."
)


def widget_bundle(bundle: dict[str, Any], text: str, body_html: str = "") -> dict[str, Any]:
    """A widget's display ``bundle`` with ``text`` as its plain fallback and an HTML fallback.

    ``text`` is one line saying what the widget does; ``body_html`` (optional, trusted
    HTML built by labkit) adds what a reader should see of it, such as a question's options.
    """
    bundle = dict(bundle or {})
    live = _(LIVE)
    bundle["text/plain"] = f"{text}. {live}"
    bundle["text/html"] = (
        f'<div class="labkit-widget-fallback"><p><b>{html.escape(text)}</b></p>{body_html}'
        f"<p><i>{html.escape(live)}</i></p></div>"
    )
    return bundle
