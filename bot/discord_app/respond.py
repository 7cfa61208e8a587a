"""Replying to interactions: one path from a `Result` to a sent message, for cogs and views.

Commands and component clicks all end here, so every reply gets the same embed and
components for the same outcome, the same recording (gaps, votes, clicks) and the same
one-line INFO log (command, outcome, entry id, latency; never user text or user ids).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any

import discord

from bot.core.result import Outcome, Result
from bot.discord_app import formatting, prerendered, views
from bot.discord_app.records import Asker
from bot.discord_app.tree import STARTED

log = logging.getLogger(__name__)

OUTCOME = "policybot.outcome"
ENTRY = "policybot.entry"

#: Seconds after an interaction's creation by which it must be acknowledged, leaving room
#: for the callback to travel inside Discord's 3-second window.
RECORD_BUDGET = 2.5


def stamp(interaction: discord.Interaction) -> None:
    """Note when handling started, for the latency in the log line."""
    interaction.extras.setdefault(STARTED, time.perf_counter())


def note(interaction: discord.Interaction, outcome: str, entry_id: str | None = None) -> None:
    """What this interaction produced, for the log line."""
    interaction.extras[OUTCOME] = outcome
    if entry_id:
        interaction.extras[ENTRY] = entry_id


def log_interaction(interaction: discord.Interaction, name: str) -> None:
    """The one INFO line per handled interaction."""
    started = interaction.extras.get(STARTED)
    latency = (time.perf_counter() - started) * 1000 if started else float("nan")
    log.info(
        "interaction command=%s outcome=%s entry=%s latency_ms=%.1f",
        name,
        interaction.extras.get(OUTCOME, "-"),
        interaction.extras.get(ENTRY, "-"),
        latency,
    )


def asker_of(interaction: discord.Interaction) -> Asker:
    return Asker(interaction.user.id, interaction.guild_id, interaction.channel_id)


def _client(interaction: discord.Interaction) -> Any:
    return interaction.client


def cards_of(client: Any) -> formatting.AnswerCards:
    """The client's answer-card cache (a throwaway one for a client without it)."""
    cards = getattr(client, "cards", None)
    return cards if isinstance(cards, formatting.AnswerCards) else formatting.AnswerCards()


def components_of(client: Any) -> prerendered.AnswerComponents:
    """The client's answer-components cache (a throwaway one for a client without it)."""
    components = getattr(client, "components", None)
    if isinstance(components, prerendered.AnswerComponents):
        return components
    return prerendered.AnswerComponents()


def result_message(
    result: Result, client: Any, key: int, event_id: int | None
) -> tuple[discord.Embed, discord.ui.View | None]:
    """The embed and components for a result."""
    knowledge = client.service.knowledge
    embed = cards_of(client).result(result, knowledge)
    if result.entry is not None and result.variants:
        return embed, components_of(client).variants(result.entry, result.variants, knowledge)
    if result.entry is not None:
        return embed, components_of(client).answer(result.entry, knowledge, key)
    if result.suggestions:
        return embed, views.suggest_view(list(result.suggestions), event_id)
    return embed, None


async def send_result(
    interaction: discord.Interaction,
    result: Result,
    *,
    ephemeral: bool,
    content: str | None = None,
) -> None:
    """Reply with `result` and record it.

    An answer is sent first and recorded after, so storage never delays it. A suggestion
    or no-answer with storage present is recorded first and acknowledged only after the
    write returns: every gap whose interaction Discord saw acknowledged is then durable,
    even if the process is killed a moment later, and the "did you mean" buttons carry the
    stored event id. Only a write slower than `RECORD_BUDGET` makes the bot defer first,
    to stay inside Discord's 3-second window.

    A public answer to a question already answered in this channel within the duplicate
    window points, ephemerally, to that answer instead of posting the card again.
    """
    client = _client(interaction)
    records = client.records
    guard = getattr(client, "guards", None)
    key = interaction.id
    records.remember(key, result)
    note(interaction, str(result.outcome), result.entry.id if result.entry else None)
    asker = asker_of(interaction)
    if guard is not None and not ephemeral:
        earlier = guard.earlier_answer(asker.channel_id, result)
        if earlier is not None:
            note(interaction, "duplicate", result.entry.id if result.entry else None)
            text = formatting.duplicate_answer(earlier)
            await interaction.response.send_message(text, ephemeral=True)
            return
    if result.outcome != Outcome.ANSWER and records.storage is not None:
        event_id = await _record_first(interaction, records.gap(result, asker), ephemeral)
        embed, view = result_message(result, client, key, event_id)
        kwargs: dict[str, Any] = {"embed": embed, "ephemeral": ephemeral}
        if view is not None:
            kwargs["view"] = view
        if interaction.response.is_done():
            await interaction.followup.send(content or discord.utils.MISSING, **kwargs)
        else:
            await interaction.response.send_message(content=content, **kwargs)
        await records.count(result, asker)
        return
    embed, view = result_message(result, client, key, None)
    kwargs = {"embed": embed, "ephemeral": ephemeral, "content": content}
    if view is not None:
        kwargs["view"] = view
    sent = await interaction.response.send_message(**kwargs)
    if guard is not None and not ephemeral:
        guard.answered(asker.channel_id, result, getattr(sent.resource, "jump_url", None))
    await records.question(result, asker)


