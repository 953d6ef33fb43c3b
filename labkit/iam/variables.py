"""Policy variables: ``${key}``, ``${key, 'default'}`` and the escapes ``${*}``, ``${?}``, ``${$}``.

AWS facts modelled (IAM User Guide, "IAM policy elements: Variables and tags",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html) [DOC]:

* variables are replaced only when the policy says ``"Version": "2012-10-17"``; under
  ``2008-10-17`` (the default when ``Version`` is absent) ``${aws:SourceAccount}`` is literal text;
* they may appear in ``Resource`` and in condition values;
* ``${key, 'default'}`` gives a default for a missing key;
* ``${*}``, ``${?}`` and ``${$}`` stand for the literal characters ``*``, ``?`` and ``$``;
* "If AWS cannot resolve a variable this might cause the entire statement to be invalid."
  labkit treats an unresolvable variable as "this one value does not match" [INFER].

A pattern is parsed once, at load time, into tokens; wildcard ``*``/``?`` tokens stay
distinct from escaped literal ones, so a resolved value can never turn into a wildcard.
Hand-written because no maintained, permissively licensed library parses IAM variables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# token kinds
LIT, STAR, QMARK, VAR = "lit", "*", "?", "var"

_VAR_RE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT_RE = re.compile(r"^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}


@dataclass(frozen=True, slots=True)
class Var:
    """One ``${key}`` or ``${key, 'default'}`` reference; ``key`` is lower-cased for lookup."""

    key: str
    default: str | None
    text: str  # as written, for explanations


Token = tuple[str, str] | tuple[str, Var]


def tokenize(pattern: str, *, variables: bool) -> tuple[Token, ...]:
    """Split a pattern into literal, wildcard and variable tokens.

    With ``variables=False`` (policy version 2008-10-17) ``${...}`` is literal text.
    """
    tokens: list[Token] = []

    def add_text(text: str) -> None:
        for part in re.split(r"([*?])", text):
            if part == "*":
                tokens.append((STAR, "*"))
            elif part == "?":
                tokens.append((QMARK, "?"))
            elif part:
                tokens.append((LIT, part))

    if not variables or "${" not in pattern:
        add_text(pattern)
        return tuple(tokens)
    pos = 0
    for m in _VAR_RE.finditer(pattern):
        add_text(pattern[pos : m.start()])
        inner = m.group(1)
        if inner in _ESCAPES:
            tokens.append((LIT, _ESCAPES[inner]))
        else:
            dm = _DEFAULT_RE.match(inner)
            if dm:
                tokens.append((VAR, Var(dm.group(1).lower(), dm.group(2), m.group(0))))
            else:
                tokens.append((VAR, Var(inner.strip().lower(), None, m.group(0))))
        pos = m.end()
    add_text(pattern[pos:])
    return tuple(tokens)


def has_variables(tokens: tuple[Token, ...]) -> bool:
    return any(kind == VAR for kind, _ in tokens)


def resolve(tokens: tuple[Token, ...], context: Mapping[str, tuple[str, ...]]) -> tuple | None:
    """Replace variables by their (single) context value; ``None`` when one cannot be resolved.

    ``context`` maps lower-cased keys to value tuples. A multi-valued key cannot be
    substituted into a single string, so it is unresolvable [INFER].
    """
    out: list[Token] = []
    for kind, value in tokens:
        if not isinstance(value, Var):
            out.append((kind, value))
            continue
        found = context.get(value.key)
        if found is not None and len(found) == 1:
            out.append((LIT, found[0]))
        elif found is None and value.default is not None:
            out.append((LIT, value.default))
        else:
            return None
    return tuple(out)


def literal_text(tokens: tuple[Token, ...]) -> str:
    """The tokens written back as one string (wildcards as ``*``/``?``)."""
    return "".join(value.text if isinstance(value, Var) else value for _, value in tokens)
