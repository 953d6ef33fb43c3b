"""Build both editions of every lesson from its one source, ``lessons/NN_name.md``.

    python scripts/editions.py                 # write both editions of every lesson
    python scripts/editions.py 02 07           # only these lessons
    python scripts/editions.py --check         # compare with a fresh build; write nothing
    python scripts/editions.py --learner-only  # skip the (slow) executed docs edition
    python scripts/editions.py --check --stored  # re-run the stored docs edition (no jupytext)

A lesson source is MyST Markdown that jupytext reads (``format_name: myst``): the only place
lesson prose and code live. From it come:

* the **learner edition**, ``notebooks/NN_name.ipynb``: what the lab command, Binder and
  nbgitpuller open. No outputs and no execution counts, so every "Predict" is answered
  only by running the cell; a ``solution`` cell becomes a collapsed "Reveal the solution"
  block and the ``exercise`` cell before it stays as the learner's blank;
* the **docs edition**, ``docs/lessons/NN_name.ipynb``: the same lesson executed top to
  bottom with the solutions in place of the blanks, its outputs and ipywidgets state
  stored, checked by strict nbval and rendered as the docs site.

Cell tags in the sources (``:tags: [...]`` on a ``{code-cell}``):

``exercise``
    the learner's blank (``answer = ...  # your turn``): kept in the learner edition,
    dropped from the docs edition.
``solution``
    the worked answer: run in the docs edition; in the learner edition a markdown cell
    ``<details><summary>Reveal the solution</summary>`` holding the code.
``docs-only`` (code or markdown, ``+++ {"tags": ["docs-only"]}``)
    left out of the learner edition: e.g. a cell that answers a quiz from code, which
    the docs edition needs and a learner's Run All must not do.
``raises-exception``
    the error is part of the lesson (nbval and nbclient accept it).

The docs edition is executed with nbclient in this Python environment (kernel ``python3``,
working directory ``docs/lessons/``, the environment ``KERNEL_ENV`` below), then
normalised so that two runs give identical files:

* execution counts 1, 2, 3 ... in cell order; cell ids ``NN-iii`` from the cell index;
* consecutive stream outputs of one kind merged (chunking depends on timing);
* error tracebacks cut to ``Type: message`` (the frames name files on this machine);
* text outputs passed through ``tests/nbval_sanitize.cfg``, the same rules nbval uses;
* the kernel's Python version dropped from ``language_info``; ipywidgets model ids
  (random per run) renamed in order of appearance.

Any error in a cell not tagged ``raises-exception`` stops the run and nothing is written.
"""

from __future__ import annotations

import argparse
import copy
import difflib
import hashlib
import os
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

REPO = Path(__file__).resolve().parent.parent
LESSONS = REPO / "lessons"
LEARNER = REPO / "notebooks"
DOCS = REPO / "docs" / "lessons"
SANITIZE_FILE = REPO / "tests" / "nbval_sanitize.cfg"
CELL_TIMEOUT_S = 300
KERNEL_NAME = "python3"
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}
EXCEPTION_TAGS = ("raises-exception", "nbval-raises-exception")
EXERCISE, SOLUTION, DOCS_ONLY = "exercise", "solution", "docs-only"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json")

#: The environment of every kernel that runs a lesson, here and under nbval (the root
#: conftest.py applies it), so stored outputs are reproducible:
#: LABKIT_MODE=offline (simulated world, virtual clock, seeds); fake AWS credentials and
#: us-east-1, as moto recommends, so botocore never looks for real ones
#: (https://docs.getmoto.org/en/latest/docs/getting_started.html); PYTHONHASHSEED=0 and
#: TZ=UTC so set order and local time do not vary; no MPLBACKEND, so plots are inline.
KERNEL_ENV = {
    "LABKIT_MODE": "offline",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "PYTHONHASHSEED": "0",
    "TZ": "UTC",
}
KERNEL_ENV_UNSET = ("MPLBACKEND", "AWS_PROFILE")


def apply_kernel_env(environ=os.environ) -> None:
    """Set the lesson kernels' environment in ``environ`` (kernels started later inherit it)."""
    for name in KERNEL_ENV_UNSET:
        environ.pop(name, None)
    environ.update(KERNEL_ENV)


# ------------------------------------------------------------------ sources and the learner edition


def lesson_sources(selected: list[str] | None = None) -> list[Path]:
    """``lessons/NN_name.md``, all or those whose name starts with one of ``selected``."""
    paths = sorted(LESSONS.glob("[0-9][0-9]_*.md"))
    if selected:
        paths = [p for p in paths if any(p.stem.startswith(s) for s in selected)]
    return paths


def read_source(path: Path):
    """The lesson as a notebook (jupytext, MyST format), with the shared metadata."""
    import jupytext  # only here: --stored runs where jupytext is not installed (Binder)

    nb = jupytext.read(path, fmt="md:myst")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)}
    return nb


def tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _stable_ids(nb, name: str):
    for index, cell in enumerate(nb.cells):
        cell.id = f"{name[:2]}-{index:03d}"
    return nb


def reveal(source: str, summary: str = "Reveal the solution") -> str:
    """A collapsed markdown block showing ``source`` as Python code (JupyterLab and HTML)."""
    return (
        f"<details>\n<summary>{summary}</summary>\n\n```python\n{source.strip()}\n```\n\n</details>"
    )


