"""Build both editions of every lesson from its one source, ``lessons/NN_name.md``.

    python scripts/editions.py                 # write both editions of every lesson
    python scripts/editions.py 02 07           # only these lessons
    python scripts/editions.py --check         # compare with a fresh build; write nothing
    python scripts/editions.py --learner-only  # skip the (slow) executed docs edition
    python scripts/editions.py --check --stored  # re-run the stored docs edition (no jupytext)
    python scripts/editions.py --language ko   # only the Korean edition (default: en and ko)
    python scripts/editions.py --sync-ko-code  # copy English code into lessons/ko/, keep comments

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

**Korean edition.** ``lessons/ko/NN_name.md`` is the same lesson in Korean: the prose is
translated, the code cells are the English source's, character for character once comments
are stripped (tests/test_korean_lessons.py checks it; :func:`code_without_comments`). From
it come ``notebooks/ko/`` and ``docs/lessons/ko/`` exactly as above, with kernels that run
with ``LABKIT_LANG=ko`` (:func:`kernel_env`), so labkit's own words are Korean and AWS's
stay English. After the English code changes, ``--sync-ko-code`` copies each English code
cell into the Korean source, keeping the Korean comments of lines whose code is unchanged
(:func:`sync_korean_code`); it reports cells added or removed, whose prose needs a translator.

This file holds the paths, the command line and every read or write of the repository;
its parts live beside it in ``scripts/lesson_editions/`` (``kernel``, ``notebooks``,
``executed``, ``korean_code``) and their names are importable from here too.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # loaded by file path (tests, conftest.py): find its parts
    sys.path.append(str(HERE))

from lesson_editions.executed import (  # noqa: E402
    CELL_TIMEOUT_S,
    EXCEPTION_TAGS,
    TEXT_MIMES,
    WIDGET_STATE,
    WIDGET_VIEW,
    execute,
    normalise,
    sanitize,
    sanitize_rules,
)
from lesson_editions.kernel import (  # noqa: E402
    KERNEL_ENV,
    KERNEL_ENV_UNSET,
    KERNEL_NAME,
    apply_kernel_env,
    kernel_env,
)
from lesson_editions.korean_code import (  # noqa: E402
    CODE_CELL,
    code_cell_count,
    code_without_comments,
    sync_code_cells,
)
from lesson_editions.notebooks import (  # noqa: E402
    DOCS_ONLY,
    EXERCISE,
    KERNELSPEC,
    LANGUAGE_INFO,
    REVEAL_SUMMARY,
    SOLUTION,
    docs_source,
    learner_edition,
    read_source,
    reveal,
    tags,
    writes,
)

REPO = HERE.parent
LESSONS = REPO / "lessons"
LEARNER = REPO / "notebooks"
DOCS = REPO / "docs" / "lessons"
#: The editions' languages, English first; each non-English one lives in a folder of its name.
LANGUAGES = ("en", "ko")
SANITIZE_FILE = REPO / "tests" / "nbval_sanitize.cfg"


def folders(language: str = "en") -> tuple[Path, Path, Path]:
    """(sources, learner edition, docs edition) of ``language``: ``lessons/``, ``notebooks/``,
    ``docs/lessons/`` for English, the ``ko/`` folder in each for Korean."""
    if language == "en":
        return LESSONS, LEARNER, DOCS
    return LESSONS / language, LEARNER / language, DOCS / language


def language_of(path: Path) -> str:
    """The language of a lesson file from its folder: ``.../ko/NN_name.*`` -> ``ko``."""
    return path.parent.name if path.parent.name in LANGUAGES else "en"


# ------------------------------------------------------------------ sources and the learner edition


def lesson_sources(selected: list[str] | None = None, language: str = "en") -> list[Path]:
    """``lessons/NN_name.md`` (``lessons/ko/...`` for Korean), all or those starting with ``selected``."""
    paths = sorted(folders(language)[0].glob("[0-9][0-9]_*.md"))
    if selected:
        paths = [p for p in paths if any(p.stem.startswith(s) for s in selected)]
    return paths


def machine_paths(text: str) -> list[str]:
    """Absolute paths of this machine that leaked into outputs (they differ on every clone)."""
    found = []
    for path in {str(REPO), sys.prefix, str(Path.home())}:
        if path and path != "/" and path in text:
            found.append(path)
    return sorted(found)


def docs_edition(
    source_nb, name: str, *, rules, timeout: int = CELL_TIMEOUT_S, language: str = "en"
) -> str:
    """The executed docs edition of a lesson as stable text (``source_nb`` is not changed)."""
    executed = execute(
        docs_source(source_nb, name),
        cwd=folders(language)[2],
        timeout=timeout,
        language=language,
    )
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


def check_stored(
    sources: list[Path], *, rules, timeout: int = CELL_TIMEOUT_S, language: str = "en"
) -> int:
    """Re-run each stored ``docs/lessons`` notebook and compare: do these pins reproduce it?"""
    bad = []
    docs = folders(language)[2]
    for path in sources:
        stored = docs / f"{path.stem}.ipynb"
        nb = nbformat.read(stored, as_version=4)
        try:
            executed = execute(nb, cwd=docs, timeout=timeout, language=language)
            text = normalise(executed, name=path.stem, rules=rules)
        except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
            lines = str(err).strip().splitlines()
            print(f"FAILED {stored.relative_to(REPO)}: {lines[-1] if lines else err}")
            bad.append(stored.name)
            continue
        if not _compare(stored, text, check=True):
            bad.append(stored.name)
    return 1 if bad else 0


# ------------------------------------------------------------------ one source of code per lesson


def code_cells(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(code without comments, tags) of each code cell of the lesson source ``path``."""
    nb = read_source(path)
    return [
        (code_without_comments(c.source), tuple(tags(c))) for c in nb.cells if c.cell_type == "code"
    ]


