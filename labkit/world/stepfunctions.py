"""labkit's own Step Functions API for the offline world.

moto's Step Functions validates nothing about logging, delivers no log events, runs
executions on threads in real time (``moto/stepfunctions/parser``), so the offline world
answers every Step Functions call the lessons use itself: machines and executions live
here, definitions are parsed and run by ``labkit.engine`` in virtual time.

This module holds the operations; beside it, ``labkit.world.sfn_records`` (machines,
executions, names and ARNs), ``labkit.world.sfn_responses`` (how answers show them) and
``labkit.world.sfn_running`` (running executions with the engine). Their public names
stay importable from here.

Facts modelled (API model: ``botocore/data/stepfunctions/2016-11-23/service-2.json`` [DOC]):

* Error messages ``State Machine Does Not Exist: '<arn>'``, ``Execution Does Not Exist:
  '<arn>'``, ``Invalid arn: '<arn>'``, ``Invalid Name: '<name>'`` [secondary] (LocalStack's
  AWS-validated provider, as vendored in ``moto/stepfunctions/parser/provider.py``).
* Express machines: execution ARNs ``...:express:SM:NAME:UUID``; DescribeExecution,
  GetExecutionHistory and StopExecution answer ``InvalidArn`` "Invalid Arn: 'Resource type
  not valid in this context: express'"; ListExecutions answers ``StateMachineTypeNotSupported``
  "This operation is not supported by this type of state machine" [AWS-REC] (LocalStack
  ``tests/aws/services/stepfunctions/v2/test_sfn_api_express.snapshot.json``).
* A nameless StartExecution gets a UUID name [DOC]; here the UUID is drawn from the
  world's seed so runs repeat.
* StartExecution with the name and input of a RUNNING execution returns it again; any
  other reuse -> ``ExecutionAlreadyExists`` [DOC] API reference.
* Running executions keep the definition and role they started with [DOC]; the logging
  configuration is captured at start too [ISSUE] repost.aws QUCFPRn0zXQAK3GYlaUMb2Vg, [INFER].
* StartSyncExecution runs an Express machine to its end and answers with its status,
  output or error and ``billingDetails`` [DOC] API reference (StartSyncExecution:
  "Starts a Synchronous Express state machine execution"; a Standard machine ->
  ``StateMachineTypeNotSupported``) [AWS-REC issue 13 #14: labkit lacked it]. Billing
  follows the pricing page [DOC] https://aws.amazon.com/step-functions/pricing/ : duration
  rounded up to the next 100 ms, memory in 64-MB steps (labkit bills the first step [INFER]).
  Its logs are delivered like any execution's (best effort, after it ends).
"""

from __future__ import annotations

import random
import uuid
from typing import TYPE_CHECKING, Any

from labkit.world import logging_config, map_runs
from labkit.world.sfn_records import (
    EXECUTION_ARN,
    MACHINE_ARN,
    ROLE_ARN,
    Execution,
    Machine,
    api_error,
    check_name,
)
from labkit.world.sfn_responses import (
    list_item,
    machine_fields,
    outcome,
    page_start,
    strip_event,
    wanted,
)
from labkit.world.sfn_running import (
    EXPRESS_MAX_EVENTS,
    EXPRESS_TIMEOUT_S,
    STANDARD_MAX_EVENTS,
    STANDARD_TIMEOUT_S,
    abort,
    run_execution,
)

if TYPE_CHECKING:
    from labkit.world.offline import OfflineWorld


