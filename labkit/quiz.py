"""Self-check questions with immediate feedback: predict the outcome, hunt the bug, fix a misconception.

The question bank is data here in labkit, so the answers are not in the notebook's source
(this is self-assessment, not grading). Each :class:`Question` may carry ``lab`` settings:
the predict-the-outcome and bug-hunt items are *checked against the simulation* by
``tests/test_quiz.py``, so an answer key cannot drift from what the lab shows.

Every question has its own hint for a first wrong answer (:data:`HINTS`) and an explanation
once it is answered (right, or revealed after a second wrong answer). Feedback is styled
HTML in JupyterLab's theme colours (``var(--jp-...)``, readable on light and dark themes),
and a running score shows under each question; :func:`summary` (or :func:`score_widget`)
closes lesson 07. The widget is nbval-safe: no ``Output`` capture, no ``clear_output``, and
a checked notebook cell can call :meth:`Quiz.check` headlessly. User-facing words are in
:data:`HINTS` and :data:`TEXT` (one place to translate).

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
from dataclasses import dataclass, field, replace
from typing import Any

import ipywidgets as widgets

from labkit.i18n import N_, Messages, _
from labkit.widget_repr import widget_bundle

__all__ = [
    "Question",
    "Feedback",
    "Quiz",
    "Scoreboard",
    "ScoreSummary",
    "BANK",
    "HINTS",
    "TEXT",
    "bank",
    "question",
    "summary",
    "score_widget",
    "reset_score",
]

#: Every sentence the quiz shows around the questions (translate here).
TEXT = Messages(
    {
        "check": N_("Check"),
        "choose-first": N_("Choose an option first."),
        "correct": N_("✓ Correct."),
        "hint": N_("✗ Not quite. Hint: {hint} Try again."),
        "reveal": N_("✗ Not quite. The answer is “{answer}”."),
        "again": N_("You already answered this one; your first result counts."),
        "score": N_(
            "Score so far: {right} of {answered} answered right ({first} at the first try); "
            "{remaining} to go."
        ),
        "summary-title": N_("Your results"),
        "summary-line": N_(
            "{right} of {total} questions answered right, {first} at the first try."
        ),
        "summary-unanswered": N_("Not answered yet: {count}."),
        "summary-revisit": N_("Worth another look:"),
        "summary-none": N_("No question answered yet."),
        "status-first": N_("right at the first try"),
        "status-second": N_("right after the hint"),
        "status-revealed": N_("answer revealed"),
        "status-open": N_("not answered"),
        "widget": N_("Quiz {id}: choose an option and press Check"),
    }
)

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

_GOOD = "var(--jp-success-color1, #1b7a3a)"
_BAD = "var(--jp-error-color1, #c62828)"
_WARN = "var(--jp-warn-color1, #a15c00)"
_MUTED = "var(--jp-ui-font-color2, #616161)"


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
        return _index(self, answer) == self.answer

    @property
    def hint(self) -> str:
        """The nudge shown after a first wrong answer (:data:`HINTS`)."""
        return HINTS[self.id]


@dataclass(frozen=True)
class Feedback:
    """The result of checking one answer: right or not, the words, and their tone."""

    correct: bool
    text: str
    tone: str = "info"  # "good" | "hint" | "bad" | "info"

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        colour = {"good": _GOOD, "hint": _WARN, "bad": _BAD}.get(self.tone, _MUTED)
        head, _, rest = self.text.partition("\n")
        body = f"<div>{html.escape(rest)}</div>" if rest else ""
        return (
            f'<div style="border-left:3px solid {colour};padding:0.2em 0.6em;'
            f'white-space:normal;word-break:normal;overflow-wrap:break-word;line-height:1.45">'
            f'<div style="color:{colour};font-weight:bold">{html.escape(head)}</div>{body}</div>'
        )


def _index(q: Question, answer: int | str) -> int:
    if isinstance(answer, int) and 0 <= answer < len(q.options):
        return answer
    if isinstance(answer, str) and answer in q.options:
        return q.options.index(answer)
    if isinstance(answer, str) and answer in q.english_options:  # code written in English
        return q.english_options.index(answer)
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


@dataclass
class _Record:
    attempts: int = 0
    right: bool | None = None  # None while open; True right (first or second try); False revealed


@dataclass(frozen=True)
class ScoreSummary:
    """The results of the questions shown so far, per question, for the end of lesson 07."""

    rows: tuple[tuple[Question, str], ...]  # (question, status key of TEXT)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def right(self) -> int:
        return sum(s in ("status-first", "status-second") for _, s in self.rows)

    @property
    def first_try(self) -> int:
        return sum(s == "status-first" for _, s in self.rows)

    @property
    def answered(self) -> int:
        return sum(s != "status-open" for _, s in self.rows)

    def __str__(self) -> str:
        if not self.answered:
            return TEXT["summary-none"]
        lines = [
            TEXT["summary-line"].format(right=self.right, total=self.total, first=self.first_try)
        ]
        if self.answered < self.total:
            lines.append(TEXT["summary-unanswered"].format(count=self.total - self.answered))
        missed = [q for q, s in self.rows if s in ("status-second", "status-revealed")]
        if missed:
            lines.append(TEXT["summary-revisit"])
            lines += [f"  - {q.prompt} → {q.options[q.answer]}" for q in missed]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ScoreSummary {self.right}/{self.total} right, {self.first_try} at the first try>"

    def _repr_html_(self) -> str:
        colour = {"status-first": _GOOD, "status-second": _WARN, "status-revealed": _BAD}
        items = "".join(
            f'<li><span style="color:{colour.get(s, _MUTED)};font-weight:bold">'
            f"{html.escape(TEXT[s])}</span>: {html.escape(q.prompt)}"
            + (
                f'<div style="color:{_MUTED}">{html.escape(q.options[q.answer])}</div>'
                if s in ("status-second", "status-revealed")
                else ""
            )
            + "</li>"
            for q, s in self.rows
        )
        line = (
            TEXT["summary-line"].format(right=self.right, total=self.total, first=self.first_try)
            if self.answered
            else TEXT["summary-none"]
        )
        return (
            f'<div style="white-space:normal;line-height:1.45"><b>{html.escape(TEXT["summary-title"])}'
            f"</b><div>{html.escape(line)}</div><ul>{items}</ul></div>"
        )


class Scoreboard:
    """The running score of the quizzes built with it (first result per question counts)."""

    def __init__(self) -> None:
        self._questions: dict[str, Question] = {}
        self._records: dict[str, _Record] = {}
        self._views: list[Any] = []

    def register(self, q: Question) -> None:
        self._questions.setdefault(q.id, q)
        self._records.setdefault(q.id, _Record())

    def record(self, q: Question, correct: bool) -> bool:
        """Count one checked answer; return False if the question was already settled."""
        rec = self._records.setdefault(q.id, _Record())
        self._questions.setdefault(q.id, q)
        if rec.right is not None:
            return False
        rec.attempts += 1
        if correct:
            rec.right = True
        elif rec.attempts >= 2:
            rec.right = False
        self._refresh()
        return True

    def attempts(self, q: Question) -> int:
        return self._records.get(q.id, _Record()).attempts

    def status(self, question_id: str) -> str:
        rec = self._records[question_id]
        if rec.right is None:
            return "status-open"
        if not rec.right:
            return "status-revealed"
        return "status-first" if rec.attempts == 1 else "status-second"

    def line(self) -> str:
        """One running-score line."""
        s = self.summary()
        return TEXT["score"].format(
            right=s.right, answered=s.answered, first=s.first_try, remaining=s.total - s.answered
        )

    def summary(self) -> ScoreSummary:
        return ScoreSummary(tuple((q, self.status(i)) for i, q in self._questions.items()))

    def widget(self) -> widgets.HTML:
        """An HTML widget with the summary, kept up to date as questions are answered."""
        view = widgets.HTML(value=self.summary()._repr_html_())
        self._views.append(("summary", view))
        return view

    def watch(self, view: widgets.HTML) -> None:
        self._views.append(("line", view))

    def _refresh(self) -> None:
        for kind, view in self._views:
            if kind == "summary":
                view.value = self.summary()._repr_html_()
            else:
                view.value = f'<div style="color:{_MUTED};white-space:normal">{html.escape(self.line())}</div>'

    def reset(self) -> None:
        self._questions.clear()
        self._records.clear()
        self._refresh()


#: The scoreboard every :class:`Quiz` uses unless given another (one per kernel).
SCOREBOARD = Scoreboard()


def summary() -> ScoreSummary:
    """The results so far of the quizzes on the default scoreboard (end of lesson 07)."""
    return SCOREBOARD.summary()


def score_widget() -> widgets.HTML:
    """A live summary widget of the default scoreboard."""
    return SCOREBOARD.widget()


def reset_score() -> None:
    """Forget the default scoreboard's results."""
    SCOREBOARD.reset()


