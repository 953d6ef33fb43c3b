"""The lab on a learner's own AWS account: the offline world's interface, safely.

``labkit.aws(profile, region)`` returns a :class:`RealWorld` whose ``client(name)`` is a
genuine boto3 client of ``boto3.Session(profile_name=profile, region_name=region)``.
Any AWS-compatible endpoint works through botocore's own ``AWS_ENDPOINT_URL`` (and
``AWS_ENDPOINT_URL_<SERVICE>``) [DOC]
https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html .

The safety rules are stated once, at the top of :mod:`labkit.world.guard`, which checks
every call of every client this world hands out. The pieces:

* :mod:`labkit.world.guard`: ownership, the lab namespace, tags, the role's permissions
  boundary, the write-ahead records of each create, phase 2 and 3 on shared policies
  (with :mod:`labkit.world.lab_operations`, :mod:`labkit.world.lab_role_limits`);
* :mod:`labkit.ledger`: the write-ahead journal on disk;
* :mod:`labkit.world.policy_entries`: read-compare-write of the lab's own entries;
* :mod:`labkit.world.cleanup`: undoing a run from its ledger, ownership-checked.

This module opens the world (credentials, pre-flight checks), waits for executions and
their logs (:meth:`RealWorld.settle`), and infers each event's fate: real AWS has no audit
of delivery decisions, so :meth:`RealWorld.deliveries` matches ``GetExecutionHistory``
against the log events actually delivered (execution ARN + event id); ``decision`` and
``explanation`` are ``None``. Use :func:`labkit.doctor` for the why.
"""

from __future__ import annotations

import atexit
import json
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from labkit import ledger as ledger_mod
from labkit.errors import LabkitError
from labkit.i18n import _
from labkit.safety import (
    DEFAULT_PREFIX,
    MAX_ACCOUNT_POLICIES,
    SafetyError,
    cost_note,
    lab_name,
    lab_tags,
    log_group_arn,
    redact,
)
from labkit.world import cleanup as cleanup_mod
from labkit.world.aws_session import open_session as _open_session
from labkit.world.aws_session import profile_in_use, secrets
from labkit.world.guard import Guard, boundary_document
from labkit.world.lab_operations import record_created, record_intent
from labkit.world.phases import remove_lab_statement, restore_lab_statement
from labkit.world.policy_entries import error_code, read_resource_policies
from labkit.world.real_observer import Observer, ObserverState

__all__ = [
    "RealWorld",
    "aws",
    "read_resource_policies",
    "remove_lab_statement",
    "restore_lab_statement",
    "resume_cleanup",
]


@dataclass
class _Settings:
    poll_interval: float = 2.0
    quiet_seconds: float = 10.0
    restore_attempts: int = 3
    restore_backoff: float = 1.0
    progress: bool = True
    #: an intent whose outcome is unknown is looked up this often, this far apart (seconds
    #: times the attempt), before clean-up concludes it was never created: a request that
    #: timed out may still complete, and IAM is eventually consistent [DOC]
    #: https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
    lookup_attempts: int = 3
    lookup_delay: float = 2.0


