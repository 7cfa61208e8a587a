"""Curator commands: `/gaps` (what the bot could not answer) and `/kb` (the knowledge itself).

This is the loop that makes policybot better: questions it could not answer are grouped in
storage; here a curator sees them ranked, teaches an entry the phrasing in one command
(effective at once for everyone, exportable with `policybot aliases export`), reloads the
knowledge after editing the YAML, and sees what to review.

Both groups are hidden from members without Manage Server (`default_permissions`) and only
usable in servers (`guild_only`); because a server admin can override visibility, every
command is also checked at run time (`curation_views.require_curator`). The cog calls the
answer service, storage and the formatter; it holds no SQL and builds no text.
"""

from __future__ import annotations

import asyncio
import io
import logging
from datetime import date
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import curation_views, formatting, respond
from bot.discord_app.records import is_placeholder
from bot.errors import PolicybotError
from bot.knowledge.loader import check_knowledge
from bot.storage.base import GapNotFound, GapNotOpen, GapStatus
from bot.storage.export import gaps_csv

if TYPE_CHECKING:
    from bot.discord_app.client import PolicyBot
    from bot.knowledge.model import Knowledge

log = logging.getLogger(__name__)

#: Enough rows for any export a curator could want, bounded all the same.
EXPORT_LIMIT = 10_000
CURATORS = discord.Permissions(manage_guild=True)


class UnknownEntryId(PolicybotError):
    """`/gaps resolve` named an entry id the knowledge does not have."""

    user_message = formatting.UNKNOWN_ENTRY_ID


class NothingToTeach(PolicybotError):
    """The gap has no words to learn: a 👎 recorded without the asker's question."""

    user_message = formatting.NOTHING_TO_TEACH


class NotManager(PolicybotError):
    """Choosing the curator role is reserved to Manage Server, so a curator cannot widen it."""

    user_message = formatting.NOT_MANAGER


async def curators_only(interaction: discord.Interaction) -> bool:
    """App-command check: Manage Server or the curator role, else one ephemeral sentence.

    The refusal is raised as a `CheckFailure` (what the tree handles) caused by `NotCurator`,
    whose sentence `tree.user_message_for` shows. A storage outage while reading the curator
    role is wrapped the same way: anything else raised from a check would escape the tree's
    error handler and leave the member with "This interaction failed".
    """
    try:
        await curation_views.require_curator(interaction)
    except PolicybotError as exc:
        raise app_commands.CheckFailure("not a curator") from exc
    return True


async def managers_only(interaction: discord.Interaction) -> bool:
    if not curation_views.can_manage(interaction):
        raise app_commands.CheckFailure("not a manager") from NotManager()
    return True


