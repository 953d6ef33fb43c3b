"""Run Amazon States Language state machines offline, in virtual time.

``parse_definition`` validates a definition as CreateStateMachine does;
``run`` executes it to its end and returns the event history AWS records;
``check_execution_input`` applies StartExecution's input rules.

Decision: labkit's own small engine, not moto's interpreter
-----------------------------------------------------------
moto 5.2.5 ships LocalStack's interpreter (``mock_aws(config={"stepfunctions":
{"execute_state_machine": True}})``). ``benchmarks/bench_engine.py`` ran both in one
process on this project's machine (2 cores shared with other jobs, load average
about 7, so absolute numbers are pessimistic; the ratios are the point). Medians:

============================================  ================  ===============
measurement                                   moto interpreter  labkit engine
============================================  ================  ===============
cold start: import + first execution          15.2 s [1]_       0.81 s
Hello World v2 with its 3 s Wait              3158 ms (sleeps)  0.39 ms (8153x)
Hello World v2 without the Wait               180 ms            0.36 ms (505x)
Map reaching the 25,000-event limit           not measured      0.78 s
JSONata (Hello World v3)                      fails (stubbed)   runs
invalid definition error code                 '' (empty)        InvalidDefinition
============================================  ================  ===============

.. [1] On an idle machine moto's own notes give 1.2-1.7 s for the first
   create_state_machine alone (it imports the ANTLR parser).

moto's Wait and Retry block a worker thread in real time (only monkey-patching
its internals shortens them), its timestamps are wall-clock, Parallel and Map
branches run on threads (so event order varies between runs), it cannot run
JSONata, and invalid definitions come back with an empty error code. Lessons need
the opposite: milliseconds per run, the 3-second Wait visible in timestamps,
identical histories for stored notebook outputs, the console's v3 template, and
AWS's error codes. So labkit parses ASL into frozen dataclasses (``states.py``),
evaluates JSONPath with jsonpath-ng and JSONata with jsonata-python, and runs one
loop over a virtual clock (``execution.py``) with one ``History`` assigning ids,
previousEventIds and timestamps (``history.py``); Parallel branches and Map iterations
run at once in virtual time as greenlets resumed in the order their waits end
(``strands.py``), never on threads, so their interleaving is the same on every run. moto's interpreter
remains the reference in the tests: for every JSONPath lesson machine both produce
the same history, event for event.
"""

from __future__ import annotations

import json

from labkit import safejson
from labkit.engine.errors import InvalidDefinition
from labkit.engine.execution import MAX_PAYLOAD_BYTES, ExecutionResult, Slow, run
from labkit.engine.parse import Definition, parse_definition
from labkit.errors import LabkitError


def check_execution_input(text: str) -> None:
    """Raise StartExecution's error for input that is too large or not JSON.

    * over 262,144 UTF-8 bytes: the API model's ``max`` for ``input`` ("Length
      constraints apply to the payload size, and are expressed as bytes in UTF-8
      encoding") [DOC]; AWS rejects constraint violations with ``ValidationException``
      and its standard "1 validation error detected" wording [INFER: sensitive values
      are left out of the message];
    * not JSON: ``InvalidExecutionInput`` ("The provided JSON input data is not
      valid.") [DOC]; the message prefix "Invalid State Machine Execution Input" is
      AWS's [ISSUE]; the parser detail after it is Python's, not AWS's Java parser [INFER];
    * NaN/Infinity, a lone UTF-16 surrogate, or nesting deeper than
      ``labkit.safejson.MAX_DEPTH``: ``InvalidExecutionInput`` too [INFER: AWS's Java
      parser rejects them; its depth limit is not published], checked before anything
      recursive runs, so such input can never reach the world's stored state.
    """
    if not isinstance(text, str):
        raise LabkitError(
            "Invalid State Machine Execution Input: 'input must be a string'",
            code="InvalidExecutionInput",
        )
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        raise LabkitError(
            "Invalid State Machine Execution Input: 'a string contains a lone UTF-16 "
            "surrogate (not valid Unicode)'",
            code="InvalidExecutionInput",
        ) from None
    if size > MAX_PAYLOAD_BYTES:
        raise LabkitError(
            "1 validation error detected: Value at 'input' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_PAYLOAD_BYTES}",
            code="ValidationException",
        )
    try:
        safejson.loads(text)
    except safejson.JSONLimitError as exc:
        raise LabkitError(
            f"Invalid State Machine Execution Input: '{exc}'", code="InvalidExecutionInput"
        ) from None
    except json.JSONDecodeError as exc:
        raise LabkitError(
            f"Invalid State Machine Execution Input: '{exc.msg}: line {exc.lineno} column {exc.colno} "
            f"(char {exc.pos})'",
            code="InvalidExecutionInput",
        ) from None


__all__ = [
    "Definition",
    "ExecutionResult",
    "InvalidDefinition",
    "Slow",
    "check_execution_input",
    "parse_definition",
    "run",
]
