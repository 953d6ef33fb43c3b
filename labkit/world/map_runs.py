"""Map Runs of the offline world: DescribeMapRun, ListMapRuns, and their child executions.

A Distributed Map's items run as child executions of a Map Run (``labkit.engine.
distributed_map``); the world keeps each run and registers its children as executions,
so DescribeExecution/GetExecutionHistory answer for STANDARD children (with ``mapRunArn``)
and ``ListExecutions(mapRunArn=…)`` lists them [DOC] API reference (DescribeMapRun,
ListMapRuns, ListExecutions ``mapRunArn``, DescribeExecution ``mapRunArn``) [AWS-REC issue
13 #4: "DescribeMapRun/ListMapRuns answer"].

Children log to the parent's log destination with the parent's level [INFER: the Map Run's
state machine carries the parent's logging configuration]. Errors: a malformed ARN ->
``InvalidArn`` "Invalid arn: '<arn>'" (as for other ARNs); an unknown Map Run ->
``ResourceNotFound`` [DOC error list; the message wording is INFER].
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from labkit.errors import LabkitError
from labkit.world.sfn_records import Execution, Machine

if TYPE_CHECKING:
    from labkit.world.stepfunctions import StepFunctionsService

MAP_RUN_ARN = re.compile(
    r"^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:mapRun:[^:/]{1,80}/[^:]{1,80}:[^:]{1,128}$"
)


def register(service: StepFunctionsService, parent: Execution, map_runs: Any) -> None:
    """Keep the parent's Map Runs and add their children as executions."""
    for map_run in map_runs:
        service.map_runs[map_run.arn] = map_run
        machine = service.run_machines.get(map_run.state_machine_arn)
        if machine is None:
            machine = Machine(
                map_run.state_machine_arn,
                map_run.state_machine_arn.split(":stateMachine:", 1)[1],
                map_run.processor_definition,
                parent.role_arn,
                map_run.execution_type,
                dict(parent.logging),
                map_run.start,
            )
            service.run_machines[machine.arn] = machine
        for child in map_run.children:
            result = child.result
            e = Execution(
                child.arn, child.name, machine, machine.definition, parent.role_arn,
                dict(parent.logging), child.input, result.start,
            )  # fmt: skip
            e.finish(result)
            e.extra["mapRunArn"] = map_run.arn
            service.executions[e.arn] = e


def get(service: StepFunctionsService, arn: Any) -> Any:
    if not isinstance(arn, str) or not MAP_RUN_ARN.match(arn):
        raise LabkitError(f"Invalid arn: '{arn}'", code="InvalidArn")
    map_run = service.map_runs.get(arn)
    if map_run is None:
        raise LabkitError(f"Map Run Does Not Exist: '{arn}'", code="ResourceNotFound")
    return map_run


def describe(service: StepFunctionsService, p: dict[str, Any]) -> dict[str, Any]:
    """DescribeMapRun."""
    service.world._auto_settle()
    r = get(service, p.get("mapRunArn"))
    counts = r.counts()
    return {
        "mapRunArn": r.arn,
        "executionArn": r.execution_arn,
        "status": r.status,
        "startDate": r.start,
        "stopDate": r.stop,
        "maxConcurrency": r.max_concurrency,
        "toleratedFailurePercentage": r.tolerated_failure_percentage,
        "toleratedFailureCount": r.tolerated_failure_count,
        "itemCounts": counts,
        "executionCounts": counts,
        "redriveCount": 0,
    }


def list_for_execution(service: StepFunctionsService, p: dict[str, Any]) -> dict[str, Any]:
    """ListMapRuns: the Map Runs an execution started, newest first."""
    execution = service._get_execution(p.get("executionArn"))
    service.world._auto_settle()
    runs = [r for r in service.map_runs.values() if r.execution_arn == execution.arn]
    runs.sort(key=lambda r: r.start, reverse=True)
    return {
        "mapRuns": [
            {
                "executionArn": r.execution_arn,
                "mapRunArn": r.arn,
                "stateMachineArn": r.state_machine_arn,
                "startDate": r.start,
                "stopDate": r.stop,
            }
            for r in runs
        ]
    }


def children(service: StepFunctionsService, arn: Any) -> list[Execution]:
    """The child executions of a Map Run (for ListExecutions ``mapRunArn``)."""
    map_run = get(service, arn)
    return [service.executions[c.arn] for c in map_run.children if c.arn in service.executions]


__all__ = ["MAP_RUN_ARN", "children", "describe", "list_for_execution", "register"]
