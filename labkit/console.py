"""Terminal input and output for labkit's command line: safe on any encoding, one line per error.

* Arguments: POSIX hands Python raw bytes, which it decodes with ``surrogateescape``;
  bytes that are not UTF-8 become lone surrogates (``\\udcXX``) that cannot be printed or
  sent to AWS. :func:`bad_argument` finds them so the command can refuse them (exit 2).
* Output: a terminal may be ASCII (``PYTHONIOENCODING=ascii``, ``LANG=C``) while labkit
  prints ``…`` or a learner's emoji log group name; :func:`safe_streams` makes stdout and
  stderr write such characters as ``\\u2026`` escapes instead of raising
  ``UnicodeEncodeError``.
* :func:`one_line` turns any error text into one printable line.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence


def safe_streams() -> None:
    """Make ``sys.stdout`` and ``sys.stderr`` escape what their encoding cannot write."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            # a closed or detached stream has nothing to protect
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="backslashreplace")


def encodable(text: str) -> bool:
    """Whether ``text`` is valid Unicode (no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def bad_argument(args: Sequence[str]) -> str | None:
    """A one-line complaint about the first argument that is not valid UTF-8, else ``None``."""
    for position, arg in enumerate(args, start=1):
        if not encodable(arg):
            shown = arg.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")
            return f"argument {position} ({shown[:60]}) is not valid UTF-8 text"
    return None


def one_line(text: object, limit: int = 500) -> str:
    """``text`` on one line, printable anywhere (surrogates escaped), at most ``limit`` chars."""
    flat = " ".join(str(text).split())
    flat = flat.encode("utf-8", "backslashreplace").decode("utf-8")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class OneLineParser(argparse.ArgumentParser):
    """``argparse`` that reports a usage error in one line (not usage text plus an error)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"{self.prog}: {one_line(message)} (see --help)", file=sys.stderr)
        raise SystemExit(2)
