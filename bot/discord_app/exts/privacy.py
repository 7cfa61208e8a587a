"""/forget-me and /privacy: the bot's own data practices, stated and enforceable by anyone.

Both answers are ephemeral: what one person stores or deletes is nobody else's business.
Deleting goes through `Records.forget` (keyed hash, never the raw id), and a storage
failure is said plainly instead of claiming a deletion that did not happen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import formatting, respond

if TYPE_CHECKING:
    from bot.discord_app.client import PolicyBot


class Privacy(commands.Cog):
    """The two privacy commands; names are a contract (docs and outside checks use them)."""

    def __init__(self, bot: PolicyBot) -> None:
        self.bot = bot

    @app_commands.command(
        name="forget-me", description="Delete everything this bot stores about you"
    )
    async def forget_me(self, interaction: discord.Interaction) -> None:
        records = self.bot.records
        if records.storage is None:
            respond.note(interaction, "forget-none")
            await interaction.response.send_message(
                formatting.FORGET_NOTHING_STORED, ephemeral=True
            )
            return
        # Deleting can wait on a busy database; deferring keeps the 3-second window.
        await interaction.response.defer(ephemeral=True, thinking=True)
        removed = await records.forget(interaction.user.id)
        if removed is None:
            respond.note(interaction, "forget-failed")
            await interaction.followup.send(formatting.FORGET_FAILED, ephemeral=True)
            return
        respond.note(interaction, f"forgot-{removed}")
        await interaction.followup.send(formatting.forgotten(removed), ephemeral=True)

    @app_commands.command(
        name="privacy", description="What this bot stores about you, why, and for how long"
    )
    async def privacy(self, interaction: discord.Interaction) -> None:
        respond.note(interaction, "privacy")
        embed = formatting.privacy_embed(
            self.bot.settings.retention_days, has_storage=self.bot.records.storage is not None
        )
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: PolicyBot) -> None:
    await bot.add_cog(Privacy(bot))
