"""Matching of the Action, Resource and Principal elements, and of ARN and string globs.

AWS facts modelled [DOC]:

* Action: ``service:name``, **case-insensitive**, ``*`` and ``?`` wildcards
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
* Resource: **case-sensitive**; wildcards work "within the individual segments of an ARN";
  "If the ``*`` wildcard is the last character of a resource ARN segment, it can expand to
  match beyond the colon boundaries"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html).
* ``ArnLike``/``ArnEquals``: "Each of the six colon-delimited components of the ARN is checked
  separately and each can include multi-character match wildcards (*) or single-character
  match wildcards (?)"; case-sensitive
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN).
  A pattern with fewer than six components therefore never matches [INFER].
* Principal: ``"*"`` (= ``{"AWS": "*"}``) is everyone; an account id or
  ``arn:aws:iam::ACCT:root`` is the whole account; role and user ARNs are exact;
  ``{"Service": ...}`` names service principals; "You cannot use a wildcard to match part of
  a principal name or ARN"
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).

Globs are compiled once into ``labkit.glob.Glob`` automata that match in time linear in
pattern × value (a regex translation backtracks catastrophically on many ``*``); only
``*``/``?`` tokens become wildcards, so literal text is never special. Hand-written:
``fnmatch`` treats ``[`` as a character class and knows nothing of ARN segments.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from functools import lru_cache

from labkit.glob import LIT as G_LIT
from labkit.glob import NEVER, ONE, AnyGlob, Element, Glob, SegmentGlob
from labkit.glob import STAR as G_STAR
from labkit.iam.variables import LIT, QMARK, STAR, Token, literal_text

PLAIN, RESOURCE, ARN = "plain", "resource", "arn"


def _chars(value: object) -> list[Element]:
    return [(G_LIT, ch, False) for ch in str(value)]


def _plain(tokens: tuple[Token, ...]) -> list[Element]:
    out: list[Element] = []
    for kind, value in tokens:
        if kind == STAR:
            out.append((G_STAR, "", False))
        elif kind == QMARK:
            out.append((ONE, "", False))
        else:
            out += _chars(value)
    return out


def _resource(tokens: tuple[Token, ...]) -> list[Element]:
    out: list[Element] = []
    for i, (kind, value) in enumerate(tokens):
        if kind == STAR:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            segment_last = nxt is None or (nxt[0] == LIT and str(nxt[1]).startswith(":"))
            out.append((G_STAR, "", not segment_last))
        elif kind == QMARK:
            out.append((ONE, "", True))
        else:
            out += _chars(value)
    return out


def split_arn_tokens(tokens: tuple[Token, ...]) -> list[list[Token]]:
    """Split tokens into ARN components at ``:`` (at most six; the sixth keeps its colons)."""
    parts: list[list[Token]] = [[]]
    for kind, value in tokens:
        if kind != LIT or len(parts) == 6:
            parts[-1].append((kind, value))
            continue
        pieces = str(value).split(":")
        for j, piece in enumerate(pieces):
            if j:
                if len(parts) == 6:
                    parts[-1].append((LIT, ":" + ":".join(pieces[j:])))
                    break
                parts.append([])
            if piece:
                parts[-1].append((LIT, piece))
    return parts


def _arn(tokens: tuple[Token, ...]) -> Glob | SegmentGlob | None:
    """Six component globs: the value's first five colons separate its components, so a
    wildcard of the first five (which may not cross a colon) sees no colon at all."""
    parts = split_arn_tokens(tokens)
    if len(parts) != 6:
        return None
    if all(kind == LIT for part in parts[:5] for kind, _ in part):
        # literal first five components fix the value's first five colons: one glob will do
        whole: list[Element] = []
        for n, part in enumerate(parts):
            whole += ([(G_LIT, ":", False)] if n else []) + _plain(tuple(part))
        return Glob(whole, text=literal_text(tokens))
    return SegmentGlob(
        [Glob(_plain(tuple(part)), text=literal_text(tuple(part))) for part in parts]
    )


@lru_cache(maxsize=4096)
def compile_tokens(tokens: tuple[Token, ...], mode: str) -> Glob | SegmentGlob | AnyGlob:
    """A linear-time matcher (``.matches(value)``) for resolved tokens; ARN patterns without
    six parts never match."""
    if mode == ARN:
        return _arn(tokens) or NEVER
    elements = _plain(tokens) if mode == PLAIN else _resource(tokens)
    return Glob(elements, text=literal_text(tokens))


def any_of(matchers: list[Glob | SegmentGlob | AnyGlob]) -> AnyGlob:
    """One matcher for a list of patterns (matches when any does)."""
    return AnyGlob([g for m in matchers for g in (m.globs if isinstance(m, AnyGlob) else (m,))])


def arn_segments(text: str) -> int:
    """How many of the six ARN components ``text`` has (the sixth may contain colons)."""
    return min(text.count(":") + 1, 6)


class PrincipalMatch(enum.Enum):
    """How a statement's principal list relates to the request's principal.

    ``ACCOUNT`` is a match on the whole account (account id or ``:root``): in the same
    account the identity must still be allowed by an identity-based policy [DOC,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts].
    ``ROLE`` is a grant that names a role ARN: it is still limited by a permissions boundary;
    ``EXACT`` names the user, role-session or service itself [DOC,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html].
    """

    EXACT = "exact"
    ROLE = "role"
    ANY = "any"
    ACCOUNT = "account"
    NONE = "none"

    @property
    def matched(self) -> bool:
        return self is not PrincipalMatch.NONE


@dataclass(frozen=True, slots=True)
class PrincipalRef:
    """The request's principal, classified once."""

    text: str
    kind: str  # service | root | user | role | assumed-role | federated-user | other
    account: str | None
    role_name: str | None = None  # for assumed-role sessions


_ACCOUNT_RE = re.compile(r"^\d{12}$")
_IAM_ARN_RE = re.compile(r"^arn:aws[a-z-]*:(iam|sts)::(\d{12}):(.+)$")


@lru_cache(maxsize=1024)
def classify_principal(text: str) -> PrincipalRef | None:
    """Classify a request principal; ``None`` when it is none of the known forms (cached:
    the same few principals recur in every request)."""
    if _ACCOUNT_RE.match(text):
        return PrincipalRef(text, "root", text)
    m = _IAM_ARN_RE.match(text)
    if m:
        service, account, rest = m.groups()
        if rest == "root":
            return PrincipalRef(text, "root", account)
        head, _, tail = rest.partition("/")
        if not tail:
            return None
        if service == "iam" and head in ("user", "role"):
            return PrincipalRef(text, head, account)
        if service == "sts" and head == "assumed-role":
            return PrincipalRef(text, "assumed-role", account, tail.split("/")[0])
        if service == "sts" and head == "federated-user":
            return PrincipalRef(text, "federated-user", account)
        return None
    if ":" not in text and "/" not in text and "." in text and " " not in text:
        return PrincipalRef(text, "service", None)
    return None


def role_name_of(arn: str) -> str | None:
    """The role name (last path part) of an IAM role ARN."""
    m = _IAM_ARN_RE.match(arn)
    if not m or not m.group(3).startswith("role/"):
        return None
    return m.group(3).rsplit("/", 1)[-1]


def account_of_principal_entry(entry: str) -> str | None:
    """The account an ``AWS`` principal entry names as a whole (id or ``:root``), else None."""
    if _ACCOUNT_RE.match(entry):
        return entry
    m = _IAM_ARN_RE.match(entry)
    if m and m.group(1) == "iam" and m.group(3) == "root":
        return m.group(2)
    return None
