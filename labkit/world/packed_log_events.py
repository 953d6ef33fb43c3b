"""Delivered log events kept compact inside moto's log streams.

moto 5.2 keeps one ``LogEvent`` object per event in ``LogStream.events``
(``moto/logs/models.py``): a ``__dict__`` with its own message string, timestamp,
ingestion time and event id. An offline world delivers about 20 events per execution of
the article's machine, so after 5,000 executions the messages and their objects were
about 11 KB per execution, most of the world's memory (issue 14).

Hand-written because neither moto nor a library offers a compact event store that moto's
own readers accept. After labkit's delivery calls moto's ``put_log_events`` (so every
rule and counter of moto runs as before), :func:`pack` replaces the batch's new
``LogEvent`` objects by :class:`PackedLogEvent` views of one :class:`PackedBatch`: the
batch's messages compressed together (they repeat the execution ARN and the same keys),
its timestamps in an array, one ingestion time and the first event id. A view answers
everything moto reads from an event (``timestamp``, ``message``, ``ingestion_time``,
``event_id``, ``to_filter_dict``, ``to_response_dict``) with exactly the values the
``LogEvent`` held, so GetLogEvents, FilterLogEvents and DescribeLogStreams answer the same.
Events a learner writes with PutLogEvents stay moto's own.

Reading a message decompresses its whole batch; the messages of the last
:data:`CACHED_BATCHES` batches decoded are kept, since moto reads a stream's events once in
stored order (to filter them) and again in timestamp order, where the batches of
executions that ran at the same time interleave. :func:`clear_cache` empties it (a
closing world calls it).
"""

from __future__ import annotations

import threading
import weakref
import zlib
from array import array
from collections import OrderedDict
from typing import Any

__all__ = ["PackedBatch", "PackedLogEvent", "clear_cache", "pack"]

#: How many batches' messages stay decoded (about 4 KB each for the article's machine).
CACHED_BATCHES = 1024
_decoded: OrderedDict[int, weakref.ref[PackedBatch]] = OrderedDict()  # least recent first
_decoded_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every decoded message."""
    with _decoded_lock:
        for ref in _decoded.values():
            batch = ref()
            if batch is not None:
                batch._messages = None
        _decoded.clear()


class PackedBatch:
    """The messages, timestamps, ingestion time and first event id of one PutLogEvents call."""

    __slots__ = (
        "_packed",
        "_lengths",
        "_messages",
        "timestamps",
        "ingestion_time",
        "first_event_id",
        "__weakref__",
    )

    def __init__(self, events: list[Any]) -> None:
        messages = [event.message for event in events]
        self._lengths = array("I", (len(m) for m in messages))
        self._packed = zlib.compress("".join(messages).encode("utf-8", "surrogatepass"), 6)
        self.timestamps = array("q", (event.timestamp for event in events))
        self.ingestion_time = events[0].ingestion_time
        self.first_event_id = events[0].event_id
        self._messages: list[str] | None = None

    def messages(self) -> list[str]:
        """Every message of the batch, in order (recently read batches stay decoded)."""
        messages = self._messages
        if messages is not None:
            return messages
        text = zlib.decompress(self._packed).decode("utf-8", "surrogatepass")
        messages, start = [], 0
        for n in self._lengths:
            messages.append(text[start : start + n])
            start += n
        with _decoded_lock:
            self._messages = messages
            _decoded[id(self)] = weakref.ref(self)
            while len(_decoded) > CACHED_BATCHES:
                evicted = _decoded.popitem(last=False)[1]()
                if evicted is not None:
                    evicted._messages = None
        return messages


class PackedLogEvent:
    """One event of a :class:`PackedBatch`, read by moto as it reads its ``LogEvent``."""

    __slots__ = ("_batch", "_index")

    def __init__(self, batch: PackedBatch, index: int) -> None:
        self._batch = batch
        self._index = index

    @property
    def timestamp(self) -> int:
        return self._batch.timestamps[self._index]

    @property
    def message(self) -> str:
        return self._batch.messages()[self._index]

    @property
    def ingestion_time(self) -> int:
        return self._batch.ingestion_time

    @property
    def event_id(self) -> int:
        return self._batch.first_event_id + self._index

    def to_filter_dict(self) -> dict[str, Any]:
        """What ``moto.logs.models.LogEvent.to_filter_dict`` returns, key for key."""
        return {
            "eventId": str(self.event_id),
            "ingestionTime": self.ingestion_time,
            "message": self.message,
            "timestamp": self.timestamp,
        }

    def to_response_dict(self) -> dict[str, Any]:
        """What ``moto.logs.models.LogEvent.to_response_dict`` returns, key for key."""
        return {
            "ingestionTime": self.ingestion_time,
            "message": self.message,
            "timestamp": self.timestamp,
        }


def pack(stream: Any, start: int) -> None:
    """Replace ``stream.events[start:]``, moto's events of one call, by packed views.

    Only a run that moto numbered consecutively with one ingestion time is packed (that is
    what one ``put_log_events`` call makes); anything else is left as moto stored it.
    """
    events = stream.events[start:]
    if not events:
        return
    first = events[0]
    if any(
        ev.event_id != first.event_id + i or ev.ingestion_time != first.ingestion_time
        for i, ev in enumerate(events)
    ):
        return
    batch = PackedBatch(events)
    stream.events[start:] = [PackedLogEvent(batch, i) for i in range(len(events))]
