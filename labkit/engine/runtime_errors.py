"""The causes Step Functions writes when a state fails at run time (``States.Runtime`` …).

Every failure Step Functions raises itself while running a state carries the prefix
``An error occurred while executing the state 'NAME' (entered at the event id #N). ``
[AWS-REC] (issue 13 #1: "An error occurred while executing the state 'WaitState' (entered
at the event id #2). The SecondsPath parameter does not reference an input value:
$.input.waitSeconds"; the same prefix in public AWS console transcripts and in
floci-io/floci tests read off AWS). The texts after it:

* InputPath/OutputPath/ItemsPath finding nothing: ``Invalid path '$.Payload' : No results
  for path: $['Payload']`` (Jayway JsonPath's rendering, one ``['name']`` or ``[i]`` per
  step) [AWS-REC] public execution transcripts (a Lambda's ``$.Payload``);
* a template field (Parameters, ResultSelector, ItemSelector): ``The JSONPath '$.x'
  specified for the field 'x.$' could not be found in the input '{...}'`` [AWS-REC]
  (AWS workshop transcripts; floci-io/floci);
* Choice ``Variable``: ``Invalid path '$.x': The choice state's condition path
  references an invalid value.`` [AWS-REC] (public bug reports quoting AWS);
* SecondsPath: "does not reference an input value" [AWS-REC issue 13]; "cannot be parsed
  as a long value" / "references a negative value" with ``PATH == VALUE`` [secondary]
  (LocalStack's AWS-validated interpreter, ``wait_function``); the TimestampPath forms
  are the same sentences for that field [INFER];
* an intrinsic's path argument finding nothing: ``The function 'States.Format('{}',
  $.nope)' had the following error: The JsonPath argument for the field '$.nope' could
  not be found in the input '{"other":1}'`` (the whole expression is named) [AWS-REC]
  floci-io/floci ``StepFunctionsIntrinsicMissingArgumentIntegrationTest``;
* a JSONata field returning nothing: ``The JSONata expression '$states.input.missing'
  specified for the field 'Output/v' returned nothing (undefined).`` [AWS-REC]
  floci-io/floci ``AslExecutorBranchHistoryEventsTest``.
"""

from __future__ import annotations

import json
from typing import Any

_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def state_prefix(name: str, entered_id: int) -> str:
    """The prefix AWS puts before a runtime cause."""
    return f"An error occurred while executing the state '{name}' (entered at the event id #{entered_id}). "


def jayway(path: str, steps: tuple[str | int, ...] | None) -> str:
    """``$.a.b[0]`` as Jayway JsonPath prints it: ``$['a']['b'][0]``."""
    if steps is None:
        return path
    return "$" + "".join(f"[{s}]" if isinstance(s, int) else f"['{s}']" for s in steps)


def path_not_found(path: str, steps: tuple[str | int, ...] | None) -> str:
    """InputPath, OutputPath or ItemsPath selected nothing."""
    return f"Invalid path '{path}' : No results for path: {jayway(path, steps)}"


def field_not_found(path: str, field: str, data: Any) -> str:
    """A ``.$`` template field's path selected nothing."""
    return (
        f"The JSONPath '{path}' specified for the field '{field}' could not be found in the "
        f"input '{_ENCODE(data)}'"
    )


def choice_path_invalid(path: str) -> str:
    """A Choice rule's ``Variable`` selected nothing."""
    return f"Invalid path '{path}': The choice state's condition path references an invalid value."


def wait_path_missing(field: str, path: str) -> str:
    """SecondsPath (or TimestampPath) selected nothing."""
    return f"The {field} parameter does not reference an input value: {path}"


def seconds_invalid(field: str, path: str, value: Any) -> str:
    """SecondsPath selected something that is not a non-negative integer."""
    shown = _ENCODE(value)
    if isinstance(value, int) and not isinstance(value, bool) and value < 0:
        return f"The {field} parameter references a negative value: {path} == {shown}"
    return f"The {field} parameter cannot be parsed as a long value: {path} == {shown}"


def intrinsic_argument_missing(function: str, path: str, data: Any) -> str:
    """An intrinsic function's path argument selected nothing."""
    return (
        f"The function '{function}' had the following error: The JsonPath argument for the "
        f"field '{path}' could not be found in the input '{_ENCODE(data)}'"
    )


def jsonata_undefined(expression: str, location: str) -> str:
    """A JSONata field evaluated to nothing."""
    return (
        f"The JSONata expression '{expression}' specified for the field '{location}' "
        "returned nothing (undefined)."
    )


def jsonata_wrong_type(expression: str, location: str, expected: str, value: Any) -> str:
    """A JSONata field evaluated to a value of the wrong type [INFER wording]."""
    kind = (
        "function" if callable(value) or type(value).__name__ == "Symbol" else type(value).__name__
    )
    return (
        f"The JSONata expression '{expression}' specified for the field '{location}' "
        f"returned an unexpected result type. Expected '{expected}' but got '{kind}'."
    )
