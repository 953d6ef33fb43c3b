"""Every lesson keeps the same page skeleton, short cells and clean stored outputs, in both editions.

The skeleton follows the Project Pythia cookbook template and the numpy tutorials
style guide: one ``#`` title, Overview, Prerequisites (with "Time to learn"),
Imports (one code cell), the lesson's sections, Summary, "What's next?", and
Resources and references. Code cells stay short (one idea each), and stored
outputs hold no stderr text and no tracebacks except in cells tagged
``raises-exception``, so strict ``pytest --nbval`` checks what readers see.

The two editions built by ``scripts/editions.py`` from ``lessons/*.md``: the learner
edition (``notebooks/``) is blank, with every answer behind a reveal and one
"write it yourself" exercise per hands-on lesson; the docs edition (``docs/lessons/``) is
executed with the solutions in place.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = REPO / "lessons"
NOTEBOOKS = REPO / "notebooks"  # the learner edition
DOCS = REPO / "docs" / "lessons"  # the executed docs edition
LESSON_NUMBERS = [f"{n:02d}" for n in range(8)]
HANDS_ON = [f"{n:02d}" for n in range(1, 7)]
MAX_CODE_LINES = 8

#: Level-2 (and the one level-3) headings every lesson has, in this order.
REQUIRED = [
    "Overview",
    "Prerequisites",
    "Imports",
    "Summary",
    "What's next?",
    "Resources and references",
]
EXCEPTION_TAGS = {"raises-exception", "nbval-raises-exception"}

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def headings(nb) -> list[tuple[int, str, int]]:
    """(level, text, cell index) for every markdown heading, outside fenced code blocks."""
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        fenced = False
        for line in cell.source.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
                continue
            match = None if fenced else _HEADING.match(line)
            if match:
                found.append((len(match.group(1)), match.group(2), index))
    return found


def _expects_error(cell) -> bool:
    tags = set(cell.get("metadata", {}).get("tags", []))
    return bool(tags & EXCEPTION_TAGS) or "# NBVAL_RAISES_EXCEPTION" in cell.source


def skeleton_problems(nb) -> list[str]:
    """Everything wrong with a notebook's page skeleton, in plain words (empty when fine)."""
    problems: list[str] = []
    heads = headings(nb)
    titles = [h for h in heads if h[0] == 1]
    if len(titles) != 1:
        problems.append(f"needs exactly one '#' title, found {len(titles)}")
    elif not nb.cells or titles[0][2] != 0:
        problems.append("the '#' title must be in the first cell")
    names = [text for level, text, _ in heads if level == 2 or text == "What's next?"]
    positions = []
    for name in REQUIRED:
        if name not in names:
            problems.append(f"missing heading {name!r}")
        else:
            positions.append(names.index(name))
    if len(positions) == len(REQUIRED) and positions != sorted(positions):
        problems.append(f"headings out of order: expected {REQUIRED}")
    if problems:
        return problems
    imports, summary = names.index("Imports"), names.index("Summary")
    if summary - imports < 2:
        problems.append("no lesson section between 'Imports' and 'Summary'")
    if names[names.index("Resources and references") + 1 :]:
        problems.append("'Resources and references' must be the last section")
    whats_next = next(h for h in heads if h[1] == "What's next?")
    if whats_next[0] != 3:
        problems.append("'What's next?' must be a '###' heading")
    problems += _section_problems(nb, heads)
    return problems


def _section_cells(nb, heads, name: str) -> list:
    start = next(i for level, text, i in heads if text == name)
    later = [i for level, text, i in heads if i > start and level <= 2]
    end = later[0] if later else len(nb.cells)
    return nb.cells[start + 1 : end]


def _section_problems(nb, heads) -> list[str]:
    problems = []
    section = [
        nb.cells[_cell_of(heads, "Prerequisites")],
        *_section_cells(nb, heads, "Prerequisites"),
    ]
    prereq = "\n".join(c.source for c in section)
    if "time to learn" not in prereq.lower():
        problems.append("'Prerequisites' must state 'Time to learn'")
    import_cells = [c for c in _section_cells(nb, heads, "Imports") if c.cell_type == "code"]
    if len(import_cells) != 1:
        problems.append(f"'Imports' must hold exactly one code cell, found {len(import_cells)}")
    return problems


def _cell_of(heads, name: str) -> int:
    return next(i for level, text, i in heads if text == name)


