"""The shipped knowledge and engine keep their measured quality on every question set.

Floors sit a few points under what was measured (README, "Measured"), so a knowledge or
engine change that makes real questions worse fails CI. Held-out splits (test, real-test,
real-more-test, long-holdout, long-more-test) are never used for tuning; only these floors
read them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.evaluate import evaluate, load_items
from bot.core.service import AnswerService
from bot.knowledge import bundled_knowledge_dir, load_knowledge

HERE = Path(__file__).resolve().parent

# file -> split -> (min share of answerable answered correctly, max share of given answers
# wrong, min share of must-not-answer questions left unanswered). The real-question set is
# small (20 and 19 answerable), so their floors are loose.
FLOORS = {
    "questions.yaml": {"dev": (0.66, 0.10, 0.92), "test": (0.63, 0.12, 0.92)},
    "long_posts.yaml": {"long-dev": (0.75, 0.08, 0.92), "long-test": (0.72, 0.08, 0.85)},
    "long_posts_holdout.yaml": {"long-holdout": (0.58, 0.18, 0.85)},
    "long_posts_more.yaml": {"long-more-dev": (0.85, 0.05, 0.92),
                             "long-more-test": (0.72, 0.08, 0.85)},
    "real_questions.yaml": {"real-dev": (0.45, 0.30, 0.90), "real-test": (0.30, 0.60, 0.80)},
    "real_questions_more.yaml": {"real-more-dev": (0.30, 0.60, 0.80),
                                 "real-more-test": (0.50, 0.60, 0.80)},
}


@pytest.fixture(scope="module")
def service() -> AnswerService:
    return AnswerService(load_knowledge(bundled_knowledge_dir()))


@pytest.fixture(scope="module")
def reports(service: AnswerService) -> dict[str, dict]:
    return {name: evaluate(service, load_items(HERE / name)) for name in FLOORS}


def test_question_set_shape(reports: dict[str, dict]) -> None:
    main = reports["questions.yaml"]
    assert main["questions"] >= 250
    assert main["overall"]["unanswerable"] >= 80
    assert set(main["splits"]) == {"dev", "test"}
    for name, report in reports.items():
        assert report["unknown_expected_ids"] == {}, name
        assert set(report["splits"]) == set(FLOORS[name]), name


@pytest.mark.parametrize(("name", "split"),
                         [(name, split) for name, splits in FLOORS.items() for split in splits])
def test_split_stays_above_its_floor(reports: dict[str, dict], name: str, split: str) -> None:
    figures = reports[name]["splits"][split]
    accuracy, wrong_rate, abstain = FLOORS[name][split]
    assert figures["accuracy"] >= accuracy, figures
    assert figures["wrong_rate"] <= wrong_rate, figures
    assert figures["abstain_rate"] >= abstain, figures
