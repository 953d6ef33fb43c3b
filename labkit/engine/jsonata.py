"""JSONata in Step Functions: ``{% … %}`` strings evaluated with ``$states`` and variables.

Expressions run on jsonata-python. Step Functions binds ``$states`` (``input``,
``result``, ``errorOutput``, ``context``) and the workflow variables
(https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html) [DOC].
``$now()`` and ``$millis()`` read the execution's virtual clock, and ``$uuid()`` and
``$random()`` the seeded generator, so runs are reproducible. A failing expression
is ``States.QueryEvaluationError`` [DOC], and so is one that runs past labkit's bounds on
steps, depth and regex time (``labkit.engine.jsonata_bounds``) [INFER].
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from labkit.engine import jsonata_bounds
from labkit.engine.errors import StatesError


def is_expression(value: Any) -> bool:
    """True for a string written as ``{% expression %}``."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


@lru_cache(maxsize=2048)
def compile_expression(text: str) -> Any:
    """Parse the expression inside ``{% %}``; raises ValueError with the parser's message."""
    import jsonata

    try:
        return jsonata.Jsonata(text[2:-2].strip(), jsonata_bounds.regex_engine)
    except Exception as exc:  # jsonata raises JException
        raise ValueError(str(exc)) from None


def check_template(value: Any) -> list[tuple[str, str]]:
    """Return (relative location, parser message) for each expression that does not parse."""
    problems: list[tuple[str, str]] = []
    if is_expression(value):
        try:
            compile_expression(value)
        except ValueError as exc:
            problems.append(("", str(exc)))
    elif isinstance(value, dict):
        for key, item in value.items():
            problems += [(f"/{key}{loc}", msg) for loc, msg in check_template(item)]
    elif isinstance(value, list):
        for i, item in enumerate(value):
            problems += [(f"[{i}]{loc}", msg) for loc, msg in check_template(item)]
    return problems


def _functions(now: datetime, rng: random.Random) -> dict[str, Any]:
    import jsonata

    class _Call(jsonata.Jsonata.JFunctionCallable):
        def __init__(self, fn: Callable[..., Any]) -> None:
            self.fn = fn

        def call(self, input: Any, args: Any) -> Any:  # noqa: A002 (jsonata's signature)
            return self.fn(*(args or ()))

    def wrap(fn: Callable[..., Any]) -> Any:
        return jsonata.Jsonata.JFunction(_Call(fn), None)

    stamp = now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    millis = int(now.timestamp() * 1000)
    return {
        "now": wrap(lambda *a: stamp),
        "millis": wrap(lambda *a: millis),
        "uuid": wrap(lambda *a: str(uuid.UUID(int=rng.getrandbits(128), version=4))),
        "random": wrap(lambda *a: rng.random()),
    }


def evaluate(
    value: Any,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    *,
    now: datetime,
    rng: random.Random,
) -> Any:
    """Evaluate every ``{% %}`` string inside ``value`` (objects and arrays recurse)."""
    if is_expression(value):
        bindings = {**variables, **_functions(now, rng), "states": dict(states)}
        try:
            return jsonata_bounds.evaluate(compile_expression(value), bindings, value)
        except jsonata_bounds.Exceeded as exc:
            raise StatesError("States.QueryEvaluationError", str(exc)) from None
        except ValueError as exc:
            raise StatesError("States.QueryEvaluationError", str(exc)) from None
        except Exception as exc:
            raise StatesError(
                "States.QueryEvaluationError",
                f"An error occurred while evaluating the expression {value!r}: {exc}",
            ) from None
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            result = evaluate(item, states, variables, now=now, rng=rng)
            if result is not None or not is_expression(item):
                out[key] = result
        return out
    if isinstance(value, list):
        return [evaluate(item, states, variables, now=now, rng=rng) for item in value]
    return value