class Curation(commands.Cog):
    """`/gaps list|resolve|dismiss|export` and `/kb reload|stats|review|config curator-role`."""

    def __init__(self, bot: PolicyBot) -> None:
        self.bot = bot
        self._reloading = asyncio.Lock()
        self.gaps = self._build_gaps()
        self.kb = self._build_kb()

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*curation_views.CURATION_ITEMS)
        self.bot.tree.add_command(self.gaps)
        self.bot.tree.add_command(self.kb)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.gaps.name)
        self.bot.tree.remove_command(self.kb.name)
        self.bot.remove_dynamic_items(*curation_views.CURATION_ITEMS)

    def _curator_hash(self, interaction: discord.Interaction) -> str:
        return self.bot.records.user_hash(interaction.user.id)

    # ------------------------------------------------------------------------- /gaps
    def _build_gaps(self) -> app_commands.Group:
        bot = self.bot
        gaps = app_commands.Group(
            name="gaps",
            description="Questions the bot could not answer, for curators",
            guild_only=True,
            default_permissions=CURATORS,
        )
        statuses = [app_commands.Choice(name=s.value, value=s.value) for s in GapStatus]
        surfaces = [
            app_commands.Choice(name=name, value=value)
            for name, value in formatting.surface_choices(bot.service.knowledge)
        ]

        @gaps.command(name="list", description="Gap groups ranked by how often they were asked")
        @app_commands.describe(status="Which gaps (default: open)", surface="Only this product")
        @app_commands.choices(status=statuses, surface=surfaces)
        @app_commands.check(curators_only)
        async def list_(
            interaction: discord.Interaction,
            status: str = GapStatus.OPEN.value,
            surface: str | None = None,
        ) -> None:
            respond.note(interaction, "gaps-list")
            embed, view = await curation_views.gaps_message(
                bot, GapStatus(status), surface, 0, interaction.user.id
            )
            if view is None:
                await interaction.response.send_message(embed=embed, ephemeral=True)
            else:
                await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

        @gaps.command(name="resolve", description="Teach an entry this gap's question")
        @app_commands.describe(
            gap="The gap id from /gaps list", entry="The entry that answers it",
            phrasing="The wording to teach instead of the question as asked (leave out "
                     "anything personal: taught wordings are shown in autocomplete)")
        @app_commands.check(curators_only)
        async def resolve(
            interaction: discord.Interaction,
            gap: app_commands.Range[int, 1],
            entry: app_commands.Range[str, 1, 100],
            phrasing: app_commands.Range[str, 1, 300] | None = None,
        ) -> None:
            storage = curation_views.storage_of(bot)
            group = await storage.get_gap(gap)
            if group is None:
                raise GapNotFound(f"gap {gap}")
            if group.status != GapStatus.OPEN:
                raise GapNotOpen(f"gap {gap} is {group.status}")
            if is_placeholder(group.question):
                raise NothingToTeach(f"gap {gap} is a 👎 without a question")
            known = bot.service.entry(entry.strip())
            if known is None:
                raise UnknownEntryId(f"entry {entry!r}")
            # The service first: it refuses unknown entries, and answering must not wait on
            # the database; storage then closes the gap and keeps the phrasing for restarts.
            taught = (phrasing or "").strip() or group.question
            bot.service.add_alias(known.id, taught)
            closed = await storage.resolve_gap(gap, known.id, self._curator_hash(interaction),
                                               taught)
            respond.note(interaction, "gap-resolved", known.id)
            now = bot.service.ask(taught, explain=False).entry  # set only on answers
            await interaction.response.send_message(
                formatting.gap_resolved(closed, known, now, taught), ephemeral=True
            )

        @resolve.autocomplete("entry")
        async def complete_entry(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            try:
                allowed = await curation_views.is_curator(interaction)
            except PolicybotError:
                allowed = False
            return entry_choices(bot.service.knowledge, current) if allowed else []

        @gaps.command(name="dismiss", description="Close a gap without an answer")
        @app_commands.describe(gap="The gap id from /gaps list", reason="Why (curators see it)")
        @app_commands.check(curators_only)
        async def dismiss(
            interaction: discord.Interaction,
            gap: app_commands.Range[int, 1],
            reason: app_commands.Range[str, 1, 200] | None = None,
        ) -> None:
            storage = curation_views.storage_of(bot)
            closed = await storage.dismiss_gap(gap, reason, self._curator_hash(interaction))
            respond.note(interaction, "gap-dismissed")
            await interaction.response.send_message(
                formatting.gap_dismissed(closed), ephemeral=True
            )

        @gaps.command(name="export", description="Every gap group as a CSV file")
        @app_commands.check(curators_only)
        async def export(interaction: discord.Interaction) -> None:
            storage = curation_views.storage_of(bot)
            groups = await storage.list_gaps(None, None, EXPORT_LIMIT, 0)
            data = gaps_csv(groups).encode("utf-8")
            name = formatting.gaps_export_filename(date.today().isoformat())
            respond.note(interaction, "gaps-export")
            await interaction.response.send_message(
                formatting.gaps_exported(len(groups)),
                file=discord.File(io.BytesIO(data), filename=name),
                ephemeral=True,
            )

        return gaps

    # ------------------------------------------------------------------------- /kb
    def _build_kb(self) -> app_commands.Group:
        bot = self.bot
        kb = app_commands.Group(
            name="kb",
            description="The knowledge base, for curators",
            guild_only=True,
            default_permissions=CURATORS,
        )
        config = app_commands.Group(
            name="config", description="Curation settings for this server", parent=kb
        )

        @kb.command(
            name="reload", description="Re-read the knowledge files; keeps the old on error"
        )
        @app_commands.check(curators_only)
        async def reload(interaction: discord.Interaction) -> None:
            await interaction.response.defer(ephemeral=True, thinking=True)
            async with self._reloading:
                before = bot.service.knowledge
                # Loading parses every YAML file: seconds of CPU on a big knowledge base,
                # so it runs in a thread and the gateway keeps its heartbeat meanwhile.
                fresh, problems = await asyncio.to_thread(check_knowledge, bot.settings.knowledge)
                if fresh is None or problems:
                    respond.note(interaction, "reload-refused")
                    log.warning("knowledge reload refused: %d problem(s)", len(problems))
                    embed = formatting.reload_problems_embed(problems, before)
                else:
                    bot.service.reload(fresh)
                    bot.cards.warm(fresh)
                    respond.note(interaction, "reloaded")
                    aliases = len(bot.service.snapshot.aliases)
                    embed = formatting.reload_ok_embed(before, fresh, aliases)
            await interaction.followup.send(embed=embed, ephemeral=True)

        @kb.command(name="stats", description="Questions, outcomes, votes and top gaps")
        @app_commands.check(curators_only)
        async def stats(interaction: discord.Interaction) -> None:
            storage = curation_views.storage_of(bot)
            await bot.records.flush_counts()  # the counts of the last second too
            totals = await storage.stats(top=5)
            respond.note(interaction, "stats")
            embed = formatting.stats_embed(totals, bot.service.knowledge)
            await interaction.response.send_message(embed=embed, ephemeral=True)

        @kb.command(name="review", description="Entries with a review note or an old source")
        @app_commands.check(curators_only)
        async def review(interaction: discord.Interaction) -> None:
            respond.note(interaction, "review")
            embed, view = curation_views.review_message(bot, 0, interaction.user.id)
            if view is None:
                await interaction.response.send_message(embed=embed, ephemeral=True)
            else:
                await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

        @config.command(name="curator-role", description="The role that may curate here")
        @app_commands.describe(role="Members with this role may curate; leave empty to clear")
        @app_commands.check(managers_only)
        async def curator_role(
            interaction: discord.Interaction, role: discord.Role | None = None
        ) -> None:
            storage = curation_views.storage_of(bot)
            if interaction.guild_id is None:
                raise NotManager("outside a server")
            await storage.set_curator_role(interaction.guild_id, role.id if role else None)
            respond.note(interaction, "curator-role")
            await interaction.response.send_message(
                formatting.curator_role_set(role.name if role else None), ephemeral=True
            )

        return kb


def entry_choices(knowledge: Knowledge, current: str) -> list[app_commands.Choice[str]]:
    """Entries whose id or title contains what was typed; id and title prefixes first."""
    typed = " ".join(current.casefold().split())
    ranked: list[tuple[int, str, str]] = []
    for entry in knowledge.entries.values():
        title = entry.title.casefold()
        if typed and typed not in entry.id and typed not in title:
            continue
        rank = 0 if entry.id.startswith(typed) or title.startswith(typed) else 1
        ranked.append((rank, entry.id, entry.title))
    ranked.sort()
    return [
        app_commands.Choice(name=formatting.choice_name(f"{title} ({eid})"), value=eid)
        for _rank, eid, title in ranked[: formatting.CHOICES_MAX]
    ]


async def setup(bot: PolicyBot) -> None:
    await bot.add_cog(Curation(bot))
