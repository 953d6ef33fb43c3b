"""The pure delivery rules: levels, stripping, AWS's message format, truncation, streams, batches."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from labkit.world import delivery

T0 = datetime(2026, 11, 2, 9, 30, 15, 123000, tzinfo=UTC)
ARN = "arn:aws:states:us-east-1:123456789012:execution:SM:run-1"


def started(input_text: str = "{}") -> dict:
    return {
        "timestamp": T0,
        "type": "ExecutionStarted",
        "id": 1,
        "previousEventId": 0,
        "executionStartedEventDetails": {
            "input": input_text,
            "inputDetails": {"truncated": False},
            "roleArn": "arn:aws:iam::123456789012:role/R",
        },
    }


@pytest.mark.parametrize(
    ("event_type", "level", "logged"),
    [
        ("ExecutionStarted", "ALL", True),
        ("ExecutionStarted", "ERROR", False),
        ("PassStateEntered", "FATAL", False),
        ("FailStateEntered", "ERROR", True),
        ("FailStateEntered", "FATAL", False),  # AWS-REC: only ExecutionFailed at FATAL
        ("ExecutionFailed", "FATAL", True),
        ("ExecutionFailed", "OFF", False),
        ("TaskFailed", "ERROR", True),
    ],
)
def test_level_table(event_type: str, level: str, logged: bool) -> None:
    assert delivery.is_logged(event_type, level) is logged


def test_message_keys_in_aws_order_and_every_scalar_a_string() -> None:
    message = delivery.log_message(started(), execution_arn=ARN, include_execution_data=True)
    record = json.loads(message)
    assert list(record) == list(delivery.MESSAGE_KEYS)
    for key in ("id", "previous_event_id", "event_timestamp", "redrive_count"):
        assert isinstance(record[key], str)
    assert record["id"] == "1" and record["previous_event_id"] == "0"
    assert record["event_timestamp"] == str(int(T0.timestamp() * 1000))
    assert record["redrive_count"] == "0"
    assert record["details"]["input"] == "{}"  # escaped JSON string, not an object
    assert record["details"]["inputDetails"] == {"truncated": False}
    assert '"input":"{}"' in message  # compact, as AWS writes it


def test_include_execution_data_false_keeps_metadata_only() -> None:
    record = json.loads(
        delivery.log_message(started('{"a": 1}'), execution_arn=ARN, include_execution_data=False)
    )
    assert record["details"] == {"roleArn": "arn:aws:iam::123456789012:role/R"}
    succeeded = {
        "timestamp": T0,
        "type": "ExecutionSucceeded",
        "id": 4,
        "previousEventId": 3,
        "executionSucceededEventDetails": {"output": "{}", "outputDetails": {"truncated": False}},
    }
    record = json.loads(
        delivery.log_message(succeeded, execution_arn=ARN, include_execution_data=False)
    )
    assert record["details"] == {}  # key kept, empty (AWS-REC)
    failed = {
        "timestamp": T0,
        "type": "ExecutionFailed",
        "id": 3,
        "previousEventId": 2,
        "executionFailedEventDetails": {"error": "E", "cause": "C"},
    }
    record = json.loads(
        delivery.log_message(failed, execution_arn=ARN, include_execution_data=False)
    )
    assert record["details"] == {"error": "E", "cause": "C"}


def test_payload_over_248_kb_is_truncated_and_flagged() -> None:
    big = json.dumps({"x": "y" * (250 * 1024)})
    record = json.loads(
        delivery.log_message(started(big), execution_arn=ARN, include_execution_data=True)
    )
    details = record["details"]
    assert details["inputDetails"] == {"truncated": True}
    escaped = json.dumps(details["input"], ensure_ascii=False).encode()
    assert len(escaped) <= delivery.TRUNCATE_BYTES
    assert big.startswith(details["input"]) and len(details["input"]) > 200 * 1024
    small = json.loads(
        delivery.log_message(started("{}"), execution_arn=ARN, include_execution_data=True)
    )
    assert small["details"]["inputDetails"] == {"truncated": False}


def test_stream_name_pattern_and_seeded() -> None:
    name = delivery.stream_name("SM", T0, random.Random(1))
    assert name.startswith("states/SM/2026-11-02-09-30/")
    suffix = name.rsplit("/", 1)[1]
    assert len(suffix) == 8 and int(suffix, 16) >= 0
    assert name == delivery.stream_name("SM", T0, random.Random(1))
    assert name != delivery.stream_name("SM", T0, random.Random(2))


def test_batches_respect_count_and_byte_limits() -> None:
    many = [delivery.LogEvent(1000 + i, "x") for i in range(10_001)]
    split = delivery.batches(many)
    assert [len(b) for b in split] == [10_000, 1]
    fat = [delivery.LogEvent(1000 + i, "y" * 300_000) for i in range(4)]
    split = delivery.batches(fat)
    for batch in split:
        assert sum(delivery.event_size(e.message) for e in batch) <= delivery.MAX_BATCH_BYTES
    assert [len(b) for b in split] == [3, 1]
    assert [e for b in split for e in b] == fat  # order kept


def test_batches_span_at_most_24_hours() -> None:
    day = 24 * 3600 * 1000
    split = delivery.batches([delivery.LogEvent(0, "a"), delivery.LogEvent(day + 1, "b")])
    assert len(split) == 2


def test_flush_groups() -> None:
    assert delivery.group_by_flush([0, 10, 3000, 3005], flush_ms=1000) == [[0, 1], [2, 3]]


def test_details_keys_are_alphabetical_as_in_every_recorded_message() -> None:
    """[AWS-REC] ExecutionFailed details read {"cause": ..., "error": ...}; top level is not sorted."""
    from labkit.world.delivery import log_details

    failed = log_details({"error": "SomeFailure", "cause": "boom"}, include_execution_data=True)
    assert list(failed) == ["cause", "error"]
    started = {"roleArn": "arn:r", "inputDetails": {"truncated": False}, "input": "{}"}
    assert list(log_details(started, include_execution_data=True)) == [
        "input",
        "inputDetails",
        "roleArn",
    ]
    assert list(log_details(started, include_execution_data=False)) == ["roleArn"]
