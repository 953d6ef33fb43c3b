"""Docs site build time: the README's docs command's Sphinx step, from a clean output folder.

Each run builds ``docs/`` (landing page and every ``docs/lessons/*.ipynb``; MyST-NB never
executes them) into a new temporary folder with the README's flags (``-W --keep-going``),
so nothing is reused between runs; a second row times a rebuild with nothing changed.
Goal: a fresh build under 60 s on the 2-core machine, so that CI's docs check and the
docs test stay cheap. Printed numbers only; no assertion.

    python benchmarks/bench_docs.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = 3
FLAGS = ["-W", "--keep-going", "-q", "-b", "html"]


def _build(out: Path) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", *FLAGS, "docs", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"the docs build failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def run() -> list[dict]:
    lessons = sorted((REPO / "docs" / "lessons").glob("*.ipynb"))
    if not lessons:
        raise RuntimeError("docs/lessons/ has no notebooks: generate the docs edition first")
    fresh, again = [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "html"
            fresh.append(_build(out))
            again.append(_build(out))  # nothing changed: Sphinx reads nothing again
    pages = len(lessons) + 1
    return [
        {
            "name": f"docs build, fresh ({pages} pages)",
            "median": round(statistics.median(fresh), 2),
            "unit": "s",
            "goal_s": 60,
            "runs": RUNS,
        },
        {
            "name": "docs rebuild, nothing changed",
            "median": round(statistics.median(again), 2),
            "unit": "s",
            "ratio": round(statistics.median(again) / statistics.median(fresh), 3),
            "runs": RUNS,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
