"""Unit tests of the formatting module: Discord's limits and escaping, as pure functions."""

from __future__ import annotations

import dataclasses

import discord
import pytest

from bot.core.result import Candidate, Explanation, Outcome, Result
from bot.discord_app import formatting as fmt
from bot.knowledge.model import Knowledge

HUGE = "x" * 10_000
NASTY = "@everyone **bold** __u__ `code` <@123> <@&456> > quote ||spoiler|| " * 200


def embed_within_limits(embed: discord.Embed) -> None:
    data = embed.to_dict()
    assert len(data.get("title") or "") <= fmt.TITLE_MAX
    assert len(data.get("description") or "") <= fmt.DESCRIPTION_MAX
    assert len(data.get("fields") or []) <= fmt.FIELDS_MAX
    for field in data.get("fields") or []:
        assert 0 < len(field["name"]) <= fmt.FIELD_NAME_MAX
        assert 0 < len(field["value"]) <= fmt.FIELD_VALUE_MAX
    assert len((data.get("footer") or {}).get("text", "")) <= fmt.FOOTER_MAX
    assert len(embed) <= fmt.EMBED_TOTAL_MAX


@pytest.mark.parametrize("limit", [1, 2, 10, 100, 1024])
def test_clip_respects_limit_and_marks_the_cut(limit: int) -> None:
    out = fmt.clip(HUGE, limit)
    assert len(out) <= limit
    assert out.endswith(fmt.ELLIPSIS)
    assert fmt.clip("short", limit + 10) == "short"


def test_clip_never_leaves_half_an_escape() -> None:
    text = "a" * 8 + "\\*" * 10
    for limit in range(5, 20):
        out = fmt.clip(text, limit)
        body = out.removesuffix(fmt.ELLIPSIS)
        assert (len(body) - len(body.rstrip("\\"))) % 2 == 0


def test_escape_user_defuses_mentions_and_markdown() -> None:
    out = fmt.escape_user("@everyone **hi** <@123456789012345678> @here")
    assert "@everyone" not in out and "@here" not in out
    assert "**" not in out.replace("\\*", "")
    assert "<@123456789012345678>" not in out


def test_escape_user_caps_huge_input() -> None:
    assert len(fmt.escape_user(NASTY)) <= fmt.ECHO_MAX * 2
    assert len(fmt.escape_user(HUGE, 50)) <= 100


def test_quote_block_marks_every_line_and_fits() -> None:
    out = fmt.quote_block("one\ntwo")
    assert out == "> one\n> two"
    assert len(fmt.quote_block(HUGE)) <= fmt.FIELD_VALUE_MAX


def test_fit_embed_enforces_every_limit() -> None:
    embed = discord.Embed(title=HUGE, description=HUGE)
    for i in range(40):
        embed.add_field(name=HUGE + str(i), value=HUGE)
    embed.set_footer(text=HUGE)
    embed_within_limits(fmt.fit_embed(embed))


def test_none_and_suggest_embeds_escape_and_fit(shipped_knowledge: Knowledge) -> None:
    none = fmt.none_embed(NASTY + HUGE)
    embed_within_limits(none)
    assert "@everyone" not in none.description
    entry = next(iter(shipped_knowledge.entries.values()))
    suggest = fmt.suggest_embed(NASTY, [Candidate(entry, 50.0, "x")] * 3)
    embed_within_limits(suggest)
    assert "@everyone" not in suggest.description


def test_answer_embed_has_quote_link_and_verified_date(shipped_knowledge: Knowledge) -> None:
    for entry in shipped_knowledge.entries.values():
        embed = fmt.answer_embed(entry, shipped_knowledge)
        embed_within_limits(embed)
        source = shipped_knowledge.sources[entry.source]
        text = str(embed.to_dict())
        quote = next(f for f in embed.fields if f.value.startswith("> "))
        assert all(line.startswith("> ") for line in quote.value.splitlines())
        assert f"]({source.url})" in text and source.url.startswith("https://")
        assert f"verified {source.verified}" in embed.footer.text


