"""The lab's ledger: a write-ahead journal of what a real-AWS run creates, on disk.

A real account is shared, and a network can lose any response. So the lab writes down
what it is *about to* create before it sends the request (``intent``, with the name it
will use), and the outcome after (``created`` from the response, or from looking the
resource up when the response was lost; ``not-created`` when AWS refused it or a lookup
found nothing). Clean-up reads only this file: every key whose last word is ``intent`` or
``created`` is still to undo, latest first. An ``intent`` without an outcome (a dropped
connection, a crash, a failed ledger write after the call) is resolved at clean-up by
looking the resource up and checking its ``labkit:run`` tag. A crashed kernel leaves the
file behind, so ``labkit.world.real.resume_cleanup(path)`` can finish the job.

Shared CloudWatch Logs resource policies are never "restored" from a copy (that would
undo other teams' changes). The ledger keeps the key ``logs:lab-entries:GROUP`` for every
log group of this run that a resource policy may name (Step Functions adds the entry on the
lab's behalf), each ``entries-edited`` step (policy, what was removed or added, the text
read and the text written), and at clean-up ``entries-removed``. Texts are kept so that a
policy whose other entries nobody changed gets its exact bytes back.

Where: ``$LABKIT_LEDGER_DIR`` or ``~/.labkit/ledger/``, one file per run, never inside
the repository. Each line is one JSON object with ``seq``, ``time`` (UTC ISO 8601),
``run`` and ``event``, plus fields of that event:

====================  =========================================================
``run-started``       account, region, prefix, profile, dry_run (never credentials)
``intent``            key, service, kind, id, operation (written before the request)
``created``           key, service, kind, id, operation, via ("response" | "lookup")
``not-created``       key, reason (AWS refused it, or a lookup found nothing)
``deleted``           key, already_gone (bool), operation
``delete-failed``     key, error, attempt (clean-up keeps going and tries again)
``not-owned``         key, reason (clean-up refused: not tagged with this run)
``policy-seen``       scope, name, resource_arn, document (a text the lab read)
``entries-edited``    key, policy, scope, action, before, after, attempts
``entries-removed``   key, policies (what clean-up removed, policy by policy)
``edit-failed``       key, policy, error, attempts, how (a command that removes
                      only the lab's entry)
``refused``           operation, reason
``error``             where, error (an exception that interrupted the lab)
``note``              text
``cleanup-started``   —
``cleanup-finished``  leftovers (keys still pending)
====================  =========================================================

Hand-written (a few lines of ``json``): no library models an undo journal this small.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

DEFAULT_DIR = Path("~/.labkit/ledger")

#: Events that open a key (something to undo) and events that close it.
OPENS = frozenset({"intent", "created"})
CLOSES = frozenset({"deleted", "not-created", "not-owned", "entries-removed"})


def ledger_dir() -> Path:
    """``$LABKIT_LEDGER_DIR`` or ``~/.labkit/ledger``."""
    return Path(os.environ.get("LABKIT_LEDGER_DIR") or DEFAULT_DIR).expanduser()


def new_run_id() -> str:
    """A short run id: UTC time plus 6 random hex digits (sortable, unique enough)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def resource_key(service: str, kind: str, ident: str) -> str:
    """The ledger key of one resource, e.g. ``logs:log-group:/aws/vendedlogs/states/x``."""
    return f"{service}:{kind}:{ident}"


def entries_key(group: str) -> str:
    """The ledger key of the lab's entries for log group ``group`` in resource policies."""
    return f"logs:lab-entries:{group}"


@dataclass(frozen=True)
class Pending:
    """One thing clean-up still has to do, derived from the ledger.

    ``event`` is the latest opening entry (``created`` if there is one, else ``intent``);
    ``resolved`` says whether the outcome is known (``False``: look it up first).
    """

    key: str
    event: Mapping[str, Any]
    resolved: bool


