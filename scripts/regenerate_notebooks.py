"""Run every lesson notebook and store its outputs, byte for byte reproducibly.

    python scripts/regenerate_notebooks.py            # rewrite notebooks/*.ipynb in place
    python scripts/regenerate_notebooks.py --check    # exit 1 if any stored notebook differs
    python scripts/regenerate_notebooks.py notebooks/02_policy_lab.ipynb

Each notebook runs with nbclient in this Python environment (kernel ``python3``,
working directory ``notebooks/``, the offline environment of ``notebooks/conftest.py``),
then is normalised so that two runs give identical files:

* execution counts 1, 2, 3 ... in cell order; missing cell ids filled from the cell index;
* consecutive stream outputs of one kind merged (chunking depends on timing);
* error tracebacks cut to ``Type: message`` (the frames name files on this machine);
* text outputs passed through ``notebooks/nbval_sanitize.cfg``, the same rules nbval uses;
* the kernel's Python version dropped from ``language_info``; ipywidgets model ids
  (random per run) renamed in order of appearance.

Cells tagged ``raises-exception`` (or ``nbval-raises-exception`` / ``# NBVAL_RAISES_EXCEPTION``)
may raise; any other error stops the run and nothing is written.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import hashlib
import importlib.util
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"
SANITIZE_FILE = NOTEBOOKS / "nbval_sanitize.cfg"
CELL_TIMEOUT_S = 300
KERNEL_NAME = "python3"
EXCEPTION_TAGS = ("raises-exception", "nbval-raises-exception")
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")


def kernel_env() -> dict[str, str]:
    """The lesson kernels' environment, as defined once in notebooks/conftest.py."""
    spec = importlib.util.spec_from_file_location("_lesson_conftest", NOTEBOOKS / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    env = dict(os.environ)
    module.apply_kernel_env(env)
    return env


def sanitize_rules(text: str) -> list[tuple[re.Pattern[str], str]]:
    """Parse a sanitize file exactly as nbval 0.11 does (a ``regex:`` line, then ``replace:``)."""
    pairs = re.findall(r"^regex: (.*)$\n^replace: (.*)$", text, flags=re.MULTILINE)
    return [(re.compile(regex), replace) for regex, replace in pairs]


def sanitize(text: str, rules: list[tuple[re.Pattern[str], str]]) -> str:
    for regex, replace in rules:
        text = regex.sub(replace, text)
    return text


def _expects_error(cell) -> bool:
    tags = cell.get("metadata", {}).get("tags", [])
    return any(t in tags for t in EXCEPTION_TAGS) or "# NBVAL_RAISES_EXCEPTION" in cell.source


def execute(nb, *, timeout: int = CELL_TIMEOUT_S):
    """Run a copy of ``nb`` top to bottom in a fresh kernel; return the executed copy."""
    nb = copy.deepcopy(nb)
    added = []
    for cell in nb.cells:
        if cell.cell_type == "code" and _expects_error(cell):
            tags = cell.metadata.setdefault("tags", [])
            if "raises-exception" not in tags:  # the tag nbclient itself honours
                tags.append("raises-exception")
                added.append(cell)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
        record_timing=False,
        store_widget_state=True,
    )
    saved_env = dict(os.environ)
    os.environ.clear()
    os.environ.update(kernel_env())
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
    """The notebook as stable text: same input notebook and outputs give the same bytes."""
    nb = copy.deepcopy(nb)
    nb.nbformat, nb.nbformat_minor = 4, max(nb.get("nbformat_minor", 5), 5)
    nb.metadata.get("language_info", {}).pop("version", None)
    used_ids: set[str] = set()
    count = 0
    for index, cell in enumerate(nb.cells):
        cell_id = cell.get("id")
        if not cell_id or cell_id in used_ids:
            cell_id = f"cell-{index}"
        cell.id = cell_id
        used_ids.add(cell_id)
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        if cell.get("execution_count") is not None:
            count += 1
            cell.execution_count = count
        outputs = _merge_streams(cell.get("outputs", []))
        for out in outputs:
            kind = out.get("output_type")
            if kind in ("execute_result",):
                out["execution_count"] = count
            if kind == "stream":
                out["text"] = sanitize(out["text"], rules)
            elif kind == "error":
                out["evalue"] = sanitize(out["evalue"], rules)
                out["traceback"] = [f"{out['ename']}: {out['evalue']}"]
            for mime in TEXT_MIMES:
                data = out.get("data", {})
                if isinstance(data.get(mime), str):
                    data[mime] = sanitize(data[mime], rules)
                elif isinstance(data.get(mime), list):
                    data[mime] = sanitize("".join(data[mime]), rules)
        cell.outputs = outputs
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    model_ids = _model_ids(nb)
    if model_ids:
        for n, model_id in enumerate(model_ids):
            stable = hashlib.sha256(f"{name}:{n}".encode()).hexdigest()[:32]
            text = text.replace(model_id, stable)
        text = nbformat.writes(nbformat.reads(text, as_version=4))  # re-sort renamed keys
    return text if text.endswith("\n") else text + "\n"


def machine_paths(text: str) -> list[str]:
    """Absolute paths of this machine that leaked into outputs (they differ on every clone)."""
    found = []
    for path in {str(REPO), sys.prefix, str(Path.home())}:
        if path and path != "/" and path in text:
            found.append(path)
    return sorted(found)


def regenerate(path: Path, *, rules, timeout: int = CELL_TIMEOUT_S) -> str:
    nb = nbformat.read(path, as_version=4)
    executed = execute(nb, timeout=timeout)
    text = normalise(executed, name=path.stem, rules=rules)
    leaks = machine_paths(text)
    if leaks:
        raise ValueError(
            f"outputs show paths of this machine ({', '.join(leaks)}); print relative paths "
            "or add a rule to notebooks/nbval_sanitize.cfg"
        )
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds per cell")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        print("No notebooks in notebooks/: nothing to regenerate.")
        return 0
    rules = sanitize_rules(SANITIZE_FILE.read_text(encoding="utf-8"))
    failed, differing = [], []
    for path in paths:
        rel = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        try:
            text = regenerate(path, rules=rules, timeout=args.timeout)
        except (CellExecutionError, CellTimeoutError, DeadKernelError, ValueError) as err:
            first = str(err).strip().splitlines()
            print(f"FAILED {rel}: {first[-1] if first else type(err).__name__}")
            failed.append(rel)
            continue
        old = path.read_text(encoding="utf-8")
        if text == old:
            print(f"unchanged {rel}")
            continue
        if args.check:
            differing.append(rel)
            print(f"DIFFERS {rel}")
            diff = difflib.unified_diff(
                old.splitlines(), text.splitlines(), "stored", "regenerated", lineterm="", n=1
            )
            for line in list(diff)[:30]:
                print(f"    {line[:160]}")
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {rel}")
    if differing:
        print(
            f"{len(differing)} notebook(s) differ from a fresh run: "
            f"{', '.join(map(str, differing))}. Run: python scripts/regenerate_notebooks.py"
        )
    return 1 if failed or differing else 0


if __name__ == "__main__":
    sys.exit(main())
