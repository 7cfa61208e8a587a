"""Buttons and selects under answers, built as persistent `DynamicItem`s.

Each component's `custom_id` carries what it needs (the entry id, and a key for the
question it answered), and the item classes are registered once with
`Bot.add_dynamic_items`, so buttons keep working after a restart without the bot holding a
`View` per message. Text on components comes from `formatting`; the replies a click
produces go through `respond`, like the replies to commands.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import discord

from bot.discord_app import formatting, respond
from bot.discord_app.tree import report_error
from bot.errors import PolicybotError
from bot.knowledge.model import Entry, Knowledge
from bot.storage.base import FeedbackReason

if TYPE_CHECKING:
    from bot.core.result import Candidate

log = logging.getLogger(__name__)

ENTRY = r"[a-z0-9][a-z0-9-]{0,63}"


class UnknownEntry(PolicybotError):
    """A component names an entry the current knowledge no longer has."""

    user_message = formatting.UNKNOWN_ENTRY


def entry_or_raise(client: Any, entry_id: str) -> Entry:
    entry = client.service.entry(entry_id)
    if entry is None:
        raise UnknownEntry(f"no entry {entry_id}")
    return entry


#: Parsed once: `Button` would parse an emoji string again for every answer sent.
_VOTE_EMOJI = {"up": discord.PartialEmoji(name="👍"), "down": discord.PartialEmoji(name="👎")}


class _Guarded:
    """Mixin: routes every component callback through the same error handling and log line."""

    name = "component"

    async def callback(self, interaction: discord.Interaction) -> None:
        respond.stamp(interaction)
        try:
            await self.run(interaction)
        except Exception as exc:
            await report_error(interaction, exc, f"button {self.name}")
            interaction.extras.setdefault(respond.OUTCOME, "error")
        respond.log_interaction(interaction, self.name)

    async def run(self, interaction: discord.Interaction) -> None:
        raise NotImplementedError


class FeedbackButton(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"pb:fb:(?P<vote>up|down):(?P<entry>{ENTRY}):(?P<key>\d{{1,20}})",
):
    """👍 or 👎 on an answer; counted once per person per answer message."""

    name = "feedback"

    def __init__(self, vote: str, entry_id: str, key: int) -> None:
        self.vote, self.entry_id, self.key = vote, entry_id, key
        super().__init__(
            discord.ui.Button(
                emoji=_VOTE_EMOJI[vote],
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:fb:{vote}:{entry_id}:{key}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> FeedbackButton:
        return cls(match["vote"], match["entry"], int(match["key"]))

    async def run(self, interaction: discord.Interaction) -> None:
        await respond.feedback(interaction, self.entry_id, self.vote, self.key)


class WhyButton(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"pb:why:(?P<entry>{ENTRY}):(?P<key>\d{{1,20}})",
):
    """ "Why this answer?": the match explanation, shown only to the person who clicks."""

    name = "why"

    def __init__(self, entry_id: str, key: int) -> None:
        self.entry_id, self.key = entry_id, key
        super().__init__(
            discord.ui.Button(
                label="Why this answer?",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:why:{entry_id}:{key}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> WhyButton:
        return cls(match["entry"], int(match["key"]))

    async def run(self, interaction: discord.Interaction) -> None:
        await respond.explain(interaction, self.entry_id, self.key)


class ShowEntryButton(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=rf"pb:show:(?P<entry>{ENTRY}):(?P<event>\d{{1,20}})",
):
    """A "Did you mean…" candidate: a click shows that answer."""

    name = "did-you-mean"

    def __init__(self, entry_id: str, event_id: int, label: str = "") -> None:
        self.entry_id, self.event_id = entry_id, event_id
        super().__init__(
            discord.ui.Button(
                label=label or None,
                style=discord.ButtonStyle.primary,
                custom_id=f"pb:show:{entry_id}:{event_id}",
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ShowEntryButton:
        return cls(match["entry"], int(match["event"]), item.label or "")

    async def run(self, interaction: discord.Interaction) -> None:
        await respond.show_suggestion(interaction, self.entry_id, self.event_id)


class SurfaceSelect(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Select],
    template=rf"pb:surf:(?P<entry>{ENTRY})",
):
    """Which product are you using? Picks the per-surface variant of an answer."""

    name = "surface-select"

    def __init__(self, entry_id: str, options: list[discord.SelectOption] | None = None) -> None:
        self.entry_id = entry_id
        super().__init__(
            discord.ui.Select(
                placeholder="Which product or account are you using?",
                custom_id=f"pb:surf:{entry_id}",
                options=options or [discord.SelectOption(label="?", value="?")],
                min_values=1,
                max_values=1,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> SurfaceSelect:
        return cls(match["entry"], list(item.options))

    async def run(self, interaction: discord.Interaction) -> None:
        values = (interaction.data or {}).get("values") or []
        await respond.show_variant(interaction, self.entry_id, str(values[0]) if values else "")


class SourcesPageButton(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"pb:src:(?P<page>\d{1,4}):(?P<dir>prev|next)",
):
    """Previous/next page of /sources; edits the listing in place."""

    name = "sources-page"

    def __init__(self, page: int, direction: str, disabled: bool = False) -> None:
        self.page = page
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "prev" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:src:{page}:{direction}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> SourcesPageButton:
        return cls(int(match["page"]), match["dir"])

    async def run(self, interaction: discord.Interaction) -> None:
        await respond.sources_page(interaction, self.page)


class FeedbackReasonSelect(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Select],
    template=r"pb:fbr:(?P<key>\d{1,20})",
):
    """The optional reason offered (ephemerally) after a 👎; one reason per person per answer.

    `key` is the answered message's id, the same key the vote was stored under.
    """

    name = "feedback-reason"

    def __init__(self, answer_key: str) -> None:
        self.answer_key = answer_key
        super().__init__(
            discord.ui.Select(
                placeholder=formatting.FEEDBACK_REASON_PROMPT,
                custom_id=f"pb:fbr:{answer_key}",
                options=[
                    discord.SelectOption(label=label, value=value)
                    for label, value in formatting.feedback_reason_options()
                ],
                min_values=1,
                max_values=1,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Select, match: re.Match[str], /
    ) -> FeedbackReasonSelect:
        return cls(match["key"])

    async def run(self, interaction: discord.Interaction) -> None:
        values = (interaction.data or {}).get("values") or []
        chosen = str(values[0]) if values else ""
        if chosen not in {value for _label, value in formatting.feedback_reason_options()}:
            chosen = str(FeedbackReason.OTHER)
        client: Any = interaction.client
        asker = respond.asker_of(interaction)
        stored = await client.records.feedback_reason(self.answer_key, asker, chosen)
        respond.note(interaction, f"reason-{chosen}" if stored else "reason-repeat")
        if stored:
            text = formatting.feedback_reason_noted(chosen)
        else:
            text = formatting.FEEDBACK_REASON_ALREADY
        await interaction.response.edit_message(content=text, view=None)


def feedback_reason_view(answer_key: str) -> discord.ui.View:
    """The reason select sent with the thanks for a 👎."""
    view = _view()
    view.add_item(FeedbackReasonSelect(answer_key))
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    FeedbackButton,
    FeedbackReasonSelect,
    WhyButton,
    ShowEntryButton,
    SurfaceSelect,
    SourcesPageButton,
)


# ----------------------------------------------------------------------------- builders
def _view() -> discord.ui.View:
    return discord.ui.View(timeout=None)


def _link(entry: Entry, knowledge: Knowledge) -> discord.ui.Button | None:
    source = knowledge.sources.get(entry.source)
    if source is None:
        return None
    return discord.ui.Button(
        label=formatting.button_label(f"Open the {source.title}"),
        style=discord.ButtonStyle.link,
        url=source.url,
    )


def answer_view(entry: Entry, knowledge: Knowledge, key: int) -> discord.ui.View:
    """👍 👎, "Why this answer?" and a link to the source, on one row (4 of 5 slots)."""
    view = _view()
    view.add_item(FeedbackButton("up", entry.id, key))
    view.add_item(FeedbackButton("down", entry.id, key))
    view.add_item(WhyButton(entry.id, key))
    link = _link(entry, knowledge)
    if link is not None:
        view.add_item(link)
    return view


def suggest_view(suggestions: list[Candidate], event_id: int | None) -> discord.ui.View:
    """Up to three "Did you mean…" buttons, numbered like the list in the embed."""
    view = _view()
    for i, candidate in enumerate(suggestions[:3], 1):
        label = formatting.suggestion_label(i, candidate.entry)
        view.add_item(ShowEntryButton(candidate.entry.id, event_id or 0, label))
    return view


def variants_view(entry: Entry, variants: list[Entry], knowledge: Knowledge) -> discord.ui.View:
    """A surface select (one option per surface a variant covers) and the source link."""
    view = _view()
    options = [
        discord.SelectOption(label=label, value=value, description=description)
        for label, value, description in formatting.variant_options(variants, knowledge)
    ]
    if options:
        select = SurfaceSelect(entry.id, options)
        select.item.row = 0
        view.add_item(select)
    link = _link(entry, knowledge)
    if link is not None:
        link.row = 1
        view.add_item(link)
    return view


def sources_view(page: int, total: int) -> discord.ui.View | None:
    if total <= 1:
        return None
    view = _view()
    view.add_item(SourcesPageButton(max(page - 1, 0), "prev", disabled=page <= 0))
    view.add_item(SourcesPageButton(min(page + 1, total - 1), "next", disabled=page >= total - 1))
    return view
