"""Delivered log events are kept packed, yet moto answers exactly as with its own LogEvents."""

from __future__ import annotations

import gc
import weakref
from types import SimpleNamespace

import pytest
from moto.logs.models import LogEvent

import labkit
from labkit import article
from labkit.world import packed_log_events
from labkit.world.packed_log_events import PackedBatch, PackedLogEvent

MESSAGES = [
    '{"id":"1","type":"ExecutionStarted","details":{"input":"{\\"name\\":\\"é漢字😀\\"}"}}',
    "",
    '{"id":"3","type":"PassStateEntered"}',
    "x" * 5000,
]


def moto_events(first_id: int, timestamps: list[int], ingestion: int) -> list[LogEvent]:
    saved = LogEvent._event_id
    LogEvent._event_id = first_id
    try:
        return [
            LogEvent(ingestion, {"timestamp": ts, "message": m})
            for ts, m in zip(timestamps, MESSAGES, strict=True)
        ]
    finally:
        LogEvent._event_id = saved


def view(event: object) -> tuple:
    return (
        event.timestamp,
        event.message,
        event.ingestion_time,
        event.event_id,
        event.to_filter_dict(),
        event.to_response_dict(),
    )


def test_packed_events_read_exactly_as_moto_events() -> None:
    before = moto_events(41, [1_780_000_000_000, 1_780_000_000_005, 1_780_000_000_005, 7], 99)
    stream = SimpleNamespace(events=[*moto_events(3, [1, 2, 3, 4], 5), *before])
    expected = [view(ev) for ev in stream.events]
    packed_log_events.pack(stream, 4)
    assert all(type(ev) is LogEvent for ev in stream.events[:4])  # earlier calls untouched
    assert all(type(ev) is PackedLogEvent for ev in stream.events[4:])
    assert [view(ev) for ev in stream.events] == expected
    assert len({id(ev._batch) for ev in stream.events[4:]}) == 1  # one batch per call


def test_a_run_moto_did_not_make_in_one_call_is_left_alone() -> None:
    mixed = moto_events(10, [1, 2, 3, 4], 5)[:2] + moto_events(20, [1, 2, 3, 4], 5)[2:]
    stream = SimpleNamespace(events=list(mixed))
    packed_log_events.pack(stream, 0)
    assert stream.events == mixed
    empty = SimpleNamespace(events=[])
    packed_log_events.pack(empty, 0)
    assert empty.events == []


def _world(*, packed: bool, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Every Logs read of a world with deliveries and one learner PutLogEvents call."""
    if not packed:
        monkeypatch.setattr(packed_log_events, "pack", lambda stream, start: None)
    with labkit.offline(seed=7) as world:
        iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
        machine = article.create_state_machine(
            sfn, article.create_role(iam), article.create_log_group(logs)
        )
        for i in range(3):
            sfn.start_execution(stateMachineArn=machine, input=f'{{"n": {i}, "s": "é漢字😀"}}')
        world.settle()
        group = article.LOG_GROUP_NAME
        streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        name = next(s["logStreamName"] for s in streams if "lastEventTimestamp" in s)
        first = logs.get_log_events(logGroupName=group, logStreamName=name, startFromHead=True)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=name,
            logEvents=[{"timestamp": first["events"][0]["timestamp"] + 1, "message": "mine"}],
        )
        stored = world.moto.backend("logs", world.region).groups[group].streams[name].events
        kinds = {type(ev).__name__ for ev in stored}
        answers = {
            "streams": logs.describe_log_streams(logGroupName=group)["logStreams"],
            "head": logs.get_log_events(
                logGroupName=group, logStreamName=name, startFromHead=True, limit=7
            ),
            "tail": logs.get_log_events(logGroupName=group, logStreamName=name, limit=5),
            "filter": logs.filter_log_events(logGroupName=group),
            "pattern": logs.filter_log_events(logGroupName=group, filterPattern='"Succeeded"'),
        }
        for answer in answers.values():
            if isinstance(answer, dict):
                answer.pop("ResponseMetadata", None)
        return {"kinds": kinds, "answers": answers, "rows": world.deliveries()}


def test_world_answers_are_identical_with_and_without_packing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    packed = _world(packed=True, monkeypatch=monkeypatch)
    plain = _world(packed=False, monkeypatch=monkeypatch)
    assert packed["kinds"] == {"PackedLogEvent", "LogEvent"}  # delivered ones packed, "mine" not
    assert plain["kinds"] == {"LogEvent"}
    assert packed["answers"]["filter"]["events"]  # the comparison is not of empty answers
    assert packed["answers"] == plain["answers"]
    assert packed["rows"].equals(plain["rows"])


def test_closing_the_world_releases_its_packed_events() -> None:
    world = labkit.offline(seed=3)
    iam, logs, sfn = world.client("iam"), world.client("logs"), world.client("stepfunctions")
    machine = article.create_state_machine(
        sfn, article.create_role(iam), article.create_log_group(logs)
    )
    sfn.start_execution(stateMachineArn=machine)
    world.settle()
    group = world.moto.backend("logs", world.region).groups[article.LOG_GROUP_NAME]
    batches = {
        id(ev._batch): weakref.ref(ev._batch)
        for stream in group.streams.values()
        for ev in stream.events
    }
    assert batches and all(isinstance(ref(), PackedBatch) for ref in batches.values())
    article.log_events(logs)  # a read caches the last batch it decompressed
    del group
    world.close()
    gc.collect()
    assert all(ref() is None for ref in batches.values())


def test_evicted_and_cleared_batches_decode_again_to_the_same_messages(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(packed_log_events, "CACHED_BATCHES", 1)
    one = SimpleNamespace(events=moto_events(1, [1, 2, 3, 4], 5))
    two = SimpleNamespace(events=moto_events(9, [5, 6, 7, 8], 5))
    packed_log_events.pack(one, 0)
    packed_log_events.pack(two, 0)
    for _ in range(2):  # each read of one batch evicts the other
        assert [ev.message for ev in one.events] == MESSAGES
        assert [ev.message for ev in two.events] == MESSAGES
    assert one.events[0]._batch._messages is None
    packed_log_events.clear_cache()
    assert two.events[0]._batch._messages is None
    assert [ev.to_response_dict()["message"] for ev in two.events] == MESSAGES
