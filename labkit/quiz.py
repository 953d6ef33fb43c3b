"""Self-check questions with immediate feedback: predict the outcome, hunt the bug, fix a misconception.

The questions, their answers, hints and explanations are data in :mod:`labkit.quiz_bank`
(re-exported here), so the answers are not in the notebook's source (this is
self-assessment, not grading), and the predict and bug-hunt items are checked against the
simulation by ``tests/test_quiz.py``.

Every question has its own hint for a first wrong answer (:data:`HINTS`) and an explanation
once it is answered (right, or revealed after a second wrong answer). Feedback is styled
HTML in JupyterLab's theme colours (``var(--jp-...)``, readable on light and dark themes),
and a running score shows under each question; :func:`summary` (or :func:`score_widget`)
closes lesson 07. The widget is nbval-safe: no ``Output`` capture, no ``clear_output``, and
a checked notebook cell can call :meth:`Quiz.check` headlessly. The words around the
questions are in :data:`TEXT`, read in the current language (:mod:`labkit.i18n`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from typing import Any

import ipywidgets as widgets

from labkit.i18n import N_, Messages
from labkit.quiz_bank import BANK, HINTS, Question, bank, question
from labkit.quiz_bank import option_index as _index
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


_GOOD = "var(--jp-success-color1, #1b7a3a)"
_BAD = "var(--jp-error-color1, #c62828)"
_WARN = "var(--jp-warn-color1, #a15c00)"
_MUTED = "var(--jp-ui-font-color2, #616161)"


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
        line = TEXT["summary-line"].format(right=self.right, total=self.total, first=self.first_try)
        return f"<ScoreSummary: {line}>"

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
