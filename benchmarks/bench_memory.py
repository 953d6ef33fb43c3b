"""Benchmark memory: RSS growth over many executions in one offline world, and after close().

Issue 14: moto's ``instances_tracked`` kept every LogEvent (5,000 executions added about
340 MB, and closing the world released nothing). Goals: growth under 50 MB after 5,000
executions of the article's machine (logging ALL, so every execution delivers its
events); after ``close()`` and a fresh world, RSS back near the first world's baseline.

Where the bytes go (tracemalloc, per execution of 20 delivered events, about 8.8 KB): the
delivery audit rows (``_Row``, 2.6 KB, plus 0.9 KB of event times), the delivered events
packed per PutLogEvents call (``labkit/world/packed_log_events.py``: 1.0 KB compressed
messages, 0.6 KB timestamps and lengths, 1.0 KB of views moto reads), the compressed
history (0.8 KB) and the execution record (0.7 KB).

Resident set size comes from ``psutil`` and is measured after ``gc.collect()``; CPython's
allocator keeps freed arenas, so "back to baseline" means within a few MB. Numbers are
printed, never asserted. Run ``python benchmarks/bench_memory.py [executions]``; the
aggregate runner (``benchmarks/run.py``) calls :func:`run`.
"""

from __future__ import annotations

import gc
import sys

import psutil

import labkit
from labkit import article

GOAL_MB = 50


def _rss_mb() -> float:
    gc.collect()
    return psutil.Process().memory_info().rss / 2**20


def _world_with_machine(seed: int) -> tuple[object, object, str]:
    world = labkit.offline(seed=seed)
    iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
    machine = article.create_state_machine(
        sfn, article.create_role(iam), article.create_log_group(logs)
    )
    return world, sfn, machine


def run(executions: int = 5000) -> list[dict]:
    """Rows of ``{"name", "median", "unit", "goal"}`` (one measurement each, in MB)."""
    world, sfn, machine = _world_with_machine(seed=1)
    sfn.start_execution(stateMachineArn=machine)
    world.settle()  # warm: imports, caches, first delivery
    baseline = _rss_mb()
    for i in range(executions):
        sfn.start_execution(stateMachineArn=machine)
        if i % 100 == 99:
            world.settle()  # as a learner reading results would
    world.settle()
    grown = _rss_mb() - baseline
    world.close()
    del world, sfn
    after_close = _rss_mb() - baseline
    world2, sfn2, machine2 = _world_with_machine(seed=2)
    sfn2.start_execution(stateMachineArn=machine2)
    world2.settle()
    fresh = _rss_mb() - baseline
    world2.close()
    return [
        {
            "name": f"RSS growth after {executions:,} executions (logging ALL), one world",
            "median": round(grown, 1),
            "unit": "MB",
            "goal": f"< {GOAL_MB} MB",
        },
        {
            "name": "RSS above baseline after close()",
            "median": round(after_close, 1),
            "unit": "MB",
            "goal": "near 0 MB",
        },
        {
            "name": "RSS above baseline with a fresh world after close()",
            "median": round(fresh, 1),
            "unit": "MB",
            "goal": "near 0 MB",
        },
    ]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    for row in run(n):
        print(f"{row['name']:<70} {row['median']:>8} {row['unit']}  (goal {row['goal']})")


if __name__ == "__main__":
    main()
