"""The shipped knowledge and engine keep their measured quality on every question set.

Floors sit a few points under what was measured (README, "Measured"), so a knowledge or
engine change that makes real questions worse fails CI. Held-out splits (test, real-test,
real-more-test, real3-test, real4-test, real5-test, real6-test, real7-test, real8-test,
real9-test, real10-test, real11-test, real12-test, real13-test, hc-test, long-holdout,
long-more-test) are never used for tuning; only these floors read them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.console.evaluate import evaluate, load_items
from bot.core.service import AnswerService
from bot.knowledge import bundled_knowledge_dir, load_knowledge

HERE = Path(__file__).resolve().parent

# file -> split -> (min share of answerable answered correctly, max share of given answers
# wrong, min share of must-not-answer questions left unanswered). The real-question sets are
# small (20, 19 and 45 answerable), so their floors are loose.
FLOORS = {
    "questions.yaml": {"dev": (0.68, 0.08, 0.95), "test": (0.65, 0.10, 0.95)},
    "long_posts.yaml": {"long-dev": (0.80, 0.06, 0.95), "long-test": (0.82, 0.04, 0.95)},
    "long_posts_holdout.yaml": {"long-holdout": (0.68, 0.13, 0.80)},
    "long_posts_more.yaml": {"long-more-dev": (0.90, 0.03, 0.95),
                             "long-more-test": (0.75, 0.06, 0.88)},
    "real_questions.yaml": {"real-dev": (0.55, 0.35, 0.90), "real-test": (0.40, 0.55, 0.85)},
    "real_questions_more.yaml": {"real-more-dev": (0.35, 0.50, 0.85),
                                 "real-more-test": (0.60, 0.50, 0.82)},
    "real_questions_3.yaml": {"real3-dev": (0.42, 0.25, 0.89), "real3-test": (0.30, 0.45, 0.80)},
    "real_questions_4.yaml": {"real4-dev": (0.55, 0.35, 0.80), "real4-test": (0.50, 0.48, 0.48)},
    "real_questions_5.yaml": {"real5-dev": (0.50, 0.42, 0.62), "real5-test": (0.50, 0.30, 0.80)},
    "real_questions_6.yaml": {"real6-dev": (0.50, 0.30, 0.88), "real6-test": (0.45, 0.30, 0.88)},
    "real_questions_7.yaml": {"real7-dev": (0.20, 0.20, 0.92), "real7-test": (0.18, 0.45, 0.85)},
    "real_questions_8.yaml": {"real8-dev": (0.55, 0.30, 0.80), "real8-test": (0.28, 0.65, 0.68)},
    "real_questions_9.yaml": {"real9-dev": (0.55, 0.30, 0.90), "real9-test": (0.45, 0.55, 0.68)},
    "real_questions_10.yaml": {"real10-dev": (0.42, 0.30, 0.88),
                               "real10-test": (0.55, 0.32, 0.78)},
    "real_questions_11.yaml": {"real11-dev": (0.35, 0.25, 0.92),
                               "real11-test": (0.30, 0.35, 0.90)},
    "real_questions_12.yaml": {"real12-dev": (0.45, 0.30, 0.85),
                               "real12-test": (0.35, 0.55, 0.70)},
    "real_questions_13.yaml": {"real13-dev": (0.55, 0.45, 0.70),
                               "real13-test": (0.45, 0.55, 0.78)},
    "helpcentre_headings.yaml": {"hc-dev": (0.58, 0.42, 0.88), "hc-test": (0.38, 0.50, 0.86)},
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
