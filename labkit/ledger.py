"""The lab's ledger: what a real-AWS run created and changed, on disk, so it can be undone.

A real account is shared. Everything the lab creates, and the original text of every
CloudWatch Logs resource policy before the lab (or AWS on the lab's behalf) changes it,
is appended to a JSON-lines file *before* clean-up needs it. Clean-up reads only this
file: it deletes only what the ledger says the lab created, in reverse order, and puts
saved policies back byte for byte. A crashed kernel leaves the file behind, so a later
``labkit.world.real.resume_cleanup(path)`` can finish the job.

Where: ``$LABKIT_LEDGER_DIR`` or ``~/.labkit/ledger/``, one file per run, never inside
the repository. Each line is one JSON object with ``seq``, ``time`` (UTC ISO 8601),
``run`` and ``event``, plus fields of that event:

====================  =========================================================
``run-started``       account, region, prefix, profile, dry_run (never credentials)
``created``           key, service, kind, id, operation
``deleted``           key, already_gone (bool), operation
``delete-failed``     key, error
``policy-saved``      key, scope, name, resource_arn, existed, document, revision_id
``restored``          key, action ("put" | "delete" | "unchanged"), attempts
``restore-failed``    key, attempts, error, document (the exact text to put back),
                      how (a command a human can run)
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


def ledger_dir() -> Path:
    """``$LABKIT_LEDGER_DIR`` or ``~/.labkit/ledger``."""
    return Path(os.environ.get("LABKIT_LEDGER_DIR") or DEFAULT_DIR).expanduser()


def new_run_id() -> str:
    """A short run id: UTC time plus 6 random hex digits (sortable, unique enough)."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def resource_key(service: str, kind: str, ident: str) -> str:
    """The ledger key of one resource, e.g. ``logs:log-group:/aws/vendedlogs/states/x``."""
    return f"{service}:{kind}:{ident}"


def policy_key(scope: str, name: str, resource_arn: str | None) -> str:
    """The ledger key of one CloudWatch Logs resource policy (scope + name + group ARN)."""
    key = f"logs:resource-policy:{scope}:{name}"
    return f"{key}:{resource_arn}" if resource_arn else key


@dataclass(frozen=True)
class Pending:
    """One thing clean-up still has to do, derived from the ledger."""

    key: str
    event: Mapping[str, Any]  # the ``created`` or ``policy-saved`` entry


def read(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """All entries of a ledger file (a truncated last line, from a crash, is skipped)."""
    entries = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return entries


def pending(entries: Iterable[Mapping[str, Any]]) -> list[Pending]:
    """What clean-up must still undo, latest first (reverse order of recording).

    A resource is pending when its last ``created``/``deleted`` entry is ``created``.
    A policy is pending when it was saved and not yet ``restored``; the *first* save of a
    key is the original (later saves in the same run are the lab's own intermediate states).
    """
    first_seen: dict[str, tuple[int, Mapping[str, Any]]] = {}
    state: dict[str, bool] = {}  # key -> still to undo
    for entry in entries:
        event, key = entry.get("event"), entry.get("key")
        if key is None:
            continue
        if event == "created":
            first_seen[key] = (int(entry["seq"]), entry)
            state[key] = True
        elif event == "policy-saved" and not state.get(key):
            first_seen[key] = (int(entry["seq"]), entry)  # the original, not an intermediate
            state[key] = True
        elif event in {"deleted", "restored"}:
            state[key] = False
    todo = [(seq, key, entry) for key, (seq, entry) in first_seen.items() if state.get(key)]
    return [Pending(key, entry) for seq, key, entry in sorted(todo, key=lambda t: -t[0])]


def describe(e: Mapping[str, Any]) -> str:
    """One ledger entry as a sentence."""
    event, key = e.get("event"), e.get("key", "")
    if event == "run-started":
        return (
            f"run {e.get('run')} started on account {e.get('account')} in {e.get('region')} "
            f"(prefix {e.get('prefix')!r}, dry run {e.get('dry_run')})"
        )
    if event == "created":
        return f"created {key} ({e.get('operation')})"
    if event == "deleted":
        return f"deleted {key}" + (" (it was already gone)" if e.get("already_gone") else "")
    if event == "delete-failed":
        return f"could NOT delete {key}: {e.get('error')}"
    if event == "policy-saved":
        if e.get("existed"):
            return f"saved the original of {key} ({len(e.get('document') or '')} characters)"
        return f"noted that {key} did not exist before"
    if event == "restored":
        return f"restored {key}: {e.get('action')} after {e.get('attempts')} attempt(s)"
    if event == "restore-failed":
        return (
            f"could NOT restore {key} after {e.get('attempts')} attempt(s): {e.get('error')}; "
            f"restore it by hand: {e.get('how')}"
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
        """Append one entry and return it."""
        self._seq += 1
        entry = {
            "seq": self._seq,
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
