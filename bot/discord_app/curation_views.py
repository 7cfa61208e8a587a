"""Who may curate, and the paged listings curators see (`/gaps list`, `/kb review`).

The access rule lives here, not in the cog, because it guards two doors: the slash commands
and the Previous/Next buttons under their replies. `default_permissions` only hides the
commands; a server admin can override that per channel or role, so every command and every
click is checked again at run time against Manage Server or the guild's curator role.

Page buttons are persistent `DynamicItem`s whose `custom_id` carries the listing's filters,
the page to show and the id of the curator who asked, so paging survives a restart and nobody
else can page (or, on a shared screen, re-run) someone's listing.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import discord

from bot.discord_app import formatting, respond
from bot.discord_app.views import _Guarded
from bot.errors import NotCurator, PolicybotError
from bot.knowledge.model import Entry, Knowledge
from bot.storage.base import GapStatus

#: Short codes keep the page buttons' custom ids within Discord's 100 characters.
STATUS_CODES = {GapStatus.OPEN: "o", GapStatus.RESOLVED: "r", GapStatus.DISMISSED: "d"}
_STATUS_BY_CODE = {code: status for status, code in STATUS_CODES.items()}


class NeedsStorage(PolicybotError):
    """Curation reads and writes the database; a bot started without one cannot curate."""

    user_message = formatting.NEEDS_STORAGE


class NotYourListing(PolicybotError):
    """A page button pressed by someone other than the curator who ran the listing."""

    user_message = formatting.NOT_YOURS


def storage_of(client: Any) -> Any:
    storage = client.records.storage
    if storage is None:
        raise NeedsStorage("no storage configured")
    return storage


def can_manage(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator) in the resolved permissions Discord sent."""
    perms = interaction.permissions
    return interaction.guild_id is not None and (perms.manage_guild or perms.administrator)


async def is_curator(interaction: discord.Interaction) -> bool:
    """Manage Server, or the curator role configured for this guild with `/kb config`."""
    if interaction.guild_id is None:
        return False
    if can_manage(interaction):
        return True
    storage = interaction.client.records.storage  # type: ignore[attr-defined]
    if storage is None:
        return False
    config = await storage.guild_config(interaction.guild_id)
    member = interaction.user
    if config.curator_role_id is None or not isinstance(member, discord.Member):
        return False
    return any(role.id == config.curator_role_id for role in member.roles)


async def require_curator(interaction: discord.Interaction) -> None:
    """Raise `NotCurator` (one short ephemeral sentence) unless the member may curate."""
    if not await is_curator(interaction):
        raise NotCurator("member is neither manager nor curator")


