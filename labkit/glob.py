"""Wildcard matching in time linear in pattern × value: IAM globs, ARN segments, StringMatches.

Every wildcard language labkit models is a glob with two wildcards, ``*`` (any run of
characters) and ``?`` (one character), some of which stop at a colon:

* IAM ``Action`` and ``StringLike``: ``*`` and ``?`` match anything [DOC]
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html ;
* IAM ``Resource`` and ``ArnLike``: wildcards stay inside one ARN segment, except a ``*``
  that ends a segment (``labkit.iam.match`` decides which is which);
* ASL ``StringMatches``: ``*`` only, ``\\`` escapes [DOC]
  https://docs.aws.amazon.com/step-functions/latest/dg/state-choice.html .

Why hand-written: translating a glob into a Python regex (``.*`` per ``*``) backtracks,
and ``re`` cannot be interrupted: ``"*a" * 9 + "b"`` against 60 characters ran for more
than 10 s. ``fnmatch`` translates to a regex too (and reads ``[`` as a class). Here a
pattern is compiled into a Thompson NFA whose state set is one Python int (bit ``i`` set
= "the first ``i`` pattern elements matched"), advanced once per value character with a
handful of big-int operations (the shift-and technique for globs). A match therefore
takes ``len(value)`` steps of ``O(len(pattern) / 64)`` word operations, whatever the
wildcards: no backtracking exists to blow up. ``Glob.steps`` counts the steps of the last
match so tests can check the bound without timing anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: element kinds: a literal character, ``?`` and ``*``; ``stop_at_colon`` limits the last two
LIT, ONE, STAR = "lit", "one", "star"

Element = tuple[str, str, bool]  # (kind, literal character or "", stops at colon)


def fold(ch: str) -> str:
    """One character lower-cased, keeping length 1 (``İ`` lower-cases to two characters)."""
    low = ch.lower()
    return low if len(low) == 1 else ch


class Glob:
    """A compiled glob; :meth:`matches` decides a whole-string match in linear time."""

    __slots__ = ("size", "_lit", "_single", "_single_colon", "_stay", "_stay_colon", "_stars",
                 "_fold", "_key", "_chunks", "steps", "text")  # fmt: skip

    def __init__(self, elements: Iterable[Element], *, ignore_case: bool = False, text: str = ""):
        merged: list[Element] = []
        for kind, ch, colon in elements:
            if kind == STAR and merged and merged[-1][0] == STAR:
                # ``**`` is one star; it stops at a colon only if both do
                merged[-1] = (STAR, "", merged[-1][2] and colon)
                continue
            if kind == LIT and ignore_case:
                ch = fold(ch)
            merged.append((kind, ch, colon))
        self.size = len(merged)
        self._key = (tuple(merged), ignore_case)
        self._chunks = _chunks(merged)
        self.text = text
        self._fold = ignore_case
        lit: dict[str, int] = {}
        one_any = one_colon = star_any = star_colon = 0
        for i, (kind, ch, colon) in enumerate(merged):
            bit = 1 << i
            if kind == LIT:
                lit[ch] = lit.get(ch, 0) | bit
            elif kind == ONE:
                if colon:
                    one_colon |= bit
                else:
                    one_any |= bit
            elif colon:
                star_colon |= bit
            else:
                star_any |= bit
        self._lit = lit
        self._single = one_any | one_colon  # single-character moves on a non-colon character
        self._single_colon = one_any  # ... and on ':'
        self._stay = star_any | star_colon  # stars that absorb a non-colon character
        self._stay_colon = star_any
        self._stars = star_any | star_colon
        self.steps = 0

    def _closure(self, state: int) -> int:
        # a star may match nothing: from bit i (a star) also reach bit i + 1; stars are never
        # adjacent after merging, so one step reaches the closure
        return state | ((state & self._stars) << 1)

    def matches(self, value: str) -> bool:
        """Whether the glob matches all of ``value``."""
        if self._fold:
            value = "".join(map(fold, value))
        if self._chunks is not None:
            return self._match_chunks(value)
        state = self._closure(1)
        steps = 0
        lit_get = self._lit.get
        for ch in value:
            steps += 1
            if ch == ":":
                single, stay = self._single_colon, self._stay_colon
            else:
                single, stay = self._single, self._stay
            single |= lit_get(ch, 0)
            state = self._closure(((state & single) << 1) | (state & stay))
            if not state:
                break
        self.steps = steps
        return bool(state >> self.size & 1)

    def _match_chunks(self, value: str) -> bool:
        """Fast path for globs whose only wildcard is an unrestricted ``*``: the literal
        chunks between stars, each found leftmost after the previous one (for such globs
        the leftmost choice is always safe), with ``str`` methods running in C. Positions
        only move forward, so this is linear too; ``steps`` counts the searches."""
        chunks = self._chunks
        assert chunks is not None
        self.steps = 1
        if len(chunks) == 1:
            return value == chunks[0]
        first, last = chunks[0], chunks[-1]
        if (
            len(value) < len(first) + len(last)
            or not value.startswith(first)
            or not value.endswith(last)
        ):
            return False
        pos, end = len(first), len(value) - len(last)
        for chunk in chunks[1:-1]:
            self.steps += 1
            found = value.find(chunk, pos, end)
            if found < 0:
                return False
            pos = found + len(chunk)
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Glob) and other._key == self._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"<Glob {self.text!r}>"


def _chunks(elements: list[Element]) -> list[str] | None:
    """The literal chunks between stars, when every wildcard is an unrestricted ``*``."""
    chunks = [""]
    for kind, ch, colon in elements:
        if kind == LIT:
            chunks[-1] += ch
        elif kind == STAR and not colon:
            chunks.append("")
        else:
            return None
    return chunks


class SegmentGlob:
    """Globs for the first ``len(parts)`` ``sep``-separated segments of a value (the last one
    keeps any further separators): ARN components for ``ArnLike``. Inside a segment the
    value holds no separator, so a segment's wildcards never need to stop at one."""

    __slots__ = ("parts", "sep", "steps")

    def __init__(self, parts: Sequence[Glob], sep: str = ":") -> None:
        self.parts = tuple(parts)
        self.sep = sep
        self.steps = 0

    def matches(self, value: str) -> bool:
        pieces = value.split(self.sep, len(self.parts) - 1)
        self.steps = 1
        if len(pieces) != len(self.parts):
            return False
        for glob, piece in zip(self.parts, pieces, strict=True):
            ok = glob.matches(piece)
            self.steps += glob.steps
            if not ok:
                return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SegmentGlob) and (other.parts, other.sep) == (self.parts, self.sep)

    def __hash__(self) -> int:
        return hash((self.parts, self.sep))