def read(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All entries of a ledger file (a truncated last line, from a crash, is skipped)."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            entries.append(entry)
    return entries


def pending(entries: Iterable[Mapping[str, Any]]) -> list[Pending]:
    """What clean-up must still undo, latest first (reverse order of the first intent).

    A key is pending when its last opening or closing entry opens it. Its place in the
    order is that of the entry that opened it (an ``intent`` and its ``created`` share one).
    """
    opened: dict[str, int] = {}
    latest: dict[str, Mapping[str, Any]] = {}
    resolved: dict[str, bool] = {}
    for entry in entries:
        event, key = entry.get("event"), entry.get("key")
        if not isinstance(key, str):
            continue
        if event in OPENS:
            if key not in opened:
                opened[key] = int(entry.get("seq", 0))
            if event == "created" or not resolved.get(key):
                latest[key] = entry
            resolved[key] = resolved.get(key, False) or event == "created"
        elif event in CLOSES and key in opened:
            del opened[key]
            latest.pop(key, None)
            resolved.pop(key, None)
    order = sorted(opened.items(), key=lambda kv: -kv[1])
    return [Pending(key, latest[key], resolved[key]) for key, _ in order]


def texts(entries: Iterable[Mapping[str, Any]], name: str) -> list[str]:
    """Every text of account-level policy ``name`` the lab read or wrote, oldest first."""
    out: list[str] = []
    for e in entries:
        if e.get("event") == "policy-seen" and e.get("name") == name:
            out.append(e.get("document"))
        elif e.get("event") == "entries-edited" and e.get("policy") == name:
            out += [e.get("before"), e.get("after")]
    return [t for t in out if isinstance(t, str)]


def describe(e: Mapping[str, Any]) -> str:
    """One ledger entry as a sentence."""
    event, key = e.get("event"), e.get("key", "")
    if event == "run-started":
        return (
            f"run {e.get('run')} started on account {e.get('account')} in {e.get('region')} "
            f"(prefix {e.get('prefix')!r}, dry run {e.get('dry_run')})"
        )
    if event == "intent":
        return f"about to create {key} ({e.get('operation')})"
    if event == "created":
        how = " (the response was lost: found by lookup)" if e.get("via") == "lookup" else ""
        return f"created {key} ({e.get('operation')}){how}"
    if event == "not-created":
        return f"{key} was not created: {e.get('reason')}"
    if event == "deleted":
        return f"deleted {key}" + (" (it was already gone)" if e.get("already_gone") else "")
    if event == "delete-failed":
        return f"could NOT delete {key} (attempt {e.get('attempt', 1)}): {e.get('error')}"
    if event == "not-owned":
        return f"left {key} alone: {e.get('reason')}"
    if event == "policy-seen":
        return f"read resource policy {e.get('name')} ({len(e.get('document') or '')} characters)"
    if event == "entries-edited":
        return (
            f"{e.get('action')} in resource policy {e.get('policy')} "
            f"({key}, attempt {e.get('attempts', 1)})"
        )
    if event == "entries-removed":
        done = "; ".join(e.get("policies") or []) or "no policy names it"
        return f"removed the lab's entries {key}: {done}"
    if event == "edit-failed":
        return (
            f"could NOT edit resource policy {e.get('policy')} for {key} after "
            f"{e.get('attempts')} attempt(s): {e.get('error')}; remove only the lab's entry "
            f"by hand: {e.get('how')}"
        )
    if event == "refused":
        return f"refused {e.get('operation')}: {e.get('reason')}"
    if event == "error":
        return f"the lab was interrupted in {e.get('where')}: {e.get('error')}"
    if event == "note":
        return str(e.get("text"))
    if event == "cleanup-started":
        return "clean-up started"
    if event == "cleanup-finished":
        left = e.get("leftovers") or []
        return (
            "clean-up finished: nothing left"
            if not left
            else ("clean-up finished with leftovers: " + ", ".join(left))
        )
    return f"{event} {key}".strip()


def explain(entries: Iterable[Mapping[str, Any]]) -> str:
    """The ledger as sentences, oldest first: what the lab did and what clean-up undid."""
    return "\n".join(
        f"{e.get('seq', '?'):>4} {str(e.get('time', ''))[:19]}  {describe(e)}" for e in entries
    )


class Ledger:
    """An append-only JSON-lines file for one run; every entry is flushed and fsynced."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, run_id: str | None = None):
        self.run_id = run_id or new_run_id()
        self.path = Path(path).expanduser() if path else ledger_dir() / f"{self.run_id}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._seq = len(read(self.path)) if self.path.exists() else 0

    def __repr__(self) -> str:
        return f"<Ledger run {self.run_id}: {self._seq} entries in {self.path}>"

    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one entry and return it (raises ``OSError`` when it cannot be written)."""
        entry = {
            "seq": self._seq + 1,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "run": self.run_id,
            "event": event,
            **fields,
        }
        line = json.dumps(entry, ensure_ascii=False, default=str)
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self._seq += 1
        return entry

    def entries(self) -> list[dict[str, Any]]:
        """Everything recorded so far (read back from disk)."""
        return read(self.path) if self.path.exists() else []

    def pending(self) -> list[Pending]:
        """What clean-up must still undo, latest first."""
        return pending(self.entries())

    def explain(self) -> str:
        """The ledger as sentences."""
        return explain(self.entries())

    def to_frame(self):
        """The ledger as a pandas DataFrame (one row per entry)."""
        import pandas as pd

        return pd.DataFrame(self.entries())
