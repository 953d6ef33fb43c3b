"""ipywidgets on the docs site: drawn as plain HTML from the notebook's stored widget state.

The docs edition stores the widget state (nbclient's ``store_widget_state``) in the
notebook's ``metadata.widgets``; each widget output is an
``application/vnd.jupyter.widget-view+json`` reference to a model in that state. MyST-NB
copies the references into the page and loads RequireJS and ipywidgets' HTML manager from a
CDN to draw them in the reader's browser: without the network, or before the scripts
arrive, a reader sees nothing where the policy lab or a quiz should be.

This extension draws each referenced widget at build time instead, from the same state:
boxes and accordions as nested blocks (an accordion is a ``<details>``), HTML widgets as
their HTML, dropdowns, radio buttons, check boxes, text areas and buttons as disabled
form controls holding the stored values, Output widgets as their stored outputs (text,
PNG, HTML). The page needs no script and no network. A caption says it is a picture of the
widget and that the lesson's launch links run it. Why hand-written: no Python library
renders ipywidgets state to HTML (ipywidgets' own renderer is the JavaScript HTML manager
above; nbconvert's HTML export uses it too). Only the models the lessons use, and their
close relatives, are drawn; any other model becomes a short note naming the control, and
a reference to a model missing from the state is a build warning (an error under ``-W``).

``conf.py`` sets ``nb_ipywidgets_js = {}`` so MyST-NB adds no CDN script; this extension
also drops the page's copy of the raw widget state, which nothing reads any more.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from myst_nb.sphinx_ import NbMetadataCollector
from sphinx.application import Sphinx
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
STATE_MIME = "application/vnd.jupyter.widget-state+json"
VIEW_MIME = "application/vnd.jupyter.widget-view+json"
VIEW_SCRIPT = re.compile(
    r'^\s*<script type="application/vnd\.jupyter\.widget-view\+json">(.*)</script>\s*$', re.S
)
REF = "IPY_MODEL_"
CSS_LENGTH = re.compile(r"^[0-9.]+(px|%|em|rem|vw|vh)?$|^auto$")
BUTTON_STYLES = {"primary", "success", "info", "warning", "danger"}
# The stored state is the widgets' state when the notebook's last cell had run
# (nbclient saves it then), not when this output was first displayed.
CAPTION = (
    "A picture of this widget as the lesson left it (after its last cell ran). "
    "To use it, run the lesson: the links at the top of this page open it."
)


def esc(text: Any) -> str:
    return html.escape("" if text is None else str(text))


class StaticWidgets:
    """Renders the models of one notebook's widget state as HTML."""

    def __init__(self, state: dict[str, dict], docname: str):
        self.state = state
        self.docname = docname
        self.missing: list[str] = []

    # -- helpers ----------------------------------------------------------------------------
    def model(self, ref: str) -> dict | None:
        entry = self.state.get(ref.removeprefix(REF))
        return entry.get("state", {}) if entry else None

    def layout_style(self, state: dict) -> str | None:
        """Inline CSS from the model's Layout (sizes only); None if it is hidden."""
        layout = self.model(state.get("layout") or "") or {}
        if layout.get("display") == "none" or layout.get("visibility") == "hidden":
            return None
        rules = []
        for key in ("width", "height", "min_width", "max_width", "min_height", "max_height"):
            value = layout.get(key)
            if isinstance(value, str) and CSS_LENGTH.match(value.strip()):
                rules.append(f"{key.replace('_', '-')}: {value.strip()}")
        return "; ".join(rules)

    def description(self, state: dict) -> str:
        text = state.get("description")
        if not text:
            return ""
        return f'<span class="lkw-description">{esc(text)}</span>'

    def wrap(self, kind: str, state: dict, inner: str, tag: str = "div") -> str:
        style = self.layout_style(state)
        if style is None:
            return ""
        attr = f' style="{esc(style)}"' if style else ""
        return f'<{tag} class="lkw lkw-{kind}"{attr}>{inner}</{tag}>'

    def children(self, state: dict) -> list[str]:
        return [self.render(ref) for ref in state.get("children", [])]

    # -- models -------------------------------------------------------------------------------
    def render(self, ref: str) -> str:
        state = self.model(ref)
        if state is None:
            self.missing.append(ref.removeprefix(REF))
            return '<div class="lkw lkw-unknown">(an interactive control)</div>'
        name = state.get("_model_name", "")
        method = getattr(self, f"render_{name.removesuffix('Model').lower()}", None)
        if method is None:
            label = esc(name.removesuffix("Model") or "widget")
            return self.wrap("unknown", state, f"(an interactive control: {label})")
        return method(state)

    def render_box(self, state: dict) -> str:
        return self.wrap("vbox", state, "".join(self.children(state)))

    render_vbox = render_gridbox = render_box

    def render_hbox(self, state: dict) -> str:
        return self.wrap("hbox", state, "".join(self.children(state)))

    def render_accordion(self, state: dict) -> str:
        titles = state.get("titles") or []
        selected = state.get("selected_index")
        parts = []
        for index, child in enumerate(self.children(state)):
            title = titles[index] if index < len(titles) and titles[index] else f"Part {index + 1}"
            is_open = " open" if selected == index else ""
            parts.append(f"<details{is_open}><summary>{esc(title)}</summary>{child}</details>")
        return self.wrap("accordion", state, "".join(parts))

    render_tab = render_stack = render_accordion

    def render_html(self, state: dict) -> str:
        # The value is HTML that the lesson's own code produced (a verdict, a question).
        inner = self.description(state) + f'<div class="lkw-html">{state.get("value", "")}</div>'
        return self.wrap("html", state, inner)

    render_htmlmath = render_html

    def render_label(self, state: dict) -> str:
        return self.wrap("label", state, esc(state.get("value", "")), tag="span")

    def render_dropdown(self, state: dict) -> str:
        labels = state.get("_options_labels") or []
        index = state.get("index")
        options = "".join(
            f"<option{' selected' if i == index else ''}>{esc(label)}</option>"
            for i, label in enumerate(labels)
        )
        inner = self.description(state) + f"<select disabled>{options}</select>"
        return self.wrap("dropdown", state, inner)

    render_select = render_dropdown

    def render_radiobuttons(self, state: dict) -> str:
        labels = state.get("_options_labels") or []
        index = state.get("index")
        items = "".join(
            f'<label><input type="radio" disabled{" checked" if i == index else ""}> '
            f"{esc(label)}</label>"
            for i, label in enumerate(labels)
        )
        inner = self.description(state) + f'<div class="lkw-options">{items}</div>'
        return self.wrap("radiobuttons", state, inner)

    def render_togglebuttons(self, state: dict) -> str:
        labels = state.get("_options_labels") or []
        index = state.get("index")
        items = "".join(
            f'<button type="button" disabled class="lkw-btn'
            f'{" lkw-pressed" if i == index else ""}">{esc(label)}</button>'
            for i, label in enumerate(labels)
        )
        return self.wrap("togglebuttons", state, self.description(state) + items)

    def render_checkbox(self, state: dict) -> str:
        checked = " checked" if state.get("value") else ""
        inner = f'<label><input type="checkbox" disabled{checked}> {esc(state.get("description"))}</label>'
        return self.wrap("checkbox", state, inner)

    def render_button(self, state: dict) -> str:
        style = state.get("button_style")
        kind = f" lkw-btn-{style}" if style in BUTTON_STYLES else ""
        pressed = (
            " lkw-pressed"
            if state.get("_model_name") == "ToggleButtonModel" and state.get("value")
            else ""
        )
        inner = (
            f'<button type="button" disabled class="lkw-btn{kind}{pressed}" '
            f'title="Run the lesson to use this button">{esc(state.get("description"))}</button>'
        )
        return self.wrap("button", state, inner)

    render_togglebutton = render_button

    def render_textarea(self, state: dict) -> str:
        inner = self.description(state) + f"<textarea readonly>{esc(state.get('value'))}</textarea>"
        return self.wrap("textarea", state, inner)

    def render_text(self, state: dict) -> str:
        value = esc(state.get("value"))
        inner = self.description(state) + f'<input type="text" readonly value="{value}">'
        return self.wrap("text", state, inner)

    render_inttext = render_floattext = render_boundedinttext = render_boundedfloattext = (
        render_text
    )
    render_combobox = render_text

    def render_intslider(self, state: dict) -> str:
        attrs = " ".join(f'{k}="{esc(state.get(k))}"' for k in ("min", "max", "step", "value"))
        inner = (
            self.description(state)
            + f'<input type="range" disabled {attrs}>'
            + f'<span class="lkw-readout">{esc(state.get("value"))}</span>'
        )
        return self.wrap("slider", state, inner)

    render_floatslider = render_intslider

    def render_intprogress(self, state: dict) -> str:
        inner = self.description(state) + (
            f'<progress max="{esc(state.get("max"))}" value="{esc(state.get("value"))}"></progress>'
        )
        return self.wrap("progress", state, inner)

    render_floatprogress = render_intprogress

    def render_output(self, state: dict) -> str:
        return self.wrap("output", state, "".join(self.output(o) for o in state.get("outputs", [])))

    def output(self, out: dict) -> str:
        """One stored nbformat output (of an Output widget) as HTML."""
        kind = out.get("output_type")
        if kind == "stream":
            return f'<pre class="lkw-stream">{esc(_text(out.get("text")))}</pre>'
        if kind == "error":
            return f'<pre class="lkw-error">{esc(out.get("ename"))}: {esc(out.get("evalue"))}</pre>'
        data = out.get("data", {})
        if VIEW_MIME in data:
            return self.render(REF + data[VIEW_MIME].get("model_id", ""))
        for mime in ("image/png", "image/jpeg"):
            if mime in data:
                alt = esc(_text(data.get("text/plain", "")) or "figure")
                return f'<img class="lkw-image" alt="{alt}" src="data:{mime};base64,{_text(data[mime]).strip()}">'
        if "image/svg+xml" in data:
            return _text(data["image/svg+xml"])
        if "text/html" in data:
            return _text(data["text/html"])
        if "text/plain" in data:
            return f"<pre>{esc(_text(data['text/plain']))}</pre>"
        return ""


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def notebook_widget_state(path: Path) -> dict[str, dict]:
    """The stored widget models of the notebook at ``path`` ({} if none are stored)."""
    if path.suffix != ".ipynb":
        return {}
    metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    return metadata.get("widgets", {}).get(STATE_MIME, {}).get("state", {}) or {}


