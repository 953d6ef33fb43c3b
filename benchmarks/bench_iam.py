"""Benchmark labkit.iam: evaluations per second with the policy parsed once.

Prints medians of CPU-time rates (``time.process_time``: one core's work, less distorted
than wall time on a shared machine); asserts nothing. Goal (issue 2): at least 100,000 simple evaluations per
second on one core. Run ``python benchmarks/bench_iam.py``; an aggregate runner calls
:func:`run`.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from labkit.iam import Policy, Request, evaluate
from labkit.iam.examples import delivery_policy

ACCT, REGION = "123456789012", "us-east-1"
SVC = "delivery.logs.amazonaws.com"
LG = "/aws/vendedlogs/states/LookingIntoLogging-Logs"
STREAM = f"arn:aws:logs:{REGION}:{ACCT}:log-group:{LG}:log-stream:states/LookingIntoLogging/2026-11-28-22-31/abc12345"
CONTEXT = {"aws:SourceAccount": ACCT, "aws:SourceArn": f"arn:aws:logs:{REGION}:{ACCT}:*"}
GOAL = 100_000


def auto_created(groups: list[str]) -> dict:
    """CloudWatch Logs' auto-created delivery policy listing ``groups``."""
    return delivery_policy(REGION, ACCT, groups)


def near_limit(limit: int = 5120) -> dict:
    """A policy listing as many log groups as fit in ``limit`` characters, ours last."""
    groups: list[str] = []
    while True:
        trial = [*groups, f"/aws/vendedlogs/states/Machine{len(groups):03d}-Logs"]
        if len(json.dumps(auto_created([*trial, LG]))) > limit:
            break
        groups = trial
    return auto_created([*groups, LG])


def _rate(fn: Callable[[], object], *, n: int, repeats: int = 5) -> float:
    rates = []
    for _ in range(repeats):
        start = time.process_time()
        for _ in range(n):
            fn()
        rates.append(n / max(time.process_time() - start, 1e-9))
    return statistics.median(rates)


def run(n: int = 20_000) -> list[dict]:
    """Rows of ``{"name", "median", "unit", "goal"}``."""
    small = Policy.load(auto_created([LG]), kind="resource")
    big_doc = near_limit()
    big = Policy.load(big_doc, kind="resource")
    request = Request(SVC, "logs:PutLogEvents", STREAM, CONTEXT)
    other = Request(SVC, "logs:PutLogEvents", STREAM.replace("LookingInto", "Other"), CONTEXT)
    rows = [
        ("delivery request, auto-created policy", lambda: evaluate(request, resource=[small])),
        (
            f"delivery request, {len(json.dumps(big_doc))}-char policy "
            f"({len(big.statements[0].resources)} log groups)",
            lambda: evaluate(request, resource=[big]),
        ),
        (
            "unlisted group (implicit deny), near-limit policy",
            lambda: evaluate(other, resource=[big]),
        ),
        (
            "Request() + evaluate, auto-created policy",
            lambda: evaluate(Request(SVC, "logs:PutLogEvents", STREAM, CONTEXT), resource=[small]),
        ),
        (
            "evaluate + str(explanation), auto-created policy",
            lambda: str(evaluate(request, resource=[small])),
        ),
    ]
    out = []
    for name, fn in rows:
        count = n if "str(" not in name else max(n // 10, 100)
        out.append({"name": name, "median": _rate(fn, n=count), "unit": "evals/s", "goal": GOAL})
    out += wildcard_rows()
    return out


def wildcard_rows(repeats: int = 5) -> list[dict]:
    """Issue 14: a resource pattern with many ``*`` against a long log-group name.

    The old regex translation took > 10 s at 9 wildcards (about 8x per wildcard); the
    linear matcher (labkit.glob) should take well under a millisecond even at 200.
    """
    from labkit.iam.match import RESOURCE, compile_tokens
    from labkit.iam.variables import tokenize

    rows = []
    prefix = f"arn:aws:logs:{REGION}:{ACCT}:log-group:"
    for stars in (9, 200):
        glob = compile_tokens(tokenize(prefix + "*a" * stars + "b", variables=False), RESOURCE)
        value = prefix + "a" * 60
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            glob.matches(value)
            times.append((time.perf_counter() - start) * 1000)
        rows.append(
            {
                "name": f"{stars}-wildcard resource pattern vs 60-char group (no match)",
                "median": statistics.median(times),
                "unit": "ms",
                "goal": "< 5 ms",
            }
        )
    return rows


def main() -> None:
    for row in run():
        goal = row["goal"] if isinstance(row["goal"], str) else f"{row['goal']:,}"
        print(f"{row['name']:<60} {row['median']:>12,.3f} {row['unit']}  (goal {goal})")


if __name__ == "__main__":
    main()
