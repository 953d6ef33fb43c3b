"""The docs edition's notebook run top to bottom, then normalised into stable text.

Executed with nbclient in this Python environment (kernel ``python3``, the environment of
``kernel``), then normalised so that two runs give identical files:

* execution counts 1, 2, 3 ... in cell order;
* consecutive stream outputs of one kind merged (chunking depends on timing);
* error tracebacks cut to ``Type: message`` (the frames name files on this machine);
* text outputs passed through ``tests/nbval_sanitize.cfg``, the same rules nbval uses;
* the kernel's Python version dropped from ``language_info``; ipywidgets model ids
  (random per run) renamed in order of appearance.

A cell tagged ``raises-exception`` (or ``nbval-raises-exception``, or marked
``# NBVAL_RAISES_EXCEPTION``) may raise; any other error stops the run.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from lesson_editions.kernel import KERNEL_NAME, apply_kernel_env
from lesson_editions.notebooks import tags, writes

CELL_TIMEOUT_S = 300
EXCEPTION_TAGS = ("raises-exception", "nbval-raises-exception")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def sanitize_rules(text: str) -> list[tuple[re.Pattern[str], str]]:
    """Parse a sanitize file exactly as nbval 0.11 does (a ``regex:`` line, then ``replace:``)."""
    pairs = re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)
    return [(re.compile(regex), replace) for regex, replace in pairs]


def sanitize(text: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    for regex, replace in rules:
        text = regex.sub(replace, text)
    return text


def _expects_error(cell) -> bool:
    return any(t in tags(cell) for t in EXCEPTION_TAGS) or "# NBVAL_RAISES_EXCEPTION" in cell.source


def execute(nb, *, cwd: Path, timeout: int = CELL_TIMEOUT_S, language: str = "en"):
    """Run a copy of ``nb`` top to bottom in a fresh kernel; return the executed copy."""
    nb = copy.deepcopy(nb)
    added = []
    for cell in nb.cells:
        if (
            cell.cell_type == "code"
            and _expects_error(cell)
            and "raises-exception" not in tags(cell)
        ):
            cell.metadata.setdefault("tags", []).append("raises-exception")  # nbclient's tag
            added.append(cell)
    cwd.mkdir(parents=True, exist_ok=True)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
        store_widget_state=True,
    )
    saved_env = dict(os.environ)
    apply_kernel_env(language=language)
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    for cell in added:
        cell.metadata.tags.remove("raises-exception")
    return nb


def _merge_streams(outputs: list) -> list:
    merged: list = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and prev is not None
            and prev.get("output_type") == "stream"
            and prev.get("name") == out.get("name")
        ):
            prev["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def _model_ids(nb) -> list[str]:
    """ipywidgets model ids in order of first appearance (views in cells, then stored state)."""
    seen: dict[str, None] = {}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            view = out.get("data", {}).get(WIDGET_VIEW)
            if view and "model_id" in view:
                seen.setdefault(view["model_id"], None)
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for model_id in state:
        seen.setdefault(model_id, None)
    return list(seen)


def normalise(nb, *, name: str, rules) -> str:
    """The executed notebook as stable text: same lesson and outputs give the same bytes."""
    nb = copy.deepcopy(nb)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    nb.metadata.get("language_info", {}).pop("version", None)
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
        outputs = _merge_streams(cell.get("outputs", []))
        for out in outputs:
            kind = out.get("output_type")
            if kind == "execute_result":
                out["execution_count"] = count
            if kind == "stream":
                out["text"] = sanitize(out["text"], rules)
            elif kind == "error":
                out["evalue"] = sanitize(out["evalue"], rules)
                out["traceback"] = [f"{out['ename']}: {out['evalue']}"]
            data = out.get("data", {})
            for mime in TEXT_MIMES:
                if isinstance(data.get(mime), str):
                    data[mime] = sanitize(data[mime], rules)
                elif isinstance(data.get(mime), list):
                    data[mime] = sanitize("".join(data[mime]), rules)
        cell.outputs = outputs
    text = writes(nb)
    model_ids = _model_ids(nb)
    if model_ids:
        for n, model_id in enumerate(model_ids):
            stable = hashlib.sha256(f"{name}:{n}".encode()).hexdigest()[:32]
            text = text.replace(model_id, stable)
        text = writes(nbformat.reads(text, as_version=4))  # re-sort the renamed keys
    return text


__all__ = [
    "CELL_TIMEOUT_S",
    "EXCEPTION_TAGS",
    "TEXT_MIMES",
    "WIDGET_STATE",
    "WIDGET_VIEW",
    "execute",
    "normalise",
    "sanitize",
    "sanitize_rules",
]
