"""Repository hygiene: public API, no machine paths, lessons stored with outputs, ignored
artifacts, modules short enough to read in one sitting, no import cycles in labkit."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import labkit

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "docs" / "lessons").glob("*.ipynb"))  # the executed docs edition


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
    return [f for f in out.split("\0") if f]


def test_labkit_all_lists_exactly_the_public_names():
    assert labkit.__all__ == sorted(labkit.__all__)
    assert set(labkit.__all__) == set(labkit._LAZY) | {"__version__"}
    assert dir(labkit) == labkit.__all__
    for name in labkit.__all__:
        assert getattr(labkit, name) is not None, name
    with pytest.raises(AttributeError):
        labkit.not_a_public_name  # noqa: B018


def test_no_tracked_file_names_an_absolute_workspace_path():
    needle = b"/" + b"work/"  # spelled in two parts so this file does not match itself
    offenders = []
    for rel in tracked_files():
        path = REPO / rel
        if path.is_file() and needle in path.read_bytes():
            offenders.append(rel)
    assert not offenders, f"absolute machine paths in: {offenders}"


def test_artifacts_folder_is_git_ignored():
    done = subprocess.run(["git", "check-ignore", "-q", "artifacts/browser/shot.png"], cwd=REPO)
    assert done.returncode == 0


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_lesson_notebooks_are_stored_executed(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
    assert code, "a lesson without code cells"
    unrun = [i for i, c in enumerate(code) if c.execution_count is None]
    assert not unrun, (
        f"code cells {unrun} (0-based) have no stored execution: run scripts/editions.py"
    )
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert any(c.outputs for c in code), "no stored outputs: nbval would compare nothing"


def test_some_lessons_exist():
    if not NOTEBOOKS:
        pytest.skip("no lesson notebooks yet")
    names = {p.name for p in NOTEBOOKS}
    assert "00_start_here.ipynb" in names
    # the README, the Binder badge and the hub link open the learner edition's first lesson
    assert (REPO / "notebooks" / "00_start_here.ipynb").is_file()


# ----------------------------------------------------------------- legible modules

#: "modules short enough to read in one sitting": split a module before it passes this
MAX_MODULE_LINES = 650
MODULE_ROOTS = ("labkit", "scripts", "deploy")


def _modules(*roots: str) -> list[Path]:
    tracked = {REPO / rel for rel in tracked_files()}
    found = [p for root in roots for p in sorted((REPO / root).rglob("*.py"))]
    return [p for p in found if p in tracked or not _git_ignored(p)]


def _git_ignored(path: Path) -> bool:
    done = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=REPO)
    return done.returncode == 0


def test_no_module_is_longer_than_one_sitting():
    modules = _modules(*MODULE_ROOTS)
    assert len(modules) > 50  # the roots exist and hold the project's code
    too_long = {
        str(p.relative_to(REPO)): n
        for p in modules
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not too_long, f"split these modules (more than {MAX_MODULE_LINES} lines): {too_long}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _import_time_imports(path: Path, name: str, known: set[str]) -> set[str]:
    """labkit modules that ``path`` imports when it is imported (not inside functions, not
    under ``if TYPE_CHECKING:``)."""
    import ast

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                submodules = {f"{base}.{a.name}" for a in node.names} & known
                found.update(submodules)
                if len(submodules) < len(node.names):  # names defined by ``base`` itself
                    found.add(base)
            elif isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if "TYPE_CHECKING" not in test:
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody):
                    visit(block)
                for handler in node.handlers:
                    visit(handler.body)
            elif isinstance(node, ast.With):
                visit(node.body)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return {m for m in found if m in known and m != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return out


def test_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_labkit_has_no_import_cycles_at_module_import_time():
    """What each labkit module imports as it is imported forms no cycle (imports inside
    functions, which run later, and ``TYPE_CHECKING`` blocks do not count)."""
    paths = {_module_name(p): p for p in _modules("labkit")}
    graph = {name: _import_time_imports(path, name, set(paths)) for name, path in paths.items()}
    assert graph["labkit.world.offline"] >= {"labkit.world.stepfunctions"}  # the graph is real
    assert not _cycles(graph), f"import cycles: {_cycles(graph)}"


def test_every_labkit_module_imports_in_a_fresh_interpreter_in_any_order():
    """Import every labkit module, in a random order, in a new Python: a cycle or an import
    that needs another module imported first fails here (the seed is in the message)."""
    names = sorted(_module_name(p) for p in _modules("labkit"))
    seed = random.randrange(10**6)
    random.Random(seed).shuffle(names)
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", code, *names],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"seed {seed}, order {names}:\n{done.stderr[-3000:]}"
