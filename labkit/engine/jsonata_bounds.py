"""Bounds on one JSONata evaluation: steps, nesting depth and regex time.

A ``{% %}`` expression is user code: ``($f := function($n){ $f($n) }; $f(1))`` never ends,
and ``$match("aaaa…!", /(a+)+b/)`` backtracks for minutes. Step Functions fails such a
state with ``States.QueryEvaluationError`` [DOC: the error for a failed JSONata evaluation,
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html]; the
service's own limits are not published, so labkit's are [INFER]:

* at most :data:`MAX_STEPS` (100,000) evaluation steps: one step is one node of the
  expression tree evaluated, counted by jsonata-python's ``__evaluate_entry`` hook (the
  hook its own ``Timebox`` uses). About a second of work on one core; counting steps
  instead of seconds keeps runs, and stored notebook outputs, reproducible;
* at most :data:`MAX_DEPTH` (1,000) nested evaluations, which is about 330 levels of
  JSONata recursion, far below Python's stack limit;
* at most :data:`TIMEOUT_S` (10 s) of wall-clock time in all, for a single step that loops
  inside jsonata-python (``$sum([1..10000000])``): a watchdog thread raises an exception
  in the evaluating thread (``PyThreadState_SetAsyncExc``), which Python delivers between
  bytecodes;
* each regular expression search at most :data:`REGEX_TIMEOUT_S` (1 s): ``re`` cannot be
  interrupted, so JSONata regexes run on the ``regex`` library, whose matching functions
  take a ``timeout``. That one bound is wall-clock time, so a run near it may differ
  between machines; no real expression comes near it.

Hand-written only as far as jsonata-python leaves it: its ``Timebox`` starts its clock when
the expression is compiled, not when it is evaluated, so it cannot bound a cached one.
"""

from __future__ import annotations

import ctypes
import threading
import time
from typing import Any

MAX_STEPS = 100_000
MAX_DEPTH = 1_000
REGEX_TIMEOUT_S = 1.0
TIMEOUT_S = 10.0


class Budget:
    """Counts the steps and depth of one evaluation; once exceeded, every later step fails."""

    def __init__(self) -> None:
        self.steps = 0
        self.depth = 0
        self.exceeded: str | None = None

    def bindings(self) -> dict[str, Any]:
        """The hooks to pass among the evaluation's bindings."""
        return {"__evaluate_entry": self._entry, "__evaluate_exit": self._exit}

    def _entry(self, expr: Any, input: Any, env: Any) -> None:  # noqa: A002 (jsonata's names)
        if self.exceeded is None:
            self.steps += 1
            self.depth += 1
            if self.steps > MAX_STEPS:
                self.exceeded = (
                    f"the expression did not finish within {MAX_STEPS:,} evaluation steps"
                )
            elif self.depth > MAX_DEPTH:
                self.exceeded = f"the expression nested deeper than {MAX_DEPTH:,} evaluations"
        if self.exceeded is not None:
            # jsonata-python re-wraps some exceptions (``and``/``or``, ``$eval``), so the
            # reason is kept here and every later step fails too
            raise RuntimeError(self.exceeded)

    def _exit(self, expr: Any, input: Any, env: Any, result: Any) -> None:  # noqa: A002
        self.depth -= 1

    def cause(self, expression: str) -> str | None:
        """The failure's cause if the budget was exceeded, else ``None``."""
        if self.exceeded is None:
            return None
        return f"labkit stopped the JSONata expression {expression!r}: {self.exceeded} [INFER]"


class Exceeded(Exception):
    """An evaluation went past a bound; ``str(exc)`` is the cause to report."""


_current = threading.local()


class _OutOfTime(BaseException):
    """Raised asynchronously in the evaluating thread by its watchdog (see :func:`evaluate`)."""


_WATCH_LOCK = threading.Lock()
_WATCHED: dict[int, tuple[int, float, Budget]] = {}  # id(budget) -> (thread, deadline, budget)
_WATCHER: list[threading.Thread] = []


def _watch() -> None:
    """One daemon thread for the process: stops evaluations that pass their deadline."""
    while True:
        time.sleep(0.05)
        now = time.monotonic()
        with _WATCH_LOCK:
            for key, (thread_id, deadline, budget) in list(_WATCHED.items()):
                if now > deadline:
                    del _WATCHED[key]
                    budget.exceeded = f"the expression ran longer than {TIMEOUT_S:g} s"
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(
                        ctypes.c_ulong(thread_id), ctypes.py_object(_OutOfTime)
                    )


def evaluate(compiled: Any, bindings: dict[str, Any], expression: str) -> Any:
    """``compiled.evaluate`` within the bounds; raises :class:`Exceeded` past one of them.

    Steps and depth are counted by the hooks; a watchdog thread raises :class:`_OutOfTime`
    in this thread after :data:`TIMEOUT_S` for the one kind of step the hooks cannot
    interrupt, a long loop inside a single built-in such as ``$sum([1..10000000])``.
    """
    budget = Budget()
    _current.budget = budget
    with _WATCH_LOCK:
        if not _WATCHER:
            _WATCHER.append(threading.Thread(target=_watch, name="labkit-jsonata", daemon=True))
            _WATCHER[0].start()
        _WATCHED[id(budget)] = (threading.get_ident(), time.monotonic() + TIMEOUT_S, budget)
    try:
        try:
            return compiled.evaluate(None, {**bindings, **budget.bindings()})
        finally:
            with _WATCH_LOCK:  # after this, the watchdog can no longer fire for this call
                _WATCHED.pop(id(budget), None)
    except (Exception, _OutOfTime):
        cause = budget.cause(expression)
        if cause is not None:
            raise Exceeded(cause) from None
        raise
    finally:
        _current.budget = None


def _timed_out() -> None:
    budget = getattr(_current, "budget", None)
    if budget is not None and budget.exceeded is None:
        budget.exceeded = f"a regular expression ran longer than {REGEX_TIMEOUT_S:g} s"


class _TimedPattern:
    """A compiled ``regex`` pattern whose searches give up after :data:`REGEX_TIMEOUT_S`."""

    def __init__(self, pattern: Any) -> None:
        self._pattern = pattern
        self.pattern = pattern.pattern

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            result = getattr(self._pattern, method)(*args, timeout=REGEX_TIMEOUT_S, **kwargs)
            # finditer finds lazily: take every match here, inside the guard
            return iter(list(result)) if method == "finditer" else result
        except TimeoutError:
            _timed_out()
            raise

    def search(self, string: str, *args: Any, **kwargs: Any) -> Any:
        return self._call("search", string, *args, **kwargs)

    def match(self, string: str, *args: Any, **kwargs: Any) -> Any:
        return self._call("match", string, *args, **kwargs)

    def fullmatch(self, string: str, *args: Any, **kwargs: Any) -> Any:
        return self._call("fullmatch", string, *args, **kwargs)

    def finditer(self, string: str, *args: Any, **kwargs: Any) -> Any:
        return self._call("finditer", string, *args, **kwargs)

    def sub(self, repl: Any, string: str, count: int = 0) -> str:
        return self._call("sub", repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self._call("split", string, maxsplit)


def regex_engine(pattern: str, flags: Any) -> _TimedPattern:
    """jsonata-python's pluggable regex engine, on ``regex`` with a timeout."""
    import regex

    native = regex.V0
    if flags.case_insensitive:
        native |= regex.IGNORECASE
    if flags.multiline:
        native |= regex.MULTILINE
    return _TimedPattern(regex.compile(pattern, native))
