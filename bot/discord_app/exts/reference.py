"""/compare (the terms side by side) and /sources (the documents answers quote)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import formatting, respond, views

if TYPE_CHECKING:
    from bot.discord_app.client import PolicyBot


class Reference(commands.Cog):
    """Reference cards read straight from the knowledge; nothing is matched here."""

    def __init__(self, bot: PolicyBot) -> None:
        self.bot = bot

    @app_commands.command(name="compare", description="Compare the sets of terms side by side")
    async def compare(self, interaction: discord.Interaction) -> None:
        respond.note(interaction, "compare")
        embed = formatting.comparison_embed(self.bot.service.knowledge)
        await interaction.response.send_message(embed=embed)

    @app_commands.command(name="sources", description="The official documents answers quote")
    async def sources(self, interaction: discord.Interaction) -> None:
        respond.note(interaction, "sources")
        page = formatting.sources_page(self.bot.service.knowledge, 0)
        view = views.sources_view(page.number, page.total)
        if view is None:
            await interaction.response.send_message(embed=page.embed)
        else:
            await interaction.response.send_message(embed=page.embed, view=view)


async def setup(bot: PolicyBot) -> None:
    await bot.add_cog(Reference(bot))
