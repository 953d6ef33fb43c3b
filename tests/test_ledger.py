"""The ledger: an append-only journal from which clean-up derives what is left to undo."""

from __future__ import annotations

import json

from labkit import ledger as ledger_mod
from labkit.ledger import Ledger, pending, policy_key, resource_key


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
        {"seq": 1, "event": "created", "key": role},
        {"seq": 2, "event": "created", "key": group},
        {"seq": 3, "event": "created", "key": machine},
        {"seq": 4, "event": "deleted", "key": group},
    ]
    assert [p.key for p in pending(entries)] == [machine, role]


def test_first_save_of_a_policy_is_the_original():
    key = policy_key("ACCOUNT", "AWSLogDeliveryWrite20150319", None)
    entries = [
        {"seq": 1, "event": "policy-saved", "key": key, "document": "original"},
        {"seq": 2, "event": "policy-saved", "key": key, "document": "lab's intermediate"},
    ]
    (only,) = pending(entries)
    assert only.event["document"] == "original"
    # once restored, a later save (a new change) is a new original
    entries += [
        {"seq": 3, "event": "restored", "key": key},
        {"seq": 4, "event": "policy-saved", "key": key, "document": "later"},
    ]
    (only,) = pending(entries)
    assert only.event["document"] == "later"


def test_a_truncated_last_line_is_skipped(tmp_path):
    path = tmp_path / "crash.jsonl"
    path.write_text(json.dumps({"seq": 1, "event": "note", "text": "ok"}) + '\n{"seq": 2, "ev')
    assert [e["seq"] for e in ledger_mod.read(path)] == [1]


def test_explain_tells_the_story(tmp_path):
    led = Ledger(tmp_path / "s.jsonl", run_id="r")
    key = policy_key("ACCOUNT", "P", None)
    led.record("policy-saved", key=key, existed=True, document="{}")
    led.record(
        "restore-failed",
        key=key,
        attempts=3,
        error="Throttling",
        how="aws logs put-resource-policy ...",
    )
    led.record("cleanup-finished", leftovers=[key])
    text = led.explain()
    assert "saved the original of logs:resource-policy:ACCOUNT:P (2 characters)" in text
    assert "could NOT restore logs:resource-policy:ACCOUNT:P after 3 attempt(s): Throttling" in text
    assert "clean-up finished with leftovers: logs:resource-policy:ACCOUNT:P" in text
    assert [p.key for p in led.pending()] == [key]