def view_model_id(raw_text: str) -> str | None:
    """The model id of a MyST-NB widget-view placeholder, or None for any other raw node."""
    match = VIEW_SCRIPT.match(raw_text)
    if not match:
        return None
    body = match.group(1).replace("<\\/", "</")
    data = json.loads(body)
    if isinstance(data, str):  # MyST-NB may serialise the JSON text once more
        data = json.loads(data)
    return data.get("model_id", "")


def draw_widgets(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: replace each widget-view placeholder by the widget's static HTML."""
    docname = app.env.docname
    placeholders = [
        (node, model_id)
        for node in doctree.findall(nodes.raw)
        if (model_id := view_model_id(node.astext())) is not None
    ]
    # MyST-NB's copy of the raw state, for the HTML manager that conf.py no longer loads
    NbMetadataCollector.get_js_files(app.env, docname).pop("ipywidgets_state", None)
    if not placeholders:
        return
    renderer = StaticWidgets(notebook_widget_state(Path(app.env.doc2path(docname))), docname)
    for node, model_id in placeholders:
        body = renderer.render(REF + model_id)
        figure = (
            f'<div class="labkit-widget" data-model-id="{esc(model_id)}">{body}'
            f'<p class="labkit-widget-caption">{esc(CAPTION)}</p></div>'
        )
        node.replace_self(nodes.raw("", figure, format="html"))
    for model_id in renderer.missing:
        LOGGER.warning(
            "widget model %s is not in the notebook's stored widget state "
            "(was it executed with store_widget_state?)",
            model_id,
            location=docname,
        )


def setup(app: Sphinx) -> dict:
    app.connect("doctree-read", draw_widgets)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
