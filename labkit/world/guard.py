"""The ownership guard of real-AWS mode: every call a lab client sends passes through here.

SAFETY RULES (the only place they are stated; every other module follows them):

1. **Ownership, not names.** The lab changes or deletes only what *this run* created:
   recorded in the ledger (:mod:`labkit.ledger`) and tagged ``labkit:run=<run id>``. A
   name with the lab's prefix is not enough. Before clean-up deletes anything it checks
   the resource's tags and ARN (account, region) again, so a hand-edited ledger cannot
   widen what is deleted (:mod:`labkit.world.cleanup`).
2. **Shared policies are edited, not restored.** In a shared CloudWatch Logs resource
   policy the lab changes only its own entries (those naming its own log groups), by
   read-compare-write (:mod:`labkit.world.policy_entries`). Another party's change
   survives, with one limit AWS sets: account-level policies have no conditional write, so
   a change made between the lab's last read and its write (milliseconds) is lost;
   log-group-level policies are written with ``expectedRevisionId``. A policy whose live
   text has no entry of the lab's is not written at all.
3. **Write-ahead.** Before every create the ledger records the intent (kind and name);
   after it, the outcome. A lost response is resolved by looking the resource up.
4. **Clean-up always runs** (``close()``, ``with`` exit, ``atexit``, a KeyboardInterrupt
   in a notebook cell, :func:`labkit.world.real.resume_cleanup`), keeps going past every
   AWS or network error and records each step's outcome.
5. **The lab role cannot harm the account.** Every role the lab creates carries a
   permissions boundary (:mod:`labkit.world.lab_role_limits`) allowing only CloudWatch
   Logs delivery and the lab's own Step Functions calls, so AdministratorAccess (the
   article's phase 2) changes nothing else. A lab state machine may use a lesson template
   or a definition without ``Task`` states (service integrations can call any AWS API as
   the role), unless the learner opts in with ``labkit.aws(allow_service_integrations=True)``.
6. **Errors reach the learner unchanged**: the original AWS or network exception, with
   one ``labkit:`` line added as a note (PEP 678); never an internal error instead.
7. **Every client the lab hands out is guarded**; clean-up's own calls use private
   clients and check ownership before each delete.

How: :meth:`Guard.install` replaces a boto3 client's ``_make_api_call`` on that client
object only, so notebook code stays plain boto3 (paginators and waiters go through it).
The lab namespace: every name a write addresses is read as ``<prefix><name>`` on its last
``/`` segment (lesson code runs unchanged; see :func:`labkit.safety.lab_name`); a read
uses the lab's name only when this run created it, so ``labkit.doctor`` sees the account
as it is. Which writes pass, and the identifier each addresses, are tabled in
:mod:`labkit.world.lab_operations` (its names are importable from here too).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from labkit.ledger import resource_key
from labkit.safety import SafetyError, arn_name, group_of, is_lab_name, parse_arn
from labkit.world import ownership, phases
from labkit.world import policy_entries as pe
from labkit.world.hints import add_hint, hint
from labkit.world.lab_operations import (
    CREATE_NAMES,
    CREATES,
    DELETES,
    EXISTS,
    NAME_PARAMS,
    READ_ONLY,
    TARGETS,
    create_id,
    delete_id,
    prepare_create,
    record_created,
    record_intent,
    response_id,
)
from labkit.world.lab_role_limits import boundary_document, is_lesson_template, task_resources


class Guard:
    """The guard of one :class:`~labkit.world.real.RealWorld` (see the rules above)."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.owned: dict[str, set[str]] = {}
        self.mapped: set[tuple[str, str]] = set()
        # account policy name -> log-group-level policies a phase-2 delete removed
        self.instead: dict[str, list[dict[str, Any]]] = {}
        for item in world.ledger.pending():
            if item.resolved:
                self._own(item.event.get("kind"), item.event.get("id"))

    # -------------------------------------------------------------- ownership

    def _own(self, kind: Any, ident: Any) -> None:
        if isinstance(kind, str) and isinstance(ident, str):
            self.owned.setdefault(kind, set()).add(ident)
            if kind == "execution" and ident not in self.world._state.executions:
                self.world._state.executions.append(ident)

    def owns(self, kind: str, ident: str) -> bool:
        """Whether this run created ``ident`` (a role or group name, a machine ARN, ...)."""
        have = self.owned.get(kind, set())
        if kind == "state-machine":
            return ident in have or self._arn_in(ident, have)
        if kind == "execution":
            parts = parse_arn(ident)
            if parts is None or parts["service"] != "states":
                return False
            bits = parts["rest"].split(":")
            machine = ":".join(
                ["arn", parts["partition"], "states", parts["region"], parts["account"]]
                + ["stateMachine", bits[1] if len(bits) > 1 else ""]
            )
            return self.owns("state-machine", machine)
        if kind == "log-group" and ident.startswith("arn:"):
            return (group_of(ident) or "") in have
        if kind == "role" and ident.startswith("arn:"):
            return self._arn_in(ident, have)
        return ident in have

    def _arn_in(self, arn: str, have: set[str]) -> bool:
        """Whether ``arn`` is in this account and Region and names one of ``have``."""
        parts = parse_arn(arn)
        w = self.world
        if parts is None or parts["account"] != w.account_id:
            return False
        if parts["region"] and parts["region"] != w.region:
            return False
        return any(arn_name(h) == arn_name(arn) for h in have)

    def groups(self) -> list[str]:
        """The log groups this run created."""
        return sorted(self.owned.get("log-group", set()))

    # -------------------------------------------------------------- installing

    def install(self, client: Any) -> Any:
        """Route every call of ``client`` through :meth:`call` (on this client object only)."""
        send = client._make_api_call
        service = client.meta.service_model.service_name

        def guarded(operation_name: str, api_params: Mapping[str, Any]) -> Any:
            return self.call(send, service, operation_name, dict(api_params))

        client._make_api_call = guarded
        client.labkit_name = self.world.name  # lets shared lesson code name lab resources
        return client

    # -------------------------------------------------------------- one call

    def call(self, send: Callable[[str, Any], Any], service: str, op: str, params: dict) -> Any:
        """Check, record and send one call; errors reach the caller unchanged, with a hint."""
        params = copy.deepcopy(params)
        read = op.startswith(READ_ONLY) or (service, op) == ("sts", "GetCallerIdentity")
        self.namespace(service, op, params, write=not read)
        where = f"{service}.{op}"
        try:
            if read:
                return send(op, params)
            self.check(service, op, params)
            if (service, op) == ("logs", "DeleteResourcePolicy"):
                return phases.delete_policy(self, params)
            if (service, op) == ("logs", "PutResourcePolicy"):
                return phases.put_policy(self, send, params)
            return self._write(send, service, op, params)
        except SafetyError:
            raise
        except BaseException as exc:
            if not isinstance(exc, KeyboardInterrupt | SystemExit):
                add_hint(exc, hint(exc, where, write=not read))
            raise

    def _write(self, send: Callable, service: str, op: str, params: dict) -> Any:
        kind = CREATES.get((service, op))
        led = self.world.ledger
        key = ident = None
        if kind is not None:
            prepare_create(self.world, service, op, params)
            ident = create_id(self.world, service, op, params)
            key = resource_key(service, kind, ident)
            answered = any(
                e.get("key") == key
                and e.get("event") == "created"
                and e.get("via") in {"response", "answered"}
                for e in led.entries()
            )
            record_intent(led, service, kind, ident, op)
        if (service, op) in {
            ("stepfunctions", "CreateStateMachine"),
            ("stepfunctions", "UpdateStateMachine"),
        }:
            self.before_logging(params)
        try:
            response = send(op, params)
        except BaseException as exc:
            if kind is not None:
                resolved = self.resolve(kind, str(ident), str(key), op, exc)
                if (
                    resolved
                    and not answered
                    and pe.error_code(exc) in EXISTS
                    and self.owns(kind, str(ident))
                ):
                    # the learner ran the cell again after a lost response: the earlier
                    # attempt created it, so answer as that attempt would have
                    return self.answer_from_lookup(service, op, str(ident), exc)
                if resolved and not isinstance(exc, KeyboardInterrupt | SystemExit):
                    add_hint(exc, hint(exc, f"{service}.{op}", resolved))
            raise
        if kind is not None:
            real_id = response_id(service, op, params, response) or ident
            self._own(kind, real_id)
            record_created(led, str(key), kind, real_id, op, via="response")
        gone = DELETES.get((service, op))
        if gone is not None:
            target = delete_id(service, op, params)
            led.record(
                "deleted", key=f"{service}:{gone}:{target}", operation=op, already_gone=False
            )
            if gone != "execution":
                self.owned.get(gone, set()).discard(target)
        return response

    def answer_from_lookup(self, service: str, op: str, ident: str, exc: BaseException) -> Any:
        """The response a create would have given, for what an earlier attempt of this run
        created when its response was lost (CreateRole, CreateLogGroup, CreateStateMachine)."""
        w = self.world
        if (service, op) == ("iam", "CreateRole"):
            fields = {"Role": w.raw("iam").get_role(RoleName=ident)["Role"]}
        elif (service, op) == ("iam", "CreatePolicy"):
            fields = {"Policy": w.raw("iam").get_policy(PolicyArn=ident)["Policy"]}
        elif (service, op) == ("stepfunctions", "CreateStateMachine"):
            desc = w.raw("stepfunctions").describe_state_machine(stateMachineArn=ident)
            fields = {
                "stateMachineArn": desc["stateMachineArn"],
                "creationDate": desc["creationDate"],
            }
        elif (service, op) == ("logs", "CreateLogGroup"):
            fields = {}
        else:
            raise exc
        text = (
            f"{op} {ident}: an earlier attempt of this run created it (its response was "
            "lost); answered from a lookup"
        )
        w.ledger.record("note", text=text)
        kind = CREATES[(service, op)]
        record_created(
            w.ledger, resource_key(service, kind, ident), kind, ident, op, via="answered"
        )
        w._out(f"labkit: {text}")
        return phases.empty_answer(w.run_id, **fields)

    def resolve(self, kind: str, ident: str, key: str, op: str, exc: BaseException) -> str | None:
        """After a create failed: record the outcome if it is known, by lookup if needed."""
        led = self.world.ledger
        code = pe.error_code(exc)
        status = (
            (getattr(exc, "response", None) or {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
        )
        if isinstance(exc, KeyboardInterrupt | SystemExit):
            return None  # clean-up looks it up
        # a 4xx answer (throttling included) means AWS did not carry the request out;
        # a 5xx or no answer at all leaves it open
        definitive = (isinstance(status, int) and 400 <= status < 500) or type(exc).__name__ in {
            "ParamValidationError",
            "SafetyError",
        }
        if definitive and code not in EXISTS:
            led.record("not-created", key=key, reason=f"{op} failed: {code}")
            return None
        if kind in {"role-policy", "attached-policy"}:
            return "The lab's clean-up removes it if it is there."
        try:
            owner = ownership.owner(self.world, kind, ident)
        except Exception:  # noqa: BLE001 - the lookup failed too: clean-up looks again
            return "The lab could not look it up now; clean-up will."
        if owner == "ours":
            self._own(kind, ident)
            record_created(led, key, kind, ident, op, via="lookup")
            return f"The lab looked it up: {ident} exists, so it is recorded for clean-up."
        if owner == "gone":
            # the request may still be on its way: clean-up looks again before concluding
            led.record(
                "note", text=f"{key}: not found right after {op} failed; clean-up looks again"
            )
            return "The lab looked it up: not there (yet); clean-up looks again."
        led.record("not-created", key=key, reason=f"it exists but {owner}")
        return f"The lab looked it up: it exists but {owner}."

    # -------------------------------------------------------------- checks

    def refuse(self, operation: str, reason: str) -> None:
        self.world.ledger.record("refused", operation=operation, reason=reason)
        raise SafetyError(reason)

    def check(self, service: str, op: str, params: dict[str, Any]) -> None:
        """Refuse any write the lab does not need or on anything this run did not create."""
        where = f"{service}.{op}"
        target = TARGETS.get((service, op))
        if target is None:
            self.refuse(where, f"labkit real mode does not send {where}: the lab does not need it")
            return
        param, kind = target
        value = str(params.get(param, "")) if param else ""
        if kind == "new":
            if not is_lab_name(value, self.world.prefix):
                self.refuse(where, f"refusing {where} on {value!r}: not in the lab's namespace")
        elif kind != "policy-entries" and not self.owns(kind, value):
            self.refuse(
                where,
                f"refusing {where} on {value!r}: this run of the lab did not create it "
                "(the lab changes only what it created)",
            )
        if (service, op) == ("iam", "TagRole") or op.startswith("Untag"):
            self.refuse(where, f"refusing {where}: the lab's tags mark what it owns")
        if service == "stepfunctions" and op in {"CreateStateMachine", "UpdateStateMachine"}:
            self._check_machine(where, params)

    def _check_machine(self, where: str, params: dict[str, Any]) -> None:
        role = params.get("roleArn")
        if role is not None and not self.owns("role", str(role)):
            self.refuse(
                where,
                f"refusing {where}: role {role} was not created by this run of the lab "
                "(a lab state machine runs only as a lab role)",
            )
        for dest in (params.get("loggingConfiguration") or {}).get("destinations") or ():
            arn = ((dest or {}).get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "")
            if arn and not self.owns("log-group", str(arn)):
                self.refuse(
                    where,
                    f"refusing {where}: log group {arn} was not created by this run of the lab",
                )
        definition = params.get("definition")
        if (
            isinstance(definition, str)
            and not self.world.allow_service_integrations
            and task_resources(definition)
            and not is_lesson_template(definition)
        ):
            self.refuse(
                where,
                f"refusing {where}: the definition has Task states "
                f"({', '.join(task_resources(definition)[:3])}), which call AWS APIs as the "
                "role; use a lesson template, or opt in with "
                "labkit.aws(allow_service_integrations=True)",
            )

    # -------------------------------------------------------------- creates

    def before_logging(self, params: dict[str, Any]) -> None:
        """Before logging is set up: note the lab's future entries, and the texts as they are.

        Step Functions then adds the lab group's entry to ``AWSLogDeliveryWrite20150319``
        (classic) or gives the group its own policy (2026) on the lab's behalf [DOC] CWL-UG.
        Clean-up removes those entries (``logs:lab-entries:GROUP``); the texts read here let
        it give a policy nobody else changed its exact bytes back.
        """
        config = params.get("loggingConfiguration") or {}
        if config.get("level", "OFF") == "OFF":
            return
        groups = [
            group_of(str(((d or {}).get("cloudWatchLogsLogGroup") or {}).get("logGroupArn", "")))
            for d in config.get("destinations") or ()
        ]
        self.world.note_policies(self.world.raw("logs"))
        for group in filter(None, groups):
            self.world.expect_entries(group)

    # -------------------------------------------------------------- the lab namespace

    def namespace(self, service: str, op: str, params: dict[str, Any], *, write: bool) -> None:
        """Read the names of a call in the lab namespace ``<prefix><name>`` (module doc)."""
        w = self.world
        keys = list(NAME_PARAMS.get(service, ()))
        if (service, op) in CREATE_NAMES:
            keys.append(CREATE_NAMES[(service, op)])
        for key in keys:
            value = params.get(key)
            if not isinstance(value, str) or not value or value.startswith("arn:"):
                continue
            if value.endswith("/") or is_lab_name(value, w.prefix):
                continue
            mapped = w.name(value)
            if write or self._created(mapped, prefix=key == "logGroupNamePrefix"):
                params[key] = mapped
                self.announce(value, mapped)
        config = params.get("loggingConfiguration")
        if write and isinstance(config, dict):
            for dest in config.get("destinations") or ():
                group = (dest or {}).get("cloudWatchLogsLogGroup") or {}
                arn = group.get("logGroupArn")
                name = group_of(arn) if isinstance(arn, str) else None
                if name and not is_lab_name(name, w.prefix):
                    mapped = w.name(name)
                    group["logGroupArn"] = arn.replace(
                        f":log-group:{name}", f":log-group:{mapped}", 1
                    )
                    self.announce(name, mapped)

    def _created(self, name: str, *, prefix: bool = False) -> bool:
        names = {arn_name(n) for ids in self.owned.values() for n in ids}
        return any(n.startswith(name) for n in names) if prefix else name in names

    def announce(self, base: str, mapped: str) -> None:
        if (base, mapped) in self.mapped:
            return
        self.mapped.add((base, mapped))
        text = f"{base} is {mapped} in this account (the lab's namespace)"
        self.world.ledger.record("note", text=text)
        self.world._out(f"labkit: {text}")


__all__ = [
    "CREATES",
    "DELETES",
    "READ_ONLY",
    "TARGETS",
    "Guard",
    "boundary_document",
    "is_lesson_template",
    "task_resources",
]
