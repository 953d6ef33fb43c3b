"""Schema checks of an ASL definition: field types and ranges, before anything is built.

``parse.py`` checks what a definition *means* (transitions, paths, JSONata); this module
checks first that every field has the JSON type and range the Amazon States Language
allows, so that a list or an object where a name belongs is reported, not crashed on.
Each finding is a ``SCHEMA_VALIDATION_FAILED`` diagnostic at the field's location, in the
format ``parse.py`` documents.

Facts modelled [DOC] (Amazon States Language specification, https://states-language.net/spec.html,
and the Step Functions developer guide's state pages):

* ``Type``, ``Next``, ``StartAt``, ``Default``, ``Resource``, ``Comment`` and a Catcher's
  ``Next`` are strings; ``End`` is a boolean; ``ErrorEquals`` is a non-empty array of strings;
  ``Retry``, ``Catch``, ``Choices`` and ``Branches`` are arrays of objects;
* Wait ``Seconds``: "an integer value from 0 to 99999999"; ``Timestamp``: RFC 3339 with an
  uppercase ``T`` and, without an offset, an uppercase ``Z``
  (https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html);
* Retrier ``IntervalSeconds`` and ``MaxDelaySeconds`` positive integers, ``MaxAttempts`` a
  non-negative integer (0 = never retry), ``BackoffRate`` a number >= 1.0, ``JitterStrategy``
  ``FULL`` or ``NONE``; limits 99999999 and 31622400 for ``MaxDelaySeconds``
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html);
* Task ``TimeoutSeconds``/``HeartbeatSeconds`` positive integers; Map ``MaxConcurrency`` a
  non-negative integer, ``ToleratedFailurePercentage`` 0-100;
* ``QueryLanguage`` is ``JSONPath`` or ``JSONata``;
* a definition is at most 1,048,576 characters (CreateStateMachine's ``definition``
  length constraint, botocore service model) [DOC].

In JSONata states the numeric fields may instead be ``{% %}`` expressions [DOC]
(https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html); path fields
are only checked to be strings here (``$var`` paths are ``parse.py``'s business).

[INFER] AWS's exact wording for a wrong type is not recorded: labkit says ``Expected value
of type String`` (or Integer, Boolean, Object, Array) and, for a range, ``The value for the
field 'X' must be ...``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from labkit import safejson

MAX_DEFINITION_CHARS = 1_048_576
MAX_SECONDS = 99_999_999
MAX_DELAY_SECONDS = 31_622_400

Problem = tuple[str, str, str | None]

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
)  # uppercase T and Z [DOC]


def _expr(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}")


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, message: str, where: str) -> None:
        self.problems.append(("SCHEMA_VALIDATION_FAILED", message, where))

    def typed(
        self, obj: dict, key: str, where: str, kind: str, test: Callable[[Any], bool]
    ) -> bool:
        """False (and a problem) when ``obj[key]`` is present and fails ``test``."""
        if key in obj and not test(obj[key]):
            self.fail(f"Expected value of type {kind}", f"{where}/{key}")
            return False
        return True

    def string(self, obj: dict, key: str, where: str) -> bool:
        return self.typed(obj, key, where, "String", lambda v: isinstance(v, str))

    def strings(self, obj: dict, key: str, where: str, *, nonempty: bool = True) -> None:
        value = obj.get(key)
        if key not in obj:
            return
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail("Expected value of type Array of String", f"{where}/{key}")
        elif nonempty and not value:
            self.fail(f"The field '{key}' must not be empty", f"{where}/{key}")

    def integer(
        self, obj: dict, key: str, where: str, low: int, high: int, *, jsonata: bool
    ) -> None:
        if key not in obj or (jsonata and _expr(obj[key])):
            return
        value = obj[key]
        if not _int(value):
            self.fail("Expected value of type Integer", f"{where}/{key}")
        elif not low <= value <= high:
            self.fail(
                f"The value for the field '{key}' must be an integer from {low} to {high}",
                f"{where}/{key}",
            )

    def objects(self, obj: dict, key: str, where: str, *, nonempty: bool = False) -> list:
        """The list of objects at ``obj[key]`` (``[]`` after reporting when it is not one)."""
        if key not in obj:
            return []
        value = obj[key]
        if not isinstance(value, list):
            self.fail("Expected value of type Array", f"{where}/{key}")
            return []
        if nonempty and not value:
            self.fail(f"The field '{key}' must not be empty", f"{where}/{key}")
        good = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                good.append((i, item))
            else:
                self.fail("Expected value of type Object", f"{where}/{key}[{i}]")
        return good

    def query_language(self, obj: dict, where: str) -> None:
        if "QueryLanguage" in obj and obj["QueryLanguage"] not in ("JSONPath", "JSONata"):
            if isinstance(obj["QueryLanguage"], str):
                return  # parse.py words this one
            self.fail(
                'The field "QueryLanguage" should have one of these values: [JSONPath, JSONata]',
                f"{where}/QueryLanguage",
            )

    # -- structure -----------------------------------------------------------------------

    def machine(self, doc: dict, where: str, language: str) -> None:
        self.string(doc, "StartAt", where or "")
        self.string(doc, "Comment", where or "")
        self.string(doc, "Version", where or "")
        self.query_language(doc, where)
        if doc.get("QueryLanguage") in ("JSONPath", "JSONata"):
            language = doc["QueryLanguage"]
        states = doc.get("States")
        if not isinstance(states, dict):
            return  # parse.py reports a missing or non-object States
        for name, body in states.items():
            if isinstance(body, dict):
                self.state(body, f"{where}/States/{name}", language)

    def state(self, body: dict, loc: str, language: str) -> None:
        for key in ("Type", "Next", "Comment", "Resource", "Default"):
            self.string(body, key, loc)
        self.typed(body, "End", loc, "Boolean", lambda v: isinstance(v, bool))
        self.query_language(body, loc)
        own = body.get("QueryLanguage", language)
        jsonata = own == "JSONata"
        if not jsonata:
            for key in ("InputPath", "OutputPath", "ResultPath", "ItemsPath"):
                self.typed(body, key, loc, "String", lambda v: v is None or isinstance(v, str))
            for key in ("SecondsPath", "TimestampPath", "TimeoutSecondsPath", "HeartbeatSecondsPath",
                        "MaxConcurrencyPath", "ErrorPath", "CausePath"):  # fmt: skip
                self.string(body, key, loc)
            for key in ("Parameters", "ResultSelector", "ItemSelector"):
                self.typed(body, key, loc, "Object", lambda v: isinstance(v, dict))
        self.typed(body, "Assign", loc, "Object", lambda v: isinstance(v, dict))
        for key in ("Error", "Cause"):
            self.string(body, key, loc)
        self.wait(body, loc, jsonata)
        self.integer(body, "TimeoutSeconds", loc, 1, MAX_SECONDS, jsonata=jsonata)
        self.integer(body, "HeartbeatSeconds", loc, 1, MAX_SECONDS, jsonata=jsonata)
        self.integer(body, "MaxConcurrency", loc, 0, 2**31 - 1, jsonata=jsonata)
        self.integer(body, "ToleratedFailureCount", loc, 0, 2**31 - 1, jsonata=jsonata)
        if "ToleratedFailurePercentage" in body and not (
            jsonata and _expr(body["ToleratedFailurePercentage"])
        ):
            value = body["ToleratedFailurePercentage"]
            if not _number(value) or not 0 <= value <= 100:
                self.fail(
                    "The value for the field 'ToleratedFailurePercentage' must be a number "
                    "from 0 to 100",
                    f"{loc}/ToleratedFailurePercentage",
                )
        for i, retrier in self.objects(body, "Retry", loc):
            self.retrier(retrier, f"{loc}/Retry[{i}]")
        for i, catcher in self.objects(body, "Catch", loc):
            where = f"{loc}/Catch[{i}]"
            self.strings(catcher, "ErrorEquals", where)
            self.string(catcher, "Next", where)
            self.typed(
                catcher, "ResultPath", where, "String", lambda v: v is None or isinstance(v, str)
            )
            self.typed(catcher, "Assign", where, "Object", lambda v: isinstance(v, dict))
        for i, rule in self.objects(body, "Choices", loc, nonempty=True):
            self.rule(rule, f"{loc}/Choices[{i}]", top=True)
        for i, branch in self.objects(body, "Branches", loc, nonempty=True):
            self.machine(branch, f"{loc}/Branches[{i}]", own)
        for key in ("ItemProcessor", "Iterator"):
            if key in body:
                if isinstance(body[key], dict):
                    self.machine(body[key], f"{loc}/{key}", own)
                else:
                    self.fail("Expected value of type Object", f"{loc}/{key}")

    def wait(self, body: dict, loc: str, jsonata: bool) -> None:
        self.integer(body, "Seconds", loc, 0, MAX_SECONDS, jsonata=jsonata)
        if "Timestamp" in body and not (jsonata and _expr(body["Timestamp"])):
            value = body["Timestamp"]
            if not isinstance(value, str):
                self.fail("Expected value of type String", f"{loc}/Timestamp")
            elif not _RFC3339.match(value) or not _valid_date(value):
                self.fail(
                    "The value for the field 'Timestamp' must be a valid RFC3339 timestamp",
                    f"{loc}/Timestamp",
                )

    def retrier(self, r: dict, where: str) -> None:
        self.strings(r, "ErrorEquals", where)
        self.integer(r, "IntervalSeconds", where, 1, MAX_SECONDS, jsonata=False)
        self.integer(r, "MaxAttempts", where, 0, MAX_SECONDS, jsonata=False)
        self.integer(r, "MaxDelaySeconds", where, 1, MAX_DELAY_SECONDS, jsonata=False)
        if "BackoffRate" in r and (not _number(r["BackoffRate"]) or r["BackoffRate"] < 1.0):
            self.fail(
                "The value for the field 'BackoffRate' must be a number >= 1.0",
                f"{where}/BackoffRate",
            )
        if "JitterStrategy" in r and r["JitterStrategy"] not in ("FULL", "NONE"):
            self.fail(
                'The field "JitterStrategy" should have one of these values: [FULL, NONE]',
                f"{where}/JitterStrategy",
            )

    def rule(self, rule: dict, where: str, *, top: bool) -> None:
        if top:
            self.string(rule, "Next", where)
        self.string(rule, "Variable", where)
        for key in ("And", "Or"):
            for i, sub in self.objects(rule, key, where):
                self.rule(sub, f"{where}/{key}[{i}]", top=False)
        if "Not" in rule:
            if isinstance(rule["Not"], dict):
                self.rule(rule["Not"], f"{where}/Not", top=False)
            else:
                self.fail("Expected value of type Object", f"{where}/Not")


def _valid_date(text: str) -> bool:
    from datetime import datetime

    try:
        datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def check_text(text: str) -> list[Problem]:
    """Problems with the definition text itself: its size and nesting depth [DOC/INFER above]."""
    if len(text) > MAX_DEFINITION_CHARS:
        return [
            (
                "SCHEMA_VALIDATION_FAILED",
                f"The definition must be at most {MAX_DEFINITION_CHARS} characters "
                f"(it has {len(text)})",
                None,
            )
        ]
    try:
        text.encode("utf-8")
        safejson.check_depth(text)
    except UnicodeEncodeError:
        message = "The definition contains a lone UTF-16 surrogate (not valid Unicode)"
        return [("INVALID_JSON_DESCRIPTION", message, None)]
    except safejson.JSONLimitError as exc:
        return [("INVALID_JSON_DESCRIPTION", str(exc), None)]
    return []


def reject_constant(name: str) -> None:
    """``json.loads`` hook: ``NaN``, ``Infinity`` and ``-Infinity`` are not JSON (RFC 8259)."""
    raise json.JSONDecodeError(f"{name} is not a valid JSON value", name, 0)


def schema_problems(doc: dict) -> list[Problem]:
    """``SCHEMA_VALIDATION_FAILED`` diagnostics for wrongly typed fields of a parsed definition."""
    checker = _Checker()
    try:
        safejson.check_encodable(doc)
    except safejson.JSONLimitError as exc:
        return [("INVALID_JSON_DESCRIPTION", str(exc), None)]
    language = doc.get("QueryLanguage", "JSONPath")
    checker.machine(doc, "", language if language in ("JSONPath", "JSONata") else "JSONPath")
    return checker.problems
