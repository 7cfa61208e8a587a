"""The shipped knowledge and engine keep their measured quality on the held-out test split.

Floors sit a few points under what was measured (README, "Measured"), so a knowledge or
engine change that makes real questions worse fails CI. The test split is never used for
tuning; only these floors read it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.evaluate import evaluate, load_items
from bot.core.service import AnswerService
from bot.knowledge import bundled_knowledge_dir, load_knowledge

QUESTIONS = Path(__file__).resolve().parent / "questions.yaml"

# split: (min share of answerable answered correctly, max share of given answers wrong,
#         min share of must-not-answer questions left unanswered)
FLOORS = {"dev": (0.64, 0.14, 0.87), "test": (0.62, 0.20, 0.89)}


@pytest.fixture(scope="module")
def report() -> dict:
    service = AnswerService(load_knowledge(bundled_knowledge_dir()))
    return evaluate(service, load_items(QUESTIONS))


def test_question_set_shape(report: dict) -> None:
    overall = report["overall"]
    assert report["questions"] >= 250
    assert overall["unanswerable"] >= 80
    assert report["unknown_expected_ids"] == {}
    assert set(report["splits"]) == {"dev", "test"}


@pytest.mark.parametrize("split", ["dev", "test"])
def test_split_stays_above_its_floor(report: dict, split: str) -> None:
    figures = report["splits"][split]
    accuracy, wrong_rate, abstain = FLOORS[split]
    assert figures["accuracy"] >= accuracy, figures
    assert figures["wrong_rate"] <= wrong_rate, figures
    assert figures["abstain_rate"] >= abstain, figures
