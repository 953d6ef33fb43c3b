"""The question bank of the self-check quiz: each question, its options, answer, hint and why.

The bank is data here in labkit, so the answers are not in the notebook's source (this is
self-assessment, not grading). Each :class:`Question` may carry ``lab`` settings: the
predict-the-outcome and bug-hunt items are *checked against the simulation* by
``tests/test_quiz.py``, so an answer key cannot drift from what the lab shows. The words are
stored in English, marked for the catalog, and read in the current language
(:mod:`labkit.i18n`); AWS's own error codes and messages stay in English. The widget that
asks them is :mod:`labkit.quiz`.

AWS facts the items rest on:

* Delivery is authorised by the CloudWatch Logs resource policy, for
  ``delivery.logs.amazonaws.com``, on ``…:log-stream:*``. [DOC]
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html
* The role's log permissions are checked at CreateStateMachine/UpdateStateMachine; the error
  ``AccessDeniedException: The state machine IAM Role is not authorized to access the Log
  Destination`` has also been reported when the resource policy, not the role, was at fault
  (a full policy in 2020; a full policy now gives ``InvalidLoggingConfiguration`` "... size
  was exceeded ..."). [ISSUE] qiita.com/tmiki/items/1ad26ca38f8b68e00df1,
  serverless-operations/serverless-step-functions#334, aws/aws-cdk#28900
* Logs are "delivered on a best-effort basis". [DOC]
  https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html
* ``logGroupArn`` "must end with ``:*``". [DOC] Step Functions API ``CloudWatchLogsLogGroup``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from labkit.i18n import N_, Messages, _

__all__ = ["Question", "BANK", "HINTS", "bank", "question", "option_index"]

#: Each question's hint for the first wrong answer: a nudge, not the answer.
HINTS = Messages(
    {
        "predict-admin-no-policy": N_(
            "At delivery time, who calls logs:PutLogEvents, and which policy is asked about it?"
        ),
        "predict-role-none": N_(
            "When are the role's log permissions checked: when the machine is set "
            "up, or at every execution?"
        ),
        "predict-update-role-none": N_(
            "An UpdateStateMachine call with logging re-runs log-delivery "
            "set-up. What does set-up need from the role?"
        ),
        "predict-wildcard": N_(
            "In a resource ARN pattern, does * stop at ':' and '/', or match across them?"
        ),
        "predict-level-error": N_(
            "Which event types does level ERROR send to CloudWatch Logs? Did this execution fail?"
        ),
        "bug-wrong-principal": N_("Which service actually writes the events into the log group?"),
        "bug-missing-log-stream": N_(
            "Which resource type do logs:CreateLogStream and logs:PutLogEvents act on?"
        ),
        "bug-wrong-region": N_(
            "Compare each part of the Resource ARN with where the log group lives."
        ),
        "bug-destination-no-star": N_("Look at how the API reference says logGroupArn must end."),
        "misconception-same-message": N_(
            "Set-up may write two things: the log delivery and the "
            "resource policy. Which of them can fail with this message?"
        ),
        "misconception-best-effort": N_(
            "What does AWS promise about the completeness and timeliness of these logs?"
        ),
        "misconception-role-at-delivery": N_(
            "At delivery the caller is a service principal. Which "
            "kind of policy can authorise a service principal?"
        ),
    }
)


@dataclass(frozen=True)
class Question:
    """One multiple-choice item: the prompt, its options, the answer (an index) and why.

    The words are stored in English (marked for the catalog); :attr:`prompt`,
    :attr:`options`, :attr:`explanation` and :attr:`hint` read them in the current language.
    """

    id: str
    kind: str  # "predict" | "bug-hunt" | "misconception"
    english_prompt: str
    english_options: tuple[str, ...]
    answer: int
    english_explanation: str
    code: str = ""  # a policy or configuration shown under the prompt
    lab: Mapping[str, Any] = field(default_factory=dict)  # PolicyLab.set(...) settings
    expect_delivered: int | None = None  # of the lab run, when ``lab`` is set
    expect_error: str | None = None  # AWS error code of the lab run, when ``lab`` is set

    @property
    def prompt(self) -> str:
        return _(self.english_prompt)

    @property
    def options(self) -> tuple[str, ...]:
        return tuple(_(option) for option in self.english_options)

    @property
    def explanation(self) -> str:
        return _(self.english_explanation)

    def is_correct(self, answer: int | str) -> bool:
        """Whether ``answer`` (an option index or its text) is the right option."""
        return option_index(self, answer) == self.answer

    @property
    def hint(self) -> str:
        """The nudge shown after a first wrong answer (:data:`HINTS`)."""
        return HINTS[self.id]


def option_index(q: Question, answer: int | str) -> int:
    """The index of ``answer``: an index, or an option's text in the current language or English."""
    if isinstance(answer, int) and 0 <= answer < len(q.options):
        return answer
    if isinstance(answer, str) and answer in q.options:
        return q.options.index(answer)
    if isinstance(answer, str) and answer in q.english_options:  # code written in English
        return q.english_options.index(answer)
    raise ValueError(f"{answer!r} is not one of the options of {q.id!r}")


