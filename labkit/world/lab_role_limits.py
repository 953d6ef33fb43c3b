"""What a lab role and a lab state machine may do in real-AWS mode (rule 5 of :mod:`labkit.world.guard`).

* Every role the lab creates carries :func:`boundary_document` as its permissions
  boundary: CloudWatch Logs delivery set-up and the lab's own Step Functions calls only,
  so AdministratorAccess (the article's phase 2) grants nothing else.
* A lab state machine runs a lesson template (:func:`is_lesson_template`) or a definition
  without ``Task`` states (:func:`task_resources`): service integrations call AWS APIs
  as the role, which the lab does not let lesson code widen unless the learner opts in.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from labkit.world import policy_entries as pe


def boundary_document(region: str, account: str, prefix: str, partition: str = "aws") -> str:
    """The permissions boundary of every lab role (rule 5).

    Allows the Step Functions logging actions of the Developer Guide plus
    ``logs:CreateLogStream`` on any log group, so "the role may write any log group" stays
    true for the lesson [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html ,
    and Step Functions calls on the lab's own state machines and executions only. A
    boundary caps what identity policies grant: "the entity can perform only the actions
    that are allowed by both" [DOC]
    https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html .
    """
    from labkit.iam.examples import SFN_LOGGING_ACTIONS_CURRENT

    base = f"arn:{partition}:states:{region}:{account}"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "LabkitLogDelivery",
                    "Effect": "Allow",
                    "Action": sorted(SFN_LOGGING_ACTIONS_CURRENT),
                    "Resource": "*",
                },
                {
                    "Sid": "LabkitOwnStepFunctions",
                    "Effect": "Allow",
                    "Action": "states:*",
                    "Resource": [
                        f"{base}:stateMachine:{prefix}*",
                        f"{base}:execution:{prefix}*:*",
                    ],
                },
            ],
        }
    )


def task_resources(definition: str) -> list[str]:
    """The ``Resource`` of every ``Task`` state in a definition, nested states included."""
    try:
        doc = json.loads(definition)
    except (TypeError, ValueError):
        return []  # Step Functions answers an unparsable definition with its own error
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, Mapping):
            if node.get("Type") == "Task":
                found.append(str(node.get("Resource", "")))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc.get("States") if isinstance(doc, Mapping) else None)
    for key in ("Iterator", "ItemProcessor", "Branches"):
        walk(doc.get(key) if isinstance(doc, Mapping) else None)
    return found


def is_lesson_template(definition: str) -> bool:
    """Whether ``definition`` means the same as one of the lessons' templates."""
    from labkit.engine import templates

    for value in vars(templates).values():
        if isinstance(value, str) and '"States"' in value and pe.same(value, definition):
            return True
    return False


__all__ = ["boundary_document", "is_lesson_template", "task_resources"]
