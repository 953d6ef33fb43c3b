"""Parse and validate an ASL definition the way CreateStateMachine does.

This module checks each state's own fields and builds the states; ``checks`` holds the
choice-rule and transition-graph checks and the diagnostics collector; ``validate`` the
checks of size, depth, types and ranges made before anything is built.

AWS answers an invalid definition with ``InvalidDefinition`` and one message that
lists every diagnostic as ``CODE: message at /location``, joined by ", "::

    Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target:
    pass3 at /States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not
    reachable. at /States/pass2'

Evidence for each wording:

* codes: API reference, ValidateStateMachineDefinitionDiagnostic
  (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ValidateStateMachineDefinitionDiagnostic.html) [DOC];
* ``Missing 'Next' target`` and ``is not reachable.`` (also for Default, Choices and
  Catch targets, always the word 'Next'): serverless-operations/serverless-step-functions#250,
  localstack/localstack#12487, floci-io/floci#2786 [ISSUE];
* ``MISSING_END_STATE: Workflow has no terminal state at null``: floci-io/floci#2735 [ISSUE];
* ``These fields are required: [Next]`` (schema errors): aws-cloudformation/cfn-lint#4077 [ISSUE];
* ``Field 'TimeoutSeconds' is not supported`` (TimeoutSeconds is a Task-only field):
  floci-io/floci#2735 [ISSUE];
* ``The value for the field 'JobName.$' must be a valid JSONPath``:
  aws/amazon-states-language-service#26 [ISSUE];
* ``The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the
  'JSONata' QueryLanguage``: floci-io/floci#2968, #3733 [ISSUE];
* ``INVALID_JSONATA_EXPRESSION: <parser message> at /States/S/Output``: floci-io/floci#2745 [ISSUE].

[INFER] wordings not found in any recording: an unknown ``Type``, a state with neither
``Next`` nor ``End``, the location ``/`` for root fields, and the JSON syntax message
(AWS's comes from its Java JSON parser; labkit reports Python's reason and position).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from labkit.engine import jsonata, validate
from labkit.engine.checks import Problems, check_graph, check_rule
from labkit.engine.errors import InvalidDefinition
from labkit.engine.map_config import MAP_RUN_OPTIONS, map_mode, max_concurrency
from labkit.engine.paths import (
    compile_reference,
    compile_template,
    is_path_or_variable,
    is_reference_path,
)
from labkit.engine.states import (
    DEFAULT,
    STATE_TYPES,
    Catcher,
    Choice,
    Fail,
    Machine,
    Map,
    Parallel,
    Pass,
    Retrier,
    State,
    Succeed,
    Task,
    Wait,
)

_COMMON = {"Type", "Comment", "QueryLanguage"}
_FLOW = {"Next", "End"}
_IO = {"InputPath", "OutputPath", "Assign", "Output"}
_EXEC = {"ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "Arguments"}
ALLOWED: dict[str, set[str]] = {
    "Pass": _COMMON | _FLOW | _IO | {"ResultPath", "Parameters", "Result"},
    "Task": _COMMON
    | _FLOW
    | _IO
    | _EXEC
    | {
        "Resource",
        "TimeoutSeconds",
        "TimeoutSecondsPath",
        "HeartbeatSeconds",
        "HeartbeatSecondsPath",
        "Credentials",
    },
    "Choice": _COMMON | _IO | {"Choices", "Default"},
    "Wait": _COMMON | _FLOW | _IO | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Succeed": _COMMON | {"InputPath", "OutputPath", "Output"},
    "Fail": _COMMON | {"Error", "ErrorPath", "Cause", "CausePath"},
    "Parallel": _COMMON | _FLOW | _IO | _EXEC | {"Branches"},
    "Map": _COMMON
    | _FLOW
    | _IO
    | _EXEC
    | {
        "ItemsPath",
        "ItemSelector",
        "Iterator",
        "ItemProcessor",
        "MaxConcurrency",
        "MaxConcurrencyPath",
        "Items",
        "Label",
        "ItemReader",
        "ItemBatcher",
        "ResultWriter",
        "ToleratedFailureCount",
        "ToleratedFailurePercentage",
        "ToleratedFailureCountPath",
        "ToleratedFailurePercentagePath",
    },
}
JSONPATH_ONLY = (
    "InputPath",
    "OutputPath",
    "ResultPath",
    "Parameters",
    "ResultSelector",
    "Result",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
)
JSONATA_ONLY = ("Arguments", "Output", "Items")
_PATH_FIELDS = (
    "InputPath",
    "OutputPath",
    "ItemsPath",
    "SecondsPath",
    "TimestampPath",
    "ErrorPath",
    "CausePath",
    "TimeoutSecondsPath",
    "HeartbeatSecondsPath",
    "MaxConcurrencyPath",
    "ToleratedFailureCountPath",
    "ToleratedFailurePercentagePath",
)
_TEMPLATES = ("Parameters", "ResultSelector", "ItemSelector")
_TERMINAL = ("Succeed", "Fail")


@dataclass(frozen=True)
class Definition:
    """A valid state machine definition, parsed once and safe to run many times."""

    text: str
    machine: Machine
    query_language: str = "JSONPath"
    timeout_seconds: int | None = None
    comment: str | None = None

    @property
    def states(self) -> dict[str, State]:
        """Top-level states by name, in definition order."""
        return self.machine.states

    @property
    def start_at(self) -> str:
        return self.machine.start_at

    def __repr__(self) -> str:
        return f"<Definition {self.query_language} {len(self.states)} states, StartAt {self.start_at!r}>"


def parse_definition(text: str) -> Definition:
    """Parse ASL JSON into a ``Definition``; raise ``InvalidDefinition`` as AWS would."""
    if not isinstance(text, str) or not text.strip():
        _raise([("MISSING_DESCRIPTION", "Received a null or empty workflow input.", None)])
    if early := validate.check_text(text):  # size, depth and encoding, before any recursion
        _raise(early)
    try:
        doc = json.loads(text, parse_constant=validate.reject_constant)
    except json.JSONDecodeError as exc:
        message = f"{exc.msg} at (line {exc.lineno}, column {exc.colno})"
        _raise([("INVALID_JSON_DESCRIPTION", message, None)])
    problems = Problems()
    if not isinstance(doc, dict):
        problems.schema("Expected a JSON object", "/")
        _raise(problems.items)
    if typed := validate.schema_problems(doc):  # wrong types and ranges: report, never build
        _raise(typed)
    language = doc.get("QueryLanguage", "JSONPath")
    if language not in ("JSONPath", "JSONata"):
        problems.schema(
            'The field "QueryLanguage" should have one of these values: [JSONPath, JSONata]',
            "/QueryLanguage",
        )
        language = "JSONPath"
    for key in doc:
        if key not in (
            "Comment",
            "StartAt",
            "States",
            "TimeoutSeconds",
            "Version",
            "QueryLanguage",
        ):
            problems.schema(f"Field '{key}' is not supported", "/")
    timeout = doc.get("TimeoutSeconds")
    if timeout is not None and (
        isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 1
    ):
        problems.schema("Minimum value is 1", "/TimeoutSeconds")
    machine = _machine(doc, "", language, problems, names={})
    if not problems.items and machine is not None:
        check_graph(machine, doc, "", problems)
    if problems.items or machine is None:
        _raise(problems.items)
    return Definition(text, machine, language, timeout, doc.get("Comment"))


def _raise(items: list[tuple[str, str, str | None]]) -> None:
    parts = [f"{code}: {message} at {where or 'null'}" for code, message, where in items]
    raise InvalidDefinition(
        "Invalid State Machine Definition: '" + ", ".join(parts) + "'", tuple(items)
    )


def _machine(
    doc: Any, where: str, language: str, problems: Problems, names: dict
) -> Machine | None:
    missing = [key for key in ("StartAt", "States") if key not in doc]
    if missing:
        problems.schema(f"These fields are required: [{', '.join(missing)}]", where or "/")
        return None
    if not isinstance(doc["States"], dict) or not doc["States"]:
        problems.schema("States must be a non-empty object", f"{where}/States")
        return None
    states: dict[str, State] = {}
    for name, body in doc["States"].items():
        loc = f"{where}/States/{name}"
        if name in names:
            problems.add("DUPLICATE_STATE_NAME", f"Duplicate State name: {name}", loc)
        names[name] = loc
        state = _state(name, body, loc, language, problems, names)
        if state is not None:
            states[name] = state
    return Machine(doc["StartAt"], states)


def _state(
    name: str, body: Any, loc: str, language: str, problems: Problems, names: dict
) -> State | None:
    if not isinstance(body, dict):
        problems.schema("Expected a JSON object", loc)
        return None
    kind = body.get("Type")
    if kind is None:
        problems.schema("These fields are required: [Type]", loc)
        return None
    if kind not in STATE_TYPES:
        problems.schema(
            'The field "Type" should have one of these values: '
            "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map]",
            f"{loc}/Type",
        )
        return None
    own = body.get("QueryLanguage", language)
    if language == "JSONata" and own == "JSONPath":
        problems.schema(
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine", loc
        )
    for key in body:
        if key not in ALLOWED[kind]:
            problems.schema(f"Field '{key}' is not supported", loc)
        elif own == "JSONPath" and key in JSONATA_ONLY:
            problems.schema(
                f"The QueryLanguage is set to 'JSONPath', but field '{key}' is only "
                "supported for the 'JSONata' QueryLanguage",
                loc,
            )
        elif own == "JSONata" and key in JSONPATH_ONLY:
            problems.schema(
                f"The QueryLanguage is set to 'JSONata', but field '{key}' is only "
                "supported for the 'JSONPath' QueryLanguage",
                loc,
            )
    if kind not in ("Choice", *_TERMINAL):
        if body.get("End") is True and "Next" in body:
            problems.schema("Only one of these fields may be present: [Next, End]", loc)
        elif body.get("End") is not True and "Next" not in body:
            problems.schema("These fields are required: [Next] or [End]", loc)
    if kind == "Choice" and "Choices" not in body:
        problems.schema("These fields are required: [Choices]", loc)
    if kind == "Task" and "Resource" not in body:
        problems.schema("These fields are required: [Resource]", loc)
    if kind == "Parallel" and "Branches" not in body:
        problems.schema("These fields are required: [Branches]", loc)
    if own == "JSONPath":
        _check_paths(body, loc, problems)
    else:
        for key in (
            "Arguments",
            "Output",
            "Assign",
            "Items",
            "ItemSelector",
            "Seconds",
            "Timestamp",
            "Error",
            "Cause",
            "TimeoutSeconds",
            "MaxConcurrency",
        ):
            for sub, message in jsonata.check_template(body.get(key)):
                problems.add("INVALID_JSONATA_EXPRESSION", message, f"{loc}/{key}{sub}")
    common: dict[str, Any] = {
        "name": name,
        "language": own,
        "next": body.get("Next"),
        "end": body.get("End") is True,
        "comment": body.get("Comment"),
        "input_path": body.get("InputPath", DEFAULT),
        "output_path": body.get("OutputPath", DEFAULT),
        "assign": _template_or_raw(body.get("Assign"), own, f"{loc}/Assign", problems),
        "output": body.get("Output"),
    }
    try:
        return _build(kind, body, common, loc, own, problems, names)
    except (TypeError, ValueError, KeyError, AttributeError):
        problems.schema("Invalid value", loc)
        return None


def _check_paths(body: dict, loc: str, problems: Problems) -> None:
    for key in _PATH_FIELDS:
        value = body.get(key)
        if value is None:
            continue
        try:
            if key in ("ErrorPath", "CausePath"):  # a path or an intrinsic function [DOC]
                compile_reference(value, key)
            elif not is_path_or_variable(value):  # $var paths too [AWS-REC issue 13 #3]
                raise ValueError(value)
        except (ValueError, TypeError):
            problems.schema(
                f"The value for the field '{key}' must be a valid JSONPath", f"{loc}/{key}"
            )
    if body.get("ResultPath") is not None and not is_reference_path(body["ResultPath"]):
        problems.schema(
            "The value for the field 'ResultPath' must be a valid JSONPath", f"{loc}/ResultPath"
        )


def _template_or_raw(value: Any, language: str, loc: str, problems: Problems) -> Any:
    if value is None or language != "JSONPath":
        return value
    try:
        return compile_template(value, loc)
    except ValueError as exc:
        where = str(exc)
        field = where.rsplit("/", 1)[-1]
        problems.schema(
            f"The value for the field '{field}' must be a valid JSONPath", where.rsplit("/", 1)[0]
        )
        return None


def _build(
    kind: str, body: dict, common: dict, loc: str, lang: str, problems: Problems, names: dict
) -> State:
    def tmpl(key: str) -> Any:
        return _template_or_raw(body.get(key), lang, f"{loc}/{key}", problems)

    if kind == "Pass":
        return Pass(
            **common,
            result=body.get("Result"),
            has_result="Result" in body,
            parameters=tmpl("Parameters"),
            result_path=body.get("ResultPath", DEFAULT),
        )
    if kind == "Task":
        return Task(
            **common,
            resource=body["Resource"],
            parameters=tmpl("Parameters"),
            arguments=body.get("Arguments"),
            result_selector=tmpl("ResultSelector"),
            result_path=body.get("ResultPath", DEFAULT),
            timeout_seconds=body.get("TimeoutSeconds"),
            timeout_seconds_path=body.get("TimeoutSecondsPath"),
            retry=_retry(body, loc, problems),
            catch=_catch(body, loc, lang, problems),
        )
    if kind == "Choice":
        rules = []
        for i, rule in enumerate(body.get("Choices") or ()):
            where = f"{loc}/Choices[{i}]"
            if "Next" not in rule:
                problems.schema("These fields are required: [Next]", where)
            check_rule(rule, where, lang, problems, top=True)
            rules.append(
                {
                    **rule,
                    "Assign": _template_or_raw(
                        rule.get("Assign"), lang, f"{where}/Assign", problems
                    ),
                }
            )
        return Choice(**common, choices=tuple(rules), default=body.get("Default"))
    if kind == "Wait":
        fields = [k for k in ("Seconds", "SecondsPath", "Timestamp", "TimestampPath") if k in body]
        if len(fields) != 1:
            problems.schema(
                "Exactly one of these fields is required: "
                "[Seconds, SecondsPath, Timestamp, TimestampPath]",
                loc,
            )
        return Wait(
            **common,
            seconds=body.get("Seconds"),
            seconds_path=body.get("SecondsPath"),
            timestamp=body.get("Timestamp"),
            timestamp_path=body.get("TimestampPath"),
        )
    if kind == "Succeed":
        return Succeed(**common)
    if kind == "Fail":
        return Fail(
            **common,
            error=body.get("Error"),
            cause=body.get("Cause"),
            error_path=body.get("ErrorPath"),
            cause_path=body.get("CausePath"),
        )
    if kind == "Parallel":
        branches = []
        for i, branch in enumerate(body["Branches"]):
            machine = _machine(branch, f"{loc}/Branches[{i}]", lang, problems, names)
            if machine is not None:
                branches.append(machine)
        return Parallel(
            **common,
            branches=tuple(branches),
            parameters=tmpl("Parameters"),
            arguments=body.get("Arguments"),
            result_selector=tmpl("ResultSelector"),
            result_path=body.get("ResultPath", DEFAULT),
            retry=_retry(body, loc, problems),
            catch=_catch(body, loc, lang, problems),
        )
    key = "ItemProcessor" if "ItemProcessor" in body else "Iterator"
    if key not in body:
        problems.schema("These fields are required: [ItemProcessor]", loc)
        processor = None
    else:
        processor = _machine(body[key], f"{loc}/{key}", lang, problems, names)
    selector = "ItemSelector" if "ItemSelector" in body else "Parameters"
    return Map(
        **common,
        processor=processor,
        items_path=body.get("ItemsPath", DEFAULT),
        items=body.get("Items"),
        item_selector=tmpl(selector) if lang == "JSONPath" else body.get(selector),
        max_concurrency=max_concurrency(body.get("MaxConcurrency", 0)),
        arguments=body.get("Arguments"),
        result_selector=tmpl("ResultSelector"),
        result_path=body.get("ResultPath", DEFAULT),
        retry=_retry(body, loc, problems),
        catch=_catch(body, loc, lang, problems),
        mode=map_mode(body.get(key)),
        options={k: body[k] for k in MAP_RUN_OPTIONS if k in body},
    )


def _retry(body: dict, loc: str, problems: Problems) -> tuple[Retrier, ...]:
    out = []
    for i, r in enumerate(body.get("Retry") or ()):
        if "ErrorEquals" not in r:
            problems.schema("These fields are required: [ErrorEquals]", f"{loc}/Retry[{i}]")
            continue
        out.append(
            Retrier(
                tuple(r["ErrorEquals"]),
                r.get("IntervalSeconds", 1),
                r.get("MaxAttempts", 3),
                r.get("BackoffRate", 2.0),
                r.get("MaxDelaySeconds"),
                r.get("JitterStrategy", "NONE"),
            )
        )
    return tuple(out)


def _catch(body: dict, loc: str, lang: str, problems: Problems) -> tuple[Catcher, ...]:
    out = []
    for i, c in enumerate(body.get("Catch") or ()):
        where = f"{loc}/Catch[{i}]"
        missing = [k for k in ("ErrorEquals", "Next") if k not in c]
        if missing:
            problems.schema(f"These fields are required: [{', '.join(missing)}]", where)
            continue
        if (
            lang == "JSONPath"
            and c.get("ResultPath") is not None
            and not is_reference_path(c["ResultPath"])
        ):
            problems.schema(
                "The value for the field 'ResultPath' must be a valid JSONPath",
                f"{where}/ResultPath",
            )
        out.append(
            Catcher(
                tuple(c["ErrorEquals"]),
                c["Next"],
                c.get("ResultPath", DEFAULT),
                c.get("Output"),
                _template_or_raw(c.get("Assign"), lang, f"{where}/Assign", problems),
            )
        )
    return tuple(out)
