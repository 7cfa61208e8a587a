"""The answer-card cache gives exactly the cards built fresh, and never a shared or stale one."""

from __future__ import annotations

import dataclasses

import discord
import pytest

from bot.core.result import Candidate, Outcome, Result
from bot.core.service import AnswerService
from bot.discord_app import formatting, views
from bot.discord_app.formatting import AnswerCards
from bot.knowledge.model import Knowledge


def test_every_cached_answer_card_equals_the_fresh_one(shipped_knowledge: Knowledge) -> None:
    cards = AnswerCards()
    assert cards.warm(shipped_knowledge) > len(shipped_knowledge.entries)
    for entry in shipped_knowledge.entries.values():
        for surface in (None, "not-a-surface", *shipped_knowledge.surfaces):
            fresh = formatting.answer_embed(entry, shipped_knowledge, surface=surface)
            for _ in range(2):  # built on the first call or by warm(), reused on the second
                cached = cards.answer(entry, shipped_knowledge, surface=surface)
                assert cached.to_dict() == fresh.to_dict(), (entry.id, surface)


def test_every_cached_side_by_side_card_equals_the_fresh_one(
    shipped_knowledge: Knowledge,
) -> None:
    cards = AnswerCards()
    families = [e for e in shipped_knowledge.entries.values() if e.variants]
    assert families, "the shipped knowledge has answers that vary by surface"
    for entry in families:
        variants = [shipped_knowledge.entries[v] for v in entry.variants]
        fresh = formatting.variants_embed(entry, variants, shipped_knowledge)
        for _ in range(2):
            cached = cards.variants(entry, variants, shipped_knowledge)
            assert cached.to_dict() == fresh.to_dict(), entry.id


def test_results_through_the_cache_match_result_embed(shipped_knowledge: Knowledge) -> None:
    service = AnswerService(shipped_knowledge)
    cards = AnswerCards()
    asked = [q for e in list(shipped_knowledge.entries.values())[:40] for q in e.questions[:2]]
    asked += ["what is the capital of mongolia", "data", "incognito", "@everyone **bold**"]
    outcomes = set()
    for question in asked:
        result = service.ask(question)
        outcomes.add(result.outcome)
        expected = formatting.result_embed(result, shipped_knowledge).to_dict()
        assert cards.result(result, shipped_knowledge).to_dict() == expected, question
    assert outcomes == {Outcome.ANSWER, Outcome.SUGGEST, Outcome.NONE}


def test_question_specific_cards_are_never_cached(shipped_knowledge: Knowledge) -> None:
    cards = AnswerCards()
    entry = next(iter(shipped_knowledge.entries.values()))
    none = Result("first question", Outcome.NONE)
    suggest = Result("second question", Outcome.SUGGEST, suggestions=(Candidate(entry, 50.0),))
    for result in (none, suggest):
        assert result.question in cards.result(result, shipped_knowledge).description
    assert len(cards) == 0
    other = dataclasses.replace(none, question="another question")
    assert "another question" in cards.result(other, shipped_knowledge).description


def test_a_returned_card_shares_nothing_with_the_cache(shipped_knowledge: Knowledge) -> None:
    cards = AnswerCards()
    entry = next(iter(shipped_knowledge.entries.values()))
    first = cards.answer(entry, shipped_knowledge)
    first.add_field(name="extra", value="only on this message")
    first.set_footer(text="changed")
    first.description = "changed"
    first._fields[0]["value"] = "changed"  # even a nested dict
    again = cards.answer(entry, shipped_knowledge)
    assert again.to_dict() == formatting.answer_embed(entry, shipped_knowledge).to_dict()


def test_a_reload_empties_the_cache(shipped_knowledge: Knowledge) -> None:
    cards = AnswerCards()
    entry = next(iter(shipped_knowledge.entries.values()))
    cards.answer(entry, shipped_knowledge)
    source = shipped_knowledge.sources[entry.source]
    renamed = dataclasses.replace(source, title="A renamed document")
    reloaded = dataclasses.replace(
        shipped_knowledge, sources={**shipped_knowledge.sources, entry.source: renamed}
    )
    card = cards.answer(entry, reloaded)
    assert len(cards) == 1
    assert card.fields[0].name == "From the A renamed document"
    assert card.to_dict() == formatting.answer_embed(entry, reloaded).to_dict()


def test_an_entry_from_replaced_knowledge_is_built_fresh(shipped_knowledge: Knowledge) -> None:
    """A question answered from the old knowledge while a reload lands is not cached."""
    cards = AnswerCards()
    entry = next(iter(shipped_knowledge.entries.values()))
    old = dataclasses.replace(entry, answer="The answer before the reload.")
    card = cards.answer(old, shipped_knowledge)
    assert card.description == "The answer before the reload."
    assert len(cards) == 0
    assert cards.answer(entry, shipped_knowledge).description == entry.answer


@pytest.mark.parametrize("vote", ["up", "down"])
def test_vote_buttons_render_as_before(vote: str) -> None:
    emoji = "👍" if vote == "up" else "👎"
    plain = discord.ui.Button(
        emoji=emoji, style=discord.ButtonStyle.secondary, custom_id=f"pb:fb:{vote}:e:1"
    )
    button = views.FeedbackButton(vote, "e", 1)
    assert button.item.to_component_dict() == plain.to_component_dict()
