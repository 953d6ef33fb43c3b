"""Validating a state machine's ``loggingConfiguration`` as Step Functions does.

Facts modelled:

* Levels ``ALL | ERROR | FATAL | OFF``; ``destinations`` is "Limited to size 1.
  Required, if your log level is not set to OFF" [DOC] API model
  (``botocore/data/stepfunctions/2016-11-23/service-2.json``).
* Zero or two destinations at ALL/ERROR/FATAL -> ``InvalidLoggingConfiguration``
  "Invalid Logging Configuration: Must specify exactly one Log Destination." and a
  missing log group -> "... Log Destination not found." [AWS-REC] (LocalStack
  ``tests/aws/services/stepfunctions/v2/test_sfn_api_logs.py``).
* An ARN without the ``:*`` qualifier -> "Invalid Logging Configuration: Log Group ARN
  must be provided with '*' qualifier." [ISSUE] hashicorp/terraform-provider-aws#17682.
* An unknown level, or a ``logGroupArn`` longer than the model's 256 characters, ->
  ``ValidationException`` in AWS's generic request-validation wording [INFER: not recorded].
* OFF with a destination is accepted and echoed; the ARN is echoed exactly as sent;
  ``{}`` is described back as ``{"includeExecutionData": false, "level": "OFF"}`` and
  ``destinations: []`` is echoed [AWS-REC] (LocalStack ``test_incomplete_logging_configuration``).
  Default level OFF [DOC] CloudFormation ``AWS::StepFunctions::StateMachine LoggingConfiguration``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from labkit.errors import LabkitError
from labkit.world.delivery import LEVELS

INVALID = "InvalidLoggingConfiguration"
PREFIX = "Invalid Logging Configuration: "
ONE_DESTINATION = PREFIX + "Must specify exactly one Log Destination."
NOT_FOUND = PREFIX + "Log Destination not found."
NO_QUALIFIER = PREFIX + "Log Group ARN must be provided with '*' qualifier."

#: ``logGroupArn`` "Length Constraints: Minimum length of 1. Maximum length of 256." [DOC]
MAX_ARN_LENGTH = 256

LOG_GROUP_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):logs:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"log-group:(?P<name>[\.\-_/#A-Za-z0-9]{1,512}):\*$"
)


def normalise(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The configuration as DescribeStateMachine echoes it (defaults filled in) [AWS-REC]."""
    config = dict(config or {})
    out: dict[str, Any] = {
        "level": config.get("level", "OFF"),
        "includeExecutionData": bool(config.get("includeExecutionData", False)),
    }
    if "destinations" in config:
        out["destinations"] = [dict(d) for d in config["destinations"]]
    return out


def destination_arn(config: Mapping[str, Any]) -> str | None:
    """The single destination's ``logGroupArn`` (``None`` when there is none)."""
    for dest in config.get("destinations") or ():
        group = (dest or {}).get("cloudWatchLogsLogGroup") or {}
        if group.get("logGroupArn"):
            return str(group["logGroupArn"])
    return None


def parse_log_group_arn(arn: str) -> dict[str, str] | None:
    """``{partition, region, account, name}`` of a ``...:log-group:NAME:*`` ARN, else ``None``."""
    match = LOG_GROUP_ARN.match(arn)
    return match.groupdict() if match else None


def validate(
    config: Mapping[str, Any] | None,
    *,
    log_group_exists: Callable[[str, str, str], bool],
) -> dict[str, Any]:
    """Check a ``loggingConfiguration`` and return its described form.

    ``log_group_exists(region, account, name)`` answers whether the destination exists.
    Raises ``LabkitError`` with AWS's code and message.
    """
    normal = normalise(config)
    level = normal["level"]
    if level not in LEVELS:
        raise LabkitError(
            "1 validation error detected: Value '"
            f"{level}' at 'loggingConfiguration.level' failed to satisfy constraint: "
            "Member must satisfy enum value set: [ALL, ERROR, FATAL, OFF]",
            code="ValidationException",
        )
    destinations = normal.get("destinations") or []
    if level == "OFF" and not destinations:
        return normal
    if len(destinations) != 1:
        raise LabkitError(ONE_DESTINATION, code=INVALID)
    arn = destination_arn(normal)
    if arn is None:
        raise LabkitError(ONE_DESTINATION, code=INVALID)
    if len(arn) > MAX_ARN_LENGTH:
        raise LabkitError(
            f"1 validation error detected: Value '{arn}' at "
            "'loggingConfiguration.destinations.1.member.cloudWatchLogsLogGroup.logGroupArn' "
            f"failed to satisfy constraint: Member must have length less than or equal to "
            f"{MAX_ARN_LENGTH}",
            code="ValidationException",
        )
    parts = parse_log_group_arn(arn)
    if parts is None:
        if parse_log_group_arn(arn + ":*") is not None:
            raise LabkitError(NO_QUALIFIER, code=INVALID)
        raise LabkitError(NOT_FOUND, code=INVALID)
    if level != "OFF" and not log_group_exists(parts["region"], parts["account"], parts["name"]):
        raise LabkitError(NOT_FOUND, code=INVALID)
    return normal
