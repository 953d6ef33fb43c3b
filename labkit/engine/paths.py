"""JSONPath data flow: paths, payload templates, ResultPath and intrinsic functions.

Paths are parsed with jsonpath-ng (its extended grammar, so filters such as
``$.a[?(@.x > 1)]`` work). A path made only of names and indices ("a reference
path", https://states-language.net/#ref-paths) is also kept as a tuple of steps,
so the common case is a dict walk and ResultPath can create the keys it needs.

Payload templates are the ``Parameters``, ``ResultSelector``, ``ItemSelector``
and JSONPath ``Assign`` objects: a key ending in ``.$`` takes its value from a
path (``$.x``), the context object (``$$.Execution.Id``), a variable (``$name``)
or an intrinsic function (``States.Format('{}', $.x)``)
(https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html) [DOC].

Paths may also start with a workflow variable (``$name.field``) in InputPath,
OutputPath, ItemsPath, Choice ``Variable``, SecondsPath and the other ``…Path`` fields
[AWS-REC issue 13 #3], or with ``$$`` (the context object: ``InputPath:
"$$.Execution.Input"`` is valid) [AWS-REC issue 13 #8]. Intrinsic functions live in
``intrinsics.py``; the causes of failed lookups in ``runtime_errors.py``.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from labkit.engine.errors import PathMissing, StatesError
from labkit.engine.intrinsics import compile_intrinsic
from labkit.engine.runtime_errors import field_not_found, path_not_found

_MISSING = object()


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def dumps(value: Any) -> str:
    """Compact JSON, as Step Functions writes state input and output into history [AWS-REC]."""
    return _ENCODE(value)


@dataclass(frozen=True)
class JsonPath:
    """A parsed JSONPath; ``context`` marks ``$$`` (the context object)."""

    text: str
    steps: tuple[str | int, ...] | None  # None: not a reference path (wildcards, filters…)
    expr: Any
    context: bool = False

    def get(self, data: Any) -> Any:
        """The value at this path; raises KeyError when a reference path finds nothing."""
        if self.steps is not None:
            value = data
            for step in self.steps:
                if isinstance(step, int):
                    if not isinstance(value, list) or not -len(value) <= step < len(value):
                        raise KeyError(self.text)
                    value = value[step]
                else:
                    if not isinstance(value, dict) or step not in value:
                        raise KeyError(self.text)
                    value = value[step]
            return value
        return [match.value for match in self.expr.find(data)]


def _steps(expr: Any) -> tuple[str | int, ...] | None:
    from jsonpath_ng import jsonpath as jp

    if isinstance(expr, jp.Root):
        return ()
    if isinstance(expr, jp.Child):
        left = _steps(expr.left)
        right = expr.right
        if left is None:
            return None
        if isinstance(right, jp.Fields) and len(right.fields) == 1 and right.fields[0] != "*":
            return (*left, right.fields[0])
        if isinstance(right, jp.Index) and len(getattr(right, "indices", (0,))) == 1:
            index = right.indices[0] if hasattr(right, "indices") else right.index
            return (*left, index)
    return None


_SIMPLE = re.compile(r"\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*")
_STEP = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


@lru_cache(maxsize=4096)
def compile_path(text: str) -> JsonPath:
    """Parse a JSONPath starting with ``$`` (or ``$$``); raises ValueError if invalid."""
    if not isinstance(text, str) or not text.startswith("$"):
        raise ValueError(text)
    context = text.startswith("$$")
    body = text[1:] if context else text
    if _SIMPLE.fullmatch(body):  # names and indices only: no need to load the parser
        steps = tuple(int(i) if i else n for n, i in _STEP.findall(body))
        return JsonPath(text, steps, None, context)
    from jsonpath_ng.ext import parse

    try:
        expr = parse(body)
    except Exception as exc:  # jsonpath-ng raises several error types
        raise ValueError(text) from exc
    steps = _steps(expr)
    if steps is None and not _has_root(expr):
        raise ValueError(text)
    return JsonPath(text, steps, expr, context)


def _has_root(expr: Any) -> bool:
    from jsonpath_ng import jsonpath as jp

    while isinstance(expr, jp.Child | jp.Descendants | jp.Where):
        expr = expr.left
    return isinstance(expr, jp.Root)


def is_reference_path(text: str) -> bool:
    """True for ``$`` followed only by names and indices (what ResultPath needs)."""
    try:
        return compile_path(text).steps is not None and not text.startswith("$$")
    except ValueError:
        return False


_VARIABLE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$")


@lru_cache(maxsize=4096)
def compile_lookup(text: str) -> Callable[[Any, Any], Any]:
    """A reader ``(data, env) -> value`` for a path, ``$$`` context path or ``$variable`` path.

    The reader raises ``PathMissing`` when the path selects nothing; ValueError here when
    ``text`` is not a path at all.
    """
    if not isinstance(text, str):
        raise ValueError(text)
    text = text.strip()
    match = _VARIABLE.match(text)
    if match and not text.startswith("$$"):
        name, rest = match.group(1), match.group(2)
        sub = compile_path("$" + rest) if rest else None

        def variable(data: Any, env: Any) -> Any:
            variables = env.variables if env is not None else {}
            if name not in variables:
                raise PathMissing(text, data)
            value = variables[name]
            if sub is None:
                return value
            try:
                return sub.get(value)
            except KeyError:
                raise PathMissing(text, value) from None

        return variable
    path = compile_path(text)

    def read(data: Any, env: Any) -> Any:
        source = env.context if path.context and env is not None else data
        try:
            return path.get(source)
        except KeyError:
            raise PathMissing(text, source) from None

    return read


def is_path_or_variable(text: Any) -> bool:
    """Whether a ``…Path`` field's value is a JSONPath, a ``$$`` path or a ``$variable`` path."""
    try:
        compile_lookup(text)
    except (ValueError, TypeError):
        return False
    return True


