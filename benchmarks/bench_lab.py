"""Policy lab speed: one Run (apply, execute, deliver, draw) to a new figure, driven from code.

Goal: p95 under 100 ms on an idle 2-core machine (a click should feel immediate; issue 12).
The click ends when the panel holds the new PNG, its verdict and the world's state read
back. Printed numbers only; no assertion. On a shared, busy machine the numbers are
several times higher, so the process CPU time of each click is printed too: it is close
to what an idle machine's wall-clock time would be (single-threaded work, no waiting).

    python benchmarks/bench_lab.py
"""

from __future__ import annotations

import statistics
import time

import labkit
from labkit.lab import PolicyLab

RUNS = 30
SETTINGS = (
    {"resource_policy": "auto-created", "role": "article"},
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
            times, cpu = [], []
            for _ in range(RUNS):
                lab.set(**settings)
                t0, c0 = time.perf_counter(), time.process_time()
                lab.button.click()  # apply + execute + settle + timeline + PNG into the Output
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            rows.append(
                {
                    "bench": "lab_run_click",
                    "case": settings["resource_policy"],
                    "runs": RUNS,
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": round(_percentile(times, 0.95), 1),
                    "cpu_p50_ms": round(statistics.median(cpu), 1),
                    "cpu_p95_ms": round(_percentile(cpu, 0.95), 1),
                    "name": f"Run click to new figure ({settings['resource_policy']})",
                    "median": round(statistics.median(times), 1),
                    "unit": "ms",
                    "goal": "p95 < 100 ms (idle machine)",
                }
            )
    return rows


if __name__ == "__main__":
    for row in run():
        print(
            f"{row['name']:44} wall p50 {row['p50_ms']:6.1f} p95 {row['p95_ms']:6.1f} ms | "
            f"CPU p50 {row['cpu_p50_ms']:6.1f} p95 {row['cpu_p95_ms']:6.1f} ms"
        )
