"""How long ``labkit.doctor`` takes on an offline world (healthy and broken machines).

Printed, never asserted. Goal: an answer well within a second, so a learner can run it
after every change.
"""

from __future__ import annotations

import statistics
import time


def _world_with_machine():
    import labkit
    from labkit import article

    world = labkit.offline()
    role = article.create_role(world.client("iam"))
    group = article.create_log_group(world.client("logs"))
    machine = article.create_state_machine(world.client("stepfunctions"), role, group)
    return world, machine


def _median_ms(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def run() -> list[dict]:
    from labkit import article
    from labkit.doctor import doctor

    world, machine = _world_with_machine()
    healthy = _median_ms(lambda: doctor(world, machine))
    article.delete_resource_policy(world.client("logs"))
    broken = _median_ms(lambda: doctor(world, machine))
    world.close()
    return [
        {
            "name": "doctor, healthy machine (offline)",
            "median": round(healthy, 1),
            "unit": "ms",
            "goal": "< 1000 ms",
        },
        {
            "name": "doctor, missing policy (offline)",
            "median": round(broken, 1),
            "unit": "ms",
            "goal": "< 1000 ms",
            "ratio": round(broken / healthy, 2) if healthy else None,
        },
    ]


if __name__ == "__main__":
    for row in run():
        print(row)
