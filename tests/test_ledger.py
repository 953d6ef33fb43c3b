"""The ledger: a write-ahead journal from which clean-up derives what is left to undo."""

from __future__ import annotations

import json

import pytest

from labkit import ledger as ledger_mod
from labkit.ledger import Ledger, entries_key, pending, resource_key


def test_default_location_is_outside_the_repository(monkeypatch, tmp_path):
    monkeypatch.setenv("LABKIT_LEDGER_DIR", str(tmp_path / "l"))
    led = Ledger()
    assert led.path.parent == tmp_path / "l" and led.path.name == f"{led.run_id}.jsonl"
    monkeypatch.delenv("LABKIT_LEDGER_DIR")
    assert str(ledger_mod.ledger_dir()).endswith(".labkit/ledger")


def test_entries_are_json_lines_with_sequence_numbers(tmp_path):
    led = Ledger(tmp_path / "run.jsonl", run_id="r1")
    led.record("run-started", account="123456789012")
    led.record(
        "created", key=resource_key("logs", "log-group", "labkit-g"), operation="CreateLogGroup"
    )
    lines = (tmp_path / "run.jsonl").read_text().splitlines()
    assert [json.loads(x)["seq"] for x in lines] == [1, 2]
    assert all(json.loads(x)["run"] == "r1" for x in lines)
    # reopening continues the numbering
    assert Ledger(tmp_path / "run.jsonl", run_id="r1").record("note", text="x")["seq"] == 3


def test_pending_is_latest_first_and_drops_what_was_undone():
    role, group, machine = (
        resource_key("iam", "role", "labkit-r"),
        resource_key("logs", "log-group", "labkit-g"),
        resource_key("stepfunctions", "state-machine", "arn:m"),
    )
    entries = [
        {"seq": 1, "event": "intent", "key": role},
        {"seq": 2, "event": "created", "key": role},
        {"seq": 3, "event": "intent", "key": group},
        {"seq": 4, "event": "created", "key": group},
        {"seq": 5, "event": "intent", "key": machine},
        {"seq": 6, "event": "created", "key": machine},
        {"seq": 7, "event": "deleted", "key": group},
    ]
    assert [p.key for p in pending(entries)] == [machine, role]
    assert all(p.resolved for p in pending(entries))


def test_an_intent_without_outcome_is_pending_and_unresolved():
    """A lost response (or a crash) after the intent: clean-up must look it up."""
    role = resource_key("iam", "role", "labkit-r")
    (only,) = pending([{"seq": 1, "event": "intent", "key": role, "id": "labkit-r"}])
    assert only.key == role and not only.resolved and only.event["id"] == "labkit-r"
    done = [
        {"seq": 1, "event": "intent", "key": role},
        {"seq": 2, "event": "not-created", "key": role, "reason": "a lookup found nothing"},
    ]
    assert pending(done) == []


def test_a_created_entry_keeps_its_place_and_wins_over_the_intent():
    a, b = resource_key("iam", "role", "a"), resource_key("iam", "role", "b")
    entries = [
        {"seq": 1, "event": "intent", "key": a, "id": "a"},
        {"seq": 2, "event": "intent", "key": b, "id": "b"},
        {"seq": 3, "event": "created", "key": a, "id": "a", "via": "lookup"},
    ]
    assert [(p.key, p.resolved, p.event["event"]) for p in pending(entries)] == [
        (b, False, "intent"),
        (a, True, "created"),
    ]


def test_not_owned_closes_a_key():
    key = resource_key("iam", "role", "OtherTeamRole")
    entries = [
        {"seq": 1, "event": "created", "key": key},
        {"seq": 2, "event": "not-owned", "key": key, "reason": "not tagged"},
    ]
    assert pending(entries) == []


def test_texts_of_a_policy_are_every_text_read_or_written():
    entries = [
        {"event": "policy-seen", "name": "P", "document": "a"},
        {"event": "entries-edited", "policy": "P", "before": "b", "after": None},
        {"event": "entries-edited", "policy": "Q", "before": "x", "after": "y"},
    ]
    assert ledger_mod.texts(entries, "P") == ["a", "b"]


def test_a_truncated_last_line_is_skipped(tmp_path):
    path = tmp_path / "crash.jsonl"
    path.write_text(json.dumps({"seq": 1, "event": "note", "text": "ok"}) + '\n{"seq": 2, "ev')
    assert [e["seq"] for e in ledger_mod.read(path)] == [1]


def test_a_failed_write_is_an_error_and_numbers_nothing(tmp_path, monkeypatch):
    led = Ledger(tmp_path / "w.jsonl", run_id="r")
    led.record("note", text="one")

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ledger_mod.os, "fsync", broken)
    with pytest.raises(OSError):
        led.record("note", text="two")
    monkeypatch.undo()
    assert led.record("note", text="three")["seq"] >= 2


def test_explain_tells_the_story(tmp_path):
    led = Ledger(tmp_path / "s.jsonl", run_id="r")
    key = entries_key("/aws/vendedlogs/states/labkit-g")
    led.record("intent", key=key, operation="logging set-up")
    led.record(
        "edit-failed",
        key=key,
        policy="AWSLogDeliveryWrite20150319",
        attempts=3,
        error="Throttling",
        how="python -c ...",
    )
    led.record("cleanup-finished", leftovers=[key])
    text = led.explain()
    assert f"about to create {key} (logging set-up)" in text
    assert (
        f"could NOT edit resource policy AWSLogDeliveryWrite20150319 for {key} after 3 attempt(s): "
        "Throttling; remove only the lab's entry by hand: python -c ..."
    ) in text
    assert f"clean-up finished with leftovers: {key}" in text
    assert [p.key for p in led.pending()] == [key]