class RealWorld(Observer):
    """A real AWS account seen through the offline world's interface (``mode == "aws"``)."""

    mode = "aws"

    def __init__(
        self,
        session: Any,
        *,
        account_id: str,
        region: str,
        ledger: ledger_mod.Ledger,
        prefix: str = DEFAULT_PREFIX,
        profile: str | None = None,
        dry_run: bool = False,
        backing: Any = None,
        settings: _Settings | None = None,
        out: Callable[[str], None] = print,
        client_config: Any = None,
        allow_service_integrations: bool = False,
        partition: str = "aws",
    ) -> None:
        self._session = session
        self.account_id = account_id
        self.region = region
        self.partition = partition
        self.aws_profile = profile
        # The offline worlds' behaviour profile: AWS today creates log-group-level
        # resource policies for new deliveries [DOC] CWL-UG (2026).
        self.profile = "current"
        self.prefix = prefix
        self.dry_run = dry_run
        self.ledger = ledger
        self.run_id = ledger.run_id
        self.seed = None
        self.clock = None
        self.allow_service_integrations = allow_service_integrations
        self.settings = settings or _Settings()
        self._backing = backing  # the offline world answering a dry run
        self._config = client_config
        self._out = out
        self._clients: dict[tuple[str, bool, str], Any] = {}
        self._lock = threading.RLock()
        self._closed = False
        self._boundary: str | None = None
        self.removed_group_policies: list[dict[str, Any]] = []
        self._secrets = secrets(session)
        self._state = ObserverState()
        self.guard = Guard(self)
        atexit.register(self._atexit)
        self._ipython_hook = _install_interrupt_hook(self)

    # -------------------------------------------------------------- presentation

    def __repr__(self) -> str:
        kind = "dry run" if self.dry_run else "aws"
        return (
            f"<RealWorld {kind} account {self.account_id} {self.region} "
            f"prefix {self.prefix!r} run {self.run_id}>"
        )

    def name(self, base: str) -> str:
        """The lab's name for ``base`` (the prefix on its last path segment)."""
        return lab_name(base, self.prefix)

    def safe(self, exc: BaseException) -> str:
        """``CODE: message`` of an error, with any credential removed."""
        return redact(f"{error_code(exc)}: {exc}", self._secrets)

    _safe = safe

    # -------------------------------------------------------------- clients

    def client(self, name: str, **kwargs: Any) -> Any:
        """A boto3 client whose every call passes the guard (:mod:`labkit.world.guard`)."""
        return self._client(name, guarded=True, **kwargs)

    def raw(self, name: str) -> Any:
        """The world's own client for ``name``: used only by the guard and clean-up, which
        check ownership before each write. Never handed to lesson code."""
        return self._client(name, guarded=False)

    def _client(self, name: str, *, guarded: bool, **kwargs: Any) -> Any:
        region = kwargs.pop("region_name", None) or self.region
        if region != self.region:
            raise SafetyError(f"the lab works in {self.region} only, not {region}")
        key = (name, guarded, region)
        with self._lock:
            if key in self._clients and not kwargs:
                return self._clients[key]
            if self._config is not None:
                kwargs.setdefault("config", self._config)
            if self._backing is not None:
                # AWS's own endpoint, whatever AWS_ENDPOINT_URL says: the offline world
                # answers every request before it is sent, and routes on the host name.
                kwargs.setdefault("endpoint_url", _aws_endpoint(name, region))
                client = self._backing.client(name, region_name=region, **kwargs)
            else:
                client = self._session.client(name, region_name=region, **kwargs)
            if self.dry_run:  # print each call as it would be sent
                client.meta.events.register(
                    "before-parameter-build", self._print_call, unique_id=f"labkit-print-{id(self)}"
                )
            if guarded:
                self.guard.install(client)
            if not kwargs or self._backing is not None or kwargs.keys() == {"config"}:
                self._clients[key] = client
            return client

    def cleanup_client(self, name: str, **kwargs: Any) -> Any:
        """Kept for old notebooks: the same guarded client as :meth:`client`."""
        return self.client(name, **kwargs)

    def _print_call(self, params: Mapping[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        shown = json.dumps(params, default=str, sort_keys=True)
        self._out(f"DRY RUN  {service}.{model.name}({shown})")

    # -------------------------------------------------------------- what the guard needs

    def boundary_arn(self) -> str:
        """The lab's permissions boundary policy, created (write-ahead) on first use."""
        if self._boundary is not None:
            return self._boundary
        for item in self.ledger.pending():
            ident = str(item.event.get("id"))
            if item.event.get("kind") == "policy" and "boundary" in ident and item.resolved:
                self._boundary = ident
                return ident
        name = f"{self.prefix}boundary-{self.run_id}"
        arn = f"arn:{self.partition}:iam::{self.account_id}:policy/{name}"
        key = record_intent(self.ledger, "iam", "policy", arn, "CreatePolicy")
        tags = [{"Key": k, "Value": v} for k, v in lab_tags(self.run_id).items()]
        try:
            made = self.raw("iam").create_policy(
                PolicyName=name,
                PolicyDocument=boundary_document(
                    self.region, self.account_id, self.prefix, self.partition
                ),
                Description="labkit: the most a lab role may do (CloudWatch Logs, the lab's own Step Functions)",
                Tags=tags,
            )
        except BaseException as exc:
            self.guard.resolve("policy", arn, key, "CreatePolicy", exc)
            raise
        arn = made["Policy"]["Arn"]
        self.guard._own("policy", arn)
        record_created(self.ledger, key, "policy", arn, "CreatePolicy", via="response")
        self._boundary = arn
        return arn

    def expect_entries(self, group: str) -> None:
        """Note that resource policies may name the lab's group (clean-up removes them)."""
        key = ledger_mod.entries_key(group)
        if not any(p.key == key for p in self.ledger.pending()):
            record_intent(self.ledger, "logs", "lab-entries", group, "logging set-up")

    def note_policies(self, logs: Any) -> None:
        """Record the texts of the account-level policies as they are now."""
        seen = {}
        for e in self.ledger.entries():
            if e.get("event") == "policy-seen":
                seen[e.get("name")] = e.get("document")
        for p in read_resource_policies(logs):
            if seen.get(p["policyName"]) != p.get("policyDocument"):
                self.ledger.record(
                    "policy-seen",
                    scope="ACCOUNT",
                    name=p["policyName"],
                    resource_arn=None,
                    document=p.get("policyDocument"),
                )

    def texts(self, name: str) -> list[str]:
        """Every text of policy ``name`` in the ledger (for giving exact bytes back)."""
        return ledger_mod.texts(self.ledger.entries(), name)

    def record_edit(self, name: str, groups: list[str], result: Mapping[str, Any]) -> None:
        for group in groups or [""]:
            self.ledger.record(
                "entries-edited",
                key=ledger_mod.entries_key(group),
                policy=name,
                scope="ACCOUNT",
                action=result["action"],
                before=result["before"],
                after=result["after"],
                attempts=result["attempts"],
                errors=[redact(e, self._secrets) for e in result.get("errors", [])],
            )

    def register_lambda(self, name: str, handler: Any) -> None:
        """Offline only: real AWS runs real Lambda functions."""
        raise LabkitError(
            "register_lambda is offline only: on real AWS, Task states call real Lambda functions"
        )

    # -------------------------------------------------------------- clean-up and lifecycle

    def cleanup(self) -> list[str]:
        """Undo everything the ledger says this run did; idempotent. Returns leftover keys."""
        with self._lock:
            return cleanup_mod.cleanup(self)

    @contextmanager
    def phase(self, where: str) -> Iterator[None]:
        """Run a block; on any error or KeyboardInterrupt, record it and clean up."""
        try:
            yield
        except BaseException as exc:
            self.ledger.record("error", where=where, error=self.safe(exc))
            self.cleanup()
            raise

    def close(self) -> None:
        """Clean up and stop listening for interrupts; safe to call twice."""
        if self._closed:
            return
        try:
            self.cleanup()
        finally:
            self._closed = True
            atexit.unregister(self._atexit)
            _remove_interrupt_hook(self._ipython_hook)
            if self._backing is not None:
                self._backing.close()

    def _atexit(self) -> None:
        with suppress(BaseException):  # the ledger already says what is left
            self.close()

    def __enter__(self) -> RealWorld:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is not None:
            self.ledger.record("error", where="with block", error=self.safe(exc))
        self.close()


def _aws_endpoint(service: str, region: str) -> str:
    if service == "iam":
        return "https://iam.amazonaws.com"
    prefix = {"stepfunctions": "states"}.get(service, service)
    return f"https://{prefix}.{region}.amazonaws.com"


def _install_interrupt_hook(world: RealWorld) -> Any:
    """In IPython, clean up after a cell ends with KeyboardInterrupt."""
    ipython = sys.modules.get("IPython")
    shell = (
        ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    )
    if shell is None:
        return None

    def hook(result: Any) -> None:
        if isinstance(getattr(result, "error_in_exec", None), KeyboardInterrupt):
            world.ledger.record("error", where="notebook cell", error="KeyboardInterrupt")
            world._out("labkit: interrupted; cleaning up what the lab created ...")
            world.cleanup()

    shell.events.register("post_run_cell", hook)
    return (shell, hook)


def _remove_interrupt_hook(handle: Any) -> None:
    if handle is not None:
        shell, hook = handle
        with suppress(ValueError):
            shell.events.unregister("post_run_cell", hook)


# ---------------------------------------------------------------- opening a world


def _probe_document(region: str, account: str, group: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "LabkitWriteProbe",
                    "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{log_group_arn(region, account, group)}:log-stream:*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account}},
                }
            ],
        }
    )