class StepFunctionsService:
    """The Step Functions operations of one offline world."""

    def __init__(self, world: OfflineWorld) -> None:
        self.world = world
        self.machines: dict[str, Machine] = {}
        self.executions: dict[str, Execution] = {}
        #: Distributed Map runs and their state machines (``labkit.world.map_runs``)
        self.map_runs: dict[str, Any] = {}
        self.run_machines: dict[str, Machine] = {}
        self.rng = random.Random(f"labkit-sfn-{world.seed}")

    # -- helpers ---------------------------------------------------------------------

    def _machine_arn(self, name: str) -> str:
        return f"arn:aws:states:{self.world.region}:{self.world.account_id}:stateMachine:{name}"

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _get_machine(self, arn: Any) -> Machine:
        if not isinstance(arn, str) or not MACHINE_ARN.match(arn):
            raise api_error("InvalidArn", f"Invalid arn: '{arn}'")
        machine = self.machines.get(arn)
        if machine is None:
            raise api_error("StateMachineDoesNotExist", f"State Machine Does Not Exist: '{arn}'")
        return machine

    def _get_execution(self, arn: Any, *, express_ok: bool = False) -> Execution:
        match = EXECUTION_ARN.match(arn) if isinstance(arn, str) else None
        if match is None:
            raise api_error("InvalidArn", f"Invalid arn: '{arn}'")
        if match["kind"] == "express" and not express_ok:
            raise api_error(
                "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'"
            )
        execution = self.executions.get(arn)
        if execution is None:
            raise api_error("ExecutionDoesNotExist", f"Execution Does Not Exist: '{arn}'")
        return execution

    def _check_definition(self, text: Any) -> str:
        from labkit.engine import parse_definition

        if not isinstance(text, str):
            raise api_error("InvalidDefinition", "Invalid State Machine Definition: 'not a string'")
        parse_definition(text)  # raises InvalidDefinition with AWS's message
        return text

    def _check_role(self, role_arn: Any) -> str:
        if not isinstance(role_arn, str) or not ROLE_ARN.match(role_arn):
            raise api_error("InvalidArn", f"Invalid Role Arn: '{role_arn}'")
        return role_arn

    def _check_logging(self, config: Any) -> dict[str, Any]:
        return logging_config.validate(config, log_group_exists=self.world.log_group_exists)

    def _set_up(self, logging: dict[str, Any], role_arn: str) -> None:
        if logging["level"] == "OFF":
            return
        parts = logging_config.parse_log_group_arn(logging_config.destination_arn(logging) or "")
        assert parts is not None  # validated above
        self.world.set_up_delivery(parts["region"], parts["account"], parts["name"], role_arn)

    # -- operations ------------------------------------------------------------------

    def create_state_machine(self, p: dict[str, Any]) -> dict[str, Any]:
        name = check_name(p.get("name"))
        definition = self._check_definition(p.get("definition"))
        role_arn = self._check_role(p.get("roleArn"))
        kind = p.get("type", "STANDARD")
        if kind not in ("STANDARD", "EXPRESS"):
            raise api_error(
                "ValidationException",
                f"1 validation error detected: Value '{kind}' at 'type' failed to satisfy "
                "constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]",
            )
        logging = self._check_logging(p.get("loggingConfiguration"))
        arn = self._machine_arn(name)
        if arn in self.machines:
            existing = self.machines[arn]
            if (existing.definition, existing.type, existing.logging) == (
                definition,
                kind,
                logging,
            ):
                return {"stateMachineArn": arn, "creationDate": existing.created}  # idempotent
            raise api_error("StateMachineAlreadyExists", f"State Machine Already Exists: '{arn}'")
        self._set_up(logging, role_arn)  # may raise; nothing stored yet
        machine = Machine(arn, name, definition, role_arn, kind, logging, self.world.clock.now())
        self.machines[arn] = machine
        return {"stateMachineArn": arn, "creationDate": machine.created}

    def update_state_machine(self, p: dict[str, Any]) -> dict[str, Any]:
        machine = self._get_machine(p.get("stateMachineArn"))
        keys = ("definition", "roleArn", "loggingConfiguration", "tracingConfiguration")
        if not any(k in p for k in keys):
            raise api_error(
                "MissingRequiredParameter",
                "Either the definition, the role ARN, the LoggingConfiguration, "
                "or the TracingConfiguration must be specified",
            )
        definition = (
            self._check_definition(p["definition"]) if "definition" in p else machine.definition
        )
        role_arn = self._check_role(p["roleArn"]) if "roleArn" in p else machine.role_arn
        logging = (
            self._check_logging(p["loggingConfiguration"])
            if "loggingConfiguration" in p
            else machine.logging
        )
        if "loggingConfiguration" in p or "roleArn" in p:
            self._set_up(logging, role_arn)
        machine.definition, machine.role_arn, machine.logging = definition, role_arn, logging
        machine.revision_id = self._uuid()
        return {"updateDate": self.world.clock.now(), "revisionId": machine.revision_id}

    def describe_state_machine(self, p: dict[str, Any]) -> dict[str, Any]:
        m = self._get_machine(p.get("stateMachineArn"))
        out = machine_fields(m, definition=m.definition, role_arn=m.role_arn, logging=m.logging)
        return {**out, "status": "ACTIVE", "type": m.type, "creationDate": m.created}

    def describe_state_machine_for_execution(self, p: dict[str, Any]) -> dict[str, Any]:
        """The definition, role and logging the execution started with, not the machine's latest.

        [DOC] DescribeStateMachineForExecution "Provides information about a state machine's
        definition, its execution role ARN, and configuration" used by the execution;
        UpdateStateMachine: "Running executions will continue to use the previous definition
        and roleArn". https://docs.aws.amazon.com/step-functions/latest/apireference/API_DescribeStateMachineForExecution.html
        """
        e = self._get_execution(p.get("executionArn"))
        out = machine_fields(
            e.machine, definition=e.definition, role_arn=e.role_arn, logging=e.logging
        )
        return {**out, "updateDate": e.machine.created}

    def list_state_machines(self, p: dict[str, Any]) -> dict[str, Any]:
        items = [
            {"stateMachineArn": m.arn, "name": m.name, "type": m.type, "creationDate": m.created}
            for m in sorted(self.machines.values(), key=lambda m: m.name)
        ]
        return {"stateMachines": items}

    def delete_state_machine(self, p: dict[str, Any]) -> dict[str, Any]:
        arn = p.get("stateMachineArn")
        if not isinstance(arn, str) or not MACHINE_ARN.match(arn):
            raise api_error("InvalidArn", f"Invalid arn: '{arn}'")
        self.machines.pop(arn, None)  # deleting twice succeeds, as on AWS
        return {}

    def start_execution(self, p: dict[str, Any]) -> dict[str, Any]:
        from labkit.engine import check_execution_input

        machine = self._get_machine(p.get("stateMachineArn"))
        text = p.get("input", "{}")
        check_execution_input(text)
        explicit = "name" in p
        name = check_name(p["name"]) if explicit else self._uuid()
        if machine.type == "EXPRESS":
            arn = (
                f"arn:aws:states:{self.world.region}:{self.world.account_id}:express:"
                f"{machine.name}:{name}:{self._uuid()}"
            )
        else:
            arn = (
                f"arn:aws:states:{self.world.region}:{self.world.account_id}:execution:"
                f"{machine.name}:{name}"
            )
            old = self.executions.get(arn)
            if old is not None:
                if old.status == "RUNNING" and old.input == text:
                    return {"executionArn": old.arn, "startDate": old.start}
                raise api_error("ExecutionAlreadyExists", f"Execution Already Exists: '{arn}'")
        execution = Execution(
            arn,
            name,
            machine,
            machine.definition,
            machine.role_arn,
            dict(machine.logging),
            text,
            self.world.clock.now(),
        )
        self.executions[arn] = execution
        return {"executionArn": arn, "startDate": execution.start}

    def start_sync_execution(self, p: dict[str, Any]) -> dict[str, Any]:
        machine = self._get_machine(p.get("stateMachineArn"))
        if machine.type != "EXPRESS":
            raise api_error(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            )
        started = self.start_execution({k: v for k, v in p.items() if k != "traceHeader"})
        e = self.executions[started["executionArn"]]
        self._run(e)
        self.world.clock.advance_to(e.stop)
        out: dict[str, Any] = {
            "executionArn": e.arn,
            "stateMachineArn": machine.arn,
            "name": e.name,
            "startDate": e.start,
            "stopDate": e.stop,
            "status": e.status,
            "input": e.input,
            "inputDetails": {"included": True},
            **outcome(e),
        }
        assert e.stop is not None
        elapsed_ms = max(1, int((e.stop - e.start).total_seconds() * 1000))
        out["billingDetails"] = {
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": -(-elapsed_ms // 100) * 100,
        }
        return out

    def describe_execution(self, p: dict[str, Any]) -> dict[str, Any]:
        execution = self._get_execution(p.get("executionArn"))
        self.world._auto_settle()
        e = execution
        out: dict[str, Any] = {
            "executionArn": e.arn,
            "stateMachineArn": e.machine.arn,
            "name": e.name,
            "status": e.status,
            "startDate": e.start,
            "input": e.input,
            "inputDetails": {"included": True},
            "redriveCount": 0,
        }
        if e.stop is not None:
            out["stopDate"] = e.stop
        out.update(outcome(e))
        if e.status != "RUNNING":
            out["redriveStatus"] = "NOT_REDRIVABLE" if e.status == "SUCCEEDED" else "REDRIVABLE"
        if "mapRunArn" in e.extra:
            out["mapRunArn"] = e.extra["mapRunArn"]
        return out

    def describe_map_run(self, p: dict[str, Any]) -> dict[str, Any]:
        return map_runs.describe(self, p)

    def list_map_runs(self, p: dict[str, Any]) -> dict[str, Any]:
        return map_runs.list_for_execution(self, p)

    def list_executions(self, p: dict[str, Any]) -> dict[str, Any]:
        if p.get("mapRunArn"):
            self.world._auto_settle()
            found = map_runs.children(self, p["mapRunArn"])
            return {"executions": [list_item(e) for e in found if wanted(e, p)]}
        machine = self._get_machine(p.get("stateMachineArn"))
        if machine.type == "EXPRESS":
            raise api_error(
                "StateMachineTypeNotSupported",
                "This operation is not supported by this type of state machine",
            )
        self.world._auto_settle()
        found = sorted(self.executions.values(), key=lambda e: e.start, reverse=True)
        return {
            "executions": [
                list_item(e) for e in found if e.machine.arn == machine.arn and wanted(e, p)
            ]
        }

    def get_execution_history(self, p: dict[str, Any]) -> dict[str, Any]:
        execution = self._get_execution(p.get("executionArn"))
        self.world._auto_settle()
        events = list(execution.events)
        if p.get("includeExecutionData") is False:
            events = [strip_event(e) for e in events]
        if p.get("reverseOrder"):
            events.reverse()
        start = page_start(p.get("nextToken"), len(events))
        size = int(p.get("maxResults") or 100)
        if not (0 <= size <= 1000):
            raise api_error(
                "ValidationException",
                f"1 validation error detected: Value '{size}' at 'maxResults' failed to "
                "satisfy constraint: Member must have value less than or equal to 1000",
            )
        size = size or 100
        page = events[start : start + size]
        out: dict[str, Any] = {"events": page}
        if start + size < len(events):
            out["nextToken"] = str(start + size)
        return out

    def stop_execution(self, p: dict[str, Any]) -> dict[str, Any]:
        e = self._get_execution(p.get("executionArn"))
        if e.status != "RUNNING":
            return {"stopDate": e.stop}
        now = self.world.clock.now()
        abort(e, now, {k: p[k] for k in ("error", "cause") if k in p})
        return {"stopDate": now}

    # -- running ---------------------------------------------------------------------

    def run_pending(self) -> list[Execution]:
        """Run every RUNNING execution to its end with ``labkit.engine``; return them."""
        pending = [e for e in self.executions.values() if e.status == "RUNNING"]
        if not pending:
            return []
        done = []
        for e in sorted(pending, key=lambda e: (e.start, e.arn)):
            self._run(e)
            done.append(e)
        return done

    def _run(self, e: Execution) -> None:
        """Run one execution to its end with ``labkit.engine``."""
        result = run_execution(e, handlers=dict(self.world.lambdas), seed=self.world.seed)
        map_runs.register(self, e, result.map_runs)


__all__ = [
    "EXECUTION_ARN",
    "EXPRESS_MAX_EVENTS",
    "EXPRESS_TIMEOUT_S",
    "MACHINE_ARN",
    "ROLE_ARN",
    "STANDARD_MAX_EVENTS",
    "STANDARD_TIMEOUT_S",
    "Execution",
    "Machine",
    "StepFunctionsService",
    "check_name",
]
