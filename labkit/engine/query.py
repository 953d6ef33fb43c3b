"""JSONata fields as Step Functions evaluates them: per-field locations, undefined fails.

A JSONata state field (``Output``, ``Arguments``, ``Assign``, ``Items``, ``Condition``,
``Seconds``, ``TimeoutSeconds`` …) is a value whose strings written ``{% … %}`` are
expressions. Facts modelled:

* an expression that evaluates to nothing (JSONata *undefined*) fails the state with
  ``States.QueryEvaluationError``: ``"Output": "{% $doesNotExist %}"`` fails where labkit
  used to output ``null`` [AWS-REC issue 13 #2]; the cause names the expression and the
  field: "The JSONata expression '$states.input.missing' specified for the field
  'Output/v' returned nothing (undefined)." [AWS-REC floci-io/floci, read off AWS]; a
  JSONata ``null`` is a value and is kept [INFER from JSONata's null/undefined split];
* each failure is recorded as an ``EvaluationFailed`` event with ``error``, ``cause``,
  ``location`` (``Output/v``, ``Arguments/MessageBody``, ``Items``, ``Catch[1]/Output/v``)
  and ``state`` before the state's ``…StateFailed``/``ExecutionFailed`` [AWS-REC issue 13
  #2; floci-io/floci]; array positions are written ``[i]`` [INFER];
* a field that must be a JSON value but evaluates to a JSONata function (``Items:
  "{% function($x){$x} %}"``) fails the same way instead of crashing [AWS-REC issue 13
  #13: AWS fails it; the wording is INFER].

Expressions run through ``labkit.engine.jsonata.evaluate`` (its bindings, clock and
bounds); whether a ``None`` result was ``null`` or *undefined* is asked of JSONata
itself with ``$exists(…)``, only when the result is ``None``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from labkit.engine import jsonata
from labkit.engine.errors import StatesError
from labkit.engine.runtime_errors import jsonata_undefined, jsonata_wrong_type

QUERY_ERROR = "States.QueryEvaluationError"


def inner(expression: str) -> str:
    """The expression text between ``{%`` and ``%}``, as AWS quotes it."""
    return expression[2:-2].strip()


def _is_json(value: Any) -> bool:
    if value is None or isinstance(value, str | int | float | bool):
        return True
    if isinstance(value, list):
        return all(_is_json(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json(v) for k, v in value.items())
    return False


def evaluate_field(
    value: Any,
    location: str,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    *,
    now: datetime,
    rng: random.Random,
) -> Any:
    """Evaluate every expression in ``value`` (a state field at ``location``)."""
    if isinstance(value, str):
        if not jsonata.is_expression(value):
            return value
        try:
            result = jsonata.evaluate(value, states, variables, now=now, rng=rng)
        except StatesError as exc:
            exc.location = exc.location or location
            raise
        if result is None and not _exists(value, states, variables, now, rng):
            raise StatesError(
                QUERY_ERROR, jsonata_undefined(inner(value), location), location=location
            )
        if not _is_json(result):
            raise StatesError(
                QUERY_ERROR,
                jsonata_wrong_type(inner(value), location, "JSON value", result),
                location=location,
            )
        return result
    if isinstance(value, dict):
        return {
            key: evaluate_field(item, f"{location}/{key}", states, variables, now=now, rng=rng)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            evaluate_field(item, f"{location}[{i}]", states, variables, now=now, rng=rng)
            for i, item in enumerate(value)
        ]
    return value


def _exists(
    expression: str,
    states: Mapping[str, Any],
    variables: Mapping[str, Any],
    now: datetime,
    rng: random.Random,
) -> bool:
    probe = "{% $exists((" + inner(expression) + "\n)) %}"
    try:
        return bool(jsonata.evaluate(probe, states, variables, now=now, rng=rng))
    except StatesError:
        return True  # the probe itself failed: treat the None as JSONata null


def require_list(value: Any, expression: Any, location: str) -> list:
    """``Items`` must evaluate to an array."""
    if isinstance(value, list):
        return value
    text = inner(expression) if jsonata.is_expression(expression) else str(expression)
    raise StatesError(
        QUERY_ERROR, jsonata_wrong_type(text, location, "array", value), location=location
    )


__all__ = ["QUERY_ERROR", "evaluate_field", "inner", "require_list"]
