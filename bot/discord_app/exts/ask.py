"""/ask, the "Ask policybot" message menu, and answers when the bot is mentioned.

Commands are built when the cog is created, from the knowledge the bot serves, because
the `surface` choices come from `surfaces.yaml`: nothing about a vendor is written here.
"""

from __future__ import annotations

import logging
import re
import time
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_app import formatting, respond

if TYPE_CHECKING:
    from bot.discord_app.client import PolicyBot

log = logging.getLogger(__name__)

CONTEXT_MENU_NAME = "Ask policybot"


class Ask(commands.Cog):
    """The general question, in three forms: slash command, message menu and mention."""

    def __init__(self, bot: PolicyBot) -> None:
        self.bot = bot
        self.ask_command = self._build_ask()
        self.menu = app_commands.ContextMenu(name=CONTEXT_MENU_NAME, callback=self._ask_message)

    async def cog_load(self) -> None:
        self.bot.tree.add_command(self.ask_command)
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.tree.remove_command(self.ask_command.name)
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    def _build_ask(self) -> app_commands.Command:
        choices = [
            app_commands.Choice(name=name, value=value)
            for name, value in formatting.surface_choices(self.bot.service.knowledge)
        ]
        service = self.bot.service

        @app_commands.command(name="ask", description="Ask a question about data and privacy")
        @app_commands.describe(
            question="Your question, in your own words",
            surface="The product you use, if the answer depends on it",
            private="Only you see the answer",
        )
        @app_commands.choices(surface=choices)
        async def ask(
            interaction: discord.Interaction,
            question: app_commands.Range[str, 1, 1000],
            surface: str | None = None,
            private: bool = False,
        ) -> None:
            result = service.ask(question, surface)
            await respond.send_result(interaction, result, ephemeral=private)

        @ask.autocomplete("question")
        async def complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            picks = service.complete(current, formatting.CHOICES_MAX)
            return [
                app_commands.Choice(
                    name=formatting.choice_name(q), value=formatting.choice_value(q)
                )
                for q, _entry_id in picks
            ][: formatting.CHOICES_MAX]

        return ask

    async def _ask_message(
        self, interaction: discord.Interaction, message: discord.Message
    ) -> None:
        text = strip_mentions(message.content or "")
        result = self.bot.service.ask(text)
        content = formatting.context_line(message.jump_url, message.author.display_name)
        await respond.send_result(interaction, result, ephemeral=False, content=content)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """Answer when mentioned; never answer bots (including itself) or pings by role."""
        me = self.bot.user
        if me is None or message.author.bot or message.author.id == me.id:
            return
        if message.guild is None or not any(u.id == me.id for u in message.mentions):
            return
        started = time.perf_counter()
        question = strip_mentions(message.content or "")
        if not question:
            await message.reply(formatting.mention_hint(me.display_name))
            return
        guard = self.bot.guards
        if guard.admit(message.author.id) > 0:
            # No ephemeral messages outside interactions: a public "slow down" would only
            # add to the noise, so a mention inside the cooldown is ignored.
            log.info("interaction command=mention outcome=cooldown entry=- latency_ms=0.0")
            return
        result = self.bot.service.ask(question)
        outcome = str(result.outcome)
        earlier = guard.earlier_answer(message.channel.id, result)
        if earlier is not None:
            outcome = "duplicate"
            await message.reply(formatting.duplicate_answer(earlier), mention_author=False)
        else:
            sent = await respond.reply_to_message(self.bot, message, result)
            guard.answered(message.channel.id, result, sent.jump_url)
        log.info(
            "interaction command=mention outcome=%s entry=%s latency_ms=%.1f",
            outcome,
            result.entry.id if result.entry else "-",
            (time.perf_counter() - started) * 1000,
        )


_MENTION = re.compile(r"<@!?\d+>|<@&\d+>|<#\d+>")


def strip_mentions(text: str) -> str:
    """The question without user, role and channel mentions, trimmed."""
    return " ".join(_MENTION.sub(" ", text).split())


async def setup(bot: PolicyBot) -> None:
    await bot.add_cog(Ask(bot))
