"""labkit.iam: evaluate IAM identity and resource policies as AWS documents them, and explain
every decision.

Why labkit owns this: no maintained, permissively licensed Python library evaluates
resource policies with service principals and the full condition semantics correctly
(PMapper and iam-simulate are AGPL; moto's evaluator is a declared stub), so labkit keeps a
small evaluator written from the IAM User Guide
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

>>> from labkit.iam import Policy, Request, evaluate
>>> rp = Policy.load({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
...     "Principal": {"Service": "delivery.logs.amazonaws.com"},
...     "Action": "logs:PutLogEvents", "Resource": "*"}]}, kind="resource", name="demo")
>>> evaluate(Request("delivery.logs.amazonaws.com", "logs:PutLogEvents", "*"), resource=[rp]).reason
'allowed by statement #1 in policy demo'
"""

from __future__ import annotations

from labkit.iam.conditions import Condition, Operator
from labkit.iam.document import Policy, PrincipalSpec, Statement
from labkit.iam.errors import PolicyError, RequestError
from labkit.iam.evaluate import Decision, Outcome, evaluate
from labkit.iam.explain import ConditionResult, Match, StatementResult
from labkit.iam.lint import LintWarning, LintWarnings, lint
from labkit.iam.managed import MANAGED_POLICY_NAMES, ManagedPolicy, managed_policy
from labkit.iam.match import PrincipalMatch
from labkit.iam.request import Request

__all__ = [
    "Condition",
    "ConditionResult",
    "Decision",
    "LintWarning",
    "LintWarnings",
    "MANAGED_POLICY_NAMES",
    "ManagedPolicy",
    "Match",
    "Operator",
    "Outcome",
    "Policy",
    "PolicyError",
    "PrincipalMatch",
    "PrincipalSpec",
    "Request",
    "RequestError",
    "Statement",
    "StatementResult",
    "evaluate",
    "lint",
    "managed_policy",
]
