"""The eight state types of the Amazon States Language as frozen dataclasses.

One class per type (https://states-language.net/#state-types) [DOC]. Each names
the history events it records (``PassStateEntered`` …) so histories are well
formed by construction; the run loop in ``execution.py`` gives them behaviour.
Fields keep ASL's meaning; templates are kept as the raw JSON of the definition
and compiled once by ``parse.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

#: ASL's JSONPath default for InputPath/OutputPath/ResultPath ("$") vs an explicit null.
DEFAULT = "$"


@dataclass(frozen=True)
class Retrier:
    """One ``Retry`` entry (defaults per the ASL spec: 1 s, 3 attempts, rate 2.0) [DOC]."""

    error_equals: tuple[str, ...]
    interval_seconds: float = 1
    max_attempts: int = 3
    backoff_rate: float = 2.0
    max_delay_seconds: float | None = None
    jitter: str = "NONE"


@dataclass(frozen=True)
class Catcher:
    """One ``Catch`` entry: where to go and how to place the error output."""

    error_equals: tuple[str, ...]
    next: str
    result_path: str | None = DEFAULT
    output: Any = None  # JSONata
    assign: Any = None


@dataclass(frozen=True)
class State:
    """Fields every state may carry; ``language`` is the effective query language."""

    name: str
    language: str = "JSONPath"
    next: str | None = None
    end: bool = False
    comment: str | None = None
    input_path: str | None = DEFAULT
    output_path: str | None = DEFAULT
    assign: Any = None
    output: Any = None  # JSONata Output

    type: ClassVar[str] = ""
    entered: ClassVar[str] = ""
    exited: ClassVar[str | None] = ""


@dataclass(frozen=True)
class Pass(State):
    result: Any = None
    has_result: bool = False
    parameters: Any = None
    result_path: str | None = DEFAULT
    type: ClassVar[str] = "Pass"
    entered: ClassVar[str] = "PassStateEntered"
    exited: ClassVar[str | None] = "PassStateExited"


@dataclass(frozen=True)
class Task(State):
    resource: str = ""
    parameters: Any = None
    arguments: Any = None
    result_selector: Any = None
    result_path: str | None = DEFAULT
    timeout_seconds: float | None = None
    timeout_seconds_path: str | None = None
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    type: ClassVar[str] = "Task"
    entered: ClassVar[str] = "TaskStateEntered"
    exited: ClassVar[str | None] = "TaskStateExited"


@dataclass(frozen=True)
class Choice(State):
    choices: tuple[dict, ...] = ()
    default: str | None = None
    type: ClassVar[str] = "Choice"
    entered: ClassVar[str] = "ChoiceStateEntered"
    exited: ClassVar[str | None] = "ChoiceStateExited"


@dataclass(frozen=True)
class Wait(State):
    seconds: Any = None
    seconds_path: str | None = None
    timestamp: Any = None
    timestamp_path: str | None = None
    type: ClassVar[str] = "Wait"
    entered: ClassVar[str] = "WaitStateEntered"
    exited: ClassVar[str | None] = "WaitStateExited"


@dataclass(frozen=True)
class Succeed(State):
    type: ClassVar[str] = "Succeed"
    entered: ClassVar[str] = "SucceedStateEntered"
    exited: ClassVar[str | None] = "SucceedStateExited"


@dataclass(frozen=True)
class Fail(State):
    error: Any = None
    cause: Any = None
    error_path: str | None = None
    cause_path: str | None = None
    type: ClassVar[str] = "Fail"
    entered: ClassVar[str] = "FailStateEntered"
    exited: ClassVar[str | None] = None


@dataclass(frozen=True)
class Machine:
    """A set of states with a start: the whole definition, a branch, or an item processor."""

    start_at: str
    states: dict[str, State] = field(hash=False)


@dataclass(frozen=True)
class Parallel(State):
    branches: tuple[Machine, ...] = ()
    parameters: Any = None
    arguments: Any = None
    result_selector: Any = None
    result_path: str | None = DEFAULT
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    type: ClassVar[str] = "Parallel"
    entered: ClassVar[str] = "ParallelStateEntered"
    exited: ClassVar[str | None] = "ParallelStateExited"


@dataclass(frozen=True)
class Map(State):
    processor: Machine | None = None
    items_path: str | None = DEFAULT
    items: Any = None  # JSONata Items
    item_selector: Any = None
    max_concurrency: Any = 0  # an int, or a JSONata expression [AWS-REC issue 13 #3]
    arguments: Any = None
    result_selector: Any = None
    result_path: str | None = DEFAULT
    retry: tuple[Retrier, ...] = ()
    catch: tuple[Catcher, ...] = ()
    #: ``ItemProcessor.ProcessorConfig.Mode``: INLINE, or DISTRIBUTED (child executions) [DOC]
    mode: str = "INLINE"
    #: raw fields read at run time: ProcessorConfig, Label, ToleratedFailure*, MaxConcurrencyPath
    options: dict = field(default_factory=dict, hash=False, compare=False)
    type: ClassVar[str] = "Map"
    entered: ClassVar[str] = "MapStateEntered"
    exited: ClassVar[str | None] = "MapStateExited"


STATE_TYPES: dict[str, type[State]] = {
    cls.type: cls for cls in (Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map)
}
