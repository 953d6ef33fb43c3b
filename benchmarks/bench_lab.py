"""Policy lab speed: one Run (apply, execute, deliver, draw) to a new figure, driven from code.

Goal: p95 under 250 ms on the 2-core machine (a click should feel immediate). Printed
numbers only; no assertion.

    python benchmarks/bench_lab.py
"""

from __future__ import annotations

import statistics
import time

import labkit
from labkit.lab import PolicyLab

RUNS = 30
SETTINGS = (
    {"resource_policy": "auto-created", "role": "log-delivery"},
    {"resource_policy": "none", "role": "AdministratorAccess"},
)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run() -> list[dict]:
    rows = []
    with labkit.offline() as world:
        lab = PolicyLab(world)
        lab.run()  # warm-up: imports, fonts, first figure
        for settings in SETTINGS:
            times = []
            for _ in range(RUNS):
                lab.set(**settings)
                t0 = time.perf_counter()
                lab.button.click()  # apply + execute + settle + timeline + PNG into the Output
                times.append((time.perf_counter() - t0) * 1000)
            rows.append(
                {
                    "bench": "lab_run_click",
                    "case": settings["resource_policy"],
                    "runs": RUNS,
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(_percentile(times, 0.95), 1),
                    "goal_p95_ms": 250,
                }
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(row)