def learner_edition(source_nb, name: str):
    """Blank notebook: no outputs or counts; solutions folded into reveals after the blank."""
    nb = copy.deepcopy(source_nb)
    cells = []
    for cell in nb.cells:
        if DOCS_ONLY in tags(cell):
            continue
        if cell.cell_type == "code" and SOLUTION in tags(cell):
            cells.append(nbformat.v4.new_markdown_cell(reveal(cell.source)))
            continue
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)
    nb.cells = cells
    return _stable_ids(nb, name)


def docs_source(source_nb, name: str):
    """The notebook the docs edition executes: blanks dropped, solutions kept as code.

    A reader sees every output already, so the reveals are printed open (``<details open>``):
    still collapsible, never hiding an answer the page shows anyway.
    """
    nb = copy.deepcopy(source_nb)
    nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and EXERCISE in tags(c))]
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        else:
            cell.source = re.sub(r"^<details>$", "<details open>", cell.source, flags=re.M)
    return _stable_ids(nb, name)


def writes(nb) -> str:
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


# ------------------------------------------------------------------ the executed docs edition


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


def execute(nb, *, cwd: Path = DOCS, timeout: int = CELL_TIMEOUT_S):
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
    apply_kernel_env()
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


def machine_paths(text: str) -> list[str]:
    """Absolute paths of this machine that leaked into outputs (they differ on every clone)."""
    found = []
    for path in {str(REPO), sys.prefix, str(Path.home())}:
        if path and path != "/" and path in text:
            found.append(path)
    return sorted(found)


def docs_edition(source_nb, name: str, *, rules, timeout: int = CELL_TIMEOUT_S) -> str:
    """The executed docs edition of a lesson as stable text (``source_nb`` is not changed)."""
    executed = execute(docs_source(source_nb, name), timeout=timeout)
    text = normalise(executed, name=name, rules=rules)
    leaks = machine_paths(text)
    if leaks:
        raise ValueError(
            f"outputs show paths of this machine ({', '.join(leaks)}); print relative paths "
            f"or add a rule to {SANITIZE_FILE.relative_to(REPO)}"
        )
    return text


# ------------------------------------------------------------------ command line


def _compare(path: Path, text: str, *, check: bool) -> bool:
    """Write ``text`` to ``path`` (or, with ``check``, report a difference); True if equal."""
    rel = path.relative_to(REPO)
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    if text == old:
        print(f"unchanged {rel}")
        return True
    if not check:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {rel}")
        return True
    print(f"DIFFERS {rel}")
    diff = difflib.unified_diff(
        old.splitlines(), text.splitlines(), "stored", "built", lineterm="", n=1
    )
    for line in list(diff)[:30]:
        print(f"    {line[:160]}")
    return False


def check_stored(sources: list[Path], *, rules, timeout: int = CELL_TIMEOUT_S) -> int:
    """Re-run each stored ``docs/lessons`` notebook and compare: do these pins reproduce it?"""
    bad = []
    for path in sources:
        stored = DOCS / f"{path.stem}.ipynb"
        nb = nbformat.read(stored, as_version=4)
        try:
            text = normalise(execute(nb, timeout=timeout), name=path.stem, rules=rules)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            lines = str(err).strip().splitlines()
            print(f"FAILED {stored.relative_to(REPO)}: {lines[-1] if lines else err}")
            bad.append(stored.name)
            continue
        if not _compare(stored, text, check=True):
            bad.append(stored.name)
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson numbers or names (default: all)")
    parser.add_argument("--check", action="store_true", help="compare only; write nothing")
    parser.add_argument("--learner-only", action="store_true", help="skip the docs edition")
    parser.add_argument(
        "--stored",
        action="store_true",
        help="with --check: re-run the stored docs edition instead of building from lessons/",
    )
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds per cell")
    args = parser.parse_args(argv)
    sources = lesson_sources(args.lessons)
    if not sources:
        print("No lessons/NN_name.md matched: nothing to build.")
        return 1
    rules = sanitize_rules(SANITIZE_FILE.read_text(encoding="utf-8"))
    if args.stored:
        return check_stored(sources, rules=rules, timeout=args.timeout)
    failed, differing = [], []
    for path in sources:
        name = path.stem
        source_nb = read_source(path)
        learner = writes(learner_edition(source_nb, name))
        if not _compare(LEARNER / f"{name}.ipynb", learner, check=args.check):
            differing.append(f"notebooks/{name}.ipynb")
        if args.learner_only:
            continue
        try:
            docs = docs_edition(source_nb, name, rules=rules, timeout=args.timeout)
        except (CellExecutionError, CellTimeoutError, DeadKernelError, ValueError) as err:
            lines = str(err).strip().splitlines()
            print(f"FAILED docs/lessons/{name}.ipynb: {lines[-1] if lines else type(err).__name__}")
            failed.append(name)
            continue
        if not _compare(DOCS / f"{name}.ipynb", docs, check=args.check):
            differing.append(f"docs/lessons/{name}.ipynb")
    if not args.lessons:
        stale = {p.name for d in (LEARNER, DOCS) for p in d.glob("*.ipynb")}
        stale -= {f"{p.stem}.ipynb" for p in sources}
        for extra in sorted(stale):
            print(f"STALE {extra}: no lessons/{Path(extra).stem}.md builds it; delete it")
            differing.append(extra)
    if differing:
        print(
            f"{len(differing)} file(s) differ from a fresh build: {', '.join(differing)}. "
            "Run: python scripts/editions.py"
        )
    return 1 if failed or differing else 0


if __name__ == "__main__":
    sys.exit(main())
