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

The intrinsic-function grammar is hand-written (a few dozen lines) because no
maintained Python library parses it; the functions follow
https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html [DOC].
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from labkit.engine.errors import StatesError

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


def select(path: str | None, data: Any, *, field: str) -> Any:
    """Apply InputPath/OutputPath/ItemsPath: ``None`` (JSON null) gives ``{}``."""
    if path is None:
        return {}
    if path == "$":
        return data
    compiled = compile_path(path)
    try:
        return compiled.get(data)
    except KeyError:
        raise StatesError(
            "States.Runtime",
            f"Invalid path '{path}' : No results for path: $['{path[2:]}']",
        ) from None


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


_VARIABLE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)(.*)$")


def compile_reference(text: str, where: str) -> Callable[[Env], Any]:
    """A ``.$`` value: a path, ``$$`` context path, ``$variable`` path, or intrinsic."""
    text = text.strip()
    if text.startswith("States."):
        call = _Parser(text, where).call()
        return lambda env: call(env)
    match = _VARIABLE.match(text)
    if match and not text.startswith("$$"):
        name, rest = match.group(1), match.group(2)
        sub = compile_path("$" + rest) if rest else None

        def variable(env: Env) -> Any:
            if name not in env.variables:
                raise StatesError("States.Runtime", f"Variable '{name}' is not defined")
            value = env.variables[name]
            return _get(sub, value) if sub else value

        return variable
    try:
        path = compile_path(text)
    except ValueError:
        raise ValueError(where) from None
    if path.context:
        return lambda env: _get(path, env.context)
    return lambda env: _get(path, env.input)


def _get(path: JsonPath, data: Any) -> Any:
    try:
        return path.get(data)
    except KeyError:
        raise StatesError(
            "States.Runtime",
            f"The JSONPath '{path.text}' could not be found in the input '{dumps(data)}'",
        ) from None


# --- intrinsic functions --------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<name>States\.[A-Za-z0-9]+)|(?P<kw>true|false|null)"
    r"|(?P<path>\$[^,()\s]*(?:\[[^\]]*\][^,()\s]*)*)|(?P<punct>[(),]))"
)


class _Parser:
    def __init__(self, text: str, where: str) -> None:
        self.text, self.where, self.pos = text, where, 0

    def _next(self) -> tuple[str, str]:
        match = _TOKEN.match(self.text, self.pos)
        if not match or match.end() == self.pos:
            raise ValueError(self.where)
        self.pos = match.end()
        kind = match.lastgroup or ""
        return kind, match.group(kind)

    def call(self) -> Callable[[Env], Any]:
        fn = self._call()
        if self.text[self.pos :].strip():
            raise ValueError(self.where)
        return fn

    def _call(self, first: tuple[str, str] | None = None) -> Callable[[Env], Any]:
        kind, name = first or self._next()
        if kind != "name" or name not in INTRINSICS or self._next() != ("punct", "("):
            raise ValueError(self.where)
        args: list[Callable[[Env], Any]] = []
        kind, tok = self._next()
        while (kind, tok) != ("punct", ")"):
            args.append(self._arg(kind, tok))
            kind, tok = self._next()
            if (kind, tok) == ("punct", ","):
                kind, tok = self._next()
            elif (kind, tok) != ("punct", ")"):
                raise ValueError(self.where)
        impl = INTRINSICS[name]

        def run(env: Env) -> Any:
            values = [arg(env) for arg in args]
            try:
                return impl(env, *values)
            except StatesError:
                raise
            except Exception as exc:
                raise StatesError(
                    "States.IntrinsicFailure", f"Invalid arguments in {name}: {exc}"
                ) from None

        return run

    def _arg(self, kind: str, tok: str) -> Callable[[Env], Any]:
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", tok[1:-1])
            return lambda env: value
        if kind == "num":
            number = float(tok) if any(c in tok for c in ".eE") else int(tok)
            return lambda env: number
        if kind == "kw":
            constant = {"true": True, "false": False, "null": None}[tok]
            return lambda env: constant
        if kind == "path":
            return compile_reference(tok, self.where)
        if kind == "name":
            return self._call((kind, tok))
        raise ValueError(self.where)


def _format(env: Env, template: str, *args: Any) -> str:
    pieces = re.split(r"(?<!\\)\{\}", template)
    if len(pieces) - 1 != len(args):
        raise ValueError("the number of arguments does not match the placeholders")
    out = pieces[0]
    for arg, piece in zip(args, pieces[1:], strict=True):
        out += (arg if isinstance(arg, str) else dumps(arg)) + piece
    return out.replace("\\{", "{").replace("\\}", "}")


def _uuid(env: Env) -> str:
    return str(uuid.UUID(int=env.rng.getrandbits(128), version=4))


def _math_add(env: Env, a: Any, b: Any) -> int:
    if any(isinstance(x, bool) or not isinstance(x, int | float) for x in (a, b)):
        raise ValueError("arguments must be numbers")
    return int(a) + int(b)


def _array_range(env: Env, start: int, end: int, step: int) -> list[int]:
    return list(range(int(start), int(end) + (1 if step > 0 else -1), int(step)))


def _hash(env: Env, data: Any, algorithm: str) -> str:
    names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384"}
    names["SHA-512"] = "sha512"
    text = data if isinstance(data, str) else dumps(data)
    return hashlib.new(names[algorithm], text.encode()).hexdigest()


def _json_merge(env: Env, a: dict, b: dict, deep: bool) -> dict:
    if deep:
        raise ValueError("deep merge is not supported by Step Functions")
    return {**a, **b}


def _unique(env: Env, array: list) -> list:
    out: list = []
    for item in array:
        if item not in out:
            out.append(item)
    return out


INTRINSICS: dict[str, Callable[..., Any]] = {
    "States.Format": _format,
    "States.StringToJson": lambda env, s: json.loads(s),
    "States.JsonToString": lambda env, v: dumps(v),
    "States.Array": lambda env, *items: list(items),
    "States.ArrayPartition": lambda env, a, n: [
        a[i : i + int(n)] for i in range(0, len(a), int(n))
    ],
    "States.ArrayContains": lambda env, a, v: v in a,
    "States.ArrayRange": _array_range,
    "States.ArrayGetItem": lambda env, a, i: a[int(i)],
    "States.ArrayLength": lambda env, a: len(a),
    "States.ArrayUnique": _unique,
    "States.Base64Encode": lambda env, s: base64.b64encode(s.encode()).decode(),
    "States.Base64Decode": lambda env, s: base64.b64decode(s).decode(),
    "States.Hash": _hash,
    "States.JsonMerge": _json_merge,
    "States.MathRandom": lambda env, lo, hi, *seed: env.rng.randrange(int(lo), int(hi)),
    "States.MathAdd": _math_add,
    "States.StringSplit": lambda env, s, sep: [
        p for p in re.split("[" + re.escape(sep) + "]", s) if p
    ],
    "States.UUID": _uuid,
}

__all__ = ["JsonPath", "compile_path", "compile_template", "put_result", "select", "dumps"]
