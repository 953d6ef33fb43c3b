"""labkit.quiz: the question bank, headless checking, and the nbval-safe widget."""

from __future__ import annotations

import pytest

from labkit.quiz import BANK, Quiz, bank, question


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


def test_bug_hunt_policies_show_the_defect():
    assert '"Service": "states.amazonaws.com"' in question("bug-wrong-principal").code
    assert ":log-stream:*" not in question("bug-missing-log-stream").code
    assert "eu-west-1" in question("bug-wrong-region").code
    assert not question("bug-destination-no-star").code.rstrip("}] \n").endswith(':*"')


def test_check_correct_and_wrong_answers():
    quiz = Quiz("predict-admin-no-policy")
    first = quiz.check(0)
    assert not first.correct and "try again" in first.text
    assert "The answer is" not in first.text
    second = quiz.check("All 20 log events")
    assert (
        not second.correct
        and "The answer is \u201cNo log events, and the execution succeeds\u201d" in second.text
    )
    right = quiz.check(1)
    assert right.correct and right.text.startswith("\u2713 Correct.")
    # feedback replaced, not appended, and written as a stdout output (nbval-safe)
    (output,) = quiz.feedback.outputs
    assert output["name"] == "stdout" and output["text"] == right.text + "\n"


def test_button_click_checks_the_selected_option():
    quiz = Quiz(bank("misconception")[0])
    quiz.button.click()
    assert quiz.feedback.outputs[0]["text"] == "Choose an option first.\n"
    quiz.choice.value = quiz.question.options[quiz.question.answer]
    quiz.button.click()
    assert quiz.feedback.outputs[0]["text"].startswith("\u2713 Correct.")


def test_unknown_answers_and_ids_rejected():
    with pytest.raises(ValueError, match="not one of the options"):
        Quiz("predict-wildcard").check("42")
    with pytest.raises(ValueError, match="no question"):
        question("nope")


def test_widget_repr_is_deterministic():
    assert repr(Quiz("bug-wrong-region")) == repr(Quiz("bug-wrong-region"))
    assert "RadioButtons" in repr(Quiz("bug-wrong-region"))