_GROUP = "/aws/vendedlogs/states/LookingIntoLogging-Logs"


def _policy(principal: str = "delivery.logs.amazonaws.com", resource: str | None = None) -> str:
    resource = resource or f"arn:aws:logs:us-east-1:123456789012:log-group:{_GROUP}:log-stream:*"
    return (
        '{"Version": "2012-10-17",\n'
        ' "Statement": [{"Effect": "Allow",\n'
        f'   "Principal": {{"Service": "{principal}"}},\n'
        '   "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],\n'
        f'   "Resource": "{resource}"}}]}}'
    )


BANK: tuple[Question, ...] = (
    Question(
        "predict-admin-no-policy", "predict",
        N_("The role has AdministratorAccess and the CloudWatch Logs resource policy is deleted. "
        "You run the Hello World machine (20 history events, level ALL). What arrives in the log group?"),
        (N_("All 20 log events"), N_("No log events, and the execution succeeds"),
         N_("Only ExecutionStarted"), N_("Nothing: the execution fails with AccessDeniedException")),
        1,
        N_("The execution is unaffected (AWS: publishing logs doesn't block executions), but nothing "
        "is delivered: delivery.logs.amazonaws.com writes the logs, and only the resource policy can "
        "allow it. The role is not used at delivery. (The silent drop is what the article observed; "
        "AWS documents only best-effort delivery.)"),
        lab={"resource_policy": "none", "role": "AdministratorAccess", "level": "ALL", "apply": "now"},
        expect_delivered=0,
    ),
    Question(
        "predict-role-none", "predict",
        N_("The role's policies are all removed; the auto-created resource policy stays. You start "
        "another execution of the existing machine without updating it. What arrives?"),
        (N_("All 20 log events"), N_("No log events"), N_("Only the failure events"),
         N_("StartExecution fails with AccessDeniedException")),
        0,
        N_("Delivery needs only the resource policy. The role's log permissions are checked when the "
        "state machine is created or updated, not while it runs."),
        lab={"resource_policy": "auto-created", "role": "none", "level": "ALL", "apply": "now"},
        expect_delivered=20,
    ),
    Question(
        "predict-update-role-none", "predict",
        N_("Same role without policies, but now you apply the change by calling UpdateStateMachine "
        "with the logging configuration. What happens?"),
        (N_("The update succeeds and all events arrive"),
         N_("The update fails: AccessDeniedException, \u201cThe state machine IAM Role is not "
         "authorized to access the Log Destination\u201d"),
         N_("The update succeeds and no events arrive"),
         N_("The update fails with InvalidLoggingConfiguration")),
        1,
        N_("UpdateStateMachine with logging re-runs the log-delivery set-up, which needs the role's "
        "logs:CreateLogDelivery (and related) permissions. The machine keeps its previous settings."),
        lab={"resource_policy": "auto-created", "role": "none", "level": "ALL", "apply": "update"},
        expect_error="AccessDeniedException",
    ),
    Question(
        "predict-wildcard", "predict",
        N_("The resource policy's statement names arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/* "
        "instead of this log group's streams. What arrives?"),
        (N_("All 20 log events"), N_("No log events"), N_("Only events of states under /aws/vendedlogs/"),
         N_("Only PutLogEvents succeeds, so nothing")),
        0,
        N_("A * in a resource ARN also matches ':' and '/', so the wildcard covers "
        "/aws/vendedlogs/states/LookingIntoLogging-Logs:log-stream:… . In the classic account-level policy, CloudWatch Logs adds this "
        "entry as the policy approaches its 5,120-character limit; since about March 2026 new "
        "set-ups get a log-group-level policy instead, unless such a wildcard already covers the group."),
        lab={"resource_policy": "vendedlogs-wildcard", "role": "log-delivery", "level": "ALL", "apply": "now"},
        expect_delivered=20,
    ),
    Question(
        "predict-level-error", "predict",
        N_("Everything is allowed and the level is ERROR. The Hello World execution succeeds. "
        "How many log events arrive?"),
        (N_("20"), N_("1 (ExecutionSucceeded)"), N_("0"), N_("2 (ExecutionStarted and ExecutionSucceeded)")),
        2,
        N_("At ERROR only failure events (and at FATAL only ExecutionFailed/Aborted/TimedOut) are "
        "logged. A successful run logs nothing."),
        lab={"resource_policy": "auto-created", "role": "log-delivery", "level": "ERROR", "apply": "update"},
        expect_delivered=0,
    ),
    Question(
        "bug-wrong-principal", "bug-hunt",
        N_("This resource policy was meant to let the lab's logs arrive. None arrive. What is wrong?"),
        (N_("The Principal"), N_("The Action list"), N_("The Resource"), N_("Nothing: the role must allow logs:PutLogEvents")),
        0,
        N_("Step Functions does not write the logs; the log-delivery service does. The principal must "
        "be delivery.logs.amazonaws.com."),
        code=_policy(principal="states.amazonaws.com"),
        lab={"resource_policy": "custom", "resource_policy_json": _policy(principal="states.amazonaws.com"),
             "role": "log-delivery", "apply": "now"},
        expect_delivered=0,
    ),
    Question(
        "bug-missing-log-stream", "bug-hunt",
        N_("Another attempt. Still no logs. What is wrong?"),
        (N_("The Principal"), N_("The Resource names the log group, not its log streams"),
         N_("The Version date"), N_("Action needs logs:CreateLogGroup")),
        1,
        N_("CreateLogStream and PutLogEvents act on log streams: the Resource must be "
        "…:log-group:NAME:log-stream:* (or a wildcard covering it)."),
        code=_policy(resource=f"arn:aws:logs:us-east-1:123456789012:log-group:{_GROUP}"),
        lab={"resource_policy": "custom",
             "resource_policy_json": _policy(resource=f"arn:aws:logs:us-east-1:123456789012:log-group:{_GROUP}"),
             "role": "log-delivery", "apply": "now"},
        expect_delivered=0,
    ),
    Question(
        "bug-wrong-region", "bug-hunt",
        N_("The log group is in us-east-1. No logs arrive with this policy. What is wrong?"),
        (N_("The Principal"), N_("The Action list"), N_("The region in the Resource ARN"), N_("Nothing: delivery is best-effort")),
        2,
        N_("The Resource names eu-west-1; the log group lives in us-east-1, so no statement matches."),
        code=_policy(resource=f"arn:aws:logs:eu-west-1:123456789012:log-group:{_GROUP}:log-stream:*"),
        lab={"resource_policy": "custom",
             "resource_policy_json": _policy(resource=f"arn:aws:logs:eu-west-1:123456789012:log-group:{_GROUP}:log-stream:*"),
             "role": "log-delivery", "apply": "now"},
        expect_delivered=0,
    ),
    Question(
        "bug-destination-no-star", "bug-hunt",
        N_("CreateStateMachine is called with this logging configuration. What happens?"),
        (N_("It works"), N_("It fails with InvalidLoggingConfiguration: the log group ARN must end with :*"),
         N_("It fails with AccessDeniedException"), N_("It works, but no logs arrive")),
        1,
        N_("The API requires logGroupArn to end with ':*'; Step Functions rejects the configuration "
        "before any set-up happens. (The exact message, \u201cLog Group ARN must be provided with "
        "'*' qualifier\u201d, comes from user reports, not from the AWS documentation.)"),
        code=('{"level": "ALL", "includeExecutionData": true,\n "destinations": [{"cloudWatchLogsLogGroup": '
              f'{{"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:{_GROUP}"}}}}]}}'),
    ),
    Question(
        "misconception-same-message", "misconception",
        N_("CreateStateMachine fails with \u201cThe state machine IAM Role is not authorized to "
        "access the Log Destination\u201d. The role has the documented "
        "log-delivery policy. What could be at fault?"),
        (N_("Nothing else: the message proves the role lacks permissions"),
         N_("The CloudWatch Logs resource policy: when it cannot be written, the same message can appear"),
         N_("The log group does not exist"), N_("The state machine's name")),
        1,
        N_("Users report the same AccessDeniedException when the resource policy, not the role, is at "
        "fault, e.g. a full account-level policy in 2020 (a full classic policy now gives an "
        "InvalidLoggingConfiguration size error). A missing log group gives InvalidLoggingConfiguration "
        "instead."),
    ),
    Question(
        "misconception-best-effort", "misconception",
        N_("All permissions are right. Will every event always arrive, within a second?"),
        (N_("Yes, Step Functions retries until it is written"), N_("Yes, or the execution fails"),
         N_("No: delivery is best-effort; completeness and timeliness are not guaranteed"),
         N_("No: only ERROR events are guaranteed")),
        2,
        N_("AWS: logs are delivered on a best-effort basis; publishing logs does not block or slow "
        "down executions."),
    ),
    Question(
        "misconception-role-at-delivery", "misconception",
        N_("Who calls logs:PutLogEvents when an execution's events reach the log group?"),
        (N_("The state machine's execution role"), N_("The caller who started the execution"),
         N_("delivery.logs.amazonaws.com, allowed by the log group's resource policy"),
         N_("states.amazonaws.com, allowed by the role's trust policy")),
        2,
        N_("The role matters only at set-up; the log-delivery service writes, authorised by the "
        "CloudWatch Logs resource policy."),
    ),
)  # fmt: skip


def bank(kind: str | None = None) -> tuple[Question, ...]:
    """The questions of ``kind`` ("predict", "bug-hunt", "misconception"), or all."""
    return tuple(q for q in BANK if kind is None or q.kind == kind)


def question(question_id: str) -> Question:
    """The question with ``question_id``."""
    for q in BANK:
        if q.id == question_id:
            return q
    raise ValueError(f"no question {question_id!r}; ids: {[q.id for q in BANK]}")
