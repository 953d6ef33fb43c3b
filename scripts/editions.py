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
#: The editions' languages, English first; each non-English one lives in a folder of its name.
LANGUAGES = ("en", "ko")
REVEAL_SUMMARY = {"en": "Reveal the solution", "ko": "해답 보기"}
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
KERNEL_ENV_UNSET = ("MPLBACKEND", "AWS_PROFILE", "LABKIT_LANG", "JPY_SESSION_NAME")


def folders(language: str = "en") -> tuple[Path, Path, Path]:
    """(sources, learner edition, docs edition) of ``language``: ``lessons/``, ``notebooks/``,
    ``docs/lessons/`` for English, the ``ko/`` folder in each for Korean."""
    if language == "en":
        return LESSONS, LEARNER, DOCS
    return LESSONS / language, LEARNER / language, DOCS / language


def kernel_env(language: str = "en") -> dict[str, str]:
    """The environment of a kernel running a lesson in ``language``: Korean lessons' kernels
    get ``LABKIT_LANG=ko`` (labkit speaks Korean); English ones no ``LABKIT_LANG`` at all."""
    env = dict(KERNEL_ENV)
    if language != "en":
        env["LABKIT_LANG"] = language
    return env


def apply_kernel_env(environ=os.environ, language: str = "en") -> None:
    """Set the lesson kernels' environment in ``environ`` (kernels started later inherit it)."""
    for name in KERNEL_ENV_UNSET:
        environ.pop(name, None)
    environ.update(kernel_env(language))


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


def execute(nb, *, cwd: Path = DOCS, timeout: int = CELL_TIMEOUT_S, language: str = "en"):
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


def _comment_columns(source: str) -> dict[int, int] | None:
    """Line index -> column where its ``#`` comment starts (None: not Python we can read)."""
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return {t.start[0] - 1: t.start[1] for t in tokens if t.type == tokenize.COMMENT}


def _code_lines(source: str) -> list[tuple[str, str]]:
    """(code, comment) of each line of ``source``: code right-stripped, comment with its
    leading spaces ("" when none)."""
    columns = _comment_columns(source) or {}
    out = []
    for index, line in enumerate(source.splitlines()):
        col = columns.get(index, len(line))
        out.append((line[:col].rstrip(), line[len(line[:col].rstrip()) :].rstrip()))
    return out


def code_without_comments(source: str) -> str:
    """``source`` with its ``#`` comments removed (strings untouched), blank lines dropped and
    trailing spaces stripped: what must be equal between a lesson and its translation."""
    if _comment_columns(source) is None:
        return source.strip()
    return "\n".join(code for code, _ in _code_lines(source) if code.strip())


def code_cells(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    """(code without comments, tags) of each code cell of the lesson source ``path``."""
    nb = read_source(path)
    return [
        (code_without_comments(c.source), tuple(tags(c))) for c in nb.cells if c.cell_type == "code"
    ]


CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(?P<body>.*?)^```$", re.M | re.S)
_OPTIONS = re.compile(r"\A(?::[^\n]*\n)+\n?|\A---\n.*?\n---\n", re.S)


def _split_cell(body: str) -> tuple[str, str]:
    """A MyST code cell's body -> (its options block, its code)."""
    match = _OPTIONS.match(body)
    return (match.group(0), body[match.end() :]) if match else ("", body)


def _comment_layout(source: str) -> tuple[list[tuple[str, str, list[str]]], list[str]]:
    """Each code line of ``source`` as (code, trailing comment, comment lines just before it),
    and the comment lines after the last code line."""
    lines: list[tuple[str, str, list[str]]] = []
    pending: list[str] = []
    for (code, comment), raw in zip(_code_lines(source), source.splitlines(), strict=True):
        if code.strip():
            lines.append((code, comment, pending))
            pending = []
        elif comment:
            pending.append(raw)
    return lines, pending


def _merge_comments(english: str, korean: str) -> str:
    """``english`` code with ``korean``'s comments, line by line where the code corresponds.

    Code lines are paired with :class:`difflib.SequenceMatcher` (equal lines, and changed
    runs position by position); a paired line takes the Korean trailing
    comment and the Korean comment lines before it. English comments stay where the Korean
    source has none for that line (new code: to be translated).
    """
    en_lines, _ = _comment_layout(english)
    ko_lines, ko_tail = _comment_layout(korean)
    pairs: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(
        a=[c.strip() for c, _, _ in en_lines], b=[c.strip() for c, _, _ in ko_lines], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):  # changed runs: line by line, in order
            pairs.update(zip(range(i1, i2), range(j1, j2), strict=False))
    out: list[str] = []
    index = 0
    pending: list[str] = []
    for (code, comment), raw in zip(_code_lines(english), english.splitlines(), strict=True):
        if not code.strip():
            if comment:
                pending.append(raw)
            else:
                out += pending + [raw]
                pending = []
            continue
        _, ko_comment, ko_before = ko_lines[pairs[index]] if index in pairs else ("", "", [])
        out += ko_before or pending
        out.append(code + (ko_comment or comment))
        pending = []
        index += 1
    out += (ko_tail or pending) if pending else []
    return "\n".join(out) + ("\n" if english.endswith("\n") else "")


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
        en_cells = list(CODE_CELL.finditer(en_text))
        ko_cells = list(CODE_CELL.finditer(ko_text))
        if len(en_cells) != len(ko_cells):
            report.append(
                f"CELLS {korean.relative_to(REPO)}: {len(en_cells)} English code cells, "
                f"{len(ko_cells)} Korean: add or remove cells (and their prose) by hand"
            )
            continue
        pieces, last, changed = [], 0, 0
        for en, ko in zip(en_cells, ko_cells, strict=True):
            en_opts, en_code = _split_cell(en.group("body"))
            ko_opts, ko_code = _split_cell(ko.group("body"))
            same = en_opts == ko_opts and code_without_comments(en_code) == code_without_comments(
                ko_code
            )
            body = ko.group("body") if same else en_opts + _merge_comments(en_code, ko_code)
            changed += not same
            pieces += [ko_text[last : ko.start("body")], body]
            last = ko.end("body")
        pieces.append(ko_text[last:])
        if changed:
            report.append(f"SYNCED {korean.relative_to(REPO)}: {changed} code cell(s) updated")
            if write:
                korean.write_text("".join(pieces), encoding="utf-8")
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


if __name__ == "__main__":
    sys.exit(main())