class AnyGlob:
    """Several globs; matches when one of them does (a policy element's list of patterns)."""

    __slots__ = ("globs", "_exact", "_prefixes", "_others")

    def __init__(self, globs: Sequence[Glob | SegmentGlob]) -> None:
        self.globs = tuple(globs)
        # the common shapes of a policy's lists, decided by one C call each: exact names
        # (a set) and ``prefix*`` patterns (``str.startswith`` with a tuple)
        exact, prefixes, others = set(), [], []
        for g in self.globs:
            chunks = g._chunks if isinstance(g, Glob) and not g._fold else None
            if chunks is not None and len(chunks) == 1:
                exact.add(chunks[0])
            elif chunks is not None and len(chunks) == 2 and chunks[1] == "":
                prefixes.append(chunks[0])
            else:
                others.append(g)
        self._exact = frozenset(exact)
        self._prefixes = tuple(prefixes)
        self._others = tuple(others)

    def matches(self, value: str) -> bool:
        return (
            value in self._exact
            or (bool(self._prefixes) and value.startswith(self._prefixes))
            or any(g.matches(value) for g in self._others)
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnyGlob) and other.globs == self.globs

    def __hash__(self) -> int:
        return hash(self.globs)


NEVER = AnyGlob(())


def simple(pattern: str, *, question: bool = True, escapes: bool = False) -> Glob:
    """A glob from text: ``*`` (and ``?`` when ``question``) are wildcards matching anything;
    with ``escapes`` a backslash makes the next character literal (ASL ``StringMatches``)."""
    elements: list[Element] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if escapes and c == "\\" and i + 1 < len(pattern):
            elements.append((LIT, pattern[i + 1], False))
            i += 2
            continue
        if c == "*":
            elements.append((STAR, "", False))
        elif c == "?" and question:
            elements.append((ONE, "", False))
        else:
            elements.append((LIT, c, False))
        i += 1
    return Glob(elements, text=pattern)
