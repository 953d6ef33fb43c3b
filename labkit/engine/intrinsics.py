"""Intrinsic functions (``States.Format(…)`` …) for JSONPath payload templates.

The grammar is hand-written (a few dozen lines) because no maintained Python library
parses it; the functions follow
https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html [DOC],
with these recorded details:

* ``States.Format`` renders an object or array argument as Java's ``toString`` does:
  ``{Arg1=1, Arg2=[]}`` (strings unquoted inside, ``, `` between items) [AWS-REC issue 13
  #9]; ``null`` renders as ``null`` [AWS-REC floci-io/floci];
* ``States.MathAdd(1.49, 1.5)`` is ``3``: "If you specify a non-integer value for one or
  both the arguments, Step Functions will round it off to the nearest integer" [DOC],
  rounding half up as Java's ``Math.round`` [AWS-REC issue 13 #9; secondary LocalStack];
* ``States.StringToJson("")`` is ``null`` [AWS-REC issue 13 #9];
* a path argument that selects nothing fails the state with ``States.Runtime`` naming
  the whole expression (see ``runtime_errors.intrinsic_argument_missing``) [AWS-REC floci].
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import uuid
from collections.abc import Callable
from typing import Any

from labkit.engine.errors import PathMissing, StatesError
from labkit.engine.runtime_errors import intrinsic_argument_missing

_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
    r"|(?P<name>States\.[A-Za-z0-9]+)|(?P<kw>true|false|null)"
    r"|(?P<path>\$[^,()\s]*(?:\[[^\]]*\][^,()\s]*)*)|(?P<punct>[(),]))"
)

#: Compiles a path argument (``$.x``, ``$$.x``, ``$var``) into a reader of the Env;
#: the reader raises ``PathMissing`` when the path selects nothing.
ArgumentCompiler = Callable[[str, str], Callable[[Any], Any]]


def compile_intrinsic(text: str, where: str, argument: ArgumentCompiler) -> Callable[[Any], Any]:
    """Compile ``States.Fn(…)``; raises ValueError(where) when it does not parse."""
    call = _Parser(text, where, argument).call()

    def run(env: Any) -> Any:
        try:
            return call(env)
        except PathMissing as miss:
            raise StatesError(
                "States.Runtime", intrinsic_argument_missing(text, miss.path, miss.data)
            ) from None

    return run


class _Parser:
    def __init__(self, text: str, where: str, argument: ArgumentCompiler) -> None:
        self.text, self.where, self.pos, self.argument = text, where, 0, argument

    def _next(self) -> tuple[str, str]:
        match = _TOKEN.match(self.text, self.pos)
        if not match or match.end() == self.pos:
            raise ValueError(self.where)
        self.pos = match.end()
        kind = match.lastgroup or ""
        return kind, match.group(kind)

    def call(self) -> Callable[[Any], Any]:
        fn = self._call()
        if self.text[self.pos :].strip():
            raise ValueError(self.where)
        return fn

    def _call(self, first: tuple[str, str] | None = None) -> Callable[[Any], Any]:
        kind, name = first or self._next()
        if kind != "name" or name not in INTRINSICS or self._next() != ("punct", "("):
            raise ValueError(self.where)
        args: list[Callable[[Any], Any]] = []
        kind, tok = self._next()
        while (kind, tok) != ("punct", ")"):
            args.append(self._arg(kind, tok))
            kind, tok = self._next()
            if (kind, tok) == ("punct", ","):
                kind, tok = self._next()
            elif (kind, tok) != ("punct", ")"):
                raise ValueError(self.where)
        impl = INTRINSICS[name]

        def run(env: Any) -> Any:
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

    def _arg(self, kind: str, tok: str) -> Callable[[Any], Any]:
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
            return self.argument(tok, self.where)
        if kind == "name":
            return self._call((kind, tok))
        raise ValueError(self.where)


def java_string(value: Any) -> str:
    """``String.valueOf`` of a JSON value in Step Functions' Java runtime [AWS-REC issue 13]."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={java_string(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_string(v) for v in value) + "]"
    return _ENCODE(value)


def _format(env: Any, template: str, *args: Any) -> str:
    pieces = re.split(r"(?<!\\)\{\}", template)
    if len(pieces) - 1 != len(args):
        raise ValueError("the number of arguments does not match the placeholders")
    out = pieces[0]
    for arg, piece in zip(args, pieces[1:], strict=True):
        out += java_string(arg) + piece
    return out.replace("\\{", "{").replace("\\}", "}")


def _uuid(env: Any) -> str:
    return str(uuid.UUID(int=env.rng.getrandbits(128), version=4))


def java_round(x: float) -> int:
    """Java's ``Math.round``: half up, towards positive infinity."""
    return math.floor(x + 0.5)


def _math_add(env: Any, a: Any, b: Any) -> int:
    if any(isinstance(x, bool) or not isinstance(x, int | float) for x in (a, b)):
        raise ValueError("arguments must be numbers")
    return java_round(a) + java_round(b)


def _string_to_json(env: Any, text: str) -> Any:
    if not text.strip():
        return None
    return json.loads(text)


def _array_range(env: Any, start: int, end: int, step: int) -> list[int]:
    return list(range(int(start), int(end) + (1 if step > 0 else -1), int(step)))


def _hash(env: Any, data: Any, algorithm: str) -> str:
    names = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384"}
    names["SHA-512"] = "sha512"
    text = data if isinstance(data, str) else _ENCODE(data)
    return hashlib.new(names[algorithm], text.encode()).hexdigest()


def _json_merge(env: Any, a: dict, b: dict, deep: bool) -> dict:
    if deep:
        raise ValueError("deep merge is not supported by Step Functions")
    return {**a, **b}


def _unique(env: Any, array: list) -> list:
    out: list = []
    for item in array:
        if item not in out:
            out.append(item)
    return out


INTRINSICS: dict[str, Callable[..., Any]] = {
    "States.Format": _format,
    "States.StringToJson": _string_to_json,
    "States.JsonToString": lambda env, v: _ENCODE(v),
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

__all__ = ["INTRINSICS", "compile_intrinsic", "java_round", "java_string"]
