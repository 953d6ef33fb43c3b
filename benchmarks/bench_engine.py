"""Benchmark labkit's ASL engine, side by side with moto's interpreter (printed, not asserted).

Run ``python benchmarks/bench_engine.py``. ``run()`` returns one row per measurement:
``name``, ``median``, ``unit``, ``goal`` and ``ratio``. For a time goal ("< 5 ms") the
ratio is goal / median (above 1 meets it); for a speed-up goal ("≥ 100×") it is
moto's median / labkit's median.
"""

from __future__ import annotations

import json
import logging
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

from labkit.engine import parse_definition
from labkit.engine import run as run_machine
from labkit.engine.templates import HELLO_WORLD_V2

KW = {
    "execution_arn": "arn:aws:states:us-east-1:123456789012:execution:HelloWorld:bench",
    "state_machine_arn": "arn:aws:states:us-east-1:123456789012:stateMachine:HelloWorld",
    "role_arn": "arn:aws:iam::123456789012:role/bench",
    "start": datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
}
MAP_25000 = json.dumps(
    {
        "StartAt": "M",
        "States": {
            "M": {
                "Type": "Map",
                "End": True,
                "ItemProcessor": {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
            }
        },
    }
)


def without_wait(text: str) -> str:
    doc = json.loads(text)
    del doc["States"]["Wait 3 sec"]
    doc["States"]["Yes"]["Next"] = "Parallel State"
    return json.dumps(doc)


def timed(fn, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def labkit_seconds(text: str, repeat: int, input_text: str = "{}") -> float:
    definition = parse_definition(text)
    for _ in range(20):
        run_machine(definition, input_text, **KW)  # warm-up
    return timed(lambda: run_machine(definition, input_text, **KW), repeat)


def moto_seconds(text: str, repeat: int) -> float:
    import boto3
    from moto import mock_aws

    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="us-east-1")
        arn = sfn.create_state_machine(name="HelloWorld", definition=text, roleArn=KW["role_arn"])[
            "stateMachineArn"
        ]
        counter = iter(range(10**6))

        def once() -> None:
            name = f"bench-{next(counter)}"
            execution = sfn.start_execution(stateMachineArn=arn, name=name, input="{}")[
                "executionArn"
            ]
            while sfn.describe_execution(executionArn=execution)["status"] == "RUNNING":
                time.sleep(0.002)

        once()  # warm-up (loads the ANTLR parser)
        return timed(once, repeat)


COLD_LABKIT = """
from datetime import UTC, datetime
from labkit.engine import parse_definition, run
from labkit.engine.templates import HELLO_WORLD_V2
r = run(parse_definition(HELLO_WORLD_V2), "{}", execution_arn="arn:aws:states:us-east-1:1:execution:h:e",
        state_machine_arn="arn:aws:states:us-east-1:1:stateMachine:h", role_arn="arn:aws:iam::1:role/r",
        start=datetime(2026, 11, 2, tzinfo=UTC))
assert r.status == "SUCCEEDED"
"""
COLD_MOTO = """
import logging, time, json, boto3
from moto import mock_aws
logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = sfn.create_state_machine(name="h", definition=%r, roleArn="arn:aws:iam::123456789012:role/r")["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=arn, name="e", input="{}")["executionArn"]
    while sfn.describe_execution(executionArn=ex)["status"] == "RUNNING":
        time.sleep(0.002)
"""


def cold_seconds(code: str, repeat: int) -> float:
    return timed(lambda: subprocess.run([sys.executable, "-c", code], check=True), repeat)


def run() -> list[dict]:
    rows = []
    hw = labkit_seconds(HELLO_WORLD_V2, 200)
    rows.append(
        {
            "name": "labkit: Hello World v2 execution",
            "median": hw * 1000,
            "unit": "ms",
            "goal": "< 5 ms",
            "ratio": 0.005 / hw,
        }
    )
    moto_wait = moto_seconds(HELLO_WORLD_V2, 2)
    rows.append(
        {
            "name": "moto: Hello World v2 (real 3 s Wait)",
            "median": moto_wait * 1000,
            "unit": "ms",
            "goal": "reference",
            "ratio": None,
        }
    )
    rows.append(
        {
            "name": "labkit vs moto: Hello World v2 with Wait",
            "median": hw * 1000,
            "unit": "ms",
            "goal": ">= 100x faster",
            "ratio": moto_wait / hw,
        }
    )
    short = without_wait(HELLO_WORLD_V2)
    hw_short, moto_short = labkit_seconds(short, 200), moto_seconds(short, 10)
    rows.append(
        {
            "name": "moto: Hello World v2 without Wait",
            "median": moto_short * 1000,
            "unit": "ms",
            "goal": "reference",
            "ratio": None,
        }
    )
    rows.append(
        {
            "name": "labkit vs moto: Hello World v2 without Wait",
            "median": hw_short * 1000,
            "unit": "ms",
            "goal": ">= 5x faster",
            "ratio": moto_short / hw_short,
        }
    )
    big = parse_definition(MAP_25000)
    items = json.dumps(list(range(6300)))
    assert len(run_machine(big, items, **KW).events) == 25000
    map_time = timed(lambda: run_machine(big, items, **KW), 5)
    rows.append(
        {
            "name": "labkit: Map reaching 25,000 events",
            "median": map_time,
            "unit": "s",
            "goal": "< 1 s",
            "ratio": 1 / map_time,
        }
    )
    cold = cold_seconds(COLD_LABKIT, 3)
    rows.append(
        {
            "name": "labkit: cold start (import + first execution)",
            "median": cold,
            "unit": "s",
            "goal": "< 1 s",
            "ratio": 1 / cold,
        }
    )
    cold_moto = cold_seconds(COLD_MOTO % short, 1)
    rows.append(
        {
            "name": "moto: cold start (import + first execution, no Wait)",
            "median": cold_moto,
            "unit": "s",
            "goal": "reference",
            "ratio": cold_moto / cold,
        }
    )
    return rows


def main() -> None:
    for row in run():
        ratio = "" if row["ratio"] is None else f"{row['ratio']:.1f}"
        print(
            f"{row['name']:<58} {row['median']:>10.3f} {row['unit']:<3} goal {row['goal']:<15} ratio {ratio}"
        )


if __name__ == "__main__":
    main()
