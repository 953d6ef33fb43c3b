"""Repository hygiene: public API, no machine paths, lessons stored with outputs, ignored artifacts."""

from __future__ import annotations

import subprocess
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
