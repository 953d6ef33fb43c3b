"""labkit.quiz: the question bank, headless checking, hints, styled feedback and the score."""

from __future__ import annotations

import re

import pytest

from labkit.quiz import BANK, HINTS, Feedback, Quiz, Scoreboard, bank, question


def _text(page: str) -> str:
    return re.sub(r"<[^>]+>", "", page)


def test_bank_covers_the_three_kinds_and_the_required_bugs():
    kinds = {q.kind for q in BANK}
    assert kinds == {"predict", "bug-hunt", "misconception"}
    ids = {q.id for q in BANK}
    assert {
        "bug-wrong-principal",
        "bug-missing-log-stream",
        "bug-destination-no-star",
        "bug-wrong-region",
    } <= ids
    assert {
        "misconception-same-message",
        "misconception-best-effort",
        "misconception-role-at-delivery",
    } <= ids
    assert len(ids) == len(BANK)
    for q in BANK:
        assert 0 <= q.answer < len(q.options) and len(set(q.options)) == len(q.options)
        assert q.explanation


def test_every_question_has_its_own_hint_that_does_not_give_the_answer():
    assert set(HINTS) == {q.id for q in BANK}
    hints = [q.hint for q in BANK]
    assert len(set(hints)) == len(hints)  # no generic hint
    for q in BANK:
        assert q.options[q.answer] not in q.hint


def test_bug_hunt_policies_show_the_defect():
    assert '"Service": "states.amazonaws.com"' in question("bug-wrong-principal").code
    assert ":log-stream:*" not in question("bug-missing-log-stream").code
    assert "eu-west-1" in question("bug-wrong-region").code
    assert not question("bug-destination-no-star").code.rstrip("}] \n").endswith(':*"')


def test_two_wrong_answers_give_the_hint_then_the_answer_and_explanation():
    board = Scoreboard()
    quiz = Quiz("predict-level-error", scoreboard=board)
    first = quiz.check(0)
    assert not first.correct and first.tone == "hint"
    assert first.text == (
        "✗ Not quite. Hint: Which event types does level ERROR send to CloudWatch Logs? "
        "Did this execution fail? Try again."
    )
    assert "who writes the logs" not in first.text
    second = quiz.check("1 (ExecutionSucceeded)")
    assert not second.correct and second.tone == "bad"
    assert second.text.startswith("✗ Not quite. The answer is “0”.\n")
    assert quiz.question.explanation in second.text
    # feedback is styled HTML in theme colours, not monospace text that wraps mid-word
    page = quiz.feedback.value
    assert "var(--jp-error-color1" in page and "white-space:normal" in page and "<pre" not in page
    assert "The answer is “0”." in _text(page)
    assert _text(quiz.score.value).startswith("Score so far: 0 of 1 answered right")


def test_right_answer_shows_the_explanation_and_counts_once():
    board = Scoreboard()
    quiz = Quiz("predict-admin-no-policy", scoreboard=board)
    right = quiz.check(1)
    assert right.correct and right.text.startswith("✓ Correct.\n") and right.tone == "good"
    assert quiz.question.explanation in right.text
    assert "var(--jp-success-color1" in quiz.feedback.value
    again = quiz.check(0)  # a later wrong click does not change the score
    assert "your first result counts" in again.text
    assert board.summary().right == 1 and board.summary().first_try == 1


def test_running_score_and_summary():
    board = Scoreboard()
    quizzes = [Quiz(q, scoreboard=board) for q in bank("misconception")]
    quizzes[0].check(quizzes[0].question.answer)  # right at the first try
    quizzes[1].check((quizzes[1].question.answer + 1) % 4)  # wrong, then right
    quizzes[1].check(quizzes[1].question.answer)
    line = _text(quizzes[1].score.value)
    assert line == "Score so far: 2 of 2 answered right (1 at the first try); 1 to go."
    summary = board.summary()
    assert (summary.total, summary.answered, summary.right, summary.first_try) == (3, 2, 2, 1)
    text = str(summary)
    assert text.startswith("2 of 3 questions answered right, 1 at the first try.")
    assert "Not answered yet: 1." in text and "Worth another look:" in text
    live = board.widget()
    quizzes[2].check((quizzes[2].question.answer + 1) % 4)
    quizzes[2].check((quizzes[2].question.answer + 1) % 4)  # revealed
    assert "answer revealed" in live.value and "2 of 3 questions answered right" in live.value
    assert repr(board.summary()) == (
        "<ScoreSummary: 2 of 3 questions answered right, 1 at the first try.>"
    )


def test_button_click_checks_the_selected_option():
    quiz = Quiz(bank("misconception")[0], scoreboard=Scoreboard())
    quiz.button.click()
    assert _text(quiz.feedback.value) == "Choose an option first."
    quiz.choice.value = quiz.question.options[quiz.question.answer]
    quiz.button.click()
    assert _text(quiz.feedback.value).startswith("✓ Correct.")


def test_feedback_html_escapes():
    page = Feedback(False, "a <b>\nc & d", "hint")._repr_html_()
    assert "&lt;b&gt;" in page and "c &amp; d" in page


def test_unknown_answers_and_ids_rejected():
    with pytest.raises(ValueError, match="not one of the options"):
        Quiz("predict-wildcard").check("42")
    with pytest.raises(ValueError, match="no question"):
        question("nope")


def test_widget_repr_is_deterministic():
    assert repr(Quiz("bug-wrong-region")) == repr(Quiz("bug-wrong-region"))
    assert "RadioButtons" in repr(Quiz("bug-wrong-region"))