def aws(
    profile: str | None = None,
    region: str | None = None,
    *,
    dry_run: bool = False,
    ledger_path: str | None = None,
    prefix: str = DEFAULT_PREFIX,
    poll_interval: float = 2.0,
    quiet_seconds: float = 10.0,
    restore_attempts: int = 3,
    restore_backoff: float = 1.0,
    progress: bool = True,
    out: Callable[[str], None] = print,
    client_config: Any = None,
    allow_service_integrations: bool = False,
    lookup_delay: float = 2.0,
    dry_run_profile: str = "classic",
) -> RealWorld:
    """Open the lab on a real AWS account (or a dry run of it).

    Refuses to start, with a one-line reason, when credentials are missing or rejected
    (naming the profile), when ``logs:DescribeResourcePolicies`` fails, when the account
    already has 10 account-level resource policies [DOC] CWL-UG quota, or when a lab-owned
    probe policy cannot be put and deleted (then the lab could not undo what it changes).

    ``dry_run=True`` sends nothing to AWS: every call is printed and answered by the
    offline simulation instead. ``client_config`` is a ``botocore.config.Config`` for every
    client (timeouts, retries). ``allow_service_integrations=True`` lets lab state machines
    use Task states beyond the lesson templates (rule 5 of :mod:`labkit.world.guard`).
    ``dry_run_profile`` is the offline era that answers a dry run: ``"classic"`` (one shared
    account-level policy, where the lab edits only its own entries, so a policy variant that
    changes a statement's principal or conditions cannot take effect) or ``"current"``
    (2026: the lab group's own log-group-level policy, which the lab may rewrite whole).
    """
    settings = _Settings(
        poll_interval,
        quiet_seconds,
        restore_attempts,
        restore_backoff,
        progress,
        lookup_delay=lookup_delay,
    )
    if not prefix:
        raise SafetyError("the lab prefix must not be empty")
    common = {
        "prefix": prefix,
        "profile": profile,
        "settings": settings,
        "out": out,
        "client_config": client_config,
        "allow_service_integrations": allow_service_integrations,
    }
    if dry_run:
        from labkit.world.offline import offline

        backing = offline(region=region or "us-east-1", profile=dry_run_profile)
        led = ledger_mod.Ledger(ledger_path)
        world = RealWorld(
            None,
            account_id=backing.account_id,
            region=backing.region,
            ledger=led,
            dry_run=True,
            backing=backing,
            **common,
        )
        led.record(
            "run-started",
            account=world.account_id,
            region=world.region,
            prefix=prefix,
            profile=profile,
            dry_run=True,
        )
        out(
            _(
                "DRY RUN: nothing is sent to AWS; each call is printed and answered by the "
                "offline simulation."
            )
        )
        out(cost_note())
        return world
    session, account, region_name = _open_session(profile, region)
    led = ledger_mod.Ledger(ledger_path)
    world = RealWorld(session, account_id=account, region=region_name, ledger=led, **common)
    led.record(
        "run-started",
        account=account,
        region=region_name,
        prefix=prefix,
        profile=profile_in_use(profile),
        dry_run=False,
    )
    try:
        _preflight(world)
    except BaseException as exc:
        led.record(
            "refused",
            operation="start",
            reason=world.safe(exc) if not isinstance(exc, SafetyError) else exc.message,
        )
        world.close()
        if isinstance(exc, SafetyError | KeyboardInterrupt | SystemExit):
            raise
        raise SafetyError(f"pre-flight check failed: {world.safe(exc)}") from exc
    out(
        _(
            "labkit on AWS account {account} in {region}: creates only {prefix}* resources, "
            "tagged labkit:lab=true; ledger {ledger}"
        ).format(account=account, region=region_name, prefix=prefix, ledger=led.path)
    )
    out(cost_note())
    return world