# ----------------------------------------------------------------------------- /gaps list
async def gaps_message(
    client: Any, status: GapStatus, surface: str | None, page: int, owner_id: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    """The embed and page buttons for one page of gap groups (ranked by count)."""
    storage = storage_of(client)
    knowledge = client.service.knowledge
    total_groups = await storage.count_gaps(status, surface)
    pages = max(1, -(-total_groups // formatting.GAPS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    groups = await storage.list_gaps(
        status, surface, formatting.GAPS_PER_PAGE, page * formatting.GAPS_PER_PAGE
    )
    shown = formatting.gaps_page(
        groups, knowledge, page=page, total_groups=total_groups, status=status, surface=surface
    )
    if shown.total <= 1:
        return shown.embed, None
    view = discord.ui.View(timeout=None)
    for direction, target, disabled in (
        ("p", page - 1, page <= 0),
        ("n", page + 1, page >= shown.total - 1),
    ):
        view.add_item(
            GapsPageButton(status, surface, max(target, 0), direction, owner_id, disabled)
        )
    return shown.embed, view


class GapsPageButton(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=(
        r"pb:gp:(?P<status>[ord]):(?P<page>\d{1,4}):(?P<dir>[pn]):(?P<owner>\d{1,20})"
        r":(?P<surface>[a-z0-9-]{0,64})"
    ),
):
    """Previous/Next under `/gaps list`; edits the listing in place, for its curator only."""

    name = "gaps-page"

    def __init__(
        self,
        status: GapStatus,
        surface: str | None,
        page: int,
        direction: str,
        owner_id: int,
        disabled: bool = False,
    ) -> None:
        self.status, self.surface, self.page, self.owner_id = status, surface, page, owner_id
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "p" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=(
                    f"pb:gp:{STATUS_CODES[status]}:{page}:{direction}:{owner_id}:{surface or ''}"
                ),
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> GapsPageButton:
        return cls(
            _STATUS_BY_CODE[match["status"]],
            match["surface"] or None,
            int(match["page"]),
            match["dir"],
            int(match["owner"]),
        )

    async def run(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYourListing("page button of another curator")
        await require_curator(interaction)
        respond.note(interaction, "gaps-page")
        embed, view = await gaps_message(
            interaction.client, self.status, self.surface, self.page, self.owner_id
        )
        await interaction.response.edit_message(embed=embed, view=view)


# ----------------------------------------------------------------------------- /kb review
def review_items(
    knowledge: Knowledge, max_age_days: int, today: date
) -> list[tuple[Entry, list[str]]]:
    """Entries due for a curator's look, each with why: a `review:` note on the entry or its
    source, or a source last verified more than `max_age_days` ago. Most overdue first."""
    due: list[tuple[int, Entry, list[str]]] = []
    for entry in knowledge.entries.values():
        reasons: list[str] = []
        age = 0
        if entry.review:
            reasons.append(f"review: {entry.review}")
        source = knowledge.sources.get(entry.source)
        if source is not None:
            if source.review:
                reasons.append(f"source {source.id} review: {source.review}")
            try:
                age = (today - date.fromisoformat(source.verified)).days
            except ValueError:
                reasons.append(f"source {source.id} has no valid verified date")
            else:
                if age > max_age_days:
                    reasons.append(
                        f"source {source.id} verified {source.verified}, {age} days ago "
                        f"(limit {max_age_days})"
                    )
        if reasons:
            due.append((age, entry, reasons))
    due.sort(key=lambda item: (-item[0], item[1].id))
    return [(entry, reasons) for _age, entry, reasons in due]


def review_message(
    client: Any, page: int, owner_id: int
) -> tuple[discord.Embed, discord.ui.View | None]:
    items = review_items(client.service.knowledge, client.settings.review_age_days, date.today())
    shown = formatting.review_page(items, page)
    if shown.total <= 1:
        return shown.embed, None
    view = discord.ui.View(timeout=None)
    view.add_item(ReviewPageButton(max(shown.number - 1, 0), "p", owner_id, shown.number <= 0))
    view.add_item(
        ReviewPageButton(
            min(shown.number + 1, shown.total - 1), "n", owner_id, shown.number >= shown.total - 1
        )
    )
    return shown.embed, view


class ReviewPageButton(
    _Guarded,
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"pb:rv:(?P<page>\d{1,4}):(?P<dir>[pn]):(?P<owner>\d{1,20})",
):
    """Previous/Next under `/kb review`, for the curator who ran it."""

    name = "review-page"

    def __init__(self, page: int, direction: str, owner_id: int, disabled: bool = False) -> None:
        self.page, self.owner_id = page, owner_id
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "p" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:rv:{page}:{direction}:{owner_id}",
                disabled=disabled,
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str], /
    ) -> ReviewPageButton:
        return cls(int(match["page"]), match["dir"], int(match["owner"]))

    async def run(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYourListing("page button of another curator")
        await require_curator(interaction)
        respond.note(interaction, "review-page")
        embed, view = review_message(interaction.client, self.page, self.owner_id)
        await interaction.response.edit_message(embed=embed, view=view)


CURATION_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    GapsPageButton,
    ReviewPageButton,
)