async def _record_first(
    interaction: discord.Interaction, recording: Coroutine[Any, Any, int | None], ephemeral: bool
) -> int | None:
    """Await the gap write; defer the interaction only if it would outlast `RECORD_BUDGET`.

    The budget counts from the interaction's creation (its snowflake time), as Discord's
    3-second window does, so time spent queued behind a burst is included.
    """
    task = asyncio.ensure_future(recording)
    age = (discord.utils.utcnow() - interaction.created_at).total_seconds()
    done, _pending = await asyncio.wait({task}, timeout=max(RECORD_BUDGET - age, 0.05))
    if not done:
        await interaction.response.defer(ephemeral=ephemeral, thinking=True)
    return await task


async def send_entry(
    interaction: discord.Interaction, entry_id: str, *, surface: str | None = None
) -> None:
    """Show one entry's answer card to the person who clicked (ephemeral)."""
    client = _client(interaction)
    entry = views.entry_or_raise(client, entry_id)
    knowledge = client.service.knowledge
    note(interaction, "answer", entry.id)
    embed = cards_of(client).answer(entry, knowledge, surface=surface)
    view = components_of(client).answer(entry, knowledge, interaction.id)
    await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


async def show_suggestion(interaction: discord.Interaction, entry_id: str, event_id: int) -> None:
    await send_entry(interaction, entry_id)
    await _client(interaction).records.suggestion_clicked(event_id, entry_id)


async def show_variant(interaction: discord.Interaction, entry_id: str, choice: str) -> None:
    """The variant of `entry_id` picked in the select (its entry id; or a surface id)."""
    client = _client(interaction)
    parent = views.entry_or_raise(client, entry_id)
    chosen = parent
    for variant_id in parent.variants:
        variant = client.service.entry(variant_id)
        if variant is not None and choice in (variant.id, *variant.surfaces):
            chosen = variant
            break
    surface = choice if choice in client.service.knowledge.surfaces else None
    await send_entry(interaction, chosen.id, surface=surface)


async def feedback(interaction: discord.Interaction, entry_id: str, vote: str, key: int) -> None:
    """Count a vote once per person per answer message, and thank them (ephemeral)."""
    client = _client(interaction)
    views.entry_or_raise(client, entry_id)
    message_id = interaction.message.id if interaction.message else interaction.id
    recalled = client.records.recall(key)
    counted = await client.records.vote(
        str(message_id),
        entry_id,
        asker_of(interaction),
        vote,
        question=recalled.question if recalled else None,
    )
    note(interaction, f"vote-{vote}" if counted else "vote-repeat", entry_id)
    text = formatting.FEEDBACK_THANKS[vote] if counted else formatting.FEEDBACK_ALREADY
    if counted and vote == "down":
        reasons = views.feedback_reason_view(str(message_id))
        await interaction.response.send_message(text, ephemeral=True, view=reasons)
        return
    await interaction.response.send_message(text, ephemeral=True)


async def explain(interaction: discord.Interaction, entry_id: str, key: int) -> None:
    client = _client(interaction)
    entry = views.entry_or_raise(client, entry_id)
    result = client.records.recall(key)
    explanation = result.explanation if result is not None else None
    note(interaction, "explain", entry_id)
    embed = formatting.explanation_embed(entry, explanation, result.score if result else 0.0)
    await interaction.response.send_message(embed=embed, ephemeral=True)


async def sources_page(interaction: discord.Interaction, page: int) -> None:
    client = _client(interaction)
    shown = formatting.sources_page(client.service.knowledge, page)
    note(interaction, "sources")
    view = views.sources_view(shown.number, shown.total)
    await interaction.response.edit_message(embed=shown.embed, view=view)


async def reply_to_message(
    client: Any, message: discord.Message, result: Result
) -> discord.Message:
    """Answer a mention with a reply (no pings: the client allows no mentions at all)."""
    key = message.id
    client.records.remember(key, result)
    asker = Asker(
        message.author.id, message.guild.id if message.guild else None, message.channel.id
    )
    event_id = None
    if result.outcome != Outcome.ANSWER:
        event_id = await client.records.question(result, asker)
    embed, view = result_message(result, client, key, event_id)
    kwargs: dict[str, Any] = {"embed": embed, "mention_author": False}
    if view is not None:
        kwargs["view"] = view
    sent = await message.reply(**kwargs)
    if result.outcome == Outcome.ANSWER:
        await client.records.question(result, asker)
    return sent
