"""Offline world benchmarks (printed, never asserted).

* one Hello World v2 execution + its delivery + the filter_log_events round trip
  (goal: median under 20 ms);
* the tour's wall time (goal: under 3 s);
* creating a world after import (goal: under 0.5 s).
"""

from __future__ import annotations

import statistics
import time

import labkit
from labkit import article, tour


def _median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def bench_round_trip(n: int = 30) -> dict:
    with labkit.offline(seed=0) as world:
        iam, logs, sfn = (world.client(x) for x in ("iam", "logs", "stepfunctions"))
        machine = article.create_state_machine(
            sfn, article.create_role(iam), article.create_log_group(logs)
        )
        article.start_execution(sfn, machine, name="warm-up")
        world.settle()
        samples = []
        for i in range(n):
            t = time.perf_counter()
            run = article.start_execution(sfn, machine, name=f"run-{i}")
            world.settle()
            events = logs.filter_log_events(
                logGroupName=article.LOG_GROUP_NAME, filterPattern=f'"{run}"'
            )["events"]
            samples.append(time.perf_counter() - t)
            assert len(events) == 20
    return {
        "name": "hw_v2_execution_delivery_filter",
        "median_ms": _median_ms(samples),
        "goal_ms": 20,
        "n": n,
    }


def bench_tour(n: int = 3) -> dict:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        tour.run_tour(seed=0)
        samples.append(time.perf_counter() - t)
    return {"name": "tour_wall", "median_ms": _median_ms(samples), "goal_ms": 3000, "n": n}


def bench_world_creation(n: int = 10) -> dict:
    labkit.offline().close()  # imports done
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        with labkit.offline() as world:
            for name in ("iam", "logs", "stepfunctions"):
                world.client(name)
        samples.append(time.perf_counter() - t)
    return {
        "name": "world_creation_with_3_clients",
        "median_ms": _median_ms(samples),
        "goal_ms": 500,
        "n": n,
    }


def run() -> list[dict]:
    """Run every benchmark; return one dict per measurement."""
    return [bench_world_creation(), bench_round_trip(), bench_tour()]


if __name__ == "__main__":
    for row in run():
        ratio = row["median_ms"] / row["goal_ms"]
        print(
            f"{row['name']:<36} median {row['median_ms']:>9.2f} ms  goal {row['goal_ms']} ms  ({ratio:.2f}x goal)"
        )