def test_long_knowledge_text_is_clipped_not_rejected(shipped_knowledge: Knowledge) -> None:
    entry = next(iter(shipped_knowledge.entries.values()))
    long_entry = dataclasses.replace(entry, title=HUGE, answer=HUGE, quote=HUGE)
    embed_within_limits(fmt.answer_embed(long_entry, shipped_knowledge))
    embed_within_limits(fmt.variants_embed(long_entry, [long_entry] * 30, shipped_knowledge))


def test_every_card_fits(shipped_knowledge: Knowledge) -> None:
    for surface in shipped_knowledge.surfaces.values():
        card = fmt.overview_embed(surface, shipped_knowledge)
        embed_within_limits(card)
        assert len(card.fields) == 7
    embed_within_limits(fmt.comparison_embed(shipped_knowledge))
    page = fmt.sources_page(shipped_knowledge, 0)
    embed_within_limits(page.embed)
    assert page.total >= 1


def test_sources_paginate_when_long(shipped_knowledge: Knowledge) -> None:
    one = next(iter(shipped_knowledge.sources.values()))
    many = {f"s{i}": dataclasses.replace(one, id=f"s{i}", title=f"Doc {i:03}") for i in range(50)}
    big = dataclasses.replace(shipped_knowledge, sources=Knowledge.freeze(many))
    first = fmt.sources_page(big, 0)
    assert first.total == -(-50 // fmt.SOURCES_PER_PAGE)
    last = fmt.sources_page(big, 999)
    assert last.number == first.total - 1
    for n in range(first.total):
        embed_within_limits(fmt.sources_page(big, n).embed)


def test_explanation_embed_fits_with_and_without_details(shipped_knowledge: Knowledge) -> None:
    entry = next(iter(shipped_knowledge.entries.values()))
    expl = Explanation(
        normalised=HUGE,
        folds=(NASTY,) * 5,
        surface_source="text",
        top=(Candidate(entry, 91.0, NASTY),) * 5,
        margin=12.3,
        reason=HUGE,
    )
    embed_within_limits(fmt.explanation_embed(entry, expl, 91.0))
    embed_within_limits(fmt.explanation_embed(entry, None))


def test_component_text_limits(shipped_knowledge: Knowledge) -> None:
    assert len(fmt.choice_name(HUGE)) <= fmt.CHOICE_NAME_MAX
    assert len(fmt.choice_value(HUGE)) <= fmt.CHOICE_VALUE_MAX
    assert len(fmt.button_label(HUGE)) <= fmt.BUTTON_LABEL_MAX
    assert len(fmt.option_label(HUGE)) <= fmt.OPTION_LABEL_MAX
    assert len(fmt.surface_choices(shipped_knowledge)) <= fmt.CHOICES_MAX


def test_result_embed_picks_by_outcome(shipped_knowledge: Knowledge) -> None:
    none = Result(question="q", outcome=Outcome.NONE)
    assert fmt.result_embed(none, shipped_knowledge).title == "No sourced answer yet"
    # "yes" is no gap: the reply must not claim it was noted for the curators.
    unasked = fmt.result_embed(Result("yes", Outcome.NONE, unasked=True), shipped_knowledge)
    assert unasked.title == "Nothing to look up" and "curator" not in unasked.description


def test_explanation_says_in_words_how_the_surface_was_known(
        shipped_knowledge: Knowledge) -> None:
    entry = shipped_knowledge.entries["ai-incognito-retention"]
    expl = Explanation(normalised="incognito keep", folds=(), surface_source="feature",
                       top=(Candidate(entry, 80.0, "x"),), margin=20.0, reason="r")
    fields = {f.name: f.value for f in fmt.explanation_embed(entry, expl, 80.0).fields}
    assert fields["Surface from"] == "a feature only that surface has"