def _preflight(world: RealWorld) -> None:
    logs = world.raw("logs")
    try:
        account = read_resource_policies(logs)
    except Exception as exc:  # noqa: BLE001
        raise SafetyError(
            "cannot read CloudWatch Logs resource policies (logs:DescribeResourcePolicies: "
            f"{error_code(exc)}); the lab must read them to edit its own entries"
        ) from exc
    if len(account) >= MAX_ACCOUNT_POLICIES:
        raise SafetyError(
            f"this account already has {len(account)} account-level CloudWatch Logs resource "
            f"policies in {world.region} (the quota is {MAX_ACCOUNT_POLICIES}); the lab could "
            "break log delivery set-up for others. Use another region or the offline world"
        )
    probe = f"{world.prefix}probe-{world.run_id}"
    key = record_intent(world.ledger, "logs", "probe-policy", probe, "PutResourcePolicy")
    try:
        logs.put_resource_policy(
            policyName=probe, policyDocument=_probe_document(world.region, world.account_id, probe)
        )
        record_created(
            world.ledger, key, "probe-policy", probe, "PutResourcePolicy", via="response"
        )
        logs.delete_resource_policy(policyName=probe)
        world.ledger.record(
            "deleted", key=key, operation="DeleteResourcePolicy", already_gone=False
        )
    except Exception as exc:  # noqa: BLE001
        raise SafetyError(
            "cannot write CloudWatch Logs resource policies (logs:PutResourcePolicy/"
            f"DeleteResourcePolicy: {error_code(exc)}); the lab could not undo what it changes"
        ) from exc