def select(path: str | None, data: Any, *, field: str, env: Any = None) -> Any:
    """Apply InputPath/OutputPath/ItemsPath: ``None`` (JSON null) gives ``{}``."""
    if path is None:
        return {}
    if path == "$":
        return data
    try:
        return compile_lookup(path)(data, env)
    except PathMissing:
        steps = compile_path(path).steps if path.startswith("$.") or path == "$" else None
        raise StatesError("States.Runtime", path_not_found(path, steps)) from None


def put_result(data: Any, path: str | None, result: Any) -> Any:
    """ResultPath: place ``result`` into a copy of ``data`` (``None`` discards it)."""
    if path is None:
        return data
    if path == "$":
        return result
    steps = compile_path(path).steps or ()
    root = json.loads(json.dumps(data))  # a deep copy of plain JSON
    if not isinstance(root, dict):
        raise StatesError(
            "States.ResultPathMatchFailure",
            f'Unable to apply ResultPath "{path}" to input "{dumps(data)}"',
        )
    node = root
    for step in steps[:-1]:
        nxt = node.get(step) if isinstance(node, dict) else None
        if not isinstance(nxt, dict | list):
            nxt = {}
            node[step] = nxt
        node = nxt
    node[steps[-1]] = result
    return root


# --- payload templates ----------------------------------------------------------------


@dataclass(frozen=True)
class Env:
    """What a template or intrinsic can read: state input, context object, variables."""

    input: Any
    context: Mapping[str, Any]
    variables: Mapping[str, Any]
    rng: random.Random


def compile_template(value: Any, where: str) -> Callable[[Env], Any]:
    """Compile a payload template once; raises ValueError(where) on a bad path/intrinsic."""
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if key.endswith(".$"):
                if not isinstance(item, str):
                    raise ValueError(f"{where}/{key}")
                parts.append((key[:-2], compile_reference(item, f"{where}/{key}")))
            else:
                parts.append((key, compile_template(item, f"{where}/{key}")))
        return lambda env: {key: fn(env) for key, fn in parts}
    if isinstance(value, list):
        items = [compile_template(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return lambda env: [fn(env) for fn in items]
    return lambda env: value


def compile_reference(text: str, where: str) -> Callable[[Env], Any]:
    """A ``.$`` value: a path, ``$$`` context path, ``$variable`` path, or intrinsic.

    ``where`` ends with the field's name (``…/Parameters/m.$``), which AWS's cause names
    when the path selects nothing.
    """
    text = text.strip()
    if text.startswith("States."):
        return compile_intrinsic(text, where, _argument)
    try:
        lookup = compile_lookup(text)
    except ValueError:
        raise ValueError(where) from None
    field = where.rsplit("/", 1)[-1]

    def reference(env: Env) -> Any:
        try:
            return lookup(env.input, env)
        except PathMissing as miss:
            raise StatesError("States.Runtime", field_not_found(text, field, miss.data)) from None

    return reference


def _argument(text: str, where: str) -> Callable[[Env], Any]:
    try:
        lookup = compile_lookup(text)
    except ValueError:
        raise ValueError(where) from None
    return lambda env: lookup(env.input, env)


__all__ = [
    "JsonPath",
    "compile_lookup",
    "compile_path",
    "compile_reference",
    "compile_template",
    "dumps",
    "is_path_or_variable",
    "put_result",
    "select",
]
