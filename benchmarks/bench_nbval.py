"""Strict nbval over the docs edition: how long ``pytest docs/lessons`` takes, end to end.

Every lesson of ``docs/lessons/`` runs in a fresh kernel and each output is compared with
the stored one (the README's test command does the same as part of the suite). Goal: under
30 s on the 2-core machine. Printed numbers only; no assertion.

    python benchmarks/bench_nbval.py
    LABKIT_BENCH_NBVAL_RUNS=1 python benchmarks/bench_nbval.py   # one run only
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("LABKIT_BENCH_NBVAL_RUNS", "3"))


def _one_run() -> tuple[float, int]:
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "docs/lessons", "-q", "-p", "no:randomly"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"strict nbval failed:\n{done.stdout[-3000:]}")
    passed = re.search(r"(\d+) passed", done.stdout)
    return seconds, int(passed.group(1)) if passed else 0


def run() -> list[dict]:
    times, cells = [], 0
    for _ in range(RUNS):
        seconds, cells = _one_run()
        times.append(seconds)
    notebooks = len(list((REPO / "docs" / "lessons").glob("*.ipynb")))
    return [
        {
            "name": f"strict nbval, docs edition ({notebooks} notebooks, {cells} cells)",
            "median_s": round(statistics.median(times), 1),
            "runs": RUNS,
            "goal_s": 30,
        }
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
