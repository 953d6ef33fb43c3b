"""The lesson's policy documents, built from names (plain dicts, ready for ``Policy.load``).

* :func:`delivery_policy`: the CloudWatch Logs resource policy AWS creates automatically for
  vended log delivery ("AWSLogDeliveryWrite20150319"): ``delivery.logs.amazonaws.com`` may
  ``logs:CreateLogStream`` and ``logs:PutLogEvents`` on ``...:log-group:NAME:log-stream:*``,
  with ``aws:SourceAccount``/``aws:SourceArn`` conditions
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html) [DOC].
* :func:`sfn_logging_policy`: the execution-role policy Step Functions documents for logging,
  every action on ``"*"`` (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html) [DOC].
"""

from __future__ import annotations

from collections.abc import Iterable

DELIVERY_SERVICE = "delivery.logs.amazonaws.com"
DELIVERY_SID = "AWSLogDeliveryWrite20150319"
#: The execution-role actions for logging, as the Step Functions guide listed them in 2022
#: (nine, on ``"*"``) [DOC] https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
SFN_LOGGING_ACTIONS_2022 = (
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutLogEvents",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
)
#: The current guide's list: the 2022 nine plus ``logs:CreateLogStream`` [DOC] (quoted in
#: terraform-aws-modules/terraform-aws-step-functions #76).
SFN_LOGGING_ACTIONS_CURRENT = (*SFN_LOGGING_ACTIONS_2022, "logs:CreateLogStream")
#: What set-up actually needs: the nine minus ``logs:PutLogEvents``, which delivery never uses
#: (the role does not write the logs). AWS CDK grants exactly these to a state machine role
#: (aws/aws-cdk packages/aws-cdk-lib/aws-stepfunctions/lib/state-machine.ts) [ISSUE].
SFN_LOGGING_ACTIONS = tuple(a for a in SFN_LOGGING_ACTIONS_2022 if a != "logs:PutLogEvents")


def delivery_policy(region: str, account: str, log_groups: str | Iterable[str]) -> dict:
    """The auto-created log-delivery resource policy listing ``log_groups``.

    >>> delivery_policy("us-east-1", "123456789012", "G")["Statement"][0]["Resource"]
    ['arn:aws:logs:us-east-1:123456789012:log-group:G:log-stream:*']
    """
    groups = [log_groups] if isinstance(log_groups, str) else list(log_groups)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": DELIVERY_SID,
                "Effect": "Allow",
                "Principal": {"Service": [DELIVERY_SERVICE]},
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [
                    f"arn:aws:logs:{region}:{account}:log-group:{g}:log-stream:*" for g in groups
                ],
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": [account]},
                    "ArnLike": {"aws:SourceArn": [f"arn:aws:logs:{region}:{account}:*"]},
                },
            }
        ],
    }


def sfn_logging_policy() -> dict:
    """The documented Step Functions execution-role policy for CloudWatch Logs logging."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(SFN_LOGGING_ACTIONS), "Resource": "*"}],
    }
