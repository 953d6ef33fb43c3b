"""JSON text checked before and while it is parsed: nesting depth, NaN, lone surrogates.

Python's ``json`` parses recursively (a deep enough document raises ``RecursionError``
from inside the parser, or from any later recursive walk), accepts ``NaN`` and
``Infinity`` (not JSON, RFC 8259 section 6), and keeps lone UTF-16 surrogates such as
``"\\ud800"``, which cannot be encoded as UTF-8 afterwards (every later response that
echoes them fails). AWS's services parse with Java parsers that reject all three
[INFER: AWS documents none of the limits; Jackson, the usual Java parser, rejects
``NaN`` and invalid surrogates by default].

``check_depth`` counts brackets outside strings *before* anything recursive runs, in
one linear pass (skipped entirely when the text has too few brackets to be too deep).
The limit :data:`MAX_DEPTH` is labkit's [INFER]: AWS publishes none for execution input,
definitions or policies; 512 levels is far beyond any real document and leaves Python's
default recursion limit (1000 frames) room for the engine's own recursive walks.
Hand-written because the standard library offers no depth limit and no maintained
library adds one to ``json``.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 512


class JSONLimitError(ValueError):
    """The text is not acceptable JSON; ``str(exc)`` says why, in one line."""


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`JSONLimitError` if arrays/objects nest deeper than ``limit``."""
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                raise JSONLimitError(f"JSON nesting depth exceeds the maximum of {limit}")
        elif ch in "]}":
            depth -= 1


def _no_constant(name: str) -> Any:
    raise JSONLimitError(f"{name} is not a JSON value")


def check_encodable(value: Any) -> None:
    """Raise :class:`JSONLimitError` if a string in ``value`` has a lone surrogate."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JSONLimitError(
            "a string contains a lone UTF-16 surrogate (not valid Unicode)"
        ) from None
    except RecursionError:
        raise JSONLimitError(f"JSON nesting depth exceeds the maximum of {MAX_DEPTH}") from None


def loads(text: str, *, limit: int = MAX_DEPTH) -> Any:
    """``json.loads`` with the depth checked first, NaN/Infinity refused and surrogates refused.

    Raises :class:`JSONLimitError` for the limits and ``json.JSONDecodeError`` (a
    ``ValueError``) for a syntax error, as ``json.loads`` does.
    """
    check_depth(text, limit)
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:  # belt and braces: the depth check should have caught it
        raise JSONLimitError(f"JSON nesting depth exceeds the maximum of {limit}") from None
    if isinstance(value, str | dict | list):
        check_encodable(value)
    return value
