"""``labkit.offline()``: a simulated AWS account where Step Functions log delivery is
set up and authorised as on AWS, in virtual time.

A world hands out **genuine boto3 clients**. Each client carries, on its own event
system (``before-send``), a handler belonging to this world; nothing is patched
globally, so leaving the ``with`` block leaves nothing behind:

* Step Functions, and CloudWatch Logs' Put/Describe/DeleteResourcePolicy, are answered
  by labkit (``labkit.world.stepfunctions``, ``labkit.world.resource_policies``): moto
  validates none of what the lesson is about (moto 5.2.5 notes: logging configuration
  stored but never validated or delivered; resource policies never checked or evaluated).
* IAM, STS and the rest of CloudWatch Logs (groups, streams, events) are answered by
  moto, on backends private to this world (``labkit.world.moto_store``).

Who writes the logs: at :meth:`OfflineWorld.settle`, each finished execution's events
are delivered **as ``delivery.logs.amazonaws.com``**, only if the log group's resource
policies allow it, after a modelled latency (``labkit.world.offline_delivery``, which
cites the facts); the execution role plays no part in delivery.

Time: a world starts at a seeded instant (``labkit.clock.seeded_start``) and moves only
when executions run and logs are delivered. Reading calls (DescribeExecution,
GetExecutionHistory, ListExecutions, GetLogEvents, FilterLogEvents, DescribeLogStreams)
first let virtual time run until every started execution has finished and its logs
have been delivered (``auto_settle=True``, the default), as if the learner had waited;
with ``auto_settle=False`` executions stay ``RUNNING`` until :meth:`settle`.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlparse

from botocore.config import Config
from moto.core.models import botocore_stubber as moto_stubber

from labkit.clock import VirtualClock, seeded_start
from labkit.errors import LabkitError
from labkit.world import log_setup, packed_log_events, roles, wire
from labkit.world.delivery import DELIVERY_COLUMNS
from labkit.world.moto_store import MotoAccount
from labkit.world.offline_delivery import Flush, LogDelivery
from labkit.world.resource_policies import ResourcePolicyStore
from labkit.world.stepfunctions import StepFunctionsService

DEFAULT_ACCOUNT_ID = "123456789012"
#: ``classic``: one account-level policy in today's documented shape (the default);
#: ``current``: the 2026 log-group-level policies; ``article-2020``: classic limits with the
#: statement the article recorded in December 2020, in its Region (see ``log_setup``).
PROFILES = ("classic", "current", "article-2020")
#: The Region of the article's recording [AWS-REC issue 13 #17]
ARTICLE_REGION = "us-west-2"
CONSOLE_ROLE_PREFIX = "StepFunctions-HelloWorld-role-"
CLIENTS = ("iam", "logs", "stepfunctions", "sts")
_LOGS_OWN = {"PutResourcePolicy", "DescribeResourcePolicies", "DeleteResourcePolicy"}
_LOGS_READS = {"GetLogEvents", "FilterLogEvents", "DescribeLogStreams"}
_SFN_OPS = {
    "CreateStateMachine": "create_state_machine",
    "UpdateStateMachine": "update_state_machine",
    "DescribeStateMachine": "describe_state_machine",
    "DescribeStateMachineForExecution": "describe_state_machine_for_execution",
    "ListStateMachines": "list_state_machines",
    "DeleteStateMachine": "delete_state_machine",
    "StartExecution": "start_execution",
    "StartSyncExecution": "start_sync_execution",
    "DescribeExecution": "describe_execution",
    "ListExecutions": "list_executions",
    "GetExecutionHistory": "get_execution_history",
    "StopExecution": "stop_execution",
    "DescribeMapRun": "describe_map_run",
    "ListMapRuns": "list_map_runs",
}


class OfflineWorld:
    """A simulated AWS account for one lesson; see the module docstring."""

    mode = "offline"

    def __init__(
        self,
        *,
        profile: Literal["classic", "current", "article-2020"] = "classic",
        seed: int = 0,
        region: str | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        latency_ms: tuple[int, int] = (1000, 5000),
        flush_ms: int = 1000,
        stream_rotation_s: int = 3600,
        vended_threshold: int = log_setup.DEFAULT_VENDED_THRESHOLD,
        auto_settle: bool = True,
    ) -> None:
        if profile not in PROFILES:
            raise LabkitError(
                f"profile must be one of {', '.join(map(repr, PROFILES))}, not {profile!r}"
            )
        region = region or (ARTICLE_REGION if profile == "article-2020" else "us-east-1")
        if not (0 <= latency_ms[0] <= latency_ms[1]):
            raise LabkitError("latency_ms must be (low, high) with 0 <= low <= high")
        self.profile = profile
        self.seed = seed
        self.region = region
        self.account_id = account_id
        self.latency_ms = latency_ms
        self.flush_ms = flush_ms
        self.stream_rotation_s = stream_rotation_s
        self.vended_threshold = vended_threshold
        self.auto_settle = auto_settle
        self.clock = VirtualClock(seeded_start(seed))
        self.lambdas: dict[str, Callable[[Any], Any]] = {}
        self.moto = MotoAccount(account_id, self.clock.now, seed, regions=_regions)
        self.policies = ResourcePolicyStore(
            "current" if profile == "current" else "classic",
            now_ms=self.clock.now_ms,
            rng=random.Random(f"labkit-rp-{seed}"),
        )
        self.sfn = StepFunctionsService(self)
        self.log_delivery = LogDelivery(self)
        self._iam_ready = False
        self._closed = False
        self._settling = False
        self._lock = threading.RLock()

    # -- lifecycle -------------------------------------------------------------------

    def __enter__(self) -> OfflineWorld:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Forget everything (moto backends too); thread-safe: it waits for a call in flight,
        and every later call, in any thread, raises ``LabkitError`` "world is closed"."""
        with self._lock:
            self._closed = True
            self.sfn.machines.clear()
            self.sfn.executions.clear()
            self.sfn.map_runs.clear()
            self.sfn.run_machines.clear()
            self.log_delivery.clear()
            packed_log_events.clear_cache()  # decoded messages of any world, refilled on read
            self.lambdas.clear()
            self.moto.close()

    def __repr__(self) -> str:
        n = len(self.sfn.executions)
        return (
            f"<OfflineWorld {self.profile} account {self.account_id} {self.region}, "
            f"{n} executions, {self.clock.now().isoformat(timespec='seconds')}>"
        )

    # -- clients ---------------------------------------------------------------------

    def client(self, name: str, **kwargs: Any) -> Any:
        """A genuine boto3 client for ``name`` (iam, logs, stepfunctions, sts) in this world."""
        if self._closed:
            raise LabkitError("this offline world is closed; create a new one")
        if name not in CLIENTS:
            raise LabkitError(
                f"offline worlds offer the clients {', '.join(CLIENTS)}, not {name!r}"
            )
        endpoint = kwargs.get("endpoint_url")
        if endpoint and not urlparse(endpoint).netloc.endswith(".amazonaws.com"):
            raise LabkitError(
                f"an offline world answers AWS's own endpoints itself, not endpoint_url={endpoint}; "
                "other endpoints are for labkit.aws()"
            )
        kwargs.setdefault("region_name", self.region)
        # AWS_ENDPOINT_URL (and its per-service forms) configure real-mode endpoints such as a
        # moto server; an offline client must keep AWS's hosts, which its handler routes on.
        offline_config = Config(ignore_configured_endpoint_urls=True)
        given = kwargs.get("config")
        kwargs["config"] = given.merge(offline_config) if given else offline_config
        with _SESSION_LOCK:
            client = _session().client(name, **kwargs)
        # moto's global stubber sits on every client's before-send (BUILTIN_HANDLERS); botocore
        # calls all of them, so inside ``mock_aws`` moto would answer and act on its own state
        client.meta.events.unregister("before-send", moto_stubber)
        client.meta.events.register_first("before-send", self._handle)
        return client

    @property
    def role_name(self) -> str:
        """The execution role's name in this world's era.

        ``article-2020``: named as the console named the roles it created,
        ``StepFunctions-HelloWorld-role-`` and 8 hex characters (the article's was
        ``StepFunctions-HelloWorld-role-4fabec35``) [AWS-REC issue 13 #17]; the characters are
        drawn from the world's seed [INFER: the console's are random]. Other profiles: the
        lab's own ``labkit.article.ROLE_NAME``.
        """
        from labkit import article

        if self.profile != "article-2020":
            return article.ROLE_NAME
        suffix = f"{random.Random(f'labkit-console-role-{self.seed}').getrandbits(32):08x}"
        return f"{CONSOLE_ROLE_PREFIX}{suffix}"

    def register_lambda(self, name: str, handler: Callable[[Any], Any]) -> None:
        """Run ``handler(payload)`` for Task states that invoke Lambda function ``name``."""
        self.lambdas[name] = handler
        self.lambdas[f"arn:aws:lambda:{self.region}:{self.account_id}:function:{name}"] = handler

    # -- request routing -------------------------------------------------------------

    def _handle(self, request: Any, **_: Any) -> Any:
        if self._closed:
            raise LabkitError("this offline world is closed; create a new one")
        with self._lock:
            if self._closed:  # closed by another thread while this one waited for the lock
                raise LabkitError("this offline world is closed; create a new one")
            op = wire.operation(request)
            if op and (refused := wire.refuse_invalid_unicode(request, op[1])) is not None:
                return refused
            host = urlparse(request.url).netloc
            if op and op[0] == "AWSStepFunctions":
                return self._answer(request, getattr(self.sfn, _SFN_OPS.get(op[1], ""), None))
            if op and op[0].startswith("Logs_"):
                if op[1] in _LOGS_OWN:
                    return self._answer(request, getattr(self, "_logs_" + op[1], None))
                if op[1] in _LOGS_READS:
                    self._auto_settle()
            if host.startswith("iam."):
                self._install_managed_policies()
            request.headers["x-moto-account-id"] = self.account_id
            response = self.moto.dispatch(request)
            if op and op[1] == "DeleteLogGroup" and response is not None:
                name = wire.body(request).get("logGroupName")
                if response.status_code == 200 and name:
                    self.policies.forget_group(name)
            if response is None:
                return wire.error(request, "UnknownOperationException", "Not offered offline")
            return response

    def _answer(self, request: Any, method: Callable[[dict], dict] | None) -> Any:
        op = wire.operation(request)
        if method is None:
            return wire.error(
                request,
                "UnknownOperationException",
                f"{op[1] if op else 'This operation'} is not offered by labkit's offline world",
            )
        try:
            return wire.respond(request, method(wire.body(request)))
        except LabkitError as exc:
            return wire.error(request, exc.code, exc.message)

    # -- CloudWatch Logs resource policies -------------------------------------------

    def _logs_PutResourcePolicy(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        policy = self.policies.put(
            p.get("policyName", ""),
            p.get("policyDocument", ""),
            resource_arn=p.get("resourceArn"),
            expected_revision_id=p.get("expectedRevisionId"),
            group_exists=lambda g: self.log_group_exists(self.region, self.account_id, g),
        )
        out: dict[str, Any] = {"resourcePolicy": policy.to_api(self.profile)}
        if policy.revision_id and self.profile == "current":
            out["revisionId"] = policy.revision_id
        return out

    def _logs_DescribeResourcePolicies(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        found = self.policies.describe(
            policy_scope=p.get("policyScope"), resource_arn=p.get("resourceArn")
        )
        return {"resourcePolicies": [x.to_api(self.profile) for x in found]}

    def _logs_DeleteResourcePolicy(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        self.policies.delete(p.get("policyName", ""), resource_arn=p.get("resourceArn"))
        return {}

    # -- moto-backed state -----------------------------------------------------------

    def log_group_exists(self, region: str, account: str, name: str) -> bool:
        """Whether log group ``name`` exists in this account and Region."""
        if region != self.region or account != self.account_id:
            return False
        with self.moto.installed():
            return name in self.moto.backend("logs", region).groups

    def _install_managed_policies(self) -> None:
        """Make labkit.iam's AWS managed policies attachable by ARN (moto loads none by default)."""
        if not self._iam_ready:
            self._iam_ready = True
            roles.install_managed_policies(self.moto, self.account_id, self.region)

    def role_policies(self, role_arn: str) -> tuple[list[Any], Any | None]:
        """The role's identity policies (inline + attached) and its boundary, as labkit.iam Policies."""
        self._install_managed_policies()
        return roles.role_policies(self.moto, self.region, role_arn)

    def set_up_delivery(self, region: str, account: str, group: str, role_arn: str) -> None:
        """Log-delivery set-up as Step Functions does it, acting as ``role_arn``."""
        identity, boundary = self.role_policies(role_arn)

        def validation_stream() -> None:
            with self.moto.installed():
                backend = self.moto.backend("logs", region)
                log_group = backend.groups.get(group)
                if log_group is not None and log_setup.VALIDATION_STREAM not in log_group.streams:
                    backend.create_log_stream(group, log_setup.VALIDATION_STREAM)

        log_setup.set_up_delivery(
            store=self.policies,
            region=region,
            account=account,
            group=group,
            role_arn=role_arn,
            identity=identity,
            boundary=boundary,
            vended_threshold=self.vended_threshold,
            create_validation_stream=validation_stream,
            shape="2020" if self.profile == "article-2020" else "documented",
        )

    # -- time ------------------------------------------------------------------------

    def _auto_settle(self) -> None:
        if self.auto_settle and not self._settling:
            self.settle()

    def settle(self) -> None:
        """Run every started execution to its end and deliver its logs, in virtual time."""
        if self._closed:
            raise LabkitError("this offline world is closed; create a new one")
        with self._lock:
            if self._settling:
                return
            self._settling = True
            try:
                self.sfn.run_pending()
                flushes: list[Flush] = []
                for e in sorted(self.sfn.executions.values(), key=lambda e: (e.start, e.arn)):
                    if e.status != "RUNNING" and not e.delivered:
                        e.delivered = True
                        flushes += self.log_delivery.plan(e)
                flushes.sort(key=lambda f: (f.delivered_at, f.execution.start, f.execution.arn))
                for flush in flushes:
                    self.clock.advance_to(flush.delivered_at)
                    self.log_delivery.deliver(flush)
                for e in self.sfn.executions.values():
                    if e.stop is not None:
                        self.clock.advance_to(e.stop)
            finally:
                self._settling = False

    # -- delivery --------------------------------------------------------------------

    # -- audit -----------------------------------------------------------------------

    def deliveries(self) -> Any:
        """One row per execution history event: delivered, dropped or not logged, and why.

        Real AWS has no such audit; this is what the lessons show.
        """
        return self.log_delivery.table()


_SESSION_LOCK = threading.Lock()
_SESSIONS: list[Any] = []


def _session() -> Any:
    """One boto3 session with fake credentials, shared by every offline world.

    Sharing it shares botocore's parsed service models (building a client from a fresh
    session re-reads them: ~0.1 s each). Each client still gets its own event system,
    where its world's handler is registered, so worlds stay apart.
    """
    if not _SESSIONS:
        import boto3

        _SESSIONS.append(
            boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
        )
    return _SESSIONS[0]


def _regions(service: str) -> list[str]:
    """Every region of ``service`` in every partition, read from the shared session.

    What moto would list from a botocore session of its own (``AccountSpecificBackend.
    _generate_regions``); reading it here keeps one parsed ``endpoints.json`` per kernel.
    """
    session = _session()
    return [
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions(service, partition_name=partition)
    ]


def offline(
    *,
    profile: Literal["classic", "current", "article-2020"] = "classic",
    seed: int = 0,
    region: str | None = None,
    **options: Any,
) -> OfflineWorld:
    """A fresh simulated account; use it as a context manager.

    >>> import labkit
    >>> with labkit.offline(seed=1) as world:
    ...     sfn = world.client("stepfunctions")

    ``profile="classic"`` (the default) is one account-level ``AWSLogDeliveryWrite20150319``
    in today's documented shape (5,120 characters, 10 policies); ``"current"`` is the 2026
    behaviour (log-group-level policies, 51,200 bytes); ``"article-2020"`` is the article's
    own recording: classic limits, the statement as AWS wrote it in December 2020 (Sid
    ``AWSLogDeliveryWrite``, no Condition), Region ``us-west-2`` unless ``region`` is
    given, and ``world.role_name`` named like the console's roles. Further options:
    ``account_id``, ``latency_ms=(low, high)``, ``flush_ms``, ``stream_rotation_s``,
    ``vended_threshold``, ``auto_settle``.
    """
    return OfflineWorld(profile=profile, seed=seed, region=region, **options)


__all__ = [
    "ARTICLE_REGION",
    "CLIENTS",
    "CONSOLE_ROLE_PREFIX",
    "DEFAULT_ACCOUNT_ID",
    "DELIVERY_COLUMNS",
    "PROFILES",
    "OfflineWorld",
    "offline",
]
