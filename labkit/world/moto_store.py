"""One simulated account's moto backends, kept private to its world.

moto keeps its state in process-global ``BackendDict``s keyed by account id
(``moto/core/base_backend.py``). An offline world owns private
``AccountSpecificBackend`` objects for IAM, STS and CloudWatch Logs and installs
them into the globals only for the duration of one call, under one module-level
lock, putting back exactly what was there before. So two worlds can live at once,
even with the same account id, and a closed world leaves nothing in moto.

During a call, moto's clock (the ``utcnow`` name that ``moto.logs.models`` and
``moto.iam.models`` import) reads the world's virtual clock, so ``creationTime``,
``ingestionTime`` and ``lastUpdatedTime`` are virtual and deterministic, and
PutLogEvents' "too old / too new" rule is judged against virtual time. moto's random
source (``mock_random``, which makes RoleIds, sequence tokens and event ids) runs on a
state private to the world and seeded by it, and log event ids are numbered per world,
so identifiers repeat with the seed.
This touches moto internals: it is pinned to moto 5.2.5 and checked by
``tests/test_world_isolation.py``.

Hand-written because moto offers no per-instance state: ``mock_aws`` patches globally.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import moto.iam.models as _iam_models
import moto.logs.models as _logs_models
from moto.backends import get_backend
from moto.core.base_backend import AccountSpecificBackend, BackendDict
from moto.core.botocore_stubber import BotocoreStubber
from moto.core.model_instances import model_data
from moto.moto_api._internal import mock_random

from labkit.world.moto_trim import forget_managed_policy_text

#: Services whose state lives in moto; everything else is labkit's own.
SERVICES = ("iam", "sts", "logs")

_LOCK = threading.RLock()
#: moto's global ``BackendDict`` per service, looked up once: ``get_backend`` builds a new
#: name string per call, and CPython's attribute cache keeps such strings alive long after
#: a world has closed, pinning the allocator's memory (issue 14, benchmarks/bench_memory.py).
_GLOBAL_BACKENDS: dict[str, BackendDict[Any]] = {
    service: get_backend(service)  # type: ignore[call-overload]
    for service in SERVICES
}
_TIME_MODULES = (_logs_models, _iam_models)
forget_managed_policy_text()  # 5 MB no offline world reads (labkit.world.moto_trim)


def _tracked_models() -> list[type]:
    return [m for service in SERVICES for m in model_data.get(service, {}).values()]


def _swap_tracking() -> list[tuple[type, list]]:
    """Give every moto model of our services a throw-away ``instances_tracked`` list.

    moto appends every model instance it creates (each LogEvent, role, policy) to a
    class-level list kept for its server dashboard (``moto/core/common_models.py``), and
    never trims it: 5,000 executions kept ~340 MB alive, even after their world closed.
    The world's own backends hold what it needs; the lists are put back after the call.
    """
    saved = []
    for model in _tracked_models():
        saved.append((model, model.instances_tracked))
        model.instances_tracked = []
    return saved


def _restore_tracking(saved: list[tuple[type, list]]) -> None:
    for model, original in saved:
        model.instances_tracked = original


class MotoAccount:
    """Private moto state for one account; use :meth:`installed` around every access."""

    def __init__(
        self,
        account_id: str,
        now: Callable[[], datetime],
        seed: int = 0,
        regions: Callable[[str], list[str]] | None = None,
    ) -> None:
        """``regions(service)``, when given, lists the service's regions for moto.

        Without it moto builds that list from a botocore session of its own, which keeps
        a second parsed copy of botocore's ``endpoints.json`` (about 9 MB per kernel);
        the offline world passes its shared session's ``get_available_regions``.
        """
        self.account_id = account_id
        self._now = now
        rng = type(mock_random)(f"labkit-moto-{seed}")
        self._random_state = rng.getstate()
        self._event_id = 0  # moto numbers log events with a process-global class counter
        self._private: dict[str, AccountSpecificBackend[Any]] = {}
        for service in SERVICES:
            bd = _GLOBAL_BACKENDS[service]
            listed = regions(service) if regions is not None and bd._use_boto3_regions else None
            self._private[service] = AccountSpecificBackend(
                service_name=bd.service_name,
                account_id=account_id,
                backend=bd.backend,
                use_boto3_regions=bd._use_boto3_regions and listed is None,
                additional_regions=[*(listed or []), *(bd._additional_regions or [])],
            )
        self._stubber = BotocoreStubber()
        self._stubber.enabled = True

    def _naive_now(self) -> datetime:
        return self._now().replace(tzinfo=None)

    @contextmanager
    def installed(self) -> Iterator[MotoAccount]:
        """Install this account's backends (and virtual time) into moto for one call."""
        with _LOCK:
            saved: list[tuple[BackendDict[Any], dict[str, Any]]] = []
            instances = list(BackendDict._instances)
            times = [(m, m.utcnow) for m in _TIME_MODULES]
            random_state = mock_random.getstate()
            event_id = _logs_models.LogEvent._event_id
            tracked = _swap_tracking()
            try:
                mock_random.setstate(self._random_state)
                _logs_models.LogEvent._event_id = self._event_id
                for service in SERVICES:
                    bd = _GLOBAL_BACKENDS[service]
                    saved.append((bd, dict(bd)))
                    dict.__setitem__(bd, self.account_id, self._private[service])
                for module, _ in times:
                    module.utcnow = self._naive_now  # type: ignore[attr-defined]
                yield self
            finally:
                self._random_state = mock_random.getstate()
                mock_random.setstate(random_state)
                self._event_id = _logs_models.LogEvent._event_id
                _logs_models.LogEvent._event_id = event_id
                for module, original in times:
                    module.utcnow = original  # type: ignore[attr-defined]
                for bd, before in saved:
                    dict.clear(bd)
                    dict.update(bd, before)
                BackendDict._instances[:] = instances
                _restore_tracking(tracked)

    def close(self) -> None:
        """Drop this account's backends (a closed world's state is unreachable afterwards).

        The per-region backends are removed from each ``AccountSpecificBackend`` too: moto
        caches the last 128 of those in ``AccountSpecificBackend._generate_regions``
        (an ``lru_cache`` on a method, ``moto/core/base_backend.py``), which would otherwise
        keep dozens of closed worlds' log events alive.
        """
        with _LOCK:
            for private in self._private.values():
                dict.clear(private)
            self._private.clear()

    def backend(self, service: str, region: str) -> Any:
        """The moto backend of ``service`` for ``region`` (IAM: the partition's)."""
        private = self._private[service]
        if service == "iam":
            return private["aws"]
        return private[region]

    def dispatch(self, request: Any) -> Any:
        """Answer a botocore request from moto, inside this account."""
        with self.installed():
            return self._stubber("before-send", request)

    def holds(self, backend_dict: BackendDict[Any]) -> bool:
        """Whether a global moto ``BackendDict`` still references this account's state."""
        mine = {id(v) for v in self._private.values()}
        return any(id(v) in mine for v in dict.values(backend_dict))