def cell_problems(nb) -> list[str]:
    """Long code cells, unexecuted cells, stderr and unexpected tracebacks in stored outputs."""
    problems = []
    for number, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        where = f"code cell {number}"
        lines = cell.source.rstrip().splitlines()
        if len(lines) > MAX_CODE_LINES:
            problems.append(f"{where} has {len(lines)} lines (max {MAX_CODE_LINES})")
        if cell.get("execution_count") is None:
            problems.append(f"{where} was never executed (outputs must be stored)")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                problems.append(f"{where} wrote to stderr: {output.get('text', '')[:80]!r}")
            if output.get("output_type") == "error" and not _expects_error(cell):
                problems.append(
                    f"{where} raised {output.get('ename')} without a raises-exception tag"
                )
    return problems


def lesson_paths(folder: Path = DOCS) -> list[Path]:
    return sorted(folder.glob("[0-9][0-9]_*.ipynb"))


def _load_editions():
    import importlib.util

    spec = importlib.util.spec_from_file_location("_editions", REPO / "scripts" / "editions.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("number", LESSON_NUMBERS)
def test_every_lesson_has_one_source_and_both_editions(number):
    sources = list(SOURCES.glob(f"{number}_*.md"))
    assert len(sources) == 1, f"need exactly one lessons/{number}_*.md"
    name = sources[0].stem
    assert (NOTEBOOKS / f"{name}.ipynb").is_file(), f"no learner edition notebooks/{name}.ipynb"
    assert (DOCS / f"{name}.ipynb").is_file(), f"no docs edition docs/lessons/{name}.ipynb"
    header = sources[0].read_text(encoding="utf-8").split("---", 2)[1]
    assert "format_name: myst" in header  # jupytext reads it as MyST Markdown


@pytest.mark.parametrize("path", lesson_paths() + lesson_paths(NOTEBOOKS), ids=str)
def test_lesson_keeps_the_skeleton(path):
    nb = nbformat.read(path, as_version=4)
    assert skeleton_problems(nb) == []


@pytest.mark.parametrize("path", lesson_paths(), ids=lambda p: p.name)
def test_lesson_cells_are_short_and_outputs_clean(path):
    nb = nbformat.read(path, as_version=4)
    assert cell_problems(nb) == []


@pytest.mark.parametrize("path", lesson_paths(NOTEBOOKS), ids=lambda p: p.name)
def test_learner_edition_is_blank(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [i for i, c in enumerate(code) if c.outputs] == [], "stored outputs give answers away"
    assert [i for i, c in enumerate(code) if c.execution_count is not None] == []
    assert "widgets" not in nb.metadata  # no stored widget state (a pre-answered quiz)
    assert "jupytext" not in nb.metadata  # a plain notebook, not paired with lessons/


@pytest.mark.parametrize("path", lesson_paths(NOTEBOOKS), ids=lambda p: p.name)
def test_learner_edition_hides_every_explanation_behind_a_reveal(path):
    nb = nbformat.read(path, as_version=4)
    open_answers = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or "**Explain.**" not in cell.source:
            continue
        before = cell.source.split("**Explain.**", 1)[0]
        if before.count("<details>") <= before.count("</details>"):
            open_answers.append(index)
    assert open_answers == [], "an explanation after a Predict is visible before running"


@pytest.mark.parametrize("number", HANDS_ON)
def test_hands_on_lessons_have_an_exercise_with_a_hidden_solution_and_a_check(number):
    (path,) = lesson_paths(NOTEBOOKS) and [
        p for p in lesson_paths(NOTEBOOKS) if p.name[:2] == number
    ]
    learner = nbformat.read(path, as_version=4)
    docs = nbformat.read(DOCS / path.name, as_version=4)
    cells = learner.cells
    blanks = [i for i, c in enumerate(cells) if "exercise" in c.metadata.get("tags", [])]
    assert blanks, "no 'write it yourself' exercise (a code cell tagged exercise)"
    for i in blanks:
        assert "# your turn" in cells[i].source and "..." in cells[i].source
        reveal = cells[i + 1]
        assert reveal.cell_type == "markdown" and reveal.source.startswith("<details>")
        assert "Reveal the solution" in reveal.source
        checks = [c for c in cells[i + 2 :] if c.cell_type == "code"]
        assert checks and "exercises.check_" in checks[0].source
    assert not any("solution" in c.metadata.get("tags", []) for c in cells)
    # the docs edition runs the solution, and its check says the answer is right
    docs_checks = [
        c for c in docs.cells if c.cell_type == "code" and "exercises.check_" in c.source
    ]
    assert docs_checks and all(
        "\u2713 Right" in c.outputs[0]["data"]["text/plain"] for c in docs_checks
    )
    assert not any("# your turn" in c.source for c in docs.cells if c.cell_type == "code")


def test_the_quiz_does_not_open_answered_for_learners():
    (path,) = NOTEBOOKS.glob("07_*.ipynb")
    text = path.read_text(encoding="utf-8")
    assert "\u2713 Correct" not in text and "Correct." not in text
    code = [c.source for c in nbformat.reads(text, as_version=4).cells if c.cell_type == "code"]
    assert not [s for s in code if ".check(" in s], "Run All would answer a quiz for the learner"
    assert any(".check(" in c.source for c in nbformat.read(DOCS / path.name, as_version=4).cells)


def test_learners_folder_holds_only_notebooks():
    """Notebooks only, and the Korean edition's folder ``ko/`` (notebooks only, too)."""
    extra = [p.name for p in NOTEBOOKS.iterdir() if p.suffix != ".ipynb" and p.name != "ko"]
    extra += [f"ko/{p.name}" for p in (NOTEBOOKS / "ko").iterdir() if p.suffix != ".ipynb"]
    assert extra == [], "test or configuration files in the learners' folder"


def test_learner_edition_matches_the_sources():
    """Both editions are built from lessons/*.md; the blank one is checked here (fast)."""
    editions = _load_editions()
    assert editions.main(["--check", "--learner-only"]) == 0


# The checker itself must catch what it claims to catch.


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _good_cells():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return [
        md("# Watch the logs stop"),
        md("## Overview\n1. one"),
        md("## Prerequisites\n\n- **Time to learn**: 5 minutes"),
        md("## Imports"),
        code("import labkit", execution_count=1),
        md("## Run the machine"),
        code("world = labkit.connect()", execution_count=2),
        md("## Summary\nDone."),
        md("### What's next?\n01."),
        md("## Resources and references\n- docs"),
    ]


def test_checker_accepts_a_good_page():
    assert skeleton_problems(_nb(*_good_cells())) == []
    assert cell_problems(_nb(*_good_cells())) == []


def test_checker_flags_order_missing_and_extra_headings():
    cells = _good_cells()
    cells[1], cells[2] = cells[2], cells[1]
    assert any("out of order" in p for p in skeleton_problems(_nb(*cells)))
    cells = [c for c in _good_cells() if "Summary" not in c.source]
    assert "missing heading 'Summary'" in skeleton_problems(_nb(*cells))
    cells = [*_good_cells(), nbformat.v4.new_markdown_cell("## Appendix")]
    assert any("must be the last" in p for p in skeleton_problems(_nb(*cells)))
    cells = [nbformat.v4.new_markdown_cell("# Second title"), *_good_cells()]
    assert any("exactly one '#' title" in p for p in skeleton_problems(_nb(*cells)))


def test_checker_ignores_headings_inside_code_fences():
    cells = _good_cells()
    cells[5] = nbformat.v4.new_markdown_cell("## Run the machine\n```\n# not a title\n```")
    assert skeleton_problems(_nb(*cells)) == []


def test_checker_flags_long_cells_stderr_and_tracebacks():
    cells = _good_cells()
    code = nbformat.v4.new_code_cell("\n".join(["x = 1"] * 9), execution_count=3)
    code.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="DeprecationWarning"),
        nbformat.v4.new_output("error", ename="ClientError", evalue="boom", traceback=[]),
    ]
    problems = cell_problems(_nb(*cells, code))
    assert any("9 lines" in p for p in problems)
    assert any("stderr" in p for p in problems)
    assert any("raised ClientError" in p for p in problems)
    code.metadata["tags"] = ["raises-exception"]
    code.source = "raise ValueError"
    code.outputs = code.outputs[1:]
    assert cell_problems(_nb(*cells, code)) == []


def test_checker_flags_unexecuted_cells_and_missing_time_to_learn():
    cells = _good_cells()
    cells[6] = nbformat.v4.new_code_cell("world = labkit.connect()")
    assert any("never executed" in p for p in cell_problems(_nb(*cells)))
    cells = _good_cells()
    cells[2] = nbformat.v4.new_markdown_cell("## Prerequisites\nNone.")
    assert "'Prerequisites' must state 'Time to learn'" in skeleton_problems(_nb(*cells))
