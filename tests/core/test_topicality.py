"""Topicality: words everyday English is full of weigh less than words that name a topic."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.core.matcher import MatchSettings, _question_weights
from bot.core.result import Outcome
from bot.core.service import AnswerService
from bot.core.topicality import english_zipf, known_factor, log_ratios, ramp, unknown_factor
from bot.knowledge import bundled_knowledge_dir, load_knowledge

MIN = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge_min"
OFF = replace(MatchSettings(), topical_floor=1.0, unknown_everyday=0.0, unknown_rare=0.0)


def test_english_table_is_keyed_by_stem_and_ranks_everyday_words_high() -> None:
    table = english_zipf()
    assert len(table) > 30_000
    assert table["the"] > 7 > table["after"] > 5 > table["incognito"]
    # "chats" and "chat" share the stem "chat"; the stem takes the more frequent word.
    assert "chats" not in table and table["chat"] >= 4
    assert all(not key.startswith("#") for key in table)


def test_log_ratio_sets_domain_words_far_above_everyday_ones() -> None:
    phrasings = [["incognito", "chat", "keep"], ["incognito", "after", "delete"],
                 ["telemetry", "opt", "out"], ["xqzzyproduct", "keep"]]
    ratios = log_ratios(phrasings)
    assert ratios["incognito"] > ratios["delete"] > ratios["after"]
    assert "xqzzyproduct" not in ratios  # not English: keeps its full weight


def test_ramp_and_factors_hold_their_bounds() -> None:
    assert ramp(-5, 0, 2, 0.6) == 0.6 and ramp(5, 0, 2, 0.6) == 1.0
    assert ramp(1, 0, 2, 0.0) == pytest.approx(0.5)
    assert known_factor(None, 0, 2, 0.6) == 1.0
    assert known_factor(-3.0, 0, 2, 1.0) == 1.0  # floor 1.0 turns topicality off
    assert unknown_factor("the", everyday=5.5, rare=3.0) == 0.0
    assert unknown_factor("zzqxjv", everyday=5.5, rare=3.0) == 1.0  # not English: full
    assert 0.0 < unknown_factor("truth", everyday=5.5, rare=3.0) < 1.0
    assert unknown_factor("truth", everyday=0.0, rare=0.0) == 1.0  # off


@pytest.fixture(scope="module")
def shipped() -> AnswerService:
    return AnswerService(load_knowledge(bundled_knowledge_dir()))


@pytest.mark.parametrize(("question", "entry_id"), [
    ("how long is incognito kept, the real story", "ai-incognito-retention"),
    ("does anthropic train on my data? here is the truth", "compare-training-default"),
])
def test_everyday_padding_costs_less_than_with_topicality_off(
        shipped: AnswerService, question: str, entry_id: str) -> None:
    """A headline's everyday words ("real", "story", "truth") no longer sink the score."""
    padded = shipped.ask(question)
    padded_off = AnswerService(shipped.knowledge, OFF).ask(question)
    assert padded.entry is not None and padded.entry.id == entry_id
    assert padded.score > padded_off.score + 8


def test_topical_unknown_words_still_pull_the_score_down(shipped: AnswerService) -> None:
    """A rare word the knowledge lacks is evidence of another topic and keeps its weight."""
    plain = shipped.ask("is incognito private")
    rare = shipped.ask("is incognito private zorblaxian quuxwidget")
    assert plain.outcome is Outcome.ANSWER and rare.outcome is not Outcome.ANSWER
    assert rare.score < plain.score - 15


def test_topicality_off_restores_plain_idf_weights() -> None:
    service = AnswerService(load_knowledge(MIN), OFF)
    index = service.snapshot.index
    weights, damped = _question_weights(index, ("after", "training", "zzqxjv"), OFF)
    assert damped == {}
    for token, weight in weights.items():
        expected = index.idf.get(token, index.unknown_idf * OFF.unknown_weight)
        assert weight == pytest.approx(expected)