def sync_korean_code(name: str | None = None, *, write: bool = True) -> list[str]:
    """Copy the English code cells into ``lessons/ko/`` (all lessons, or the one ``name``).

    Cells are paired in order. A Korean cell whose code (without comments) equals the English
    one is left alone; a changed one takes the English code and options, keeping the Korean
    comments of unchanged lines. When the two sources have different numbers of code cells,
    nothing is changed in that lesson and the report says so: the prose around an added or
    removed cell needs a translator. Returns the report lines.
    """
    report = []
    for english in lesson_sources([name] if name else None):
        korean = folders("ko")[0] / english.name
        if not korean.exists():
            report.append(f"MISSING {korean.relative_to(REPO)}: translate {english.name}")
            continue
        en_text = english.read_text(encoding="utf-8")
        ko_text = korean.read_text(encoding="utf-8")
        synced = sync_code_cells(en_text, ko_text)
        if synced is None:
            report.append(
                f"CELLS {korean.relative_to(REPO)}: {code_cell_count(en_text)} English code "
                f"cells, {code_cell_count(ko_text)} Korean: add or remove cells (and their "
                "prose) by hand"
            )
            continue
        text, changed = synced
        if changed:
            report.append(f"SYNCED {korean.relative_to(REPO)}: {changed} code cell(s) updated")
            if write:
                korean.write_text(text, encoding="utf-8")
    return report


# ------------------------------------------------------------------ command line (main)


