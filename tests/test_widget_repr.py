"""labkit's widgets read as a sentence, not ``VBox(children=...``, where no kernel runs them."""

from __future__ import annotations

import labkit
from labkit.lab import PolicyLab
from labkit.quiz import BANK, Quiz

VIEW = "application/vnd.jupyter.widget-view+json"


def test_quiz_falls_back_to_its_question_without_the_answer():
    quiz = Quiz(BANK[0])
    bundle = quiz._repr_mimebundle_()
    assert VIEW in bundle  # the live widget is still there for JupyterLab
    assert bundle["text/plain"].startswith(f"Quiz {BANK[0].id}: ")
    assert "children" not in bundle["text/plain"]
    assert BANK[0].options[1] in bundle["text/html"] and "learner edition" in bundle["text/html"]
    assert BANK[0].explanation not in bundle["text/html"]  # no answer on a static page


def test_policy_lab_panel_falls_back_to_what_it_does():
    with labkit.offline() as world:
        bundle = PolicyLab(world)._repr_mimebundle_()
    assert VIEW in bundle
    assert bundle["text/plain"].startswith("PolicyLab panel: ")
    assert "VBox" not in bundle["text/plain"] and "VBox" not in bundle["text/html"]
