"""The quiz's answer key agrees with the simulation: every item with lab settings is run."""

from __future__ import annotations

import pytest

import labkit
from labkit.lab import PolicyLab
from labkit.quiz import BANK

LAB_ITEMS = [q for q in BANK if q.lab]


@pytest.fixture(scope="module")
def lab():
    world = labkit.offline()
    yield PolicyLab(world)
    world.close()


def test_every_predict_and_policy_bug_item_is_checkable():
    kinds = {q.kind for q in LAB_ITEMS}
    assert kinds == {"predict", "bug-hunt"}
    for q in LAB_ITEMS:
        assert (q.expect_delivered is None) != (q.expect_error is None), q.id


@pytest.mark.parametrize("q", LAB_ITEMS, ids=lambda q: q.id)
def test_answer_key_matches_the_lab(lab, q):
    lab.set(resource_policy="auto-created", role="log-delivery", level="ALL", apply="update").run()
    result = lab.set(**q.lab).run()
    if q.expect_error is not None:
        assert result.error is not None and result.error.startswith(q.expect_error + ":")
    else:
        assert result.error is None, result.error
        assert result.delivered == q.expect_delivered, result.verdict
