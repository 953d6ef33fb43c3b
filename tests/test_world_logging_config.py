"""loggingConfiguration validation, with AWS's exact errors (pure part)."""

from __future__ import annotations

import pytest

from labkit.errors import LabkitError
from labkit.world import logging_config as lc

GROUP = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/G:*"


def dest(arn: str) -> dict:
    return {"cloudWatchLogsLogGroup": {"logGroupArn": arn}}


def check(config: dict | None, exists: bool = True) -> dict:
    return lc.validate(config, log_group_exists=lambda region, account, name: exists)


def test_defaults_are_described_back() -> None:
    assert check({}) == {"level": "OFF", "includeExecutionData": False}
    assert check(None) == {"level": "OFF", "includeExecutionData": False}
    assert check({"destinations": []}) == {
        "level": "OFF",
        "includeExecutionData": False,
        "destinations": [],
    }


def test_off_with_destination_is_echoed_exactly() -> None:
    config = {"level": "OFF", "destinations": [dest(GROUP)]}
    assert check(config, exists=False)["destinations"] == [dest(GROUP)]


@pytest.mark.parametrize("destinations", [[], [dest(GROUP), dest(GROUP)]])
def test_exactly_one_destination(destinations: list) -> None:
    with pytest.raises(LabkitError) as info:
        check({"level": "ALL", "destinations": destinations})
    assert info.value.code == "InvalidLoggingConfiguration"
    assert info.value.message == (
        "Invalid Logging Configuration: Must specify exactly one Log Destination."
    )


def test_missing_group() -> None:
    with pytest.raises(LabkitError) as info:
        check({"level": "ERROR", "destinations": [dest(GROUP)]}, exists=False)
    assert info.value.message == "Invalid Logging Configuration: Log Destination not found."


def test_arn_without_star_qualifier() -> None:
    with pytest.raises(LabkitError) as info:
        check({"level": "ALL", "destinations": [dest(GROUP[:-2])]})
    assert info.value.code == "InvalidLoggingConfiguration"
    assert "must be provided with '*' qualifier" in info.value.message


def test_level_outside_enum() -> None:
    with pytest.raises(LabkitError) as info:
        check({"level": "VERBOSE", "destinations": [dest(GROUP)]})
    assert info.value.code == "ValidationException"
    assert "[ALL, ERROR, FATAL, OFF]" in info.value.message


def test_valid_config_kept() -> None:
    config = {"level": "ALL", "includeExecutionData": True, "destinations": [dest(GROUP)]}
    assert check(config) == config


def test_log_group_arn_longer_than_256_characters() -> None:
    """[DOC] API model: logGroupArn is 1-256 characters, though a group name may be 512."""
    prefix = "arn:aws:logs:us-east-1:123456789012:log-group:"
    fits = prefix + "g" * (256 - len(prefix) - 2) + ":*"
    assert len(fits) == 256
    assert check({"level": "ALL", "destinations": [dest(fits)]})["level"] == "ALL"
    too_long = prefix + "g" * (257 - len(prefix) - 2) + ":*"
    with pytest.raises(LabkitError) as info:
        check({"level": "ALL", "destinations": [dest(too_long)]})
    assert info.value.code == "ValidationException"
    assert "less than or equal to 256" in info.value.message
