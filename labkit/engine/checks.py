"""Checks of a definition's structure beyond each state's own fields, as CreateStateMachine makes them.

* Choice rules (JSONPath): a ``Variable`` and exactly one comparison operator from the
  ASL's list, or ``And``/``Or``/``Not`` of rules (https://states-language.net/#choice-state)
  [DOC]; ``Variable`` and ``…Path`` operands are paths or workflow variables (``$name``)
  [AWS-REC issue 13 #3]; a JSONata rule needs a ``Condition`` [DOC];
* the transition graph: every ``Next``/``Default``/``Catch`` target exists (``Missing 'Next'
  target``), every state is reachable (``State "X" is not reachable.``), and each machine,
  branch and item processor has a terminal state (``Workflow has no terminal state``), in
  that order [ISSUE: the wordings and their sources are listed in ``parse``].

``Problems`` collects the diagnostics (code, message, location) in AWS's order; ``parse``
builds the states and raises ``InvalidDefinition`` from them.
"""

from __future__ import annotations

from collections.abc import Callable

from labkit.engine import jsonata
from labkit.engine.paths import is_path_or_variable
from labkit.engine.states import Choice, Fail, Machine, Map, Parallel, State, Succeed


class Problems:
    """The diagnostics found so far: (code, message, location)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str | None]] = []

    def add(self, code: str, message: str, where: str | None) -> None:
        self.items.append((code, message, where))

    def schema(self, message: str, where: str) -> None:
        self.add("SCHEMA_VALIDATION_FAILED", message, where)


# --- choice rules ------------------------------------------------------------------------

COMPARISONS = (
    "StringEquals",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
    "StringMatches",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThan",
    "NumericLessThanEquals",
    "NumericGreaterThanEquals",
    "BooleanEquals",
    "TimestampEquals",
    "TimestampLessThan",
    "TimestampGreaterThan",
    "TimestampLessThanEquals",
    "TimestampGreaterThanEquals",
)
TYPE_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")


def check_rule(
    rule: dict, where: str, lang: str, problems: Problems, *, top: bool
) -> Callable | None:
    """Check a choice rule's shape; the run loop evaluates it (see execution._test)."""
    if lang == "JSONata":
        if "Condition" not in rule:
            problems.schema("These fields are required: [Condition]", where)
        else:
            for sub, message in jsonata.check_template(rule["Condition"]):
                problems.add("INVALID_JSONATA_EXPRESSION", message, f"{where}/Condition{sub}")
        return None
    for key in ("And", "Or"):
        if key in rule:
            for i, sub in enumerate(rule[key]):
                check_rule(sub, f"{where}/{key}[{i}]", lang, problems, top=False)
            return None
    if "Not" in rule:
        check_rule(rule["Not"], f"{where}/Not", lang, problems, top=False)
        return None
    ops = [k for k in rule if k.removesuffix("Path") in COMPARISONS or k in TYPE_TESTS]
    if "Variable" not in rule or len(ops) != 1:
        problems.schema("A choice rule needs a Variable and exactly one comparison operator", where)
        return None
    for key in ("Variable", *[k for k in ops if k.endswith("Path")]):
        if not is_path_or_variable(rule[key]):  # $var too [AWS-REC issue 13 #3]
            problems.schema(
                f"The value for the field '{key}' must be a valid JSONPath", f"{where}/{key}"
            )
    return None


# --- graph checks ------------------------------------------------------------------------


def _targets(state: State, loc: str) -> list[tuple[str, str]]:
    out = []
    if state.next is not None:
        out.append((state.next, f"{loc}/Next"))
    if isinstance(state, Choice):
        out += [(rule["Next"], f"{loc}/Choices[{i}]/Next") for i, rule in enumerate(state.choices)]
        if state.default is not None:
            out.append((state.default, f"{loc}/Default"))
    for i, catcher in enumerate(getattr(state, "catch", ())):
        out.append((catcher.next, f"{loc}/Catch[{i}]/Next"))
    return out


def check_graph(machine: Machine, doc: dict, where: str, problems: Problems) -> None:
    """MISSING_TRANSITION_TARGET, unreachable states and MISSING_END_STATE, in AWS's order."""
    states = machine.states
    if machine.start_at not in states:
        problems.add(
            "MISSING_TRANSITION_TARGET",
            f"Missing 'Next' target: {machine.start_at}",
            f"{where}/StartAt",
        )
    for name, state in states.items():
        for target, loc in _targets(state, f"{where}/States/{name}"):
            if target not in states:
                problems.add("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {target}", loc)
    seen, todo = set(), [machine.start_at]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        todo += [t for t, _ in _targets(states[name], "")]
    terminal = any(s.end or isinstance(s, Succeed | Fail) for s in states.values())
    if not terminal:
        problems.add("MISSING_END_STATE", "Workflow has no terminal state", None)
    else:
        for name in states:
            if name not in seen:
                problems.add(
                    "MISSING_TRANSITION_TARGET",
                    f'State "{name}" is not reachable.',
                    f"{where}/States/{name}",
                )
    for name, state in states.items():
        loc = f"{where}/States/{name}"
        if isinstance(state, Parallel):
            for i, branch in enumerate(state.branches):
                check_graph(branch, {}, f"{loc}/Branches[{i}]", problems)
        if isinstance(state, Map) and state.processor is not None:
            key = "ItemProcessor"
            check_graph(state.processor, {}, f"{loc}/{key}", problems)


__all__ = ["COMPARISONS", "TYPE_TESTS", "Problems", "check_graph", "check_rule"]