def resume_cleanup(
    ledger_path: str,
    *,
    profile: str | None = None,
    out: Callable[[str], None] = print,
    client_config: Any = None,
) -> list[str]:
    """Finish the clean-up of an earlier run from its ledger file (e.g. after a crash).

    Goes through the same ownership checks as any clean-up: only resources tagged with
    the ledger's run id, in the ledger's account and Region, are deleted.
    """
    entries = ledger_mod.read(ledger_path)
    start = next((e for e in entries if e.get("event") == "run-started"), None)
    if start is None:
        raise LabkitError(f"{ledger_path} is not a labkit ledger")
    if start.get("dry_run"):
        raise LabkitError("that ledger is from a dry run: nothing was created on AWS")
    session, account, region = _open_session(profile or start.get("profile"), start.get("region"))
    if account != start.get("account"):
        raise SafetyError(
            f"the ledger is for account {start.get('account')}, these credentials are for {account}"
        )
    led = ledger_mod.Ledger(ledger_path, run_id=start.get("run"))
    world = RealWorld(
        session,
        account_id=account,
        region=region,
        ledger=led,
        prefix=start.get("prefix") or DEFAULT_PREFIX,
        profile=profile or start.get("profile"),
        out=out,
        client_config=client_config,
    )
    try:
        return world.cleanup()
    finally:
        world.close()
