"""The Korean lesson sources' code kept equal to the English, comments aside.

``lessons/ko/NN_name.md`` translates the prose; its code cells are the English source's,
character for character once comments are stripped (:func:`code_without_comments`).
After the English code changes, :func:`sync_code_cells` copies each English code cell
into the Korean text, keeping the Korean comments of lines whose code is unchanged.
Comments are found with :mod:`tokenize`, so a ``#`` inside a string is code.
"""

from __future__ import annotations

import difflib
import re

CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(?P<body>.*?)^```$", re.M | re.S)
_OPTIONS = re.compile(r"\A(?::[^\n]*\n)+\n?|\A---\n.*?\n---\n", re.S)


def _comment_columns(source: str) -> dict[int, int] | None:
    """Line index -> column where its ``#`` comment starts (None: not Python we can read)."""
    import io
    import tokenize

    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return {t.start[0] - 1: t.start[1] for t in tokens if t.type == tokenize.COMMENT}


def _code_lines(source: str) -> list[tuple[str, str]]:
    """(code, comment) of each line of ``source``: code right-stripped, comment with its
    leading spaces ("" when none)."""
    columns = _comment_columns(source) or {}
    out = []
    for index, line in enumerate(source.splitlines()):
        col = columns.get(index, len(line))
        out.append((line[:col].rstrip(), line[len(line[:col].rstrip()) :].rstrip()))
    return out


def code_without_comments(source: str) -> str:
    """``source`` with its ``#`` comments removed (strings untouched), blank lines dropped and
    trailing spaces stripped: what must be equal between a lesson and its translation."""
    if _comment_columns(source) is None:
        return source.strip()
    return "\n".join(code for code, _ in _code_lines(source) if code.strip())


def _split_cell(body: str) -> tuple[str, str]:
    """A MyST code cell's body -> (its options block, its code)."""
    match = _OPTIONS.match(body)
    return (match.group(0), body[match.end() :]) if match else ("", body)


def _comment_layout(source: str) -> tuple[list[tuple[str, str, list[str]]], list[str]]:
    """Each code line of ``source`` as (code, trailing comment, comment lines just before it),
    and the comment lines after the last code line."""
    lines: list[tuple[str, str, list[str]]] = []
    pending: list[str] = []
    for (code, comment), raw in zip(_code_lines(source), source.splitlines(), strict=True):
        if code.strip():
            lines.append((code, comment, pending))
            pending = []
        elif comment:
            pending.append(raw)
    return lines, pending


def _merge_comments(english: str, korean: str) -> str:
    """``english`` code with ``korean``'s comments, line by line where the code corresponds.

    Code lines are paired with :class:`difflib.SequenceMatcher` (equal lines, and changed
    runs position by position); a paired line takes the Korean trailing
    comment and the Korean comment lines before it. English comments stay where the Korean
    source has none for that line (new code: to be translated).
    """
    en_lines, _ = _comment_layout(english)
    ko_lines, ko_tail = _comment_layout(korean)
    pairs: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(
        a=[c.strip() for c, _, _ in en_lines], b=[c.strip() for c, _, _ in ko_lines], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("equal", "replace"):  # changed runs: line by line, in order
            pairs.update(zip(range(i1, i2), range(j1, j2), strict=False))
    out: list[str] = []
    index = 0
    pending: list[str] = []
    for (code, comment), raw in zip(_code_lines(english), english.splitlines(), strict=True):
        if not code.strip():
            if comment:
                pending.append(raw)
            else:
                out += pending + [raw]
                pending = []
            continue
        _, ko_comment, ko_before = ko_lines[pairs[index]] if index in pairs else ("", "", [])
        out += ko_before or pending
        out.append(code + (ko_comment or comment))
        pending = []
        index += 1
    out += (ko_tail or pending) if pending else []
    return "\n".join(out) + ("\n" if english.endswith("\n") else "")


def sync_code_cells(en_text: str, ko_text: str) -> tuple[str, int] | None:
    """``ko_text`` with the code cells of ``en_text`` and how many cells changed; ``None``
    when the two have different numbers of code cells (prose to translate by hand).

    Cells are paired in order. A Korean cell whose code (without comments) equals the
    English one is left alone; a changed one takes the English code and options, keeping
    the Korean comments of unchanged lines.
    """
    en_cells = list(CODE_CELL.finditer(en_text))
    ko_cells = list(CODE_CELL.finditer(ko_text))
    if len(en_cells) != len(ko_cells):
        return None
    pieces, last, changed = [], 0, 0
    for en, ko in zip(en_cells, ko_cells, strict=True):
        en_opts, en_code = _split_cell(en.group("body"))
        ko_opts, ko_code = _split_cell(ko.group("body"))
        same = en_opts == ko_opts and code_without_comments(en_code) == code_without_comments(
            ko_code
        )
        body = ko.group("body") if same else en_opts + _merge_comments(en_code, ko_code)
        changed += not same
        pieces += [ko_text[last : ko.start("body")], body]
        last = ko.end("body")
    pieces.append(ko_text[last:])
    return "".join(pieces), changed


def code_cell_count(text: str) -> int:
    """How many ``{code-cell}`` blocks a MyST lesson source has."""
    return len(CODE_CELL.findall(text))


__all__ = ["CODE_CELL", "code_cell_count", "code_without_comments", "sync_code_cells"]
