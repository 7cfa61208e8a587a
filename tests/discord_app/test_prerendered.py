"""Prerendered answer components equal what the real builders render; never shared or stale."""

from __future__ import annotations

import dataclasses

import discord
import pytest

from bot.discord_app import views
from bot.discord_app.prerendered import AnswerComponents, PrerenderedView
from bot.knowledge.model import Knowledge

KEYS = (1, 9, 10, 1234567890123456789, 18446744073709551615)


@pytest.fixture
async def components() -> AnswerComponents:
    """Async so that views are built inside a running loop, as in the bot."""
    return AnswerComponents()


async def test_every_answer_row_equals_the_built_one(
    shipped_knowledge: Knowledge, components: AnswerComponents
) -> None:
    assert components.warm(shipped_knowledge) == len(shipped_knowledge.entries)
    for entry in shipped_knowledge.entries.values():
        for key in KEYS:
            built = views.answer_view(entry, shipped_knowledge, key).to_components()
            view = components.answer(entry, shipped_knowledge, key)
            assert view.to_components() == built, (entry.id, key)


async def test_every_side_by_side_select_equals_the_built_one(
    shipped_knowledge: Knowledge, components: AnswerComponents
) -> None:
    families = [e for e in shipped_knowledge.entries.values() if e.variants]
    assert families
    for entry in families:
        variants = [shipped_knowledge.entries[v] for v in entry.variants]
        built = views.variants_view(entry, variants, shipped_knowledge).to_components()
        for _ in range(2):  # rendered on the first call, reused on the second
            view = components.variants(entry, variants, shipped_knowledge)
            assert view.to_components() == built, entry.id


async def test_a_prerendered_view_leaves_nothing_for_discord_to_store(
    shipped_knowledge: Knowledge, components: AnswerComponents
) -> None:
    """Clicks go to the registered dynamic items by custom_id, as for the built view."""
    entry = next(iter(shipped_knowledge.entries.values()))
    view = components.answer(entry, shipped_knowledge, 42)
    assert isinstance(view, PrerenderedView)
    assert view.timeout is None
    assert not view.is_dispatchable()
    assert not view.has_components_v2()
    ids = [c.get("custom_id") for row in view.to_components() for c in row["components"]]
    for custom_id in filter(None, ids):
        assert any(
            item.__discord_ui_compiled_template__.fullmatch(custom_id)
            for item in views.DYNAMIC_ITEMS
        ), custom_id


async def test_a_returned_row_shares_nothing_with_the_cache(
    shipped_knowledge: Knowledge, components: AnswerComponents
) -> None:
    entry = next(iter(shipped_knowledge.entries.values()))
    first = components.answer(entry, shipped_knowledge, 7).to_components()
    first[0]["components"][0]["custom_id"] = "changed"
    first[0]["components"][0]["emoji"]["name"] = "changed"
    again = components.answer(entry, shipped_knowledge, 7).to_components()
    assert again == views.answer_view(entry, shipped_knowledge, 7).to_components()


async def test_a_reload_empties_the_cache(
    shipped_knowledge: Knowledge, components: AnswerComponents
) -> None:
    entry = next(e for e in shipped_knowledge.entries.values() if e.source)
    components.answer(entry, shipped_knowledge, 1)
    source = shipped_knowledge.sources[entry.source]
    renamed = dataclasses.replace(source, title="A renamed document")
    reloaded = dataclasses.replace(
        shipped_knowledge, sources={**shipped_knowledge.sources, entry.source: renamed}
    )
    rendered = components.answer(entry, reloaded, 1).to_components()
    assert len(components) == 1
    assert rendered == views.answer_view(entry, reloaded, 1).to_components()
    assert "A renamed document" in rendered[0]["components"][-1]["label"]


async def test_an_entry_from_replaced_knowledge_is_built_fresh(
    shipped_knowledge: Knowledge, components: AnswerComponents
) -> None:
    entry = next(iter(shipped_knowledge.entries.values()))
    old = dataclasses.replace(entry, id="an-entry-gone-after-reload")
    view = components.answer(old, shipped_knowledge, 3)
    assert not isinstance(view, PrerenderedView)
    assert isinstance(view, discord.ui.View)
    assert len(components) == 0
