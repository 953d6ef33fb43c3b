"""Self-check questions with immediate feedback: predict the outcome, hunt the bug, fix a misconception.

The question bank is data here in labkit, so the answers are not in the notebook's source
(this is self-assessment, not grading). Each :class:`Question` may carry ``lab`` settings:
the predict-the-outcome and bug-hunt items are *checked against the simulation* by
``tests/test_quiz.py``, so an answer key cannot drift from what the lab shows.

The widget follows the nbval-safe pattern: feedback is written with
``Output.outputs = ()`` + ``append_stdout`` (never ``with out:`` and never
``clear_output``), so a checked notebook cell can call :meth:`Quiz.check` headlessly.

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

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets

from labkit.widget_repr import widget_bundle

__all__ = ["Question", "Feedback", "Quiz", "BANK", "bank", "question"]


@dataclass(frozen=True)
class Question:
    """One multiple-choice item: the prompt, its options, the answer (an index) and why."""

    id: str
    kind: str  # "predict" | "bug-hunt" | "misconception"
    prompt: str
    options: tuple[str, ...]
    answer: int
    explanation: str
    code: str = ""  # a policy or configuration shown under the prompt
    lab: Mapping[str, Any] = field(default_factory=dict)  # PolicyLab.set(...) settings
    expect_delivered: int | None = None  # of the lab run, when ``lab`` is set
    expect_error: str | None = None  # AWS error code of the lab run, when ``lab`` is set

    def is_correct(self, answer: int | str) -> bool:
        """Whether ``answer`` (an option index or its text) is the right option."""
        return _index(self, answer) == self.answer


@dataclass(frozen=True)
class Feedback:
    """The result of checking one answer."""

    correct: bool
    text: str

    def __str__(self) -> str:
        return self.text


def _index(q: Question, answer: int | str) -> int:
    if isinstance(answer, int) and 0 <= answer < len(q.options):
        return answer
    if isinstance(answer, str) and answer in q.options:
        return q.options.index(answer)
    raise ValueError(f"{answer!r} is not one of the options of {q.id!r}")


_ROLE_MSG = "The state machine IAM Role is not authorized to access the Log Destination"
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
        "The role has AdministratorAccess and the CloudWatch Logs resource policy is deleted. "
        "You run the Hello World machine (20 history events, level ALL). What arrives in the log group?",
        ("All 20 log events", "No log events, and the execution succeeds",
         "Only ExecutionStarted", "Nothing: the execution fails with AccessDeniedException"),
        1,
        "The execution is unaffected (AWS: publishing logs doesn't block executions), but nothing "
        "is delivered: delivery.logs.amazonaws.com writes the logs, and only the resource policy can "
        "allow it. The role is not used at delivery. (The silent drop is what the article observed; "
        "AWS documents only best-effort delivery.)",
        lab={"resource_policy": "none", "role": "AdministratorAccess", "level": "ALL", "apply": "now"},
        expect_delivered=0,
    ),
    Question(
        "predict-role-none", "predict",
        "The role's policies are all removed; the auto-created resource policy stays. You start "
        "another execution of the existing machine without updating it. What arrives?",
        ("All 20 log events", "No log events", "Only the failure events",
         "StartExecution fails with AccessDeniedException"),
        0,
        "Delivery needs only the resource policy. The role's log permissions are checked when the "
        "state machine is created or updated, not while it runs.",
        lab={"resource_policy": "auto-created", "role": "none", "level": "ALL", "apply": "now"},
        expect_delivered=20,
    ),
    Question(
        "predict-update-role-none", "predict",
        "Same role without policies, but now you apply the change by calling UpdateStateMachine "
        "with the logging configuration. What happens?",
        ("The update succeeds and all events arrive",
         f"The update fails: AccessDeniedException, \u201c{_ROLE_MSG}\u201d",
         "The update succeeds and no events arrive",
         "The update fails with InvalidLoggingConfiguration"),
        1,
        "UpdateStateMachine with logging re-runs the log-delivery set-up, which needs the role's "
        "logs:CreateLogDelivery (and related) permissions. The machine keeps its previous settings.",
        lab={"resource_policy": "auto-created", "role": "none", "level": "ALL", "apply": "update"},
        expect_error="AccessDeniedException",
    ),
    Question(
        "predict-wildcard", "predict",
        "The resource policy's statement names arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/* "
        "instead of this log group's streams. What arrives?",
        ("All 20 log events", "No log events", "Only events of states under /aws/vendedlogs/",
         "Only PutLogEvents succeeds, so nothing"),
        0,
        "A * in a resource ARN also matches ':' and '/', so the wildcard covers "
        f"{_GROUP}:log-stream:… . In the classic account-level policy, CloudWatch Logs adds this "
        "entry as the policy approaches its 5,120-character limit; since about March 2026 new "
        "set-ups get a log-group-level policy instead, unless such a wildcard already covers the group.",
        lab={"resource_policy": "vendedlogs-wildcard", "role": "log-delivery", "level": "ALL", "apply": "now"},
        expect_delivered=20,
    ),
    Question(
        "predict-level-error", "predict",
        "Everything is allowed and the level is ERROR. The Hello World execution succeeds. "
        "How many log events arrive?",
        ("20", "1 (ExecutionSucceeded)", "0", "2 (ExecutionStarted and ExecutionSucceeded)"),
        2,
        "At ERROR only failure events (and at FATAL only ExecutionFailed/Aborted/TimedOut) are "
        "logged. A successful run logs nothing.",
        lab={"resource_policy": "auto-created", "role": "log-delivery", "level": "ERROR", "apply": "update"},
        expect_delivered=0,
    ),
    Question(
        "bug-wrong-principal", "bug-hunt",
        "This resource policy was meant to let the lab's logs arrive. None arrive. What is wrong?",
        ("The Principal", "The Action list", "The Resource", "Nothing: the role must allow logs:PutLogEvents"),
        0,
        "Step Functions does not write the logs; the log-delivery service does. The principal must "
        "be delivery.logs.amazonaws.com.",
        code=_policy(principal="states.amazonaws.com"),
        lab={"resource_policy": "custom", "resource_policy_json": _policy(principal="states.amazonaws.com"),
             "role": "log-delivery", "apply": "now"},
        expect_delivered=0,
    ),
    Question(
        "bug-missing-log-stream", "bug-hunt",
        "Another attempt. Still no logs. What is wrong?",
        ("The Principal", "The Resource names the log group, not its log streams",
         "The Version date", "Action needs logs:CreateLogGroup"),
        1,
        "CreateLogStream and PutLogEvents act on log streams: the Resource must be "
        "…:log-group:NAME:log-stream:* (or a wildcard covering it).",
        code=_policy(resource=f"arn:aws:logs:us-east-1:123456789012:log-group:{_GROUP}"),
        lab={"resource_policy": "custom",
             "resource_policy_json": _policy(resource=f"arn:aws:logs:us-east-1:123456789012:log-group:{_GROUP}"),
             "role": "log-delivery", "apply": "now"},
        expect_delivered=0,
    ),
    Question(
        "bug-wrong-region", "bug-hunt",
        "The log group is in us-east-1. No logs arrive with this policy. What is wrong?",
        ("The Principal", "The Action list", "The region in the Resource ARN", "Nothing: delivery is best-effort"),
        2,
        "The Resource names eu-west-1; the log group lives in us-east-1, so no statement matches.",
        code=_policy(resource=f"arn:aws:logs:eu-west-1:123456789012:log-group:{_GROUP}:log-stream:*"),
        lab={"resource_policy": "custom",
             "resource_policy_json": _policy(resource=f"arn:aws:logs:eu-west-1:123456789012:log-group:{_GROUP}:log-stream:*"),
             "role": "log-delivery", "apply": "now"},
        expect_delivered=0,
    ),
    Question(
        "bug-destination-no-star", "bug-hunt",
        "CreateStateMachine is called with this logging configuration. What happens?",
        ("It works", "It fails with InvalidLoggingConfiguration: the log group ARN must end with :*",
         "It fails with AccessDeniedException", "It works, but no logs arrive"),
        1,
        "The API requires logGroupArn to end with ':*'; Step Functions rejects the configuration "
        "before any set-up happens. (The exact message, \u201cLog Group ARN must be provided with "
        "'*' qualifier\u201d, comes from user reports, not from the AWS documentation.)",
        code=('{"level": "ALL", "includeExecutionData": true,\n "destinations": [{"cloudWatchLogsLogGroup": '
              f'{{"logGroupArn": "arn:aws:logs:us-east-1:123456789012:log-group:{_GROUP}"}}}}]}}'),
    ),
    Question(
        "misconception-same-message", "misconception",
        f"CreateStateMachine fails with \u201c{_ROLE_MSG}\u201d. The role has the documented "
        "log-delivery policy. What could be at fault?",
        ("Nothing else: the message proves the role lacks permissions",
         "The CloudWatch Logs resource policy: when it cannot be written, the same message can appear",
         "The log group does not exist", "The state machine's name"),
        1,
        "Users report the same AccessDeniedException when the resource policy, not the role, is at "
        "fault, e.g. a full account-level policy in 2020 (a full classic policy now gives an "
        "InvalidLoggingConfiguration size error). A missing log group gives InvalidLoggingConfiguration "
        "instead.",
    ),
    Question(
        "misconception-best-effort", "misconception",
        "All permissions are right. Will every event always arrive, within a second?",
        ("Yes, Step Functions retries until it is written", "Yes, or the execution fails",
         "No: delivery is best-effort; completeness and timeliness are not guaranteed",
         "No: only ERROR events are guaranteed"),
        2,
        "AWS: logs are delivered on a best-effort basis; publishing logs does not block or slow "
        "down executions.",
    ),
    Question(
        "misconception-role-at-delivery", "misconception",
        "Who calls logs:PutLogEvents when an execution's events reach the log group?",
        ("The state machine's execution role", "The caller who started the execution",
         "delivery.logs.amazonaws.com, allowed by the log group's resource policy",
         "states.amazonaws.com, allowed by the role's trust policy"),
        2,
        "The role matters only at set-up; the log-delivery service writes, authorised by the "
        "CloudWatch Logs resource policy.",
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


class Quiz(widgets.VBox):
    """One question as a widget: prompt, options, a Check button and feedback.

    >>> quiz = Quiz("predict-admin-no-policy")     # doctest: +SKIP
    >>> quiz.check(1).correct                      # doctest: +SKIP
    True
    """

    def __init__(self, q: Question | str) -> None:
        self.question = question(q) if isinstance(q, str) else q
        self.attempts = 0
        prompt = f"<b>{html.escape(self.question.prompt)}</b>"
        if self.question.code:
            prompt += f"<pre>{html.escape(self.question.code)}</pre>"
        self.prompt = widgets.HTML(value=prompt)
        self.choice = widgets.RadioButtons(
            options=list(self.question.options), value=None, layout=widgets.Layout(width="auto")
        )
        self.button = widgets.Button(description="Check", button_style="primary")
        self.feedback = widgets.Output()
        self.button.on_click(lambda _button: self.check())
        super().__init__(children=[self.prompt, self.choice, self.button, self.feedback])

    def _repr_mimebundle_(self, **kwargs):
        q = self.question
        options = "".join(f"<li>{html.escape(option)}</li>" for option in q.options)
        body = f"<p>{html.escape(q.prompt)}</p>"
        if q.code:
            body += f"<pre>{html.escape(q.code)}</pre>"
        body += f'<ol type="A">{options}</ol>'
        bundle = super()._repr_mimebundle_(**kwargs)
        return widget_bundle(bundle, f"Quiz {q.id}: choose an option and press Check", body)

    def check(self, answer: int | str | None = None) -> Feedback:
        """Check ``answer`` (index or text; default: the selected option) and show feedback."""
        if answer is None:
            answer = self.choice.value
        if answer is None:
            result = Feedback(False, "Choose an option first.")
        else:
            self.choice.value = self.question.options[_index(self.question, answer)]
            self.attempts += 1
            q = self.question
            if q.is_correct(answer):
                result = Feedback(True, f"\u2713 Correct. {q.explanation}")
            elif self.attempts >= 2:
                result = Feedback(
                    False,
                    f"\u2717 Not quite. The answer is \u201c{q.options[q.answer]}\u201d. {q.explanation}",
                )
            else:
                result = Feedback(
                    False, "\u2717 Not quite. Think about who writes the logs, and try again."
                )
        self.feedback.outputs = ()
        self.feedback.append_stdout(result.text + "\n")
        return result