def build(language: str, args, rules) -> tuple[list[str], list[str]]:
    """Build (or check) one language's editions; (failed lessons, differing files)."""
    sources_dir, learner_dir, docs_dir = folders(language)
    sources = lesson_sources(args.lessons, language)
    failed, differing = [], []
    for path in sources:
        name = path.stem
        source_nb = read_source(path)
        learner = writes(learner_edition(source_nb, name, language))
        if not _compare(learner_dir / f"{name}.ipynb", learner, check=args.check):
            differing.append(str((learner_dir / f"{name}.ipynb").relative_to(REPO)))
        if args.learner_only:
            continue
        docs_path = docs_dir / f"{name}.ipynb"
        try:
            docs = docs_edition(
                source_nb, name, rules=rules, timeout=args.timeout, language=language
            )
        except (CellExecutionError, CellTimeoutError, DeadKernelError, ValueError) as err:
            lines = str(err).strip().splitlines()
            print(
                f"FAILED {docs_path.relative_to(REPO)}: "
                f"{lines[-1] if lines else type(err).__name__}"
            )
            failed.append(name)
            continue
        if not _compare(docs_path, docs, check=args.check):
            differing.append(str(docs_path.relative_to(REPO)))
    if not args.lessons:
        built = {f"{p.stem}.ipynb" for p in sources}
        for folder in (learner_dir, docs_dir):
            for extra in sorted(p for p in folder.glob("*.ipynb") if p.name not in built):
                rel = extra.relative_to(REPO)
                source = f"{sources_dir.relative_to(REPO)}/{extra.stem}.md"
                print(f"STALE {extra.name} ({rel}): no {source} builds it; delete it")
                differing.append(str(rel))
    return failed, differing


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
    parser.add_argument(
        "--language", choices=(*LANGUAGES, "all"), default="all", help="which edition"
    )
    parser.add_argument(
        "--sync-ko-code",
        action="store_true",
        help="copy the English code cells into lessons/ko/ (keeping Korean comments), then stop",
    )
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds per cell")
    args = parser.parse_args(argv)
    if args.sync_ko_code:
        report = []
        for name in args.lessons or [None]:
            report += sync_korean_code(name, write=not args.check)
        print("\n".join(report) or "lessons/ko: every code cell equals the English source's")
        return 1 if args.check and report else 0
    languages = LANGUAGES if args.language == "all" else (args.language,)
    if not any(lesson_sources(args.lessons, lang) for lang in languages):
        print("No lessons/NN_name.md matched: nothing to build.")
        return 1
    rules = sanitize_rules(SANITIZE_FILE.read_text(encoding="utf-8"))
    if args.stored:
        return max(
            check_stored(
                lesson_sources(args.lessons, lang),
                rules=rules,
                timeout=args.timeout,
                language=lang,
            )
            for lang in languages
        )
    failed, differing = [], []
    for language in languages:
        f, d = build(language, args, rules)
        failed += f
        differing += d
    if differing:
        print(
            f"{len(differing)} file(s) differ from a fresh build: {', '.join(differing)}. "
            "Run: python scripts/editions.py"
        )
    return 1 if failed or differing else 0


__all__ = [
    "CELL_TIMEOUT_S",
    "CODE_CELL",
    "DOCS",
    "DOCS_ONLY",
    "EXCEPTION_TAGS",
    "EXERCISE",
    "KERNELSPEC",
    "KERNEL_ENV",
    "KERNEL_ENV_UNSET",
    "KERNEL_NAME",
    "LANGUAGES",
    "LANGUAGE_INFO",
    "LEARNER",
    "LESSONS",
    "REPO",
    "REVEAL_SUMMARY",
    "SANITIZE_FILE",
    "SOLUTION",
    "TEXT_MIMES",
    "WIDGET_STATE",
    "WIDGET_VIEW",
    "apply_kernel_env",
    "build",
    "check_stored",
    "code_cells",
    "code_without_comments",
    "docs_edition",
    "docs_source",
    "execute",
    "folders",
    "kernel_env",
    "language_of",
    "learner_edition",
    "lesson_sources",
    "machine_paths",
    "main",
    "normalise",
    "read_source",
    "reveal",
    "sanitize",
    "sanitize_rules",
    "sync_korean_code",
    "tags",
    "writes",
]


if __name__ == "__main__":
    sys.exit(main())
