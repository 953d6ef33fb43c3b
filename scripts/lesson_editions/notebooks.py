"""A lesson source read as a notebook, and the two notebooks made from it.

* the **learner edition**: no outputs and no execution counts, ``docs-only`` cells left
  out, each ``solution`` cell folded into a "Reveal the solution" block after the
  learner's ``exercise`` blank;
* the notebook the **docs edition** executes: blanks dropped, solutions kept as code,
  reveals printed open.

Cell ids are ``NN-iii`` from the cell index, so two builds give the same file.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

REVEAL_SUMMARY = {"en": "Reveal the solution", "ko": "해답 보기"}
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python", "pygments_lexer": "ipython3"}
EXERCISE, SOLUTION, DOCS_ONLY = "exercise", "solution", "docs-only"


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


def learner_edition(source_nb, name: str, language: str = "en"):
    """Blank notebook: no outputs or counts; solutions folded into reveals after the blank."""
    nb = copy.deepcopy(source_nb)
    cells = []
    for cell in nb.cells:
        if DOCS_ONLY in tags(cell):
            continue
        if cell.cell_type == "code" and SOLUTION in tags(cell):
            cells.append(
                nbformat.v4.new_markdown_cell(reveal(cell.source, REVEAL_SUMMARY[language]))
            )
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


__all__ = [
    "DOCS_ONLY",
    "EXERCISE",
    "KERNELSPEC",
    "LANGUAGE_INFO",
    "REVEAL_SUMMARY",
    "SOLUTION",
    "docs_source",
    "learner_edition",
    "read_source",
    "reveal",
    "tags",
    "writes",
]
