"""One slash command per surface, generated from the knowledge's `surfaces.yaml`.

Names and descriptions come from each surface's `command` block, so a different knowledge
set gets different commands without a code change. With a question the answer is restricted
to that surface; without one the surface's overview card is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import formatting, respond

if TYPE_CHECKING:
    from bot.discord_app.client import PolicyBot
    from bot.knowledge.model import Surface


class Surfaces(commands.Cog):
    """Holds the generated per-surface commands and adds them to the tree on load."""

    def __init__(self, bot: PolicyBot) -> None:
        self.bot = bot
        self.commands_by_surface = [
            self._build(surface) for surface in bot.service.knowledge.surfaces.values()
        ]

    async def cog_load(self) -> None:
        for command in self.commands_by_surface:
            self.bot.tree.add_command(command)

    async def cog_unload(self) -> None:
        for command in self.commands_by_surface:
            self.bot.tree.remove_command(command.name)

    def _build(self, surface: Surface) -> app_commands.Command:
        service = self.bot.service
        surface_id = surface.id

        async def callback(
            interaction: discord.Interaction,
            question: app_commands.Range[str, 1, 1000] | None = None,
        ) -> None:
            current = service.knowledge.surfaces.get(surface_id)
            if question:
                result = service.ask(question, surface_id)
                await respond.send_result(interaction, result, ephemeral=False)
                return
            if current is None:
                raise LookupError(f"surface {surface_id} is no longer in the knowledge")
            respond.note(interaction, "overview")
            embed = formatting.overview_embed(current, service.knowledge)
            await interaction.response.send_message(embed=embed)

        described = app_commands.describe(question="Your question about this product (optional)")
        return app_commands.Command(
            name=surface.command_name,
            description=formatting.clip(surface.command_description, 100),
            callback=described(callback),
        )


async def setup(bot: PolicyBot) -> None:
    await bot.add_cog(Surfaces(bot))
