"""The cheat sheet's PNG and PDF are drawn by scripts/make_cheatsheet.py, deterministically,
and the committed files are what the script draws today."""

from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location(
        "make_cheatsheet", REPO / "scripts" / "make_cheatsheet.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cheatsheet_is_deterministic_and_committed_files_are_current(tmp_path):
    script = _script()
    first = script.write(tmp_path / "a")
    second = script.write(tmp_path / "b")
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    png, pdf = first
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and pdf.read_bytes()[:5] == b"%PDF-"
    assert b"CreationDate" not in pdf.read_bytes()
    assert (REPO / "docs" / "cheatsheet.png").read_bytes() == png.read_bytes()
    assert (REPO / "docs" / "cheatsheet.pdf").read_bytes() == pdf.read_bytes()


def test_cheatsheet_page_links_the_files_and_names_both_moments():
    page = (REPO / "docs" / "cheatsheet.md").read_text(encoding="utf-8")
    assert "](cheatsheet.png)" in page and "](cheatsheet.pdf)" in page
    assert "CreateStateMachine" in page and "delivery.logs.amazonaws.com" in page
    commands = [line for line in page.splitlines() if line.startswith("aws ")]
    assert len(commands) == 5