class Quiz(widgets.VBox):
    """One question as a widget: prompt, options, a Check button, feedback and the score.

    >>> quiz = Quiz("predict-admin-no-policy")     # doctest: +SKIP
    >>> quiz.check(1).correct                      # doctest: +SKIP
    True
    """

    def __init__(self, q: Question | str, *, scoreboard: Scoreboard | None = None) -> None:
        self.question = question(q) if isinstance(q, str) else q
        self.scoreboard = scoreboard if scoreboard is not None else SCOREBOARD
        self.scoreboard.register(self.question)
        self.attempts = 0
        self._options = self.question.options  # in the language the widget is built in
        prompt = f'<div style="white-space:normal"><b>{html.escape(self.question.prompt)}</b></div>'
        if self.question.code:
            prompt += f"<pre>{html.escape(self.question.code)}</pre>"
        self.prompt = widgets.HTML(value=prompt)
        self.choice = widgets.RadioButtons(
            options=list(self._options), value=None, layout=widgets.Layout(width="auto")
        )
        self.button = widgets.Button(description=TEXT["check"], button_style="primary")
        self.feedback = widgets.HTML(value="")
        self.score = widgets.HTML(value="")
        self.scoreboard.watch(self.score)
        self.button.on_click(lambda _button: self.check())
        super().__init__(
            children=[self.prompt, self.choice, self.button, self.feedback, self.score]
        )

    def _repr_mimebundle_(self, **kwargs):
        q = self.question
        options = "".join(f"<li>{html.escape(option)}</li>" for option in q.options)
        body = f"<p>{html.escape(q.prompt)}</p>"
        if q.code:
            body += f"<pre>{html.escape(q.code)}</pre>"
        body += f'<ol type="A">{options}</ol>'
        bundle = super()._repr_mimebundle_(**kwargs)
        return widget_bundle(bundle, TEXT["widget"].format(id=q.id), body)

    def check(self, answer: int | str | None = None) -> Feedback:
        """Check ``answer`` (index or text; default: the selected option) and show feedback."""
        if answer is None:
            answer = self.choice.value
        if answer is None:
            result = Feedback(False, TEXT["choose-first"])
        else:
            q = self.question
            self.choice.value = self._options[_index(q, answer)]
            correct = q.is_correct(answer)
            counted = self.scoreboard.record(q, correct)
            self.attempts += 1
            if correct:
                result = Feedback(True, f"{TEXT['correct']}\n{q.explanation}", "good")
            elif self.attempts >= 2:
                head = TEXT["reveal"].format(answer=q.options[q.answer])
                result = Feedback(False, f"{head}\n{q.explanation}", "bad")
            else:
                result = Feedback(False, TEXT["hint"].format(hint=q.hint), "hint")
            if not counted:
                result = replace(result, text=f"{result.text}\n{TEXT['again']}")
        self.feedback.value = result._repr_html_()
        self.score.value = f'<div style="color:{_MUTED};white-space:normal">{html.escape(self.scoreboard.line())}</div>'
        return result
